//! The node library's integration tests, through its router with no socket (the tests
//! that start the `medicloud` binary are in `cli/tests`).

// A failed unwrap in a test is a failed test with its location: that is what we want.
#![allow(clippy::unwrap_used)]

mod access;
mod api;
mod bookings;
mod convergence;
mod counters;
mod login;
mod reports;
