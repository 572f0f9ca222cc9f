//! `fault.fleet`: 2,000 simulated devices (200 in quick mode) in clinics of 5, each
//! syncing every 5 s with 4 new events and reserving a label block every third round,
//! against three `medicloud cloud` replicas on one PostgreSQL behind HAProxy. First a
//! steady half minute (`cloud.fleet.p50`/`p99`: a sync round, retries included), then
//! one replica `kill -9`ed and started again and a rolling restart of all three
//! (`fault.fleet.p99`). Nothing acknowledged may be lost, no label number handed out
//! twice, and no device may see a failure its retries did not get past
//! (`cloud.fleet.errors`).

use crate::cluster::{self, Cluster};
use crate::{Report, Run};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PACE: Duration = Duration::from_secs(5);
const PER_CLINIC: usize = 5;

pub async fn run(run: Run) -> anyhow::Result<Report> {
    let devices = run.size(2_000, 200);
    let steady = Duration::from_secs(run.size(30, 15) as u64);
    let admin_url = medicloud_testkit::postgres::admin_url();
    let (admin, connection) = match tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
    {
        Ok(pair) => pair,
        Err(e) if !medicloud_testkit::postgres::required() => {
            let mut report = Report::default();
            report.count(format!("not run: no PostgreSQL at {admin_url} ({e})"));
            return Ok(report);
        }
        Err(e) => anyhow::bail!("no PostgreSQL at {admin_url}: {e}"),
    };
    tokio::spawn(connection);
    let name = format!("medicloud_fault_fleet_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let database = medicloud_testkit::postgres::database_url(&admin_url, &name);
    let mut cloud = Cluster::start(&database).await;

    // Enrolment, 8 clinics at a time.
    let enrolled = Instant::now();
    let mut all = Vec::with_capacity(devices);
    let clinics: Vec<usize> = (0..devices.div_ceil(PER_CLINIC)).collect();
    for chunk in clinics.chunks(8) {
        let joined = futures::future::join_all(
            chunk
                .iter()
                .map(|&c| cluster::clinic_with_devices(&cloud.base, PER_CLINIC, c * PER_CLINIC)),
        )
        .await;
        all.extend(joined.into_iter().flatten());
    }
    all.truncate(devices);
    let enrol_s = enrolled.elapsed().as_secs_f64();
    let events = Arc::new(medicloud_testkit::history::clinic_days(
        all[0].clinic,
        cluster::DAY.parse()?,
        1,
        50,
        7,
    ));

    let stop = Arc::new(AtomicBool::new(false));
    let ids: Vec<_> = all.iter().map(|d| (d.id, d.clinic)).collect();
    let began = Instant::now();
    let runs: Vec<_> = all
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            // Spread over the 5 s, as devices that started at different times are.
            let offset = PACE.mul_f64(i as f64 / devices as f64);
            let (base, events, stop) = (cloud.base.clone(), events.clone(), stop.clone());
            tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                cluster::run(d, base, events, stop, PACE).await
            })
        })
        .collect();
    tokio::time::sleep(PACE + steady).await;
    let faults_from = Instant::now();
    cloud.kill_then_roll().await;
    stop.store(true, Ordering::Relaxed);
    let mut seen = Vec::with_capacity(devices);
    for r in runs {
        seen.push(r.await?);
    }

    // The steady window starts once every device has made its first round.
    let steady_from = began + PACE;
    let (mut quiet, mut faulted) = (Vec::new(), Vec::new());
    for (at, ms) in seen.iter().flat_map(|s| &s.rounds) {
        if *at >= faults_from {
            faulted.push(*ms);
        } else if *at >= steady_from {
            quiet.push(*ms);
        }
    }
    let mut report = Report::default();
    let failures: Vec<&String> = seen.iter().flat_map(|s| &s.failures).collect();
    let retries: usize = seen.iter().map(|s| s.retries).sum();
    report.count(format!(
        "{devices} devices enrolled in {enrol_s:.1} s, {} rounds steady, {} during the kill and the rolling restart, {retries} requests tried again",
        quiet.len(),
        faulted.len()
    ));
    let workload = format!(
        "{devices} devices in clinics of {PER_CLINIC}, each from its own loopback address, syncing every 5 s with 4 new events (a label block every third round), through HAProxy to 3 `medicloud cloud` replicas on one PostgreSQL, devices and cloud on the same 2 cores; {} rounds over {} s steady",
        quiet.len(),
        steady.as_secs()
    );
    let (p50, p99) = crate::record::latency_ms("cloud.fleet", &quiet, &workload);
    println!("  cloud.fleet: p50 {p50:.1} ms  p99 {p99:.1} ms  ({workload})");
    report.measure(
        "cloud.fleet.errors",
        failures.len() as f64,
        "errors",
        &format!("sync rounds and reservations that failed beyond retries; {workload}"),
    );
    if !faulted.is_empty() {
        let during = format!(
            "the same fleet while one replica is killed and restarted, then all three restarted one by one; {} rounds",
            faulted.len()
        );
        let (_, p99) = crate::record::latency_ms("fault.fleet", &faulted, &during);
        println!("  fault.fleet: p99 {p99:.1} ms  ({during})");
    }
    report.check(
        failures.is_empty(),
        format!(
            "{} failures beyond retries, e.g. {:?}",
            failures.len(),
            failures.first()
        ),
    );
    report.check(!quiet.is_empty(), "no steady rounds");

    let (db, connection) = tokio_postgres::connect(&database, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let lost = cluster::lost(&db, &ids, &seen).await;
    report.check(
        lost.is_empty(),
        format!("{} devices lost events: {:?}", lost.len(), lost.first()),
    );
    let (handed, twice) = cluster::labels(&ids, &seen);
    report.count(format!("{handed} label numbers handed out"));
    report.check(
        twice == 0,
        format!("{twice} label numbers handed out twice"),
    );
    drop(db);
    drop(cloud);
    let _ = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    Ok(report)
}
