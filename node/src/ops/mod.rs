//! The clinic's operations: what a kiosk, a desk, a clinician and an admin can do. Each
//! one validates, appends its events in one durable transaction, then publishes live
//! updates. All are blocking (SQLite); the API runs them on the blocking pool.

mod admin;
mod appointments;
mod audit;
mod printing;
mod reports;
pub mod reserve;
mod staff;
mod sync;
mod tickets;

pub use admin::{
    ClinicSettings, CounterSettings, DeviceView, NewDevice, NewStaff, ServiceSettings, StaffView,
};
pub use appointments::{
    AppointmentStatus, AppointmentView, DeskAnswer, DeskBooking, MoveAppointment, NewAppointment,
};
pub use audit::{AuditFilter, AuditRow};
pub use staff::StaffChange;
pub use tickets::{Handover, NewTicket, TicketAction, TicketFilter};

use crate::error::Result;
use crate::live::Hub;
use crate::print::Printer;
use crate::replication::Replication;
use crate::store::{Identity, Store};
use crate::views::Queues;
use chrono::NaiveDate;
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::Event;
use medicloud_core::queue::QueuePolicy;
use rusqlite::Connection;
use std::sync::Arc;

/// A running clinic node: its store, its calling policy, its live hub, its printer and
/// its links. What it holds is reached through its methods.
#[derive(Debug)]
pub struct Node {
    /// The database.
    store: Arc<Store>,
    /// The calling order.
    policy: QueuePolicy,
    /// Live updates.
    live: Hub,
    /// This node's ticket printer and spool, if it has one.
    printer: Option<Arc<Printer>>,
    /// Its links to peers and the cloud.
    replication: Arc<Replication>,
}

impl Node {
    /// A node over an opened store.
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(store),
            policy: QueuePolicy::default(),
            live: Hub::new(),
            printer: None,
            replication: Arc::default(),
        }
    }

    /// The same node, syncing over `replication`'s links.
    pub fn with_replication(self, replication: Replication) -> Self {
        Self {
            replication: Arc::new(replication),
            ..self
        }
    }

    /// The same node, printing its tickets on `printer`.
    pub fn with_printer(self, printer: Printer) -> Self {
        Self {
            printer: Some(Arc::new(printer)),
            ..self
        }
    }

    /// The database, for reads and writes outside the clinic's operations (tests,
    /// benchmarks, start-up, staff sessions).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// This node's identity: its device id and its clinic.
    pub fn identity(&self) -> Identity {
        self.store.identity()
    }

    /// The current time in milliseconds, by this node's (corrected) clock.
    pub fn now_ms(&self) -> i64 {
        self.store.now_ms()
    }

    /// A new subscription to the live updates.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<crate::live::Published> {
        self.live.subscribe()
    }

    /// Today's service day in the clinic's time zone.
    pub fn today(&self, conn: &Connection) -> Result<NaiveDate> {
        self.store.today(conn)
    }

    /// Today's queues as of now: of one service, or of all.
    pub fn queues(&self, conn: &Connection, only: Option<&ServiceCode>) -> Result<Queues> {
        Queues::load(
            conn,
            self.today(conn)?,
            only,
            self.store.now_ms(),
            &self.policy,
        )
    }

    /// Tells live subscribers and the sync links what the committed `events` changed.
    pub fn publish(&self, events: &[Event]) {
        self.replication.log_grew();
        self.live.announce(&self.store, events);
    }
}
