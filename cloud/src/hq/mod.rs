//! `/hq/v1`: the chain staff's API — login, tokens and the routes the HQ screens read.
//!
//! | route | who | what |
//! |---|---|---|
//! | `POST /hq/v1/auth/login` | anyone | `{username, password}` → [`auth::Tokens`] |
//! | `POST /hq/v1/auth/refresh` | a refresh token | `{refresh_token}` → [`auth::Tokens`] (the old one is used up) |
//! | `POST /hq/v1/auth/logout` | an access token | revokes the login's refresh chain |
//! | `GET /hq/v1/auth/providers` | anyone | [`oidc::Providers`]: the OpenID Connect provider's name and start URL, or `null` |
//! | `GET /hq/v1/auth/oidc/start` | anyone | 302 to the provider (authorization code, PKCE S256) |
//! | `GET /hq/v1/auth/oidc/callback?code&state` | the provider's redirect | 303 to `/hq/#login=<one-time code>` or `/hq/#login_error=<code>` |
//! | `POST /hq/v1/auth/oidc/complete` | a one-time code | `{code}` → [`auth::Tokens`], as a password login |
//! | `GET /hq/v1/me` | an access token | [`auth::Me`]: username, role, clinics |
//! | `GET /hq/v1/clinics` | `see_clinics` | [`crate::overview::ClinicOverview`] of every clinic the caller sees |
//! | `GET /hq/v1/clinics/{id}/tickets?date=` | `see_clinic` in that clinic | its tickets of that day ([`clinics::HqTicket`]) |
//! | `GET /hq/v1/clinics/{id}/devices` | `see_clinic` in that clinic | the clinic's devices |
//! | `GET /hq/v1/clinics/{id}/configuration` | `see_clinic` in that clinic | its services and counters ([`crate::projection::Configuration`]) |
//! | `GET /hq/v1/reports/summary[.csv\|.xlsx]?clinic=&from=&to=` | `read_reports` in that clinic | the clinic's report ([`reports`]), as the node computes it |
//! | `GET /hq/v1/audit?clinic=&action=&actor=&patient=&since_ms=&limit=&before=` | `read_audit` (a clinic in scope) | the audit trail of a clinic or of every clinic in scope, newest first ([`audit::HqAuditRow`]: the node's row, the clinic and who acted by name), patient ids only |
//! | `GET /hq/v1/audit/clinics` | `read_audit` | the clinics whose trails the caller reads ([`crate::storage::ClinicEntry`]: id, name, time zone) |
//! | `GET /hq/v1/api-reads?clinic=&limit=` | `read_audit` (a clinic in scope) | the API clients' reads of patient data through `/fhir/r4`, newest first ([`audit::ApiReadRow`]: client, clinic, resource type and ids) |
//! | `GET /hq/v1/events?access_token=` | `see_clinics` | server-sent events: `overview` of a clinic as its events arrive ([`live`]) |
//! | `GET /hq/openapi.json` | anyone | the HQ OpenAPI document ([`openapi`]) |
//!
//! **Tokens.** An access token is a JWT signed with Ed25519 ([`keys`]) that lives
//! [`crate::CloudConfig::hq_access_ttl_secs`] (5 minutes by default); it names the
//! account, its role and clinics, and its refresh chain (`sid`). Any replica verifies
//! it with the public keys it caches, and asks the database one primary-key question
//! per request: is the chain still live (not logged out, not revoked by a reused
//! refresh token, the account not disabled)? A refresh token is 32 random bytes, stored
//! as SHA-256 only, used once: each refresh gives a new one in the same chain, and
//! presenting a used one revokes the whole chain.
//!
//! **Permissions** are decided by one table ([`permission`]): a handler takes an
//! [`HqCaller`] (the verified token) and asks [`HqCaller::require`] for its action and
//! clinic; a clinic not on a manager's account is 403 `clinic_not_on_account` and
//! nothing else. Failed logins are counted in the database per (username, address) and
//! per address ([`auth`]), so the limits hold across replicas. No token, password or
//! hash is ever logged.
//!
//! **OpenID Connect** ([`oidc`]), when the cloud has a provider: the provider vouches
//! for someone, the configured claim names an existing, enabled account, and the login
//! then goes on as a password login does (one refresh chain, the same tokens).

pub mod audit;
pub mod auth;
pub mod clinics;
pub mod keys;
pub mod live;
pub mod oidc;
pub mod openapi;
pub mod permission;
pub mod reports;

pub use permission::{HqAction, HqCaller, HqRole};

use crate::api::{Path, State};
use axum::Json;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::i18n::{Lang, Text};
use medicloud_core::ids::ClinicId;
use std::time::Duration;

/// What the `/hq` routes share in a replica: its copy of the key set and the token
/// lifetimes.
#[derive(Debug)]
pub struct Hq {
    /// The signing keys.
    pub keys: keys::KeySet,
    /// How long an access token lives.
    pub access_ttl: Duration,
    /// The live overview's streams.
    pub live: std::sync::Arc<live::Live>,
    /// The OpenID Connect provider, if the cloud has one.
    pub oidc: Option<oidc::Oidc>,
    /// The cloud's public base URL, if configured (the token URL that API clients'
    /// assertions name is under it).
    pub public_url: Option<String>,
}

pub(crate) use crate::api::now_ms;

/// How long a refresh token lives unused (a working day and a half).
pub const REFRESH_TTL: Duration = Duration::from_secs(36 * 3600);

/// An `/hq` refusal: a status, a code and its words in both languages (the answer is in
/// the language the request asks for: `Accept-Language`, Bahasa Indonesia unless it
/// asks for English).
#[derive(Debug)]
pub struct HqError {
    status: StatusCode,
    code: ErrorCode,
    text: Text,
    retry_after: Option<u64>,
}

impl HqError {
    /// An error with words of its own.
    pub fn new(status: StatusCode, code: ErrorCode, text: Text) -> Self {
        Self {
            status,
            code,
            text,
            retry_after: None,
        }
    }

    /// An error whose message is the code's own words.
    pub fn code(status: StatusCode, code: ErrorCode) -> Self {
        Self {
            status,
            code,
            text: code.text(),
            retry_after: None,
        }
    }

    fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait.as_secs().max(1));
        self
    }
}

impl From<permission::HqDenied> for HqError {
    fn from(denied: permission::HqDenied) -> Self {
        match denied {
            permission::HqDenied::Role => {
                HqError::code(StatusCode::FORBIDDEN, ErrorCode::Forbidden)
            }
            permission::HqDenied::Clinic => {
                HqError::code(StatusCode::FORBIDDEN, ErrorCode::ClinicNotOnAccount)
            }
        }
    }
}

/// A value that breaks a rule: 422 `validation_failed`, naming the field and the rule.
impl From<medicloud_core::validate::ValidationError> for HqError {
    fn from(err: medicloud_core::validate::ValidationError) -> Self {
        HqError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            err.text(),
        )
    }
}

impl From<crate::storage::StorageError> for HqError {
    fn from(err: crate::storage::StorageError) -> Self {
        tracing::error!(error = %err, "storage failure");
        HqError::code(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StorageUnavailable,
        )
    }
}

impl From<keys::KeyError> for HqError {
    fn from(err: keys::KeyError) -> Self {
        tracing::error!(error = %err, "signing keys");
        HqError::code(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Internal)
    }
}

impl IntoResponse for HqError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody::new(self.code, self.text.en.clone())),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
            .extensions_mut()
            .insert(Words(self.code, self.text));
        response
    }
}

/// An error's words, kept on the response for [`in_language`].
#[derive(Clone, Debug)]
struct Words(ErrorCode, Text);

/// Puts an `/hq` error's message in the language the request asked for
/// (`Accept-Language`; Bahasa Indonesia unless it asks for English).
async fn in_language(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = Lang::from_accept_language(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = next.run(request).await;
    if let Some(Words(code, text)) = response.extensions_mut().remove::<Words>() {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let body = Json(ErrorBody::new(code, text.get(lang))).into_response();
        let (body_parts, body) = body.into_parts();
        parts.headers.extend(body_parts.headers);
        response = Response::from_parts(parts, body);
    }
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.tag()),
    );
    response
}

/// A clinic's enrolled devices (`see_clinic`; a manager: its own clinics only).
#[utoipa::path(get, path = "/hq/v1/clinics/{id}/devices", tag = "clinics",
    security(("hq_access_token" = [])),
    params(("id" = ClinicId, Path, description = "clinic id")),
    responses(
        (status = 200, body = [crate::storage::DeviceRow]),
        (status = 403, description = "`forbidden`: the role may not see clinics; `clinic_not_on_account`: a manager asking for another clinic", body = ErrorBody),
    ))]
pub(crate) async fn clinic_devices(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    Path(clinic): Path<ClinicId>,
) -> Result<Json<Vec<crate::storage::DeviceRow>>, HqError> {
    use crate::storage::Storage;
    caller.require(HqAction::SeeClinic, Some(clinic))?;
    Ok(Json(state.storage.devices(clinic).await?))
}

/// Every `/hq` route: its method, path and handler ([`routes`] lists them).
pub(crate) fn table() -> Vec<(Method, &'static str, MethodRouter<State>)> {
    vec![
        (Method::GET, "/hq/openapi.json", get(openapi::document)),
        (Method::POST, "/hq/v1/auth/login", post(auth::login)),
        (Method::POST, "/hq/v1/auth/refresh", post(auth::refresh)),
        (Method::POST, "/hq/v1/auth/logout", post(auth::logout)),
        (Method::GET, "/hq/v1/auth/providers", get(oidc::providers)),
        (Method::GET, oidc::START_PATH, get(oidc::start)),
        (Method::GET, oidc::CALLBACK_PATH, get(oidc::callback)),
        (
            Method::POST,
            "/hq/v1/auth/oidc/complete",
            post(oidc::complete),
        ),
        (Method::GET, "/hq/v1/me", get(auth::me)),
        (Method::GET, "/hq/v1/clinics", get(clinics::overview)),
        (
            Method::GET,
            "/hq/v1/clinics/{id}/tickets",
            get(clinics::tickets),
        ),
        (
            Method::GET,
            "/hq/v1/clinics/{id}/devices",
            get(clinic_devices),
        ),
        (
            Method::GET,
            "/hq/v1/clinics/{id}/configuration",
            get(clinics::configuration),
        ),
        (
            Method::GET,
            "/hq/v1/reports/summary",
            get(reports::summary_json),
        ),
        (
            Method::GET,
            "/hq/v1/reports/summary.csv",
            get(reports::summary_csv),
        ),
        (
            Method::GET,
            "/hq/v1/reports/summary.xlsx",
            get(reports::summary_xlsx),
        ),
        (Method::GET, "/hq/v1/audit", get(audit::trail)),
        (Method::GET, "/hq/v1/audit/clinics", get(audit::clinics)),
        (Method::GET, "/hq/v1/api-reads", get(audit::api_reads)),
        (Method::GET, "/hq/v1/events", get(live::events)),
    ]
}

/// The `/hq` routes, `(method, path)`.
pub fn routes() -> Vec<(Method, &'static str)> {
    table()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// The `/hq` router, to be merged into [`crate::api::router`].
pub fn router() -> axum::Router<State> {
    table()
        .into_iter()
        .fold(axum::Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        })
        .layer(axum::middleware::from_fn(in_language))
}
