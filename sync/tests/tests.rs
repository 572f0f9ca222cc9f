//! Sync's integration tests: the merge laws and convergence, as property tests.

// A failed unwrap in a test is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod convergence;
mod util;
