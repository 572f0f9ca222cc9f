//! Character code pages: text to the single bytes a thermal printer prints.
//!
//! ESC/POS printers print one byte per character from the code page chosen with
//! `ESC t n`. Patient and clinic names carry accents ("José", "Müller"), so a ticket
//! always selects its code page explicitly and every text goes through [`CodePage::encode`]:
//! ASCII passes through, other characters are looked up in the page's upper half, and
//! anything the page cannot show becomes `?` (never a wrong letter, never a control byte).
//!
//! The escpos crate has page tables too, but it falls back to UTF-8 bytes for
//! characters outside the page (which print as garbage) and its PC858 table is off by
//! one around `®`; this small encoder is exact and also decodes, which the renderer needs.

/// The upper half (0x80..=0xFF) of code page 858 (code page 850 with `€` at 0xD5).
const PC858_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅ\
ÉæÆôöòûùÿÖÜø£Ø×ƒ\
áíóúñÑªº¿®¬½¼¡«»\
░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
└┴┬├─┼ãÃ╚╔╩╦╠═╬¤\
ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀\
ÓßÔÒõÕµþÞÚÛÙýÝ¯´\
\u{AD}±‗¾¶§÷¸°¨·¹³²■\u{A0}";

/// Windows-1252 0x80..=0x9F; `\0` marks the five unassigned positions.
const WPC1252_C1: &str = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";

/// A code page the ticket encoder can select and encode text into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CodePage {
    /// PC858 (Multilingual Latin I + Euro), `ESC t 19`. Supported by nearly every
    /// Epson-compatible printer, hence the default.
    #[default]
    Pc858,
    /// Windows-1252 (Latin 1), `ESC t 16`.
    Wpc1252,
}

impl CodePage {
    /// The `n` of `ESC t n` that selects this page (Epson numbering).
    pub fn esc_t(self) -> u8 {
        match self {
            CodePage::Pc858 => 19,
            CodePage::Wpc1252 => 16,
        }
    }

    /// The page selected by `ESC t n`, if it is one this crate knows.
    pub fn from_esc_t(n: u8) -> Option<CodePage> {
        match n {
            19 => Some(CodePage::Pc858),
            16 => Some(CodePage::Wpc1252),
            _ => None,
        }
    }

    /// The escpos crate's name for this page.
    pub fn to_escpos(self) -> escpos::utils::PageCode {
        match self {
            CodePage::Pc858 => escpos::utils::PageCode::PC858,
            CodePage::Wpc1252 => escpos::utils::PageCode::WPC1252,
        }
    }

    /// The character printed for byte `b` (bytes below 0x20 are control codes and
    /// decode to `None`, as do unassigned positions).
    pub fn decode_byte(self, b: u8) -> Option<char> {
        match b {
            0x00..=0x1F | 0x7F => None,
            0x20..=0x7E => Some(char::from(b)),
            _ => match self {
                CodePage::Pc858 => PC858_HIGH.chars().nth(usize::from(b - 0x80)),
                CodePage::Wpc1252 if b < 0xA0 => WPC1252_C1
                    .chars()
                    .nth(usize::from(b - 0x80))
                    .filter(|c| *c != '\0'),
                // 0xA0..=0xFF of Windows-1252 is Latin-1, the same as Unicode.
                CodePage::Wpc1252 => Some(char::from(b)),
            },
        }
    }

    /// Encodes one character; `None` when the page has no such character.
    pub fn encode_char(self, c: char) -> Option<u8> {
        if (' '..='~').contains(&c) {
            return u8::try_from(c).ok();
        }
        (0x80..=0xFF_u8).find(|b| self.decode_byte(*b) == Some(c))
    }

    /// Encodes `text` for the printer: one byte per character, `?` for characters the
    /// page cannot print (including control characters such as tabs or newlines, so a
    /// caller's text can never inject an ESC/POS command).
    pub fn encode(self, text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| self.encode_char(c).unwrap_or(b'?'))
            .collect()
    }

    /// Decodes printer bytes back to text (`?` for bytes that are not printable).
    pub fn decode(self, bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| self.decode_byte(*b).unwrap_or('?'))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_128_entries() {
        assert_eq!(PC858_HIGH.chars().count(), 128);
        assert_eq!(WPC1252_C1.chars().count(), 32);
    }

    #[test]
    fn every_byte_round_trips() {
        for page in [CodePage::Pc858, CodePage::Wpc1252] {
            for b in 0x20..=0xFF_u8 {
                if let Some(c) = page.decode_byte(b) {
                    assert_eq!(page.encode_char(c), Some(b), "{page:?} {b:#x} {c}");
                }
            }
        }
    }
}
