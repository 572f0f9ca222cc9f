//! The real `medicloud demo` process: restarts, `kill -9` mid-burst, the live stream;
//! and `medicloud node`, the command a clinic runs: first start, restart.

use crate::util::{DemoProcess, NodeProcess};
use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A `medicloud demo` or `medicloud node` process.
trait Served {
    fn url(&self, path: &str) -> String;
}

impl Served for DemoProcess {
    fn url(&self, path: &str) -> String {
        DemoProcess::url(self, path)
    }
}

impl Served for NodeProcess {
    fn url(&self, path: &str) -> String {
        NodeProcess::url(self, path)
    }
}

async fn tickets(client: &reqwest::Client, demo: &impl Served, token: &str) -> Vec<Value> {
    let res = client
        .get(demo.url("/api/v1/tickets"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    res.json::<Vec<Value>>().await.unwrap()
}

fn summary(tickets: &[Value]) -> Vec<(String, String, String, String)> {
    let mut rows: Vec<_> = tickets
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or("-").to_owned();
            (s("id"), s("label"), s("status"), s("counter"))
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_demo_keeps_its_state_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let demo = DemoProcess::start(dir.path());
    for _ in 0..3 {
        let res = demo.take(&client, "A").await;
        assert_eq!(res.status(), 201);
    }
    let desk = demo.login(&client, "desk").await;
    let call = |counter: &'static str| {
        client
            .post(demo.url(&format!("/api/v1/counters/{counter}/call-next")))
            .bearer_auth(&desk)
            .send()
    };
    let res = call("loket-1").await.unwrap();
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    for action in ["serve", "complete"] {
        let url = demo.url(&format!(
            "/api/v1/tickets/{}/{action}",
            first["id"].as_str().unwrap()
        ));
        assert!(
            client
                .post(url)
                .bearer_auth(&desk)
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
    }
    assert_eq!(call("loket-2").await.unwrap().status(), 200);
    let before = summary(&tickets(&client, &demo, &desk).await);
    let mut states: Vec<(&str, &str, &str)> = before
        .iter()
        .map(|r| (r.1.as_str(), r.2.as_str(), r.3.as_str()))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            // Registered: waiting for the doctor's room.
            ("A-001", "waiting", "-"),
            ("A-002", "called", "loket-2"),
            ("A-003", "waiting", "-"),
        ]
    );
    let (old_kiosk, old_display) = (demo.kiosk.clone(), demo.display.clone());
    demo.stop();

    let demo = DemoProcess::start(dir.path());
    // The desk is still logged in: its session was kept through the restart.
    assert_eq!(summary(&tickets(&client, &demo, &desk).await), before);
    // The numbering continues.
    let res = demo.take(&client, "A").await;
    assert_eq!(res.json::<Value>().await.unwrap()["label"], "A-004");
    // The kiosk and the display paired from the first start's links stay paired: the
    // links printed now are the same, and the old tokens still open their screens' data.
    assert_eq!((&demo.kiosk, &demo.display), (&old_kiosk, &old_display));
    for (token, path) in [
        (&old_kiosk, "/api/v1/services"),
        (&old_display, "/api/v1/calls"),
    ] {
        let res = client
            .get(demo.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "{path} with a token from before the restart"
        );
    }
    demo.stop();
}

/// Counts a request task as finished when it ends, however it ends.
struct Finished(Arc<AtomicUsize>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// 200 patients press the kiosk button at once and the node is killed with `-9` in the
/// middle: every ticket whose label was shown is still there, and no label is given twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_burst_loses_no_acknowledged_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let demo = DemoProcess::start(dir.path());
    // Acknowledged, and finished either way (answered, refused or cut off).
    let (acked, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let requests: Vec<_> = (0..200)
        .map(|i| {
            let (client, acked, done) = (client.clone(), acked.clone(), done.clone());
            let url = demo.url("/api/v1/tickets");
            let token = demo.kiosk.clone();
            tokio::spawn(async move {
                let _finished = Finished(done);
                let service = ["A", "B", "C"][i % 3];
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"service": service}))
                    .send()
                    .await
                    .ok()?;
                if res.status() != 201 {
                    return None;
                }
                let t: Value = res.json().await.ok()?;
                acked.fetch_add(1, Ordering::SeqCst);
                Some((
                    t["id"].as_str()?.to_owned(),
                    t["label"].as_str()?.to_owned(),
                ))
            })
        })
        .collect();
    let started = std::time::Instant::now();
    while acked.load(Ordering::SeqCst) < 60 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} of 200 tickets acknowledged in 60 s",
            acked.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let in_flight = 200 - done.load(Ordering::SeqCst);
    demo.kill9();
    // Otherwise the kill came after the burst, and this test shows nothing.
    assert!(in_flight > 0, "the burst was over before the kill");
    let mut acknowledged = HashMap::new();
    for r in requests {
        if let Some((id, label)) = r.await.unwrap() {
            acknowledged.insert(id, label);
        }
    }
    eprintln!(
        "{} of 200 tickets acknowledged, {in_flight} in flight at the kill -9",
        acknowledged.len()
    );
    assert!(acknowledged.len() >= 60);

    let demo = DemoProcess::start(dir.path());
    let desk = demo.login(&client, "desk").await;
    let stored: HashMap<String, String> = tickets(&client, &demo, &desk)
        .await
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["label"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (id, label) in &acknowledged {
        assert_eq!(
            stored.get(id),
            Some(label),
            "acknowledged ticket {label} lost"
        );
    }
    // More tickets after the crash: still no label twice.
    let mut labels: Vec<String> = stored.values().cloned().collect();
    for service in ["A", "B", "C"].iter().cycle().take(30) {
        let res = demo.take(&client, service).await;
        labels.push(
            res.json::<Value>().await.unwrap()["label"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let unique: HashSet<&String> = labels.iter().collect();
    assert_eq!(unique.len(), labels.len(), "a label was given twice");
    demo.stop();
}

#[tokio::test]
async fn displays_hear_calls_on_the_live_stream() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let demo = DemoProcess::start(dir.path());
    let url = demo.url(&format!("/api/v1/events?access_token={}", demo.display));
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut stream = res.bytes_stream();

    let t: Value = demo.take(&client, "L").await.json().await.unwrap();
    let desk = demo.login(&client, "desk").await;
    client
        .post(demo.url("/api/v1/counters/lab/call-next"))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();

    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(chunk) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("event: call") && seen.contains(r#""counter_name":"Laboratorium""#) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "no call event; stream so far:\n{seen}");
    assert!(seen.contains(&format!(r#""label":"{}""#, t["label"].as_str().unwrap())));
    assert!(seen.contains("event: ticket"));
    demo.stop();
}

/// `medicloud node` as a clinic runs it: a first start without a name is refused and
/// leaves nothing that counts as set up; a first start with `--clinic-name` and
/// `MEDICLOUD_ADMIN_PASSWORD` sets up the clinic and its admin; a restart on the same data
/// keeps the tickets and the admin's password (a new one in the environment changes
/// nothing).
#[tokio::test]
async fn medicloud_node_sets_up_a_clinic_on_first_start_and_keeps_it_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let client = reqwest::Client::new();
    const FIRST: &str = "kata-sandi-pertama-klinik";
    let admin_env = [("MEDICLOUD_ADMIN_PASSWORD", FIRST)];

    let refused = NodeProcess::command(&data, &[], &admin_env)
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a first start without a name ran"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--clinic-name"),
        "not a clear refusal: {stderr}"
    );

    // Still a first start: the name and the password given now are the ones that hold.
    let node = NodeProcess::start(
        &data,
        &["--clinic-name", "Klinik Sehat Sentosa"],
        &admin_env,
    );
    let admin = node.login(&client, "admin", FIRST).await.unwrap();
    let clinic: Value = client
        .get(node.url("/api/v1/clinic"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clinic["name"], "Klinik Sehat Sentosa", "{clinic}");
    // A service, a counter that serves it and a kiosk, then a ticket.
    let res = client
        .put(node.url("/api/v1/services/A"))
        .bearer_auth(&admin)
        .json(&json!({"name_id": "Poli Umum", "name_en": "General", "active": true}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let res = client
        .put(node.url("/api/v1/counters/loket-1"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Loket 1", "services": ["A"]}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let res = client
        .post(node.url("/api/v1/devices"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Kiosk", "role": "kiosk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let kiosk: Value = res.json().await.unwrap();
    let kiosk = kiosk["token"].as_str().unwrap().to_owned();
    let res = client
        .post(node.url("/api/v1/tickets"))
        .bearer_auth(&kiosk)
        .json(&json!({"service": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    let before = summary(&tickets(&client, &node, &admin).await);
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].1, ticket["label"].as_str().unwrap());
    node.stop();

    let node = NodeProcess::start(
        &data,
        &[],
        &[("MEDICLOUD_ADMIN_PASSWORD", "kata-sandi-lain-sekali")],
    );
    assert_eq!(
        node.login(&client, "admin", "kata-sandi-lain-sekali").await,
        Err(reqwest::StatusCode::UNAUTHORIZED),
        "a restart reset the admin's password"
    );
    let admin = node.login(&client, "admin", FIRST).await.unwrap();
    assert_eq!(summary(&tickets(&client, &node, &admin).await), before);
    node.stop();
}
