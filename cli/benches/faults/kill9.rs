//! `fault.kill9_burst`: patients press the kiosk button all at once and the node is
//! killed with `-9` in the middle; after a restart every ticket whose label was shown
//! (a 201 received) is there with that label, and no label was given twice, also among
//! the tickets taken after the restart.

use crate::util::{DemoProcess, board};
use crate::{Report, Run};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const QUIET: &[(&str, &str)] = &[("RUST_LOG", "error")];

pub async fn run(run: Run) -> anyhow::Result<Report> {
    let total = run.size(200, 80);
    let after = run.size(30, 15);
    let dir = tempfile::tempdir()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()?;
    let demo = DemoProcess::start_env(dir.path(), &[], QUIET);
    let (acked, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let requests: Vec<_> = (0..total)
        .map(|i| {
            let (client, acked, done) = (client.clone(), acked.clone(), done.clone());
            let (url, token) = (demo.url("/api/v1/tickets"), demo.kiosk.clone());
            tokio::spawn(async move {
                let service = ["A", "B", "C"][i % 3];
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "service": service }))
                    .send()
                    .await;
                let ticket = async {
                    let res = res.ok().filter(|r| r.status() == 201)?;
                    let t: Value = res.json().await.ok()?;
                    Some((
                        t["id"].as_str()?.to_owned(),
                        t["label"].as_str()?.to_owned(),
                    ))
                }
                .await;
                if ticket.is_some() {
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                done.fetch_add(1, Ordering::SeqCst);
                ticket
            })
        })
        .collect();
    // Kill once about a third is acknowledged (or after 30 s, whatever happened).
    let started = Instant::now();
    while acked.load(Ordering::SeqCst) < total * 3 / 10 && started.elapsed().as_secs() < 30 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let in_flight = total - done.load(Ordering::SeqCst);
    demo.kill9();
    let mut acknowledged = HashMap::new();
    for request in requests {
        if let Some((id, label)) = request.await? {
            acknowledged.insert(id, label);
        }
    }

    let restarted = Instant::now();
    let demo = DemoProcess::start_env(dir.path(), &[], QUIET);
    let desk = demo.login(&client, "desk").await;
    let mut report = Report::default();
    report.measure(
        "fault.kill9_burst.restart",
        restarted.elapsed().as_secs_f64(),
        "s",
        "medicloud demo after kill -9 mid-burst: from exec to its first staff login",
    );
    let stored = board(&client, &demo, &desk).await;
    let lost = acknowledged
        .iter()
        .filter(|(id, label)| stored.get(*id).map(|t| &t.0) != Some(*label))
        .count();
    // More tickets after the crash: the numbering goes on without repeating.
    let mut labels: Vec<String> = stored.values().map(|t| t.0.clone()).collect();
    let mut refused_after = 0;
    for service in ["A", "B", "C"].iter().cycle().take(after) {
        let res = demo.take(&client, service).await;
        if res.status() != 201 {
            refused_after += 1;
            continue;
        }
        let t: Value = res.json().await?;
        labels.push(t["label"].as_str().unwrap_or_default().to_owned());
    }
    let twice = labels.len() - labels.iter().collect::<HashSet<_>>().len();
    demo.stop();

    report.count(format!("{total} requests"));
    report.count(format!("{} acknowledged", acknowledged.len()));
    report.count(format!("{in_flight} in flight at the kill"));
    report.count(format!("{lost} lost"));
    report.count(format!(
        "{} stored but never acknowledged",
        stored.len().saturating_sub(acknowledged.len() - lost)
    ));
    report.count(format!(
        "{twice} labels twice (with {after} taken after the restart)"
    ));
    report.check(!acknowledged.is_empty(), "no ticket was acknowledged");
    report.check(in_flight > 0, "the burst was over before the kill");
    report.check(lost == 0, "acknowledged tickets lost or relabelled");
    report.check(twice == 0, "a label was given twice");
    report.check(
        refused_after == 0,
        format!("{refused_after} tickets refused after the restart"),
    );
    Ok(report)
}
