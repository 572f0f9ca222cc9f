//! Live updates for desks, displays and kiosks: a broadcast of small messages, sent after
//! each commit. Messages carry labels, statuses and counters — never patient data — so
//! every authenticated screen may receive them.

use crate::store::{Store, query};
use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::{Event, EventBody};
use medicloud_core::ids::TicketId;
use medicloud_core::ticket::{TicketChange, TicketStatus};
use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::ToSchema;

/// One message on the live stream (`GET /api/v1/events`, server-sent events; the SSE
/// event name is the `type`, the data this object as JSON).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// A ticket changed: refresh queues and counts.
    Ticket {
        /// The ticket.
        id: TicketId,
        /// Its label.
        label: String,
        /// Its service.
        service: ServiceCode,
        /// Its new status.
        status: TicketStatus,
        /// The counter, when called or serving.
        counter: Option<CounterId>,
    },
    /// A ticket was called (or called again): displays announce it.
    Call {
        /// The ticket.
        id: TicketId,
        /// Its label, e.g. `A-012`.
        label: String,
        /// Its service.
        service: ServiceCode,
        /// The calling counter.
        counter: CounterId,
        /// The counter's name, e.g. `Loket 2`.
        counter_name: String,
        /// Whether this is a repeat call.
        recall: bool,
    },
    /// Clinic configuration (services, counters, devices, staff) changed.
    Config {
        /// What kind of record changed, e.g. `service_set`.
        kind: String,
    },
    /// The first message of every stream: it is live (fetch what the screen shows now).
    Hello,
    /// Messages were missed (the screen read too slowly): reload everything.
    Resync,
}

impl LiveMessage {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            LiveMessage::Ticket { .. } => "ticket",
            LiveMessage::Call { .. } => "call",
            LiveMessage::Config { .. } => "config",
            LiveMessage::Hello => "hello",
            LiveMessage::Resync => "resync",
        }
    }
}

/// A message as every subscriber gets it: serialised once when published, the bytes
/// shared (a subscriber's copy is a reference count, not a message of its own).
#[derive(Clone, Debug)]
pub struct Published(std::sync::Arc<(LiveMessage, String)>);

impl Published {
    /// Serialises `message` once.
    pub fn new(message: LiveMessage) -> Self {
        let json = serde_json::to_string(&message).unwrap_or_default();
        Self(std::sync::Arc::new((message, json)))
    }

    /// The message.
    pub fn message(&self) -> &LiveMessage {
        &self.0.0
    }

    /// The message as JSON.
    pub fn json(&self) -> &str {
        &self.0.1
    }
}

/// The fan-out point. Slow subscribers miss messages (and are told so), never block writers.
#[derive(Clone, Debug)]
pub struct Hub {
    sender: broadcast::Sender<Published>,
}

impl Hub {
    /// Most events announced one by one; a larger batch becomes one `sync` message.
    pub const LIVE_BATCH: usize = 200;

    /// A hub buffering up to 1,024 messages per subscriber.
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(1_024).0,
        }
    }

    /// Sends to every current subscriber, serialised once for all of them.
    pub fn publish(&self, message: LiveMessage) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        // A subscriber that left meanwhile is fine.
        let _ = self.sender.send(Published::new(message));
    }

    /// A new subscription.
    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.sender.subscribe()
    }

    /// Tells subscribers what the committed `events` changed, reading the tickets and
    /// counters they name from `store`.
    pub fn announce(&self, store: &Store, events: &[Event]) {
        if events.len() > Self::LIVE_BATCH {
            // A large catch-up from another device: screens reload once instead.
            self.publish(LiveMessage::Config {
                kind: "sync".to_owned(),
            });
            return;
        }
        for event in events {
            let message = match &event.body {
                EventBody::Ticket { id, change } => {
                    let Ok(Some(t)) = store.read(|c| query::ticket(c, *id)) else {
                        continue;
                    };
                    let call =
                        matches!(change, TicketChange::Called { .. } | TicketChange::Recalled);
                    if let (true, Some(counter)) = (call, t.counter.clone()) {
                        let counter_name = store
                            .read(|c| query::counter(c, &counter))
                            .ok()
                            .flatten()
                            .map_or_else(|| counter.to_string(), |c| c.name);
                        self.publish(LiveMessage::Call {
                            id: t.id,
                            label: t.label().to_owned(),
                            service: t.issue.service.clone(),
                            counter,
                            counter_name,
                            recall: matches!(change, TicketChange::Recalled),
                        });
                    }
                    LiveMessage::Ticket {
                        id: t.id,
                        label: t.label().to_owned(),
                        service: t.issue.service,
                        status: t.status,
                        counter: t.counter,
                    }
                }
                // Patient and appointment records are not for every screen.
                EventBody::PatientSet(_)
                | EventBody::AppointmentBooked(_)
                | EventBody::AppointmentCancelled { .. }
                | EventBody::AppointmentMoved { .. }
                | EventBody::Audited(_) => continue,
                other => LiveMessage::Config {
                    kind: other.kind().to_owned(),
                },
            };
            self.publish(message);
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}
