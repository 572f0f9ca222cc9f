//! The audit trail, for admins.

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Query};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::ops::{AuditFilter, AuditRow};
use axum::extract::State;

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
