//! The node's local HTTP API (JSON under `/api/v1`, documented at `/api/openapi.json`),
//! the live stream, and the web UI's static files.

mod appointments;
mod audit;
mod auth;
mod clinic;
pub mod error;
mod extract;
pub mod limit;
mod live;
mod openapi;
mod reports;
mod staff;
mod sync;
mod tickets;

use crate::auth::Sessions;
use crate::ops::Node;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse};
use axum::routing::{any, get, post, put};
use error::{AppError, ErrorCode};
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

pub use openapi::ApiDoc;

/// What the served pages may load: only this node, plus inline styles and data URLs
/// (QR codes, sounds).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
    media-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// Requests per second one client address may make to `/api/v1`, sustained…
pub const RATE_PER_SECOND: u32 = 100;
/// …and in a burst.
pub const RATE_BURST: u32 = 1_000;

/// Sync requests per second one client address may make to `/sync/v1`, sustained…
pub const SYNC_RATE_PER_SECOND: u32 = 50;
/// …and in a burst (a new node's first sync of a month sends a few hundred pages).
pub const SYNC_RATE_BURST: u32 = 500;
/// Sealed sync bodies (each up to 8 MiB) read and worked on at once.
pub const SYNC_BODIES_AT_ONCE: usize = 4;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The clinic node.
    pub node: Arc<Node>,
    /// Staff sessions.
    pub sessions: Arc<Sessions>,
    /// Becomes `true` when the server starts shutting down; live streams end then, so
    /// a graceful shutdown is not held open by displays.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// State for `node` with no sessions yet.
    pub fn new(node: Arc<Node>) -> Self {
        Self::with_sessions(node, Sessions::new())
    }

    /// State for `node` whose staff sessions follow `sessions`' limits.
    pub fn with_sessions(node: Arc<Node>, sessions: Sessions) -> Self {
        Self {
            node,
            sessions: Arc::new(sessions),
            shutdown: Arc::new(tokio::sync::watch::Sender::new(false)),
        }
    }
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::error::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(AppError::from),
        Err(join) => {
            tracing::error!(error = %join, "blocking task failed");
            Err(AppError::internal())
        }
    }
}

/// The whole HTTP surface. `ui` is a folder of built UI files to serve, if any.
pub fn router(state: AppState, ui: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/break-glass", post(auth::break_glass))
        .route("/auth/password", post(staff::change_password))
        .route("/clinic", get(clinic::clinic).put(clinic::put_clinic))
        .route(
            "/services",
            get(clinic::services).post(clinic::create_service),
        )
        .route("/services/{code}", put(clinic::put_service))
        .route("/services/{code}/schedule", put(clinic::put_schedule))
        .route(
            "/counters",
            get(clinic::counters).post(clinic::create_counter),
        )
        .route("/counters/{counter_id}", put(clinic::put_counter))
        .route("/counters/{counter_id}/call-next", post(tickets::call_next))
        .route("/tickets", post(tickets::issue).get(tickets::list))
        .route("/tickets/{id}", get(tickets::get))
        .route("/tickets/{id}/print.png", get(tickets::print_png))
        .route("/tickets/{id}/cancel", post(tickets::cancel))
        .route("/tickets/{id}/{action}", post(tickets::act))
        .route("/public/tickets/{id}", get(tickets::public))
        .route("/calls", get(tickets::calls))
        .route("/printer", get(tickets::printer))
        .route("/printer/test", post(tickets::printer_test))
        .route(
            "/appointments",
            post(appointments::book).get(appointments::list),
        )
        .route("/slots", get(appointments::slots))
        .route("/appointments/{id}/cancel", post(appointments::cancel))
        .route("/appointments/{id}/move", post(appointments::move_to))
        .route(
            "/patients",
            post(appointments::register_patient).get(appointments::search_patients),
        )
        .route("/devices", post(clinic::create_device).get(clinic::devices))
        .route("/devices/{id}/revoke", post(clinic::revoke_device))
        .route("/users", post(clinic::create_user).get(clinic::users))
        .route("/users/{id}", put(staff::update_user))
        .route("/users/{id}/password-reset", post(staff::reset_password))
        .route("/users/{id}/unlock", post(staff::unlock))
        .route("/events", get(live::events))
        .route("/sync/status", get(sync::status))
        .route("/conflicts", get(sync::conflicts))
        .route("/audit", get(audit::trail))
        .route("/reports/summary", get(reports::summary_json))
        .route("/reports/summary.csv", get(reports::summary_csv))
        .route("/reports/summary.xlsx", get(reports::summary_xlsx))
        .fallback(api_not_found)
        // After routing (so the refusal names the route), around every handler.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::record_refusals,
        ));
    // Sync rounds carry pages of events: a larger limit (on the decompressed body), and
    // bodies sealed with the clinic's LAN key (gzip inside) instead of a staff or device
    // token; the seal is opened before, and put on after, the handlers. Its gate (length,
    // rate, the seal's header, a few turns) refuses what cannot open before reading it.
    let gate = Arc::new(sync::SyncGate::new(
        SYNC_RATE_PER_SECOND,
        SYNC_RATE_BURST,
        SYNC_BODIES_AT_ONCE,
    ));
    let sync = Router::new()
        .route("/exchange", post(sync::exchange))
        .route("/labels/reserve", post(sync::reserve))
        .route("/labels/stance", post(sync::stance))
        .route("/appointments/desk", post(sync::desk_booking))
        .route("/appointments/reserve", post(sync::desk_reserve))
        .layer(DefaultBodyLimit::max(medicloud_sync::wire::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), gate),
            sync::sealed,
        ));
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/openapi.json", get(openapi::document))
        .nest(
            "/api/v1",
            api.layer(DefaultBodyLimit::max(BODY_LIMIT)).layer(
                axum::middleware::from_fn_with_state(
                    Arc::new(limit::RateLimit::new(RATE_PER_SECOND, RATE_BURST)),
                    limit::limit,
                ),
            ),
        )
        .nest("/sync/v1", sync)
        // Any other path under /api is an API path nobody serves, not a screen.
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found));
    let app = match ui {
        Some(dir) if dir.join("index.html").is_file() => {
            let index = dir.join("index.html");
            app.fallback_service(
                tower_http::services::ServeDir::new(dir)
                    .fallback(tower_http::services::ServeFile::new(index)),
            )
        }
        _ => app.fallback(get(landing)),
    };
    // Security headers on everything, the screens included: the pages load nothing
    // from elsewhere, and the patient status page (opened on phones) may not be framed.
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    let app = app.layer(axum::middleware::from_fn_with_state(
        error::refusal as medicloud_edge::RefusalBody,
        medicloud_edge::typed_refusals,
    ));
    // Outside the refusals: every error answer, the framework's too, in the language of
    // the request's Accept-Language.
    let app = app.layer(axum::middleware::from_fn(error::in_language));
    headers
        .into_iter()
        .fold(app, |app, (name, value)| {
            app.layer(SetResponseHeaderLayer::overriding(
                name,
                HeaderValue::from_static(value),
            ))
        })
        .with_state(state)
}

/// 404 `not_found` for a path under `/api` that no route serves.
async fn api_not_found() -> AppError {
    AppError::new(
        axum::http::StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        medicloud_core::i18n::Text::new("Alamat API ini tidak ada.", "no such API endpoint"),
    )
}

/// Shown when no UI build is present.
async fn landing() -> impl IntoResponse {
    Html(include_str!("landing.html"))
}
