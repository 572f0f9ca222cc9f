//! The clinic's operations: what a kiosk, a desk, a clinician and an admin can do. Each
//! one validates, appends its events in one durable transaction, then publishes live
//! updates. All are blocking (SQLite); the API runs them on the blocking pool.

mod admin;
mod appointments;
mod audit;
mod tickets;

pub use admin::{DeviceView, NewDevice, NewStaff, StaffView};
pub use appointments::{AppointmentStatus, AppointmentView, NewAppointment};
pub use audit::{AuditFilter, AuditRow};
pub use tickets::{NewTicket, TicketAction, TicketFilter};

use crate::error::Result;
use crate::live::{Hub, LiveMessage};
use crate::store::{Store, query};
use crate::views::Queues;
use chrono::NaiveDate;
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::{Event, EventBody};
use medicloud_core::labels::service_day;
use medicloud_core::queue::QueuePolicy;
use medicloud_core::ticket::TicketChange;
use rusqlite::Connection;

/// A running clinic node: its store, its calling policy and its live hub.
#[derive(Debug)]
pub struct Node {
    /// The database.
    pub store: Store,
    /// The calling order.
    pub policy: QueuePolicy,
    /// Live updates.
    pub live: Hub,
    /// This node's ticket printer and spool, if it has one.
    pub printer: Option<crate::print::Printer>,
    /// Its links to peers and the cloud.
    pub replication: crate::replication::Replication,
}

impl Node {
    /// Most events published one by one; a larger batch becomes one `sync` message.
    const LIVE_BATCH: usize = 200;

    /// A node over an opened store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            policy: QueuePolicy::default(),
            live: Hub::new(),
            printer: None,
            replication: crate::replication::Replication::default(),
        }
    }

    /// The same node, syncing over `replication`'s links.
    pub fn with_replication(self, replication: crate::replication::Replication) -> Self {
        Self {
            replication,
            ..self
        }
    }

    /// The same node, printing its tickets on `printer`.
    pub fn with_printer(self, printer: crate::print::Printer) -> Self {
        Self {
            printer: Some(printer),
            ..self
        }
    }

    /// Today's service day in the clinic's time zone.
    pub fn today(&self, conn: &Connection) -> Result<NaiveDate> {
        Ok(service_day(self.store.now_ms(), query::time_zone(conn)?))
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

    /// Tells live subscribers what the committed `events` changed.
    pub fn publish(&self, events: &[Event]) {
        self.replication.signal.notify();
        if events.len() > Self::LIVE_BATCH {
            // A large catch-up from another device: screens reload once instead.
            self.live.publish(LiveMessage::Config {
                kind: "sync".to_owned(),
            });
            return;
        }
        for event in events {
            let message = match &event.body {
                EventBody::Ticket { id, change } => {
                    let Ok(Some(t)) = self.store.read(|c| query::ticket(c, *id)) else {
                        continue;
                    };
                    let call =
                        matches!(change, TicketChange::Called { .. } | TicketChange::Recalled);
                    if let (true, Some(counter)) = (call, t.counter.clone()) {
                        let counter_name = self
                            .store
                            .read(|c| query::counter(c, &counter))
                            .ok()
                            .flatten()
                            .map_or_else(|| counter.to_string(), |c| c.name);
                        self.live.publish(LiveMessage::Call {
                            id: t.id,
                            label: t.issue.label.clone(),
                            service: t.issue.service.clone(),
                            counter,
                            counter_name,
                            recall: matches!(change, TicketChange::Recalled),
                        });
                    }
                    LiveMessage::Ticket {
                        id: t.id,
                        label: t.issue.label,
                        service: t.issue.service,
                        status: t.status,
                        counter: t.counter,
                    }
                }
                // Patient and appointment records are not for every screen.
                EventBody::PatientSet(_)
                | EventBody::AppointmentBooked(_)
                | EventBody::AppointmentCancelled { .. }
                | EventBody::Audited(_) => continue,
                other => LiveMessage::Config {
                    kind: other.kind().to_owned(),
                },
            };
            self.live.publish(message);
        }
    }
}
