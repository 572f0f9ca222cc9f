//! Ticket to paper: from `POST /api/v1/tickets` (HTTP on loopback, durable ticket) until
//! the in-process virtual printer has received the whole job and stored it (which
//! includes its text and PNG rendering). One ticket at a time, so each measures the full
//! path: commit, spool wake-up, status check, send.
//!
//! `cargo bench -p medicloud --bench print_latency [-- COUNT]` (1,000 tickets, or
//! 200 in quick mode); records `ticket.printer.p50`/`.p99` for `cargo xtask bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use medicloud_node::print::Printer;
use medicloud_printer::PaperWidth;
use medicloud_printer::virtual_printer::{Config, VirtualPrinter};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/record.rs"]
mod record;
#[path = "common/server.rs"]
mod server;

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if record::quick() { 200 } else { 1_000 });
    let dir = tempfile::tempdir().unwrap();
    let vp = VirtualPrinter::start(Config::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("printed"),
    ))
    .await
    .unwrap();
    let node = server::demo_node(dir.path())
        .with_printer(Printer::new(&vp.addr().to_string(), PaperWidth::Mm80).unwrap());
    let kiosk = server::seed(&node, "kiosk");
    let node = Arc::new(node);
    tokio::spawn(node.print_worker().unwrap());
    let url = format!("{}/api/v1/tickets", server::listen(node).await);
    let client = reqwest::Client::new();
    let mut samples = Vec::with_capacity(count);
    for i in 0..count + 20 {
        let start = Instant::now();
        let res = client
            .post(&url)
            .bearer_auth(&kiosk)
            .json(&serde_json::json!({"service": "A"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let jobs = vp.wait_for_jobs(i + 1, Duration::from_secs(10)).await;
        assert_eq!(jobs.len(), i + 1, "ticket {i} did not print");
        if i >= 20 {
            samples.push(start.elapsed()); // the first 20 warm up
        }
    }
    let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    let workload = format!(
        "{count} tickets one at a time: POST /api/v1/tickets over HTTP on loopback until the in-process virtual printer stored the whole job (80 mm, with its text and PNG rendering)"
    );
    record::latency_ms("ticket.printer", &ms, &workload);
    samples.sort();
    let at = |q: f64| {
        samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1_000.0
    };
    println!(
        "POST /api/v1/tickets -> job stored by the virtual printer, n={}: median {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}
