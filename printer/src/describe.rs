//! An ESC/POS disassembler: bytes back to commands, for readable snapshots and for the
//! virtual printer's renderers.
//!
//! [`parse`] knows the commands this crate emits plus the common ones a POS application
//! sends (ESC @, ESC a, ESC E, ESC -, ESC G, ESC M, ESC !, ESC d, ESC 2/3, ESC t,
//! GS !, GS B, GS V, GS ( k for QR codes, DLE EOT n, LF, CR, text). Anything else becomes
//! [`Command::Unknown`] so nothing is lost silently.

use std::fmt::Write as _;

use crate::codepage::CodePage;

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const LF: u8 = 0x0A;
const CR: u8 = 0x0D;

/// One ESC/POS command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ESC @`: initialise (reset modes, keep the buffer empty).
    Init,
    /// `ESC a n`: justification, 0 left, 1 centre, 2 right.
    Justify(u8),
    /// `ESC E n`: emphasised (bold) on or off.
    Bold(bool),
    /// `ESC - n`: underline 0 (off), 1 or 2 dots.
    Underline(u8),
    /// `ESC G n`: double-strike on or off.
    DoubleStrike(bool),
    /// `ESC M n`: character font (0 = A, 1 = B).
    Font(u8),
    /// `ESC ! n`: print mode bits (font B, bold, double height, double width, underline).
    PrintMode(u8),
    /// `ESC d n`: print and feed n lines.
    Feed(u8),
    /// `ESC 2` (default, `None`) or `ESC 3 n` line spacing.
    LineSpacing(Option<u8>),
    /// `ESC t n`: character code page.
    CodePage(u8),
    /// `GS ! n`: character size, width and height multipliers 1..=8.
    Size {
        /// Width multiplier.
        width: u8,
        /// Height multiplier.
        height: u8,
    },
    /// `GS B n`: white on black on or off.
    Reverse(bool),
    /// `GS V m [n]`: cut the paper, after feeding `feed` dots for function B.
    Cut {
        /// Partial (one point left) instead of full cut.
        partial: bool,
        /// The `m` parameter as sent.
        m: u8,
        /// Feed amount before the cut (function B only).
        feed: Option<u8>,
    },
    /// `GS ( k … 49 65 n1 n2`: QR model (49 = model 1, 50 = model 2, 51 = micro).
    QrModel(u8),
    /// `GS ( k … 49 67 n`: QR module size in dots.
    QrModuleSize(u8),
    /// `GS ( k … 49 69 n`: QR error correction (48 = L, 49 = M, 50 = Q, 51 = H).
    QrErrorCorrection(u8),
    /// `GS ( k … 49 80 48 d…`: store QR data.
    QrStore(Vec<u8>),
    /// `GS ( k … 49 81 48`: print the stored QR symbol.
    QrPrint,
    /// Another `GS ( k` function (PDF417, other QR functions…): `cn`, `fn` and parameters.
    Symbol {
        /// Symbol type (`cn`).
        cn: u8,
        /// Function (`fn`).
        function: u8,
        /// The remaining parameter bytes.
        params: Vec<u8>,
    },
    /// `DLE EOT n`: real-time status request.
    StatusRequest(u8),
    /// `LF`: print the line and feed one line.
    LineFeed,
    /// `CR`: carriage return (ignored by most printers when LF follows).
    CarriageReturn,
    /// Printable bytes, in the current code page.
    Text(Vec<u8>),
    /// Bytes this parser does not know.
    Unknown(Vec<u8>),
}

/// Splits `bytes` into commands.
pub fn parse(bytes: &[u8]) -> Vec<Command> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (cmd, len) = parse_one(&bytes[i..]);
        out.push(cmd);
        i += len.max(1);
    }
    out
}

/// Parses the command at the start of `b` (never empty); returns it and its length.
fn parse_one(b: &[u8]) -> (Command, usize) {
    let arg = |k: usize| b.get(k).copied();
    let unknown = |n: usize| {
        (
            Command::Unknown(b[..n.min(b.len())].to_vec()),
            n.min(b.len()),
        )
    };
    match b[0] {
        LF => (Command::LineFeed, 1),
        CR => (Command::CarriageReturn, 1),
        ESC => {
            let Some(c) = arg(1) else { return unknown(1) };
            let one = |f: fn(u8) -> Command| match arg(2) {
                Some(n) => (f(n), 3),
                None => unknown(2),
            };
            match c {
                b'@' => (Command::Init, 2),
                b'2' => (Command::LineSpacing(None), 2),
                b'a' => one(|n| Command::Justify(n % 48)),
                b'E' => one(|n| Command::Bold(n & 1 == 1)),
                b'-' => one(|n| Command::Underline(n % 48)),
                b'G' => one(|n| Command::DoubleStrike(n & 1 == 1)),
                b'M' => one(|n| Command::Font(n % 48)),
                b'!' => one(Command::PrintMode),
                b'd' => one(Command::Feed),
                b'3' => one(|n| Command::LineSpacing(Some(n))),
                b't' => one(Command::CodePage),
                _ => unknown(2),
            }
        }
        GS => match arg(1) {
            Some(b'!') => match arg(2) {
                Some(n) => (
                    Command::Size {
                        width: (n >> 4) + 1,
                        height: (n & 0x0F) + 1,
                    },
                    3,
                ),
                None => unknown(2),
            },
            Some(b'B') => match arg(2) {
                Some(n) => (Command::Reverse(n & 1 == 1), 3),
                None => unknown(2),
            },
            Some(b'V') => match arg(2) {
                Some(m @ (0 | 1 | 48 | 49)) => (
                    Command::Cut {
                        partial: m & 1 == 1,
                        m,
                        feed: None,
                    },
                    3,
                ),
                Some(m @ (65 | 66)) => match arg(3) {
                    Some(n) => (
                        Command::Cut {
                            partial: m == 66,
                            m,
                            feed: Some(n),
                        },
                        4,
                    ),
                    None => unknown(3),
                },
                _ => unknown(2),
            },
            Some(b'(') if arg(2) == Some(b'k') => parse_symbol(b),
            _ => unknown(2),
        },
        DLE if arg(1) == Some(EOT) => match arg(2) {
            Some(n) => (Command::StatusRequest(n), 3),
            None => unknown(2),
        },
        0x20.. => {
            let len = b.iter().take_while(|x| **x >= 0x20).count();
            (Command::Text(b[..len].to_vec()), len)
        }
        _ => unknown(1),
    }
}

/// `GS ( k pL pH cn fn [params]`, where `pL + 256 pH` counts the bytes after `pH`.
fn parse_symbol(b: &[u8]) -> (Command, usize) {
    let (Some(&pl), Some(&ph)) = (b.get(3), b.get(4)) else {
        return (Command::Unknown(b.to_vec()), b.len());
    };
    let len = 5 + usize::from(pl) + 256 * usize::from(ph);
    if len > b.len() || len < 7 {
        return (Command::Unknown(b.to_vec()), b.len());
    }
    let (cn, function, params) = (b[5], b[6], &b[7..len]);
    let cmd = match (cn, function, params) {
        (49, 65, [n1, ..]) => Command::QrModel(*n1),
        (49, 67, [n]) => Command::QrModuleSize(*n),
        (49, 69, [n]) => Command::QrErrorCorrection(*n),
        (49, 80, [48, data @ ..]) => Command::QrStore(data.to_vec()),
        (49, 81, [48]) => Command::QrPrint,
        _ => Command::Symbol {
            cn,
            function,
            params: params.to_vec(),
        },
    };
    (cmd, len)
}

/// One line per command, text decoded with the code page the bytes select (PC858 until
/// an `ESC t` says otherwise).
///
/// ```
/// let lines = medicloud_printer::describe(b"\x1b@\x1bt\x13\x1d!\x77A-012\n\x1dVA\x00");
/// assert_eq!(
///     lines,
///     "ESC @ (init)\nESC t 19 (code page PC858)\nGS ! 0x77 (size 8x8)\nTEXT \"A-012\"\nLF\nGS V 65 0 (full cut)\n"
/// );
/// ```
pub fn describe(bytes: &[u8]) -> String {
    let mut page = CodePage::default();
    let mut out = String::new();
    for cmd in parse(bytes) {
        if let Command::CodePage(n) = cmd {
            page = CodePage::from_esc_t(n).unwrap_or(page);
        }
        let _ = writeln!(out, "{}", describe_command(&cmd, page));
    }
    out
}

fn describe_command(cmd: &Command, page: CodePage) -> String {
    let on = |b: bool| if b { "on" } else { "off" };
    match cmd {
        Command::Init => "ESC @ (init)".into(),
        Command::Justify(n) => {
            let how = ["left", "centre", "right"]
                .get(usize::from(*n))
                .unwrap_or(&"?");
            format!("ESC a {n} ({how})")
        }
        Command::Bold(b) => format!("ESC E {} (bold {})", u8::from(*b), on(*b)),
        Command::Underline(n) => format!("ESC - {n} (underline {n})"),
        Command::DoubleStrike(b) => format!("ESC G {} (double strike {})", u8::from(*b), on(*b)),
        Command::Font(n) => format!("ESC M {n} (font {})", if *n == 1 { 'B' } else { 'A' }),
        Command::PrintMode(n) => format!("ESC ! {n:#04x} (print mode)"),
        Command::Feed(n) => format!("ESC d {n} (feed {n})"),
        Command::LineSpacing(None) => "ESC 2 (default line spacing)".into(),
        Command::LineSpacing(Some(n)) => format!("ESC 3 {n} (line spacing {n} dots)"),
        Command::CodePage(n) => match CodePage::from_esc_t(*n) {
            Some(CodePage::Pc858) => format!("ESC t {n} (code page PC858)"),
            Some(CodePage::Wpc1252) => format!("ESC t {n} (code page WPC1252)"),
            None => format!("ESC t {n} (code page)"),
        },
        Command::Size { width, height } => {
            let n = ((width - 1) << 4) | (height - 1);
            format!("GS ! {n:#04x} (size {width}x{height})")
        }
        Command::Reverse(b) => format!("GS B {} (reverse {})", u8::from(*b), on(*b)),
        Command::Cut { partial, m, feed } => {
            let kind = if *partial { "partial cut" } else { "full cut" };
            match feed {
                Some(n) => format!("GS V {m} {n} ({kind})"),
                None => format!("GS V {m} ({kind})"),
            }
        }
        Command::QrModel(n) => format!("GS ( k (QR model {})", n.wrapping_sub(48)),
        Command::QrModuleSize(n) => format!("GS ( k (QR module size {n})"),
        Command::QrErrorCorrection(n) => {
            let level = ["L", "M", "Q", "H"].get(usize::from(n.wrapping_sub(48)));
            format!("GS ( k (QR error correction {})", level.unwrap_or(&"?"))
        }
        Command::QrStore(data) => format!(
            "GS ( k (QR store {} bytes) {:?}",
            data.len(),
            String::from_utf8_lossy(data)
        ),
        Command::QrPrint => "GS ( k (QR print)".into(),
        Command::Symbol {
            cn,
            function,
            params,
        } => {
            format!(
                "GS ( k cn={cn} fn={function} ({} parameter bytes)",
                params.len()
            )
        }
        Command::StatusRequest(n) => {
            let what = match n {
                1 => "printer",
                2 => "offline cause",
                3 => "error cause",
                4 => "roll paper",
                _ => "other",
            };
            format!("DLE EOT {n} (status request: {what})")
        }
        Command::LineFeed => "LF".into(),
        Command::CarriageReturn => "CR".into(),
        Command::Text(bytes) => format!("TEXT {:?}", page.decode(bytes)),
        Command::Unknown(bytes) => {
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("UNKNOWN {}", hex.join(" "))
        }
    }
}
