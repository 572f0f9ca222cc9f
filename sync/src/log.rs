//! The event log as a grow-only set, summarised by a version vector.
//!
//! Each device writes its own series `1, 2, 3 …` without gaps, so a replica's knowledge
//! of a series is one number: the highest seq it holds with nothing missing before it.
//! The summary of a log is those numbers per origin — a [`VersionVector`]. What one
//! replica lacks of another is, per origin, everything after its number.

use crate::exchange::SyncError;
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
    /// seq order (so the receiver can store them without gaps).
    fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>, SyncError>;
    /// Stores the events it lacks, all or none. Order within the batch does not matter.
    fn ingest(&mut self, events: Vec<Event>) -> Result<Ingest, SyncError>;
}

/// A log in memory: the reference implementation, and the replica of the tests.
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
        Ok(self
            .events
            .iter()
            .filter(|((origin, seq), _)| *seq > remote.get(origin))
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect())
    }

    fn ingest(&mut self, mut events: Vec<Event>) -> Result<Ingest, SyncError> {
        events.sort_by_key(|e| (e.id.origin, e.id.seq));
        let mut report = Ingest::default();
        let mut have = self.vector();
        for event in events {
            let (origin, seq) = (event.id.origin, event.id.seq);
            if event.clinic != self.clinic {
                report.refused += 1;
            } else if let Some(held) = self.events.get(&(origin, seq)) {
                if *held == event {
                    report.duplicates += 1;
                } else {
                    report.refused += 1;
                }
            } else if seq == have.get(&origin) + 1 {
                have.apply(Dot::new(origin, seq));
                self.events.insert((origin, seq), event);
                report.accepted += 1;
            } else {
                report.out_of_order += 1;
            }
        }
        Ok(report)
    }
}
