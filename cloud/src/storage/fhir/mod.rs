//! What the FHIR API ([`crate::fhir`]) reads beyond the configuration: the `patients`
//! projection and the visits (the tickets of one journey, a FHIR Encounter), searched
//! and paged in the database, behind [`FhirStorage`], on both engines.
//!
//! A search is one clinic's: its matches as an AND of OR-groups ([`PatientMatch`],
//! [`VisitMatch`]: the parameters of a FHIR search, each value list one group), a page
//! of them in a stable order (patients by id; visits by when they began, then id) and
//! how many match in all. The SQL is made once for both engines (`sql`), with every
//! value bound, never spliced; `engines` runs it on each.
//!
//! A visit's state is decided by [`VisitState::of`] from the statuses of its tickets,
//! the rule the search's SQL spells too: a visit served
//! somewhere is in progress, else one waiting or called has arrived, else one done is
//! finished, else one cancelled or not come is cancelled; a visit whose tickets were
//! all transferred (its continuation not here yet) is on its way, and counts as
//! arrived.

mod engines;
mod sql;

use super::Result;
use medicloud_core::domain::Patient;
use medicloud_core::ids::{ClinicId, VisitId};
use medicloud_core::ticket::{Ticket, TicketStatus};
use std::future::Future;

/// Which page of a search: skip `offset` matches, then take up to `count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Paging {
    /// Matches skipped.
    pub offset: usize,
    /// Matches taken at most.
    pub count: usize,
}

/// A page of a search and how many match in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found<T> {
    /// How many match, over every page.
    pub total: usize,
    /// The matches of the page, in order.
    pub items: Vec<T>,
}

/// A registered patient as the `patients` projection holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPatient {
    /// The patient, as the latest `patient_set` says.
    pub patient: Patient,
    /// When that event was written (ms since the epoch).
    pub updated_ms: i64,
}

/// One condition on a patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatientMatch {
    /// Their id is this.
    Id(String),
    /// Their NIK is this.
    Nik(String),
    /// Their BPJS number is this.
    Bpjs(String),
    /// Their NIK or BPJS number is this.
    NikOrBpjs(String),
    /// A word of their name starts with this (compared in lower case).
    Name(String),
    /// They were born within these days (`YYYY-MM-DD`, `from` included, `until`
    /// excluded; `None`: unbounded), or outside them when `outside`.
    Born {
        /// The first day.
        from: Option<String>,
        /// The day after the last.
        until: Option<String>,
        /// Whether the match is the days outside.
        outside: bool,
    },
    /// Nothing matches (an identifier system the cloud does not keep).
    Never,
}

/// Where a visit stands, from its tickets ([`VisitState::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VisitState {
    /// Being served somewhere.
    InProgress = 1,
    /// Waiting or called (at its first step, or a later one).
    Arrived = 2,
    /// Done.
    Finished = 3,
    /// Cancelled, or the patient did not come.
    Cancelled = 4,
    /// Transferred, its continuation not here yet.
    Moving = 5,
}

const TICKET_STATUSES: [TicketStatus; 7] = [
    TicketStatus::Waiting,
    TicketStatus::Called,
    TicketStatus::Serving,
    TicketStatus::Done,
    TicketStatus::NoShow,
    TicketStatus::Cancelled,
    TicketStatus::Transferred,
];

impl VisitState {
    /// What one ticket's status says of its visit.
    pub fn of_ticket(status: TicketStatus) -> Self {
        match status {
            TicketStatus::Serving => Self::InProgress,
            TicketStatus::Waiting | TicketStatus::Called => Self::Arrived,
            TicketStatus::Done => Self::Finished,
            TicketStatus::NoShow | TicketStatus::Cancelled => Self::Cancelled,
            TicketStatus::Transferred => Self::Moving,
        }
    }

    /// A visit's state: the first of its tickets' in this order (none without tickets).
    pub fn of<'a>(tickets: impl IntoIterator<Item = &'a Ticket>) -> Option<Self> {
        tickets.into_iter().map(|t| Self::of_ticket(t.status)).min()
    }

    /// Whether the visit is over (its period has an end).
    pub fn is_over(self) -> bool {
        matches!(self, Self::Finished | Self::Cancelled)
    }

    /// [`VisitState::of_ticket`] in SQL, on a `tickets.status`: the state's number.
    fn rank_sql() -> String {
        let cases: String = TICKET_STATUSES
            .iter()
            .map(|s| format!(" WHEN '{}' THEN {}", s.as_str(), Self::of_ticket(*s) as i64))
            .collect();
        format!("CASE status{cases} ELSE {} END", Self::Moving as i64)
    }
}

/// One condition on a visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VisitMatch {
    /// Its id is this.
    Id(String),
    /// A ticket of it names this patient.
    Patient(String),
    /// A ticket of it checked in this appointment.
    Appointment(String),
    /// It stands at this.
    State(VisitState),
    /// Its period (from its first ticket's issue to, once it is over, the last ticket's
    /// end; open while it is not) is as this says, in ms since the epoch.
    Period(PeriodMatch),
    /// Nothing matches.
    Never,
}

/// A condition on a visit's period, `[start, end)` (`end` open while it is not over):
/// how FHIR's date prefixes read on a Period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodMatch {
    /// It lies within `[from, until)` (`eq`); with `outside`, it does not (`ne`).
    Within {
        /// From (included).
        from: i64,
        /// Until (excluded).
        until: i64,
        /// Whether the match is the periods that do not lie within.
        outside: bool,
    },
    /// It goes on at or after this (open, or ending at or after it: `ge`, `gt`).
    EndsAtOrAfter(i64),
    /// It ended before this (`eb`).
    EndsBefore(i64),
    /// It began before this (`lt`, `le`).
    StartsBefore(i64),
    /// It began at or after this (`sa`).
    StartsAtOrAfter(i64),
}

/// A visit: its id and its tickets, in order of issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    /// The visit.
    pub id: VisitId,
    /// Its tickets (a transfer's continuation after the ticket it continues).
    pub tickets: Vec<Ticket>,
}

/// What holds an id a read names, to find its clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A patient's id.
    Patient,
    /// A visit's id.
    Visit,
    /// A staff account's id.
    Staff,
}

/// The FHIR API's reads of patients and visits.
pub trait FhirStorage: Send + Sync + 'static {
    /// The page `paging` of `clinic`'s patients that match every group of `filter`
    /// (one match of each), by id.
    fn patients(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<PatientMatch>>,
        paging: Paging,
    ) -> impl Future<Output = Result<Found<StoredPatient>>> + Send;
    /// The page `paging` of `clinic`'s visits that match every group of `filter`, by
    /// when they began, then id, each with its tickets.
    fn visits(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<VisitMatch>>,
        paging: Paging,
    ) -> impl Future<Output = Result<Found<Visit>>> + Send;
    /// The clinics that hold a patient, visit or staff account of id `id` (one, but
    /// for a clash of random ids): where a read of it looks, and whether to answer 403
    /// or 404.
    fn clinics_holding(
        &self,
        holder: Holder,
        id: String,
    ) -> impl Future<Output = Result<Vec<ClinicId>>> + Send;
}

macro_rules! both {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            crate::storage::AnyStorage::Sqlite($s) => $call.await,
            crate::storage::AnyStorage::Postgres($s) => $call.await,
        }
    };
}

impl FhirStorage for crate::storage::AnyStorage {
    async fn patients(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<PatientMatch>>,
        paging: Paging,
    ) -> Result<Found<StoredPatient>> {
        both!(self, s => s.patients(clinic, filter, paging))
    }
    async fn visits(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<VisitMatch>>,
        paging: Paging,
    ) -> Result<Found<Visit>> {
        both!(self, s => s.visits(clinic, filter, paging))
    }
    async fn clinics_holding(&self, holder: Holder, id: String) -> Result<Vec<ClinicId>> {
        both!(self, s => s.clinics_holding(holder, id))
    }
}
