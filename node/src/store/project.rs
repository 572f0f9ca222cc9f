//! Projections: the tables derived from the event log, updated in the transaction that
//! stores the events. An event that arrives late re-folds only its own entity.
//!
//! Events are folded a batch at a time ([`Touched`]): the events are grouped by entity in
//! memory, each touched ticket and appointment is folded once from the events stored
//! before the batch plus the batch's own, and each touched row is written once. Service
//! times and the days' report generations are gathered in memory and written once per
//! key at the end. One local event is a batch of one.

use super::query;
use crate::error::Result;
use chrono::NaiveDate;
use medicloud_core::event::{Entity, Event};
use medicloud_core::ids::{AppointmentId, TicketId};
use medicloud_core::ticket::{self, TicketStatus};
use medicloud_core::wait::ServiceTime;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashMap};

/// The entities a batch of events touches, with what their folds need. Read with
/// [`Touched::read`] *before* the batch's events are inserted, then written with
/// [`Touched::write`] after.
pub(super) struct Touched<'e> {
    /// In the order the batch first touches them.
    entities: Vec<Group<'e>>,
}

/// One touched entity.
struct Group<'e> {
    entity: Entity,
    /// Its events in the batch, in batch order.
    new: Vec<&'e Event>,
    /// For tickets and appointments: its events stored before the batch.
    prior: Vec<Event>,
}

impl<'e> Touched<'e> {
    /// Groups `events` (about to be stored, none of them stored yet) by entity and reads
    /// the events already stored of each touched ticket and appointment.
    pub(super) fn read(conn: &Connection, events: &'e [Event]) -> Result<Self> {
        let mut index: HashMap<Entity, usize> = HashMap::new();
        let mut entities: Vec<Group<'e>> = Vec::new();
        for event in events {
            let entity = event.entity();
            if entity == Entity::Audit {
                continue;
            }
            let at = *index.entry(entity.clone()).or_insert_with(|| {
                entities.push(Group {
                    entity,
                    new: Vec::new(),
                    prior: Vec::new(),
                });
                entities.len() - 1
            });
            entities[at].new.push(event);
        }
        for group in &mut entities {
            if matches!(group.entity, Entity::Ticket(_) | Entity::Appointment(_)) {
                group.prior = entity_events(conn, &group.entity)?;
            }
        }
        Ok(Self { entities })
    }

    /// Folds every touched entity and writes its row, once each.
    pub(super) fn write(self, conn: &Connection) -> Result<()> {
        let mut side = Side::default();
        for group in &self.entities {
            let events = || group.prior.iter().chain(group.new.iter().copied());
            match &group.entity {
                Entity::Ticket(id) => {
                    ticket(conn, *id, events(), !group.prior.is_empty(), &mut side)?
                }
                Entity::Appointment(id) => appointment(conn, *id, events())?,
                Entity::Audit => {}
                entity => record(conn, entity, &group.new)?,
            }
        }
        side.write(conn)
    }
}

/// What the ticket folds of a batch change besides the tickets' rows: service times
/// (read once, observed in fold order, written once) and the days whose report facts are
/// no longer their tickets'.
#[derive(Default)]
struct Side {
    service_times: BTreeMap<String, ServiceTime>,
    days: Vec<NaiveDate>,
}

impl Side {
    fn observe(
        &mut self,
        conn: &Connection,
        key: String,
        called_ms: i64,
        finished_ms: i64,
    ) -> Result<()> {
        let st = match self.service_times.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let st = query::service_time(conn, e.key())?;
                e.insert(st)
            }
        };
        st.observe((finished_ms - called_ms) as f64 / 1000.0);
        Ok(())
    }

    fn write(mut self, conn: &Connection) -> Result<()> {
        // The day's kept report facts are no longer its tickets' (see report_days).
        self.days.sort_unstable();
        self.days.dedup();
        let mut forget = conn.prepare_cached(
            "INSERT INTO report_days (day, gen) VALUES (?1, 1)
             ON CONFLICT (day) DO UPDATE SET gen = gen + 1, basis = NULL, facts = NULL",
        )?;
        for day in &self.days {
            forget.execute([day.to_string()])?;
        }
        let mut store = conn.prepare_cached(
            "INSERT INTO service_times (service, mean_seconds, samples) VALUES (?1, ?2, ?3)
             ON CONFLICT (service) DO UPDATE SET mean_seconds = excluded.mean_seconds,
                 samples = excluded.samples",
        )?;
        for (service, st) in &self.service_times {
            store.execute(params![service, st.mean_seconds, st.samples as i64])?;
        }
        Ok(())
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

/// Re-folds ticket `id` from all its `events`; `was_stored`: whether any of them was
/// stored before this batch (else it has no row yet).
fn ticket<'a>(
    conn: &Connection,
    id: TicketId,
    events: impl Iterator<Item = &'a Event>,
    was_stored: bool,
    side: &mut Side,
) -> Result<()> {
    let Some(ticket) = ticket::fold(events) else {
        return Ok(()); // its issue event has not arrived yet
    };
    let day = ticket.issue.day;
    let previous: Option<(String, Option<usize>)> = if was_stored {
        conn.prepare_cached(
            "SELECT status, json_array_length(state, '$.finished_steps')
               FROM tickets WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
    } else {
        None
    };
    conn.prepare_cached(
        "INSERT INTO tickets (id, day, service, label, status, counter, issued_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, status = excluded.status,
             counter = excluded.counter, state = excluded.state",
    )?
    .execute(params![
        id.to_string(),
        day.to_string(),
        ticket.issue.service.as_str(),
        ticket.label(),
        ticket.status.as_str(),
        ticket.counter.as_ref().map(|c| c.as_str()),
        ticket.issued_at_ms,
        serde_json::to_string(&ticket)?,
    ])?;
    side.days.push(day);
    // Service times, per step: of each step newly finished, and of the last when the
    // ticket is newly done.
    let (was_done, steps_before) = match &previous {
        Some((status, steps)) => (status == TicketStatus::Done.as_str(), steps.unwrap_or(0)),
        None => (false, 0),
    };
    let service = &ticket.issue.service;
    for step in ticket.finished_steps.iter().skip(steps_before) {
        if let Some(called) = step.called_at_ms {
            side.observe(
                conn,
                query::service_time_key(service, step.step.as_ref()),
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
        side.observe(
            conn,
            query::service_time_key(service, ticket.step.as_ref()),
            called,
            done,
        )?;
    }
    if let Some(slot) = ticket.issue.appointment {
        conn.prepare_cached(
            "UPDATE appointments SET ticket = ?1 WHERE id = ?2 AND ticket IS NULL",
        )?
        .execute(params![id.to_string(), slot.id.to_string()])?;
    }
    Ok(())
}

fn appointment<'a>(
    conn: &Connection,
    id: AppointmentId,
    events: impl Iterator<Item = &'a Event>,
) -> Result<()> {
    let Some(state) = medicloud_core::appointment::fold(events) else {
        return Ok(()); // its booking has not arrived yet
    };
    let a = &state.appointment;
    // A ticket that checked it in may have been stored before the booking arrived.
    let ticket: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM tickets WHERE json_extract(state, '$.issue.appointment.id') = ?1",
        )?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    conn.prepare_cached(
        "INSERT INTO appointments (id, code, day, service, cancelled, ticket, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET cancelled = excluded.cancelled,
             day = excluded.day, body = excluded.body,
             ticket = COALESCE(appointments.ticket, excluded.ticket)",
    )?
    .execute(params![
        id.to_string(),
        a.code,
        a.date.to_string(),
        a.service.as_str(),
        state.cancelled.is_some(),
        ticket,
        serde_json::to_string(a)?,
    ])?;
    Ok(())
}

/// Configuration-like entities: the latest event by `(stamp, origin, seq)` wins — of the
/// batch's (compared as the table stores them), then against the row already stored.
fn record(conn: &Connection, entity: &Entity, events: &[&Event]) -> Result<()> {
    let key = |e: &Event| (e.stamp.0 as i64, e.id.origin.to_string(), e.id.seq as i64);
    let Some(event) = events.iter().copied().max_by_key(|e| key(e)) else {
        return Ok(());
    };
    let payload = serde_json::to_value(&event.body)?;
    let body = payload.get("data").cloned().unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO records (entity, kind, body, stamp, origin, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (entity) DO UPDATE SET kind = excluded.kind, body = excluded.body,
             stamp = excluded.stamp, origin = excluded.origin, seq = excluded.seq
         WHERE (excluded.stamp, excluded.origin, excluded.seq)
             > (records.stamp, records.origin, records.seq)",
    )?
    .execute(params![
        entity.to_string(),
        event.body.kind(),
        serde_json::to_string(&body)?,
        event.stamp.0 as i64,
        event.id.origin.to_string(),
        event.id.seq as i64,
    ])?;
    Ok(())
}
