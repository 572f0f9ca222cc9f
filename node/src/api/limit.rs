//! Request rate limits per client address: a token bucket per IP, so one misbehaving
//! machine on the LAN cannot starve the kiosks and desks.

use super::error::{AppError, ErrorCode};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use medicloud_core::i18n::Text;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Buckets per client address.
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimit {
    /// A sustained `per_second` requests per address, with bursts up to `burst`.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second),
            burst: f64::from(burst),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `ip`'s bucket; `false` when it is empty.
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.take(ip).is_ok()
    }

    /// Takes one request from `ip`'s bucket, or says how long until it holds one again.
    pub fn take(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            // Forget full buckets, so spoofed addresses cannot fill memory.
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

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

/// The client's address, when the request came through a socket.
pub fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
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
