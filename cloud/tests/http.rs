//! The cloud over real HTTP on loopback: enrolment, replicas converging through it (also
//! through two cloud servers on one PostgreSQL), and every refusal changing nothing.

use crate::util::{Db, event, server};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::columnar;
use medicloud_sync::exchange::{self, SyncError, SyncRequest, SyncResponse, sync_with};
use medicloud_sync::http::HttpTransport;
use medicloud_sync::log::{Log, MemLog};
use medicloud_sync::wire::{self, EnrolRequest, Enrolled};
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN: &str = "test-admin-token";

async fn admin_post(client: &reqwest::Client, base: &str, path: &str, body: Value) -> (u16, Value) {
    let res = client
        .post(format!("{base}{path}"))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn clinic(client: &reqwest::Client, base: &str) -> ClinicId {
    let (status, body) = admin_post(
        client,
        base,
        "/admin/v1/clinics",
        json!({"name": "Klinik Sehat"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

async fn code(client: &reqwest::Client, base: &str, clinic: ClinicId) -> String {
    let (status, body) = admin_post(
        client,
        base,
        &format!("/admin/v1/clinics/{clinic}/enrolment-codes"),
        json!({}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["code"].as_str().unwrap().to_owned()
}

/// Enrols a new device with `code` (blocking HTTP, off the async threads).
async fn enrol(base: &str, code: &str) -> Result<Enrolled, SyncError> {
    let (base, req) = (
        base.to_owned(),
        EnrolRequest {
            code: code.to_owned(),
            device: DeviceId::random(),
            name: "Kiosk".into(),
        },
    );
    tokio::task::spawn_blocking(move || {
        HttpTransport::new(&base, "", Duration::from_secs(5))?.post(wire::ENROL, &req)
    })
    .await
    .unwrap()
}

/// Syncs `log` (the replica of device `me`) through the cloud at `base`.
async fn sync(
    base: &str,
    secret: &str,
    me: DeviceId,
    mut log: MemLog,
) -> (MemLog, Result<(), SyncError>) {
    let (base, secret) = (base.to_owned(), secret.to_owned());
    tokio::task::spawn_blocking(move || {
        let result = HttpTransport::new(&base, &secret, Duration::from_secs(5))
            .and_then(|t| sync_with(&mut log, me, &t).map(|_| ()));
        (log, result)
    })
    .await
    .unwrap()
}

fn with_events(clinic: ClinicId, me: DeviceId, count: u64) -> MemLog {
    let mut log = MemLog::new(clinic);
    let events = (1..=count).map(|seq| event(clinic, me, seq, "x")).collect();
    log.ingest(events).unwrap();
    log
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_converge_through_the_cloud_and_through_two_cloud_servers_on_one_database() {
    for db in Db::all().await {
        let client = reqwest::Client::new();
        let first = server(&db, ADMIN).await;
        // A second, independent server shares the database, on both engines (two
        // SQLite connections on one WAL file wait for each other's writes).
        let second = server(&db, ADMIN).await;
        assert_ne!(first, second);
        let clinic = clinic(&client, &first).await;
        let a = enrol(&first, &code(&client, &first, clinic).await)
            .await
            .unwrap();
        let b = enrol(&second, &code(&client, &second, clinic).await)
            .await
            .unwrap();
        assert_eq!((a.clinic, b.clinic), (clinic, clinic));
        assert_ne!(a.slot, b.slot);
        assert_eq!(a.lan_key, b.lan_key, "one LAN key per clinic");

        // More than a page each, so the exchange pages both ways.
        let (log_a, r) = sync(
            &first,
            &a.secret,
            a.device,
            with_events(clinic, a.device, 700),
        )
        .await;
        r.unwrap();
        let (log_b, r) = sync(
            &second,
            &b.secret,
            b.device,
            with_events(clinic, b.device, 650),
        )
        .await;
        r.unwrap();
        let (log_a, r) = sync(&first, &a.secret, a.device, log_a).await;
        r.unwrap();
        assert_eq!(log_a.events().count(), 1_350, "{}", db.name);
        assert_eq!(
            log_a.summary().unwrap(),
            log_b.summary().unwrap(),
            "{}",
            db.name
        );
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_other_clinics_revoked_devices_and_bad_payloads_are_refused_and_change_nothing() {
    let db = Db::sqlite().await;
    let client = reqwest::Client::new();
    let base = server(&db, ADMIN).await;
    let (clinic_a, clinic_b) = (clinic(&client, &base).await, clinic(&client, &base).await);
    let code_a = code(&client, &base, clinic_a).await;
    let a = enrol(&base, &code_a).await.unwrap();
    let b = enrol(&base, &code(&client, &base, clinic_b).await)
        .await
        .unwrap();
    let (_, r) = sync(
        &base,
        &b.secret,
        b.device,
        with_events(clinic_b, b.device, 3),
    )
    .await;
    r.unwrap();

    // A used code, a wrong admin token.
    assert!(matches!(
        enrol(&base, &code_a).await,
        Err(SyncError::Refused(_))
    ));
    let res = client
        .post(format!("{base}/admin/v1/clinics"))
        .bearer_auth("nope")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let exchange = |secret: &str, body: Value| {
        client
            .post(format!("{base}{}", wire::EXCHANGE))
            .bearer_auth(secret)
            .json(&body)
            .send()
    };
    let request = |clinic: ClinicId, from: DeviceId, events: Value| json!({"clinic": clinic, "from": from, "summary": [], "events": events});
    // No or an unknown secret.
    let res = exchange("unknown", request(clinic_a, a.device, json!([])))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Device A asking for clinic B, posing as B, or carrying B's events.
    for body in [
        request(clinic_b, a.device, json!([])),
        request(clinic_a, b.device, json!([])),
        request(
            clinic_a,
            a.device,
            serde_json::to_value(vec![event(clinic_b, b.device, 4, "forged")]).unwrap(),
        ),
    ] {
        let res = exchange(&a.secret, body).await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "wrong_clinic");
    }
    // Malformed and oversized bodies.
    let res = client
        .post(format!("{base}{}", wire::EXCHANGE))
        .bearer_auth(&a.secret)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // The cloud answers 413 from the length alone and closes; a client still writing the
    // body may see that answer or only the closed connection (the 413 itself, read
    // without sending the body, is in openapi.rs). Either way nothing is stored.
    let res = client
        .post(format!("{base}{}", wire::EXCHANGE))
        .bearer_auth(&a.secret)
        .header("content-type", "application/json")
        .body(vec![b' '; wire::MAX_BODY + 1])
        .send()
        .await;
    match res {
        Ok(res) => assert_eq!(res.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    let too_many: Vec<_> = (1..=501)
        .map(|seq| event(clinic_a, a.device, seq, "x"))
        .collect();
    let res = exchange(
        &a.secret,
        request(clinic_a, a.device, serde_json::to_value(too_many).unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 413);

    // Nothing of that was stored: clinic B still holds its 3 events, clinic A none.
    let (log_b, r) = sync(&base, &b.secret, b.device, MemLog::new(clinic_b)).await;
    r.unwrap();
    assert_eq!(log_b.events().count(), 3);
    let (log_a, r) = sync(&base, &a.secret, a.device, MemLog::new(clinic_a)).await;
    r.unwrap();
    assert_eq!(log_a.events().count(), 0);

    // A revoked device is turned away from then on (401), with or without events to
    // hand over, and what it carries is not stored: its clinic's other device sees none.
    let a2 = enrol(&base, &code(&client, &base, clinic_a).await)
        .await
        .unwrap();
    let (status, _) = admin_post(
        &client,
        &base,
        &format!("/admin/v1/devices/{}/revoke", a.device),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, r) = sync(&base, &a.secret, a.device, MemLog::new(clinic_a)).await;
    assert!(
        matches!(r, Err(SyncError::Refused(ref m)) if m.contains("revoked")),
        "{r:?}"
    );
    let (_, r) = sync(
        &base,
        &a.secret,
        a.device,
        with_events(clinic_a, a.device, 2),
    )
    .await;
    assert!(matches!(r, Err(SyncError::Refused(_))), "{r:?}");
    let carried = serde_json::to_value(vec![event(clinic_a, a.device, 1, "after revoke")]).unwrap();
    let res = exchange(&a.secret, request(clinic_a, a.device, carried))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "revoked");
    let (log_a2, r) = sync(&base, &a2.secret, a2.device, MemLog::new(clinic_a)).await;
    r.unwrap();
    assert_eq!(
        log_a2.events().count(),
        0,
        "a revoked device stored nothing"
    );
    db.drop_now().await;
}

/// Names with control, text-direction or only invisible characters, bodies with unknown
/// fields, ids that are not UUIDs and methods a path does not take: each refused with
/// `{code, message}`, nothing stored.
#[tokio::test(flavor = "multi_thread")]
async fn bad_names_unknown_fields_bad_ids_and_wrong_methods_get_json_errors() {
    let db = Db::sqlite().await;
    let client = reqwest::Client::new();
    let base = server(&db, ADMIN).await;
    let clinic_id = clinic(&client, &base).await;
    let enrolment = code(&client, &base, clinic_id).await;
    let devices = format!("/admin/v1/clinics/{clinic_id}/devices");
    let listed = || async {
        let res = client
            .get(format!("{base}{devices}"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        res.json::<Value>().await.unwrap()
    };
    for name in [
        "Klinik\u{0}",
        "Klinik\u{1B}[2J",
        "Klinik\nBaru",
        "Klinik\u{202E}",
        "\u{200B}",
    ] {
        let (status, err) =
            admin_post(&client, &base, "/admin/v1/clinics", json!({"name": name})).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (422, Some("validation_failed")),
            "{name:?}: {err}"
        );
        assert!(
            err["message"].as_str().unwrap().starts_with("name: "),
            "{err}"
        );
        let enrol = json!({"code": enrolment, "device": DeviceId::random(), "name": name});
        let (status, err) = admin_post(&client, &base, wire::ENROL, enrol).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (422, Some("validation_failed")),
            "{name:?}: {err}"
        );
    }
    // The code was not used up by the refused enrolments.
    assert_eq!(listed().await.as_array().map(Vec::len), Some(0));
    let unknown = [
        (
            "/admin/v1/clinics".to_owned(),
            json!({"name": "Klinik", "nama": "x"}),
        ),
        (
            format!("/admin/v1/clinics/{clinic_id}/enrolment-codes"),
            json!({"valid_hour": 1}),
        ),
    ];
    for (path, body) in unknown {
        let (status, err) = admin_post(&client, &base, &path, body).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (422, Some("validation_failed")),
            "{path}: {err}"
        );
        assert!(
            err["message"].as_str().unwrap().contains("unknown field"),
            "{err}"
        );
    }
    for path in [
        "/admin/v1/clinics/not-a-uuid/enrolment-codes",
        "/admin/v1/devices/123/revoke",
    ] {
        let (status, err) = admin_post(&client, &base, path, json!({})).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (422, Some("validation_failed")),
            "{path}: {err}"
        );
        assert!(
            err["message"].as_str().unwrap().starts_with("id: "),
            "{err}"
        );
    }
    let res = client
        .post(format!("{base}/admin/v1/clinics"))
        .bearer_auth(ADMIN)
        .header("content-type", "text/plain")
        .body(r#"{"name":"Klinik"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "unsupported_media_type"
    );
    for (method, path) in [
        (reqwest::Method::GET, wire::EXCHANGE.to_owned()),
        (reqwest::Method::DELETE, devices.clone()),
        (reqwest::Method::GET, "/admin/v1/clinics".to_owned()),
    ] {
        let res = client
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        assert!(
            res.headers().contains_key("allow"),
            "{method} {path}: Allow kept"
        );
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], "method_not_allowed", "{method} {path}: {err}");
    }
    let res = client
        .get(format!("{base}/admin/v2/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_found");
    // Nothing was stored: the one-time code still enrols the first device.
    assert_eq!(listed().await.as_array().map(Vec::len), Some(0));
    enrol(&base, &enrolment).await.unwrap();
    assert_eq!(listed().await.as_array().map(Vec::len), Some(1));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_is_ready_only_while_its_database_answers() {
    let client = reqwest::Client::new();
    let ready = |base: String| {
        let client = client.clone();
        async move {
            let res = client.get(format!("{base}/readyz")).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    for db in Db::all().await {
        let base = server(&db, "readyz-admin").await;
        let (status, body) = ready(base.clone()).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("ready")),
            "{}",
            db.name
        );
        if db.name == "postgres" {
            // The same replica through a link to its database that is then cut.
            let target = db.url.split('@').nth(1).unwrap().split('/').next().unwrap();
            let proxy = medicloud_testkit::proxy::Proxy::start(target.parse().unwrap());
            let via = db.url.replace(target, &proxy.addr().to_string());
            let base = crate::util::server_at(&via, "readyz-admin", None).await;
            assert_eq!(ready(base.clone()).await.0, 200);
            proxy.set_up(false);
            let (status, body) = ready(base.clone()).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (503, Some("storage_unavailable")),
                "{body}"
            );
            // Its liveness does not depend on the database: it is not to be restarted.
            let live = client.get(format!("{base}/healthz")).send().await.unwrap();
            assert_eq!(live.status(), 200);
            proxy.set_up(true);
            medicloud_testkit::eventually(
                std::time::Duration::from_secs(10),
                "ready again once the link is back",
                || {
                    let ready = ready(base.clone());
                    async move { ready.await.0 == 200 }
                },
            )
            .await;
        }
        db.drop_now().await;
    }
}

/// One JSON round by hand, as a device of a version before the columnar body sends it
/// (no `Accept`): the answer must be JSON.
async fn json_round(base: &str, secret: &str, request: &SyncRequest) -> SyncResponse {
    let res = reqwest::Client::new()
        .post(format!("{base}{}", wire::EXCHANGE))
        .bearer_auth(secret)
        .json(request)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_only_device_and_a_columnar_one_sync_through_the_cloud_and_a_corrupt_page_stores_nothing()
 {
    let db = Db::sqlite().await;
    let client = reqwest::Client::new();
    let base = server(&db, ADMIN).await;
    let clinic = clinic(&client, &base).await;
    let a = enrol(&base, &code(&client, &base, clinic).await)
        .await
        .unwrap();
    let b = enrol(&base, &code(&client, &base, clinic).await)
        .await
        .unwrap();
    // A, with this version's client: columnar after the cloud's first answer.
    let (url, secret, me) = (base.clone(), a.secret.clone(), a.device);
    let (log_a, columnar) = tokio::task::spawn_blocking(move || {
        let mut log = with_events(clinic, me, 700);
        let t = HttpTransport::new(&url, &secret, Duration::from_secs(5)).unwrap();
        sync_with(&mut log, me, &t).unwrap();
        (log, t.sends_columnar())
    })
    .await
    .unwrap();
    assert!(
        columnar,
        "the cloud answered columnar, so the client sends columnar"
    );

    // B, JSON only: pushes its events, pulls A's, every answer JSON.
    let mut log_b = with_events(clinic, b.device, 5);
    let mut push = log_b.missing_for(&Default::default(), usize::MAX).unwrap();
    loop {
        let request = SyncRequest {
            clinic,
            from: b.device,
            summary: exchange::summary_to_wire(&log_b.summary().unwrap()),
            events: std::mem::take(&mut push),
        };
        let response = json_round(&base, &b.secret, &request).await;
        log_b.ingest(response.events).unwrap();
        if !response.more {
            break;
        }
    }
    assert_eq!(log_b.events().count(), 705);
    let (log_a, r) = sync(&base, &a.secret, a.device, log_a).await;
    r.unwrap();
    assert_eq!(log_a.summary().unwrap(), log_b.summary().unwrap());

    // A columnar page cut short, and one that inflates past the limit: refused, and
    // none of their events stored.
    let more: Vec<_> = (701..=710)
        .map(|seq| event(clinic, a.device, seq, "y"))
        .collect();
    let page = columnar::encode_request(&SyncRequest {
        clinic,
        from: a.device,
        summary: exchange::summary_to_wire(&log_a.summary().unwrap()),
        events: more,
    });
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut deflate, &vec![0u8; 2 * wire::MAX_BODY]).unwrap();
    let mut bomb = vec![columnar::MAGIC, 1];
    bomb.extend(deflate.finish().unwrap());
    for (body, status, code) in [
        (page[..page.len() - 3].to_vec(), 400, "bad_body"),
        (bomb, 413, "payload_too_large"),
    ] {
        let res = client
            .post(format!("{base}{}", wire::EXCHANGE))
            .bearer_auth(&a.secret)
            .header("content-type", columnar::MEDIA_TYPE)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["code"], code, "{error}");
    }
    let held = json_round(
        &base,
        &b.secret,
        &SyncRequest {
            clinic,
            from: b.device,
            summary: exchange::summary_to_wire(&log_b.summary().unwrap()),
            events: Vec::new(),
        },
    )
    .await;
    assert!(
        held.events.is_empty(),
        "nothing of the refused pages stored"
    );
    assert!(
        held.summary.contains(&(a.device, 700)),
        "{:?}",
        held.summary
    );
    // The whole page is taken.
    let res = client
        .post(format!("{base}{}", wire::EXCHANGE))
        .bearer_auth(&a.secret)
        .header("content-type", columnar::MEDIA_TYPE)
        .header("accept", columnar::MEDIA_TYPE)
        .body(page)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], columnar::MEDIA_TYPE);
    let frame = res.bytes().await.unwrap();
    let answer = columnar::decode_response(&frame, wire::MAX_BODY).unwrap();
    assert!(
        answer.summary.contains(&(a.device, 710)),
        "{:?}",
        answer.summary
    );
}
