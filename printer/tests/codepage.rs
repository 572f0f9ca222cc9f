//! The code-page encoder: what reaches the paper for names with accents.

use medicloud_printer::CodePage;

fn check(page: CodePage, text: &str, bytes: &[u8], printed: &str) {
    assert_eq!(page.encode(text), bytes, "encoding {text:?} in {page:?}");
    assert_eq!(
        page.decode(bytes),
        printed,
        "decoding {bytes:x?} in {page:?}"
    );
}

#[test]
fn ascii_passes_through() {
    for page in [CodePage::Pc858, CodePage::Wpc1252] {
        check(
            page,
            "Ibu Siti Nurhaliza",
            b"Ibu Siti Nurhaliza",
            "Ibu Siti Nurhaliza",
        );
    }
}

#[test]
fn accented_names_use_the_page_positions() {
    check(CodePage::Pc858, "José", b"Jos\x82", "José");
    check(CodePage::Pc858, "Müller", b"M\x81ller", "Müller");
    check(CodePage::Pc858, "€ 5", b"\xd5 5", "€ 5");
    check(CodePage::Wpc1252, "José", b"Jos\xe9", "José");
    check(CodePage::Wpc1252, "Müller", b"M\xfcller", "Müller");
    check(CodePage::Wpc1252, "€ 5", b"\x80 5", "€ 5");
}

#[test]
fn unprintable_characters_become_question_marks() {
    // Not in either page: Vietnamese, CJK, emoji; one '?' per character, not per byte.
    check(CodePage::Pc858, "Nguyễn 王 🙂", b"Nguy?n ? ?", "Nguy?n ? ?");
    check(CodePage::Wpc1252, "Łukasz", b"?ukasz", "?ukasz");
    // PC858 has no curly quotes, Windows-1252 has.
    check(CodePage::Pc858, "“A”", b"?A?", "?A?");
    check(CodePage::Wpc1252, "“A”", b"\x93A\x94", "“A”");
}

#[test]
fn control_characters_cannot_inject_commands() {
    // A name with an ESC or a newline must not become an ESC/POS command.
    check(CodePage::Pc858, "A\x1b@\nB\t", b"A?@?B?", "A?@?B?");
}

#[test]
fn esc_t_numbers_follow_epson() {
    assert_eq!(CodePage::Pc858.esc_t(), 19);
    assert_eq!(CodePage::Wpc1252.esc_t(), 16);
    assert_eq!(CodePage::from_esc_t(19), Some(CodePage::Pc858));
    assert_eq!(CodePage::from_esc_t(0), None);
}
