//! A clinic's history for benches: a node that served tickets on a memory-backed folder
//! (each ticket issued, registered at a loket, then called, served and completed in its
//! poli's room; 1,000 a day), and its events.

#![allow(dead_code)] // each bench uses some of these

use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::{Actor, Event};
use medicloud_node::ops::{NewTicket, Node, TicketAction};
use medicloud_node::store::Store;
use medicloud_sync::hlc::{ManualTime, SystemTime, TimeSource};
use medicloud_sync::log::VersionVector;
use std::path::Path;
use std::sync::Arc;

/// A node (and the folder it lives in) that served `tickets` tickets, 1,000 a day, up to
/// today; on `/dev/shm` when there is one, else under `root`.
pub fn served(root: &Path, tickets: usize) -> (Node, tempfile::TempDir) {
    let shm = Path::new("/dev/shm");
    let fast = if shm.is_dir() { shm } else { root };
    let dir = tempfile::tempdir_in(fast).unwrap();
    let days = tickets.div_ceil(1_000) as u64;
    let start = SystemTime.now_ms() - days * 86_400_000;
    let clock = Arc::new(ManualTime::new(start));
    let store = Store::open(
        &dir.path().join("node.sqlite"),
        medicloud_node::demo::DEMO_CLINIC,
        clock.clone(),
    )
    .unwrap();
    let node = Node::new(store);
    medicloud_node::demo::seed(&node, "bench-password-1").unwrap();
    let services = [("A", "ruang-umum"), ("B", "ruang-gigi"), ("C", "ruang-kia")];
    for i in 0..tickets {
        if i % 1_000 == 0 {
            clock.set(start + (i / 1_000) as u64 * 86_400_000 + 8 * 3_600_000);
        }
        let (service, counter) = services[i % services.len()];
        let req = NewTicket {
            service: Some(ServiceCode::parse(service).unwrap()),
            ..Default::default()
        };
        node.issue_ticket(Actor::System, req).unwrap();
        // Registered at Loket 1, then served in the poli's room.
        let registered = node
            .call_next(Actor::System, &CounterId::parse("loket-1").unwrap(), None)
            .unwrap();
        node.act(Actor::System, registered.id, TicketAction::Complete)
            .unwrap();
        let called = node
            .call_next(Actor::System, &CounterId::parse(counter).unwrap(), None)
            .unwrap();
        node.act(Actor::System, called.id, TicketAction::Serve)
            .unwrap();
        node.act(Actor::System, called.id, TicketAction::Complete)
            .unwrap();
        clock.set(clock.now_ms() + 20_000);
    }
    (node, dir)
}

/// Every event of a node that served `tickets` tickets (the node is gone afterwards).
pub fn events(root: &Path, tickets: usize) -> Vec<Event> {
    let (node, dir) = served(root, tickets);
    let events = node
        .store()
        .missing_for(&VersionVector::new(), usize::MAX / 2)
        .unwrap();
    drop((node, dir));
    events
}
