//! Appointments and patients (front desk).

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Query};
use super::{AppState, blocking};
use crate::auth::Permission;
use crate::ops::{AppointmentView, NewAppointment};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use medicloud_core::domain::{Patient, PatientInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Book an appointment; the answer carries its booking code.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "appointments", security(("bearer" = [])),
    request_body = NewAppointment,
    responses((status = 201, body = AppointmentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
