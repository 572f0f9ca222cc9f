//! The node's integration tests: one binary, modules by area.

// A failed unwrap in a test is a failed test with its location: that is what we want.
#![allow(clippy::unwrap_used)]

mod access;
mod api;
mod audit;
mod cloud;
mod convergence;
mod encryption;
mod lan;
mod printing;
mod process;
mod sync;
mod tls;
mod util;
