//! The clinic, its services and counters, staff accounts and devices.

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::error::Error;
use crate::ops::{DeviceView, NewDevice, NewStaff, StaffView};
use crate::views::ServiceView;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medicloud_core::domain::{Clinic, Counter};
use medicloud_core::ids::DeviceId;
use serde::Serialize;
use utoipa::ToSchema;

/// The clinic's name and time zone.
#[utoipa::path(get, path = "/api/v1/clinic", tag = "clinic", security(("bearer" = [])),
    responses((status = 200, body = Clinic), (status = 401, body = ErrorBody)))]
pub async fn clinic(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Clinic>, AppError> {
    p.require(Permission::SeeQueues)?;
    let clinic = blocking(move || s.node.clinic()).await?;
    clinic
        .map(Json)
        .ok_or_else(|| Error::NotFound { what: "clinic" }.into())
}

/// Services with live waiting counts and the wait for a ticket taken now.
#[utoipa::path(get, path = "/api/v1/services", tag = "clinic", security(("bearer" = [])),
    responses((status = 200, body = [ServiceView]), (status = 401, body = ErrorBody)))]
pub async fn services(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<ServiceView>>, AppError> {
    p.require(Permission::SeeQueues)?;
    Ok(Json(blocking(move || s.node.services()).await?))
}

/// Counters and rooms, with the services each calls from.
#[utoipa::path(get, path = "/api/v1/counters", tag = "clinic", security(("bearer" = [])),
    responses((status = 200, body = [Counter]), (status = 401, body = ErrorBody)))]
pub async fn counters(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<Counter>>, AppError> {
    p.require(Permission::SeeQueues)?;
    Ok(Json(blocking(move || s.node.counters()).await?))
}

/// A new device and its token (shown only in this response).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDevice {
    /// The device.
    #[serde(flatten)]
    pub device: DeviceView,
    /// Its bearer token.
    pub token: String,
}

/// Register a kiosk, desk or display (admin).
#[utoipa::path(post, path = "/api/v1/devices", tag = "admin", security(("bearer" = [])), request_body = NewDevice,
    responses((status = 201, body = CreatedDevice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_device(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<NewDevice>,
) -> Result<(StatusCode, Json<CreatedDevice>), AppError> {
    p.require(Permission::Administer)?;
    let (device, token) = blocking(move || s.node.create_device(p.actor(), req)).await?;
    Ok((StatusCode::CREATED, Json(CreatedDevice { device, token })))
}

/// Registered devices (admin).
#[utoipa::path(get, path = "/api/v1/devices", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [DeviceView]), (status = 403, body = ErrorBody)))]
pub async fn devices(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<DeviceView>>, AppError> {
    p.require(Permission::Administer)?;
    Ok(Json(blocking(move || s.node.devices()).await?))
}

/// Revoke a device: its token stops working (admin).
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "device id")),
    responses((status = 200, body = DeviceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_device(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<DeviceId>,
) -> Result<Json<DeviceView>, AppError> {
    p.require(Permission::Administer)?;
    Ok(Json(
        blocking(move || s.node.revoke_device(p.actor(), id)).await?,
    ))
}

/// Create a staff account (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), request_body = NewStaff,
    responses((status = 201, body = StaffView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<NewStaff>,
) -> Result<(StatusCode, Json<StaffView>), AppError> {
    p.require(Permission::Administer)?;
    let user = blocking(move || s.node.create_staff(p.actor(), req)).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Staff accounts (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [StaffView]), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<StaffView>>, AppError> {
    p.require(Permission::Administer)?;
    Ok(Json(blocking(move || s.node.staff()).await?))
}
