//! Ticket layouts as readable ESC/POS disassembly.

use expect_test::expect;
use medicloud_printer::{CodePage, Layout, PaperWidth, describe, encode_test_page, encode_ticket};

use crate::util::{layout, ticket};

#[test]
fn ticket_58mm() {
    let bytes = encode_ticket(&ticket(), &layout(PaperWidth::Mm58)).unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 19 (code page PC858)
        ESC a 1 (centre)
        ESC E 1 (bold on)
        TEXT "Klinik Pratama Sehat Sentosa"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "--------------------------------"
        ESC d 1 (feed 1)
        ESC E 1 (bold on)
        GS ! 0x55 (size 6x6)
        TEXT "A-012"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        ESC E 0 (bold off)
        ESC E 1 (bold on)
        TEXT "Poli Umum"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "General Practice"
        ESC d 1 (feed 1)
        TEXT "--------------------------------"
        ESC d 1 (feed 1)
        TEXT "Senin, 03-03-2025 08:15"
        ESC d 1 (feed 1)
        TEXT "Antrean di depan Anda /"
        ESC d 1 (feed 1)
        TEXT "People ahead: 4"
        ESC d 1 (feed 1)
        TEXT "Perkiraan tunggu /"
        ESC d 1 (feed 1)
        TEXT "Estimated wait: ~20 menit/min"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        GS ( k (QR model 2)
        GS ( k (QR module size 6)
        GS ( k (QR error correction M)
        GS ( k (QR store 33 bytes) "https://klinik.example/t/01HQ7F3A"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Pindai untuk melihat status /"
        ESC d 1 (feed 1)
        TEXT "Scan for status"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        TEXT "Mohon menunggu, Ibu José Müller"
        ESC d 1 (feed 1)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}

#[test]
fn ticket_80mm() {
    let bytes = encode_ticket(&ticket(), &layout(PaperWidth::Mm80)).unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 19 (code page PC858)
        ESC a 1 (centre)
        ESC E 1 (bold on)
        TEXT "Klinik Pratama Sehat Sentosa"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "------------------------------------------------"
        ESC d 1 (feed 1)
        ESC E 1 (bold on)
        GS ! 0x77 (size 8x8)
        TEXT "A-012"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        ESC E 0 (bold off)
        ESC E 1 (bold on)
        TEXT "Poli Umum"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "General Practice"
        ESC d 1 (feed 1)
        TEXT "------------------------------------------------"
        ESC d 1 (feed 1)
        TEXT "Senin, 03-03-2025 08:15"
        ESC d 1 (feed 1)
        TEXT "Antrean di depan Anda / People ahead: 4"
        ESC d 1 (feed 1)
        TEXT "Perkiraan tunggu / Estimated wait: ~20 menit/min"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        GS ( k (QR model 2)
        GS ( k (QR module size 8)
        GS ( k (QR error correction M)
        GS ( k (QR store 33 bytes) "https://klinik.example/t/01HQ7F3A"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Pindai untuk melihat status / Scan for status"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        TEXT "Mohon menunggu, Ibu José Müller"
        ESC d 1 (feed 1)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}

#[test]
fn reprint_has_banners() {
    let t = medicloud_printer::TicketPrint {
        reprint: true,
        ..ticket()
    };
    let bytes = encode_ticket(&t, &layout(PaperWidth::Mm80)).unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 19 (code page PC858)
        ESC a 1 (centre)
        GS B 1 (reverse on)
        ESC E 1 (bold on)
        TEXT "CETAK ULANG / REPRINT"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        GS B 0 (reverse off)
        ESC E 1 (bold on)
        TEXT "Klinik Pratama Sehat Sentosa"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "------------------------------------------------"
        ESC d 1 (feed 1)
        ESC E 1 (bold on)
        GS ! 0x77 (size 8x8)
        TEXT "A-012"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        ESC E 0 (bold off)
        ESC E 1 (bold on)
        TEXT "Poli Umum"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "General Practice"
        ESC d 1 (feed 1)
        TEXT "------------------------------------------------"
        ESC d 1 (feed 1)
        TEXT "Senin, 03-03-2025 08:15"
        ESC d 1 (feed 1)
        TEXT "Antrean di depan Anda / People ahead: 4"
        ESC d 1 (feed 1)
        TEXT "Perkiraan tunggu / Estimated wait: ~20 menit/min"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        GS ( k (QR model 2)
        GS ( k (QR module size 8)
        GS ( k (QR error correction M)
        GS ( k (QR store 33 bytes) "https://klinik.example/t/01HQ7F3A"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Pindai untuk melihat status / Scan for status"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        TEXT "Mohon menunggu, Ibu José Müller"
        ESC d 1 (feed 1)
        GS B 1 (reverse on)
        ESC E 1 (bold on)
        TEXT "CETAK ULANG / REPRINT"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        GS B 0 (reverse off)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}

#[test]
fn priority_ticket() {
    let t = medicloud_printer::TicketPrint {
        label: "P-003".into(),
        priority: Some("Prioritas: Lansia / Elderly".into()),
        people_ahead: 0,
        estimated_wait_minutes: 0,
        ..ticket()
    };
    let bytes = encode_ticket(&t, &layout(PaperWidth::Mm58)).unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 19 (code page PC858)
        ESC a 1 (centre)
        ESC E 1 (bold on)
        TEXT "Klinik Pratama Sehat Sentosa"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "--------------------------------"
        ESC d 1 (feed 1)
        ESC E 1 (bold on)
        GS ! 0x55 (size 6x6)
        TEXT "P-003"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        ESC E 0 (bold off)
        ESC E 1 (bold on)
        TEXT "Poli Umum"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "General Practice"
        ESC d 1 (feed 1)
        GS B 1 (reverse on)
        ESC E 1 (bold on)
        TEXT "Prioritas: Lansia / Elderly"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        GS B 0 (reverse off)
        TEXT "--------------------------------"
        ESC d 1 (feed 1)
        TEXT "Senin, 03-03-2025 08:15"
        ESC d 1 (feed 1)
        TEXT "Antrean di depan Anda /"
        ESC d 1 (feed 1)
        TEXT "People ahead: 0"
        ESC d 1 (feed 1)
        TEXT "Perkiraan tunggu /"
        ESC d 1 (feed 1)
        TEXT "Estimated wait: segera/now"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        GS ( k (QR model 2)
        GS ( k (QR module size 6)
        GS ( k (QR error correction M)
        GS ( k (QR store 33 bytes) "https://klinik.example/t/01HQ7F3A"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Pindai untuk melihat status /"
        ESC d 1 (feed 1)
        TEXT "Scan for status"
        ESC d 1 (feed 1)
        ESC d 1 (feed 1)
        TEXT "Mohon menunggu, Ibu José Müller"
        ESC d 1 (feed 1)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}

#[test]
fn test_page() {
    let bytes = encode_test_page(&layout(PaperWidth::Mm58), "Loket 1 (TM-T82)").unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 19 (code page PC858)
        ESC a 1 (centre)
        ESC E 1 (bold on)
        TEXT "Medicloud - Halaman Uji /"
        ESC d 1 (feed 1)
        TEXT "Test Page"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "--------------------------------"
        ESC d 1 (feed 1)
        ESC a 0 (left)
        TEXT "Printer: Loket 1 (TM-T82)"
        ESC d 1 (feed 1)
        TEXT "Kertas / Paper: 58 mm"
        ESC d 1 (feed 1)
        TEXT "Kolom / Columns: 32"
        ESC d 1 (feed 1)
        TEXT "Kode halaman / Code page: PC858"
        ESC d 1 (feed 1)
        TEXT "Ibu Siti Nurhaliza, José,"
        ESC d 1 (feed 1)
        TEXT "Müller, Ñandú, Çelik"
        ESC d 1 (feed 1)
        TEXT "01234567890123456789012345678901"
        ESC d 1 (feed 1)
        ESC a 1 (centre)
        GS ! 0x11 (size 2x2)
        TEXT "2x"
        ESC d 1 (feed 1)
        GS ! 0x22 (size 3x3)
        TEXT "3x"
        ESC d 1 (feed 1)
        GS ! 0x33 (size 4x4)
        TEXT "4x"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        GS ( k (QR model 2)
        GS ( k (QR module size 6)
        GS ( k (QR error correction M)
        GS ( k (QR store 30 bytes) "https://medicloud.example/test"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Jika halaman ini terbaca,"
        ESC d 1 (feed 1)
        TEXT "printer siap."
        ESC d 1 (feed 1)
        TEXT "If you can read this page,"
        ESC d 1 (feed 1)
        TEXT "the printer is ready."
        ESC d 1 (feed 1)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}

#[test]
fn test_page_80mm() {
    let layout = Layout {
        width: PaperWidth::Mm80,
        code_page: CodePage::Wpc1252,
    };
    let bytes = encode_test_page(&layout, "Loket 1 (TM-T82)").unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 16 (code page WPC1252)
        ESC a 1 (centre)
        ESC E 1 (bold on)
        TEXT "Medicloud - Halaman Uji / Test Page"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "------------------------------------------------"
        ESC d 1 (feed 1)
        ESC a 0 (left)
        TEXT "Printer: Loket 1 (TM-T82)"
        ESC d 1 (feed 1)
        TEXT "Kertas / Paper: 80 mm"
        ESC d 1 (feed 1)
        TEXT "Kolom / Columns: 48"
        ESC d 1 (feed 1)
        TEXT "Kode halaman / Code page: WPC1252"
        ESC d 1 (feed 1)
        TEXT "Ibu Siti Nurhaliza, José, Müller, Ñandú, Çelik"
        ESC d 1 (feed 1)
        TEXT "012345678901234567890123456789012345678901234567"
        ESC d 1 (feed 1)
        ESC a 1 (centre)
        GS ! 0x11 (size 2x2)
        TEXT "2x"
        ESC d 1 (feed 1)
        GS ! 0x22 (size 3x3)
        TEXT "3x"
        ESC d 1 (feed 1)
        GS ! 0x33 (size 4x4)
        TEXT "4x"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        GS ( k (QR model 2)
        GS ( k (QR module size 8)
        GS ( k (QR error correction M)
        GS ( k (QR store 30 bytes) "https://medicloud.example/test"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Jika halaman ini terbaca, printer siap."
        ESC d 1 (feed 1)
        TEXT "If you can read this page, the printer is ready."
        ESC d 1 (feed 1)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}

#[test]
fn test_page_58mm_with_a_long_printer_name_and_code_page() {
    let layout = Layout {
        width: PaperWidth::Mm58,
        code_page: CodePage::Wpc1252,
    };
    let bytes = encode_test_page(&layout, "Loket Pendaftaran Utama Lantai 2 (TM-T82III)").unwrap();
    expect![[r#"
        ESC @ (init)
        ESC t 16 (code page WPC1252)
        ESC a 1 (centre)
        ESC E 1 (bold on)
        TEXT "Medicloud - Halaman Uji /"
        ESC d 1 (feed 1)
        TEXT "Test Page"
        ESC d 1 (feed 1)
        ESC E 0 (bold off)
        TEXT "--------------------------------"
        ESC d 1 (feed 1)
        ESC a 0 (left)
        TEXT "Printer: Loket Pendaftaran Utama"
        ESC d 1 (feed 1)
        TEXT "Lantai 2 (TM-T82III)"
        ESC d 1 (feed 1)
        TEXT "Kertas / Paper: 58 mm"
        ESC d 1 (feed 1)
        TEXT "Kolom / Columns: 32"
        ESC d 1 (feed 1)
        TEXT "Kode halaman / Code page:"
        ESC d 1 (feed 1)
        TEXT "WPC1252"
        ESC d 1 (feed 1)
        TEXT "Ibu Siti Nurhaliza, José,"
        ESC d 1 (feed 1)
        TEXT "Müller, Ñandú, Çelik"
        ESC d 1 (feed 1)
        TEXT "01234567890123456789012345678901"
        ESC d 1 (feed 1)
        ESC a 1 (centre)
        GS ! 0x11 (size 2x2)
        TEXT "2x"
        ESC d 1 (feed 1)
        GS ! 0x22 (size 3x3)
        TEXT "3x"
        ESC d 1 (feed 1)
        GS ! 0x33 (size 4x4)
        TEXT "4x"
        ESC d 1 (feed 1)
        GS ! 0x00 (size 1x1)
        GS ( k (QR model 2)
        GS ( k (QR module size 6)
        GS ( k (QR error correction M)
        GS ( k (QR store 30 bytes) "https://medicloud.example/test"
        GS ( k (QR print)
        ESC d 1 (feed 1)
        TEXT "Jika halaman ini terbaca,"
        ESC d 1 (feed 1)
        TEXT "printer siap."
        ESC d 1 (feed 1)
        TEXT "If you can read this page,"
        ESC d 1 (feed 1)
        TEXT "the printer is ready."
        ESC d 1 (feed 1)
        ESC a 0 (left)
        ESC d 3 (feed 3)
        GS V 65 0 (full cut)
    "#]]
    .assert_eq(&describe(&bytes));
}
