//! The calling order of a queue — the one place the policy is written down.
//!
//! 1. Priority lanes (elderly, pregnant, disability) first.
//! 2. Then patients with an appointment whose time window is open now.
//! 3. Then everyone else.
//!
//! Within a class, whoever (re-)entered the queue earlier goes first. The label never
//! decides the order: labels come from per-device number blocks and say nothing of time.

use crate::ticket::{Ticket, TicketStatus};

/// The tunable parts of the calling order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuePolicy {
    /// How long before its slot an appointment starts to count as "on time".
    pub appointment_early_ms: i64,
    /// How long after its slot starts an appointment still counts as "on time".
    pub appointment_late_ms: i64,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        Self {
            appointment_early_ms: 15 * 60_000,
            appointment_late_ms: 30 * 60_000,
        }
    }
}

/// The class a waiting ticket is in; lower classes are called first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum QueueClass {
    /// A priority lane.
    Priority,
    /// An appointment within its time window.
    Appointment,
    /// Everyone else, including appointments outside their window.
    Regular,
}

impl QueuePolicy {
    /// The class of `ticket` at `now_ms`.
    pub fn class(&self, ticket: &Ticket, now_ms: i64) -> QueueClass {
        if ticket.issue.priority.is_some() {
            return QueueClass::Priority;
        }
        match ticket.issue.appointment {
            Some(slot)
                if now_ms >= slot.slot_start_ms - self.appointment_early_ms
                    && now_ms <= slot.slot_start_ms + self.appointment_late_ms =>
            {
                QueueClass::Appointment
            }
            _ => QueueClass::Regular,
        }
    }

    /// Sorts waiting tickets into calling order (others are dropped).
    pub fn order<'a>(
        &self,
        tickets: impl IntoIterator<Item = &'a Ticket>,
        now_ms: i64,
    ) -> Vec<&'a Ticket> {
        let mut waiting: Vec<&Ticket> = tickets
            .into_iter()
            .filter(|t| t.status == TicketStatus::Waiting)
            .collect();
        waiting.sort_by_key(|t| (self.class(t, now_ms), t.queued_at_ms, t.id));
        waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Priority, ServiceCode};
    use crate::event::Actor;
    use crate::ids::{AppointmentId, TicketId, VisitId};
    use crate::ticket::{AppointmentSlot, Issue, TicketChange, step};

    fn ticket(
        label: &str,
        queued_at: i64,
        priority: Option<Priority>,
        slot: Option<i64>,
    ) -> Ticket {
        let issue = Issue {
            service: ServiceCode::parse("A").unwrap(),
            label: label.into(),
            day: chrono::NaiveDate::default(),
            priority,
            visit: VisitId::random(),
            appointment: slot.map(|slot_start_ms| AppointmentSlot {
                id: AppointmentId::random(),
                slot_start_ms,
            }),
            patient: None,
            transferred_from: None,
        };
        step(
            None,
            TicketId::random(),
            &TicketChange::Issued(issue),
            Actor::System,
            queued_at,
        )
        .unwrap()
    }

    fn check(tickets: &[Ticket], now_min: i64, expect: &str) {
        let order = QueuePolicy::default().order(tickets, now_min * 60_000);
        let labels: Vec<&str> = order.iter().map(|t| t.issue.label.as_str()).collect();
        assert_eq!(labels.join(" "), expect, "at minute {now_min}");
    }

    #[test]
    fn calling_order() {
        let m = 60_000;
        let tickets = [
            ticket("A-001", 0, None, None),
            ticket("A-002", m, None, Some(60 * m)), // appointment at minute 60
            ticket("A-003", 2 * m, Some(Priority::Elderly), None),
            ticket("A-004", 3 * m, None, None),
            ticket("A-005", 4 * m, Some(Priority::Pregnant), None),
        ];
        // Before the appointment's window opens it waits like a walk-in.
        check(&tickets, 5, "A-003 A-005 A-001 A-002 A-004");
        // 15 minutes before its slot it goes ahead of walk-ins, behind priority lanes.
        check(&tickets, 45, "A-003 A-005 A-002 A-001 A-004");
        // More than 30 minutes late: back among walk-ins, by check-in time.
        check(&tickets, 91, "A-003 A-005 A-001 A-002 A-004");
    }

    #[test]
    fn the_label_does_not_decide_the_order() {
        // A higher label taken earlier (another device's number block) goes first.
        let tickets = [
            ticket("A-051", 1_000, None, None),
            ticket("A-001", 2_000, None, None),
        ];
        check(&tickets, 0, "A-051 A-001");
    }
}
