//! The node's part in sync: its links, the sealed requests of its peers, label blocks
//! for other devices, and what staff see of it.

use super::Node;
use crate::error::Result;
use crate::labels;
use crate::replication::{NodeLog, SyncStatus};
use crate::store::query::{self, ConflictView};
use medicloud_core::ids::DeviceId;
use medicloud_sync::seal::{Header, LanSeal, Refusal};
use medicloud_sync::wire::{Block, LabelStance, ReserveRequest};

impl Node {
    /// Before the node writes anything at start-up: one round with its label authority
    /// (see [`crate::replication::Replication::first_contact`]).
    pub fn first_contact(&self) {
        self.replication.first_contact(&self.store, &self.live);
    }

    /// Starts the sync links' threads.
    pub fn start_replication(&self) -> Result<()> {
        self.replication.start(&self.store, &self.live)
    }

    /// Asks the sync links' threads to stop.
    pub fn stop_replication(&self) {
        self.replication.stop();
    }

    /// The store as a replica for one exchange; what it takes in is published.
    pub fn log(&self) -> NodeLog<'_> {
        NodeLog::new(&self.store, &self.live, &self.replication)
    }

    /// The clinic's sealing key; `None` when this node takes no sync requests.
    pub fn sync_seal(&self) -> Option<&LanSeal> {
        self.replication.seal()
    }

    /// Whether a sealed request whose header opened, received at `now_ms`, is fresh and
    /// not seen before (admitting nothing: see [`Self::admit_sealed`]).
    pub fn check_sealed(&self, header: &Header, now_ms: i64) -> std::result::Result<(), Refusal> {
        self.replication.check(header, now_ms)
    }

    /// Admits a sealed request whose body opened, received at `now_ms`: fresh, and not
    /// seen before.
    pub fn admit_sealed(&self, header: &Header, now_ms: i64) -> std::result::Result<(), Refusal> {
        self.replication.admit(header, now_ms)
    }

    /// Whether this node is not the clinic's label authority now: another node (or the
    /// cloud) hands out blocks, or the authority is not known yet, or disputed.
    pub fn has_remote_label_authority(&self) -> bool {
        self.replication.has_remote_authority()
    }

    /// What this node tells its peers about itself, for choosing the label authority.
    pub fn label_stance(&self) -> LabelStance {
        self.replication.label_stance(self.store.identity().device)
    }

    /// As the clinic's label authority: a block of numbers for `device`.
    pub fn grant_labels(&self, request: &ReserveRequest, device: DeviceId) -> Result<Block> {
        labels::grant(&self.store, request, device)
    }

    /// The desk places escrowed to each other node per service and day, when this node
    /// is the clinic's booking authority.
    pub fn desk_reserve(&self) -> u16 {
        self.replication.desk_reserve()
    }

    /// Each link's state, and the tickets with conflicts.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.replication.status(&self.store)
    }

    /// The refused concurrent steps on tickets of today and later, newest first.
    pub fn conflicts(&self) -> Result<Vec<ConflictView>> {
        self.store.read(|c| query::conflicts(c, self.today(c)?))
    }
}
