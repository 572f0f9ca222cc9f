//! Replicas, events and state hashes for the sync tests.

use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId, TicketId, VisitId};
use medicloud_core::ticket::{self, Issue, TicketChange};
use medicloud_sync::log::{Log, MemLog};
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use uuid::Uuid;

pub const CLINIC: ClinicId = ClinicId(Uuid::from_u128(7));

pub fn device(n: u8) -> DeviceId {
    DeviceId(Uuid::from_u128(u128::from(n) + 1))
}

/// The `step`-th kind of change on a ticket: issue, then calls from two counters, serve,
/// complete, no-show, requeue — legal or not, as replicas cut off from each other do.
pub fn change(kind: u8, n: u32) -> TicketChange {
    match kind % 6 {
        0 => TicketChange::Issued(Issue {
            service: ServiceCode::parse("A").unwrap(),
            label: format!("A-{n:03}"),
            day: chrono::NaiveDate::default(),
            priority: None,
            visit: VisitId(Uuid::from_u128(u128::from(n))),
            appointment: None,
            patient: None,
            transferred_from: None,
        }),
        1 => TicketChange::Called {
            counter: CounterId::parse("loket-1").unwrap(),
        },
        2 => TicketChange::Called {
            counter: CounterId::parse("loket-2").unwrap(),
        },
        3 => TicketChange::Served,
        4 => TicketChange::Completed,
        _ => TicketChange::NoShow,
    }
}

/// Appends an event of `origin` to `log`, on a ticket it already knows (or a new one).
pub fn append(log: &mut MemLog, origin: DeviceId, at_ms: u64, kind: u8, pick: usize) -> Event {
    let known: Vec<TicketId> = tickets(log).into_keys().collect();
    let (id, change) = if kind.is_multiple_of(6) || known.is_empty() {
        let n = log.events().count() as u32 + 1;
        (
            TicketId(Uuid::from_u128(
                u128::from(n) << 8 | u128::from(origin.0.as_u128() as u8),
            )),
            change(0, n),
        )
    } else {
        (known[pick % known.len()], change(kind, 0))
    };
    let event = Event {
        id: EventId {
            origin,
            seq: log.next_seq(origin),
        },
        stamp: Stamp::new(at_ms, 0),
        clinic: CLINIC,
        actor: Actor::Device(origin),
        body: EventBody::Ticket { id, change },
    };
    let report = log.ingest(vec![event.clone()]).unwrap();
    assert_eq!(report.accepted, 1);
    event
}

/// The folded tickets of a log.
pub fn tickets(log: &MemLog) -> BTreeMap<TicketId, ticket::Ticket> {
    let mut by_ticket: HashMap<TicketId, Vec<&Event>> = HashMap::new();
    for e in log.events() {
        if let EventBody::Ticket { id, .. } = e.body {
            by_ticket.entry(id).or_default().push(e);
        }
    }
    by_ticket
        .into_iter()
        .filter_map(|(id, events)| Some((id, ticket::fold(events)?)))
        .collect()
}

/// A hash of everything a user could see: every ticket's folded state.
pub fn state_hash(log: &MemLog) -> u64 {
    let mut h = DefaultHasher::new();
    for (id, t) in tickets(log) {
        id.hash(&mut h);
        format!("{t:?}").hash(&mut h);
    }
    h.finish()
}

/// `a` with every event of `b` ingested.
pub fn union(a: &MemLog, b: &MemLog) -> MemLog {
    let mut out = a.clone();
    out.ingest(b.events().cloned().collect()).unwrap();
    out
}
