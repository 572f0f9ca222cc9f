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
//! `hq::reports::clinic_summary` (`Storage::report_source`, `core::report`). Quick
//! mode: 4 clinics of 30 days.
//!
//! A report keeps each day's facts once it has computed them (`report_days`): the first
//! report of a range is timed on its own, and before each timed one the range's last
//! day is changed, as a clinic's today is all day long, so each run reads the kept
//! facts of the other days and the tickets of that one.
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

    // The first report of the range computes each day's facts and keeps them; every
    // later one reads the kept facts, and the tickets of the one day that changed
    // since (the last, as today's does all day long: see `forget_last_day`).
    let t = Instant::now();
    let summary = node.report_summary(first, last).unwrap();
    let cold = t.elapsed();
    assert_eq!(i64::from(summary.whole_clinic.issued), days * PER_DAY);
    let forget_last_day = || {
        node.store()
            .write(|w| {
                w.conn().execute(
                    "UPDATE report_days SET gen = gen + 1, basis = NULL, facts = NULL
                      WHERE day = ?1",
                    [last.to_string()],
                )?;
                Ok(())
            })
            .unwrap();
    };
    let mut samples = Vec::new();
    for _ in 0..20 {
        forget_last_day();
        let t = Instant::now();
        let summary = node.report_summary(first, last).unwrap();
        samples.push(t.elapsed());
        assert_eq!(i64::from(summary.whole_clinic.issued), days * PER_DAY);
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let values: Vec<f64> = samples.iter().map(|d| ms(*d)).collect();
    let workload = format!(
        "Node::report_summary over {days} days of {PER_DAY} tickets ({} tickets, two steps each) on the node's encrypted SQLite, the last day's tickets changed before each of 20 runs (the first report, which computed and kept every day's facts: {:.0} ms)",
        days * PER_DAY,
        ms(cold)
    );
    let (p50, p99) = record::latency_ms("report.node.summary", &values, &workload);
    println!(
        "report summary of {days} days: first {:.1} ms, then median {p50:.1} ms  p99 {p99:.1} ms  max {:.1} ms",
        ms(cold),
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

/// How long `f` takes the first time (it computes and keeps the day facts), and then
/// each of `runs` times after `between` (milliseconds, sorted).
async fn timed<F, G>(runs: usize, between: impl Fn() -> G, f: impl Fn() -> F) -> (f64, Vec<f64>)
where
    F: std::future::Future<Output = ()>,
    G: std::future::Future<Output = ()>,
{
    let t = Instant::now();
    f().await;
    let first = t.elapsed().as_secs_f64() * 1e3;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        between().await;
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    (first, samples)
}

fn cloud_part(quick: bool) {
    use medicloud_cloud::hq::reports::clinic_summary;
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
        let month_end = first + chrono::Duration::days(29);
        // Between runs, a change to a ticket of each clinic's last day of the range
        // forgets that day's facts, as today's tickets do all day long.
        let forget = |day: NaiveDate| {
            let client = &client;
            async move {
                client
                    .execute(
                        "UPDATE report_days SET gen = gen + 1, basis = NULL, facts = NULL
                          WHERE day = $1",
                        &[&day.to_string()],
                    )
                    .await
                    .unwrap();
            }
        };
        let (first_year, year) = timed(10, || forget(last), || async {
            let summary = clinic_summary(&storage, ids[0], first, last, 0).await.unwrap();
            assert_eq!(i64::from(summary.whole_clinic.issued), days * PER_DAY);
        })
        .await;
        let workload = format!(
            "GET /hq/v1/reports/summary's work for one clinic over {days} days of {PER_DAY} tickets, a chain of {clinics} clinics ({tickets} tickets) on PostgreSQL, the last day's tickets changed before each of 10 runs (the first report, which computed and kept every day's facts: {first_year:.0} ms)"
        );
        let (p50, p99) = record::latency_ms("report.cloud.clinic_year", &year, &workload);
        println!(
            "cloud report of one clinic, {days} days: first {first_year:.1} ms, then median {p50:.1} ms  p99 {p99:.1} ms"
        );
        let (first_month, month) = timed(10, || forget(month_end), || async {
            for id in &ids {
                let summary = clinic_summary(&storage, *id, first, month_end, 0).await.unwrap();
                assert_eq!(i64::from(summary.whole_clinic.issued), 30 * PER_DAY);
            }
        })
        .await;
        let workload = format!(
            "every clinic's report of one month (30 days of {PER_DAY} tickets each), {clinics} clinics one after the other, on PostgreSQL, each clinic's last day changed before each of 10 runs (the first, computing and keeping every day's facts: {first_month:.0} ms)"
        );
        let (p50, p99) = record::latency_ms("report.cloud.chain_month", &month, &workload);
        println!(
            "cloud chain-month ({clinics} clinics): first {first_month:.1} ms, then median {p50:.1} ms  p99 {p99:.1} ms"
        );
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
