//! The statements of [`super::FhirStorage`], written once for both engines: the text
//! with its placeholders (`?1` or `$1`) and the values bound to them.

use super::{
    Holder, Paging, PatientMatch, PeriodMatch, StoredPatient, Visit, VisitMatch, VisitState,
};
use crate::projection;
use crate::storage::{Result, StorageError, parse};
use medicloud_core::event::Stamp;
use medicloud_core::ids::ClinicId;
use medicloud_core::ticket::Ticket;
use rusqlite::types::ToSqlOutput;
use std::collections::HashMap;

/// A value bound to a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Value {
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
    pub(super) fn pg(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        match self {
            Value::Text(t) => t,
            Value::Int(i) => i,
        }
    }
}

/// The engine a statement is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Engine {
    Sqlite,
    Postgres,
}

/// A statement under construction: its text and the values it binds, in order.
#[derive(Debug)]
pub(super) struct Sql {
    engine: Engine,
    /// The statement.
    pub(super) text: String,
    /// Its values, in the order of their placeholders.
    pub(super) values: Vec<Value>,
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
pub(super) fn patients_sql(
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
pub(super) fn visits_sql(
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
pub(super) fn tickets_sql(engine: Engine, clinic: ClinicId, visits: &[String]) -> Sql {
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

pub(super) fn holding_sql(engine: Engine, holder: Holder, id: &str) -> Sql {
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

pub(super) fn stored_patient(body: &str, stamp: i64) -> Result<StoredPatient> {
    Ok(StoredPatient {
        patient: serde_json::from_str(body)?,
        updated_ms: Stamp(stamp as u64).at_ms(),
    })
}

/// The visits named by `ids`, in that order, from their tickets' `(visit_id, state)`.
pub(super) fn visits_of(ids: &[String], rows: Vec<(String, String)>) -> Result<Vec<Visit>> {
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

pub(super) fn count(total: i64) -> Result<usize> {
    usize::try_from(total).map_err(|_| StorageError::Corrupt(format!("a count of {total}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use medicloud_core::ticket::TicketStatus;

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
