//! The OpenAPI document, generated from the handlers and types so it cannot drift.

use super::{appointments, audit, auth, clinic, error, live, sync, tickets};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The node's API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Medicloud node API", description = "The local HTTP API of a Medicloud clinic node."),
    paths(
        auth::login, auth::logout, auth::me, auth::break_glass,
        clinic::clinic, clinic::services, clinic::counters,
        clinic::put_clinic, clinic::put_service, clinic::put_counter,
        clinic::create_device, clinic::devices, clinic::revoke_device, clinic::create_user, clinic::users,
        tickets::issue, tickets::get, tickets::list, tickets::call_next, tickets::act, tickets::public,
        tickets::printer, tickets::calls, tickets::printer_test, tickets::print_png,
        appointments::book, appointments::list, appointments::register_patient, appointments::search_patients,
        live::events,
        sync::status, sync::conflicts, audit::trail,
    ),
    components(schemas(error::ErrorBody, error::ErrorCode, crate::live::LiveMessage)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Staff sessions"),
        (name = "clinic", description = "Services and counters"),
        (name = "tickets", description = "The queue"),
        (name = "appointments", description = "Bookings and check-in"),
        (name = "patients", description = "Patient records"),
        (name = "admin", description = "Devices and staff accounts"),
        (name = "live", description = "Live updates"),
        (name = "sync", description = "Sync with peers and the cloud"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
