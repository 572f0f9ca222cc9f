//! Where the cloud keeps clinics, devices, enrolment codes, every clinic's events, its
//! label counters and its projections: behind [`Storage`], on SQLite (the embedded
//! default) or PostgreSQL (for scale; several cloud processes can share one database).
//!
//! An ingest folds what it stores into the projections in the same transaction
//! ([`crate::projection`]: tickets, appointments, the clinic's settings) and notes when
//! the device was heard from; the HQ reads them through [`Storage::tickets`],
//! [`Storage::tickets_between`], [`Storage::appointments_between`] and
//! [`Storage::overview`].
//!
//! Every method takes the clinic it works in, and every query is scoped by it. What an
//! ingest stores and what a page holds is decided by `medicloud_sync::ingest`, the rule
//! every replica shares; the engines only read, lock and write. Nothing
//! that matters for correctness is cached in the process: two cloud processes on one
//! PostgreSQL see the same data, and the database serialises what must be (a series'
//! next seq, a label counter, a one-time code).

/// A call of an area trait on [`AnyStorage`] handed to its engine (defined before the
/// area modules, so each of them sees it).
macro_rules! both {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            $crate::storage::AnyStorage::Sqlite($s) => $call.await,
            $crate::storage::AnyStorage::Postgres($s) => $call.await,
        }
    };
}

pub mod accounts;
pub mod api_clients;
pub mod author;
pub mod fhir;
pub mod oidc;
mod postgres;
mod sqlite;

pub use accounts::AccountStorage;
pub use api_clients::ApiClientStorage;
pub use author::AuthorStorage;
pub use fhir::FhirStorage;
pub use oidc::OidcStorage;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

use crate::overview::ClinicOverview;
use crate::projection::{Configuration, ProjectedAppointment};
use chrono::NaiveDate;
use medicloud_core::audit::{Answers, Lookups};
use medicloud_core::domain::{Clinic, StaffUser};
use medicloud_core::event::{Actor, Entity, Event, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_core::report::{DayFacts, ReportSource};
use medicloud_core::ticket::Ticket;
use medicloud_sync::log::{Ingest, VersionVector};
use std::collections::HashMap;
use std::future::Future;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Database(String),
    /// Stored data could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}

/// Storage results.
pub type Result<T> = std::result::Result<T, StorageError>;

/// An enrolled device.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DeviceRow {
    /// Its id (the origin of its events).
    pub id: DeviceId,
    /// Its clinic.
    pub clinic: ClinicId,
    /// A name for people.
    pub name: String,
    /// Its slot in the clinic (fallback labels).
    pub slot: u32,
    /// Whether it was revoked (its requests fail).
    pub revoked: bool,
}

/// What enrolment gives a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// The clinic it joined.
    pub clinic: ClinicId,
    /// Its slot.
    pub slot: u32,
    /// The clinic's LAN key.
    pub lan_key: String,
}

/// What an enrolment attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrolOutcome {
    /// Enrolled.
    Enrolled(Enrolment),
    /// No such code, used already, or expired.
    BadCode,
    /// The device id is enrolled in another clinic.
    OtherClinic,
}

/// A clinic as lists name it: its id, name and time zone.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ClinicEntry {
    /// Its id.
    #[schema(value_type = String, format = Uuid)]
    pub id: ClinicId,
    /// Its name, as registered in the cloud.
    pub name: String,
    /// Its IANA time zone, as its nodes set it (`Asia/Jakarta` until they do).
    pub time_zone: String,
}

/// Where an event stands in the trail's order: `(stamp, origin, seq)`, newest stamp
/// first, then origin and seq ascending.
pub type TrailKey = (Stamp, DeviceId, u64);

/// A sync round heard from a device: its last-seen time moves to `at_ms` (never back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heard {
    /// The device that sent the round.
    pub device: DeviceId,
    /// When the cloud received it (ms since the epoch).
    pub at_ms: i64,
}

/// A page of events for a replica, with the summary it was cut from
/// ([`Storage::page`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// Per origin, the highest seq held when the page was read.
    pub summary: VersionVector,
    /// The events, each as stored: `serde_json::to_string` of the [`Event`].
    pub events: Vec<String>,
}

/// How long [`Storage::ping`] waits for the database.
pub const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The cloud's storage. Methods are async; the SQLite engine runs them on the blocking
/// pool, PostgreSQL talks to the server.
pub trait Storage: Send + Sync + 'static {
    /// Applies the embedded migrations (safe when several processes start at once).
    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;
    /// Whether the database answers a trivial query, within [`PING_TIMEOUT`]: what
    /// `GET /readyz` reports.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
    /// Adds a clinic; `false` when the id exists.
    fn add_clinic(
        &self,
        id: ClinicId,
        name: &str,
        lan_key: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Stores a one-time code (its SHA-256); `false` when the clinic does not exist.
    fn add_code(
        &self,
        clinic: ClinicId,
        code_sha256: &str,
        expires_ms: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Uses up a code and enrols the device, atomically: of two enrolments with one
    /// code, one wins.
    fn enrol(
        &self,
        code_sha256: &str,
        now_ms: i64,
        device: DeviceId,
        name: &str,
        secret_sha256: &str,
    ) -> impl Future<Output = Result<EnrolOutcome>> + Send;
    /// The device whose secret hashes to `secret_sha256`.
    fn device(&self, secret_sha256: &str)
    -> impl Future<Output = Result<Option<DeviceRow>>> + Send;
    /// A clinic's devices.
    fn devices(&self, clinic: ClinicId) -> impl Future<Output = Result<Vec<DeviceRow>>> + Send;
    /// Revokes a device; `false` when there is none.
    fn revoke(&self, device: DeviceId) -> impl Future<Output = Result<bool>> + Send;
    /// Per origin, the highest seq held for `clinic`.
    fn summary(&self, clinic: ClinicId) -> impl Future<Output = Result<VersionVector>> + Send;
    /// Up to `limit` of the clinic's events that a replica with `remote` lacks, each
    /// origin's in seq order.
    fn missing(
        &self,
        clinic: ClinicId,
        remote: &VersionVector,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Event>>> + Send {
        async move {
            self.page(clinic, remote, limit)
                .await?
                .events
                .iter()
                .map(|e| Ok(serde_json::from_str(e)?))
                .collect()
        }
    }
    /// What an exchange answers with: the clinic's summary and up to `limit` of its
    /// events that a replica with `remote` lacks (as [`Storage::missing`]), each as
    /// the JSON it is stored as, which is what serialising it gives, so an answer
    /// sends them on as they are.
    fn page(
        &self,
        clinic: ClinicId,
        remote: &VersionVector,
        limit: usize,
    ) -> impl Future<Output = Result<Page>> + Send;
    /// Stores the events it lacks, in one transaction, keeping each series contiguous,
    /// and in that transaction folds the entities they touch into the projections (each
    /// touched row written once) and notes `heard` (the device whose round it is).
    /// Events of another clinic are refused (the caller checks first; this is the floor).
    fn ingest(
        &self,
        clinic: ClinicId,
        events: Vec<Event>,
        heard: Option<Heard>,
    ) -> impl Future<Output = Result<Ingest>> + Send;
    /// The clinic's tickets of its service day `day`, folded, in order of issue.
    fn tickets(
        &self,
        clinic: ClinicId,
        day: NaiveDate,
    ) -> impl Future<Output = Result<Vec<Ticket>>> + Send;
    /// The clinic's tickets of the service days `from..=to`, folded, by day, then in
    /// order of issue: what the reports are computed from.
    fn tickets_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<Vec<Ticket>>> + Send;
    /// The clinic's appointments on the days `from..=to` (as they stand, after moves),
    /// folded, each with the ticket that checked it in; by day, then booking code.
    fn appointments_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<Vec<ProjectedAppointment>>> + Send;
    /// The clinic's settings as its nodes last set them (`None` until they arrive).
    fn clinic_settings(
        &self,
        clinic: ClinicId,
    ) -> impl Future<Output = Result<Option<Clinic>>> + Send;
    /// The clinic's services, counters and staff accounts as its nodes last set them.
    fn configuration(&self, clinic: ClinicId)
    -> impl Future<Output = Result<Configuration>> + Send;
    /// What the clinic's report of service days `from..=to` is computed from, read in
    /// one snapshot: the report facts kept of its days (`report_days`) with every day's
    /// generation, the tickets of the other days, its appointments of those days,
    /// services, staff and time zone.
    fn report_source(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<ReportSource>> + Send;
    /// Keeps the facts a report computed of the clinic's `days` (of `basis`,
    /// [`Facts::basis`](medicloud_core::report::Facts::basis)), each only while its
    /// day's generation is still the one they were computed at; returns how many were
    /// kept.
    fn keep_report_days(
        &self,
        clinic: ClinicId,
        basis: String,
        days: Vec<DayFacts>,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// The overview of `clinics` (every clinic when `None`) at `now_ms`, by name: see
    /// [`crate::overview`] for what each figure counts. A clinic not registered is left
    /// out.
    fn overview(
        &self,
        clinics: Option<Vec<ClinicId>>,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<ClinicOverview>>> + Send;
    /// The clinics `clinics` names (every clinic when `None`), by name: id, name and
    /// time zone. A clinic not registered is left out.
    fn clinic_list(
        &self,
        clinics: Option<Vec<ClinicId>>,
    ) -> impl Future<Output = Result<Vec<ClinicEntry>>> + Send;
    /// A page of the audit trail of `clinics`: up to `limit` of their events stamped at
    /// or after `since`, newest first in the node's order (stamp descending, then
    /// origin and seq ascending), after `after` (the previous page's last event) when
    /// given. Each event names its clinic.
    fn audit_page(
        &self,
        clinics: Vec<ClinicId>,
        since: Stamp,
        after: Option<TrailKey>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Event>>> + Send;
    /// Where the event `(origin, seq)` of one of `clinics` stands in the trail's order
    /// (`None`: no such event there): a page's cursor, from a row's `device` and `seq`.
    fn trail_key(
        &self,
        clinics: Vec<ClinicId>,
        origin: DeviceId,
        seq: u64,
    ) -> impl Future<Output = Result<Option<TrailKey>>> + Send;
    /// The answers to the questions a page of one clinic's trail asks
    /// ([`Lookups::of`]), read at once: the tickets' labels, the counters' names, the
    /// versions of configured things before each change.
    fn audit_answers(
        &self,
        clinic: ClinicId,
        lookups: Lookups,
    ) -> impl Future<Output = Result<Answers>> + Send;
    /// The names of the staff accounts and devices among `actors`, as the clinic's
    /// nodes last set them (a staff account's display name from `records`, a device's
    /// from its latest `device_set` event), for the trail's readers: people and
    /// machines, never patients.
    fn actor_names(
        &self,
        clinic: ClinicId,
        actors: Vec<Actor>,
    ) -> impl Future<Output = Result<HashMap<Actor, String>>> + Send;
    /// Reserves the next `count` label numbers of a service and day: `(first, last)`.
    fn reserve(
        &self,
        clinic: ClinicId,
        service: &str,
        day: &str,
        count: u32,
    ) -> impl Future<Output = Result<(u32, u32)>> + Send;
}

/// The engine chosen by the database URL.
#[derive(Clone, Debug)]
pub enum AnyStorage {
    /// `sqlite://PATH`.
    Sqlite(Sqlite),
    /// `postgres://…` or `postgresql://…`.
    Postgres(Postgres),
}

impl AnyStorage {
    /// Opens the database at `url`.
    pub async fn open(url: &str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Self::Sqlite(
                Sqlite::open(std::path::Path::new(path)).await?,
            ))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(Postgres::connect(url)?))
        } else {
            Err(StorageError::Database(
                "the database URL starts with sqlite:// or postgres://".into(),
            ))
        }
    }
}

impl Storage for AnyStorage {
    async fn migrate(&self) -> Result<()> {
        both!(self, s => s.migrate())
    }
    async fn ping(&self) -> Result<()> {
        both!(self, s => s.ping())
    }
    async fn add_clinic(&self, id: ClinicId, name: &str, lan_key: &str) -> Result<bool> {
        both!(self, s => s.add_clinic(id, name, lan_key))
    }
    async fn add_code(&self, clinic: ClinicId, code_sha256: &str, expires_ms: i64) -> Result<bool> {
        both!(self, s => s.add_code(clinic, code_sha256, expires_ms))
    }
    async fn enrol(
        &self,
        code_sha256: &str,
        now_ms: i64,
        device: DeviceId,
        name: &str,
        secret_sha256: &str,
    ) -> Result<EnrolOutcome> {
        both!(self, s => s.enrol(code_sha256, now_ms, device, name, secret_sha256))
    }
    async fn device(&self, secret_sha256: &str) -> Result<Option<DeviceRow>> {
        both!(self, s => s.device(secret_sha256))
    }
    async fn devices(&self, clinic: ClinicId) -> Result<Vec<DeviceRow>> {
        both!(self, s => s.devices(clinic))
    }
    async fn revoke(&self, device: DeviceId) -> Result<bool> {
        both!(self, s => s.revoke(device))
    }
    async fn summary(&self, clinic: ClinicId) -> Result<VersionVector> {
        both!(self, s => s.summary(clinic))
    }
    async fn page(&self, clinic: ClinicId, remote: &VersionVector, limit: usize) -> Result<Page> {
        both!(self, s => s.page(clinic, remote, limit))
    }
    async fn ingest(
        &self,
        clinic: ClinicId,
        events: Vec<Event>,
        heard: Option<Heard>,
    ) -> Result<Ingest> {
        both!(self, s => s.ingest(clinic, events, heard))
    }
    async fn tickets(&self, clinic: ClinicId, day: NaiveDate) -> Result<Vec<Ticket>> {
        both!(self, s => s.tickets(clinic, day))
    }
    async fn tickets_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Ticket>> {
        both!(self, s => s.tickets_between(clinic, from, to))
    }
    async fn appointments_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProjectedAppointment>> {
        both!(self, s => s.appointments_between(clinic, from, to))
    }
    async fn clinic_settings(&self, clinic: ClinicId) -> Result<Option<Clinic>> {
        both!(self, s => s.clinic_settings(clinic))
    }
    async fn configuration(&self, clinic: ClinicId) -> Result<Configuration> {
        both!(self, s => s.configuration(clinic))
    }
    async fn report_source(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ReportSource> {
        both!(self, s => s.report_source(clinic, from, to))
    }
    async fn keep_report_days(
        &self,
        clinic: ClinicId,
        basis: String,
        days: Vec<DayFacts>,
    ) -> Result<usize> {
        both!(self, s => s.keep_report_days(clinic, basis, days))
    }
    async fn overview(
        &self,
        clinics: Option<Vec<ClinicId>>,
        now_ms: i64,
    ) -> Result<Vec<ClinicOverview>> {
        both!(self, s => s.overview(clinics, now_ms))
    }
    async fn clinic_list(&self, clinics: Option<Vec<ClinicId>>) -> Result<Vec<ClinicEntry>> {
        both!(self, s => s.clinic_list(clinics))
    }
    async fn audit_page(
        &self,
        clinics: Vec<ClinicId>,
        since: Stamp,
        after: Option<TrailKey>,
        limit: usize,
    ) -> Result<Vec<Event>> {
        both!(self, s => s.audit_page(clinics, since, after, limit))
    }
    async fn trail_key(
        &self,
        clinics: Vec<ClinicId>,
        origin: DeviceId,
        seq: u64,
    ) -> Result<Option<TrailKey>> {
        both!(self, s => s.trail_key(clinics, origin, seq))
    }
    async fn audit_answers(&self, clinic: ClinicId, lookups: Lookups) -> Result<Answers> {
        both!(self, s => s.audit_answers(clinic, lookups))
    }
    async fn actor_names(
        &self,
        clinic: ClinicId,
        actors: Vec<Actor>,
    ) -> Result<HashMap<Actor, String>> {
        both!(self, s => s.actor_names(clinic, actors))
    }
    async fn reserve(
        &self,
        clinic: ClinicId,
        service: &str,
        day: &str,
        count: u32,
    ) -> Result<(u32, u32)> {
        both!(self, s => s.reserve(clinic, service, day, count))
    }
}

/// The newest `limit` of `events` in the trail's order (stamp descending, then origin
/// and seq ascending, as the node lists its trail).
pub(crate) fn newest_first(mut events: Vec<Event>, limit: usize) -> Vec<Event> {
    events.sort_by_key(|e| (std::cmp::Reverse(e.stamp), e.id.origin, e.id.seq));
    events.truncate(limit);
    events
}

/// The entity whose latest version names `actor` (`staff/<id>`, `device/<id>`).
pub(crate) fn actor_entity(actor: &Actor) -> Option<String> {
    match actor {
        Actor::System => None,
        Actor::Staff(id) => Some(Entity::Staff(*id).to_string()),
        Actor::Device(id) => Some(Entity::Device(*id).to_string()),
    }
}

/// The name in a staff account's `records` body or a device's `device_set` event.
pub(crate) fn actor_name(actor: &Actor, body: &str) -> Result<Option<String>> {
    Ok(match actor {
        Actor::Staff(_) => Some(serde_json::from_str::<StaffUser>(body)?.display_name),
        Actor::Device(_) => match serde_json::from_str::<Event>(body)?.body {
            medicloud_core::event::EventBody::DeviceSet(d) => Some(d.name),
            _ => None,
        },
        Actor::System => None,
    })
}

/// `text` read back as a `T`; what it was (`what`) names it when it is not one.
pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("{what} {text:?}")))
}

/// The embedded migrations of one engine, in order.
pub(crate) type Migrations = &'static [(&'static str, &'static str)];

/// The migration that adds the `records` projection (its backfill runs once, with it).
pub(crate) const RECORDS_MIGRATION: &str = "20261203140000_records.sql";

/// The events the `records` projection folds, as a condition on `events.entity`.
pub(crate) const RECORD_ENTITIES: &str = "entity >= 'counter/' AND entity < 'counter0'
    OR entity >= 'service/' AND entity < 'service0'
    OR entity >= 'staff/' AND entity < 'staff0'";

/// The migration that adds the `patients` projection (its backfill runs once, with it).
pub(crate) const PATIENTS_MIGRATION: &str = "20261208100000_cloud_patients.sql";

/// The events the `patients` projection folds, as a condition on `events.entity`.
pub(crate) const PATIENT_ENTITIES: &str = "entity >= 'patient/' AND entity < 'patient0'";

/// Events whose entity a backfill sets at a time (then folds them).
pub(crate) const BACKFILL_CHUNK: i64 = 2_000;
