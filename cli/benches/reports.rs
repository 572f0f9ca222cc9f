//! The reports' read path: `Node::report_summary` over a clinic-year on the node's
//! SQLite (SQLCipher, on a real file), the figures of `core::report`.
//!
//! The history is 365 days of 400 tickets (146,000) from
//! `medicloud_testkit::history::clinic_days`: each registered at a loket and then called,
//! served and completed in its poli's room (six events), some no-shows and
//! cancellations, with waits and service times that vary. The events come from another device and go in through
//! `Store::ingest`, as sync delivers them, so the `tickets` projection is the one the
//! node folds itself.
//!
//! The cloud's side, on PostgreSQL (`MEDICLOUD_TEST_POSTGRES`, a database made and
//! dropped for the run; not measured when no server answers): a chain of 20 clinics
//! with a year each of the same history (2,920,000 tickets), folded by the cloud's
//! projection code and loaded into its `tickets` table; then the summary of one
//! clinic-year, and the chain-month (every clinic's report of one month, one after the
//! other, as the head office's screen asks for them), each through
//! `Storage::report_source` and `core::report`. Quick mode: 4 clinics of 30 days.
//!
//! `cargo bench -p medicloud --bench reports [-- DAYS]` (365 days; 30 in quick mode)
//! prints the summaries' median, p99 and max, and records `report.node.summary.*`,
//! `report.cloud.clinic_year.*` and `report.cloud.chain_month.*` for `cargo xtask bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use chrono::NaiveDate;
use medicloud_core::event::Event;
use std::time::{Duration, Instant};

#[path = "common/record.rs"]
mod record;
#[path = "common/server.rs"]
mod server;

const PER_DAY: i64 = 400;

fn main() {
    node_part();
    cloud_part(record::quick());
}

fn node_part() {
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
    let events =
        medicloud_testkit::history::clinic_days(node.identity().clinic, first, days, PER_DAY, 7);
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

async fn postgres_admin(url: &str) -> Option<tokio_postgres::Client> {
    let connect = tokio_postgres::connect(url, tokio_postgres::NoTls);
    match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok((client, connection))) => {
            tokio::spawn(connection);
            Some(client)
        }
        _ => None,
    }
}

/// `runs` timed runs of `f` after one to warm the caches: milliseconds, sorted.
async fn timed<F: std::future::Future<Output = ()>>(runs: usize, f: impl Fn() -> F) -> Vec<f64> {
    f().await;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    samples
}

fn cloud_part(quick: bool) {
    use medicloud_cloud::projection::{self, Touched};
    use medicloud_cloud::storage::{AnyStorage, Storage};
    use medicloud_core::ids::ClinicId;
    let (clinics, days) = if quick { (4, 30) } else { (20, 365) };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let base = medicloud_testkit::postgres::admin_url();
        let Some(admin) = postgres_admin(&base).await else {
            println!("reports: no PostgreSQL at {base}: the cloud's reports are not measured");
            return;
        };
        let name = format!("medicloud_bench_reports_{:016x}", rand::random::<u64>());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let authority = base.find("://").unwrap() + 3;
        let url = match base[authority..].find('/') {
            Some(i) => format!("{}/{name}", &base[..authority + i]),
            None => format!("{base}/{name}"),
        };
        let storage = medicloud_cloud::open(&url).await.unwrap();
        let AnyStorage::Postgres(pg) = &storage else {
            unreachable!("a postgres:// URL")
        };
        let first: NaiveDate = "2025-01-01".parse().unwrap();
        let built = Instant::now();
        let mut ids = Vec::new();
        for c in 0..clinics {
            let id = ClinicId::random();
            storage
                .add_clinic(id, &format!("Klinik {c:02}"), "k")
                .await
                .unwrap();
            // A month of events at a time, folded by the cloud's own projection code.
            for month in (0..days).step_by(30) {
                let n = (days - month).min(30);
                let events = medicloud_testkit::history::clinic_days(
                    id,
                    first + chrono::Duration::days(month),
                    n,
                    PER_DAY,
                    7,
                );
                let touched = Touched::of(&events).unwrap();
                let rows = projection::fold(&touched.entities, &events).unwrap();
                for chunk in rows.tickets.chunks(2_000) {
                    pg.load_tickets(id, chunk).await.unwrap();
                }
            }
            ids.push(id);
        }
        let client = pg_client(&url).await;
        client.batch_execute("ANALYZE tickets").await.unwrap();
        let tickets = clinics as i64 * days * PER_DAY;
        println!(
            "reports: {tickets} tickets of {clinics} clinics loaded into PostgreSQL in {:.1} s",
            built.elapsed().as_secs_f64()
        );
        let last = first + chrono::Duration::days(days - 1);
        let year = timed(10, || async {
            let source = storage.report_source(ids[0], first, last).await.unwrap();
            let summary = source.summary(first, last, 0);
            assert_eq!(i64::from(summary.whole_clinic.issued), days * PER_DAY);
        })
        .await;
        let workload = format!(
            "GET /hq/v1/reports/summary's work for one clinic over {days} days of {PER_DAY} tickets, a chain of {clinics} clinics ({tickets} tickets) on PostgreSQL, 10 runs"
        );
        let (p50, p99) = record::latency_ms("report.cloud.clinic_year", &year, &workload);
        println!("cloud report of one clinic, {days} days: median {p50:.1} ms  p99 {p99:.1} ms");
        let month_end = first + chrono::Duration::days(29);
        let month = timed(10, || async {
            for id in &ids {
                let source = storage.report_source(*id, first, month_end).await.unwrap();
                let summary = source.summary(first, month_end, 0);
                assert_eq!(i64::from(summary.whole_clinic.issued), 30 * PER_DAY);
            }
        })
        .await;
        let workload = format!(
            "every clinic's report of one month (30 days of {PER_DAY} tickets each), {clinics} clinics one after the other, on PostgreSQL, 10 runs"
        );
        let (p50, p99) = record::latency_ms("report.cloud.chain_month", &month, &workload);
        println!("cloud chain-month ({clinics} clinics): median {p50:.1} ms  p99 {p99:.1} ms");
        drop(client);
        drop(storage);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
    });
}

async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}
