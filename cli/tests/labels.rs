//! One label authority per clinic: real `medicloud demo` nodes on loopback, peered with
//! no `--labels-from` and no cloud, choose one among them; a node that cannot know yet,
//! or that finds a second authority, gives device-marked numbers only.

use crate::util::{DemoProcess, board, eventually, free_port, get, live_bookings, post};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A demo node at `port`, syncing with the nodes at `peers`, taking its labels from the
/// node at `hub` if one is given.
fn node(data: &Path, port: u16, peers: &[u16], hub: Option<u16>) -> DemoProcess {
    let url = |p: &u16| format!("http://127.0.0.1:{p}");
    let peers: Vec<String> = peers.iter().map(url).collect();
    DemoProcess::peer(data, port, &peers, hub.as_ref().map(url).as_deref(), &[])
}

/// `labels` of the node's sync status: its label authority as it knows it.
async fn authority(client: &reqwest::Client, demo: &DemoProcess, token: &str) -> Value {
    get(client, demo, token, "/api/v1/sync/status").await["labels"].clone()
}

/// This node's device id.
async fn device(client: &reqwest::Client, demo: &DemoProcess, token: &str) -> String {
    let status = get(client, demo, token, "/api/v1/sync/status").await;
    status["device"].as_str().unwrap().to_owned()
}

/// Each running node's desk session and device id, in order.
async fn desks_and_devices(
    client: &reqwest::Client,
    nodes: &[Option<DemoProcess>],
) -> (Vec<String>, Vec<String>) {
    let (mut desks, mut devices) = (Vec::new(), Vec::new());
    for n in nodes.iter().flatten() {
        let desk = n.login(client, "desk").await;
        devices.push(device(client, n, &desk).await);
        desks.push(desk);
    }
    (desks, devices)
}

/// Takes a ticket of service A at the node's kiosk; its label.
async fn take(client: &reqwest::Client, demo: &DemoProcess) -> String {
    let res = demo.take(client, "A").await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    ticket["label"].as_str().unwrap().to_owned()
}

/// Whether a label is from a device's own marked series (`A-1F3C-001`, `A-2-001`)
/// rather than a number of the clinic's one series (`A-001`).
fn marked(label: &str) -> bool {
    label.split('-').count() == 3
}

#[tokio::test(flavor = "multi_thread")]
async fn two_peered_nodes_choose_one_authority_and_give_no_label_twice_through_a_partition() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<PathBuf> = ["a", "b"].iter().map(|n| dir.path().join(n)).collect();
    let ports = [free_port(), free_port()];
    let start = |i: usize| node(&data[i], ports[i], &[ports[1 - i]], None);
    let client = reqwest::Client::new();
    let mut nodes = [Some(start(0)), Some(start(1))];
    let (mut desks, devices) = desks_and_devices(&client, &nodes).await;
    // Both nodes come to know the same authority: the lower device id.
    let lowest = devices.iter().min().unwrap().clone();
    let chief = devices.iter().position(|d| *d == lowest).unwrap();
    let other = 1 - chief;
    for i in [0, 1] {
        let n = nodes[i].as_ref().unwrap();
        eventually(
            Duration::from_secs(30),
            "the authority is known",
            || async {
                let labels = authority(&client, n, &desks[i]).await;
                labels["basis"] == "chosen" && labels["device"] == lowest.as_str()
            },
        )
        .await;
        let labels = authority(&client, n, &desks[i]).await;
        assert_eq!(labels["this_node"], i == chief, "{labels}");
        assert_eq!(labels["conflict"], false, "{labels}");
    }
    // The other node gets a block from the chosen one: it too gives unmarked numbers.
    let follower = nodes[other].as_ref().unwrap();
    let taken = AtomicUsize::new(0);
    eventually(
        Duration::from_secs(30),
        "the follower's first block",
        || async {
            taken.fetch_add(1, Ordering::SeqCst);
            !marked(&take(&client, follower).await)
        },
    )
    .await;
    let tickets = taken.load(Ordering::SeqCst) + 2 + 3 * 3;
    for n in nodes.iter().flatten() {
        take(&client, n).await;
    }

    // Cut: the chosen node goes away and the other issues; then the other way round,
    // each starting again while the other is down.
    nodes[chief].take().unwrap().stop();
    for _ in 0..3 {
        take(&client, nodes[other].as_ref().unwrap()).await;
    }
    nodes[other].take().unwrap().kill9();
    nodes[chief] = Some(start(chief));
    let alone = nodes[chief].as_ref().unwrap();
    desks[chief] = alone.login(&client, "desk").await;
    // It still knows it is the authority: its numbers are the clinic's series.
    let labels = authority(&client, alone, &desks[chief]).await;
    assert_eq!(labels["this_node"], true, "{labels}");
    for _ in 0..3 {
        let label = take(&client, alone).await;
        assert!(!marked(&label), "the authority gave {label} while alone");
    }
    nodes[other] = Some(start(other));
    let back = nodes[other].as_ref().unwrap();
    desks[other] = back.login(&client, "desk").await;
    for _ in 0..3 {
        take(&client, back).await;
    }

    // Heal: both hold the same tickets, no label twice, and one authority everywhere.
    let (x, y) = (nodes[0].as_ref().unwrap(), nodes[1].as_ref().unwrap());
    eventually(
        Duration::from_secs(30),
        "both nodes hold the same tickets",
        || async {
            let (bx, by) = (
                board(&client, x, &desks[0]).await,
                board(&client, y, &desks[1]).await,
            );
            bx.len() == tickets && bx == by
        },
    )
    .await;
    let seen = board(&client, x, &desks[0]).await;
    let labels: HashSet<_> = seen.values().map(|(l, _, _)| l.clone()).collect();
    assert_eq!(
        labels.len(),
        seen.len(),
        "a label was given twice: {seen:?}"
    );
    for (i, n) in nodes.iter().flatten().enumerate() {
        let labels = authority(&client, n, &desks[i]).await;
        assert_eq!(labels["claims"], serde_json::json!([lowest]), "{labels}");
        assert_eq!(labels["conflict"], false, "{labels}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_has_not_heard_from_its_peer_gives_device_marked_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (free_port(), free_port());
    let client = reqwest::Client::new();
    // B is not running: A cannot know whether B's device id is the lower.
    let a = node(&dir.path().join("a"), pa, &[pb], None);
    let desk = a.login(&client, "desk").await;
    let me = device(&client, &a, &desk).await;
    let label = take(&client, &a).await;
    assert_eq!(label, format!("A-{}-001", me[..4].to_uppercase()));
    let labels = authority(&client, &a, &desk).await;
    assert_eq!(labels["basis"], "undecided", "{labels}");
    assert_eq!(labels["marked_only"], true, "{labels}");
    assert_eq!(
        labels["waiting_for"],
        serde_json::json!([format!("http://127.0.0.1:{pb}")]),
        "{labels}"
    );

    // Once B has answered, A gives the clinic's numbers.
    let _b = node(&dir.path().join("b"), pb, &[pa], None);
    eventually(
        Duration::from_secs(30),
        "an unmarked number on A",
        || async { !marked(&take(&client, &a).await) },
    )
    .await;
    assert_eq!(authority(&client, &a, &desk).await["basis"], "chosen");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_authority_is_reported_on_every_node_and_stops_unmarked_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb, pc) = (free_port(), free_port(), free_port());
    let client = reqwest::Client::new();
    // A and B each run alone, so each is its own authority; C takes its labels from A
    // and syncs with both, so each learns of the other's claim.
    let a = node(&dir.path().join("a"), pa, &[], None);
    let desk_a = a.login(&client, "desk").await;
    assert_eq!(take(&client, &a).await, "A-001");
    let b = node(&dir.path().join("b"), pb, &[], None);
    let c = node(&dir.path().join("c"), pc, &[pa, pb], Some(pa));
    let (desk_b, desk_c) = (
        b.login(&client, "desk").await,
        c.login(&client, "desk").await,
    );
    let (dev_a, dev_b) = (
        device(&client, &a, &desk_a).await,
        device(&client, &b, &desk_b).await,
    );
    let mut both = vec![dev_a.clone(), dev_b.clone()];
    both.sort();
    for (n, desk) in [(&a, &desk_a), (&b, &desk_b), (&c, &desk_c)] {
        eventually(
            Duration::from_secs(30),
            "the second authority is reported",
            || async {
                let labels = authority(&client, n, desk).await;
                labels["conflict"] == true && labels["claims"] == serde_json::json!(both)
            },
        )
        .await;
        assert_eq!(authority(&client, n, desk).await["marked_only"], true);
        let label = take(&client, n).await;
        assert!(marked(&label), "{label} given while two authorities claim");
    }

    // The fix: B takes its labels from A. Restarted so, it withdraws its claim, and A
    // gives the clinic's numbers again.
    b.stop();
    let _b = node(&dir.path().join("b"), pb, &[], Some(pa));
    eventually(Duration::from_secs(30), "the dispute is over", || async {
        let labels = authority(&client, &a, &desk_a).await;
        labels["conflict"] == false && labels["claims"] == serde_json::json!([dev_a])
    })
    .await;
    assert_eq!(take(&client, &a).await, "A-002");
}

#[tokio::test(flavor = "multi_thread")]
async fn desk_bookings_are_counted_by_the_authority_and_a_node_cut_off_books_only_its_reserve_or_overbookings()
 {
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<PathBuf> = ["a", "b"].iter().map(|n| dir.path().join(n)).collect();
    let ports = [free_port(), free_port()];
    let start = |i: usize| node(&data[i], ports[i], &[ports[1 - i]], None);
    let client = reqwest::Client::new();
    let mut nodes = [Some(start(0)), Some(start(1))];
    let (mut desks, devices) = desks_and_devices(&client, &nodes).await;
    let lowest = devices.iter().min().unwrap().clone();
    let chief = devices.iter().position(|d| *d == lowest).unwrap();
    let other = 1 - chief;
    for i in [0, 1] {
        let n = nodes[i].as_ref().unwrap();
        eventually(
            Duration::from_secs(30),
            "the authority is known",
            || async { authority(&client, n, &desks[i]).await["device"] == lowest.as_str() },
        )
        .await;
    }
    // One desk place per 5-minute slot, every day, set at the authority; tomorrow's
    // 09:00 is the slot both desks want.
    let admin = nodes[chief].as_ref().unwrap().login(&client, "admin").await;
    let (status, body) = post(
        &client,
        nodes[chief].as_ref().unwrap(),
        &admin,
        Method::PUT,
        "/api/v1/services/A/schedule",
        &medicloud_testkit::slots::all_day_schedule(1),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(7 + 24))
        .date_naive()
        .to_string();
    let at = |slot: &str| serde_json::json!({"service": "A", "date": tomorrow, "slot_start": slot});

    // The follower's desk books through the authority: the authority counts it at once,
    // so its own desk finds the slot full, whatever the sync has carried yet.
    let follower = nodes[other].as_ref().unwrap();
    let (status, booked) = post(
        &client,
        follower,
        &desks[other],
        Method::POST,
        "/api/v1/appointments",
        &at("09:00"),
    )
    .await;
    assert_eq!(
        (status, booked["overbooked"].as_bool()),
        (201, None),
        "{booked}"
    );
    let (status, refused) = post(
        &client,
        nodes[chief].as_ref().unwrap(),
        &desks[chief],
        Method::POST,
        "/api/v1/appointments",
        &at("09:00"),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("slot_full")),
        "{refused}"
    );
    // The authority's refusal reaches the follower's desk as it is.
    let (status, refused) = post(
        &client,
        follower,
        &desks[other],
        Method::POST,
        "/api/v1/appointments",
        &at("09:00"),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("slot_full")),
        "{refused}"
    );

    // The authority has escrowed one desk place of tomorrow to the follower (its
    // `--desk-reserve`, 1 by default): taken for everyone, the follower's to book cut off.
    let reserved = |slots: &serde_json::Value| -> Vec<String> {
        slots
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["reserved"].as_u64() == Some(1))
            .map(|s| s["start"].as_str().unwrap()[..5].to_owned())
            .collect()
    };
    let slots_path = format!("/api/v1/slots?service=A&date={tomorrow}");
    let mut reserve = Vec::new();
    for _ in 0..300 {
        reserve = reserved(&get(&client, follower, &desks[other], &slots_path).await);
        if !reserve.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        reserve.len(),
        1,
        "the follower holds one reserve of tomorrow"
    );
    let reserve = reserve.remove(0);
    assert_ne!(reserve, "09:00");

    // Cut: the authority goes away. The follower books nothing on its own count, not
    // even a slot it sees free, but its reserve; ticked as an overbooking it does,
    // marked so.
    nodes[chief].take().unwrap().stop();
    let follower = nodes[other].as_ref().unwrap();
    let (status, into_reserve) = post(
        &client,
        follower,
        &desks[other],
        Method::POST,
        "/api/v1/appointments",
        &at(&reserve),
    )
    .await;
    assert_eq!(
        (status, into_reserve["overbooked"].as_bool()),
        (201, None),
        "cut off, the follower books its reserve within capacity: {into_reserve}"
    );
    let (status, refused) = post(
        &client,
        follower,
        &desks[other],
        Method::POST,
        "/api/v1/appointments",
        &at(&reserve),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("booking_authority_unreachable")),
        "a reserve is used once: {refused}"
    );
    let (status, refused) = post(
        &client,
        follower,
        &desks[other],
        Method::POST,
        "/api/v1/appointments",
        &at("10:00"),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("booking_authority_unreachable")),
        "{refused}"
    );
    let mut confirmed = at("10:00");
    confirmed["confirm_overbooking"] = true.into();
    let (status, over) = post(
        &client,
        follower,
        &desks[other],
        Method::POST,
        "/api/v1/appointments",
        &confirmed,
    )
    .await;
    assert_eq!(
        (status, over["overbooked"].as_bool()),
        (201, Some(true)),
        "{over}"
    );

    // Meanwhile the authority, back alone while the follower is away, books 10:00 too.
    nodes[other].take().unwrap().stop();
    nodes[chief] = Some(start(chief));
    let alone = nodes[chief].as_ref().unwrap();
    desks[chief] = alone.login(&client, "desk").await;
    let (status, body) = post(
        &client,
        alone,
        &desks[chief],
        Method::POST,
        "/api/v1/appointments",
        &at("10:00"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // The follower's reserve is no place of the authority's desk.
    let (status, refused) = post(
        &client,
        alone,
        &desks[chief],
        Method::POST,
        "/api/v1/appointments",
        &at(&reserve),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("slot_full")),
        "{refused}"
    );

    // Heal: both list the same bookings, and the only slot above its one place is the
    // one with the confirmed overbooking.
    nodes[other] = Some(start(other));
    desks[other] = nodes[other].as_ref().unwrap().login(&client, "desk").await;
    let (x, y) = (nodes[0].as_ref().unwrap(), nodes[1].as_ref().unwrap());
    let mut want = vec![
        ("09:00".to_owned(), false),
        ("10:00".to_owned(), false),
        ("10:00".to_owned(), true),
        (reserve.clone(), false),
    ];
    want.sort();
    eventually(
        Duration::from_secs(30),
        "both nodes list the same bookings",
        || async {
            live_bookings(&client, x, &desks[0], &tomorrow).await == want
                && live_bookings(&client, y, &desks[1], &tomorrow).await == want
        },
    )
    .await;
    let slots = get(
        &client,
        x,
        &desks[0],
        &format!("/api/v1/slots?service=A&date={tomorrow}"),
    )
    .await;
    for slot in slots.as_array().unwrap() {
        let (booked, reserved, places, over) = (
            slot["booked"].as_u64().unwrap(),
            slot["reserved"].as_u64().unwrap(),
            slot["places"].as_u64().unwrap(),
            slot["overbooked"].as_u64().unwrap(),
        );
        assert!(
            booked + reserved <= places + over,
            "a slot above capacity without a confirmed overbooking: {slot}"
        );
        if slot["start"].as_str().unwrap().starts_with(&reserve) {
            assert_eq!(
                (booked, reserved),
                (1, 0),
                "the reserve became the booking: {slot}"
            );
        }
    }
}
