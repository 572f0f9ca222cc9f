//! What a node or the cloud decodes from a `/sync/v1` body: gzip (bounded), then the
//! exchange, label and enrolment JSON, and the exchange's columnar pages (bounded).
//! Decoding never panics, and whatever decodes encodes and decodes again to the same
//! value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medicloud_sync::columnar;
use medicloud_sync::exchange::{SyncRequest, SyncResponse};
use medicloud_sync::wire::{self, Block, EnrolRequest, Enrolled, ReserveRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes `json` as `T`; if it decodes, its encoding decodes to the same value.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(json: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(json) {
        let again = serde_json::to_vec(&value).expect("a decoded value encodes");
        let back: T = serde_json::from_slice(&again).expect("its encoding decodes");
        assert_eq!(back, value);
    }
}

fn every_body(json: &[u8]) {
    round_trip::<SyncRequest>(json);
    round_trip::<SyncResponse>(json);
    round_trip::<ReserveRequest>(json);
    round_trip::<Block>(json);
    round_trip::<EnrolRequest>(json);
    round_trip::<Enrolled>(json);
}

/// Decodes `data` as a columnar request and answer; what decodes encodes to a frame that
/// decodes to the same value.
fn columnar_round_trip(data: &[u8]) {
    if let Ok(request) = columnar::decode_request(data, 1 << 20) {
        let again = columnar::encode_request(&request);
        assert_eq!(columnar::decode_request(&again, 1 << 20), Ok(request));
    }
    if let Ok(response) = columnar::decode_response(data, 1 << 20) {
        let again = columnar::encode_response(&response);
        assert_eq!(columnar::decode_response(&again, 1 << 20), Ok(response));
    }
}

fuzz_target!(|data: &[u8]| {
    columnar_round_trip(data);
    // The cloud takes plain JSON too; inside a seal it is always gzip.
    every_body(data);
    // A small limit, so a small input that expands a lot is refused quickly.
    match wire::gunzip(data, 1 << 20) {
        Ok(json) => {
            assert!(json.len() <= 1 << 20);
            every_body(&json);
            // Compressing what came out and decompressing it gives it back.
            assert_eq!(
                wire::gunzip(&wire::gzip(&json), 1 << 20).as_ref(),
                Ok(&json)
            );
        }
        Err(wire::GunzipError::TooLarge(limit)) => assert_eq!(limit, 1 << 20),
        Err(wire::GunzipError::Corrupt) => {}
    }
});
