//! What the Medicloud crates' tests share, a dev-dependency only (never shipped).
//!
//! [`convergence`] holds the merge laws and the convergence properties, generic over a
//! [`convergence::LogFactory`], so the same properties run on every replica that ships:
//! `MemLog` (in `sync/tests`), the node's store (`node/tests`) and both cloud engines
//! (`cloud/tests`). [`convergence_tests!`] writes the tests for one factory. Besides:
//! [`TestNode`], an in-process demo node behind its router; [`Pki`], a certificate
//! authority of the test's own; [`eventually`], waiting for a condition; [`proxy`], a TCP link that can be cut; [`postgres`], where the PostgreSQL cases
//! find their server (and that under `CI` they may not skip).
//!
//! ```
//! use medicloud_sync::log::{Log, MemLog};
//! use medicloud_testkit::convergence::{self, CLINIC, LogFactory, device};
//!
//! // The simplest factory: a log in memory.
//! #[derive(Debug)]
//! struct Mem;
//! impl LogFactory for Mem {
//!     type Log = MemLog;
//!     fn make(&self, _device: medicloud_core::ids::DeviceId) -> MemLog {
//!         MemLog::new(CLINIC)
//!     }
//! }
//!
//! let mut log = Mem.make(device(0));
//! convergence::append(&mut log, device(0), 1_000, 0, 0);
//! assert_eq!(log.summary().unwrap().get(&device(0)), 1);
//! convergence::a_gap_is_not_stored_until_the_missing_event_arrives(&Mem);
//! ```
#![deny(missing_docs)]
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

pub mod convergence;
pub mod history;
mod node;
mod pki;
pub mod postgres;
pub mod proxy;
pub mod slots;
pub mod sse;

pub use node::{PASSWORD, TestNode, read_db};
pub use pki::Pki;
/// The proptest the generated tests use, so a suite needs no dependency of its own.
pub use proptest;

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
