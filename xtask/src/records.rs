//! The records bench binaries append to `MEDICLOUD_BENCH_OUT` (one JSON object a line;
//! the writer is `node/benches/common/record.rs`), read back and judged against the targets.

use crate::targets::{TARGETS, Target};
use serde::{Deserialize, Serialize};

/// One line of a records file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A measured figure.
    Measure {
        /// Dotted name, e.g. `ticket.durable.p99`.
        name: String,
        /// The figure (`null` in JSON when it was not a number).
        value: Option<f64>,
        /// Its unit.
        unit: String,
        /// What was run to get it.
        workload: String,
        /// Raw values, for plots.
        #[serde(default)]
        samples: Vec<f64>,
    },
    /// A fault scenario's outcome.
    Scenario {
        /// Dotted name, e.g. `fault.kill9_burst`.
        name: String,
        /// Whether it held.
        pass: bool,
        /// What happened.
        detail: String,
    },
    /// A figure this machine could not measure.
    NotMeasured {
        /// The figure's name.
        name: String,
        /// Why.
        reason: String,
    },
}

impl Record {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Record::Measure { name, .. }
            | Record::Scenario { name, .. }
            | Record::NotMeasured { name, .. } => name,
        }
    }
}

/// Parses a records file; lines that are not records are returned apart, as errors.
pub fn parse(text: &str) -> (Vec<Record>, Vec<String>) {
    let (mut records, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(r) => records.push(r),
            Err(e) => bad.push(format!("line {}: {e}", i + 1)),
        }
    }
    (records, bad)
}

/// One entry of `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// `target`, `scenario` or `measure` (a figure with no target).
    pub kind: &'static str,
    /// The record's name.
    pub name: String,
    /// The figure (none for scenarios and figures not measured).
    pub value: Option<f64>,
    /// Its unit.
    pub unit: Option<String>,
    /// The target, e.g. `≤ 10 ms` (none for figures without one).
    pub target: Option<String>,
    /// Met or not (none for figures without a target).
    pub pass: Option<bool>,
    /// The workload, a scenario's detail, or why it was not measured.
    pub workload: String,
    /// Why there is no figure, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Judges every target against the records (the last record of a name wins), then lists
/// the scenarios, then every other figure. `missing_reason` says why a target with no
/// record was not measured.
pub fn judge(records: &[Record], missing_reason: impl Fn(&Target) -> String) -> Vec<Entry> {
    let last = |name: &str| records.iter().rev().find(|r| r.name() == name);
    let mut entries: Vec<Entry> = TARGETS
        .iter()
        .map(|target| {
            let base = Entry {
                kind: "target",
                name: target.name.into(),
                value: None,
                unit: Some(target.unit.into()),
                target: Some(target.text()),
                pass: Some(false),
                workload: String::new(),
                reason: None,
            };
            match last(target.name) {
                Some(Record::Measure {
                    value,
                    unit,
                    workload,
                    ..
                }) if unit == target.unit => Entry {
                    value: *value,
                    pass: Some(value.is_some_and(|v| target.cmp.met(v, target.threshold))),
                    workload: workload.clone(),
                    reason: value.is_none().then(|| "the figure is not a number".into()),
                    ..base
                },
                Some(Record::Measure { unit, value, .. }) => Entry {
                    value: *value,
                    reason: Some(format!(
                        "recorded in {unit}, the target is in {}",
                        target.unit
                    )),
                    ..base
                },
                Some(Record::NotMeasured { reason, .. }) => Entry {
                    reason: Some(format!("not measured: {reason}")),
                    ..base
                },
                Some(Record::Scenario { .. }) => Entry {
                    reason: Some("recorded as a scenario, not a figure".into()),
                    ..base
                },
                None => Entry {
                    reason: Some(format!("not measured: {}", missing_reason(target))),
                    ..base
                },
            }
        })
        .collect();
    let is_target = |name: &str| TARGETS.iter().any(|t| t.name == name);
    let mut seen: Vec<&str> = Vec::new();
    for record in records.iter().rev() {
        let name = record.name();
        if is_target(name) || seen.contains(&name) {
            continue;
        }
        seen.push(name);
        entries.push(match record {
            Record::Scenario { name, pass, detail } => Entry {
                kind: "scenario",
                name: name.clone(),
                value: None,
                unit: None,
                target: Some("pass".into()),
                pass: Some(*pass),
                workload: detail.clone(),
                reason: None,
            },
            Record::Measure {
                name,
                value,
                unit,
                workload,
                ..
            } => Entry {
                kind: "measure",
                name: name.clone(),
                value: *value,
                unit: Some(unit.clone()),
                target: None,
                pass: None,
                workload: workload.clone(),
                reason: None,
            },
            Record::NotMeasured { name, reason } => Entry {
                kind: "measure",
                name: name.clone(),
                value: None,
                unit: None,
                target: None,
                pass: None,
                workload: String::new(),
                reason: Some(format!("not measured: {reason}")),
            },
        });
    }
    // Scenarios and figures in the order they were recorded, after the targets.
    entries[TARGETS.len()..].reverse();
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = r#"{"kind":"measure","name":"ticket.durable.p99","value":9.7,"unit":"ms","workload":"1,000 tickets"}
{"kind":"measure","name":"ticket.durable.p50","value":4.0,"unit":"ms","workload":"1,000 tickets","samples":[3.9,4.0,4.1]}
not json
{"kind":"scenario","name":"fault.kill9_burst","pass":false,"detail":"1 lost"}
{"kind":"not_measured","name":"cloud.ingest.postgres.events_per_s","reason":"no PostgreSQL"}
{"kind":"measure","name":"ticket.printer.p99","value":30.0,"unit":"ms","workload":"w"}
{"kind":"measure","name":"sync.w3.peak_rss_mb","value":17.0,"unit":"MiB","workload":"w"}
{"kind":"measure","name":"live.call.p99","value":null,"unit":"ms","workload":"w"}
"#;

    #[test]
    fn parses_records_and_reports_bad_lines() {
        let (records, bad) = parse(LINES);
        assert_eq!(records.len(), 7);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("line 3:"), "{bad:?}");
        assert!(matches!(&records[1], Record::Measure { samples, .. } if samples.len() == 3));
    }

    #[test]
    fn every_target_is_judged_and_none_is_dropped() {
        let (records, _) = parse(LINES);
        let entries = judge(&records, |t| format!("no record of {}", t.name));
        let get = |name: &str| entries.iter().find(|e| e.name == name).unwrap();
        assert_eq!(
            entries.iter().filter(|e| e.kind == "target").count(),
            TARGETS.len()
        );
        let cases: [(&str, Option<bool>, Option<&str>); 7] = [
            ("ticket.durable.p99", Some(true), None),
            ("ticket.printer.p99", Some(false), None),
            (
                "cloud.ingest.postgres.events_per_s",
                Some(false),
                Some("not measured: no PostgreSQL"),
            ),
            (
                "sync.w3.peak_rss_mb",
                Some(false),
                Some("recorded in MiB, the target is in MB"),
            ),
            (
                "live.call.p99",
                Some(false),
                Some("the figure is not a number"),
            ),
            (
                "apply.sqlite.events_per_s",
                Some(false),
                Some("not measured: no record of apply.sqlite.events_per_s"),
            ),
            ("fault.kill9_burst", Some(false), None),
        ];
        for (name, pass, reason) in cases {
            let e = get(name);
            assert_eq!(e.pass, pass, "{name}");
            assert_eq!(e.reason.as_deref(), reason, "{name}");
        }
        assert_eq!(get("ticket.durable.p50").kind, "measure");
        assert_eq!(get("ticket.durable.p50").pass, None);
        assert_eq!(get("fault.kill9_burst").kind, "scenario");
    }
}
