//! Medicloud's chores. `cargo xtask tidy` checks the architecture's boundaries on the
//! dependency graph (see `tidy.rs`). `cargo xtask bench [--quick] [--out DIR]`: builds and runs every Medicloud benchmark and
//! fault scenario (the bench binaries of `medicloud`), collects their records and
//! writes `report.md`, PNG plots and `summary.json` into DIR (default
//! `target/bench-report/`).
//!
//! Each bench runs as `cargo bench -p medicloud --bench NAME` (release profile) with
//! `MEDICLOUD_BENCH_OUT` naming its records file and, in quick mode,
//! `MEDICLOUD_BENCH_QUICK=1`; the records' format is `cli/benches/common/record.rs`.
//!
//! Exit status: 0 when every bench binary ran to its end and every fault scenario held,
//! whatever the speed figures (a missed target is a `fail` in the report, not an error,
//! so a noisy machine cannot fail CI); 1 when a bench binary crashed, wrote lines that are
//! not records, or a scenario (a fault scenario, W4's convergence) failed; 2 when the
//! benches do not build.

#![allow(clippy::print_stdout)] // the task reports on stdout

mod app;
mod plot;
mod records;
mod report;
mod targets;
mod tidy;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use records::{Record, judge, parse};
use report::{BenchRun, Machine, Report};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use targets::Target;

/// The bench binaries, in the order they run.
const BENCHES: &[&str] = &[
    "ticket_issue",
    "print_latency",
    "apply",
    "sync",
    "cloud",
    "live",
    "edge",
    "reports",
];
/// Run after the others when its file is in the tree.
const FAULTS: &str = "faults";

#[derive(Parser)]
#[command(about = "Medicloud project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every benchmark and fault scenario; write report.md, plots and summary.json.
    Bench {
        /// Smaller sizes (under five minutes on two cores), for CI and quick checks.
        #[arg(long)]
        quick: bool,
        /// Where the report goes.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the architecture's boundaries: core does no I/O, the node never depends on
    /// the cloud, no library takes a command line.
    Tidy,
}

fn main() -> ExitCode {
    let (quick, out) = match Cli::parse().task {
        Task::Bench { quick, out } => (quick, out),
        Task::Tidy => {
            return match tidy::run(&root()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("xtask tidy: {e:#}");
                    ExitCode::from(1)
                }
            };
        }
    };
    match bench(quick, out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("xtask bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs everything; `Ok(false)` when a bench crashed or a scenario failed.
fn bench(quick: bool, out: Option<PathBuf>) -> Result<bool> {
    let root = root();
    let out = out.unwrap_or_else(|| root.join("target/bench-report"));
    let out = std::path::absolute(&out)?;
    std::fs::create_dir_all(out.join("logs"))?;
    std::fs::create_dir_all(out.join("records"))?;
    for dir in ["logs", "records"] {
        for f in std::fs::read_dir(out.join(dir))?.flatten() {
            std::fs::remove_file(f.path())?;
        }
    }
    for f in std::fs::read_dir(&out)?.flatten() {
        if f.path().extension().is_some_and(|e| e == "png") {
            std::fs::remove_file(f.path())?;
        }
    }
    let mut machine = machine(&root);

    log("building the bench binaries (release)");
    let built = Command::new(cargo())
        .args(["bench", "-p", "medicloud", "--no-run"])
        .current_dir(&root)
        .status()
        .context("running cargo")?;
    if !built.success() {
        bail!("the bench binaries did not build ({built})");
    }

    let mut benches: Vec<&str> = BENCHES.to_vec();
    let mut notes = Vec::new();
    let mut runs = Vec::new();
    if root
        .join("cli/benches")
        .join(format!("{FAULTS}.rs"))
        .is_file()
    {
        benches.push(FAULTS);
    } else {
        notes.push(format!(
            "cli/benches/{FAULTS}.rs is not in this tree: the fault scenarios were skipped"
        ));
        runs.push(BenchRun {
            name: FAULTS.into(),
            outcome: "skipped: not in this tree".into(),
            crashed: false,
            took: Duration::ZERO,
        });
    }
    let mut all = Vec::new();
    let mut text = String::new();
    for name in &benches {
        let (run, records, bad, raw) = run_bench(&root, &out, name, quick)?;
        for b in bad {
            notes.push(format!("{name}: a line that is not a record ({b})"));
        }
        all.extend(records);
        text.push_str(&raw);
        runs.push(run);
    }
    log("the app: binary sizes, cold start and memory where Xvfb is here");
    all.extend(app::measure_app(&root));
    std::fs::write(out.join("records.jsonl"), text)?;

    let crashed: Vec<&str> = runs
        .iter()
        .filter(|r| r.crashed)
        .map(|r| r.name.as_str())
        .collect();
    let entries = judge(&all, |t| missing_reason(t, &runs));
    let plots = plots(&out, &all, &mut notes);
    machine.load.1 = load();
    let md = report::markdown(&Report {
        quick,
        machine: &machine,
        runs: &runs,
        entries: &entries,
        records: &all,
        plots: &plots,
        notes: &notes,
    });
    std::fs::write(out.join("report.md"), md)?;
    std::fs::write(
        out.join("summary.json"),
        serde_json::to_string_pretty(&entries)? + "\n",
    )?;
    let scenarios_failed = entries
        .iter()
        .filter(|e| e.kind == "scenario" && e.pass == Some(false))
        .count();
    let line = report::one_line(&entries, &runs);
    println!("{line}");
    println!("report: {}", out.join("report.md").display());
    if !crashed.is_empty() {
        eprintln!("xtask bench: crashed: {}", crashed.join(", "));
    }
    if scenarios_failed > 0 {
        eprintln!("xtask bench: {scenarios_failed} scenarios failed");
    }
    Ok(crashed.is_empty() && scenarios_failed == 0)
}

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn log(message: &str) {
    eprintln!("\x1b[1;32m==>\x1b[0m xtask bench: {message}");
}

type BenchOutcome = (BenchRun, Vec<Record>, Vec<String>, String);

/// Runs one bench binary, copying its output to ours and to `logs/NAME.log`.
fn run_bench(root: &Path, out: &Path, name: &str, quick: bool) -> Result<BenchOutcome> {
    log(&format!(
        "running {name}{}",
        if quick { " (quick)" } else { "" }
    ));
    let records_file = out.join("records").join(format!("{name}.jsonl"));
    let mut cmd = Command::new(cargo());
    cmd.args(["bench", "-p", "medicloud", "--bench", name])
        .current_dir(root)
        .env("MEDICLOUD_BENCH_OUT", &records_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if quick {
        cmd.env("MEDICLOUD_BENCH_QUICK", "1");
    } else {
        cmd.env_remove("MEDICLOUD_BENCH_QUICK");
    }
    let started = Instant::now();
    let mut child = cmd.spawn().context("running cargo bench")?;
    let log_file = std::sync::Arc::new(std::sync::Mutex::new(std::fs::File::create(
        out.join("logs").join(format!("{name}.log")),
    )?));
    let copy = |stream: Box<dyn std::io::Read + Send>, to_stdout: bool| {
        let log_file = log_file.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if to_stdout {
                    println!("{line}");
                } else {
                    eprintln!("{line}");
                }
                if let Ok(mut f) = log_file.lock() {
                    let _ = writeln!(f, "{line}");
                }
            }
        })
    };
    let stdout = child.stdout.take().context("no stdout")?;
    let stderr = child.stderr.take().context("no stderr")?;
    let threads = [copy(Box::new(stdout), true), copy(Box::new(stderr), false)];
    let status = child.wait()?;
    for t in threads {
        let _ = t.join();
    }
    let took = started.elapsed();
    let raw = std::fs::read_to_string(&records_file).unwrap_or_default();
    let (records, bad) = parse(&raw);
    let crashed = !status.success() || !bad.is_empty();
    let outcome = if !status.success() {
        format!("crashed ({status}); see logs/{name}.log")
    } else if !bad.is_empty() {
        format!("wrote {} lines that are not records", bad.len())
    } else {
        format!("ok, {} records", records.len())
    };
    Ok((
        BenchRun {
            name: name.into(),
            outcome,
            crashed,
            took,
        },
        records,
        bad,
        raw,
    ))
}

/// Which bench writes a target's record.
fn bench_of(target: &Target) -> &'static str {
    match target.name.split('.').collect::<Vec<_>>()[..] {
        ["ticket", "printer", ..] => "print_latency",
        ["ticket", ..] => "ticket_issue",
        ["apply", ..] => "apply",
        ["sync", ..] => "sync",
        ["cloud", ..] => "cloud",
        ["live", ..] => "live",
        ["edge", ..] => "edge",
        ["report", ..] => "reports",
        _ => "none",
    }
}

fn missing_reason(target: &Target, runs: &[BenchRun]) -> String {
    let bench = bench_of(target);
    match runs.iter().find(|r| r.name == bench) {
        Some(r) if r.crashed => format!("the {bench} bench {}", r.outcome),
        Some(_) => format!("the {bench} bench wrote no record of it"),
        None => format!("no bench writes it ({bench})"),
    }
}

fn samples<'a>(records: &'a [Record], name: &str) -> Option<&'a [f64]> {
    records.iter().rev().find_map(|r| match r {
        Record::Measure {
            name: n, samples, ..
        } if n == name && !samples.is_empty() => Some(samples.as_slice()),
        _ => None,
    })
}

fn value(records: &[Record], name: &str) -> f64 {
    records
        .iter()
        .rev()
        .find_map(|r| match r {
            Record::Measure { name: n, value, .. } if n == name => Some(value.unwrap_or(f64::NAN)),
            _ => None,
        })
        .unwrap_or(f64::NAN)
}

/// Draws the plots there are samples for; a plot that cannot be drawn is a note.
fn plots(out: &Path, records: &[Record], notes: &mut Vec<String>) -> Vec<(String, String)> {
    let mut done = Vec::new();
    let mut attempt = |file: &str, caption: &str, result: Result<()>| match result {
        Ok(()) => done.push((file.to_owned(), caption.to_owned())),
        Err(e) => notes.push(format!("{file} not drawn: {e:#}")),
    };
    let series = |names: &[(&str, &str)]| -> Vec<(String, Vec<f64>)> {
        names
            .iter()
            .filter_map(|(n, label)| Some(((*label).to_owned(), samples(records, n)?.to_vec())))
            .collect()
    };
    let ticket = series(&[
        ("ticket.durable.p50", "to durable ticket, 1 kiosk"),
        (
            "ticket.durable_8_kiosks.p50",
            "to durable ticket, 8 kiosks at once",
        ),
        ("ticket.printer.p50", "to last byte at the printer"),
    ]);
    if !ticket.is_empty() {
        let file = "ticket-latency.png";
        let caption = "Ticket issue latency (CDF)";
        attempt(
            file,
            caption,
            plot::cdf(&out.join(file), caption, "ms", &ticket),
        );
    }
    if let Some(s) = samples(records, "live.call.p50") {
        let file = "live-latency.png";
        let caption = "A call reaching every connected live stream (histogram)";
        attempt(
            file,
            caption,
            plot::histogram(&out.join(file), caption, "ms", s),
        );
    }
    let cloud = series(&[("cloud.devices.p50", "exchange latency")]);
    if !cloud.is_empty() {
        let file = "cloud-devices.png";
        let caption = "Simulated devices syncing with a cloud process (CDF)";
        attempt(
            file,
            caption,
            plot::cdf(&out.join(file), caption, "ms", &cloud),
        );
    }
    let groups: Vec<(String, Vec<f64>)> = ["w1", "w2", "w3", "w4"]
        .iter()
        .map(|w| {
            let ours = value(records, &format!("sync.{w}.bytes_per_event"));
            let theirs = value(records, &format!("sync.{w}.automerge.bytes_per_event"));
            (w.to_uppercase(), vec![ours, theirs])
        })
        .filter(|(_, v)| v.iter().any(|x| x.is_finite()))
        .collect();
    if !groups.is_empty() {
        let file = "sync-bytes.png";
        let caption = "Bytes on the wire per event, Medicloud and automerge";
        let names = ["Medicloud", "automerge"];
        attempt(
            file,
            caption,
            plot::bars(&out.join(file), caption, "B/event", &names, &groups),
        );
    }
    done
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn load() -> String {
    read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn machine(root: &Path) -> Machine {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let mut commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    if git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty()) {
        commit.push_str("-dirty");
    }
    let memory_kb: f64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    Machine {
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        memory_gib: memory_kb / 1024.0 / 1024.0,
        cpu_model: read("/proc/cpuinfo")
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown".into()),
        commit,
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        load: (load(), String::new()),
    }
}
