//! `Appointment`: the bookings of the cloud's appointments projection, as they stand.
//! Read; search by `_id`, `patient`, `identifier` (the booking code, `system|value` or
//! the value alone), `date` (the start, prefixes `eq`, `ge`, `gt`, `le`, `lt`),
//! `status` and `service-type`; cancel by `PUT` of the Appointment with `status:
//! cancelled` or `PATCH` with the JSON Patch `[{"op": "replace", "path": "/status",
//! "value": "cancelled"}]`.
//!
//! An appointment's id names no clinic: it is looked for among the clinics the client
//! is granted, so another clinic's appointment is a 404, as one that does not exist.
//! A cancellation goes through the booking module ([`booking::cancel_by_id`]): an
//! `appointment_cancelled` event of the clinic's cloud origin, which frees the place
//! and reaches the clinic's nodes by sync. Cancelling a cancelled appointment answers it
//! as it stands; one checked in at the clinic is the clinic's to change (422).

use super::params::{Window, any_of};
use super::{SERVICE_TYPE_SYSTEM, SUPPORTED, Site, answer, sites, view};
use crate::api::{State, now_ms};
use crate::booking::{self, BookingError};
use crate::fhir::search::{Search, base_url, reference, token};
use crate::fhir::{BOOKING_CODE_SYSTEM, Fhir, IssueType, Outcome};
use crate::oauth::{Access, Grant, audit_read};
use crate::storage::SchedulingStorage;
use crate::storage::scheduling::{AppointmentFilter, AppointmentRecord, MOST_VALUES};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use medicloud_core::appointment::normalise_code;
use medicloud_core::domain::ServiceCode;
use medicloud_core::ids::{AppointmentId, ClinicId};
use serde_json::Value;

/// The Appointment statuses of R4 (this API shows five of them).
const STATUSES: &[&str] = &[
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
];

/// The appointments of `filter` at each of `clinics`, with their sites.
async fn records(
    state: &State,
    clinics: &[ClinicId],
    filter: impl Fn(&Site) -> AppointmentFilter,
) -> Result<Vec<(Site, Vec<AppointmentRecord>)>, Outcome> {
    let sites = sites(state, clinics).await?;
    let found = futures::future::try_join_all(
        sites
            .iter()
            .map(|site| state.storage.appointment_records(site.id(), filter(site))),
    )
    .await?;
    Ok(sites.into_iter().zip(found).collect())
}

/// The appointment `id` among the clinics the client is granted.
async fn find(
    state: &State,
    grant: &Grant,
    id: &str,
) -> Result<(Site, AppointmentRecord), Outcome> {
    let not_found = || Outcome::not_found("Appointment", id);
    let appointment: AppointmentId = id.parse().map_err(|_| not_found())?;
    let filter = |_: &Site| AppointmentFilter {
        ids: vec![appointment],
        ..AppointmentFilter::default()
    };
    records(state, &grant.clinics, filter)
        .await?
        .into_iter()
        .find_map(|(site, mut found)| Some((site, found.pop()?)))
        .ok_or_else(not_found)
}

/// `GET Appointment/{id}`.
pub async fn read(
    Shared(state): Shared<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Read)?;
    let (site, record) = find(&state, &grant, &id).await?;
    grant.check("Appointment", Access::Read, site.id())?;
    audit_read(&state, &grant, site.id(), "Appointment", &[id]).await?;
    Ok(Fhir::ok(view::appointment(&site, &record, now_ms())))
}

/// The values of `name` read by `parse` (those that do not read match nothing), at
/// most [`MOST_VALUES`].
fn values<T>(
    search: &Search,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<Vec<T>>, Outcome> {
    let Some(given) = any_of(search, name) else {
        return Ok(None);
    };
    if given.len() > MOST_VALUES {
        return Err(Outcome::invalid(format!(
            "{name}: at most {MOST_VALUES} values"
        )));
    }
    Ok(Some(given.iter().filter_map(|v| parse(v)).collect()))
}

/// The earliest and latest day a filter reads when a bound is missing.
fn any_day() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
    )
}

/// `GET Appointment?…`: the matches in start order across the clinics granted.
pub async fn search(
    Shared(state): Shared<State>,
    grant: Grant,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Read)?;
    let search = Search::parse(&SUPPORTED[2], query.as_deref(), &headers)?;
    let ids = values(&search, "_id", |v| v.parse::<AppointmentId>().ok())?;
    let patients = values(&search, "patient", |v| {
        reference(v, "Patient")?.parse().ok()
    })?;
    let codes = values(&search, "identifier", |v| match token(v) {
        (None, code) => Some(normalise_code(code)),
        (Some(system), code) if system == BOOKING_CODE_SYSTEM => Some(normalise_code(code)),
        _ => None,
    })?;
    let services = values(&search, "service-type", |v| match token(v) {
        (None, code) => ServiceCode::parse(code).ok(),
        (Some(system), code) if system == SERVICE_TYPE_SYSTEM => ServiceCode::parse(code).ok(),
        _ => None,
    })?;
    let window = Window::of(&search, "date")?;
    let statuses = any_of(&search, "status");
    if let Some(bad) = statuses
        .iter()
        .flatten()
        .find(|s| !STATUSES.contains(&s.as_str()))
    {
        return Err(Outcome::invalid(format!(
            "status: {bad:?} is not an Appointment status ({})",
            STATUSES.join(", ")
        )));
    }
    // A list given whose values all fail to read matches nothing.
    let none_can_match = [
        ids.as_ref().map(Vec::is_empty),
        patients.as_ref().map(Vec::is_empty),
        codes.as_ref().map(Vec::is_empty),
        services.as_ref().map(Vec::is_empty),
    ]
    .contains(&Some(true));
    let clinics = if none_can_match {
        Vec::new()
    } else {
        grant.clinics.clone()
    };
    let live_only = statuses
        .as_ref()
        .is_some_and(|s| !s.iter().any(|s| s == "cancelled"));
    let filter = |site: &Site| {
        let (from, before) = window.resolve(site.zone);
        let local = |t: DateTime<Utc>| t.with_timezone(&site.zone).date_naive();
        let days = (!window.is_empty()).then(|| {
            (
                from.map_or(any_day().0, local),
                before.map_or(any_day().1, |b| local(b - Duration::nanoseconds(1))),
            )
        });
        AppointmentFilter {
            ids: ids.clone().unwrap_or_default(),
            codes: codes.clone().unwrap_or_default(),
            patients: patients.clone().unwrap_or_default(),
            days,
            services: services.clone().unwrap_or_default(),
            cancelled: live_only.then_some(false),
        }
    };
    let found = records(&state, &clinics, filter).await?;
    let now = now_ms();
    let mut matches: Vec<(&Site, &AppointmentRecord, DateTime<Utc>)> = Vec::new();
    for (site, records) in &found {
        let (from, before) = window.resolve(site.zone);
        for record in records {
            let start = view::when(site, &record.appointment.appointment)
                .0
                .with_timezone(&Utc);
            let status = view::status(record, site, now);
            if from.is_none_or(|f| start >= f)
                && before.is_none_or(|b| start < b)
                && statuses
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == status))
            {
                matches.push((site, record, start));
            }
        }
    }
    matches.sort_by(|a, b| {
        a.2.cmp(&b.2).then_with(|| {
            a.1.appointment
                .appointment
                .id
                .cmp(&b.1.appointment.appointment.id)
        })
    });
    let total = matches.len();
    let page: Vec<_> = matches
        .into_iter()
        .skip(search.offset)
        .take(search.count)
        .collect();
    for (site, _) in &found {
        let read: Vec<String> = page
            .iter()
            .filter(|(s, ..)| s.id() == site.id())
            .map(|(_, r, _)| r.appointment.appointment.id.to_string())
            .collect();
        if !read.is_empty() {
            audit_read(&state, &grant, site.id(), "Appointment", &read).await?;
        }
    }
    let resources = page
        .iter()
        .map(|(site, record, _)| view::appointment(site, record, now))
        .collect();
    Ok(answer(
        &search,
        &base_url(&state, &headers),
        total,
        resources,
    ))
}

/// 422 `processing` saying `why`.
fn refused(why: impl Into<String>) -> Outcome {
    Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, IssueType::Processing, why)
}

/// 415 unless the request's body is one of `types`.
fn body_type(headers: &HeaderMap, types: &[&str]) -> Result<(), Outcome> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if given.as_deref().is_some_and(|g| types.contains(&g)) {
        return Ok(());
    }
    Err(Outcome::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        IssueType::NotSupported,
        format!("send the body as {}", types.join(" or ")),
    ))
}

/// The body as JSON, or 400.
pub(super) fn json_body(body: &Bytes) -> Result<Value, Outcome> {
    serde_json::from_slice(body).map_err(|_| Outcome::invalid("the body is not JSON"))
}

/// The fields of `sent` that differ from `served` (the Appointment as this API shows
/// it), its status, `cancelationReason`, `meta` and `text` aside; times compared as
/// instants.
fn differences(served: &Value, sent: &Value) -> Vec<String> {
    const FREE: &[&str] = &["status", "cancelationReason", "meta", "text"];
    let (Some(served), Some(sent)) = (served.as_object(), sent.as_object()) else {
        return vec!["the resource".into()];
    };
    let instant = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    };
    let mut fields: Vec<&String> = served.keys().chain(sent.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| !FREE.contains(&f.as_str()))
        .filter(|f| match f.as_str() {
            "start" | "end" => {
                let (a, b) = (instant(served.get(*f)), instant(sent.get(*f)));
                a.is_none() || a != b
            }
            _ => served.get(*f) != sent.get(*f),
        })
        .cloned()
        .collect()
}

/// Sets the appointment `id` to `status` for the client (only `cancelled` is a
/// change this API makes), and answers it as it then stands.
async fn set_status(
    state: &State,
    grant: &Grant,
    (site, record): (Site, AppointmentRecord),
    status: &str,
    reason: Option<String>,
) -> Result<Fhir, Outcome> {
    let clinic = site.id();
    grant.check("Appointment", Access::Write, clinic)?;
    let id = record.appointment.appointment.id;
    let now = now_ms();
    let current = view::status(&record, &site, now);
    if status != current {
        if status != "cancelled" {
            return Err(refused(format!(
                "status: an Appointment's status may only be set to cancelled here (it is \
                 {current}); the clinic records arrivals and visits"
            )));
        }
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| format!("dibatalkan melalui FHIR oleh {}", grant.client));
        match booking::cancel_by_id(&*state.storage, clinic, id, reason, now).await {
            Ok(_) | Err(BookingError::Cancelled) => {}
            Err(BookingError::AlreadyCheckedIn) => {
                return Err(refused(
                    "the patient is checked in at the clinic: the clinic changes the \
                     appointment now",
                ));
            }
            Err(BookingError::NotFound(_)) => {
                return Err(Outcome::not_found("Appointment", &id.to_string()));
            }
            Err(BookingError::Storage(e)) => return Err(e.into()),
            Err(other) => return Err(refused(other.to_string())),
        }
    }
    let filter = AppointmentFilter {
        ids: vec![id],
        ..AppointmentFilter::default()
    };
    let record = state
        .storage
        .appointment_records(clinic, filter)
        .await?
        .pop()
        .ok_or_else(|| Outcome::not_found("Appointment", &id.to_string()))?;
    audit_read(state, grant, clinic, "Appointment", &[id.to_string()]).await?;
    Ok(Fhir::ok(view::appointment(&site, &record, now_ms())))
}

/// `PUT Appointment/{id}`: the Appointment as served with `status: cancelled` (and
/// optionally a `cancelationReason` text) cancels it; any other change is refused
/// (422, naming the fields).
pub async fn update(
    Shared(state): Shared<State>,
    grant: Grant,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Write)?;
    body_type(&headers, &["application/fhir+json", "application/json"])?;
    let sent = json_body(&body)?;
    if sent["resourceType"] != "Appointment" {
        return Err(Outcome::invalid("the body is not an Appointment"));
    }
    if sent["id"].as_str() != Some(id.as_str()) {
        return Err(Outcome::invalid(
            "the Appointment's id must be the one in the URL",
        ));
    }
    let status = sent["status"]
        .as_str()
        .ok_or_else(|| refused("status: an Appointment has a status"))?
        .to_owned();
    let (site, record) = find(&state, &grant, &id).await?;
    let served = view::appointment(&site, &record, now_ms());
    let changed = differences(&served, &sent);
    if !changed.is_empty() {
        return Err(refused(format!(
            "only the status may change (to cancelled), not {}",
            changed.join(", ")
        )));
    }
    let reason = sent["cancelationReason"]["text"]
        .as_str()
        .map(str::to_owned);
    set_status(&state, &grant, (site, record), &status, reason).await
}

/// `PATCH Appointment/{id}` with a JSON Patch (`application/json-patch+json`): `replace`
/// of `/status` with `cancelled` cancels it; `test` operations are checked against the
/// Appointment as served; any other operation is refused (422).
pub async fn patch(
    Shared(state): Shared<State>,
    grant: Grant,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Write)?;
    body_type(&headers, &["application/json-patch+json"])?;
    let operations = json_body(&body)?;
    let operations = operations
        .as_array()
        .ok_or_else(|| Outcome::invalid("a JSON Patch is an array of operations"))?;
    let (site, record) = find(&state, &grant, &id).await?;
    let served = view::appointment(&site, &record, now_ms());
    let mut status = None;
    for op in operations {
        let (kind, path) = (op["op"].as_str(), op["path"].as_str());
        match (kind, path) {
            (Some("test"), Some(path)) => {
                if served.pointer(path) != op.get("value") {
                    return Err(refused(format!("the test of {path} failed")));
                }
            }
            (Some("replace"), Some("/status")) if op["value"] == "cancelled" => {
                status = Some("cancelled");
            }
            (Some(kind), Some(path)) => {
                return Err(refused(format!(
                    "only replace of /status with cancelled is supported, not {kind} of {path}"
                )));
            }
            _ => return Err(Outcome::invalid("each operation has an op and a path")),
        }
    }
    let status = status.unwrap_or_else(|| view::status(&record, &site, now_ms()));
    let status = status.to_owned();
    set_status(&state, &grant, (site, record), &status, None).await
}
