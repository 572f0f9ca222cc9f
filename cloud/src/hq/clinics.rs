//! The chain overview and one clinic's day, read from the cloud's projections
//! ([`crate::overview`], [`crate::projection`]): what the HQ screens show.

use super::{HqAction, HqCaller, HqError};
use crate::api::{Path, State};
use crate::overview::ClinicOverview;
use crate::projection::Configuration;
use crate::storage::Storage;
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use chrono::NaiveDate;
use medicloud_core::domain::{CounterId, ServiceCode, StepId};
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::ids::{ClinicId, TicketId};
use medicloud_core::ticket::{Ticket, TicketStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Every clinic the caller sees, at a glance: waiting now, the longest current wait,
/// served and no-shows today (each clinic's own day), and when its devices were last
/// heard. A manager sees the clinics on the account; the chain admin every clinic.
#[utoipa::path(get, path = "/hq/v1/clinics", tag = "clinics",
    security(("hq_access_token" = [])),
    responses(
        (status = 200, body = [ClinicOverview]),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not see clinics", body = ErrorBody),
    ))]
pub(crate) async fn overview(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
) -> Result<Json<Vec<ClinicOverview>>, HqError> {
    caller.require(HqAction::SeeClinics, None)?;
    let scope = caller.role.scoped().then(|| caller.clinics.clone());
    Ok(Json(state.storage.overview(scope, super::now_ms()).await?))
}

/// Which day of a clinic.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DayQuery {
    /// The clinic-local service day, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date, example = "2027-01-15")]
    date: NaiveDate,
}

/// A ticket as the HQ's read-only queues show it: no patient data.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HqTicket {
    /// Identity.
    pub id: TicketId,
    /// The number the patient holds now.
    pub label: String,
    /// Its service.
    pub service: ServiceCode,
    /// The step of the visit it is at (null: a service of one step).
    pub step: Option<StepId>,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// The counter that called it.
    pub counter: Option<CounterId>,
    /// When it was issued (ms since the epoch).
    pub issued_at_ms: i64,
    /// When it (re-)entered the queue (ms since the epoch).
    pub queued_at_ms: i64,
    /// When it was last called.
    pub called_at_ms: Option<i64>,
    /// When it reached a final state or no-show.
    pub finished_at_ms: Option<i64>,
    /// Whether it checked in an appointment.
    pub appointment: bool,
}

impl From<&Ticket> for HqTicket {
    fn from(t: &Ticket) -> Self {
        Self {
            id: t.id,
            label: t.label().to_owned(),
            service: t.issue.service.clone(),
            step: t.step.clone(),
            status: t.status,
            counter: t.counter.clone(),
            issued_at_ms: t.issued_at_ms,
            queued_at_ms: t.queued_at_ms,
            called_at_ms: t.called_at_ms,
            finished_at_ms: t.finished_at_ms,
            appointment: t.issue.appointment.is_some(),
        }
    }
}

/// A clinic's tickets of one service day, in order of issue (`see_clinic`; a manager:
/// its own clinics only).
#[utoipa::path(get, path = "/hq/v1/clinics/{id}/tickets", tag = "clinics",
    security(("hq_access_token" = [])),
    params(("id" = ClinicId, Path, description = "clinic id"), DayQuery),
    responses(
        (status = 200, body = [HqTicket]),
        (status = 400, description = "`bad_request`: no or no valid `date`", body = ErrorBody),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not see clinics; `clinic_not_on_account`: a manager asking for another clinic", body = ErrorBody),
    ))]
pub(crate) async fn tickets(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    Path(clinic): Path<ClinicId>,
    query: Result<Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<HqTicket>>, HqError> {
    caller.require(HqAction::SeeClinic, Some(clinic))?;
    let Ok(Query(DayQuery { date })) = query else {
        return Err(HqError::code(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ));
    };
    let tickets = state.storage.tickets(clinic, date).await?;
    Ok(Json(tickets.iter().map(HqTicket::from).collect()))
}

/// A clinic's services and counters as its nodes configured them, for the names the
/// HQ screens show (`see_clinic`; a manager: its own clinics only). Staff accounts are
/// not in it.
#[utoipa::path(get, path = "/hq/v1/clinics/{id}/configuration", tag = "clinics",
    security(("hq_access_token" = [])),
    params(("id" = ClinicId, Path, description = "clinic id")),
    responses(
        (status = 200, body = Configuration),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not see clinics; `clinic_not_on_account`: a manager asking for another clinic", body = ErrorBody),
    ))]
pub(crate) async fn configuration(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    Path(clinic): Path<ClinicId>,
) -> Result<Json<Configuration>, HqError> {
    caller.require(HqAction::SeeClinic, Some(clinic))?;
    Ok(Json(state.storage.configuration(clinic).await?))
}
