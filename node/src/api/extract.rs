//! Extractors: the authenticated caller, and bodies, path and query parameters whose
//! rejections are `{code, message}` errors like every other.

use super::AppState;
use super::error::AppError;
use crate::auth::Principal;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

/// A JSON body (sent as `application/json`) whose rejections become `{code, message}`
/// errors: 400 `bad_json`, 413 `payload_too_large`, 415 `unsupported_media_type`, 422
/// `validation_failed` (a wrong type, a missing or an unknown field).
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

/// Path parameters; one that does not parse (an id that is not a UUID) is 422
/// `validation_failed` naming the parameter.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

/// Query parameters; one that does not parse (`limit=-1`) is 422 `validation_failed`
/// naming the parameter.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// An optional JSON body: none (only white space, or JSON `null`) gives `T::default()`; any other
/// body must be sent as `application/json`, like [`Json`], with the same refusals.
#[derive(Debug)]
pub struct JsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for JsonOrEmpty<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let json = is_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::body_unread(e.status()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        if !json {
            return Err(AppError::unsupported_media_type());
        }
        // JSON's `null` says "no body" too.
        if bytes.trim_ascii() == b"null" {
            return Ok(Self(T::default()));
        }
        let axum::Json(value) = axum::Json::from_bytes(&bytes)?;
        Ok(Self(value))
    }
}

/// `Content-Type: application/json` (or `application/…+json`), as axum's `Json` takes.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The authenticated caller. From `Authorization: Bearer …`; the live stream also
/// accepts `?access_token=…`, because browsers' EventSource cannot send headers.
#[derive(Clone, Debug)]
pub struct Caller(pub Principal, pub String);

fn bearer(parts: &Parts) -> Option<String> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = header.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

fn query_token(parts: &Parts) -> Option<String> {
    // Inside the nested API router the path is shortened; the original one is kept.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    if uri.path() != "/api/v1/events" {
        return None;
    }
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("access_token=").map(str::to_owned))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts)
            .or_else(|| query_token(parts))
            .ok_or_else(AppError::unauthorized)?;
        let (sessions, node, t) = (state.sessions.clone(), state.node.clone(), token.clone());
        let principal = super::blocking(move || sessions.authenticate(node.store(), &t)).await?;
        let principal = principal.ok_or_else(AppError::unauthorized)?;
        if let Some(seen) = parts.extensions.get::<super::audit::SeenCaller>() {
            seen.set(principal.clone());
        }
        if matches!(
            principal,
            Principal::Staff {
                must_change_password: true,
                ..
            }
        ) && !ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&original_path(parts))
        {
            return Err(AppError::code(
                axum::http::StatusCode::FORBIDDEN,
                medicloud_core::error_code::ErrorCode::PasswordChangeRequired,
            ));
        }
        Ok(Caller(principal, token))
    }
}

/// What a session that logged in with a temporary password may do: choose a new one,
/// say who it is, log out.
const ALLOWED_BEFORE_PASSWORD_CHANGE: [&str; 3] = [
    "/api/v1/auth/password",
    "/api/v1/auth/me",
    "/api/v1/auth/logout",
];

/// The request's path as the client sent it (inside the nested API router the path is
/// shortened).
fn original_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0)
        .path()
}

/// The client's IP address, from the connection (`ConnectInfo`); `None` for requests
/// that came through no socket (the router in tests), which count as one unknown
/// address. IPv4 addresses written as IPv6 (`::ffff:a.b.c.d`) count as the IPv4 one.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip().to_canonical());
        Ok(Self(peer))
    }
}
