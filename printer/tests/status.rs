//! Parsing real-time status replies (DLE EOT 1, 2, 4).

use medicloud_printer::{PrintError, PrinterStatus};

/// `(DLE EOT 1 reply, DLE EOT 2 reply, DLE EOT 4 reply) -> status as text`.
fn check(replies: (u8, u8, u8), expected: &str) {
    let got = match PrinterStatus::from_replies(replies.0, replies.1, replies.2) {
        Ok(s) => format!(
            "online={} cover_open={} near_end={} paper_out={} can_print={}",
            s.online,
            s.cover_open,
            s.paper_near_end,
            s.paper_out,
            s.can_print()
        ),
        Err(PrintError::InvalidStatus { request, byte }) => {
            format!("invalid reply {byte:#04x} to DLE EOT {request}")
        }
        Err(e) => format!("unexpected error {e}"),
    };
    assert_eq!(got, expected, "replies {replies:x?}");
}

#[test]
fn status_replies() {
    let cases = [
        (
            (0x12, 0x12, 0x12),
            "online=true cover_open=false near_end=false paper_out=false can_print=true",
        ),
        // Drawer pin and paper-feed-button bits do not matter.
        (
            (0x16, 0x1a, 0x12),
            "online=true cover_open=false near_end=false paper_out=false can_print=true",
        ),
        (
            (0x1a, 0x12, 0x12),
            "online=false cover_open=false near_end=false paper_out=false can_print=false",
        ),
        (
            (0x1a, 0x16, 0x12),
            "online=false cover_open=true near_end=false paper_out=false can_print=false",
        ),
        // Near end: bits 2-3 of the roll sensor; still prints.
        (
            (0x12, 0x12, 0x1e),
            "online=true cover_open=false near_end=true paper_out=false can_print=true",
        ),
        (
            (0x12, 0x12, 0x16),
            "online=true cover_open=false near_end=true paper_out=false can_print=true",
        ),
        // Paper end: bits 5-6 of the roll sensor, or the offline cause's bit 5.
        (
            (0x1a, 0x32, 0x7e),
            "online=false cover_open=false near_end=false paper_out=true can_print=false",
        ),
        (
            (0x12, 0x12, 0x72),
            "online=true cover_open=false near_end=false paper_out=true can_print=false",
        ),
        (
            (0x1a, 0x32, 0x12),
            "online=false cover_open=false near_end=false paper_out=true can_print=false",
        ),
        // Error (bit 6 of the offline cause) only shows as offline.
        (
            (0x1a, 0x52, 0x12),
            "online=false cover_open=false near_end=false paper_out=false can_print=false",
        ),
        // Bytes without the fixed bits 0xx1xx10 are not status replies.
        ((0x00, 0x12, 0x12), "invalid reply 0x00 to DLE EOT 1"),
        ((0x12, 0x13, 0x12), "invalid reply 0x13 to DLE EOT 2"),
        ((0x12, 0x12, 0x92), "invalid reply 0x92 to DLE EOT 4"),
    ];
    for (replies, expected) in cases {
        check(replies, expected);
    }
}

#[test]
fn reply_bytes_round_trip() {
    let states = [
        PrinterStatus::READY,
        PrinterStatus {
            paper_near_end: true,
            ..PrinterStatus::READY
        },
        PrinterStatus {
            online: false,
            paper_out: true,
            ..PrinterStatus::READY
        },
        PrinterStatus {
            online: false,
            cover_open: true,
            ..PrinterStatus::READY
        },
        PrinterStatus {
            online: false,
            ..PrinterStatus::READY
        },
    ];
    for s in states {
        let back = PrinterStatus::from_replies(s.reply_to(1), s.reply_to(2), s.reply_to(4));
        assert_eq!(back.ok(), Some(s));
    }
}
