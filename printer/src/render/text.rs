//! Plain-text rendering: one text line per printed line, centred or right-aligned by
//! padding (a character of width w counts w columns), sizes other than 1x1 marked as `[WxH]`, reverse runs as `[REVERSE]`, QR codes
//! as `[QR: data]` and cuts as `--- cut ---`.

use std::fmt::Write as _;

use super::{Align, Block, layout};

/// The plain-text rendering of ESC/POS bytes for a paper of `columns` characters.
pub fn to_text(bytes: &[u8], columns: usize) -> String {
    let mut out = String::new();
    for block in layout(bytes) {
        let (line, visual, align) = match block {
            Block::Line { segments, align } => {
                let mut line = String::new();
                let mut visual = 0;
                for s in segments {
                    visual += s.text.chars().count() * usize::from(s.width);
                    if s.reverse {
                        line.push_str("[REVERSE] ");
                    }
                    if (s.width, s.height) != (1, 1) {
                        let _ = write!(line, "[{}x{}] ", s.width, s.height);
                    }
                    line.push_str(&s.text);
                }
                (line, visual, align)
            }
            Block::Qr { data, align, .. } => {
                let line = format!("[QR: {}]", String::from_utf8_lossy(&data));
                (line.clone(), line.chars().count(), align)
            }
            Block::Cut => ("--- cut ---".to_owned(), 0, Align::Left),
        };
        let line = line.trim_end();
        let pad = match align {
            _ if line.is_empty() => 0,
            Align::Left => 0,
            Align::Centre => columns.saturating_sub(visual) / 2,
            Align::Right => columns.saturating_sub(visual),
        };
        let _ = writeln!(out, "{}{line}", " ".repeat(pad));
    }
    out
}
