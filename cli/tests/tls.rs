//! Nodes and a cloud process serving HTTPS with a certificate authority made in the
//! test: nodes given the CA (`--cloud-ca`, or `MEDICLOUD_CLOUD_CA`) enrol and sync
//! through it; a node without the CA refuses the connection, says so on its sync
//! status, and sends the cloud nothing.

use crate::util::{Cloud, add_demo_clinic, cloud_admin};
use crate::util::{DemoProcess, Pki, free_port, get};
use serde_json::Value;
use std::time::{Duration, Instant};

async fn has_ticket(client: &reqwest::Client, demo: &DemoProcess, token: &str, id: &str) -> bool {
    let tickets = get(client, demo, token, "/api/v1/tickets").await;
    tickets.as_array().unwrap().iter().any(|t| t["id"] == id)
}

#[tokio::test(flavor = "multi_thread")]
async fn nodes_trusting_the_chains_ca_sync_over_https_and_a_node_without_it_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new();
    let cloud_db = dir.path().join("cloud.sqlite");
    let database = format!("sqlite://{}", cloud_db.display());
    let clinic = add_demo_clinic(&database);
    let listen = format!("127.0.0.1:{}", free_port());
    let url = format!("https://{listen}");
    let (cert, key, ca) = (
        pki.cert.to_str().unwrap(),
        pki.key.to_str().unwrap(),
        pki.ca.to_str().unwrap(),
    );
    let _cloud = Cloud::start_with(&database, &listen, &["--tls-cert", cert, "--tls-key", key]);

    // One node names the CA by flag, the other by environment.
    let code = || cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
    let (da, db) = (dir.path().join("a"), dir.path().join("b"));
    let a = DemoProcess::start_env(
        &da,
        &["--cloud", &url, "--enrol", &code(), "--cloud-ca", ca],
        &[],
    );
    let b = DemoProcess::start_env(
        &db,
        &["--cloud", &url, "--enrol", &code()],
        &[("MEDICLOUD_CLOUD_CA", ca)],
    );
    let client = reqwest::Client::new();
    let (desk_a, desk_b) = (
        a.login(&client, "desk").await,
        b.login(&client, "desk").await,
    );
    let ticket: Value = a.take(&client, "A").await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();
    let start = Instant::now();
    while !has_ticket(&client, &b, &desk_b, &id).await {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "A's ticket never reached B"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = get(&client, &a, &desk_a, "/api/v1/sync/status").await;
    assert_eq!(status["links"][0]["url"], url.as_str());
    assert_eq!(status["links"][0]["reachable"], true, "{status}");

    // B again, without the CA: the cloud's certificate is not trusted.
    b.stop();
    let cloud_events = || {
        rusqlite::Connection::open(&cloud_db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let b = DemoProcess::start(&db);
    let desk_b = b.login(&client, "desk").await;
    let held = cloud_events();
    let ticket: Value = b.take(&client, "B").await.json().await.unwrap();
    let start = Instant::now();
    let status = loop {
        let status = get(&client, &b, &desk_b, "/api/v1/sync/status").await;
        let error = status["links"][0]["last_error"].as_str().unwrap_or("");
        if error.contains("certificate not trusted") {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status["links"][0]["reachable"], false, "{status}");
    assert!(
        status["links"][0]["pending_out"].as_u64().unwrap() > 0,
        "{status}"
    );
    // B has tried and been refused (its error says why, its events are still pending).
    assert_eq!(cloud_events(), held, "the cloud got nothing from B");
    assert!(!has_ticket(&client, &a, &desk_a, ticket["id"].as_str().unwrap()).await);
}
