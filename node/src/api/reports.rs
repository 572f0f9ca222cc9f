//! The clinic's reports, for the admin and the desk: JSON, CSV and XLSX of the same
//! figures (`medicloud_core::report`).

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Query};
use super::{AppState, blocking};
use crate::auth::Permission;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use medicloud_core::report::Summary;
use medicloud_core::report_files;
use serde::Deserialize;

/// The service days a report covers.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportRange {
    /// First clinic-local service day, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date, example = "2026-12-01")]
    pub from: NaiveDate,
    /// Last one, inclusive (at most 400 days after `from`, counting both).
    #[param(value_type = String, format = Date, example = "2026-12-31")]
    pub to: NaiveDate,
}

async fn summary(
    s: AppState,
    p: &crate::auth::Principal,
    range: ReportRange,
) -> Result<Summary, AppError> {
    p.require(Permission::ReadReports)?;
    blocking(move || s.node.report_summary(range.from, range.to)).await
}

/// The report of a range of days: per service and for the whole clinic (issued,
/// served, no-shows, cancelled; waiting time p50/p90/max from the issue or check-in to
/// the first call; service time p50/p90 per finished step; the share called within the
/// service's target wait), tickets by hour and by weekday × hour in the clinic's zone,
/// per counter and per staff member, appointments, and the wait estimate's mean
/// absolute error. Percentiles are nearest-rank. Admin and desk.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", security(("bearer" = [])), params(ReportRange),
    responses((status = 200, body = Summary), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`: a date that is not `YYYY-MM-DD`, `from` after `to`, or more than 400 days", body = ErrorBody)))]
pub async fn summary_json(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(range): Query<ReportRange>,
) -> Result<Json<Summary>, AppError> {
    Ok(Json(summary(s, &p, range).await?))
}

/// A download's headers: its type and a file name with the range in it.
fn download(
    body: impl IntoResponse,
    kind: &'static str,
    range: ReportRange,
    ext: &str,
) -> Response {
    medicloud_edge::attachment(
        body,
        kind,
        &format!("laporan-{}-{}.{ext}", range.from, range.to),
    )
}

/// The same report as CSV: one section per table (a `# name` line, a header row of the
/// JSON's field names, its rows), an empty line between them; the whole clinic is the
/// last row of `per_service`, with its `service` empty.
#[utoipa::path(get, path = "/api/v1/reports/summary.csv", tag = "reports", security(("bearer" = [])), params(ReportRange),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`, as for the JSON", body = ErrorBody)))]
pub async fn summary_csv(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(range): Query<ReportRange>,
) -> Result<Response, AppError> {
    let report = summary(s, &p, range).await?;
    Ok(download(
        report_files::csv(&report),
        report_files::CSV_CONTENT_TYPE,
        range,
        "csv",
    ))
}

/// The same report as an XLSX workbook, one sheet per table of the CSV.
#[utoipa::path(get, path = "/api/v1/reports/summary.xlsx", tag = "reports", security(("bearer" = [])), params(ReportRange),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`, as for the JSON", body = ErrorBody)))]
pub async fn summary_xlsx(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(range): Query<ReportRange>,
) -> Result<Response, AppError> {
    let report = summary(s, &p, range).await?;
    let book = report_files::xlsx(&report).map_err(|e| {
        tracing::error!(error = %e, "the report's workbook could not be written");
        AppError::internal()
    })?;
    Ok(download(
        book,
        report_files::XLSX_CONTENT_TYPE,
        range,
        "xlsx",
    ))
}
