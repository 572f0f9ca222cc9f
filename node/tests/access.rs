//! Refusals change nothing: an expired staff session, a revoked device, a weak password
//! are turned away with a clear error, and the events and tickets stay as they were.

use axum::http::StatusCode;
use medicloud_node::auth::{Clock, ManualClock, Sessions};
use medicloud_testkit::TestNode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const TICKET: &str = r#"{"service":"A"}"#;

/// Sends a request that must be refused with `(status, code)`, and checks that the
/// node's events and tickets are what they were.
async fn refused(
    n: &TestNode,
    token: &str,
    (method, path, body): (&str, &str, Option<&str>),
    (status, code): (u16, &str),
) {
    let before = n.state();
    let (got, json) = n.call(method, path, Some(token), body).await;
    assert_eq!(
        (got.as_u16(), json["code"].as_str()),
        (status, Some(code)),
        "{method} {path}: {json}"
    );
    assert_eq!(n.state(), before, "{method} {path} changed something");
}

#[tokio::test]
async fn an_expired_staff_session_is_refused_and_changes_nothing() {
    // The real limits, on a clock the test moves: nothing here waits in real time.
    let clock = Arc::new(ManualClock::new());
    let (idle, lifetime) = (Sessions::IDLE, Sessions::LIFETIME);
    let n = TestNode::start_with(Sessions::new().with_clock(clock.clone()));
    let (_, waiting) = n
        .call("POST", "/api/v1/tickets", Some(&n.kiosk), Some(TICKET))
        .await;
    let call_next = "/api/v1/counters/loket-1/call-next";

    // Idle for longer than the idle logoff.
    let idle_desk = n.login("desk").await;
    clock.advance(idle + Duration::from_millis(300));
    refused(
        &n,
        &idle_desk,
        ("POST", call_next, None),
        (401, "unauthorized"),
    )
    .await;
    refused(
        &n,
        &idle_desk,
        ("GET", "/api/v1/tickets", None),
        (401, "unauthorized"),
    )
    .await;

    // Busy all along (a request every 5 minutes), logged off at the session's lifetime.
    let busy_desk = n.login("desk").await;
    let started = clock.now();
    let logged_off = loop {
        let (status, _) = n
            .call("GET", "/api/v1/tickets", Some(&busy_desk), None)
            .await;
        if status == StatusCode::UNAUTHORIZED {
            break clock.now() - started;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(clock.now() - started < lifetime * 2, "never logged off");
        clock.advance(Duration::from_secs(5 * 60));
    };
    assert!(
        logged_off + Duration::from_millis(100) >= lifetime,
        "logged off early, after {logged_off:?}"
    );
    refused(
        &n,
        &busy_desk,
        ("POST", call_next, None),
        (401, "unauthorized"),
    )
    .await;

    // The ticket still waits; a fresh login calls it.
    let desk = n.login("desk").await;
    let (status, called) = n.call("POST", call_next, Some(&desk), None).await;
    assert_eq!(status, StatusCode::OK, "{called}");
    assert_eq!(called["id"], waiting["id"]);
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_changes_nothing() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let (_, device) = n
        .call(
            "POST",
            "/api/v1/devices",
            Some(&admin),
            Some(r#"{"name":"Kiosk Dua","role":"kiosk"}"#),
        )
        .await;
    let token = device["token"].as_str().unwrap().to_owned();
    let (status, mine) = n
        .call("POST", "/api/v1/tickets", Some(&token), Some(TICKET))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let (status, _) = n
        .call(
            "POST",
            &format!("/api/v1/devices/{}/revoke", device["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let own = format!("/api/v1/tickets/{}", mine["id"].as_str().unwrap());
    refused(
        &n,
        &token,
        ("POST", "/api/v1/tickets", Some(TICKET)),
        (401, "unauthorized"),
    )
    .await;
    refused(&n, &token, ("GET", &own, None), (401, "unauthorized")).await;
    refused(
        &n,
        &token,
        ("GET", "/api/v1/services", None),
        (401, "unauthorized"),
    )
    .await;
    // The other kiosk goes on.
    let (status, _) = n
        .call("POST", "/api/v1/tickets", Some(&n.kiosk), Some(TICKET))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// Every place a password is set holds to the policy, and the error names the rule
/// without the password.
#[tokio::test]
async fn weak_staff_passwords_are_refused_and_change_nothing() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let user = |username: &str, password: &str| {
        json!({"username": username, "display_name": "Perawat Ani", "role": "desk", "password": password}).to_string()
    };
    let cases = [
        ("perawat", "pendek-1", "at least 12 characters"),
        ("perawat", "perawat-shift-pagi", "contain the username"),
        ("perawat", "zzzzzzzzzzzzzz", "one character repeated"),
        ("perawat", "1234567890123", "run of counting"),
        ("perawat", "Bismillah2026!", "most common"),
    ];
    for (username, password, rule) in cases {
        let before = n.state();
        let (status, body): (StatusCode, Value) = n
            .call(
                "POST",
                "/api/v1/users",
                Some(&admin),
                Some(&user(username, password)),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}: {body}"
        );
        assert_eq!(body["code"], "validation_failed");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(rule), "{password}: {message}");
        assert!(
            !message.contains(password),
            "the error echoes the password: {message}"
        );
        assert_eq!(n.state(), before, "no account was made");
    }
    let (status, _) = n
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(&user("perawat", "jaga-malam-bangsal-3")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The demo and first-start set-up refuse a weak password too.
    let weak = medicloud_node::setup::ensure_staff(
        &n.node,
        medicloud_core::ids::UserId::random(),
        "admin2",
        "Administrator",
        medicloud_core::domain::StaffRole::Admin,
        "password1234",
    );
    assert!(
        matches!(weak, Err(medicloud_node::Error::Invalid(_))),
        "{weak:?}"
    );
    // A demo password that one of the demo's usernames is in changes no account.
    let before = n.state();
    let seeded = medicloud_node::demo::seed(&n.node, "desk-password-99");
    assert!(
        matches!(seeded, Err(medicloud_node::Error::Invalid(_))),
        "{seeded:?}"
    );
    assert_eq!(n.state(), before);
}

/// Sessions saved at a stop come back at the next start with their idle time and age
/// carried over (the time the node was down counts too), once; a session of an account
/// disabled meanwhile does not.
#[test]
fn staff_sessions_survive_a_restart_with_their_time_carried_over() {
    use medicloud_testkit::PASSWORD;
    let n = TestNode::start();
    let store = n.node.store();
    let before = Arc::new(ManualClock::new());
    let sessions = Sessions::new().with_clock(before.clone());
    let desk = sessions
        .login(store, "desk", PASSWORD)
        .unwrap()
        .unwrap()
        .token;
    let doctor = sessions
        .login(store, "doctor", PASSWORD)
        .unwrap()
        .unwrap()
        .token;
    before.advance(Sessions::IDLE - Duration::from_secs(60));
    // The doctor is busy; the desk idles.
    assert!(sessions.authenticate(store, &doctor).unwrap().is_some());
    assert_eq!(sessions.save(store).unwrap(), 2);

    let after = Arc::new(ManualClock::new());
    let restarted = Sessions::new().with_clock(after.clone());
    assert_eq!(restarted.restore(store).unwrap(), 2);
    // The desk's idle time goes on from where it was (a request now would count as
    // activity): two more minutes end it, while the doctor's session holds.
    after.advance(Duration::from_secs(120));
    assert!(restarted.authenticate(store, &desk).unwrap().is_none());
    assert!(restarted.authenticate(store, &doctor).unwrap().is_some());
    // Restored once: a second start finds nothing to take back.
    assert_eq!(Sessions::new().restore(store).unwrap(), 0);
    // A token that was never a session is still nobody.
    assert!(
        restarted
            .authenticate(store, "mcs_forged")
            .unwrap()
            .is_none()
    );
}
