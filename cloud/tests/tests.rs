//! The cloud's integration tests: one binary, modules by area.

// A failed unwrap in a test is a failed test with its location: that is what we want.
#![allow(clippy::unwrap_used)]

mod audit;
mod booking;
mod convergence;
mod desk;
mod fhir;
mod fhir_check;
mod fhir_scheduling;
mod hq;
mod http;
mod oauth;
mod oidc;
mod openapi;
mod projections;
mod reports;
mod storage;
mod tls;
mod util;
