//! The merge laws and convergence (`medicloud-testkit`'s properties, as on `MemLog`) on
//! the cloud's storage: on SQLite, and on PostgreSQL when one answers.
//!
//! The cloud holds many clinics in one database, so each replica here is a clinic of
//! its own in one database per test: the adapter shows the test's clinic outside and
//! stores under its own inside, so replicas never see each other's rows.

use crate::util::Db;
use medicloud_cloud::storage::{AnyStorage, Storage};
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::exchange::SyncError;
use medicloud_sync::log::{Ingest, Log, VersionVector};
use medicloud_testkit::convergence::{CLINIC, LogFactory};
use medicloud_testkit::proptest::test_runner::Config;
use tokio::runtime::{Handle, Runtime};

/// One clinic of a cloud database, as the exchange sees it.
struct CloudLog {
    storage: AnyStorage,
    clinic: ClinicId,
    rt: Handle,
}

fn storage(err: medicloud_cloud::storage::StorageError) -> SyncError {
    SyncError::Storage(err.to_string())
}

/// `event` with its clinic `from` replaced by `to` (another clinic's stays as it is).
fn moved(mut event: Event, from: ClinicId, to: ClinicId) -> Event {
    if event.clinic == from {
        event.clinic = to;
    }
    event
}

impl Log for CloudLog {
    fn clinic(&self) -> ClinicId {
        CLINIC
    }

    fn summary(&self) -> Result<VersionVector, SyncError> {
        self.rt
            .block_on(self.storage.summary(self.clinic))
            .map_err(storage)
    }

    fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>, SyncError> {
        let events = self
            .rt
            .block_on(self.storage.missing(self.clinic, remote, limit))
            .map_err(storage)?;
        Ok(events
            .into_iter()
            .map(|e| moved(e, self.clinic, CLINIC))
            .collect())
    }

    fn ingest(&mut self, events: Vec<Event>) -> Result<Ingest, SyncError> {
        let events = events
            .into_iter()
            .map(|e| moved(e, CLINIC, self.clinic))
            .collect();
        self.rt
            .block_on(self.storage.ingest(self.clinic, events, None))
            .map_err(storage)
    }
}

/// New clinics in one database; the database goes when the factory does.
struct Clinics {
    storage: AnyStorage,
    db: Option<Db>,
    rt: Runtime,
}

impl Clinics {
    fn new(rt: Runtime, db: Db) -> Self {
        let storage = rt.block_on(db.open());
        Self {
            storage,
            db: Some(db),
            rt,
        }
    }

    fn runtime() -> Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    fn sqlite() -> Option<Self> {
        let rt = Self::runtime();
        let db = rt.block_on(Db::sqlite());
        Some(Self::new(rt, db))
    }

    /// `None` (with the notice of [`Db::postgres`]) when no server answers; a panic
    /// there with `CI` set.
    fn postgres() -> Option<Self> {
        let rt = Self::runtime();
        let db = rt.block_on(Db::postgres())?;
        Some(Self::new(rt, db))
    }
}

impl Drop for Clinics {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            self.rt.block_on(db.drop_now());
        }
    }
}

impl LogFactory for Clinics {
    type Log = CloudLog;

    fn make(&self, _device: DeviceId) -> CloudLog {
        let clinic = ClinicId::random();
        let added = self
            .rt
            .block_on(self.storage.add_clinic(clinic, "Klinik", "k"))
            .unwrap();
        assert!(added);
        CloudLog {
            storage: self.storage.clone(),
            clinic,
            rt: self.rt.handle().clone(),
        }
    }
}

mod sqlite {
    use super::*;
    medicloud_testkit::convergence_tests!(Clinics::sqlite(), Config::with_cases(16));
}

mod postgres {
    use super::*;
    medicloud_testkit::convergence_tests!(Clinics::postgres(), Config::with_cases(16));
}
