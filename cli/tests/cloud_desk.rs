//! Two demo nodes of a clinic whose labels the cloud hands out, joined only through a
//! cloud process: the cloud counts their desk share, escrows a desk place to each, and
//! while the cloud is away each books only into its reserve or a confirmed
//! overbooking; after the heal no slot is above capacity without one.

use crate::util::{
    Cloud, DemoProcess, add_demo_clinic, cloud_admin, eventually, get, live_bookings, post,
};
use serde_json::{Value, json};
use std::time::Duration;

/// The starts (`HH:MM`) of the slots with a desk place held in reserve.
fn reserved(slots: &Value) -> Vec<String> {
    slots
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reserved"].as_u64().unwrap_or(0) > 0)
        .map(|s| s["start"].as_str().unwrap()[..5].to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn desk_bookings_of_a_cloud_label_clinic_are_counted_by_the_cloud_and_hold_across_its_absence()
 {
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cloud.sqlite").display());
    let clinic = add_demo_clinic(&database);
    let listen = format!("127.0.0.1:{}", crate::util::free_port());
    let url = format!("http://{listen}");
    let mut cloud = Some(Cloud::start(&database, &listen));
    let mut nodes = Vec::new();
    for i in 0..2 {
        let code = cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
        let data = dir.path().join(format!("node-{i}"));
        nodes.push(DemoProcess::start_with(
            &data,
            &["--cloud", url.as_str(), "--enrol", code.as_str()],
        ));
    }
    let client = reqwest::Client::new();
    let mut desks = Vec::new();
    for n in &nodes {
        desks.push(n.login(&client, "desk").await);
    }
    // One desk place per 5-minute slot, every day, set on the first node; it reaches the
    // second (and the cloud, on the way) before either books.
    let admin = nodes[0].login(&client, "admin").await;
    let (status, body) = post(
        &client,
        &nodes[0],
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
    let slots_path = format!("/api/v1/slots?service=A&date={tomorrow}");
    // Each node holds one reserve of tomorrow (the cloud's default `--desk-reserve`),
    // and sees the other's: two reserved slots on both.
    for (n, desk) in nodes.iter().zip(&desks) {
        eventually(
            Duration::from_secs(60),
            "both reserves reach both nodes",
            || async { reserved(&get(&client, n, desk, &slots_path).await).len() == 2 },
        )
        .await;
    }
    let reserves = reserved(&get(&client, &nodes[1], &desks[1], &slots_path).await);
    assert!(!reserves.contains(&"09:00".to_owned()), "{reserves:?}");
    let at = |slot: &str| json!({"service": "A", "date": tomorrow, "slot_start": slot});

    // Connected: the cloud counts both desks, so the second finds the first's place
    // taken at once, whatever the sync has carried yet.
    let (status, booked) = post(
        &client,
        &nodes[0],
        &desks[0],
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
        &nodes[1],
        &desks[1],
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
    // A reserve is a taken place for every desk while the cloud counts.
    let (status, refused) = post(
        &client,
        &nodes[1],
        &desks[1],
        Method::POST,
        "/api/v1/appointments",
        &at(&reserves[0]),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("slot_full")),
        "{refused}"
    );

    // Cut: the cloud goes away. Each node books within capacity only into its own
    // reserve (one of the two reserved slots; the other's is refused), and otherwise
    // only a confirmed overbooking.
    drop(cloud.take());
    for (n, desk) in nodes.iter().zip(&desks) {
        let mut answers = Vec::new();
        for slot in &reserves {
            let (status, body) = post(
                &client,
                n,
                desk,
                Method::POST,
                "/api/v1/appointments",
                &at(slot),
            )
            .await;
            // A booking has a `code` too: its booking code.
            let refusal = (status != 201).then(|| body["code"].as_str().unwrap().to_owned());
            answers.push((status, refusal));
        }
        answers.sort();
        assert_eq!(
            answers,
            [
                (201, None),
                (409, Some("booking_authority_unreachable".to_owned()))
            ],
            "cut off, a node books its own reserve and not the other's"
        );
        let (status, refused) = post(
            &client,
            n,
            desk,
            Method::POST,
            "/api/v1/appointments",
            &at("10:00"),
        )
        .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("booking_authority_unreachable")),
            "a free slot is not the node's to count: {refused}"
        );
        let mut confirmed = at("10:00");
        confirmed["confirm_overbooking"] = true.into();
        let (status, over) = post(
            &client,
            n,
            desk,
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
    }

    // Heal: the cloud comes back (same address and database); both nodes list the same
    // bookings, and only slots with a confirmed overbooking are above their one place.
    let _cloud = Cloud::start(&database, &listen);
    let mut want = vec![
        ("09:00".to_owned(), false),
        ("10:00".to_owned(), true),
        ("10:00".to_owned(), true),
        (reserves[0].clone(), false),
        (reserves[1].clone(), false),
    ];
    want.sort();
    eventually(
        Duration::from_secs(60),
        "both nodes list the same bookings",
        || async {
            live_bookings(&client, &nodes[0], &desks[0], &tomorrow).await == want
                && live_bookings(&client, &nodes[1], &desks[1], &tomorrow).await == want
        },
    )
    .await;
    for (n, desk) in nodes.iter().zip(&desks) {
        let slots = get(&client, n, desk, &slots_path).await;
        for slot in slots.as_array().unwrap() {
            let (booked, held, places, over) = (
                slot["booked"].as_u64().unwrap(),
                slot["reserved"].as_u64().unwrap(),
                slot["places"].as_u64().unwrap(),
                slot["overbooked"].as_u64().unwrap(),
            );
            assert!(
                booked + held <= places + over,
                "a slot above capacity without a confirmed overbooking: {slot}"
            );
        }
    }
    // Back in reach, the cloud counts again: tomorrow's 09:00 stays full for both.
    for (n, desk) in nodes.iter().zip(&desks) {
        let (status, refused) = post(
            &client,
            n,
            desk,
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
    }
}
