//! The clinic, its services and counters, staff accounts and devices.

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Path};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::error::Error;
use crate::ops::{CounterSettings, DeviceView, NewDevice, NewStaff, ServiceSettings, StaffView};
use crate::views::ServiceView;
use axum::extract::State;
use axum::http::StatusCode;
use medicloud_core::domain::{Clinic, Counter, CounterId, Service, ServiceCode, VisitStep};
use medicloud_core::ids::DeviceId;
use medicloud_core::schedule::Schedule;
use serde::Serialize;
use utoipa::ToSchema;

/// The clinic's name and time zone.
#[utoipa::path(get, path = "/api/v1/clinic", tag = "clinic", security(("bearer" = [])),
    responses((status = 200, body = Clinic), (status = 404, description = "the clinic is not set up yet", body = ErrorBody)))]
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
    responses((status = 200, body = [ServiceView])))]
pub async fn services(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<ServiceView>>, AppError> {
    p.require(Permission::SeeQueues)?;
    Ok(Json(blocking(move || s.node.services()).await?))
}

/// Counters and rooms, with the services each calls from.
#[utoipa::path(get, path = "/api/v1/counters", tag = "clinic", security(("bearer" = [])),
    responses((status = 200, body = [Counter])))]
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
    params(("id" = DeviceId, Path, description = "device id")),
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

/// A machine an account is locked against after failed logins from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginLock {
    /// The machine's IP address; `null` when the node could not tell (a request that
    /// came through no socket).
    pub address: Option<String>,
    /// Seconds until the lock is over.
    pub seconds_left: u64,
}

/// A staff account, with the machines its logins are refused from now.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAccount {
    /// The account.
    #[serde(flatten)]
    pub staff: StaffView,
    /// Machines this account is locked against after too many failed logins from them
    /// (for 15 minutes from the last failure that locked it); empty when it is locked
    /// nowhere. From every other machine it still logs in.
    pub login_locks: Vec<LoginLock>,
}

/// Staff accounts, with the machines each is locked against after failed logins
/// (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [StaffAccount]), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<Vec<StaffAccount>>, AppError> {
    p.require(Permission::Administer)?;
    let locks = s.sessions.account_locks();
    let staff = blocking(move || s.node.staff()).await?;
    let accounts = staff
        .into_iter()
        .map(|staff| {
            let key = staff.username.to_lowercase();
            let login_locks = locks
                .iter()
                .filter(|lock| lock.username == key)
                .map(|lock| LoginLock {
                    address: lock.address.map(|ip| ip.to_string()),
                    seconds_left: lock.left.as_secs().max(1),
                })
                .collect();
            StaffAccount { staff, login_locks }
        })
        .collect();
    Ok(Json(accounts))
}

/// Change the clinic's name, time zone and ticket message (admin).
#[utoipa::path(put, path = "/api/v1/clinic", tag = "admin", security(("bearer" = [])), request_body = crate::ops::ClinicSettings,
    responses((status = 200, body = Clinic), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_clinic(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<crate::ops::ClinicSettings>,
) -> Result<Json<Clinic>, AppError> {
    p.require(Permission::Administer)?;
    Ok(Json(
        blocking(move || s.node.put_clinic(p.actor(), req)).await?,
    ))
}

/// Add or change a service (admin). The code is the label prefix (`A`).
#[utoipa::path(put, path = "/api/v1/services/{code}", tag = "admin", security(("bearer" = [])),
    params(("code" = ServiceCode, Path, description = "Service code, e.g. A")), request_body = ServiceSettings,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_service(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(code): Path<String>,
    Json(req): Json<ServiceSettings>,
) -> Result<StatusCode, AppError> {
    p.require(Permission::Administer)?;
    let code = ServiceCode::parse(&code).map_err(Error::from)?;
    blocking(move || s.node.put_service(p.actor(), code, req)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set when a service takes appointments and how many (admin): weekly hours, slot
/// length, places per slot and how many of them patients may book online, closed days.
/// It syncs like every setting; bookings already made keep their times (a time the new
/// schedule has no slot at shows as outside it).
#[utoipa::path(put, path = "/api/v1/services/{code}/schedule", operation_id = "put_schedule", tag = "appointments", security(("bearer" = [])),
    params(("code" = ServiceCode, Path, description = "Service code, e.g. A")), request_body = Schedule,
    responses((status = 200, body = Service), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no such service", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_schedule(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(code): Path<String>,
    Json(schedule): Json<Schedule>,
) -> Result<Json<Service>, AppError> {
    p.require(Permission::Administer)?;
    let code = ServiceCode::parse(&code).map_err(Error::from)?;
    Ok(Json(
        blocking(move || s.node.put_schedule(p.actor(), &code, schedule)).await?,
    ))
}

/// A new service: a `Service` as the kiosk lists it.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// The label prefix and the service's identity (`A`).
    pub code: ServiceCode,
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Name in English.
    pub name_en: String,
    /// Whether the kiosk offers it.
    pub active: bool,
    /// The steps of a visit, in order (e.g. `registration`, then `room`); none: a visit
    /// is one step, at any counter serving the service.
    #[serde(default)]
    pub steps: Vec<VisitStep>,
    /// Its appointment slots and places per slot (the defaults when left out).
    pub slots: Option<medicloud_core::appointment::SlotRules>,
    /// The wait it aims to call patients within, in minutes (1 to 1440; 60 when left
    /// out).
    #[schema(minimum = 1, maximum = 1440)]
    pub target_wait_minutes: Option<u16>,
}

/// Add a service (admin). Its code is the label prefix (`A`); `service_exists` when
/// a service has that code (change one with `PUT /api/v1/services/{code}`).
#[utoipa::path(post, path = "/api/v1/services", tag = "admin", security(("bearer" = [])), request_body = NewService,
    responses((status = 201, body = Service), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`service_exists`"), (status = 422, body = ErrorBody)))]
pub async fn create_service(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<NewService>,
) -> Result<(StatusCode, Json<Service>), AppError> {
    p.require(Permission::Administer)?;
    let service = Service {
        code: req.code,
        name_id: req.name_id,
        name_en: req.name_en,
        active: req.active,
        slots: req.slots.unwrap_or_default(),
        schedule: None,
        steps: req.steps,
        target_wait_minutes: req
            .target_wait_minutes
            .unwrap_or(Service::DEFAULT_TARGET_WAIT_MINUTES),
    };
    let service = blocking(move || s.node.create_service(p.actor(), service)).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

/// Add a counter or room (admin); the node makes its id from the name (`Loket 3` →
/// `loket-3`). Every service it names must exist.
#[utoipa::path(post, path = "/api/v1/counters", tag = "admin", security(("bearer" = [])), request_body = CounterSettings,
    responses((status = 201, body = Counter), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "a service it names does not exist"), (status = 422, body = ErrorBody)))]
pub async fn create_counter(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<CounterSettings>,
) -> Result<(StatusCode, Json<Counter>), AppError> {
    p.require(Permission::Administer)?;
    let steps = req.steps.unwrap_or_default();
    let counter = blocking(move || {
        s.node
            .create_counter(p.actor(), &req.name, req.services, steps)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(counter)))
}

/// Add or change a counter or room (admin).
#[utoipa::path(put, path = "/api/v1/counters/{counter_id}", tag = "admin", security(("bearer" = [])),
    params(("counter_id" = CounterId, Path, description = "Counter id, e.g. loket-1")), request_body = CounterSettings,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_counter(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<String>,
    Json(req): Json<CounterSettings>,
) -> Result<StatusCode, AppError> {
    p.require(Permission::Administer)?;
    let id = CounterId::parse(&id).map_err(Error::from)?;
    blocking(move || s.node.put_counter(p.actor(), id, req)).await?;
    Ok(StatusCode::NO_CONTENT)
}
