//! The desk share, counted by the cloud when the cloud hands out the clinic's labels:
//! then the cloud is the clinic's booking authority too, and a node's desk books
//! through it (`POST /sync/v1/appointments/desk`, [`DeskBooking`]) as it would through
//! a node that is the authority, and asks it for its desk reserves (`POST
//! /sync/v1/appointments/reserve`, [`ReserveAsk`]).
//!
//! Each is one [`AuthorStorage::author`] in the clinic's cloud origin, like an online
//! booking: under the origin's lock, the slot's live bookings and the unused desk
//! reserves of the service and day are read ([`Snapshot::reserves`]: taken desk
//! places, the asking node's own included), and the one capacity rule decides
//! ([`schedule::may_book`] with [`Channel::Desk`] and the desk's
//! `confirm_overbooking`). The booking keeps the id and code the node chose
//! ([`Named`]), so asked again it is the same booking, answered as it stands.

use super::{candidates, local_now};
use crate::author::{ACTOR, AuthorRead, Booking, Decision, Snapshot};
use crate::storage::{AuthorStorage, Storage, StorageError};
use chrono::{Duration, NaiveDate};
use medicloud_core::domain::{Appointment, Service};
use medicloud_core::error_code::ErrorCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::i18n::Text;
use medicloud_core::ids::{AppointmentId, ClinicId, ReserveId};
use medicloud_core::requests::{
    DeskAnswer, DeskBooking, MoveAppointment, Named, NewAppointment, ReserveAsk,
};
use medicloud_core::schedule::{
    self, Channel, DeskReserve, Held, Placement, SlotFill, SlotRefusal,
};
use medicloud_core::validate::{Rule, ValidationError};

/// Why the desk's booking or move is refused, as a node that is the authority would
/// answer its own desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskRefusal {
    /// The HTTP status.
    pub status: u16,
    /// Its code.
    pub code: ErrorCode,
    /// Its words.
    pub text: Text,
}

impl DeskRefusal {
    fn code(status: u16, code: ErrorCode) -> Self {
        Self {
            status,
            code,
            text: code.text(),
        }
    }

    fn invalid(err: ValidationError) -> Self {
        Self {
            status: 422,
            code: ErrorCode::ValidationFailed,
            text: err.text(),
        }
    }

    fn not_found(what: &str) -> Self {
        Self {
            status: 404,
            code: ErrorCode::NotFound,
            text: Text::new(format!("{what} tidak ditemukan"), format!("no such {what}")),
        }
    }

    fn refused(refusal: SlotRefusal) -> Self {
        match refusal {
            SlotRefusal::NotInSchedule => {
                Self::invalid(ValidationError::new("slot_start", Rule::NotInSchedule))
            }
            SlotRefusal::Past => {
                Self::invalid(ValidationError::new("slot_start", Rule::TimePassed))
            }
            SlotRefusal::Full { places } => Self {
                status: 409,
                code: ErrorCode::SlotFull,
                text: Text::new(
                    format!("Ke-{places} tempat loket pada slot ini sudah terisi; pilih jam lain."),
                    format!("all {places} desk places in this slot are taken; choose another slot"),
                ),
            },
        }
    }
}

impl From<DeskRefusal> for DeskAnswer {
    fn from(r: DeskRefusal) -> Self {
        DeskAnswer::Refused {
            status: r.status,
            code: r.code,
            message_id: r.text.id,
            message_en: r.text.en,
        }
    }
}

/// What a write's check refuses: a refusal to answer, or another try with new codes.
enum Refused {
    Desk(DeskRefusal),
    NewCodes,
}

impl From<DeskRefusal> for Refused {
    fn from(r: DeskRefusal) -> Self {
        Refused::Desk(r)
    }
}

/// What takes places of the snapshot's service on `day`: its live bookings but
/// `moving`, and the desk reserves not used yet.
fn held(snapshot: &Snapshot, day: NaiveDate, moving: Option<AppointmentId>) -> Vec<Held> {
    let mut held: Vec<Held> = snapshot
        .live
        .iter()
        .filter(|a| a.date == day && Some(a.id) != moving)
        .map(Held::of)
        .collect();
    held.extend(
        snapshot
            .reserves
            .iter()
            .filter(|r| r.date == day && r.used_by.is_none())
            .map(Held::reserve),
    );
    held
}

/// The slot a desk booking or a move asks for.
struct Wanted {
    /// The clinic-local day.
    date: NaiveDate,
    /// The slot's start.
    start: chrono::NaiveTime,
    /// The booking being moved, whose own place does not count.
    moving: Option<AppointmentId>,
    /// Whether the desk confirms an overbooking of a full desk share.
    confirm_overbooking: bool,
}

/// The fill of the slot `wanted` of `service` and how a desk booking would stand in
/// it, by the capacity rule.
fn desk_place(
    snapshot: &Snapshot,
    service: &Service,
    wanted: Wanted,
    now_ms: i64,
) -> Result<(SlotFill, Placement), DeskRefusal> {
    let Wanted {
        date,
        start,
        moving,
        confirm_overbooking,
    } = wanted;
    let now = local_now(now_ms, snapshot.time_zone);
    if date < now.date() {
        return Err(DeskRefusal::invalid(ValidationError::new(
            "date",
            Rule::NotInPast,
        )));
    }
    let held = held(snapshot, date, moving);
    let fill = schedule::slot_fill(&service.schedule(), date, start, now, &held)
        .map_err(DeskRefusal::refused)?;
    let placement = schedule::may_book(&fill, Channel::Desk, confirm_overbooking)
        .map_err(DeskRefusal::refused)?;
    Ok((fill, placement))
}

/// The snapshot's service, or 404 `service`.
fn service_of(snapshot: &Snapshot) -> Result<&Service, DeskRefusal> {
    if snapshot.clinic.is_none() {
        return Err(DeskRefusal::not_found("clinic"));
    }
    snapshot
        .service
        .as_ref()
        .ok_or_else(|| DeskRefusal::not_found("service"))
}

/// Books `request` into `clinic`'s desk share for a node's desk, by `actor`, as the
/// booking `named` (asked again: the booking as it stands). Refused as the node's own
/// desk would be: 409 `slot_full` when the desk share's places (unused reserves
/// taken) are booked, unless `confirm_overbooking`.
pub async fn book_desk(
    storage: &(impl Storage + AuthorStorage),
    clinic: ClinicId,
    actor: Actor,
    request: NewAppointment,
    named: Named,
    now_ms: i64,
) -> Result<Result<Appointment, DeskRefusal>, StorageError> {
    loop {
        let mut codes = vec![named.code.clone()];
        codes.extend(candidates());
        let read = AuthorRead {
            service: Some(request.service.clone()),
            days: Some((request.date, request.date)),
            appointment: Some(named.id),
            codes: codes.clone(),
        };
        let (request, id) = (request.clone(), named.id);
        let outcome = storage
            .author(clinic, read, now_ms, move |snapshot| {
                if let Some(booking) = &snapshot.appointment {
                    return Ok(Decision {
                        actor,
                        bodies: Vec::new(),
                        value: booking.appointment.appointment.clone(),
                    });
                }
                let service = service_of(snapshot)?;
                let wanted = Wanted {
                    date: request.date,
                    start: request.slot_start,
                    moving: None,
                    confirm_overbooking: request.confirm_overbooking,
                };
                let (fill, placement) = desk_place(snapshot, service, wanted, now_ms)?;
                let slot_minutes = service.schedule().slot_minutes;
                if request.slot_minutes.is_some_and(|m| m != slot_minutes) {
                    let (min, max) = (i64::from(slot_minutes), i64::from(slot_minutes));
                    let rule = Rule::Between { min, max };
                    return Err(
                        DeskRefusal::invalid(ValidationError::new("slot_minutes", rule)).into(),
                    );
                }
                let code = codes
                    .into_iter()
                    .find(|c| !snapshot.taken.contains(c))
                    .ok_or(Refused::NewCodes)?;
                let appointment = Appointment {
                    id,
                    code,
                    patient: request.patient,
                    service: request.service,
                    date: request.date,
                    slot_start: fill.start,
                    slot_minutes,
                    channel: Channel::Desk,
                    overbooked: placement == Placement::Overbooked,
                    consent_messages: false,
                };
                Ok(Decision {
                    actor,
                    bodies: vec![EventBody::AppointmentBooked(appointment.clone())],
                    value: appointment,
                })
            })
            .await?;
        match outcome {
            Ok(appointment) => {
                tracing::info!(%clinic, appointment = %appointment.id, "booked at a desk");
                return Ok(Ok(appointment));
            }
            Err(Refused::Desk(refusal)) => return Ok(Err(refusal)),
            Err(Refused::NewCodes) => continue,
        }
    }
}

/// The booking `id`, if it may still be moved.
fn movable(snapshot: &Snapshot) -> Result<&Booking, DeskRefusal> {
    let booking = snapshot
        .appointment
        .as_ref()
        .ok_or_else(|| DeskRefusal::not_found("appointment"))?;
    if booking.appointment.cancelled.is_some() {
        return Err(DeskRefusal::code(409, ErrorCode::AppointmentCancelled));
    }
    if booking.appointment.ticket.is_some() {
        return Err(DeskRefusal::code(409, ErrorCode::AlreadyCheckedIn));
    }
    Ok(booking)
}

/// Moves the booking `id` of `clinic` to `to` for a node's desk, by `actor`, by the
/// rule a desk booking follows (its own place not counted, no overbooking: that is a
/// new booking); the code stays.
pub async fn move_desk(
    storage: &(impl Storage + AuthorStorage),
    clinic: ClinicId,
    actor: Actor,
    id: AppointmentId,
    to: MoveAppointment,
    now_ms: i64,
) -> Result<Result<Appointment, DeskRefusal>, StorageError> {
    let found = AuthorRead {
        appointment: Some(id),
        ..AuthorRead::default()
    };
    let snapshot = storage.snapshot(clinic, found).await?;
    let service = match movable(&snapshot) {
        Ok(booking) => booking.appointment.appointment.service.clone(),
        Err(refusal) => return Ok(Err(refusal)),
    };
    let read = AuthorRead {
        service: Some(service),
        days: Some((to.date, to.date)),
        appointment: Some(id),
        codes: Vec::new(),
    };
    let moved = storage
        .author(clinic, read, now_ms, move |snapshot| {
            let booking = movable(snapshot)?;
            let service = service_of(snapshot)?;
            let wanted = Wanted {
                date: to.date,
                start: to.slot_start,
                moving: Some(id),
                confirm_overbooking: false,
            };
            let (fill, _) = desk_place(snapshot, service, wanted, now_ms)?;
            let mut appointment = booking.appointment.appointment.clone();
            appointment.date = to.date;
            appointment.slot_start = fill.start;
            Ok(Decision {
                actor,
                bodies: vec![EventBody::AppointmentMoved {
                    id,
                    date: to.date,
                    slot_start: fill.start,
                }],
                value: appointment,
            })
        })
        .await?;
    if moved.is_ok() {
        tracing::info!(%clinic, appointment = %id, "moved at a desk");
    }
    Ok(moved)
}

/// What a node's desk asked of the cloud, the clinic's booking authority: the booking
/// or the move, or the refusal its own desk would get.
pub async fn desk_booking(
    storage: &(impl Storage + AuthorStorage),
    clinic: ClinicId,
    asked: DeskBooking,
    now_ms: i64,
) -> Result<DeskAnswer, StorageError> {
    let outcome = match asked {
        DeskBooking::Book {
            actor,
            request,
            named,
        } => book_desk(storage, clinic, actor, request, named, now_ms).await?,
        DeskBooking::Move { actor, id, to } => {
            move_desk(storage, clinic, actor, id, to, now_ms).await?
        }
    };
    Ok(match outcome {
        Ok(appointment) => DeskAnswer::Booked(Box::new(appointment)),
        Err(refusal) => refusal.into(),
    })
}

/// As the clinic's booking authority: escrows desk places of `ask`'s service and day
/// to its node until it holds `places` in slots ahead — by the rule a node that is the
/// authority follows ([`schedule::reserve_slots`]: the freest slots, one a slot, never
/// beyond the desk's free places) — each a `desk_reserve_set` in the clinic's cloud
/// origin; its unused reserves ahead.
pub async fn escrow_desk_places(
    storage: &(impl Storage + AuthorStorage),
    clinic: ClinicId,
    ask: ReserveAsk,
    places: u16,
    now_ms: i64,
) -> Result<Vec<DeskReserve>, StorageError> {
    let read = AuthorRead {
        service: Some(ask.service.clone()),
        days: Some((ask.date, ask.date)),
        ..AuthorRead::default()
    };
    let reserves = storage
        .author(clinic, read, now_ms, move |snapshot| {
            let now = local_now(now_ms, snapshot.time_zone);
            let mut mine: Vec<DeskReserve> = snapshot
                .reserves
                .iter()
                .filter(|r| r.holder == ask.holder && r.used_by.is_none() && r.date == ask.date)
                .filter(|r| ask.date.and_time(r.slot_start) >= now - Duration::minutes(1))
                .cloned()
                .collect();
            let wanted = usize::from(places).saturating_sub(mine.len());
            let service = match &snapshot.service {
                Some(s)
                    if wanted > 0
                        && s.active
                        && s.schedule.is_some()
                        && snapshot.clinic.is_some() =>
                {
                    s
                }
                _ => {
                    return Ok::<_, std::convert::Infallible>(Decision {
                        actor: ACTOR,
                        bodies: Vec::new(),
                        value: mine,
                    });
                }
            };
            let taken: Vec<_> = mine.iter().map(|r| r.slot_start).collect();
            let fills = schedule::fill(
                &service.schedule(),
                ask.date,
                now,
                &held(snapshot, ask.date, None),
            );
            let open: Vec<_> = fills
                .into_iter()
                .filter(|f| !taken.contains(&f.start))
                .collect();
            let mut bodies = Vec::new();
            for start in schedule::reserve_slots(&open, wanted) {
                let reserve = DeskReserve {
                    id: ReserveId::random(),
                    holder: ask.holder,
                    service: service.code.clone(),
                    date: ask.date,
                    slot_start: start,
                    used_by: None,
                };
                bodies.push(EventBody::DeskReserveSet(reserve.clone()));
                mine.push(reserve);
            }
            Ok(Decision {
                actor: ACTOR,
                bodies,
                value: mine,
            })
        })
        .await?;
    Ok(reserves.unwrap_or_else(|never| match never {}))
}
