//! Encryption at rest: the node's database is a SQLCipher file (AES-256, every page,
//! the WAL too), opened with a 256-bit key as the very first statement on every
//! connection. The key lives outside the database, in `db.key` beside it (created on first
//! start, 0600) or a file the operator names (`--db-key-file`).
//!
//! Also here: encrypting in place a plaintext database of an earlier version, changing the
//! key ([`rekey`]), a consistent encrypted copy ([`backup`]), and the lock that tells a
//! running node's data folder from an idle one.

use super::keyfile::{self, KEY_LEN};
use crate::error::{Error, Result};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};

/// The database's encryption key.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey([u8; KEY_LEN]);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

impl DbKey {
    /// A new random key.
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// Reads the key at `path`; `None` when there is no such file.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        Ok(keyfile::read(path)?.map(Self))
    }

    /// Reads the key at `path`, creating a random one (0600) when the file is missing.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        keyfile::load_or_create(path).map(Self)
    }

    /// The key as SQLCipher takes a raw key: `x'…'` with 64 hex digits.
    fn sql(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("\"x'{hex}'\"")
    }
}

/// Where the key of the database at `db` lives unless the operator says otherwise:
/// `db.key` beside it.
pub fn default_key_path(db: &Path) -> PathBuf {
    db.with_file_name("db.key")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// What a database file holds, judged without a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contents {
    /// No database yet (no file, or an empty one).
    Missing,
    /// A plain SQLite database (of an earlier version, or not a node's).
    Plain,
    /// Anything else: an encrypted database (or a file that is not a database at all).
    Encrypted,
}

/// Looks at the first bytes of `path` (and its WAL) to tell what it holds.
pub fn contents(path: &Path) -> Result<Contents> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let read = match std::fs::File::open(path) {
        Ok(mut file) => file.read(&mut header).map_err(io_error)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(io_error(e)),
    };
    if &header == b"SQLite format 3\0" {
        return Ok(Contents::Plain);
    }
    if read > 0 {
        return Ok(Contents::Encrypted);
    }
    // An empty main file: anything written so far is in the WAL.
    let wal = std::fs::metadata(sibling(path, "-wal")).map_or(0, |m| m.len());
    if wal == 0 {
        return Ok(Contents::Missing);
    }
    let plain =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).and_then(|c| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        });
    Ok(if plain.is_ok() {
        Contents::Plain
    } else {
        Contents::Encrypted
    })
}

fn io_error(e: std::io::Error) -> Error {
    Error::Key(format!("cannot read the database file: {e}"))
}

/// Opens `path` with `key` (the first statement on the connection) and checks that the
/// key opens it. A wrong key, a missing key or a plaintext file is [`Error::WrongKey`].
pub fn open(path: &Path, key: &DbKey) -> Result<Connection> {
    keyed(Connection::open(path)?, key)
}

/// As [`open`], read-only.
pub fn open_read_only(path: &Path, key: &DbKey) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    keyed(conn, key)
}

fn keyed(conn: Connection, key: &DbKey) -> Result<Connection> {
    conn.execute_batch(&format!("PRAGMA key = {};", key.sql()))?;
    check(&conn)?;
    Ok(conn)
}

/// Reads the schema: the first read that needs the key to be right.
fn check(conn: &Connection) -> Result<()> {
    let version: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap_or_default();
    if version.is_empty() {
        return Err(Error::Key(
            "this build of SQLite has no encryption (SQLCipher)".into(),
        ));
    }
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            Err(Error::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

/// The key of the database at `path`, with the database made ready for it: a new
/// database gets a new key (in `key_file`, 0600); a plaintext one from an earlier version
/// is encrypted in place; a key change cut off by a crash is finished.
pub(super) fn prepare(path: &Path, key_file: &Path) -> Result<DbKey> {
    match contents(path)? {
        Contents::Missing => {
            remove_leftovers(path);
            DbKey::load_or_create(key_file)
        }
        Contents::Plain => {
            let key = DbKey::load_or_create(key_file)?;
            encrypt_in_place(path, &key)?;
            tracing::info!("encrypted the database of an earlier version in place");
            Ok(key)
        }
        Contents::Encrypted => {
            let pending = keyfile::pending_path(key_file);
            let key = DbKey::read(key_file)?;
            if let Some(key) = &key {
                match open(path, key) {
                    Ok(_) => {
                        // A key change that never reached the database.
                        let _ = std::fs::remove_file(&pending);
                        return Ok(key.clone());
                    }
                    Err(Error::WrongKey) => {}
                    Err(e) => return Err(e),
                }
            }
            // A key change that reached the database but not the key file: finish it.
            if let Some(new) = DbKey::read(&pending)?
                && open(path, &new).is_ok()
            {
                keyfile::commit(key_file)?;
                tracing::warn!("finished a key change that was interrupted");
                return Ok(new);
            }
            match key {
                Some(_) => Err(Error::WrongKey),
                None => Err(Error::Key(format!(
                    "the database is encrypted and its key file {} is missing",
                    key_file.display()
                ))),
            }
        }
    }
}

/// Removes a `-wal`/`-shm` without a database, and a half-made encrypted copy.
fn remove_leftovers(path: &Path) {
    for suffix in ["-wal", "-shm", ".encrypting"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
}

/// Encrypts the plaintext database at `path` with `key`, keeping everything in it: its
/// WAL is checkpointed first, the encrypted copy is written beside it and fsynced, then
/// renamed over it. A crash at any point leaves either the old file or the new one.
pub fn encrypt_in_place(path: &Path, key: &DbKey) -> Result<()> {
    let copy = sibling(path, ".encrypting");
    let _ = std::fs::remove_file(&copy);
    {
        let plain = Connection::open(path)?;
        // Checkpoints the WAL into the file and leaves rollback-journal mode, so no WAL of
        // the plaintext file can outlive it.
        plain.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        plain.execute(
            &format!("ATTACH DATABASE ?1 AS encrypted KEY {}", key.sql()),
            [copy.to_string_lossy()],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        // sqlcipher_export copies the schema and rows, not the header's user_version.
        plain.execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
        plain.execute_batch("DETACH DATABASE encrypted")?;
    }
    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::Key(format!("cannot sync {}: {e}", copy.display())))?;
    open(&copy, key)?;
    std::fs::rename(&copy, path)
        .map_err(|e| Error::Key(format!("cannot replace {}: {e}", path.display())))?;
    keyfile::sync_dir(path)
}

/// Held while a node has its database open; a second holder is refused.
#[derive(Debug)]
pub struct NodeLock {
    _file: std::fs::File,
}

/// Takes the lock of the database at `path` (`node.sqlite.lock` beside it), or fails
/// with [`Error::Busy`] while another process (or [`super::Store`]) holds it.
pub fn lock(path: &Path) -> Result<NodeLock> {
    let lock_path = sibling(path, ".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::Key(format!("cannot open {}: {e}", lock_path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(NodeLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy(format!(
            "a node is running on {}; stop it first",
            path.parent().unwrap_or(path).display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::Key(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

/// Gives the database at `path` a new random key: the new key is written beside the key
/// file first, then the database is re-encrypted (`PRAGMA rekey`, one transaction), then
/// the new key file is renamed over the old. A crash in between is finished at the next
/// open. Refused while a node runs on the database.
pub fn rekey(path: &Path, key_file: &Path) -> Result<()> {
    let _lock = lock(path)?;
    let old = prepare(path, key_file)?;
    let conn = open(path, &old)?;
    let new = DbKey::random();
    keyfile::write_pending(key_file, &new.0)?;
    // The rekey runs in rollback-journal mode and returns to WAL after.
    conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    })?;
    conn.execute_batch(&format!("PRAGMA rekey = {};", new.sql()))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
    drop(conn);
    open(path, &new)?;
    keyfile::commit(key_file)?;
    Ok(())
}

/// What [`backup`] copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    /// Events in the copy.
    pub events: u64,
    /// Tickets in the copy.
    pub tickets: u64,
}

/// Writes a consistent copy of the database at `path` to `out` (which must not exist),
/// encrypted with the same key; restoring is copying it back. A running node may go on
/// working meanwhile.
pub fn backup(path: &Path, key_file: &Path, out: &Path) -> Result<Copied> {
    if out.exists() {
        return Err(Error::Key(format!("{} exists already", out.display())));
    }
    let key = DbKey::read(key_file)?
        .ok_or_else(|| Error::Key(format!("no key file at {}", key_file.display())))?;
    if contents(path)? != Contents::Encrypted {
        return Err(Error::Key(format!(
            "{} is not an encrypted node database (start the node once to encrypt it)",
            path.display()
        )));
    }
    let partial = sibling(out, ".partial");
    let _ = std::fs::remove_file(&partial);
    {
        let conn = open(path, &key)?;
        // One read transaction: the copy is the database as of one moment.
        conn.execute(
            &format!("ATTACH DATABASE ?1 AS copy KEY {}", key.sql()),
            [partial.to_string_lossy()],
        )?;
        conn.execute_batch("BEGIN")?;
        let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        conn.query_row("SELECT sqlcipher_export('copy')", [], |_| Ok(()))?;
        conn.execute_batch(&format!("PRAGMA copy.user_version = {version}; COMMIT"))?;
        conn.execute_batch("DETACH DATABASE copy")?;
    }
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::Key(format!("cannot sync {}: {e}", partial.display())))?;
    let copied = {
        let conn = open_read_only(&partial, &key)?;
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        Copied {
            events: count("SELECT count(*) FROM events")? as u64,
            tickets: count("SELECT count(*) FROM tickets")? as u64,
        }
    };
    std::fs::rename(&partial, out)
        .map_err(|e| Error::Key(format!("cannot write {}: {e}", out.display())))?;
    keyfile::sync_dir(out)?;
    Ok(copied)
}
