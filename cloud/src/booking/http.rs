//! The public booking routes, for patients (no login), and the booking page.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/v1/public/clinics` | the clinics that take online bookings, with those services ([`PublicClinic`]) |
//! | `GET /api/v1/public/clinics/{id}/slots?service=&date=` | the day's slots still ahead with their free online places ([`OpenSlot`]) |
//! | `POST /api/v1/public/bookings` | [`BookingRequest`] → 201 [`BookedView`] |
//! | `POST /api/v1/public/bookings/{code}/lookup` | `{phone}` → [`BookingView`] |
//! | `POST /api/v1/public/bookings/{code}/cancel` | `{phone}` → [`BookingView`], `cancelled` |
//! | `POST /api/v1/public/bookings/{code}/move` | `{phone, start}` → [`BookedView`] |
//! | `GET /api/v1/public/bookings/{code}/qr.svg` | the code's QR code |
//! | `GET /api/v1/public/bookings/{code}.ics` | the booking's calendar file |
//! | `GET /book`, `GET /book/{*rest}` | the booking page, `ui/dist/book.html`, when built |
//!
//! **Limits.** Every request under `/api/v1/public/` takes one from its address's bucket
//! ([`PUBLIC_RATE_PER_SECOND`], [`PUBLIC_RATE_BURST`]; 429 `rate_limited` with
//! `Retry-After`), and a booking route answered 404 — an unknown code, a wrong phone
//! number — takes [`FAILED_LOOKUP_COST`] in all, so codes cannot be guessed at the
//! request rate. Bodies are at most [`PUBLIC_BODY_LIMIT`] bytes. No patient data goes
//! in a URL (names, numbers and NIKs travel in POST bodies), and none is logged: a log
//! line names a clinic and an appointment id at most. Answers are `Cache-Control:
//! no-store`, and refusals `{code, message}` in the request's `Accept-Language`
//! (Bahasa Indonesia unless it asks for English).

use super::{BookingError, BookingRequest, BookingView, OpenSlot, PublicClinic, files};
use crate::api::State;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, NaiveDate};
use medicloud_core::domain::ServiceCode;
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::i18n::{self, Lang, Text};
use medicloud_core::ids::ClinicId;
use medicloud_edge::RateLimit;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// Requests under `/api/v1/public/` one address may send per second, sustained.
pub const PUBLIC_RATE_PER_SECOND: u32 = 5;
/// … and in one burst (a patient's whole booking is some ten).
pub const PUBLIC_RATE_BURST: u32 = 40;
/// What a booking route answered 404 costs its address, in requests.
pub const FAILED_LOOKUP_COST: u32 = 10;
/// The most bytes a public request's body may hold.
pub const PUBLIC_BODY_LIMIT: usize = 16 * 1024;

/// A refusal of a public route: status, code, and its words in the language asked for.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    code: ErrorCode,
    text: Text,
    lang: Lang,
    retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, code: ErrorCode, text: Text, lang: Lang) -> Self {
        Self {
            status,
            code,
            text,
            lang,
            retry_after: None,
        }
    }

    /// A booking's refusal, as the API answers it.
    pub fn of(err: BookingError, lang: Lang) -> Self {
        let text = err.text();
        let (status, code) = match &err {
            BookingError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            BookingError::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
            ),
            BookingError::SlotFull { .. } => (StatusCode::CONFLICT, ErrorCode::SlotFull),
            BookingError::AlreadyCheckedIn => (StatusCode::CONFLICT, ErrorCode::AlreadyCheckedIn),
            BookingError::Cancelled => (StatusCode::CONFLICT, ErrorCode::AppointmentCancelled),
            BookingError::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::StorageUnavailable,
                )
            }
        };
        Self::new(status, code, text, lang)
    }

    fn invalid(text: Text, lang: Lang) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            text,
            lang,
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = ErrorBody::new(self.code, self.text.get(self.lang));
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.tag()),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    Lang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The language the request asks for (`Accept-Language`; Bahasa Indonesia unless it
/// asks for English).
#[derive(Clone, Copy, Debug)]
pub struct Language(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Language(lang_of(&parts.headers)))
    }
}

/// A JSON body whose refusals are said in the request's language.
#[derive(Debug)]
pub struct PublicJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for PublicJson<T> {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Refusal> {
        let lang = lang_of(req.headers());
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(PublicJson(value)),
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                    .unwrap_or(&text);
                Err(Refusal::invalid(i18n::request_shape(detail), lang))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                ErrorCode::UnsupportedMediaType.text(),
                lang,
            )),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                let most = PUBLIC_BODY_LIMIT / 1024;
                Err(Refusal::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    Text::new(
                        format!("Isi permintaan paling banyak {most} KiB."),
                        format!("a request body may hold at most {most} KiB"),
                    ),
                    lang,
                ))
            }
            Err(JsonRejection::JsonSyntaxError(_)) => Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadJson,
                ErrorCode::BadJson.text(),
                lang,
            )),
            Err(other) => Err(Refusal::new(
                other.status(),
                ErrorCode::BadRequest,
                i18n::request_shape(&other.body_text()),
                lang,
            )),
        }
    }
}

/// Query parameters whose refusals (422) are said in the request's language.
#[derive(Debug)]
pub struct PublicQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PublicQuery<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let lang = lang_of(&parts.headers);
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| PublicQuery(q.0))
            .map_err(|e: QueryRejection| {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                Refusal::invalid(i18n::request_shape(detail), lang)
            })
    }
}

/// Path parameters whose refusals (422) are said in the request's language.
#[derive(Debug)]
pub struct PublicPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PublicPath<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let lang = lang_of(&parts.headers);
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PublicPath(p.0))
            .map_err(|e: PathRejection| Refusal::invalid(i18n::request_shape(&e.body_text()), lang))
    }
}

/// A booking made or moved, as the patient's page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookedView {
    /// The booking code: what the kiosk scans or the patient types.
    pub code: String,
    /// The slot's start, RFC 3339 with the clinic's offset.
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
    /// The service's code.
    pub service: ServiceCode,
    /// The code's QR code (SVG), on this cloud.
    pub qr_url: String,
    /// The booking's calendar file (`.ics`), on this cloud.
    pub ics_url: String,
}

impl From<&super::Booked> for BookedView {
    fn from(b: &super::Booked) -> Self {
        let code = &b.appointment.code;
        Self {
            code: code.clone(),
            start: b.start,
            service: b.appointment.service.clone(),
            qr_url: format!("/api/v1/public/bookings/{code}/qr.svg"),
            ics_url: format!("/api/v1/public/bookings/{code}.ics"),
        }
    }
}

/// Which service's slots, and which day.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// The service's code.
    #[param(value_type = String, pattern = "^[A-Z]{1,3}$")]
    pub service: ServiceCode,
    /// The clinic-local day, `YYYY-MM-DD` (at most 60 days after the clinic's today).
    #[param(value_type = String, format = Date)]
    pub date: NaiveDate,
}

/// The phone number a booking was made with: what proves it is the patient's.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneBody {
    /// The mobile number, as it was given when booking (any of its forms).
    #[schema(pattern = "^[ -]*(\\+[ -]*6[ -]*2|6[ -]*2|0)[ -]*8([ -]*[0-9]){8,11}[ -]*$")]
    pub phone: String,
}

impl std::fmt::Debug for PhoneBody {
    /// Without the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneBody").finish_non_exhaustive()
    }
}

/// Where a booking moves to, with the phone number it was made with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The mobile number, as it was given when booking.
    #[schema(pattern = "^[ -]*(\\+[ -]*6[ -]*2|6[ -]*2|0)[ -]*8([ -]*[0-9]){8,11}[ -]*$")]
    pub phone: String,
    /// The new slot's start, RFC 3339.
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
}

impl std::fmt::Debug for MoveBody {
    /// Without the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoveBody")
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

type Answer<T> = Result<T, Refusal>;

/// The clinics that take online bookings, each with the services it takes them for
/// (active, with a schedule that has online places).
#[utoipa::path(get, path = "/api/v1/public/clinics", tag = "public",
    responses(
        (status = 200, body = [PublicClinic]),
    ))]
pub(crate) async fn clinics(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
) -> Answer<Json<Vec<PublicClinic>>> {
    super::bookable_clinics(&*state.storage)
        .await
        .map(Json)
        .map_err(|e| Refusal::of(e, lang))
}

/// A day's slots of a service that are still ahead, with their free online places (a
/// full slot too, with 0); `[]` on a day it is closed. Starts and ends are RFC 3339
/// with the clinic's offset.
#[utoipa::path(get, path = "/api/v1/public/clinics/{id}/slots", tag = "public",
    params(("id" = String, Path, format = Uuid, description = "clinic id"), SlotsQuery),
    responses(
        (status = 200, body = [OpenSlot]),
        (status = 404, description = "`not_found`: no such clinic, or it takes no online bookings for this service", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a parameter does not parse, or the date is more than 60 days ahead", body = ErrorBody),
    ))]
pub(crate) async fn slots(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicPath(clinic): PublicPath<ClinicId>,
    PublicQuery(query): PublicQuery<SlotsQuery>,
) -> Answer<Json<Vec<OpenSlot>>> {
    super::open_slots(
        &*state.storage,
        clinic,
        &query.service,
        query.date,
        crate::api::now_ms(),
    )
    .await
    .map(Json)
    .map_err(|e| Refusal::of(e, lang))
}

/// Book a slot: the patient's record and the appointment are written in the clinic's
/// cloud origin and reach its nodes with the next sync. The slot's online share only:
/// the desk's places are the clinic's.
#[utoipa::path(post, path = "/api/v1/public/bookings", tag = "public",
    request_body = BookingRequest,
    responses(
        (status = 201, body = BookedView),
        (status = 404, description = "`not_found`: no such clinic, or it takes no online bookings for this service", body = ErrorBody),
        (status = 409, description = "`slot_full`: every online place in the slot is booked", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a field does not hold what it should; `start` not a slot of the schedule (its message says so), past, or more than 60 days ahead", body = ErrorBody),
    ))]
pub(crate) async fn book(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicJson(request): PublicJson<BookingRequest>,
) -> Answer<(StatusCode, Json<BookedView>)> {
    let booked = super::book_online(&*state.storage, request, crate::api::now_ms())
        .await
        .map_err(|e| Refusal::of(e, lang))?;
    Ok((StatusCode::CREATED, Json(BookedView::from(&booked))))
}

/// Find a booking by its code and the phone number it was made with. An unknown code
/// and another number are the same 404, and count against the address.
#[utoipa::path(post, path = "/api/v1/public/bookings/{code}/lookup", tag = "public",
    request_body = PhoneBody,
    params(("code" = String, Path, description = "the booking code (case, spaces and dashes aside)")),
    responses(
        (status = 200, body = BookingView),
        (status = 404, description = "`not_found`: no booking has this code and this phone number", body = ErrorBody),
    ))]
pub(crate) async fn lookup(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicPath(code): PublicPath<String>,
    PublicJson(body): PublicJson<PhoneBody>,
) -> Answer<Json<BookingView>> {
    super::lookup(&*state.storage, &code, &body.phone)
        .await
        .map(Json)
        .map_err(|e| Refusal::of(e, lang))
}

/// Cancel a booking (code and phone number as for a lookup): its place is free again.
#[utoipa::path(post, path = "/api/v1/public/bookings/{code}/cancel", tag = "public",
    request_body = PhoneBody,
    params(("code" = String, Path, description = "the booking code")),
    responses(
        (status = 200, description = "cancelled", body = BookingView),
        (status = 404, description = "`not_found`: no booking has this code and this phone number", body = ErrorBody),
        (status = 409, description = "`already_checked_in`: checked in at the clinic; `appointment_cancelled`: cancelled already", body = ErrorBody),
    ))]
pub(crate) async fn cancel(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicPath(code): PublicPath<String>,
    PublicJson(body): PublicJson<PhoneBody>,
) -> Answer<Json<BookingView>> {
    super::cancel_online(&*state.storage, &code, &body.phone, crate::api::now_ms())
        .await
        .map(Json)
        .map_err(|e| Refusal::of(e, lang))
}

/// Move a booking to another slot of its service, by the rule a booking follows (its
/// own place aside); the code stays.
#[utoipa::path(post, path = "/api/v1/public/bookings/{code}/move", tag = "public",
    request_body = MoveBody,
    params(("code" = String, Path, description = "the booking code")),
    responses(
        (status = 200, description = "moved", body = BookedView),
        (status = 404, description = "`not_found`: no booking has this code and this phone number, or the service takes no online bookings now", body = ErrorBody),
        (status = 409, description = "`slot_full`: every online place in that slot is booked; `already_checked_in`; `appointment_cancelled`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `start` not a slot of the schedule, past, or more than 60 days ahead", body = ErrorBody),
    ))]
pub(crate) async fn move_booking(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicPath(code): PublicPath<String>,
    PublicJson(body): PublicJson<MoveBody>,
) -> Answer<Json<BookedView>> {
    let booked = super::move_online(
        &*state.storage,
        &code,
        &body.phone,
        body.start,
        crate::api::now_ms(),
    )
    .await
    .map_err(|e| Refusal::of(e, lang))?;
    Ok(Json(BookedView::from(&booked)))
}

/// The booking code as a QR code (SVG), for the kiosk's scanner: the code only.
#[utoipa::path(get, path = "/api/v1/public/bookings/{code}/qr.svg", tag = "public",
    params(("code" = String, Path, description = "the booking code")),
    responses(
        (status = 200, description = "the QR code", body = String, content_type = "image/svg+xml"),
        (status = 404, description = "`not_found`: no booking has this code", body = ErrorBody),
    ))]
pub(crate) async fn qr(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicPath(code): PublicPath<String>,
) -> Answer<Response> {
    let (_, booking) = super::by_code(&*state.storage, &code)
        .await
        .map_err(|e| Refusal::of(e, lang))?;
    let svg = files::qr_svg(&booking.code);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// The booking as a calendar file (RFC 5545, one event in UTC): the path's last part
/// is the code followed by `.ics` (`/api/v1/public/bookings/K7M3QX.ics`). The clinic,
/// the service and the time; no patient's name or number.
#[utoipa::path(get, path = "/api/v1/public/bookings/{code}", tag = "public",
    params(("code" = String, Path, pattern = "^[A-Za-z0-9 -]+\\.ics$",
        description = "the booking code followed by `.ics`")),
    responses(
        (status = 200, description = "the calendar file", body = String, content_type = "text/calendar"),
        (status = 404, description = "`not_found`: no booking has this code (or the path does not end in `.ics`)", body = ErrorBody),
    ))]
pub(crate) async fn ics(
    axum::extract::State(state): axum::extract::State<State>,
    Language(lang): Language,
    PublicPath(file): PublicPath<String>,
) -> Answer<Response> {
    let Some(code) = file.strip_suffix(".ics") else {
        return Err(Refusal::of(BookingError::NotFound("booking"), lang));
    };
    let (appointment, booking) = super::by_code(&*state.storage, code)
        .await
        .map_err(|e| Refusal::of(e, lang))?;
    let body = files::calendar(appointment, &booking, chrono::Utc::now(), lang);
    let name = format!("booking-{}.ics", booking.code);
    Ok(medicloud_edge::attachment(
        body,
        "text/calendar; charset=utf-8",
        &name,
    ))
}

/// The public routes' request buckets: one request each, and a failed lookup more.
#[derive(Debug)]
pub struct Limits(RateLimit);

impl Default for Limits {
    fn default() -> Self {
        Self(RateLimit::new(PUBLIC_RATE_PER_SECOND, PUBLIC_RATE_BURST))
    }
}

/// What a public request must pass: its address within its rate (429 with
/// `Retry-After`, in the request's language); a booking route answered 404 takes
/// [`FAILED_LOOKUP_COST`] in all. Every answer is `Cache-Control: no-store`. Requests
/// that did not come through a socket (tests through the router) are not limited.
pub(crate) async fn gate(
    axum::extract::State(limits): axum::extract::State<Arc<Limits>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/v1/public/") {
        return next.run(request).await;
    }
    let guessing = path.starts_with("/api/v1/public/bookings/");
    let ip = medicloud_edge::rate::client_ip(&request);
    if let Some(Err(wait)) = ip.map(|ip| limits.0.take(ip)) {
        let lang = lang_of(request.headers());
        let mut refusal = Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            Text::new(
                "Terlalu banyak permintaan dari alamat ini; coba lagi sebentar lagi.",
                "too many requests from this address; try again after Retry-After seconds",
            ),
            lang,
        );
        refusal.retry_after = Some(medicloud_edge::rate::retry_after_secs(wait));
        let mut response = refusal.into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let mut response = next.run(request).await;
    if guessing
        && response.status() == StatusCode::NOT_FOUND
        && let Some(ip) = ip
    {
        // A failed guess costs the rest of its price now (a refusal among them holds
        // the address for the wait it will be told).
        for _ in 1..FAILED_LOOKUP_COST {
            if limits.0.take(ip).is_err() {
                break;
            }
        }
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The patients' booking page: `ui`'s built `book.html` at `/book` and every path
/// under it (the page routes itself), with the screens' security headers; with
/// `assets`, also its `/assets` (when the head office's screens, which serve them, are
/// not built). `None` when the page is not built.
pub(crate) fn pages(ui: &std::path::Path, assets: bool) -> Option<Router<State>> {
    let file = ui.join("book.html");
    if !file.is_file() {
        return None;
    }
    let page = tower_http::services::ServeFile::new(file);
    let mut router = Router::new()
        .route_service("/book", page.clone())
        .route_service("/book/", page.clone())
        .route_service("/book/{*rest}", page);
    if assets {
        router = router.nest_service(
            "/assets",
            tower_http::services::ServeDir::new(ui.join("assets")),
        );
    }
    Some(crate::api::with_screen_headers(router))
}
