//! What the Medicloud crates' tests share (a dev-dependency only, never shipped): an
//! in-process demo node behind its router, a certificate authority of the test's own,
//! and waiting for a condition.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test helper is a failed test

mod node;
mod pki;

pub use node::{PASSWORD, TestNode, read_db};
pub use pki::Pki;

/// Waits until `check` holds, for at most `limit`.
pub async fn eventually<F, Fut>(limit: std::time::Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
