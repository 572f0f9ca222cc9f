//! Sync over HTTP: the exchange and label blocks for the clinic's other nodes
//! (`/sync/v1/…`, sealed with the clinic's LAN key), and what staff see of it
//! (`/api/v1/sync/status`, `/api/v1/conflicts`).

use super::error::{AppError, ErrorBody, ErrorCode};
use super::extract::{Caller, Json};
use super::limit::{self, RateLimit};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::ops::{DeskAnswer, DeskBooking};
use crate::replication::SyncStatus;
use crate::store::query::ConflictView;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use medicloud_core::i18n::Text;
use medicloud_sync::columnar::{self, ColumnarError};
use medicloud_sync::exchange::{self, PAGE, SyncError, SyncRequest, SyncResponse};
use medicloud_sync::seal::{self, Refusal};
use medicloud_sync::wire::{self, Block, GunzipError, LabelStance, ReserveRequest};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What the sync routes let in before a body is read: a rate of requests per client
/// address, and how many sealed bodies are held in memory at once.
#[derive(Debug)]
pub struct SyncGate {
    rate: RateLimit,
    bodies: Arc<Semaphore>,
}

impl SyncGate {
    /// `per_second` requests per address sustained, bursts of `burst`, and at most
    /// `bodies` sealed bodies read (and worked on) at once.
    pub fn new(per_second: u32, burst: u32, bodies: usize) -> Self {
        Self {
            rate: RateLimit::new(per_second, burst),
            bodies: Arc::new(Semaphore::new(bodies)),
        }
    }
}

/// How long a request whose header opened may wait for its turn to be read.
const TURN_WAIT: Duration = Duration::from_secs(30);

/// Opens the sealed request of another node of the clinic, runs it, and seals the
/// answer (see `medicloud_sync::seal`). Before a body is read: it must say its length
/// (411), within the limit (413); the caller's address must be within its rate (429,
/// with `Retry-After`); and the envelope's header, its first bytes, must open under the
/// clinic's LAN key, say that length, and not be a replay of a request taken (else 401
/// `unauthenticated`, with the rest unread). Only then does the body wait for one of the few turns to be
/// read whole (503 after [`TURN_WAIT`]). A request that opens but is stale (or whose
/// sender's clock is off) gets a sealed 401 `stale_request` that tells this node's time.
pub async fn sealed(
    State((s, gate)): State<(AppState, Arc<SyncGate>)>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let Some(seal) = s.node.sync_seal().cloned() else {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::SyncOff,
            ErrorCode::SyncOff.text(),
        ));
    };
    let unauthenticated = || {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            Text::new(
                "Permintaan sinkron harus disegel dengan kunci LAN klinik.",
                "a sync request must be sealed with the clinic's LAN key",
            ),
        )
    };
    let too_large = || {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            Text::new(
                format!("Isi sinkron paling banyak {} byte.", wire::MAX_BODY),
                format!("a sync body may hold at most {} bytes", wire::MAX_BODY),
            ),
        )
    };
    let cut_short = || {
        AppError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadBody,
            Text::new(
                "Isi yang disegel tidak tiba utuh.",
                "the sealed body did not arrive whole",
            ),
        )
    };
    let len = match request.headers().get(header::CONTENT_LENGTH) {
        // No length and no transfer coding: an empty body (which cannot be sealed).
        None if !request.headers().contains_key(header::TRANSFER_ENCODING) => 0,
        None => {
            return Err(AppError::new(
                StatusCode::LENGTH_REQUIRED,
                ErrorCode::BadRequest,
                Text::new(
                    "Permintaan sinkron harus menyebut panjangnya (Content-Length).",
                    "a sync request must say its length (Content-Length)",
                ),
            ));
        }
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| {
                AppError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    Text::new(
                        "Content-Length bukan angka.",
                        "Content-Length is not a number",
                    ),
                )
            })?,
    };
    let len = match usize::try_from(len) {
        Ok(len) if len <= wire::MAX_BODY + seal::OVERHEAD => len,
        _ => return Err(too_large()),
    };
    if let Some(Err(wait)) = limit::client_ip(&request).map(|ip| gate.rate.take(ip)) {
        return Ok(limit::too_many(wait));
    }
    let route = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().path(), |o| o.0.path())
        .to_owned();
    let (mut parts, body) = request.into_parts();
    // The header, from the first bytes; a device without the LAN key gets no further.
    let mut stream = body.into_data_stream();
    let mut head = Vec::with_capacity(seal::HEADER_LEN);
    while head.len() < seal::HEADER_LEN {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(_)) => return Err(cut_short()),
            None => break,
        }
    }
    let sealed = seal
        .open_request_header(&route, &head)
        .map_err(|_| unauthenticated())?;
    if sealed.len != len {
        return Err(unauthenticated());
    }
    let replayed = || {
        tracing::warn!("a sealed sync request was played again; refused");
        unauthenticated()
    };
    // A stale header is authentic: its body is read, and answered with this node's time.
    if s.node.check_sealed(&sealed, s.node.now_ms()) == Err(Refusal::Replayed) {
        return Err(replayed());
    }
    // A turn to be read whole and worked on, held until the answer is sealed.
    let Ok(Ok(_turn)) = tokio::time::timeout(TURN_WAIT, gate.bodies.clone().acquire_owned()).await
    else {
        let mut busy = AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RateLimited,
            Text::new(
                "Node ini sedang melayani permintaan sinkron lain; coba lagi.",
                "this node is taking other sync requests; try again",
            ),
        )
        .into_response();
        busy.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(busy);
    };
    let mut bytes = head;
    bytes.reserve_exact(len.saturating_sub(bytes.len()));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| cut_short())?;
        if bytes.len() + chunk.len() > len {
            return Err(unauthenticated());
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.len() != len {
        return Err(cut_short());
    }
    let opened = seal
        .open_request_owned(&route, bytes)
        .map_err(|_| unauthenticated())?;
    let now = s.node.now_ms();
    let stale = match s.node.admit_sealed(&sealed, now) {
        Ok(()) => false,
        Err(Refusal::Stale) => true,
        Err(Refusal::Replayed) => return Err(replayed()),
    };
    // A columnar answer is compressed already; JSON is gzip-compressed inside the seal.
    let answer = |status: StatusCode, body: Vec<u8>, columnar: bool| {
        let payload = if columnar { body } else { wire::gzip(&body) };
        let body = seal.seal_answer(&route, &opened.nonce, now, &payload);
        (status, [(header::CONTENT_TYPE, seal::CONTENT_TYPE)], body).into_response()
    };
    if stale {
        let body = ErrorBody::new(
            ErrorCode::StaleRequest,
            "the request's time is too far from this node's; this answer carries its time",
        );
        return Ok(answer(
            StatusCode::UNAUTHORIZED,
            // An ErrorBody always serialises.
            serde_json::to_vec(&body).unwrap_or_default(),
            false,
        ));
    }
    // Inside the seal: a columnar frame (told by its first byte, and decoded within the
    // limit by the exchange), or gzip-compressed JSON.
    let (content_type, payload) = if columnar::is_columnar(&opened.payload) {
        (columnar::MEDIA_TYPE, opened.payload)
    } else {
        let json = wire::gunzip(&opened.payload, wire::MAX_BODY).map_err(|e| match e {
            GunzipError::TooLarge(_) => too_large(),
            GunzipError::Corrupt => AppError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadBody,
                ErrorCode::BadBody.text(),
            ),
        })?;
        ("application/json", json)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let response = next
        .run(Request::from_parts(parts, Body::from(payload)))
        .await;
    let status = response.status();
    let columnar = is_columnar_type(response.headers());
    match axum::body::to_bytes(response.into_body(), usize::MAX).await {
        Ok(body) => Ok(answer(status, body.to_vec(), columnar)),
        Err(err) => {
            tracing::error!(error = %err, "a sync answer could not be read");
            Err(AppError::internal())
        }
    }
}

fn sync_error(err: SyncError) -> AppError {
    match err {
        SyncError::WrongClinic => AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::WrongClinic,
            Text::new(
                "Node ini milik klinik lain.",
                "this node belongs to another clinic",
            ),
        ),
        SyncError::Refused(message) => {
            let text = Text::new(
                format!("Kejadian ditolak; tidak ada yang disimpan ({message})."),
                message,
            );
            AppError::new(StatusCode::BAD_REQUEST, ErrorCode::SyncRefused, text)
        }
        SyncError::Unreachable(message) | SyncError::Storage(message) => {
            tracing::error!(error = %message, "sync request failed");
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::StorageUnavailable,
                Text::new(
                    "Basis data lokal tidak dapat menerima kejadian; tidak ada yang disimpan.",
                    "the local database could not take the events; nothing was stored",
                ),
            )
        }
    }
}

/// Whether a `Content-Type` is the columnar exchange body's.
fn is_columnar_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim() == columnar::MEDIA_TYPE)
}

/// An exchange request in JSON, or in the columnar body
/// (`Content-Type: application/vnd.medicloud.events+columnar`); a columnar page that
/// does not decode whole is 400 `bad_body`, and nothing of it is stored.
#[derive(Debug)]
pub struct ExchangeBody {
    request: SyncRequest,
    /// Whether the caller reads columnar answers (its `Accept` names the type).
    columnar_answer: bool,
}

impl<S: Send + Sync> FromRequest<S> for ExchangeBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let columnar_answer = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(columnar::accepts);
        if !is_columnar_type(req.headers()) {
            let Json(request) = Json::<SyncRequest>::from_request(req, state).await?;
            return Ok(Self {
                request,
                columnar_answer,
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::body_unread(e.status()))?;
        let request = columnar::decode_request(&bytes, wire::MAX_BODY).map_err(|e| match e {
            ColumnarError::TooLarge(_) => AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                Text::new(
                    format!("Isi sinkron paling banyak {} byte.", wire::MAX_BODY),
                    format!("a sync body may hold at most {} bytes", wire::MAX_BODY),
                ),
            ),
            e => AppError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadBody,
                Text::new(
                    format!("Halaman kejadian rusak; tidak ada yang disimpan ({e})."),
                    format!("{e}; nothing was stored"),
                ),
            ),
        })?;
        Ok(Self {
            request,
            columnar_answer,
        })
    }
}

/// An exchange answer: columnar when the caller reads it, else JSON.
#[derive(Debug)]
pub struct ExchangeAnswer {
    response: SyncResponse,
    columnar: bool,
}

impl IntoResponse for ExchangeAnswer {
    fn into_response(self) -> Response {
        if self.columnar {
            let frame = columnar::encode_response(&self.response);
            ([(header::CONTENT_TYPE, columnar::MEDIA_TYPE)], frame).into_response()
        } else {
            Json(self.response).into_response()
        }
    }
}

/// One round of the exchange with another node of the clinic.
pub async fn exchange(
    State(s): State<AppState>,
    ExchangeBody {
        request,
        columnar_answer,
    }: ExchangeBody,
) -> Result<ExchangeAnswer, AppError> {
    if request.events.len() > PAGE {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooManyEvents,
            Text::new(
                format!("Paling banyak {PAGE} kejadian dalam satu permintaan."),
                format!("at most {PAGE} events in one request"),
            ),
        ));
    }
    let node = s.node.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut response = exchange::respond(&mut node.log(), request)?;
        response.now_ms = Some(node.now_ms().max(0) as u64);
        Ok::<_, SyncError>(response)
    })
    .await
    .map_err(|e| SyncError::Storage(e.to_string()))
    .and_then(|r| r)
    .map_err(sync_error)?;
    Ok(ExchangeAnswer {
        response: answer,
        columnar: columnar_answer,
    })
}

/// A block of label numbers for another node, when this node is the clinic's authority.
pub async fn reserve(
    State(s): State<AppState>,
    Json(request): Json<ReserveRequest>,
) -> Result<Json<Block>, AppError> {
    if s.node.has_remote_label_authority() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::NotAuthority,
            ErrorCode::NotAuthority.text(),
        ));
    }
    let Some(device) = request.device else {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "device: sebutkan perangkat yang akan menerima blok ini",
                "device: say which device the block is for",
            ),
        ));
    };
    if request.count == 0 {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "count: minta paling sedikit satu nomor",
                "count: ask for at least one number",
            ),
        ));
    }
    let node = s.node.clone();
    Ok(Json(
        blocking(move || node.grant_labels(&request, device)).await?,
    ))
}

/// A booking or a move another node's desk asks of this node, the clinic's booking
/// authority: the desk's places are counted here, and the answer is the booking or
/// the refusal this node's own desk would get (a 200 either way, so the asking node
/// passes the refusal on as it is).
pub async fn desk_booking(
    State(s): State<AppState>,
    Json(asked): Json<DeskBooking>,
) -> Result<Json<DeskAnswer>, AppError> {
    if s.node.has_remote_label_authority() {
        return Err(AppError::code(
            StatusCode::CONFLICT,
            ErrorCode::NotAuthority,
        ));
    }
    let node = s.node.clone();
    let answer = match blocking(move || node.desk_booking_for_peer(asked)).await {
        Ok(appointment) => DeskAnswer::Booked(Box::new(appointment)),
        Err(refused) => {
            let (status, code, message) = refused.parts();
            DeskAnswer::Refused {
                status: status.as_u16(),
                code,
                message_id: message.id.clone(),
                message_en: message.en.clone(),
            }
        }
    };
    Ok(Json(answer))
}

/// Desk places another node asks this node, the clinic's booking authority, to escrow
/// to it for booking cut off ([`crate::ops::reserve`]): its unused reserves ahead of the
/// service and day, topped up to this node's `--desk-reserve`.
pub async fn desk_reserve(
    State(s): State<AppState>,
    Json(ask): Json<crate::ops::reserve::ReserveAsk>,
) -> Result<Json<Vec<medicloud_core::schedule::DeskReserve>>, AppError> {
    if s.node.has_remote_label_authority() {
        return Err(AppError::code(
            StatusCode::CONFLICT,
            ErrorCode::NotAuthority,
        ));
    }
    let node = s.node.clone();
    Ok(Json(
        blocking(move || node.escrow_desk_places(&ask, node.desk_reserve())).await?,
    ))
}

/// Who this node is and whether a configured authority hands it label blocks, for a
/// peer choosing the clinic's label authority (what the caller says of itself is not
/// kept: each node asks the peers it is configured with).
pub async fn stance(
    State(s): State<AppState>,
    Json(_caller): Json<LabelStance>,
) -> Json<LabelStance> {
    Json(s.node.label_stance())
}

/// Sync at a glance: each peer and the cloud, when last reached, what they still lack,
/// clock skew, how many tickets have conflicts, and the clinic's label authority (who it
/// is, how it was chosen, and `conflict` when a second one was found).
#[utoipa::path(get, path = "/api/v1/sync/status", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = SyncStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<SyncStatus>, AppError> {
    p.require(Permission::ReadTickets)?;
    let node = s.node.clone();
    Ok(Json(blocking(move || node.sync_status()).await?))
}

/// Ticket steps that lost to a concurrent step on another device (for example two
/// counters calling one ticket while cut off from each other), newest first.
#[utoipa::path(get, path = "/api/v1/conflicts", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConflictView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn conflicts(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<ConflictView>>, AppError> {
    p.require(Permission::ReadTickets)?;
    let node = s.node.clone();
    Ok(Json(blocking(move || node.conflicts()).await?))
}
