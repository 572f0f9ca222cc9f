//! A generated clinic history for the reports: days of tickets of three polis, each
//! registered at a loket and then called and completed in its room, with waits and
//! service times that vary, no-shows and cancellations — the events one other device
//! would send, for the report benchmarks and the node-versus-cloud report tests.

use chrono::{NaiveDate, TimeZone};
use medicloud_core::domain::{CounterId, ServiceCode, StepId};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId, TicketId, UserId, VisitId};
use medicloud_core::ticket::{Issue, TicketChange};

/// The services of the demo clinic a history uses, with the room each ends in.
pub const SERVICES: [(&str, &str); 3] =
    [("A", "ruang-umum"), ("B", "ruang-gigi"), ("C", "ruang-kia")];

/// Events a ticket of a history has at most.
pub const EVENTS_PER_TICKET: usize = 6;

/// The events of `days` days of `per_day` tickets from `first`, in the clinic's zone
/// `utc_offset_hours` (Indonesia's zones keep one offset all year), from one device.
/// Every 29th ticket is a no-show at the loket, every 37th is cancelled while waiting;
/// the rest are registered, then called and completed in their room.
pub fn clinic_days(
    clinic: ClinicId,
    first: NaiveDate,
    days: i64,
    per_day: i64,
    utc_offset_hours: i32,
) -> Vec<Event> {
    let origin = DeviceId::random();
    let staff = [UserId::random(), UserId::random(), UserId::random()];
    let mut events = Vec::with_capacity((days * per_day) as usize * EVENTS_PER_TICKET);
    let mut seq = 0;
    let mut push = |at_ms: i64, actor: Actor, id: TicketId, change: TicketChange| {
        seq += 1;
        events.push(Event {
            id: EventId { origin, seq },
            stamp: Stamp::new(at_ms as u64, 0),
            clinic,
            actor,
            body: EventBody::Ticket { id, change },
        });
    };
    let zone = chrono::FixedOffset::east_opt(utc_offset_hours * 3_600).unwrap();
    for d in 0..days {
        let day = first + chrono::Duration::days(d);
        let opens = zone
            .from_local_datetime(&day.and_hms_opt(7, 30, 0).unwrap())
            .unwrap()
            .timestamp_millis();
        for i in 0..per_day {
            let (code, room) = SERVICES[i as usize % SERVICES.len()];
            let id = TicketId::random();
            // One every 75 s: 400 a day run from 07:30 to about 15:50.
            let at = opens + i * 75_000;
            let desk = Actor::Staff(staff[(i % 2) as usize]);
            let doctor = Actor::Staff(staff[2]);
            let issue = Issue {
                service: ServiceCode::parse(code).unwrap(),
                label: format!("{code}-{:03}", i / 3 + 1),
                day,
                priority: None,
                visit: VisitId::random(),
                appointment: None,
                patient: None,
                transferred_from: None,
                start_step: Some(StepId::parse("registration").unwrap()),
                estimated_wait_seconds: Some((i % 40) as u32 * 60),
            };
            let wait = (i * 7 % 50) * 60_000;
            let consult = 420_000 + (i % 9) * 60_000;
            let called = |counter: &str| TicketChange::Called {
                counter: CounterId::parse(counter).unwrap(),
            };
            push(at, Actor::System, id, TicketChange::Issued(issue));
            if i % 37 == 36 {
                push(
                    at + wait / 2,
                    desk,
                    id,
                    TicketChange::Cancelled {
                        reason: Some("pulang".into()),
                    },
                );
                continue;
            }
            push(at + wait, desk, id, called("loket-1"));
            if i % 29 == 28 {
                push(at + wait + 120_000, desk, id, TicketChange::NoShow);
                continue;
            }
            push(at + wait + 20_000, desk, id, TicketChange::Served);
            push(
                at + wait + 140_000,
                desk,
                id,
                TicketChange::Advanced {
                    to: StepId::parse("room").unwrap(),
                    label: None,
                },
            );
            push(at + wait + 900_000, doctor, id, called(room));
            push(
                at + wait + 900_000 + consult,
                doctor,
                id,
                TicketChange::Completed,
            );
        }
    }
    events
}
