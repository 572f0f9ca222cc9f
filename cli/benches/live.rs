//! Live updates: a desk's call reaching every connected display stream.
//!
//! A node on a real SQLite file serves HTTP on loopback; 200 display streams
//! (`GET /api/v1/events`, server-sent events) stay connected while a desk calls tickets
//! one at a time (`POST /api/v1/counters/ruang-umum/call-next`). Each latency is from
//! sending the call to one stream receiving its `call` event. The same calls again with
//! 1,000 streams connected; and what an idle stream costs: a `medicloud demo` process's
//! resident memory before and after 1,000 streams connect.
//!
//! A LAN peer seeing a committed ticket: two `medicloud demo` processes of one clinic,
//! a ticket taken at one until the other's display stream announces it.
//!
//! The head office's overview, live: a `medicloud cloud` process serving HTTPS (a CA
//! made for the run), a `medicloud demo` node enrolled with it syncing over HTTPS, and
//! a chain admin's `GET /hq/v1/events` stream; each latency is from issuing a ticket at
//! the node (its `POST /api/v1/tickets`) to the stream's `overview` event counting it
//! — the node's sync round, the cloud's ingest and fold, and the overview included.
//!
//! `cargo bench -p medicloud --bench live [-- CALLS]` (100 calls to 200 and to 1,000
//! streams, 200 tickets to the LAN peer and 50 to the overview; 20 calls, 200 idle
//! streams, 20 and 10 tickets in quick mode).

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
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if record::quick() { 20 } else { 100 });
    let dir = tempfile::tempdir().unwrap();
    let node = server::demo_node(dir.path());
    let display = server::seed(&node, "display");
    // Enough registered patients for both rounds of calls.
    for _ in 0..2 * calls {
        let req = NewTicket {
            service: Some(ServiceCode::parse("A").unwrap()),
            ..Default::default()
        };
        node.issue_ticket(Actor::System, req).unwrap();
    }
    // Everyone is registered at Loket 1 first: the room calls registered patients.
    let loket = CounterId::parse("loket-1").unwrap();
    for _ in 0..2 * calls {
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
    let desk = desk_session(&base).await;

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let mut streams = Streams::default();
    streams
        .open(&base, &display, FEW, &seen_tx, &mut seen)
        .await;
    calls_reaching(&base, &desk, calls, FEW, &mut seen, "live.call").await;
    streams
        .open(&base, &display, MANY, &seen_tx, &mut seen)
        .await;
    calls_reaching(&base, &desk, calls, MANY, &mut seen, "live.call_1000").await;
    drop(streams);
    idle_streams(if record::quick() { 200 } else { MANY }).await;
    lan_peer(if record::quick() { 20 } else { 200 }).await;
    overview_delay(if record::quick() { 10 } else { 50 }).await;
}

/// The display streams of the first round, and how many the second round holds.
const FEW: usize = STREAMS;
const MANY: usize = 1_000;

/// Most streams from one loopback address (the node allows 256 connections from one).
const STREAMS_PER_ADDRESS: usize = 200;

/// Open display streams, spread over loopback addresses 127.0.0.2, 127.0.0.3, … as
/// screens on a clinic's LAN are.
#[derive(Default)]
struct Streams {
    clients: Vec<reqwest::Client>,
    open: usize,
}

impl Streams {
    /// Opens streams until `total` are open, and waits for each one's hello.
    async fn open(
        &mut self,
        base: &str,
        display: &str,
        total: usize,
        seen_tx: &mpsc::UnboundedSender<Seen>,
        seen: &mut mpsc::UnboundedReceiver<Seen>,
    ) {
        let first = self.open;
        for i in first..total {
            if i / STREAMS_PER_ADDRESS >= self.clients.len() {
                let address = std::net::Ipv4Addr::new(127, 0, 0, 2 + self.clients.len() as u8);
                self.clients.push(
                    reqwest::Client::builder()
                        .local_address(std::net::IpAddr::V4(address))
                        .build()
                        .unwrap(),
                );
            }
            let res = self.clients[i / STREAMS_PER_ADDRESS]
                .get(format!("{base}/api/v1/events?access_token={display}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            tokio::spawn(watch(i, res, seen_tx.clone()));
        }
        self.open = total;
        let mut hellos = 0;
        while hellos < total - first {
            let (_, label, _) = tokio::time::timeout(Duration::from_secs(30), seen.recv())
                .await
                .expect("every stream says hello")
                .unwrap();
            hellos += usize::from(label.is_none());
        }
    }
}

async fn desk_session(base: &str) -> String {
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "desk", "password": "benchmark-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().expect("a desk session").to_owned()
}

/// `calls` calls, each timed from the request to every one of `streams` streams
/// receiving it; recorded as `key`.
async fn calls_reaching(
    base: &str,
    desk: &str,
    calls: usize,
    streams: usize,
    seen: &mut mpsc::UnboundedReceiver<Seen>,
    key: &str,
) {
    let client = reqwest::Client::new();
    let mut samples = Vec::with_capacity(calls * streams);
    for _ in 0..calls {
        let sent = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/counters/ruang-umum/call-next"))
            .bearer_auth(desk)
            // The room finishes its patient and calls the next one.
            .json(&serde_json::json!({"current": "complete"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "call-next");
        let called: serde_json::Value = res.json().await.unwrap();
        let label = called["label"].as_str().unwrap().to_owned();
        let mut reached = vec![false; streams];
        let mut count = 0;
        while count < streams {
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
        "{calls} calls (POST call-next over HTTP on loopback, SQLite WAL fsync per commit), each to {streams} connected display streams (server-sent events, from {} loopback addresses); {} deliveries",
        streams.div_ceil(STREAMS_PER_ADDRESS),
        samples.len()
    );
    let (p50, p99) = record::latency_ms(key, &samples, &workload);
    println!(
        "live: a call reaching {streams} streams, {calls} calls: p50 {p50:.2} ms  p99 {p99:.2} ms  max {:.2} ms",
        record::percentile(&samples, 1.0)
    );
}

/// A `medicloud demo` process's resident memory, in KiB.
fn rss_kib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// What an idle display stream costs the node: a `medicloud demo` process's resident
/// memory before and after `count` streams connect and sit idle (the bench's own side
/// of them is in this process, not that one).
async fn idle_streams(count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let node = util::DemoProcess::start(dir.path());
    let pid = node.child.id();
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    // The process's own start-up settles (and one stream warms its paths) first.
    let mut streams = Streams::default();
    streams
        .open(&node.base, &node.display, 1, &seen_tx, &mut seen)
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = rss_kib(pid);
    streams
        .open(&node.base, &node.display, count + 1, &seen_tx, &mut seen)
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let per_stream = (after - before).max(0.0) / count as f64;
    let workload = format!(
        "{count} idle display streams (GET /api/v1/events) on a `medicloud demo` process, from {} loopback addresses: its RSS {before:.0} KiB before, {after:.0} KiB after",
        count.div_ceil(STREAMS_PER_ADDRESS)
    );
    record::measure("live.idle_stream_kib", per_stream, "KiB", &workload);
    println!(
        "live: {count} idle streams cost the node {per_stream:.1} KiB each (RSS {before:.0} → {after:.0} KiB)"
    );
    drop(streams);
    drop(seen);
}

/// From a ticket taken at one node to the display stream of its LAN peer announcing
/// it, `tickets` times: two `medicloud demo` processes of one clinic on loopback, the
/// second taking its labels from the first; the push after each commit, the peer's
/// ingest and its live update included.
async fn lan_peer(tickets: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (util::free_port(), util::free_port());
    let url = |p: u16| format!("http://127.0.0.1:{p}");
    let a = util::DemoProcess::peer(&dir.path().join("a"), pa, &[url(pb)], None, &[]);
    let b = util::DemoProcess::peer(&dir.path().join("b"), pb, &[url(pa)], Some(&url(pa)), &[]);
    let client = reqwest::Client::new();
    let mut stream = client
        .get(b.url(&format!("/api/v1/events?access_token={}", b.display)))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let wait = Duration::from_secs(30);
    assert_eq!(
        medicloud_testkit::sse::next_event(&mut stream, &mut buffer, wait)
            .await
            .0,
        "hello"
    );
    // The link's first rounds (the demo's configuration, the first label block) settle.
    let first: serde_json::Value = a.take(&client, "A").await.json().await.unwrap();
    let first_id = first["id"].as_str().unwrap().to_owned();
    loop {
        let (name, data) = medicloud_testkit::sse::next_event(&mut stream, &mut buffer, wait).await;
        if name == "ticket" && data.contains(&first_id) {
            break;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut samples = Vec::with_capacity(tickets);
    for _ in 0..tickets {
        let sent = Instant::now();
        let res = a.take(&client, "A").await;
        assert_eq!(res.status(), 201, "a ticket at the first node");
        let taken: serde_json::Value = res.json().await.unwrap();
        let id = taken["id"].as_str().unwrap().to_owned();
        loop {
            let (name, data) =
                medicloud_testkit::sse::next_event(&mut stream, &mut buffer, wait).await;
            if name == "ticket" && data.contains(&id) {
                break;
            }
        }
        samples.push(sent.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let workload = format!(
        "{tickets} tickets taken at a `medicloud demo` node (POST /api/v1/tickets, durable), each until the display stream of its LAN peer (a second demo process of the clinic, HTTP on loopback, sealed sync) announces it"
    );
    let (p50, p99) = record::latency_ms("sync.lan_peer", &samples, &workload);
    println!(
        "sync: a LAN peer sees a ticket, {tickets} tickets: p50 {p50:.2} ms  p99 {p99:.2} ms  max {:.2} ms",
        record::percentile(&samples, 1.0)
    );
    drop((a, b));
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
