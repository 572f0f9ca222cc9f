//! Merging is a union: commutative, associative, idempotent; replicas that sync in any
//! order, over links that come and go, end with the same events and the same state; and
//! a held `(origin, seq)` is never rewritten. Written once, over any [`Log`] a
//! [`LogFactory`] makes, so the replicas that ship are held to the reference's laws.
//!
//! Two logs are equal when they hold the same events ([`contents`]); a copy or a union is
//! a fresh log of the factory that ingested the events ([`copy`], [`union`]). The
//! scenarios are generated as plain events (by [`MemLog`], the reference), so proptest
//! shrinks data, not databases.

use medicloud_core::domain::{CounterId, ServiceCode, StepId};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId, TicketId, VisitId};
use medicloud_core::ticket::{self, Issue, TicketChange};
use medicloud_sync::exchange::{MemTransport, PAGE, SyncError, SyncRequest, respond, sync_with};
use medicloud_sync::log::{Log, MemLog, VersionVector};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Makes empty replicas of [`CLINIC`]: each call a new, independent one.
pub trait LogFactory {
    /// The replica.
    type Log: Log;
    /// An empty replica, standing for `device` (the node's own identity, where a replica
    /// has one).
    fn make(&self, device: DeviceId) -> Self::Log;
}

/// The reference factory: logs in memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemLogs;

impl LogFactory for MemLogs {
    type Log = MemLog;
    fn make(&self, _device: DeviceId) -> MemLog {
        MemLog::new(CLINIC)
    }
}

/// The clinic of every replica in these tests.
pub const CLINIC: ClinicId = ClinicId(Uuid::from_u128(7));

/// The device standing for replica or series `n`.
pub fn device(n: u8) -> DeviceId {
    DeviceId(Uuid::from_u128(u128::from(n) + 1))
}

/// The device copies and unions stand for: none of the series' devices.
fn spare() -> DeviceId {
    device(99)
}

/// Everything `log` holds, by (origin, seq).
pub fn contents(log: &impl Log) -> Vec<Event> {
    let mut events = log.missing_for(&VersionVector::new(), usize::MAX).unwrap();
    events.sort_by_key(|e| e.id);
    events
}

/// A new replica of `factory` holding what `events` hold.
pub fn holding<F: LogFactory>(factory: &F, device: DeviceId, events: &[Event]) -> F::Log {
    let mut log = factory.make(device);
    if !events.is_empty() {
        log.ingest(events.to_vec()).unwrap();
    }
    log
}

/// A new replica of `factory` holding what `log` holds.
pub fn copy<F: LogFactory>(factory: &F, log: &F::Log) -> F::Log {
    holding(factory, spare(), &contents(log))
}

/// A new replica of `factory`: `a` with every event of `b` ingested.
pub fn union<F: LogFactory>(factory: &F, a: &F::Log, b: &F::Log) -> F::Log {
    let mut out = copy(factory, a);
    out.ingest(contents(b)).unwrap();
    out
}

/// The `kind`-th kind of change on a ticket: issue, then calls from two counters, serve,
/// complete, no-show, on to the room (with a new number or not) — legal or not, as replicas cut off from each
/// other do.
pub fn change(kind: u8, n: u32) -> TicketChange {
    match kind % KINDS {
        0 => TicketChange::Issued(Issue {
            service: ServiceCode::parse("A").unwrap(),
            label: format!("A-{n:03}"),
            day: chrono::NaiveDate::default(),
            priority: None,
            visit: VisitId(Uuid::from_u128(u128::from(n))),
            appointment: None,
            patient: None,
            transferred_from: None,
            start_step: None,
            estimated_wait_seconds: None,
        }),
        1 => TicketChange::Called {
            counter: CounterId::parse("loket-1").unwrap(),
        },
        2 => TicketChange::Called {
            counter: CounterId::parse("loket-2").unwrap(),
        },
        3 => TicketChange::Served,
        4 => TicketChange::Completed,
        5 => TicketChange::NoShow,
        _ => TicketChange::Advanced {
            to: StepId::parse("room").unwrap(),
            // Every other advance gives a new number (a clinic's `new_label_per_step`).
            label: n.is_multiple_of(2).then(|| format!("A-{:03}", 500 + n)),
        },
    }
}

/// How many kinds of change [`change`] makes.
const KINDS: u8 = 7;

/// Appends the next event of `origin`'s series to `log`, on a ticket it already knows
/// (or a new one), and returns it.
pub fn append(log: &mut impl Log, origin: DeviceId, at_ms: u64, kind: u8, pick: usize) -> Event {
    let held = contents(log);
    let known: Vec<TicketId> = tickets(&held).into_keys().collect();
    let (id, change) = if kind.is_multiple_of(KINDS) || known.is_empty() {
        let n = held.len() as u32 + 1;
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
            seq: log.summary().unwrap().get(&origin) + 1,
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

/// The folded tickets of `events`.
pub fn tickets(events: &[Event]) -> BTreeMap<TicketId, ticket::Ticket> {
    let mut by_ticket: HashMap<TicketId, Vec<&Event>> = HashMap::new();
    for e in events {
        if let EventBody::Ticket { id, .. } = e.body {
            by_ticket.entry(id).or_default().push(e);
        }
    }
    by_ticket
        .into_iter()
        .filter_map(|(id, events)| Some((id, ticket::fold(events)?)))
        .collect()
}

/// A hash of everything a user could see in `log`: every ticket's folded state.
pub fn state_hash(log: &impl Log) -> u64 {
    let mut h = DefaultHasher::new();
    for (id, t) in tickets(&contents(log)) {
        id.hash(&mut h);
        format!("{t:?}").hash(&mut h);
    }
    h.finish()
}

/// Three series of events and, for each of three replicas, how much of each series it
/// holds: the events of each replica.
pub fn three_replicas() -> impl Strategy<Value = [Vec<Event>; 3]> {
    (
        proptest::collection::vec((0u8..3, 0u8..6, any::<usize>()), 1..40),
        proptest::array::uniform3(proptest::array::uniform3(0usize..40)),
    )
        .prop_map(|(ops, prefixes)| {
            let mut full = MemLog::new(CLINIC);
            for (i, (origin, kind, pick)) in ops.into_iter().enumerate() {
                append(
                    &mut full,
                    device(origin),
                    1_000 + i as u64 * 7 % 50,
                    kind,
                    pick,
                );
            }
            prefixes.map(|prefix| {
                full.events()
                    .filter(|e| e.id.seq as usize <= prefix[(e.id.origin.0.as_u128() - 1) as usize])
                    .cloned()
                    .collect()
            })
        })
}

/// The replicas of [`three_replicas`], made by `factory`.
fn make_three<F: LogFactory>(factory: &F, events: &[Vec<Event>; 3]) -> [F::Log; 3] {
    [0u8, 1, 2].map(|i| holding(factory, device(i), &events[usize::from(i)]))
}

/// Merging is commutative, associative and idempotent, in events and in state.
pub fn merging_is_commutative_associative_and_idempotent<F: LogFactory>(
    factory: &F,
    replicas: [Vec<Event>; 3],
) -> TestCaseResult {
    let [a, b, c] = make_three(factory, &replicas);
    let u = |x: &F::Log, y: &F::Log| union(factory, x, y);
    prop_assert_eq!(contents(&u(&a, &b)), contents(&u(&b, &a)));
    prop_assert_eq!(contents(&u(&u(&a, &b), &c)), contents(&u(&a, &u(&b, &c))));
    prop_assert_eq!(contents(&u(&a, &a)), contents(&a));
    prop_assert_eq!(state_hash(&u(&a, &b)), state_hash(&u(&b, &a)));
    Ok(())
}

/// Any delivery order, with duplicates, of another replica's events gives the same log.
pub fn any_delivery_order_gives_the_same_log<F: LogFactory>(
    factory: &F,
    (replicas, seed): ([Vec<Event>; 3], u64),
) -> TestCaseResult {
    let [a, b, _c] = make_three(factory, &replicas);
    let mut events = contents(&b);
    events.extend(events.iter().take(3).cloned().collect::<Vec<_>>());
    let mut state = seed | 1;
    for i in (1..events.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        events.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let mut shuffled = copy(factory, &a);
    // Delivered in small batches in shuffled order, retried until nothing is left (a
    // round that stores nothing would store nothing again: the log is where it stops).
    for _ in 0..events.len() + 1 {
        let mut stored = 0;
        for chunk in events.chunks(3) {
            stored += shuffled.ingest(chunk.to_vec()).unwrap().accepted;
        }
        if stored == 0 {
            break;
        }
    }
    prop_assert_eq!(contents(&shuffled), contents(&union(factory, &a, &b)));
    Ok(())
}

/// One step of a partition schedule: `(replica, what, pick, flag)`; `what` 0–4 appends,
/// 5 cuts (`flag`) or heals a link, 6–7 syncs with a peer.
pub type Step = (u8, u8, usize, bool);

/// Up to 60 steps of three replicas working while links are cut and healed.
pub fn partition_schedule() -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec((0u8..3, 0u8..8, any::<usize>(), any::<bool>()), 1..60)
}

/// Three replicas work while links are cut and healed at random; once every link is
/// back, one round of syncs makes them identical.
pub fn replicas_converge_after_any_partition_schedule<F: LogFactory>(
    factory: &F,
    ops: Vec<Step>,
) -> TestCaseResult {
    let replicas: Vec<Arc<Mutex<F::Log>>> = (0u8..3)
        .map(|i| Arc::new(Mutex::new(factory.make(device(i)))))
        .collect();
    // links[a][b]: a's transport to b; cut at random, healed at the end.
    let links: Vec<Vec<MemTransport<F::Log>>> = (0..3)
        .map(|_| {
            replicas
                .iter()
                .map(|r| MemTransport::new(r.clone()))
                .collect()
        })
        .collect();
    for (i, (who, what, pick, flag)) in ops.into_iter().enumerate() {
        let r = usize::from(who);
        match what {
            0..=4 => {
                let mut log = replicas[r].lock().unwrap();
                append(&mut *log, device(who), 1_000 + i as u64, what, pick);
            }
            5 => links[r][pick % 3].set_cut(flag),
            _ => {
                let peer = pick % 3;
                if peer != r {
                    // A cut link fails the first round, before anything is stored.
                    let mut log = replicas[r].lock().unwrap();
                    if let Err(e) = sync_with(&mut *log, device(who), &links[r][peer]) {
                        prop_assert_eq!(e, SyncError::Unreachable("link cut".into()));
                    }
                }
            }
        }
    }
    for row in &links {
        for link in row {
            link.set_cut(false);
        }
    }
    for (a, b) in [(0, 1), (1, 2), (2, 0), (0, 1)] {
        let mut log = replicas[a].lock().unwrap();
        sync_with(&mut *log, device(a as u8), &links[a][b]).unwrap();
    }
    let logs: Vec<_> = replicas.iter().map(|r| r.lock().unwrap()).collect();
    prop_assert_eq!(contents(&*logs[0]), contents(&*logs[1]));
    prop_assert_eq!(contents(&*logs[1]), contents(&*logs[2]));
    prop_assert_eq!(state_hash(&*logs[0]), state_hash(&*logs[2]));
    Ok(())
}

/// An event after a gap is not stored; once the missing one arrives, both are.
pub fn a_gap_is_not_stored_until_the_missing_event_arrives<F: LogFactory>(factory: &F) {
    let mut source = MemLog::new(CLINIC);
    let events: Vec<Event> = (0..3)
        .map(|i| append(&mut source, device(0), 1_000 + i, 0, 0))
        .collect();
    let mut log = factory.make(device(1));
    let report = log
        .ingest(vec![events[0].clone(), events[2].clone()])
        .unwrap();
    assert_eq!((report.accepted, report.out_of_order), (1, 1));
    assert_eq!(log.summary().unwrap().get(&device(0)), 1);
    let report = log.ingest(events.clone()).unwrap();
    assert_eq!((report.accepted, report.duplicates), (2, 1));
    assert_eq!(contents(&log), contents(&source));
}

/// Another clinic's events and a held `(origin, seq)` with other content are refused,
/// and so are requests of another clinic or beyond a page; none of it changes the log.
pub fn another_clinic_and_forged_events_are_refused<F: LogFactory>(factory: &F) {
    let mut source = MemLog::new(CLINIC);
    let event = append(&mut source, device(0), 1_000, 0, 0);
    let mut log = holding(factory, device(1), &contents(&source));
    let mut forged = event.clone();
    forged.stamp.0 += 1;
    let mut rewritten = event.clone();
    rewritten.body = EventBody::Ticket {
        id: TicketId(Uuid::from_u128(99)),
        change: change(0, 99),
    };
    let mut foreign = event.clone();
    foreign.clinic = ClinicId::random();
    foreign.id.seq = 2;
    let report = log.ingest(vec![forged, rewritten, foreign]).unwrap();
    assert_eq!(report.refused, 3);
    assert_eq!(contents(&log), contents(&source), "nothing changed");

    let request = |clinic, events: Vec<Event>| SyncRequest {
        clinic,
        from: device(1),
        summary: vec![],
        events,
    };
    assert_eq!(
        respond(&mut log, request(ClinicId::random(), vec![])),
        Err(SyncError::WrongClinic)
    );
    let oversized = vec![event; PAGE + 1];
    assert!(matches!(
        respond(&mut log, request(CLINIC, oversized)),
        Err(SyncError::Refused(_))
    ));
    assert_eq!(contents(&log), contents(&source));
}

/// A new replica catches up with one holding more than two pages in three rounds.
pub fn a_new_replica_catches_up_in_pages<F: LogFactory>(factory: &F) {
    let mut source = MemLog::new(CLINIC);
    for i in 0..(PAGE as u64 * 2 + 10) {
        append(
            &mut source,
            device((i % 3) as u8),
            1_000 + i,
            (i % 6) as u8,
            i as usize,
        );
    }
    let remote = Arc::new(Mutex::new(holding(factory, device(0), &contents(&source))));
    let mut fresh = factory.make(device(9));
    let stats = sync_with(&mut fresh, device(9), &MemTransport::new(remote)).unwrap();
    assert_eq!(contents(&fresh), contents(&source));
    assert_eq!((stats.rounds, stats.received.accepted), (3, PAGE * 2 + 10));
}

/// Runs `property` on `strategy`'s cases, on the replicas of `factory` (nothing, when
/// there is none: the engine is missing on this machine and its helper said so). Failing
/// cases are kept beside `source_file`, as `proptest!` does. Used by
/// [`convergence_tests!`](crate::convergence_tests).
pub fn run<F: LogFactory, S: Strategy>(
    config: Config,
    source_file: &'static str,
    test_name: &'static str,
    factory: Option<F>,
    strategy: S,
    property: impl Fn(&F, S::Value) -> TestCaseResult,
) {
    let Some(factory) = factory else { return };
    let mut runner = TestRunner::new(Config {
        source_file: Some(source_file),
        test_name: Some(test_name),
        ..config
    });
    let result = runner.run(&strategy, |value| property(&factory, value));
    drop(factory);
    if let Err(err) = result {
        panic!("{err}\n{runner}");
    }
}

/// The convergence tests over one factory, as `#[test]` functions in the module it is
/// called in: `convergence_tests!(factory, config)`, where `factory` is an expression of
/// type `Option<impl LogFactory>` evaluated once per test (`None`: the engine is missing
/// here, and the test passes with the notice its helper printed — which a helper may
/// only do outside CI: see [`crate::postgres::unreachable`]) and `config` a
/// `medicloud_testkit::proptest::test_runner::Config` (keep the cases few for replicas
/// on disk).
#[macro_export]
macro_rules! convergence_tests {
    ($factory:expr, $config:expr) => {
        #[test]
        fn merging_is_commutative_associative_and_idempotent() {
            $crate::convergence::run(
                $config,
                file!(),
                concat!(
                    module_path!(),
                    "::merging_is_commutative_associative_and_idempotent"
                ),
                $factory,
                $crate::convergence::three_replicas(),
                $crate::convergence::merging_is_commutative_associative_and_idempotent,
            );
        }

        #[test]
        fn any_delivery_order_gives_the_same_log() {
            $crate::convergence::run(
                $config,
                file!(),
                concat!(module_path!(), "::any_delivery_order_gives_the_same_log"),
                $factory,
                (
                    $crate::convergence::three_replicas(),
                    $crate::proptest::arbitrary::any::<u64>(),
                ),
                $crate::convergence::any_delivery_order_gives_the_same_log,
            );
        }

        #[test]
        fn replicas_converge_after_any_partition_schedule() {
            $crate::convergence::run(
                $config,
                file!(),
                concat!(
                    module_path!(),
                    "::replicas_converge_after_any_partition_schedule"
                ),
                $factory,
                $crate::convergence::partition_schedule(),
                $crate::convergence::replicas_converge_after_any_partition_schedule,
            );
        }

        #[test]
        fn a_gap_is_not_stored_until_the_missing_event_arrives() {
            if let Some(factory) = $factory {
                $crate::convergence::a_gap_is_not_stored_until_the_missing_event_arrives(&factory);
            }
        }

        #[test]
        fn another_clinic_and_forged_events_are_refused() {
            if let Some(factory) = $factory {
                $crate::convergence::another_clinic_and_forged_events_are_refused(&factory);
            }
        }

        #[test]
        fn a_new_replica_catches_up_in_pages() {
            if let Some(factory) = $factory {
                $crate::convergence::a_new_replica_catches_up_in_pages(&factory);
            }
        }
    };
}
