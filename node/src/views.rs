//! What the API returns: tickets with their place in the queue and wait estimate,
//! services with waiting counts. Built from the projections at read time.

use crate::error::Result;
use crate::store::query;
use chrono::{DateTime, NaiveDate, Utc};
use medicloud_core::domain::{Counter, CounterId, Priority, Service, ServiceCode, StepId};
use medicloud_core::event::EventId;
use medicloud_core::ids::{AppointmentId, TicketId, VisitId};
use medicloud_core::queue::{QueuePolicy, priority_streak};
use medicloud_core::ticket::{Ticket, TicketStatus};
use medicloud_core::wait::ServiceTime;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A ticket as staff, kiosks and the status page see it. It never holds patient data.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TicketView {
    /// Identity (also the key of the public status page).
    pub id: TicketId,
    /// The number the patient holds now, e.g. `A-012` (a clinic with
    /// `new_label_per_step` gives a new one at each step of the visit).
    pub label: String,
    /// The numbers it held at earlier steps of the visit, oldest first (empty unless the
    /// clinic gives a new number per step).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_labels: Vec<String>,
    /// Service code.
    pub service: ServiceCode,
    /// Service name in Bahasa Indonesia.
    pub service_name_id: String,
    /// Service name in English.
    pub service_name_en: String,
    /// Lifecycle state.
    pub status: TicketStatus,
    /// The step of its visit it is at (`registration`, `room`); null in a service of
    /// one step.
    pub step: Option<StepId>,
    /// That step's name in Bahasa Indonesia, e.g. `Pendaftaran`.
    pub step_name_id: Option<String>,
    /// That step's name in English.
    pub step_name_en: Option<String>,
    /// Priority lane, if any.
    pub priority: Option<Priority>,
    /// Place in the calling order of its step, 1 = next; null unless waiting.
    pub position: Option<u32>,
    /// People ahead in the calling order; null unless waiting.
    pub people_ahead: Option<u32>,
    /// Estimated seconds until called; null unless waiting.
    pub estimated_wait_seconds: Option<u32>,
    /// The counter that called it.
    pub counter: Option<CounterId>,
    /// That counter's name, e.g. `Loket 2`.
    pub counter_name: Option<String>,
    /// When it was taken.
    pub issued_at: DateTime<Utc>,
    /// When it was last called.
    pub called_at: Option<DateTime<Utc>>,
    /// Times it was called again.
    pub recalls: u32,
    /// The appointment it checked in.
    pub appointment: Option<AppointmentId>,
    /// The visit it belongs to (shared across a transfer chain).
    pub visit: VisitId,
    /// The ticket it continues, after a transfer.
    pub transferred_from: Option<TicketId>,
    /// The ticket that continues it, after a transfer.
    pub transferred_to: Option<TicketId>,
    /// Steps refused because another device changed the ticket first.
    pub conflicts: Vec<ConflictView>,
    /// Its print job on this node's printer, if any: `queued` (with the printer's fault,
    /// if it has one) or `printed`.
    pub print: Option<PrintState>,
}

/// A ticket's print job, as shown with the ticket.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PrintState {
    /// `queued` or `printed`.
    pub status: String,
    /// The printer's current fault while the job waits; the kiosk then asks the patient
    /// to note the number.
    pub fault: Option<String>,
}

impl PrintState {
    /// A job that `printed`, or that waits while the printer has `fault`.
    pub fn new(printed: bool, fault: impl FnOnce() -> Option<String>) -> Self {
        if printed {
            Self {
                status: "printed".into(),
                fault: None,
            }
        } else {
            Self {
                status: "queued".into(),
                fault: fault(),
            }
        }
    }
}

/// A refused step, for staff to act on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConflictView {
    /// The step that was refused, e.g. `call`.
    pub step: String,
    /// Why, in words.
    pub reason: String,
    /// The device whose step it was.
    #[schema(value_type = String)]
    pub device: String,
    /// That device's event number.
    pub seq: u64,
}

impl ConflictView {
    fn new(event: EventId, step: &str, reason: &str) -> Self {
        Self {
            step: step.into(),
            reason: reason.into(),
            device: event.origin.to_string(),
            seq: event.seq,
        }
    }
}

/// A service with its live queue figures.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ServiceView {
    /// The service.
    #[serde(flatten)]
    pub service: Service,
    /// Tickets waiting now at its first step (where a ticket taken now waits).
    pub waiting: u32,
    /// Estimated seconds a ticket taken now would wait.
    pub estimated_wait_seconds: u32,
    /// Counters that serve its first step.
    pub counters: u32,
    /// Each step's queue, in the order of the visit (empty in a service of one step).
    pub step_queues: Vec<StepQueueView>,
}

/// The queue at one step of a service's visit.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StepQueueView {
    /// The step.
    pub step: StepId,
    /// Tickets waiting there now.
    pub waiting: u32,
    /// Counters that serve it.
    pub counters: u32,
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// One queue: a service at one step of its visit (none: a service of one step).
type QueueKey = (ServiceCode, Option<StepId>);

/// The queues of one day at one moment: calling order, service times, counters.
#[derive(Debug)]
pub struct Queues {
    services: HashMap<ServiceCode, Service>,
    counters: HashMap<CounterId, Counter>,
    order: HashMap<QueueKey, Vec<TicketId>>,
    times: HashMap<QueueKey, ServiceTime>,
}

impl Queues {
    /// Loads the day's waiting tickets (of one service, or of all) and puts each
    /// queue (a service at a step) in calling order.
    pub fn load(
        conn: &Connection,
        day: NaiveDate,
        only: Option<&ServiceCode>,
        now_ms: i64,
        policy: &QueuePolicy,
    ) -> Result<Self> {
        Self::load_with(conn, day, only, now_ms, policy, None)
    }

    /// The same, with `extra` in its queue as if it were stored: a ticket about to be
    /// issued, to know the wait it will be shown.
    pub fn load_with(
        conn: &Connection,
        day: NaiveDate,
        only: Option<&ServiceCode>,
        now_ms: i64,
        policy: &QueuePolicy,
        extra: Option<&Ticket>,
    ) -> Result<Self> {
        let services: HashMap<_, _> = query::services(conn)?
            .into_iter()
            .map(|s| (s.code.clone(), s))
            .collect();
        let counters = query::counters(conn)?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut by_queue: HashMap<QueueKey, Vec<Ticket>> = HashMap::new();
        for t in query::tickets(conn, day, only, None)?
            .into_iter()
            .chain(extra.cloned())
        {
            by_queue
                .entry(queue_key(&services, &t))
                .or_default()
                .push(t);
        }
        let order = by_queue
            .iter()
            .map(|(key, tickets)| {
                let streak = priority_streak(tickets);
                let ids = policy
                    .order(tickets, now_ms, streak)
                    .iter()
                    .map(|t| t.id)
                    .collect();
                (key.clone(), ids)
            })
            .collect();
        let mut times = HashMap::new();
        for service in services.values() {
            let steps: Vec<Option<&StepId>> = match service.steps.is_empty() {
                true => vec![None],
                false => service.steps.iter().map(|s| Some(&s.id)).collect(),
            };
            for step in steps {
                let key = query::service_time_key(&service.code, step);
                let time = query::service_time(conn, &key)?;
                times.insert((service.code.clone(), step.cloned()), time);
            }
        }
        Ok(Self {
            services,
            counters,
            order,
            times,
        })
    }

    fn counters_serving(&self, (service, step): &QueueKey) -> u32 {
        self.counters
            .values()
            .filter(|c| c.takes(service, step.as_ref()))
            .count() as u32
    }

    fn wait(&self, key: &QueueKey, ahead: u32) -> u32 {
        let st = self.times.get(key).copied().unwrap_or_default();
        st.estimate_wait_seconds(ahead, self.counters_serving(key))
    }

    fn waiting(&self, key: &QueueKey) -> u32 {
        self.order.get(key).map_or(0, |q| q.len() as u32)
    }

    /// A service with its waiting count and the wait for a ticket taken now.
    pub fn service_view(&self, service: &Service) -> ServiceView {
        let first = (
            service.code.clone(),
            service.first_step().map(|s| s.id.clone()),
        );
        let waiting = self.waiting(&first);
        ServiceView {
            service: service.clone(),
            waiting,
            estimated_wait_seconds: self.wait(&first, waiting),
            counters: self.counters_serving(&first),
            step_queues: service
                .steps
                .iter()
                .map(|step| {
                    let key = (service.code.clone(), Some(step.id.clone()));
                    StepQueueView {
                        step: step.id.clone(),
                        waiting: self.waiting(&key),
                        counters: self.counters_serving(&key),
                    }
                })
                .collect(),
        }
    }

    /// A ticket with its place in the queue of its step.
    pub fn ticket_view(&self, t: &Ticket) -> TicketView {
        let service = self.services.get(&t.issue.service);
        let key = queue_key(&self.services, t);
        let step = key.1.as_ref().and_then(|id| service?.step(id));
        let ahead = (t.status == TicketStatus::Waiting)
            .then(|| self.order.get(&key)?.iter().position(|id| *id == t.id))
            .flatten()
            .map(|i| i as u32);
        TicketView {
            id: t.id,
            label: t.label().to_owned(),
            earlier_labels: earlier_labels(t),
            service: t.issue.service.clone(),
            service_name_id: service.map(|s| s.name_id.clone()).unwrap_or_default(),
            service_name_en: service.map(|s| s.name_en.clone()).unwrap_or_default(),
            status: t.status,
            step: key.1.clone(),
            step_name_id: step.map(|s| s.name_id.clone()),
            step_name_en: step.map(|s| s.name_en.clone()),
            priority: t.issue.priority,
            position: ahead.map(|a| a + 1),
            people_ahead: ahead,
            estimated_wait_seconds: ahead.map(|a| self.wait(&key, a)),
            counter: t.counter.clone(),
            counter_name: t
                .counter
                .as_ref()
                .and_then(|c| self.counters.get(c))
                .map(|c| c.name.clone()),
            issued_at: time(t.issued_at_ms),
            called_at: t.called_at_ms.map(time),
            recalls: t.recalls,
            appointment: t.issue.appointment.map(|a| a.id),
            visit: t.issue.visit,
            transferred_from: t.issue.transferred_from,
            transferred_to: t.transferred_to,
            conflicts: t
                .conflicts
                .iter()
                .map(|c| ConflictView::new(c.event, &c.step, &c.reason))
                .collect(),
            print: None,
        }
    }

    /// The counter's name, for call announcements.
    pub fn counter_name(&self, id: &CounterId) -> Option<&str> {
        self.counters.get(id).map(|c| c.name.as_str())
    }

    /// The service called `code`, if it is set up.
    pub fn service(&self, code: &ServiceCode) -> Option<&Service> {
        self.services.get(code)
    }
}

/// The queue `t` waits in: its service at its step (the first, for a ticket without).
fn queue_key(services: &HashMap<ServiceCode, Service>, t: &Ticket) -> QueueKey {
    let step = services
        .get(&t.issue.service)
        .and_then(|s| s.step_of(t.step.as_ref()))
        .or(t.step.as_ref());
    (t.issue.service.clone(), step.cloned())
}

/// The numbers `t` held before the one it holds now.
fn earlier_labels(t: &Ticket) -> Vec<String> {
    let mut labels = t.labels();
    labels.pop();
    labels.into_iter().map(str::to_owned).collect()
}

/// What anyone holding a ticket's id (its QR code) may see: no patient data.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicTicketView {
    /// The number the patient holds now.
    pub label: String,
    /// The numbers it held at earlier steps of the visit, oldest first (empty unless the
    /// clinic gives a new number per step): "your new number is A-031 (was A-012)".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_labels: Vec<String>,
    /// Service name in Bahasa Indonesia.
    pub service_name_id: String,
    /// Service name in English.
    pub service_name_en: String,
    /// Lifecycle state.
    pub status: TicketStatus,
    /// The step of the visit it is at, in Bahasa Indonesia (`Pendaftaran`); null in a
    /// service of one step.
    pub step_name_id: Option<String>,
    /// The same in English.
    pub step_name_en: Option<String>,
    /// Place in the calling order, 1 = next; null unless waiting.
    pub position: Option<u32>,
    /// People ahead; null unless waiting.
    pub people_ahead: Option<u32>,
    /// Estimated seconds until called; null unless waiting.
    pub estimated_wait_seconds: Option<u32>,
    /// Where to go, once called.
    pub counter_name: Option<String>,
    /// After a transfer: where the visit goes on (the ticket at the end of the transfer
    /// chain); null otherwise.
    pub next: Option<NextStep>,
}

/// Where a transferred patient goes next, on their status page.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NextStep {
    /// The ticket that continues the visit (its own status page).
    pub ticket_id: TicketId,
    /// Its label: the same as before unless the clinic gives a new number per transfer.
    pub label: String,
    /// The service to go to, in Bahasa Indonesia.
    pub service_name_id: String,
    /// The same in English.
    pub service_name_en: String,
    /// The step of that service it waits for, in Bahasa Indonesia (null: a service of
    /// one step).
    pub step_name_id: Option<String>,
    /// The same in English.
    pub step_name_en: Option<String>,
    /// Its state there.
    pub status: TicketStatus,
}

impl From<TicketView> for PublicTicketView {
    fn from(t: TicketView) -> Self {
        Self {
            label: t.label,
            earlier_labels: t.earlier_labels,
            service_name_id: t.service_name_id,
            service_name_en: t.service_name_en,
            status: t.status,
            step_name_id: t.step_name_id,
            step_name_en: t.step_name_en,
            position: t.position,
            people_ahead: t.people_ahead,
            estimated_wait_seconds: t.estimated_wait_seconds,
            counter_name: t.counter_name,
            next: None,
        }
    }
}

/// A call, as the waiting-room display shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CallView {
    /// The ticket.
    pub id: TicketId,
    /// Its label.
    pub label: String,
    /// Its service.
    pub service: ServiceCode,
    /// The counter it was called to.
    pub counter: CounterId,
    /// That counter's name.
    pub counter_name: String,
    /// Its current status (`called`, `serving`, …).
    pub status: TicketStatus,
    /// When it was (last) called.
    pub called_at: DateTime<Utc>,
    /// Once that step is over, where the patient goes next (`Ruang Periksa Umum`,
    /// `Laboratorium`), in Bahasa Indonesia; null while there or when the visit is over.
    pub next_id: Option<String>,
    /// The same in English.
    pub next_en: Option<String>,
}
