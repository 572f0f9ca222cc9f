//! Staff and set-up from the admin's screen, over real HTTP against the `medicloud demo`
//! binary: edit, disable and enable an account, reset a password (and the forced change
//! at the next login), lift login locks, add services and counters, and the audit
//! trail naming who did what to which.

use crate::util::{DemoProcess, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// A request to `demo` as `token`, with a JSON body or none: the status and the JSON.
async fn send(
    client: &Client,
    demo: &DemoProcess,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client.request(method.parse().unwrap(), demo.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A login's status and answer.
async fn login(
    client: &Client,
    demo: &DemoProcess,
    user: &str,
    password: &str,
) -> (StatusCode, Value) {
    let body = json!({"username": user, "password": password});
    send(client, demo, "POST", "/api/v1/auth/login", None, Some(body)).await
}

/// The account `username` as the admin's list shows it.
async fn account(client: &Client, demo: &DemoProcess, admin: &str, username: &str) -> Value {
    let (status, users) = send(client, demo, "GET", "/api/v1/users", Some(admin), None).await;
    assert_eq!(status, StatusCode::OK, "{users}");
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("{username} not in {users}"))
        .clone()
}

/// The newest audit rows of `action`: `(subject, changes)`.
async fn trail(
    client: &Client,
    demo: &DemoProcess,
    admin: &str,
    action: &str,
) -> Vec<(String, Vec<String>)> {
    let path = format!("/api/v1/audit?action={action}&limit=50");
    let (status, rows) = send(client, demo, "GET", &path, Some(admin), None).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let changes = r["changes"].as_array().unwrap();
            (
                r["subject"].as_str().unwrap_or("").to_owned(),
                changes
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn an_admin_edits_disables_and_enables_an_account_and_a_disabled_one_cannot_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let client = Client::new();
    let admin = demo.login(&client, "admin").await;
    let desk = demo.login(&client, "desk").await;
    let desk_id = account(&client, &demo, &admin, "desk").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/users/{desk_id}");

    // Not an admin: refused, nothing changes.
    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        &path,
        Some(&desk),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    // An unknown account.
    let unknown = "/api/v1/users/00000000-0000-4000-8000-0000000000ff";
    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        unknown,
        Some(&admin),
        Some(json!({"name": "X"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found")),
        "{body}"
    );
    // A blank name changes nothing.
    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        &path,
        Some(&admin),
        Some(json!({"name": "  "})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{body}"
    );

    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        &path,
        Some(&admin),
        Some(json!({"name": "Dewi Lestari"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["display_name"].as_str(),
            body["role"].as_str(),
            body["active"].as_bool()
        ),
        (Some("Dewi Lestari"), Some("desk"), Some(true))
    );
    // A name change leaves the session as it was.
    let (status, _) = send(&client, &demo, "GET", "/api/v1/tickets", Some(&desk), None).await;
    assert_eq!(status, StatusCode::OK);

    // Disabled: the open session ends at once, and the password no longer logs in.
    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        &path,
        Some(&admin),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(
        (status, body["active"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{body}"
    );
    let (status, body) = send(&client, &demo, "GET", "/api/v1/tickets", Some(&desk), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")),
        "{body}"
    );
    let (status, body) = login(&client, &demo, "desk", PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials")),
        "{body}"
    );
    assert_eq!(
        account(&client, &demo, &admin, "desk").await["active"],
        false
    );

    // Enabled again: it logs in.
    let (status, _) = send(
        &client,
        &demo,
        "PUT",
        &path,
        Some(&admin),
        Some(json!({"active": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = login(&client, &demo, "desk", PASSWORD).await;
    assert_eq!(
        (status, body["must_change_password"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{body}"
    );

    // The trail names the account and what was done to it.
    let rows = trail(&client, &demo, &admin, "staff_set").await;
    assert_eq!(
        rows[..3],
        [
            ("desk".to_owned(), strings(&["enabled"])),
            ("desk".to_owned(), strings(&["disabled"])),
            ("desk".to_owned(), strings(&["name"])),
        ],
        "{rows:?}"
    );
    demo.stop();
}

#[tokio::test]
async fn an_admin_cannot_disable_or_demote_themself_nor_leave_the_clinic_without_an_admin() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let client = Client::new();
    let admin = demo.login(&client, "admin").await;
    let me = account(&client, &demo, &admin, "admin").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/users/{me}");
    for change in [json!({"active": false}), json!({"role": "desk"})] {
        let (status, body) = send(
            &client,
            &demo,
            "PUT",
            &path,
            Some(&admin),
            Some(change.clone()),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("own_account")),
            "{change}: {body}"
        );
    }
    let still = account(&client, &demo, &admin, "admin").await;
    assert_eq!(
        (still["active"].as_bool(), still["role"].as_str()),
        (Some(true), Some("admin"))
    );

    // Another admin's role is another matter.
    let new = json!({"username": "kepala", "display_name": "Kepala Klinik", "role": "admin", "password": "Pagi-cerah-sekali-88"});
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(new),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let second = body["id"].as_str().unwrap().to_owned();
    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        &format!("/api/v1/users/{second}"),
        Some(&admin),
        Some(json!({"role": "desk"})),
    )
    .await;
    assert_eq!(
        (status, body["role"].as_str()),
        (StatusCode::OK, Some("desk")),
        "{body}"
    );
    // An unknown field is refused.
    let (status, body) = send(
        &client,
        &demo,
        "PUT",
        &path,
        Some(&admin),
        Some(json!({"password": "x"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{body}"
    );
    demo.stop();
}

#[tokio::test]
async fn a_reset_password_must_be_changed_at_the_next_login_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let client = Client::new();
    let admin = demo.login(&client, "admin").await;
    let doctor = demo.login(&client, "doctor").await;
    let id = account(&client, &demo, &admin, "doctor").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/users/{id}/password-reset");

    let (status, body) = send(&client, &demo, "POST", &path, Some(&doctor), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    let (status, _) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/users/00000000-0000-4000-8000-0000000000ff/password-reset",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = send(&client, &demo, "POST", &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let temporary = body["temporary_password"].as_str().unwrap().to_owned();
    assert!(temporary.len() >= 12, "{temporary}");
    // The doctor's open session ended; the old password is gone.
    let (status, _) = send(
        &client,
        &demo,
        "GET",
        "/api/v1/tickets",
        Some(&doctor),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = login(&client, &demo, "doctor", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The temporary password logs in, flagged, and the session may only change it.
    let (status, body) = login(&client, &demo, "doctor", &temporary).await;
    assert_eq!(
        (status, body["must_change_password"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let session = body["token"].as_str().unwrap().to_owned();
    let (status, body) = send(
        &client,
        &demo,
        "GET",
        "/api/v1/tickets",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("password_change_required")),
        "{body}"
    );
    let (status, _) = send(
        &client,
        &demo,
        "GET",
        "/api/v1/auth/me",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The policy holds, and the current password must be right.
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/auth/password",
        Some(&session),
        Some(change(&temporary, "short")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{body}"
    );
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/auth/password",
        Some(&session),
        Some(change("not-the-one-12", "Rina-praktek-pagi-7")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_password")),
        "{body}"
    );
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/auth/password",
        Some(&session),
        Some(change(&temporary, "Rina-praktek-pagi-7")),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Changed: this session works now, and the new password logs in unflagged.
    let (status, _) = send(
        &client,
        &demo,
        "GET",
        "/api/v1/tickets",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = login(&client, &demo, "doctor", "Rina-praktek-pagi-7").await;
    assert_eq!(
        (status, body["must_change_password"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{body}"
    );
    let (status, _) = login(&client, &demo, "doctor", &temporary).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let rows = trail(&client, &demo, &admin, "staff_set").await;
    assert_eq!(
        rows[..2],
        [
            ("doctor".to_owned(), strings(&["password_changed"])),
            ("doctor".to_owned(), strings(&["password_reset"])),
        ],
        "{rows:?}"
    );
    // The temporary password is nowhere on the trail.
    let (_, all) = send(
        &client,
        &demo,
        "GET",
        "/api/v1/audit?limit=1000",
        Some(&admin),
        None,
    )
    .await;
    assert!(!all.to_string().contains(&temporary));
    demo.stop();
}

#[tokio::test]
async fn unlock_lifts_a_login_lock() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let client = Client::new();
    let admin = demo.login(&client, "admin").await;
    for _ in 0..5 {
        login(&client, &demo, "doctor", "wrong-guess-123").await;
    }
    let (status, body) = login(&client, &demo, "doctor", PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("account_locked")),
        "{body}"
    );
    let doctor = account(&client, &demo, &admin, "doctor").await;
    assert_eq!(
        doctor["login_locks"].as_array().unwrap().len(),
        1,
        "{doctor}"
    );
    let path = format!("/api/v1/users/{}/unlock", doctor["id"].as_str().unwrap());

    let desk = demo.login(&client, "desk").await;
    let (status, _) = send(&client, &demo, "POST", &path, Some(&desk), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/users/00000000-0000-4000-8000-0000000000ff/unlock",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = send(&client, &demo, "POST", &path, Some(&admin), None).await;
    assert_eq!(
        (status, body["locks_lifted"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    assert_eq!(
        account(&client, &demo, &admin, "doctor").await["login_locks"],
        json!([])
    );
    let (status, body) = login(&client, &demo, "doctor", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        trail(&client, &demo, &admin, "login_unlocked").await[0].0,
        "doctor"
    );
    demo.stop();
}

#[tokio::test]
async fn an_admin_adds_a_service_and_a_counter_and_the_trail_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let client = Client::new();
    let admin = demo.login(&client, "admin").await;
    let desk = demo.login(&client, "desk").await;
    let service = json!({"code": "G", "name_id": "Poli Gigi", "name_en": "Dental", "active": true});

    let (status, _) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/services",
        Some(&desk),
        Some(service.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/services",
        Some(&admin),
        Some(service.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for field in ["code", "name_id", "name_en", "active"] {
        assert_eq!(body[field], service[field], "{field}");
    }
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/services",
        Some(&admin),
        Some(service),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("service_exists")),
        "{body}"
    );
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/services",
        Some(&admin),
        Some(json!({"code": "g1", "name_id": "x", "name_en": "x", "active": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let counter = json!({"name": "Ruang Gigi 1", "services": ["G"]});
    let (status, _) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/counters",
        Some(&desk),
        Some(counter.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/counters",
        Some(&admin),
        Some(counter.clone()),
    )
    .await;
    assert_eq!(
        (status, body["id"].as_str()),
        (StatusCode::CREATED, Some("ruang-gigi-1")),
        "{body}"
    );
    // The same name again gets an id of its own.
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/counters",
        Some(&admin),
        Some(counter),
    )
    .await;
    assert_eq!(
        (status, body["id"].as_str()),
        (StatusCode::CREATED, Some("ruang-gigi-1-2")),
        "{body}"
    );
    let (status, body) = send(
        &client,
        &demo,
        "POST",
        "/api/v1/counters",
        Some(&admin),
        Some(json!({"name": "Lab", "services": ["Q"]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = send(
        &client,
        &demo,
        "PUT",
        "/api/v1/counters/ruang-gigi-1",
        Some(&admin),
        Some(json!({"name": "Ruang Gigi 1", "services": ["G", "A"]})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, counters) = send(&client, &demo, "GET", "/api/v1/counters", Some(&desk), None).await;
    let gigi = counters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ruang-gigi-1")
        .unwrap();
    assert_eq!(gigi["services"], json!(["G", "A"]));

    assert_eq!(
        trail(&client, &demo, &admin, "service_set").await[0],
        ("G · Poli Gigi".to_owned(), strings(&["created"]))
    );
    let counters = trail(&client, &demo, &admin, "counter_set").await;
    assert_eq!(
        counters[..2],
        [
            ("Ruang Gigi 1".to_owned(), strings(&["services:G,A"])),
            (
                "Ruang Gigi 1".to_owned(),
                strings(&["created", "services:G"])
            ),
        ],
        "{counters:?}"
    );

    // Revoking a device names it.
    let (_, devices) = send(&client, &demo, "GET", "/api/v1/devices", Some(&admin), None).await;
    let kiosk = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["role"] == "kiosk")
        .unwrap();
    let name = kiosk["name"].as_str().unwrap().to_owned();
    let (status, _) = send(
        &client,
        &demo,
        "POST",
        &format!("/api/v1/devices/{}/revoke", kiosk["id"].as_str().unwrap()),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        trail(&client, &demo, &admin, "device_set").await[0],
        (name, strings(&["revoked"]))
    );
    demo.stop();
}

#[test]
fn the_last_active_admin_is_never_disabled_nor_demoted() {
    use medicloud_core::domain::StaffRole;
    use medicloud_core::event::Actor;
    use medicloud_node::ops::StaffChange;
    let n = crate::util::TestNode::start();
    let admin = n
        .node
        .staff()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "admin")
        .unwrap();
    let events = n.event_count();
    for change in [
        StaffChange {
            active: Some(false),
            ..Default::default()
        },
        StaffChange {
            role: Some(StaffRole::Desk),
            ..Default::default()
        },
    ] {
        // Not the admin themself (the system, or a change that came by sync).
        let err = n
            .node
            .update_staff(Actor::System, admin.id, change)
            .unwrap_err();
        assert!(
            err.to_string().contains("at least one active admin"),
            "{err}"
        );
    }
    assert_eq!(n.event_count(), events, "a refused change stores nothing");
}
