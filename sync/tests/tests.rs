//! Sync's integration tests: the merge laws and convergence, as property tests; the HTTP
//! client against a real server on loopback.

// A failed unwrap in a test is a failed test with its location: that is what we want.
#![allow(clippy::unwrap_used)]

mod columnar;
mod convergence;
mod http;
