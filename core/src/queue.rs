//! The calling order of a queue — the one place the policy is written down.
//!
//! 1. Priority lanes (elderly, pregnant, disability) first — but after
//!    [`QueuePolicy::priority_in_a_row`] priority calls in a row from a queue, the next
//!    call goes to whoever else waits, so the lanes never starve everyone else.
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
    /// Priority-lane calls in a row from one queue before someone else waiting is called
    /// (0: priority lanes go first without limit).
    pub priority_in_a_row: u32,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        Self {
            appointment_early_ms: 15 * 60_000,
            appointment_late_ms: 30 * 60_000,
            priority_in_a_row: 2,
        }
    }
}

/// How many of the latest calls among `called` (tickets of one queue that were called,
/// in any order) were priority-lane tickets in a row.
pub fn priority_streak<'a>(called: impl IntoIterator<Item = &'a Ticket>) -> u32 {
    let mut calls: Vec<(i64, bool)> = called
        .into_iter()
        .filter_map(|t| Some((t.called_at_ms?, t.issue.priority.is_some())))
        .collect();
    calls.sort_by_key(|&(at, _)| std::cmp::Reverse(at));
    calls.iter().take_while(|&&(_, priority)| priority).count() as u32
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

    /// Sorts one queue's waiting tickets into calling order (others are dropped), after
    /// `streak` priority calls in a row (see [`priority_streak`]).
    pub fn order<'a>(
        &self,
        tickets: impl IntoIterator<Item = &'a Ticket>,
        now_ms: i64,
        mut streak: u32,
    ) -> Vec<&'a Ticket> {
        let mut sorted: Vec<&Ticket> = tickets
            .into_iter()
            .filter(|t| t.status == TicketStatus::Waiting)
            .collect();
        sorted.sort_by_key(|t| (self.class(t, now_ms), t.queued_at_ms, t.id));
        // Taken from the front (a long queue in one step each, not shifted each time).
        let mut waiting = std::collections::VecDeque::from(sorted);
        let is_priority = |t: &Ticket| self.class(t, now_ms) == QueueClass::Priority;
        let mut order = Vec::with_capacity(waiting.len());
        while !waiting.is_empty() {
            let limit_reached = self.priority_in_a_row > 0 && streak >= self.priority_in_a_row;
            let pick = match limit_reached {
                true => waiting.iter().position(|t| !is_priority(t)).unwrap_or(0),
                false => 0,
            };
            let Some(t) = waiting.remove(pick) else { break };
            streak = if is_priority(t) { streak + 1 } else { 0 };
            order.push(t);
        }
        order
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
            start_step: None,
            estimated_wait_seconds: None,
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
        check_after(tickets, now_min, 0, expect);
    }

    fn check_after(tickets: &[Ticket], now_min: i64, streak: u32, expect: &str) {
        let order = QueuePolicy::default().order(tickets, now_min * 60_000, streak);
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
        // Two priority calls just before: a walk-in goes first, then the lanes again.
        check_after(&tickets, 5, 2, "A-001 A-003 A-005 A-002 A-004");
        check_after(&tickets, 5, 1, "A-003 A-001 A-005 A-002 A-004");
        // 15 minutes before its slot it goes ahead of walk-ins, behind priority lanes.
        check(&tickets, 45, "A-003 A-005 A-002 A-001 A-004");
        // More than 30 minutes late: back among walk-ins, by check-in time.
        check(&tickets, 91, "A-003 A-005 A-001 A-002 A-004");
    }

    #[test]
    fn a_checked_in_appointment_is_called_within_its_window_ahead_of_walk_ins() {
        let m = 60_000;
        // Three walk-ins from minute 0; the appointment (slot at minute 60) checks in
        // at minute 50, after them; a second one (slot at 120) checked in at minute 1.
        let tickets = [
            ticket("A-001", 0, None, None),
            ticket("A-002", m, None, None),
            ticket("A-003", 2 * m, None, None),
            ticket("A-004", 50 * m, None, Some(60 * m)),
            ticket("A-005", m + 1, None, Some(120 * m)),
        ];
        #[rustfmt::skip]
        let table: &[(i64, &str)] = &[
            // minute  calling order
            (44,  "A-001 A-002 A-005 A-003 A-004"), // no window open yet: by check-in time
            (45,  "A-004 A-001 A-002 A-005 A-003"), // 15 minutes before its slot: first
            (60,  "A-004 A-001 A-002 A-005 A-003"),
            (90,  "A-004 A-001 A-002 A-005 A-003"), // 30 minutes late still counts
            (91,  "A-001 A-002 A-005 A-003 A-004"), // later: a walk-in again
            (105, "A-005 A-001 A-002 A-003 A-004"), // the early one's window opens
        ];
        for (minute, expect) in table {
            check(&tickets, *minute, expect);
        }
        // A priority lane still goes ahead of an appointment on time.
        let mut with_lane = tickets.to_vec();
        with_lane.push(ticket("A-006", 55 * m, Some(Priority::Disability), None));
        check(&with_lane, 60, "A-006 A-004 A-001 A-002 A-005 A-003");
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

    #[test]
    fn priority_lanes_cannot_starve_the_others() {
        let m = 60_000;
        // Eight elderly patients arrived before the one walk-in.
        let mut tickets: Vec<Ticket> = (1..=8)
            .map(|i| ticket(&format!("P-{i:03}"), i * m, Some(Priority::Elderly), None))
            .collect();
        tickets.push(ticket("A-001", 20 * m, None, None));
        let order = QueuePolicy::default().order(&tickets, 30 * m, 0);
        let at = order.iter().position(|t| t.issue.label == "A-001").unwrap();
        assert_eq!(at, 2, "called third, after two priority calls");
        // Without the limit, the lanes go first however long they are.
        let unlimited = QueuePolicy {
            priority_in_a_row: 0,
            ..QueuePolicy::default()
        };
        let order = unlimited.order(&tickets, 30 * m, 5);
        assert_eq!(order.last().unwrap().issue.label, "A-001");
    }

    #[test]
    fn the_streak_counts_the_latest_calls() {
        let m = 60_000;
        let called = |label: &str, priority: Option<Priority>, at: i64| {
            let t = ticket(label, 0, priority, None);
            let counter = crate::domain::CounterId::parse("loket-1").unwrap();
            step(
                Some(&t),
                t.id,
                &TicketChange::Called { counter },
                Actor::System,
                at,
            )
            .unwrap()
        };
        let calls = [
            called("P-002", Some(Priority::Pregnant), 3 * m),
            called("A-001", None, m),
            called("P-001", Some(Priority::Elderly), 2 * m),
        ];
        assert_eq!(priority_streak(&calls), 2);
        assert_eq!(priority_streak(&calls[1..]), 1);
        assert_eq!(priority_streak(&calls[1..2]), 0);
        assert_eq!(priority_streak(&[]), 0);
    }
}
