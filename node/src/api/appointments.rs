//! Appointments and patients (front desk).

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Path, Query};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::ops::{AppointmentView, MoveAppointment, NewAppointment};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use medicloud_core::domain::{Patient, PatientInput, ServiceCode};
use medicloud_core::ids::AppointmentId;
use medicloud_core::schedule::SlotFill;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Book an appointment in a slot with a free place; the answer carries its booking code.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "appointments", security(("bearer" = [])),
    request_body = NewAppointment,
    responses((status = 201, body = AppointmentView), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no such service or patient", body = ErrorBody),
        (status = 409, description = "`slot_full`: every place of the slot is booked", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a day or a time that has passed in the clinic, or a field out of range", body = ErrorBody)))]
pub async fn book(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<NewAppointment>,
) -> Result<(StatusCode, Json<AppointmentView>), AppError> {
    p.require(Permission::FrontDesk)?;
    let view = blocking(move || s.node.book_appointment(p.actor(), req)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Which day's appointments.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; today when left out.
    pub date: Option<NaiveDate>,
}

/// The appointments of a day, by slot.
#[utoipa::path(get, path = "/api/v1/appointments", operation_id = "list_appointments", tag = "appointments", security(("bearer" = [])), params(DayQuery),
    responses((status = 200, body = [AppointmentView]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(q): Query<DayQuery>,
) -> Result<Json<Vec<AppointmentView>>, AppError> {
    p.require(Permission::FrontDesk)?;
    Ok(Json(
        blocking(move || {
            let list = s.node.appointments(q.date)?;
            s.node
                .audit(p.actor(), read_entry("appointments_read", list.len()))?;
            Ok(list)
        })
        .await?,
    ))
}

/// Which service's slots, on which day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// The service, e.g. `A`.
    #[param(value_type = String, example = "A", pattern = "^[A-Z]{1,3}$")]
    pub service: ServiceCode,
    /// `YYYY-MM-DD`; today in the clinic when left out.
    pub date: Option<NaiveDate>,
}

/// The slots of a service's day by its schedule: start and end, places online and at
/// the desk, the live bookings of each share, free / full / over capacity, whether it
/// has passed, and any time with bookings the schedule no longer has.
#[utoipa::path(get, path = "/api/v1/slots", operation_id = "appointment_slots", tag = "appointments", security(("bearer" = [])), params(SlotsQuery),
    responses((status = 200, body = [SlotFill]), (status = 403, body = ErrorBody), (status = 404, description = "`not_found`: no such service", body = ErrorBody)))]
pub async fn slots(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(q): Query<SlotsQuery>,
) -> Result<Json<Vec<SlotFill>>, AppError> {
    p.require(Permission::FrontDesk)?;
    Ok(Json(
        blocking(move || s.node.slots(&q.service, q.date)).await?,
    ))
}

/// Why something is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// One line, 1 to 200 characters; it goes on the audit trail.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// Cancel a booked appointment (desk), freeing its place. Audited with the reason.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", operation_id = "cancel_appointment", tag = "appointments", security(("bearer" = [])),
    params(("id" = AppointmentId, Path, description = "appointment id")), request_body = CancelBody,
    responses((status = 200, body = AppointmentView), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no such appointment", body = ErrorBody),
        (status = 409, description = "`appointment_cancelled`: already cancelled; `already_checked_in`: cancel its ticket instead", body = ErrorBody),
        (status = 422, description = "`validation_failed`: the reason is empty, too long or not one line", body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<AppointmentId>,
    Json(body): Json<CancelBody>,
) -> Result<Json<AppointmentView>, AppError> {
    p.require(Permission::FrontDesk)?;
    Ok(Json(
        blocking(move || s.node.cancel_appointment(p.actor(), id, &body.reason)).await?,
    ))
}

/// Move a booked appointment to another day or slot, by the same rules as a booking.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/move", operation_id = "move_appointment", tag = "appointments", security(("bearer" = [])),
    params(("id" = AppointmentId, Path, description = "appointment id")), request_body = MoveAppointment,
    responses((status = 200, body = AppointmentView), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no such appointment", body = ErrorBody),
        (status = 409, description = "`slot_full`; `appointment_cancelled`; `already_checked_in`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a day or a time that has passed in the clinic", body = ErrorBody)))]
pub async fn move_to(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<AppointmentId>,
    Json(to): Json<MoveAppointment>,
) -> Result<Json<AppointmentView>, AppError> {
    p.require(Permission::FrontDesk)?;
    Ok(Json(
        blocking(move || s.node.move_appointment(p.actor(), id, to)).await?,
    ))
}

/// A patient record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientView {
    /// Record id.
    #[schema(value_type = String)]
    pub id: String,
    /// Full name.
    pub name: Option<String>,
    /// NIK.
    pub nik: Option<String>,
    /// BPJS card number.
    pub bpjs_number: Option<String>,
    /// Mobile number, `+62…`.
    pub phone: Option<String>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
}

impl From<Patient> for PatientView {
    fn from(p: Patient) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name,
            nik: p.nik,
            bpjs_number: p.bpjs_number,
            phone: p.phone,
            birth_date: p.birth_date,
        }
    }
}

/// Register a patient. Every field is optional; each given one is validated.
#[utoipa::path(post, path = "/api/v1/patients", tag = "patients", security(("bearer" = [])), request_body = PatientInput,
    responses((status = 201, body = PatientView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_patient(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(input): Json<PatientInput>,
) -> Result<(StatusCode, Json<PatientView>), AppError> {
    p.require(Permission::FrontDesk)?;
    let patient = blocking(move || s.node.register_patient(p.actor(), input)).await?;
    Ok((StatusCode::CREATED, Json(patient.into())))
}

/// A patient search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// Part of a name, or a whole NIK, BPJS or phone number.
    pub q: Option<String>,
}

/// Find patients (at most 50).
#[utoipa::path(get, path = "/api/v1/patients", tag = "patients", security(("bearer" = [])), params(PatientQuery),
    responses((status = 200, body = [PatientView]), (status = 403, body = ErrorBody)))]
pub async fn search_patients(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(q): Query<PatientQuery>,
) -> Result<Json<Vec<PatientView>>, AppError> {
    p.require(Permission::ReadPatients)?;
    let found = blocking(move || {
        let found = s.node.search_patients(q.q.as_deref().unwrap_or(""))?;
        // What was searched for may itself be patient data (a NIK, a name): not recorded.
        let mut entry = read_entry("patient_search", found.len());
        if let [only] = found.as_slice() {
            entry.patient = Some(only.id);
        }
        s.node.audit(p.actor(), entry)?;
        Ok(found)
    })
    .await?;
    Ok(Json(found.into_iter().map(PatientView::from).collect()))
}

/// An audit entry for a read that returned `count` records.
fn read_entry(action: &str, count: usize) -> medicloud_core::event::AuditEntry {
    medicloud_core::event::AuditEntry {
        action: action.into(),
        patient: None,
        subject: Some(format!("{count} records")),
        outcome: "ok".into(),
    }
}
