//! The clinic as an Organization (`Organization/{clinic}`) and a Location (its
//! premises, `Location/{clinic}`), its services as HealthcareServices
//! (`HealthcareService/{clinic}.{code}`, named in Bahasa Indonesia with the English
//! name as a translation), and its staff accounts of the clinician role as
//! Practitioners (`Practitioner/{staff id}`: a name and whether the account is active;
//! never a username or a password hash).

use super::{
    ID, Pager, READ_SEARCH, all_groups, granted_clinic, granted_clinics, locate, slice,
    string_matches,
};
use crate::api::State;
use crate::fhir::search::{Search, base_url, reference, token};
use crate::fhir::{Fhir, Outcome, Supported, ids};
use crate::oauth::Grant;
use crate::storage::fhir::Holder;
use crate::storage::{ClinicEntry, Storage};
use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::HeaderMap;
use medicloud_core::domain::{Service, StaffRole, StaffUser};
use medicloud_core::ids::{ClinicId, UserId};
use serde_json::{Value, json};

const ORGANIZATION_PARAMS: &[(&str, &str, &str)] = &[
    ID,
    (
        "name",
        "string",
        "http://hl7.org/fhir/SearchParameter/Organization-name",
    ),
];

/// Organization: the clinic.
pub const ORGANIZATION: Supported = Supported {
    resource: "Organization",
    interactions: READ_SEARCH,
    search: ORGANIZATION_PARAMS,
    operations: &[],
};

/// Location: the clinic's premises.
pub const LOCATION: Supported = Supported {
    resource: "Location",
    interactions: READ_SEARCH,
    search: &[
        ID,
        (
            "organization",
            "reference",
            "http://hl7.org/fhir/SearchParameter/Location-organization",
        ),
    ],
    operations: &[],
};

/// HealthcareService: a service of the clinic (Poli Umum, Laboratorium…).
pub const HEALTHCARE_SERVICE: Supported = Supported {
    resource: "HealthcareService",
    interactions: READ_SEARCH,
    search: &[
        ID,
        (
            "organization",
            "reference",
            "http://hl7.org/fhir/SearchParameter/HealthcareService-organization",
        ),
        (
            "active",
            "token",
            "http://hl7.org/fhir/SearchParameter/HealthcareService-active",
        ),
    ],
    operations: &[],
};

/// Practitioner: a staff account of the clinician role.
pub const PRACTITIONER: Supported = Supported {
    resource: "Practitioner",
    interactions: READ_SEARCH,
    search: &[
        ID,
        (
            "name",
            "string",
            "http://hl7.org/fhir/SearchParameter/Practitioner-name",
        ),
    ],
    operations: &[],
};

/// A reference to the clinic's Organization.
pub(crate) fn organization_ref(clinic: &ClinicEntry) -> Value {
    json!({"reference": format!("Organization/{}", clinic.id), "display": clinic.name})
}

/// A reference to the clinic's Location.
pub(crate) fn location_ref(clinic: &ClinicEntry) -> Value {
    json!({"reference": format!("Location/{}", clinic.id), "display": clinic.name})
}

/// The clinic as an Organization.
pub fn organization(clinic: &ClinicEntry) -> Value {
    json!({
        "resourceType": "Organization",
        "id": clinic.id.to_string(),
        "active": true,
        "type": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
            "code": "prov",
            "display": "Healthcare Provider",
        }]}],
        "name": clinic.name,
    })
}

/// The clinic's premises as a Location.
pub fn location(clinic: &ClinicEntry) -> Value {
    json!({
        "resourceType": "Location",
        "id": clinic.id.to_string(),
        "status": "active",
        "name": clinic.name,
        "mode": "instance",
        "physicalType": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
            "code": "bu",
            "display": "Building",
        }]},
        "managingOrganization": organization_ref(clinic),
    })
}

/// A service of the clinic as a HealthcareService: its name in Bahasa Indonesia, the
/// English one as a translation.
pub fn healthcare_service(clinic: &ClinicEntry, service: &Service) -> Value {
    let mut resource = json!({
        "resourceType": "HealthcareService",
        "id": ids::service(clinic.id, &service.code),
        "language": "id",
        "active": service.active,
        "providedBy": organization_ref(clinic),
        "location": [location_ref(clinic)],
        // The same coding as its Schedule's, Slots' and Appointments' `serviceType`.
        "type": crate::fhir::scheduling::view::service_type(service),
        "name": service.name_id,
        "appointmentRequired": false,
    });
    if !service.name_en.is_empty() && service.name_en != service.name_id {
        resource["_name"] = json!({"extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/translation",
            "extension": [
                {"url": "lang", "valueCode": "en"},
                {"url": "content", "valueString": service.name_en},
            ],
        }]});
    }
    resource
}

/// A clinician's staff account as a Practitioner: its display name only.
pub fn practitioner(staff: &StaffUser) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": staff.id.to_string(),
        "active": staff.active,
        "name": [{"text": staff.display_name}],
    })
}

/// The clinics a search names by its `organization` parameter (all of `clinics` when
/// it names none).
fn of_organization(search: &Search, clinics: Vec<ClinicEntry>) -> Vec<ClinicEntry> {
    clinics
        .into_iter()
        .filter(|c| {
            let id = c.id.to_string();
            all_groups(search, "organization", |v| {
                reference(v, "Organization") == Some(id.as_str())
            })
        })
        .collect()
}

/// Whether the resource's `_id` is one a search asks for.
fn id_matches(search: &Search, id: &str) -> bool {
    all_groups(search, "_id", |v| v == id)
}

/// `GET /Organization`: `_id`, `name`.
pub async fn search_organizations(
    Extract(state): Extract<State>,
    grant: Grant,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Fhir, Outcome> {
    let clinics = granted_clinics(&state, &grant, ORGANIZATION.resource).await?;
    let search = Search::parse(&ORGANIZATION, query.as_deref(), &headers)?;
    let all: Vec<Value> = clinics
        .iter()
        .filter(|c| id_matches(&search, &c.id.to_string()))
        .filter(|c| all_groups(&search, "name", |v| string_matches(&c.name, v)))
        .map(organization)
        .collect();
    let found = slice(
        all,
        crate::storage::fhir::Paging {
            offset: search.offset,
            count: search.count,
        },
    );
    let bundle = search.bundle(&base_url(&state, &headers), found.total, found.items);
    Ok(Fhir::ok(bundle.resource(&base_url(&state, &headers))))
}

/// `GET /Location`: `_id`, `organization`.
pub async fn search_locations(
    Extract(state): Extract<State>,
    grant: Grant,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Fhir, Outcome> {
    let clinics = granted_clinics(&state, &grant, LOCATION.resource).await?;
    let search = Search::parse(&LOCATION, query.as_deref(), &headers)?;
    let all: Vec<Value> = of_organization(&search, clinics)
        .iter()
        .filter(|c| id_matches(&search, &c.id.to_string()))
        .map(location)
        .collect();
    let found = slice(
        all,
        crate::storage::fhir::Paging {
            offset: search.offset,
            count: search.count,
        },
    );
    let base = base_url(&state, &headers);
    Ok(Fhir::ok(
        search
            .bundle(&base, found.total, found.items)
            .resource(&base),
    ))
}

/// `GET /HealthcareService`: `_id`, `organization`, `active`.
pub async fn search_services(
    Extract(state): Extract<State>,
    grant: Grant,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Fhir, Outcome> {
    let clinics = granted_clinics(&state, &grant, HEALTHCARE_SERVICE.resource).await?;
    let search = Search::parse(&HEALTHCARE_SERVICE, query.as_deref(), &headers)?;
    let clinics = of_organization(&search, clinics);
    let mut pager = Pager::new(&search);
    let mut matches = Vec::new();
    for clinic in &clinics {
        let configuration = state.storage.configuration(clinic.id).await?;
        let all = configuration
            .services
            .iter()
            .filter(|s| id_matches(&search, &ids::service(clinic.id, &s.code)))
            .filter(|s| {
                let active = if s.active { "true" } else { "false" };
                all_groups(&search, "active", |v| token(v).1 == active)
            })
            .map(|s| healthcare_service(clinic, s))
            .collect();
        let found = slice(all, pager.paging());
        pager.took(found.total, found.items.len());
        matches.extend(found.items);
    }
    let base = base_url(&state, &headers);
    Ok(Fhir::ok(
        search.bundle(&base, pager.total, matches).resource(&base),
    ))
}

/// `GET /Practitioner`: `_id`, `name`.
pub async fn search_practitioners(
    Extract(state): Extract<State>,
    grant: Grant,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Fhir, Outcome> {
    let clinics = granted_clinics(&state, &grant, PRACTITIONER.resource).await?;
    let search = Search::parse(&PRACTITIONER, query.as_deref(), &headers)?;
    let mut pager = Pager::new(&search);
    let mut matches = Vec::new();
    for clinic in &clinics {
        let configuration = state.storage.configuration(clinic.id).await?;
        let all = clinicians(&configuration.staff)
            .filter(|u| id_matches(&search, &u.id.to_string()))
            .filter(|u| all_groups(&search, "name", |v| string_matches(&u.display_name, v)))
            .map(practitioner)
            .collect();
        let found = slice(all, pager.paging());
        pager.took(found.total, found.items.len());
        matches.extend(found.items);
    }
    let base = base_url(&state, &headers);
    Ok(Fhir::ok(
        search.bundle(&base, pager.total, matches).resource(&base),
    ))
}

/// The staff accounts that are Practitioners: the clinicians.
fn clinicians(staff: &[StaffUser]) -> impl Iterator<Item = &StaffUser> {
    staff.iter().filter(|u| u.role == StaffRole::Clinician)
}

/// The clinic a read names by its id, as registered and granted.
async fn clinic_of_read(
    state: &State,
    grant: &Grant,
    resource: &str,
    id: &str,
) -> Result<ClinicEntry, Outcome> {
    let not_found = || Outcome::not_found(resource, id);
    let clinic: ClinicId = id.parse().map_err(|_| not_found())?;
    granted_clinic(state, grant, resource, clinic, not_found).await
}

/// `GET /Organization/{id}`.
pub async fn read_organization(
    Extract(state): Extract<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let clinic = clinic_of_read(&state, &grant, ORGANIZATION.resource, &id).await?;
    Ok(Fhir::ok(organization(&clinic)))
}

/// `GET /Location/{id}`.
pub async fn read_location(
    Extract(state): Extract<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let clinic = clinic_of_read(&state, &grant, LOCATION.resource, &id).await?;
    Ok(Fhir::ok(location(&clinic)))
}

/// `GET /HealthcareService/{id}`.
pub async fn read_service(
    Extract(state): Extract<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let resource = HEALTHCARE_SERVICE.resource;
    let not_found = || Outcome::not_found(resource, &id);
    let (clinic, code) = ids::parse_service(&id).ok_or_else(not_found)?;
    let clinic = granted_clinic(&state, &grant, resource, clinic, not_found).await?;
    let configuration = state.storage.configuration(clinic.id).await?;
    let service = configuration
        .services
        .iter()
        .find(|s| s.code == code)
        .ok_or_else(not_found)?;
    Ok(Fhir::ok(healthcare_service(&clinic, service)))
}

/// `GET /Practitioner/{id}`.
pub async fn read_practitioner(
    Extract(state): Extract<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let resource = PRACTITIONER.resource;
    let not_found = || Outcome::not_found(resource, &id);
    let user: UserId = id.parse().map_err(|_| not_found())?;
    let clinic = locate(&state, &grant, resource, Holder::Staff, &user.to_string()).await?;
    let configuration = state.storage.configuration(clinic.id).await?;
    let staff = clinicians(&configuration.staff)
        .find(|u| u.id == user)
        .ok_or_else(not_found)?;
    Ok(Fhir::ok(practitioner(staff)))
}
