//! Nodes of one clinic syncing on the LAN: real `medicloud demo` processes on loopback,
//! cut off from each other by stopping them, with a clock set hours ahead.

use crate::util::{DemoProcess, board, eventually, free_port, get};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// A demo node at a fixed port, syncing with the nodes at `peers`; `hub` is the node
/// that hands out label numbers (none: it is the hub).
fn node(
    data: &Path,
    port: u16,
    peers: &[u16],
    hub: Option<u16>,
    env: &[(&str, &str)],
) -> DemoProcess {
    let url = |p: &u16| format!("http://127.0.0.1:{p}");
    let peers: Vec<String> = peers.iter().map(url).collect();
    DemoProcess::peer(data, port, &peers, hub.as_ref().map(url).as_deref(), env)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_taken_on_one_node_reaches_the_other_at_once_and_labels_never_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (free_port(), free_port());
    // Anti-entropy an hour apart: after the first round, only a push moves events.
    let slow = [("MEDICLOUD_ANTI_ENTROPY_SECONDS", "3600")];
    let a = node(&dir.path().join("a"), pa, &[pb], None, &slow);
    let b = node(&dir.path().join("b"), pb, &[pa], Some(pa), &slow);
    let client = reqwest::Client::new();
    let (desk_a, desk_b) = (
        a.login(&client, "desk").await,
        b.login(&client, "desk").await,
    );
    let pushed = |demo: &DemoProcess, token: &str| {
        let (client, url) = (client.clone(), demo.url("/api/v1/sync/status"));
        let token = token.to_owned();
        async move {
            let status: Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let link = &status["links"][0];
            (
                link["reachable"] == true,
                link["pushed_rounds"].as_u64().unwrap(),
            )
        }
    };
    // Both links have made their first round, so what moves from now on was pushed.
    for (demo, token) in [(&a, &desk_a), (&b, &desk_b)] {
        eventually(
            Duration::from_secs(30),
            "the link's first round",
            || async { pushed(demo, token).await.0 },
        )
        .await;
    }
    let before = (pushed(&a, &desk_a).await.1, pushed(&b, &desk_b).await.1);

    // Both kiosks take tickets; each appears on the other node's desk long before the
    // hour-long anti-entropy round, so it was pushed.
    let mut ids = Vec::new();
    for (demo, service) in [(&b, "A"), (&a, "A"), (&b, "B"), (&a, "A")] {
        let t: Value = demo.take(&client, service).await.json().await.unwrap();
        ids.push(t["id"].as_str().unwrap().to_owned());
    }
    for (demo, token) in [(&a, &desk_a), (&b, &desk_b)] {
        eventually(
            Duration::from_secs(30),
            "tickets pushed to the other node",
            || async {
                let seen = board(&client, demo, token).await;
                ids.iter().all(|id| seen.contains_key(id))
            },
        )
        .await;
    }
    // Each node's own tickets went out in rounds their commits started (a round may
    // still be finishing when the other side already pulled them in its own): well
    // within the 30 s, against an hour for anti-entropy.
    eventually(
        Duration::from_secs(30),
        "a pushed round on each node after its tickets",
        || async {
            let after = (pushed(&a, &desk_a).await.1, pushed(&b, &desk_b).await.1);
            after.0 > before.0 && after.1 > before.1
        },
    )
    .await;

    // A call at A's counter shows on B's desk as called at that counter.
    let called: Value = client
        .post(a.url("/api/v1/counters/loket-1/call-next"))
        .bearer_auth(&desk_a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let called_id = called["id"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(30), "the call reaches B", || async {
        board(&client, &b, &desk_b).await[&called_id].1 == "called"
    })
    .await;

    let seen = board(&client, &b, &desk_b).await;
    let labels: HashSet<_> = seen.values().map(|(l, _, _)| l.clone()).collect();
    assert_eq!(
        labels.len(),
        seen.len(),
        "a label was given twice: {seen:?}"
    );

    let status = get(&client, &b, &desk_b, "/api/v1/sync/status").await;
    assert_eq!(status["online"], true, "{status}");
    assert_eq!(status["links"][0]["reachable"], true, "{status}");
    eventually(Duration::from_secs(30), "nothing left to send", || async {
        get(&client, &b, &desk_b, "/api/v1/sync/status").await["pending_out"] == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn partitioned_nodes_converge_and_a_ticket_called_on_both_sides_shows_one_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let (da, db) = (dir.path().join("a"), dir.path().join("b"));
    let (pa, pb) = (free_port(), free_port());
    let client = reqwest::Client::new();
    let a = node(&da, pa, &[pb], None, &[]);
    let b = node(&db, pb, &[pa], Some(pa), &[]);
    let desk_b = b.login(&client, "desk").await;
    let shared: Value = a.take(&client, "A").await.json().await.unwrap();
    let shared = shared["id"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(30), "B knows the ticket", || async {
        board(&client, &b, &desk_b).await.contains_key(&shared)
    })
    .await;

    // Cut: A goes away. B keeps working on its offline reserve of numbers and calls
    // the shared ticket at loket-2.
    a.stop();
    for _ in 0..5 {
        assert_eq!(b.take(&client, "A").await.status(), 201);
    }
    let res = client
        .post(b.url(&format!("/api/v1/tickets/{shared}/call")))
        .bearer_auth(&desk_b)
        .json(&json!({"counter": "loket-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // Then B goes away (killed mid-flight), and A comes back alone: it takes tickets
    // and calls the same ticket at loket-1.
    b.kill9();
    let a = node(&da, pa, &[pb], None, &[]);
    let desk_a = a.login(&client, "desk").await;
    for _ in 0..5 {
        assert_eq!(a.take(&client, "A").await.status(), 201);
    }
    let res = client
        .post(a.url(&format!("/api/v1/tickets/{shared}/call")))
        .bearer_auth(&desk_a)
        .json(&json!({"counter": "loket-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Heal.
    let b = node(&db, pb, &[pa], Some(pa), &[]);
    let desk_b = b.login(&client, "desk").await;
    eventually(
        Duration::from_secs(10),
        "both nodes hold the same tickets",
        || async {
            let (x, y) = (
                board(&client, &a, &desk_a).await,
                board(&client, &b, &desk_b).await,
            );
            x.len() == 11 && x == y
        },
    )
    .await;
    let seen = board(&client, &a, &desk_a).await;
    let labels: HashSet<_> = seen.values().map(|(l, _, _)| l.clone()).collect();
    assert_eq!(labels.len(), 11, "a label was given twice: {seen:?}");
    // B's call came first, so it wins everywhere; A's is the conflict staff see.
    assert_eq!(seen[&shared].2, "loket-2");
    for (demo, token) in [(&a, &desk_a), (&b, &desk_b)] {
        let conflicts = get(&client, demo, token, "/api/v1/conflicts").await;
        let conflicts = conflicts.as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0]["ticket"], shared.as_str());
        assert_eq!(conflicts[0]["counter"], "loket-1");
        assert_eq!(conflicts[0]["step"], "call");
        let status = get(&client, demo, token, "/api/v1/sync/status").await;
        assert_eq!(status["conflicts"], 1, "{status}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_whose_clock_is_hours_ahead_hides_no_ticket_and_its_skew_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (free_port(), free_port());
    let client = reqwest::Client::new();
    let a = node(&dir.path().join("a"), pa, &[pb], None, &[]);
    let ahead = (5 * 3_600_000).to_string();
    let b = node(
        &dir.path().join("b"),
        pb,
        &[pa],
        Some(pa),
        &[("MEDICLOUD_CLOCK_OFFSET_MS", ahead.as_str())],
    );
    let (desk_a, desk_b) = (
        a.login(&client, "desk").await,
        b.login(&client, "desk").await,
    );
    eventually(Duration::from_secs(30), "B reports its skew", || async {
        let status = get(&client, &b, &desk_b, "/api/v1/sync/status").await;
        status["clock_skew_ms"]
            .as_i64()
            .is_some_and(|s| s < -4 * 3_600_000)
    })
    .await;
    let status = get(&client, &b, &desk_b, "/api/v1/sync/status").await;
    assert!(
        status["clock_correction_ms"].as_i64().unwrap() < -4 * 3_600_000,
        "{status}"
    );

    // Tickets from both sides are in everyone's queue, in the order they were taken:
    // each is taken once the node has seen the one before, so "after" is what the
    // patients saw, whatever the clocks say (five hours apart here).
    let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
    let seen = async |demo: &DemoProcess, token: &str, id: &str| {
        eventually(
            Duration::from_secs(30),
            "the other node's ticket",
            || async { board(&client, demo, token).await.contains_key(id) },
        )
        .await;
    };
    let first: Value = a.take(&client, "A").await.json().await.unwrap();
    seen(&b, &desk_b, &id(&first)).await;
    let second: Value = b.take(&client, "A").await.json().await.unwrap();
    seen(&a, &desk_a, &id(&second)).await;
    let third: Value = a.take(&client, "A").await.json().await.unwrap();
    let order = [&first, &second, &third].map(id);
    for (demo, token) in [(&a, &desk_a), (&b, &desk_b)] {
        eventually(
            Duration::from_secs(30),
            "all three tickets waiting, in order",
            || async {
                let waiting = get(
                    &client,
                    demo,
                    token,
                    "/api/v1/tickets?service=A&status=waiting",
                )
                .await;
                let mut rows: Vec<_> = waiting.as_array().unwrap().clone();
                rows.sort_by_key(|t| t["position"].as_i64());
                rows.iter()
                    .map(|t| t["id"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
                    == order
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_killed_in_the_middle_of_its_first_sync_catches_up_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (da, db) = (dir.path().join("a"), dir.path().join("b"));
    let (pa, pb) = (free_port(), free_port());
    let client = reqwest::Client::new();
    let a = node(&da, pa, &[], None, &[]);
    // Enough history for several pages of the exchange, taken by 64 kiosks at a time (one
    // address may hold at most 256 connections to a node).
    use futures::StreamExt;
    let statuses: Vec<_> = futures::stream::iter(0..700)
        .map(|i| {
            let (client, a) = (client.clone(), &a);
            async move { a.take(&client, ["A", "B", "C"][i % 3]).await.status() }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    assert_eq!(statuses.len(), 700);
    for status in statuses {
        assert_eq!(status, 201);
    }
    let desk_a = a.login(&client, "desk").await;
    let held_by_a = board(&client, &a, &desk_a).await;

    let total_a = crate::util::read_db(&da)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
        .unwrap();

    // B starts its first sync from A (before it even listens) and is killed as soon as
    // part of the log has arrived.
    let stored = || {
        crate::util::read_db(&db)
            .and_then(|c| {
                c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
                    .ok()
            })
            .unwrap_or(0)
    };
    let url = format!("http://127.0.0.1:{pa}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{pb}"),
            "--peer",
            &url,
        ])
        .args(["--labels-from", &url, "--data"])
        .arg(&db)
        .env("MEDICLOUD_DEMO_PASSWORD", crate::util::PASSWORD)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while stored() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B never started syncing"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = stored();
    assert!(
        partial < total_a,
        "killed after the sync had finished ({partial} events)"
    );

    let b = node(&db, pb, &[pa], Some(pa), &[]);
    let desk_b = b.login(&client, "desk").await;
    eventually(Duration::from_secs(15), "B holds A's tickets", || async {
        board(&client, &b, &desk_b).await == held_by_a
    })
    .await;
    b.stop();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(["audit", "verify", "--data"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
