//! The cloud's HTTP routes.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /healthz` | anyone | 200 when serving (liveness) |
//! | `GET /readyz` | anyone | 200 `{status: "ready"}` when the database answers, else 503 `storage_unavailable` (readiness: a load balancer sends nothing to a replica that cannot store) |
//! | `POST /sync/v1/enrol` | a device with a one-time code | [`EnrolRequest`] → [`Enrolled`] |
//! | `POST /sync/v1/exchange` | an enrolled device (Bearer secret) | one round of the exchange |
//! | `POST /sync/v1/labels/reserve` | an enrolled device | a block of label numbers |
//! | `POST /admin/v1/clinics` | admin token | `{name, id?}` → `{id, name}` |
//! | `POST /admin/v1/clinics/{id}/enrolment-codes` | admin token | `{valid_hours?}` → `{code}` |
//! | `GET /admin/v1/clinics/{id}/devices` | admin token | the clinic's devices |
//! | `POST /admin/v1/devices/{id}/revoke` | admin token | the device's later requests fail |
//! | `/api/v1/public/…` | anyone, rate-limited per address | online booking for patients ([`crate::booking::http`]) |
//! | `GET /openapi.json` | anyone | the OpenAPI document of these routes ([`crate::openapi`]) |
//! | `/hq/…` | chain staff | login, tokens and the HQ screens' routes ([`crate::hq`]) |
//!
//! Before a `/sync/v1` body is read, the request must say its length (else 411), within
//! [`wire::MAX_BODY`] (413), and its address must be within [`SYNC_RATE_PER_SECOND`]
//! (429 with `Retry-After`); a device's secret and the admin token are checked before
//! the body too. Every refusal is `{code, message}`.

use crate::storage::{AnyStorage, DeviceRow, EnrolOutcome, Heard, Page, Storage, StorageError};
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_core::requests::{DeskAnswer, DeskBooking, ReserveAsk};
use medicloud_core::schedule::DeskReserve;
use medicloud_core::validate::{self, ValidationError};
use medicloud_edge::RateLimit;
use medicloud_sync::columnar::{self, ColumnarError};
use medicloud_sync::exchange::{self, PAGE, SyncRequest, SyncResponse};
use medicloud_sync::wire::{
    self, Block, EnrolRequest, Enrolled, ErrorBody, ErrorCode, ReserveRequest,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::ToSchema;

/// Requests to `/sync/v1` one client address may send per second, sustained. Generous:
/// the nodes of several clinics may reach the cloud through one NAT address.
pub const SYNC_RATE_PER_SECOND: u32 = 50;
/// … and in one burst.
pub const SYNC_RATE_BURST: u32 = 500;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct State {
    /// The database.
    pub storage: Arc<AnyStorage>,
    /// The admin token, if the admin API is on.
    pub admin_token: Option<Arc<str>>,
    /// The `/hq` routes' key set and token lifetimes.
    pub hq: Arc<crate::hq::Hq>,
    /// The load balancers whose `X-Forwarded-For` is believed ([`forwarded_client`]).
    pub trusted_proxies: Arc<[crate::config::Network]>,
    /// Desk places escrowed to each node per service and day, where the cloud is the
    /// clinic's booking authority (`--desk-reserve`).
    pub desk_reserve: u16,
}

/// A failure as the client sees it: a status and `{code, message}`.
#[derive(Debug)]
pub struct ApiError(StatusCode, ErrorCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorBody::new(self.1, self.2))).into_response()
    }
}

impl ApiError {
    /// 422 `validation_failed`, naming the field and the rule.
    fn invalid(err: ValidationError) -> Self {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            err.to_string(),
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        tracing::error!(error = %err, "storage failure");
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StorageUnavailable,
            "the cloud database could not answer; nothing was changed".into(),
        )
    }
}

/// JSON bodies whose rejections are `{code, message}` too: 400 `bad_json`, 413
/// `payload_too_large`, 415 `unsupported_media_type`, 422 `validation_failed` (a wrong
/// type, a missing or an unknown field).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let error = |status, code, message: String| Err(ApiError(status, code, message));
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!("a body may hold at most {} bytes", wire::MAX_BODY),
                )
            }
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                    .unwrap_or(&text);
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ValidationFailed,
                    detail.to_owned(),
                )
            }
            Err(JsonRejection::MissingJsonContentType(_)) => error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send the body as application/json".into(),
            ),
            Err(e) => error(StatusCode::BAD_REQUEST, ErrorCode::BadJson, e.body_text()),
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

/// An exchange request in JSON ([`Body`]), or in the columnar body
/// (`Content-Type: application/vnd.medicloud.events+columnar`, [`columnar`]); a columnar
/// page that does not decode whole is 400 `bad_body`, and nothing of it is stored.
#[derive(Debug)]
pub struct ExchangeBody {
    request: SyncRequest,
    /// Whether the caller reads columnar answers (its `Accept` names the type).
    columnar_answer: bool,
}

impl<S: Send + Sync> FromRequest<S> for ExchangeBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let columnar_answer = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(columnar::accepts);
        if !is_columnar_type(req.headers()) {
            let Body(request) = Body::<SyncRequest>::from_request(req, state).await?;
            return Ok(Self {
                request,
                columnar_answer,
            });
        }
        let too_large = || {
            ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("a body may hold at most {} bytes", wire::MAX_BODY),
            )
        };
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| too_large())?;
        let request = columnar::decode_request(&bytes, wire::MAX_BODY).map_err(|e| match e {
            ColumnarError::TooLarge(_) => too_large(),
            e => ApiError(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadBody,
                format!("{e}; nothing was stored"),
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

/// Path parameters; one that does not parse (an id that is not a UUID) is 422
/// `validation_failed`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                match e.into_kind() {
                    ErrorKind::DeserializeError { key, message, .. } => format!("{key}: {message}"),
                    ErrorKind::ParseErrorAtKey {
                        key, expected_type, ..
                    } => format!("{key}: expected a {expected_type}"),
                    _ => "a path parameter does not parse".into(),
                },
            )),
            Err(e) => {
                tracing::error!(error = %e, "path parameters missing");
                Err(ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "internal error".into(),
                ))
            }
        }
    }
}

/// The `{code, message}` body of an error the framework answered on its own with
/// `status` (see [`medicloud_edge::typed_refusals`]).
fn refusal(status: StatusCode) -> Response {
    let (code, message) = ErrorCode::for_framework_refusal(status.as_u16());
    ApiError(status, code, message.into()).into_response()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random secret (device secrets, LAN keys): 32 bytes, hex.
pub fn secret() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes a one-time enrolment code for `clinic`, valid `hours`: 12 characters a person
/// can type, without look-alikes.
pub async fn new_code(
    storage: &AnyStorage,
    clinic: ClinicId,
    hours: u32,
) -> anyhow::Result<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let code: String = {
        let mut rng = rand::thread_rng();
        (0..12)
            .map(|i| {
                let c = ALPHABET[rng.gen_range(0..ALPHABET.len())] as char;
                if i % 4 == 3 && i < 11 {
                    format!("{c}-")
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    let expires = now_ms() + i64::from(hours.clamp(1, 24 * 30)) * 3_600_000;
    if !storage
        .add_code(clinic, &sha256_hex(&normalise(&code)), expires)
        .await?
    {
        anyhow::bail!("no clinic with id {clinic}");
    }
    Ok(code)
}

/// Codes are compared without dashes, spaces or case.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Now, in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The enrolled, unrevoked device behind the request's secret.
async fn device(state: &State, headers: &HeaderMap) -> Result<DeviceRow, ApiError> {
    let unauthorized = || {
        ApiError(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "enrol this device first, and send its secret".into(),
        )
    };
    let secret = bearer(headers).ok_or_else(unauthorized)?;
    let device = state
        .storage
        .device(&sha256_hex(secret))
        .await?
        .ok_or_else(unauthorized)?;
    if device.revoked {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Revoked,
            "this device was revoked".into(),
        ));
    }
    Ok(device)
}

/// The enrolled, unrevoked device that sends the request, from its secret; taken
/// before the body is read, so a request without a valid secret costs no body.
#[derive(Debug)]
pub struct SyncDevice(DeviceRow);

impl FromRequestParts<State> for SyncDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, ApiError> {
        device(state, &parts.headers).await.map(SyncDevice)
    }
}

/// A request with the admin token; checked before the body is read.
#[derive(Debug)]
pub struct Admin;

impl FromRequestParts<State> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, ApiError> {
        admin(state, &parts.headers).map(|()| Admin)
    }
}

fn wrong_clinic() -> ApiError {
    ApiError(
        StatusCode::FORBIDDEN,
        ErrorCode::WrongClinic,
        "a device may only sync its own clinic's events".into(),
    )
}

/// Enrol a device with a one-time code: it joins the code's clinic and receives its
/// secret (shown once), slot and the clinic's LAN key.
#[utoipa::path(post, path = "/sync/v1/enrol", tag = "sync", request_body = EnrolRequest,
    responses(
        (status = 200, body = Enrolled),
        (status = 401, description = "`bad_code`: the code is unknown, used or expired", body = ErrorBody),
        (status = 403, description = "`wrong_clinic`: this device id is enrolled in another clinic", body = ErrorBody),
    ))]
pub(crate) async fn enrol(
    axum::extract::State(state): axum::extract::State<State>,
    Body(req): Body<EnrolRequest>,
) -> Result<Json<Enrolled>, ApiError> {
    let name = validate::line("name", &req.name, 1..=100).map_err(ApiError::invalid)?;
    let secret = secret();
    let outcome = state
        .storage
        .enrol(
            &sha256_hex(&normalise(&req.code)),
            now_ms(),
            req.device,
            &name,
            &sha256_hex(&secret),
        )
        .await?;
    match outcome {
        EnrolOutcome::Enrolled(e) => {
            tracing::info!(device = %req.device, slot = e.slot, "device enrolled");
            Ok(Json(Enrolled {
                clinic: e.clinic,
                device: req.device,
                secret,
                slot: e.slot,
                lan_key: e.lan_key,
            }))
        }
        EnrolOutcome::BadCode => Err(ApiError(
            StatusCode::UNAUTHORIZED,
            ErrorCode::BadCode,
            "that enrolment code is unknown, used or expired".into(),
        )),
        EnrolOutcome::OtherClinic => Err(wrong_clinic()),
    }
}

/// One round of the exchange: the cloud stores the device's events and answers with its
/// summary and a page of the events the device lacks.
///
/// The body is JSON, or a columnar page (`application/vnd.medicloud.events+columnar`,
/// the format in ARCHITECTURE.md and `medicloud_sync::columnar`); the answer is
/// columnar when the request's `Accept` names that type, else JSON.
#[utoipa::path(post, path = "/sync/v1/exchange", tag = "sync", security(("device_secret" = [])),
    request_body(
        description = "JSON (optionally `Content-Encoding: gzip`), or the same request as a columnar page (binary, deflate-compressed inside)",
        content((SyncRequest = "application/json"), (Vec<u8> = "application/vnd.medicloud.events+columnar")),
    ),
    responses(
        (status = 200, description = "JSON, or a columnar page when `Accept` names `application/vnd.medicloud.events+columnar`",
            content((SyncResponse = "application/json"), (Vec<u8> = "application/vnd.medicloud.events+columnar"))),
        (status = 400, description = "`bad_body`: a columnar page that is cut short or corrupt; nothing of it is stored", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no or an unknown device secret; `revoked`: the device was revoked", body = ErrorBody),
        (status = 403, description = "`wrong_clinic`: `from`, `clinic` or an event is not the device's own clinic", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is larger than 8 MiB; `too_many_events`: more than 500 events", body = ErrorBody),
    ))]
pub(crate) async fn exchange_round(
    axum::extract::State(state): axum::extract::State<State>,
    SyncDevice(device): SyncDevice,
    ExchangeBody {
        request: req,
        columnar_answer,
    }: ExchangeBody,
) -> Result<Response, ApiError> {
    if req.from != device.id
        || req.clinic != device.clinic
        || req.events.iter().any(|e| e.clinic != device.clinic)
    {
        tracing::warn!(device = %device.id, "sync request outside the device's clinic refused");
        return Err(wrong_clinic());
    }
    if req.events.len() > PAGE {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooManyEvents,
            format!("at most {PAGE} events in one request"),
        ));
    }
    let clinic = device.clinic;
    let heard = Heard {
        device: device.id,
        at_ms: now_ms(),
    };
    let stored = state
        .storage
        .ingest(clinic, req.events, Some(heard))
        .await?;
    if stored.accepted > 0 {
        state.hq.live.stored(clinic);
    }
    let caller = exchange::summary_from_wire(&req.summary);
    let page = state.storage.page(clinic, &caller, PAGE + 1).await?;
    if !columnar_answer {
        return Ok(answer(&page, now_ms()));
    }
    // A columnar page is encoded from the events themselves.
    let events = page.events[..page.events.len().min(PAGE)]
        .iter()
        .map(|e| serde_json::from_str(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            tracing::error!(error = %e, "a stored event does not read back");
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "a stored event could not be read".into(),
            )
        })?;
    Ok(ExchangeAnswer {
        response: SyncResponse {
            summary: exchange::summary_to_wire(&page.summary),
            summary_is_delta: false,
            events,
            more: page.events.len() > PAGE,
            now_ms: Some(now_ms().max(0) as u64),
        },
        columnar: true,
    }
    .into_response())
}

/// The [`SyncResponse`] of `page` (at most one event more than [`PAGE`]: then `more`)
/// at `now_ms`, written as `serde_json` writes one, but with each event as it is stored
/// (the JSON serialising it gives), never parsed and serialised again.
fn answer(page: &Page, now_ms: i64) -> Response {
    let events = &page.events[..page.events.len().min(PAGE)];
    let mut out = Vec::with_capacity(events.iter().map(|e| e.len() + 1).sum::<usize>() + 256);
    out.extend_from_slice(b"{\"summary\":");
    // A list of pairs of a UUID and a number: nothing in it can fail to serialise.
    let _ = serde_json::to_writer(&mut out, &exchange::summary_to_wire(&page.summary));
    out.extend_from_slice(b",\"summary_is_delta\":false,\"events\":[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(event.as_bytes());
    }
    let more = page.events.len() > PAGE;
    let now = now_ms.max(0);
    out.extend_from_slice(format!("],\"more\":{more},\"now_ms\":{now}}}").as_bytes());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        out,
    )
        .into_response()
}

/// A block of label numbers for one service and day, from the clinic's label authority.
#[utoipa::path(post, path = "/sync/v1/labels/reserve", tag = "sync", security(("device_secret" = [])),
    request_body = ReserveRequest,
    responses(
        (status = 200, body = Block),
        (status = 401, description = "`unauthorized`: no or an unknown device secret; `revoked`: the device was revoked", body = ErrorBody),
        (status = 403, description = "`wrong_clinic`: `device` is not the device the secret belongs to", body = ErrorBody),
    ))]
pub(crate) async fn reserve(
    axum::extract::State(state): axum::extract::State<State>,
    SyncDevice(device): SyncDevice,
    Body(req): Body<ReserveRequest>,
) -> Result<Json<Block>, ApiError> {
    if req.device.is_some_and(|d| d != device.id) {
        return Err(wrong_clinic());
    }
    if req.count == 0 || req.count > 1_000 {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "count: 1 to 1000".into(),
        ));
    }
    let (first, last) = state
        .storage
        .reserve(
            device.clinic,
            req.service.as_str(),
            &req.day.to_string(),
            req.count,
        )
        .await?;
    Ok(Json(Block {
        first,
        last,
        slot: Some(device.slot),
    }))
}

/// A booking or a move a node's desk asks of the cloud, when the cloud hands out the
/// clinic's labels and so counts its desk share: in the device's clinic, by the
/// capacity rule ([`crate::booking::desk`]); the answer is the booking or the refusal a
/// node's own desk would get (a 200 either way, passed on as it is).
#[utoipa::path(post, path = "/sync/v1/appointments/desk", tag = "sync", security(("device_secret" = [])),
    request_body = DeskBooking,
    responses(
        (status = 200, description = "The booking as it stands (`kind: booked`), or its refusal (`kind: refused`, with the status and code a node's desk answers: 409 `slot_full`, 422 `validation_failed`, 404 `not_found`, 409 `appointment_cancelled`, 409 `already_checked_in`)", body = DeskAnswer),
        (status = 401, description = "`unauthorized`: no or an unknown device secret; `revoked`: the device was revoked", body = ErrorBody),
    ))]
pub(crate) async fn desk_booking(
    axum::extract::State(state): axum::extract::State<State>,
    SyncDevice(device): SyncDevice,
    Body(asked): Body<DeskBooking>,
) -> Result<Json<DeskAnswer>, ApiError> {
    let answer =
        crate::booking::desk::desk_booking(&*state.storage, device.clinic, asked, now_ms()).await?;
    Ok(Json(answer))
}

/// Desk places escrowed to the asking node, for booking cut off from the cloud when
/// the cloud counts the clinic's desk share: its unused reserves ahead of the service
/// and day, topped up to the cloud's `--desk-reserve`.
#[utoipa::path(post, path = "/sync/v1/appointments/reserve", tag = "sync", security(("device_secret" = [])),
    request_body = ReserveAsk,
    responses(
        (status = 200, body = [DeskReserve]),
        (status = 401, description = "`unauthorized`: no or an unknown device secret; `revoked`: the device was revoked", body = ErrorBody),
        (status = 403, description = "`wrong_clinic`: `holder` is not the device the secret belongs to", body = ErrorBody),
    ))]
pub(crate) async fn desk_reserve(
    axum::extract::State(state): axum::extract::State<State>,
    SyncDevice(device): SyncDevice,
    Body(ask): Body<ReserveAsk>,
) -> Result<Json<Vec<DeskReserve>>, ApiError> {
    if ask.holder != device.id {
        return Err(wrong_clinic());
    }
    let reserves = crate::booking::desk::escrow_desk_places(
        &*state.storage,
        device.clinic,
        ask,
        state.desk_reserve,
        now_ms(),
    )
    .await?;
    Ok(Json(reserves))
}

fn admin(state: &State, headers: &HeaderMap) -> Result<(), ApiError> {
    let denied = || {
        ApiError(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "the admin token is needed".into(),
        )
    };
    let expected = state.admin_token.as_deref().ok_or_else(denied)?;
    let given = bearer(headers).ok_or_else(denied)?;
    // Comparing digests takes the same time wherever the strings differ.
    if Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes()) {
        Ok(())
    } else {
        Err(denied())
    }
}

/// A new clinic.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClinic {
    /// Its name.
    pub name: String,
    /// A fixed id, if wanted.
    pub id: Option<ClinicId>,
}

/// A clinic, as created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClinicView {
    /// Its id.
    pub id: ClinicId,
    /// Its name.
    pub name: String,
}

/// Add a clinic (admin).
#[utoipa::path(post, path = "/admin/v1/clinics", tag = "admin", security(("admin_token" = [])),
    request_body = NewClinic,
    responses(
        (status = 201, body = ClinicView),
        (status = 409, description = "`clinic_exists`: a clinic with that id exists", body = ErrorBody),
    ))]
pub(crate) async fn add_clinic(
    axum::extract::State(state): axum::extract::State<State>,
    _: Admin,
    Body(req): Body<NewClinic>,
) -> Result<(StatusCode, Json<ClinicView>), ApiError> {
    let name = validate::line("name", &req.name, 1..=100).map_err(ApiError::invalid)?;
    let id = req.id.unwrap_or_else(ClinicId::random);
    if !state.storage.add_clinic(id, &name, &secret()).await? {
        return Err(ApiError(
            StatusCode::CONFLICT,
            ErrorCode::ClinicExists,
            "a clinic with that id exists".into(),
        ));
    }
    Ok((StatusCode::CREATED, Json(ClinicView { id, name })))
}

/// How long a new code stays valid.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCode {
    /// Hours (default 24; fewer than 1 count as 1, more than 720 as 720).
    #[serde(default, deserialize_with = "whole_number")]
    pub valid_hours: Option<u32>,
}

/// A `u32` as JSON Schema counts integers, which the OpenAPI document says it is: `24`
/// and `24.0` alike, never `24.5`.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
            .map(|f| f as u64)
    });
    whole
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected a whole number from 0 to {}, not {number}",
                u32::MAX
            ))
        })
}

/// A new one-time code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    /// The code, shown once.
    pub code: String,
}

/// Make a one-time enrolment code for a clinic (admin).
#[utoipa::path(post, path = "/admin/v1/clinics/{id}/enrolment-codes", tag = "admin",
    security(("admin_token" = [])), request_body = NewCode,
    params(("id" = ClinicId, Path, description = "clinic id")),
    responses(
        (status = 201, body = CodeView),
        (status = 404, description = "`not_found`: no clinic with that id", body = ErrorBody),
    ))]
pub(crate) async fn add_code(
    axum::extract::State(state): axum::extract::State<State>,
    _: Admin,
    Path(clinic): Path<ClinicId>,
    Body(req): Body<NewCode>,
) -> Result<(StatusCode, Json<CodeView>), ApiError> {
    let code = new_code(&state.storage, clinic, req.valid_hours.unwrap_or(24))
        .await
        .map_err(|e| ApiError(StatusCode::NOT_FOUND, ErrorCode::NotFound, e.to_string()))?;
    Ok((StatusCode::CREATED, Json(CodeView { code })))
}

/// A clinic's enrolled devices, revoked ones too (admin); none for an unknown clinic.
#[utoipa::path(get, path = "/admin/v1/clinics/{id}/devices", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = ClinicId, Path, description = "clinic id")),
    responses((status = 200, body = [DeviceRow])))]
pub(crate) async fn devices(
    axum::extract::State(state): axum::extract::State<State>,
    _: Admin,
    Path(clinic): Path<ClinicId>,
) -> Result<Json<Vec<DeviceRow>>, ApiError> {
    Ok(Json(state.storage.devices(clinic).await?))
}

/// Revoke a device: its later sync requests get 401 `revoked` (admin).
#[utoipa::path(post, path = "/admin/v1/devices/{id}/revoke", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = DeviceId, Path, description = "device id")),
    responses(
        (status = 204, description = "revoked (again, if it was)"),
        (status = 404, description = "`not_found`: no such device", body = ErrorBody),
    ))]
pub(crate) async fn revoke(
    axum::extract::State(state): axum::extract::State<State>,
    _: Admin,
    Path(device): Path<DeviceId>,
) -> Result<StatusCode, ApiError> {
    if state.storage.revoke(device).await? {
        tracing::warn!(%device, "device revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such device".into(),
        ))
    }
}

/// The cloud answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "serving", body = String, content_type = "text/plain")))]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// Whether this replica can serve: its database answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `ready`.
    pub status: &'static str,
}

/// Whether the cloud can store and read: 200 when its database answered a trivial
/// query within two seconds, 503 `storage_unavailable` when not. A load balancer's
/// health check (and a Kubernetes readiness probe) sends traffic only to replicas that
/// answer 200.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "the database answers", body = Ready),
        (status = 503, description = "`storage_unavailable`: the database does not answer", body = ErrorBody)))]
pub(crate) async fn readyz(
    axum::extract::State(state): axum::extract::State<State>,
) -> Result<Json<Ready>, ApiError> {
    match state.storage.ping().await {
        Ok(()) => Ok(Json(Ready { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            Err(ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::StorageUnavailable,
                "the cloud database does not answer; this replica takes no requests".into(),
            ))
        }
    }
}

/// Every route: its method, path and handler. The router is made of these and nothing
/// else, so [`routes`] is the router's list (the OpenAPI document must name each).
fn table() -> Vec<(Method, &'static str, MethodRouter<State>)> {
    vec![
        (Method::GET, "/healthz", get(healthz)),
        (Method::GET, "/readyz", get(readyz)),
        (Method::GET, "/openapi.json", get(crate::openapi::document)),
        (Method::POST, wire::ENROL, post(enrol)),
        (Method::POST, wire::EXCHANGE, post(exchange_round)),
        (Method::POST, wire::RESERVE, post(reserve)),
        (Method::POST, wire::DESK_BOOKING, post(desk_booking)),
        (Method::POST, wire::DESK_RESERVE, post(desk_reserve)),
        (Method::POST, "/admin/v1/clinics", post(add_clinic)),
        (
            Method::POST,
            "/admin/v1/clinics/{id}/enrolment-codes",
            post(add_code),
        ),
        (Method::GET, "/admin/v1/clinics/{id}/devices", get(devices)),
        (Method::POST, "/admin/v1/devices/{id}/revoke", post(revoke)),
        // Online booking, for patients (`crate::booking::http`): bodies of a few KiB.
        (Method::GET, "/api/v1/public/clinics", get(public::clinics)),
        (
            Method::GET,
            "/api/v1/public/clinics/{id}/slots",
            get(public::slots),
        ),
        (
            Method::POST,
            "/api/v1/public/bookings",
            post(public::book).layer(public_body()),
        ),
        (
            Method::POST,
            "/api/v1/public/bookings/{code}/lookup",
            post(public::lookup).layer(public_body()),
        ),
        (
            Method::POST,
            "/api/v1/public/bookings/{code}/cancel",
            post(public::cancel).layer(public_body()),
        ),
        (
            Method::POST,
            "/api/v1/public/bookings/{code}/move",
            post(public::move_booking).layer(public_body()),
        ),
        (
            Method::GET,
            "/api/v1/public/bookings/{code}/qr.svg",
            get(public::qr),
        ),
        // `{code}.ics`: a route's parameter takes its whole segment.
        (
            Method::GET,
            "/api/v1/public/bookings/{code}",
            get(public::ics),
        ),
        (
            Method::POST,
            crate::oauth::token::PATH,
            post(crate::oauth::token::token),
        ),
    ]
}

use crate::booking::http as public;

/// The body limit of the public routes.
fn public_body() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(public::PUBLIC_BODY_LIMIT)
}

/// The router's routes, `(method, path)`, paths as axum writes them (`{id}`).
pub fn routes() -> Vec<(Method, &'static str)> {
    table()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// The 429 `rate_limited` answer, with `Retry-After`.
fn too_many(wait: std::time::Duration) -> Response {
    let mut response = ApiError(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        "too many sync requests from this address; try again after Retry-After seconds".into(),
    )
    .into_response();
    let secs = medicloud_edge::rate::retry_after_secs(wait);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// What a `/sync/v1` request must pass before its body is read (and decompressed): a
/// length (411 without one), within [`wire::MAX_BODY`] (413), a device secret where
/// one is needed (401), and the address's rate (429). Requests that did not come through a socket (tests through the router) are
/// not rate limited.
async fn sync_gate(
    axum::extract::State(rate): axum::extract::State<Arc<RateLimit>>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/sync/v1/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    match headers.get(header::CONTENT_LENGTH) {
        None if headers.contains_key(header::TRANSFER_ENCODING) => {
            return ApiError(
                StatusCode::LENGTH_REQUIRED,
                ErrorCode::BadRequest,
                "a sync request must say its length (Content-Length)".into(),
            )
            .into_response();
        }
        None => {}
        Some(length) => match length.to_str().ok().and_then(|v| v.parse::<u64>().ok()) {
            None => {
                return ApiError(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    "Content-Length is not a number".into(),
                )
                .into_response();
            }
            Some(length) if length > wire::MAX_BODY as u64 => {
                return ApiError(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!("a body may hold at most {} bytes", wire::MAX_BODY),
                )
                .into_response();
            }
            Some(_) => {}
        },
    }
    // No secret at all is refused without a cost, so it is not counted against the
    // address (a secret given is looked up only within the rate).
    if request.uri().path() != wire::ENROL && bearer(request.headers()).is_none() {
        return ApiError(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "enrol this device first, and send its secret".into(),
        )
        .into_response();
    }
    if let Some(Err(wait)) = medicloud_edge::rate::client_ip(&request).map(|ip| rate.take(ip)) {
        return too_many(wait);
    }
    next.run(request).await
}

/// The head office's screens: `ui`'s built `index.html` at `/hq` and every path under
/// it (the screens route themselves), its `/assets`, and the browser's security
/// headers on all of them; a path under `/hq/v1` that no route serves stays a JSON 404.
fn screens(ui: &std::path::Path) -> Router<State> {
    let index = tower_http::services::ServeFile::new(ui.join("index.html"));
    let router = Router::new()
        .route_service("/hq", index.clone())
        .route_service("/hq/", index.clone())
        .route_service("/hq/{*screen}", index)
        .nest_service(
            "/assets",
            tower_http::services::ServeDir::new(ui.join("assets")),
        )
        .route(
            "/hq/v1/{*rest}",
            axum::routing::any(|| async {
                ApiError(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "no such route".into(),
                )
            }),
        );
    with_screen_headers(router)
}

/// `router` with the browser's security headers of the screens (the head office's and
/// the patients' booking page): a CSP that loads nothing from elsewhere, no framing,
/// no sniffing, no referrer.
pub(crate) fn with_screen_headers(router: Router<State>) -> Router<State> {
    use tower_http::set_header::SetResponseHeaderLayer;
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            SCREENS_CONTENT_SECURITY_POLICY,
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// What the screens may load: only the cloud's own scripts, styles and data.
const SCREENS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
    form-action 'self'";

/// The client a request is from: its peer, or — when the peer is one of `trusted` (a
/// load balancer) — the rightmost address of `X-Forwarded-For` that is not itself
/// trusted (a client can prepend what it likes, but not what the balancer appends). An
/// entry that is not an address ends the search at the peer.
pub fn forwarded_client(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[crate::config::Network],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let entries = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .collect::<Vec<_>>();
    for entry in entries.iter().rev() {
        match entry.trim().parse::<std::net::IpAddr>() {
            Ok(ip) if is_trusted(ip) => continue,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    peer
}

/// Puts the request's real client ([`forwarded_client`]) where the rate limits and the
/// login throttle read it, when the cloud has trusted proxies.
async fn real_client(
    axum::extract::State(trusted): axum::extract::State<Arc<[crate::config::Network]>>,
    mut request: Request,
    next: Next,
) -> Response {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    if !trusted.is_empty()
        && let Some(ConnectInfo(peer)) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
    {
        let client = forwarded_client(peer.ip(), request.headers(), &trusted);
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, peer.port())));
    }
    next.run(request).await
}

/// Every route of `table`, with gzip both ways, the body limit of the protocol and the
/// gate of the sync routes; the head office's screens from `ui` (the built `ui/dist`)
/// when it holds them.
pub fn router(state: State, ui: Option<&std::path::Path>) -> Router {
    let rate = Arc::new(RateLimit::new(SYNC_RATE_PER_SECOND, SYNC_RATE_BURST));
    let routes = table()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        })
        .merge(crate::hq::router())
        .nest(crate::fhir::BASE, crate::fhir::router());
    let routes = match ui {
        Some(dir) if dir.join("index.html").is_file() => routes.merge(screens(dir)),
        Some(dir) => {
            tracing::warn!(ui = %dir.display(), "no built screens there: /hq serves none");
            routes
        }
        None => routes,
    };
    // The patients' booking page, when built (its assets are the screens' when those are).
    let routes = match ui.and_then(|d| public::pages(d, !d.join("index.html").is_file())) {
        Some(page) => routes.merge(page),
        None => routes,
    };
    routes
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no such route".into(),
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(wire::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            refusal as medicloud_edge::RefusalBody,
            medicloud_edge::typed_refusals,
        ))
        .layer(tower_http::decompression::RequestDecompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(rate, sync_gate))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(public::Limits::default()),
            public::gate,
        ))
        // Columnar exchange answers are deflate-compressed already.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::Predicate::and(
                    tower_http::compression::predicate::DefaultPredicate::new(),
                    tower_http::compression::predicate::NotForContentType::const_new(
                        columnar::MEDIA_TYPE,
                    ),
                ),
            ),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            real_client,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    /// The bytes of an answer as the handler writes them.
    async fn body(answer: Response) -> Vec<u8> {
        axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn an_answer_written_from_stored_events_is_the_sync_response_serde_writes() {
        use crdts::{CmRDT, Dot};
        use medicloud_core::event::{Actor, AuditEntry, Event, EventBody, EventId, Stamp};
        let (clinic, origin) = (ClinicId::random(), DeviceId::random());
        let event = |seq: u64| Event {
            id: EventId { origin, seq },
            stamp: Stamp::new(1_800_000_000_000 + seq, 0),
            clinic,
            actor: Actor::System,
            body: EventBody::Audited(AuditEntry {
                action: "login \"ñ\"".into(),
                patient: None,
                subject: Some("loket-1".into()),
                outcome: "ok".into(),
            }),
        };
        let mut summary = medicloud_sync::log::VersionVector::new();
        summary.apply(Dot::new(origin, PAGE as u64 + 1));
        summary.apply(Dot::new(DeviceId::random(), 7));
        // Empty, a few, and one more than a page (`more`, the last left out).
        for n in [0, 3, PAGE + 1] {
            let events: Vec<Event> = (1..=n as u64).map(event).collect();
            let page = Page {
                summary: summary.clone(),
                events: events
                    .iter()
                    .map(|e| serde_json::to_string(e).unwrap())
                    .collect(),
            };
            let typed = SyncResponse {
                summary: exchange::summary_to_wire(&summary),
                summary_is_delta: false,
                events: events.into_iter().take(PAGE).collect(),
                more: n > PAGE,
                now_ms: Some(1_234),
            };
            let written = body(answer(&page, 1_234)).await;
            assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(&typed).unwrap(),
                "{n} events"
            );
        }
    }

    #[test]
    fn behind_a_trusted_balancer_the_client_is_the_rightmost_address_it_did_not_add() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let (balancer, device) = (ip("10.0.0.5"), ip("203.0.113.7"));
        let headers = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append("x-forwarded-for", v.parse().unwrap());
            }
            h
        };
        let trusted = ["10.0.0.5".parse().unwrap(), "10.0.0.6/31".parse().unwrap()];
        // A device's own header claims another address; the balancer appended the real one.
        let h = headers(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(forwarded_client(balancer, &h, &trusted), device);
        // Through two balancers, and in two header lines.
        let h = headers(&["203.0.113.7", "10.0.0.6"]);
        assert_eq!(forwarded_client(balancer, &h, &trusted), device);
        // Not from a balancer: the header is not believed.
        assert_eq!(forwarded_client(device, &h, &trusted), device);
        // No cloud setting: nobody is believed.
        assert_eq!(forwarded_client(balancer, &h, &[]), balancer);
        // Nothing usable: the balancer itself.
        assert_eq!(
            forwarded_client(balancer, &headers(&["junk"]), &trusted),
            balancer
        );
        assert_eq!(
            forwarded_client(balancer, &HeaderMap::new(), &trusted),
            balancer
        );
    }
}
