//! Printing through the node's spool to the virtual printer, as separate processes.

use crate::util::{
    self, DemoProcess, PrinterProcess, label_counts, wait_for_fault, wait_for_idle_spool,
};
use serde_json::Value;

async fn take_all(client: &reqwest::Client, demo: &DemoProcess, services: &[&str]) -> Vec<Value> {
    let mut tickets = Vec::new();
    for service in services {
        let res = demo.take(client, service).await;
        assert_eq!(res.status(), 201);
        tickets.push(res.json::<Value>().await.unwrap());
    }
    tickets
}

fn labels_of(tickets: &[Value]) -> impl Iterator<Item = String> + '_ {
    tickets
        .iter()
        .map(|t| t["label"].as_str().unwrap().to_owned())
}

/// Waits for `count` jobs and for the node's spool to empty (so no duplicate is still on
/// its way), and checks that exactly `count` jobs printed, each label once.
async fn assert_printed_once(
    client: &reqwest::Client,
    demo: &DemoProcess,
    printer: &PrinterProcess,
    count: usize,
    labels: &[String],
) {
    printer.wait_for(count).await;
    let desk = demo.login(client, "desk").await;
    wait_for_idle_spool(client, demo, &desk).await;
    let printed = printer.printed();
    assert_eq!(printed.len(), count, "{printed:#?}");
    let counts = label_counts(&printed, labels);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

/// Tickets print once each. With the printer out of paper, or switched off, they are
/// still issued at once and the fault reaches the API; after a `kill -9` of the node and
/// the printer's return, every waiting job prints — exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ticket_prints_exactly_once_through_paper_out_a_crash_and_a_switched_off_printer() {
    let dir = tempfile::tempdir().unwrap();
    let printer = PrinterProcess::start(&dir.path().join("printed"));
    let args = ["--printer", printer.addr.as_str()];
    let client = reqwest::Client::new();
    let demo = DemoProcess::start_with(&dir.path().join("node"), &args);

    let mut labels: Vec<String> =
        labels_of(&take_all(&client, &demo, &["A", "B", "A"]).await).collect();
    assert_printed_once(&client, &demo, &printer, 3, &labels).await;

    // Out of paper: tickets are still issued (each answer comes while its job cannot
    // print, so issuing does not wait on the printer), and the desk sees the fault.
    printer.set_mode("paper-out");
    let waiting = take_all(&client, &demo, &["C", "C", "L", "F"]).await;
    for t in &waiting {
        assert_eq!(t["print"]["status"], "queued", "{t}");
    }
    labels.extend(labels_of(&waiting));
    let desk = demo.login(&client, "desk").await;
    let fault = wait_for_fault(&client, &demo, &desk, "paper").await;
    assert!(
        fault.contains("paper"),
        "printer fault on the API: {fault:?}"
    );
    let id = waiting[0]["id"].as_str().unwrap();
    let res = client
        .get(demo.url(&format!("/api/v1/tickets/{id}")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    let t: Value = res.json().await.unwrap();
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
    assert_printed_once(&client, &demo, &printer, 7, &labels).await;

    // The printer is switched off: tickets are issued, the fault says it is unreachable,
    // and once it is back on its address the jobs print, each once.
    let (addr, out) = (printer.addr.clone(), printer.out.clone());
    drop(printer);
    labels.extend(labels_of(&take_all(&client, &demo, &["A", "B"]).await));
    let desk = demo.login(&client, "desk").await;
    let fault = wait_for_fault(&client, &demo, &desk, "unreachable").await;
    assert!(
        fault.contains("unreachable"),
        "printer fault on the API: {fault:?}"
    );
    let printer = PrinterProcess::start_on(&out, &addr);
    assert_printed_once(&client, &demo, &printer, 9, &labels).await;

    // A reprint says so on the paper.
    let res = client
        .post(demo.url(&format!("/api/v1/tickets/{id}/reprint")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let printed = printer.wait_for(10).await;
    assert!(printed[9].contains(waiting[0]["label"].as_str().unwrap()));
    assert!(printed[9].contains("REPRINT"), "{}", printed[9]);

    // The same from the command line, by label; an unknown label changes nothing.
    let label = waiting[1]["label"].as_str().unwrap();
    let reprint = |ticket: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_medicloud"))
            .args(["printer", "reprint", ticket, "--node", &demo.base])
            .env("MEDICLOUD_PASSWORD", util::PASSWORD)
            .output()
            .unwrap()
    };
    let out = reprint(label);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = printer.wait_for(11).await;
    assert!(
        printed[10].contains(label) && printed[10].contains("REPRINT"),
        "{}",
        printed[10]
    );
    let out = reprint("Z-999");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no ticket Z-999 today"));
    // The spool prints in order: had the unknown label queued anything, it would come
    // before this reprint.
    let after = waiting[2]["label"].as_str().unwrap();
    assert!(reprint(after).status.success());
    let printed = printer.wait_for(12).await;
    assert!(printed[11].contains(after), "{}", printed[11]);
    wait_for_idle_spool(&client, &demo, &desk).await;
    assert_eq!(printer.printed().len(), 12, "nothing printed for Z-999");
    demo.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_prints_a_test_page_and_sees_a_printed_ticket_as_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let printer = PrinterProcess::start(&dir.path().join("printed"));
    let demo = DemoProcess::start_with(&dir.path().join("node"), &["--printer", &printer.addr]);
    let client = reqwest::Client::new();
    let admin = demo.login(&client, "admin").await;
    let desk = demo.login(&client, "desk").await;

    let res = client
        .post(demo.url("/api/v1/printer/test"))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(demo.url("/api/v1/printer/test"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let printed = printer.wait_for(1).await;
    assert!(printed[0].contains("80 mm"), "{}", printed[0]);

    let ticket: Value = demo.take(&client, "A").await.json().await.unwrap();
    printer.wait_for(2).await;
    let url = demo.url(&format!(
        "/api/v1/tickets/{}/print.png",
        ticket["id"].as_str().unwrap()
    ));
    let res = client.get(&url).bearer_auth(&desk).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    let png = res.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // The IHDR chunk opens with the width: an 80 mm roll is 576 dots wide.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 576);

    printer.set_mode("paper-out");
    let res = client
        .post(demo.url("/api/v1/printer/test"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let fault: Value = res.json().await.unwrap();
    assert_eq!(fault["code"], "printer_fault");
}

/// A clinic that gives a new number at each step of a visit: registration at Loket 1
/// finishes with the room's number printed at the desk, the status page and the display
/// show it, and no number is given twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_number_per_step_is_printed_where_registration_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let printer = PrinterProcess::start(&dir.path().join("printed"));
    let demo = DemoProcess::start_with(&dir.path().join("node"), &["--printer", &printer.addr]);
    let client = reqwest::Client::new();
    let (admin, desk, doctor) = (
        demo.login(&client, "admin").await,
        demo.login(&client, "desk").await,
        demo.login(&client, "doctor").await,
    );
    let clinic = util::get(&client, &demo, &admin, "/api/v1/clinic").await;
    let res = client
        .put(demo.url("/api/v1/clinic"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({
            "name": clinic["name"], "time_zone": clinic["time_zone"], "new_label_per_step": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let first: Value = demo.take(&client, "A").await.json().await.unwrap();
    let post = |path: String, token: &str| {
        client
            .post(demo.url(&path))
            .bearer_auth(token.to_owned())
            .send()
    };
    let called: Value = post("/api/v1/counters/loket-1/call-next".into(), &desk)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(called["id"], first["id"]);
    let done = post(
        format!("/api/v1/tickets/{}/complete", first["id"].as_str().unwrap()),
        &desk,
    )
    .await
    .unwrap();
    assert_eq!(done.status(), 200);
    let at_room: Value = done.json().await.unwrap();
    let room_label = at_room["label"].as_str().unwrap().to_owned();
    assert_ne!(room_label, first["label"].as_str().unwrap());
    assert_eq!(
        (
            &at_room["status"],
            &at_room["step"],
            &at_room["earlier_labels"]
        ),
        (
            &"waiting".into(),
            &"room".into(),
            &serde_json::json!([first["label"]])
        )
    );

    // Printed at the desk: the room's number, naming the room.
    let printed = printer.wait_for(2).await;
    assert_eq!(printed.len(), 2, "{printed:#?}");
    assert!(
        printed[1].contains(&format!(" {room_label}\n")),
        "{}",
        printed[1]
    );
    assert!(printed[1].contains("Ruang Periksa Umum"), "{}", printed[1]);

    // The patient's status page and the display follow the new number.
    let path = format!("/api/v1/public/tickets/{}", first["id"].as_str().unwrap());
    let public: Value = client
        .get(demo.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&public["label"], &public["earlier_labels"]),
        (
            &room_label.clone().into(),
            &serde_json::json!([first["label"]])
        )
    );
    // The display: registration's call under the number it had there, then the room's.
    let shown = async || {
        let calls = util::get(&client, &demo, &desk, "/api/v1/calls").await;
        let s = |c: &Value, k: &str| c[k].as_str().unwrap_or("-").to_owned();
        let calls = calls.as_array().unwrap().iter();
        calls
            .map(|c| format!("{} {} {}", s(c, "label"), s(c, "counter"), s(c, "next_id")))
            .collect::<Vec<_>>()
    };
    let registered = format!(
        "{} loket-1 Ruang Periksa Umum",
        first["label"].as_str().unwrap()
    );
    assert_eq!(shown().await, [registered]);
    let in_room: Value = post("/api/v1/counters/ruang-umum/call-next".into(), &doctor)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(in_room["label"], room_label.as_str());
    assert_eq!(shown().await, [format!("{room_label} ruang-umum -")]);

    // The next walk-in's number is neither of them.
    let next: Value = demo.take(&client, "A").await.json().await.unwrap();
    let labels = [first["label"].as_str().unwrap(), room_label.as_str()];
    assert!(!labels.contains(&next["label"].as_str().unwrap()), "{next}");
}
