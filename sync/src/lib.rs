//! Medicloud sync: the hybrid logical clock that stamps every event, the log as a
//! grow-only set summarised by version vectors, and the exchange that brings two
//! replicas to the same events.
//!
//! ```
//! use medicloud_sync::hlc::{Hlc, ManualTime};
//! use medicloud_core::event::Stamp;
//!
//! let time = ManualTime::new(1_000);
//! let clock = Hlc::new(Stamp::new(0, 0), Hlc::DEFAULT_MAX_DRIFT_MS);
//! let a = clock.now(&time);
//! time.set(500); // the wall clock steps backwards…
//! let b = clock.now(&time);
//! assert!(b > a); // …the stamps never do.
//! ```
#![deny(missing_docs)]

pub mod columnar;
pub mod exchange;
pub mod hlc;
#[cfg(feature = "http")]
pub mod http;
pub mod ingest;
pub mod log;
pub mod seal;
pub mod wire;
