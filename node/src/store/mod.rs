//! The node's SQLite store: the event log and the projections derived from it.
//!
//! Every change goes through [`Store::write`]: it appends this device's events and folds
//! them into the projections in a transaction committed with a full fsync (WAL,
//! `synchronous=FULL`) before anything is returned to a caller. Writes that arrive
//! together share one commit (`group.rs`), each answered only after it. Reads use their own
//! connection, so a reader never waits for the writer. The file is encrypted (SQLCipher,
//! see [`crypt`]) with a key kept outside it.

pub mod audit;
mod checkpoint;
pub mod crypt;
mod group;
pub mod keyfile;
pub mod labels;
mod migrate;
pub mod print;
mod project;
pub mod query;
mod replica;

pub use migrate::{MIGRATIONS, migrate, migrate_to};

use crate::error::Result;
use chrono::NaiveDate;
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_core::labels::service_day;
use medicloud_sync::hlc::{CorrectedTime, Hlc, TimeSource};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// Who this node is: its own device id (the origin of the events it writes) and its clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    /// This node's device id.
    pub device: DeviceId,
    /// The clinic it belongs to.
    pub clinic: ClinicId,
}

/// The node's database.
pub struct Store {
    writer: group::GroupCommit,
    readers: Vec<Mutex<Connection>>,
    hlc: Hlc,
    time: Arc<CorrectedTime>,
    audit_key: audit::AuditKey,
    identity: Identity,
    /// Dropped before the lock: its connection is closed when the store is.
    _checkpoint: checkpoint::Checkpointer,
    _lock: crypt::NodeLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// Read connections: WAL lets them read while the writer commits.
const READERS: usize = 4;

/// The writer's page cache, in KiB when negative (SQLite's convention): 64 MiB.
const WRITER_CACHE_KIB: i64 = -65_536;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: the WAL is fsynced at every commit, so a returned ticket survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "busy_timeout", 5_000)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock rolled its transaction back; the connection is fine.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    /// Opens (creating and migrating when needed) the database at `path`. A new database
    /// gets a fresh device id and joins `clinic`; an existing one keeps its identity.
    pub fn open(path: &Path, clinic: ClinicId, time: Arc<dyn TimeSource>) -> Result<Self> {
        Self::open_as(path, clinic, None, time)
    }

    /// As [`Store::open`], with the device id a new database takes (one that enrolled
    /// with the cloud before its database existed); an existing database keeps its own.
    pub fn open_as(
        path: &Path,
        clinic: ClinicId,
        device: Option<DeviceId>,
        time: Arc<dyn TimeSource>,
    ) -> Result<Self> {
        Self::open_keyed(path, &crypt::default_key_path(path), clinic, device, time)
    }

    /// As [`Store::open_as`], with the database's key in `key_file` (created there for a
    /// new database). A plaintext database of an earlier version is encrypted in place
    /// first. Fails with [`crate::Error::Busy`] while another store has the database open,
    /// and with [`crate::Error::WrongKey`] when the key does not open it.
    pub fn open_keyed(
        path: &Path,
        key_file: &Path,
        clinic: ClinicId,
        device: Option<DeviceId>,
        time: Arc<dyn TimeSource>,
    ) -> Result<Self> {
        let lock = crypt::lock(path)?;
        let key = crypt::prepare(path, key_file)?;
        let mut writer = crypt::open(path, &key)?;
        configure(&writer)?;
        // The writer's page cache: a synced batch touches pages all over the event
        // index and the projections, and every page read back from the file is decrypted
        // again (SQLite's default is 2 MiB).
        writer.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        migrate(&mut writer)?;
        // Checkpoints run on their own thread, not inside a write's commit.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpoint = {
            let conn = crypt::open(path, &key)?;
            configure(&conn)?;
            checkpoint::Checkpointer::start(path, conn)?
        };
        let audit_key = audit::AuditKey::load_or_create(&Self::audit_key_path(path))?;
        let linked = audit::catch_up(&writer, &audit_key)?;
        if linked > 0 {
            tracing::info!(events = linked, "audit chain extended over older events");
        }
        let identity = Self::load_identity(&mut writer, clinic, device)?;
        let newest: Option<i64> = writer.query_row(
            "SELECT MAX(stamp) FROM events WHERE origin = ?1",
            [identity.device.to_string()],
            |r| r.get(0),
        )?;
        let restored = Stamp(newest.map_or(0, |s| s as u64));
        let readers = (0..READERS)
            .map(|_| {
                let reader = crypt::open(path, &key)?;
                configure(&reader)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            writer: group::GroupCommit::new(writer),
            readers,
            hlc: Hlc::new(restored, Hlc::DEFAULT_MAX_DRIFT_MS),
            time: Arc::new(CorrectedTime::new(time, 0)),
            audit_key,
            identity,
            _checkpoint: checkpoint,
            _lock: lock,
        })
    }

    fn load_identity(
        conn: &mut Connection,
        clinic: ClinicId,
        new_device: Option<DeviceId>,
    ) -> Result<Identity> {
        let tx = conn.transaction()?;
        let get = |key: &str| -> rusqlite::Result<Option<String>> {
            tx.query_row("SELECT value FROM node_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
        };
        let (device, stored_clinic) = (get("device")?, get("clinic")?);
        let identity = match (device, stored_clinic) {
            (Some(device), Some(clinic)) => Identity {
                device: device
                    .parse()
                    .map_err(|_| crate::Error::Corrupt("device id".into()))?,
                clinic: clinic
                    .parse()
                    .map_err(|_| crate::Error::Corrupt("clinic id".into()))?,
            },
            _ => {
                let identity = Identity {
                    device: new_device.unwrap_or_else(DeviceId::random),
                    clinic,
                };
                tx.execute(
                    "INSERT OR REPLACE INTO node_meta (key, value) VALUES ('device', ?1), ('clinic', ?2)",
                    params![identity.device.to_string(), identity.clinic.to_string()],
                )?;
                identity
            }
        };
        tx.commit()?;
        Ok(identity)
    }

    /// This node's identity.
    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// Where the audit key of the database at `path` lives: beside it, `audit.key`.
    pub fn audit_key_path(path: &Path) -> std::path::PathBuf {
        path.with_file_name("audit.key")
    }

    /// Checks the audit chain over the whole log.
    pub fn verify_audit(&self) -> Result<audit::Verdict> {
        self.read(|conn| audit::verify(conn, &self.audit_key))
    }

    /// A small fact about this node (`cloud_url`, `lan_key`…), if set.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .query_row("SELECT value FROM node_meta WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?)
        })
    }

    /// Sets a small fact about this node, durably.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|w| {
            w.conn().execute(
                "INSERT INTO node_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })?;
        Ok(())
    }

    /// Shifts this node's clock by `offset_ms` (the clinic's time, from its authority,
    /// minus this device's own). Stamps still never go backwards.
    pub fn correct_clock(&self, offset_ms: i64) {
        self.time.set_offset(offset_ms);
    }

    /// The correction in force.
    pub fn clock_correction(&self) -> i64 {
        self.time.offset()
    }

    /// This device's own clock, uncorrected, in milliseconds.
    pub fn own_clock_ms(&self) -> i64 {
        i64::try_from(self.time.base_ms()).unwrap_or(i64::MAX)
    }

    /// The current wall-clock time in milliseconds: the injected time source, corrected.
    pub fn now_ms(&self) -> i64 {
        i64::try_from(self.time.now_ms()).unwrap_or(i64::MAX)
    }

    /// Today's service day in the clinic's time zone, read on `conn`.
    pub fn today(&self, conn: &Connection) -> Result<NaiveDate> {
        Ok(service_day(self.now_ms(), query::time_zone(conn)?))
    }

    /// Runs `f` as one write and commits it durably (with the writes that arrived with
    /// it, see `group.rs`). Returns what `f` returned and the events it appended (for
    /// live updates) once they are durable. If `f` or the commit fails, nothing of `f`
    /// is stored.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<(T, Vec<Event>)> {
        let pending = self.writer.begin()?;
        let mut writer = Writer {
            tx: &pending,
            store: self,
            appended: Vec::new(),
        };
        match f(&mut writer) {
            Ok(value) => {
                let appended = writer.appended;
                pending.commit()?;
                Ok((value, appended))
            }
            Err(e) => {
                pending.abandon(&e);
                Err(e)
            }
        }
    }

    /// Runs `f` on a free read connection (waiting for one if all are busy).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let free = self.readers.iter().find_map(|r| r.try_lock().ok());
        let conn = match free {
            Some(conn) => conn,
            None => lock(&self.readers[0]),
        };
        f(&conn)
    }
}

/// A write in progress.
#[allow(missing_debug_implementations)]
pub struct Writer<'a> {
    tx: &'a Connection,
    store: &'a Store,
    appended: Vec<Event>,
}

impl Writer<'_> {
    /// The connection, for reads that must see this write's own changes.
    pub fn conn(&self) -> &Connection {
        self.tx
    }

    /// This node's identity.
    pub fn identity(&self) -> Identity {
        self.store.identity
    }

    /// The wall-clock time in milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.store.now_ms()
    }

    /// Appends a new event of this device and folds it into the projections.
    pub fn append(&mut self, actor: Actor, body: EventBody) -> Result<Event> {
        let Identity { device, clinic } = self.store.identity;
        let last: i64 = self
            .tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events WHERE origin = ?1")?
            .query_row([device.to_string()], |r| r.get(0))?;
        let event = Event {
            id: EventId {
                origin: device,
                seq: last as u64 + 1,
            },
            stamp: self.store.hlc.now(self.store.time.as_ref()),
            clinic,
            actor,
            body,
        };
        let one = std::slice::from_ref(&event);
        let touched = project::Touched::read(self.tx, one)?;
        insert_events(self.tx, &self.store.audit_key, one)?;
        touched.write(self.tx)?;
        self.appended.push(event.clone());
        Ok(event)
    }
}

/// Stores `events`, none of them stored yet, each the next of its origin's series, in
/// their origins' seq order (as [`medicloud_sync::ingest::Plan::store`] lists them): their
/// rows, their audit links, and each origin's head in `log_heads`, written once.
fn insert_events(tx: &Connection, key: &audit::AuditKey, events: &[Event]) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (origin, seq, stamp, clinic, entity, kind, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut head = tx.prepare_cached(
        "INSERT INTO log_heads (origin, seq) VALUES (?1, ?2)
         ON CONFLICT (origin) DO UPDATE SET seq = MAX(seq, excluded.seq)",
    )?;
    let mut linker = audit::Linker::new(tx, key);
    let mut origin: Option<(DeviceId, String)> = None;
    for (i, event) in events.iter().enumerate() {
        let body = serde_json::to_string(event)?;
        if origin.as_ref().is_none_or(|(id, _)| *id != event.id.origin) {
            origin = Some((event.id.origin, event.id.origin.to_string()));
        }
        let name = origin.as_ref().map_or("", |(_, name)| name.as_str());
        let seq = event.id.seq as i64;
        insert.execute(params![
            name,
            seq,
            event.stamp.0 as i64,
            event.clinic.to_string(),
            event.entity().to_string(),
            event.body.kind(),
            body,
        ])?;
        linker.link(name, seq, &body)?;
        // The head once per origin: at its last event here.
        if events
            .get(i + 1)
            .is_none_or(|next| next.id.origin != event.id.origin)
        {
            head.execute(params![name, seq])?;
        }
    }
    linker.finish()
}

#[cfg(test)]
mod tests;
