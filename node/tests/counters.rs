//! A counter holds one patient at a time, whatever the desks do: any sequence of desk
//! actions (calls, steps, transfers, call-next with or without a word about the
//! current patient) leaves no counter holding two tickets and no ticket still called at
//! a counter that has moved on, and no counter ever calls a ticket at a step of the visit
//! it does not serve.

use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::Actor;
use medicloud_core::ids::ClinicId;
use medicloud_node::ops::{Handover, NewTicket, Node, TicketAction, TicketFilter};
use medicloud_node::store::Store;
use medicloud_sync::hlc::ManualTime;
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// 2026-11-25 08:00 in Jakarta.
const MORNING_MS: u64 = 1_795_568_400_000;

/// The demo clinic's services and counters (no staff: nothing here logs in).
fn clinic(dir: &std::path::Path) -> Node {
    let time = Arc::new(ManualTime::new(MORNING_MS));
    let node = Node::new(Store::open(&dir.join("node.sqlite"), ClinicId::random(), time).unwrap());
    node.set_clinic(Actor::System, "Klinik Uji", "Asia/Jakarta")
        .unwrap();
    medicloud_node::demo::set_up_queues(&node).unwrap();
    node
}

/// The counters of the demo clinic that serve Poli Umum (A) or Poli Gigi (B).
const COUNTERS: [&str; 4] = ["loket-1", "loket-2", "ruang-umum", "ruang-gigi"];

#[derive(Clone, Debug)]
enum Desk {
    Take(&'static str),
    CallNext(usize, Option<Handover>),
    /// A step on the n-th ticket taken so far (modulo their number).
    Step(usize, TicketAction),
}

fn action() -> impl Strategy<Value = TicketAction> {
    prop_oneof![
        (0..COUNTERS.len())
            .prop_map(|c| TicketAction::Call(CounterId::parse(COUNTERS[c]).unwrap())),
        Just(TicketAction::Recall),
        Just(TicketAction::Serve),
        Just(TicketAction::Complete),
        Just(TicketAction::NoShow),
        Just(TicketAction::Requeue),
        Just(TicketAction::Cancel("patient left".into())),
        prop_oneof![Just("A"), Just("B"), Just("L")]
            .prop_map(|s| TicketAction::Transfer(ServiceCode::parse(s).unwrap())),
    ]
}

fn desk() -> impl Strategy<Value = Desk> {
    let handover = prop_oneof![
        Just(None),
        Just(Some(Handover::Complete)),
        Just(Some(Handover::NoShow)),
        Just(Some(Handover::Requeue)),
    ];
    prop_oneof![
        2 => prop_oneof![Just("A"), Just("B")].prop_map(Desk::Take),
        3 => ((0..COUNTERS.len()), handover).prop_map(|(c, h)| Desk::CallNext(c, h)),
        4 => ((0..64_usize), action()).prop_map(|(i, a)| Desk::Step(i, a)),
    ]
}

/// A ticket called or served at a counter that does not serve its step (a room calling a
/// patient who has not been registered), as "label at counter".
fn out_of_step(node: &Node) -> Vec<String> {
    node.tickets(&TicketFilter::default())
        .unwrap()
        .into_iter()
        .filter(|t| matches!(t.status.as_str(), "called" | "serving"))
        .filter(|t| {
            let counter = t.counter.as_ref().expect("a called ticket has a counter");
            let (_, _, _, steps) = medicloud_node::demo::COUNTERS
                .iter()
                .find(|(id, ..)| *id == counter.as_str())
                .expect("a demo counter");
            let at = t.step.as_ref().map(|s| s.as_str());
            !(steps.is_empty() || at.is_none_or(|at| steps.contains(&at)))
        })
        .map(|t| format!("{} at {}", t.label, t.counter.unwrap()))
        .collect()
}

/// Every counter's called or serving tickets.
fn held(node: &Node) -> HashMap<String, Vec<String>> {
    let mut held: HashMap<String, Vec<String>> = HashMap::new();
    for t in node.tickets(&TicketFilter::default()).unwrap() {
        if matches!(t.status.as_str(), "called" | "serving") {
            let counter = t.counter.clone().expect("a called ticket has a counter");
            held.entry(counter.to_string())
                .or_default()
                .push(t.label.clone());
        }
    }
    held
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_desk_actions_leaves_a_counter_holding_two_tickets(
        actions in proptest::collection::vec(desk(), 1..40)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let node = clinic(dir.path());
        let mut taken = Vec::new();
        for (i, act) in actions.iter().enumerate() {
            let last_called = match act {
                Desk::Take(service) => {
                    let req = NewTicket {
                        service: Some(ServiceCode::parse(service).unwrap()),
                        ..NewTicket::default()
                    };
                    taken.push(node.issue_ticket(Actor::System, req).unwrap().id);
                    None
                }
                Desk::CallNext(c, handover) => {
                    let counter = CounterId::parse(COUNTERS[*c]).unwrap();
                    node.call_next(Actor::System, &counter, *handover).ok().map(|t| (counter, t.id))
                }
                Desk::Step(k, action) if !taken.is_empty() => {
                    let id = taken[k % taken.len()];
                    let result = node.act(Actor::System, id, action.clone());
                    if let (Ok(t), TicketAction::Transfer(_)) = (&result, action) {
                        taken.push(t.id);
                    }
                    match (result, action) {
                        (Ok(t), TicketAction::Call(counter)) => Some((counter.clone(), t.id)),
                        _ => None,
                    }
                }
                Desk::Step(..) => None,
            };
            let held = held(&node);
            for (counter, labels) in &held {
                prop_assert!(labels.len() <= 1, "after step {i} ({act:?}) {counter} holds {labels:?}");
            }
            // A room never calls a patient whose registration is not finished.
            let wrong = out_of_step(&node);
            prop_assert!(wrong.is_empty(), "after step {i} ({act:?}): {wrong:?}");
            // A counter that just called holds exactly the ticket it called.
            if let Some((counter, id)) = last_called {
                let t = node.ticket_view(id).unwrap();
                prop_assert_eq!(&held[counter.as_str()], &vec![t.label], "after step {} ({:?})", i, act);
            }
        }
    }
}
