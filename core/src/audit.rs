//! The audit trail as staff see it, derived once for the node and the cloud: every change
//! (an event) and every audit-only entry (logins, reads of patient data, refusals), with
//! who, what, which patient, when and where ([`row`]), and what a configuration change
//! did to which account, device, counter, service or clinic — found by comparing the
//! change with the version of the same thing before it.
//!
//! What a row needs beyond its event (a ticket's label, a counter's name, the previous
//! version of a configured thing) it asks an [`AuditSource`]: the node answers from its
//! SQLite store one question at a time; the cloud asks a page's questions at once
//! ([`Lookups::of`]) and answers them from [`Answers`].
//!
//! ```
//! use medicloud_core::audit::{row, Answers};
//! use medicloud_core::event::{Actor, AuditEntry, Event, EventBody, EventId, Stamp};
//! use medicloud_core::ids::{ClinicId, DeviceId};
//!
//! let event = Event {
//!     id: EventId { origin: DeviceId::random(), seq: 1 },
//!     clinic: ClinicId::random(),
//!     stamp: Stamp::new(1_000, 0),
//!     actor: Actor::System,
//!     body: EventBody::Audited(AuditEntry {
//!         action: "login_failed".into(),
//!         patient: None,
//!         subject: Some("siti".into()),
//!         outcome: "failed".into(),
//!     }),
//! };
//! let line = row(&mut Answers::default(), &event)?;
//! assert_eq!((line.action.as_str(), line.outcome.as_str()), ("login_failed", "failed"));
//! assert_eq!(line.subject.as_deref(), Some("siti"));
//! # Ok::<(), std::convert::Infallible>(())
//! ```

use crate::domain::CounterId;
use crate::event::{Actor, Event, EventBody, Stamp};
use crate::ids::{DeviceId, PatientId, TicketId};
use crate::ticket::TicketChange;
use crate::validate::{Rule, ValidationError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use utoipa::ToSchema;

/// One line of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditRow {
    /// When (ms since the Unix epoch, by the device's clock).
    pub at_ms: i64,
    /// The device it happened on.
    #[schema(value_type = String)]
    pub device: DeviceId,
    /// Its place in that device's series.
    pub seq: u64,
    /// Who: `system`, `staff:<id>` or `device:<id>`.
    pub actor: String,
    /// What: an event kind (`patient_set`, `call`…) or an audit action (`login_failed`…).
    pub action: String,
    /// The patient concerned, if any.
    #[schema(value_type = Option<String>)]
    pub patient: Option<PatientId>,
    /// What else it concerned: a username for logins; the account, device, counter,
    /// service (`A · Poli Umum`) or clinic a configuration change was made to.
    pub subject: Option<String>,
    /// What a configuration change did, as short stable codes, some with a value
    /// after `:`: `created`, `registered`, `name`, `role:<role>`, `disabled`,
    /// `enabled`, `password_reset`, `password_changed`, `revoked`, `token_renewed`,
    /// `closed`, `opened`, `services:<A,B>`, `time_zone:<zone>`, `ticket_message`.
    /// Empty for other entries.
    pub changes: Vec<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
}

/// Filters for the audit trail.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<String>,
    /// Only this actor (`staff:<id>`, `device:<id>`, `system`).
    pub actor: Option<String>,
    /// Only entries about this patient.
    pub patient: Option<PatientId>,
    /// Only entries at or after this time (ms since 1970, 0 to 2^47 − 1: as far as event
    /// stamps reach).
    #[param(minimum = 0, maximum = 140_737_488_355_327_i64)]
    pub since_ms: Option<i64>,
    /// At most this many, newest first (default 200; 1 to 1,000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// The latest time an event stamp can hold, in ms.
pub const MAX_STAMP_MS: i64 = (1 << 47) - 1;

/// How many rows a trail gives unless asked for fewer or more.
pub const DEFAULT_LIMIT: usize = 200;

/// The most rows one request may ask for.
pub const MAX_LIMIT: usize = 1_000;

impl AuditFilter {
    /// The number of rows asked for and the earliest stamp to read (the raw value a
    /// store compares `stamp` with), or the parameter out of range.
    pub fn bounds(&self) -> Result<(usize, Stamp), ValidationError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ValidationError::new(
                "limit",
                Rule::Between {
                    min: 1,
                    max: MAX_LIMIT as i64,
                },
            ));
        }
        // A stamp keeps 48 bits of milliseconds above 16 of counter in an i64, so a time
        // past 2^47 ms would wrap around into the past.
        let since = match self.since_ms {
            None => 0,
            Some(ms @ 0..=MAX_STAMP_MS) => ms as u64,
            Some(_) => {
                return Err(ValidationError::new(
                    "since_ms",
                    Rule::Between {
                        min: 0,
                        max: MAX_STAMP_MS,
                    },
                ));
            }
        };
        Ok((limit, Stamp::new(since, 0)))
    }

    /// Whether `row` passes the filters other than time and number.
    pub fn keeps(&self, row: &AuditRow) -> bool {
        self.action.as_ref().is_none_or(|a| *a == row.action)
            && self.actor.as_ref().is_none_or(|a| *a == row.actor)
            && self.patient.is_none_or(|p| row.patient == Some(p))
    }
}

/// What a row reads beyond its own event.
pub trait AuditSource {
    /// Why an answer could not be had (the store's error).
    type Error;
    /// The label a ticket shows now.
    fn ticket_label(&mut self, ticket: TicketId) -> Result<Option<String>, Self::Error>;
    /// A counter's name as it stands now.
    fn counter_name(&mut self, counter: &CounterId) -> Result<Option<String>, Self::Error>;
    /// The body of the latest event of the same entity (`event.entity()`) stamped
    /// before `event`, if there is one.
    fn previous(&mut self, event: &Event) -> Result<Option<EventBody>, Self::Error>;
}

/// `Actor` as the trail writes it: `system`, `staff:<id>` or `device:<id>`.
pub fn actor_text(actor: &Actor) -> String {
    match actor {
        Actor::System => "system".into(),
        Actor::Staff(id) => format!("staff:{id}"),
        Actor::Device(id) => format!("device:{id}"),
    }
}

/// The trail's line for `event`.
pub fn row<S: AuditSource>(source: &mut S, event: &Event) -> Result<AuditRow, S::Error> {
    let (config_subject, changes) = details(source, event)?.unzip();
    let (action, patient, subject, outcome) = match &event.body {
        EventBody::Audited(entry) => (
            entry.action.clone(),
            entry.patient,
            entry.subject.clone(),
            entry.outcome.clone(),
        ),
        EventBody::PatientSet(p) => ("patient_set".into(), Some(p.id), None, "ok".into()),
        EventBody::AppointmentBooked(a) => {
            // A booking the patient made online says so (its actor is the system).
            let online = (a.channel == crate::schedule::Channel::Online).then(|| "online".into());
            ("appointment_booked".into(), a.patient, online, "ok".into())
        }
        EventBody::Ticket {
            change: TicketChange::Issued(issue),
            ..
        } => (
            "issue".into(),
            issue.patient,
            Some(issue.label.clone()),
            "ok".into(),
        ),
        EventBody::Ticket { id, change } => (
            change.kind().to_owned(),
            None,
            Some(ticket_subject(source, *id, change)?),
            "ok".into(),
        ),
        // The desk's reason is what the trail must answer for a cancellation.
        EventBody::AppointmentCancelled { reason, .. } => (
            event.body.kind().to_owned(),
            None,
            reason.clone(),
            "ok".into(),
        ),
        // Which node took up (or gave up) handing out label numbers.
        EventBody::LabelAuthorityClaimed { device }
        | EventBody::LabelAuthorityWithdrawn { device } => (
            event.body.kind().to_owned(),
            None,
            Some(device.to_string()),
            "ok".into(),
        ),
        other => (other.kind().to_owned(), None, config_subject, "ok".into()),
    };
    Ok(AuditRow {
        at_ms: event.stamp.physical_ms() as i64,
        device: event.id.origin,
        seq: event.id.seq,
        actor: actor_text(&event.actor),
        action,
        patient,
        subject,
        changes: changes.unwrap_or_default(),
        outcome,
    })
}

/// Which ticket a step concerned, by its label, and where it went: `A-012 · Loket 1`
/// for a call, `A-012 → F` for a transfer, `A-012 → room` for the next step of the
/// visit, `A-012: <reason>` for a cancellation.
fn ticket_subject<S: AuditSource>(
    source: &mut S,
    id: TicketId,
    change: &TicketChange,
) -> Result<String, S::Error> {
    let label = source.ticket_label(id)?.unwrap_or_else(|| "?".to_owned());
    Ok(match change {
        TicketChange::Called { counter } => {
            let name = source
                .counter_name(counter)?
                .unwrap_or_else(|| counter.to_string());
            format!("{label} · {name}")
        }
        TicketChange::Transferred { service, .. } => format!("{label} → {service}"),
        TicketChange::Advanced { to, label: None } => format!("{label} → {to}"),
        TicketChange::Advanced {
            to,
            label: Some(new),
        } => format!("{label} → {to} ({new})"),
        TicketChange::Cancelled {
            reason: Some(reason),
        } => format!("{label}: {reason}"),
        _ => label,
    })
}

/// The thing a configuration event changed (by name) and what it changed, as the
/// short stable codes the screens put in words (`disabled`, `role:admin`,
/// `password_reset`…); `None` for events that are not configuration.
fn details<S: AuditSource>(
    source: &mut S,
    event: &Event,
) -> Result<Option<(String, Vec<String>)>, S::Error> {
    let mut changes = Vec::new();
    let mut changed = |yes: bool, code: String| {
        if yes {
            changes.push(code);
        }
    };
    let subject = match &event.body {
        EventBody::StaffSet(u) => {
            match source.previous(event)? {
                Some(EventBody::StaffSet(old)) => {
                    changed(old.display_name != u.display_name, "name".into());
                    changed(old.role != u.role, format!("role:{}", u.role.as_str()));
                    changed(old.active && !u.active, "disabled".into());
                    changed(!old.active && u.active, "enabled".into());
                    let new_password = old.password_hash != u.password_hash;
                    changed(
                        new_password && u.must_change_password,
                        "password_reset".into(),
                    );
                    changed(
                        new_password && !u.must_change_password,
                        "password_changed".into(),
                    );
                }
                _ => {
                    changed(true, "created".into());
                    changed(true, format!("role:{}", u.role.as_str()));
                }
            }
            u.username.clone()
        }
        EventBody::DeviceSet(d) => {
            match source.previous(event)? {
                Some(EventBody::DeviceSet(old)) => {
                    changed(old.name != d.name, "name".into());
                    changed(old.role != d.role, format!("role:{}", d.role.as_str()));
                    changed(!old.revoked && d.revoked, "revoked".into());
                    changed(
                        old.token_sha256 != d.token_sha256 && !d.revoked,
                        "token_renewed".into(),
                    );
                }
                _ => {
                    changed(true, "registered".into());
                    changed(true, format!("role:{}", d.role.as_str()));
                }
            }
            d.name.clone()
        }
        EventBody::ServiceSet(s) => {
            match source.previous(event)? {
                Some(EventBody::ServiceSet(old)) => {
                    changed(
                        old.name_id != s.name_id || old.name_en != s.name_en,
                        "name".into(),
                    );
                    changed(old.active && !s.active, "closed".into());
                    changed(!old.active && s.active, "opened".into());
                }
                _ => changed(true, "created".into()),
            }
            format!("{} · {}", s.code, s.name_id)
        }
        EventBody::CounterSet(c) => {
            let services = || {
                let codes: Vec<&str> = c.services.iter().map(|s| s.as_str()).collect();
                format!("services:{}", codes.join(","))
            };
            match source.previous(event)? {
                Some(EventBody::CounterSet(old)) => {
                    changed(old.name != c.name, "name".into());
                    changed(old.services != c.services, services());
                }
                _ => {
                    changed(true, "created".into());
                    changed(true, services());
                }
            }
            c.name.clone()
        }
        EventBody::ClinicSet(c) => {
            match source.previous(event)? {
                Some(EventBody::ClinicSet(old)) => {
                    changed(old.name != c.name, "name".into());
                    changed(
                        old.time_zone != c.time_zone,
                        format!("time_zone:{}", c.time_zone),
                    );
                    changed(
                        old.ticket_message_id != c.ticket_message_id
                            || old.ticket_message_en != c.ticket_message_en,
                        "ticket_message".into(),
                    );
                    changed(
                        old.new_label_on_transfer != c.new_label_on_transfer,
                        format!("new_label_on_transfer:{}", c.new_label_on_transfer),
                    );
                    changed(
                        old.new_label_per_step != c.new_label_per_step,
                        format!("new_label_per_step:{}", c.new_label_per_step),
                    );
                    changed(
                        old.language != c.language,
                        format!("language:{}", c.language.tag()),
                    );
                }
                _ => changed(true, "created".into()),
            }
            c.name.clone()
        }
        _ => return Ok(None),
    };
    Ok(Some((subject, changes)))
}

/// Every question deriving the rows of some events asks its source: for a store that
/// answers a page's questions at once. Found by deriving the rows over a source that
/// answers nothing and notes each question — no question depends on the answer to
/// another, so this is all of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The tickets whose labels are asked for.
    pub tickets: BTreeSet<TicketId>,
    /// The counters whose names are asked for.
    pub counters: BTreeSet<CounterId>,
    /// The entities (`staff/…`, as stores index events) whose previous version before
    /// a stamp is asked for.
    pub previous: BTreeSet<(String, Stamp)>,
}

impl Lookups {
    /// The questions the rows of `events` ask.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut lookups = Lookups::default();
        for event in events {
            let Ok(_) = row(&mut lookups, event);
        }
        lookups
    }
}

impl AuditSource for Lookups {
    type Error = Infallible;
    fn ticket_label(&mut self, ticket: TicketId) -> Result<Option<String>, Infallible> {
        self.tickets.insert(ticket);
        Ok(None)
    }
    fn counter_name(&mut self, counter: &CounterId) -> Result<Option<String>, Infallible> {
        self.counters.insert(counter.clone());
        Ok(None)
    }
    fn previous(&mut self, event: &Event) -> Result<Option<EventBody>, Infallible> {
        self.previous
            .insert((event.entity().to_string(), event.stamp));
        Ok(None)
    }
}

/// The answers to some [`Lookups`], read by a store at once; a question without an
/// answer here has none (no such ticket, counter or earlier version).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// Ticket labels, by ticket.
    pub ticket_labels: HashMap<TicketId, String>,
    /// Counter names, by counter.
    pub counter_names: HashMap<CounterId, String>,
    /// The previous version's body, by entity and the stamp it precedes.
    pub previous: HashMap<(String, Stamp), EventBody>,
}

impl AuditSource for Answers {
    type Error = Infallible;
    fn ticket_label(&mut self, ticket: TicketId) -> Result<Option<String>, Infallible> {
        Ok(self.ticket_labels.get(&ticket).cloned())
    }
    fn counter_name(&mut self, counter: &CounterId) -> Result<Option<String>, Infallible> {
        Ok(self.counter_names.get(counter).cloned())
    }
    fn previous(&mut self, event: &Event) -> Result<Option<EventBody>, Infallible> {
        Ok(self
            .previous
            .get(&(event.entity().to_string(), event.stamp))
            .cloned())
    }
}

#[cfg(test)]
mod tests;
