//! A clinic's reports at the head office: the figures of `medicloud_core::report`, the
//! function the clinic's own node calls, over the cloud's projections of the same
//! events ([`crate::storage::Storage::report_source`]); JSON, CSV and XLSX of the same
//! figures (`medicloud_core::report_files`, the node's writer too).

use super::{HqAction, HqCaller, HqError};
use crate::api::State;
use crate::storage::{Storage, StorageError};
use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::i18n::Text;
use medicloud_core::ids::ClinicId;
use medicloud_core::report::{self, Summary};
use medicloud_core::report_files;
use serde::Deserialize;
use utoipa::IntoParams;

/// Which clinic and which service days a report covers.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportQuery {
    /// The clinic.
    #[param(value_type = String, format = Uuid)]
    clinic: ClinicId,
    /// First clinic-local service day, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date, example = "2026-12-01")]
    from: NaiveDate,
    /// Last one, inclusive (at most 400 days after `from`, counting both).
    #[param(value_type = String, format = Date, example = "2026-12-31")]
    to: NaiveDate,
}

async fn summary(
    state: &State,
    caller: &HqCaller,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<(ReportQuery, Summary), HqError> {
    // The role first: a caller who may read no report learns nothing of the query.
    caller.require(HqAction::ReadReports, None)?;
    let Query(q) = query.map_err(|_| {
        HqError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "clinic, from dan to harus diisi: id klinik dan tanggal YYYY-MM-DD.",
                "clinic, from and to are required: a clinic id and YYYY-MM-DD dates.",
            ),
        )
    })?;
    caller.require(HqAction::ReadReports, Some(q.clinic))?;
    report::check_range(q.from, q.to)?;
    let summary = clinic_summary(&*state.storage, q.clinic, q.from, q.to, super::now_ms()).await?;
    Ok((q, summary))
}

/// The report of `clinic`'s service days `from..=to` as of `now_ms`: read from the
/// kept day facts and the other days' tickets ([`Storage::report_source`]), computed
/// off the async workers, and the facts it computed kept for the next report
/// ([`Storage::keep_report_days`]; a failure to keep them changes no figure).
pub async fn clinic_summary(
    storage: &impl Storage,
    clinic: ClinicId,
    from: NaiveDate,
    to: NaiveDate,
    now_ms: i64,
) -> Result<Summary, StorageError> {
    let source = storage.report_source(clinic, from, to).await?;
    let basis = report::Facts::basis(source.time_zone);
    let (summary, computed) = tokio::task::spawn_blocking(move || source.summary(from, to, now_ms))
        .await
        .map_err(|e| StorageError::Database(format!("the report's computation: {e}")))?;
    if !computed.is_empty()
        && let Err(e) = storage.keep_report_days(clinic, basis, computed).await
    {
        tracing::warn!(error = %e, "a report's day facts could not be kept");
    }
    Ok(summary)
}

/// A clinic's report of a range of days — the same figures, by the same definitions,
/// as the clinic's node gives for the same events (`GET /api/v1/reports/summary`):
/// per service and for the whole clinic (issued, served, no-shows, cancelled; waiting
/// time p50/p90/max; service time p50/p90; the share called within the service's
/// target wait), by hour and weekday × hour in the clinic's zone, per counter and per
/// staff member, appointments, the wait estimate's mean absolute error. `read_reports`;
/// a manager: the clinics on the account only.
#[utoipa::path(get, path = "/hq/v1/reports/summary", tag = "reports",
    security(("hq_access_token" = [])),
    params(ReportQuery),
    responses(
        (status = 200, body = Summary),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read reports; `clinic_not_on_account`: a manager asking for another clinic", body = ErrorBody),
        (status = 422, description = "`validation_failed`: no clinic, a date that is not `YYYY-MM-DD`, `from` after `to`, or more than 400 days", body = ErrorBody),
    ))]
pub(crate) async fn summary_json(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Summary>, HqError> {
    Ok(Json(summary(&state, &caller, query).await?.1))
}

/// A download's headers: its type and a file name with the clinic and range in it.
fn download(body: impl IntoResponse, kind: &'static str, q: ReportQuery, ext: &str) -> Response {
    medicloud_edge::attachment(
        body,
        kind,
        &format!("laporan-{}-{}-{}.{ext}", q.clinic, q.from, q.to),
    )
}

/// The same report as CSV, in the node's layout: one section per table (a `# name`
/// line, a header row of the JSON's field names, its rows), an empty line between them.
#[utoipa::path(get, path = "/hq/v1/reports/summary.csv", tag = "reports",
    security(("hq_access_token" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "text/csv", content_type = "text/csv", body = String),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden` or `clinic_not_on_account`", body = ErrorBody),
        (status = 422, description = "`validation_failed`", body = ErrorBody),
    ))]
pub(crate) async fn summary_csv(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, HqError> {
    let (q, report) = summary(&state, &caller, query).await?;
    Ok(download(
        report_files::csv(&report),
        report_files::CSV_CONTENT_TYPE,
        q,
        "csv",
    ))
}

/// The same report as an XLSX workbook: one sheet per table, named as the JSON field.
#[utoipa::path(get, path = "/hq/v1/reports/summary.xlsx", tag = "reports",
    security(("hq_access_token" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "an XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden` or `clinic_not_on_account`", body = ErrorBody),
        (status = 422, description = "`validation_failed`", body = ErrorBody),
    ))]
pub(crate) async fn summary_xlsx(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, HqError> {
    let (q, report) = summary(&state, &caller, query).await?;
    let book = report_files::xlsx(&report).map_err(|e| {
        tracing::error!(error = %e, "the report's workbook could not be written");
        HqError::code(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
    })?;
    Ok(download(book, report_files::XLSX_CONTENT_TYPE, q, "xlsx"))
}
