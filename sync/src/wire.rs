//! The HTTP face of the protocol, shared by the node, the cloud and their clients.
//!
//! | route | auth | body → answer |
//! |---|---|---|
//! | `POST /sync/v1/exchange` | `Authorization: Bearer` device secret (cloud) or the clinic's LAN key (node) | [`SyncRequest`](crate::exchange::SyncRequest) → [`SyncResponse`](crate::exchange::SyncResponse) |
//! | `POST /sync/v1/enrol` | the one-time code in the body | [`EnrolRequest`] → [`Enrolled`] |
//! | `POST /sync/v1/labels/reserve` | as exchange | [`ReserveRequest`] → [`Block`] |
//! | `POST /sync/v1/labels/stance` | the clinic's LAN key (node) | [`LabelStance`] → [`LabelStance`] |
//! | `POST /sync/v1/appointments/desk` | as exchange (the clinic's booking authority) | [`DeskBooking`](medicloud_core::requests::DeskBooking) → [`DeskAnswer`](medicloud_core::requests::DeskAnswer) |
//! | `POST /sync/v1/appointments/reserve` | as exchange (the booking authority) | [`ReserveAsk`](medicloud_core::requests::ReserveAsk) → `[DeskReserve]` |
//!
//! Bodies are JSON; a client may send them gzip-compressed (`Content-Encoding: gzip`) and
//! asks for compressed answers with `Accept-Encoding: gzip`. Errors are
//! `{"code": "...", "message": "..."}` with a 4xx/5xx status.
//!
//! The exchange has a compact body besides, negotiated per request: a binary, columnar
//! page of events, `Content-Type: application/vnd.medicloud.events+columnar`
//! ([`crate::columnar`], its format there; deflate-compressed inside, no
//! `Content-Encoding`). A client says it reads one with
//! `Accept: application/vnd.medicloud.events+columnar, application/json`, and a side
//! that reads it answers in it. A client sends its requests columnar only once the
//! other side has answered one columnar, so an older side, which answers JSON, is only
//! ever sent JSON; a columnar request refused as unreadable (415, or a plain 400
//! `bad_body`) goes once more in JSON. JSON stays for older peers and for reading by
//! eye.
//!
//! Between the nodes of a clinic, exchange and label requests and their answers travel
//! sealed instead ([`crate::seal`]): `Content-Type: application/vnd.medicloud.sealed`, the
//! gzip-compressed JSON or a columnar frame inside (told apart by the first byte: gzip
//! starts `0x1f`, a columnar frame [`crate::columnar::MAGIC`]), no `Authorization`
//! header; `Accept` outside the seal says which answer the caller reads. A request that does not open
//! gets 401 `unauthenticated` (plain JSON); one that opens but is too old, or whose
//! sender's clock is off, gets a sealed 401 `stale_request` that carries the receiver's
//! time, so the sender corrects its stamp and tries once more.

use medicloud_core::domain::ServiceCode;
use medicloud_core::ids::{ClinicId, DeviceId};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// The exchange route.
pub const EXCHANGE: &str = "/sync/v1/exchange";
/// The enrolment route (cloud only).
pub const ENROL: &str = "/sync/v1/enrol";
/// The label block route (the clinic's label authority: the cloud, or a hub node).
pub const RESERVE: &str = "/sync/v1/labels/reserve";
/// Where two nodes of a clinic tell each other who they are and whether a configured
/// authority hands them their labels (node only).
pub const STANCE: &str = "/sync/v1/labels/stance";
/// Where a node's desk asks the clinic's booking authority (a node over the sealed LAN
/// link, or the cloud) to book or move a desk booking
/// ([`DeskBooking`](medicloud_core::requests::DeskBooking)).
pub const DESK_BOOKING: &str = "/sync/v1/appointments/desk";
/// Where a node asks the booking authority for its desk reserves
/// ([`ReserveAsk`](medicloud_core::requests::ReserveAsk)).
pub const DESK_RESERVE: &str = "/sync/v1/appointments/reserve";
/// Most bytes of one request body, once decompressed.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// A device asks to join a clinic with a one-time code from the cloud's admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolRequest {
    /// The one-time code.
    pub code: String,
    /// The device's own id (the origin of its events).
    pub device: DeviceId,
    /// A name for people, such as "Kiosk lobby".
    pub name: String,
}

/// What a device receives once, at enrolment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enrolled {
    /// The clinic it joined.
    pub clinic: ClinicId,
    /// The device id, as registered.
    pub device: DeviceId,
    /// The device's secret for every later request. Sent this once; the cloud keeps a hash.
    pub secret: String,
    /// A small number unique among the clinic's devices, used in fallback labels.
    pub slot: u32,
    /// The clinic's key for node-to-node sync on the LAN.
    pub lan_key: String,
}

/// A device asks the authority for a block of label numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReserveRequest {
    /// The service whose labels the block numbers.
    pub service: ServiceCode,
    /// The clinic-local service day, `YYYY-MM-DD`.
    pub day: chrono::NaiveDate,
    /// How many numbers (the authority may give fewer, never zero).
    pub count: u32,
    /// The asking device, when its credential does not say (a hub node on the LAN,
    /// reached with the clinic's shared key). The cloud takes it from the device secret.
    #[serde(default)]
    pub device: Option<DeviceId>,
}

/// A block of label numbers, `first..=last`, for one device, service and day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Block {
    /// First number of the block.
    pub first: u32,
    /// Last number of the block.
    pub last: u32,
    /// The asking device's slot, as the authority knows it (for its fallback labels).
    #[serde(default)]
    pub slot: Option<u32>,
}

/// What a node tells another of the clinic about itself, so that nodes with no
/// configured label authority can choose one among them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LabelStance {
    /// The node's device id.
    pub device: DeviceId,
    /// Whether a configured authority (the cloud, or a hub given by `--labels-from`)
    /// hands the node its blocks: such a node is never the one chosen.
    pub configured: bool,
}

/// An error answer: `{code, message}`, the same body as the node's API answers with.
pub use medicloud_core::error_code::{ErrorBody, ErrorCode};

/// Gzip-compresses a body (fast level: sync bodies are sent at once).
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 32),
        flate2::Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(body);
    gz.finish().unwrap_or_default()
}

/// Why a compressed body was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GunzipError {
    /// Not gzip data, or cut short.
    #[error("the body is not gzip data")]
    Corrupt,
    /// More than the limit once decompressed.
    #[error("the body is larger than {0} bytes once decompressed")]
    TooLarge(usize),
}

/// Decompresses a gzip body of at most `limit` bytes once decompressed (a small body
/// that expands to gigabytes is refused after `limit + 1` bytes).
pub fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, GunzipError> {
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let read = flate2::read::GzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    match read {
        Ok(n) if n > limit => Err(GunzipError::TooLarge(limit)),
        Ok(_) => Ok(out),
        Err(_) => Err(GunzipError::Corrupt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gunzip_takes_back_what_gzip_made_within_its_limit() {
        let body = br#"{"events":[]}"#.repeat(100);
        let cases = [
            (gzip(&body), body.len(), Ok(body.clone())),
            (
                gzip(&body),
                body.len() - 1,
                Err(GunzipError::TooLarge(body.len() - 1)),
            ),
            (body.clone(), usize::MAX / 8, Err(GunzipError::Corrupt)),
            (
                gzip(&body)[..20].to_vec(),
                body.len(),
                Err(GunzipError::Corrupt),
            ),
        ];
        for (input, limit, expect) in cases {
            assert_eq!(gunzip(&input, limit), expect);
        }
    }
}
