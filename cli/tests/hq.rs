//! Chain staff through the real binary: `medicloud cloud-admin user-add`, and two
//! `medicloud cloud` processes on one PostgreSQL database that accept each other's
//! access tokens, through a key rotation and a logout.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

const PASSWORD: &str = "sandi-kantor-pusat-1";

/// `medicloud cloud-admin --database DATABASE ARGS…` with `env`, as it ran.
fn admin(database: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medicloud"));
    command
        .args(["cloud-admin", "--database", database])
        .args(args)
        .env_remove("MEDICLOUD_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A failed command's error message.
fn refusal(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A `medicloud cloud` process on a port of its own choosing, and its URL.
struct Cloud(Child, String);

impl Cloud {
    fn start(database: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_medicloud"));
        command
            .args(["cloud", "--database", database, "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        let url = line
            .strip_prefix("Medicloud cloud listening on ")
            .unwrap_or_else(|| panic!("{line}"))
            .to_owned();
        std::thread::spawn(move || lines.for_each(drop));
        Self(child, url)
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn login(client: &reqwest::Client, cloud: &Cloud, username: &str) -> Value {
    let res = client
        .post(format!("{}/hq/v1/auth/login", cloud.1))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// `GET /hq/v1/me` at `cloud` with `token`: status and body.
async fn me(client: &reqwest::Client, cloud: &Cloud, token: &str) -> (u16, Value) {
    let res = client
        .get(format!("{}/hq/v1/me", cloud.1))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn kid(token: &str) -> String {
    use base64::Engine;
    let head = token.split('.').next().unwrap();
    let head: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(head)
            .unwrap(),
    )
    .unwrap();
    head["kid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn user_add_makes_an_account_that_logs_in_and_refuses_what_it_cannot_make() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cloud.sqlite").display());
    let clinic = stdout(&admin(
        &database,
        &["clinic-add", "--name", "Klinik A"],
        &[],
    ));
    let with_password = [("MEDICLOUD_PASSWORD", PASSWORD)];
    let manager = |clinics: &[&str]| {
        let mut args = vec![
            "user-add",
            "--username",
            "Manajer",
            "--role",
            "clinic_manager",
        ];
        for c in clinics {
            args.extend(["--clinic", c]);
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |args: &[String], env: &[(&str, &str)]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        admin(&database, &args, env)
    };
    // A manager without clinics, or with one the cloud does not know, is refused.
    let err = refusal(&run(&manager(&[]), &with_password));
    assert!(err.contains("at least one --clinic"), "{err}");
    let unknown = medicloud_core::ids::ClinicId::random().to_string();
    let err = refusal(&run(&manager(&[&clinic, &unknown]), &with_password));
    assert!(
        err.contains(&format!("no clinic with id {unknown}")),
        "{err}"
    );
    // A weak password, and no password at all (no terminal here), are refused.
    let err = refusal(&run(
        &manager(&[&clinic]),
        &[("MEDICLOUD_PASSWORD", "password1234")],
    ));
    assert!(err.contains("most common"), "{err}");
    assert!(
        !err.contains("password1234"),
        "the error echoes the password"
    );
    let err = refusal(&run(&manager(&[&clinic]), &[]));
    assert!(err.contains("MEDICLOUD_PASSWORD"), "{err}");
    let err = refusal(&admin(
        &database,
        &["user-add", "--username", "x", "--role", "boss"],
        &with_password,
    ));
    assert!(
        err.contains("chain_admin, clinic_manager or auditor"),
        "{err}"
    );
    // Then the real one; the username is taken after it.
    let out = stdout(&run(&manager(&[&clinic]), &with_password));
    assert_eq!(out, "added manajer (clinic_manager)");
    let err = refusal(&run(&manager(&[&clinic]), &with_password));
    assert!(err.contains("taken"), "{err}");

    let cloud = Cloud::start(&database, &[]);
    let client = reqwest::Client::new();
    let tokens = login(&client, &cloud, "manajer").await;
    let (status, body) = me(&client, &cloud, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"username": "manajer", "role": "clinic_manager", "clinics": [clinic]})
    );
    // The keys command lists the one key, the signer, unsealed (no secret given).
    let keys = stdout(&admin(&database, &["keys"], &[]));
    assert_eq!(keys.lines().count(), 1, "{keys}");
    assert!(
        keys.contains("signs") && keys.contains("unsealed"),
        "{keys}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_cloud_processes_on_one_postgres_accept_each_others_tokens() {
    let base = medicloud_testkit::postgres::admin_url();
    let (pg, connection) = match tokio_postgres::connect(&base, tokio_postgres::NoTls).await {
        Ok(connected) => connected,
        Err(err) => {
            medicloud_testkit::postgres::unreachable(&base, &err);
            return;
        }
    };
    tokio::spawn(connection);
    let name = format!("medicloud_hq_test_{:016x}", rand::random::<u64>());
    pg.batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let authority = base.find("://").unwrap() + 3;
    let database = match base[authority..].find('/') {
        Some(i) => format!("{}/{name}", &base[..authority + i]),
        None => format!("{base}/{name}"),
    };
    let secret = [("MEDICLOUD_CLOUD_HQ_KEY_SECRET", "rahasia-rantai-klinik-uji")];
    stdout(&admin(
        &database,
        &[
            "user-add",
            "--username",
            "direktur",
            "--role",
            "chain_admin",
        ],
        &[("MEDICLOUD_PASSWORD", PASSWORD)],
    ));
    let a = Cloud::start(&database, &secret);
    let b = Cloud::start(&database, &secret);
    let client = reqwest::Client::new();

    // A's token at B, B's at A.
    let from_a = login(&client, &a, "direktur").await;
    let from_b = login(&client, &b, "direktur").await;
    let token_a = from_a["access_token"].as_str().unwrap();
    let token_b = from_b["access_token"].as_str().unwrap();
    assert_eq!(kid(token_a), kid(token_b), "one key set");
    assert_eq!(me(&client, &b, token_a).await.0, 200);
    assert_eq!(me(&client, &a, token_b).await.0, 200);
    let keys = stdout(&admin(&database, &["keys"], &[]));
    assert!(
        keys.contains("sealed") && !keys.contains("unsealed"),
        "{keys}"
    );

    // Rotation while both run: a third process signs with the new key, and A and B,
    // which have not read it yet, accept it; the older tokens still verify.
    let old_kid = kid(token_a);
    let new_kid = stdout(&admin(&database, &["rotate-key"], &secret));
    let c = Cloud::start(&database, &secret);
    let from_c = login(&client, &c, "direktur").await;
    let token_c = from_c["access_token"].as_str().unwrap();
    assert_eq!(kid(token_c), new_kid);
    for cloud in [&a, &b] {
        assert_eq!(me(&client, cloud, token_c).await.0, 200);
        assert_eq!(me(&client, cloud, token_a).await.0, 200);
    }
    // The signer cannot be retired; the older key can.
    let err = refusal(&admin(&database, &["retire-key", "--kid", &new_kid], &[]));
    assert!(err.contains("rotate-key first"), "{err}");
    assert_eq!(
        stdout(&admin(&database, &["retire-key", "--kid", &old_kid], &[])),
        format!("retired {old_kid}")
    );
    // A process started now does not take tokens of the retired key.
    let d = Cloud::start(&database, &secret);
    let (status, body) = me(&client, &d, token_a).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));

    // A refresh at B, a logout at A: the chain is revoked for both.
    let res = client
        .post(format!("{}/hq/v1/auth/refresh", b.1))
        .json(&json!({"refresh_token": from_c["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let refreshed: Value = res.json().await.unwrap();
    let token = refreshed["access_token"].as_str().unwrap();
    assert_eq!(me(&client, &c, token).await.0, 200);
    let res = client
        .post(format!("{}/hq/v1/auth/logout", a.1))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    for cloud in [&a, &b, &c] {
        let (status, body) = me(&client, cloud, token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("session_revoked"))
        );
    }
    // A cloud without the key secret does not start on sealed keys.
    let out = Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(["cloud", "--database", &database, "--listen", "127.0.0.1:0"])
        .env_remove("MEDICLOUD_CLOUD_HQ_KEY_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hq-key-secret"));

    drop((a, b, c, d));
    let _ = pg
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await;
}
