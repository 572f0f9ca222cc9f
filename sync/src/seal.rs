//! The sealed channel between the nodes of one clinic on the LAN.
//!
//! A node's port serves both the screens (plain HTTP to browsers on the LAN) and the
//! other nodes' sync requests, so node-to-node traffic is protected in its bodies
//! rather than by TLS: every `/sync/v1` request and answer between nodes is sealed with
//! XChaCha20-Poly1305 under a key derived from the clinic's LAN key (HKDF-SHA256, with a
//! label and the clinic id). The LAN key itself never travels: a body that opens is the
//! proof that its sender holds the key.
//!
//! A sealed body is `version (1 byte) ‖ nonce (24 bytes, random) ‖ ciphertext ‖ tag
//! (16 bytes)`; the plaintext is the sender's clock (ms since the Unix epoch, 8 bytes
//! big-endian) followed by the payload (gzip-compressed JSON). The associated data binds
//! the body to its direction, the clinic and the route, and an answer to the nonce of
//! the request it answers, so no body can be moved to another route, clinic or
//! exchange, and no answer can be passed off as a request.
//!
//! ```
//! use medicloud_sync::seal::LanSeal;
//! use medicloud_core::ids::ClinicId;
//!
//! let clinic = ClinicId::random();
//! let seal = LanSeal::new("the clinic's LAN key", clinic);
//! let (body, nonce) = seal.seal_request("/sync/v1/exchange", 1_000, b"payload");
//! let opened = seal.open_request("/sync/v1/exchange", &body).unwrap();
//! assert_eq!((opened.sent_ms, opened.payload.as_slice()), (1_000, &b"payload"[..]));
//! assert_eq!(opened.nonce, nonce);
//! // Another route, another clinic, another key: nothing opens.
//! assert!(seal.open_request("/sync/v1/labels/reserve", &body).is_err());
//! assert!(LanSeal::new("the clinic's LAN key", ClinicId::random())
//!     .open_request("/sync/v1/exchange", &body)
//!     .is_err());
//! ```

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use medicloud_core::ids::ClinicId;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;

/// The `Content-Type` of a sealed body.
pub const CONTENT_TYPE: &str = "application/vnd.medicloud.sealed";
/// The format's version, the body's first byte.
pub const VERSION: u8 = 1;
/// Bytes of the random nonce.
pub const NONCE_LEN: usize = 24;
/// Bytes of the authentication tag.
pub const TAG_LEN: usize = 16;
/// Bytes a sealed body adds to its payload: version, nonce, sender's clock, tag.
pub const OVERHEAD: usize = 1 + NONCE_LEN + 8 + TAG_LEN;
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
    /// The tag does not match: another key or clinic, another route, or changed bytes.
    #[error("the body does not open under this clinic's LAN key")]
    Unauthentic,
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

/// The clinic's sealing key. Made from the LAN key and the clinic id; the key bytes are
/// never shown (`Debug` prints the clinic only).
#[derive(Clone)]
pub struct LanSeal {
    cipher: XChaCha20Poly1305,
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
    /// The sealing key of `clinic` for the LAN key `lan_key`.
    pub fn new(lan_key: &str, clinic: ClinicId) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(LABEL), lan_key.as_bytes());
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 255 × 32, so this cannot fail.
        if hkdf.expand(clinic.0.as_bytes(), &mut key).is_err() {
            unreachable!("HKDF output of 32 bytes");
        }
        let cipher = XChaCha20Poly1305::new(&key.into());
        key.fill(0);
        Self { cipher, clinic }
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
        let mut ad = Vec::with_capacity(64 + route.len());
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

    fn seal(&self, ad: &[u8], sent_ms: i64, payload: &[u8]) -> (Vec<u8>, [u8; NONCE_LEN]) {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut plain = Vec::with_capacity(8 + payload.len());
        plain.extend_from_slice(&sent_ms.to_be_bytes());
        plain.extend_from_slice(payload);
        // Encryption fails only for plaintexts beyond 256 GiB, far above any body limit.
        let sealed = match self.cipher.encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: ad,
            },
        ) {
            Ok(sealed) => sealed,
            Err(_) => unreachable!("XChaCha20-Poly1305 takes any body below 256 GiB"),
        };
        let mut body = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        body.push(VERSION);
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed);
        (body, nonce.into())
    }

    fn open(&self, ad: &[u8], body: &[u8]) -> Result<Opened, SealError> {
        if body.len() < OVERHEAD || body[0] != VERSION {
            return Err(SealError::Malformed);
        }
        let (nonce, sealed) = body[1..].split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: ad,
                },
            )
            .map_err(|_| SealError::Unauthentic)?;
        let (clock, payload) = plain.split_at(8);
        let mut sent = [0u8; 8];
        sent.copy_from_slice(clock);
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(nonce);
        Ok(Opened {
            nonce: n,
            sent_ms: i64::from_be_bytes(sent),
            payload: payload.to_vec(),
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

    /// Opens a request to `route`.
    pub fn open_request(&self, route: &str, body: &[u8]) -> Result<Opened, SealError> {
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
            body,
        )
    }
}

/// Why an opened request is still refused.
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

    /// Admits an opened request received at `now_ms`, or says why not.
    pub fn admit(&self, opened: &Opened, now_ms: i64) -> Result<(), Refusal> {
        if opened.sent_ms.abs_diff(now_ms) > MAX_AGE_MS.unsigned_abs() {
            return Err(Refusal::Stale);
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > Self::PRUNE_ABOVE {
            // A nonce whose time is further back than the window is refused as stale
            // anyway, so it need not be remembered.
            seen.retain(|_, sent| sent.abs_diff(now_ms) <= MAX_AGE_MS.unsigned_abs());
        }
        match seen.entry(opened.nonce) {
            std::collections::hash_map::Entry::Occupied(_) => Err(Refusal::Replayed),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(opened.sent_ms);
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
    fn a_request_is_admitted_once_and_only_while_fresh() {
        let a = seal("key", 1);
        let guard = ReplayGuard::default();
        let now = 1_000_000_000;
        let open = |sent| {
            let (body, _) = a.seal_request(ROUTE, sent, b"");
            a.open_request(ROUTE, &body).unwrap()
        };
        let fresh = open(now - 1_000);
        assert_eq!(guard.admit(&fresh, now), Ok(()));
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
