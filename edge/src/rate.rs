//! Request rates per client address: a token bucket per IP, so one misbehaving machine
//! cannot starve the others. The node limits every request with it, the cloud its sync
//! routes; each answers the refusal (429 with `Retry-After`) in its own words.
//!
//! A refused address is held for the whole wait it was told (the `Retry-After`, in whole
//! seconds), not only until the bucket holds one request again: what the answer says is
//! what the server does, and a client that ignores it gains nothing by asking sooner.

use axum::extract::{ConnectInfo, Request};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets per client address.
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// One address's requests in hand, when they were counted, and until when it is held.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    held_until: Option<Instant>,
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

    /// Takes one request from `ip`'s bucket, or says how long it must wait: while the
    /// bucket is empty, and then until the whole seconds it was told have passed.
    pub fn take(&self, ip: IpAddr) -> Result<(), Duration> {
        self.take_at(ip, Instant::now())
    }

    fn take_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            // Forget full buckets, so spoofed addresses cannot fill memory.
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            at: now,
            held_until: None,
        });
        if let Some(until) = bucket.held_until {
            if now < until {
                return Err(until - now);
            }
            bucket.held_until = None;
        }
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let refill = Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second);
            let told = Duration::from_secs(retry_after_secs(refill));
            bucket.held_until = Some(now + told);
            Err(told)
        }
    }
}

/// Whole seconds for a `Retry-After` header: `wait` rounded up, at least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The client's address, when the request came through a socket ([`crate::serve`]).
pub fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_past_its_burst_is_held_for_the_whole_wait_it_was_told() {
        let limit = RateLimit::new(50, 3);
        let (ip, other) = (IpAddr::from([10, 0, 0, 9]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take_at(ip, t0), Ok(()));
        }
        let told = limit.take_at(ip, t0).unwrap_err();
        assert_eq!(retry_after_secs(told), 1);
        // The bucket refills a request every 20 ms, but the address was told a second.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(
            limit.take_at(ip, later),
            Err(Duration::from_millis(500)),
            "still held, and told the rest"
        );
        assert_eq!(
            limit.take_at(other, later),
            Ok(()),
            "another address is not held"
        );
        assert_eq!(
            limit.take_at(ip, t0 + told),
            Ok(()),
            "free once the wait is over"
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_never_zero() {
        assert_eq!(retry_after_secs(Duration::from_millis(20)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
