//! The ticket lifecycle: issued → called → serving → done, with recall, no-show,
//! requeue, cancel and transfer. [`step`] is the only place a transition is decided;
//! [`fold`] replays a ticket's events in the log's total order.

use crate::domain::{CounterId, Priority, ServiceCode, StepId};
use crate::event::{Actor, Event, EventBody, EventId};
use crate::ids::{AppointmentId, PatientId, TicketId, VisitId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Where a ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In the queue.
    Waiting,
    /// Called to a counter; the patient is on the way.
    Called,
    /// At the counter or in the room.
    Serving,
    /// Finished.
    Done,
    /// Called but did not come; may be requeued.
    NoShow,
    /// Withdrawn.
    Cancelled,
    /// Sent on to another service; the journey continues on a new ticket.
    Transferred,
}

impl TicketStatus {
    /// The status as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Serving => "serving",
            TicketStatus::Done => "done",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
            TicketStatus::Transferred => "transferred",
        }
    }

    /// Parses the API spelling.
    pub fn parse(s: &str) -> Option<Self> {
        use TicketStatus::*;
        [
            Waiting,
            Called,
            Serving,
            Done,
            NoShow,
            Cancelled,
            Transferred,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    /// Whether no further change is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketStatus::Done | TicketStatus::Cancelled | TicketStatus::Transferred
        )
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An appointment a ticket was issued for, with what the queue policy needs of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppointmentSlot {
    /// The appointment.
    pub id: AppointmentId,
    /// Start of the booked slot, milliseconds since the Unix epoch.
    pub slot_start_ms: i64,
}

/// What the issue event records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    /// The service queue.
    pub service: ServiceCode,
    /// The printed label, unique per clinic, service and day.
    pub label: String,
    /// The clinic-local service day the label belongs to.
    pub day: NaiveDate,
    /// The priority lane, if any.
    pub priority: Option<Priority>,
    /// The visit this ticket belongs to (shared by the tickets of a transfer chain).
    pub visit: VisitId,
    /// The appointment checked in with this ticket.
    pub appointment: Option<AppointmentSlot>,
    /// The patient, when known (walk-ins need none).
    pub patient: Option<PatientId>,
    /// The ticket this one continues, after a transfer.
    pub transferred_from: Option<TicketId>,
    /// The step of the service's visit it starts at (none: a service of one step, or
    /// a ticket issued before services had steps). Not `step`: that names the change in
    /// a stored event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_step: Option<StepId>,
    /// The wait the node estimated when it issued the ticket (shown on the kiosk and
    /// printed), in seconds: the reports compare it with the wait that followed. None
    /// in tickets issued before it was recorded, and in a transfer's continuation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_seconds: Option<u32>,
}

/// One step of a ticket's life, as stored in an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TicketChange {
    /// The ticket was taken.
    Issued(Issue),
    /// A counter called it.
    Called {
        /// The calling counter.
        counter: CounterId,
    },
    /// The counter called it again.
    Recalled,
    /// The patient arrived and is being served.
    Served,
    /// Service finished.
    Completed,
    /// The patient did not come when called.
    NoShow,
    /// Put back in the queue.
    Requeued,
    /// Withdrawn by the desk; it leaves the queue and the display.
    Cancelled {
        /// Why, as the desk wrote it (none in events of earlier versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The step it was at is finished; it waits for the next step of its visit (the
    /// poli's room after registration), keeping its label unless the clinic gives a
    /// new number per step.
    Advanced {
        /// The next step.
        to: StepId,
        /// The new number for the next step (the clinic's `new_label_per_step`), taken
        /// from the service's series like any label; none: the ticket keeps its label.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// Sent on to another service, continuing as ticket `to`.
    Transferred {
        /// The new ticket in the other service.
        to: TicketId,
        /// The other service.
        service: ServiceCode,
    },
}

impl TicketChange {
    /// The step's name, as used in the API path and in conflict reports.
    pub fn kind(&self) -> &'static str {
        match self {
            TicketChange::Issued(_) => "issue",
            TicketChange::Called { .. } => "call",
            TicketChange::Recalled => "recall",
            TicketChange::Served => "serve",
            TicketChange::Completed => "complete",
            TicketChange::NoShow => "no-show",
            TicketChange::Requeued => "requeue",
            TicketChange::Cancelled { .. } => "cancel",
            TicketChange::Transferred { .. } => "transfer",
            TicketChange::Advanced { .. } => "advance",
        }
    }
}

/// An event the reducer refused, kept and shown to staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The refused event.
    pub event: EventId,
    /// The step it asked for.
    pub step: String,
    /// Why it was refused.
    pub reason: String,
}

/// A ticket's state: the fold of its events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Identity.
    pub id: TicketId,
    /// What the issue event recorded.
    pub issue: Issue,
    /// Who took it (a kiosk may read only the tickets it took).
    pub issued_by: Actor,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// The counter that called it, while called or serving (and after).
    pub counter: Option<CounterId>,
    /// When it was issued (ms since the epoch).
    pub issued_at_ms: i64,
    /// When it (re-)entered the queue: the time the queue order uses.
    pub queued_at_ms: i64,
    /// When it was last called.
    pub called_at_ms: Option<i64>,
    /// When it was first called at all (at the first step of its visit): where its
    /// wait ends. None until then, and in states folded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_called_at_ms: Option<i64>,
    /// When service started.
    pub serving_at_ms: Option<i64>,
    /// Who served it at its current step: the actor of the serve, or of the completion
    /// when it was finished straight from the call. None before that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by: Option<Actor>,
    /// When it reached a final state or no-show.
    pub finished_at_ms: Option<i64>,
    /// How often it was called again.
    pub recalls: u32,
    /// The ticket that continues its journey, after a transfer.
    pub transferred_to: Option<TicketId>,
    /// The step of its visit it is at (see [`Issue::start_step`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepId>,
    /// The steps of its visit it has finished, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finished_steps: Vec<FinishedStep>,
    /// The number it was given at its current step, when the clinic gives a new one per
    /// step (none: the issue's label). [`Ticket::label`] is the one to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_label: Option<String>,
    /// Events that asked for an illegal step, in fold order.
    pub conflicts: Vec<Conflict>,
}

/// A step of a visit a ticket went through: where and when it was called and served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishedStep {
    /// The step (none: the service's first, for a ticket issued without one).
    pub step: Option<StepId>,
    /// The counter that called it there.
    pub counter: Option<CounterId>,
    /// When it was last called there.
    pub called_at_ms: Option<i64>,
    /// When service started there.
    pub serving_at_ms: Option<i64>,
    /// Who served it there (see [`Ticket::served_by`]); none in states folded before
    /// it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by: Option<Actor>,
    /// When the step was finished.
    pub finished_at_ms: i64,
    /// The number it had at that step, when it was not the issue's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Ticket {
    /// The number the patient holds now: the one given at the current step, else the
    /// issued label.
    pub fn label(&self) -> &str {
        self.step_label.as_deref().unwrap_or(&self.issue.label)
    }

    /// Every number this ticket was given, in order, the issued one first (a clinic
    /// with `new_label_per_step` gives one per step of the visit).
    pub fn labels(&self) -> Vec<&str> {
        let mut labels = vec![self.issue.label.as_str()];
        let later = self.finished_steps.iter().map(|f| f.label.as_deref());
        for label in later.chain([self.step_label.as_deref()]).flatten() {
            if labels.last() != Some(&label) {
                labels.push(label);
            }
        }
        labels
    }
}

/// A step that is not allowed from the ticket's current state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// A step for a ticket that was never issued (or whose issue has not arrived yet).
    #[error("there is no such ticket")]
    UnknownTicket,
    /// A second issue event for one ticket id.
    #[error("this ticket was already issued")]
    AlreadyIssued,
    /// The step is not allowed from the current status.
    #[error("cannot {step} a ticket that is {from}{hint}")]
    Illegal {
        /// The step asked for.
        step: &'static str,
        /// The status it is in.
        from: TicketStatus,
        /// What to do instead, when there is a usual answer.
        hint: &'static str,
    },
    /// A transfer to the service the ticket is already in.
    #[error("the ticket is already in that service")]
    SameService,
}

/// Applies one step to a ticket. `actor` and `at_ms` come from the event.
pub fn step(
    ticket: Option<&Ticket>,
    id: TicketId,
    change: &TicketChange,
    actor: Actor,
    at_ms: i64,
) -> Result<Ticket, TransitionError> {
    use TicketStatus as S;
    let Some(current) = ticket else {
        return match change {
            TicketChange::Issued(issue) => Ok(Ticket {
                id,
                issue: issue.clone(),
                issued_by: actor,
                status: S::Waiting,
                counter: None,
                issued_at_ms: at_ms,
                queued_at_ms: at_ms,
                called_at_ms: None,
                first_called_at_ms: None,
                serving_at_ms: None,
                served_by: None,
                finished_at_ms: None,
                recalls: 0,
                transferred_to: None,
                step: issue.start_step.clone(),
                finished_steps: Vec::new(),
                step_label: None,
                conflicts: Vec::new(),
            }),
            _ => Err(TransitionError::UnknownTicket),
        };
    };
    let illegal = |hint: &'static str| TransitionError::Illegal {
        step: change.kind(),
        from: current.status,
        hint,
    };
    let mut next = current.clone();
    match (change, current.status) {
        (TicketChange::Issued(_), _) => return Err(TransitionError::AlreadyIssued),
        (TicketChange::Called { counter }, S::Waiting) => {
            next.status = S::Called;
            next.counter = Some(counter.clone());
            next.called_at_ms = Some(at_ms);
            next.first_called_at_ms = current.first_called_at_ms.or(Some(at_ms));
        }
        (TicketChange::Called { .. }, S::Called | S::Serving) => {
            return Err(illegal(" (another counter has it; call the next one)"));
        }
        (TicketChange::Recalled, S::Called) => {
            next.recalls += 1;
            next.called_at_ms = Some(at_ms);
        }
        (TicketChange::Served, S::Called) => {
            next.status = S::Serving;
            next.serving_at_ms = Some(at_ms);
            next.served_by = Some(actor);
        }
        (TicketChange::Served | TicketChange::Recalled, S::Waiting) => {
            return Err(illegal(" (call it first)"));
        }
        // Straight from the call too: a counter that never pressed "serve" still
        // finishes its patient (service time counts from the call).
        (TicketChange::Completed, S::Called | S::Serving) => {
            next.status = S::Done;
            next.finished_at_ms = Some(at_ms);
            next.served_by = current.served_by.or(Some(actor));
        }
        // The next step of the visit: back in a queue (the room's), after this step.
        (TicketChange::Advanced { to, label }, S::Called | S::Serving) => {
            next.finished_steps.push(FinishedStep {
                step: current.step.clone(),
                counter: current.counter.clone(),
                called_at_ms: current.called_at_ms,
                serving_at_ms: current.serving_at_ms,
                served_by: current.served_by.or(Some(actor)),
                finished_at_ms: at_ms,
                label: current.step_label.clone(),
            });
            if label.is_some() {
                next.step_label = label.clone();
            }
            next.status = S::Waiting;
            next.step = Some(to.clone());
            next.counter = None;
            next.queued_at_ms = at_ms;
            next.called_at_ms = None;
            next.serving_at_ms = None;
            next.served_by = None;
            next.recalls = 0;
        }
        (TicketChange::Completed | TicketChange::Advanced { .. }, S::Waiting) => {
            return Err(illegal(" (call it first)"));
        }
        (TicketChange::NoShow, S::Called) => {
            next.status = S::NoShow;
            next.finished_at_ms = Some(at_ms);
        }
        (TicketChange::Requeued, S::Called | S::NoShow) => {
            next.status = S::Waiting;
            next.counter = None;
            next.queued_at_ms = at_ms;
            next.finished_at_ms = None;
        }
        (TicketChange::Cancelled { .. }, S::Waiting | S::Called | S::NoShow) => {
            next.status = S::Cancelled;
            next.finished_at_ms = Some(at_ms);
        }
        (TicketChange::Cancelled { .. }, S::Serving) => {
            return Err(illegal(" (the patient is at the counter: complete it)"));
        }
        (TicketChange::Transferred { service, .. }, _) if *service == current.issue.service => {
            return Err(TransitionError::SameService);
        }
        (TicketChange::Transferred { to, .. }, S::Waiting | S::Called | S::Serving) => {
            next.status = S::Transferred;
            next.transferred_to = Some(*to);
            next.finished_at_ms = Some(at_ms);
        }
        _ => return Err(illegal("")),
    }
    Ok(next)
}

/// Folds a ticket's events into its state. Order of delivery and duplicates do not
/// matter: events are sorted by `(stamp, origin, seq)` and deduplicated by id. An event
/// that asks for an illegal step is kept as a [`Conflict`]; the earlier one wins.
/// Returns `None` until the issue event is present.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Ticket> {
    let mut ordered: Vec<&Event> = events.into_iter().collect();
    ordered.sort_by_key(|e| e.order_key());
    ordered.dedup_by_key(|e| e.id);
    let mut ticket: Option<Ticket> = None;
    for event in ordered {
        let EventBody::Ticket { id, change } = &event.body else {
            continue;
        };
        match step(
            ticket.as_ref(),
            *id,
            change,
            event.actor,
            event.stamp.at_ms(),
        ) {
            Ok(next) => ticket = Some(next),
            Err(err) => {
                if let Some(t) = ticket.as_mut() {
                    t.conflicts.push(Conflict {
                        event: event.id,
                        step: change.kind().to_owned(),
                        reason: err.to_string(),
                    });
                }
            }
        }
    }
    ticket
}

#[cfg(test)]
mod tests;
