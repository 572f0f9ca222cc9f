//! The keys that sign and verify the chain staff's access tokens: Ed25519 (JWT `EdDSA`,
//! through `jsonwebtoken` on `ring`), each with a key id (`kid`) in the token's header,
//! kept in the database so every replica shares one key set.
//!
//! - The newest key not retired signs; every key not retired verifies. `medicloud
//!   cloud-admin rotate-key` adds a key (it signs from the replicas' next reload, the
//!   older ones still verify), `retire-key` retires one (its tokens are refused from the
//!   replicas' next reload).
//! - Each replica caches the public keys and reloads them when a token names a `kid` it
//!   does not know (at most once a second), and every [`MAX_AGE`] anyway.
//! - The private keys are sealed at rest (ChaCha20-Poly1305, the key derived with
//!   HKDF-SHA256 from the cloud's key secret, the `kid` as associated data) when the
//!   cloud has a key secret; without one they are stored as they are, and whoever reads
//!   the database can sign tokens (the cloud warns at start).

use crate::storage::accounts::{AccountStorage, SigningKeyRow};
use crate::storage::{AnyStorage, StorageError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::signature::KeyPair;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a replica trusts its cached key set before reading it again.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// The shortest time between two reloads asked for by unknown key ids.
const MIN_RELOAD: Duration = Duration::from_secs(1);
/// How far apart the replicas' clocks may be.
const LEEWAY_SECS: u64 = 5;
/// The issuer and audience of the tokens.
pub const ISSUER: &str = "medicloud-hq";

/// The cloud's key secret, as a 32-byte sealing key (HKDF-SHA256 of the secret).
#[derive(Clone)]
pub struct KeySecret([u8; 32]);

impl std::fmt::Debug for KeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySecret(…)")
    }
}

impl KeySecret {
    /// The sealing key derived from `secret`.
    pub fn new(secret: &str) -> Self {
        let hkdf =
            hkdf::Hkdf::<sha2::Sha256>::new(Some(b"medicloud hq signing keys"), secret.as_bytes());
        let mut key = [0; 32];
        // 32 bytes is well within what HKDF-SHA256 gives.
        let _ = hkdf.expand(b"v1", &mut key);
        Self(key)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new((&self.0).into())
    }
}

/// A key-set failure.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The database.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A sealed key without the secret, or with another one.
    #[error(
        "the signing key {0} is sealed with a key secret this cloud does not have \
         (give it the chain's --hq-key-secret)"
    )]
    Sealed(String),
    /// A stored key that does not read.
    #[error("the signing key {0} is damaged")]
    Damaged(String),
}

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// It expired.
    #[error("the access token expired")]
    Expired,
    /// Anything else: not a token, an unknown or retired `kid`, a wrong signature, the
    /// wrong issuer or audience.
    #[error("the access token is not valid")]
    Invalid,
}

/// Makes a new key, sealed with `secret` when given, and stores it: it signs from each
/// replica's next reload. Returns its `kid`.
pub async fn rotate(
    storage: &AnyStorage,
    secret: Option<&KeySecret>,
    now_ms: i64,
) -> Result<String, KeyError> {
    let kid = format!("{:016x}", rand::random::<u64>());
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| KeyError::Damaged(kid.clone()))?;
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| KeyError::Damaged(kid.clone()))?;
    let private_key = match secret {
        Some(secret) => {
            let nonce: [u8; 12] = rand::random();
            let sealed = secret
                .cipher()
                .encrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: pkcs8.as_ref(),
                        aad: kid.as_bytes(),
                    },
                )
                .map_err(|_| KeyError::Damaged(kid.clone()))?;
            [nonce.as_slice(), &sealed].concat()
        }
        None => pkcs8.as_ref().to_vec(),
    };
    storage
        .add_signing_key(SigningKeyRow {
            kid: kid.clone(),
            public_key: pair.public_key().as_ref().to_vec(),
            private_key,
            sealed: secret.is_some(),
            created_ms: now_ms,
            retired_ms: None,
        })
        .await?;
    Ok(kid)
}

fn unseal(row: &SigningKeyRow, secret: Option<&KeySecret>) -> Result<Vec<u8>, KeyError> {
    if !row.sealed {
        return Ok(row.private_key.clone());
    }
    let secret = secret.ok_or_else(|| KeyError::Sealed(row.kid.clone()))?;
    if row.private_key.len() < 12 {
        return Err(KeyError::Damaged(row.kid.clone()));
    }
    let (nonce, sealed) = row.private_key.split_at(12);
    secret
        .cipher()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: row.kid.as_bytes(),
            },
        )
        .map_err(|_| KeyError::Sealed(row.kid.clone()))
}

struct Cache {
    verifiers: HashMap<String, DecodingKey>,
    signer: (String, EncodingKey),
    loaded: Instant,
}

/// A replica's copy of the key set: signs with the newest key, verifies with any that
/// is not retired.
pub struct KeySet {
    storage: Arc<AnyStorage>,
    secret: Option<KeySecret>,
    cache: RwLock<Cache>,
    /// When an unknown key id last made this replica read the set again.
    reloading: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet").finish_non_exhaustive()
    }
}

/// Reads the key set; makes the first key when there is none not retired.
async fn read(storage: &AnyStorage, secret: Option<&KeySecret>) -> Result<Cache, KeyError> {
    let mut rows: Vec<SigningKeyRow> = storage
        .signing_keys()
        .await?
        .into_iter()
        .filter(|k| k.retired_ms.is_none())
        .collect();
    if rows.is_empty() {
        rotate(storage, secret, super::now_ms()).await?;
        tracing::info!("made the first signing key of the HQ access tokens");
        rows = storage
            .signing_keys()
            .await?
            .into_iter()
            .filter(|k| k.retired_ms.is_none())
            .collect();
    }
    let newest = rows
        .last()
        .ok_or_else(|| KeyError::Damaged("(none)".into()))?;
    let signer = (
        newest.kid.clone(),
        EncodingKey::from_ed_der(&unseal(newest, secret)?),
    );
    let verifiers = rows
        .iter()
        .map(|k| (k.kid.clone(), DecodingKey::from_ed_der(&k.public_key)))
        .collect();
    Ok(Cache {
        verifiers,
        signer,
        loaded: Instant::now(),
    })
}

impl KeySet {
    /// Loads the key set of `storage` (making its first key if need be).
    pub async fn load(
        storage: Arc<AnyStorage>,
        secret: Option<KeySecret>,
    ) -> Result<Self, KeyError> {
        let cache = read(&storage, secret.as_ref()).await?;
        Ok(Self {
            storage,
            secret,
            cache: RwLock::new(cache),
            reloading: tokio::sync::Mutex::new(None),
        })
    }

    fn cache(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the key set again, unless another request just did (within `min`).
    async fn reload(&self, min: Duration) -> Result<(), KeyError> {
        let mut last = self.reloading.lock().await;
        if last.is_some_and(|at| at.elapsed() < min) {
            return Ok(());
        }
        let cache = read(&self.storage, self.secret.as_ref()).await?;
        *self.cache.write().unwrap_or_else(|p| p.into_inner()) = cache;
        *last = Some(Instant::now());
        Ok(())
    }

    async fn fresh(&self) -> Result<(), KeyError> {
        if self.cache().loaded.elapsed() >= MAX_AGE {
            self.reload(MIN_RELOAD).await?;
        }
        Ok(())
    }

    /// Signs `claims` with the newest key, its `kid` in the header.
    pub async fn sign<C: Serialize>(&self, claims: &C) -> Result<String, KeyError> {
        self.fresh().await?;
        let (kid, key) = {
            let cache = self.cache();
            (cache.signer.0.clone(), cache.signer.1.clone())
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, claims, &key).map_err(|_| KeyError::Damaged(kid))
    }

    /// The claims of `token` if a key of the set signed it, it is unexpired and it is
    /// meant for `/hq`. An unknown `kid` reloads the set (at most once a second) before
    /// it is refused.
    pub async fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, VerifyError> {
        self.verify_for(token, ISSUER).await
    }

    /// The claims of `token` if a key of the set signed it, it is unexpired, issued by
    /// the cloud and meant for `audience` (`medicloud-hq` for the staff's tokens,
    /// [`crate::oauth::AUDIENCE`] for the API clients'): a token for one is refused by
    /// the other.
    pub async fn verify_for<C: DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<C, VerifyError> {
        self.fresh().await?;
        let kid = jsonwebtoken::decode_header(token)
            .ok()
            .filter(|h| h.alg == Algorithm::EdDSA)
            .and_then(|h| h.kid)
            .ok_or(Refused::Invalid)?;
        let known = |set: &KeySet| set.cache().verifiers.get(&kid).cloned();
        let key = match known(self) {
            Some(key) => key,
            None => {
                self.reload(MIN_RELOAD).await?;
                known(self).ok_or(Refused::Invalid)?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECS;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<C>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => Refused::Expired.into(),
                _ => Refused::Invalid.into(),
            })
    }
}

/// A token refused, or the key set unreadable.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The token.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The key set.
    #[error(transparent)]
    Keys(#[from] KeyError),
}
