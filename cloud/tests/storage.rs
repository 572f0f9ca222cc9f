//! The storage engines, each test run on SQLite and on PostgreSQL (when one answers).

use crate::util::{Db, event};
use medicloud_cloud::storage::{EnrolOutcome, Storage};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::log::VersionVector;

#[tokio::test]
async fn series_stay_contiguous_duplicates_are_ignored_and_rewrites_refused() {
    for db in Db::all().await {
        let s = db.open().await;
        let (clinic, other) = (ClinicId::random(), ClinicId::random());
        s.add_clinic(clinic, "Klinik A", "k").await.unwrap();
        let dev = DeviceId::random();
        let e = |seq, note| event(clinic, dev, seq, note);

        let r = s
            .ingest(clinic, vec![e(1, "a"), e(3, "c")], None)
            .await
            .unwrap();
        assert_eq!((r.accepted, r.out_of_order), (1, 1), "{}", db.name);
        let r = s
            .ingest(clinic, vec![e(3, "c"), e(2, "b"), e(1, "a")], None)
            .await
            .unwrap();
        assert_eq!((r.accepted, r.duplicates), (2, 1), "{}", db.name);
        let r = s.ingest(clinic, vec![e(2, "forged")], None).await.unwrap();
        assert_eq!(
            r.refused, 1,
            "{}: a held (origin, seq) is never rewritten",
            db.name
        );
        let r = s
            .ingest(clinic, vec![event(other, dev, 4, "d")], None)
            .await
            .unwrap();
        assert_eq!(r.refused, 1, "{}: another clinic's event", db.name);

        let summary = s.summary(clinic).await.unwrap();
        assert_eq!(summary.get(&dev), 3, "{}", db.name);
        assert_eq!(s.summary(other).await.unwrap().get(&dev), 0, "{}", db.name);
        let all = s.missing(clinic, &VersionVector::new(), 10).await.unwrap();
        let notes: Vec<u64> = all.iter().map(|e| e.id.seq).collect();
        assert_eq!(notes, [1, 2, 3], "{}", db.name);
        assert_eq!(all[1], e(2, "b"), "{}", db.name);
        assert_eq!(
            s.missing(clinic, &VersionVector::new(), 2)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(s.missing(clinic, &summary, 10).await.unwrap().is_empty());
        db.drop_now().await;
    }
}

#[tokio::test]
async fn label_blocks_never_overlap_under_concurrent_reservations() {
    for db in Db::all().await {
        // Two handles on one database stand for two cloud processes.
        let (a, b) = (db.open().await, db.open().await);
        let clinic = ClinicId::random();
        a.add_clinic(clinic, "Klinik A", "k").await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                s.reserve(clinic, "A", "2026-11-25", 100).await.unwrap()
            }));
        }
        let mut blocks = Vec::new();
        for t in tasks {
            blocks.push(t.await.unwrap());
        }
        blocks.sort();
        for (i, (first, last)) in blocks.iter().enumerate() {
            assert_eq!(
                (*first, *last),
                (i as u32 * 100 + 1, i as u32 * 100 + 100),
                "{}: {blocks:?}",
                db.name
            );
        }
        // Another service or day starts again at 1.
        assert_eq!(
            a.reserve(clinic, "B", "2026-11-25", 10).await.unwrap(),
            (1, 10)
        );
        assert_eq!(
            b.reserve(clinic, "A", "2026-11-26", 10).await.unwrap(),
            (1, 10)
        );
        db.drop_now().await;
    }
}

#[tokio::test]
async fn an_enrolment_code_enrols_one_device_once_and_expires() {
    for db in Db::all().await {
        let (a, b) = (db.open().await, db.open().await);
        let clinic = ClinicId::random();
        a.add_clinic(clinic, "Klinik A", "lan-key").await.unwrap();
        assert!(a.add_code(clinic, "code-1", i64::MAX).await.unwrap());
        assert!(
            !a.add_code(ClinicId::random(), "code-x", i64::MAX)
                .await
                .unwrap(),
            "unknown clinic"
        );
        let mut tasks = Vec::new();
        for i in 0..10 {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let device = DeviceId::random();
                s.enrol("code-1", 0, device, "Kiosk", &format!("secret-{i}"))
                    .await
                    .unwrap()
            }));
        }
        let mut enrolled = 0;
        for t in tasks {
            match t.await.unwrap() {
                EnrolOutcome::Enrolled(e) => {
                    assert_eq!(
                        (e.clinic, e.slot, e.lan_key.as_str()),
                        (clinic, 1, "lan-key")
                    );
                    enrolled += 1;
                }
                other => assert_eq!(other, EnrolOutcome::BadCode),
            }
        }
        assert_eq!(enrolled, 1, "{}: one code, one device", db.name);

        a.add_code(clinic, "code-2", 1_000).await.unwrap();
        let late = a
            .enrol("code-2", 2_000, DeviceId::random(), "Desk", "s")
            .await
            .unwrap();
        assert_eq!(late, EnrolOutcome::BadCode, "{}: expired", db.name);
        a.add_code(clinic, "code-3", i64::MAX).await.unwrap();
        let second = a
            .enrol("code-3", 0, DeviceId::random(), "Desk", "s2")
            .await
            .unwrap();
        let EnrolOutcome::Enrolled(second) = second else {
            panic!("{second:?}")
        };
        assert_eq!(second.slot, 2, "{}: slots count up", db.name);
        let devices = a.devices(clinic).await.unwrap();
        assert_eq!(devices.len(), 2);
        assert!(a.revoke(devices[0].id).await.unwrap());
        assert!(a.devices(clinic).await.unwrap()[0].revoked, "{}", db.name);
        assert!(a.device("s2").await.unwrap().is_some_and(|d| !d.revoked));
        db.drop_now().await;
    }
}
