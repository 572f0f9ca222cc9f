//! The merge laws and convergence (`medicloud-testkit`'s properties, as on `MemLog`) on
//! the node's real store: each replica a SQLCipher file in a temporary folder, taking
//! events in and paging them out as a node does over sync.

use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_node::store::Store;
use medicloud_sync::exchange::SyncError;
use medicloud_sync::hlc::SystemTime;
use medicloud_sync::log::{Ingest, Log, VersionVector};
use medicloud_testkit::convergence::{CLINIC, LogFactory};
use medicloud_testkit::proptest::test_runner::Config;
use std::sync::Arc;

/// A node's store as the exchange sees it (as `replication::NodeLog` does, without the
/// live screens).
struct StoreLog {
    store: Store,
    _dir: tempfile::TempDir,
}

fn storage(err: medicloud_node::Error) -> SyncError {
    SyncError::Storage(err.to_string())
}

impl Log for StoreLog {
    fn clinic(&self) -> ClinicId {
        self.store.identity().clinic
    }

    fn summary(&self) -> Result<VersionVector, SyncError> {
        self.store.summary().map_err(storage)
    }

    fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>, SyncError> {
        self.store.missing_for(remote, limit).map_err(storage)
    }

    fn ingest(&mut self, events: Vec<Event>) -> Result<Ingest, SyncError> {
        Ok(self.store.ingest(events).map_err(storage)?.0)
    }
}

/// New stores, each in its own folder (the store holds a lock on it).
struct Stores;

impl LogFactory for Stores {
    type Log = StoreLog;

    fn make(&self, device: DeviceId) -> StoreLog {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.sqlite");
        let store = Store::open_as(&path, CLINIC, Some(device), Arc::new(SystemTime)).unwrap();
        StoreLog { store, _dir: dir }
    }
}

medicloud_testkit::convergence_tests!(Some(Stores), Config::with_cases(16));
