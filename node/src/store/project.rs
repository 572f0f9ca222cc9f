//! Projections: the tables derived from the event log, updated in the transaction that
//! stores each event. An event that arrives late re-folds only its own entity.

use super::query;
use crate::error::Result;
use medicloud_core::event::{Entity, Event};
use medicloud_core::ids::{AppointmentId, TicketId};
use medicloud_core::ticket::{self, TicketStatus};
use medicloud_core::wait::ServiceTime;
use rusqlite::{Connection, OptionalExtension, params};

/// Folds `event` into the projections.
pub(super) fn apply(conn: &Connection, event: &Event) -> Result<()> {
    match event.entity() {
        Entity::Ticket(id) => ticket(conn, id),
        Entity::Appointment(id) => appointment(conn, id),
        Entity::Audit => Ok(()),
        entity => record(conn, &entity, event),
    }
}

/// All stored events of one entity, in no particular order (the folds sort).
fn entity_events(conn: &Connection, entity: &Entity) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached("SELECT body FROM events WHERE entity = ?1")?;
    let rows = stmt.query_map([entity.to_string()], |r| r.get::<_, String>(0))?;
    let mut events = Vec::new();
    for body in rows {
        events.push(serde_json::from_str(&body?)?);
    }
    Ok(events)
}

fn ticket(conn: &Connection, id: TicketId) -> Result<()> {
    let events = entity_events(conn, &Entity::Ticket(id))?;
    let Some(ticket) = ticket::fold(&events) else {
        return Ok(()); // its issue event has not arrived yet
    };
    let day = ticket.issue.day;
    let previous: Option<(String, Option<usize>)> = conn
        .query_row(
            "SELECT status, json_array_length(state, '$.finished_steps')
               FROM tickets WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    conn.execute(
        "INSERT INTO tickets (id, day, service, label, status, counter, issued_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, status = excluded.status,
             counter = excluded.counter, state = excluded.state",
        params![
            id.to_string(),
            day.to_string(),
            ticket.issue.service.as_str(),
            ticket.label(),
            ticket.status.as_str(),
            ticket.counter.as_ref().map(|c| c.as_str()),
            ticket.issued_at_ms,
            serde_json::to_string(&ticket)?,
        ],
    )?;
    // The day's kept report facts are no longer its tickets' (see report_days).
    conn.prepare_cached(
        "INSERT INTO report_days (day, gen) VALUES (?1, 1)
         ON CONFLICT (day) DO UPDATE SET gen = gen + 1, basis = NULL, facts = NULL",
    )?
    .execute([day.to_string()])?;
    // Service times, per step: of each step newly finished, and of the last when the
    // ticket is newly done.
    let (was_done, steps_before) = match &previous {
        Some((status, steps)) => (status == TicketStatus::Done.as_str(), steps.unwrap_or(0)),
        None => (false, 0),
    };
    let service = &ticket.issue.service;
    for step in ticket.finished_steps.iter().skip(steps_before) {
        if let Some(called) = step.called_at_ms {
            observe(
                conn,
                &query::service_time_key(service, step.step.as_ref()),
                called,
                step.finished_at_ms,
            )?;
        }
    }
    if let (true, false, Some(called), Some(done)) = (
        ticket.status == TicketStatus::Done,
        was_done,
        ticket.called_at_ms,
        ticket.finished_at_ms,
    ) {
        observe(
            conn,
            &query::service_time_key(service, ticket.step.as_ref()),
            called,
            done,
        )?;
    }
    if let Some(slot) = ticket.issue.appointment {
        conn.execute(
            "UPDATE appointments SET ticket = ?1 WHERE id = ?2 AND ticket IS NULL",
            params![id.to_string(), slot.id.to_string()],
        )?;
    }
    Ok(())
}

/// Adds one observed service time (from the call to the end of the step) to `key`'s.
fn observe(conn: &Connection, key: &str, called_ms: i64, finished_ms: i64) -> Result<()> {
    let mut st = query::service_time(conn, key)?;
    st.observe((finished_ms - called_ms) as f64 / 1000.0);
    store_service_time(conn, key, st)
}

fn store_service_time(conn: &Connection, service: &str, st: ServiceTime) -> Result<()> {
    conn.execute(
        "INSERT INTO service_times (service, mean_seconds, samples) VALUES (?1, ?2, ?3)
         ON CONFLICT (service) DO UPDATE SET mean_seconds = excluded.mean_seconds,
             samples = excluded.samples",
        params![service, st.mean_seconds, st.samples as i64],
    )?;
    Ok(())
}

fn appointment(conn: &Connection, id: AppointmentId) -> Result<()> {
    let events = entity_events(conn, &Entity::Appointment(id))?;
    let Some(state) = medicloud_core::appointment::fold(&events) else {
        return Ok(()); // its booking has not arrived yet
    };
    let a = &state.appointment;
    // A ticket that checked it in may have been stored before the booking arrived.
    let ticket: Option<String> = conn
        .query_row(
            "SELECT id FROM tickets WHERE json_extract(state, '$.issue.appointment.id') = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "INSERT INTO appointments (id, code, day, service, cancelled, ticket, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET cancelled = excluded.cancelled,
             day = excluded.day, body = excluded.body,
             ticket = COALESCE(appointments.ticket, excluded.ticket)",
        params![
            id.to_string(),
            a.code,
            a.date.to_string(),
            a.service.as_str(),
            state.cancelled.is_some(),
            ticket,
            serde_json::to_string(a)?,
        ],
    )?;
    Ok(())
}

/// Configuration-like entities: the latest event by `(stamp, origin, seq)` wins.
fn record(conn: &Connection, entity: &Entity, event: &Event) -> Result<()> {
    let payload = serde_json::to_value(&event.body)?;
    let body = payload.get("data").cloned().unwrap_or_default();
    conn.execute(
        "INSERT INTO records (entity, kind, body, stamp, origin, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (entity) DO UPDATE SET kind = excluded.kind, body = excluded.body,
             stamp = excluded.stamp, origin = excluded.origin, seq = excluded.seq
         WHERE (excluded.stamp, excluded.origin, excluded.seq)
             > (records.stamp, records.origin, records.seq)",
        params![
            entity.to_string(),
            event.body.kind(),
            serde_json::to_string(&body)?,
            event.stamp.0 as i64,
            event.id.origin.to_string(),
            event.id.seq as i64,
        ],
    )?;
    Ok(())
}
