//! The node's edge against a hostile device on the LAN, on a real `medicloud demo`
//! process over loopback:
//!
//! - **sync flood**: 64 clients (each its own loopback address) send the headers of an
//!   8 MiB sync body without the clinic's LAN key; half then send nothing more, half
//!   stream the body (64 KiB every 10 ms, again whenever refused). Recorded: the node's
//!   RSS growth (`/proc/PID/status` `VmRSS`, peak during the flood minus before it).
//! - **slow connections**: one address (127.0.0.9) keeps 1,000 connections open, each
//!   sending half a request line and opened again (once a second) when the node closed
//!   it; meanwhile a kiosk at 127.0.0.2 takes tickets one after another. Recorded:
//!   ticket issue latency (median, p99), and the same just before without them.
//!
//! `cargo bench -p medicloud --bench edge` (quick mode: a 2 s flood, 200 tickets).

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

#[path = "common/record.rs"]
mod record;

#[allow(dead_code)] // the tests' helpers; this bench uses the demo process
#[path = "../tests/util.rs"]
mod util;

use util::DemoProcess;

/// A `medicloud demo` process that logs errors only.
fn demo(data: &std::path::Path) -> DemoProcess {
    DemoProcess::start_env(data, &[], &[("RUST_LOG", "error")])
}

/// The address it listens on.
fn addr(demo: &DemoProcess) -> SocketAddr {
    demo.base.strip_prefix("http://").unwrap().parse().unwrap()
}

/// The process's resident memory, MB.
fn rss_mb(demo: &DemoProcess) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", demo.child.id())).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

async fn connect(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(to).await
}

/// One flooding client: the headers of an 8 MiB sealed body, then nothing (`stream`
/// false) or the body in 64 KiB pieces every 10 ms, again whenever the node answers.
async fn flood(
    from: IpAddr,
    to: SocketAddr,
    stream: bool,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
) {
    let len = medicloud_sync::wire::MAX_BODY + medicloud_sync::seal::OVERHEAD;
    let head = format!(
        "POST /sync/v1/exchange HTTP/1.1\r\nHost: node\r\nContent-Type: {}\r\nContent-Length: {len}\r\n\r\n",
        medicloud_sync::seal::CONTENT_TYPE
    );
    let piece = vec![0xA5u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut conn) = connect(from, to).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if conn.write_all(head.as_bytes()).await.is_err() {
            continue;
        }
        sent.fetch_add(1, Ordering::Relaxed);
        if !stream {
            // Hold the connection, sending nothing, until the end.
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            return;
        }
        let mut written = 0;
        while written < len && !stop.load(Ordering::Relaxed) {
            if conn.write_all(&piece).await.is_err() {
                break;
            }
            written += piece.len();
            let mut buf = [0u8; 512];
            // An answer (a refusal) ends this body; the client starts another.
            let answered = tokio::time::timeout(Duration::from_millis(10), conn.read(&mut buf));
            if answered.await.is_ok() {
                break;
            }
        }
    }
}

async fn sync_flood(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo(dir.path());
    let client = reqwest::Client::new();
    let base = demo.base.clone();
    for _ in 0..20 {
        take(&client, &base, &demo.kiosk).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_mb(&demo);
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..64u8)
        .map(|i| {
            let from = IpAddr::from([127, 0, 1, 1 + i]);
            tokio::spawn(flood(
                from,
                addr(&demo),
                i % 2 == 1,
                stop.clone(),
                sent.clone(),
            ))
        })
        .collect();
    let length = Duration::from_secs(if quick { 2 } else { 10 });
    let start = Instant::now();
    let mut peak = before;
    while start.elapsed() < length {
        peak = peak.max(rss_mb(&demo));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The kiosk is still served during the flood.
    let served = take(&client, &base, &demo.kiosk).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let growth = peak - before;
    let bodies = sent.load(Ordering::Relaxed);
    println!(
        "sync flood: 64 clients, {bodies} bodies of 8 MiB announced in {:.0} s: RSS {before:.1} MB before, peak {peak:.1} MB (+{growth:.1} MB); a ticket meanwhile in {:.1} ms",
        length.as_secs_f64(),
        served.as_secs_f64() * 1e3,
    );
    record::measure(
        "edge.sync_flood.rss_growth_mb",
        growth,
        "MB",
        &format!(
            "64 clients at 64 loopback addresses without the LAN key, each announcing an 8 MiB sync body ({bodies} in all): 32 send nothing more, 32 stream it at 64 KiB per 10 ms and start again when refused; {} s; VmRSS of the `medicloud demo` process, peak minus before",
            length.as_secs()
        ),
    );
}

async fn take(client: &reqwest::Client, base: &str, kiosk: &str) -> Duration {
    let start = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(kiosk)
        .json(&serde_json::json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.bytes().await.unwrap();
    start.elapsed()
}

/// Keeps 1,000 connections from 127.0.0.9 open, each with half a request line sent,
/// until `stop`; how many the node still held then.
async fn hold_slow(to: SocketAddr, stop: Arc<AtomicBool>) -> usize {
    let open = || async move {
        let mut conn = connect(IpAddr::from([127, 0, 0, 9]), to).await.ok()?;
        conn.write_all(b"POST /api/v1/tickets HT").await.ok()?;
        Some(conn)
    };
    let held = |s: &Option<TcpStream>| {
        let mut buf = [0u8; 1];
        s.as_ref().is_some_and(|s| {
            matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
    };
    let mut slow: Vec<Option<TcpStream>> = Vec::with_capacity(1_000);
    for _ in 0..1_000 {
        slow.push(open().await);
    }
    while !stop.load(Ordering::Relaxed) {
        for slot in &mut slow {
            if !held(slot) {
                *slot = open().await;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    slow.iter().filter(|s| held(s)).count()
}

async fn slow_connections(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo(dir.path());
    let kiosk = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let base = demo.base.clone();
    for _ in 0..20 {
        take(&kiosk, &base, &demo.kiosk).await;
    }
    let count = if quick { 200 } else { 1_000 };
    // The same tickets with no slow connections, to compare with.
    let mut alone = Vec::with_capacity(count);
    for _ in 0..count {
        alone.push(take(&kiosk, &base, &demo.kiosk).await.as_secs_f64() * 1e3);
    }
    // 1,000 slow connections, each opened again whenever the node closes it (after its
    // 10 s for a request's headers, or at once beyond its cap for one address).
    let stop = Arc::new(AtomicBool::new(false));
    let holder = tokio::spawn(hold_slow(addr(&demo), stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut samples = Vec::with_capacity(count);
    let start = Instant::now();
    for _ in 0..count {
        samples.push(take(&kiosk, &base, &demo.kiosk).await.as_secs_f64() * 1e3);
    }
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let open = holder.await.unwrap();
    let workload = format!(
        "{count} tickets one after another from a kiosk at 127.0.0.2 while 127.0.0.9 kept 1,000 connections open, each sending half a request line and opened again (once a second) when closed ({open} held by the node at the end); HTTP on loopback, `medicloud demo` process"
    );
    let (p50, p99) = record::latency_ms("edge.slow_connections.ticket", &samples, &workload);
    let (a50, a99) = (
        record::percentile(&alone, 0.5),
        record::percentile(&alone, 0.99),
    );
    record::measure(
        "edge.slow_connections.alone.p99",
        a99,
        "ms",
        &format!("the same {count} tickets just before, with no slow connections"),
    );
    println!(
        "slow connections: {count} tickets in {:.2} s beside 1,000 slow connections ({open} held): median {p50:.2} ms, p99 {p99:.2} ms (just before, alone: median {a50:.2} ms, p99 {a99:.2} ms)",
        took.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "quick") || record::quick();
    // 1,000 connections of our own, and the node's.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    println!("the node's edge against a hostile device on the LAN (quick: {quick})");
    sync_flood(quick).await;
    slow_connections(quick).await;
}
