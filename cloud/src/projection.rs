//! The cloud's projections: each clinic's events folded with `medicloud-core`'s reducer
//! — [`ticket::fold`] and [`appointment::fold`], the functions the node's store calls,
//! never a second implementation — into per-clinic tables, in the ingest transaction.
//!
//! An ingest folds set-wise: [`Touched::of`] groups the events a batch newly stored by
//! entity, each engine reads every stored event of those entities (scoped by clinic,
//! through the `events_by_entity` index) in one go, [`fold`] re-folds each touched
//! entity once, and each engine writes each touched row once per batch. A late event
//! re-folds only its entity, as on a node.
//!
//! **What the cloud projects:** tickets (the node's `tickets` rows, `state` the folded
//! [`Ticket`] as the node keeps it), appointments (the node's `appointments` rows, with
//! the reason of a cancellation; the ticket that checked each one in is read from the
//! tickets: the first issued of those that name it), the clinic's settings (the latest `clinic_set`, by
//! `(stamp, origin, seq)`: its time zone cuts the clinic's days), and when each device
//! last synced, and the clinic's services, counters, staff accounts and desk reserves
//! (the node's `records` of those kinds, the latest event of each; a staff account
//! without its password hash), and the clinic's registered patients (the latest
//! `patient_set` of each, as the node's `records` keep them: the rule the configuration
//! records follow, in the same pass). **Not yet:** devices as the clinic configured
//! them, label-authority claims and the audit trail (events only).
//! A new projection is a new table and a new migration whose backfill folds the events
//! already held.
//!
//! ```
//! use medicloud_cloud::projection::{Touched, fold};
//! use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
//! use medicloud_core::ids::{ClinicId, DeviceId, TicketId, VisitId};
//! use medicloud_core::domain::ServiceCode;
//! use medicloud_core::ticket::{Issue, TicketChange};
//!
//! let (clinic, origin, id) = (ClinicId::random(), DeviceId::random(), TicketId::random());
//! let event = |seq: u64, change: TicketChange| Event {
//!     id: EventId { origin, seq },
//!     stamp: Stamp::new(1_800_000_000_000 + seq * 1_000, 0),
//!     clinic,
//!     actor: Actor::System,
//!     body: EventBody::Ticket { id, change },
//! };
//! let issued = event(1, TicketChange::Issued(Issue {
//!     service: ServiceCode::parse("A").unwrap(),
//!     label: "A-001".into(),
//!     day: "2027-01-15".parse().unwrap(),
//!     priority: None,
//!     visit: VisitId::random(),
//!     appointment: None,
//!     patient: None,
//!     transferred_from: None,
//!     start_step: None,
//!     estimated_wait_seconds: None,
//! }));
//! let called = event(2, TicketChange::Called { counter: "loket-1".parse().unwrap() });
//! // A batch touched one ticket; the engine read its stored events.
//! let touched = Touched::of(&[called.clone()]).unwrap();
//! assert_eq!(touched.entities, [format!("ticket/{id}")]);
//! let rows = fold(&touched.entities, &[issued, called]).unwrap();
//! assert_eq!((rows.tickets.len(), rows.tickets[0].status), (1, "called"));
//! ```

use crate::storage::{Result, StorageError};
use medicloud_core::appointment::{self, AppointmentState};
use medicloud_core::domain::{Appointment, Clinic, Counter, Patient, Service, StaffUser};
use medicloud_core::event::{Entity, Event, EventBody};
use medicloud_core::ids::TicketId;
use medicloud_core::ticket::{self, Ticket};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// The time zone of a clinic whose settings have not arrived: the node's default too.
pub const DEFAULT_TIME_ZONE: chrono_tz::Tz = chrono_tz::Asia::Jakarta;

/// The entities a batch's newly stored events touch, as the projections see them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// The tickets and appointments to re-fold, as their `events.entity` keys, in order,
    /// each once.
    pub entities: Vec<String>,
    /// The latest `clinic_set` of the batch by `(stamp, origin, seq)`, if any: it
    /// replaces the stored settings when it is later than theirs.
    pub clinic: Option<Event>,
    /// The configuration records the batch sets ([`RecordRow`]): per service, counter
    /// and staff account and desk reserve, the batch's latest event by `(stamp, origin,
    /// seq)`, by entity.
    pub records: Vec<RecordRow>,
    /// The patients the batch registers or changes ([`PatientRow`]): per patient, the
    /// batch's latest `patient_set` by `(stamp, origin, seq)`, by entity.
    pub patients: Vec<PatientRow>,
}

impl Touched {
    /// What `stored` (the events a batch newly stored) touches.
    pub fn of(stored: &[Event]) -> Result<Self> {
        let mut entities = BTreeSet::new();
        let mut clinic: Option<&Event> = None;
        let mut records: BTreeMap<String, &Event> = BTreeMap::new();
        for event in stored {
            match event.entity() {
                entity @ (Entity::Ticket(_) | Entity::Appointment(_)) => {
                    entities.insert(entity.to_string());
                }
                Entity::Clinic if clinic.is_none_or(|c| c.order_key() < event.order_key()) => {
                    clinic = Some(event);
                }
                entity @ (Entity::Service(_)
                | Entity::Counter(_)
                | Entity::Staff(_)
                | Entity::Patient(_)
                | Entity::DeskReserve(_)) => {
                    let latest = records.entry(entity.to_string()).or_insert(event);
                    if latest.order_key() < event.order_key() {
                        *latest = event;
                    }
                }
                _ => {}
            }
        }
        let mut touched = Self {
            entities: entities.into_iter().collect(),
            clinic: clinic.cloned(),
            ..Self::default()
        };
        for (entity, event) in records {
            if let EventBody::PatientSet(patient) = &event.body {
                touched.patients.push(PatientRow::new(patient, event)?);
            } else if let Some(row) = RecordRow::new(entity, event)? {
                touched.records.push(row);
            }
        }
        Ok(touched)
    }

    /// Whether nothing projected is touched.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
            && self.clinic.is_none()
            && self.records.is_empty()
            && self.patients.is_empty()
    }
}

/// A `patients` row: a registered patient as the latest of their `patient_set` events
/// by `(stamp, origin, seq)` set them (the node's `records` row `patient/…`), with the
/// columns the FHIR API searches on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientRow {
    /// The patient's id.
    pub id: String,
    /// The name in lower case, for a search by name.
    pub name_key: Option<String>,
    /// The NIK.
    pub nik: Option<String>,
    /// The BPJS card number.
    pub bpjs: Option<String>,
    /// The date of birth, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// The [`Patient`] as JSON.
    pub body: String,
    /// The event's stamp.
    pub stamp: i64,
    /// The event's origin.
    pub origin: String,
    /// The event's seq.
    pub seq: i64,
}

impl PatientRow {
    fn new(patient: &Patient, event: &Event) -> Result<Self> {
        Ok(Self {
            id: patient.id.to_string(),
            name_key: patient.name.as_deref().map(name_key),
            nik: patient.nik.clone(),
            bpjs: patient.bpjs_number.clone(),
            birth_date: patient.birth_date.map(|d| d.to_string()),
            body: serde_json::to_string(patient)?,
            stamp: event.stamp.0 as i64,
            origin: event.id.origin.to_string(),
            seq: event.id.seq as i64,
        })
    }
}

/// A name as the `patients` table keys it for a search: lower case, spaces collapsed.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A `records` row: a configured service, counter or staff account, or a desk reserve
/// ([`medicloud_core::schedule::DeskReserve`]), as the latest of its events by
/// `(stamp, origin, seq)` set it — the node's `records` rows of those kinds, per clinic. A staff account is kept without its password hash (`""`): the
/// cloud's screens and reports read names, never credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    /// Its entity key, e.g. `service/A`.
    pub entity: String,
    /// Its event kind, e.g. `service_set`.
    pub kind: &'static str,
    /// The record as JSON ([`Service`], [`Counter`], [`StaffUser`], a desk reserve).
    pub body: String,
    /// The event's stamp.
    pub stamp: i64,
    /// The event's origin.
    pub origin: String,
    /// The event's seq.
    pub seq: i64,
}

impl RecordRow {
    fn new(entity: String, event: &Event) -> Result<Option<Self>> {
        let body = match &event.body {
            EventBody::ServiceSet(service) => serde_json::to_string(service)?,
            EventBody::CounterSet(counter) => serde_json::to_string(counter)?,
            EventBody::DeskReserveSet(reserve) => serde_json::to_string(reserve)?,
            EventBody::StaffSet(staff) => serde_json::to_string(&StaffUser {
                password_hash: String::new(),
                ..staff.clone()
            })?,
            _ => return Ok(None),
        };
        Ok(Some(Self {
            entity,
            kind: event.body.kind(),
            body,
            stamp: event.stamp.0 as i64,
            origin: event.id.origin.to_string(),
            seq: event.id.seq as i64,
        }))
    }
}

/// The services, counters and staff accounts of a clinic, from its stored `records`
/// bodies in entity order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Configuration {
    /// The services, by code.
    pub services: Vec<Service>,
    /// The counters and rooms, by id.
    pub counters: Vec<Counter>,
    /// The staff accounts (no password hash), by id.
    #[serde(skip)]
    pub staff: Vec<StaffUser>,
}

impl Configuration {
    /// Builds it from stored `(entity, body)` rows.
    pub fn of_rows(rows: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        let mut out = Self::default();
        for (entity, body) in rows {
            match entity.split_once('/').map(|(kind, _)| kind) {
                Some("service") => out.services.push(parse_json(&body)?),
                Some("counter") => out.counters.push(parse_json(&body)?),
                Some("staff") => out.staff.push(parse_json(&body)?),
                // Not configuration: the booking authority's escrow, read by its writes.
                Some("desk_reserve") => {}
                _ => return Err(StorageError::Corrupt(format!("record {entity:?}"))),
            }
        }
        Ok(out)
    }
}

/// A `tickets` row, ready to bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketRow {
    /// The ticket id.
    pub id: String,
    /// Its clinic-local service day, `YYYY-MM-DD`.
    pub day: String,
    /// Its service code.
    pub service: String,
    /// Its printed label.
    pub label: String,
    /// Its status as the API spells it.
    pub status: &'static str,
    /// The counter that called it.
    pub counter: Option<String>,
    /// When it was issued (ms since the epoch).
    pub issued_at: i64,
    /// When it (re-)entered the queue (ms since the epoch).
    pub queued_at: i64,
    /// The appointment it checked in.
    pub appointment_id: Option<String>,
    /// Its visit.
    pub visit_id: String,
    /// Its patient, when known.
    pub patient_id: Option<String>,
    /// When it reached a final state or no-show (ms since the epoch).
    pub finished_at: Option<i64>,
    /// The folded [`Ticket`] as JSON.
    pub state: String,
}

impl TicketRow {
    fn new(t: &Ticket) -> Result<Self> {
        Ok(Self {
            id: t.id.to_string(),
            day: t.issue.day.to_string(),
            service: t.issue.service.as_str().to_owned(),
            label: t.label().to_owned(),
            status: t.status.as_str(),
            counter: t.counter.as_ref().map(|c| c.as_str().to_owned()),
            issued_at: t.issued_at_ms,
            queued_at: t.queued_at_ms,
            appointment_id: t.issue.appointment.map(|a| a.id.to_string()),
            visit_id: t.issue.visit.to_string(),
            patient_id: t.issue.patient.map(|p| p.to_string()),
            finished_at: t.finished_at_ms,
            state: serde_json::to_string(t)?,
        })
    }
}

/// An `appointments` row, ready to bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentRow {
    /// The appointment id.
    pub id: String,
    /// Its booking code.
    pub code: String,
    /// Its clinic-local day, `YYYY-MM-DD` (after any move).
    pub day: String,
    /// Its service code.
    pub service: String,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Why, when it was.
    pub cancel_reason: Option<String>,
    /// The booking as it stands ([`Appointment`]) as JSON.
    pub body: String,
}

/// The rows a batch writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rows {
    /// One per touched ticket whose issue is held.
    pub tickets: Vec<TicketRow>,
    /// One per touched appointment whose booking is held.
    pub appointments: Vec<AppointmentRow>,
}

/// Re-folds each of `entities` from `events` (every stored event of those entities,
/// in any order; one listed twice counts once): the rows to write. An entity whose
/// first event (an issue, a booking) has not arrived yet gives no row.
pub fn fold<'a>(entities: &[String], events: impl IntoIterator<Item = &'a Event>) -> Result<Rows> {
    let mut by_entity: BTreeMap<String, Vec<&Event>> =
        entities.iter().map(|e| (e.clone(), Vec::new())).collect();
    for event in events {
        if let Some(list) = by_entity.get_mut(&event.entity().to_string()) {
            list.push(event);
        }
    }
    let mut rows = Rows::default();
    for (entity, events) in by_entity {
        if entity.starts_with("ticket/") {
            if let Some(t) = ticket::fold(events) {
                rows.tickets.push(TicketRow::new(&t)?);
            }
        } else if let Some(state) = appointment::fold(events) {
            let a = &state.appointment;
            rows.appointments.push(AppointmentRow {
                id: a.id.to_string(),
                code: a.code.clone(),
                day: a.date.to_string(),
                service: a.service.as_str().to_owned(),
                cancelled: state.cancelled.is_some(),
                cancel_reason: state.cancelled.clone(),
                body: serde_json::to_string(a)?,
            });
        }
    }
    Ok(rows)
}

/// The `clinic_settings` row of a `clinic_set` event: `(body, stamp, origin, seq)`.
pub fn settings_row(event: &Event) -> Result<Option<(String, i64, String, i64)>> {
    let EventBody::ClinicSet(clinic) = &event.body else {
        return Ok(None);
    };
    Ok(Some((
        serde_json::to_string(clinic)?,
        event.stamp.0 as i64,
        event.id.origin.to_string(),
        event.id.seq as i64,
    )))
}

/// A clinic's time zone from its stored settings (`clinic_settings.body`), or the
/// default when none arrived or the zone is unknown.
pub fn time_zone(settings: Option<&str>) -> chrono_tz::Tz {
    settings
        .and_then(|body| serde_json::from_str::<Clinic>(body).ok())
        .and_then(|c| c.time_zone.parse().ok())
        .unwrap_or(DEFAULT_TIME_ZONE)
}

/// An appointment as the cloud folded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectedAppointment {
    /// The booking as it stands (a move changes its day and slot).
    pub appointment: Appointment,
    /// Why it was cancelled, when it was (`""` when no reason was given).
    pub cancelled: Option<String>,
    /// The ticket that checked it in: the first issued of those that name it.
    pub ticket: Option<TicketId>,
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// A stored `appointments` row as a report reads it: `(body, cancelled, cancel_reason)`.
pub(crate) fn appointment_state(
    body: &str,
    cancelled: bool,
    reason: Option<String>,
) -> Result<AppointmentState> {
    Ok(AppointmentState {
        appointment: parse_json(body)?,
        cancelled: cancelled.then(|| reason.unwrap_or_default()),
    })
}

/// A stored `tickets.state`.
pub(crate) fn ticket_of(state: &str) -> Result<Ticket> {
    parse_json(state)
}

/// A stored `appointments` row: `(body, cancelled, cancel_reason, ticket)`.
pub(crate) fn appointment_of(
    body: &str,
    cancelled: bool,
    reason: Option<String>,
    ticket: Option<&str>,
) -> Result<ProjectedAppointment> {
    Ok(ProjectedAppointment {
        appointment: parse_json(body)?,
        cancelled: cancelled.then(|| reason.unwrap_or_default()),
        ticket: ticket
            .map(|t| {
                t.parse()
                    .map_err(|_| StorageError::Corrupt(format!("ticket id {t:?}")))
            })
            .transpose()?,
    })
}
