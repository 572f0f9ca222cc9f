//! Extractors: the authenticated caller and JSON bodies with our error format.

use super::AppState;
use super::error::AppError;
use crate::auth::Principal;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri};
use axum::http::request::Parts;

/// A JSON body whose rejections become `{code, message}` errors.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

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
        principal
            .map(|p| Caller(p, token))
            .ok_or_else(AppError::unauthorized)
    }
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
