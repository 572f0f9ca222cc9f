//! Test helpers: every storage engine this machine has (SQLite always, PostgreSQL when
//! one answers; with `CI` set it must), a real cloud server on loopback, and events to sync.

use medicloud_cloud::storage::AnyStorage;
use medicloud_core::event::{Actor, AuditEntry, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_testkit::Pki;

/// A database for one test: a temporary SQLite file, or a fresh PostgreSQL database
/// dropped at the end.
pub struct Db {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn postgres_admin_url() -> String {
    medicloud_testkit::postgres::admin_url()
}

async fn postgres_admin() -> Result<tokio_postgres::Client, String> {
    let url = postgres_admin_url();
    let connect = tokio_postgres::connect(&url, tokio_postgres::NoTls);
    match tokio::time::timeout(std::time::Duration::from_secs(3), connect).await {
        Ok(Ok((client, connection))) => {
            tokio::spawn(connection);
            Ok(client)
        }
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("no answer in 3 s".into()),
    }
}

impl Db {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("cloud.sqlite").display());
        Self {
            name: "sqlite",
            url,
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a notice) when no server answers —
    /// with `CI` set, a panic instead ([`medicloud_testkit::postgres::unreachable`]).
    pub async fn postgres() -> Option<Self> {
        let admin = match postgres_admin().await {
            Ok(admin) => admin,
            Err(why) => {
                medicloud_testkit::postgres::unreachable(&postgres_admin_url(), &why);
                return None;
            }
        };
        let name = format!("medicloud_test_{:016x}", rand::random::<u64>());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let base = postgres_admin_url();
        // The same server, the new database: replace the path after the authority.
        let authority = base.find("://").unwrap() + 3;
        let url = match base[authority..].find('/') {
            Some(i) => format!("{}/{name}", &base[..authority + i]),
            None => format!("{base}/{name}"),
        };
        Some(Self {
            name: "postgres",
            url,
            _dir: None,
            pg_name: Some(name),
        })
    }

    /// SQLite, and PostgreSQL when there is one.
    pub async fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite().await];
        dbs.extend(Self::postgres().await);
        dbs
    }

    pub async fn open(&self) -> AnyStorage {
        use medicloud_cloud::storage::Storage;
        let storage = AnyStorage::open(&self.url).await.unwrap();
        storage.migrate().await.unwrap();
        storage
    }

    /// Drops a PostgreSQL test database.
    pub async fn drop_now(self) {
        if let (Some(name), Ok(admin)) = (&self.pg_name, postgres_admin().await) {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

/// An audit-only event of `origin`'s series in `clinic`, told apart by `note`.
pub fn event(clinic: ClinicId, origin: DeviceId, seq: u64, note: &str) -> Event {
    Event {
        id: EventId { origin, seq },
        stamp: Stamp::new(1_800_000_000_000 + seq, 0),
        clinic,
        actor: Actor::System,
        body: EventBody::Audited(AuditEntry {
            action: note.into(),
            patient: None,
            subject: None,
            outcome: "ok".into(),
        }),
    }
}

/// A cloud server on loopback over `db`; returns its base URL.
pub async fn server(db: &Db, admin_token: &str) -> String {
    server_with(db, admin_token, None).await
}

/// A cloud server on loopback over `db`, serving HTTPS with `tls` when given.
pub async fn server_with(db: &Db, admin_token: &str, tls: Option<&Pki>) -> String {
    server_at(&db.url, admin_token, tls).await
}

/// A cloud server on loopback over the database at `url` (already migrated).
pub async fn server_at(url: &str, admin_token: &str, tls: Option<&Pki>) -> String {
    let args = medicloud_cloud::CloudConfig {
        database: url.to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_token: Some(admin_token.into()),
        tls_cert: tls.map(|t| t.cert.clone()),
        tls_key: tls.map(|t| t.key.clone()),
        ..Default::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        medicloud_cloud::serve(args, std::future::pending(), |addr, https| {
            let _ = tx.send((addr, https));
        })
        .await
        .unwrap();
    });
    let (addr, https) = rx.await.unwrap();
    assert_eq!(https, tls.is_some());
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{addr}")
}

/// SHA-256 of `text` as lowercase hex: how the cloud keeps codes and secrets.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An access token of a new API client of the cloud over `db` (serving at `base`),
/// granted `clinics` and `scopes` (space-separated, `system/Patient.read …`): what an
/// EHR holds after `medicloud cloud-admin api-client-add` and `POST /oauth/token`.
pub async fn fhir_token(base: &str, db: &Db, clinics: &[ClinicId], scopes: &str) -> String {
    let storage = db.open().await;
    let scopes: Vec<medicloud_cloud::oauth::Scope> = scopes
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    let name = format!("test client {:x}", rand::random::<u64>());
    let client =
        medicloud_cloud::oauth::add_client(&storage, &name, clinics.to_vec(), &scopes, None)
            .await
            .unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let body: serde_json::Value = answer.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// A zone where it is between 12:00 and 13:00 now (`Etc/GMT-5` is UTC+5), so whatever
/// hour the tests run, the afternoon's slots are still ahead and midnight is far.
pub fn noon_zone() -> String {
    use chrono::Timelike;
    let offset = 12 - chrono::Utc::now().hour() as i32;
    match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// `h:m` as a clinic-local time.
pub fn at(h: u32, m: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap()
}
