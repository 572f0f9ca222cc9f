//! The HTTP API through the router: the queue's whole day, role boundaries, bad input.

use axum::http::StatusCode;
use medicloud_testkit::TestNode;
use serde_json::{Value, json};

async fn take(n: &TestNode, token: &str, body: Value) -> Value {
    let (status, t) = n
        .call(
            "POST",
            "/api/v1/tickets",
            Some(token),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    t
}

async fn step(
    n: &TestNode,
    token: &str,
    id: &Value,
    action: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/tickets/{}/{action}", id.as_str().unwrap());
    n.call(
        "POST",
        &path,
        Some(token),
        body.map(|b| b.to_string()).as_deref(),
    )
    .await
}

#[tokio::test]
async fn a_walk_in_goes_from_kiosk_to_done() {
    let n = TestNode::start();
    let t = take(&n, &n.kiosk, json!({"service": "A"})).await;
    assert_eq!(
        (t["label"].as_str(), t["status"].as_str()),
        (Some("A-001"), Some("waiting"))
    );
    assert_eq!(
        (t["position"].as_u64(), t["estimated_wait_seconds"].as_u64()),
        (Some(1), Some(0))
    );
    let second = take(&n, &n.kiosk, json!({"service": "A"})).await;
    // One ahead, five minutes each until service times are observed, two lokets register
    // Poli Umum's patients.
    assert_eq!(
        (
            second["position"].as_u64(),
            second["estimated_wait_seconds"].as_u64()
        ),
        (Some(2), Some(150))
    );
    assert_eq!(t["step"], "registration");

    let desk = n.login("desk").await;
    let (status, called) = n
        .call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (called["id"].clone(), called["counter_name"].as_str()),
        (t["id"].clone(), Some("Loket 1"))
    );
    for (action, expect) in [
        ("recall", "called"),
        ("serve", "serving"),
        // Registered: on to the doctor's room, with the same number.
        ("complete", "waiting"),
    ] {
        let (status, body) = step(&n, &desk, &t["id"], action, None).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some(expect)),
            "{action}: {body}"
        );
    }
    let (_, at_room) = n
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", t["id"].as_str().unwrap()),
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(
        (
            at_room["label"].as_str(),
            at_room["step"].as_str(),
            at_room["step_name_id"].as_str(),
            at_room["position"].as_u64(),
            at_room["counter"].as_str(),
        ),
        (
            Some("A-001"),
            Some("room"),
            Some("Ruang Periksa Umum"),
            Some(1),
            None
        )
    );
    // The second ticket moved up in registration's queue.
    let (_, list) = n
        .call("GET", "/api/v1/tickets?status=waiting", Some(&desk), None)
        .await;
    let second_now = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == second["id"])
        .unwrap();
    assert_eq!(
        (second_now["position"].as_u64(), second_now["step"].as_str()),
        (Some(1), Some("registration"))
    );
    // The doctor's room calls the registered patient, and finishes the visit.
    let doctor = n.login("doctor").await;
    let (status, in_room) = n
        .call(
            "POST",
            "/api/v1/counters/ruang-umum/call-next",
            Some(&doctor),
            None,
        )
        .await;
    assert_eq!(
        (status, in_room["id"].clone()),
        (StatusCode::OK, t["id"].clone())
    );
    let (status, body) = step(&n, &doctor, &t["id"], "complete", None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("done"))
    );
    n.call(
        "POST",
        "/api/v1/counters/loket-1/call-next",
        Some(&desk),
        None,
    )
    .await;
    // The second is finished straight from the call, and nobody else waits: the call
    // is refused and changes nothing, the second still at the counter.
    let before = n.state();
    let (status, err) = n
        .call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            Some(r#"{"current": "complete"}"#),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("queue_empty"))
    );
    assert_eq!(n.state(), before);
    let (status, body) = step(&n, &desk, &second["id"], "complete", None).await;
    assert_eq!(
        (status, body["status"].as_str(), body["step"].as_str()),
        (StatusCode::OK, Some("waiting"), Some("room"))
    );
}

/// What the counter holds, as `(label, status)` of its called or serving tickets.
async fn held(n: &TestNode, token: &str, counter: &str) -> Vec<(String, String)> {
    let (_, list) = n.call("GET", "/api/v1/tickets", Some(token), None).await;
    let mut held: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["counter"] == counter && (t["status"] == "called" || t["status"] == "serving")
        })
        .map(|t| {
            (
                t["label"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    held.sort();
    held
}

#[tokio::test]
async fn a_counter_holds_one_patient_and_call_next_says_what_becomes_of_the_last() {
    let n = TestNode::start();
    let labels: Vec<Value> = [0; 4].iter().map(|_| json!({"service": "A"})).collect();
    let mut tickets = Vec::new();
    for body in labels {
        tickets.push(take(&n, &n.kiosk, body).await);
    }
    let desk = n.login("desk").await;
    let call_next = async |body: Option<&str>| {
        n.call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            body,
        )
        .await
    };
    let (status, first) = call_next(None).await;
    assert_eq!(
        (status, first["label"].as_str()),
        (StatusCode::OK, Some("A-001"))
    );

    // N again without a word about A-001: refused, nothing changes, A-001 still held.
    let before = n.state();
    let (status, err) = call_next(None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("counter_busy"))
    );
    assert!(err["message"].as_str().unwrap().contains("A-001"), "{err}");
    assert_eq!(n.state(), before);
    assert_eq!(
        held(&n, &desk, "loket-1").await,
        [("A-001".into(), "called".into())]
    );

    // Nor can a ticket be called to it by hand while it holds one.
    let (status, err) = step(
        &n,
        &desk,
        &tickets[3]["id"],
        "call",
        Some(json!({"counter": "loket-1"})),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("counter_busy"))
    );
    assert_eq!(n.state(), before);

    // Complete it and call the next in one step.
    let (status, second) = call_next(Some(r#"{"current": "complete"}"#)).await;
    assert_eq!(
        (status, second["label"].as_str()),
        (StatusCode::OK, Some("A-002"))
    );
    let (_, a1) = n
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", first["id"].as_str().unwrap()),
            Some(&desk),
            None,
        )
        .await;
    // Completed at registration, A-001 goes on to the doctor's room as "complete" does.
    assert_eq!(
        (a1["status"].as_str(), a1["step"].as_str()),
        (Some("waiting"), Some("room"))
    );
    assert_eq!(
        held(&n, &desk, "loket-1").await,
        [("A-002".into(), "called".into())]
    );

    // A no-show, then a requeue: the requeued patient is not called straight back.
    let (_, third) = call_next(Some(r#"{"current": "no_show"}"#)).await;
    assert_eq!(third["label"], "A-003");
    let (_, fourth) = call_next(Some(r#"{"current": "requeue"}"#)).await;
    assert_eq!(fourth["label"], "A-004", "A-003 requeued waits its turn");
    let (_, list) = n
        .call("GET", "/api/v1/tickets?status=waiting", Some(&desk), None)
        .await;
    let waiting: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["label"].as_str().unwrap(),
                t["step"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(waiting, ["A-001 room", "A-003 registration"]);

    // Serving: a no-show is not possible, so nothing changes.
    let (status, _) = step(&n, &desk, &fourth["id"], "serve", None).await;
    assert_eq!(status, StatusCode::OK);
    let before = n.state();
    let (status, err) = call_next(Some(r#"{"current": "no_show"}"#)).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );
    assert_eq!(n.state(), before);
    assert_eq!(
        held(&n, &desk, "loket-1").await,
        [("A-004".into(), "serving".into())]
    );

    // A word the node does not know is refused too.
    let (status, _) = call_next(Some(r#"{"current": "forget"}"#)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(n.state(), before);
}

#[tokio::test]
async fn priority_lanes_are_called_first_and_no_show_can_requeue() {
    let n = TestNode::start();
    let regular = take(&n, &n.kiosk, json!({"service": "B"})).await;
    let elderly = take(&n, &n.kiosk, json!({"service": "B", "priority": "elderly"})).await;
    assert_eq!(elderly["position"], 1);
    let desk = n.login("desk").await;
    let (_, first) = n
        .call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(first["label"], elderly["label"]);
    let (status, body) = step(&n, &desk, &first["id"], "no-show", None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("no_show"))
    );
    let (_, body) = step(&n, &desk, &first["id"], "requeue", None).await;
    assert_eq!(body["status"], "waiting");
    // Requeued in the priority lane, it is still ahead of the regular patient.
    let (_, next) = n
        .call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(next["label"], elderly["label"]);
    let (_, next) = n
        .call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            Some(r#"{"current": "complete"}"#),
        )
        .await;
    assert_eq!(next["label"], regular["label"]);
}

#[tokio::test]
async fn a_transfer_continues_the_visit_in_another_service() {
    let n = TestNode::start();
    let desk = n.login("desk").await;
    let t = take(&n, &desk, json!({"service": "A", "priority": "pregnant"})).await;
    // Registered at Loket 1, then seen in the room.
    for counter in ["loket-1", "ruang-umum"] {
        let path = format!("/api/v1/counters/{counter}/call-next");
        let (status, called) = n.call("POST", &path, Some(&desk), None).await;
        assert_eq!(
            (status, &called["id"]),
            (StatusCode::OK, &t["id"]),
            "{counter}"
        );
        let action = if counter == "loket-1" {
            "complete"
        } else {
            "serve"
        };
        assert_eq!(
            step(&n, &desk, &t["id"], action, None).await.0,
            StatusCode::OK
        );
    }
    let (status, next) = step(
        &n,
        &desk,
        &t["id"],
        "transfer",
        Some(json!({"service": "F"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    // One label for the whole visit: the patient is called at the pharmacy by the number
    // they already hold.
    assert_eq!(
        (
            next["label"].as_str(),
            next["status"].as_str(),
            next["service"].as_str()
        ),
        (t["label"].as_str(), Some("waiting"), Some("F"))
    );
    assert_eq!(
        (&next["visit"], &next["transferred_from"], &next["priority"]),
        (&t["visit"], &t["id"], &t["priority"])
    );
    let (_, old) = n
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", t["id"].as_str().unwrap()),
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(
        (old["status"].as_str(), &old["transferred_to"]),
        (Some("transferred"), &next["id"])
    );
    // The old ticket's status page (its QR code) names where to go and the number.
    let (_, public) = n
        .call(
            "GET",
            &format!("/api/v1/public/tickets/{}", t["id"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            public["status"].as_str(),
            &public["next"]["ticket_id"],
            &public["next"]["label"],
            public["next"]["service_name_id"].as_str(),
            public["next"]["status"].as_str(),
        ),
        (
            Some("transferred"),
            &next["id"],
            &t["label"],
            Some("Farmasi"),
            Some("waiting")
        )
    );
    // A finished ticket cannot move again; the error says why and nothing changes.
    let before = n.event_count();
    let (status, err) = step(
        &n,
        &desk,
        &t["id"],
        "cancel",
        Some(json!({"reason": "left"})),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );
    assert_eq!(err["message"], "cannot cancel a ticket that is transferred");
    assert_eq!(n.event_count(), before);
}

#[tokio::test]
async fn the_patients_language_is_the_clinics_and_survives_a_save_that_leaves_it_out() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let put = |body: serde_json::Value| {
        let (n, admin) = (&n, &admin);
        async move {
            n.call(
                "PUT",
                "/api/v1/clinic",
                Some(admin),
                Some(&body.to_string()),
            )
            .await
        }
    };
    let (status, clinic) = put(json!({"name": "Klinik Uji", "time_zone": "Asia/Jakarta"})).await;
    assert_eq!(
        (status, &clinic["language"]),
        (StatusCode::OK, &json!("id"))
    );
    let (_, clinic) = put(json!({
        "name": "Klinik Uji", "time_zone": "Asia/Jakarta",
        "language": "en", "new_label_on_transfer": true, "new_label_per_step": true
    }))
    .await;
    assert_eq!(
        (
            &clinic["language"],
            &clinic["new_label_on_transfer"],
            &clinic["new_label_per_step"]
        ),
        (&json!("en"), &json!(true), &json!(true))
    );
    // A form of an earlier version sends neither: both stay as they were.
    let (_, clinic) = put(json!({"name": "Klinik Uji Sentosa", "time_zone": "Asia/Jakarta"})).await;
    assert_eq!(
        (
            &clinic["name"],
            &clinic["language"],
            &clinic["new_label_on_transfer"],
            &clinic["new_label_per_step"]
        ),
        (
            &json!("Klinik Uji Sentosa"),
            &json!("en"),
            &json!(true),
            &json!(true)
        )
    );
    // A language not spoken here is refused and changes nothing.
    let before = n.event_count();
    let (status, _) =
        put(json!({"name": "Klinik Uji", "time_zone": "Asia/Jakarta", "language": "fr"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(n.event_count(), before);
    // Every screen that reads the clinic, the kiosk's too, gets it.
    let (_, clinic) = n.call("GET", "/api/v1/clinic", Some(&n.kiosk), None).await;
    assert_eq!(clinic["language"], "en");
}

#[tokio::test]
async fn a_clinic_can_give_a_new_number_per_transfer() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let (status, clinic) = n
        .call(
            "PUT",
            "/api/v1/clinic",
            Some(&admin),
            Some(
                &json!({"name": "Klinik Uji", "time_zone": "Asia/Jakarta", "new_label_on_transfer": true})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(
        (status, &clinic["new_label_on_transfer"]),
        (StatusCode::OK, &json!(true))
    );
    let desk = n.login("desk").await;
    let t = take(&n, &desk, json!({"service": "A"})).await;
    let (status, next) = step(
        &n,
        &desk,
        &t["id"],
        "transfer",
        Some(json!({"service": "L"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(next["label"], "L-001");
    let (_, public) = n
        .call(
            "GET",
            &format!("/api/v1/public/tickets/{}", t["id"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            &public["label"],
            &public["next"]["label"],
            public["next"]["service_name_en"].as_str()
        ),
        (&t["label"], &json!("L-001"), Some("Laboratory"))
    );
    // A ticket that was not transferred has no next step.
    let (_, public) = n
        .call(
            "GET",
            &format!("/api/v1/public/tickets/{}", next["id"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(public["next"], Value::Null);
}

#[tokio::test]
async fn an_appointment_is_booked_then_checked_in_at_the_kiosk() {
    let n = TestNode::start();
    let desk = n.login("desk").await;
    let (status, patient) = n
        .call(
            "POST",
            "/api/v1/patients",
            Some(&desk),
            Some(r#"{"name":"Siti Rahayu","nik":"3174054506900001","phone":"0812-3456-7890"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{patient}");
    assert_eq!(patient["phone"], "+6281234567890");
    // Open all day in 5-minute slots, so the next slot is near whenever this runs.
    let admin = n.login("admin").await;
    let schedule = medicloud_testkit::slots::all_day_schedule(4).to_string();
    let put = "/api/v1/services/C/schedule";
    let (status, body) = n.call("PUT", put, Some(&admin), Some(&schedule)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (date, start) = medicloud_testkit::slots::next_five_minute_slot(7).await;
    let booking = json!({
        "patient": patient["id"], "service": "C", "date": date.to_string(), "slot_start": start,
    });
    let (status, appt) = n
        .call(
            "POST",
            "/api/v1/appointments",
            Some(&desk),
            Some(&booking.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appt}");
    let code = appt["code"].as_str().unwrap().to_owned();
    assert_eq!((code.len(), appt["status"].as_str()), (6, Some("booked")));

    // A walk-in arrives first; the appointment within its window still goes ahead.
    take(&n, &n.kiosk, json!({"service": "C"})).await;
    let typed = format!("{}-{}", code[..3].to_lowercase(), &code[3..]);
    let t = take(&n, &n.kiosk, json!({"appointment_code": typed})).await;
    assert_eq!(
        (
            t["service"].as_str(),
            &t["appointment"],
            t["position"].as_u64()
        ),
        (Some("C"), &appt["id"], Some(1))
    );

    let again = json!({"appointment_code": code}).to_string();
    let (status, err) = n
        .call("POST", "/api/v1/tickets", Some(&n.kiosk), Some(&again))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_checked_in"))
    );
    let (_, list) = n
        .call("GET", "/api/v1/appointments", Some(&desk), None)
        .await;
    assert_eq!(list[0]["status"], "checked_in");
    assert_eq!(list[0]["patient_name"], "Siti Rahayu");
    let (status, err) = n
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&n.kiosk),
            Some(r#"{"appointment_code":"ZZZZZZ"}"#),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

/// Who, with which token, sends what, and the status expected.
type RoleCase<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    Option<&'a str>,
    u16,
);

/// Who may do what: every role against the endpoints that matter.
#[tokio::test]
async fn every_role_boundary_holds() {
    let n = TestNode::start();
    let (admin, desk, doctor) = (
        n.login("admin").await,
        n.login("desk").await,
        n.login("doctor").await,
    );
    let (_, other_kiosk) = n
        .call(
            "POST",
            "/api/v1/devices",
            Some(&admin),
            Some(r#"{"name":"Kiosk Dua","role":"kiosk"}"#),
        )
        .await;
    let other_kiosk = other_kiosk["token"].as_str().unwrap().to_owned();
    let mine = take(&n, &n.kiosk, json!({"service": "A"})).await;
    let theirs = take(&n, &other_kiosk, json!({"service": "A"})).await;
    let mine_path = format!("/api/v1/tickets/{}", mine["id"].as_str().unwrap());
    let theirs_path = format!("/api/v1/tickets/{}", theirs["id"].as_str().unwrap());
    let serve_path = format!("{theirs_path}/serve");
    let ticket = r#"{"service":"A"}"#;
    let device = r#"{"name":"Layar Dua","role":"display"}"#;
    let user = r#"{"username":"perawat","display_name":"Perawat Ani","role":"desk","password":"panjang-sekali-1"}"#;
    let appt = r#"{"service":"A","date":"2099-01-01","slot_start":"09:00"}"#;
    let (kiosk, display) = (n.kiosk.as_str(), n.display.as_str());
    #[rustfmt::skip]
    let cases: Vec<RoleCase> = vec![
        ("nobody",  None,          "GET",  "/api/v1/services", None, 401),
        ("garbage", Some("nope"),  "GET",  "/api/v1/services", None, 401),
        ("nobody",  None,          "POST", "/api/v1/tickets", Some(ticket), 401),
        ("kiosk",   Some(kiosk),   "GET",  "/api/v1/services", None, 200),
        ("kiosk",   Some(kiosk),   "GET",  &mine_path, None, 200),
        ("kiosk",   Some(kiosk),   "GET",  &theirs_path, None, 403),
        ("kiosk",   Some(kiosk),   "GET",  "/api/v1/tickets", None, 403),
        ("kiosk",   Some(kiosk),   "POST", "/api/v1/counters/loket-1/call-next", None, 403),
        ("kiosk",   Some(kiosk),   "POST", &serve_path, None, 403),
        ("kiosk",   Some(kiosk),   "GET",  "/api/v1/patients", None, 403),
        ("display", Some(display), "GET",  "/api/v1/calls", None, 200),
        ("display", Some(display), "GET",  "/api/v1/counters", None, 200),
        ("display", Some(display), "POST", "/api/v1/tickets", Some(ticket), 403),
        ("display", Some(display), "GET",  "/api/v1/tickets", None, 403),
        ("display", Some(display), "GET",  &mine_path, None, 403),
        ("display", Some(display), "GET",  "/api/v1/patients", None, 403),
        ("doctor",  Some(&doctor), "GET",  "/api/v1/tickets", None, 200),
        ("doctor",  Some(&doctor), "POST", "/api/v1/appointments", Some(appt), 403),
        ("doctor",  Some(&doctor), "POST", "/api/v1/devices", Some(device), 403),
        ("desk",    Some(&desk),   "POST", "/api/v1/devices", Some(device), 403),
        ("desk",    Some(&desk),   "POST", "/api/v1/users", Some(user), 403),
        ("desk",    Some(&desk),   "GET",  "/api/v1/devices", None, 403),
        ("desk",    Some(&desk),   "POST", "/api/v1/appointments", Some(appt), 201),
        ("admin",   Some(&admin),  "POST", "/api/v1/users", Some(user), 201),
        ("admin",   Some(&admin),  "POST", "/api/v1/devices", Some(device), 201),
    ];
    for (who, token, method, path, body, expect) in cases {
        let before = n.event_count();
        let (status, json) = n.call(method, path, token, body).await;
        assert_eq!(status.as_u16(), expect, "{who} {method} {path}: {json}");
        if expect >= 400 {
            assert!(
                json["code"].is_string() && json["message"].is_string(),
                "{who} {method} {path}: {json}"
            );
            assert_eq!(
                n.event_count(),
                before,
                "{who} {method} {path} changed something"
            );
        }
    }
    // Displays never see patient data, even through the public status page.
    let (_, public) = n
        .call(
            "GET",
            &format!("/api/v1/public/tickets/{}", mine["id"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(public["label"], "A-001");
    assert!(public.get("visit").is_none() && public.get("appointment").is_none());
    // A revoked device is refused from then on; a logged-out session too.
    let (_, devices) = n.call("GET", "/api/v1/devices", Some(&admin), None).await;
    let id = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Kiosk Dua")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = n
        .call(
            "POST",
            &format!("/api/v1/devices/{id}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = n
        .call("GET", "/api/v1/services", Some(&other_kiosk), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    n.call("POST", "/api/v1/auth/logout", Some(&desk), None)
        .await;
    let (status, _) = n.call("GET", "/api/v1/tickets", Some(&desk), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, err) = n
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(r#"{"username":"desk","password":"wrong-password"}"#),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
}

/// Malformed input gets a clear error with a stable code, and changes nothing.
#[tokio::test]
async fn malformed_input_is_refused_and_changes_nothing() {
    let n = TestNode::start();
    let desk = n.login("desk").await;
    let t = take(&n, &desk, json!({"service": "A"})).await;
    let transfer = format!("/api/v1/tickets/{}/transfer", t["id"].as_str().unwrap());
    let dance = format!("/api/v1/tickets/{}/dance", t["id"].as_str().unwrap());
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(70 * 1024));
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, &str, u16, &str, &str)> = vec![
        ("POST", "/api/v1/tickets", r#"{"service":"A""#, 400, "bad_json", "not valid JSON"),
        ("POST", "/api/v1/tickets", r#"{}"#, 422, "validation_failed", "choose a service"),
        ("POST", "/api/v1/tickets", r#"{"service":"a1"}"#, 422, "validation_failed", "capital letters"),
        ("POST", "/api/v1/tickets", r#"{"service":"Z"}"#, 404, "not_found", "service not found"),
        ("POST", "/api/v1/tickets", r#"{"service":"A","priority":"vip"}"#, 422, "validation_failed", "unknown variant"),
        ("POST", "/api/v1/tickets", r#"{"service":"A","colour":"red"}"#, 422, "validation_failed", "unknown field"),
        ("POST", &transfer, "", 422, "validation_failed", "Service: required for transfer"),
        ("POST", &transfer, r#"{"service":"A"}"#, 409, "invalid_transition", "already in that service"),
        ("POST", &dance, "", 404, "unknown_action", "use call, recall"),
        ("POST", "/api/v1/tickets/not-a-uuid/serve", "", 422, "validation_failed", "Id: "),
        ("POST", "/api/v1/counters/Loket%201/call-next", "", 422, "validation_failed", "counter id"),
        ("POST", "/api/v1/counters/loket-99/call-next", "", 404, "not_found", "counter not found"),
        ("POST", "/api/v1/patients", r#"{"nik":"12345"}"#, 422, "validation_failed", "NIK: a NIK has exactly 16 digits"),
        ("POST", "/api/v1/patients", r#"{"bpjs_number":"12"}"#, 422, "validation_failed", "BPJS number: "),
        ("POST", "/api/v1/patients", r#"{"phone":"12"}"#, 422, "validation_failed", "Mobile number: "),
        ("POST", "/api/v1/patients", &huge, 413, "payload_too_large", "too large"),
        ("POST", "/api/v1/appointments", r#"{"service":"A","date":"2001-01-01","slot_start":"09:00"}"#, 422, "validation_failed", "past"),
        ("POST", "/api/v1/appointments", r#"{"service":"A","date":"2099-01-01","slot_start":"25:00"}"#, 422, "validation_failed", "slot_start"),
        ("GET",  "/api/v1/tickets?status=lost", "", 422, "validation_failed", "unknown status"),
        ("GET",  "/api/v1/nothing-here", "", 404, "not_found", "no such API endpoint"),
    ];
    for (method, path, body, expect, code, words) in cases {
        let before = n.event_count();
        let (status, json) = n
            .call(
                method,
                path,
                Some(&desk),
                (!body.is_empty()).then_some(body),
            )
            .await;
        assert_eq!(
            status.as_u16(),
            expect,
            "{method} {path} {body:.60}: {json}"
        );
        if !code.is_empty() {
            assert_eq!(json["code"], code, "{path}: {json}");
            assert!(
                json["message"].as_str().unwrap().contains(words),
                "{path}: {json}"
            );
        }
        assert_eq!(n.event_count(), before, "{method} {path} changed something");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let n = TestNode::start();
    let (status, doc) = n.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/devices",
        "/api/v1/services",
        "/api/v1/counters",
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/counters/{counter_id}/call-next",
        "/api/v1/tickets/{id}/{action}",
        "/api/v1/appointments",
        "/api/v1/events",
        "/api/v1/patients",
        "/api/v1/calls",
        "/api/v1/public/tickets/{id}",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(
        doc["components"]["schemas"]["TicketView"]["properties"]["estimated_wait_seconds"]
            .is_object()
    );
    // A parameter is in the path exactly when the route names it; the rest are queries
    // (`/api/v1/audit?action=…`), as the handlers read them, but for the header every
    // operation takes: the language of its error messages.
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let params = op["parameters"].as_array().into_iter().flatten();
            let headers: Vec<_> = params.clone().filter(|p| p["in"] == "header").collect();
            assert_eq!(headers.len(), 1, "{method} {path}: {headers:?}");
            assert_eq!(headers[0]["name"], "Accept-Language", "{method} {path}");
            for param in params.filter(|p| p["in"] != "header") {
                let name = param["name"].as_str().unwrap();
                let expect = if path.contains(&format!("{{{name}}}")) {
                    "path"
                } else {
                    "query"
                };
                assert_eq!(param["in"], expect, "{method} {path}: parameter {name}");
            }
        }
    }
    // Client generators (the UI's types) need every operation named once.
    let mut ids = std::collections::HashSet::new();
    for ops in paths.values() {
        for op in ops.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} used twice");
        }
    }
}

/// Every answer an operation can give is in the document, each error as `{code,
/// message}`: 401 wherever a token is needed, 400 wherever there is something to
/// misread, 413 and 415 wherever a body is read, 429 everywhere (the rate limit); and
/// every path parameter says which values it takes.
#[tokio::test]
async fn the_openapi_document_lists_every_answer_and_every_parameter_rule() {
    let n = TestNode::start();
    let (_, doc) = n.call("GET", "/api/openapi.json", None, None).await;
    let error_body = |response: &Value| -> bool {
        let response = match response["$ref"].as_str() {
            Some(name) => {
                let name = name.strip_prefix("#/components/responses/").unwrap();
                &doc["components"]["responses"][name]
            }
            None => response,
        };
        response["content"]["application/json"]["schema"]["$ref"]
            == "#/components/schemas/ErrorBody"
    };
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let at = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            let has = |status: &str| responses.contains_key(status);
            // Accept-Language aside, which every operation takes and none refuses.
            let params = op["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["in"] != "header"));
            let body = op.get("requestBody").is_some();
            let secured = op.get("security").is_some();
            assert_eq!(
                has("401"),
                secured || path == "/api/v1/auth/login",
                "{at}: 401"
            );
            assert_eq!(has("400"), body, "{at}: 400");
            assert_eq!(has("422"), params || body, "{at}: 422");
            assert_eq!(has("413"), body, "{at}: 413");
            assert!(has("429") && has("503"), "{at}: 429 and 503");
            for (status, response) in responses {
                if !status.starts_with('2') {
                    assert!(error_body(response), "{at}: {status} is not an ErrorBody");
                }
            }
            for name in ["Unauthorized", "RateLimited", "DiskFull"] {
                let headers = &doc["components"]["responses"][name]["headers"];
                assert!(headers["Content-Language"].is_object(), "{name}: {headers}");
            }
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] != "path" {
                    continue;
                }
                let schema = &param["schema"];
                let target = match schema["$ref"].as_str() {
                    Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
                    None => schema,
                };
                assert!(
                    target["format"] == "uuid"
                        || target.get("pattern").is_some()
                        || target.get("enum").is_some(),
                    "{at}: path parameter {} takes any text",
                    param["name"]
                );
            }
        }
    }
    // The live stream's first event is described as well.
    let live = doc["components"]["schemas"]["LiveMessage"]["oneOf"]
        .as_array()
        .unwrap();
    let types: Vec<_> = live
        .iter()
        .map(|m| m["properties"]["type"]["enum"][0].as_str().unwrap())
        .collect();
    for kind in ["hello", "ticket", "call", "config", "resync"] {
        assert!(types.contains(&kind), "LiveMessage lacks {kind}: {types:?}");
    }
}

/// The document's word on tokens is the server's: every operation it marks as needing a
/// token answers 401 without one, and the others do not.
#[tokio::test]
async fn every_operation_the_document_secures_refuses_a_caller_without_a_token() {
    let n = TestNode::start();
    let (_, doc) = n.call("GET", "/api/openapi.json", None, None).await;
    let sample = |name: &str| match name {
        "code" => "A",
        "counter_id" => "loket-1",
        "action" => "serve",
        _ => "00000000-0000-4000-8000-000000000000",
    };
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let mut uri = path.clone();
        for name in ["id", "code", "counter_id", "action"] {
            uri = uri.replace(&format!("{{{name}}}"), sample(name));
        }
        for (method, op) in ops.as_object().unwrap() {
            let body = op.get("requestBody").map(|_| "{}");
            let (status, json) = n.call(&method.to_uppercase(), &uri, None, body).await;
            let secured = op.get("security").is_some();
            assert_eq!(
                status == StatusCode::UNAUTHORIZED,
                secured,
                "{method} {uri}: {status} {json}"
            );
        }
    }
}

#[tokio::test]
async fn an_admin_renames_a_service_and_a_counter_and_bad_settings_change_nothing() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let desk = n.login("desk").await;
    let body =
        json!({"name_id": "Poli Anak", "name_en": "Paediatrics", "active": true}).to_string();
    let (status, _) = n
        .call("PUT", "/api/v1/services/P", Some(&admin), Some(&body))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = n
        .call("PUT", "/api/v1/services/P", Some(&desk), Some(&body))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let empty = json!({"name_id": " ", "name_en": "x", "active": true}).to_string();
    let (status, err) = n
        .call("PUT", "/api/v1/services/A", Some(&admin), Some(&empty))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, _) = n
        .call("PUT", "/api/v1/services/a1", Some(&admin), Some(&body))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, services) = n
        .call("GET", "/api/v1/services", Some(&n.kiosk), None)
        .await;
    let names: Vec<_> = services
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name_id"].clone())
        .collect();
    assert!(
        names.contains(&json!("Poli Anak")) && names.contains(&json!("Poli Umum")),
        "{names:?}"
    );

    // A new service no counter serves yet takes no tickets: nobody could call them.
    let (status, err) = n
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&n.kiosk),
            Some(&json!({"service": "P"}).to_string()),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::CONFLICT, Some("service_closed")),
        "{err}"
    );
    let counter = json!({"name": "Loket Anak", "services": ["P", "A"]}).to_string();
    let (status, _) = n
        .call(
            "PUT",
            "/api/v1/counters/loket-3",
            Some(&admin),
            Some(&counter),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, ticket) = n
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&n.kiosk),
            Some(&json!({"service": "P"}).to_string()),
        )
        .await;
    assert_eq!(
        (status, ticket["label"].as_str()),
        (StatusCode::CREATED, Some("P-001")),
        "{ticket}"
    );
    let unknown = json!({"name": "Loket X", "services": ["Z"]}).to_string();
    let (status, _) = n
        .call(
            "PUT",
            "/api/v1/counters/loket-4",
            Some(&admin),
            Some(&unknown),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, counters) = n.call("GET", "/api/v1/counters", Some(&desk), None).await;
    let ids: Vec<_> = counters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert!(
        ids.contains(&json!("loket-3")) && !ids.contains(&json!("loket-4")),
        "{ids:?}"
    );

    let settings = json!({"name": "Klinik Baru", "time_zone": "Asia/Makassar",
        "ticket_message_id": "Terima kasih", "ticket_message_en": "Thank you"})
    .to_string();
    let (status, clinic) = n
        .call("PUT", "/api/v1/clinic", Some(&admin), Some(&settings))
        .await;
    assert_eq!(status, StatusCode::OK, "{clinic}");
    let bad = json!({"name": "Klinik", "time_zone": "Mars/Olympus"}).to_string();
    let (status, _) = n
        .call("PUT", "/api/v1/clinic", Some(&admin), Some(&bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, clinic) = n.call("GET", "/api/v1/clinic", Some(&desk), None).await;
    assert_eq!(
        (
            clinic["name"].as_str(),
            clinic["time_zone"].as_str(),
            clinic["ticket_message_en"].as_str()
        ),
        (
            Some("Klinik Baru"),
            Some("Asia/Makassar"),
            Some("Thank you")
        )
    );
}

#[tokio::test]
async fn five_failed_logins_from_one_machine_lock_the_account_there_even_against_the_right_password()
 {
    let n = TestNode::start();
    let wrong = json!({"username": "desk", "password": "not-the-password"}).to_string();
    for attempt in 1..=5 {
        let (status, body) = n
            .call("POST", "/api/v1/auth/login", None, Some(&wrong))
            .await;
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {attempt}: {body}");
    }
    let right = json!({"username": "desk", "password": medicloud_testkit::PASSWORD}).to_string();
    let (status, body) = n
        .call("POST", "/api/v1/auth/login", None, Some(&right))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "account_locked");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("15 more minutes"),
        "{body}"
    );
    // Another account is not affected.
    let admin = json!({"username": "admin", "password": medicloud_testkit::PASSWORD}).to_string();
    let (status, _) = n
        .call("POST", "/api/v1/auth/login", None, Some(&admin))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_the_screens_included() {
    use tower::ServiceExt;
    let n = TestNode::start();
    for path in ["/kiosk", "/api/v1/services", "/api/openapi.json"] {
        let req = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let res = n.app.clone().oneshot(req).await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn one_machine_sending_too_fast_is_slowed_down_and_others_are_not() {
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;
    let n = TestNode::start();
    let from = |ip: [u8; 4]| {
        let mut req = axum::http::Request::get("/api/v1/services")
            .header("authorization", format!("Bearer {}", n.kiosk))
            .body(axum::body::Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((ip, 40_000))));
        n.app.clone().oneshot(req)
    };
    // Faster than the sustained rate, the burst allowance runs out; requests before
    // that all pass.
    let mut passed = 0;
    let refused = loop {
        let res = from([10, 0, 0, 7]).await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            break res;
        }
        assert_eq!(res.status(), StatusCode::OK);
        passed += 1;
        assert!(
            passed < 20 * medicloud_node::api::RATE_BURST,
            "never limited"
        );
    };
    assert!(
        passed >= medicloud_node::api::RATE_BURST,
        "the burst allowance holds"
    );
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // At 100 requests a second the next one is taken within the second.
    assert_eq!(retry_after, 1, "whole seconds, at least one");
    let body = axum::body::to_bytes(refused.into_body(), 1 << 16)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(
        from([10, 0, 0, 8]).await.unwrap().status(),
        StatusCode::OK,
        "another machine"
    );
}

#[tokio::test]
async fn audit_filters_out_of_range_are_refused_not_wrapped() {
    let t = TestNode::start();
    let admin = t.login("admin").await;
    for query in [
        "since_ms=140737488355328",
        "since_ms=9223372036854775807",
        "since_ms=-1",
        "limit=0",
        "limit=1001",
    ] {
        let (status, json) = t
            .call("GET", &format!("/api/v1/audit?{query}"), Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {json}");
        assert_eq!(json["code"], "validation_failed", "{query}");
    }
    // The edges themselves are fine: the newest time a stamp holds finds nothing yet.
    let (status, json) = t
        .call(
            "GET",
            "/api/v1/audit?since_ms=140737488355327&limit=1",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json.as_array().map(Vec::len), Some(0), "{json}");
    let (status, json) = t
        .call("GET", "/api/v1/audit?limit=1", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
}

/// Every ticket step on the trail names the ticket by its label, and a call the counter,
/// a transfer the service it went to.
#[tokio::test]
async fn the_trail_names_the_ticket_of_every_step() {
    let n = TestNode::start();
    let desk = n.login("desk").await;
    let t = take(&n, &desk, json!({"service": "A"})).await;
    let label = t["label"].as_str().unwrap();
    n.call(
        "POST",
        "/api/v1/counters/loket-1/call-next",
        Some(&desk),
        None,
    )
    .await;
    step(&n, &desk, &t["id"], "serve", None).await;
    step(
        &n,
        &desk,
        &t["id"],
        "transfer",
        Some(json!({"service": "L"})),
    )
    .await;
    let admin = n.login("admin").await;
    let (_, trail) = n
        .call("GET", "/api/v1/audit?limit=50", Some(&admin), None)
        .await;
    let mut steps: Vec<(String, String)> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ["issue", "call", "serve", "transfer"].contains(&r["action"].as_str().unwrap()))
        .map(|r| {
            (
                r["action"].as_str().unwrap().into(),
                r["subject"].as_str().unwrap_or("—").into(),
            )
        })
        .collect();
    steps.reverse();
    let s = |a: &str, b: String| (a.to_owned(), b);
    assert_eq!(
        steps,
        [
            s("issue", label.into()),
            s("call", format!("{label} · Loket 1")),
            s("serve", label.into()),
            s("transfer", format!("{label} → L")),
            // The continuation, under the same label in the laboratory.
            s("issue", label.into()),
        ]
    );
}

/// A request refused for want of permission is on the audit trail with who asked and
/// what for (never the body); so is a test print, whatever came of it.
#[tokio::test]
async fn refusals_and_test_prints_are_on_the_audit_trail() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let body = json!({"name": "Siti Rahayu", "birth_date": "1990-01-01"}).to_string();
    let (status, _) = n
        .call("POST", "/api/v1/patients", Some(&n.kiosk), Some(&body))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let desk = n.login("desk").await;
    let (status, _) = n.call("GET", "/api/v1/audit", Some(&desk), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The test node has no printer: the attempt is recorded as failed.
    let (status, _) = n
        .call("POST", "/api/v1/printer/test", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, trail) = n
        .call("GET", "/api/v1/audit?limit=20", Some(&admin), None)
        .await;
    let rows: Vec<(&str, &str, &str, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ["denied", "printer_test"].contains(&r["action"].as_str().unwrap()))
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("-");
            (
                s("action"),
                s("actor").split(':').next().unwrap(),
                s("subject"),
                s("outcome"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("printer_test", "staff", "-", "failed"),
            ("denied", "staff", "GET /api/v1/audit", "denied"),
            ("denied", "device", "POST /api/v1/patients", "denied"),
        ]
    );
    assert!(
        !trail.to_string().contains("Siti"),
        "the refused body is not on the trail"
    );
}

/// Sends `body` as `content_type` (none when `None`) and reads the answer's status, the
/// headers and the body as JSON (`Null` when it is not JSON).
async fn raw(
    n: &TestNode,
    method: &str,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("accept-language", "en")
        .header("authorization", format!("Bearer {token}"));
    if let Some(t) = content_type {
        req = req.header("content-type", t);
    }
    let req = req.body(axum::body::Body::from(body)).unwrap();
    let res = n.app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

/// Every kind of text a person types goes through one set of rules: control characters
/// (NUL, ESC, line breaks), text-direction overrides and isolates, and invisible-only
/// text are refused for the names of the clinic, services, counters, devices, staff
/// and patients, the ticket messages and the break-glass reason; nothing changes.
#[tokio::test]
async fn names_and_texts_with_control_direction_or_invisible_characters_are_refused() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let desk = n.login("desk").await;
    #[rustfmt::skip]
    let bad: [(&str, &str); 6] = [
        ("Budi\u{0}", "control characters"),
        ("Budi\u{1B}[2J", "control characters"),
        ("Budi\nSantoso", "control characters"),
        ("Budi\u{202E}otnaS", "text-direction"),
        ("Budi\u{2066}x\u{2069}", "text-direction"),
        ("\u{200B}\u{200B}", "visible characters"),
    ];
    // (method, path, token, the body with the text in it, the field named)
    let service = |t: &str| json!({"name_id": t, "name_en": "Dentist", "active": true});
    let service_en = |t: &str| json!({"name_id": "Poli Gigi", "name_en": t, "active": true});
    let counter = |t: &str| json!({"name": t, "services": ["A"]});
    let clinic = |t: &str| json!({"name": t, "time_zone": "Asia/Jakarta"});
    let message_id =
        |t: &str| json!({"name": "Klinik", "time_zone": "Asia/Jakarta", "ticket_message_id": t});
    let message_en =
        |t: &str| json!({"name": "Klinik", "time_zone": "Asia/Jakarta", "ticket_message_en": t});
    let patient = |t: &str| json!({"name": t});
    let user = |t: &str| {
        json!({"username": "budi", "display_name": t, "role": "desk",
        "password": "kuda-lari-cepat-99"})
    };
    let device = |t: &str| json!({"name": t, "role": "kiosk"});
    let reason = |t: &str| json!({"reason": format!("pasien gawat darurat {t}")});
    type Body<'a> = &'a dyn Fn(&str) -> Value;
    let targets: [(&str, &str, &str, Body, &str); 10] = [
        ("PUT", "/api/v1/services/G", &admin, &service, "name_id"),
        ("PUT", "/api/v1/services/G", &admin, &service_en, "name_en"),
        ("PUT", "/api/v1/counters/loket-9", &admin, &counter, "name"),
        ("PUT", "/api/v1/clinic", &admin, &clinic, "name"),
        (
            "PUT",
            "/api/v1/clinic",
            &admin,
            &message_id,
            "ticket_message_id",
        ),
        (
            "PUT",
            "/api/v1/clinic",
            &admin,
            &message_en,
            "ticket_message_en",
        ),
        ("POST", "/api/v1/patients", &desk, &patient, "name"),
        ("POST", "/api/v1/users", &admin, &user, "display_name"),
        ("POST", "/api/v1/devices", &admin, &device, "name"),
        ("POST", "/api/v1/auth/break-glass", &desk, &reason, "reason"),
    ];
    for (method, path, token, body, field) in targets {
        for (text, rule) in bad {
            // The invisible-only case is about the whole text; the reason carries words.
            if field == "reason" && rule == "visible characters" {
                continue;
            }
            let before = n.event_count();
            let body = body(text).to_string();
            let (status, err) = n.call(method, path, Some(token), Some(&body)).await;
            assert_eq!(
                (status, err["code"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
                "{path} {field} {text:?}: {err}"
            );
            let message = err["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("{}: ", medicloud_core::i18n::field(field).en))
                    && message.contains(rule),
                "{path} {text:?}: {message}"
            );
            assert!(
                !message.contains("Budi"),
                "the value is not echoed: {message}"
            );
            assert_eq!(n.event_count(), before, "{path} {text:?} changed something");
        }
    }
    // The same texts, written plainly, are taken (and trimmed).
    let (status, _) = n
        .call(
            "PUT",
            "/api/v1/services/G",
            Some(&admin),
            Some(&service(" Poli Gigi ").to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, services) = n.call("GET", "/api/v1/services", Some(&desk), None).await;
    let gigi = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "G");
    assert_eq!(gigi.map(|s| s["name_id"].clone()), Some(json!("Poli Gigi")));
    let (status, p) = n
        .call(
            "POST",
            "/api/v1/patients",
            Some(&desk),
            Some(&patient("Budi Santoso").to_string()),
        )
        .await;
    assert_eq!(
        (status, p["name"].as_str()),
        (StatusCode::CREATED, Some("Budi Santoso"))
    );
}

/// A misspelled field is refused, never dropped: `{"nama": "Budi"}` does not register a
/// patient without a name.
#[tokio::test]
async fn a_body_with_an_unknown_field_is_refused_everywhere_and_changes_nothing() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let desk = n.login("desk").await;
    let t = take(&n, &desk, json!({"service": "A"})).await;
    let call = format!("/api/v1/tickets/{}/call", t["id"].as_str().unwrap());
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, &str, Value)> = vec![
        ("POST", "/api/v1/patients", &desk, json!({"nama": "Budi"})),
        ("POST", "/api/v1/patients", &desk, json!({"name": "Budi", "nik2": "3174054506900001"})),
        ("PUT", "/api/v1/clinic", &admin, json!({"name": "Klinik", "time_zone": "Asia/Jakarta", "zone": "x"})),
        ("PUT", "/api/v1/services/G", &admin, json!({"name_id": "Gigi", "name_en": "Dental", "active": true, "colour": "red"})),
        ("PUT", "/api/v1/counters/loket-9", &admin, json!({"name": "Loket 9", "services": ["A"], "room": 2})),
        ("POST", "/api/v1/tickets", &desk, json!({"service": "A", "urgent": true})),
        ("POST", &call, &desk, json!({"counter": "loket-1", "counterr": "loket-2"})),
        ("POST", "/api/v1/appointments", &desk, json!({"service": "A", "date": "2099-01-01", "slot_start": "09:00", "note": "x"})),
        ("POST", "/api/v1/users", &admin, json!({"username": "budi", "display_name": "Budi", "role": "desk", "password": "kuda-lari-cepat-99", "admin": true})),
        ("POST", "/api/v1/devices", &admin, json!({"name": "Kiosk 2", "role": "kiosk", "trusted": true})),
        ("POST", "/api/v1/auth/break-glass", &desk, json!({"reason": "pasien gawat darurat", "minutes": 60})),
        ("POST", "/api/v1/auth/login", "", json!({"username": "desk", "password": "x", "remember": true})),
    ];
    for (method, path, token, body) in cases {
        let before = n.state();
        let token = (!token.is_empty()).then_some(token);
        let (status, err) = n.call(method, path, token, Some(&body.to_string())).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
            "{path} {body}: {err}"
        );
        assert!(
            err["message"].as_str().unwrap().contains("unknown field"),
            "{err}"
        );
        assert_eq!(n.state(), before, "{path} {body} changed something");
    }
}

/// method, path, token, content type, body, then the status, code and words expected.
type Case<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Vec<u8>,
    u16,
    &'a str,
    &'a str,
);

/// What the framework refuses on its own (a path parameter or query that does not
/// parse, a body past the limit, a method a path does not take, a body that is not
/// JSON, an API path nobody serves) is answered `{code, message}` like every other
/// error, and changes nothing.
#[tokio::test]
async fn every_refusal_the_framework_makes_is_a_json_error() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let desk = n.login("desk").await;
    let t = take(&n, &desk, json!({"service": "A"})).await;
    let serve = format!("/api/v1/tickets/{}/serve", t["id"].as_str().unwrap());
    let call = format!("/api/v1/tickets/{}/call", t["id"].as_str().unwrap());
    let counter = br#"{"counter":"loket-1"}"#.to_vec();
    let huge = format!(r#"{{"counter":"{}"}}"#, "x".repeat(70 * 1024)).into_bytes();
    let json = Some("application/json");
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        // Path and query parameters.
        ("GET", "/api/v1/tickets/not-a-uuid", &desk, None, vec![], 422, "validation_failed", "Id: "),
        ("GET", "/api/v1/public/tickets/123", &desk, None, vec![], 422, "validation_failed", "Id: "),
        ("GET", "/api/v1/tickets/xyz/print.png", &desk, None, vec![], 422, "validation_failed", "Id: "),
        ("POST", "/api/v1/devices/nope/revoke", &admin, None, vec![], 422, "validation_failed", "Id: "),
        ("GET", "/api/v1/calls?limit=-1", &desk, None, vec![], 422, "validation_failed", "limit"),
        ("GET", "/api/v1/calls?limit=many", &desk, None, vec![], 422, "validation_failed", "limit"),
        ("GET", "/api/v1/audit?limit=-1", &admin, None, vec![], 422, "validation_failed", "limit"),
        ("GET", "/api/v1/appointments?date=tomorrow", &desk, None, vec![], 422, "validation_failed", "date"),
        ("GET", "/api/v1/tickets?service=a1", &desk, None, vec![], 422, "validation_failed", "service"),
        // Bodies: too large, not JSON, not sent as JSON.
        ("POST", &call, &desk, json, huge.clone(), 413, "payload_too_large", "too large"),
        ("POST", "/api/v1/tickets", &desk, json, huge.clone(), 413, "payload_too_large", "too large"),
        ("POST", &call, &desk, Some("text/plain"), counter.clone(), 415, "unsupported_media_type", "application/json"),
        ("POST", &call, &desk, None, counter.clone(), 415, "unsupported_media_type", "application/json"),
        ("POST", "/api/v1/tickets", &desk, Some("text/plain"), br#"{"service":"A"}"#.to_vec(), 415, "unsupported_media_type", "application/json"),
        ("POST", &call, &desk, json, b"{counter".to_vec(), 400, "bad_json", "not valid JSON"),
        // Methods a path does not take.
        ("DELETE", "/api/v1/tickets", &desk, None, vec![], 405, "method_not_allowed", "Allow"),
        ("PUT", &serve, &desk, json, counter.clone(), 405, "method_not_allowed", "Allow"),
        ("GET", "/api/v1/auth/login", &desk, None, vec![], 405, "method_not_allowed", "Allow"),
        // Paths nobody serves under /api, whatever comes after.
        ("GET", "/api/v2/anything", &desk, None, vec![], 404, "not_found", "no such API endpoint"),
        ("POST", "/api/v2/tickets", &desk, json, br#"{"service":"A"}"#.to_vec(), 404, "not_found", "no such API endpoint"),
        ("GET", "/api", &desk, None, vec![], 404, "not_found", "no such API endpoint"),
        ("GET", "/api/openapi.yaml", &desk, None, vec![], 404, "not_found", "no such API endpoint"),
        ("GET", "/api/v1/tickets/x/y/z", &desk, None, vec![], 404, "not_found", "no such API endpoint"),
    ];
    for (method, path, token, content_type, body, expect, code, words) in cases {
        let before = n.state();
        let (status, headers, err) = raw(&n, method, path, token, content_type, body).await;
        assert_eq!(status.as_u16(), expect, "{method} {path}: {err}");
        assert_eq!(
            headers.get("content-type").map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "{method} {path}"
        );
        assert_eq!(err["code"], code, "{method} {path}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(words),
            "{method} {path}: {err}"
        );
        if expect == 405 {
            assert!(
                headers.contains_key("allow"),
                "{method} {path}: the Allow header is kept"
            );
        }
        assert_eq!(n.state(), before, "{method} {path} changed something");
    }
    let (_, headers, _) = raw(&n, "DELETE", "/api/v1/tickets", &desk, None, vec![]).await;
    let allow = headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    // A body-less step still needs no content type; one with a body as JSON is taken.
    let (status, _, called) = raw(&n, "POST", &call, &desk, json, counter).await;
    assert_eq!(
        (status, called["status"].as_str()),
        (StatusCode::OK, Some("called")),
        "{called}"
    );
    let (status, _, served) = raw(&n, "POST", &serve, &desk, None, vec![]).await;
    assert_eq!(
        (status, served["status"].as_str()),
        (StatusCode::OK, Some("serving")),
        "{served}"
    );
}

/// Outside `/api`, paths are the screens' (here the landing page, as no UI is built).
#[tokio::test]
async fn screen_paths_still_serve_the_ui_and_only_api_paths_answer_json_404() {
    let n = TestNode::start();
    for path in ["/kiosk", "/desk", "/display/lobi", "/apiary"] {
        let (status, headers, _) = raw(&n, "GET", path, "", None, vec![]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let kind = headers["content-type"].to_str().unwrap();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
    }
}
