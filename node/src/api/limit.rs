//! Request rate limits per client address (the token buckets of [`medicloud_edge::rate`]),
//! so one misbehaving machine on the LAN cannot starve the kiosks and desks.

use super::error::{AppError, ErrorCode};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use medicloud_core::i18n::Text;
pub use medicloud_edge::rate::{RateLimit, client_ip};
use std::sync::Arc;
use std::time::Duration;

/// The 429 `rate_limited` answer for a caller whose bucket holds a request again in
/// `wait`, with `Retry-After` (whole seconds, at least one).
pub fn too_many(wait: Duration) -> Response {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        Text::new(
            "Terlalu banyak permintaan dari perangkat ini; tunggu sebentar lalu coba lagi.",
            "too many requests from this machine; slow down",
        ),
    )
    .retry_after(wait)
    .into_response()
}

/// Refuses requests beyond the caller's rate with 429 `rate_limited` (and
/// `Retry-After`). Requests that did not come through a socket (tests through the
/// router) are not limited.
pub async fn limit(State(limit): State<Arc<RateLimit>>, request: Request, next: Next) -> Response {
    if let Some(Err(wait)) = client_ip(&request).map(|ip| limit.take(ip)) {
        return too_many(wait);
    }
    next.run(request).await
}
