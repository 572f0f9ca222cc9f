//! Read and search of Organization, Location, HealthcareService, Practitioner, Patient
//! and Encounter, and `GET /metadata`.

use super::Supported;
use crate::api::State;
use axum::Router;

/// The resource types this module serves.
pub const SUPPORTED: &[Supported] = &[];

/// Its routes.
pub fn routes() -> Router<State> {
    Router::new()
}
