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

/// Runs a blocking driver call off the async runtime.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// Decodes the QR codes in a PNG file (greyscale or RGB) with `rqrr`.
pub fn decode_qr(png_path: &std::path::Path) -> Vec<String> {
    let file = std::fs::File::open(png_path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.line_size / w;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        buf[y * info.line_size + x * channels]
    });
    img.detect_grids()
        .into_iter()
        .map(|grid| grid.decode().unwrap().1)
        .collect()
}
