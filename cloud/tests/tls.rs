//! The cloud over HTTPS on loopback, with a certificate authority made in the test:
//! devices that trust it enrol and sync, a device that does not is refused in words and
//! sends nothing, plain HTTP to the HTTPS port gets no answer, and a cloud without a
//! certificate will not serve plain HTTP beyond loopback.

use crate::util::{Db, event, server_with};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::exchange::{SyncError, sync_with};
use medicloud_sync::http::{Credential, HttpTransport, TrustedCa};
use medicloud_sync::log::{Log, MemLog};
use medicloud_sync::wire::{self, EnrolRequest, Enrolled};
use medicloud_testkit::Pki;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::Duration;

const ADMIN: &str = "test-admin-token";

/// An admin call over HTTPS, trusting the test's CA.
async fn admin_post(pki: &Pki, base: &str, path: &str, body: Value) -> Value {
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let res = client
        .post(format!("{base}{path}"))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

/// A clinic and a one-time code for one of its devices.
async fn clinic_and_code(pki: &Pki, base: &str) -> (ClinicId, String) {
    let clinic = admin_post(pki, base, "/admin/v1/clinics", json!({"name": "Klinik"})).await;
    let clinic: ClinicId = clinic["id"].as_str().unwrap().parse().unwrap();
    let path = format!("/admin/v1/clinics/{clinic}/enrolment-codes");
    let code = admin_post(pki, base, &path, json!({})).await;
    (clinic, code["code"].as_str().unwrap().to_owned())
}

fn transport(base: &str, credential: Credential, ca: Option<&TrustedCa>) -> HttpTransport {
    HttpTransport::with(base, credential, Duration::from_secs(5), ca).unwrap()
}

async fn enrol(base: &str, code: &str, ca: Option<TrustedCa>) -> Result<Enrolled, SyncError> {
    let (base, request) = (
        base.to_owned(),
        EnrolRequest {
            code: code.to_owned(),
            device: DeviceId::random(),
            name: "Kiosk".into(),
        },
    );
    tokio::task::spawn_blocking(move || {
        transport(&base, Credential::None, ca.as_ref()).post(wire::ENROL, &request)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_that_trusts_the_chains_ca_enrols_and_syncs_over_https() {
    let (pki, db) = (Pki::new(), Db::sqlite().await);
    let base = server_with(&db, ADMIN, Some(&pki)).await;
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let (clinic, code) = clinic_and_code(&pki, &base).await;
    let ca = TrustedCa::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let enrolled = enrol(&base, &code, Some(ca.clone())).await.unwrap();
    assert_eq!(enrolled.clinic, clinic);

    let me = enrolled.device;
    let mut log = MemLog::new(clinic);
    log.ingest((1..=3).map(|seq| event(clinic, me, seq, "x")).collect())
        .unwrap();
    let (secret, b) = (enrolled.secret.clone(), base.clone());
    let log = tokio::task::spawn_blocking(move || {
        let t = transport(&b, Credential::Bearer(secret), Some(&ca));
        sync_with(&mut log, me, &t).unwrap();
        log
    })
    .await
    .unwrap();
    let held = db.open().await;
    let summary = medicloud_cloud::storage::Storage::summary(&held, clinic)
        .await
        .unwrap();
    assert_eq!(summary.get(&me), 3);
    assert_eq!(log.summary().unwrap().get(&me), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_without_the_ca_is_refused_in_words_and_plain_http_gets_no_answer() {
    let (pki, db) = (Pki::new(), Db::sqlite().await);
    let base = server_with(&db, ADMIN, Some(&pki)).await;
    let (clinic, code) = clinic_and_code(&pki, &base).await;

    // Only the web PKI roots: the chain's own CA is unknown, the code stays unused.
    let err = enrol(&base, &code, None).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, SyncError::Unreachable(_)) && message.contains("certificate not trusted"),
        "{message}"
    );
    assert!(
        !message.contains("127.0.0.1"),
        "the error names no address: {message}"
    );
    let ca = TrustedCa::from_pem(pki.ca_pem.as_bytes()).unwrap();
    assert_eq!(enrol(&base, &code, Some(ca)).await.unwrap().clinic, clinic);

    // A plain HTTP request to the HTTPS port: no HTTP answer, whatever the TLS layer says.
    let addr = base.trim_start_matches("https://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET /admin/v1/clinics HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(
        !answer.starts_with(b"HTTP/"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    let plain = reqwest::Client::new()
        .get(base.replace("https://", "http://"))
        .send()
        .await;
    assert!(plain.is_err(), "{:?}", plain.map(|r| r.status()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cloud_without_a_certificate_serves_plain_http_on_loopback_only() {
    let db = Db::sqlite().await;
    let args = |listen: &str, insecure_http: bool| medicloud_cloud::CloudConfig {
        database: db.url.clone(),
        listen: listen.parse().unwrap(),
        admin_token: None,
        tls_cert: None,
        tls_key: None,
        insecure_http,
        ..Default::default()
    };
    // Refused before anything binds, so the test never listens beyond loopback.
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let err = medicloud_cloud::serve(args(listen, false), std::future::pending(), |_, _| {
            panic!("{listen} should not be served")
        })
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("refusing to serve plain HTTP"),
            "{err}"
        );
    }
    // On loopback it serves.
    let base = crate::util::server(&db, ADMIN).await;
    let res = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
}
