//! The sealed channel between the nodes of one clinic on the LAN.
//!
//! A node's port serves both the screens (plain HTTP to browsers on the LAN) and the
//! other nodes' sync requests, so node-to-node traffic is protected in its bodies
//! rather than by TLS: every `/sync/v1` request and answer between nodes is sealed with
//! XChaCha20-Poly1305 under a key derived from the clinic's LAN key (HKDF-SHA256, with a
//! label and the clinic id). The LAN key itself never travels: a body that opens is the
//! proof that its sender holds the key.
//!
//! A sealed body (version 2) is a header and the sealed payload:
//!
//! ```text
//! version (1 byte, 2) ‖ sender's clock (8, ms since the Unix epoch, big-endian)
//!   ‖ body length (4, big-endian, the whole body) ‖ nonce (24, random) ‖ header tag (16)
//!   ‖ ciphertext of the payload (gzip-compressed JSON) ‖ tag (16)
//! ```
//!
//! The associated data binds the body to its direction, the clinic and the route, and
//! an answer to the nonce of the request it answers, so no body can be moved to another
//! route, clinic or exchange, and no answer can be passed off as a request. The header
//! tag (Poly1305 under a second key from the same LAN key, over the associated data and
//! the header's first 37 bytes) lets a receiver check the header alone, from the first
//! [`HEADER_LEN`] bytes: a body from a device without the LAN key is refused before the
//! rest of it is read, and its length, time and nonce are known to be the sender's. The
//! payload's tag covers the header too.
//!
//! ```
//! use medicloud_sync::seal::{HEADER_LEN, LanSeal};
//! use medicloud_core::ids::ClinicId;
//!
//! let clinic = ClinicId::random();
//! let seal = LanSeal::new("the clinic's LAN key", clinic);
//! let (body, nonce) = seal.seal_request("/sync/v1/exchange", 1_000, b"payload");
//! // The header alone says who sealed it, when, and how long the body is.
//! let header = seal.open_request_header("/sync/v1/exchange", &body[..HEADER_LEN]).unwrap();
//! assert_eq!((header.sent_ms, header.len, header.nonce), (1_000, body.len(), nonce));
//! let opened = seal.open_request("/sync/v1/exchange", &body).unwrap();
//! assert_eq!((opened.sent_ms, opened.payload.as_slice()), (1_000, &b"payload"[..]));
//! assert_eq!(opened.nonce, nonce);
//! // Another route, another clinic, another key: nothing opens.
//! assert!(seal.open_request("/sync/v1/labels/reserve", &body).is_err());
//! assert!(LanSeal::new("the clinic's LAN key", ClinicId::random())
//!     .open_request_header("/sync/v1/exchange", &body)
//!     .is_err());
//! ```

use chacha20poly1305::aead::{Aead, AeadCore, AeadInPlace, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use medicloud_core::ids::ClinicId;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;

/// The `Content-Type` of a sealed body.
pub const CONTENT_TYPE: &str = "application/vnd.medicloud.sealed";
/// The format's version, the body's first byte. Version 1 (no header tag) is refused.
pub const VERSION: u8 = 2;
/// Bytes of the random nonce.
pub const NONCE_LEN: usize = 24;
/// Bytes of an authentication tag.
pub const TAG_LEN: usize = 16;
/// Bytes of the part of the header the header tag covers: version, clock, length, nonce.
const HEADER_FIELDS: usize = 1 + 8 + 4 + NONCE_LEN;
/// Bytes of the header, which can be checked alone: its fields and the header tag.
pub const HEADER_LEN: usize = HEADER_FIELDS + TAG_LEN;
/// Bytes a sealed body adds to its payload: the header and the payload's tag.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
/// A request whose sender's clock is further than this from the receiver's is refused
/// (as stale; the answer tells the sender the receiver's time).
pub const MAX_AGE_MS: i64 = 5 * 60 * 1000;

/// The HKDF salt: names the purpose, so the same LAN key gives unrelated keys elsewhere.
const LABEL: &[u8] = b"medicloud lan sync seal v1";

/// Why a body did not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Too short, or of another version: not a sealed body.
    #[error("not a sealed body")]
    Malformed,
    /// A tag does not match: another key or clinic, another route, changed bytes, or a
    /// body of another length than its header says.
    #[error("the body does not open under this clinic's LAN key")]
    Unauthentic,
}

/// A header that opened: what the sender of a body says of it, under the LAN key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The sender's clock when it sealed the body, ms since the Unix epoch.
    pub sent_ms: i64,
    /// The length of the whole sealed body, header included.
    pub len: usize,
    /// The nonce, which the answer is bound to (and which a replay repeats).
    pub nonce: [u8; NONCE_LEN],
}

/// An opened request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The nonce, which the answer is bound to (and which a replay repeats).
    pub nonce: [u8; NONCE_LEN],
    /// The sender's clock when it sealed the body, ms since the Unix epoch.
    pub sent_ms: i64,
    /// The payload.
    pub payload: Vec<u8>,
}

/// The clinic's sealing keys. Made from the LAN key and the clinic id; the key bytes
/// are never shown (`Debug` prints the clinic only).
#[derive(Clone)]
pub struct LanSeal {
    cipher: XChaCha20Poly1305,
    header: XChaCha20Poly1305,
    clinic: ClinicId,
}

impl std::fmt::Debug for LanSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanSeal")
            .field("clinic", &self.clinic)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Request = b'q' as isize,
    Answer = b'a' as isize,
}

impl LanSeal {
    /// The sealing keys of `clinic` for the LAN key `lan_key`.
    pub fn new(lan_key: &str, clinic: ClinicId) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(LABEL), lan_key.as_bytes());
        // The payload's key, then the header's.
        let mut keys = [0u8; 64];
        // 64 bytes is far below HKDF-SHA256's limit of 255 × 32, so this cannot fail.
        if hkdf.expand(clinic.0.as_bytes(), &mut keys).is_err() {
            unreachable!("HKDF output of 64 bytes");
        }
        let (payload, header) = keys.split_at(32);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(payload));
        let header = XChaCha20Poly1305::new(Key::from_slice(header));
        keys.fill(0);
        Self {
            cipher,
            header,
            clinic,
        }
    }

    /// The clinic this key seals for.
    pub fn clinic(&self) -> ClinicId {
        self.clinic
    }

    fn associated(
        &self,
        direction: Direction,
        route: &str,
        request: Option<&[u8; NONCE_LEN]>,
    ) -> Vec<u8> {
        let mut ad = Vec::with_capacity(64 + HEADER_LEN + route.len());
        ad.extend_from_slice(b"medicloud-lan");
        ad.push(VERSION);
        ad.push(direction as u8);
        ad.extend_from_slice(self.clinic.0.as_bytes());
        ad.extend_from_slice(&u16::try_from(route.len()).unwrap_or(u16::MAX).to_be_bytes());
        ad.extend_from_slice(route.as_bytes());
        if let Some(nonce) = request {
            ad.extend_from_slice(nonce);
        }
        ad
    }

    /// The header tag of `fields` (the header's first bytes) under `ad`.
    fn header_tag(&self, ad: &[u8], fields: &[u8]) -> Vec<u8> {
        let nonce = XNonce::from_slice(&fields[1 + 8 + 4..HEADER_FIELDS]);
        let aad = [ad, fields].concat();
        // An empty message: the AEAD is a MAC over the associated data here.
        match self.header.encrypt(
            nonce,
            Payload {
                msg: &[],
                aad: &aad,
            },
        ) {
            Ok(tag) => tag,
            Err(_) => unreachable!("XChaCha20-Poly1305 takes an empty message"),
        }
    }

    fn seal(&self, ad: &[u8], sent_ms: i64, payload: &[u8]) -> (Vec<u8>, [u8; NONCE_LEN]) {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let len = OVERHEAD + payload.len();
        let mut body = Vec::with_capacity(len);
        body.push(VERSION);
        body.extend_from_slice(&sent_ms.to_be_bytes());
        // A body beyond 4 GiB (far above any body limit) says a wrong length and so
        // never opens.
        body.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        body.extend_from_slice(&nonce);
        let tag = self.header_tag(ad, &body);
        body.extend_from_slice(&tag);
        let aad = [ad, &body[..]].concat();
        body.extend_from_slice(payload);
        // Encryption fails only for plaintexts beyond 256 GiB, far above any body limit.
        let tag = match self
            .cipher
            .encrypt_in_place_detached(&nonce, &aad, &mut body[HEADER_LEN..])
        {
            Ok(tag) => tag,
            Err(_) => unreachable!("XChaCha20-Poly1305 takes any body below 256 GiB"),
        };
        body.extend_from_slice(&tag);
        (body, nonce.into())
    }

    fn open_header(&self, ad: &[u8], head: &[u8]) -> Result<Header, SealError> {
        if head.len() < HEADER_LEN || head[0] != VERSION {
            return Err(SealError::Malformed);
        }
        let (fields, tag) = head[..HEADER_LEN].split_at(HEADER_FIELDS);
        let mut sent = [0u8; 8];
        sent.copy_from_slice(&fields[1..9]);
        let mut len = [0u8; 4];
        len.copy_from_slice(&fields[9..13]);
        let len = u32::from_be_bytes(len) as usize;
        if len < OVERHEAD {
            return Err(SealError::Malformed);
        }
        let aad = [ad, fields].concat();
        let nonce = XNonce::from_slice(&fields[13..]);
        self.header
            .decrypt(
                nonce,
                Payload {
                    msg: tag,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Unauthentic)?;
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(&fields[13..]);
        Ok(Header {
            sent_ms: i64::from_be_bytes(sent),
            len,
            nonce: n,
        })
    }

    fn open(&self, ad: &[u8], mut body: Vec<u8>) -> Result<Opened, SealError> {
        if body.len() < OVERHEAD {
            return Err(SealError::Malformed);
        }
        let header = self.open_header(ad, &body)?;
        if header.len != body.len() {
            return Err(SealError::Unauthentic);
        }
        let aad = [ad, &body[..HEADER_LEN]].concat();
        let tag = Tag::clone_from_slice(&body[body.len() - TAG_LEN..]);
        body.truncate(body.len() - TAG_LEN);
        self.cipher
            .decrypt_in_place_detached(
                XNonce::from_slice(&header.nonce),
                &aad,
                &mut body[HEADER_LEN..],
                &tag,
            )
            .map_err(|_| SealError::Unauthentic)?;
        body.drain(..HEADER_LEN);
        Ok(Opened {
            nonce: header.nonce,
            sent_ms: header.sent_ms,
            payload: body,
        })
    }

    /// Seals a request to `route` (`/sync/v1/exchange`) sent at `now_ms`. Returns the
    /// body and its nonce (to open the answer with).
    pub fn seal_request(
        &self,
        route: &str,
        now_ms: i64,
        payload: &[u8],
    ) -> (Vec<u8>, [u8; NONCE_LEN]) {
        self.seal(
            &self.associated(Direction::Request, route, None),
            now_ms,
            payload,
        )
    }

    /// Checks the header of a request to `route` from the body's first [`HEADER_LEN`]
    /// bytes (`head` may be longer), before the rest is read.
    pub fn open_request_header(&self, route: &str, head: &[u8]) -> Result<Header, SealError> {
        self.open_header(&self.associated(Direction::Request, route, None), head)
    }

    /// Opens a request to `route`.
    pub fn open_request(&self, route: &str, body: &[u8]) -> Result<Opened, SealError> {
        self.open_request_owned(route, body.to_vec())
    }

    /// Opens a request to `route`, decrypting in the body's own buffer.
    pub fn open_request_owned(&self, route: &str, body: Vec<u8>) -> Result<Opened, SealError> {
        self.open(&self.associated(Direction::Request, route, None), body)
    }

    /// Seals the answer to the request with nonce `request` on `route`.
    pub fn seal_answer(
        &self,
        route: &str,
        request: &[u8; NONCE_LEN],
        now_ms: i64,
        payload: &[u8],
    ) -> Vec<u8> {
        self.seal(
            &self.associated(Direction::Answer, route, Some(request)),
            now_ms,
            payload,
        )
        .0
    }

    /// Opens the answer to the request with nonce `request` on `route`.
    pub fn open_answer(
        &self,
        route: &str,
        request: &[u8; NONCE_LEN],
        body: &[u8],
    ) -> Result<Opened, SealError> {
        self.open(
            &self.associated(Direction::Answer, route, Some(request)),
            body.to_vec(),
        )
    }
}

/// Why an authentic request is still refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Its sender's clock is more than [`MAX_AGE_MS`] from the receiver's: an old
    /// request played again, or a sender whose clock is off (it is told the time).
    #[error("the request's time is too far from this node's")]
    Stale,
    /// A request seen already, played again.
    #[error("the request was seen already")]
    Replayed,
}

/// The receiver's memory of the nonces it admitted within the last [`MAX_AGE_MS`]
/// either way, so that a request played again is refused even while it is fresh.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    seen: Mutex<HashMap<[u8; NONCE_LEN], i64>>,
}

impl ReplayGuard {
    /// Above this many remembered nonces, the expired ones are dropped.
    const PRUNE_ABOVE: usize = 4_096;

    /// Whether a request whose header opened, received at `now_ms`, would be admitted,
    /// without admitting it: a header played again is refused before its body is read.
    /// (Only a body that opened is admitted, so a copy with a changed payload cannot
    /// use up the nonce of the request it was copied from.)
    pub fn check(&self, header: &Header, now_ms: i64) -> Result<(), Refusal> {
        if header.sent_ms.abs_diff(now_ms) > MAX_AGE_MS.unsigned_abs() {
            return Err(Refusal::Stale);
        }
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.contains_key(&header.nonce) {
            return Err(Refusal::Replayed);
        }
        Ok(())
    }

    /// Admits a request whose body opened, received at `now_ms`, or says why not.
    pub fn admit(&self, header: &Header, now_ms: i64) -> Result<(), Refusal> {
        if header.sent_ms.abs_diff(now_ms) > MAX_AGE_MS.unsigned_abs() {
            return Err(Refusal::Stale);
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > Self::PRUNE_ABOVE {
            // A nonce whose time is further back than the window is refused as stale
            // anyway, so it need not be remembered.
            seen.retain(|_, sent| sent.abs_diff(now_ms) <= MAX_AGE_MS.unsigned_abs());
        }
        match seen.entry(header.nonce) {
            std::collections::hash_map::Entry::Occupied(_) => Err(Refusal::Replayed),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(header.sent_ms);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const ROUTE: &str = "/sync/v1/exchange";

    fn seal(key: &str, clinic: u128) -> LanSeal {
        LanSeal::new(key, ClinicId(Uuid::from_u128(clinic)))
    }

    #[test]
    fn only_the_same_key_clinic_route_and_direction_open_a_body() {
        let a = seal("key", 1);
        let (body, nonce) = a.seal_request(ROUTE, 7, b"{}");
        assert_eq!(body.len(), 2 + OVERHEAD);
        let answer = a.seal_answer(ROUTE, &nonce, 9, b"[]");
        let cases: Vec<(&str, Result<Opened, SealError>)> = vec![
            ("same key", a.open_request(ROUTE, &body)),
            ("other key", seal("kez", 1).open_request(ROUTE, &body)),
            ("other clinic", seal("key", 2).open_request(ROUTE, &body)),
            (
                "other route",
                a.open_request("/sync/v1/labels/reserve", &body),
            ),
            ("answer as request", a.open_request(ROUTE, &answer)),
            ("request as answer", a.open_answer(ROUTE, &nonce, &body)),
            (
                "answer to another request",
                a.open_answer(ROUTE, &[0; 24], &answer),
            ),
            ("too short", a.open_request(ROUTE, &body[..OVERHEAD - 1])),
        ];
        let got: Vec<_> = cases
            .into_iter()
            .map(|(name, r)| (name, r.map(|o| (o.sent_ms, o.payload))))
            .collect();
        assert_eq!(
            got,
            vec![
                ("same key", Ok((7, b"{}".to_vec()))),
                ("other key", Err(SealError::Unauthentic)),
                ("other clinic", Err(SealError::Unauthentic)),
                ("other route", Err(SealError::Unauthentic)),
                ("answer as request", Err(SealError::Unauthentic)),
                ("request as answer", Err(SealError::Unauthentic)),
                ("answer to another request", Err(SealError::Unauthentic)),
                ("too short", Err(SealError::Malformed)),
            ]
        );
        assert_eq!(
            a.open_answer(ROUTE, &nonce, &answer).map(|o| o.payload),
            Ok(b"[]".to_vec())
        );
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let a = seal("key", 1);
        let (body, _) = a.seal_request(ROUTE, 7, b"payload");
        for i in 0..body.len() {
            let mut changed = body.clone();
            changed[i] ^= 0x01;
            assert!(a.open_request(ROUTE, &changed).is_err(), "byte {i}");
        }
    }

    #[test]
    fn the_header_alone_says_whether_the_body_can_open() {
        let a = seal("key", 1);
        let (body, nonce) = a.seal_request(ROUTE, 7, &[b'x'; 1_000]);
        let head = &body[..HEADER_LEN];
        assert_eq!(
            a.open_request_header(ROUTE, head),
            Ok(Header {
                sent_ms: 7,
                len: 1_000 + OVERHEAD,
                nonce
            })
        );
        let cases = [
            ("other key", seal("kez", 1).open_request_header(ROUTE, head)),
            (
                "other clinic",
                seal("key", 2).open_request_header(ROUTE, head),
            ),
            (
                "other route",
                a.open_request_header("/sync/v1/labels/reserve", head),
            ),
            (
                "cut short",
                a.open_request_header(ROUTE, &head[..HEADER_LEN - 1]),
            ),
            ("version 1", {
                let mut old = head.to_vec();
                old[0] = 1;
                a.open_request_header(ROUTE, &old)
            }),
        ];
        assert_eq!(
            cases.map(|(what, r)| (what, r.err())),
            [
                ("other key", Some(SealError::Unauthentic)),
                ("other clinic", Some(SealError::Unauthentic)),
                ("other route", Some(SealError::Unauthentic)),
                ("cut short", Some(SealError::Malformed)),
                ("version 1", Some(SealError::Malformed)),
            ]
        );
        for i in 0..HEADER_LEN {
            let mut changed = head.to_vec();
            changed[i] ^= 0x01;
            assert!(a.open_request_header(ROUTE, &changed).is_err(), "byte {i}");
        }
        // A body of another length than its header says does not open, even whole.
        let mut longer = body.clone();
        longer.push(0);
        assert_eq!(a.open_request(ROUTE, &longer), Err(SealError::Unauthentic));
        assert_eq!(
            a.open_request(ROUTE, &body[..body.len() - 1]),
            Err(SealError::Unauthentic)
        );
    }

    #[test]
    fn a_request_is_admitted_once_and_only_while_fresh() {
        let a = seal("key", 1);
        let guard = ReplayGuard::default();
        let now = 1_000_000_000;
        let open = |sent| {
            let (body, _) = a.seal_request(ROUTE, sent, b"");
            a.open_request_header(ROUTE, &body).unwrap()
        };
        let fresh = open(now - 1_000);
        assert_eq!(guard.check(&fresh, now), Ok(()));
        assert_eq!(guard.check(&fresh, now), Ok(()), "checking admits nothing");
        assert_eq!(guard.admit(&fresh, now), Ok(()));
        assert_eq!(guard.check(&fresh, now + 10), Err(Refusal::Replayed));
        assert_eq!(guard.admit(&fresh, now + 10), Err(Refusal::Replayed));
        assert_eq!(
            guard.admit(&open(now - MAX_AGE_MS - 1), now),
            Err(Refusal::Stale)
        );
        assert_eq!(
            guard.admit(&open(now + MAX_AGE_MS + 1), now),
            Err(Refusal::Stale)
        );
        assert_eq!(guard.admit(&open(now + MAX_AGE_MS), now), Ok(()));
    }
}
