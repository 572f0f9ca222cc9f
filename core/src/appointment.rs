//! Appointments that hold: a booking's life (booked, moved, cancelled), the slots of a
//! service's day with their places, and the one rule that decides whether a booking or
//! a move may take a slot. Online booking and schedules add to [`SlotRules`]; the rule
//! stays [`check_slot`].

use crate::domain::Appointment;
use crate::event::{Event, EventBody};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a service's appointment day is cut into slots, and how many patients a slot takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SlotRules {
    /// Length of a slot in minutes (5 to 240).
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: u16,
    /// Patients one slot takes (1 to 50).
    #[schema(minimum = 1, maximum = 50)]
    pub places_per_slot: u16,
    /// Start of the first slot, clinic-local.
    #[schema(value_type = String, example = "08:00", pattern = "^([01]?[0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]{1,9})?)?$")]
    pub opens: NaiveTime,
    /// No slot starts at or after this time, clinic-local.
    #[schema(value_type = String, example = "14:00", pattern = "^([01]?[0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]{1,9})?)?$")]
    pub closes: NaiveTime,
}

impl Default for SlotRules {
    /// One patient per 15 minutes, 08:00 to 14:00: a doctor's morning at a puskesmas.
    fn default() -> Self {
        Self {
            slot_minutes: 15,
            places_per_slot: 1,
            opens: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            closes: NaiveTime::from_hms_opt(14, 0, 0).unwrap_or_default(),
        }
    }
}

impl SlotRules {
    /// Checks the ranges, for an admin's settings.
    pub fn validate(self) -> Result<Self, crate::validate::ValidationError> {
        use crate::validate::{Rule, ValidationError};
        if !(5..=240).contains(&self.slot_minutes) {
            return Err(ValidationError::new("slot_minutes", Rule::SlotMinutes));
        }
        if !(1..=50).contains(&self.places_per_slot) {
            return Err(ValidationError::new("places_per_slot", Rule::PlacesPerSlot));
        }
        if self.opens >= self.closes {
            return Err(ValidationError::new("closes", Rule::SlotsInOrder));
        }
        Ok(self)
    }

    /// The slot starts of a day, from `opens` every `slot_minutes` until `closes`.
    pub fn starts(&self) -> Vec<NaiveTime> {
        let step = i64::from(self.slot_minutes.max(5)) * 60;
        let (first, end) = (
            i64::from(self.opens.num_seconds_from_midnight()),
            i64::from(self.closes.num_seconds_from_midnight()),
        );
        (0..)
            .map(|i| first + i * step)
            .take_while(|&s| s < end)
            .filter_map(|s| NaiveTime::from_num_seconds_from_midnight_opt(s as u32, 0))
            .collect()
    }
}

/// One slot of a day and how full it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlotFill {
    /// Start of the slot, clinic-local.
    #[schema(value_type = String, example = "09:30:00")]
    pub start: NaiveTime,
    /// Patients it takes.
    pub places: u16,
    /// Live (not cancelled) bookings in it.
    pub booked: u16,
    /// Whether its time has passed (see [`check_slot`]): it takes no booking.
    pub past: bool,
}

/// The slots of a day with their fill: the rules' slots, and any other start somebody
/// booked (an earlier setting, a booking off the grid), in time order, on `date` as
/// seen at clinic-local `now`.
pub fn slots(
    rules: &SlotRules,
    date: NaiveDate,
    now: NaiveDateTime,
    booked: &[NaiveTime],
) -> Vec<SlotFill> {
    let mut starts = rules.starts();
    starts.extend(booked.iter().map(|t| {
        t.with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(*t)
    }));
    starts.sort();
    starts.dedup();
    starts
        .into_iter()
        .map(|start| SlotFill {
            start,
            places: rules.places_per_slot,
            booked: booked.iter().filter(|&&t| same_start(t, start)).count() as u16,
            past: is_past(date, start, now),
        })
        .collect()
}

/// Whether two starts are the same slot (seconds aside).
pub fn same_start(a: NaiveTime, b: NaiveTime) -> bool {
    a.with_second(0).and_then(|t| t.with_nanosecond(0))
        == b.with_second(0).and_then(|t| t.with_nanosecond(0))
}

/// A slot is past once a minute after its start has begun.
fn is_past(date: NaiveDate, start: NaiveTime, now: NaiveDateTime) -> bool {
    let this_minute = now.with_second(0).and_then(|t| t.with_nanosecond(0));
    Some(date.and_time(start)) < this_minute
}

/// Why a slot cannot be taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotRefusal {
    /// The day is over, or the slot started before the current minute.
    #[error("this time has already passed in the clinic")]
    Past,
    /// Every place is booked.
    #[error("every place in this slot is booked ({places} of {places})")]
    Full {
        /// Places the slot has.
        places: u16,
    },
}

/// Whether a booking (or a move) may take the slot at `date` `start`, at clinic-local
/// `now`, with `already` live bookings in it (not counting the one being moved).
pub fn check_slot(
    rules: &SlotRules,
    date: NaiveDate,
    start: NaiveTime,
    now: NaiveDateTime,
    already: usize,
) -> Result<(), SlotRefusal> {
    if is_past(date, start, now) {
        return Err(SlotRefusal::Past);
    }
    let places = rules.places_per_slot;
    if already >= usize::from(places) {
        return Err(SlotRefusal::Full { places });
    }
    Ok(())
}

/// An appointment's state: the fold of its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentState {
    /// The booking as it stands: a move changes its day and slot.
    pub appointment: Appointment,
    /// Whether it was cancelled, and why.
    pub cancelled: Option<String>,
}

/// Folds an appointment's events (any order, duplicates allowed) in the log's total
/// order. The first booking counts; a move after a cancellation changes nothing.
/// `None` until the booking is present.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<AppointmentState> {
    let mut ordered: Vec<&Event> = events.into_iter().collect();
    ordered.sort_by_key(|e| e.order_key());
    ordered.dedup_by_key(|e| e.id);
    let mut state: Option<AppointmentState> = None;
    for event in ordered {
        match (&event.body, state.as_mut()) {
            (EventBody::AppointmentBooked(a), None) => {
                state = Some(AppointmentState {
                    appointment: a.clone(),
                    cancelled: None,
                });
            }
            (
                EventBody::AppointmentMoved {
                    date, slot_start, ..
                },
                Some(s),
            ) if s.cancelled.is_none() => {
                s.appointment.date = *date;
                s.appointment.slot_start = *slot_start;
            }
            (EventBody::AppointmentCancelled { reason, .. }, Some(s)) if s.cancelled.is_none() => {
                s.cancelled = Some(reason.clone().unwrap_or_default());
            }
            _ => {}
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ServiceCode;
    use crate::event::{Actor, EventId, Stamp};
    use crate::ids::{AppointmentId, ClinicId, DeviceId};

    fn t(hm: &str) -> NaiveTime {
        NaiveTime::parse_from_str(hm, "%H:%M").unwrap()
    }

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn the_slot_rule() {
        let rules = SlotRules {
            places_per_slot: 2,
            ..SlotRules::default()
        };
        let now = day("2026-12-02").and_time(t("09:20")) + chrono::Duration::seconds(30);
        #[rustfmt::skip]
        let cases: &[(&str, &str, usize, Result<(), SlotRefusal>)] = &[
            // date          start    booked  expect
            ("2026-12-02", "09:30", 0, Ok(())),
            ("2026-12-02", "09:30", 1, Ok(())),
            ("2026-12-02", "09:30", 2, Err(SlotRefusal::Full { places: 2 })),
            ("2026-12-02", "09:20", 0, Ok(())),               // this minute still counts
            ("2026-12-02", "09:19", 0, Err(SlotRefusal::Past)),
            ("2026-12-02", "08:00", 5, Err(SlotRefusal::Past)), // past wins over full
            ("2026-12-01", "13:00", 0, Err(SlotRefusal::Past)),
            ("2026-12-03", "08:00", 0, Ok(())),
        ];
        for (date, start, booked, expect) in cases {
            assert_eq!(
                &check_slot(&rules, day(date), t(start), now, *booked),
                expect,
                "{date} {start} with {booked} booked"
            );
        }
    }

    #[test]
    fn a_day_of_slots_with_their_fill() {
        let rules = SlotRules {
            slot_minutes: 30,
            places_per_slot: 2,
            opens: t("08:00"),
            closes: t("09:30"),
        };
        let date = day("2026-12-02");
        let now = date.and_time(t("08:31"));
        let fill = slots(&rules, date, now, &[t("08:30"), t("08:30"), t("08:45")]);
        let seen: Vec<String> = fill
            .iter()
            .map(|s| {
                let past = if s.past { " past" } else { "" };
                format!(
                    "{} {}/{}{past}",
                    s.start.format("%H:%M"),
                    s.booked,
                    s.places
                )
            })
            .collect();
        // 08:45 is off the grid (booked under an earlier setting) and still shown.
        assert_eq!(
            seen,
            ["08:00 0/2 past", "08:30 2/2 past", "08:45 1/2", "09:00 0/2"]
        );
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        let ok = SlotRules::default();
        assert_eq!(ok.validate(), Ok(ok));
        for (bad, field) in [
            (
                SlotRules {
                    slot_minutes: 4,
                    ..ok
                },
                "slot_minutes",
            ),
            (
                SlotRules {
                    places_per_slot: 0,
                    ..ok
                },
                "places_per_slot",
            ),
            (
                SlotRules {
                    opens: t("14:00"),
                    ..ok
                },
                "closes",
            ),
        ] {
            assert_eq!(bad.validate().unwrap_err().field, field);
        }
    }

    fn event(seq: u64, body: EventBody) -> Event {
        Event {
            id: EventId {
                origin: DeviceId::random(),
                seq,
            },
            stamp: Stamp::new(seq * 1000, 0),
            clinic: ClinicId::random(),
            actor: Actor::System,
            body,
        }
    }

    #[test]
    fn moves_and_cancellations_fold_in_log_order() {
        let id = AppointmentId::random();
        let booked = Appointment {
            id,
            code: "K7M3QX".into(),
            patient: None,
            service: ServiceCode::parse("A").unwrap(),
            date: day("2026-12-05"),
            slot_start: t("09:00"),
            slot_minutes: 15,
        };
        let moved = |seq, d: &str, s: &str| {
            event(
                seq,
                EventBody::AppointmentMoved {
                    id,
                    date: day(d),
                    slot_start: t(s),
                },
            )
        };
        let cancel = |seq| {
            event(
                seq,
                EventBody::AppointmentCancelled {
                    id,
                    reason: Some("pasien sakit".into()),
                },
            )
        };
        let events = [
            moved(3, "2026-12-07", "10:00"),
            event(1, EventBody::AppointmentBooked(booked.clone())),
            moved(2, "2026-12-06", "08:30"),
        ];
        let state = fold(&events).unwrap();
        assert_eq!(
            (state.appointment.date, state.appointment.slot_start),
            (day("2026-12-07"), t("10:00"))
        );
        assert_eq!(state.cancelled, None);
        // A move that comes after the cancellation changes nothing.
        let events = [
            event(1, EventBody::AppointmentBooked(booked.clone())),
            cancel(2),
            moved(3, "2026-12-07", "10:00"),
        ];
        let state = fold(&events).unwrap();
        assert_eq!(state.cancelled.as_deref(), Some("pasien sakit"));
        assert_eq!(state.appointment.date, day("2026-12-05"));
        // Nothing until the booking arrives.
        assert_eq!(fold(&[cancel(2)]), None);
    }
}
