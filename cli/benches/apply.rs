//! Event apply: how fast events of another device go into a node's SQLite store (in
//! batches, one durable transaction each, as sync delivers them), and how fast the
//! reducer (`core::ticket::fold`) folds them in memory.
//!
//! The events come from a node that ran a clinic for some days (generated on a
//! memory-backed folder): each ticket issued, called, served and completed.
//!
//! `cargo bench -p medicloud --bench apply [-- TICKETS]` (20,000 tickets, about
//! 80,000 events; 4,000 in quick mode).

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use medicloud_core::event::{Event, EventBody};
use medicloud_node::store::Store;
use medicloud_sync::hlc::SystemTime;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/clinic.rs"]
mod clinic;
#[path = "common/record.rs"]
mod record;

fn main() {
    let quick = record::quick();
    let tickets: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if quick { 4_000 } else { 20_000 });
    let root = tempfile::tempdir().unwrap();
    let generated = Instant::now();
    let events = clinic::events(root.path(), tickets);
    println!(
        "apply: {} events of {tickets} tickets generated in {:.1} s",
        events.len(),
        generated.elapsed().as_secs_f64()
    );

    for batch in [500, 5_000] {
        let dir = tempfile::tempdir_in(root.path()).unwrap();
        let store = Store::open(
            &dir.path().join("node.sqlite"),
            medicloud_node::demo::DEMO_CLINIC,
            Arc::new(SystemTime),
        )
        .unwrap();
        let start = Instant::now();
        let mut stored = 0;
        for chunk in events.chunks(batch) {
            let (ingest, _) = store.ingest(chunk.to_vec()).unwrap();
            stored += ingest.accepted;
        }
        let took = start.elapsed();
        assert_eq!(stored, events.len(), "every event is stored");
        let rate = events.len() as f64 / took.as_secs_f64();
        let workload = format!(
            "{} events ({tickets} tickets issued, registered, then called, served and completed in the room) into a new node's SQLite file on disk, {batch} a transaction (WAL, fsync per commit), projections folded",
            events.len()
        );
        let name = if batch == 500 {
            "apply.sqlite.events_per_s".to_owned()
        } else {
            format!("apply.sqlite_batch_{batch}.events_per_s")
        };
        record::measure(&name, rate, "events/s", &workload);
        println!(
            "apply into SQLite, {batch:>5} events a transaction: {} events in {:.2} s, {rate:.0} events/s",
            events.len(),
            took.as_secs_f64()
        );
    }

    // The reducer: every ticket's events folded from scratch, in memory.
    let mut per_ticket: HashMap<_, Vec<Event>> = HashMap::new();
    for e in &events {
        if let EventBody::Ticket { id, .. } = &e.body {
            per_ticket.entry(*id).or_default().push(e.clone());
        }
    }
    let folded: usize = per_ticket.values().map(Vec::len).sum();
    let (mut rounds, start) = (0u32, Instant::now());
    let mut done = 0usize;
    while start.elapsed() < Duration::from_secs(if quick { 1 } else { 3 }) {
        for evs in per_ticket.values() {
            done += usize::from(medicloud_core::ticket::fold(evs).is_some());
        }
        rounds += 1;
    }
    let took = start.elapsed();
    assert_eq!(
        done,
        per_ticket.len() * rounds as usize,
        "every ticket folds"
    );
    let rate = folded as f64 * f64::from(rounds) / took.as_secs_f64();
    let workload = format!(
        "core::ticket::fold over {} tickets ({folded} events), each from scratch, {rounds} rounds, one thread",
        per_ticket.len()
    );
    record::measure("apply.reducer.events_per_s", rate, "events/s", &workload);
    println!("reducer in memory (fold): {rate:.0} events/s over {rounds} rounds");
}
