//! Reads of the projections. Each takes a connection, so it works on the read
//! connection and inside a write transaction alike.

use crate::error::{Error, Result};
use chrono::NaiveDate;
use chrono_tz::Tz;
use medicloud_core::domain::{
    Appointment, Clinic, Counter, CounterId, Device, Patient, Service, ServiceCode, StaffUser,
    StepId,
};
use medicloud_core::ids::{AppointmentId, PatientId, TicketId};
use medicloud_core::schedule::DeskReserve;
use medicloud_core::ticket::{Ticket, TicketStatus};
use medicloud_core::wait::ServiceTime;
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

/// The time zone used when no clinic has been configured yet.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Jakarta;

fn records<T: DeserializeOwned>(conn: &Connection, prefix: &str) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM records WHERE entity >= ?1 AND entity < ?2 ORDER BY entity",
    )?;
    // `prefix/` .. `prefix0`: every key that starts with `prefix/`.
    let rows = stmt.query_map(params![format!("{prefix}/"), format!("{prefix}0")], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|body| Ok(serde_json::from_str(&body?)?)).collect()
}

fn record<T: DeserializeOwned>(conn: &Connection, entity: &str) -> Result<Option<T>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM records WHERE entity = ?1",
            [entity],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| Ok(serde_json::from_str(&b)?)).transpose()
}

/// The clinic, once configured.
pub fn clinic(conn: &Connection) -> Result<Option<Clinic>> {
    record(conn, "clinic")
}

/// The clinic's time zone (labels restart at its midnight).
pub fn time_zone(conn: &Connection) -> Result<Tz> {
    Ok(clinic(conn)?
        .and_then(|c| c.time_zone.parse().ok())
        .unwrap_or(DEFAULT_TIME_ZONE))
}

/// The desk places escrowed for `service` on `day` ([`DeskReserve`]), used or not.
pub fn desk_reserves(
    conn: &Connection,
    service: &ServiceCode,
    day: NaiveDate,
) -> Result<Vec<DeskReserve>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM records
          WHERE entity >= 'desk_reserve/' AND entity < 'desk_reserve0'
            AND json_extract(body, '$.service') = ?1 AND json_extract(body, '$.date') = ?2
          ORDER BY entity",
    )?;
    let rows = stmt.query_map(params![service.as_str(), day.to_string()], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|body| Ok(serde_json::from_str(&body?)?)).collect()
}

/// All services, by code.
pub fn services(conn: &Connection) -> Result<Vec<Service>> {
    records(conn, "service")
}

/// One service.
pub fn service(conn: &Connection, code: &ServiceCode) -> Result<Option<Service>> {
    record(conn, &format!("service/{code}"))
}

/// All counters and rooms, by id.
pub fn counters(conn: &Connection) -> Result<Vec<Counter>> {
    records(conn, "counter")
}

/// One counter.
pub fn counter(conn: &Connection, id: &CounterId) -> Result<Option<Counter>> {
    record(conn, &format!("counter/{id}"))
}

/// All staff accounts.
pub fn staff(conn: &Connection) -> Result<Vec<StaffUser>> {
    records(conn, "staff")
}

/// All registered devices.
pub fn devices(conn: &Connection) -> Result<Vec<Device>> {
    records(conn, "device")
}

/// All patients.
pub fn patients(conn: &Connection) -> Result<Vec<Patient>> {
    records(conn, "patient")
}

/// One patient.
pub fn patient(conn: &Connection, id: PatientId) -> Result<Option<Patient>> {
    record(conn, &format!("patient/{id}"))
}

/// One ticket.
pub fn ticket(conn: &Connection, id: TicketId) -> Result<Option<Ticket>> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM tickets WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    state.map(|s| Ok(serde_json::from_str(&s)?)).transpose()
}

/// A ticket's label alone (no fold state read), e.g. for the audit trail's rows.
pub fn ticket_label(conn: &Connection, id: TicketId) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT label FROM tickets WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

/// The tickets of one service day (and any dated later: a device whose clock runs ahead
/// must not hide its tickets), optionally of one service and status, in issue order.
pub fn tickets(
    conn: &Connection,
    day: NaiveDate,
    service: Option<&ServiceCode>,
    status: Option<TicketStatus>,
) -> Result<Vec<Ticket>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, state FROM tickets WHERE day >= ?1
           AND (?2 IS NULL OR service = ?2) AND (?3 IS NULL OR status = ?3)
         ORDER BY issued_at, id",
    )?;
    let mut rows = stmt.query(params![
        day.to_string(),
        service.map(|s| s.as_str()),
        status.map(|s| s.as_str())
    ])?;
    let mut decoded = DECODED.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let text = |i: usize| -> Result<&str> {
            row.get_ref(i)?
                .as_str()
                .map_err(|e| Error::Corrupt(format!("a ticket row: {e}")))
        };
        out.push(decoded.ticket(text(0)?, text(1)?, day)?);
    }
    Ok(out)
}

/// Tickets decoded from their stored JSON, by id, with the JSON they came from. The
/// queues read every ticket of the day, often inside the one write (a ticket's printed
/// wait); decoding each again was most of that write's time. A hit is only taken when the
/// stored JSON is byte for byte the one decoded, so it is the same ticket whichever
/// database or moment it came from.
static DECODED: std::sync::LazyLock<std::sync::Mutex<Decoded>> =
    std::sync::LazyLock::new(Default::default);

#[derive(Default)]
struct Decoded(std::collections::HashMap<String, (String, Ticket)>);

impl Decoded {
    /// Most tickets kept: a busy day of a large clinic, several times over.
    const MOST: usize = 5_000;

    /// The ticket `id` stored as `state`, read for the queues of `day` on.
    fn ticket(&mut self, id: &str, state: &str, day: NaiveDate) -> Result<Ticket> {
        if let Some((json, ticket)) = self.0.get(id)
            && json == state
        {
            return Ok(ticket.clone());
        }
        let ticket: Ticket = serde_json::from_str(state)?;
        if self.0.len() >= Self::MOST {
            // Earlier days' tickets are not read for the queues again; past that, start over.
            self.0.retain(|_, (_, t)| t.issue.day >= day);
            if self.0.len() >= Self::MOST {
                self.0.clear();
            }
        }
        self.0
            .insert(id.to_owned(), (state.to_owned(), ticket.clone()));
        Ok(ticket)
    }
}

/// The key of service times observed at `step` of `service` (`A`, or `A/room`).
pub fn service_time_key(service: &ServiceCode, step: Option<&StepId>) -> String {
    match step {
        None => service.to_string(),
        Some(step) => format!("{service}/{step}"),
    }
}

/// The observed service time of a service at a step (the default before any
/// completion); `key` is [`service_time_key`].
pub fn service_time(conn: &Connection, key: &str) -> Result<ServiceTime> {
    Ok(conn
        .query_row(
            "SELECT mean_seconds, samples FROM service_times WHERE service = ?1",
            [key],
            |r| {
                Ok(ServiceTime {
                    mean_seconds: r.get(0)?,
                    samples: r.get::<_, i64>(1)? as u64,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// An appointment with its check-in state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentRow {
    /// The booking.
    pub appointment: Appointment,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// The ticket it was checked in with.
    pub ticket: Option<TicketId>,
}

fn appointment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, bool, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn to_appointment(row: (String, bool, Option<String>)) -> Result<AppointmentRow> {
    let (body, cancelled, ticket) = row;
    let ticket = ticket
        .map(|t| {
            t.parse()
                .map_err(|_| Error::Corrupt("appointment ticket id".into()))
        })
        .transpose()?;
    Ok(AppointmentRow {
        appointment: serde_json::from_str(&body)?,
        cancelled,
        ticket,
    })
}

/// The appointment with a booking code (codes are unique among live bookings).
pub fn appointment_by_code(conn: &Connection, code: &str) -> Result<Option<AppointmentRow>> {
    conn.query_row(
        "SELECT body, cancelled, ticket FROM appointments WHERE code = ?1
         ORDER BY cancelled, day DESC LIMIT 1",
        [code],
        appointment_row,
    )
    .optional()?
    .map(to_appointment)
    .transpose()
}

/// One appointment.
pub fn appointment(conn: &Connection, id: AppointmentId) -> Result<Option<AppointmentRow>> {
    conn.query_row(
        "SELECT body, cancelled, ticket FROM appointments WHERE id = ?1",
        [id.to_string()],
        appointment_row,
    )
    .optional()?
    .map(to_appointment)
    .transpose()
}

/// The appointments of one day, by slot.
pub fn appointments(conn: &Connection, day: NaiveDate) -> Result<Vec<AppointmentRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body, cancelled, ticket FROM appointments WHERE day = ?1
         ORDER BY json_extract(body, '$.slot_start'), code",
    )?;
    let rows = stmt.query_map([day.to_string()], appointment_row)?;
    rows.map(|row| to_appointment(row?)).collect()
}

/// How many events the log holds (all origins).
pub fn event_count(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Walks the log from the newest stamp down to `since` (a stamp), in the order
/// `(stamp, origin, seq)`, handing each event to `visit` until it returns `false`.
/// `since` is a stamp as stored (the physical milliseconds shifted left by 16).
pub fn events_newest_first(
    conn: &Connection,
    since: i64,
    mut visit: impl FnMut(medicloud_core::event::Event) -> bool,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM events WHERE stamp >= ?1 ORDER BY stamp DESC, origin, seq",
    )?;
    let rows = stmt.query_map([since], |r| r.get::<_, String>(0))?;
    for body in rows {
        if !visit(serde_json::from_str(&body?)?) {
            break;
        }
    }
    Ok(())
}

/// A ticket step that lost to a concurrent one, for staff to look at.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ConflictView {
    /// The ticket.
    pub ticket: TicketId,
    /// Its label.
    pub label: String,
    /// Its service.
    pub service: ServiceCode,
    /// The refused step (`call`, `serve`, …).
    pub step: String,
    /// Why it was refused, e.g. it had already been called at another counter.
    pub reason: String,
    /// The counter that asked for the refused step, when it names one.
    pub counter: Option<String>,
    /// When the refused step was taken (ms since the Unix epoch).
    pub at_ms: i64,
}

/// The refused steps on tickets of `day` and later, newest first.
pub fn conflicts(conn: &Connection, day: NaiveDate) -> Result<Vec<ConflictView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT state FROM tickets WHERE day >= ?1 AND json_array_length(state, '$.conflicts') > 0",
    )?;
    let rows = stmt.query_map([day.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for state in rows {
        let ticket: Ticket = serde_json::from_str(&state?)?;
        for conflict in &ticket.conflicts {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM events WHERE origin = ?1 AND seq = ?2",
                    params![conflict.event.origin.to_string(), conflict.event.seq as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let event: Option<medicloud_core::event::Event> =
                body.map(|b| serde_json::from_str(&b)).transpose()?;
            let counter = event.as_ref().and_then(|e| match &e.body {
                medicloud_core::event::EventBody::Ticket {
                    change: medicloud_core::ticket::TicketChange::Called { counter },
                    ..
                } => Some(counter.to_string()),
                _ => None,
            });
            out.push(ConflictView {
                ticket: ticket.id,
                label: ticket.label().to_owned(),
                service: ticket.issue.service.clone(),
                step: conflict.step.clone(),
                reason: conflict.reason.clone(),
                counter,
                at_ms: event.map_or(0, |e| e.stamp.physical_ms() as i64),
            });
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.at_ms));
    Ok(out)
}

/// What the reports read of the tickets of service days `from` to `to` (inclusive), by
/// the indexed `day` column: only the fields a report needs are built from each state.
pub fn report_tickets(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<medicloud_core::report::ReportTicket>> {
    report_tickets_without(conn, from, to, "")
}

/// The tickets of service days `from` to `to` (inclusive) whose day has no report
/// facts kept of `basis` (see `report_days`), as [`report_tickets`] reads them.
pub fn report_tickets_without(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    basis: &str,
) -> Result<Vec<medicloud_core::report::ReportTicket>> {
    let mut stmt = conn.prepare_cached(
        "SELECT state FROM tickets WHERE day >= ?1 AND day <= ?2
            AND day NOT IN (SELECT day FROM report_days
                             WHERE day >= ?1 AND day <= ?2 AND basis = ?3)",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string(), basis])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        // Borrowed from the row: no copy of the text before it is read.
        let state = row
            .get_ref(0)?
            .as_str()
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        out.push(serde_json::from_str(state)?);
    }
    Ok(out)
}

/// The report facts kept of service days `from` to `to` (inclusive) of `basis`, and
/// the generation of every day of the range that has one (see `report_days`).
pub fn report_days(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    basis: &str,
) -> Result<(
    Vec<medicloud_core::report::Facts>,
    std::collections::BTreeMap<NaiveDate, i64>,
)> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, gen, CASE WHEN basis = ?3 THEN facts END FROM report_days
          WHERE day >= ?1 AND day <= ?2",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string(), basis])?;
    let (mut kept, mut generations) = (Vec::new(), std::collections::BTreeMap::new());
    while let Some(row) = rows.next()? {
        let day: String = row.get(0)?;
        let day = day
            .parse()
            .map_err(|_| Error::Corrupt(format!("report day {day}")))?;
        generations.insert(day, row.get(1)?);
        let facts = row.get_ref(2)?.as_str_or_null();
        if let Some(facts) = facts.map_err(|e| Error::Corrupt(e.to_string()))? {
            kept.push(serde_json::from_str(facts)?);
        }
    }
    Ok((kept, generations))
}

/// Keeps the facts of each of `days` of `basis`, where the day's generation is still
/// the one they were computed at (see `report_days`); returns how many were kept.
pub fn keep_report_days(
    conn: &Connection,
    basis: &str,
    days: &[medicloud_core::report::DayFacts],
) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO report_days (day, gen, basis, facts) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (day) DO UPDATE SET basis = excluded.basis, facts = excluded.facts
          WHERE report_days.gen = excluded.gen",
    )?;
    let mut kept = 0;
    for d in days {
        kept += stmt.execute(params![
            d.day.to_string(),
            d.generation,
            basis,
            serde_json::to_string(&d.facts)?
        ])?;
    }
    Ok(kept)
}

/// The appointments of service days `from` to `to` (inclusive), folded as the reports
/// take them (a cancellation's reason is not kept here: an empty one).
pub fn report_appointments(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<medicloud_core::appointment::AppointmentState>> {
    let mut stmt = conn
        .prepare_cached("SELECT body, cancelled FROM appointments WHERE day >= ?1 AND day <= ?2")?;
    let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })?;
    rows.map(|row| {
        let (body, cancelled) = row?;
        Ok(medicloud_core::appointment::AppointmentState {
            appointment: serde_json::from_str(&body)?,
            cancelled: cancelled.then(String::new),
        })
    })
    .collect()
}
