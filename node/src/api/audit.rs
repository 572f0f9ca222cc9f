//! The audit trail, for admins.

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Query};
use super::{AppState, blocking};
use crate::auth::{Permission, Principal};
use crate::ops::{AuditFilter, AuditRow};
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use medicloud_core::event::AuditEntry;
use std::sync::{Arc, Mutex};

/// Who the request's token stood for, once the handler's [`Caller`] extractor knew it;
/// put in each request's extensions by [`record_refusals`].
#[derive(Clone, Debug, Default)]
pub struct SeenCaller(Arc<Mutex<Option<Principal>>>);

impl SeenCaller {
    /// Remembers the request's principal.
    pub fn set(&self, principal: Principal) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(principal);
    }

    fn take(&self) -> Option<Principal> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Records every request refused for want of permission (403) on the audit trail: the
/// staff member or device, and what it asked for (`POST /api/v1/patients`) — never the
/// body. An unauthenticated request (401) names nobody and is not recorded.
pub async fn record_refusals(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let seen = SeenCaller::default();
    req.extensions_mut().insert(seen.clone());
    let what = format!(
        "{} {}",
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map_or_else(|| req.uri().path(), MatchedPath::as_str)
    );
    let res = next.run(req).await;
    if res.status() == StatusCode::FORBIDDEN
        && let Some(principal) = seen.take()
    {
        let entry = AuditEntry {
            action: "denied".into(),
            patient: None,
            subject: Some(what),
            outcome: "denied".into(),
        };
        let node = s.node.clone();
        // Recording is best effort: the refusal stands whether or not it is written.
        if let Err(e) = blocking(move || node.audit(principal.actor(), entry)).await {
            tracing::warn!(error = ?e, "a refusal could not be recorded");
        }
    }
    res
}

/// Who did what, to which patient, when and where — newest first, filterable.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", security(("bearer" = [])), params(AuditFilter),
    responses((status = 200, body = [AuditRow]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`: `limit` or `since_ms` out of range", body = ErrorBody)))]
pub async fn trail(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(filter): Query<AuditFilter>,
) -> Result<Json<Vec<AuditRow>>, AppError> {
    p.require(Permission::Administer)?;
    Ok(Json(blocking(move || s.node.audit_trail(&filter)).await?))
}
