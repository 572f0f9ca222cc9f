//! The rule every replica stores by, and the plan every replica pages by, as pure
//! functions: `MemLog`, the node's store and both cloud engines read what they hold, ask
//! these what to do, and write what they are told.
//!
//! **The rule.** Each origin's series is stored without gaps, and an `(origin, seq)`
//! once held is never rewritten. So an incoming event is stored when it is the next of
//! its series, a no-op when that `(origin, seq)` is held with the same content, refused
//! when it is held with other content (or the event is another clinic's), and left for
//! later when it comes after a gap (it comes again, in order, in a later round).
//!
//! A replica takes a batch in three steps around its own I/O: [`Batch::origins`] says
//! whose heads to read (and lock, where several writers share the database),
//! [`Batch::held_ids`] which stored events to compare with, and [`Batch::decide`] what
//! to store and what the heads become.
//!
//! ```
//! use medicloud_core::event::{Actor, AuditEntry, Event, EventBody, EventId, Stamp};
//! use medicloud_core::ids::{ClinicId, DeviceId};
//! use medicloud_sync::ingest::{Batch, Heads, Held};
//!
//! let (clinic, origin) = (ClinicId::random(), DeviceId::random());
//! let event = |seq: u64| Event {
//!     id: EventId { origin, seq },
//!     stamp: Stamp::new(1_000 + seq, 0),
//!     clinic,
//!     actor: Actor::System,
//!     body: EventBody::Audited(AuditEntry {
//!         action: "login".into(),
//!         patient: None,
//!         subject: None,
//!         outcome: "ok".into(),
//!     }),
//! };
//! // The replica holds 1 and 2 of the series; 2, 3 and 5 arrive.
//! let batch = Batch::new(clinic, vec![event(5), event(3), event(2)]);
//! assert_eq!(batch.origins(), [origin]);
//! let heads = Heads::from([(origin, 2)]);
//! let ids = batch.held_ids(&heads);
//! assert_eq!(ids, [EventId { origin, seq: 2 }]);
//! let held = Held::from([(ids[0], event(2))]);
//! let plan = batch.decide(&heads, &held);
//! assert_eq!(plan.store, [event(3)]); // 5 waits for 4
//! assert_eq!(plan.heads, [(origin, 3)]);
//! let r = plan.report;
//! assert_eq!((r.accepted, r.duplicates, r.out_of_order, r.refused), (1, 1, 1, 0));
//! ```
//!
//! **The paging plan.** What a replica holding `mine` sends one holding `remote` is, per
//! origin where it is ahead, the seqs after the remote's: [`page`] lists them as
//! [`Span`]s, origins in order, until the page is full.

use crate::log::{Ingest, VersionVector};
use medicloud_core::event::{Event, EventId};
use medicloud_core::ids::{ClinicId, DeviceId};
use std::collections::{BTreeMap, HashMap};

/// What becomes of one incoming event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The next of its series: store it.
    Store,
    /// Its `(origin, seq)` is held with the same content: nothing to do.
    Held,
    /// Its `(origin, seq)` is held with other content: refused, never overwritten.
    Rewrite,
    /// An event of another clinic: refused.
    OtherClinic,
    /// It comes after a gap in its series: not stored; it comes again in order.
    AfterGap,
}

/// The rule for one event of a replica of `clinic`: `head` is the highest seq of the
/// event's origin held (0: none), `held` the event stored at its `(origin, seq)` when
/// that seq is at most `head` (`None` there counts as other content).
pub fn judge(clinic: ClinicId, event: &Event, head: u64, held: Option<&Event>) -> Verdict {
    if event.clinic != clinic {
        Verdict::OtherClinic
    } else if event.id.seq <= head {
        if held == Some(event) {
            Verdict::Held
        } else {
            Verdict::Rewrite
        }
    } else if event.id.seq == head + 1 {
        Verdict::Store
    } else {
        Verdict::AfterGap
    }
}

impl Ingest {
    /// Counts one verdict.
    pub fn count(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Store => self.accepted += 1,
            Verdict::Held => self.duplicates += 1,
            Verdict::Rewrite | Verdict::OtherClinic => self.refused += 1,
            Verdict::AfterGap => self.out_of_order += 1,
        }
    }
}

/// Per origin, the highest seq a replica holds (an origin left out holds none).
pub type Heads = BTreeMap<DeviceId, u64>;

/// Stored events by id: those [`Batch::held_ids`] asked for.
pub type Held = HashMap<EventId, Event>;

/// An incoming batch, in the order the rule reads it: by origin, then seq (events with
/// one id keep their order of arrival, so the first of them is the one stored).
#[derive(Clone, Debug)]
pub struct Batch {
    clinic: ClinicId,
    events: Vec<Event>,
}

/// What to do with a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The events to store, by origin, then seq: each the next of its series.
    pub store: Vec<Event>,
    /// The new head of every origin that moved, by origin.
    pub heads: Vec<(DeviceId, u64)>,
    /// What became of the batch.
    pub report: Ingest,
}

impl Batch {
    /// The batch `events` for a replica of `clinic`; order within it does not matter.
    pub fn new(clinic: ClinicId, mut events: Vec<Event>) -> Self {
        events.sort_by_key(|e| e.id);
        Self { clinic, events }
    }

    /// Whether the batch has no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The origins whose heads the replica reads (and locks, where several writers
    /// share it), in order, each once. Events of another clinic name none.
    pub fn origins(&self) -> Vec<DeviceId> {
        let mut out: Vec<DeviceId> = self
            .events
            .iter()
            .filter(|e| e.clinic == self.clinic)
            .map(|e| e.id.origin)
            .collect();
        out.dedup();
        out
    }

    /// The ids at or below their origin's head in `heads`: the stored events the rule
    /// compares with, in order, each once.
    pub fn held_ids(&self, heads: &Heads) -> Vec<EventId> {
        let mut out: Vec<EventId> = self
            .events
            .iter()
            .filter(|e| e.clinic == self.clinic)
            .filter(|e| e.id.seq <= heads.get(&e.id.origin).copied().unwrap_or(0))
            .map(|e| e.id)
            .collect();
        out.dedup();
        out
    }

    /// Decides every event: `heads` as read for [`Batch::origins`], `held` the stored
    /// events at [`Batch::held_ids`]. An event stored earlier in the batch counts as
    /// held for the ones after it.
    pub fn decide(self, heads: &Heads, held: &Held) -> Plan {
        let mut plan = Plan::default();
        let mut moved: Heads = Heads::new();
        for event in self.events {
            let origin = event.id.origin;
            let head = moved
                .get(&origin)
                .or_else(|| heads.get(&origin))
                .copied()
                .unwrap_or(0);
            // Sorted by id, so an event stored from this batch is the last one stored.
            let earlier = plan.store.last().filter(|e| e.id == event.id);
            let verdict = judge(
                self.clinic,
                &event,
                head,
                earlier.or_else(|| held.get(&event.id)),
            );
            plan.report.count(verdict);
            if verdict == Verdict::Store {
                moved.insert(origin, event.id.seq);
                plan.store.push(event);
            }
        }
        plan.heads = moved.into_iter().collect();
        plan
    }
}

/// The events `first..=last` of `origin`'s series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The series.
    pub origin: DeviceId,
    /// Its first seq in the span.
    pub first: u64,
    /// Its last seq in the span.
    pub last: u64,
}

impl Span {
    /// How many events the span holds.
    pub fn len(&self) -> u64 {
        self.last + 1 - self.first
    }

    /// Whether it holds none (never, for a span from [`page`]).
    pub fn is_empty(&self) -> bool {
        self.last < self.first
    }
}

/// What a replica holding `mine` sends one holding `remote`, at most `limit` events:
/// per origin where `mine` is ahead, the seqs after `remote`'s, origins in order, until
/// the page is full. Series have no gaps, so each span holds exactly its length.
pub fn page(mine: &VersionVector, remote: &VersionVector, limit: usize) -> Vec<Span> {
    let mut left = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut out = Vec::new();
    for dot in mine.iter() {
        let after = remote.get(dot.actor);
        if left == 0 {
            break;
        }
        if dot.counter <= after {
            continue;
        }
        let take = (dot.counter - after).min(left);
        left -= take;
        out.push(Span {
            origin: *dot.actor,
            first: after + 1,
            last: after + take,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crdts::{CmRDT, Dot};
    use medicloud_core::event::{Actor, AuditEntry, EventBody, Stamp};
    use uuid::Uuid;

    const CLINIC: ClinicId = ClinicId(Uuid::from_u128(7));

    fn origin(n: u8) -> DeviceId {
        DeviceId(Uuid::from_u128(u128::from(n)))
    }

    /// Event `seq` of origin `o`, told apart by `note`.
    fn ev(o: u8, seq: u64, note: &str) -> Event {
        Event {
            id: EventId {
                origin: origin(o),
                seq,
            },
            stamp: Stamp::new(1_000 + seq, 0),
            clinic: CLINIC,
            actor: Actor::System,
            body: EventBody::Audited(AuditEntry {
                action: note.into(),
                patient: None,
                subject: None,
                outcome: "ok".into(),
            }),
        }
    }

    #[test]
    fn judge_decides_every_case() {
        let foreign = Event {
            clinic: ClinicId(Uuid::from_u128(8)),
            ..ev(1, 1, "a")
        };
        // (event, head, held, verdict)
        let cases: &[(Event, u64, Option<Event>, Verdict)] = &[
            (ev(1, 1, "a"), 0, None, Verdict::Store),
            (ev(1, 4, "a"), 3, None, Verdict::Store),
            (ev(1, 5, "a"), 3, None, Verdict::AfterGap),
            (ev(1, 2, "a"), 0, None, Verdict::AfterGap),
            (ev(1, 2, "a"), 3, Some(ev(1, 2, "a")), Verdict::Held),
            (ev(1, 2, "b"), 3, Some(ev(1, 2, "a")), Verdict::Rewrite),
            (ev(1, 2, "a"), 3, None, Verdict::Rewrite),
            (ev(1, 0, "a"), 0, None, Verdict::Rewrite),
            (foreign.clone(), 0, None, Verdict::OtherClinic),
            (
                foreign.clone(),
                3,
                Some(ev(1, 1, "a")),
                Verdict::OtherClinic,
            ),
        ];
        for (event, head, held, expect) in cases {
            let got = judge(CLINIC, event, *head, held.as_ref());
            assert_eq!(got, *expect, "seq {} over head {head}", event.id.seq);
        }
    }

    /// An `(origin, seq)` in the tables.
    type Id = (u8, u64);

    /// Decides `incoming` against a replica holding `stored` (gap-free per origin), as a
    /// replica does: `(ids stored, new heads, [accepted, duplicates, out of order,
    /// refused])`, ids as `(origin, seq)`.
    fn check(stored: &[Event], incoming: Vec<Event>, expect: (&[Id], &[Id], [usize; 4])) {
        let mut heads = Heads::new();
        let mut held = Held::new();
        for e in stored {
            heads.insert(e.id.origin, e.id.seq);
            held.insert(e.id, e.clone());
        }
        let batch = Batch::new(CLINIC, incoming);
        let read: Heads = batch
            .origins()
            .into_iter()
            .filter_map(|o| heads.get(&o).map(|h| (o, *h)))
            .collect();
        let ids = batch.held_ids(&read);
        let asked: Held = ids
            .iter()
            .filter_map(|id| held.get(id).map(|e| (*id, e.clone())))
            .collect();
        let plan = batch.decide(&read, &asked);
        let ids: Vec<Id> = plan
            .store
            .iter()
            .map(|e| (e.id.origin.0.as_u128() as u8, e.id.seq))
            .collect();
        let new_heads: Vec<Id> = plan
            .heads
            .iter()
            .map(|(o, s)| (o.0.as_u128() as u8, *s))
            .collect();
        let r = &plan.report;
        assert_eq!(
            (
                ids.as_slice(),
                new_heads.as_slice(),
                [r.accepted, r.duplicates, r.out_of_order, r.refused]
            ),
            expect
        );
    }

    #[test]
    fn a_batch_is_decided_in_series_order() {
        let held = [ev(1, 1, "a"), ev(1, 2, "b")];
        let foreign = Event {
            clinic: ClinicId(Uuid::from_u128(8)),
            ..ev(3, 1, "x")
        };
        // An empty batch.
        check(&held, vec![], (&[], &[], [0, 0, 0, 0]));
        // Any order: sorted first, so 3 then 4 are stored.
        check(
            &held,
            vec![ev(1, 4, "d"), ev(1, 3, "c")],
            (&[(1, 3), (1, 4)], &[(1, 4)], [2, 0, 0, 0]),
        );
        // A gap: 4 waits for 3, and so does everything after it.
        check(
            &held,
            vec![ev(1, 4, "d"), ev(1, 5, "e")],
            (&[], &[], [0, 0, 2, 0]),
        );
        // Held with the same content, and with other content.
        check(
            &held,
            vec![ev(1, 1, "a"), ev(1, 2, "forged")],
            (&[], &[], [0, 1, 0, 1]),
        );
        // Twice in one batch: the first is stored, the same again is a duplicate, other
        // content for the id just stored is a rewrite.
        check(
            &held,
            vec![ev(1, 3, "c"), ev(1, 3, "c"), ev(1, 3, "other")],
            (&[(1, 3)], &[(1, 3)], [1, 1, 0, 1]),
        );
        // Several origins, one new; another clinic's event is refused and reads no head.
        check(
            &held,
            vec![ev(2, 2, "y"), ev(2, 1, "x"), ev(1, 3, "c"), foreign],
            (&[(1, 3), (2, 1), (2, 2)], &[(1, 3), (2, 2)], [3, 0, 0, 1]),
        );
    }

    #[test]
    fn origins_and_held_ids_name_each_once_and_skip_other_clinics() {
        let foreign = Event {
            clinic: ClinicId(Uuid::from_u128(8)),
            ..ev(3, 1, "x")
        };
        let batch = Batch::new(
            CLINIC,
            vec![
                ev(2, 1, "x"),
                ev(1, 2, "b"),
                ev(1, 2, "b"),
                ev(1, 5, "e"),
                foreign,
            ],
        );
        assert_eq!(batch.origins(), [origin(1), origin(2)]);
        let heads = Heads::from([(origin(1), 2), (origin(3), 9)]);
        let ids: Vec<(u8, u64)> = batch
            .held_ids(&heads)
            .iter()
            .map(|id| (id.origin.0.as_u128() as u8, id.seq))
            .collect();
        assert_eq!(ids, [(1, 2)]);
    }

    fn vv(dots: &[(u8, u64)]) -> VersionVector {
        let mut vv = VersionVector::new();
        for (o, seq) in dots {
            vv.apply(Dot::new(origin(*o), *seq));
        }
        vv
    }

    #[test]
    fn a_page_lists_what_the_remote_lacks_until_it_is_full() {
        // (mine, remote, limit, spans as (origin, first, last))
        type Case<'a> = (&'a [Id], &'a [Id], usize, &'a [(u8, u64, u64)]);
        let cases: &[Case<'_>] = &[
            (&[], &[], 10, &[]),
            (&[(1, 3)], &[(1, 3)], 10, &[]),
            (&[(1, 3)], &[(1, 5)], 10, &[]),
            (&[(1, 3)], &[], 10, &[(1, 1, 3)]),
            (&[(1, 3)], &[], 0, &[]),
            (
                &[(1, 3), (2, 4)],
                &[(1, 1), (3, 9)],
                10,
                &[(1, 2, 3), (2, 1, 4)],
            ),
            (&[(1, 3), (2, 4)], &[(1, 1)], 3, &[(1, 2, 3), (2, 1, 1)]),
            (&[(1, 3), (2, 4)], &[(1, 1)], 2, &[(1, 2, 3)]),
            (&[(1, 3), (2, 4)], &[], usize::MAX, &[(1, 1, 3), (2, 1, 4)]),
        ];
        for (mine, remote, limit, expect) in cases {
            let spans: Vec<(u8, u64, u64)> = page(&vv(mine), &vv(remote), *limit)
                .iter()
                .map(|s| (s.origin.0.as_u128() as u8, s.first, s.last))
                .collect();
            assert_eq!(spans, *expect, "{mine:?} to {remote:?}, {limit}");
        }
        let span = page(&vv(&[(1, 3)]), &vv(&[(1, 1)]), 10)[0];
        assert_eq!((span.len(), span.is_empty()), (2, false));
    }
}
