//! The clinics' audit trails at the head office (`GET /hq/v1/audit`), on SQLite and on
//! PostgreSQL (when one answers): the events of a node's working morning — logins, a
//! failed one, a refusal, a ticket called at a counter, a staff account disabled —
//! synced to the cloud give the trail the node lists (`GET /api/v1/audit`), line for
//! line; the cloud adds the clinic, pages newest first across clinics, and refuses
//! what is out of range.

use crate::hq::{add_account, serve};
use crate::util::Db;
use medicloud_cloud::hq::HqRole;
use medicloud_cloud::hq::audit::HqAuditRow;
use medicloud_cloud::storage::{AnyStorage, Storage};
use medicloud_core::audit::AuditRow;
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_node::demo::DEMO_CLINIC;
use medicloud_sync::log::VersionVector;
use medicloud_testkit::TestNode;
use serde_json::{Value, json};

const PASSWORD: &str = "sandi-kantor-pusat-1";

/// A demo node's morning, and the node's own trail of it (newest first) with every
/// event it holds.
async fn morning() -> (Vec<AuditRow>, Vec<Event>) {
    let n = TestNode::start();
    let admin = n.login("admin").await;
    let (status, _) = n
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(r#"{"username":"desk","password":"not-the-password"}"#),
        )
        .await;
    assert_eq!(status, 401);
    let desk = n.login("desk").await;
    // The desk may not read the trail: a refusal on it.
    let (status, _) = n.call("GET", "/api/v1/audit", Some(&desk), None).await;
    assert_eq!(status, 403);
    let (status, _) = n
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&n.kiosk),
            Some(r#"{"service":"A"}"#),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = n
        .call(
            "POST",
            "/api/v1/counters/loket-1/call-next",
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, users) = n.call("GET", "/api/v1/users", Some(&admin), None).await;
    let doctor = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "doctor")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = n
        .call(
            "PUT",
            &format!("/api/v1/users/{doctor}"),
            Some(&admin),
            Some(r#"{"active":false}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, trail) = n
        .call("GET", "/api/v1/audit?limit=1000", Some(&admin), None)
        .await;
    assert_eq!(status, 200, "{trail}");
    let trail: Vec<AuditRow> = serde_json::from_value(trail).unwrap();
    let events = n
        .node
        .store()
        .missing_for(&VersionVector::new(), usize::MAX / 2)
        .unwrap();
    (trail, events)
}

async fn fed(s: &AnyStorage, clinic: ClinicId, name: &str, events: &[Event]) {
    assert!(s.add_clinic(clinic, name, "k").await.unwrap());
    for page in events.chunks(100) {
        s.ingest(clinic, page.to_vec(), None).await.unwrap();
    }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let res = client.get(url).bearer_auth(token).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    let res = client
        .post(format!("{base}/hq/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The rows of an answer, without the clinic (as the node gives them).
fn rows(body: Value) -> Vec<HqAuditRow> {
    serde_json::from_value(body).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clouds_trail_of_a_clinic_is_its_nodes_line_for_line() {
    let (on_node, events) = morning().await;
    // What the morning holds, so the comparison compares something.
    let find = |action: &str| on_node.iter().find(|r| r.action == action);
    let disabled = find("staff_set").unwrap();
    assert_eq!(
        (disabled.subject.as_deref(), disabled.changes.clone()),
        (Some("doctor"), vec!["disabled".to_owned()])
    );
    assert_eq!(find("login").unwrap().subject.as_deref(), Some("desk"));
    assert_eq!(find("login_failed").unwrap().outcome, "failed");
    assert_eq!(
        find("denied").unwrap().subject.as_deref(),
        Some("GET /api/v1/audit")
    );
    assert_eq!(
        find("call").unwrap().subject.as_deref(),
        Some("A-001 · Loket 1")
    );
    assert!(on_node.iter().any(|r| r.action == "service_set"));

    for db in Db::all().await {
        let s = db.open().await;
        fed(&s, DEMO_CLINIC, "Klinik Demo", &events).await;
        // Another clinic's entries, later than the demo's morning.
        let other = ClinicId::random();
        let origin = DeviceId::random();
        let later: Vec<Event> = (1..=3)
            .map(|seq| crate::util::event(other, origin, seq, "login"))
            .collect();
        fed(&s, other, "Klinik Lain", &later).await;
        add_account(&s, "auditor", HqRole::Auditor, &[]).await;
        add_account(&s, "pusat", HqRole::ChainAdmin, &[]).await;
        let base = serve(&db, |_| {}).await;
        let client = reqwest::Client::new();
        let auditor = login(&client, &base, "auditor").await;
        let trail = |query: String| {
            let (client, auditor) = (client.clone(), auditor.clone());
            let url = format!("{base}/hq/v1/audit?{query}");
            async move { get(&client, &url, &auditor).await }
        };

        let (status, body) = trail(format!("clinic={DEMO_CLINIC}&limit=1000")).await;
        assert_eq!(status, 200, "{}: {body}", db.name);
        let in_cloud = rows(body);
        assert!(
            in_cloud
                .iter()
                .all(|r| r.clinic == DEMO_CLINIC && r.clinic_name == "Klinik Demo")
        );
        // Who, by name: the accounts and devices as the clinic set them.
        let named = |action: &str| {
            let r = in_cloud.iter().find(|r| r.row.action == action).unwrap();
            (
                r.row.actor.split(':').next().unwrap().to_owned(),
                r.actor_name.clone(),
            )
        };
        assert_eq!(
            named("staff_set"),
            ("staff".into(), Some("Admin Klinik".into()))
        );
        let (kind, kiosk) = named("issue");
        assert_eq!(kind, "device");
        assert!(kiosk.unwrap().starts_with("Kiosk Lobi"), "the demo's kiosk");
        assert_eq!(
            named("call"),
            ("staff".into(), Some("Petugas Pendaftaran".into()))
        );
        assert_eq!(named("login_failed"), ("system".into(), None));
        let lines: Vec<AuditRow> = in_cloud.into_iter().map(|r| r.row).collect();
        assert_eq!(
            lines, on_node,
            "{}: the node's trail, line for line",
            db.name
        );

        // Filtered as the node filters, and cut at the limit, newest first.
        for (query, keep) in [
            (
                "action=staff_set",
                Box::new(|r: &AuditRow| r.action == "staff_set") as Box<dyn Fn(&AuditRow) -> bool>,
            ),
            (
                "action=login&limit=1",
                Box::new(|r: &AuditRow| r.action == "login"),
            ),
            ("limit=3", Box::new(|_: &AuditRow| true)),
        ] {
            let (status, body) = trail(format!("clinic={DEMO_CLINIC}&{query}")).await;
            assert_eq!(status, 200, "{}: {query}: {body}", db.name);
            let got: Vec<AuditRow> = rows(body).into_iter().map(|r| r.row).collect();
            let limit = if query.ends_with("limit=1") {
                1
            } else if query == "limit=3" {
                3
            } else {
                200
            };
            let want: Vec<AuditRow> = on_node
                .iter()
                .filter(|r| keep(r))
                .take(limit)
                .cloned()
                .collect();
            assert!(!want.is_empty());
            assert_eq!(got, want, "{}: {query}", db.name);
        }
        let actor = &on_node[0].actor;
        let (_, body) = trail(format!("clinic={DEMO_CLINIC}&actor={actor}&limit=1000")).await;
        let want: Vec<&AuditRow> = on_node.iter().filter(|r| r.actor == *actor).collect();
        assert_eq!(rows(body).iter().map(|r| &r.row).collect::<Vec<_>>(), want);

        // Without a clinic: every clinic's, newest first across them.
        let (status, body) = trail("limit=5".into()).await;
        assert_eq!(status, 200);
        let all = rows(body);
        let clinics: Vec<(&str, &str)> = all
            .iter()
            .map(|r| (r.clinic_name.as_str(), r.row.action.as_str()))
            .collect();
        assert_eq!(
            clinics,
            [
                ("Klinik Lain", "login"),
                ("Klinik Lain", "login"),
                ("Klinik Lain", "login"),
                ("Klinik Demo", on_node[0].action.as_str()),
                ("Klinik Demo", on_node[1].action.as_str()),
            ]
        );
        assert_eq!(all[3].row, on_node[0]);
        assert_eq!(all[0].row.seq, 3);
        // Since a time: only what is at or after it.
        let since = on_node[2].at_ms;
        let (_, body) = trail(format!("clinic={DEMO_CLINIC}&since_ms={since}&limit=1000")).await;
        let want: Vec<&AuditRow> = on_node.iter().filter(|r| r.at_ms >= since).collect();
        assert_eq!(rows(body).iter().map(|r| &r.row).collect::<Vec<_>>(), want);

        // "Load more": each page after the previous page's last row.
        let (mut walked, mut before) = (Vec::new(), String::new());
        loop {
            let (status, body) = trail(format!("clinic={DEMO_CLINIC}&limit=4{before}")).await;
            assert_eq!(status, 200, "{}: {body}", db.name);
            let page: Vec<AuditRow> = rows(body).into_iter().map(|r| r.row).collect();
            let Some(last) = page.last() else { break };
            before = format!("&before={}:{}", last.device, last.seq);
            walked.extend(page);
        }
        assert_eq!(walked, on_node, "{}: the trail in pages of 4", db.name);

        // Out of range: 422 with the field named, and the trail as it was.
        let nowhere = format!("before={}:1", DeviceId::random());
        for query in [
            "limit=0",
            "limit=1001",
            "since_ms=-1",
            "limit=lots",
            "clinic=not-an-id",
            "before=lots",
        ] {
            let (status, body) = trail(query.to_owned()).await;
            assert_eq!(status, 422, "{}: {query}: {body}", db.name);
            assert_eq!(body["code"], "validation_failed", "{query}");
        }
        let (status, body) = trail(nowhere).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
        let (_, body) = trail("limit=0".into()).await;
        assert!(
            body["message"].as_str().unwrap().ends_with("1 sampai 1000"),
            "{body}"
        );
        let (_, body) = trail(format!("clinic={DEMO_CLINIC}&limit=1000")).await;
        assert_eq!(
            rows(body).into_iter().map(|r| r.row).collect::<Vec<_>>(),
            on_node
        );

        // The picker's clinics, by name, with their zones.
        let (status, body) = get(&client, &format!("{base}/hq/v1/audit/clinics"), &auditor).await;
        assert_eq!(status, 200);
        assert_eq!(
            body.as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["Klinik Demo", "Klinik Lain"]
        );
        assert_eq!(body[0]["time_zone"], "Asia/Jakarta");
        // The chain's admin reads the same trail.
        let admin = login(&client, &base, "pusat").await;
        let (status, body) = get(
            &client,
            &format!("{base}/hq/v1/audit?clinic={DEMO_CLINIC}&limit=1000"),
            &admin,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            rows(body).into_iter().map(|r| r.row).collect::<Vec<_>>(),
            on_node
        );
        db.drop_now().await;
    }
}

/// Walking a trail page by page, each page after the previous one's last event, gives
/// the trail read at once — also across events of one stamp from several devices and
/// across clinics — on both engines.
#[tokio::test(flavor = "multi_thread")]
async fn a_trail_read_in_pages_is_the_trail_read_at_once() {
    use medicloud_core::event::Stamp;
    let (a, b) = (ClinicId::random(), ClinicId::random());
    let (one, two, three) = (DeviceId::random(), DeviceId::random(), DeviceId::random());
    let series = |clinic, origin, stamps: &[u64]| -> Vec<Event> {
        stamps
            .iter()
            .enumerate()
            .map(|(i, ms)| {
                let mut e = crate::util::event(clinic, origin, i as u64 + 1, "login");
                e.stamp = Stamp::new(*ms, 0);
                e
            })
            .collect()
    };
    // Clinic a: two devices with stamps in common; clinic b: a third, in between.
    let in_a: Vec<Event> = [
        series(a, one, &[10, 20, 20, 30, 40]),
        series(a, two, &[20, 30, 50]),
    ]
    .concat();
    let in_b = series(b, three, &[20, 35, 60]);
    for db in Db::all().await {
        let s = db.open().await;
        fed(&s, a, "A", &in_a).await;
        fed(&s, b, "B", &in_b).await;
        let clinics = vec![a, b];
        let at_once = s
            .audit_page(clinics.clone(), Stamp(0), None, 100)
            .await
            .unwrap();
        assert_eq!(at_once.len(), 11, "{}", db.name);
        let keys: Vec<_> = at_once
            .iter()
            .map(|e| (e.stamp, e.id.origin, e.id.seq))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_by_key(|(s, o, q)| (std::cmp::Reverse(*s), *o, *q));
        assert_eq!(
            keys, sorted,
            "{}: newest first, then origin and seq",
            db.name
        );
        for size in [1, 2, 3] {
            let (mut walked, mut after) = (Vec::new(), None);
            loop {
                let page = s
                    .audit_page(clinics.clone(), Stamp(0), after, size)
                    .await
                    .unwrap();
                assert!(page.len() <= size);
                let Some(last) = page.last() else { break };
                after = Some((last.stamp, last.id.origin, last.id.seq));
                walked.extend(page);
            }
            assert_eq!(walked, at_once, "{}: pages of {size}", db.name);
        }
        // Since a time: the stamps at or after it only.
        let since = s
            .audit_page(clinics, Stamp::new(30, 0), None, 100)
            .await
            .unwrap();
        assert_eq!(since, at_once[..6].to_vec(), "{}", db.name);
        db.drop_now().await;
    }
}
