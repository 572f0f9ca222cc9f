//! Online booking across real processes: `medicloud cloud` (two of them on one
//! PostgreSQL) and a `medicloud demo` node enrolled to the cloud.
//!
//! - 100 patients at once for the last 10 online places of a slot, through two cloud
//!   processes: 10 booked, 90 `slot_full`, and the database holds those 10 only.
//! - A booking made online reaches the node; the cloud goes away (the clinic's
//!   internet is cut); the patient checks in at the kiosk with the code and is called
//!   ahead of the walk-ins who came earlier, as `core::queue` orders an appointment
//!   within its window.
//!
//! The clinic's zone is chosen so that it is about noon there whatever hour the tests
//! run, and Poli Umum takes appointments every day: nothing depends on the weekday or
//! the time of day (the demo's own schedule is Monday to Saturday 08:00–14:00).

use crate::util::{Cloud, DemoProcess, add_demo_clinic, cloud_admin, eventually, free_port};
use chrono::{DateTime, FixedOffset, Timelike, Utc};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// A zone where it is between 12:00 and 13:00 now (`Etc/GMT-5` is UTC+5), and its
/// offset (the `Etc/GMT` zones have no summer time).
fn noon_zone() -> (String, FixedOffset) {
    let offset = 12 - Utc::now().hour() as i32;
    let name = match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    (name, FixedOffset::east_opt(offset * 3600).unwrap())
}

/// Sets the demo node's clinic in [`noon_zone`] and Poli Umum (A) open every day
/// 06:00–20:00 in `minutes`-minute slots of `places`, `online` of them online.
async fn set_up(node: &DemoProcess, minutes: u16, places: u16, online: u16) -> FixedOffset {
    let client = reqwest::Client::new();
    let admin = node.login(&client, "admin").await;
    let (zone, offset) = noon_zone();
    let res = client
        .put(node.url("/api/v1/clinic"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Klinik Sehat Sentosa", "time_zone": zone}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let schedule = json!({
        "hours": days.map(|day| json!({"day": day, "opens": "06:00", "closes": "20:00"})),
        "slot_minutes": minutes, "places_per_slot": places, "online_places": online,
    });
    let res = client
        .put(node.url("/api/v1/services/A/schedule"))
        .bearer_auth(&admin)
        .json(&schedule)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    offset
}

/// A patient's client, from a loopback address of its own (the cloud's rate limit
/// counts addresses).
fn patient(n: usize) -> reqwest::Client {
    let ip = Ipv4Addr::new(127, 0, 5 + (n / 250) as u8, (n % 250) as u8 + 1);
    reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .build()
        .unwrap()
}

/// `(start, free)` of the clinic's slots of A on `date`, from the cloud at `base`.
async fn slots(
    client: &reqwest::Client,
    base: &str,
    clinic: &str,
    date: &str,
) -> Vec<(String, u64)> {
    let res = client
        .get(format!(
            "{base}/api/v1/public/clinics/{clinic}/slots?service=A&date={date}"
        ))
        .send()
        .await
        .unwrap();
    if !res.status().is_success() {
        return Vec::new(); // the clinic's schedule has not reached the cloud yet
    }
    let slots: Value = res.json().await.unwrap();
    slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_owned(),
                s["free"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn book(
    client: &reqwest::Client,
    base: &str,
    clinic: &str,
    start: &str,
    n: usize,
) -> (u16, Value) {
    let res = client
        .post(format!("{base}/api/v1/public/bookings"))
        .json(&json!({
            "clinic": clinic, "service": "A", "start": start,
            "name": format!("Pasien {n}"), "phone": format!("0812{:08}", n),
            "consent_messages": false,
        }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_patients_for_the_last_ten_online_places_through_two_clouds_book_ten() {
    let admin_url = medicloud_testkit::postgres::admin_url();
    let admin = match tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
        }
        Err(e) => return medicloud_testkit::postgres::unreachable(&admin_url, &e),
    };
    let name = format!("medicloud_booking_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let database = medicloud_testkit::postgres::database_url(&admin_url, &name);
    let clinic = add_demo_clinic(&database);
    let (listen_a, listen_b) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let (a, b) = (format!("http://{listen_a}"), format!("http://{listen_b}"));
    let cloud_a = Cloud::start(&database, &listen_a);
    let cloud_b = Cloud::start(&database, &listen_b);

    // The clinic's node sets the schedule (10 online places a slot) and syncs it up.
    let dir = tempfile::tempdir().unwrap();
    let code = cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
    let node = DemoProcess::start_env(
        &dir.path().join("node"),
        &["--cloud", &a, "--enrol", &code],
        &[],
    );
    let zone = set_up(&node, 15, 12, 10).await;
    let tomorrow = (Utc::now().with_timezone(&zone) + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let start = format!("{tomorrow}T09:00:00{zone}");
    let probe = patient(0);
    eventually(
        Duration::from_secs(60),
        "the schedule reaches the cloud",
        || async {
            slots(&probe, &b, &clinic, &tomorrow)
                .await
                .iter()
                .any(|(s, free)| *s == start && *free == 10)
        },
    )
    .await;

    // 100 patients at once, half through each cloud process.
    let attempts = (1..=100).map(|n| {
        let (base, clinic, start) = (if n % 2 == 0 { &a } else { &b }, &clinic, &start);
        async move { book(&patient(n), base, clinic, start, n).await }
    });
    let answers = futures::future::join_all(attempts).await;
    let booked: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b)
        .collect();
    let full = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "slot_full")
        .count();
    assert_eq!(
        (booked.len(), full),
        (10, 90),
        "{:?}",
        answers
            .iter()
            .filter(|(s, _)| *s != 409)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        slots(&probe, &a, &clinic, &tomorrow)
            .await
            .iter()
            .find(|(s, _)| *s == start)
            .unwrap()
            .1,
        0
    );

    // What the database holds: 10 live bookings of the slot, in the projection and in
    // the cloud origin's events, each code once.
    let db = match tokio_postgres::connect(&database, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
        }
        Err(e) => panic!("{e}"),
    };
    let projected: Vec<String> = db
        .query(
            "SELECT code FROM appointments
              WHERE clinic_id = $1 AND day = $2 AND NOT cancelled
                AND body::jsonb ->> 'slot_start' = '09:00:00'",
            &[&clinic, &tomorrow],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let origin: String = db
        .query_one(
            "SELECT origin FROM cloud_origins WHERE clinic_id = $1",
            &[&clinic],
        )
        .await
        .unwrap()
        .get(0);
    let events: Vec<String> = db
        .query(
            "SELECT body::jsonb -> 'body' -> 'data' ->> 'code' FROM events
              WHERE clinic = $1 AND origin = $2
                AND body::jsonb -> 'body' ->> 'kind' = 'appointment_booked'",
            &[&clinic, &origin],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut answered: Vec<String> = booked
        .iter()
        .map(|b| b["code"].as_str().unwrap().to_owned())
        .collect();
    let (mut projected, mut events) = (projected, events);
    for list in [&mut answered, &mut projected, &mut events] {
        list.sort();
    }
    assert_eq!(answered.len(), 10);
    assert_eq!(projected, answered, "the projection holds the 10 answered");
    assert_eq!(events, answered, "the cloud's events hold the 10 answered");
    let mut unique = answered.clone();
    unique.dedup();
    assert_eq!(unique.len(), 10, "each code once");
    // The cloud origin's series has no gap: a patient record and a booking each, and
    // the desk reserves the cloud escrowed to the node (it hands out the labels).
    let row = db
        .query_one(
            "SELECT count(*), max(seq), (SELECT last_seq FROM cloud_origins WHERE clinic_id = $1),
                    count(*) FILTER (WHERE body::jsonb -> 'body' ->> 'kind'
                                     IN ('patient_set', 'appointment_booked'))
               FROM events WHERE clinic = $1 AND origin = $2",
            &[&clinic, &origin],
        )
        .await
        .unwrap();
    let (count, max, last, booking): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((count, max), (last, last), "no gap");
    assert_eq!(booking, 20);
    drop((node, cloud_a, cloud_b, db));
    let _ = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_made_online_is_checked_in_at_the_kiosk_with_the_internet_cut_and_called_first() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cloud.sqlite").display());
    let clinic = add_demo_clinic(&database);
    let listen = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{listen}");
    let cloud = Cloud::start(&database, &listen);
    let code = cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
    let node = DemoProcess::start_env(
        &dir.path().join("node"),
        &["--cloud", &base, "--enrol", &code],
        &[],
    );
    let client = reqwest::Client::new();
    let desk = node.login(&client, "desk").await;
    // 5-minute slots: the next one starts within 5 minutes, inside the window in which
    // a checked-in appointment is on time (15 minutes before its start to 30 after).
    let zone = set_up(&node, 5, 4, 2).await;
    let today = Utc::now().with_timezone(&zone).date_naive().to_string();
    let probe = patient(200);
    // The zone's change and the schedule reach the cloud: today's slots are noon's.
    let began = std::time::Instant::now();
    let open = loop {
        let open = slots(&probe, &base, &clinic, &today).await;
        if open
            .first()
            .is_some_and(|(start, _)| DateTime::parse_from_rfc3339(start).unwrap().hour() >= 12)
        {
            break open;
        }
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "today's slots in the cloud: {open:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let start = open[0].0.clone();
    let (status, booked) = book(&probe, &base, &clinic, &start, 7).await;
    assert_eq!(status, 201, "{booked}");
    let booking_code = booked["code"].as_str().unwrap().to_owned();

    // Walk-ins come first.
    let mut walk_ins = Vec::new();
    for _ in 0..3 {
        let res = node.take(&client, "A").await;
        assert_eq!(res.status(), 201);
        let t: Value = res.json().await.unwrap();
        walk_ins.push(t["id"].as_str().unwrap().to_owned());
    }
    // The booking reaches the node.
    eventually(
        Duration::from_secs(60),
        "the booking on the node",
        || async {
            let list: Value = client
                .get(node.url(&format!("/api/v1/appointments?date={today}")))
                .bearer_auth(&desk)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            list.as_array()
                .unwrap()
                .iter()
                .any(|a| a["code"] == booking_code.as_str() && a["channel"] == "online")
        },
    )
    .await;

    // The internet is cut: the cloud goes away, and the node sees it gone.
    drop(cloud);
    eventually(
        Duration::from_secs(60),
        "the node sees the cloud gone",
        || async {
            let status: Value = client
                .get(node.url("/api/v1/sync/status"))
                .bearer_auth(&desk)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            status["links"][0]["kind"] == "cloud" && status["links"][0]["reachable"] == false
        },
    )
    .await;

    // The kiosk checks the patient in with the code (typed as a patient would).
    let typed = format!(
        "{}-{}",
        &booking_code[..3].to_lowercase(),
        &booking_code[3..]
    );
    let res = client
        .post(node.url("/api/v1/tickets"))
        .bearer_auth(&node.kiosk)
        .json(&json!({"appointment_code": typed}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["position"], 1, "ahead of the 3 walk-ins: {ticket}");

    // The desk's next call is the checked-in patient, then the walk-ins in their order.
    let mut called = Vec::new();
    for _ in 0..4 {
        let res = client
            .post(node.url("/api/v1/counters/loket-1/call-next"))
            .bearer_auth(&desk)
            .json(&json!({"current": "complete"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let t: Value = res.json().await.unwrap();
        called.push(t["id"].as_str().unwrap().to_owned());
    }
    let mut expected = vec![ticket["id"].as_str().unwrap().to_owned()];
    expected.extend(walk_ins);
    assert_eq!(called, expected);
    let list: Value = client
        .get(node.url(&format!("/api/v1/appointments?date={today}")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let appointment = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == booking_code.as_str())
        .unwrap();
    assert_eq!(appointment["status"], "checked_in", "{appointment}");
    assert_eq!(appointment["patient_name"], "Pasien 7");
    node.stop();
}
