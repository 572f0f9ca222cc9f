//! The sealed envelope between nodes. Opening any bytes (whole, or only the header a
//! node checks before reading the rest) never panics and never succeeds without the
//! key; sealing any payload opens to the same payload and time on the same route only,
//! its header says its length, and any changed byte is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medicloud_core::ids::ClinicId;
use medicloud_sync::seal::{HEADER_LEN, LanSeal, OVERHEAD, SealError};
use std::sync::LazyLock;

const ROUTE: &str = "/sync/v1/exchange";

static SEAL: LazyLock<LanSeal> = LazyLock::new(|| {
    LanSeal::new(
        "fuzz lan key",
        ClinicId(uuid::Uuid::from_u128(
            0x6d656469_636c_6f75_6400_64656d6f0001,
        )),
    )
});

fuzz_target!(|data: &[u8]| {
    let seal = &*SEAL;
    // Bytes from outside: refused, as malformed or unauthentic (a forgery would need
    // the key), on every route and as an answer too.
    assert!(seal.open_request(ROUTE, data).is_err());
    assert!(seal.open_request_header(ROUTE, data).is_err());
    assert!(seal.open_answer(ROUTE, &[0; 24], data).is_err());
    if data.len() < OVERHEAD {
        assert_eq!(seal.open_request(ROUTE, data), Err(SealError::Malformed));
    }
    if data.len() < HEADER_LEN {
        assert_eq!(
            seal.open_request_header(ROUTE, data),
            Err(SealError::Malformed)
        );
    }

    // The input as a payload: it comes back whole, bound to its route.
    let sent_ms = data
        .iter()
        .take(8)
        .fold(0i64, |t, b| t.wrapping_mul(256).wrapping_add(i64::from(*b)));
    let (body, nonce) = seal.seal_request(ROUTE, sent_ms, data);
    assert_eq!(body.len(), data.len() + OVERHEAD);
    let opened = seal
        .open_request(ROUTE, &body)
        .expect("a sealed body opens");
    assert_eq!((opened.sent_ms, opened.nonce), (sent_ms, nonce));
    assert_eq!(opened.payload, data);
    let header = seal
        .open_request_header(ROUTE, &body[..HEADER_LEN])
        .expect("a sealed body's header opens alone");
    assert_eq!(
        (header.sent_ms, header.len, header.nonce),
        (sent_ms, body.len(), nonce)
    );
    assert!(
        seal.open_request_header("/sync/v1/labels/reserve", &body[..HEADER_LEN])
            .is_err()
    );
    assert!(seal.open_request(ROUTE, &body[..body.len() - 1]).is_err());
    assert!(seal.open_request("/sync/v1/labels/reserve", &body).is_err());
    assert!(seal.open_answer(ROUTE, &nonce, &body).is_err());
    let mut changed = body.clone();
    let at = data.first().map_or(0, |b| usize::from(*b)) % changed.len();
    changed[at] ^= 0x80;
    assert!(seal.open_request(ROUTE, &changed).is_err());
    if at < HEADER_LEN {
        assert!(seal.open_request_header(ROUTE, &changed).is_err());
    }

    let answer = seal.seal_answer(ROUTE, &nonce, sent_ms, data);
    assert_eq!(
        seal.open_answer(ROUTE, &nonce, &answer).map(|o| o.payload),
        Ok(data.to_vec())
    );
});
