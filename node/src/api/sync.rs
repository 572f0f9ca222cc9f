//! Sync over HTTP: the exchange and label blocks for the clinic's other nodes
//! (`/sync/v1/…`, authenticated with the clinic's LAN key), and what staff see of it
//! (`/api/v1/sync/status`, `/api/v1/conflicts`).

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::labels;
use crate::replication::{NodeLog, SyncStatus};
use crate::store::query::{self, ConflictView};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use medicloud_sync::exchange::{self, PAGE, SyncError, SyncRequest, SyncResponse};
use medicloud_sync::wire::{Block, ReserveRequest};

/// Lets through only requests that carry this node's LAN key.
pub async fn require_lan_key(
    State(s): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    if !s.node.replication.serves_sync() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "sync_off",
            "this node takes no sync requests (it has no LAN key)",
        ));
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(key) if s.node.replication.accepts(key) => Ok(next.run(request).await),
        _ => Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a sync request needs the clinic's LAN key",
        )),
    }
}

fn sync_error(err: SyncError) -> AppError {
    match err {
        SyncError::WrongClinic => AppError::new(
            StatusCode::FORBIDDEN,
            "wrong_clinic",
            "this node belongs to another clinic",
        ),
        SyncError::Refused(message) => {
            AppError::new(StatusCode::BAD_REQUEST, "sync_refused", message)
        }
        SyncError::Unreachable(message) | SyncError::Storage(message) => {
            tracing::error!(error = %message, "sync request failed");
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the local database could not take the events; nothing was stored",
            )
        }
    }
}

/// One round of the exchange with another node of the clinic.
pub async fn exchange(
    State(s): State<AppState>,
    Json(request): Json<SyncRequest>,
) -> Result<Json<SyncResponse>, AppError> {
    if request.events.len() > PAGE {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!("at most {PAGE} events in one request"),
        ));
    }
    let node = s.node.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut response = exchange::respond(&mut NodeLog(&node), request)?;
        response.now_ms = Some(node.store.now_ms().max(0) as u64);
        Ok::<_, SyncError>(response)
    })
    .await
    .map_err(|e| SyncError::Storage(e.to_string()))
    .and_then(|r| r)
    .map_err(sync_error)?;
    Ok(Json(answer))
}

/// A block of label numbers for another node, when this node is the clinic's authority.
pub async fn reserve(
    State(s): State<AppState>,
    Json(request): Json<ReserveRequest>,
) -> Result<Json<Block>, AppError> {
    if s.node.replication.has_remote_authority() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "not_authority",
            "this node takes its own labels from another authority",
        ));
    }
    let Some(device) = request.device else {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "device: say which device the block is for",
        ));
    };
    if request.count == 0 {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "count: ask for at least one number",
        ));
    }
    let node = s.node.clone();
    Ok(Json(
        blocking(move || labels::grant(&node, &request, device)).await?,
    ))
}

/// Sync at a glance: each peer and the cloud, when last reached, what they still lack,
/// clock skew, and how many tickets have conflicts.
#[utoipa::path(get, path = "/api/v1/sync/status", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = SyncStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<SyncStatus>, AppError> {
    p.require(Permission::ReadTickets)?;
    let node = s.node.clone();
    Ok(Json(
        blocking(move || node.replication.status(&node)).await?,
    ))
}

/// Ticket steps that lost to a concurrent step on another device (for example two
/// counters calling one ticket while cut off from each other), newest first.
#[utoipa::path(get, path = "/api/v1/conflicts", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConflictView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn conflicts(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<ConflictView>>, AppError> {
    p.require(Permission::ReadTickets)?;
    let node = s.node.clone();
    Ok(Json(
        blocking(move || node.store.read(|c| query::conflicts(c, node.today(c)?))).await?,
    ))
}
