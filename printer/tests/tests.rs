//! The printer crate's integration tests, one binary.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed test with its location"
)]

mod codepage;
mod confirm;
mod describe;
mod drivers;
mod snapshots;
mod status;
mod util;
mod virtual_printer;
