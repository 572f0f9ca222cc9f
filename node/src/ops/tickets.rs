//! Taking tickets and moving them through their lifecycle.

use super::Node;
use crate::error::{Error, Result};
use crate::labels;
use crate::store::{Writer, query};
use crate::views::{CallView, NextStep, PrintState, PublicTicketView, Queues, TicketView};
use chrono::{NaiveDate, TimeZone};
use medicloud_core::domain::{CounterId, Service, ServiceCode, StepId};
use medicloud_core::error_code::ErrorCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::i18n::{self, Text};
use medicloud_core::ids::{TicketId, VisitId};
use medicloud_core::labels::service_day;
use medicloud_core::queue::priority_streak;
use medicloud_core::ticket::{self, AppointmentSlot, Issue, Ticket, TicketChange, TicketStatus};
use medicloud_core::validate::{Rule, ValidationError};
use serde::Deserialize;

pub use medicloud_core::requests::{Handover, NewTicket};

/// A step staff take on a ticket (`POST /api/v1/tickets/{id}/{action}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TicketAction {
    /// Call this ticket to a counter, out of the usual order.
    Call(CounterId),
    /// Call it again.
    Recall,
    /// The patient arrived at the counter.
    Serve,
    /// Service finished.
    Complete,
    /// The patient did not come.
    NoShow,
    /// Back into the queue.
    Requeue,
    /// Withdraw it (desk), for the reason given: it leaves the queue and the display.
    Cancel(String),
    /// Send the patient on to another service (a new ticket continues the visit).
    Transfer(ServiceCode),
}

/// Which of today's tickets to list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketFilter {
    /// Only this service.
    pub service: Option<ServiceCode>,
    /// Only this status.
    #[param(value_type = Option<TicketStatus>)]
    pub status: Option<String>,
}

impl Node {
    /// Issues a ticket; it is durable before this returns.
    pub fn issue_ticket(&self, actor: Actor, req: NewTicket) -> Result<TicketView> {
        let remote_labels = self.replication.has_remote_authority();
        let (id, events) = self.store.write(|w| {
            let now = w.now_ms();
            let tz = query::time_zone(w.conn())?;
            let day = service_day(now, tz);
            let (service, appointment, patient) = match &req.appointment_code {
                Some(code) => {
                    let (service, slot, patient) = checkable_appointment(w, code, day, tz)?;
                    if req.service.as_ref().is_some_and(|s| *s != service) {
                        return Err(ValidationError::new(
                            "service",
                            Rule::AppointmentService {
                                service: service.to_string(),
                            },
                        )
                        .into());
                    }
                    (service, Some(slot), patient)
                }
                None => {
                    let service = req
                        .service
                        .clone()
                        .ok_or_else(|| ValidationError::new("service", Rule::ChooseService))?;
                    (service, None, None)
                }
            };
            let step = open_service(w, &service)?
                .first_step()
                .map(|s| s.id.clone());
            let id = TicketId::random();
            let mut issue = Issue {
                label: labels::take(w, &service, day, remote_labels)?,
                day,
                start_step: step,
                service,
                priority: req.priority,
                visit: VisitId::random(),
                appointment,
                patient,
                transferred_from: None,
                estimated_wait_seconds: None,
            };
            // The wait it will be shown and printed with, kept on the issue so the
            // reports can say how good the estimates were.
            let about_to_be =
                ticket::step(None, id, &TicketChange::Issued(issue.clone()), actor, now)?;
            // Its place and wait, worked out once: the ticket keeps the estimate and the
            // printed ticket shows both (the queue is the same once it is stored).
            let view = Queues::load_with(
                w.conn(),
                day,
                Some(&issue.service),
                now,
                &self.policy,
                Some(&about_to_be),
            )?
            .ticket_view(&about_to_be);
            issue.estimated_wait_seconds = view.estimated_wait_seconds;
            w.append(
                actor,
                EventBody::Ticket {
                    id,
                    change: TicketChange::Issued(issue),
                },
            )?;
            if self.printer.is_some() {
                let t = query::ticket(w.conn(), id)?.ok_or(Error::NotFound { what: "ticket" })?;
                self.print(w, &t, &view, false)?;
            }
            Ok(id)
        })?;
        self.publish(&events);
        self.kick_printer();
        self.ticket_view(id)
    }

    /// Prints the ticket again; the paper says it is a reprint.
    pub fn reprint(&self, id: TicketId) -> Result<TicketView> {
        if self.printer.is_none() {
            return Err(Error::conflict_code(ErrorCode::NoPrinter));
        }
        self.store.write(|w| self.spool(w, id, true))?;
        self.kick_printer();
        self.ticket_view(id)
    }

    /// Stores a print job for ticket `id` in this transaction, when the node has a printer.
    fn spool(&self, w: &Writer<'_>, id: TicketId, reprint: bool) -> Result<()> {
        if self.printer.is_none() {
            return Ok(());
        }
        let t = query::ticket(w.conn(), id)?.ok_or(Error::NotFound { what: "ticket" })?;
        let queues = Queues::load(
            w.conn(),
            t.issue.day,
            Some(&t.issue.service),
            w.now_ms(),
            &self.policy,
        )?;
        self.print(w, &t, &queues.ticket_view(&t), reprint)
    }

    /// Stores the print job of `t`, with the place and wait of its `view`.
    fn print(&self, w: &Writer<'_>, t: &Ticket, view: &TicketView, reprint: bool) -> Result<()> {
        let Some(printer) = &self.printer else {
            return Ok(());
        };
        let (ahead, wait) = (
            view.people_ahead.unwrap_or(0),
            view.estimated_wait_seconds.unwrap_or(0),
        );
        printer.enqueue(w, t, ahead, wait, reprint)
    }

    fn kick_printer(&self) {
        if let Some(printer) = &self.printer {
            printer.kick();
        }
    }

    /// A ticket with its place in today's queue.
    pub fn ticket_view(&self, id: TicketId) -> Result<TicketView> {
        self.store.read(|conn| {
            let t = query::ticket(conn, id)?.ok_or(Error::NotFound { what: "ticket" })?;
            let mut view = self.queues(conn, Some(&t.issue.service))?.ticket_view(&t);
            if let Some(printer) = &self.printer {
                view.print = crate::store::print::newest_printed(conn, id)?
                    .map(|printed| PrintState::new(printed, || printer.fault()));
            }
            Ok(view)
        })
    }

    /// What a ticket's holder sees: its view, and after a transfer where the visit goes
    /// on (the last ticket of its transfer chain).
    pub fn public_ticket_view(&self, id: TicketId) -> Result<PublicTicketView> {
        self.store.read(|conn| {
            let first = query::ticket(conn, id)?.ok_or(Error::NotFound { what: "ticket" })?;
            // The queues once: of the ticket's own service, or of all when the visit
            // went on elsewhere.
            let only = first
                .transferred_to
                .is_none()
                .then_some(&first.issue.service);
            let queues = self.queues(conn, only)?;
            let mut next = first.transferred_to;
            let mut public = PublicTicketView::from(queues.ticket_view(&first));
            // A chain is a handful of tickets long; the bound only guards against a cycle.
            for _ in 0..32 {
                let Some(to) = next else { break };
                let Some(t) = query::ticket(conn, to)? else {
                    break;
                };
                let t = queues.ticket_view(&t);
                next = t.transferred_to;
                public.next = Some(NextStep {
                    ticket_id: t.id,
                    label: t.label,
                    service_name_id: t.service_name_id,
                    service_name_en: t.service_name_en,
                    step_name_id: t.step_name_id,
                    step_name_en: t.step_name_en,
                    status: t.status,
                });
            }
            Ok(public)
        })
    }

    /// The folded ticket, for access checks.
    pub fn ticket(&self, id: TicketId) -> Result<ticket::Ticket> {
        self.store
            .read(|conn| query::ticket(conn, id)?.ok_or(Error::NotFound { what: "ticket" }))
    }

    /// Today's tickets.
    pub fn tickets(&self, filter: &TicketFilter) -> Result<Vec<TicketView>> {
        let status = filter
            .status
            .as_deref()
            .map(|s| {
                TicketStatus::parse(s)
                    .ok_or_else(|| ValidationError::new("status", Rule::TicketStatus))
            })
            .transpose()?;
        self.store.read(|conn| {
            let day = self.today(conn)?;
            let queues = self.queues(conn, filter.service.as_ref())?;
            let tickets = query::tickets(conn, day, filter.service.as_ref(), status)?;
            Ok(tickets.iter().map(|t| queues.ticket_view(t)).collect())
        })
    }

    /// The most recent calls of today, newest first. A call whose step is over says
    /// where the patient goes next: the next step of the visit, or the service a
    /// transfer sent them to.
    pub fn recent_calls(&self, limit: usize) -> Result<Vec<CallView>> {
        self.store.read(|conn| {
            let day = self.today(conn)?;
            let queues = self.queues(conn, None)?;
            let tickets = query::tickets(conn, day, None, None)?;
            let by_id: std::collections::HashMap<TicketId, &ticket::Ticket> =
                tickets.iter().map(|t| (t.id, t)).collect();
            let step_name = |t: &ticket::Ticket| {
                let service = queues.service(&t.issue.service)?;
                match service
                    .step_of(t.step.as_ref())
                    .and_then(|id| service.step(id))
                {
                    Some(step) => Some((step.name_id.clone(), step.name_en.clone())),
                    None => Some((service.name_id.clone(), service.name_en.clone())),
                }
            };
            let mut called: Vec<_> = tickets
                .iter()
                // A cancelled ticket leaves the display with the queue.
                .filter(|t| t.status != TicketStatus::Cancelled)
                .filter_map(|t| {
                    let last_step = t.finished_steps.last();
                    let (at, counter, next, label) = match (t.called_at_ms, &t.counter, last_step) {
                        (Some(at), Some(counter), _) => {
                            let next = t.transferred_to.and_then(|to| step_name(by_id.get(&to)?));
                            (at, counter.clone(), next, t.label())
                        }
                        // Called at a finished step: under the number it had there.
                        (_, _, Some(done)) => (
                            done.called_at_ms?,
                            done.counter.clone()?,
                            step_name(t),
                            done.label.as_deref().unwrap_or(&t.issue.label),
                        ),
                        _ => return None,
                    };
                    Some((at, counter, next, label, t))
                })
                .collect();
            called.sort_by_key(|(at, _, _, _, t)| std::cmp::Reverse((*at, t.id)));
            Ok(called
                .into_iter()
                .take(limit)
                .map(|(at, counter, next, label, t)| CallView {
                    id: t.id,
                    label: label.to_owned(),
                    service: t.issue.service.clone(),
                    counter_name: queues
                        .counter_name(&counter)
                        .unwrap_or(counter.as_str())
                        .to_owned(),
                    counter,
                    status: t.status,
                    called_at: chrono::DateTime::from_timestamp_millis(at).unwrap_or_default(),
                    next_id: next.as_ref().map(|(id, _)| id.clone()),
                    next_en: next.map(|(_, en)| en),
                })
                .collect())
        })
    }

    /// Applies a staff step. A transfer returns the new ticket in the other service.
    pub fn act(&self, actor: Actor, id: TicketId, action: TicketAction) -> Result<TicketView> {
        let remote_labels = self.replication.has_remote_authority();
        let (result, events) = self.store.write(|w| {
            let current = query::ticket(w.conn(), id)?.ok_or(Error::NotFound { what: "ticket" })?;
            let mut print = false;
            let change = match action {
                TicketAction::Transfer(service) => {
                    let (to, new_label) = transfer(w, actor, &current, service, remote_labels)?;
                    // A new number is printed here for the patient to take along.
                    if new_label {
                        self.spool(w, to, false)?;
                    }
                    return Ok(to);
                }
                TicketAction::Call(counter) => {
                    let c = query::counter(w.conn(), &counter)?
                        .ok_or(Error::NotFound { what: "counter" })?;
                    let service = query::service(w.conn(), &current.issue.service)?
                        .ok_or(Error::NotFound { what: "service" })?;
                    let at = service.step_of(current.step.as_ref());
                    if !c.services.contains(&current.issue.service) {
                        return Err(ValidationError::new(
                            "counter",
                            Rule::CounterServes {
                                counter: c.name.clone(),
                                service: current.issue.service.to_string(),
                            },
                        )
                        .into());
                    }
                    if !c.takes(&service.code, at) {
                        let step = at.and_then(|id| service.step(id));
                        return Err(ValidationError::new(
                            "counter",
                            Rule::CounterStep {
                                counter: c.name.clone(),
                                step: step.map_or_else(String::new, |s| s.name_id.clone()),
                            },
                        )
                        .into());
                    }
                    let today = today(w)?;
                    if let Some(held) = held_at(&today, &counter).find(|t| t.id != id) {
                        return Err(counter_busy(&c.name, held));
                    }
                    TicketChange::Called { counter }
                }
                TicketAction::Recall => TicketChange::Recalled,
                TicketAction::Serve => TicketChange::Served,
                TicketAction::Complete => {
                    let service = query::service(w.conn(), &current.issue.service)?;
                    let change = completion(service.as_ref(), &current);
                    let (change, numbered) = numbered(w, change, &current, remote_labels)?;
                    print = numbered;
                    change
                }
                TicketAction::NoShow => TicketChange::NoShow,
                TicketAction::Requeue => TicketChange::Requeued,
                TicketAction::Cancel(reason) => TicketChange::Cancelled {
                    reason: Some(super::appointments::cancel_reason(&reason)?),
                },
            };
            ticket::step(Some(&current), id, &change, actor, w.now_ms())?;
            w.append(actor, EventBody::Ticket { id, change })?;
            // A new number for the next step is printed here for the patient to take.
            if print {
                self.spool(w, id, false)?;
            }
            Ok(id)
        })?;
        self.publish(&events);
        self.kick_printer();
        self.ticket_view(result)
    }

    /// Calls the first ticket in calling order from the services `counter` serves. A
    /// counter holds one ticket at a time: while it still holds a called or serving one,
    /// the call is refused with `counter_busy` unless `current` says what becomes of it
    /// (completed, a no-show, requeued) — in the same transaction as the call.
    pub fn call_next(
        &self,
        actor: Actor,
        counter: &CounterId,
        current: Option<Handover>,
    ) -> Result<TicketView> {
        let remote_labels = self.replication.has_remote_authority();
        let (id, events) = self.store.write(|w| {
            let c =
                query::counter(w.conn(), counter)?.ok_or(Error::NotFound { what: "counter" })?;
            // Read once, before the handover: it changes only the held tickets, which
            // are not called again now (a ticket just requeued waits its turn again).
            let today = today(w)?;
            let services = query::services(w.conn())?;
            let held: Vec<&ticket::Ticket> = held_at(&today, counter).collect();
            match (held.first(), current) {
                (Some(t), None) => return Err(counter_busy(&c.name, t)),
                (_, Some(handover)) => {
                    for t in &held {
                        let change = match handover {
                            Handover::Complete => completion(service_of(&services, t), t),
                            other => other.change(),
                        };
                        let (change, numbered) = numbered(w, change, t, remote_labels)?;
                        ticket::step(Some(t), t.id, &change, actor, w.now_ms())?;
                        w.append(actor, EventBody::Ticket { id: t.id, change })?;
                        if numbered {
                            self.spool(w, t.id, false)?;
                        }
                    }
                }
                (None, None) => {}
            }
            let queues: Vec<&ticket::Ticket> = today
                .iter()
                .filter(|t| {
                    let at = service_of(&services, t).and_then(|s| s.step_of(t.step.as_ref()));
                    c.takes(&t.issue.service, at)
                })
                .collect();
            let waiting = queues
                .iter()
                .copied()
                .filter(|t| held.iter().all(|h| h.id != t.id));
            let streak = priority_streak(queues.iter().copied());
            let next = self
                .policy
                .order(waiting, w.now_ms(), streak)
                .first()
                .map(|t| t.id)
                .ok_or(Error::QueueEmpty)?;
            let change = TicketChange::Called {
                counter: counter.clone(),
            };
            w.append(actor, EventBody::Ticket { id: next, change })?;
            Ok(next)
        })?;
        self.publish(&events);
        self.kick_printer();
        self.ticket_view(id)
    }
}

/// What completing `t` (of `service`) is: on to the next step of its visit
/// (registration done, the room next), or the end of it at the last step.
fn completion(service: Option<&Service>, t: &ticket::Ticket) -> TicketChange {
    match service.and_then(|s| s.step_after(t.step.as_ref())) {
        Some(next) => TicketChange::Advanced {
            to: next.id.clone(),
            label: None,
        },
        None => TicketChange::Completed,
    }
}

/// Gives an advance to the next step a new number when the clinic asks for one per
/// step (`new_label_per_step`), from the service's series of the day like any label, so
/// it is never given twice. Returns the change and whether it carries a new number.
fn numbered(
    w: &Writer<'_>,
    change: TicketChange,
    t: &ticket::Ticket,
    remote_labels: bool,
) -> Result<(TicketChange, bool)> {
    let TicketChange::Advanced { to, label: None } = change else {
        return Ok((change, false));
    };
    if !query::clinic(w.conn())?.is_some_and(|c| c.new_label_per_step) {
        return Ok((TicketChange::Advanced { to, label: None }, false));
    }
    let day = service_day(w.now_ms(), query::time_zone(w.conn())?);
    let label = labels::take(w, &t.issue.service, day, remote_labels)?;
    Ok((
        TicketChange::Advanced {
            to,
            label: Some(label),
        },
        true,
    ))
}

/// The service `t` belongs to, among `services`.
fn service_of<'a>(services: &'a [Service], t: &ticket::Ticket) -> Option<&'a Service> {
    services.iter().find(|s| s.code == t.issue.service)
}

/// Today's tickets, every status.
fn today(w: &Writer<'_>) -> Result<Vec<ticket::Ticket>> {
    let day = service_day(w.now_ms(), query::time_zone(w.conn())?);
    query::tickets(w.conn(), day, None, None)
}

/// The tickets among `today` that `counter` holds: called to it or being served there
/// (one, unless two devices called to it while cut off from each other).
fn held_at<'a>(
    today: &'a [ticket::Ticket],
    counter: &'a CounterId,
) -> impl Iterator<Item = &'a ticket::Ticket> {
    today.iter().filter(move |t| {
        matches!(t.status, TicketStatus::Called | TicketStatus::Serving)
            && t.counter.as_ref() == Some(counter)
    })
}

fn counter_busy(counter_name: &str, held: &ticket::Ticket) -> Error {
    let (label, status) = (held.label(), i18n::status(held.status));
    Error::conflict(
        ErrorCode::CounterBusy,
        Text::new(
            format!(
                "{counter_name} masih memegang {label} ({}): selesaikan, tandai tidak hadir, \
                 atau antrekan ulang sebelum memanggil berikutnya.",
                status.id
            ),
            format!(
                "{counter_name} still has {label} ({}): complete it, mark it a no-show or \
                 requeue it before calling the next",
                status.en
            ),
        ),
    )
}

/// A service a ticket may be issued in: it exists, is open, and some counter serves its
/// first step (a ticket nobody can call would wait for ever).
fn open_service(w: &Writer<'_>, code: &ServiceCode) -> Result<Service> {
    match query::service(w.conn(), code)? {
        None => Err(Error::NotFound { what: "service" }),
        Some(s) if !s.active => Err(Error::conflict(
            ErrorCode::ServiceClosed,
            Text::new(
                format!("{} tutup hari ini.", s.name_id),
                format!("{} is closed today", s.name_en),
            ),
        )),
        Some(s) => {
            let first = s.first_step().map(|step| &step.id);
            let served = query::counters(w.conn())?
                .iter()
                .any(|c| c.takes(code, first));
            if served {
                Ok(s)
            } else {
                Err(Error::conflict(
                    ErrorCode::ServiceClosed,
                    Text::new(
                        format!("Belum ada loket yang melayani {} hari ini.", s.name_id),
                        format!("no counter serves {} today", s.name_en),
                    ),
                ))
            }
        }
    }
}

/// The appointment behind a booking code, if it may be checked in today.
fn checkable_appointment(
    w: &Writer<'_>,
    code: &str,
    day: NaiveDate,
    tz: chrono_tz::Tz,
) -> Result<(
    ServiceCode,
    AppointmentSlot,
    Option<medicloud_core::ids::PatientId>,
)> {
    let code = super::appointments::normalise_code(code);
    let row = query::appointment_by_code(w.conn(), &code)?.ok_or(Error::NotFound {
        what: "appointment",
    })?;
    let a = row.appointment;
    if row.cancelled {
        return Err(Error::conflict_code(ErrorCode::AppointmentCancelled));
    }
    if row.ticket.is_some() {
        return Err(Error::conflict_code(ErrorCode::AlreadyCheckedIn));
    }
    if a.date != day {
        let on = i18n::date(a.date);
        return Err(Error::conflict(
            ErrorCode::AppointmentNotToday,
            Text::new(
                format!("Janji temu ini untuk {}, bukan hari ini.", on.id),
                format!("this appointment is on {}, not today", on.en),
            ),
        ));
    }
    let slot_start_ms = tz
        .from_local_datetime(&a.date.and_time(a.slot_start))
        .earliest()
        .map_or(0, |t| t.timestamp_millis());
    Ok((
        a.service,
        AppointmentSlot {
            id: a.id,
            slot_start_ms,
        },
        a.patient,
    ))
}

/// Ends `current` as transferred and issues its continuation in `service`, keeping the
/// visit, the priority lane, the patient and — unless the clinic gives a new number per
/// transfer — the label. The continuation starts at the first step of `service` the
/// visit has not been through (a registered patient is not registered again). Returns
/// the continuation and whether its label is new.
fn transfer(
    w: &mut Writer<'_>,
    actor: Actor,
    current: &ticket::Ticket,
    service: ServiceCode,
    remote_labels: bool,
) -> Result<(TicketId, bool)> {
    let target = open_service(w, &service)?;
    let been: Vec<&StepId> = current
        .finished_steps
        .iter()
        .filter_map(|f| f.step.as_ref())
        .chain(current.step.as_ref())
        .collect();
    let step = target
        .steps
        .iter()
        .find(|s| !been.contains(&&s.id))
        .or(target.steps.last())
        .map(|s| s.id.clone());
    let to = TicketId::random();
    let change = TicketChange::Transferred {
        to,
        service: service.clone(),
    };
    ticket::step(Some(current), current.id, &change, actor, w.now_ms())?;
    let day = service_day(w.now_ms(), query::time_zone(w.conn())?);
    let new_label = query::clinic(w.conn())?.is_some_and(|c| c.new_label_on_transfer);
    let label = if new_label {
        labels::take(w, &service, day, remote_labels)?
    } else {
        current.issue.label.clone()
    };
    let issue = Issue {
        label,
        day,
        service,
        priority: current.issue.priority,
        visit: current.issue.visit,
        appointment: None,
        patient: current.issue.patient,
        transferred_from: Some(current.id),
        start_step: step,
        // Nothing is shown or printed for a continuation at the transfer (its wait is
        // read on the status page): no estimate to judge.
        estimated_wait_seconds: None,
    };
    w.append(
        actor,
        EventBody::Ticket {
            id: current.id,
            change,
        },
    )?;
    w.append(
        actor,
        EventBody::Ticket {
            id: to,
            change: TicketChange::Issued(issue),
        },
    )?;
    Ok((to, new_label))
}
