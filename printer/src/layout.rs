//! The ticket layout: what a patient's ticket says, turned into ESC/POS bytes.
//!
//! Commands are built with the escpos crate's [`escpos::printer::Printer`] writing into
//! [`Capture`], an in-memory [`escpos::driver::Driver`]: the crate insists on owning a
//! driver, and encoding must not touch a printer (the spool stores the bytes first and
//! sends them later, possibly several times). Text goes through [`CodePage::encode`] and
//! `Printer::custom`, because escpos's own text encoding emits UTF-8 for characters the
//! page lacks instead of a replacement.

use std::cell::RefCell;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};

use crate::codepage::CodePage;
use crate::error::PrintError;

/// Paper roll width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaperWidth {
    /// 58 mm paper: 32 columns of font A, 384 dots.
    Mm58,
    /// 80 mm paper: 48 columns of font A, 576 dots.
    #[default]
    Mm80,
}

impl PaperWidth {
    /// Characters per line in font A at normal size.
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    /// Printable dots per line (8 dots/mm, 12 dots per font A character).
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// QR module size in dots: a status URL (QR version 3 to 5) stays well inside the width.
    pub fn qr_module_size(self) -> u8 {
        match self {
            PaperWidth::Mm58 => 6,
            PaperWidth::Mm80 => 8,
        }
    }
}

/// How tickets are laid out for one printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Layout {
    /// The paper roll in the printer.
    pub width: PaperWidth,
    /// The code page selected at the top of every ticket.
    pub code_page: CodePage,
}

/// Everything printed on a queue ticket; the node fills it in, already formatted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketPrint {
    /// Clinic name, printed bold and centred at the top.
    pub clinic_name: String,
    /// The ticket label, e.g. `A-012`, printed as large as the paper allows.
    pub label: String,
    /// Service name in Bahasa Indonesia, e.g. `Poli Umum`.
    pub service_name_id: String,
    /// Service name in English, e.g. `General Practice`.
    pub service_name_en: String,
    /// Issue time, already formatted in the clinic's local time.
    pub issued_at: String,
    /// Patients ahead in the queue when the ticket was issued.
    pub people_ahead: u32,
    /// Estimated wait in minutes.
    pub estimated_wait_minutes: u32,
    /// Priority lane to print, e.g. `Prioritas: Lansia / Elderly`.
    pub priority: Option<String>,
    /// The URL of the ticket's status page, printed as a QR code (model 2).
    pub status_url: String,
    /// A short message at the bottom, e.g. "Mohon menunggu / Please wait".
    pub message: String,
    /// Prints a `CETAK ULANG / REPRINT` banner: the ticket was printed before.
    pub reprint: bool,
}

/// An in-memory escpos driver that keeps what is written.
#[derive(Debug, Default)]
pub struct Capture(RefCell<Vec<u8>>);

impl Capture {
    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".to_owned()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.try_borrow_mut()?.extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// A small writer over escpos's printer that knows the layout.
struct Doc {
    p: Printer<Capture>,
    layout: Layout,
}

type Res<T = ()> = Result<T, PrintError>;

impl Doc {
    fn start(layout: Layout) -> Res<Doc> {
        let mut p = Printer::new(Capture::default(), Protocol::default(), None);
        p.init()?.page_code(layout.code_page.to_escpos())?;
        Ok(Doc { p, layout })
    }

    /// Text wrapped to the width at the current size, one line per `LF`.
    fn lines(&mut self, text: &str, size: u8) -> Res {
        let cols = self.layout.width.columns() / usize::from(size.max(1));
        for line in wrap(text, cols) {
            self.p
                .custom(&self.layout.code_page.encode(&line))?
                .feed()?;
        }
        Ok(())
    }

    /// `"id / en"` on one line when it fits, else the two languages on their own lines.
    fn bilingual(&mut self, id: &str, en: &str) -> Res {
        let joined = format!("{id} / {en}");
        if joined.chars().count() <= self.layout.width.columns() {
            self.lines(&joined, 1)
        } else {
            self.lines(&format!("{id} /"), 1)?;
            self.lines(en, 1)
        }
    }

    fn bold_lines(&mut self, text: &str) -> Res {
        self.p.bold(true)?;
        self.lines(text, 1)?;
        self.p.bold(false)?;
        Ok(())
    }

    fn rule(&mut self) -> Res {
        self.lines(&"-".repeat(self.layout.width.columns()), 1)
    }

    fn banner(&mut self, text: &str) -> Res {
        self.p.reverse(true)?.bold(true)?;
        self.lines(text, 1)?;
        self.p.bold(false)?.reverse(false)?;
        Ok(())
    }

    fn qr(&mut self, data: &str) -> Res {
        let option = QRCodeOption::new(
            QRCodeModel::Model2,
            self.layout.width.qr_module_size(),
            QRCodeCorrectionLevel::M,
        );
        self.p.qrcode_option(data, option)?.feed()?;
        Ok(())
    }

    fn finish(mut self) -> Res<Vec<u8>> {
        self.p
            .justify(JustifyMode::LEFT)?
            .feeds(3)?
            .cut()?
            .print()?;
        Ok(self.p.driver().into_bytes())
    }
}

/// The largest size multiplier (1..=8) at which `text` fits on one line.
fn largest_size(text: &str, columns: usize) -> u8 {
    let len = text.chars().count().max(1);
    u8::try_from((columns / len).clamp(1, 8)).unwrap_or(1)
}

/// Word wrap to `cols` characters, as a person sets a line: it breaks at spaces, and a
/// phrase that ends in the second half of the line (at `,` `;` `:` `.` or the `/` between
/// two languages) ends the line, so what follows it stays together ("Test Page",
/// "the printer is ready.") instead of being cut after its first word. Words longer than
/// a line are split.
fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let width = |words: &[String]| {
        words.iter().map(|w| w.chars().count()).sum::<usize>() + words.len().saturating_sub(1)
    };
    let mut lines = Vec::new();
    let mut line: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > cols {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line).join(" "));
            }
            lines.push(word.drain(..cols).collect());
        }
        let word: String = word.into_iter().collect();
        let needed = width(&line) + usize::from(!line.is_empty()) + word.chars().count();
        if needed > cols && !line.is_empty() {
            let phrase_end = (0..line.len()).rev().find(|&i| {
                line[i].ends_with([',', ';', ':', '.', '/']) && 2 * width(&line[..=i]) >= cols
            });
            let carried = phrase_end.map_or(0, |i| line.len() - (i + 1));
            let rest_fits = width(&line[line.len() - carried..]) + 1 + word.chars().count() <= cols;
            let keep = match phrase_end {
                Some(i) if rest_fits => i + 1,
                _ => line.len(),
            };
            let rest = line.split_off(keep);
            lines.push(std::mem::replace(&mut line, rest).join(" "));
        }
        line.push(word);
    }
    if !line.is_empty() {
        lines.push(line.join(" "));
    }
    lines
}

/// Encodes a queue ticket: init, code page, clinic name, the label very large, the
/// service in both languages, time, people ahead, estimated wait, priority, the status
/// QR code (model 2), the message, then feed and cut. A reprint carries a banner.
///
/// Fails only when escpos refuses the content (a status URL too long for a QR code).
pub fn encode_ticket(ticket: &TicketPrint, layout: &Layout) -> Result<Vec<u8>, PrintError> {
    let mut d = Doc::start(*layout)?;
    d.p.justify(JustifyMode::CENTER)?;
    if ticket.reprint {
        d.banner(" CETAK ULANG / REPRINT ")?;
    }
    d.bold_lines(&ticket.clinic_name)?;
    d.rule()?;
    let size = largest_size(&ticket.label, layout.width.columns());
    d.p.bold(true)?.size(size, size)?;
    d.lines(&ticket.label, size)?;
    d.p.reset_size()?.bold(false)?;
    d.bold_lines(&ticket.service_name_id)?;
    d.lines(&ticket.service_name_en, 1)?;
    if let Some(priority) = &ticket.priority {
        d.banner(priority)?;
    }
    d.rule()?;
    d.lines(&ticket.issued_at, 1)?;
    d.bilingual(
        "Antrean di depan Anda",
        &format!("People ahead: {}", ticket.people_ahead),
    )?;
    // As the kiosk and the status page say it: "segera" when nobody is ahead.
    let wait = match ticket.estimated_wait_minutes {
        0 => "segera/now".to_owned(),
        minutes => format!("~{minutes} menit/min"),
    };
    d.bilingual("Perkiraan tunggu", &format!("Estimated wait: {wait}"))?;
    d.p.feed()?;
    d.qr(&ticket.status_url)?;
    d.bilingual("Pindai untuk melihat status", "Scan for status")?;
    d.p.feed()?;
    d.lines(&ticket.message, 1)?;
    if ticket.reprint {
        d.banner(" CETAK ULANG / REPRINT ")?;
    }
    d.finish()
}

/// Encodes the admin's test page: printer name, paper width, code page with accented
/// sample names, the size ladder, a QR code and a cut.
pub fn encode_test_page(layout: &Layout, printer_name: &str) -> Result<Vec<u8>, PrintError> {
    let mut d = Doc::start(*layout)?;
    d.p.justify(JustifyMode::CENTER)?;
    d.bold_lines("Medicloud - Halaman Uji / Test Page")?;
    d.rule()?;
    d.p.justify(JustifyMode::LEFT)?;
    d.lines(&format!("Printer: {printer_name}"), 1)?;
    let paper = match layout.width {
        PaperWidth::Mm58 => "58 mm",
        PaperWidth::Mm80 => "80 mm",
    };
    d.lines(&format!("Kertas / Paper: {paper}"), 1)?;
    d.lines(&format!("Kolom / Columns: {}", layout.width.columns()), 1)?;
    let page = match layout.code_page {
        CodePage::Pc858 => "PC858",
        CodePage::Wpc1252 => "WPC1252",
    };
    d.lines(&format!("Kode halaman / Code page: {page}"), 1)?;
    d.lines("Ibu Siti Nurhaliza, José, Müller, Ñandú, Çelik", 1)?;
    let digits: String = (0..layout.width.columns())
        .map(|i| char::from(b'0' + (i % 10) as u8))
        .collect();
    d.lines(&digits, 1)?;
    d.p.justify(JustifyMode::CENTER)?;
    for size in [2, 3, 4] {
        d.p.size(size, size)?;
        d.lines(&format!("{size}x"), size)?;
    }
    d.p.reset_size()?;
    d.qr("https://medicloud.example/test")?;
    d.lines("Jika halaman ini terbaca, printer siap.", 1)?;
    d.lines("If you can read this page, the printer is ready.", 1)?;
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_words_and_splits_long_words() {
        assert_eq!(
            wrap("Poli Umum dan Poli Gigi Klinik Pratama Sehat", 32),
            ["Poli Umum dan Poli Gigi Klinik", "Pratama Sehat"]
        );
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("ab abcdefgh", 3), ["ab", "abc", "def", "gh"]);
        assert_eq!(wrap("  ", 3), Vec::<String>::new());
        assert_eq!(
            wrap("Jika halaman ini terbaca, printer siap.", 48),
            ["Jika halaman ini terbaca, printer siap."]
        );
    }

    #[test]
    fn wrap_ends_a_line_with_a_phrase_that_fills_half_of_it() {
        // The phrase ends (after "/" or ",") and what follows stays together.
        assert_eq!(
            wrap("Antrean di depan Anda / People ahead: 3", 32),
            ["Antrean di depan Anda /", "People ahead: 3"]
        );
        assert_eq!(
            wrap("Medicloud - Halaman Uji / Test Page", 32),
            ["Medicloud - Halaman Uji /", "Test Page"]
        );
        assert_eq!(
            wrap("If you can read this page, the printer is ready.", 32),
            ["If you can read this page,", "the printer is ready."]
        );
        // A phrase ending before half the line is no place to break: "Printer:" stays.
        assert_eq!(
            wrap("Printer: Loket Pendaftaran Utama (TM-T82)", 32),
            ["Printer: Loket Pendaftaran Utama", "(TM-T82)"]
        );
        // When what follows the phrase would not fit on the next line either, the line
        // breaks at its last space.
        assert_eq!(
            wrap("aaaaaaa, bb cccccccccc", 12),
            ["aaaaaaa, bb", "cccccccccc"]
        );
    }

    #[test]
    fn label_gets_the_largest_size_that_fits() {
        assert_eq!(largest_size("A-012", 32), 6);
        assert_eq!(largest_size("A-012", 48), 8);
        assert_eq!(
            largest_size("PRIORITAS-LANSIA-0012-X-Y-Z-AAAAAAAAAAAAAAAAAAAAAAAAA", 32),
            1
        );
    }
}
