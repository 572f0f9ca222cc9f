//! Appointments that hold, over real HTTP against the `medicloud demo` binary: places per
//! slot (also under concurrent bookings), no past times in the clinic's zone, cancel and
//! move, the list of any day, the desk cancelling and issuing tickets, and a checked-in
//! appointment called ahead of walk-ins.

use crate::util::DemoProcess;
use chrono::{Duration, NaiveDate, Timelike, Utc};
use medicloud_testkit::slots;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// The demo clinic is in Asia/Jakarta (UTC+7, no summer time).
fn jakarta_now() -> chrono::NaiveDateTime {
    (Utc::now() + Duration::hours(7)).naive_utc()
}

fn day(offset: i64) -> NaiveDate {
    jakarta_now().date() + Duration::days(offset)
}

struct Desk<'a> {
    client: Client,
    demo: &'a DemoProcess,
    token: String,
}

impl Desk<'_> {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = self.demo.url(path);
        let req = match method {
            "GET" => self.client.get(url),
            "PUT" => self.client.put(url),
            _ => self.client.post(url),
        }
        .bearer_auth(&self.token);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn book(&self, date: NaiveDate, start: &str) -> (StatusCode, Value) {
        let body = json!({"service": "A", "date": date.to_string(), "slot_start": start});
        self.send("POST", "/api/v1/appointments", Some(body)).await
    }

    /// `(start, booked, places)` of the slot at `start`.
    async fn fill(&self, date: NaiveDate, start: &str) -> (u64, u64) {
        let (status, slots) = self
            .send("GET", &format!("/api/v1/slots?service=A&date={date}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{slots}");
        let slot = slots
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["start"].as_str().unwrap().starts_with(start))
            .unwrap_or_else(|| panic!("no slot {start} in {slots}"));
        (
            slot["booked"].as_u64().unwrap(),
            slot["places"].as_u64().unwrap(),
        )
    }

    /// The booking codes listed for `date`, with their status.
    async fn listed(&self, date: NaiveDate) -> Vec<(String, String)> {
        let (status, list) = self
            .send("GET", &format!("/api/v1/appointments?date={date}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["code"].as_str().unwrap().to_owned(),
                    a["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

async fn desk_of<'a>(demo: &'a DemoProcess, user: &str) -> Desk<'a> {
    let client = english_client();
    let token = demo.login(&client, user).await;
    Desk {
        client,
        demo,
        token,
    }
}

/// Poli Umum with two desk places per 30-minute slot, 08:00 to 12:00 every day (so the
/// tests hold whatever day they run), none online.
async fn two_places_per_slot(demo: &DemoProcess) {
    let admin = desk_of(demo, "admin").await;
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let schedule = json!({
        "hours": days.map(|day| json!({"day": day, "opens": "08:00", "closes": "12:00"})),
        "slot_minutes": 30, "places_per_slot": 2, "online_places": 0,
    });
    let (status, body) = admin
        .send("PUT", "/api/v1/services/A/schedule", Some(schedule))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Poli Umum open all day every day in 5-minute slots of 4 places, so a test can book
/// the slot that starts next whenever it runs.
async fn five_minute_slots(demo: &DemoProcess) {
    let admin = desk_of(demo, "admin").await;
    let (status, body) = admin
        .send(
            "PUT",
            "/api/v1/services/A/schedule",
            Some(slots::all_day_schedule(4)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The next 5-minute slot in the demo clinic's zone (Asia/Jakarta, UTC+7).
async fn next_five_minute_slot() -> (NaiveDate, String) {
    slots::next_five_minute_slot(7).await
}

#[tokio::test]
async fn a_slot_takes_its_places_and_no_more_and_a_cancellation_or_move_frees_one() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    two_places_per_slot(&demo).await;
    let desk = desk_of(&demo, "desk").await;
    let tomorrow = day(1);
    assert_eq!(desk.fill(tomorrow, "09:00").await, (0, 2));
    let (_, first) = desk.book(tomorrow, "09:00").await;
    let (status, second) = desk.book(tomorrow, "09:00").await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let (status, err) = desk.book(tomorrow, "09:00").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("slot_full"))
    );
    assert_eq!(desk.fill(tomorrow, "09:00").await, (2, 2));

    // Cancelled with a reason: the place is free again; twice is refused.
    let cancel = format!(
        "/api/v1/appointments/{}/cancel",
        first["id"].as_str().unwrap()
    );
    let (status, body) = desk
        .send("POST", &cancel, Some(json!({"reason": "   "})))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
    let (status, cancelled) = desk
        .send("POST", &cancel, Some(json!({"reason": "pasien dirujuk"})))
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (status, again) = desk
        .send("POST", &cancel, Some(json!({"reason": "lagi"})))
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("appointment_cancelled"))
    );
    assert_eq!(desk.fill(tomorrow, "09:00").await, (1, 2));
    let (status, third) = desk.book(tomorrow, "09:00").await;
    assert_eq!(status, StatusCode::CREATED, "{third}");

    // Moving into the full slot is refused; to another day it keeps its code.
    let (_, elsewhere) = desk.book(tomorrow, "10:00").await;
    let move_path = format!(
        "/api/v1/appointments/{}/move",
        elsewhere["id"].as_str().unwrap()
    );
    let (status, err) = desk
        .send(
            "POST",
            &move_path,
            Some(json!({"date": tomorrow.to_string(), "slot_start": "09:00"})),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("slot_full"))
    );
    let later = day(3);
    let (status, moved) = desk
        .send(
            "POST",
            &move_path,
            Some(json!({"date": later.to_string(), "slot_start": "11:30"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (moved["code"].clone(), moved["slot_start"].as_str()),
        (elsewhere["code"].clone(), Some("11:30:00"))
    );
    let code = |v: &Value| v["code"].as_str().unwrap().to_owned();
    assert_eq!(
        desk.listed(later).await,
        [(code(&elsewhere), "booked".into())]
    );
    let tomorrow_list = desk.listed(tomorrow).await;
    assert!(!tomorrow_list.iter().any(|(c, _)| *c == code(&elsewhere)));
    assert!(tomorrow_list.contains(&(code(&first), "cancelled".into())));
    assert_eq!(desk.fill(tomorrow, "10:00").await, (0, 2));

    // The trail says who cancelled which appointment, and why.
    let admin = desk_of(&demo, "admin").await;
    let (_, trail) = admin
        .send("GET", "/api/v1/audit?action=appointment_cancelled", None)
        .await;
    assert_eq!(trail[0]["subject"], "pasien dirujuk", "{trail}");
    demo.stop();
}

#[tokio::test]
async fn concurrent_bookings_at_one_slot_never_overbook_it() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    two_places_per_slot(&demo).await;
    let desk = desk_of(&demo, "desk").await;
    let date = day(2);
    let attempts = (0..12).map(|_| desk.book(date, "08:30"));
    let results = futures::future::join_all(attempts).await;
    let mut statuses: Vec<(u16, String)> = results
        .iter()
        .map(|(s, b)| (s.as_u16(), b["code"].as_str().unwrap_or("").to_owned()))
        .collect();
    statuses.sort();
    let created = statuses.iter().filter(|(s, _)| *s == 201).count();
    let full = statuses
        .iter()
        .filter(|(s, c)| *s == 409 && c == "slot_full")
        .count();
    assert_eq!((created, full), (2, 10), "{statuses:?}");
    assert_eq!(desk.fill(date, "08:30").await, (2, 2));
    assert_eq!(desk.listed(date).await.len(), 2);
    demo.stop();
}

#[tokio::test]
async fn times_past_in_the_clinic_are_refused_and_any_day_can_be_listed() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let desk = desk_of(&demo, "desk").await;
    // 00:00 is a slot of this schedule, so it is refused for being past, not for being
    // outside the hours.
    five_minute_slots(&demo).await;
    let now = jakarta_now();
    let today = now.date();
    // The message names the field as the desk does ("Date", "Time" for `slot_start`).
    for (date, start, field) in [
        (today - Duration::days(1), "09:00", "Date: "),
        (today, "00:00", "Time: "),
    ] {
        if field == "Time: " && now.hour() == 0 && now.minute() == 0 {
            continue; // at midnight itself 00:00 has not passed yet
        }
        let (status, err) = desk.book(date, start).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
            "{date} {start}"
        );
        assert!(err["message"].as_str().unwrap().starts_with(field), "{err}");
    }
    // The next slot is open; without a date the list is today's in the clinic.
    let (today, start) = next_five_minute_slot().await;
    let (status, booked) = desk.book(today, &start).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let (_, list) = desk.send("GET", "/api/v1/appointments", None).await;
    assert_eq!(list[0]["code"], booked["code"]);
    assert_eq!(desk.listed(day(30)).await, Vec::<(String, String)>::new());
    demo.stop();
}

#[tokio::test]
async fn a_checked_in_appointment_is_called_ahead_of_walk_ins() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let client = english_client();
    let desk = desk_of(&demo, "desk").await;
    five_minute_slots(&demo).await;
    let (today, start) = next_five_minute_slot().await;
    let (status, booked) = desk.book(today, &start).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    for _ in 0..3 {
        assert_eq!(demo.take(&client, "A").await.status(), StatusCode::CREATED);
    }
    let res = client
        .post(demo.url("/api/v1/tickets"))
        .bearer_auth(&demo.kiosk)
        .json(&json!({"appointment_code": booked["code"]}))
        .send()
        .await
        .unwrap();
    let checked_in: Value = res.json().await.unwrap();
    assert_eq!(checked_in["position"], 1, "{checked_in}");
    let (status, called) = desk
        .send("POST", "/api/v1/counters/loket-1/call-next", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{called}");
    assert_eq!(called["id"], checked_in["id"]);
    let (_, list) = desk.send("GET", "/api/v1/appointments", None).await;
    assert_eq!(list[0]["status"], "checked_in");
    // A checked-in appointment is not cancelled or moved behind its ticket's back.
    let cancel = format!(
        "/api/v1/appointments/{}/cancel",
        booked["id"].as_str().unwrap()
    );
    let (status, err) = desk
        .send("POST", &cancel, Some(json!({"reason": "salah"})))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_checked_in"))
    );
    demo.stop();
}

#[tokio::test]
async fn the_desk_issues_and_cancels_tickets_and_a_cancelled_one_leaves_queue_and_display() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let desk = desk_of(&demo, "desk").await;
    // For a patient who cannot use the kiosk.
    let (status, first) = desk
        .send("POST", "/api/v1/tickets", Some(json!({"service": "A"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, second) = desk
        .send("POST", "/api/v1/tickets", Some(json!({"service": "A"})))
        .await;
    let (_, called) = desk
        .send("POST", "/api/v1/counters/loket-1/call-next", None)
        .await;
    assert_eq!(called["id"], first["id"]);
    let cancel = |t: &Value| format!("/api/v1/tickets/{}/cancel", t["id"].as_str().unwrap());

    let doctor = desk_of(&demo, "doctor").await;
    let (status, _) = doctor
        .send("POST", &cancel(&second), Some(json!({"reason": "pulang"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = desk
        .send("POST", &cancel(&second), Some(json!({"reason": "a\nb"})))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
    for t in [&first, &second] {
        let (status, body) = desk
            .send("POST", &cancel(t), Some(json!({"reason": "pasien pulang"})))
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("cancelled")),
            "{body}"
        );
    }
    let (status, err) = desk
        .send("POST", &cancel(&first), Some(json!({"reason": "lagi"})))
        .await;
    assert_eq!(
        (status, err["code"].as_str(), err["message"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("invalid_transition"),
            Some("cannot cancel a ticket that is cancelled")
        )
    );
    let (_, waiting) = desk
        .send("GET", "/api/v1/tickets?status=waiting", None)
        .await;
    assert_eq!(waiting, json!([]));
    let (_, calls) = desk.send("GET", "/api/v1/calls", None).await;
    assert_eq!(calls, json!([]), "the cancelled call left the display");
    // A finished ticket cannot be cancelled (the laboratory: a visit of one step).
    let (_, third) = desk
        .send("POST", "/api/v1/tickets", Some(json!({"service": "L"})))
        .await;
    desk.send("POST", "/api/v1/counters/lab/call-next", None)
        .await;
    let done = format!("/api/v1/tickets/{}/complete", third["id"].as_str().unwrap());
    desk.send("POST", &done, None).await;
    let (status, _) = desk
        .send("POST", &cancel(&third), Some(json!({"reason": "x"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let admin = desk_of(&demo, "admin").await;
    let (_, trail) = admin.send("GET", "/api/v1/audit?action=cancel", None).await;
    let reasons: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["subject"].as_str())
        .collect();
    // Each names the ticket by its label, then the desk's reason.
    assert_eq!(reasons.len(), 2, "{trail}");
    for subject in reasons {
        let (label, reason) = subject.split_once(": ").unwrap();
        assert!(label.starts_with("A-"), "{subject}");
        assert_eq!(reason, "pasien pulang");
    }
    demo.stop();
}

/// A client that asks for answers in English (the node's default is Bahasa Indonesia),
/// so the messages checked here read as written.
fn english_client() -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static("en"),
    );
    Client::builder().default_headers(headers).build().unwrap()
}
