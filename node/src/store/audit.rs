//! The audit chain: tamper evidence for the event log, which is also the audit trail
//! (every change is an event with its actor, device and time; reads and logins are
//! `Audited` events).
//!
//! Each stored event gets a link: `HMAC(key, previous link of its origin ‖ event JSON)`,
//! and each origin's newest link is MACed again as its head. The key lives in a file
//! beside the database (mode 0600), so someone who can edit the database file but not
//! read the key cannot rebuild the chain: an edited, removed or reordered entry, or
//! entries cut off the end, no longer verify.

use crate::error::{Error, Result};
use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::Sha256;
use std::path::Path;

/// The node's audit key, held as an HMAC keyed with it (each link clones it rather than
/// keying a new one).
#[derive(Clone)]
pub struct AuditKey(Hmac<Sha256>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// Reads the key at `path`, creating it (readable by this user only) when missing.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        super::keyfile::load_or_create(path).map(|key| Self::new(&key))
    }

    fn new(key: &[u8; 32]) -> Self {
        Self(
            <Hmac<Sha256> as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
        )
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    fn head(&self, origin: &str, seq: i64, link: &[u8]) -> Vec<u8> {
        self.mac(&[b"head", origin.as_bytes(), &seq.to_be_bytes(), link])
    }
}

/// Adds the links of events as they are inserted, in their origins' seq order. The
/// previous link of a series is read from the database only where a run of one origin's
/// consecutive seqs starts (after that it is the one just computed), and each origin's
/// head is written once, at the end of its run; [`Linker::finish`] writes the last.
pub(super) struct Linker<'a> {
    conn: &'a Connection,
    key: &'a AuditKey,
    /// The newest link made: origin, seq, mac.
    last: Option<(String, i64, Vec<u8>)>,
}

impl<'a> Linker<'a> {
    pub(super) fn new(conn: &'a Connection, key: &'a AuditKey) -> Self {
        Self {
            conn,
            key,
            last: None,
        }
    }

    /// Adds the link of a just-inserted event (`body`: its stored JSON).
    pub(super) fn link(&mut self, origin: &str, seq: i64, body: &str) -> Result<()> {
        let previous = match self.last.take() {
            Some((o, s, mac)) if o == origin && s + 1 == seq => mac,
            other => {
                self.last = other;
                self.write_head()?;
                self.stored_link(origin, seq)?
            }
        };
        let mac = self.key.mac(&[&previous, body.as_bytes()]);
        self.conn
            .prepare_cached("INSERT INTO audit_chain (origin, seq, mac) VALUES (?1, ?2, ?3)")?
            .execute(params![origin, seq, mac])?;
        self.last = Some((origin.to_owned(), seq, mac));
        Ok(())
    }

    /// Writes the head of the last series linked.
    pub(super) fn finish(mut self) -> Result<()> {
        self.write_head()
    }

    /// The stored link before `seq` of `origin` (none before the first).
    fn stored_link(&self, origin: &str, seq: i64) -> Result<Vec<u8>> {
        if seq <= 1 {
            return Ok(Vec::new());
        }
        self.conn
            .prepare_cached("SELECT mac FROM audit_chain WHERE origin = ?1 AND seq = ?2")?
            .query_row(params![origin, seq - 1], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::AuditChainBroken {
                origin: origin.to_owned(),
                seq,
            })
    }

    fn write_head(&mut self) -> Result<()> {
        if let Some((origin, seq, mac)) = self.last.take() {
            self.conn
                .prepare_cached(
                    "INSERT INTO audit_heads (origin, seq, mac) VALUES (?1, ?2, ?3)
                     ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq, mac = excluded.mac",
                )?
                .execute(params![origin, seq, self.key.head(&origin, seq, &mac)])?;
        }
        Ok(())
    }
}

/// Links every event stored before the chain existed (a database from an older version).
/// Runs only while the chain is empty: once it exists, an event without a link is
/// evidence of tampering, and must stay visible to [`verify`].
pub(super) fn catch_up(conn: &Connection, key: &AuditKey) -> Result<u64> {
    let heads: i64 = conn.query_row("SELECT COUNT(*) FROM audit_heads", [], |r| r.get(0))?;
    if heads > 0 {
        return Ok(0);
    }
    let mut stmt = conn.prepare(
        "SELECT e.origin, e.seq, e.body FROM events e
         LEFT JOIN audit_chain c ON c.origin = e.origin AND c.seq = e.seq
         WHERE c.mac IS NULL ORDER BY e.origin, e.seq",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut linker = Linker::new(conn, key);
    for (origin, seq, body) in &rows {
        linker.link(origin, *seq, body)?;
    }
    linker.finish()?;
    Ok(rows.len() as u64)
}

/// One thing the verifier found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The device whose series it is in.
    pub origin: String,
    /// Where in the series.
    pub seq: i64,
    /// What is wrong, in words.
    pub problem: String,
}

/// What [`verify`] saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Events checked.
    pub events: u64,
    /// Devices (series) checked.
    pub origins: u64,
    /// Everything that does not verify; empty when the trail is intact.
    pub findings: Vec<Finding>,
}

/// Verifies the database at `path` without changing it: opened read-only with the
/// database key in `db_key_file` (a plaintext database of an earlier version needs none),
/// and the audit key beside it (which must exist).
pub fn verify_database(path: &Path, db_key_file: &Path) -> Result<Verdict> {
    let key_path = super::Store::audit_key_path(path);
    let key = match super::keyfile::read(&key_path)? {
        Some(key) => AuditKey::new(&key),
        None => {
            return Err(Error::Key(format!(
                "no audit key at {}",
                key_path.display()
            )));
        }
    };
    let conn = match super::crypt::contents(path)? {
        super::crypt::Contents::Plain => {
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?
        }
        _ => {
            let db_key = super::crypt::DbKey::read(db_key_file)?.ok_or_else(|| {
                Error::Key(format!("no database key at {}", db_key_file.display()))
            })?;
            super::crypt::open_read_only(path, &db_key)?
        }
    };
    verify(&conn, &key)
}

/// Recomputes the whole chain from the events and compares.
pub fn verify(conn: &Connection, key: &AuditKey) -> Result<Verdict> {
    let mut verdict = Verdict::default();
    let mut origins: Vec<String> = conn
        .prepare("SELECT origin FROM events UNION SELECT origin FROM audit_heads UNION SELECT origin FROM audit_chain")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    origins.sort();
    let mut find = |origin: &str, seq: i64, problem: String| {
        verdict.findings.push(Finding {
            origin: origin.to_owned(),
            seq,
            problem,
        });
    };
    let mut events_seen = 0;
    for origin in &origins {
        let events: Vec<(i64, String)> = conn
            .prepare_cached("SELECT seq, body FROM events WHERE origin = ?1 ORDER BY seq")?
            .query_map([origin], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let links: std::collections::BTreeMap<i64, Vec<u8>> = conn
            .prepare_cached("SELECT seq, mac FROM audit_chain WHERE origin = ?1")?
            .query_map([origin], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        events_seen += events.len() as u64;
        let mut previous: Vec<u8> = Vec::new();
        let mut expected_seq = 1;
        for (seq, body) in &events {
            while expected_seq < *seq {
                find(origin, expected_seq, "entry removed".into());
                previous = links.get(&expected_seq).cloned().unwrap_or_default();
                expected_seq += 1;
            }
            let mac = key.mac(&[&previous, body.as_bytes()]);
            match links.get(seq) {
                Some(stored) if *stored == mac => {}
                Some(_) => find(origin, *seq, "entry changed (edited or reordered)".into()),
                None => find(origin, *seq, "entry has no audit link (inserted)".into()),
            }
            let stated = serde_json::from_str::<medicloud_core::event::Event>(body)
                .map(|e| (e.id.origin.to_string(), e.id.seq as i64));
            if stated.as_ref().ok() != Some(&(origin.clone(), *seq)) {
                find(
                    origin,
                    *seq,
                    "entry stored under another place in the log (moved)".into(),
                );
            }
            // Continue from the stored link, so one bad entry is reported once.
            previous = links.get(seq).cloned().unwrap_or(mac);
            expected_seq = seq + 1;
        }
        let last = events.last().map_or(0, |(seq, _)| *seq);
        for seq in links.keys().filter(|s| **s > last) {
            find(origin, *seq, "entry removed".into());
        }
        let head: Option<(i64, Vec<u8>)> = conn
            .query_row(
                "SELECT seq, mac FROM audit_heads WHERE origin = ?1",
                [origin],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match head {
            Some((seq, mac)) => {
                let link = links.get(&seq).cloned().unwrap_or_default();
                if mac != key.head(origin, seq, &link) {
                    find(
                        origin,
                        seq,
                        "the series' newest entry was tampered with".into(),
                    );
                } else if seq > last {
                    find(origin, last + 1, "entries removed from the end".into());
                }
            }
            None if last > 0 => find(origin, last, "the series has no head".into()),
            None => {}
        }
    }
    verdict.events = events_seen;
    verdict.origins = origins.len() as u64;
    Ok(verdict)
}
