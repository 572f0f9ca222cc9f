//! Live updates: a desk's call reaching every connected display stream.
//!
//! A node on a real SQLite file serves HTTP on loopback; 200 display streams
//! (`GET /api/v1/events`, server-sent events) stay connected while a desk calls tickets
//! one at a time (`POST /api/v1/counters/ruang-umum/call-next`). Each latency is from
//! sending the call to one stream receiving its `call` event.
//!
//! The head office's overview, live: a `medicloud cloud` process serving HTTPS (a CA
//! made for the run), a `medicloud demo` node enrolled with it syncing over HTTPS, and
//! a chain admin's `GET /hq/v1/events` stream; each latency is from issuing a ticket at
//! the node (its `POST /api/v1/tickets`) to the stream's `overview` event counting it
//! — the node's sync round, the cloud's ingest and fold, and the overview included.
//!
//! `cargo bench -p medicloud --bench live [-- CALLS]` (100 calls to 200 streams and 50
//! tickets to the overview; 20 calls and 10 tickets in quick mode).

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use futures::StreamExt;
use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::Actor;
use medicloud_node::ops::{Handover, NewTicket, TicketAction};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[path = "common/record.rs"]
mod record;
#[path = "common/server.rs"]
mod server;
#[allow(dead_code)] // the tests' helpers; this bench uses the process ones
#[path = "../tests/util.rs"]
mod util;

const STREAMS: usize = 200;

/// What a stream saw: `None` for its `hello`, else the label of a `call`.
type Seen = (usize, Option<String>, Instant);

/// Reads one event stream, reporting its hello and every call's label.
async fn watch(index: usize, res: reqwest::Response, tx: mpsc::UnboundedSender<Seen>) {
    let mut stream = res.bytes_stream();
    let (mut buffer, mut event) = (String::new(), String::new());
    while let Some(Ok(chunk)) = stream.next().await {
        let at = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find('\n') {
            let line = buffer[..end].trim_end_matches('\r').to_owned();
            buffer.drain(..=end);
            if let Some(name) = line.strip_prefix("event:") {
                event = name.trim().to_owned();
            } else if let Some(data) = line.strip_prefix("data:") {
                let seen = match event.as_str() {
                    "hello" => Some(None),
                    "call" => serde_json::from_str::<serde_json::Value>(data.trim())
                        .ok()
                        .and_then(|v| v["label"].as_str().map(|l| Some(l.to_owned()))),
                    _ => None,
                };
                if let Some(seen) = seen
                    && tx.send((index, seen, at)).is_err()
                {
                    return;
                }
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if record::quick() { 20 } else { 100 });
    let dir = tempfile::tempdir().unwrap();
    let node = server::demo_node(dir.path());
    let display = server::seed(&node, "display");
    for _ in 0..calls {
        let req = NewTicket {
            service: Some(ServiceCode::parse("A").unwrap()),
            ..Default::default()
        };
        node.issue_ticket(Actor::System, req).unwrap();
    }
    // Everyone is registered at Loket 1 first: the room calls registered patients.
    let loket = CounterId::parse("loket-1").unwrap();
    for _ in 0..calls {
        node.call_next(Actor::System, &loket, Some(Handover::Complete))
            .unwrap();
    }
    let held = node
        .tickets(&Default::default())
        .unwrap()
        .into_iter()
        .find(|t| t.status.as_str() == "called")
        .expect("the last one registering");
    node.act(Actor::System, held.id, TicketAction::Complete)
        .unwrap();
    let base = server::listen(Arc::new(node)).await;
    let client = reqwest::Client::new();

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    for i in 0..STREAMS {
        let res = client
            .get(format!("{base}/api/v1/events?access_token={display}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        tokio::spawn(watch(i, res, seen_tx.clone()));
    }
    drop(seen_tx);
    let mut hellos = 0;
    while hellos < STREAMS {
        let (_, label, _) = tokio::time::timeout(Duration::from_secs(30), seen.recv())
            .await
            .expect("every stream says hello")
            .unwrap();
        hellos += usize::from(label.is_none());
    }

    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "desk", "password": "benchmark-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let desk = login["token"].as_str().expect("a desk session").to_owned();

    let mut samples = Vec::with_capacity(calls * STREAMS);
    for _ in 0..calls {
        let sent = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/counters/ruang-umum/call-next"))
            .bearer_auth(&desk)
            // The room finishes its patient and calls the next one.
            .json(&serde_json::json!({"current": "complete"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "call-next");
        let called: serde_json::Value = res.json().await.unwrap();
        let label = called["label"].as_str().unwrap().to_owned();
        let mut reached = [false; STREAMS];
        let mut count = 0;
        while count < STREAMS {
            let (i, got, at) = tokio::time::timeout(Duration::from_secs(10), seen.recv())
                .await
                .expect("every stream hears the call")
                .unwrap();
            if got.as_deref() == Some(label.as_str()) && !reached[i] {
                reached[i] = true;
                count += 1;
                samples.push((at - sent).as_secs_f64() * 1e3);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let workload = format!(
        "{calls} calls (POST call-next over HTTP on loopback, SQLite WAL fsync per commit), each to {STREAMS} connected display streams (server-sent events); {} deliveries",
        samples.len()
    );
    let (p50, p99) = record::latency_ms("live.call", &samples, &workload);
    println!(
        "live: a call reaching {STREAMS} streams, {calls} calls: p50 {p50:.2} ms  p99 {p99:.2} ms  max {:.2} ms",
        record::percentile(&samples, 1.0)
    );
    overview_delay(if record::quick() { 10 } else { 50 }).await;
}

/// From a ticket issued at a node syncing over HTTPS to the head office's stream
/// counting it, `tickets` times.
async fn overview_delay(tickets: usize) {
    let dir = tempfile::tempdir().unwrap();
    let pki = util::Pki::new();
    let database = format!("sqlite://{}", dir.path().join("cloud.sqlite").display());
    let clinic = util::add_demo_clinic(&database);
    let password = "sandi-kantor-pusat-1";
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(["cloud-admin", "--database", &database, "user-add"])
        .args(["--username", "direktur", "--role", "chain_admin"])
        .env("MEDICLOUD_PASSWORD", password)
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let listen = format!("127.0.0.1:{}", util::free_port());
    let url = format!("https://{listen}");
    let (cert, key, ca) = (
        pki.cert.to_str().unwrap(),
        pki.key.to_str().unwrap(),
        pki.ca.to_str().unwrap(),
    );
    let _cloud =
        util::Cloud::start_with(&database, &listen, &["--tls-cert", cert, "--tls-key", key]);
    let code = util::cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
    let node = util::DemoProcess::start_with(
        &dir.path().join("node"),
        &["--cloud", &url, "--enrol", &code, "--cloud-ca", ca],
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let login: serde_json::Value = client
        .post(format!("{url}/hq/v1/auth/login"))
        .json(&serde_json::json!({"username": "direktur", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let mut stream = client
        .get(format!("{url}/hq/v1/events?access_token={token}"))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let wait = Duration::from_secs(30);
    let next = async |stream: &mut reqwest::Response, buffer: &mut String| {
        medicloud_testkit::sse::next_event(stream, buffer, wait).await
    };
    assert_eq!(next(&mut stream, &mut buffer).await.0, "hello");
    // The node's first rounds (the demo's configuration) settle before the first ticket.
    let waiting = |overview: &serde_json::Value| overview["waiting"].as_u64().unwrap();
    let mut held = loop {
        let clinics: serde_json::Value = client
            .get(format!("{url}/hq/v1/clinics"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if clinics[0]["devices"][0]["last_seen_ms"].is_i64() {
            tokio::time::sleep(Duration::from_secs(2)).await;
            break waiting(&clinics[0]);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // What the settling rounds sent is read before the first ticket.
    while let Ok(Ok(Some(chunk))) =
        tokio::time::timeout(Duration::from_millis(300), stream.chunk()).await
    {
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    buffer.clear();
    let mut samples = Vec::with_capacity(tickets);
    for _ in 0..tickets {
        let started = Instant::now();
        assert!(node.take(&client, "A").await.status().is_success());
        loop {
            let (event, data) = next(&mut stream, &mut buffer).await;
            if event != "overview" {
                continue;
            }
            let now = waiting(&serde_json::from_str(&data).unwrap());
            if now > held {
                held = now;
                break;
            }
        }
        samples.push(started.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    samples.sort_by(f64::total_cmp);
    let workload = format!(
        "{tickets} tickets issued at a demo node syncing to a cloud process over HTTPS (its own CA), each until a chain admin's /hq/v1/events stream shows the clinic's waiting count with it"
    );
    let (p50, p99) = record::latency_ms("live.hq_overview", &samples, &workload);
    println!(
        "live: a node's ticket on the head office's overview, over HTTPS, {tickets} tickets: p50 {p50:.0} ms  p99 {p99:.0} ms  max {:.0} ms",
        record::percentile(&samples, 1.0)
    );
}
