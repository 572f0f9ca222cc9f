//! Appointments that hold: a booking's life (booked, moved, cancelled), its booking code
//! (one generator for the node's desk and the cloud's online bookings), and the slot
//! rules of services set up before schedules. The slots of a day and the rule that
//! decides whether a booking or a move may take one are [`crate::schedule`]'s.

use crate::domain::Appointment;
use crate::event::{Event, EventBody};
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The letters and digits of a booking code: none that can be mistaken for another when
/// read aloud or typed (no `B`/`8`, `O`/`0`, `I`/`1`, `S`/`5`, `Z`/`2`, `L`).
pub const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

/// Characters in a booking code: 25⁶, some 244 million codes.
pub const CODE_LENGTH: usize = 6;

/// A new booking code, each character chosen by `pick(n)` (a random index below `n`:
/// the caller brings the randomness, core makes none). Unique among the clinic's live
/// appointments only where the caller checks it.
///
/// ```
/// use medicloud_core::appointment::{CODE_ALPHABET, booking_code, normalise_code};
/// let code = booking_code(|n| 7 % n);
/// assert_eq!(code.len(), 6);
/// assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
/// assert_eq!(normalise_code(&code.to_lowercase()), code);
/// ```
pub fn booking_code(mut pick: impl FnMut(usize) -> usize) -> String {
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[pick(CODE_ALPHABET.len()) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A booking code as a patient typed it, as it is stored: lower case, spaces and dashes
/// forgiven (`" k7m-3qx "` is `K7M3QX`).
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

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
    use chrono::NaiveDate;

    fn t(hm: &str) -> NaiveTime {
        NaiveTime::parse_from_str(hm, "%H:%M").unwrap()
    }

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn booking_codes_are_forgiving_to_type_and_of_the_alphabet() {
        assert_eq!(normalise_code(" k7m-3qx "), "K7M3QX");
        let mut next = 0;
        let code = booking_code(|n| {
            next += 1;
            next % n
        });
        assert_eq!(code, "CDEFGH");
        assert_eq!(
            booking_code(|n| n + 3),
            "EEEEEE",
            "an index past the end wraps"
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
            channel: Default::default(),
            overbooked: false,
            consent_messages: false,
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
