//! Read and search of Organization, Location, HealthcareService, Practitioner, Patient
//! and Encounter, and `GET /metadata`.
//!
//! - [`clinic`]: the clinic as an Organization and a Location, its services as
//!   HealthcareServices, its clinicians as Practitioners — from the clinic's
//!   registration and the configuration its nodes last set.
//! - [`patient`]: the `patients` projection as Patients.
//! - [`encounter`]: each visit (the tickets of one journey through the clinic's
//!   services) as an Encounter.
//! - [`metadata`]: the CapabilityStatement, made from [`super::supported`].
//!
//! Every handler takes the client's [`Grant`], refuses (403) a type its scopes do not
//! read, and reads only the clinics it is granted: a read of another clinic's
//! resource is a 403, a search never returns another clinic's rows. A search runs
//! clinic by clinic (each query scoped by one clinic), in the order of the clinics'
//! ids, and a page that spans two clinics takes the end of one and the start of the
//! next (`Pager`).

pub mod clinic;
pub mod encounter;
pub mod metadata;
pub mod patient;

use super::search::Search;
use super::{Outcome, Supported};
use crate::api::State;
use crate::oauth::{Access, Grant};
use crate::storage::fhir::{FhirStorage, Found, Holder, Paging};
use crate::storage::{ClinicEntry, Storage};
use axum::Router;
use axum::routing::get;
use medicloud_core::ids::ClinicId;
use serde_json::Value;

/// The interactions every type here serves.
pub(crate) const READ_SEARCH: &[&str] = &["read", "search-type"];

/// `_id`, which every type here searches by.
pub(crate) const ID: (&str, &str, &str) = (
    "_id",
    "token",
    "http://hl7.org/fhir/SearchParameter/Resource-id",
);

/// The resource types this module serves.
pub const SUPPORTED: &[Supported] = &[
    clinic::ORGANIZATION,
    clinic::LOCATION,
    clinic::HEALTHCARE_SERVICE,
    clinic::PRACTITIONER,
    patient::PATIENT,
    encounter::ENCOUNTER,
];

/// Its routes.
pub fn routes() -> Router<State> {
    Router::new()
        .route("/metadata", get(metadata::capability_statement))
        .route("/Organization", get(clinic::search_organizations))
        .route("/Organization/{id}", get(clinic::read_organization))
        .route("/Location", get(clinic::search_locations))
        .route("/Location/{id}", get(clinic::read_location))
        .route("/HealthcareService", get(clinic::search_services))
        .route("/HealthcareService/{id}", get(clinic::read_service))
        .route("/Practitioner", get(clinic::search_practitioners))
        .route("/Practitioner/{id}", get(clinic::read_practitioner))
        .route("/Patient", get(patient::search))
        .route("/Patient/{id}", get(patient::read))
        .route("/Encounter", get(encounter::search))
        .route("/Encounter/{id}", get(encounter::read))
}

/// The clinics a search of `resource` reads: those the client is granted (403 when no
/// scope reads the type), as registered, by id.
pub(crate) async fn granted_clinics(
    state: &State,
    grant: &Grant,
    resource: &str,
) -> Result<Vec<ClinicEntry>, Outcome> {
    grant.require(resource, Access::Read)?;
    let mut clinics = state
        .storage
        .clinic_list(Some(grant.clinics.clone()))
        .await?;
    clinics.sort_by_key(|c| c.id);
    Ok(clinics)
}

/// The registered clinic `id` for a read of `resource` in it: 404 when there is none,
/// 403 when the client is not granted it (or no scope reads the type).
pub(crate) async fn granted_clinic(
    state: &State,
    grant: &Grant,
    resource: &str,
    id: ClinicId,
    not_found: impl FnOnce() -> Outcome,
) -> Result<ClinicEntry, Outcome> {
    grant.require(resource, Access::Read)?;
    let clinic = state
        .storage
        .clinic_list(Some(vec![id]))
        .await?
        .into_iter()
        .next()
        .ok_or_else(not_found)?;
    grant.check(resource, Access::Read, id)?;
    Ok(clinic)
}

/// The registered clinic that holds the patient, visit or staff account `id` (of
/// `holder`) a read of `resource` names: 404 when none does, 403 when only clinics the
/// client is not granted do (or no scope reads the type).
pub(crate) async fn locate(
    state: &State,
    grant: &Grant,
    resource: &str,
    holder: Holder,
    id: &str,
) -> Result<ClinicEntry, Outcome> {
    grant.require(resource, Access::Read)?;
    let not_found = || Outcome::not_found(resource, id);
    let holders = state.storage.clinics_holding(holder, id.to_owned()).await?;
    let Some(first) = holders.first() else {
        return Err(not_found());
    };
    let Some(clinic) = holders.iter().copied().find(|c| grant.reaches(*c)) else {
        return Err(grant
            .check(resource, Access::Read, *first)
            .err()
            .unwrap_or_else(not_found));
    };
    state
        .storage
        .clinic_list(Some(vec![clinic]))
        .await?
        .into_iter()
        .next()
        .ok_or_else(not_found)
}

/// The page a search asks for, across clinics taken in order: each clinic is asked (in
/// a query scoped to it) for the part of the page it holds ([`Pager::paging`]) and for
/// its count ([`Pager::took`]).
#[derive(Debug)]
pub(crate) struct Pager {
    skip: usize,
    room: usize,
    /// How many match in the clinics asked so far.
    pub total: usize,
}

impl Pager {
    /// The page `search` asks for.
    pub fn new(search: &Search) -> Self {
        Self {
            skip: search.offset,
            room: search.count,
            total: 0,
        }
    }

    /// What to ask the next clinic for.
    pub fn paging(&self) -> Paging {
        Paging {
            offset: self.skip,
            count: self.room,
        }
    }

    /// The next clinic has `total` matches and gave `taken` of them.
    pub fn took(&mut self, total: usize, taken: usize) {
        self.total += total;
        self.skip = self.skip.saturating_sub(total);
        self.room = self.room.saturating_sub(taken);
    }
}

/// The page `paging` of `all` (one clinic's matches, in order), and their count.
pub(crate) fn slice(all: Vec<Value>, paging: Paging) -> Found<Value> {
    Found {
        total: all.len(),
        items: all
            .into_iter()
            .skip(paging.offset)
            .take(paging.count)
            .collect(),
    }
}

/// A search's page of patient data as its answer: each clinic's resources on the
/// client's trail of API reads first (as the search's resource type), then the
/// searchset Bundle of `total` matches.
pub(crate) async fn audited_answer(
    state: &State,
    grant: &Grant,
    headers: &axum::http::HeaderMap,
    search: &Search,
    total: usize,
    page: Vec<(ClinicId, Value)>,
) -> Result<super::Fhir, Outcome> {
    for clinic in clinics_of(&page) {
        let ids = ids_of(&page, clinic);
        crate::oauth::audit_read(state, grant, clinic, search.resource, &ids).await?;
    }
    let base = super::search::base_url(state, headers);
    let resources = page.into_iter().map(|(_, r)| r).collect();
    Ok(super::Fhir::ok(
        search.bundle(&base, total, resources).resource(&base),
    ))
}

/// The ids of the resources of `clinic` among `page`.
fn ids_of(page: &[(ClinicId, Value)], clinic: ClinicId) -> Vec<String> {
    page.iter()
        .filter(|(c, _)| *c == clinic)
        .filter_map(|(_, r)| r["id"].as_str().map(str::to_owned))
        .collect()
}

/// The clinics among `page`, each once, in order.
fn clinics_of(page: &[(ClinicId, Value)]) -> Vec<ClinicId> {
    let mut clinics: Vec<ClinicId> = page.iter().map(|(c, _)| *c).collect();
    clinics.dedup();
    clinics
}

/// `at_ms` as a FHIR instant in `zone`, to the second: `2027-01-15T08:30:00+07:00`.
pub(crate) fn instant(at_ms: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A clinic's time zone as its entry names it.
pub(crate) fn zone_of(clinic: &ClinicEntry) -> chrono_tz::Tz {
    clinic
        .time_zone
        .parse()
        .unwrap_or(crate::projection::DEFAULT_TIME_ZONE)
}

/// Whether a token parameter's value `value` names `code` (of `system`, when it names
/// one).
pub(crate) fn token_is(value: &str, system: &str, code: &str) -> bool {
    match super::search::token(value) {
        (Some(s), c) => s == system && c == code,
        (None, c) => c == code,
    }
}

/// Whether a string parameter's value matches `text` as FHIR's string search does: a
/// word of it starts with the value, ignoring case.
pub(crate) fn string_matches(text: &str, value: &str) -> bool {
    let text = crate::projection::name_key(text);
    let value = crate::projection::name_key(value);
    text.starts_with(&value) || text.contains(&format!(" {value}"))
}

/// Whether every time `name` was given one of its values holds of a resource
/// (`holds`).
pub(crate) fn all_groups(search: &Search, name: &str, holds: impl Fn(&str) -> bool) -> bool {
    search
        .groups(name)
        .iter()
        .all(|group| group.iter().any(|v| holds(v)))
}
