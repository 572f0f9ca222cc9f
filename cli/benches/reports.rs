//! The reports' read path: `Node::report_summary` over a clinic-year on the node's
//! SQLite (SQLCipher, on a real file), the figures of `core::report`.
//!
//! The history is 365 days of 400 tickets (146,000), each registered at a loket and then
//! called, served and completed in its poli's room (six events: 876,000), with waits and
//! service times that vary. The events come from another device and go in through
//! `Store::ingest`, as sync delivers them, so the `tickets` projection is the one the
//! node folds itself.
//!
//! `cargo bench -p medicloud --bench reports [-- DAYS]` (365 days; 30 in quick mode)
//! prints the summary's median, p99 and max over 20 runs, and records
//! `report.node.summary.p50`/`.p99` for `cargo xtask bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use chrono::{NaiveDate, TimeZone};
use medicloud_core::domain::{CounterId, ServiceCode, StepId};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{DeviceId, TicketId, UserId, VisitId};
use medicloud_core::ticket::{Issue, TicketChange};
use std::time::{Duration, Instant};

#[path = "common/record.rs"]
mod record;
#[path = "common/server.rs"]
mod server;

const PER_DAY: i64 = 400;

/// The events of `days` days of tickets from `first`, from one other device.
fn history(first: NaiveDate, days: i64, clinic: medicloud_core::ids::ClinicId) -> Vec<Event> {
    let origin = DeviceId::random();
    let staff = [UserId::random(), UserId::random(), UserId::random()];
    let services = [("A", "ruang-umum"), ("B", "ruang-gigi"), ("C", "ruang-kia")];
    let mut events = Vec::with_capacity((days * PER_DAY * 6) as usize);
    let mut seq = 0;
    let mut push = |at_ms: i64, actor: Actor, id: TicketId, change: TicketChange| {
        seq += 1;
        events.push(Event {
            id: EventId { origin, seq },
            stamp: Stamp::new(at_ms as u64, 0),
            clinic,
            actor,
            body: EventBody::Ticket { id, change },
        });
    };
    for d in 0..days {
        let day = first + chrono::Duration::days(d);
        // Jakarta keeps UTC+7 all year.
        let opens = chrono::FixedOffset::east_opt(7 * 3_600)
            .unwrap()
            .from_local_datetime(&day.and_hms_opt(7, 30, 0).unwrap())
            .unwrap()
            .timestamp_millis();
        for i in 0..PER_DAY {
            let (code, room) = services[i as usize % services.len()];
            let id = TicketId::random();
            let at = opens + i * 75_000; // one every 75 s, 07:30 to about 15:50
            let desk = Actor::Staff(staff[(i % 2) as usize]);
            let doctor = Actor::Staff(staff[2]);
            let issue = Issue {
                service: ServiceCode::parse(code).unwrap(),
                label: format!("{code}-{:03}", i / 3 + 1),
                day,
                priority: None,
                visit: VisitId::random(),
                appointment: None,
                patient: None,
                transferred_from: None,
                start_step: Some(StepId::parse("registration").unwrap()),
                estimated_wait_seconds: Some((i % 40) as u32 * 60),
            };
            let wait = (i * 7 % 50) * 60_000;
            let consult = 420_000 + (i % 9) * 60_000;
            let called = |counter: &str| TicketChange::Called {
                counter: CounterId::parse(counter).unwrap(),
            };
            push(at, Actor::System, id, TicketChange::Issued(issue));
            push(at + wait, desk, id, called("loket-1"));
            push(at + wait + 20_000, desk, id, TicketChange::Served);
            let room_step = StepId::parse("room").unwrap();
            push(
                at + wait + 140_000,
                desk,
                id,
                TicketChange::Advanced {
                    to: room_step,
                    label: None,
                },
            );
            push(at + wait + 900_000, doctor, id, called(room));
            push(
                at + wait + 900_000 + consult,
                doctor,
                id,
                TicketChange::Completed,
            );
        }
    }
    events
}

fn main() {
    let quick = record::quick();
    let days: i64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if quick { 30 } else { 365 });
    let dir = tempfile::tempdir().unwrap();
    let node = server::demo_node(dir.path());
    server::seed(&node, "kiosk");
    let first: NaiveDate = "2025-01-01".parse().unwrap();
    let last = first + chrono::Duration::days(days - 1);
    let built = Instant::now();
    let events = history(first, days, node.identity().clinic);
    let count = events.len();
    let mut rest = events.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<Event> = rest.by_ref().take(20_000).collect();
        node.store().ingest(batch).unwrap();
    }
    println!(
        "reports: {} tickets ({count} events) ingested in {:.1} s",
        days * PER_DAY,
        built.elapsed().as_secs_f64()
    );

    let mut samples = Vec::new();
    for run in 0..21 {
        let t = Instant::now();
        let summary = node.report_summary(first, last).unwrap();
        let took = t.elapsed();
        assert_eq!(i64::from(summary.whole_clinic.issued), days * PER_DAY);
        if run > 0 {
            samples.push(took); // the first run warms the page cache
        }
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let values: Vec<f64> = samples.iter().map(|d| ms(*d)).collect();
    let workload = format!(
        "Node::report_summary over {days} days of {PER_DAY} tickets ({} tickets, two steps each) on the node's encrypted SQLite, 20 runs",
        days * PER_DAY
    );
    let (p50, p99) = record::latency_ms("report.node.summary", &values, &workload);
    println!(
        "report summary of {days} days: median {p50:.1} ms  p99 {p99:.1} ms  max {:.1} ms",
        ms(*samples.last().unwrap())
    );
}
