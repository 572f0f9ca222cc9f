//! The OpenID Connect login's own parts on both engines: a pending login and a handoff
//! code are good once and not past their time, the callback refuses what it should
//! without changing anything, and a handoff code completes a login once. (The whole
//! login against a real provider, in a browser, is `ui/e2e/oidc.mjs`.)

use crate::hq::{add_account, serve};
use crate::util::{Db, sha256_hex};
use medicloud_cloud::CloudConfig;
use medicloud_cloud::hq::HqRole;
use medicloud_cloud::hq::oidc::{HANDOFF_TTL, LOGIN_TTL};
use medicloud_cloud::storage::accounts::{Account, AccountStorage, AddAccount};
use medicloud_cloud::storage::oidc::{OidcStorage, PendingLogin};
use serde_json::{Value, json};

const MINUTE_MS: i64 = 60_000;

fn pending(n: u8) -> PendingLogin {
    PendingLogin {
        nonce: format!("nonce-{n}"),
        verifier: format!("verifier-{n}"),
    }
}

#[tokio::test]
async fn a_pending_login_is_taken_once_and_not_after_ten_minutes_on_both_engines() {
    let ttl = i64::try_from(LOGIN_TTL.as_millis()).unwrap();
    assert_eq!(ttl, 10 * MINUTE_MS);
    for db in Db::all().await {
        let storage = db.open().await;
        let t0 = 1_000_000;
        storage
            .begin_oidc_login("s1", pending(1), t0, ttl)
            .await
            .unwrap();
        storage
            .begin_oidc_login("s2", pending(2), t0, ttl)
            .await
            .unwrap();
        let taken = storage
            .take_oidc_login("s1", t0 + ttl - 1, ttl)
            .await
            .unwrap();
        assert_eq!(taken, Some(pending(1)), "{}", db.name);
        assert_eq!(
            storage.take_oidc_login("s1", t0 + 1, ttl).await.unwrap(),
            None,
            "{}: a state is good once",
            db.name
        );
        assert_eq!(
            storage.take_oidc_login("s2", t0 + ttl, ttl).await.unwrap(),
            None,
            "{}: ten minutes and it is gone",
            db.name
        );
        assert_eq!(
            storage.take_oidc_login("unknown", t0, ttl).await.unwrap(),
            None
        );
        db.drop_now().await;
    }
}

#[tokio::test]
async fn a_handoff_code_is_taken_once_and_not_after_sixty_seconds_on_both_engines() {
    let ttl = i64::try_from(HANDOFF_TTL.as_millis()).unwrap();
    assert_eq!(ttl, MINUTE_MS);
    for db in Db::all().await {
        let storage = db.open().await;
        add_account(&storage, "pusat", HqRole::ChainAdmin, &[]).await;
        let t0 = 1_000_000;
        storage
            .add_oidc_handoff("c1", "pusat", t0 + ttl, t0)
            .await
            .unwrap();
        storage
            .add_oidc_handoff("c2", "pusat", t0 + ttl, t0)
            .await
            .unwrap();
        assert_eq!(
            storage
                .take_oidc_handoff("c1", t0 + ttl - 1)
                .await
                .unwrap()
                .as_deref(),
            Some("pusat"),
            "{}",
            db.name
        );
        assert_eq!(
            storage.take_oidc_handoff("c1", t0 + 1).await.unwrap(),
            None,
            "{}: a handoff code is good once",
            db.name
        );
        assert_eq!(
            storage.take_oidc_handoff("c2", t0 + ttl).await.unwrap(),
            None,
            "{}: sixty seconds and it is gone",
            db.name
        );
        db.drop_now().await;
    }
}

/// A cloud whose provider cannot be reached (nothing listens on port 9).
fn unreachable_provider(config: &mut CloudConfig) {
    config.oidc_issuer = Some("http://127.0.0.1:9".into());
    config.oidc_client_id = Some("medicloud-hq".into());
    config.oidc_name = "Google Workspace".into();
    config.public_url = Some("https://hq.example".into());
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Location` of a redirect from `url`, which must be a 303.
async fn redirect(url: &str) -> String {
    let res = client().get(url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "{url}");
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_providers_name_the_oidc_button_only_when_there_is_one() {
    let db = Db::sqlite().await;
    let plain = serve(&db, |_| {}).await;
    let body: Value = reqwest::get(format!("{plain}/hq/v1/auth/providers"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"oidc": null}));
    let res = client()
        .get(format!("{plain}/hq/v1/auth/oidc/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let with = serve(&db, unreachable_provider).await;
    let body: Value = reqwest::get(format!("{with}/hq/v1/auth/providers"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body,
        json!({"oidc": {"name": "Google Workspace", "start_url": "/hq/v1/auth/oidc/start"}})
    );
}

#[tokio::test]
async fn callback_refusals_send_the_browser_back_with_a_code_and_change_nothing() {
    for db in Db::all().await {
        let storage = db.open().await;
        add_account(&storage, "pusat", HqRole::ChainAdmin, &[]).await;
        let base = serve(&db, unreachable_provider).await;
        // The provider cannot be reached: said so, and no login is begun.
        assert_eq!(
            redirect(&format!("{base}/hq/v1/auth/oidc/start")).await,
            "https://hq.example/hq/#login_error=oidc_provider_unavailable"
        );
        // A state no login has.
        assert_eq!(
            redirect(&format!(
                "{base}/hq/v1/auth/oidc/callback?code=c&state=forged"
            ))
            .await,
            "https://hq.example/hq/#login_error=oidc_login_expired",
            "{}",
            db.name
        );
        assert_eq!(
            redirect(&format!("{base}/hq/v1/auth/oidc/callback?code=c")).await,
            "https://hq.example/hq/#login_error=oidc_login_expired"
        );
        // The person said no at the provider: the login it began is used up with it.
        let now = chrono::Utc::now().timestamp_millis();
        let state = "a-state-the-cloud-made";
        let hash = sha256_hex(state);
        storage
            .begin_oidc_login(&hash, pending(1), now, 600_000)
            .await
            .unwrap();
        // Its state from another browser (no cookie, or another's): no login is found,
        // and the login is still there for the browser that began it.
        let callback = format!("{base}/hq/v1/auth/oidc/callback?code=c&state={state}");
        for cookie in [None, Some("medicloud_oidc_state=another")] {
            let mut req = client().get(&callback);
            if let Some(cookie) = cookie {
                req = req.header("cookie", cookie);
            }
            let res = req.send().await.unwrap();
            assert_eq!(
                res.headers()["location"],
                "https://hq.example/hq/#login_error=oidc_login_expired",
                "{}: {cookie:?}",
                db.name
            );
        }
        let res = client()
            .get(format!(
                "{base}/hq/v1/auth/oidc/callback?error=access_denied&state={state}"
            ))
            .header("cookie", format!("medicloud_oidc_state={state}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["location"],
            "https://hq.example/hq/#login_error=oidc_refused"
        );
        assert!(
            res.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("medicloud_oidc_state=; Path=/hq/v1/auth/oidc/callback; Max-Age=0"),
            "the cookie is cleared"
        );
        assert_eq!(
            storage.take_oidc_login(&hash, now, 600_000).await.unwrap(),
            None,
            "{}: the refused login is used up",
            db.name
        );
        db.drop_now().await;
    }
}

#[tokio::test]
async fn a_handoff_code_completes_one_login_of_its_account() {
    for db in Db::all().await {
        let storage = db.open().await;
        add_account(&storage, "auditor", HqRole::Auditor, &[]).await;
        let base = serve(&db, unreachable_provider).await;
        let now = chrono::Utc::now().timestamp_millis();
        let code = "the-code-in-the-fragment";
        storage
            .add_oidc_handoff(&sha256_hex(code), "auditor", now + 60_000, now)
            .await
            .unwrap();
        let complete = || async {
            let res = client()
                .post(format!("{base}/hq/v1/auth/oidc/complete"))
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        };
        let (status, tokens) = complete().await;
        assert_eq!(status, 200, "{}: {tokens}", db.name);
        assert_eq!(tokens["expires_in"], 300);
        let access = tokens["access_token"].as_str().unwrap();
        let me: Value = client()
            .get(format!("{base}/hq/v1/me"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "auditor");
        assert_eq!(me["role"], "auditor");
        // Its refresh token is a password login's: it rotates.
        let refreshed = client()
            .post(format!("{base}/hq/v1/auth/refresh"))
            .json(&json!({"refresh_token": tokens["refresh_token"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(refreshed.status().as_u16(), 200);
        let (status, body) = complete().await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("oidc_login_expired"))
        );
        // A code of an account disabled since the callback gives nothing, and is used up.
        let added = storage
            .add_account(Account {
                username: "mantan".into(),
                password_hash: "unused".into(),
                role: HqRole::ChainAdmin,
                clinics: vec![],
                disabled: true,
                created_ms: 0,
            })
            .await
            .unwrap();
        assert_eq!(added, AddAccount::Added);
        let disabled_code = "a-code-of-a-disabled-account";
        storage
            .add_oidc_handoff(&sha256_hex(disabled_code), "mantan", now + 60_000, now)
            .await
            .unwrap();
        let res = client()
            .post(format!("{base}/hq/v1/auth/oidc/complete"))
            .json(&json!({"code": disabled_code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401, "{}", db.name);
        assert_eq!(
            storage
                .take_oidc_handoff(&sha256_hex(disabled_code), now)
                .await
                .unwrap(),
            None
        );
        db.drop_now().await;
    }
}

#[tokio::test]
async fn a_provider_that_is_not_https_or_without_a_public_url_is_refused_at_start() {
    let db = Db::sqlite().await;
    for (tweak, expected) in [
        (
            (|c: &mut CloudConfig| {
                unreachable_provider(c);
                c.oidc_issuer = Some("http://login.example".into());
            }) as fn(&mut CloudConfig),
            "--oidc-issuer must be an https:// URL",
        ),
        (
            |c: &mut CloudConfig| {
                unreachable_provider(c);
                c.public_url = None;
            },
            "--public-url",
        ),
        (
            |c: &mut CloudConfig| {
                unreachable_provider(c);
                c.oidc_client_id = None;
            },
            "--oidc-client-id",
        ),
    ] {
        let mut config = CloudConfig {
            database: db.url.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        };
        tweak(&mut config);
        let err = medicloud_cloud::serve(config, std::future::pending(), |_, _| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
}
