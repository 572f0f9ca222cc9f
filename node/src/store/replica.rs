//! The store as a replica of the clinic's log: its summary, the events another replica
//! lacks, and taking in other devices' events.
//!
//! Each origin's series is stored without gaps (an event after a gap waits for the ones
//! before it), so the summary is one `MAX(seq)` per origin. What to store and what to
//! page is decided by `medicloud_sync::ingest`, the rule every replica shares; this file
//! only reads and writes. A batch is taken in one
//! durable transaction: its events and the re-folded projections of every entity they
//! touch commit together, or nothing does. Every statement is prepared once per
//! connection; each origin's head and audit head is written once per batch, and each
//! touched projection row once (see `project::Touched`).

use super::{Store, insert_events, project};
use crate::error::Result;
use crdts::{CmRDT, Dot};
use medicloud_core::event::Event;
use medicloud_core::ids::DeviceId;
use medicloud_sync::ingest::{self, Batch, Heads, Held};
use medicloud_sync::log::{Ingest, VersionVector};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Per origin, the highest seq held.
    pub fn summary(&self) -> Result<VersionVector> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT origin, seq FROM log_heads")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            let mut vv = VersionVector::new();
            for row in rows {
                let (origin, seq) = row?;
                let origin: DeviceId = origin
                    .parse()
                    .map_err(|_| crate::Error::Corrupt("event origin".into()))?;
                vv.apply(Dot::new(origin, seq as u64));
            }
            Ok(vv)
        })
    }

    /// Up to `limit` events a replica with summary `remote` lacks, each origin's in seq
    /// order: the spans of [`ingest::page`].
    pub fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>> {
        let mine = self.summary()?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM events WHERE origin = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
            )?;
            let mut out = Vec::new();
            for span in ingest::page(&mine, remote, limit) {
                let rows = stmt.query_map(
                    params![span.origin.to_string(), span.first as i64, span.last as i64],
                    |r| r.get::<_, String>(0),
                )?;
                for body in rows {
                    out.push(serde_json::from_str(&body?)?);
                }
            }
            Ok(out)
        })
    }

    /// Stores the events of other devices that this store lacks, by the rule of
    /// [`ingest`], and folds them into the projections, in one durable transaction.
    /// Returns what happened and the events newly stored (for live updates).
    pub fn ingest(&self, events: Vec<Event>) -> Result<(Ingest, Vec<Event>)> {
        let batch = Batch::new(self.identity.clinic, events);
        let tx = self.writer.begin()?;
        let mut heads = Heads::new();
        for origin in batch.origins() {
            let head: i64 = tx
                .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events WHERE origin = ?1")?
                .query_row([origin.to_string()], |r| r.get(0))?;
            heads.insert(origin, head as u64);
        }
        let mut held = Held::new();
        for id in batch.held_ids(&heads) {
            let stored: Option<String> = tx
                .prepare_cached("SELECT body FROM events WHERE origin = ?1 AND seq = ?2")?
                .query_row(params![id.origin.to_string(), id.seq as i64], |r| r.get(0))
                .optional()?;
            if let Some(body) = stored {
                held.insert(id, serde_json::from_str(&body)?);
            }
        }
        let plan = batch.decide(&heads, &held);
        let (report, accepted) = (plan.report, plan.store);
        // Each touched entity is folded once, from the events it had and the batch's,
        // and its row written once, whatever the number of its new events.
        let touched = project::Touched::read(&tx, &accepted)?;
        insert_events(&tx, &self.audit_key, &accepted)?;
        touched.write(&tx)?;
        // Observed while the writer connection is held, so no local event that follows these
        // can be stamped before them.
        for event in &accepted {
            // A stamp beyond the drift bound is stored all the same; it just does not
            // drag this device's clock along (the skew is reported instead).
            if let Err(drift) = self.hlc.observe(event.stamp, self.time.as_ref()) {
                tracing::warn!(ahead_ms = drift.ahead_ms, "a device's clock is far ahead");
            }
        }
        tx.commit()?;
        Ok((report, accepted))
    }
}
