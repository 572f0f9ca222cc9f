//! The exchange over HTTP: a [`Transport`] that posts each round to a peer node or the
//! cloud, gzip-compressed both ways, and the [`Backoff`] that spaces out retries to a
//! side that cannot be reached.

use crate::exchange::{SyncError, SyncRequest, SyncResponse, Transport};
use crate::wire::{self, ErrorBody};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::Rng;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::time::Duration;

/// A link to one other side: its base URL (`http://10.0.0.5:8080`) and the credential
/// it expects (the clinic's LAN key for a node, the device secret for the cloud).
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: Client,
    base: String,
    token: String,
}

impl HttpTransport {
    /// A link to `base` that authenticates with `token`. Requests give up after `timeout`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Self, SyncError> {
        let client = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .gzip(true)
            .build()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Posts `body` to `route` and decodes the answer.
    pub fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        route: &str,
        body: &B,
    ) -> Result<R, SyncError> {
        let json = serde_json::to_vec(body).map_err(|e| SyncError::Refused(e.to_string()))?;
        let mut gz = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::fast());
        gz.write_all(&json)
            .map_err(|e| SyncError::Storage(e.to_string()))?;
        let compressed = gz.finish().map_err(|e| SyncError::Storage(e.to_string()))?;
        let response = self
            .client
            .post(format!("{}{route}", self.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_ENCODING, "gzip")
            .body(compressed)
            .send()
            .map_err(|e| SyncError::Unreachable(without_url(e)))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .map_err(|e| SyncError::Unreachable(without_url(e)));
        }
        let error: Option<ErrorBody> = response.json().ok();
        let message = error.map_or_else(|| status.to_string(), |e| e.message);
        Err(match status {
            StatusCode::FORBIDDEN => SyncError::WrongClinic,
            s if s.is_server_error() => SyncError::Unreachable(message),
            _ => SyncError::Refused(message),
        })
    }
}

/// Transport errors name the URL; keep the kind only, so no address or token reaches a log.
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

impl Transport for HttpTransport {
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError> {
        self.post(wire::EXCHANGE, &request)
    }
}

/// Growing waits between attempts to reach a side that does not answer: doubling from
/// `min` up to `max`, each with up to a quarter of random jitter so that many devices
/// coming back at once do not knock together.
#[derive(Clone, Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Waits from `min` up to `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
        }
    }

    /// The wait before the next attempt after a failure.
    pub fn fail(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let jitter = rand::thread_rng().gen_range(0.0..0.25);
        base.mul_f64(1.0 + jitter).min(self.max)
    }

    /// A success: the next failure starts again from `min`.
    pub fn succeed(&mut self) {
        self.next = self.min;
    }
}
