//! The printer crate's integration tests, one binary.

mod codepage;
mod describe;
mod snapshots;
mod status;
mod util;
