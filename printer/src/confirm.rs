//! Job confirmation: the ESC/POS process-ID response `GS ( H` (function 48).
//!
//! A printer that receives `GS ( H 06 00 30 30 d1 d2 d3 d4` (each `d` an ASCII digit)
//! answers `37 22 d1 d2 d3 d4 00` once every byte before it has been processed, that is
//! printed. The network driver appends such a request to each job and counts the job as
//! printed only when the matching answer comes; the virtual printer answers it once the
//! job's files are stored. Printers without `GS ( H` (many inexpensive clones) stay
//! silent, which the driver cannot tell from a slow printer: see
//! [`crate::driver::NetworkDriver`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// `GS`, the first byte of `GS ( H`.
pub const GS: u8 = 0x1D;

/// The bytes of a process-ID request before its four digits:
/// `GS ( H`, `pL pH` = 6, `fn` = 48, `m` = 48.
pub const REQUEST_PREFIX: [u8; 7] = [GS, b'(', b'H', 6, 0, 48, 48];

/// The first two bytes of the answer, before the four digits and a closing `NUL`.
pub const RESPONSE_HEADER: [u8; 2] = [0x37, 0x22];

/// A process id: four ASCII digits (`0x30..=0x39`).
pub type ProcessId = [u8; 4];

/// The request `GS ( H 06 00 30 30 d1 d2 d3 d4`.
pub fn request(id: ProcessId) -> [u8; 11] {
    let mut bytes = [0; 11];
    bytes[..7].copy_from_slice(&REQUEST_PREFIX);
    bytes[7..].copy_from_slice(&id);
    bytes
}

/// The printer's answer to [`request`]`(id)`: `37 22 d1 d2 d3 d4 00`.
pub fn response(id: ProcessId) -> [u8; 7] {
    let mut bytes = [0; 7];
    bytes[..2].copy_from_slice(&RESPONSE_HEADER);
    bytes[2..6].copy_from_slice(&id);
    bytes
}

/// Whether `byte` may be one of a process id's digits.
pub fn is_id_digit(byte: u8) -> bool {
    byte.is_ascii_digit()
}

/// A process id not used by this process for the last 9,999 jobs (a counter that starts
/// at a value taken from the clock, so two processes rarely start alike).
pub fn fresh_id() -> ProcessId {
    static NEXT: OnceLock<AtomicU32> = OnceLock::new();
    let next = NEXT.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        AtomicU32::new(nanos ^ std::process::id())
    });
    let n = next.fetch_add(1, Ordering::Relaxed) % 10_000;
    let digit = |d: u32| b'0' + u8::try_from(d % 10).unwrap_or(0);
    [digit(n / 1000), digit(n / 100), digit(n / 10), digit(n)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_response_bytes() {
        assert_eq!(
            request(*b"1234"),
            [
                0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, 0x31, 0x32, 0x33, 0x34
            ]
        );
        assert_eq!(
            response(*b"1234"),
            [0x37, 0x22, 0x31, 0x32, 0x33, 0x34, 0x00]
        );
    }

    #[test]
    fn fresh_ids_are_digits_and_differ_from_the_last() {
        let a = fresh_id();
        let b = fresh_id();
        assert!(a.iter().chain(&b).all(|&d| is_id_digit(d)), "{a:?} {b:?}");
        assert_ne!(a, b);
    }
}
