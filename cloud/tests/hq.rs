//! `/hq/v1` over real HTTP on both engines: chain staff log in, their JWT access
//! tokens are verified on every request, refused tokens change nothing, refresh chains
//! rotate and revoke, the permission table holds on every route, failed logins lock.

use crate::util::Db;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use medicloud_cloud::CloudConfig;
use medicloud_cloud::hq::HqRole;
use medicloud_cloud::hq::auth::Claims;
use medicloud_cloud::hq::keys::{self, KeySet};
use medicloud_cloud::storage::accounts::{Account, AccountStorage, AddAccount};
use medicloud_cloud::storage::{AnyStorage, Storage};
use medicloud_core::ids::ClinicId;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "sandi-kantor-pusat-1";

/// A chain with two clinics and one account of each role (the manager's: clinic `a`).
struct Chain {
    base: String,
    storage: AnyStorage,
    a: ClinicId,
    b: ClinicId,
    client: reqwest::Client,
}

/// A cloud server on loopback over `db`, with `config` changed by `tweak`.
pub(crate) async fn serve(db: &Db, tweak: impl FnOnce(&mut CloudConfig)) -> String {
    let mut config = CloudConfig {
        database: db.url.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    tweak(&mut config);
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        medicloud_cloud::serve(config, std::future::pending(), |addr, _| {
            let _ = tx.send(addr);
        })
        .await
        .unwrap();
    });
    format!("http://{}", rx.await.unwrap())
}

pub(crate) async fn add_account(
    storage: &AnyStorage,
    username: &str,
    role: HqRole,
    clinics: &[ClinicId],
) {
    let added = storage
        .add_account(Account {
            username: username.into(),
            password_hash: medicloud_core::password::hash_password(PASSWORD, &rand::random()),
            role,
            clinics: clinics.to_vec(),
            disabled: false,
            created_ms: 0,
        })
        .await
        .unwrap();
    assert_eq!(added, AddAccount::Added);
}

async fn chain(db: &Db) -> Chain {
    chain_with(db, |_| {}).await
}

async fn chain_with(db: &Db, tweak: impl FnOnce(&mut CloudConfig)) -> Chain {
    let storage = db.open().await;
    let (a, b) = (ClinicId::random(), ClinicId::random());
    assert!(storage.add_clinic(a, "Klinik A", "k").await.unwrap());
    assert!(storage.add_clinic(b, "Klinik B", "k").await.unwrap());
    add_account(&storage, "pusat", HqRole::ChainAdmin, &[]).await;
    add_account(&storage, "manajer", HqRole::ClinicManager, &[a]).await;
    add_account(&storage, "auditor", HqRole::Auditor, &[]).await;
    let base = serve(db, tweak).await;
    Chain {
        base,
        storage,
        a,
        b,
        // The OpenID Connect routes answer browsers with redirects: the tests read them.
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl Chain {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Logs in; `(access_token, refresh_token)`.
    async fn login(&self, username: &str) -> (String, String) {
        let (status, body) = self
            .post(
                "/hq/v1/auth/login",
                None,
                json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        tokens(&body)
    }

    async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.post(
            "/hq/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// `GET /hq/v1/me`: its status, and the code of a refusal.
    async fn me(&self, token: &str) -> (u16, Value) {
        self.get("/hq/v1/me", Some(token)).await
    }
}

fn tokens(body: &Value) -> (String, String) {
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("(no code)")
}

/// The JSON of a JWT's header.
fn header(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&B64.decode(part).unwrap()).unwrap()
}

/// `token` with its header replaced by `header` (the signature left as it was).
fn with_header(token: &str, header: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[0] = B64.encode(serde_json::to_vec(header).unwrap());
    parts.join(".")
}

/// `token` with the first character of its signature changed.
fn with_bad_signature(token: &str) -> String {
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = sig.chars().collect();
    sig[0] = if sig[0] == 'A' { 'B' } else { 'A' };
    format!("{head}.{}", sig.into_iter().collect::<String>())
}

/// The claims inside a token (not verified: the tests read what they will forge).
fn claims(token: &str) -> Claims {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn a_login_gives_tokens_and_me_names_the_account_on_both_engines() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        for (username, role, clinics) in [
            ("pusat", "chain_admin", vec![]),
            ("manajer", "clinic_manager", vec![chain.a.to_string()]),
            ("auditor", "auditor", vec![]),
        ] {
            let (status, body) = chain
                .post(
                    "/hq/v1/auth/login",
                    None,
                    json!({"username": username.to_uppercase(), "password": PASSWORD}),
                )
                .await;
            assert_eq!(status, 200, "{}: {body}", db.name);
            assert_eq!(body["expires_in"], 300, "{}", db.name);
            let (access, refresh) = tokens(&body);
            assert!(refresh.len() >= 64);
            let head = header(&access);
            assert_eq!(head["alg"], "EdDSA");
            assert!(head["kid"].is_string(), "the header names its key: {head}");
            let (status, me) = chain.me(&access).await;
            assert_eq!(status, 200);
            assert_eq!(
                me,
                json!({"username": username, "role": role, "clinics": clinics}),
                "{}",
                db.name
            );
        }
        // A wrong password and an unknown username are one answer.
        for (username, password) in [("pusat", "sandi-yang-salah-1"), ("siapa", PASSWORD)] {
            let (status, body) = chain
                .post(
                    "/hq/v1/auth/login",
                    None,
                    json!({"username": username, "password": password}),
                )
                .await;
            assert_eq!((status, code(&body)), (401, "invalid_credentials"));
        }
        // No token, or not a token at all.
        assert_eq!(chain.get("/hq/v1/me", None).await.0, 401);
        let (status, body) = chain.me("not-a-jwt").await;
        assert_eq!((status, code(&body)), (401, "unauthorized"));
        db.drop_now().await;
    }
}

/// Each forged or stale token is refused, and the request it carried did nothing: a
/// logout with it leaves the login's chain live.
#[tokio::test]
async fn expired_forged_and_unknown_key_tokens_are_refused_and_change_nothing() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        let (access, refresh) = chain.login("manajer").await;
        let good = claims(&access);
        // The same database's key set, as another replica has it: it can sign.
        let replica = KeySet::load(Arc::new(db.open().await), None).await.unwrap();
        let expired = replica
            .sign(&Claims {
                exp: good.iat - 120,
                iat: good.iat - 420,
                ..good.clone()
            })
            .await
            .unwrap();
        let mut unknown_kid = header(&access);
        unknown_kid["kid"] = json!("0000000000000000");
        let mut no_kid = header(&access);
        no_kid.as_object_mut().unwrap().remove("kid");
        let mut hs256 = header(&access);
        hs256["alg"] = json!("HS256");
        // Another role or clinic written into the claims breaks the signature.
        let mut promoted = access.split('.').map(str::to_owned).collect::<Vec<_>>();
        let mut raised = good.clone();
        raised.role = HqRole::ChainAdmin;
        promoted[1] = B64.encode(serde_json::to_vec(&raised).unwrap());
        let cases = [
            ("expired", expired, "token_expired"),
            (
                "wrong signature",
                with_bad_signature(&access),
                "unauthorized",
            ),
            ("claims changed", promoted.join("."), "unauthorized"),
            (
                "unknown kid",
                with_header(&access, &unknown_kid),
                "unauthorized",
            ),
            ("no kid", with_header(&access, &no_kid), "unauthorized"),
            (
                "another algorithm",
                with_header(&access, &hs256),
                "unauthorized",
            ),
        ];
        for (what, token, expected) in &cases {
            let (status, body) = chain.me(token).await;
            assert_eq!(
                (status, code(&body)),
                (401, *expected),
                "{}: {what}",
                db.name
            );
            let (status, body) = chain
                .post("/hq/v1/auth/logout", Some(token), json!({}))
                .await;
            assert_eq!(
                (status, code(&body)),
                (401, *expected),
                "{}: {what}",
                db.name
            );
        }
        // Nothing changed: the real token still works, and so does its refresh token.
        assert_eq!(chain.me(&access).await.0, 200, "{}", db.name);
        let (status, body) = chain.refresh(&refresh).await;
        assert_eq!(status, 200, "{}: {body}", db.name);
        db.drop_now().await;
    }
}

#[tokio::test]
async fn logout_revokes_the_chain_and_every_token_it_gave() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        let (first, refresh) = chain.login("pusat").await;
        let (status, body) = chain.refresh(&refresh).await;
        assert_eq!(status, 200);
        let (second, latest) = tokens(&body);
        let (other, _) = chain.login("pusat").await;
        let (status, _) = chain
            .post("/hq/v1/auth/logout", Some(&second), json!({}))
            .await;
        assert_eq!(status, 204, "{}", db.name);
        for token in [&first, &second] {
            let (status, body) = chain.me(token).await;
            assert_eq!(
                (status, code(&body)),
                (401, "session_revoked"),
                "{}",
                db.name
            );
        }
        let (status, body) = chain.refresh(&latest).await;
        assert_eq!((status, code(&body)), (401, "unauthorized"), "{}", db.name);
        // Another login of the same account is its own chain.
        assert_eq!(chain.me(&other).await.0, 200, "{}", db.name);
        db.drop_now().await;
    }
}

#[tokio::test]
async fn a_refresh_token_used_twice_revokes_its_whole_chain() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        let (first, r1) = chain.login("manajer").await;
        let (status, body) = chain.refresh(&r1).await;
        assert_eq!(status, 200);
        let (second, r2) = tokens(&body);
        assert_ne!(r1, r2, "the refresh token is rotated");
        assert_eq!(claims(&second).sid, claims(&first).sid, "one chain");
        assert_eq!(chain.me(&second).await.0, 200);
        // r1 again (a thief's copy, or the owner's): the chain is revoked.
        let (status, body) = chain.refresh(&r1).await;
        assert_eq!(
            (status, code(&body)),
            (401, "session_revoked"),
            "{}",
            db.name
        );
        for token in [&first, &second] {
            let (status, body) = chain.me(token).await;
            assert_eq!(
                (status, code(&body)),
                (401, "session_revoked"),
                "{}",
                db.name
            );
        }
        let (status, _) = chain.refresh(&r2).await;
        assert_eq!(status, 401, "{}: the newest refresh token too", db.name);
        // Garbage is refused without revoking anything else.
        let (status, body) = chain.refresh("mhr_nonsense").await;
        assert_eq!((status, code(&body)), (401, "unauthorized"));
        db.drop_now().await;
    }
}

/// Rotation: the new key signs, tokens of the older keys still verify until retired,
/// and a replica that meets a key id it does not know reloads the set. A token of
/// another database's key set is refused, also when it borrows a known key id.
#[tokio::test]
async fn keys_rotate_and_another_databases_key_set_is_refused() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        let (old_token, _) = chain.login("pusat").await;
        let old_kid = header(&old_token)["kid"].as_str().unwrap().to_owned();
        // Another chain's cloud: its own database, its own keys.
        let elsewhere = Db::sqlite().await;
        let foreign = KeySet::load(Arc::new(elsewhere.open().await), None)
            .await
            .unwrap();
        let new_kid = keys::rotate(
            &chain.storage,
            None,
            chrono::Utc::now().timestamp_millis() + 1,
        )
        .await
        .unwrap();
        // A replica started after the rotation signs with the new key; the running
        // server has not read it yet, and accepts it by reloading.
        let replica = KeySet::load(Arc::new(db.open().await), None).await.unwrap();
        let claims_now = claims(&old_token);
        let new_token = replica.sign(&claims_now).await.unwrap();
        assert_eq!(header(&new_token)["kid"], new_kid.as_str());
        assert_eq!(chain.me(&new_token).await.0, 200, "{}: new key", db.name);
        assert_eq!(chain.me(&old_token).await.0, 200, "{}: old key", db.name);
        let forged = foreign.sign(&claims_now).await.unwrap();
        let (status, body) = chain.me(&forged).await;
        assert_eq!((status, code(&body)), (401, "unauthorized"), "{}", db.name);
        let mut borrowed = header(&forged);
        borrowed["kid"] = json!(new_kid);
        let (status, body) = chain.me(&with_header(&forged, &borrowed)).await;
        assert_eq!((status, code(&body)), (401, "unauthorized"), "{}", db.name);
        // Retired, the old key verifies nothing on a replica that (re)reads the set.
        assert!(
            chain
                .storage
                .retire_signing_key(&old_kid, chrono::Utc::now().timestamp_millis())
                .await
                .unwrap()
        );
        let fresh = KeySet::load(Arc::new(db.open().await), None).await.unwrap();
        assert!(fresh.verify::<Claims>(&old_token).await.is_err());
        assert!(fresh.verify::<Claims>(&new_token).await.is_ok());
        db.drop_now().await;
        elsewhere.drop_now().await;
    }
}

#[tokio::test]
async fn sealed_keys_need_the_key_secret() {
    let db = Db::sqlite().await;
    let storage = Arc::new(db.open().await);
    let secret = keys::KeySecret::new("rahasia-rantai-klinik");
    let sealed = KeySet::load(storage.clone(), Some(secret.clone()))
        .await
        .unwrap();
    let rows = storage.signing_keys().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sealed);
    let claims = Claims::new(
        "pusat",
        HqRole::ChainAdmin,
        vec![],
        "c",
        Duration::from_secs(60),
    );
    let token = sealed.sign(&claims).await.unwrap();
    // A replica with the same secret signs and verifies; without it, or with another,
    // it does not start.
    let same = KeySet::load(storage.clone(), Some(secret)).await.unwrap();
    assert_eq!(same.verify::<Claims>(&token).await.unwrap(), claims);
    for other in [None, Some(keys::KeySecret::new("tebakan"))] {
        let err = KeySet::load(storage.clone(), other).await.unwrap_err();
        assert!(err.to_string().contains("--hq-key-secret"), "{err}");
    }
}

/// One row of the role table: method, path, who (`None`: no token), status, code.
type Case<'a> = (&'a str, &'a str, Option<&'a str>, u16, Option<&'a str>);

/// Role × route × expected status, for every `/hq/v1` route (the manager's clinic is
/// `a`; `b` is another clinic of the chain).
#[tokio::test]
async fn role_boundaries_on_every_hq_route() {
    for db in Db::all().await {
        // An OpenID Connect provider that cannot be reached: its routes are there.
        let chain = chain_with(&db, |c| {
            c.oidc_issuer = Some("http://127.0.0.1:9".into());
            c.oidc_client_id = Some("medicloud-hq".into());
            c.public_url = Some("http://127.0.0.1:9".into());
        })
        .await;
        let (a, b) = (chain.a, chain.b);
        let devices_a = format!("/hq/v1/clinics/{a}/devices");
        let devices_b = format!("/hq/v1/clinics/{b}/devices");
        let tickets_a = format!("/hq/v1/clinics/{a}/tickets?date=2027-01-15");
        let tickets_b = format!("/hq/v1/clinics/{b}/tickets?date=2027-01-15");
        let config_a = format!("/hq/v1/clinics/{a}/configuration");
        let config_b = format!("/hq/v1/clinics/{b}/configuration");
        let range = "from=2027-01-01&to=2027-01-31";
        let report = |clinic: ClinicId, ext: &str| {
            format!("/hq/v1/reports/summary{ext}?clinic={clinic}&{range}")
        };
        let (report_a, report_b) = (report(a, ""), report(b, ""));
        let (csv_a, csv_b) = (report(a, ".csv"), report(b, ".csv"));
        let (xlsx_a, xlsx_b) = (report(a, ".xlsx"), report(b, ".xlsx"));
        let (audit_a, audit_b) = (
            format!("/hq/v1/audit?clinic={a}"),
            format!("/hq/v1/audit?clinic={b}"),
        );
        #[rustfmt::skip]
        let table: &[Case] = &[
            // method, path, who (None: no token), status, code
            ("GET",  "/hq/v1/me",         Some("pusat"),   200, None),
            ("GET",  "/hq/v1/me",         Some("manajer"), 200, None),
            ("GET",  "/hq/v1/me",         Some("auditor"), 200, None),
            ("GET",  "/hq/v1/me",         None,            401, Some("unauthorized")),
            ("GET",  "/hq/v1/clinics",    Some("pusat"),   200, None),
            ("GET",  "/hq/v1/clinics",    Some("manajer"), 200, None),
            ("GET",  "/hq/v1/clinics",    Some("auditor"), 403, Some("forbidden")),
            ("GET",  "/hq/v1/clinics",    None,            401, Some("unauthorized")),
            ("GET",  &tickets_a,          Some("pusat"),   200, None),
            ("GET",  &tickets_a,          Some("manajer"), 200, None),
            ("GET",  &tickets_a,          Some("auditor"), 403, Some("forbidden")),
            ("GET",  &tickets_a,          None,            401, Some("unauthorized")),
            ("GET",  &tickets_b,          Some("pusat"),   200, None),
            ("GET",  &tickets_b,          Some("manajer"), 403, Some("clinic_not_on_account")),
            ("GET",  &tickets_b,          Some("auditor"), 403, Some("forbidden")),
            ("GET",  &devices_a,          Some("pusat"),   200, None),
            ("GET",  &devices_a,          Some("manajer"), 200, None),
            ("GET",  &devices_a,          Some("auditor"), 403, Some("forbidden")),
            ("GET",  &devices_a,          None,            401, Some("unauthorized")),
            ("GET",  &devices_b,          Some("pusat"),   200, None),
            ("GET",  &devices_b,          Some("manajer"), 403, Some("clinic_not_on_account")),
            ("GET",  &devices_b,          Some("auditor"), 403, Some("forbidden")),
            ("GET",  &devices_b,          None,            401, Some("unauthorized")),
            ("GET",  &config_a,           Some("pusat"),   200, None),
            ("GET",  &config_a,           Some("manajer"), 200, None),
            ("GET",  &config_a,           Some("auditor"), 403, Some("forbidden")),
            ("GET",  &config_a,           None,            401, Some("unauthorized")),
            ("GET",  &config_b,           Some("manajer"), 403, Some("clinic_not_on_account")),
            ("GET",  &report_a,           Some("pusat"),   200, None),
            ("GET",  &report_a,           Some("manajer"), 200, None),
            ("GET",  &report_a,           Some("auditor"), 403, Some("forbidden")),
            ("GET",  &report_a,           None,            401, Some("unauthorized")),
            ("GET",  &report_b,           Some("pusat"),   200, None),
            ("GET",  &report_b,           Some("manajer"), 403, Some("clinic_not_on_account")),
            ("GET",  &csv_a,              Some("manajer"), 200, None),
            ("GET",  &csv_a,              Some("auditor"), 403, Some("forbidden")),
            ("GET",  &csv_a,              None,            401, Some("unauthorized")),
            ("GET",  &csv_b,              Some("manajer"), 403, Some("clinic_not_on_account")),
            ("GET",  &xlsx_a,             Some("pusat"),   200, None),
            ("GET",  &xlsx_a,             Some("auditor"), 403, Some("forbidden")),
            ("GET",  &xlsx_a,             None,            401, Some("unauthorized")),
            ("GET",  &xlsx_b,             Some("manajer"), 403, Some("clinic_not_on_account")),
            // The trail: auditors and the chain's admin; managers not even their own
            // clinic's (the table gives `read_audit` to no manager).
            ("GET",  "/hq/v1/audit",      Some("auditor"), 200, None),
            ("GET",  "/hq/v1/audit",      Some("pusat"),   200, None),
            ("GET",  "/hq/v1/audit",      Some("manajer"), 403, Some("forbidden")),
            ("GET",  "/hq/v1/audit",      None,            401, Some("unauthorized")),
            ("GET",  &audit_a,            Some("auditor"), 200, None),
            ("GET",  &audit_b,            Some("auditor"), 200, None),
            ("GET",  &audit_a,            Some("pusat"),   200, None),
            ("GET",  &audit_a,            Some("manajer"), 403, Some("forbidden")),
            ("GET",  &audit_b,            Some("manajer"), 403, Some("forbidden")),
            ("GET",  &audit_a,            None,            401, Some("unauthorized")),
            ("GET",  "/hq/v1/audit/clinics", Some("auditor"), 200, None),
            ("GET",  "/hq/v1/audit/clinics", Some("pusat"),   200, None),
            ("GET",  "/hq/v1/audit/clinics", Some("manajer"), 403, Some("forbidden")),
            ("GET",  "/hq/v1/audit/clinics", None,            401, Some("unauthorized")),
            // The API clients' reads of patient data: the trail's readers only.
            ("GET",  "/hq/v1/api-reads",  Some("auditor"), 200, None),
            ("GET",  "/hq/v1/api-reads",  Some("pusat"),   200, None),
            ("GET",  "/hq/v1/api-reads",  Some("manajer"), 403, Some("forbidden")),
            ("GET",  "/hq/v1/api-reads",  None,            401, Some("unauthorized")),
            ("GET",  "/hq/v1/events",     Some("pusat"),   200, None),
            ("GET",  "/hq/v1/events",     Some("manajer"), 200, None),
            ("GET",  "/hq/v1/events",     Some("auditor"), 403, Some("forbidden")),
            ("GET",  "/hq/v1/events",     None,            401, Some("unauthorized")),
            ("POST", "/hq/v1/auth/logout", Some("pusat"),   204, None),
            ("POST", "/hq/v1/auth/logout", Some("manajer"), 204, None),
            ("POST", "/hq/v1/auth/logout", Some("auditor"), 204, None),
            ("POST", "/hq/v1/auth/logout", None,            401, Some("unauthorized")),
            ("POST", "/hq/v1/auth/login",   Some("pusat"),   200, None),
            ("POST", "/hq/v1/auth/login",   Some("manajer"), 200, None),
            ("POST", "/hq/v1/auth/login",   Some("auditor"), 200, None),
            ("POST", "/hq/v1/auth/refresh", Some("pusat"),   200, None),
            ("POST", "/hq/v1/auth/refresh", Some("manajer"), 200, None),
            ("POST", "/hq/v1/auth/refresh", Some("auditor"), 200, None),
            ("POST", "/hq/v1/auth/refresh", None,            401, Some("unauthorized")),
            // Signing in with the provider is for anyone: no role, no token.
            ("GET",  "/hq/v1/auth/providers",     Some("pusat"),   200, None),
            ("GET",  "/hq/v1/auth/providers",     Some("auditor"), 200, None),
            ("GET",  "/hq/v1/auth/providers",     None,            200, None),
            ("GET",  "/hq/v1/auth/oidc/start",    Some("manajer"), 303, None),
            ("GET",  "/hq/v1/auth/oidc/start",    None,            303, None),
            ("GET",  "/hq/v1/auth/oidc/callback", Some("pusat"),   303, None),
            ("GET",  "/hq/v1/auth/oidc/callback", None,            303, None),
            ("POST", "/hq/v1/auth/oidc/complete", Some("pusat"),   401, Some("oidc_login_expired")),
            ("POST", "/hq/v1/auth/oidc/complete", None,            401, Some("oidc_login_expired")),
        ];
        let mut covered = BTreeSet::new();
        for (method, path, who, status, expected) in table {
            let (access, refresh) = match who {
                Some(who) => {
                    let (a, r) = chain.login(who).await;
                    (Some(a), r)
                }
                None => (None, "mhr_none".to_owned()),
            };
            let token = access.as_deref();
            let (got, body) = match (*method, *path) {
                ("POST", "/hq/v1/auth/login") => {
                    let who = who.unwrap();
                    chain
                        .post(path, None, json!({"username": who, "password": PASSWORD}))
                        .await
                }
                ("POST", "/hq/v1/auth/refresh") => chain.refresh(&refresh).await,
                ("POST", "/hq/v1/auth/oidc/complete") => {
                    chain.post(path, token, json!({"code": "not-a-code"})).await
                }
                ("POST", _) => chain.post(path, token, json!({})).await,
                // A live stream does not end: its status, then it is dropped.
                ("GET", "/hq/v1/events") if *status == 200 => {
                    let res = chain
                        .client
                        .get(format!("{}{path}", chain.base))
                        .bearer_auth(token.unwrap())
                        .send()
                        .await
                        .unwrap();
                    (res.status().as_u16(), Value::Null)
                }
                _ => chain.get(path, token).await,
            };
            assert_eq!(
                got, *status,
                "{}: {method} {path} as {who:?}: {body}",
                db.name
            );
            if let Some(expected) = expected {
                assert_eq!(code(&body), *expected, "{method} {path} as {who:?}");
                // A refusal says why and nothing else.
                let keys: BTreeSet<_> = body.as_object().unwrap().keys().cloned().collect();
                assert_eq!(keys, BTreeSet::from(["code".into(), "message".into()]));
            }
            let templated = path
                .split('?')
                .next()
                .unwrap()
                .replace(&a.to_string(), "{id}")
                .replace(&b.to_string(), "{id}");
            covered.insert((method.to_string(), templated));
        }
        let routes: BTreeSet<(String, String)> = medicloud_cloud::hq::routes()
            .into_iter()
            .filter(|(_, path)| path.starts_with("/hq/v1/"))
            .map(|(m, p)| (m.to_string(), p.to_owned()))
            .collect();
        assert_eq!(covered, routes, "the table covers every /hq/v1 route");
        db.drop_now().await;
    }
}

/// Five failed logins of one username from one address refuse it there, even with the
/// right password, on every replica of the database; another username still logs in.
#[tokio::test]
async fn repeated_failed_logins_lock_the_username_on_every_replica() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        let other_replica = serve(&db, |_| {}).await;
        let wrong = json!({"username": "manajer", "password": "sandi-yang-salah-1"});
        for _ in 0..5 {
            let (status, body) = chain.post("/hq/v1/auth/login", None, wrong.clone()).await;
            assert_eq!((status, code(&body)), (401, "invalid_credentials"));
        }
        let right = json!({"username": "manajer", "password": PASSWORD});
        for base in [&chain.base, &other_replica] {
            let res = chain
                .client
                .post(format!("{base}/hq/v1/auth/login"))
                .json(&right)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 429, "{}", db.name);
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((800..=900).contains(&retry), "{retry}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(code(&body), "account_locked");
        }
        chain.login("pusat").await;
        db.drop_now().await;
    }
}

#[tokio::test]
async fn many_usernames_from_one_address_lock_the_address() {
    let db = Db::sqlite().await;
    let chain = chain(&db).await;
    for n in 0..20 {
        let (status, _) = chain
            .post(
                "/hq/v1/auth/login",
                None,
                json!({"username": format!("tebakan-{n}"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, body) = chain
        .post(
            "/hq/v1/auth/login",
            None,
            json!({"username": "pusat", "password": PASSWORD}),
        )
        .await;
    assert_eq!((status, code(&body)), (429, "rate_limited"));
}

#[tokio::test]
async fn refusals_speak_the_language_asked_for() {
    let db = Db::sqlite().await;
    let chain = chain(&db).await;
    for (lang, words) in [
        (None, "Klinik ini tidak tercantum pada akun Anda."),
        (Some("en-GB,en;q=0.9"), "this clinic is not on your account"),
    ] {
        let (access, _) = chain.login("manajer").await;
        let mut req = chain
            .client
            .get(format!("{}/hq/v1/clinics/{}/devices", chain.base, chain.b))
            .bearer_auth(access);
        if let Some(lang) = lang {
            req = req.header("accept-language", lang);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            json!({"code": "clinic_not_on_account", "message": words})
        );
    }
}

#[tokio::test]
async fn an_account_needs_known_clinics_and_a_free_username() {
    for db in Db::all().await {
        let storage = db.open().await;
        let a = ClinicId::random();
        storage.add_clinic(a, "Klinik A", "k").await.unwrap();
        let unknown = ClinicId::random();
        let account = |username: &str, clinics: Vec<ClinicId>| Account {
            username: username.into(),
            password_hash: "x".into(),
            role: HqRole::ClinicManager,
            clinics,
            disabled: false,
            created_ms: 1,
        };
        assert_eq!(
            storage
                .add_account(account("m", vec![a, unknown]))
                .await
                .unwrap(),
            AddAccount::UnknownClinic(unknown)
        );
        assert_eq!(storage.account("m").await.unwrap(), None, "nothing added");
        assert_eq!(
            storage.add_account(account("m", vec![a])).await.unwrap(),
            AddAccount::Added
        );
        assert_eq!(
            storage.add_account(account("m", vec![])).await.unwrap(),
            AddAccount::UsernameTaken
        );
        assert_eq!(
            storage.account("m").await.unwrap().unwrap().clinics,
            vec![a]
        );
        db.drop_now().await;
    }
}

#[tokio::test]
async fn the_hq_document_is_served_and_names_every_hq_route() {
    let db = Db::sqlite().await;
    let base = serve(&db, |_| {}).await;
    let doc: Value = reqwest::get(format!("{base}/hq/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routes: BTreeSet<(String, String)> = medicloud_cloud::hq::routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    assert_eq!(documented, routes);
    assert_eq!(
        doc["paths"]["/hq/v1/auth/login"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Tokens"
    );
    let tokens = &doc["components"]["schemas"]["Tokens"]["required"];
    assert_eq!(
        tokens,
        &json!(["access_token", "refresh_token", "expires_in"])
    );
}

#[tokio::test]
async fn the_access_token_lives_as_configured() {
    let db = Db::sqlite().await;
    let chain = chain_with(&db, |c| c.hq_access_ttl_secs = 1).await;
    let (access, _) = chain.login("pusat").await;
    let c = claims(&access);
    assert_eq!(c.exp - c.iat, 1);
    assert_eq!(chain.me(&access).await.0, 200);
}

/// The overview lists the clinics a caller sees (a manager: its own), and a clinic's day
/// shows the tickets the cloud folded from its events, under the number held now.
#[tokio::test]
async fn the_overview_and_a_clinics_day_keep_to_the_account() {
    use medicloud_core::domain::ServiceCode;
    use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
    use medicloud_core::ids::{DeviceId, TicketId, VisitId};
    use medicloud_core::ticket::{Issue, TicketChange};
    for db in Db::all().await {
        let chain = chain(&db).await;
        let (ticket, origin) = (TicketId::random(), DeviceId::random());
        let issue = Issue {
            service: ServiceCode::parse("A").unwrap(),
            label: "A-001".into(),
            day: "2027-01-15".parse().unwrap(),
            priority: None,
            visit: VisitId::random(),
            appointment: None,
            patient: None,
            transferred_from: None,
            start_step: None,
            estimated_wait_seconds: None,
        };
        let event = Event {
            id: EventId { origin, seq: 1 },
            stamp: Stamp::new(1_800_000_000_000, 0),
            clinic: chain.a,
            actor: Actor::System,
            body: EventBody::Ticket {
                id: ticket,
                change: TicketChange::Issued(issue),
            },
        };
        chain
            .storage
            .ingest(chain.a, vec![event], None)
            .await
            .unwrap();
        let ids = |body: &Value| -> BTreeSet<String> {
            let rows = body.as_array().unwrap().iter();
            rows.map(|c| c["id"].as_str().unwrap().to_owned()).collect()
        };
        let (admin, _) = chain.login("pusat").await;
        let (manager, _) = chain.login("manajer").await;
        let (_, all) = chain.get("/hq/v1/clinics", Some(&admin)).await;
        let (_, mine) = chain.get("/hq/v1/clinics", Some(&manager)).await;
        let (a, b) = (chain.a.to_string(), chain.b.to_string());
        assert_eq!(ids(&all), BTreeSet::from([a.clone(), b]), "{}", db.name);
        assert_eq!(ids(&mine), BTreeSet::from([a.clone()]), "{}", db.name);
        assert_eq!(mine[0]["name"], "Klinik A");
        let path = format!("/hq/v1/clinics/{a}/tickets?date=2027-01-15");
        let (status, day) = chain.get(&path, Some(&manager)).await;
        assert_eq!(status, 200, "{day}");
        assert_eq!(
            (
                day[0]["label"].as_str(),
                day[0]["status"].as_str(),
                day.as_array().unwrap().len()
            ),
            (Some("A-001"), Some("waiting"), 1)
        );
        assert!(day[0].get("patient").is_none(), "no patient data: {day}");
        let other_day = format!("/hq/v1/clinics/{a}/tickets?date=2027-01-16");
        assert_eq!(chain.get(&other_day, Some(&manager)).await.1, json!([]));
        let no_date = format!("/hq/v1/clinics/{a}/tickets");
        assert_eq!(chain.get(&no_date, Some(&manager)).await.0, 400);
        db.drop_now().await;
    }
}

/// A device of `clinic` enrolled over HTTP that syncs one new ticket each round.
struct Kiosk {
    base: String,
    clinic: ClinicId,
    device: medicloud_core::ids::DeviceId,
    secret: String,
    log: medicloud_sync::log::MemLog,
}

impl Kiosk {
    async fn enrol(chain: &Chain, clinic: ClinicId, code: &str) -> Self {
        use medicloud_sync::http::HttpTransport;
        use medicloud_sync::wire::{self, EnrolRequest, Enrolled};
        let digest = crate::util::sha256_hex(&code.replace('-', ""));
        chain
            .storage
            .add_code(clinic, &digest, i64::MAX)
            .await
            .unwrap();
        let device = medicloud_core::ids::DeviceId::random();
        let req = EnrolRequest {
            code: code.into(),
            device,
            name: "kiosk-1".into(),
        };
        let base = chain.base.clone();
        let b = base.clone();
        let enrolled: Enrolled = tokio::task::spawn_blocking(move || {
            HttpTransport::new(&b, "", Duration::from_secs(5))?.post(wire::ENROL, &req)
        })
        .await
        .unwrap()
        .unwrap();
        Kiosk {
            base,
            clinic,
            device,
            secret: enrolled.secret,
            log: medicloud_sync::log::MemLog::new(clinic),
        }
    }

    /// Issues a ticket in its log and syncs it to the cloud.
    async fn issue_and_sync(&mut self) {
        use medicloud_core::domain::ServiceCode;
        use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
        use medicloud_core::ids::{TicketId, VisitId};
        use medicloud_core::ticket::{Issue, TicketChange};
        use medicloud_sync::log::Log;
        let seq = self.log.next_seq(self.device);
        let now = chrono::Utc::now();
        let day = now.with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
        let event = Event {
            id: EventId {
                origin: self.device,
                seq,
            },
            stamp: Stamp::new(now.timestamp_millis() as u64, 0),
            clinic: self.clinic,
            actor: Actor::System,
            body: EventBody::Ticket {
                id: TicketId::random(),
                change: TicketChange::Issued(Issue {
                    service: ServiceCode::parse("A").unwrap(),
                    label: format!("A-{seq:03}"),
                    day,
                    priority: None,
                    visit: VisitId::random(),
                    appointment: None,
                    patient: None,
                    transferred_from: None,
                    start_step: None,
                    estimated_wait_seconds: None,
                }),
            },
        };
        self.log.ingest(vec![event]).unwrap();
        let mut log =
            std::mem::replace(&mut self.log, medicloud_sync::log::MemLog::new(self.clinic));
        let (base, secret, device) = (self.base.clone(), self.secret.clone(), self.device);
        self.log = tokio::task::spawn_blocking(move || {
            let t =
                medicloud_sync::http::HttpTransport::new(&base, &secret, Duration::from_secs(5))
                    .unwrap();
            medicloud_sync::exchange::sync_with(&mut log, device, &t).unwrap();
            log
        })
        .await
        .unwrap();
    }
}

/// The next server-sent event of `res` within 10 s: `(event, data)`.
async fn next_event(res: &mut reqwest::Response, buffer: &mut String) -> (String, String) {
    medicloud_testkit::sse::next_event(res, buffer, Duration::from_secs(10)).await
}

/// The overview, live: a manager's stream (token in the query, as EventSource sends
/// it) says `hello`, then the new figures of its clinic when that clinic's device
/// syncs a ticket — and nothing of a clinic not on the account. On PostgreSQL the
/// stream is on another replica than the one the device syncs through.
#[tokio::test(flavor = "multi_thread")]
async fn the_overview_streams_a_clinics_new_figures_as_its_device_syncs() {
    for db in Db::all().await {
        let chain = chain(&db).await;
        // SQLite is one process's; PostgreSQL is shared: a second replica streams.
        let stream_base = if db.name == "postgres" {
            serve(&db, |_| {}).await
        } else {
            chain.base.clone()
        };
        let (token, _) = chain.login("manajer").await;
        let mut res = chain
            .client
            .get(format!("{stream_base}/hq/v1/events?access_token={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", db.name);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let mut buffer = String::new();
        assert_eq!(next_event(&mut res, &mut buffer).await.0, "hello");
        let mut other = Kiosk::enrol(&chain, chain.b, "BBBB-2222-CCCC").await;
        let mut own = Kiosk::enrol(&chain, chain.a, "AAAA-1111-BBBB").await;
        // Another clinic's ticket first: the manager's stream says nothing of it.
        other.issue_and_sync().await;
        own.issue_and_sync().await;
        let (event, data) = next_event(&mut res, &mut buffer).await;
        assert_eq!(event, "overview", "{}: {data}", db.name);
        let row: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(
            row["id"],
            chain.a.to_string(),
            "{}: only its own clinic",
            db.name
        );
        assert_eq!(row["waiting"], 1, "{}", db.name);
        assert!(row["devices"][0]["last_seen_ms"].as_i64().is_some());
        own.issue_and_sync().await;
        let (_, data) = next_event(&mut res, &mut buffer).await;
        let row: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(
            (row["id"].as_str(), row["waiting"].as_i64()),
            (Some(&*chain.a.to_string()), Some(2)),
            "{}",
            db.name
        );
        // The query token is for the stream only.
        let (status, _) = chain
            .get(&format!("/hq/v1/me?access_token={token}"), None)
            .await;
        assert_eq!(status, 401);
        db.drop_now().await;
    }
}
