//! Merging is a union: commutative, associative, idempotent; and replicas that sync in
//! any order, over links that come and go, end with the same events and the same state.

use crate::util::*;
use medicloud_core::event::Event;
use medicloud_sync::exchange::{MemTransport, PAGE, SyncError, SyncRequest, respond, sync_with};
use medicloud_sync::log::{Log, MemLog};
use proptest::prelude::*;
use std::sync::{Arc, Mutex};

/// Three series of events and, for each of three logs, how much of each series it holds.
fn three_logs() -> impl Strategy<Value = [MemLog; 3]> {
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
                let mut log = MemLog::new(CLINIC);
                let held: Vec<Event> = full
                    .events()
                    .filter(|e| e.id.seq as usize <= prefix[(e.id.origin.0.as_u128() - 1) as usize])
                    .cloned()
                    .collect();
                log.ingest(held).unwrap();
                log
            })
        })
}

proptest! {
    #[test]
    fn merging_is_commutative_associative_and_idempotent([a, b, c] in three_logs()) {
        prop_assert_eq!(union(&a, &b), union(&b, &a));
        prop_assert_eq!(union(&union(&a, &b), &c), union(&a, &union(&b, &c)));
        prop_assert_eq!(union(&a, &a), a.clone());
        prop_assert_eq!(state_hash(&union(&a, &b)), state_hash(&union(&b, &a)));
    }

    /// Any delivery order, with duplicates, of another replica's events gives the same log.
    #[test]
    fn any_delivery_order_gives_the_same_log([a, b, _c] in three_logs(), seed in any::<u64>()) {
        let mut events: Vec<Event> = b.events().cloned().collect();
        events.extend(b.events().take(3).cloned());
        let mut state = seed | 1;
        for i in (1..events.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            events.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut shuffled = a.clone();
        // Delivered in small batches in shuffled order, retried until nothing is left.
        for _ in 0..events.len() + 1 {
            for chunk in events.chunks(3) {
                shuffled.ingest(chunk.to_vec()).unwrap();
            }
        }
        prop_assert_eq!(&shuffled, &union(&a, &b));
    }

    /// Three replicas work while links are cut and healed at random; once every link is
    /// back, one round of syncs makes them identical.
    #[test]
    fn replicas_converge_after_any_partition_schedule(
        ops in proptest::collection::vec((0u8..3, 0u8..8, any::<usize>(), any::<bool>()), 1..60),
    ) {
        let replicas: Vec<Arc<Mutex<MemLog>>> =
            (0..3).map(|_| Arc::new(Mutex::new(MemLog::new(CLINIC)))).collect();
        // links[a][b]: a's transport to b; cut at random, healed at the end.
        let links: Vec<Vec<MemTransport<MemLog>>> = (0..3)
            .map(|_| replicas.iter().map(|r| MemTransport::new(r.clone())).collect())
            .collect();
        for (i, (who, what, pick, flag)) in ops.into_iter().enumerate() {
            let r = who as usize;
            match what {
                0..=4 => {
                    let mut log = replicas[r].lock().unwrap();
                    append(&mut log, device(who), 1_000 + i as u64, what, pick);
                }
                5 => links[r][pick % 3].set_cut(flag),
                _ => {
                    let peer = pick % 3;
                    if peer != r {
                        let mut log = replicas[r].lock().unwrap().clone();
                        match sync_with(&mut log, device(who), &links[r][peer]) {
                            Ok(_) => *replicas[r].lock().unwrap() = log,
                            Err(e) => prop_assert_eq!(e, SyncError::Unreachable("link cut".into())),
                        }
                    }
                }
            }
        }
        for row in &links { for link in row { link.set_cut(false); } }
        for (a, b) in [(0, 1), (1, 2), (2, 0), (0, 1)] {
            let mut log = replicas[a].lock().unwrap().clone();
            sync_with(&mut log, device(a as u8), &links[a][b]).unwrap();
            *replicas[a].lock().unwrap() = log;
        }
        let logs: Vec<MemLog> = replicas.iter().map(|r| r.lock().unwrap().clone()).collect();
        prop_assert_eq!(&logs[0], &logs[1]);
        prop_assert_eq!(&logs[1], &logs[2]);
        prop_assert_eq!(state_hash(&logs[0]), state_hash(&logs[2]));
    }
}

#[test]
fn a_gap_is_not_stored_until_the_missing_event_arrives() {
    let mut source = MemLog::new(CLINIC);
    let events: Vec<Event> = (0..3)
        .map(|i| append(&mut source, device(0), 1_000 + i, 0, 0))
        .collect();
    let mut log = MemLog::new(CLINIC);
    let report = log
        .ingest(vec![events[0].clone(), events[2].clone()])
        .unwrap();
    assert_eq!((report.accepted, report.out_of_order), (1, 1));
    assert_eq!(log.summary().unwrap().get(&device(0)), 1);
    let report = log.ingest(events.clone()).unwrap();
    assert_eq!((report.accepted, report.duplicates), (2, 1));
    assert_eq!(log, source);
}

#[test]
fn another_clinic_and_forged_events_are_refused() {
    let mut source = MemLog::new(CLINIC);
    let event = append(&mut source, device(0), 1_000, 0, 0);
    let mut log = source.clone();
    let mut forged = event.clone();
    forged.stamp.0 += 1;
    let mut foreign = event.clone();
    foreign.clinic = medicloud_core::ids::ClinicId::random();
    foreign.id.seq = 2;
    let report = log.ingest(vec![forged, foreign]).unwrap();
    assert_eq!(report.refused, 2);
    assert_eq!(log, source, "nothing changed");

    let request = |clinic, events: Vec<Event>| SyncRequest {
        clinic,
        from: device(1),
        summary: vec![],
        events,
    };
    let mut other = MemLog::new(medicloud_core::ids::ClinicId::random());
    assert_eq!(
        respond(&mut other, request(CLINIC, vec![])),
        Err(SyncError::WrongClinic)
    );
    let oversized = vec![event; PAGE + 1];
    assert!(matches!(
        respond(&mut log, request(CLINIC, oversized)),
        Err(SyncError::Refused(_))
    ));
    assert_eq!(log, source);
}

#[test]
fn a_new_replica_catches_up_in_pages() {
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
    let remote = Arc::new(Mutex::new(source.clone()));
    let mut fresh = MemLog::new(CLINIC);
    let stats = sync_with(&mut fresh, device(9), &MemTransport::new(remote)).unwrap();
    assert_eq!(fresh, source);
    assert_eq!((stats.rounds, stats.received.accepted), (3, PAGE * 2 + 10));
}
