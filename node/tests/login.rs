//! Login throttling holds against a hostile machine on the LAN without locking anyone
//! out from their own: failures count per (username, address) and per address, a
//! refusal is a 429 with `Retry-After`, the audit trail and the admin's staff list show
//! the locks, and all is free again after the window (on a clock the test moves).

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use medicloud_node::auth::{ManualClock, Sessions};
use medicloud_testkit::{PASSWORD, TestNode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// The prankster's machine.
const X: [u8; 4] = [10, 0, 0, 66];
/// The doctor's own.
const Y: [u8; 4] = [10, 0, 0, 12];

/// What a login answered.
struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

/// Logs `username` in with `password` from the machine at `from` (`None`: through no
/// socket, as router tests do).
async fn login_from(n: &TestNode, from: Option<[u8; 4]>, username: &str, password: &str) -> Answer {
    let body = json!({"username": username, "password": password}).to_string();
    let mut req = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(Body::from(body))
        .unwrap();
    if let Some(ip) = from {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    }
    let res = n.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        retry_after,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn throttled_node() -> (TestNode, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let n = TestNode::start_with(Sessions::new().with_clock(clock.clone()));
    (n, clock)
}

/// The audit trail's `(action, subject)` pairs of login entries, oldest first.
async fn login_trail(n: &TestNode, admin: &str) -> Vec<(String, String)> {
    let (status, trail) = n
        .call("GET", "/api/v1/audit?limit=1000", Some(admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    assert!(
        !trail.to_string().contains("wrong-guess"),
        "a password on the trail: {trail}"
    );
    let mut rows: Vec<(String, String)> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"].as_str().unwrap().contains("lock"))
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_owned(),
                r["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

/// The `login_locks` of `username` in the admin's staff list.
async fn locks_of(n: &TestNode, admin: &str, username: &str) -> Value {
    let (status, users) = n.call("GET", "/api/v1/users", Some(admin), None).await;
    assert_eq!(status, StatusCode::OK, "{users}");
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("{username} not in {users}"));
    assert!(
        user["display_name"].is_string(),
        "the account itself: {user}"
    );
    user["login_locks"].clone()
}

#[tokio::test]
async fn a_prankster_cannot_lock_the_doctor_out_of_the_doctors_own_machine() {
    let (n, clock) = throttled_node();
    let window = Sessions::LOCKOUT;
    for attempt in 1..Sessions::MAX_FAILURES {
        let a = login_from(&n, Some(X), "doctor", "wrong-guess-1").await;
        assert_eq!(
            a.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}: {}",
            a.body
        );
        assert_eq!(a.retry_after, None);
    }
    let locking = login_from(&n, Some(X), "doctor", "wrong-guess-1").await;
    assert_eq!(
        locking.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locking.body
    );
    assert_eq!(locking.body["code"], "account_locked");
    assert_eq!(locking.retry_after, Some(window.as_secs()));

    // A minute later: the right password from the prankster's machine is refused…
    clock.advance(std::time::Duration::from_secs(60));
    let refused = login_from(&n, Some(X), "doctor", PASSWORD).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["code"], "account_locked");
    assert_eq!(refused.retry_after, Some(window.as_secs() - 60));
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("14 more minutes"),
        "{}",
        refused.body
    );
    login_from(&n, Some(X), "doctor", PASSWORD).await;
    // …and from the doctor's own machine it logs in.
    let own = login_from(&n, Some(Y), "doctor", PASSWORD).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert!(own.body["token"].is_string());
    // Other accounts from the prankster's machine are not locked either.
    assert_eq!(
        login_from(&n, Some(X), "desk", PASSWORD).await.status,
        StatusCode::OK
    );

    // The admin sees that the doctor is locked against that machine, and for how long.
    let admin = n.login("admin").await;
    assert_eq!(
        locks_of(&n, &admin, "doctor").await,
        json!([{"address": "10.0.0.66", "seconds_left": window.as_secs() - 60}])
    );
    assert_eq!(locks_of(&n, &admin, "desk").await, json!([]));
    // The trail names the account and the machine; of the refusals under the lock only
    // the first is recorded.
    assert_eq!(
        login_trail(&n, &admin).await,
        [
            ("account_locked".into(), "doctor from 10.0.0.66".into()),
            (
                "login_refused_locked".into(),
                "doctor from 10.0.0.66".into()
            ),
        ]
    );

    // After the window all is free again (the admin's session has idled out by then).
    clock.advance(window);
    let admin = n.login("admin").await;
    assert_eq!(locks_of(&n, &admin, "doctor").await, json!([]));
    let later = login_from(&n, Some(X), "doctor", PASSWORD).await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
}

#[tokio::test]
async fn password_spraying_from_one_machine_is_refused_there_and_nowhere_else() {
    let (n, clock) = throttled_node();
    let accounts = ["admin", "desk", "doctor"];
    // One or two guesses per account (never enough to lock one), many accounts.
    let mut guesses = 0;
    let refused = loop {
        let username = match guesses % 5 {
            i @ 0..3 => accounts[i].to_owned(),
            _ => format!("staff{guesses}"),
        };
        let a = login_from(&n, Some(X), &username, "wrong-guess-2").await;
        guesses += 1;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            break a;
        }
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);
        assert!(guesses < 100, "never slowed down");
    };
    assert_eq!(
        u32::try_from(guesses).unwrap(),
        Sessions::MAX_ADDRESS_FAILURES
    );
    assert_eq!(refused.body["code"], "rate_limited");
    assert_eq!(refused.retry_after, Some(Sessions::LOCKOUT.as_secs()));
    // Even the right password is refused from that machine now…
    let right = login_from(&n, Some(X), "desk", PASSWORD).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );
    assert_eq!(right.body["code"], "rate_limited");
    assert!(right.retry_after.is_some());
    // …and from every other it works.
    assert_eq!(
        login_from(&n, Some(Y), "desk", PASSWORD).await.status,
        StatusCode::OK
    );

    let admin = n.login("admin").await;
    for account in accounts {
        assert_eq!(
            locks_of(&n, &admin, account).await,
            json!([]),
            "{account}: the machine is refused, no account is locked"
        );
    }
    let trail = login_trail(&n, &admin).await;
    assert_eq!(
        trail,
        [
            ("address_locked".into(), "staff19 from 10.0.0.66".into()),
            ("login_refused_locked".into(), "desk from 10.0.0.66".into()),
        ],
    );

    clock.advance(Sessions::LOCKOUT);
    assert_eq!(
        login_from(&n, Some(X), "desk", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn requests_through_no_socket_count_as_one_unknown_address() {
    let (n, _clock) = throttled_node();
    for _ in 0..Sessions::MAX_FAILURES {
        login_from(&n, None, "doctor", "wrong-guess-3").await;
    }
    let refused = login_from(&n, None, "doctor", PASSWORD).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(
        login_from(&n, Some(Y), "doctor", PASSWORD).await.status,
        StatusCode::OK,
        "a known address is another address"
    );
    let admin = n.login("admin").await;
    assert_eq!(
        locks_of(&n, &admin, "doctor").await,
        json!([{"address": null, "seconds_left": Sessions::LOCKOUT.as_secs()}])
    );
}
