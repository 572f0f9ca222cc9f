//! The disassembler on bytes other programs send.

use expect_test::expect;
use medicloud_printer::describe;

#[test]
fn common_commands() {
    let bytes = b"\x1b@\x1bt\x10\x1ba\x02\x1bE\x01\x1b-\x01\x1bG\x01\x1bM\x01\x1b!\x30\
\x1b3\x18\x1b2\x1dB\x01caf\xe9\r\n\x1bd\x02\x1dV\x01\x1dVB\x10\x10\x04\x02\x10\x04\x04";
    expect![[r#"
        ESC @ (init)
        ESC t 16 (code page WPC1252)
        ESC a 2 (right)
        ESC E 1 (bold on)
        ESC - 1 (underline 1)
        ESC G 1 (double strike on)
        ESC M 1 (font B)
        ESC ! 0x30 (print mode)
        ESC 3 24 (line spacing 24 dots)
        ESC 2 (default line spacing)
        GS B 1 (reverse on)
        TEXT "café"
        CR
        LF
        ESC d 2 (feed 2)
        GS V 1 (partial cut)
        GS V 66 16 (partial cut)
        DLE EOT 2 (status request: offline cause)
        DLE EOT 4 (status request: roll paper)
    "#]]
    .assert_eq(&describe(bytes));
}

#[test]
fn unknown_and_truncated_bytes_are_kept() {
    expect![[r#"
        UNKNOWN 07
        UNKNOWN 1b 7a
        UNKNOWN 1b
    "#]]
    .assert_eq(&describe(b"\x07\x1bz\x1b"));
    expect![[r#"
        GS ( k (QR store 2 bytes) "ab"
    "#]]
    .assert_eq(&describe(b"\x1d(k\x05\x00\x31\x50\x30ab"));
}

#[test]
fn other_symbol_functions() {
    // PDF417 columns, then a QR "transmit size" request.
    expect![[r#"
        GS ( k cn=48 fn=65 (1 parameter bytes)
        GS ( k cn=49 fn=82 (1 parameter bytes)
    "#]]
    .assert_eq(&describe(b"\x1d(k\x03\x000A\x03\x1d(k\x03\x001R0"));
}
