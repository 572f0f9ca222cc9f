//! Bearer tokens: random, with a readable prefix (`mcs_` staff, `mcd_` devices), and
//! stored only as their SHA-256. A device's token stands for it until it is revoked.

use super::Principal;
use crate::error::Result;
use crate::store::{Store, query};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random bearer token (256 bits) with a readable prefix.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a token: what is stored instead of the token.
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The registered, unrevoked device whose token has the SHA-256 `hash`, if any.
pub fn device(store: &Store, hash: &str) -> Result<Option<Principal>> {
    let device = store
        .read(query::devices)?
        .into_iter()
        .find(|d| !d.revoked && d.token_sha256 == hash);
    Ok(device.map(|d| Principal::Device {
        id: d.id,
        role: d.role,
    }))
}
