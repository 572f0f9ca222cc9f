//! The audit trail: what it records, who may read it, and `medicloud audit verify`
//! catching an edited, removed, reordered or forged entry in the database file.

use crate::util::{PASSWORD, TestNode};
use axum::http::StatusCode;
use medicloud_node::demo;
use medicloud_node::ops::Node;
use medicloud_node::store::Store;
use medicloud_sync::hlc::SystemTime;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// A demo node's data folder with some history, closed again.
fn history(dir: &Path) {
    let store = Store::open(
        &dir.join("node.sqlite"),
        demo::DEMO_CLINIC,
        Arc::new(SystemTime),
    )
    .unwrap();
    let node = Node::new(store);
    demo::seed(&node, PASSWORD).unwrap();
    for _ in 0..3 {
        let req = medicloud_node::ops::NewTicket {
            service: Some("A".parse().unwrap()),
            ..Default::default()
        };
        node.issue_ticket(medicloud_core::event::Actor::System, req)
            .unwrap();
    }
}

fn verify(dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(["audit", "verify", "--data"])
        .arg(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Changes the database directly, as someone with the disk and the database's key but
/// not the audit key would.
fn tamper(dir: &Path, sql: &str) {
    use medicloud_node::store::crypt;
    let key = crypt::DbKey::read(&dir.join("db.key")).unwrap().unwrap();
    let conn = crypt::open(&dir.join("node.sqlite"), &key).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn the_verifier_finds_every_kind_of_tampering_and_passes_an_intact_trail() {
    let cases = [
        ("intact", ""),
        (
            "edited",
            "UPDATE events SET body = replace(body, 'Poli Umum', 'Poli Palsu') WHERE kind = 'service_set'",
        ),
        (
            "removed",
            "DELETE FROM events WHERE seq = 3 AND origin = (SELECT origin FROM events LIMIT 1)",
        ),
        (
            "reordered",
            "UPDATE events SET body = CASE seq WHEN 4 THEN (SELECT body FROM events e2 WHERE e2.origin = events.origin AND e2.seq = 5)
                                                   ELSE (SELECT body FROM events e2 WHERE e2.origin = events.origin AND e2.seq = 4) END
             WHERE seq IN (4, 5)",
        ),
        (
            "cut off the end",
            "DELETE FROM audit_chain WHERE seq = (SELECT MAX(seq) FROM events);
             DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events);
             UPDATE log_heads SET seq = seq - 1;
             UPDATE audit_heads SET seq = seq - 1, mac = (SELECT mac FROM audit_chain c WHERE c.origin = audit_heads.origin AND c.seq = audit_heads.seq - 1)",
        ),
        (
            "forged",
            "INSERT INTO events (origin, seq, stamp, clinic, entity, kind, body)
             SELECT origin, seq + 1000, stamp, clinic, entity, kind, body FROM events ORDER BY seq DESC LIMIT 1",
        ),
    ];
    for (case, sql) in cases {
        let dir = tempfile::tempdir().unwrap();
        history(dir.path());
        if !sql.is_empty() {
            tamper(dir.path(), sql);
        }
        let (ok, text) = verify(dir.path());
        assert_eq!(ok, case == "intact", "{case}: {text}");
        if case == "intact" {
            assert!(text.contains("audit trail intact"), "{text}");
        } else {
            assert!(text.contains("tampered"), "{case}: {text}");
        }
        // A normal start does not paper over it.
        if case != "intact" {
            Store::open(
                &dir.path().join("node.sqlite"),
                demo::DEMO_CLINIC,
                Arc::new(SystemTime),
            )
            .unwrap();
            assert!(!verify(dir.path()).0, "{case}: healed by a restart");
        }
    }
}

#[tokio::test]
async fn logins_lockouts_and_patient_searches_are_on_the_trail_and_only_admins_read_it() {
    let n = TestNode::start();
    let wrong = json!({"username": "desk", "password": "wrong-password-1"}).to_string();
    for _ in 0..5 {
        n.call("POST", "/api/v1/auth/login", None, Some(&wrong))
            .await;
    }
    let admin = n.login("admin").await;
    let doctor = n.login("doctor").await;
    let patient = json!({"name": "Siti Aminah", "nik": "3174054506900001"}).to_string();
    let desk_admin = admin.clone();
    let (status, created) = n
        .call(
            "POST",
            "/api/v1/patients",
            Some(&desk_admin),
            Some(&patient),
        )
        .await;
    assert!(status.is_success(), "{created}");
    let (status, _) = n
        .call(
            "GET",
            "/api/v1/patients?q=3174054506900001",
            Some(&doctor),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = n.call("GET", "/api/v1/audit", Some(&doctor), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, trail) = n
        .call("GET", "/api/v1/audit?limit=1000", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = trail.as_array().unwrap();
    let count = |action: &str| rows.iter().filter(|r| r["action"] == action).count();
    assert_eq!(count("login_failed"), 4, "{trail}");
    assert_eq!(count("account_locked"), 1);
    assert_eq!(count("login"), 2);
    let search: Vec<&Value> = rows
        .iter()
        .filter(|r| r["action"] == "patient_search")
        .collect();
    assert_eq!(search.len(), 1);
    assert_eq!(
        search[0]["patient"], created["id"],
        "the one patient found is named"
    );
    assert!(search[0]["actor"].as_str().unwrap().starts_with("staff:"));
    // The NIK searched for is patient data: it is nowhere in the trail.
    assert!(!trail.to_string().contains("3174054506900001"));

    let path = format!("/api/v1/audit?patient={}", created["id"].as_str().unwrap());
    let (_, about) = n.call("GET", &path, Some(&admin), None).await;
    let actions: Vec<&str> = about
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["patient_search", "patient_set"]);
}

#[tokio::test]
async fn an_admin_reads_patient_records_only_through_audited_break_glass_access() {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let other_admin_session = n.login("admin").await;
    let (status, _) = n
        .call("GET", "/api/v1/patients?q=Siti", Some(&admin), None)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "administrators do not read patients by default"
    );

    let short = json!({"reason": "need it"}).to_string();
    let (status, _) = n
        .call(
            "POST",
            "/api/v1/auth/break-glass",
            Some(&admin),
            Some(&short),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = n
        .call(
            "POST",
            "/api/v1/auth/break-glass",
            Some(&n.kiosk),
            Some(&short),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let reason = json!({"reason": "Doctor on call needs allergy details, desk closed"}).to_string();
    let (status, granted) = n
        .call(
            "POST",
            "/api/v1/auth/break-glass",
            Some(&admin),
            Some(&reason),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    assert_eq!(granted["seconds"], 900);
    let (status, _) = n
        .call("GET", "/api/v1/patients?q=Siti", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = n
        .call(
            "GET",
            "/api/v1/patients?q=Siti",
            Some(&other_admin_session),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the session that asked");

    let (_, trail) = n
        .call(
            "GET",
            "/api/v1/audit?action=break_glass",
            Some(&admin),
            None,
        )
        .await;
    let rows = trail.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{trail}");
    assert_eq!(
        rows[0]["subject"],
        "Doctor on call needs allergy details, desk closed"
    );
}
