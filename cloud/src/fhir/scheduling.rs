//! Schedule, Slot and Appointment; `Appointment/$find` and `Appointment/$book`; the
//! SMART Scheduling Links publication.

use super::Supported;
use crate::api::State;
use axum::Router;

/// The resource types this module serves.
pub const SUPPORTED: &[Supported] = &[];

/// Its routes.
pub fn routes() -> Router<State> {
    Router::new()
}
