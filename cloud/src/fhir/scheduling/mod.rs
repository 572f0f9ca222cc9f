//! Schedule, Slot and Appointment; `Appointment/$find` and `Appointment/$book` (IHE ITI
//! Scheduling, ITI-115 and ITI-117); cancelling by status; the SMART Scheduling Links
//! publication (`$bulk-publish`).
//!
//! | route | what | scope |
//! |---|---|---|
//! | `GET Schedule/{id}`, `GET Schedule?…` | a service's schedule ([`schedule`]) | `system/Schedule.read` |
//! | `GET Slot/{id}`, `GET Slot?schedule=…` | its slots, computed ([`slot`]) | `system/Slot.read` |
//! | `GET Appointment/{id}`, `GET Appointment?…` | the bookings ([`appointment`]) | `system/Appointment.read` |
//! | `PUT`, `PATCH Appointment/{id}` | cancelling (status `cancelled`) | `system/Appointment.write` |
//! | `GET`, `POST Appointment/$find` | free slots as `proposed` Appointments ([`operation`]) | `system/Appointment.read` |
//! | `POST Appointment/$book` | books one through the online share | `system/Appointment.write` |
//! | `GET $bulk-publish`, its files | SMART Scheduling Links ([`publish`]) | public |
//!
//! **What is offered.** Slots are a pure function of each service's schedule
//! ([`medicloud_core::schedule::Schedule::slots`]) and its live bookings
//! ([`medicloud_core::schedule::fill`]): no slot row is stored. A Slot is `free` when
//! its *online share* has a place left, since that is all another system can book: the
//! cloud books only the online share ([`crate::booking::book_online`], under the
//! clinic's lock, so two replicas never overbook it), and the desk's places stay the
//! clinic's to give (at the desk, offline too). A slot whose online places are all
//! booked is `busy` even when desk places remain; one already begun is
//! `busy-unavailable`. Slots are served from the clinic's today to the booking horizon
//! ([`crate::booking::DAYS_AHEAD`] days on).
//!
//! Every clinic-scoped request checks the client's scope and clinic
//! ([`crate::oauth::Grant::check`]); searches that name no clinic cover the clinics the
//! client is granted. Each answer holding Appointments is put on the audit trail once
//! per clinic ([`crate::oauth::audit_read`]).

pub mod appointment;
pub mod operation;
pub mod params;
pub mod publish;
pub mod schedule;
pub mod slot;
pub mod view;

use super::resources::token_is;
use super::search::Search;
use super::{Fhir, Outcome, Supported};
use crate::api::State;
use crate::storage::{ClinicEntry, Storage};
use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use medicloud_core::domain::{Service, ServiceCode};
use medicloud_core::ids::ClinicId;

/// The `service-type` coding system: a clinic's own service codes (`A` for Poli Umum),
/// as a Schedule's, Slot's and Appointment's `serviceType` names them.
pub const SERVICE_TYPE_SYSTEM: &str = "https://medicloud.id/fhir/service";

/// The extension on the `patient-resource` of `$book` that says the patient agrees to
/// reminders by message (`valueBoolean`); without it, they do not.
pub const CONSENT_EXTENSION: &str =
    "https://medicloud.id/fhir/StructureDefinition/consent-messages";

/// IHE ITI-115's OperationDefinition.
pub const FIND_DEFINITION: &str =
    "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-find";
/// IHE ITI-117's OperationDefinition.
pub const BOOK_DEFINITION: &str =
    "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-book";

/// The resource types this module serves, as the CapabilityStatement lists them.
pub const SUPPORTED: &[Supported] = &[
    Supported {
        resource: "Schedule",
        interactions: &["read", "search-type"],
        search: &[
            (
                "_id",
                "token",
                "http://hl7.org/fhir/SearchParameter/Resource-id",
            ),
            (
                "actor",
                "reference",
                "http://hl7.org/fhir/SearchParameter/Schedule-actor",
            ),
            (
                "active",
                "token",
                "http://hl7.org/fhir/SearchParameter/Schedule-active",
            ),
            (
                "service-type",
                "token",
                "http://hl7.org/fhir/SearchParameter/Schedule-service-type",
            ),
        ],
        operations: &[],
    },
    Supported {
        resource: "Slot",
        interactions: &["read", "search-type"],
        search: &[
            (
                "_id",
                "token",
                "http://hl7.org/fhir/SearchParameter/Resource-id",
            ),
            (
                "schedule",
                "reference",
                "http://hl7.org/fhir/SearchParameter/Slot-schedule",
            ),
            (
                "start",
                "date",
                "http://hl7.org/fhir/SearchParameter/Slot-start",
            ),
            (
                "status",
                "token",
                "http://hl7.org/fhir/SearchParameter/Slot-status",
            ),
            (
                "service-type",
                "token",
                "http://hl7.org/fhir/SearchParameter/Slot-service-type",
            ),
        ],
        operations: &[],
    },
    Supported {
        resource: "Appointment",
        interactions: &["read", "search-type", "update", "patch"],
        search: &[
            (
                "_id",
                "token",
                "http://hl7.org/fhir/SearchParameter/Resource-id",
            ),
            (
                "patient",
                "reference",
                "http://hl7.org/fhir/SearchParameter/Appointment-patient",
            ),
            (
                "identifier",
                "token",
                "http://hl7.org/fhir/SearchParameter/Appointment-identifier",
            ),
            (
                "date",
                "date",
                "http://hl7.org/fhir/SearchParameter/Appointment-date",
            ),
            (
                "status",
                "token",
                "http://hl7.org/fhir/SearchParameter/Appointment-status",
            ),
            (
                "service-type",
                "token",
                "http://hl7.org/fhir/SearchParameter/Appointment-service-type",
            ),
        ],
        operations: &[("find", FIND_DEFINITION), ("book", BOOK_DEFINITION)],
    },
];

/// Its routes (under [`super::BASE`]).
pub fn routes() -> Router<State> {
    Router::new()
        .route("/Schedule", get(schedule::search))
        .route("/Schedule/{id}", get(schedule::read))
        .route("/Slot", get(slot::search))
        .route("/Slot/{id}", get(slot::read))
        .route("/Appointment", get(appointment::search))
        .route(
            "/Appointment/$find",
            get(operation::find_get).post(operation::find_post),
        )
        .route("/Appointment/$book", post(operation::book))
        .route(
            "/Appointment/{id}",
            get(appointment::read)
                .put(appointment::update)
                .patch(appointment::patch),
        )
        .route("/$bulk-publish", get(publish::manifest))
        .route("/$bulk-publish/{file}", get(publish::file))
}

/// A clinic as these resources read it: as registered, its zone, and its services as
/// its nodes last set them.
#[derive(Clone, Debug)]
pub struct Site {
    /// Its id, name and zone's name.
    pub entry: ClinicEntry,
    /// Its zone.
    pub zone: Tz,
    /// Its services, by code.
    pub services: Vec<Service>,
}

impl Site {
    /// The clinic's id.
    pub fn id(&self) -> ClinicId {
        self.entry.id
    }

    /// Its service `code`.
    pub fn service(&self, code: &ServiceCode) -> Option<&Service> {
        self.services.iter().find(|s| &s.code == code)
    }

    /// Its services that have a schedule: each is a Schedule.
    pub fn scheduled(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| s.schedule.is_some())
    }

    /// Its day at `now_ms`.
    pub fn today(&self, now_ms: i64) -> NaiveDate {
        DateTime::from_timestamp_millis(now_ms)
            .unwrap_or_default()
            .with_timezone(&self.zone)
            .date_naive()
    }

    /// The booking horizon at `now_ms`: its today and the last day a patient may book.
    pub fn horizon(&self, now_ms: i64) -> (NaiveDate, NaiveDate) {
        let today = self.today(now_ms);
        (
            today,
            today + Duration::days(i64::from(crate::booking::DAYS_AHEAD)),
        )
    }

    /// The clinic's midnight starting `day`.
    pub fn midnight(&self, day: NaiveDate) -> DateTime<Utc> {
        params::local_instant(self.zone, day.and_time(NaiveTime::MIN))
    }
}

/// The sites of `clinics` (those registered), in the order given.
pub async fn sites(state: &State, clinics: &[ClinicId]) -> Result<Vec<Site>, Outcome> {
    if clinics.is_empty() {
        return Ok(Vec::new());
    }
    let entries = state.storage.clinic_list(Some(clinics.to_vec())).await?;
    let configurations = futures::future::try_join_all(
        entries
            .iter()
            .map(|entry| state.storage.configuration(entry.id)),
    )
    .await?;
    let mut sites: Vec<Site> = entries
        .into_iter()
        .zip(configurations)
        .map(|(entry, configuration)| Site {
            zone: entry
                .time_zone
                .parse()
                .unwrap_or(crate::projection::DEFAULT_TIME_ZONE),
            entry,
            services: configuration.services,
        })
        .collect();
    sites.sort_by_key(|s| clinics.iter().position(|c| *c == s.id()));
    Ok(sites)
}

/// The one site of `clinic`, or 404 naming `resource` and `id`.
pub async fn site(
    state: &State,
    clinic: ClinicId,
    resource: &str,
    id: &str,
) -> Result<Site, Outcome> {
    sites(state, &[clinic])
        .await?
        .pop()
        .ok_or_else(|| Outcome::not_found(resource, id))
}

/// Whether one of the `service-type` token values names `service`: its code in
/// [`SERVICE_TYPE_SYSTEM`] (or with no system given).
pub fn service_matches(tokens: &[String], service: &Service) -> bool {
    tokens
        .iter()
        .any(|t| token_is(t, SERVICE_TYPE_SYSTEM, service.code.as_str()))
}

/// The searchset of `search`'s page of `total` matches under `base`, as the answer.
pub fn answer(search: &Search, base: &str, total: usize, matches: Vec<serde_json::Value>) -> Fhir {
    Fhir::ok(search.bundle(base, total, matches).resource(base))
}

/// The clinics a search names by the ids it gives of resources that belong to one
/// (`{clinic}`, `{clinic}.{…}`), each checked against the grant for `resource` (403
/// for one the client is not granted); `None` when it names none (the search covers
/// every clinic granted).
pub fn named_clinics(
    grant: &crate::oauth::Grant,
    resource: &str,
    named: Option<Vec<String>>,
) -> Result<Option<Vec<ClinicId>>, Outcome> {
    let Some(named) = named else {
        return Ok(None);
    };
    let mut clinics: Vec<ClinicId> = named
        .iter()
        .filter_map(|id| id.split('.').next()?.parse().ok())
        .collect();
    clinics.sort();
    clinics.dedup();
    for clinic in &clinics {
        grant.check(resource, crate::oauth::Access::Read, *clinic)?;
    }
    Ok(Some(clinics))
}
