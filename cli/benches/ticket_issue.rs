//! Ticket issue latency: `POST /api/v1/tickets` over real HTTP on loopback to a node on a
//! real SQLite file (WAL, fsync at every commit), until the durable ticket is returned.
//!
//! `cargo bench -p medicloud --bench ticket_issue [-- COUNT]` prints median, p90,
//! p99 and max for sequential requests (one kiosk) and for 8 kiosks at once (COUNT
//! tickets each; 1,000, or 300 in quick mode), and records them for `cargo xtask bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/record.rs"]
mod record;
#[path = "common/server.rs"]
mod server;

fn report(name: &str, key: &str, workload: &str, mut samples: Vec<Duration>, wall: Duration) {
    let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    record::latency_ms(key, &ms, workload);
    record::measure(
        &format!("{key}.tickets_per_s"),
        samples.len() as f64 / wall.as_secs_f64(),
        "tickets/s",
        workload,
    );
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "{name:<28} n={:<5} median {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  ({:.0} tickets/s)",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(*samples.last().unwrap()),
        samples.len() as f64 / wall.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if record::quick() { 300 } else { 1_000 });
    let dir = tempfile::tempdir().unwrap();
    let node = server::demo_node(dir.path());
    let kiosk = server::seed(&node, "kiosk");
    let url = format!("{}/api/v1/tickets", server::listen(Arc::new(node)).await);
    // Each kiosk its own loopback address, as each has its own on a clinic's LAN (the
    // node limits requests per client address).
    let kiosk_client = |k: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 1 + k]))
            .build()
            .unwrap()
    };
    let client = kiosk_client(0);
    let take = move |client: &reqwest::Client, service: &'static str| {
        let (client, url, kiosk) = (client.clone(), url.clone(), kiosk.clone());
        async move {
            let start = Instant::now();
            let res = client
                .post(&url)
                .bearer_auth(&kiosk)
                .json(&serde_json::json!({"service": service}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            res.bytes().await.unwrap();
            start.elapsed()
        }
    };
    for _ in 0..20 {
        take(&client, "B").await; // warm up connections and caches
    }
    println!(
        "ticket issue, HTTP on loopback to a durable (fsynced) ticket; SQLite file in {}",
        dir.path().display()
    );

    let start = Instant::now();
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        samples.push(take(&client, "A").await);
    }
    let workload = format!(
        "{count} tickets, one kiosk at a time, HTTP on loopback, SQLite WAL fsync per commit"
    );
    report(
        "1 kiosk, sequential",
        "ticket.durable",
        &workload,
        samples,
        start.elapsed(),
    );

    let start = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|k| {
            let (take, client) = (take.clone(), kiosk_client(1 + k));
            tokio::spawn(async move {
                let mut s = Vec::new();
                for _ in 0..count / 8 {
                    s.push(take(&client, "C").await);
                }
                s
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.unwrap());
    }
    let workload = format!(
        "{} tickets from 8 kiosks at once (each its own loopback address), HTTP on loopback, SQLite WAL fsync per commit",
        samples.len()
    );
    let key = "ticket.durable_8_kiosks";
    report("8 kiosks at once", key, &workload, samples, start.elapsed());
}
