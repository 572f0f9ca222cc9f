//! The event log as a grow-only set, summarised by a version vector.
//!
//! Each device writes its own series `1, 2, 3 …` without gaps, so a replica's knowledge
//! of a series is one number: the highest seq it holds with nothing missing before it.
//! The summary of a log is those numbers per origin — a [`VersionVector`]. What one
//! replica lacks of another is, per origin, everything after its number.

use crate::exchange::SyncError;
use crate::ingest::{self, Batch, Heads, Held};
use crdts::{CmRDT, Dot, VClock};
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use std::collections::BTreeMap;

/// Per origin, the highest seq held with no gap before it.
pub type VersionVector = VClock<DeviceId>;

/// What [`Log::ingest`] did with a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ingest {
    /// New events stored.
    pub accepted: usize,
    /// Events already held (applying an event twice does nothing).
    pub duplicates: usize,
    /// Events after a gap in their series, not stored; they come again in order.
    pub out_of_order: usize,
    /// Events of another clinic, or a held (origin, seq) with a different content.
    pub refused: usize,
}

/// A replica's log, as the exchange sees it.
pub trait Log {
    /// The clinic whose events this log holds.
    fn clinic(&self) -> ClinicId;
    /// The summary of what it holds.
    fn summary(&self) -> Result<VersionVector, SyncError>;
    /// Up to `limit` events that a replica with summary `remote` lacks, each origin's in
    /// seq order (so the receiver can store them without gaps): the spans of
    /// [`crate::ingest::page`].
    fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>, SyncError>;
    /// Stores the events it lacks, all or none, by the rule of [`crate::ingest`]. Order
    /// within the batch does not matter.
    fn ingest(&mut self, events: Vec<Event>) -> Result<Ingest, SyncError>;
}

/// A log in memory: the reference implementation, and the replica of the tests. It
/// stores and pages by [`crate::ingest`], as every replica does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemLog {
    clinic: ClinicId,
    events: BTreeMap<(DeviceId, u64), Event>,
}

impl MemLog {
    /// An empty log of `clinic`.
    pub fn new(clinic: ClinicId) -> Self {
        Self {
            clinic,
            events: BTreeMap::new(),
        }
    }

    /// Every event held, by (origin, seq).
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.events.values()
    }

    /// The next seq of `origin`'s series.
    pub fn next_seq(&self, origin: DeviceId) -> u64 {
        self.vector().get(&origin) + 1
    }

    fn vector(&self) -> VersionVector {
        let mut vv = VersionVector::new();
        for (origin, seq) in self.events.keys() {
            // Keys are sorted and series have no gaps, so the last seq is the count.
            vv.apply(Dot::new(*origin, *seq));
        }
        vv
    }
}

impl Log for MemLog {
    fn clinic(&self) -> ClinicId {
        self.clinic
    }

    fn summary(&self) -> Result<VersionVector, SyncError> {
        Ok(self.vector())
    }

    fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>, SyncError> {
        let mut out = Vec::new();
        for span in ingest::page(&self.vector(), remote, limit) {
            let range = (span.origin, span.first)..=(span.origin, span.last);
            out.extend(self.events.range(range).map(|(_, e)| e.clone()));
        }
        Ok(out)
    }

    fn ingest(&mut self, events: Vec<Event>) -> Result<Ingest, SyncError> {
        let batch = Batch::new(self.clinic, events);
        let vector = self.vector();
        let heads: Heads = batch
            .origins()
            .into_iter()
            .map(|origin| (origin, vector.get(&origin)))
            .collect();
        let held: Held = batch
            .held_ids(&heads)
            .into_iter()
            .filter_map(|id| Some((id, self.events.get(&(id.origin, id.seq))?.clone())))
            .collect();
        let plan = batch.decide(&heads, &held);
        for event in plan.store {
            self.events.insert((event.id.origin, event.id.seq), event);
        }
        Ok(plan.report)
    }
}
