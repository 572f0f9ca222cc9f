//! Registered patients (the `patients` projection) as Patients, `Patient/{patient id}`:
//! the NIK (SATUSEHAT's system, [`NIK_SYSTEM`]) and the BPJS card number
//! ([`BPJS_SYSTEM`]) as identifiers, the name, the mobile number, the date of birth,
//! and the clinic that registered them as `managingOrganization`. Every answer that
//! holds patients is put on the client's audit trail, per clinic.

use super::{ID, Pager, READ_SEARCH, audited_answer, granted_clinics, locate};
use crate::api::State;
use crate::fhir::search::{DateParam, Prefix, Search, token};
use crate::fhir::{BPJS_SYSTEM, Fhir, NIK_SYSTEM, Outcome, Supported};
use crate::oauth::{self, Grant};
use crate::storage::ClinicEntry;
use crate::storage::fhir::{FhirStorage, Holder, Paging, PatientMatch, StoredPatient};
use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::HeaderMap;
use medicloud_core::ids::PatientId;
use serde_json::{Value, json};

/// Patient: a registered patient.
pub const PATIENT: Supported = Supported {
    resource: "Patient",
    interactions: READ_SEARCH,
    search: &[
        ID,
        (
            "identifier",
            "token",
            "http://hl7.org/fhir/SearchParameter/Patient-identifier",
        ),
        (
            "name",
            "string",
            "http://hl7.org/fhir/SearchParameter/Patient-name",
        ),
        (
            "birthdate",
            "date",
            "http://hl7.org/fhir/SearchParameter/individual-birthdate",
        ),
    ],
    operations: &[],
};

/// `at_ms` as a FHIR instant in UTC, to the millisecond.
pub(crate) fn utc_instant(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A registered patient of `clinic` as a Patient.
pub fn patient(clinic: &ClinicEntry, stored: &StoredPatient) -> Value {
    let p = &stored.patient;
    let mut resource = json!({
        "resourceType": "Patient",
        "id": p.id.to_string(),
        "meta": {"lastUpdated": utc_instant(stored.updated_ms)},
        "managingOrganization": super::clinic::organization_ref(clinic),
    });
    let mut identifier = Vec::new();
    if let Some(nik) = &p.nik {
        identifier.push(json!({"use": "official", "system": NIK_SYSTEM, "value": nik}));
    }
    if let Some(bpjs) = &p.bpjs_number {
        identifier.push(json!({"use": "secondary", "system": BPJS_SYSTEM, "value": bpjs}));
    }
    if !identifier.is_empty() {
        resource["identifier"] = Value::Array(identifier);
    }
    if let Some(name) = &p.name {
        resource["name"] = json!([{"use": "official", "text": name}]);
    }
    if let Some(phone) = &p.phone {
        resource["telecom"] = json!([{"system": "phone", "value": phone, "use": "mobile"}]);
    }
    if let Some(born) = p.birth_date {
        resource["birthDate"] = json!(born.to_string());
    }
    resource
}

/// What a patient search asks, as the storage's matches: every group must hold.
fn filter(search: &Search) -> Result<Vec<Vec<PatientMatch>>, Outcome> {
    let mut groups = Vec::new();
    for group in search.groups("_id") {
        groups.push(group.into_iter().map(PatientMatch::Id).collect());
    }
    for group in search.groups("identifier") {
        groups.push(
            group
                .iter()
                .map(|v| match token(v) {
                    (None, value) => PatientMatch::NikOrBpjs(value.to_owned()),
                    (Some(NIK_SYSTEM), value) => PatientMatch::Nik(value.to_owned()),
                    (Some(BPJS_SYSTEM), value) => PatientMatch::Bpjs(value.to_owned()),
                    (Some(_), _) => PatientMatch::Never,
                })
                .collect(),
        );
    }
    for group in search.groups("name") {
        groups.push(group.into_iter().map(PatientMatch::Name).collect());
    }
    for group in search.groups("birthdate") {
        let mut alternatives = Vec::new();
        for value in group {
            let date = DateParam::parse(&value)?;
            let (first, after) = date.days();
            let (first, after) = (Some(first.to_string()), Some(after.to_string()));
            let (from, until, outside) = match date.prefix {
                Prefix::Eq => (first, after, false),
                Prefix::Ne => (first, after, true),
                Prefix::Gt | Prefix::Sa => (after, None, false),
                Prefix::Lt | Prefix::Eb => (None, first, false),
                Prefix::Ge => (first, None, false),
                Prefix::Le => (None, after, false),
            };
            alternatives.push(PatientMatch::Born {
                from,
                until,
                outside,
            });
        }
        groups.push(alternatives);
    }
    Ok(groups)
}

/// `GET /Patient`: `_id`, `identifier` (`system|value` or the value alone: the NIK or
/// the BPJS number), `name`, `birthdate`.
pub async fn search(
    Extract(state): Extract<State>,
    grant: Grant,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Fhir, Outcome> {
    let clinics = granted_clinics(&state, &grant, PATIENT.resource).await?;
    let search = Search::parse(&PATIENT, query.as_deref(), &headers)?;
    let matches = filter(&search)?;
    let mut pager = Pager::new(&search);
    let mut page = Vec::new();
    for clinic in &clinics {
        let found = state
            .storage
            .patients(clinic.id, matches.clone(), pager.paging())
            .await?;
        pager.took(found.total, found.items.len());
        page.extend(found.items.iter().map(|p| (clinic.id, patient(clinic, p))));
    }
    audited_answer(&state, &grant, &headers, &search, pager.total, page).await
}

/// `GET /Patient/{id}`.
pub async fn read(
    Extract(state): Extract<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let resource = PATIENT.resource;
    let not_found = || Outcome::not_found(resource, &id);
    let patient_id: PatientId = id.parse().map_err(|_| not_found())?;
    let id = patient_id.to_string();
    let clinic = locate(&state, &grant, resource, Holder::Patient, &id).await?;
    let found = state
        .storage
        .patients(
            clinic.id,
            vec![vec![PatientMatch::Id(id.clone())]],
            Paging {
                offset: 0,
                count: 1,
            },
        )
        .await?;
    let stored = found
        .items
        .first()
        .ok_or_else(|| Outcome::not_found(resource, &id))?;
    oauth::audit_read(
        &state,
        &grant,
        clinic.id,
        resource,
        std::slice::from_ref(&id),
    )
    .await?;
    Ok(Fhir::ok(patient(&clinic, stored)))
}
