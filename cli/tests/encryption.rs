//! Encryption at rest, on real files: the database and its WAL are unreadable without the
//! key, `medicloud db rekey` and `medicloud db backup`, and a plaintext database of an
//! earlier version encrypted on open.

use crate::util::{DemoProcess, PASSWORD};
use medicloud_core::domain::PatientInput;
use medicloud_core::event::Actor;
use medicloud_node::demo;
use medicloud_node::ops::{NewTicket, Node};
use medicloud_node::store::crypt::{self, Contents, DbKey};
use medicloud_node::store::{Store, keyfile};
use medicloud_sync::hlc::SystemTime;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const NAME: &str = "Siti Rahmawati Kusumo";
const NIK: &str = "3174054506900001";

fn db(dir: &Path) -> PathBuf {
    dir.join("node.sqlite")
}

fn open(dir: &Path) -> Node {
    let store = Store::open(&db(dir), demo::DEMO_CLINIC, Arc::new(SystemTime)).unwrap();
    Node::new(store)
}

/// A demo node with a registered patient and `tickets` tickets; returns their ids.
fn clinic_day(node: &Node, tickets: usize) -> Vec<String> {
    demo::seed(node, PASSWORD).unwrap();
    node.register_patient(
        Actor::System,
        PatientInput {
            name: Some(NAME.into()),
            nik: Some(NIK.into()),
            ..Default::default()
        },
    )
    .unwrap();
    (0..tickets)
        .map(|_| {
            let service = Some("A".parse().unwrap());
            let t = node
                .issue_ticket(
                    Actor::System,
                    NewTicket {
                        service,
                        ..Default::default()
                    },
                )
                .unwrap();
            t.id.to_string()
        })
        .collect()
}

fn ticket_ids(conn: &rusqlite::Connection) -> Vec<String> {
    conn.prepare("SELECT id FROM tickets ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Opening without a key, or with another key, fails; the error is the clear one.
fn unreadable_without(path: &Path, key: &DbKey) {
    let plain = rusqlite::Connection::open(path).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase),
        "{err}"
    );
    let other = DbKey::random();
    assert_ne!(&other, key);
    let err = crypt::open(path, &other).unwrap_err();
    assert!(matches!(err, medicloud_node::Error::WrongKey), "{err:?}");
    assert!(err.to_string().contains("wrong key"), "{err}");
}

fn medicloud(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Debian's `sqlite3`, when installed, cannot read the file either.
fn plain_sqlite_cannot_read(path: &Path) {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg("SELECT count(*) FROM sqlite_master;")
        .output();
    match out {
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "sqlite3 read the database");
            assert!(stderr.contains("not a database"), "{stderr}");
        }
        Err(_) => eprintln!("no sqlite3 command on this machine: skipping its check"),
    }
}

#[test]
fn the_database_and_its_wal_are_unreadable_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path());
    let tickets = clinic_day(&node, 3);
    let path = db(dir.path());
    // The node is running: the newest pages are in the WAL.
    let wal = std::fs::read(dir.path().join("node.sqlite-wal")).unwrap();
    assert!(wal.len() > 4096, "the WAL holds the day's writes");
    for (file, bytes) in [
        ("node.sqlite", std::fs::read(&path).unwrap()),
        ("node.sqlite-wal", wal),
    ] {
        for secret in [NAME, NIK, "Poli Umum", "SQLite format 3"] {
            assert!(!contains(&bytes, secret), "{file} shows {secret:?}");
        }
    }
    assert_eq!(crypt::contents(&path).unwrap(), Contents::Encrypted);
    let key = DbKey::read(&dir.path().join("db.key")).unwrap().unwrap();
    unreadable_without(&path, &key);
    plain_sqlite_cannot_read(&path);
    // With the key, everything is there, also to a second reader beside the node.
    let conn = crypt::open_read_only(&path, &key).unwrap();
    assert_eq!(ticket_ids(&conn), sorted(tickets));
    let patients: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'patient_set' AND body LIKE ?1",
            [format!("%{NIK}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(patients, 1);
    // A second node on the same folder is refused while the first runs.
    let second = Store::open(&path, demo::DEMO_CLINIC, Arc::new(SystemTime)).unwrap_err();
    assert!(second.to_string().contains("a node is running"), "{second}");
    drop(node);
    drop(open(dir.path()));
}

#[test]
fn a_wrong_or_missing_key_and_a_file_that_is_no_database_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let path = db(dir.path());
    let key_file = dir.path().join("db.key");
    let right = std::fs::read(&key_file).unwrap();
    let opened = |key_file: &Path| {
        Store::open_keyed(
            &path,
            key_file,
            demo::DEMO_CLINIC,
            None,
            Arc::new(SystemTime),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    std::fs::write(&key_file, [1u8; 32]).unwrap();
    let err = opened(&key_file).unwrap_err();
    assert!(err.contains("wrong key"), "{err}");
    std::fs::write(&key_file, b"not a key").unwrap();
    let err = opened(&key_file).unwrap_err();
    assert!(err.contains("not a key"), "{err}");
    std::fs::remove_file(&key_file).unwrap();
    let err = opened(&key_file).unwrap_err();
    assert!(err.contains("key file") && err.contains("missing"), "{err}");
    assert!(
        !key_file.exists(),
        "no new key is made for an existing database"
    );
    // The key given by path instead.
    let elsewhere = dir.path().join("elsewhere.key");
    std::fs::write(&elsewhere, &right).unwrap();
    opened(&elsewhere).unwrap();
    // A file that is not a database at all.
    let junk = dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(db(&junk), "catatan pasien, bukan database ".repeat(200)).unwrap();
    std::fs::write(junk.join("db.key"), &right).unwrap();
    let err = Store::open(&db(&junk), demo::DEMO_CLINIC, Arc::new(SystemTime)).unwrap_err();
    assert!(
        err.to_string().contains("not an encrypted node database"),
        "{err}"
    );
}

#[test]
fn rekey_keeps_the_data_and_the_old_key_no_longer_opens() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = clinic_day(&open(dir.path()), 4);
    let data = dir.path().to_str().unwrap();
    let key_file = dir.path().join("db.key");
    let old = DbKey::read(&key_file).unwrap().unwrap();

    // Refused while a node runs on the folder; nothing changes.
    let running = DemoProcess::start(dir.path());
    let (ok, text) = medicloud(&["db", "rekey", "--data", data]);
    assert!(!ok && text.contains("a node is running"), "{text}");
    running.stop();
    assert_eq!(DbKey::read(&key_file).unwrap().unwrap(), old);

    let (ok, text) = medicloud(&["db", "rekey", "--data", data]);
    assert!(ok, "{text}");
    let new = DbKey::read(&key_file).unwrap().unwrap();
    assert_ne!(new, old);
    assert!(!keyfile::pending_path(&key_file).exists());
    unreadable_without(&db(dir.path()), &new);
    let err = crypt::open(&db(dir.path()), &old).unwrap_err();
    assert!(matches!(err, medicloud_node::Error::WrongKey), "{err:?}");
    let node = open(dir.path());
    let kept = node.store().read(|c| Ok(ticket_ids(c))).unwrap();
    // The demo process issued no ticket; its start added only events.
    assert_eq!(kept, sorted(tickets));
    assert!(node.store().verify_audit().unwrap().findings.is_empty());
}

/// A rekey cut off after the database took the new key, before the key file was
/// replaced: the next open finishes it.
#[test]
fn a_rekey_cut_off_by_a_crash_is_finished_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = clinic_day(&open(dir.path()), 2);
    let key_file = dir.path().join("db.key");
    let old = DbKey::read(&key_file).unwrap().unwrap();
    let new = [0x5au8; 32];
    keyfile::write_pending(&key_file, &new).unwrap();
    {
        let conn = crypt::open(&db(dir.path()), &old).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE").unwrap();
        conn.execute_batch(&format!("PRAGMA rekey = \"x'{}'\"", "5a".repeat(32)))
            .unwrap();
    }
    let node = open(dir.path());
    assert_eq!(
        node.store().read(|c| Ok(ticket_ids(c))).unwrap(),
        sorted(tickets)
    );
    assert_eq!(keyfile::read(&key_file).unwrap(), Some(new));
    assert!(!keyfile::pending_path(&key_file).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_opens_only_with_the_key_and_holds_the_same_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = clinic_day(&open(dir.path()), 3);
    let data = dir.path().to_str().unwrap();
    let out = dir.path().join("backup.sqlite");
    // Taken while the node runs and issues tickets.
    let running = DemoProcess::start(dir.path());
    let client = reqwest::Client::new();
    assert_eq!(running.take(&client, "A").await.status(), 201);
    let (ok, text) = medicloud(&[
        "db",
        "backup",
        "--data",
        data,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("4 tickets"), "{text}");
    assert_eq!(running.take(&client, "A").await.status(), 201);
    let (ok, text) = medicloud(&[
        "db",
        "backup",
        "--data",
        data,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        !ok && text.contains("exists"),
        "an existing file is kept: {text}"
    );
    running.stop();

    let key = DbKey::read(&dir.path().join("db.key")).unwrap().unwrap();
    assert_eq!(crypt::contents(&out).unwrap(), Contents::Encrypted);
    let bytes = std::fs::read(&out).unwrap();
    assert!(!contains(&bytes, NAME) && !contains(&bytes, NIK));
    unreadable_without(&out, &key);
    plain_sqlite_cannot_read(&out);
    let conn = crypt::open_read_only(&out, &key).unwrap();
    let copied = ticket_ids(&conn);
    assert_eq!(copied.len(), 4);
    assert!(tickets.iter().all(|t| copied.contains(t)));
    drop(conn);

    // Restore: the backup copied back beside its keys.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&out, db(restored.path())).unwrap();
    for key in ["db.key", "audit.key"] {
        std::fs::copy(dir.path().join(key), restored.path().join(key)).unwrap();
    }
    let node = open(restored.path());
    assert_eq!(node.store().read(|c| Ok(ticket_ids(c))).unwrap(), copied);
    assert!(node.store().verify_audit().unwrap().findings.is_empty());
}

/// Makes the plaintext database an earlier version left: the same schema and data,
/// unencrypted, with its latest writes still in the WAL (a node that was stopped hard).
fn plaintext_copy(encrypted: &Path, key: &DbKey, into: &Path) {
    let staging = into.join("staging.sqlite");
    {
        let conn = crypt::open(encrypted, key).unwrap();
        conn.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [staging.to_str().unwrap()],
        )
        .unwrap();
        conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
            .unwrap();
        let version: i64 = conn
            .query_row("PRAGMA main.user_version", [], |r| r.get(0))
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA plain.user_version = {version}; DETACH DATABASE plain"
        ))
        .unwrap();
    }
    let conn = rusqlite::Connection::open(&staging).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         INSERT INTO node_meta (key, value) VALUES ('only_in_the_wal', 'kept');",
    )
    .unwrap();
    // Copied while the connection is open: the WAL still holds the last insert.
    std::fs::copy(&staging, db(into)).unwrap();
    std::fs::copy(
        into.join("staging.sqlite-wal"),
        into.join("node.sqlite-wal"),
    )
    .unwrap();
    drop(conn);
    for leftover in ["staging.sqlite", "staging.sqlite-wal", "staging.sqlite-shm"] {
        let _ = std::fs::remove_file(into.join(leftover));
    }
}

#[test]
fn a_plaintext_database_of_an_earlier_version_is_encrypted_on_open_and_keeps_everything() {
    let earlier = tempfile::tempdir().unwrap();
    let tickets = clinic_day(&open(earlier.path()), 3);
    let key = DbKey::read(&earlier.path().join("db.key"))
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    plaintext_copy(&db(earlier.path()), &key, dir.path());
    // An earlier version had its audit key, and no database key.
    std::fs::copy(
        earlier.path().join("audit.key"),
        dir.path().join("audit.key"),
    )
    .unwrap();
    let path = db(dir.path());
    assert_eq!(crypt::contents(&path).unwrap(), Contents::Plain);
    let plain = std::fs::read(&path).unwrap();
    assert!(
        contains(&plain, NIK),
        "the earlier version's file shows the NIK"
    );

    let node = open(dir.path());
    assert_eq!(crypt::contents(&path).unwrap(), Contents::Encrypted);
    assert!(dir.path().join("db.key").exists());
    assert!(!dir.path().join("node.sqlite.encrypting").exists());
    assert_eq!(
        node.store().read(|c| Ok(ticket_ids(c))).unwrap(),
        sorted(tickets)
    );
    assert_eq!(
        node.store().meta("only_in_the_wal").unwrap().as_deref(),
        Some("kept")
    );
    assert!(node.store().verify_audit().unwrap().findings.is_empty());
    let issued = node
        .issue_ticket(
            Actor::System,
            NewTicket {
                service: Some("A".parse().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(issued.label, "A-004");
    for file in ["node.sqlite", "node.sqlite-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(
            !contains(&bytes, NIK) && !contains(&bytes, NAME),
            "{file} shows the patient"
        );
    }
    let key = DbKey::read(&dir.path().join("db.key")).unwrap().unwrap();
    drop(node);
    unreadable_without(&path, &key);
    plain_sqlite_cannot_read(&path);
}
