//! `report.md` and `summary.json`.

use crate::records::{Entry, Record};
use crate::targets::{SECTIONS, TARGETS, grouped, section_of};
use std::fmt::Write as _;
use std::time::Duration;

/// How one bench binary's run went.
#[derive(Clone, Debug)]
pub struct BenchRun {
    /// The bench's name (`cargo bench --bench NAME`).
    pub name: String,
    /// `ok`, `crashed (exit status 101)`, `skipped: …`.
    pub outcome: String,
    /// Whether it crashed (a non-zero exit or lines that are not records).
    pub crashed: bool,
    /// How long it ran.
    pub took: Duration,
}

/// The machine the figures were measured on.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    /// Logical CPUs.
    pub cpus: usize,
    /// `MemTotal`, in GiB.
    pub memory_gib: f64,
    /// The CPU model.
    pub cpu_model: String,
    /// `git describe`-like commit (with `-dirty` when the tree has changes).
    pub commit: String,
    /// When the run started (UTC).
    pub date: String,
    /// The load average at the start and the end of the run.
    pub load: (String, String),
}

/// Everything the report says.
#[derive(Debug)]
pub struct Report<'a> {
    /// Quick mode or full.
    pub quick: bool,
    /// The machine.
    pub machine: &'a Machine,
    /// The bench runs.
    pub runs: &'a [BenchRun],
    /// Judged entries (targets first).
    pub entries: &'a [Entry],
    /// Every record, for the plots' list.
    pub records: &'a [Record],
    /// Plots written: file name and caption.
    pub plots: &'a [(String, String)],
    /// Notes (benches skipped, plots that could not be drawn).
    pub notes: &'a [String],
}

fn figure(value: Option<f64>) -> String {
    match value {
        None => "—".into(),
        Some(v) if !v.is_finite() => "—".into(),
        Some(v) if v.abs() >= 1_000.0 => grouped(v.round() as i64),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn verdict(e: &Entry) -> &'static str {
    match (e.pass, e.kind) {
        (None, _) => "",
        (Some(true), _) => "pass",
        (Some(false), _) if e.value.is_none() && e.kind == "target" => "fail (not measured)",
        (Some(false), _) => "fail",
    }
}

/// One line for CI logs: `bench: 40 measured, 11/13 targets met, 5/5 scenarios passed, 0 crashed`.
pub fn one_line(entries: &[Entry], runs: &[BenchRun]) -> String {
    let measured = entries
        .iter()
        .filter(|e| e.kind != "scenario" && e.value.is_some())
        .count();
    let targets = entries.iter().filter(|e| e.kind == "target");
    let met = targets.clone().filter(|e| e.pass == Some(true)).count();
    let scenarios = entries.iter().filter(|e| e.kind == "scenario");
    let held = scenarios.clone().filter(|e| e.pass == Some(true)).count();
    format!(
        "bench: {measured} figures measured, {met} of {} targets met, {held} of {} scenarios held, {} bench binaries crashed",
        targets.count(),
        scenarios.count(),
        runs.iter().filter(|r| r.crashed).count()
    )
}

/// The Markdown report.
pub fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let m = r.machine;
    let _ = writeln!(md, "# Medicloud benchmark report\n");
    let _ = writeln!(
        md,
        "Mode: **{}**. {}\n",
        if r.quick { "quick" } else { "full" },
        if r.quick {
            "Quick mode runs every benchmark at a smaller size: the figures check that \
             everything runs, and are not the ones the targets are set for."
        } else {
            "These are the figures the README quotes."
        }
    );
    let _ = writeln!(md, "| machine | |\n| --- | --- |");
    let _ = writeln!(md, "| CPUs (`nproc`) | {} |", m.cpus);
    let _ = writeln!(md, "| memory | {:.1} GiB |", m.memory_gib);
    let _ = writeln!(md, "| CPU model | {} |", cell(&m.cpu_model));
    let _ = writeln!(md, "| git commit | `{}` |", m.commit);
    let _ = writeln!(md, "| date | {} |", m.date);
    let _ = writeln!(
        md,
        "| load average at start / end | {} / {} |\n",
        m.load.0, m.load.1
    );
    let _ = writeln!(md, "{}\n", one_line(r.entries, r.runs));

    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(
        md,
        "| target | figure | result | what |\n| --- | --- | --- | --- |"
    );
    for (e, t) in r.entries.iter().zip(TARGETS) {
        let shown = match (&e.value, &e.reason) {
            (Some(v), _) => format!("{} {}", figure(Some(*v)), t.unit),
            (None, Some(reason)) => reason.clone(),
            (None, None) => "—".into(),
        };
        let _ = writeln!(
            md,
            "| `{}` {} | {} | {} | {} |",
            t.name,
            t.text(),
            cell(&shown),
            verdict(e),
            cell(t.description)
        );
    }
    md.push('\n');

    for index in 0..=SECTIONS.len() {
        let title = SECTIONS.get(index).map_or("Other", |(title, _)| *title);
        let in_section: Vec<&Entry> = r
            .entries
            .iter()
            .filter(|e| section_of(&e.name) == index)
            .collect();
        if in_section.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {title}\n");
        let _ = writeln!(
            md,
            "| name | figure | unit | target | result | workload |\n| --- | --- | --- | --- | --- | --- |"
        );
        for e in in_section {
            let value = match (e.kind, &e.reason) {
                ("scenario", _) => "—".into(),
                (_, Some(reason)) if e.value.is_none() => reason.clone(),
                _ => figure(e.value),
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} | {} |",
                e.name,
                cell(&value),
                e.unit.as_deref().unwrap_or(""),
                e.target.as_deref().unwrap_or(""),
                verdict(e),
                cell(&e.workload)
            );
        }
        md.push('\n');
        for (file, caption) in r
            .plots
            .iter()
            .filter(|(f, _)| plot_section(f) == Some(index))
        {
            let _ = writeln!(md, "![{caption}]({file})\n");
        }
    }

    let _ = writeln!(md, "## Bench binaries\n");
    let _ = writeln!(md, "| bench | outcome | took |\n| --- | --- | --- |");
    for run in r.runs {
        let _ = writeln!(
            md,
            "| `{}` | {} | {:.1} s |",
            run.name,
            cell(&run.outcome),
            run.took.as_secs_f64()
        );
    }
    md.push('\n');
    if !r.notes.is_empty() {
        let _ = writeln!(md, "## Notes\n");
        for note in r.notes {
            let _ = writeln!(md, "- {}", cell(note));
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "Raw records: `records.jsonl` ({} records); each bench's output: `logs/`. \
         Machine-readable figures: `summary.json`.",
        r.records.len()
    );
    md
}

/// The section a plot belongs to, by its file name's first word.
fn plot_section(file: &str) -> Option<usize> {
    let stem = file.split(['-', '.']).next()?;
    Some(section_of(&format!("{stem}.")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{judge, parse};

    #[test]
    fn figures_are_readable() {
        let cases = [
            (Some(52_341.4), "52,341"),
            (Some(1_000.0), "1,000"),
            (Some(123.4), "123"),
            (Some(9.71), "9.71"),
            (Some(31.25), "31.2"),
            (Some(f64::NAN), "—"),
            (None, "—"),
        ];
        for (value, text) in cases {
            assert_eq!(figure(value), text, "{value:?}");
        }
    }

    #[test]
    fn the_report_lists_every_target_and_counts_failures() {
        let (records, _) = parse(concat!(
            r#"{"kind":"measure","name":"ticket.durable.p99","value":9.7,"unit":"ms","workload":"1,000 tickets"}"#,
            "\n",
            r#"{"kind":"scenario","name":"fault.printer_off","pass":true,"detail":"printed once"}"#,
        ));
        let entries = judge(&records, |_| "its bench did not run".into());
        let runs = [BenchRun {
            name: "ticket_issue".into(),
            outcome: "ok".into(),
            crashed: false,
            took: Duration::from_secs(3),
        }];
        let machine = Machine {
            cpus: 2,
            ..Default::default()
        };
        let md = markdown(&Report {
            quick: true,
            machine: &machine,
            runs: &runs,
            entries: &entries,
            records: &records,
            plots: &[("ticket-latency.png".into(), "latency".into())],
            notes: &[],
        });
        for target in TARGETS {
            assert!(
                md.contains(&format!("`{}`", target.name)),
                "{}",
                target.name
            );
        }
        assert!(md.contains("| 9.70 ms | pass |"), "{md}");
        assert!(md.contains("not measured: its bench did not run"));
        assert!(md.contains("![latency](ticket-latency.png)"));
        assert!(md.contains("## Fault scenarios"));
        assert_eq!(
            one_line(&entries, &runs),
            format!(
                "bench: 1 figures measured, 1 of {} targets met, 1 of 1 scenarios held, 0 bench binaries crashed",
                TARGETS.len()
            )
        );
    }
}
