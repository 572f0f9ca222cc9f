//! Printing through the node's spool to the virtual printer, as separate processes.

use crate::util::{DemoProcess, PrinterProcess};
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How often each label appears on the printed tickets.
fn label_counts(printed: &[String], labels: &[String]) -> HashMap<String, usize> {
    labels
        .iter()
        .map(|l| {
            (
                l.clone(),
                printed
                    .iter()
                    .filter(|t| t.contains(&format!(" {l}\n")))
                    .count(),
            )
        })
        .collect()
}

async fn take_all(client: &reqwest::Client, demo: &DemoProcess, services: &[&str]) -> Vec<Value> {
    let mut tickets = Vec::new();
    for service in services {
        let res = demo.take(client, service).await;
        assert_eq!(res.status(), 201);
        tickets.push(res.json::<Value>().await.unwrap());
    }
    tickets
}

/// Tickets print once each; with the printer out of paper they are still issued at once,
/// the fault reaches the API, and after a `kill -9` of the node and the paper's return
/// every waiting job prints — exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ticket_prints_exactly_once_through_paper_out_and_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let printer = PrinterProcess::start(&dir.path().join("printed"));
    let args = ["--printer", printer.addr.as_str()];
    let client = reqwest::Client::new();
    let demo = DemoProcess::start_with(&dir.path().join("node"), &args);

    let mut labels: Vec<String> = Vec::new();
    let first = take_all(&client, &demo, &["A", "B", "A"]).await;
    labels.extend(
        first
            .iter()
            .map(|t| t["label"].as_str().unwrap().to_owned()),
    );
    let printed = printer.wait_for(3).await;
    assert!(
        label_counts(&printed, &labels).values().all(|&n| n == 1),
        "{printed:#?}"
    );

    // Out of paper: tickets are still issued at once, and the desk sees the fault.
    printer.set_mode("paper-out");
    let started = Instant::now();
    let waiting = take_all(&client, &demo, &["C", "C", "L", "F"]).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "issuing waited on the printer"
    );
    labels.extend(
        waiting
            .iter()
            .map(|t| t["label"].as_str().unwrap().to_owned()),
    );
    let desk = demo.login(&client, "desk").await;
    let mut fault = Value::Null;
    for _ in 0..100 {
        let health: Value = client
            .get(demo.url("/api/v1/printer"))
            .bearer_auth(&desk)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        fault = health["fault"].clone();
        if fault.as_str().is_some_and(|f| f.contains("paper")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fault.as_str().is_some_and(|f| f.contains("paper")),
        "printer fault on the API: {fault}"
    );
    let id = waiting[0]["id"].as_str().unwrap();
    let t: Value = client
        .get(demo.url(&format!("/api/v1/tickets/{id}")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["print"]["status"], "queued");
    assert!(t["print"]["fault"].as_str().unwrap().contains("paper"));
    assert_eq!(
        printer.printed().len(),
        3,
        "nothing prints while the paper is out"
    );

    // The node dies with four jobs pending; it comes back, the paper is refilled.
    demo.kill9();
    let demo = DemoProcess::start_with(&dir.path().join("node"), &args);
    printer.set_mode("ok");
    printer.wait_for(7).await;
    tokio::time::sleep(Duration::from_millis(500)).await; // a duplicate would show by now
    let printed = printer.printed();
    assert_eq!(printed.len(), 7, "{printed:#?}");
    let counts = label_counts(&printed, &labels);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");

    // A reprint says so on the paper.
    let desk = demo.login(&client, "desk").await;
    let res = client
        .post(demo.url(&format!("/api/v1/tickets/{id}/reprint")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let printed = printer.wait_for(8).await;
    assert!(printed[7].contains(waiting[0]["label"].as_str().unwrap()));
    assert!(printed[7].contains("REPRINT"), "{}", printed[7]);
    demo.stop();
}
