//! OAuth 2.0 for API clients, over real HTTP on loopback, on both engines: clients made
//! as `medicloud cloud-admin api-client-add` makes them, tokens from `POST /oauth/token`
//! by client secret (Basic and form) and by a JWT assertion signed by Node's crypto
//! (OpenSSL: not the cloud's implementation), every refusal RFC 6749's, and the token
//! then read by the FHIR API.

use crate::util::{Db, server};
use medicloud_cloud::oauth::{self, Scope};
use medicloud_cloud::storage::{ApiClientStorage, Storage};
use medicloud_core::ids::ClinicId;
use reqwest::StatusCode;
use serde_json::Value;

const ADMIN: &str = "test-admin-token";

fn scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect()
}

async fn clinic(db: &Db) -> ClinicId {
    let id = ClinicId::random();
    assert!(
        db.open()
            .await
            .add_clinic(id, "Klinik Sehat", "k")
            .await
            .unwrap()
    );
    id
}

async fn token_answer(
    base: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let answer = request.send().await.unwrap();
    let (status, headers) = (answer.status(), answer.headers().clone());
    (status, answer.json().await.unwrap(), headers)
}

/// A token request that must be refused: its form, its Basic credentials, the status
/// and the RFC 6749 error.
type Refusal<'a> = (
    &'a [(&'a str, &'a str)],
    Option<(&'a str, &'a str)>,
    StatusCode,
    &'a str,
);

#[tokio::test]
async fn a_client_gets_a_token_with_its_secret_and_nothing_with_a_wrong_one() {
    for db in Db::all().await {
        let base = server(&db, ADMIN).await;
        let storage = db.open().await;
        let clinic = clinic(&db).await;
        let client = oauth::add_client(
            &storage,
            "RS Harapan EHR",
            vec![clinic],
            &scopes("system/Patient.read system/Appointment.*"),
            None,
        )
        .await
        .unwrap();
        let secret = client.secret.clone().unwrap();
        // The secret is kept as its SHA-256 only.
        let stored = storage.api_client(&client.id).await.unwrap().unwrap();
        assert_ne!(stored.secret_sha256.as_deref(), Some(secret.as_str()));
        let grant = [("grant_type", "client_credentials")];

        let (status, body, headers) =
            token_answer(&base, &grant, Some((&client.id, &secret))).await;
        assert_eq!(status, StatusCode::OK, "{} {body}", db.name);
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 300);
        assert_eq!(body["scope"], "system/Patient.read system/Appointment.*");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);

        // client_secret_post, asking for less than it holds.
        let (status, body, _) = token_answer(
            &base,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client.id),
                ("client_secret", &secret),
                ("scope", "system/Appointment.read"),
            ],
            None,
        )
        .await;
        assert_eq!(
            (status, body["scope"].as_str()),
            (StatusCode::OK, Some("system/Appointment.read"))
        );

        let refusals: [Refusal<'_>; 6] = [
            (
                &grant,
                Some((&client.id, "mcs_wrong")),
                StatusCode::UNAUTHORIZED,
                "invalid_client",
            ),
            (
                &grant,
                Some(("mca_nobody", &secret)),
                StatusCode::UNAUTHORIZED,
                "invalid_client",
            ),
            (&grant, None, StatusCode::UNAUTHORIZED, "invalid_client"),
            (
                &[("grant_type", "password")],
                Some((&client.id, &secret)),
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
            ),
            (
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "system/Patient.write"),
                ],
                Some((&client.id, &secret)),
                StatusCode::BAD_REQUEST,
                "invalid_scope",
            ),
            (
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client.id),
                    ("client_secret", &secret),
                ],
                Some((&client.id, &secret)),
                StatusCode::BAD_REQUEST,
                "invalid_request",
            ),
        ];
        for (form, basic, want_status, want_error) in refusals {
            let (status, body, headers) = token_answer(&base, form, basic).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (want_status, Some(want_error)),
                "{form:?}"
            );
            assert!(body["access_token"].is_null());
            if want_status == StatusCode::UNAUTHORIZED && basic.is_some() {
                assert!(
                    headers["www-authenticate"]
                        .to_str()
                        .unwrap()
                        .starts_with("Basic")
                );
            }
        }

        // Disabled: no more tokens.
        assert!(storage.disable_api_client(&client.id).await.unwrap());
        let (status, body, _) = token_answer(&base, &grant, Some((&client.id, &secret))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client"))
        );
        db.drop_now().await;
    }
}

#[tokio::test]
async fn clients_are_made_only_for_clinics_that_exist_and_with_scopes_that_read() {
    let db = Db::sqlite().await;
    let storage = db.open().await;
    let clinic = clinic(&db).await;
    let add = |name: &'static str, clinics: Vec<ClinicId>, s: &'static str, jwks: Option<&str>| {
        let storage = &storage;
        let jwks = jwks.map(str::to_owned);
        async move { oauth::add_client(storage, name, clinics, &scopes(s), jwks).await }
    };
    assert!(
        add("a", vec![clinic], "system/Slot.read", None)
            .await
            .is_ok()
    );
    let errors = [
        add("a", vec![clinic], "system/Slot.read", None)
            .await
            .unwrap_err()
            .to_string(),
        add("b", vec![ClinicId::random()], "system/Slot.read", None)
            .await
            .unwrap_err()
            .to_string(),
        add("c", vec![], "system/Slot.read", None)
            .await
            .unwrap_err()
            .to_string(),
        add("d", vec![clinic], "", None)
            .await
            .unwrap_err()
            .to_string(),
        add("e", vec![clinic], "system/Slot.read", Some("{\"keys\":[]}"))
            .await
            .unwrap_err()
            .to_string(),
        add("f", vec![clinic], "system/Slot.read", Some("not json"))
            .await
            .unwrap_err()
            .to_string(),
    ];
    for (error, words) in errors.iter().zip([
        "exists already",
        "no clinic",
        "--clinic",
        "--scope",
        "no key",
        "does not read",
    ]) {
        assert!(
            error.contains(words) && error.ends_with("nothing was added"),
            "{error}"
        );
    }
    assert_eq!(storage.api_clients().await.unwrap().len(), 1);
}

/// Node's side of the assertion: a key pair, then signed JWTs.
struct Signer {
    dir: tempfile::TempDir,
    alg: &'static str,
    jwks: String,
}

fn node(args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/assertion.mjs");
    let out = std::process::Command::new("node")
        .arg(script)
        .args(args)
        .output()
        .expect("node (Node.js 20) runs the client's side of the assertion");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl Signer {
    fn new(alg: &'static str) -> Self {
        let key: Value = serde_json::from_str(&node(&["key", alg])).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key.pem"), key["private"].as_str().unwrap()).unwrap();
        Self {
            dir,
            alg,
            jwks: key["jwks"].to_string(),
        }
    }

    fn sign(&self, iss: &str, aud: &str, exp_in: i64, jti: &str) -> String {
        let pem = self.dir.path().join("key.pem");
        node(&[
            "sign",
            pem.to_str().unwrap(),
            self.alg,
            &format!("key-{}", self.alg),
            iss,
            aud,
            &exp_in.to_string(),
            jti,
        ])
    }
}

#[tokio::test]
async fn a_backend_service_gets_a_token_with_an_assertion_signed_by_its_key() {
    for db in Db::all().await {
        let base = server(&db, ADMIN).await;
        let storage = db.open().await;
        let clinic = clinic(&db).await;
        let aud = format!("{base}/oauth/token");
        for alg in ["ES384", "RS384"] {
            let signer = Signer::new(alg);
            let client = oauth::add_client(
                &storage,
                &format!("Backend {alg}"),
                vec![clinic],
                &scopes("system/Slot.read"),
                Some(signer.jwks.clone()),
            )
            .await
            .unwrap();
            assert!(client.secret.is_none());
            let form = |assertion: &str| {
                vec![
                    ("grant_type".to_owned(), "client_credentials".to_owned()),
                    (
                        "client_assertion_type".to_owned(),
                        oauth::token::JWT_BEARER.to_owned(),
                    ),
                    ("client_assertion".to_owned(), assertion.to_owned()),
                ]
            };
            let ask = |assertion: String| {
                let base = base.clone();
                let form = form(&assertion);
                async move {
                    let pairs: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    token_answer(&base, &pairs, None).await
                }
            };
            let good = signer.sign(&client.id, &aud, 240, "jti-1");
            let (status, body, _) = ask(good.clone()).await;
            assert_eq!(status, StatusCode::OK, "{alg} {} {body}", db.name);
            assert_eq!(body["scope"], "system/Slot.read");

            let other = Signer::new(alg);
            let refused = [
                (good, "used before"),
                (signer.sign(&client.id, &aud, -60, "jti-2"), "expired"),
                (
                    signer.sign(
                        &client.id,
                        "https://elsewhere.example/oauth/token",
                        240,
                        "jti-3",
                    ),
                    "aud",
                ),
                (signer.sign(&client.id, &aud, 3600, "jti-4"), "five minutes"),
                (other.sign(&client.id, &aud, 240, "jti-5"), "signature"),
                (
                    signer.sign("mca_nobody", &aud, 240, "jti-6"),
                    "no such client",
                ),
            ];
            for (assertion, why) in refused {
                let (status, body, _) = ask(assertion).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{alg} {why}: {body}");
                assert_eq!(body["error"], "invalid_client");
                assert!(
                    body["error_description"].as_str().unwrap().contains(why),
                    "{alg} {why}: {body}"
                );
            }
        }
        db.drop_now().await;
    }
}

#[tokio::test]
async fn a_token_is_refused_once_expired_or_its_client_disabled_and_a_staff_token_is_none() {
    for db in Db::all().await {
        let base = server(&db, ADMIN).await;
        let storage = std::sync::Arc::new(db.open().await);
        let clinic = clinic(&db).await;
        let client = oauth::add_client(
            &*storage,
            "RS Harapan EHR",
            vec![clinic],
            &scopes("system/Patient.read"),
            None,
        )
        .await
        .unwrap();
        let secret = client.secret.clone().unwrap();
        let (_, body, _) = token_answer(
            &base,
            &[("grant_type", "client_credentials")],
            Some((&client.id, &secret)),
        )
        .await;
        let token = body["access_token"].as_str().unwrap().to_owned();
        let http = reqwest::Client::new();
        let read = |token: String| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let answer = http
                    .get(format!("{base}/fhir/r4/Patient"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let challenge = answer
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap().to_owned());
                let status = answer.status();
                (status, answer.json::<Value>().await.unwrap(), challenge)
            }
        };
        let (status, bundle, _) = read(token.clone()).await;
        assert_eq!(
            (status, bundle["type"].as_str()),
            (StatusCode::OK, Some("searchset")),
            "{bundle}"
        );

        // Signed by the cloud's own keys, but expired a minute ago.
        let keys = medicloud_cloud::hq::keys::KeySet::load(storage.clone(), None)
            .await
            .unwrap();
        let now = chrono::Utc::now().timestamp();
        let expired = oauth::ClientClaims {
            iss: medicloud_cloud::hq::keys::ISSUER.into(),
            aud: oauth::AUDIENCE.into(),
            sub: client.id.clone(),
            scope: "system/Patient.read".into(),
            clinics: vec![clinic],
            iat: now - 400,
            exp: now - 60,
            jti: "expired".into(),
        };
        // A staff member's token of the same keys: meant for /hq, not for the API.
        let staff = medicloud_cloud::hq::auth::Claims::new(
            "direktur",
            medicloud_cloud::hq::HqRole::ChainAdmin,
            vec![],
            "chain",
            std::time::Duration::from_secs(300),
        );
        for (token, why) in [
            (keys.sign(&expired).await.unwrap(), "expired"),
            (keys.sign(&staff).await.unwrap(), "not valid"),
            ("not-a-token".to_owned(), "not valid"),
        ] {
            let (status, outcome, challenge) = read(token).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {outcome}");
            assert_eq!(outcome["resourceType"], "OperationOutcome");
            assert_eq!(outcome["issue"][0]["code"], "security");
            assert!(
                outcome["issue"][0]["diagnostics"]
                    .as_str()
                    .unwrap()
                    .contains(why),
                "{outcome}"
            );
            assert!(challenge.unwrap().contains(r#"error="invalid_token""#));
        }
        // An API token is no staff token either.
        let me = http
            .get(format!("{base}/hq/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

        // Disabled: the token it still holds is refused at once, on every replica.
        assert!(storage.disable_api_client(&client.id).await.unwrap());
        let (status, outcome, _) = read(token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{outcome}");
        assert!(
            outcome["issue"][0]["diagnostics"]
                .as_str()
                .unwrap()
                .contains("disabled")
        );
        db.drop_now().await;
    }
}
