//! The clinic's reports in the cloud, on SQLite and on PostgreSQL (when one answers):
//! the events of a generated clinic history, fed to a node and to the cloud, give the
//! same report to the last figure — `medicloud_core::report` over two projections of
//! one history — and a small history gives the figures worked out by hand, through
//! `GET /hq/v1/reports/summary` and its CSV and XLSX.

use crate::util::Db;
use chrono::NaiveDate;
use medicloud_cloud::CloudConfig;
use medicloud_cloud::hq::HqRole;
use medicloud_cloud::hq::reports::clinic_summary;
use medicloud_cloud::storage::accounts::{Account, AccountStorage};
use medicloud_cloud::storage::{AnyStorage, Storage};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::{Actor, Event};
use medicloud_core::ids::ClinicId;
use medicloud_core::report::{Facts, Summary};
use medicloud_node::ops::{Node, ServiceSettings};
use medicloud_node::store::Store;
use medicloud_sync::hlc::ManualTime;
use medicloud_sync::log::VersionVector;
use serde_json::{Value, json};
use std::sync::Arc;

const PASSWORD: &str = "sandi-kantor-pusat-1";

/// A node of the demo clinic in Makassar (WITA, UTC+8), a service with a target of its
/// own, and `days` days of `per_day` tickets from `first` from another device, synced
/// in: the node, its folder and every event it holds.
fn clinic(
    clinic: ClinicId,
    first: NaiveDate,
    days: i64,
    per_day: i64,
) -> (Node, tempfile::TempDir, Vec<Event>) {
    let dir = tempfile::tempdir().unwrap();
    // Long after the history: nothing is still waiting.
    let clock = Arc::new(ManualTime::new(1_900_000_000_000));
    let store = Store::open(&dir.path().join("node.sqlite"), clinic, clock).unwrap();
    let node = Node::new(store);
    medicloud_node::demo::seed(&node, "history-password-1").unwrap();
    node.set_clinic(Actor::System, "Klinik Sehat Sentosa", "Asia/Makassar")
        .unwrap();
    node.put_service(
        Actor::System,
        ServiceCode::parse("B").unwrap(),
        ServiceSettings {
            name_id: "Poli Gigi".into(),
            name_en: "Dental".into(),
            active: true,
            slots: None,
            steps: None,
            target_wait_minutes: Some(20),
        },
    )
    .unwrap();
    let history = medicloud_testkit::history::clinic_days(clinic, first, days, per_day, 8);
    for page in history.chunks(500) {
        node.store().ingest(page.to_vec()).unwrap();
    }
    let events = node
        .store()
        .missing_for(&VersionVector::new(), usize::MAX / 2)
        .unwrap();
    (node, dir, events)
}

async fn fed(db: &Db, clinic: ClinicId, events: &[Event]) -> AnyStorage {
    let s = db.open().await;
    s.add_clinic(clinic, "Klinik Sehat Sentosa", "k")
        .await
        .unwrap();
    for page in events.chunks(500) {
        s.ingest(clinic, page.to_vec(), None).await.unwrap();
    }
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_history_gives_the_same_report_on_its_node_and_in_the_cloud() {
    let id = ClinicId::random();
    let first: NaiveDate = "2027-01-04".parse().unwrap();
    let (node, _dir, events) = clinic(id, first, 21, 120);
    let to = first + chrono::Duration::days(20);
    let now = node.store().now_ms();
    let on_node = node.report_summary(first, to).unwrap();
    // What the history holds, so the comparison compares something.
    assert_eq!(on_node.whole_clinic.issued, 21 * 120);
    assert!(on_node.whole_clinic.no_show > 0 && on_node.whole_clinic.cancelled > 0);
    let gigi = on_node
        .per_service
        .iter()
        .find(|s| s.service.as_ref().map(ServiceCode::as_str) == Some("B"))
        .unwrap();
    let umum = &on_node.per_service[0];
    assert!(
        gigi.within_target_ratio < umum.within_target_ratio,
        "the 20-minute target is met less often than the hour"
    );
    assert_eq!(on_node.time_zone, "Asia/Makassar");
    for db in Db::all().await {
        let s = fed(&db, id, &events).await;
        // Computed from the tickets, then from the day facts that first report kept.
        for read in ["computed", "kept"] {
            assert_eq!(
                clinic_summary(&s, id, first, to, now).await.unwrap(),
                on_node,
                "{}, {read}: the node's report, figure for figure",
                db.name
            );
        }
        // A range cut inside the history agrees too (days cut at Makassar's midnight).
        let (a, b) = (
            first + chrono::Duration::days(3),
            first + chrono::Duration::days(9),
        );
        assert_eq!(
            clinic_summary(&s, id, a, b, now).await.unwrap(),
            node.report_summary(a, b).unwrap(),
            "{}",
            db.name
        );
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_ticket_of_a_day_already_reported_is_in_the_next_report_on_the_node_and_in_the_cloud()
 {
    let id = ClinicId::random();
    let first: NaiveDate = "2027-01-04".parse().unwrap();
    let (node, _dir, events) = clinic(id, first, 7, 60);
    let to = first + chrono::Duration::days(6);
    let third = first + chrono::Duration::days(2);
    let now = node.store().now_ms();
    // The first report keeps every day's facts.
    let before = node.report_summary(first, to).unwrap();
    assert_eq!(before.whole_clinic.issued, 7 * 60);
    // A kiosk that was offline all the third day syncs its ten tickets of that day.
    let late = medicloud_testkit::history::clinic_days(id, third, 1, 10, 8);
    node.store().ingest(late.clone()).unwrap();
    let after = node.report_summary(first, to).unwrap();
    assert_eq!(after.whole_clinic.issued, 7 * 60 + 10);
    assert_ne!(after.whole_clinic.wait_p90_s, None);
    // What is kept now is what every ticket gives with nothing kept.
    node.store()
        .write(|w| {
            w.conn().execute("DELETE FROM report_days", [])?;
            Ok(())
        })
        .unwrap();
    assert_eq!(node.report_summary(first, to).unwrap(), after);
    // One more ticket of that day, from yet another device.
    let later = medicloud_testkit::history::clinic_days(id, third, 1, 1, 8);
    node.store().ingest(later.clone()).unwrap();
    let with_later = node.report_summary(first, to).unwrap();
    assert_eq!(with_later.whole_clinic.issued, 7 * 60 + 11);
    for db in Db::all().await {
        let s = fed(&db, id, &events).await;
        assert_eq!(
            clinic_summary(&s, id, first, to, now).await.unwrap(),
            before,
            "{}",
            db.name
        );
        let source = s.report_source(id, first, to).await.unwrap();
        assert_eq!(
            (source.kept.len(), source.tickets.len()),
            (7, 0),
            "{}: every day's facts kept, no ticket read",
            db.name
        );
        s.ingest(id, late.clone(), None).await.unwrap();
        let source = s.report_source(id, first, to).await.unwrap();
        assert_eq!(
            (source.kept.len(), source.tickets.len()),
            (6, 70),
            "{}: the third day's facts forgotten, its tickets read",
            db.name
        );
        // Facts computed from a snapshot that a later change overtook are not kept…
        let basis = Facts::basis(source.time_zone);
        let (_, computed) = source.summary(first, to, now);
        assert_eq!(computed.iter().map(|d| d.day).collect::<Vec<_>>(), [third]);
        s.ingest(id, later.clone(), None).await.unwrap();
        assert_eq!(
            s.keep_report_days(id, basis, computed).await.unwrap(),
            0,
            "{}",
            db.name
        );
        // …and the next report has every ticket, as the node does.
        assert_eq!(
            clinic_summary(&s, id, first, to, now).await.unwrap(),
            with_later,
            "{}",
            db.name
        );
        db.drop_now().await;
    }
}

/// A cloud server on loopback over `db`, with a clinic manager of `clinic`: its base
/// URL and the manager's access token.
async fn manager(db: &Db, s: &AnyStorage, clinic: ClinicId) -> (String, String) {
    s.add_account(Account {
        username: "manajer".into(),
        password_hash: medicloud_core::password::hash_password(PASSWORD, &rand::random()),
        role: HqRole::ClinicManager,
        clinics: vec![clinic],
        disabled: false,
        created_ms: 0,
    })
    .await
    .unwrap();
    let config = CloudConfig {
        database: db.url.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        medicloud_cloud::serve(config, std::future::pending(), |addr, _| {
            let _ = tx.send(addr);
        })
        .await
        .unwrap();
    });
    let base = format!("http://{}", rx.await.unwrap());
    let login: Value = reqwest::Client::new()
        .post(format!("{base}/hq/v1/auth/login"))
        .json(&json!({"username": "manajer", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (base, login["access_token"].as_str().unwrap().to_owned())
}

/// Three tickets on one day (07:30, 07:31:15, 07:32:30 in Makassar), one per poli,
/// waiting 0, 7 and 14 minutes for the loket; registration served 20 s after the call
/// and finished 2 min after it; the room's consultation 7, 8 and 9 minutes from its
/// call. Estimates printed: 0, 60 and 120 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_small_history_gives_the_figures_worked_out_by_hand_over_http() {
    let id = ClinicId::random();
    let day: NaiveDate = "2027-01-15".parse().unwrap();
    let (node, _dir, events) = clinic(id, day, 1, 3);
    for db in Db::all().await {
        let s = fed(&db, id, &events).await;
        let (base, token) = manager(&db, &s, id).await;
        let client = reqwest::Client::new();
        let path = format!("{base}/hq/v1/reports/summary?clinic={id}&from={day}&to={day}");
        let res = client.get(&path).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", db.name);
        let report: Summary = res.json().await.unwrap();
        let whole = &report.whole_clinic;
        assert_eq!((whole.issued, whole.served, whole.no_show), (3, 3, 0));
        // Waits 0, 420, 840 s: nearest-rank p50 is the 2nd, p90 the 3rd.
        assert_eq!(
            (whole.wait_p50_s, whole.wait_p90_s, whole.wait_max_s),
            (Some(420), Some(840), Some(840)),
            "{}",
            db.name
        );
        // Six finished steps: registration 120 s ×3, the rooms 420, 480, 540 s.
        assert_eq!(
            (whole.service_p50_s, whole.service_p90_s),
            (Some(120), Some(540)),
            "{}",
            db.name
        );
        assert_eq!(whole.within_target_ratio, Some(1.0));
        assert_eq!(report.by_hour[7], 3, "07:3x in Makassar, not 23:3x in UTC");
        // |0−0|, |60−420|, |120−840|: a mean of 360 s.
        assert_eq!(report.estimate_mae_s, Some(360.0));
        assert_eq!(
            report,
            node.report_summary(day, day).unwrap(),
            "{}",
            db.name
        );

        // The CSV holds the same figures; the workbook is one.
        let csv = client
            .get(path.replace("summary?", "summary.csv?"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.unwrap();
        assert_eq!(
            text,
            medicloud_core::report_files::csv(&report),
            "{}",
            db.name
        );
        let xlsx = client
            .get(path.replace("summary?", "summary.xlsx?"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), 200);
        assert!(
            xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
            "a zip"
        );

        // A range over 400 days is refused, naming the field; nothing else is said.
        let res = client
            .get(format!(
                "{base}/hq/v1/reports/summary?clinic={id}&from=2026-01-01&to=2027-12-31"
            ))
            .bearer_auth(&token)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["message"], "To: a report covers at most 400 days");
        db.drop_now().await;
    }
}
