//! What the FHIR API ([`crate::fhir`]) reads beyond the configuration: the `patients`
//! projection and the visits (the tickets of one journey, a FHIR Encounter), searched
//! and paged in the database, behind [`FhirStorage`], on both engines.
//!
//! A search is one clinic's: its matches as an AND of OR-groups ([`PatientMatch`],
//! [`VisitMatch`]: the parameters of a FHIR search, each value list one group), a page
//! of them in a stable order (patients by id; visits by when they began, then id) and
//! how many match in all. The SQL is made once here for both engines ([`Sql`]), with
//! every value bound, never spliced.
//!
//! A visit's state is decided by [`VisitState::of`] from the statuses of its tickets,
//! the rule the search's SQL spells too ([`VisitState::rank_sql`]): a visit served
//! somewhere is in progress, else one waiting or called has arrived, else one done is
//! finished, else one cancelled or not come is cancelled; a visit whose tickets were
//! all transferred (its continuation not here yet) is on its way, and counts as
//! arrived.

use super::{Postgres, Result, Sqlite, StorageError, parse};
use crate::projection;
use medicloud_core::domain::Patient;
use medicloud_core::event::Stamp;
use medicloud_core::ids::{ClinicId, VisitId};
use medicloud_core::ticket::{Ticket, TicketStatus};
use rusqlite::types::ToSqlOutput;
use std::collections::HashMap;
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

// --- SQL for both engines ------------------------------------------------------------

/// A value bound to a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Text(String),
    Int(i64),
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Value::Text(t) => t.to_sql(),
            Value::Int(i) => i.to_sql(),
        }
    }
}

impl Value {
    fn pg(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        match self {
            Value::Text(t) => t,
            Value::Int(i) => i,
        }
    }
}

/// The engine a statement is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// A statement under construction: its text and the values it binds, in order.
#[derive(Debug)]
struct Sql {
    engine: Engine,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(engine: Engine) -> Self {
        Self {
            engine,
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds `value` where the text goes on.
    fn bind(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        let n = self.values.len();
        match self.engine {
            Engine::Sqlite => self.text.push_str(&format!("?{n}")),
            Engine::Postgres => self.text.push_str(&format!("${n}")),
        }
        self
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.bind(Value::Text(value.to_owned()))
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Value::Int(value))
    }

    /// `COLLATE "C"` on PostgreSQL (byte order, as SQLite's), nothing on SQLite.
    fn bytewise(&mut self) -> &mut Self {
        if self.engine == Engine::Postgres {
            self.text.push_str(" COLLATE \"C\"");
        }
        self
    }

    /// ` AND (a OR b …)` for each group: every group holds, through one of its matches.
    fn all_of<M>(&mut self, groups: &[Vec<M>], one: impl Fn(&mut Self, &M)) {
        for group in groups {
            self.push(" AND (");
            if group.is_empty() {
                self.push("1 = 0");
            }
            for (i, m) in group.iter().enumerate() {
                if i > 0 {
                    self.push(" OR ");
                }
                one(self, m);
            }
            self.push(")");
        }
    }

    fn paging(&mut self, paging: Paging) {
        self.push(" LIMIT ")
            .int(paging.count as i64)
            .push(" OFFSET ")
            .int(paging.offset as i64);
    }
}

/// `%` and `_` taken as themselves in a `LIKE … ESCAPE '\'` pattern.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn patient_match(sql: &mut Sql, m: &PatientMatch) {
    match m {
        PatientMatch::Id(id) => {
            sql.push("id = ").text(id);
        }
        PatientMatch::Nik(nik) => {
            sql.push("nik = ").text(nik);
        }
        PatientMatch::Bpjs(bpjs) => {
            sql.push("bpjs = ").text(bpjs);
        }
        PatientMatch::NikOrBpjs(value) => {
            sql.push("(nik = ")
                .text(value)
                .push(" OR bpjs = ")
                .text(value)
                .push(")");
        }
        PatientMatch::Name(start) => {
            let start = like_escaped(&projection::name_key(start));
            sql.push("(name_key LIKE ")
                .text(&format!("{start}%"))
                .push(" ESCAPE '\\' OR name_key LIKE ")
                .text(&format!("% {start}%"))
                .push(" ESCAPE '\\')");
        }
        PatientMatch::Born {
            from,
            until,
            outside,
        } => {
            // A patient whose date of birth is not known matches neither way.
            sql.push("(birth_date IS NOT NULL AND ").push(if *outside {
                "NOT (1 = 1"
            } else {
                "(1 = 1"
            });
            if let Some(from) = from {
                sql.push(" AND birth_date >= ").text(from);
            }
            if let Some(until) = until {
                sql.push(" AND birth_date < ").text(until);
            }
            sql.push("))");
        }
        PatientMatch::Never => {
            sql.push("1 = 0");
        }
    }
}

/// `SELECT body, stamp, <total>` of the page, and the count alone.
fn patients_sql(
    engine: Engine,
    clinic: ClinicId,
    filter: &[Vec<PatientMatch>],
    paging: Paging,
) -> (Sql, Sql) {
    let where_ = |sql: &mut Sql| {
        sql.push(" FROM patients WHERE clinic_id = ")
            .text(&clinic.to_string());
        sql.all_of(filter, patient_match);
    };
    let mut page = Sql::new(engine);
    page.push("SELECT body, stamp, COUNT(*) OVER ()");
    where_(&mut page);
    page.push(" ORDER BY id").bytewise();
    page.paging(paging);
    let mut count = Sql::new(engine);
    count.push("SELECT COUNT(*)");
    where_(&mut count);
    (page, count)
}

/// Whether a match is the visit's own (its id, a ticket's patient or appointment),
/// decidable before the tickets are grouped into visits.
fn restricts_visits(m: &VisitMatch) -> bool {
    matches!(
        m,
        VisitMatch::Id(_) | VisitMatch::Patient(_) | VisitMatch::Appointment(_) | VisitMatch::Never
    )
}

/// The period's end in the grouped visits' select.
const VISIT_END: &str = "(CASE WHEN v.visit_rank IN (3, 4) THEN v.last_ms END)";

fn visit_match(sql: &mut Sql, clinic: &str, m: &VisitMatch) {
    match m {
        VisitMatch::Id(id) => {
            sql.push("visit_id = ").text(id);
        }
        VisitMatch::Patient(patient) => {
            sql.push("visit_id IN (SELECT visit_id FROM tickets WHERE clinic_id = ")
                .text(clinic)
                .push(" AND patient_id = ")
                .text(patient)
                .push(")");
        }
        VisitMatch::Appointment(appointment) => {
            sql.push("visit_id IN (SELECT visit_id FROM tickets WHERE clinic_id = ")
                .text(clinic)
                .push(" AND appointment_id = ")
                .text(appointment)
                .push(")");
        }
        VisitMatch::State(state) => {
            let ranks: &[VisitState] = match state {
                // A visit on its way between services has arrived at the next one.
                VisitState::Arrived | VisitState::Moving => {
                    &[VisitState::Arrived, VisitState::Moving]
                }
                other => std::slice::from_ref(other),
            };
            let list: Vec<String> = ranks.iter().map(|r| (*r as i64).to_string()).collect();
            sql.push(&format!("v.visit_rank IN ({})", list.join(", ")));
        }
        VisitMatch::Period(period) => match *period {
            PeriodMatch::Within {
                from,
                until,
                outside,
            } => {
                sql.push(if outside { "NOT (" } else { "(" })
                    .push("v.start_ms >= ")
                    .int(from)
                    .push(&format!(" AND {VISIT_END} IS NOT NULL AND {VISIT_END} < "))
                    .int(until)
                    .push(")");
            }
            PeriodMatch::EndsAtOrAfter(at) => {
                sql.push(&format!("({VISIT_END} IS NULL OR {VISIT_END} >= "))
                    .int(at)
                    .push(")");
            }
            PeriodMatch::EndsBefore(at) => {
                sql.push(&format!("({VISIT_END} IS NOT NULL AND {VISIT_END} < "))
                    .int(at)
                    .push(")");
            }
            PeriodMatch::StartsBefore(at) => {
                sql.push("v.start_ms < ").int(at);
            }
            PeriodMatch::StartsAtOrAfter(at) => {
                sql.push("v.start_ms >= ").int(at);
            }
        },
        VisitMatch::Never => {
            sql.push("1 = 0");
        }
    }
}

/// `SELECT visit_id, <total>` of the page, and the count alone: the clinic's tickets
/// grouped by visit (only the visits the visit's own matches name), then the rest of
/// the matches on the groups.
fn visits_sql(
    engine: Engine,
    clinic: ClinicId,
    filter: &[Vec<VisitMatch>],
    paging: Paging,
) -> (Sql, Sql) {
    let clinic = clinic.to_string();
    let (own, grouped): (Vec<Vec<VisitMatch>>, Vec<Vec<VisitMatch>>) = filter
        .iter()
        .cloned()
        .partition(|group| group.iter().all(restricts_visits));
    let from = |sql: &mut Sql| {
        sql.push(&format!(
            " FROM (SELECT visit_id, MIN(issued_at) AS start_ms, MAX(finished_at) AS last_ms,
                   MIN({}) AS visit_rank
              FROM tickets WHERE clinic_id = ",
            VisitState::rank_sql()
        ))
        .text(&clinic)
        .push(" AND visit_id IS NOT NULL");
        sql.all_of(&own, |sql, m| visit_match(sql, &clinic, m));
        sql.push(" GROUP BY visit_id) v WHERE 1 = 1");
        sql.all_of(&grouped, |sql, m| visit_match(sql, &clinic, m));
    };
    let mut page = Sql::new(engine);
    page.push("SELECT v.visit_id, COUNT(*) OVER ()");
    from(&mut page);
    page.push(" ORDER BY v.start_ms, v.visit_id").bytewise();
    page.paging(paging);
    let mut count = Sql::new(engine);
    count.push("SELECT COUNT(*)");
    from(&mut count);
    (page, count)
}

/// The tickets of `visits` (of `clinic`).
fn tickets_sql(engine: Engine, clinic: ClinicId, visits: &[String]) -> Sql {
    let mut sql = Sql::new(engine);
    sql.push("SELECT visit_id, state FROM tickets WHERE clinic_id = ")
        .text(&clinic.to_string())
        .push(" AND visit_id IN (");
    for (i, visit) in visits.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.text(visit);
    }
    sql.push(") ORDER BY issued_at, id").bytewise();
    sql
}

fn holding_sql(engine: Engine, holder: Holder, id: &str) -> Sql {
    let mut sql = Sql::new(engine);
    match holder {
        Holder::Patient => sql.push("SELECT DISTINCT clinic_id FROM patients WHERE id = "),
        Holder::Visit => sql.push("SELECT DISTINCT clinic_id FROM tickets WHERE visit_id = "),
        Holder::Staff => sql.push("SELECT DISTINCT clinic_id FROM records WHERE entity = "),
    };
    match holder {
        Holder::Staff => sql.text(&format!("staff/{id}")),
        _ => sql.text(id),
    };
    sql
}

fn stored_patient(body: &str, stamp: i64) -> Result<StoredPatient> {
    Ok(StoredPatient {
        patient: serde_json::from_str(body)?,
        updated_ms: Stamp(stamp as u64).at_ms(),
    })
}

/// The visits named by `ids`, in that order, from their tickets' `(visit_id, state)`.
fn visits_of(ids: &[String], rows: Vec<(String, String)>) -> Result<Vec<Visit>> {
    let mut by_visit: HashMap<String, Vec<Ticket>> = HashMap::new();
    for (visit, state) in rows {
        by_visit
            .entry(visit)
            .or_default()
            .push(projection::ticket_of(&state)?);
    }
    ids.iter()
        .map(|id| {
            Ok(Visit {
                id: parse(id, "visit id")?,
                tickets: by_visit.remove(id).unwrap_or_default(),
            })
        })
        .collect()
}

fn count(total: i64) -> Result<usize> {
    usize::try_from(total).map_err(|_| StorageError::Corrupt(format!("a count of {total}")))
}

// --- SQLite -------------------------------------------------------------------------

fn sqlite_count(conn: &rusqlite::Connection, sql: &Sql) -> Result<usize> {
    let total: i64 = conn
        .prepare_cached(&sql.text)?
        .query_row(rusqlite::params_from_iter(sql.values.iter()), |r| r.get(0))?;
    count(total)
}

impl FhirStorage for Sqlite {
    async fn patients(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<PatientMatch>>,
        paging: Paging,
    ) -> Result<Found<StoredPatient>> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let (page, count_sql) = patients_sql(Engine::Sqlite, clinic, &filter, paging);
            let rows: Vec<(String, i64, i64)> = {
                let mut stmt = tx.prepare_cached(&page.text)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(page.values.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let total = match rows.first() {
                Some((_, _, total)) => count(*total)?,
                None => sqlite_count(&tx, &count_sql)?,
            };
            let items = rows
                .iter()
                .map(|(body, stamp, _)| stored_patient(body, *stamp))
                .collect::<Result<_>>()?;
            tx.commit()?;
            Ok(Found { total, items })
        })
        .await
    }

    async fn visits(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<VisitMatch>>,
        paging: Paging,
    ) -> Result<Found<Visit>> {
        self.run(move |conn| {
            // One snapshot of the page and its tickets.
            let tx = conn.transaction()?;
            let (page, count_sql) = visits_sql(Engine::Sqlite, clinic, &filter, paging);
            let rows: Vec<(String, i64)> = {
                let mut stmt = tx.prepare_cached(&page.text)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(page.values.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let total = match rows.first() {
                Some((_, total)) => count(*total)?,
                None => sqlite_count(&tx, &count_sql)?,
            };
            let ids: Vec<String> = rows.into_iter().map(|(id, _)| id).collect();
            let tickets = if ids.is_empty() {
                Vec::new()
            } else {
                let sql = tickets_sql(Engine::Sqlite, clinic, &ids);
                let mut stmt = tx.prepare(&sql.text)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(sql.values.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let items = visits_of(&ids, tickets)?;
            tx.commit()?;
            Ok(Found { total, items })
        })
        .await
    }

    async fn clinics_holding(&self, holder: Holder, id: String) -> Result<Vec<ClinicId>> {
        self.run(move |conn| {
            let sql = holding_sql(Engine::Sqlite, holder, &id);
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(sql.values.iter()), |r| {
                r.get::<_, String>(0)
            })?;
            rows.map(|clinic| parse(&clinic?, "clinic id")).collect()
        })
        .await
    }
}

// --- PostgreSQL ---------------------------------------------------------------------

fn pg_values(sql: &Sql) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    sql.values.iter().map(Value::pg).collect()
}

impl FhirStorage for Postgres {
    async fn patients(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<PatientMatch>>,
        paging: Paging,
    ) -> Result<Found<StoredPatient>> {
        let client = self.client().await?;
        let (page, count_sql) = patients_sql(Engine::Postgres, clinic, &filter, paging);
        let rows = client.query(&page.text, &pg_values(&page)).await?;
        let total = match rows.first() {
            Some(r) => count(r.get(2))?,
            None => count(
                client
                    .query_one(&count_sql.text, &pg_values(&count_sql))
                    .await?
                    .get(0),
            )?,
        };
        let items = rows
            .iter()
            .map(|r| stored_patient(r.get(0), r.get(1)))
            .collect::<Result<_>>()?;
        Ok(Found { total, items })
    }

    async fn visits(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<VisitMatch>>,
        paging: Paging,
    ) -> Result<Found<Visit>> {
        let mut client = self.client().await?;
        // One snapshot of the page and its tickets.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let (page, count_sql) = visits_sql(Engine::Postgres, clinic, &filter, paging);
        let rows = tx.query(&page.text, &pg_values(&page)).await?;
        let total = match rows.first() {
            Some(r) => count(r.get(1))?,
            None => count(
                tx.query_one(&count_sql.text, &pg_values(&count_sql))
                    .await?
                    .get(0),
            )?,
        };
        let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let tickets = if ids.is_empty() {
            Vec::new()
        } else {
            let sql = tickets_sql(Engine::Postgres, clinic, &ids);
            tx.query(&sql.text, &pg_values(&sql))
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect()
        };
        tx.commit().await?;
        Ok(Found {
            total,
            items: visits_of(&ids, tickets)?,
        })
    }

    async fn clinics_holding(&self, holder: Holder, id: String) -> Result<Vec<ClinicId>> {
        let client = self.client().await?;
        let sql = holding_sql(Engine::Postgres, holder, &id);
        client
            .query(&sql.text, &pg_values(&sql))
            .await?
            .iter()
            .map(|r| parse(r.get::<_, &str>(0), "clinic id"))
            .collect()
    }
}

macro_rules! both {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            super::AnyStorage::Sqlite($s) => $call.await,
            super::AnyStorage::Postgres($s) => $call.await,
        }
    };
}

impl FhirStorage for super::AnyStorage {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_never_spliced() {
        let clinic = ClinicId::random();
        let filter = vec![
            vec![PatientMatch::Name("o'brien%".into())],
            vec![PatientMatch::Nik("1".into()), PatientMatch::Never],
        ];
        let paging = Paging {
            offset: 20,
            count: 10,
        };
        let (page, _) = patients_sql(Engine::Postgres, clinic, &filter, paging);
        assert!(!page.text.contains("o'brien"), "{}", page.text);
        assert!(page.text.contains("LIMIT $5 OFFSET $6"), "{}", page.text);
        assert_eq!(page.values[1], Value::Text("o'brien\\%%".into()));
        assert_eq!(page.values[2], Value::Text("% o'brien\\%%".into()));
        let (page, _) = patients_sql(Engine::Sqlite, clinic, &filter, paging);
        assert!(page.text.contains("(nik = ?4 OR 1 = 0)"), "{}", page.text);
    }

    #[test]
    fn a_visit_stands_where_its_most_active_ticket_does() {
        use TicketStatus as S;
        let cases = [
            (&[S::Transferred, S::Serving][..], VisitState::InProgress),
            (&[S::Transferred, S::Waiting], VisitState::Arrived),
            (&[S::Transferred, S::Done], VisitState::Finished),
            (&[S::NoShow], VisitState::Cancelled),
            (&[S::Transferred], VisitState::Moving),
            (&[S::Called], VisitState::Arrived),
        ];
        for (statuses, want) in cases {
            let got = statuses.iter().map(|s| VisitState::of_ticket(*s)).min();
            assert_eq!(got, Some(want), "{statuses:?}");
        }
        let sql = VisitState::rank_sql();
        assert!(sql.contains("WHEN 'serving' THEN 1"), "{sql}");
        assert!(sql.contains("WHEN 'no_show' THEN 4"), "{sql}");
        assert!(VisitState::Finished.is_over() && !VisitState::Moving.is_over());
    }
}
