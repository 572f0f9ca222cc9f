//! `fault.clock_chaos`: three demo nodes joined through a cloud with a right clock: one
//! node an hour ahead, one ten minutes behind, and one whose clock steps back half an
//! hour while it runs (stopped and started again with `MEDICLOUD_CLOCK_OFFSET_MS` lower:
//! its newest stamp is then ahead of its clock). Tickets taken a second apart on all
//! three are in every node's queue, in the order they were taken, and each node reports
//! its skew on `GET /api/v1/sync/status`.

use crate::util::{Cloud, DemoProcess, add_demo_clinic, cloud_admin, free_port};
use crate::{Report, Run};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
/// How far a reported skew may be from the offset (round trips, start-up).
const TOLERANCE_MS: i64 = 5_000;

fn start(data: &Path, cloud: &str, code: Option<&str>, offset_ms: i64) -> DemoProcess {
    let mut args = vec!["--cloud", cloud];
    if let Some(code) = code {
        args.extend(["--enrol", code]);
    }
    let offset = offset_ms.to_string();
    DemoProcess::start_env(
        data,
        &args,
        &[
            ("MEDICLOUD_CLOCK_OFFSET_MS", offset.as_str()),
            ("RUST_LOG", "error"),
        ],
    )
}

async fn get(client: &reqwest::Client, node: &DemoProcess, desk: &str, path: &str) -> Value {
    match client.get(node.url(path)).bearer_auth(desk).send().await {
        Ok(res) => res.json().await.unwrap_or_default(),
        Err(_) => Value::Null,
    }
}

/// Waits a second, then takes a ticket for service A; returns its id.
async fn take(client: &reqwest::Client, node: &DemoProcess) -> anyhow::Result<String> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let res = node.take(client, "A").await;
    anyhow::ensure!(
        res.status() == 201,
        "a node refused a ticket: {}",
        res.status()
    );
    let t: Value = res.json().await?;
    Ok(t["id"].as_str().unwrap_or_default().to_owned())
}

/// The waiting tickets of service A, in calling order.
async fn queue(client: &reqwest::Client, node: &DemoProcess, desk: &str) -> Vec<String> {
    let waiting = get(
        client,
        node,
        desk,
        "/api/v1/tickets?service=A&status=waiting",
    )
    .await;
    let mut rows = waiting.as_array().cloned().unwrap_or_default();
    rows.sort_by_key(|t| t["position"].as_i64());
    rows.iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect()
}

pub async fn run(_run: Run) -> anyhow::Result<Report> {
    let root = tempfile::tempdir()?;
    let database = format!("sqlite://{}", root.path().join("cloud.sqlite").display());
    let clinic = add_demo_clinic(&database);
    let listen = format!("127.0.0.1:{}", free_port());
    let url = format!("http://{listen}");
    let _cloud = Cloud::start(&database, &listen);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;

    // (name, offset at start, offset after the step)
    let clocks = [
        ("an hour ahead", HOUR, HOUR),
        ("ten minutes behind", -10 * MINUTE, -10 * MINUTE),
        ("stepped back 30 min", 0, -30 * MINUTE),
    ];
    let dirs: Vec<_> = (0..clocks.len())
        .map(|i| root.path().join(format!("node-{i}")))
        .collect();
    let mut nodes = Vec::new();
    let mut desks = Vec::new();
    for (dir, (_, offset, _)) in dirs.iter().zip(clocks) {
        let code = cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
        let node = start(dir, &url, Some(&code), offset);
        desks.push(node.login(&client, "desk").await);
        nodes.push(node);
    }

    // Tickets a second apart: the order they were taken is the calling order.
    let mut order = Vec::new();
    for node in &nodes {
        order.push(take(&client, node).await?);
    }
    // The third node's clock steps back while its newest stamps are ahead of it.
    let stepped = nodes.pop().unwrap();
    stepped.stop();
    let node = start(&dirs[2], &url, None, clocks[2].2);
    desks[2] = node.login(&client, "desk").await;
    nodes.push(node);
    for i in [2, 0, 1] {
        order.push(take(&client, &nodes[i]).await?);
    }

    // Every ticket in every node's queue, in order.
    let started = Instant::now();
    let mut queues = Vec::new();
    while started.elapsed() < Duration::from_secs(15) {
        queues.clear();
        for (node, desk) in nodes.iter().zip(&desks) {
            queues.push(queue(&client, node, desk).await);
        }
        if queues.iter().all(|q| *q == order) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let visible = started.elapsed();
    let hidden: Vec<usize> = queues
        .iter()
        .map(|q| order.iter().filter(|id| !q.contains(id)).count())
        .collect();
    let in_order = queues.iter().filter(|q| **q == order).count();

    let mut report = Report::default();
    report.count(format!(
        "{} tickets on 3 nodes, hidden per node {hidden:?}, {in_order} of 3 queues in the order taken",
        order.len()
    ));
    report.check(
        hidden.iter().all(|&h| h == 0),
        "a ticket is missing from a queue",
    );
    report.check(
        in_order == 3,
        "a queue is out of the order the tickets were taken",
    );
    report.measure(
        "fault.clock_chaos.visible",
        visible.as_secs_f64(),
        "s",
        "clocks +1 h, -10 min, stepped back 30 min: from the last ticket until every queue shows all six in order",
    );
    // Each node sees the cloud's clock off from its own by minus its offset.
    for ((node, desk), (name, _, offset)) in nodes.iter().zip(&desks).zip(clocks) {
        let mut skew = None;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            let status = get(&client, node, desk, "/api/v1/sync/status").await;
            skew = status["clock_skew_ms"].as_i64();
            if skew.is_some_and(|s| (s + offset).abs() < TOLERANCE_MS) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        report.count(format!(
            "{name}: skew {} s reported",
            skew.map_or("none".to_owned(), |s| format!("{:+.1}", s as f64 / 1_000.0))
        ));
        report.check(
            skew.is_some_and(|s| (s + offset).abs() < TOLERANCE_MS),
            format!("the node {name} does not report its skew"),
        );
    }
    Ok(report)
}
