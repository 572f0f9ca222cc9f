//! The store as a replica of the clinic's log: its summary, the events another replica
//! lacks, and taking in other devices' events.
//!
//! Each origin's series is stored without gaps (an event after a gap waits for the ones
//! before it), so the summary is one `MAX(seq)` per origin. A batch is taken in one
//! durable transaction: its events and the re-folded projections of every entity they
//! touch commit together, or nothing does.

use super::{Store, insert_event, lock, project};
use crate::error::Result;
use crdts::{CmRDT, Dot};
use medicloud_core::event::{Entity, Event};
use medicloud_core::ids::DeviceId;
use medicloud_sync::log::{Ingest, VersionVector};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeSet, HashMap};

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

    /// Up to `limit` events a replica with summary `remote` lacks, each origin's in seq order.
    pub fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>> {
        let mine = self.summary()?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM events WHERE origin = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let mut out = Vec::new();
            for dot in mine.iter() {
                let theirs = remote.get(dot.actor);
                if dot.counter <= theirs || out.len() >= limit {
                    continue;
                }
                let left = (limit - out.len()) as i64;
                let rows = stmt
                    .query_map(params![dot.actor.to_string(), theirs as i64, left], |r| {
                        r.get::<_, String>(0)
                    })?;
                for body in rows {
                    out.push(serde_json::from_str(&body?)?);
                }
            }
            Ok(out)
        })
    }

    /// Stores the events of other devices that this store lacks, and folds them into the
    /// projections, in one durable transaction. Returns what happened and the events
    /// newly stored (for live updates).
    pub fn ingest(&self, mut events: Vec<Event>) -> Result<(Ingest, Vec<Event>)> {
        events.sort_by_key(|e| (e.id.origin, e.id.seq));
        let mut report = Ingest::default();
        let mut accepted = Vec::new();
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut held: HashMap<DeviceId, u64> = HashMap::new();
        for event in events {
            let (origin, seq) = (event.id.origin, event.id.seq);
            if event.clinic != self.identity.clinic {
                report.refused += 1;
                continue;
            }
            let top = match held.get(&origin) {
                Some(top) => *top,
                None => {
                    let top: i64 = tx.query_row(
                        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE origin = ?1",
                        [origin.to_string()],
                        |r| r.get(0),
                    )?;
                    top as u64
                }
            };
            if seq <= top {
                let stored: Option<String> = tx
                    .query_row(
                        "SELECT body FROM events WHERE origin = ?1 AND seq = ?2",
                        params![origin.to_string(), seq as i64],
                        |r| r.get(0),
                    )
                    .optional()?;
                let same = stored
                    .map(|b| serde_json::from_str::<Event>(&b))
                    .transpose()?
                    .is_some_and(|s| s == event);
                if same {
                    report.duplicates += 1;
                } else {
                    report.refused += 1;
                }
            } else if seq == top + 1 {
                insert_event(&tx, &self.audit_key, &event)?;
                held.insert(origin, seq);
                report.accepted += 1;
                accepted.push(event);
            } else {
                held.insert(origin, top);
                report.out_of_order += 1;
            }
        }
        // Each touched entity is re-folded once, whatever the number of its new events.
        let mut folded = BTreeSet::new();
        for event in &accepted {
            let entity = event.entity();
            let refold = matches!(entity, Entity::Ticket(_) | Entity::Appointment(_));
            if !refold || folded.insert(entity.to_string()) {
                project::apply(&tx, event)?;
            }
        }
        // Observed while the writer lock is held, so no local event that follows these
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
