//! The audit trail as staff see it: every change (an event) and every audit-only entry
//! (logins, reads of patient data), with who, what, which patient, when and where.

use super::Node;
use crate::error::Result;
use crate::store::query;
use medicloud_core::event::{Actor, AuditEntry, Event, EventBody};
use medicloud_core::ids::{DeviceId, PatientId};
use medicloud_core::ticket::TicketChange;
use medicloud_core::validate::{Rule, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One line of the audit trail.
#[derive(Clone, Debug, Serialize, ToSchema)]
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
const MAX_STAMP_MS: i64 = (1 << 47) - 1;

fn actor_text(actor: &Actor) -> String {
    match actor {
        Actor::System => "system".into(),
        Actor::Staff(id) => format!("staff:{id}"),
        Actor::Device(id) => format!("device:{id}"),
    }
}

fn row(conn: &rusqlite::Connection, event: Event) -> Result<AuditRow> {
    let (config_subject, changes) = super::audit_details::details(conn, &event)?.unzip();
    let (action, patient, subject, outcome) = match &event.body {
        EventBody::Audited(entry) => (
            entry.action.clone(),
            entry.patient,
            entry.subject.clone(),
            entry.outcome.clone(),
        ),
        EventBody::PatientSet(p) => ("patient_set".into(), Some(p.id), None, "ok".into()),
        EventBody::AppointmentBooked(a) => {
            ("appointment_booked".into(), a.patient, None, "ok".into())
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
            Some(ticket_subject(conn, *id, change)?),
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
fn ticket_subject(
    conn: &rusqlite::Connection,
    id: medicloud_core::ids::TicketId,
    change: &TicketChange,
) -> Result<String> {
    let label = query::ticket_label(conn, id)?.unwrap_or_else(|| "?".to_owned());
    Ok(match change {
        TicketChange::Called { counter } => {
            let name =
                query::counter(conn, counter)?.map_or_else(|| counter.to_string(), |c| c.name);
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

impl Node {
    /// Records an audit-only entry (a login, a read of patient data) durably.
    pub fn audit(&self, actor: Actor, entry: AuditEntry) -> Result<()> {
        self.store
            .write(|w| w.append(actor, EventBody::Audited(entry)))?;
        Ok(())
    }

    /// The audit trail, newest first.
    pub fn audit_trail(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        let limit = filter.limit.unwrap_or(200);
        if !(1..=1_000).contains(&limit) {
            return Err(ValidationError::new("limit", Rule::Between { min: 1, max: 1000 }).into());
        }
        // A stamp keeps 48 bits of milliseconds above 16 of counter in an i64, so a time
        // past 2^47 ms would wrap around into the past.
        let since = match filter.since_ms {
            None => 0,
            Some(ms @ 0..=MAX_STAMP_MS) => ms << 16,
            Some(_) => {
                return Err(ValidationError::new(
                    "since_ms",
                    Rule::Between {
                        min: 0,
                        max: (1 << 47) - 1,
                    },
                )
                .into());
            }
        };
        self.store.read(|conn| {
            let mut out = Vec::new();
            let mut failed = None;
            query::events_newest_first(conn, since, |event| {
                let row = match row(conn, event) {
                    Ok(row) => row,
                    Err(e) => {
                        failed = Some(e);
                        return false;
                    }
                };
                let keep = filter.action.as_ref().is_none_or(|a| *a == row.action)
                    && filter.actor.as_ref().is_none_or(|a| *a == row.actor)
                    && filter.patient.is_none_or(|p| row.patient == Some(p));
                if keep {
                    out.push(row);
                }
                out.len() < limit
            })?;
            failed.map_or(Ok(out), Err)
        })
    }
}
