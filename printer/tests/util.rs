//! Helpers shared by the integration tests.

use medicloud_printer::{Layout, PaperWidth, TicketPrint};

/// A typical walk-in ticket.
pub fn ticket() -> TicketPrint {
    TicketPrint {
        clinic_name: "Klinik Pratama Sehat Sentosa".into(),
        label: "A-012".into(),
        service_name_id: "Poli Umum".into(),
        service_name_en: "General Practice".into(),
        issued_at: "Senin, 03-03-2025 08:15".into(),
        people_ahead: 4,
        estimated_wait_minutes: 20,
        priority: None,
        status_url: "https://klinik.example/t/01HQ7F3A".into(),
        message: "Mohon menunggu, Ibu José Müller".into(),
        reprint: false,
    }
}

/// A layout for the given paper width with the default code page.
pub fn layout(width: PaperWidth) -> Layout {
    Layout {
        width,
        ..Layout::default()
    }
}
