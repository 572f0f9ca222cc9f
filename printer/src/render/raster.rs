//! Raster rendering at 8 dots/mm: font A cells of 12x24 dots scaled by `GS !`, bold,
//! reverse and justification, QR codes drawn from their stored data, cuts as a dashed
//! line. The glyphs come from the `font8x8` crate (embedded, public domain), drawn 12x16
//! in the 12x24 cell; the output is an 8-bit greyscale PNG.

use font8x8::{BASIC_FONTS, BLOCK_FONTS, BOX_FONTS, LATIN_FONTS, UnicodeFonts};
use qrcode::{Color, EcLevel, QrCode};

use super::{Align, Block, Segment, layout};

const CELL_W: usize = 12;
const CELL_H: usize = 24;
/// Default line spacing (`ESC 2`) adds this many dots under each line.
const LINE_GAP: usize = 6;
/// White space above and below a QR symbol, in modules (the QR quiet zone).
const QR_QUIET: usize = 4;

/// A growing black-and-white page.
struct Page {
    width: usize,
    rows: Vec<Vec<bool>>,
}

impl Page {
    fn grow(&mut self, height: usize) -> usize {
        let top = self.rows.len();
        self.rows.resize(top + height, vec![false; self.width]);
        top
    }

    fn set(&mut self, x: usize, y: usize, black: bool) {
        if let Some(px) = self.rows.get_mut(y).and_then(|row| row.get_mut(x)) {
            *px = black;
        }
    }

    fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let height = u32::try_from(self.rows.len().max(1)).unwrap_or(u32::MAX);
        let width = u32::try_from(self.width).unwrap_or(u32::MAX);
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut data: Vec<u8> = self
            .rows
            .iter()
            .flat_map(|row| row.iter().map(|black| if *black { 0 } else { 255 }))
            .collect();
        if data.is_empty() {
            data = vec![255; self.width];
        }
        // Writing into a Vec cannot fail for I/O reasons, and the sizes match by construction.
        let written = encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&data));
        if let Err(e) = written {
            tracing::warn!(error = %e, "PNG encoding failed");
        }
        out
    }
}

/// An open zero (the font's is slashed and heavy, which at the ticket number's size
/// reads as a black block); a row per byte, the lowest bit leftmost, as in `font8x8`.
const OPEN_ZERO: [u8; 8] = [0x3C, 0x66, 0x66, 0x66, 0x66, 0x66, 0x3C, 0x00];

fn glyph(c: char) -> [u8; 8] {
    if c == '0' {
        return OPEN_ZERO;
    }
    BASIC_FONTS
        .get(c)
        .or_else(|| LATIN_FONTS.get(c))
        .or_else(|| BOX_FONTS.get(c))
        .or_else(|| BLOCK_FONTS.get(c))
        .or_else(|| BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Whether the glyph's pixel at cell coordinates (x in 0..12, y in 0..24) is set.
fn glyph_pixel(g: &[u8; 8], x: usize, y: usize) -> bool {
    // The 8x8 glyph covers cell rows 4..20 (2 dots per glyph row) and all 12 columns.
    if !(4..20).contains(&y) {
        return false;
    }
    let (gx, gy) = (x * 8 / CELL_W, (y - 4) / 2);
    g[gy] & (1 << gx) != 0
}

/// One character placed on a row.
struct Placed {
    c: char,
    width: usize,
    height: usize,
    bold: bool,
    reverse: bool,
}

fn draw_row(page: &mut Page, row: &[Placed], align: Align) {
    let row_w: usize = row.iter().map(|p| p.width * CELL_W).sum();
    let row_h = row
        .iter()
        .map(|p| p.height * CELL_H)
        .max()
        .unwrap_or(CELL_H);
    let top = page.grow(row_h + LINE_GAP);
    let mut x0 = match align {
        Align::Left => 0,
        Align::Centre => page.width.saturating_sub(row_w) / 2,
        Align::Right => page.width.saturating_sub(row_w),
    };
    for p in row {
        let g = glyph(p.c);
        let (w, h) = (p.width * CELL_W, p.height * CELL_H);
        // Characters of different heights share the baseline.
        let y0 = top + row_h - h;
        for y in 0..h {
            for x in 0..w {
                let (cx, cy) = (x / p.width, y / p.height);
                let mut ink = glyph_pixel(&g, cx, cy);
                // Emphasis is a second strike a dot to the right (two on enlarged
                // characters), as a printer does it: thicker strokes whose counters (the
                // holes of 0, 8, B) stay open at every size.
                let shift = p.width.min(2);
                if p.bold && x >= shift {
                    ink |= glyph_pixel(&g, (x - shift) / p.width, cy);
                }
                page.set(x0 + x, y0 + y, ink != p.reverse);
            }
        }
        x0 += w;
    }
}

fn draw_line(page: &mut Page, segments: &[Segment], align: Align) {
    if segments.iter().all(|s| s.text.is_empty()) {
        let h = segments
            .iter()
            .map(|s| usize::from(s.height))
            .max()
            .unwrap_or(1);
        page.grow(h * CELL_H + LINE_GAP);
        return;
    }
    // The printer wraps at the right edge: split the characters into rows that fit.
    let mut row: Vec<Placed> = Vec::new();
    let mut used = 0;
    for s in segments {
        for c in s.text.chars() {
            let width = usize::from(s.width);
            if used + width * CELL_W > page.width && !row.is_empty() {
                draw_row(page, &std::mem::take(&mut row), align);
                used = 0;
            }
            used += width * CELL_W;
            row.push(Placed {
                c,
                width,
                height: usize::from(s.height),
                bold: s.bold,
                reverse: s.reverse,
            });
        }
    }
    draw_row(page, &row, align);
}

fn draw_qr(page: &mut Page, data: &[u8], module: u8, ec: u8, align: Align) {
    let level = match ec {
        48 => EcLevel::L,
        50 => EcLevel::Q,
        51 => EcLevel::H,
        _ => EcLevel::M,
    };
    let Ok(code) = QrCode::with_error_correction_level(data, level) else {
        let text = "[QR data too long]".to_owned();
        let seg = Segment {
            text,
            width: 1,
            height: 1,
            bold: false,
            reverse: false,
        };
        return draw_line(page, &[seg], align);
    };
    let n = usize::from(module);
    let size = code.width() * n;
    let x0 = match align {
        Align::Left => 0,
        Align::Centre => page.width.saturating_sub(size) / 2,
        Align::Right => page.width.saturating_sub(size),
    };
    let top = page.grow(size + 2 * QR_QUIET * n) + QR_QUIET * n;
    for my in 0..code.width() {
        for mx in 0..code.width() {
            if code[(mx, my)] == Color::Dark {
                for y in 0..n {
                    for x in 0..n {
                        page.set(x0 + mx * n + x, top + my * n + y, true);
                    }
                }
            }
        }
    }
}

/// The raster rendering of ESC/POS bytes as a PNG, `width_dots` wide (384 for 58 mm
/// paper, 576 for 80 mm).
pub fn to_png(bytes: &[u8], width_dots: u32) -> Vec<u8> {
    let mut page = Page {
        width: usize::try_from(width_dots).unwrap_or(576),
        rows: Vec::new(),
    };
    page.grow(CELL_H);
    for block in layout(bytes) {
        match block {
            Block::Line { segments, align } => draw_line(&mut page, &segments, align),
            Block::Qr {
                data,
                module,
                ec,
                align,
            } => draw_qr(&mut page, &data, module, ec, align),
            Block::Cut => {
                let y = page.grow(CELL_H) + CELL_H / 2;
                for x in (0..page.width).filter(|x| x % 12 < 6) {
                    page.set(x, y, true);
                }
            }
        }
    }
    page.png()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dots of one row of a character drawn alone, `size` times enlarged, in bold.
    fn row_of(c: char, size: usize, glyph_row: usize) -> Vec<bool> {
        let mut page = Page {
            width: CELL_W * size,
            rows: Vec::new(),
        };
        let placed = Placed {
            c,
            width: size,
            height: size,
            bold: true,
            reverse: false,
        };
        draw_row(&mut page, &[placed], Align::Left);
        // Glyph row r covers cell rows 4 + 2r and 5 + 2r.
        page.rows[(4 + 2 * glyph_row) * size + 1].clone()
    }

    /// Runs of ink across a row.
    fn strokes(row: &[bool]) -> usize {
        row.windows(2).filter(|w| !w[0] && w[1]).count() + usize::from(row[0])
    }

    #[test]
    fn a_large_bold_number_keeps_its_holes_open() {
        for size in 1..=4 {
            // Every row through the hole of 0 and the two holes of 8: two strokes with a
            // hole of at least a sixth of the cell between them, not one block.
            for (c, rows) in [('0', &[1, 2, 3, 4, 5][..]), ('8', &[1, 2, 4, 5][..])] {
                for &glyph_row in rows {
                    let row = row_of(c, size, glyph_row);
                    assert_eq!(
                        strokes(&row),
                        2,
                        "{c} at size {size}, row {glyph_row}: {row:?}"
                    );
                    let hole = row
                        .iter()
                        .skip_while(|ink| !**ink)
                        .skip_while(|ink| **ink)
                        .take_while(|ink| !**ink)
                        .count();
                    assert!(
                        hole * 6 >= CELL_W * size,
                        "{c} at size {size}, row {glyph_row}: hole {hole}"
                    );
                }
            }
        }
    }
}
