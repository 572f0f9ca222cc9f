//! The one table of targets the report compares against, and the sections of the report.

/// How a figure meets its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// The figure must be at most the threshold.
    AtMost,
    /// The figure must be at least the threshold.
    AtLeast,
}

impl Cmp {
    /// Whether `value` meets `threshold`; a figure that is not a number never does.
    pub fn met(self, value: f64, threshold: f64) -> bool {
        match self {
            _ if !value.is_finite() => false,
            Cmp::AtMost => value <= threshold,
            Cmp::AtLeast => value >= threshold,
        }
    }

    /// `≤` or `≥`.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::AtMost => "≤",
            Cmp::AtLeast => "≥",
        }
    }
}

/// A target: the record named `name` must compare to `threshold` as `cmp` says.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The record's name.
    pub name: &'static str,
    /// How it must compare.
    pub cmp: Cmp,
    /// The threshold, in `unit`.
    pub threshold: f64,
    /// The unit of the threshold (and of the record).
    pub unit: &'static str,
    /// What it means, for people.
    pub description: &'static str,
}

impl Target {
    /// `≤ 10 ms`, `≥ 50,000 events/s`.
    pub fn text(&self) -> String {
        let threshold = if self.threshold >= 1_000.0 && self.threshold.fract() == 0.0 {
            grouped(self.threshold as i64)
        } else {
            self.threshold.to_string()
        };
        format!("{} {threshold} {}", self.cmp.symbol(), self.unit)
    }
}

/// `52341` as `52,341`.
pub fn grouped(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

const fn t(
    name: &'static str,
    cmp: Cmp,
    threshold: f64,
    unit: &'static str,
    description: &'static str,
) -> Target {
    Target {
        name,
        cmp,
        threshold,
        unit,
        description,
    }
}

use Cmp::{AtLeast, AtMost};

/// Every target, in report order.
pub const TARGETS: &[Target] = &[
    t(
        "ticket.durable.p99",
        AtMost,
        10.0,
        "ms",
        "ticket issue, API call to durable ticket, p99",
    ),
    t(
        "ticket.durable_8_kiosks.p50",
        AtMost,
        4.5,
        "ms",
        "ticket issue, API call to durable ticket, 8 kiosks at once, p50",
    ),
    t(
        "ticket.durable_8_kiosks.p99",
        AtMost,
        10.0,
        "ms",
        "ticket issue, API call to durable ticket, 8 kiosks at once, p99",
    ),
    t(
        "ticket.durable_8_kiosks.tickets_per_s",
        AtLeast,
        1_500.0,
        "tickets/s",
        "tickets made durable per second, 8 kiosks at once",
    ),
    t(
        "ticket.printer.p99",
        AtMost,
        25.0,
        "ms",
        "ticket issue, API call to the last byte at the virtual printer, p99",
    ),
    t(
        "apply.sqlite.events_per_s",
        AtLeast,
        100_000.0,
        "events/s",
        "events applied into the node's SQLCipher store in batches (sync ingest, projections and the audit chain included)",
    ),
    t(
        "sync.w3.bytes_vs_automerge",
        AtMost,
        1.0,
        "×",
        "W3 bytes on the wire (sealing included), Medicloud / automerge, for the same first sync",
    ),
    t(
        "sync.w1.bytes_vs_automerge",
        AtMost,
        1.0,
        "×",
        "W1 bytes on the wire, Medicloud / automerge",
    ),
    t(
        "sync.w2.bytes_vs_automerge",
        AtMost,
        1.0,
        "×",
        "W2 bytes on the wire, Medicloud / automerge",
    ),
    t(
        "sync.lan_peer.p99",
        AtMost,
        100.0,
        "ms",
        "a ticket taken at one node until its LAN peer's display stream announces it, p99",
    ),
    t(
        "sync.w1.converge_s",
        AtMost,
        2.0,
        "s",
        "W1 convergence after the last sync round (loopback)",
    ),
    t(
        "sync.w2.converge_s",
        AtMost,
        2.0,
        "s",
        "W2 convergence after heal (loopback)",
    ),
    t(
        "sync.w4.converge_s",
        AtMost,
        2.0,
        "s",
        "W4 convergence after heal (loopback)",
    ),
    t(
        "sync.w3.process_s",
        AtMost,
        10.0,
        "s",
        "W3 a new device's first sync of 30 days, as a process over HTTP",
    ),
    t(
        "sync.w3.peak_rss_mb",
        AtMost,
        50.0,
        "MB",
        "W3 peak RSS of the new device's process",
    ),
    t(
        "cloud.ingest.postgres.events_per_s",
        AtLeast,
        100_000.0,
        "events/s",
        "cloud sync ingest on PostgreSQL, idempotent, durable commits, projections included",
    ),
    t(
        "cloud.ingest.sqlite.events_per_s",
        AtLeast,
        50_000.0,
        "events/s",
        "cloud sync ingest on SQLite, projections included",
    ),
    t(
        "cloud.booking.p99",
        AtMost,
        50.0,
        "ms",
        "an online booking (POST /api/v1/public/bookings) on PostgreSQL, 50 patients' clients at once across a chain of 50 clinics, p99",
    ),
    t(
        "cloud.fhir.find.p99",
        AtMost,
        50.0,
        "ms",
        "FHIR Appointment/$find over 30 days of a clinic's 5 services (3,600 slots) on PostgreSQL, first page and total, 4 API clients at once, p99",
    ),
    t(
        "cloud.fleet.p99",
        AtMost,
        200.0,
        "ms",
        "a sync round of 2,000 simulated devices syncing every 5 s against 3 cloud replicas behind HAProxy, p99",
    ),
    t(
        "cloud.fleet.errors",
        AtMost,
        0.0,
        "errors",
        "sync rounds that failed, 2,000 simulated devices against 3 cloud replicas",
    ),
    t(
        "fault.printer_outage.slowest_issue",
        AtMost,
        2_000.0,
        "ms",
        "the slowest ticket issue while the printer is switched off, out of paper, refilled",
    ),
    t(
        "live.call.p99",
        AtMost,
        10.0,
        "ms",
        "a call reaching 200 connected live streams, p99",
    ),
    t(
        "live.call_1000.p99",
        AtMost,
        25.0,
        "ms",
        "a call reaching 1,000 connected live streams, p99",
    ),
    t(
        "live.idle_stream_kib",
        AtMost,
        100.0,
        "KiB",
        "the node's memory per idle live stream (1,000 connected)",
    ),
    t(
        "edge.sync_flood.rss_growth_mb",
        AtMost,
        32.0,
        "MB",
        "node memory growth while 64 clients without the LAN key announce 8 MiB sync bodies",
    ),
    t(
        "edge.slow_connections.ticket.p99",
        AtMost,
        50.0,
        "ms",
        "ticket issue from another address while one holds 1,000 slow connections, p99",
    ),
    t(
        "live.hq_overview.p99",
        AtMost,
        2_000.0,
        "ms",
        "a ticket issued at a node syncing over HTTPS, to the head office's live overview counting it, p99 (the sync round included)",
    ),
    t(
        "report.node.summary.p99",
        AtMost,
        300.0,
        "ms",
        "the summary report of a clinic-year (146,000 tickets) on the node's SQLite, p99 (quick mode: 30 days)",
    ),
    t(
        "report.cloud.clinic_year.p99",
        AtMost,
        300.0,
        "ms",
        "the summary report of one clinic-year in a chain of 20 (2,920,000 tickets) on PostgreSQL, p99 (quick mode: 4 clinics of 30 days)",
    ),
    t(
        "report.cloud.chain_month.p99",
        AtMost,
        300.0,
        "ms",
        "every clinic's report of one month, a chain of 20 clinics on PostgreSQL, p99 (quick mode: 4 clinics)",
    ),
    t(
        "app.cold_start_s",
        AtMost,
        0.7,
        "s",
        "the app's cold start until the kiosk shows its service buttons, under Xvfb",
    ),
    t(
        "app.rss_mib",
        AtMost,
        170.0,
        "MiB",
        "the app's own process (embedded node and window), resident memory",
    ),
    t(
        "app.web_rss_mib",
        AtMost,
        220.0,
        "MiB",
        "the app's web-content processes, resident memory",
    ),
];

/// The report's sections: a title and the record-name prefixes it holds.
pub const SECTIONS: &[(&str, &[&str])] = &[
    ("Ticket issue", &["ticket."]),
    ("Event apply", &["apply."]),
    ("Sync workloads", &["sync."]),
    ("Cloud", &["cloud."]),
    ("Live updates", &["live."]),
    ("The node's edge", &["edge."]),
    ("Reports", &["report."]),
    ("The app", &["app."]),
    ("Fault scenarios", &["fault."]),
];

/// The section a record belongs to (the last, "Other", when no prefix matches).
pub fn section_of(name: &str) -> usize {
    SECTIONS
        .iter()
        .position(|(_, prefixes)| prefixes.iter().any(|p| name.starts_with(p)))
        .unwrap_or(SECTIONS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons() {
        let cases = [
            (AtMost, 9.7, 10.0, true),
            (AtMost, 10.0, 10.0, true),
            (AtMost, 10.1, 10.0, false),
            (AtLeast, 49_999.0, 50_000.0, false),
            (AtLeast, 50_000.0, 50_000.0, true),
            (AtMost, f64::NAN, 10.0, false),
            (AtLeast, f64::INFINITY, 1.0, false),
        ];
        for (cmp, value, threshold, met) in cases {
            assert_eq!(
                cmp.met(value, threshold),
                met,
                "{cmp:?} {value} {threshold}"
            );
        }
    }

    #[test]
    fn thresholds_read_as_written() {
        assert_eq!(TARGETS[0].text(), "≤ 10 ms");
        let apply = TARGETS
            .iter()
            .find(|t| t.name == "apply.sqlite.events_per_s")
            .unwrap();
        assert_eq!(apply.text(), "≥ 100,000 events/s");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(grouped(999), "999");
    }

    #[test]
    fn every_target_has_a_section_and_a_unique_name() {
        for (i, target) in TARGETS.iter().enumerate() {
            assert!(section_of(target.name) < SECTIONS.len(), "{}", target.name);
            assert!(
                TARGETS[..i].iter().all(|o| o.name != target.name),
                "{} twice",
                target.name
            );
        }
    }
}
