//! Machine-readable records of a bench binary, for `cargo xtask bench`.
//!
//! Included by each bench with `#[path = "common/record.rs"] mod record;`. When
//! `MEDICLOUD_BENCH_OUT` names a file, every call appends one JSON object on its own line
//! to it; otherwise the calls do nothing (the bench still prints its human-readable lines).
//! `MEDICLOUD_BENCH_QUICK=1` asks for the smaller sizes of quick mode.
//!
//! The lines are either a measure
//! `{"kind":"measure","name":"ticket.durable.p99","value":9.7,"unit":"ms","workload":"…"}`
//! (with `"samples":[…]` when the raw values are given, at most [`MAX_SAMPLES`] of them),
//! a scenario `{"kind":"scenario","name":"fault.kill9_burst","pass":true,"detail":"…"}`,
//! or a figure that could not be measured here
//! `{"kind":"not_measured","name":"cloud.ingest.postgres","reason":"no PostgreSQL"}`.

#![allow(dead_code)] // each bench uses some of these

use std::io::Write;

/// The most raw samples kept in one record (evenly thinned beyond it).
pub const MAX_SAMPLES: usize = 5_000;

/// Whether the bench should run at its quick-mode size.
pub fn quick() -> bool {
    std::env::var("MEDICLOUD_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A measured figure, e.g. `measure("sync.w1.bytes_per_event", 31.2, "B", "4 devices…")`.
pub fn measure(name: &str, value: f64, unit: &str, workload: &str) {
    append(serde_json::json!({
        "kind": "measure", "name": name, "value": value, "unit": unit, "workload": workload,
    }));
}

/// A measured figure with the raw values it came from (for plots).
pub fn measure_samples(name: &str, value: f64, unit: &str, workload: &str, samples: &[f64]) {
    append(serde_json::json!({
        "kind": "measure", "name": name, "value": value, "unit": unit, "workload": workload,
        "samples": thin(samples),
    }));
}

/// Median and p99 of latencies in milliseconds, as `{prefix}.p50` (with the samples) and
/// `{prefix}.p99`; returns them.
pub fn latency_ms(prefix: &str, samples: &[f64], workload: &str) -> (f64, f64) {
    let (p50, p99) = (percentile(samples, 0.5), percentile(samples, 0.99));
    measure_samples(&format!("{prefix}.p50"), p50, "ms", workload, samples);
    measure(&format!("{prefix}.p99"), p99, "ms", workload);
    (p50, p99)
}

/// The `q` quantile (0..=1) of `samples`, nearest rank; NaN when there are none.
pub fn percentile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// A scenario's outcome, e.g. `scenario("fault.kill9_burst", true, "200 requests, 0 lost")`.
pub fn scenario(name: &str, pass: bool, detail: &str) {
    append(serde_json::json!({
        "kind": "scenario", "name": name, "pass": pass, "detail": detail,
    }));
}

/// A figure this machine cannot measure (no PostgreSQL, no display…), with the reason.
pub fn not_measured(name: &str, reason: &str) {
    append(serde_json::json!({
        "kind": "not_measured", "name": name, "reason": reason,
    }));
}

fn thin(samples: &[f64]) -> Vec<f64> {
    if samples.len() <= MAX_SAMPLES {
        return samples.to_vec();
    }
    let step = samples.len() as f64 / MAX_SAMPLES as f64;
    (0..MAX_SAMPLES)
        .map(|i| samples[(i as f64 * step) as usize])
        .collect()
}

fn append(record: serde_json::Value) {
    let Some(path) = std::env::var_os("MEDICLOUD_BENCH_OUT") else {
        return;
    };
    let mut line = record.to_string();
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.to_string_lossy()));
    // One write per line, so records of processes appending at once never interleave.
    file.write_all(line.as_bytes())
        .unwrap_or_else(|e| panic!("cannot append to {}: {e}", path.to_string_lossy()));
}
