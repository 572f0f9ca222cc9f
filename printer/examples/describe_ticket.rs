//! Prints the disassembly and text rendering of a sample ticket; with a path argument
//! also writes its PNG (and an 80 mm test page beside it):
//! `cargo run -p medicloud-printer --example describe_ticket -- /tmp/ticket.png`.
#![allow(clippy::print_stdout)]

use medicloud_printer::{Layout, PaperWidth, PrintError, TicketPrint, describe, encode_ticket};

fn main() -> Result<(), PrintError> {
    let ticket = TicketPrint {
        clinic_name: "Klinik Pratama Sehat Sentosa".into(),
        label: "A-012".into(),
        service_name_id: "Poli Umum".into(),
        service_name_en: "General Practice".into(),
        issued_at: "03-03-2025 08:15".into(),
        people_ahead: 4,
        estimated_wait_minutes: 20,
        priority: Some("Prioritas: Lansia / Elderly".into()),
        status_url: "https://klinik.example/t/7f3a".into(),
        message: "Mohon menunggu, José".into(),
        reprint: true,
    };
    let layout = Layout {
        width: PaperWidth::Mm58,
        ..Layout::default()
    };
    let bytes = encode_ticket(&ticket, &layout)?;
    print!("{}", describe(&bytes));
    print!("{}", medicloud_printer::render::to_text(&bytes, 32));
    if let Some(path) = std::env::args().nth(1) {
        std::fs::write(&path, medicloud_printer::render::to_png(&bytes, 384))
            .map_err(PrintError::Virtual)?;
        let wide = Layout {
            width: PaperWidth::Mm80,
            ..Layout::default()
        };
        let test_page = medicloud_printer::encode_test_page(&wide, "Loket 1")?;
        let png = medicloud_printer::render::to_png(&test_page, 576);
        std::fs::write(format!("{path}.test80.png"), png).map_err(PrintError::Virtual)?;
    }
    Ok(())
}
