//! Fault injection against the real `medicloud` processes on loopback: each scenario
//! breaks something (a `kill -9` mid-burst, partitions, the printer, clocks, a full
//! disk, the cloud's database, cloud replicas under a fleet of devices), then checks
//! what a clinic would notice, and says what it counted.
//!
//! `cargo bench -p medicloud --bench faults [-- NAME…]` runs every scenario (or those
//! whose name contains a NAME, e.g. `partitions`) and prints one line per scenario; it
//! exits 1 when any fails. With `MEDICLOUD_BENCH_OUT=FILE` it also appends the records
//! (`common/record.rs`) for `cargo xtask bench`; `MEDICLOUD_BENCH_QUICK=1` runs the
//! smaller sizes; `MEDICLOUD_FAULT_SEED=N` repeats a partition schedule.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

#[path = "faults/clock.rs"]
mod clock;
#[path = "../tests/cluster.rs"]
mod cluster;
#[path = "faults/database.rs"]
mod database;
#[path = "faults/disk.rs"]
mod disk;
#[path = "faults/fleet.rs"]
mod fleet;
#[path = "faults/kill9.rs"]
mod kill9;
#[path = "faults/partitions.rs"]
mod partitions;
#[path = "faults/printer.rs"]
mod printer;
#[path = "common/record.rs"]
mod record;
#[allow(dead_code)] // the tests' helpers; this bench uses the process ones
#[path = "../tests/util.rs"]
mod util;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// What a scenario needs to know about this run.
#[derive(Clone, Debug)]
pub struct Run {
    /// Quick mode: smaller sizes.
    pub quick: bool,
    /// Seed of the random schedules.
    pub seed: u64,
}

impl Run {
    /// `full` normally, `quick` in quick mode.
    pub fn size(&self, full: usize, quick: usize) -> usize {
        if self.quick { quick } else { full }
    }
}

/// What a scenario counted and which of its checks failed.
#[derive(Debug, Default)]
pub struct Report {
    counts: Vec<String>,
    failures: Vec<String>,
}

impl Report {
    /// Something counted, for the detail line (`"200 requests"`).
    pub fn count(&mut self, what: impl Into<String>) {
        self.counts.push(what.into());
    }

    /// A check: when `ok` is false, `what` says what failed and the scenario fails.
    pub fn check(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            self.failures.push(what.into());
        }
    }

    /// Records and prints a measure.
    pub fn measure(&self, name: &str, value: f64, unit: &str, workload: &str) {
        println!("  {name} = {value:.3} {unit}  ({workload})");
        record::measure(name, value, unit, workload);
    }

    fn detail(&self) -> String {
        let mut parts = self.counts.clone();
        parts.extend(self.failures.iter().map(|f| format!("FAILED: {f}")));
        parts.join(", ")
    }
}

type Scenario = fn(Run) -> Pin<Box<dyn Future<Output = anyhow::Result<Report>> + Send>>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("fault.kill9_burst", |run| Box::pin(kill9::run(run))),
    ("fault.partitions", |run| Box::pin(partitions::run(run))),
    ("fault.partitions_hub", |run| {
        Box::pin(partitions::run_lan(run, partitions::Labels::Hub))
    }),
    ("fault.partitions_chosen", |run| {
        Box::pin(partitions::run_lan(run, partitions::Labels::Chosen))
    }),
    ("fault.printer_outage", |run| Box::pin(printer::run(run))),
    ("fault.clock_chaos", |run| Box::pin(clock::run(run))),
    ("fault.disk_full", |run| Box::pin(disk::run(run))),
    ("fault.database_outage", |run| Box::pin(database::run(run))),
    ("fault.fleet", |run| Box::pin(fleet::run(run))),
];

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Runs one scenario on its own task, so a panic (a helper's failed assertion) or a
/// hang fails that scenario alone; its processes die with it.
async fn run_one(scenario: Scenario, run: Run, limit: Duration) -> (bool, String) {
    let task = tokio::spawn(scenario(run));
    let abort = task.abort_handle();
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(Ok(report))) => (report.failures.is_empty(), report.detail()),
        Ok(Ok(Err(err))) => (false, format!("error: {err:#}")),
        Ok(Err(join)) if join.is_panic() => (
            false,
            format!("panicked: {}", panic_message(join.into_panic())),
        ),
        Ok(Err(join)) => (false, format!("stopped: {join}")),
        Err(_) => {
            abort.abort();
            (
                false,
                format!("did not finish within {} s", limit.as_secs()),
            )
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    // `cargo bench` passes `--bench`; anything else names scenarios to run.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let quick = record::quick();
    let seed = std::env::var("MEDICLOUD_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!(
        "Fault scenarios (quick: {quick}), seed {seed} (MEDICLOUD_FAULT_SEED={seed} repeats it)"
    );
    let limit = Duration::from_secs(if quick { 100 } else { 900 });
    let mut failed = 0;
    for (name, scenario) in SCENARIOS {
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        println!("{name} …");
        let started = Instant::now();
        let (pass, detail) = run_one(*scenario, Run { quick, seed }, limit).await;
        println!(
            "{name}: {} in {:.1} s — {detail}",
            if pass { "pass" } else { "FAIL" },
            started.elapsed().as_secs_f64()
        );
        record::scenario(name, pass, &detail);
        failed += usize::from(!pass);
    }
    if failed > 0 {
        println!("{failed} scenario(s) failed");
        std::process::exit(1);
    }
}
