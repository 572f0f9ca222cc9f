//! Events the cloud writes itself: until online bookings, the cloud only stored what
//! devices sent. Each clinic has a **cloud origin**, a [`DeviceId`] made once for it
//! (table `cloud_origins`, with the last seq and stamp written), whose series the cloud
//! writes the clinic's online bookings in. Its events travel to the clinic's nodes as
//! any device's do: a node stores events of any origin within its clinic
//! (`medicloud_sync::ingest`), and the actor is [`Actor::System`] (nobody the clinic
//! knows asked for them; the origin says it was the cloud).
//!
//! **One write** ([`AuthorStorage::author`](crate::storage::AuthorStorage::author)) is one
//! transaction: it takes the clinic's origin row lock (PostgreSQL `SELECT … FOR
//! UPDATE`, SQLite's single `IMMEDIATE` writer), reads the clinic as it stands
//! ([`Snapshot`]: the schedule from its configuration, the live appointments of one
//! service and day from the `appointments` projection and its desk reserves from
//! `records`, one booking, whether candidate
//! codes are taken), runs the caller's check on it, and when the check passes appends
//! the events it asked for as the next of the origin's series ([`next`]) through the
//! ingest's own path — heads, projections, `NOTIFY` — so everything downstream sees
//! them as any device's events. Two cloud processes on one database therefore check
//! one clinic's bookings one after the other, each seeing the other's.
//!
//! ```
//! use medicloud_cloud::author::{Origin, next};
//! use medicloud_core::event::{EventBody, Stamp};
//! use medicloud_core::ids::{ClinicId, DeviceId};
//! use medicloud_core::event::AuditEntry;
//!
//! let origin = Origin { id: DeviceId::random(), last_seq: 4, last_stamp: Stamp::new(2_000, 3) };
//! let body = || EventBody::Audited(AuditEntry {
//!     action: "x".into(), patient: None, subject: None, outcome: "ok".into(),
//! });
//! // The wall clock went back to 1,000 ms: the stamps still go forward.
//! let (events, after) = next(ClinicId::random(), &origin, 1_000, vec![body(), body()]);
//! assert_eq!((events[0].id.seq, events[1].id.seq), (5, 6));
//! assert_eq!((events[0].stamp, events[1].stamp), (Stamp::new(2_000, 4), Stamp::new(2_000, 5)));
//! assert_eq!((after.last_seq, after.last_stamp), (6, Stamp::new(2_000, 5)));
//! ```

use crate::projection::ProjectedAppointment;
use crate::storage::ClinicEntry;
use chrono::NaiveDate;
use medicloud_core::domain::{Appointment, Patient, Service, ServiceCode};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{AppointmentId, ClinicId, DeviceId};
use medicloud_core::schedule::DeskReserve;

/// Who the cloud's own events are by: nobody the clinic knows (the origin, the clinic's
/// cloud origin, says it was the cloud).
pub const ACTOR: Actor = Actor::System;

/// A clinic's cloud origin, as its row holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The origin (a device id made for the clinic's cloud series).
    pub id: DeviceId,
    /// The last seq written in it (0: none yet).
    pub last_seq: u64,
    /// The stamp of that event.
    pub last_stamp: Stamp,
}

/// What a write reads of the clinic before its check, under the origin's lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorRead {
    /// The service whose configuration (its schedule) to read (none: the service of
    /// [`AuthorRead::appointment`], when one is read)…
    pub service: Option<ServiceCode>,
    /// … and, with it, the days (first and last) whose live appointments of that
    /// service to read.
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// One appointment to read, with its ticket and its patient.
    pub appointment: Option<AppointmentId>,
    /// Candidate booking codes: [`Snapshot::taken`] says which a live appointment of the
    /// clinic holds.
    pub codes: Vec<String>,
}

/// The clinic as a write's check sees it ([`AuthorRead`] says what is read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The clinic as registered (id, name, time zone); `None`: no such clinic.
    pub clinic: Option<ClinicEntry>,
    /// Its zone (the default until its nodes set one).
    pub time_zone: chrono_tz::Tz,
    /// The service read, as the clinic's nodes last set it.
    pub service: Option<Service>,
    /// The live (not cancelled) appointments of that service on those days, as they
    /// stand (after moves).
    pub live: Vec<Appointment>,
    /// The desk reserves of that service on those days, used or not, as the latest
    /// event of each set them: an unused one is a taken desk place.
    pub reserves: Vec<DeskReserve>,
    /// The appointment read, if it is there.
    pub appointment: Option<Booking>,
    /// Which of the candidate codes a live appointment of the clinic holds.
    pub taken: Vec<String>,
}

/// An appointment as the cloud folded it, with its patient's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    /// The appointment, its cancellation and the ticket that checked it in.
    pub appointment: ProjectedAppointment,
    /// Its patient as the latest `patient_set` of the clinic's log says (none when the
    /// booking names none, or it has not arrived).
    pub patient: Option<Patient>,
}

/// What a check decided: the events to write (none: nothing to write), and what the
/// write answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<T> {
    /// Who the events are by: [`ACTOR`], the cloud, unless it writes what a node's
    /// desk asked for (then that desk's staff).
    pub actor: Actor,
    /// The bodies of the events, in order.
    pub bodies: Vec<EventBody>,
    /// The answer.
    pub value: T,
}

/// The stamp after `last` at `now_ms`: the wall clock when it is ahead, else one more
/// than `last` (a clock that went back, or two events in one millisecond), so a series'
/// stamps never go backwards — the hybrid logical clock's rule, in the stamp's layout.
pub fn next_stamp(last: Stamp, now_ms: i64) -> Stamp {
    let wall = Stamp::new(u64::try_from(now_ms).unwrap_or(0), 0);
    wall.max(Stamp(last.0.saturating_add(1)))
}

impl Origin {
    /// The origin as far as the log goes: its row's last seq and stamp, or the head the
    /// log holds of its series (`seq`, and that event's `stamp`) where that is further —
    /// a database restored from a backup older than what the nodes gave back.
    pub fn with_log(self, seq: u64, stamp: Stamp) -> Self {
        Self {
            id: self.id,
            last_seq: self.last_seq.max(seq),
            last_stamp: self.last_stamp.max(stamp),
        }
    }
}

/// The events of `bodies` as the next of `origin`'s series at `now_ms` in `clinic`
/// (seqs after its last, stamps by [`next_stamp`]), and the origin as it stands after
/// them.
pub fn next(
    clinic: ClinicId,
    origin: &Origin,
    now_ms: i64,
    bodies: Vec<EventBody>,
) -> (Vec<Event>, Origin) {
    let mut after = *origin;
    let events = bodies
        .into_iter()
        .map(|body| {
            after.last_seq += 1;
            after.last_stamp = next_stamp(after.last_stamp, now_ms);
            Event {
                id: EventId {
                    origin: origin.id,
                    seq: after.last_seq,
                },
                stamp: after.last_stamp,
                clinic,
                actor: ACTOR,
                body,
            }
        })
        .collect();
    (events, after)
}

/// The `(code, appointment)` of every booking among `events`, for `booking_codes`.
pub fn codes_of(events: &[Event]) -> Vec<(String, AppointmentId)> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::AppointmentBooked(a) => Some((a.code.clone(), a.id)),
            _ => None,
        })
        .collect()
}

/// A patient's record from the events of its entity (any order): the latest
/// `patient_set` by `(stamp, origin, seq)`, as the node's `records` keep it.
pub fn patient_of<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Patient> {
    events
        .into_iter()
        .filter(|e| matches!(e.body, EventBody::PatientSet(_)))
        .max_by_key(|e| e.order_key())
        .and_then(|e| match &e.body {
            EventBody::PatientSet(p) => Some(p.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use medicloud_core::ids::PatientId;

    #[test]
    fn stamps_follow_the_wall_clock_and_never_go_back() {
        let last = Stamp::new(5_000, 7);
        assert_eq!(next_stamp(last, 6_000), Stamp::new(6_000, 0), "clock ahead");
        assert_eq!(next_stamp(last, 5_000), Stamp::new(5_000, 8), "same ms");
        assert_eq!(
            next_stamp(last, 10),
            Stamp::new(5_000, 8),
            "clock went back"
        );
        assert_eq!(next_stamp(Stamp(0), -3), Stamp(1), "before the epoch");
    }

    #[test]
    fn a_series_goes_on_after_what_the_log_holds_when_that_is_further() {
        let origin = Origin {
            id: DeviceId::random(),
            last_seq: 2,
            last_stamp: Stamp::new(1_000, 0),
        };
        let body = |name: &str| {
            EventBody::PatientSet(Patient {
                id: PatientId::random(),
                name: Some(name.into()),
                nik: None,
                bpjs_number: None,
                phone: None,
                birth_date: None,
            })
        };
        // A restored database: the log holds the origin's events up to 5.
        let origin = origin.with_log(5, Stamp::new(1_800, 0));
        let (events, after) = next(ClinicId::random(), &origin, 1_200, vec![body("a")]);
        assert_eq!(
            events[0].stamp,
            Stamp::new(1_800, 1),
            "after the log's last"
        );
        assert_eq!(
            events[0].id,
            EventId {
                origin: origin.id,
                seq: 6
            }
        );
        assert_eq!(events[0].actor, Actor::System);
        assert_eq!(after.last_seq, 6);
        let older = Event {
            stamp: Stamp::new(1_500, 0),
            ..events[0].clone()
        };
        let mut newer = events[0].clone();
        newer.body = body("b");
        let latest = patient_of([&newer, &older]).unwrap();
        assert_eq!(latest.name.as_deref(), Some("b"));
        assert_eq!(patient_of(std::iter::empty()), None);
    }
}
