//! What a patient takes away from a booking: its QR code (SVG, the code only, for the
//! kiosk's scanner) and its calendar file (RFC 5545: the clinic, the service and the
//! slot, in UTC; no patient's name or number). Pure functions of the booking.

use super::{BookingStatus, BookingView};
use chrono::{DateTime, Utc};
use medicloud_core::i18n::Lang;
use medicloud_core::ids::AppointmentId;
use qrcode::{Color, EcLevel, QrCode};
use std::fmt::Write;

/// White modules around the symbol, as the QR standard asks.
const QUIET: usize = 4;

/// The QR code of `code` as an SVG image: one square per dark module, a quiet zone of
/// four, crisp edges, the code as its title.
pub fn qr_svg(code: &str) -> String {
    // Six characters of the code's alphabet always fit, at any level.
    let Ok(qr) = QrCode::with_error_correction_level(code.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let width = qr.width();
    let size = width + 2 * QUIET;
    let mut path = String::new();
    for (i, color) in qr.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            let _ = write!(path, "M{x} {y}h1v1h-1z");
        }
    }
    let title = escape_xml(code);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\
         <title>{title}</title>\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>\n",
        px = size * 8,
    )
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A TEXT value of RFC 5545 (§3.3.11): backslash, semicolon, comma and line breaks
/// escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded as RFC 5545 (§3.1) asks: at most 75 octets a line (never
/// inside a character), the rest on lines that start with a space; CRLF after each.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The booking as an iCalendar file of one event: `UID` the appointment's id, `DTSTAMP`
/// `now`, start and end in UTC, the service and clinic in `lang` (the other language
/// too in the description), the code to show at the kiosk; cancelled when it is.
pub fn calendar(
    appointment: AppointmentId,
    booking: &BookingView,
    now: DateTime<Utc>,
    lang: Lang,
) -> String {
    let service = match lang {
        Lang::Id => &booking.service_name_id,
        Lang::En => &booking.service_name_en,
    };
    let summary = format!("{service} – {}", booking.clinic_name);
    let description = format!(
        "Kode booking {code}: tunjukkan atau ketik di kiosk klinik saat datang.\n\
         Booking code {code}: show or type it at the clinic's kiosk when you arrive.",
        code = booking.code
    );
    let status = if booking.status == BookingStatus::Cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let mut out = String::new();
    for content in [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Medicloud//Online booking//ID".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{appointment}@medicloud"),
        format!("DTSTAMP:{}", utc(now)),
        format!("DTSTART:{}", utc(booking.start.with_timezone(&Utc))),
        format!("DTEND:{}", utc(booking.end.with_timezone(&Utc))),
        format!("SUMMARY:{}", text(&summary)),
        format!("LOCATION:{}", text(&booking.clinic_name)),
        format!("DESCRIPTION:{}", text(&description)),
        format!("STATUS:{status}"),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ] {
        line(&mut out, &content);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_and_never_inside_a_character() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        line(&mut out, &long);
        for folded in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(folded.len() <= 75, "{} octets", folded.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }

    #[test]
    fn text_values_escape_what_rfc_5545_reserves() {
        assert_eq!(text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
