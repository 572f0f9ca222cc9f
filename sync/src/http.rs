//! The exchange over HTTP: a [`Transport`] that posts each round to a peer node or the
//! cloud, and the [`Backoff`] that spaces out retries to a side that cannot be reached.
//!
//! To the cloud, requests are gzip-compressed JSON over HTTPS with the device secret as
//! a bearer token, and exchange rounds columnar pages ([`crate::columnar`]) once the
//! other side has answered one columnar (negotiated per link, see [`crate::wire`]); the cloud's certificate is checked against the bundled web PKI roots
//! and, for a chain with its own certificate authority, an extra [`TrustedCa`]. To the
//! clinic's other nodes, bodies are sealed with the clinic's LAN key ([`crate::seal`]).
//!
//! A side that answers 429 or 503 with `Retry-After` is given the wait it asks for (at
//! most [`RETRY_AFTER_MAX`]) before the same request is sent again, up to
//! [`RETRY_AFTER_ATTEMPTS`] times; without `Retry-After` the refusal is returned at once.

use crate::columnar;
use crate::exchange::{SyncError, SyncRequest, SyncResponse, Transport};
use crate::hlc::{SystemTime, TimeSource};
use crate::seal::{self, LanSeal};
use crate::wire::{self, ErrorBody, ErrorCode};
use rand::Rng;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{
    ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

/// The longest wait a `Retry-After` is given before the request is sent again; a longer
/// one is cut to this (the sync loop's own backoff takes over after that).
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(60);

/// How many times one request is sent again after answers that ask to wait.
pub const RETRY_AFTER_ATTEMPTS: u32 = 3;

/// The wait an answer asks for before the next attempt: its `Retry-After` (seconds, or
/// an HTTP date) on a 429 or 503, at most [`RETRY_AFTER_MAX`]; `None` for any other
/// answer.
fn asked_wait(response: &Response) -> Option<Duration> {
    let status = response.status();
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            let ms = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
            Duration::from_millis(u64::try_from(ms).unwrap_or(0))
        }
    };
    Some(wait.min(RETRY_AFTER_MAX))
}

/// Extra certificate authorities a node trusts for the cloud's certificate, besides the
/// bundled web PKI roots (a clinic chain that runs its own CA).
#[derive(Clone, Debug, Default)]
pub struct TrustedCa {
    roots: Vec<reqwest::Certificate>,
}

impl TrustedCa {
    /// The certificates of a PEM file (one or more `CERTIFICATE` blocks).
    pub fn from_pem_file(path: &Path) -> Result<Self, SyncError> {
        let pem = std::fs::read(path).map_err(|e| {
            SyncError::Refused(format!("cannot read the CA file {}: {e}", path.display()))
        })?;
        Self::from_pem(&pem).map_err(|e| SyncError::Refused(format!("{}: {e}", path.display())))
    }

    /// The certificates of PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self, SyncError> {
        let roots = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|_| SyncError::Refused("not a PEM certificate file".to_owned()))?;
        if roots.is_empty() {
            return Err(SyncError::Refused(
                "no certificate in the CA file".to_owned(),
            ));
        }
        Ok(Self { roots })
    }
}

/// How a link proves who it is. `Debug` names the kind only, never the secret.
#[derive(Clone)]
pub enum Credential {
    /// Nothing (enrolment, where the one-time code is in the body).
    None,
    /// `Authorization: Bearer` with a device secret (the cloud).
    Bearer(String),
    /// Bodies sealed with the clinic's LAN key (another node of the clinic).
    Sealed(Arc<LanSeal>),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Bearer(_) => "Bearer(…)",
            Self::Sealed(_) => "Sealed(…)",
        })
    }
}

/// A link to one other side: its base URL (`http://10.0.0.5:8080`) and how it
/// authenticates (the clinic's LAN key for a node, the device secret for the cloud).
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: Client,
    base: String,
    credential: Credential,
    /// How far the other side's clock is from this one's, as it last told (sealed links).
    offset_ms: Arc<AtomicI64>,
    /// Whether the other side has answered an exchange columnar (so it reads them).
    columnar: Arc<AtomicBool>,
}

impl HttpTransport {
    /// A link to `base` that authenticates with the bearer `token` (none when empty).
    /// Requests give up after `timeout`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Self, SyncError> {
        let credential = if token.is_empty() {
            Credential::None
        } else {
            Credential::Bearer(token.to_owned())
        };
        Self::with(base, credential, timeout, None)
    }

    /// A link to `base` with `credential`, trusting `ca` besides the web PKI roots.
    pub fn with(
        base: &str,
        credential: Credential,
        timeout: Duration,
        ca: Option<&TrustedCa>,
    ) -> Result<Self, SyncError> {
        let mut builder = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .use_rustls_tls()
            .gzip(true);
        for root in ca.map(|c| c.roots.as_slice()).unwrap_or_default() {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder
            .build()
            .map_err(|e| SyncError::Unreachable(describe(e)))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            credential,
            offset_ms: Arc::default(),
            columnar: Arc::default(),
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends the request `make` builds (with what it carries besides, such as a sealed
    /// request's nonce), and again after each answer that asks to wait ([`asked_wait`]),
    /// up to [`RETRY_AFTER_ATTEMPTS`] times.
    fn send<T>(
        &self,
        mut make: impl FnMut() -> (RequestBuilder, T),
    ) -> Result<(Response, T), SyncError> {
        let mut attempt = 0;
        loop {
            let (request, carried) = make();
            let response = request
                .send()
                .map_err(|e| SyncError::Unreachable(describe(e)))?;
            match asked_wait(&response) {
                Some(wait) if attempt < RETRY_AFTER_ATTEMPTS => {
                    attempt += 1;
                    tracing::info!(
                        status = response.status().as_u16(),
                        wait_ms = wait.as_millis() as u64,
                        "the other side asks to wait; the request goes again then"
                    );
                    std::thread::sleep(wait);
                }
                _ => return Ok((response, carried)),
            }
        }
    }

    /// Posts `body` to `route` and decodes the answer.
    pub fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        route: &str,
        body: &B,
    ) -> Result<R, SyncError> {
        let json = serde_json::to_vec(body).map_err(|e| SyncError::Refused(e.to_string()))?;
        let outgoing = Outgoing::Json(wire::gzip(&json));
        match self
            .round(route, &outgoing, false)
            .map_err(Failed::into_error)?
        {
            Answer::Json(json) => decode_json(&json),
            Answer::Columnar(_) => Err(SyncError::Unreachable(
                "a columnar answer to a request that did not ask for one".to_owned(),
            )),
        }
    }

    /// Whether this link sends its exchange requests columnar: once the other side has
    /// answered one columnar (it reads them too), until it refuses one.
    pub fn sends_columnar(&self) -> bool {
        self.columnar.load(Ordering::Relaxed)
    }

    /// One round of the exchange, in the columnar body once the other side has shown
    /// it reads it ([`crate::columnar`]), else in JSON; every request says it reads
    /// columnar answers. A columnar request refused as unreadable (415, or 400 from a
    /// side that no longer reads it) goes once more in JSON, and the link keeps to JSON
    /// until the other side answers columnar again.
    fn exchange_round(&self, request: &SyncRequest) -> Result<SyncResponse, SyncError> {
        let columnar = self.sends_columnar();
        let outgoing = if columnar {
            Outgoing::Columnar(columnar::encode_request(request))
        } else {
            let json =
                serde_json::to_vec(request).map_err(|e| SyncError::Refused(e.to_string()))?;
            Outgoing::Json(wire::gzip(&json))
        };
        let answer = match self.round(wire::EXCHANGE, &outgoing, true) {
            Err(Failed::Unreadable(_)) if columnar => {
                tracing::info!("the other side does not read columnar pages; sending JSON");
                self.columnar.store(false, Ordering::Relaxed);
                return self.exchange_round(request);
            }
            other => other.map_err(Failed::into_error)?,
        };
        match answer {
            Answer::Json(json) => decode_json(&json),
            Answer::Columnar(frame) => {
                let response = columnar::decode_response(&frame, wire::MAX_BODY)
                    .map_err(|e| SyncError::Unreachable(e.to_string()))?;
                self.columnar.store(true, Ordering::Relaxed);
                Ok(response)
            }
        }
    }

    /// Sends `outgoing` to `route` (saying it reads columnar answers when `accept`) and
    /// returns a successful answer's body.
    fn round(&self, route: &str, outgoing: &Outgoing, accept: bool) -> Result<Answer, Failed> {
        let url = format!("{}{route}", self.base);
        let accept = if accept {
            ACCEPT_COLUMNAR
        } else {
            "application/json"
        };
        let seal = match &self.credential {
            Credential::Sealed(seal) => seal.clone(),
            other => {
                let (response, ()) = self.send(|| {
                    let (content_type, encoding) = match outgoing {
                        Outgoing::Json(_) => ("application/json", Some("gzip")),
                        Outgoing::Columnar(_) => (columnar::MEDIA_TYPE, None),
                    };
                    let mut request = self
                        .client
                        .post(&url)
                        .header(CONTENT_TYPE, content_type)
                        .header(ACCEPT, accept)
                        // Refusals in English, for the log.
                        .header(ACCEPT_LANGUAGE, "en")
                        .body(outgoing.bytes().to_vec());
                    if let Some(encoding) = encoding {
                        request = request.header(CONTENT_ENCODING, encoding);
                    }
                    if let Credential::Bearer(token) = other {
                        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
                    }
                    (request, ())
                })?;
                let status = response.status();
                if status.is_success() {
                    let columnar = response
                        .headers()
                        .get(CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with(columnar::MEDIA_TYPE));
                    let body = response
                        .bytes()
                        .map_err(|e| SyncError::Unreachable(describe(e)))?
                        .to_vec();
                    return Ok(if columnar {
                        Answer::Columnar(body)
                    } else {
                        Answer::Json(body)
                    });
                }
                return Err(Failed::refused(status, response.json().ok(), outgoing));
            }
        };
        // A sealed link: one more try when the other side says this clock is off.
        for attempt in 0..2 {
            // Sealed afresh for each attempt: a request is taken once, and its stamp is
            // of when it is sent.
            let (response, nonce) = self.send(|| {
                let sent = SystemTime.now_ms() as i64 + self.offset_ms.load(Ordering::Relaxed);
                let (sealed, nonce) = seal.seal_request(route, sent, outgoing.bytes());
                let request = self
                    .client
                    .post(&url)
                    .header(CONTENT_TYPE, seal::CONTENT_TYPE)
                    .header(ACCEPT, accept)
                    .header(ACCEPT_LANGUAGE, "en")
                    .body(sealed);
                (request, nonce)
            })?;
            let status = response.status();
            let Some(answer) = open_answer(&seal, route, &nonce, response)? else {
                // A plain answer: the other side did not open the request.
                return Err(match status {
                    StatusCode::UNAUTHORIZED => Failed::Sync(SyncError::Refused(
                        "the other node refused this node's LAN key".to_owned(),
                    )),
                    s => Failed::refused(s, None, outgoing),
                });
            };
            let (their_clock, answer) = answer;
            if status.is_success() {
                return Ok(answer);
            }
            let error: Option<ErrorBody> = match &answer {
                Answer::Json(json) => serde_json::from_slice(json).ok(),
                Answer::Columnar(_) => None,
            };
            if status == StatusCode::UNAUTHORIZED
                && attempt == 0
                && error
                    .as_ref()
                    .is_some_and(|e| e.code == ErrorCode::StaleRequest)
            {
                // Its time, sealed under the clinic's key, is authentic: keep to it.
                let local = SystemTime.now_ms() as i64;
                self.offset_ms.store(their_clock - local, Ordering::Relaxed);
                continue;
            }
            return Err(Failed::refused(status, error, outgoing));
        }
        Err(Failed::Sync(SyncError::Refused(
            "the other node keeps refusing this node's clock".to_owned(),
        )))
    }
}

/// What an exchange request says it reads: the columnar body first, JSON too.
const ACCEPT_COLUMNAR: &str = "application/vnd.medicloud.events+columnar, application/json";

/// A request body as it goes out: gzip-compressed JSON, or a columnar frame.
#[derive(Debug)]
enum Outgoing {
    Json(Vec<u8>),
    Columnar(Vec<u8>),
}

impl Outgoing {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Json(b) | Self::Columnar(b) => b,
        }
    }
}

/// A successful answer's body: JSON (decompressed), or a columnar frame.
#[derive(Debug)]
enum Answer {
    Json(Vec<u8>),
    Columnar(Vec<u8>),
}

/// Why a round failed: a columnar request the other side could not read, or else.
#[derive(Debug)]
enum Failed {
    Unreadable(SyncError),
    Sync(SyncError),
}

impl Failed {
    fn refused(status: StatusCode, error: Option<ErrorBody>, outgoing: &Outgoing) -> Self {
        // An older side: 415 from the cloud, a plain 400 `bad_body` from a node that
        // finds no gzip inside the seal.
        let unreadable = matches!(outgoing, Outgoing::Columnar(_))
            && (status == StatusCode::UNSUPPORTED_MEDIA_TYPE
                || status == StatusCode::BAD_REQUEST
                    && error.as_ref().is_none_or(|e| e.code == ErrorCode::BadBody));
        let error = refusal(status, error);
        if unreadable {
            Self::Unreadable(error)
        } else {
            Self::Sync(error)
        }
    }

    fn into_error(self) -> SyncError {
        match self {
            Self::Unreadable(e) | Self::Sync(e) => e,
        }
    }
}

impl From<SyncError> for Failed {
    fn from(e: SyncError) -> Self {
        Self::Sync(e)
    }
}

fn decode_json<R: DeserializeOwned>(json: &[u8]) -> Result<R, SyncError> {
    serde_json::from_slice(json)
        .map_err(|e| SyncError::Unreachable(format!("an answer that is not valid JSON: {e}")))
}

/// Opens a sealed answer: `(sender's clock, its body)`, or `None` for a plain one. Inside
/// the seal, a columnar frame is told from gzip-compressed JSON by its first byte.
fn open_answer(
    seal: &LanSeal,
    route: &str,
    nonce: &[u8; seal::NONCE_LEN],
    response: Response,
) -> Result<Option<(i64, Answer)>, SyncError> {
    let sealed = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == seal::CONTENT_TYPE.as_bytes());
    if !sealed {
        return Ok(None);
    }
    let body = response
        .bytes()
        .map_err(|e| SyncError::Unreachable(describe(e)))?;
    let opened = seal.open_answer(route, nonce, &body).map_err(|_| {
        SyncError::Refused("the other node's answer does not open under the LAN key".to_owned())
    })?;
    if columnar::is_columnar(&opened.payload) {
        return Ok(Some((opened.sent_ms, Answer::Columnar(opened.payload))));
    }
    let json = wire::gunzip(&opened.payload, wire::MAX_BODY)
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    Ok(Some((opened.sent_ms, Answer::Json(json))))
}

/// The error for a refused request with status `status`.
fn refusal(status: StatusCode, error: Option<ErrorBody>) -> SyncError {
    let message = error.map_or_else(|| status.to_string(), |e| e.message);
    match status {
        StatusCode::FORBIDDEN => SyncError::WrongClinic,
        s if s.is_server_error() => SyncError::Unreachable(message),
        _ => SyncError::Refused(message),
    }
}

/// A transport error in words, without the URL (so no address or token reaches a log):
/// its kind and causes, with TLS failures named as such.
fn describe(e: reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let chain = causes.join(": ");
    let (timeout, connect) = (e.is_timeout(), e.is_connect());
    let lower = chain.to_ascii_lowercase();
    let kind = if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        "certificate not trusted (issued by an authority this node does not trust; see --cloud-ca)"
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        "certificate not valid for this address"
    } else if lower.contains("expired") {
        "certificate expired"
    } else if lower.contains("certificate") {
        "certificate refused"
    } else if lower.contains("handshake") || lower.contains("tls") {
        "TLS handshake failed"
    } else if timeout {
        "timed out"
    } else if connect {
        "cannot connect"
    } else {
        ""
    };
    let base = e.without_url().to_string();
    match (kind, chain.is_empty()) {
        ("", true) => base,
        ("", false) => format!("{base}: {chain}"),
        (kind, true) => format!("{kind}: {base}"),
        (kind, false) => format!("{kind}: {chain}"),
    }
}

impl Transport for HttpTransport {
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError> {
        self.exchange_round(&request)
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
