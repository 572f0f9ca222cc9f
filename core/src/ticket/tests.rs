use super::*;
use crate::event::{Actor, Stamp};
use crate::ids::{ClinicId, DeviceId};
use proptest::prelude::*;
use uuid::Uuid;

fn device(n: u8) -> DeviceId {
    DeviceId(Uuid::from_bytes([n; 16]))
}

fn issue() -> TicketChange {
    TicketChange::Issued(Issue {
        service: ServiceCode::parse("A").unwrap(),
        label: "A-001".into(),
        day: chrono::NaiveDate::default(),
        priority: None,
        visit: VisitId(Uuid::from_bytes([9; 16])),
        appointment: None,
        patient: None,
        transferred_from: None,
        start_step: None,
        estimated_wait_seconds: None,
    })
}

fn counter(name: &str) -> CounterId {
    CounterId::parse(name).unwrap()
}

fn change(name: &str) -> TicketChange {
    match name {
        "issue" => issue(),
        "call" => TicketChange::Called {
            counter: counter("loket-1"),
        },
        "recall" => TicketChange::Recalled,
        "serve" => TicketChange::Served,
        "complete" => TicketChange::Completed,
        "no-show" => TicketChange::NoShow,
        "requeue" => TicketChange::Requeued,
        "cancel" => TicketChange::Cancelled {
            reason: Some("patient left".into()),
        },
        "transfer" => TicketChange::Transferred {
            to: TicketId(Uuid::from_bytes([7; 16])),
            service: ServiceCode::parse("F").unwrap(),
        },
        "advance" => TicketChange::Advanced {
            to: crate::domain::StepId::parse("room").unwrap(),
            label: None,
        },
        other => panic!("unknown step {other}"),
    }
}

/// Drives a fresh ticket through `path` (each step must be legal), then tries `step_name`.
/// Returns the resulting status, or the error message.
fn run(path: &[&str], step_name: &str) -> String {
    let id = TicketId(Uuid::from_bytes([1; 16]));
    let mut ticket: Option<Ticket> = None;
    for (i, name) in path.iter().enumerate() {
        let next = step(
            ticket.as_ref(),
            id,
            &change(name),
            Actor::System,
            i as i64 * 1000,
        )
        .unwrap_or_else(|e| panic!("path step {name} failed: {e}"));
        ticket = Some(next);
    }
    match step(
        ticket.as_ref(),
        id,
        &change(step_name),
        Actor::System,
        99_000,
    ) {
        Ok(t) => t.status.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// Every status reached by a path, crossed with every step: the whole transition table.
#[test]
fn transition_table() {
    let from: &[(&str, &[&str])] = &[
        ("none", &[]),
        ("waiting", &["issue"]),
        ("called", &["issue", "call"]),
        ("serving", &["issue", "call", "serve"]),
        ("done", &["issue", "call", "serve", "complete"]),
        ("done_from_call", &["issue", "call", "complete"]),
        ("no_show", &["issue", "call", "no-show"]),
        ("cancelled", &["issue", "cancel"]),
        ("transferred", &["issue", "transfer"]),
        ("advanced", &["issue", "call", "advance"]),
        (
            "advanced_called",
            &["issue", "call", "serve", "advance", "call"],
        ),
    ];
    #[rustfmt::skip]
    let table: &[(&str, [&str; 10])] = &[
        //             issue      call       recall     serve      complete   no-show    requeue    cancel       transfer       advance
        ("none",      ["waiting", "unknown", "unknown", "unknown", "unknown", "unknown", "unknown", "unknown",   "unknown",     "unknown"]),
        ("waiting",   ["again",   "called",  "first",   "first",   "first",   "illegal", "illegal", "cancelled", "transferred", "first"]),
        ("called",    ["again",   "another", "called",  "serving", "done",    "no_show", "waiting", "cancelled", "transferred", "waiting"]),
        ("serving",   ["again",   "another", "illegal", "illegal", "done",    "illegal", "illegal", "illegal",   "transferred", "waiting"]),
        ("done",      ["again",   "illegal", "illegal", "illegal", "illegal", "illegal", "illegal", "illegal",   "illegal",     "illegal"]),
        ("done_from_call", ["again", "illegal", "illegal", "illegal", "illegal", "illegal", "illegal", "illegal", "illegal",   "illegal"]),
        ("no_show",   ["again",   "illegal", "illegal", "illegal", "illegal", "illegal", "waiting", "cancelled", "illegal",     "illegal"]),
        ("cancelled", ["again",   "illegal", "illegal", "illegal", "illegal", "illegal", "illegal", "illegal",   "illegal",     "illegal"]),
        ("transferred",["again",  "illegal", "illegal", "illegal", "illegal", "illegal", "illegal", "illegal",   "illegal",     "illegal"]),
        // At the next step the ticket waits again, and is called there like a new one.
        ("advanced",  ["again",   "called",  "first",   "first",   "first",   "illegal", "illegal", "cancelled", "transferred", "first"]),
        ("advanced_called", ["again", "another", "called", "serving", "done", "no_show", "waiting", "cancelled", "transferred", "waiting"]),
    ];
    let steps = [
        "issue", "call", "recall", "serve", "complete", "no-show", "requeue", "cancel", "transfer",
        "advance",
    ];
    for (status, expected) in table {
        let path = from.iter().find(|(s, _)| s == status).unwrap().1;
        for (step_name, expect) in steps.iter().zip(expected) {
            let got = run(path, step_name);
            let ok = match *expect {
                "unknown" => got == "error: there is no such ticket",
                "again" => got == "error: this ticket was already issued",
                "first" => got.starts_with("error: ") && got.contains(" first)"),
                "another" => got.contains("another counter has it"),
                "illegal" => {
                    got.starts_with(&format!("error: cannot {step_name} a ticket that is"))
                }
                status => got == status,
            };
            assert!(
                ok,
                "{step_name} from {status}: expected {expect}, got {got:?}"
            );
        }
    }
}

#[test]
fn a_cancellation_keeps_its_reason_and_old_events_still_read() {
    let cancel = change("cancel");
    let json = serde_json::to_string(&cancel).unwrap();
    assert_eq!(json, r#"{"step":"cancelled","reason":"patient left"}"#);
    // Events written before cancellations had a reason.
    let old: TicketChange = serde_json::from_str(r#"{"step":"cancelled"}"#).unwrap();
    assert_eq!(old, TicketChange::Cancelled { reason: None });
    // Twice, or after the service: refused with what to do instead.
    assert_eq!(
        run(&["issue", "cancel"], "cancel"),
        "error: cannot cancel a ticket that is cancelled"
    );
    assert_eq!(
        run(&["issue", "call", "serve"], "cancel"),
        "error: cannot cancel a ticket that is serving (the patient is at the counter: complete it)"
    );
}

#[test]
fn errors_read_like_sentences() {
    assert_eq!(
        run(&["issue"], "serve"),
        "error: cannot serve a ticket that is waiting (call it first)"
    );
    assert_eq!(
        run(&["issue", "call", "serve", "complete"], "cancel"),
        "error: cannot cancel a ticket that is done"
    );
}

#[test]
fn transfer_to_the_same_service_is_refused() {
    let id = TicketId::random();
    let t = step(None, id, &issue(), Actor::System, 0).unwrap();
    let same = TicketChange::Transferred {
        to: TicketId::random(),
        service: ServiceCode::parse("A").unwrap(),
    };
    assert_eq!(
        step(Some(&t), id, &same, Actor::System, 1),
        Err(TransitionError::SameService)
    );
}

#[test]
fn advancing_keeps_the_label_and_the_finished_step_and_queues_again() {
    let id = TicketId::random();
    let mut t = step(None, id, &issue(), Actor::System, 1_000).unwrap();
    for (at, name) in [(2_000, "call"), (2_500, "recall"), (3_000, "serve")] {
        t = step(Some(&t), id, &change(name), Actor::System, at).unwrap();
    }
    let at_room = step(Some(&t), id, &change("advance"), Actor::System, 8_000).unwrap();
    assert_eq!(at_room.status, TicketStatus::Waiting);
    assert_eq!(at_room.issue.label, "A-001");
    assert_eq!(at_room.step.as_ref().map(|s| s.as_str()), Some("room"));
    // It queues at the room from the moment registration finished, uncalled.
    assert_eq!(
        (
            at_room.queued_at_ms,
            at_room.called_at_ms,
            at_room.counter.clone()
        ),
        (8_000, None, None)
    );
    assert_eq!((at_room.recalls, at_room.issued_at_ms), (0, 1_000));
    assert_eq!(
        at_room.finished_steps,
        vec![FinishedStep {
            step: None,
            counter: Some(counter("loket-1")),
            called_at_ms: Some(2_500),
            serving_at_ms: Some(3_000),
            served_by: Some(Actor::System),
            finished_at_ms: 8_000,
            label: None,
        }]
    );
    assert_eq!(
        (at_room.label(), at_room.labels()),
        ("A-001", vec!["A-001"])
    );
    // The wait ended at the first call (2 000), not the recall; the room's step has
    // nobody serving it yet.
    assert_eq!(
        (at_room.first_called_at_ms, at_room.served_by),
        (Some(2_000), None)
    );
}

#[test]
fn a_new_number_per_step_is_shown_and_the_earlier_one_kept_with_its_step() {
    let id = TicketId::random();
    let mut t = step(None, id, &issue(), Actor::System, 1_000).unwrap();
    let room = |label: Option<&str>| TicketChange::Advanced {
        to: crate::domain::StepId::parse("room").unwrap(),
        label: label.map(str::to_owned),
    };
    for (at, change) in [(2_000, change("call")), (3_000, room(Some("A-031")))] {
        t = step(Some(&t), id, &change, Actor::System, at).unwrap();
    }
    assert_eq!((t.label(), t.issue.label.as_str()), ("A-031", "A-001"));
    assert_eq!(
        t.finished_steps[0].label, None,
        "registration was done as A-001"
    );
    // A later step without a new number keeps the one the patient holds.
    for (at, change) in [(4_000, change("call")), (5_000, room(None))] {
        t = step(Some(&t), id, &change, Actor::System, at).unwrap();
    }
    assert_eq!(t.label(), "A-031");
    assert_eq!(t.finished_steps[1].label.as_deref(), Some("A-031"));
    assert_eq!(t.labels(), vec!["A-001", "A-031"]);
    let json = serde_json::to_string(&room(Some("A-031"))).unwrap();
    assert_eq!(json, r#"{"step":"advanced","to":"room","label":"A-031"}"#);
}

#[test]
fn the_first_call_and_who_served_are_kept_for_the_reports() {
    use crate::ids::{DeviceId, UserId};
    let id = TicketId::random();
    let desk = Actor::Staff(UserId::random());
    let doctor = Actor::Staff(UserId::random());
    let kiosk = Actor::Device(DeviceId::random());
    let mut t = step(None, id, &issue(), kiosk, 1_000).unwrap();
    assert_eq!((t.first_called_at_ms, t.served_by), (None, None));
    // Called, a no-show, requeued and called again: the wait ended at the first call.
    for (at, name) in [(2_000, "call"), (3_000, "no-show"), (4_000, "requeue")] {
        t = step(Some(&t), id, &change(name), desk, at).unwrap();
    }
    t = step(Some(&t), id, &change("call"), desk, 5_000).unwrap();
    assert_eq!(
        (t.first_called_at_ms, t.called_at_ms),
        (Some(2_000), Some(5_000))
    );
    // Served by the desk, the registration step is the desk's; the room's is the
    // doctor's, who completes it straight from the call.
    t = step(Some(&t), id, &change("serve"), desk, 6_000).unwrap();
    t = step(Some(&t), id, &change("advance"), doctor, 7_000).unwrap();
    assert_eq!(t.finished_steps[0].served_by, Some(desk));
    t = step(Some(&t), id, &change("call"), doctor, 8_000).unwrap();
    t = step(Some(&t), id, &change("complete"), doctor, 9_000).unwrap();
    assert_eq!(
        (t.first_called_at_ms, t.served_by, t.status),
        (Some(2_000), Some(doctor), TicketStatus::Done)
    );
}

#[test]
fn requeue_moves_the_ticket_to_the_back_and_recall_counts() {
    let id = TicketId::random();
    let mut t = step(None, id, &issue(), Actor::System, 1_000).unwrap();
    for (at, name) in [
        (2_000, "call"),
        (3_000, "recall"),
        (4_000, "no-show"),
        (9_000, "requeue"),
    ] {
        t = step(Some(&t), id, &change(name), Actor::System, at).unwrap();
    }
    assert_eq!(
        (t.status, t.recalls, t.queued_at_ms, t.issued_at_ms),
        (TicketStatus::Waiting, 1, 9_000, 1_000)
    );
    assert_eq!(t.counter, None);
}

fn event(origin: u8, seq: u64, ms: u64, change: TicketChange) -> Event {
    Event {
        id: EventId {
            origin: device(origin),
            seq,
        },
        stamp: Stamp::new(ms, 0),
        clinic: ClinicId(Uuid::nil()),
        actor: Actor::Device(device(origin)),
        body: EventBody::Ticket {
            id: TicketId(Uuid::from_bytes([1; 16])),
            change,
        },
    }
}

/// Two counters call the same ticket while cut off from each other: the earlier call wins
/// on every replica, and the later one is kept as a conflict.
#[test]
fn concurrent_calls_resolve_to_the_earlier_one() {
    let events = [
        event(1, 1, 1_000, issue()),
        event(
            2,
            1,
            5_000,
            TicketChange::Called {
                counter: counter("loket-2"),
            },
        ),
        event(
            3,
            1,
            4_000,
            TicketChange::Called {
                counter: counter("loket-3"),
            },
        ),
    ];
    let forward = fold(&events).unwrap();
    let backward = fold(events.iter().rev()).unwrap();
    assert_eq!(forward, backward);
    assert_eq!(forward.counter, Some(counter("loket-3")));
    assert_eq!(forward.conflicts.len(), 1);
    assert_eq!(
        forward.conflicts[0].event,
        EventId {
            origin: device(2),
            seq: 1
        }
    );
    assert!(
        forward.conflicts[0]
            .reason
            .contains("another counter has it")
    );
}

#[test]
fn fold_waits_for_the_issue_event() {
    let call = event(
        2,
        1,
        5_000,
        TicketChange::Called {
            counter: counter("loket-2"),
        },
    );
    assert_eq!(fold([&call]), None);
}

fn any_change() -> impl Strategy<Value = TicketChange> {
    prop_oneof![
        Just(change("call")),
        Just(TicketChange::Called {
            counter: counter("loket-2")
        }),
        Just(change("recall")),
        Just(change("serve")),
        Just(change("complete")),
        Just(change("no-show")),
        Just(change("requeue")),
        Just(change("cancel")),
        Just(change("transfer")),
    ]
}

proptest! {
    /// Any delivery order of a ticket's events, with any duplicates, gives the same state.
    #[test]
    fn any_delivery_order_gives_the_same_state(
        steps in proptest::collection::vec((1u8..4, 0u64..50, any_change()), 0..12),
        shuffle_seed in any::<u64>(),
        duplicates in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        // Each origin numbers its own events 1, 2, 3…; stamps may tie across origins.
        let mut seqs = [0u64; 4];
        let mut events = vec![event(1, 1, 0, issue())];
        seqs[1] = 1;
        for (origin, ms, change) in steps {
            seqs[origin as usize] += 1;
            events.push(event(origin, seqs[origin as usize], 1 + ms, change));
        }
        let expected = fold(&events);

        let mut delivered = events.clone();
        for d in &duplicates {
            delivered.push(d.get(&events).clone());
        }
        // Deterministic Fisher-Yates from the seed.
        let mut state = shuffle_seed | 1;
        for i in (1..delivered.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            delivered.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let got = fold(&delivered);
        prop_assert_eq!(&got, &expected);
        // Every distinct event is either applied or recorded as a conflict (once), never
        // both, never neither: replay them in the fold's order and see which step takes.
        let t = got.unwrap();
        let mut ordered: Vec<&Event> = events.iter().collect();
        ordered.sort_by_key(|e| e.order_key());
        let (mut state, mut applied) = (None, std::collections::BTreeSet::new());
        for e in ordered {
            let EventBody::Ticket { id, change } = &e.body else { continue };
            if let Ok(next) = step(state.as_ref(), *id, change, e.actor, e.stamp.at_ms()) {
                state = Some(next);
                applied.insert(e.id);
            }
        }
        let conflicted: std::collections::BTreeSet<EventId> =
            t.conflicts.iter().map(|c| c.event).collect();
        prop_assert_eq!(conflicted.len(), t.conflicts.len(), "a conflict recorded twice");
        prop_assert!(applied.is_disjoint(&conflicted), "an event both applied and refused");
        let all: std::collections::BTreeSet<EventId> = events.iter().map(|e| e.id).collect();
        let accounted: std::collections::BTreeSet<EventId> =
            applied.union(&conflicted).copied().collect();
        prop_assert_eq!(accounted, all);
    }
}

#[test]
fn an_issue_that_starts_at_a_step_reads_back_as_stored() {
    // The change's tag is `step`: the issue's own step must not collide with it.
    let TicketChange::Issued(mut issue) = issue() else {
        unreachable!()
    };
    issue.start_step = Some(crate::domain::StepId::parse("registration").unwrap());
    let issued = TicketChange::Issued(issue);
    let json = serde_json::to_string(&issued).unwrap();
    assert_eq!(serde_json::from_str::<TicketChange>(&json).unwrap(), issued);
    let advanced = serde_json::to_string(&change("advance")).unwrap();
    assert_eq!(advanced, r#"{"step":"advanced","to":"room"}"#);
}
