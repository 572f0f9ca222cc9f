//! Renders ESC/POS bytes the way a printer would print them: as plain text
//! ([`to_text`]) and as a raster image ([`to_png`]). Used by the virtual printer.
//!
//! Both renderers share [`layout`]: the bytes are parsed with [`crate::describe::parse`]
//! and interpreted into printed blocks (lines of styled text, QR codes, cuts).

use crate::codepage::CodePage;
use crate::describe::{Command, parse};

mod raster;
mod text;

pub use raster::to_png;
pub use text::to_text;

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The characters, decoded from the code page in force.
    pub text: String,
    /// Width multiplier (1..=8).
    pub width: u8,
    /// Height multiplier (1..=8).
    pub height: u8,
    /// Emphasised.
    pub bold: bool,
    /// White on black.
    pub reverse: bool,
}

/// Justification of a printed line or symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Left.
    #[default]
    Left,
    /// Centre.
    Centre,
    /// Right.
    Right,
}

/// Something the printer puts on paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// One printed line (empty segments: a blank line).
    Line {
        /// The styled runs, left to right.
        segments: Vec<Segment>,
        /// Justification when the line was printed.
        align: Align,
    },
    /// A QR code symbol.
    Qr {
        /// The stored data.
        data: Vec<u8>,
        /// Module size in dots.
        module: u8,
        /// Error correction as sent (48 = L … 51 = H).
        ec: u8,
        /// Justification when it was printed.
        align: Align,
    },
    /// The paper was cut.
    Cut,
}

#[derive(Debug, Clone)]
struct Style {
    page: CodePage,
    align: Align,
    bold: bool,
    reverse: bool,
    width: u8,
    height: u8,
    qr_module: u8,
    qr_ec: u8,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            page: CodePage::default(),
            align: Align::Left,
            bold: false,
            reverse: false,
            width: 1,
            height: 1,
            qr_module: 3,
            qr_ec: 48,
        }
    }
}

/// Interprets ESC/POS bytes into the blocks a printer would print.
pub fn layout(bytes: &[u8]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut style = Style::default();
    let mut line: Vec<Segment> = Vec::new();
    let mut qr_data: Vec<u8> = Vec::new();
    let flush = |line: &mut Vec<Segment>, blocks: &mut Vec<Block>, align| {
        blocks.push(Block::Line {
            segments: std::mem::take(line),
            align,
        });
    };
    for cmd in parse(bytes) {
        match cmd {
            Command::Init => style = Style::default(),
            Command::Justify(n) => {
                style.align = match n {
                    1 => Align::Centre,
                    2 => Align::Right,
                    _ => Align::Left,
                }
            }
            Command::Bold(b) => style.bold = b,
            Command::Reverse(b) => style.reverse = b,
            Command::PrintMode(n) => {
                style.bold = n & 0x08 != 0;
                style.height = if n & 0x10 != 0 { 2 } else { 1 };
                style.width = if n & 0x20 != 0 { 2 } else { 1 };
            }
            Command::Size { width, height } => {
                style.width = width.clamp(1, 8);
                style.height = height.clamp(1, 8);
            }
            Command::CodePage(n) => style.page = CodePage::from_esc_t(n).unwrap_or(style.page),
            Command::Text(bytes) => line.push(Segment {
                text: style.page.decode(&bytes),
                width: style.width,
                height: style.height,
                bold: style.bold,
                reverse: style.reverse,
            }),
            Command::LineFeed => flush(&mut line, &mut blocks, style.align),
            Command::Feed(n) => {
                // Prints the buffer, then feeds: n lines in all.
                for _ in 0..n.max(1) {
                    flush(&mut line, &mut blocks, style.align);
                }
            }
            Command::QrModuleSize(n) => style.qr_module = n.clamp(1, 16),
            Command::QrErrorCorrection(n) => style.qr_ec = n,
            Command::QrStore(data) => qr_data = data,
            Command::QrPrint => {
                if !line.is_empty() {
                    flush(&mut line, &mut blocks, style.align);
                }
                blocks.push(Block::Qr {
                    data: qr_data.clone(),
                    module: style.qr_module,
                    ec: style.qr_ec,
                    align: style.align,
                });
            }
            Command::Cut { .. } => {
                if !line.is_empty() {
                    flush(&mut line, &mut blocks, style.align);
                }
                blocks.push(Block::Cut);
            }
            _ => {}
        }
    }
    if !line.is_empty() {
        flush(&mut line, &mut blocks, style.align);
    }
    blocks
}
