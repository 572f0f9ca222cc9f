//! Online booking: a patient books a time at a clinic of the chain, and the booking
//! reaches the clinic's nodes as any event does, so the kiosk checks it in by its code
//! even while the clinic's internet is down.
//!
//! Each write is one [`AuthorStorage::author`] in the clinic's cloud origin
//! ([`crate::author`]): under the origin's lock, the clinic's schedule and the live
//! bookings of the service and day are read, and the one capacity rule decides
//! ([`schedule::may_book`] with [`Channel::Online`]: the online share only, never the
//! desk's). A booking writes a `patient_set` and an `appointment_booked` (`channel:
//! online`), a cancellation an `appointment_cancelled`, a move an `appointment_moved`.
//! These functions are the booking itself, for the public routes ([`http`]) and any
//! other caller (another API's `$book`): they take the storage and the time.
//!
//! A booking is found again by its code and the phone number it was made with
//! ([`lookup`]): an unknown code and a wrong number are the same answer, and the numbers
//! are compared as SHA-256 digests of their normal form, so the time taken says nothing
//! of where they differ.

pub mod desk;
pub mod files;
pub mod http;
mod model;

pub use model::{
    Booked, BookingError, BookingRequest, BookingStatus, BookingView, OpenSlot, PublicClinic,
    PublicService,
};

use crate::author::{AuthorRead, Booking, Decision, Snapshot};
use crate::storage::{AuthorStorage, ClinicEntry, Storage};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use medicloud_core::appointment::{self, CODE_ALPHABET, CODE_LENGTH};
use medicloud_core::domain::{Appointment, Patient, PatientInput, Service, ServiceCode};
use medicloud_core::event::EventBody;
use medicloud_core::ids::{AppointmentId, ClinicId, PatientId};
use medicloud_core::schedule::{self, Channel, Held, SlotFill, SlotRefusal};
use medicloud_core::validate::{self, Rule, ValidationError};
use sha2::{Digest, Sha256};

/// How many days ahead a patient may book (today is day 0).
pub const DAYS_AHEAD: u32 = 60;

/// The reason an online cancellation gives, as the desk's list and trail show it.
pub const CANCEL_REASON: &str = "dibatalkan pasien secara online";

/// Candidate codes tried in one write; all of them taken by live bookings of one clinic
/// (of some 244 million) means another write with new ones.
const CANDIDATES: usize = 8;

/// What a write's check refuses: a refusal to answer, or another try with new codes.
enum Refused {
    Booking(BookingError),
    NewCodes,
}

impl From<BookingError> for Refused {
    fn from(e: BookingError) -> Self {
        Refused::Booking(e)
    }
}

/// Whether `service` takes online bookings: active, with a schedule of hours and
/// online places.
pub fn takes_online(service: &Service) -> bool {
    service.active
        && service
            .schedule
            .as_ref()
            .is_some_and(|s| s.online_places > 0 && !s.hours.is_empty())
}

/// The clinic's wall clock at `now_ms`.
fn local_now(now_ms: i64, zone: chrono_tz::Tz) -> NaiveDateTime {
    DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .naive_local()
}

/// The days any clinic's local date of `start` may be (offsets are within a day).
fn days_around(start: DateTime<FixedOffset>) -> (NaiveDate, NaiveDate) {
    let utc = start.naive_utc().date();
    (utc.pred_opt().unwrap_or(utc), utc.succ_opt().unwrap_or(utc))
}

/// A day a patient may ask about: at most [`DAYS_AHEAD`] after the clinic's today.
fn within_reach(day: NaiveDate, today: NaiveDate) -> Result<(), ValidationError> {
    if day > today + Duration::days(i64::from(DAYS_AHEAD)) {
        let rule = Rule::DaysAhead { max: DAYS_AHEAD };
        return Err(ValidationError::new("date", rule));
    }
    Ok(())
}

/// The clinic and its service that takes online bookings, from a snapshot.
fn bookable(snapshot: &Snapshot) -> Result<(&ClinicEntry, &Service), BookingError> {
    let clinic = snapshot
        .clinic
        .as_ref()
        .ok_or(BookingError::NotFound("clinic"))?;
    let service = snapshot
        .service
        .as_ref()
        .filter(|s| takes_online(s))
        .ok_or(BookingError::NotFound("service"))?;
    Ok((clinic, service))
}

/// The slot of `service` that `start` names, if the online share has a place in it, by
/// the capacity rule (the live bookings but `moving` counted): its day and fill.
fn place(
    snapshot: &Snapshot,
    service: &Service,
    start: DateTime<FixedOffset>,
    now_ms: i64,
    moving: Option<AppointmentId>,
) -> Result<(NaiveDate, SlotFill), BookingError> {
    let zone = snapshot.time_zone;
    let local = start.with_timezone(&zone).naive_local();
    let (day, time) = (local.date(), local.time());
    let now = local_now(now_ms, zone);
    within_reach(day, now.date())
        .map_err(|_| ValidationError::new("start", Rule::DaysAhead { max: DAYS_AHEAD }))?;
    let not_in_schedule = || ValidationError::new("start", Rule::NotInSchedule);
    if time.second() != 0 || time.nanosecond() != 0 {
        return Err(not_in_schedule().into());
    }
    let held: Vec<Held> = snapshot
        .live
        .iter()
        .filter(|a| a.date == day && Some(a.id) != moving)
        .map(Held::of)
        .collect();
    let refused = |refusal| match refusal {
        SlotRefusal::NotInSchedule => BookingError::from(not_in_schedule()),
        SlotRefusal::Past => ValidationError::new("start", Rule::TimePassed).into(),
        SlotRefusal::Full { places } => BookingError::SlotFull { places },
    };
    let fill = schedule::slot_fill(&service.schedule(), day, time, now, &held).map_err(refused)?;
    schedule::may_book(&fill, Channel::Online, false).map_err(refused)?;
    Ok((day, fill))
}

/// The instants of a slot of `minutes` at `day` `start` in `zone`.
fn placed(
    zone: chrono_tz::Tz,
    day: NaiveDate,
    start: NaiveTime,
    minutes: u16,
) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
    let begins = schedule::instant(zone, day, start)
        .unwrap_or_else(|| day.and_time(start).and_utc().fixed_offset());
    let ends = (begins + Duration::minutes(i64::from(minutes)))
        .with_timezone(&zone)
        .fixed_offset();
    (begins, ends)
}

fn booked(
    clinic: &ClinicEntry,
    service: &Service,
    appointment: Appointment,
    zone: chrono_tz::Tz,
) -> Booked {
    let (start, end) = placed(
        zone,
        appointment.date,
        appointment.slot_start,
        appointment.slot_minutes,
    );
    Booked {
        clinic: clinic.clone(),
        appointment,
        service: service.clone(),
        start,
        end,
    }
}

/// The patient of a request, validated (a name and a phone number required here).
fn patient_of(request: &BookingRequest, today: NaiveDate) -> Result<Patient, ValidationError> {
    let input = PatientInput {
        name: Some(request.name.clone()),
        nik: request.nik.clone().filter(|n| !n.trim().is_empty()),
        bpjs_number: request.bpjs.clone().filter(|n| !n.trim().is_empty()),
        phone: Some(request.phone.clone()),
        birth_date: None,
    };
    input.validate(PatientId::random(), today).map_err(|e| {
        // The request calls the BPJS number `bpjs`.
        if e.field == "bpjs_number" {
            ValidationError::new("bpjs", e.rule)
        } else {
            e
        }
    })
}

/// New candidate codes.
fn candidates() -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..CANDIDATES)
        .map(|_| appointment::booking_code(|n| rng.gen_range(0..n)))
        .collect()
}

/// Books `request` at `now_ms`: the patient's record and the appointment, in the
/// clinic's cloud origin, if the slot's online share has a place (else
/// [`BookingError::SlotFull`]); the code is unique among the clinic's live bookings.
pub async fn book_online(
    storage: &(impl Storage + AuthorStorage),
    request: BookingRequest,
    now_ms: i64,
) -> Result<Booked, BookingError> {
    let today = DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .date_naive();
    let patient = patient_of(&request, today)?;
    loop {
        let read = AuthorRead {
            service: Some(request.service.clone()),
            days: Some(days_around(request.start)),
            appointment: None,
            codes: candidates(),
        };
        let (request, patient) = (request.clone(), patient.clone());
        let codes = read.codes.clone();
        let outcome = storage
            .author(request.clinic, read, now_ms, move |snapshot| {
                let (clinic, service) = bookable(snapshot)?;
                let (day, fill) = place(snapshot, service, request.start, now_ms, None)?;
                let code = codes
                    .into_iter()
                    .find(|c| !snapshot.taken.contains(c))
                    .ok_or(Refused::NewCodes)?;
                let appointment = Appointment {
                    id: AppointmentId::random(),
                    code,
                    patient: Some(patient.id),
                    service: service.code.clone(),
                    date: day,
                    slot_start: fill.start,
                    slot_minutes: service.schedule().slot_minutes,
                    channel: Channel::Online,
                    overbooked: false,
                    consent_messages: request.consent_messages,
                };
                let value = booked(clinic, service, appointment.clone(), snapshot.time_zone);
                Ok(Decision {
                    actor: crate::author::ACTOR,
                    bodies: vec![
                        EventBody::PatientSet(patient),
                        EventBody::AppointmentBooked(appointment),
                    ],
                    value,
                })
            })
            .await?;
        match outcome {
            Ok(booked) => {
                tracing::info!(
                    clinic = %booked.clinic.id,
                    appointment = %booked.appointment.id,
                    "booked online"
                );
                return Ok(booked);
            }
            Err(Refused::Booking(e)) => return Err(e),
            Err(Refused::NewCodes) => continue,
        }
    }
}

/// Whether the booking's patient has the phone number `phone` (normalised): their
/// SHA-256 digests compared, so the time taken says nothing of where they differ.
fn same_phone(booking: &Booking, phone: &str) -> bool {
    let on_record = booking
        .patient
        .as_ref()
        .and_then(|p| p.phone.as_deref())
        .unwrap_or("");
    Sha256::digest(on_record.as_bytes()) == Sha256::digest(phone.as_bytes())
        && !on_record.is_empty()
}

/// The view of the booking a snapshot read.
fn view_of(snapshot: &Snapshot, booking: &Booking) -> Result<BookingView, BookingError> {
    let clinic = snapshot
        .clinic
        .as_ref()
        .ok_or(BookingError::NotFound("clinic"))?;
    let a = &booking.appointment.appointment;
    let (start, end) = placed(snapshot.time_zone, a.date, a.slot_start, a.slot_minutes);
    let status = match (&booking.appointment.cancelled, booking.appointment.ticket) {
        (Some(_), _) => BookingStatus::Cancelled,
        (None, Some(_)) => BookingStatus::CheckedIn,
        (None, None) => BookingStatus::Booked,
    };
    let (name_id, name_en) = snapshot.service.as_ref().map_or_else(
        || (a.service.to_string(), a.service.to_string()),
        |s| (s.name_id.clone(), s.name_en.clone()),
    );
    Ok(BookingView {
        code: a.code.clone(),
        clinic: clinic.id,
        clinic_name: clinic.name.clone(),
        service: a.service.clone(),
        service_name_id: name_id,
        service_name_en: name_en,
        start,
        end,
        status,
    })
}

/// A booking found by code and phone number.
struct Found {
    clinic: ClinicId,
    appointment: AppointmentId,
    service: ServiceCode,
    phone: String,
    view: BookingView,
}

/// Whether `code` (normalised) could be a booking code at all.
fn well_formed(code: &str) -> bool {
    code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// The online booking of `code` whose patient has `phone`, as it stands.
async fn find(
    storage: &(impl Storage + AuthorStorage),
    code: &str,
    phone: &str,
) -> Result<Found, BookingError> {
    let phone = validate::phone(phone)?;
    let code = appointment::normalise_code(code);
    let not_found = BookingError::NotFound("booking");
    if !well_formed(&code) {
        return Err(not_found);
    }
    for (clinic, id) in storage.booking_codes(&code).await? {
        let read = AuthorRead {
            appointment: Some(id),
            ..AuthorRead::default()
        };
        let snapshot = storage.snapshot(clinic, read).await?;
        let Some(booking) = snapshot.appointment.as_ref() else {
            continue;
        };
        if same_phone(booking, &phone) {
            return Ok(Found {
                clinic,
                appointment: id,
                service: booking.appointment.appointment.service.clone(),
                view: view_of(&snapshot, booking)?,
                phone,
            });
        }
    }
    Err(not_found)
}

/// The online booking of `code`, when `phone` is the number it was made with; an
/// unknown code and another number are both [`BookingError::NotFound`] `"booking"`.
pub async fn lookup(
    storage: &(impl Storage + AuthorStorage),
    code: &str,
    phone: &str,
) -> Result<BookingView, BookingError> {
    Ok(find(storage, code, phone).await?.view)
}

/// The booking a write read, when it is still the patient's to change: found, with
/// that phone number (when one is asked for), not cancelled, not checked in.
fn changeable<'a>(
    snapshot: &'a Snapshot,
    phone: Option<&str>,
) -> Result<&'a Booking, BookingError> {
    let booking = snapshot
        .appointment
        .as_ref()
        .filter(|b| phone.is_none_or(|phone| same_phone(b, phone)))
        .ok_or(BookingError::NotFound("booking"))?;
    if booking.appointment.cancelled.is_some() {
        return Err(BookingError::Cancelled);
    }
    if booking.appointment.ticket.is_some() {
        return Err(BookingError::AlreadyCheckedIn);
    }
    Ok(booking)
}

/// Cancels the online booking of `code` made with `phone` at `now_ms`, freeing its
/// place: the booking as it now stands (`cancelled`).
pub async fn cancel_online(
    storage: &(impl Storage + AuthorStorage),
    code: &str,
    phone: &str,
    now_ms: i64,
) -> Result<BookingView, BookingError> {
    let found = find(storage, code, phone).await?;
    let cancel = Cancel {
        clinic: found.clinic,
        appointment: found.appointment,
        service: Some(found.service),
        phone: Some(found.phone),
        reason: CANCEL_REASON.into(),
    };
    let view = cancel_in(storage, cancel, now_ms).await?;
    tracing::info!(clinic = %found.clinic, appointment = %found.appointment, "cancelled online");
    Ok(view)
}

/// Cancels the appointment `id` of `clinic` at `now_ms` for another system of the chain
/// (an EHR's FHIR cancellation, which names the appointment, not its code and phone
/// number), giving `reason`, freeing its place whichever share it was booked from: the
/// booking as it now stands (`cancelled`). One cancelled already is
/// [`BookingError::Cancelled`], one checked in [`BookingError::AlreadyCheckedIn`], and
/// an unknown id [`BookingError::NotFound`] `"booking"`; none of them writes anything.
pub async fn cancel_by_id(
    storage: &(impl Storage + AuthorStorage),
    clinic: ClinicId,
    id: AppointmentId,
    reason: String,
    now_ms: i64,
) -> Result<BookingView, BookingError> {
    let cancel = Cancel {
        clinic,
        appointment: id,
        service: None,
        phone: None,
        reason,
    };
    let view = cancel_in(storage, cancel, now_ms).await?;
    tracing::info!(clinic = %clinic, appointment = %id, "cancelled by an API client");
    Ok(view)
}

/// A cancellation to write.
struct Cancel {
    clinic: ClinicId,
    appointment: AppointmentId,
    /// The booking's service, when known (else the appointment's is read).
    service: Option<ServiceCode>,
    /// The phone number the booking must have been made with, when the patient asks.
    phone: Option<String>,
    reason: String,
}

/// Writes `cancel` when the booking is still changeable: the booking as it now stands.
async fn cancel_in(
    storage: &(impl Storage + AuthorStorage),
    cancel: Cancel,
    now_ms: i64,
) -> Result<BookingView, BookingError> {
    let read = AuthorRead {
        service: cancel.service,
        appointment: Some(cancel.appointment),
        ..AuthorRead::default()
    };
    let (id, phone, reason) = (cancel.appointment, cancel.phone, cancel.reason);
    storage
        .author(cancel.clinic, read, now_ms, move |snapshot| {
            let booking = changeable(snapshot, phone.as_deref())?;
            let mut view = view_of(snapshot, booking)?;
            view.status = BookingStatus::Cancelled;
            Ok::<_, BookingError>(Decision {
                actor: crate::author::ACTOR,
                bodies: vec![EventBody::AppointmentCancelled {
                    id,
                    reason: Some(reason),
                }],
                value: view,
            })
        })
        .await?
}

/// Moves the online booking of `code` made with `phone` to the slot at `start`, by the
/// rule a booking follows (its own place not counted); the code stays.
pub async fn move_online(
    storage: &(impl Storage + AuthorStorage),
    code: &str,
    phone: &str,
    start: DateTime<FixedOffset>,
    now_ms: i64,
) -> Result<Booked, BookingError> {
    let found = find(storage, code, phone).await?;
    let read = AuthorRead {
        service: Some(found.service),
        days: Some(days_around(start)),
        appointment: Some(found.appointment),
        codes: Vec::new(),
    };
    let (id, phone) = (found.appointment, found.phone);
    let booked = storage
        .author(found.clinic, read, now_ms, move |snapshot| {
            let booking = changeable(snapshot, Some(&phone))?;
            let (clinic, service) = bookable(snapshot)?;
            let (day, fill) = place(snapshot, service, start, now_ms, Some(id))?;
            let mut appointment = booking.appointment.appointment.clone();
            appointment.date = day;
            appointment.slot_start = fill.start;
            Ok::<_, BookingError>(Decision {
                actor: crate::author::ACTOR,
                bodies: vec![EventBody::AppointmentMoved {
                    id,
                    date: day,
                    slot_start: fill.start,
                }],
                value: booked(clinic, service, appointment, snapshot.time_zone),
            })
        })
        .await??;
    tracing::info!(clinic = %found.clinic, appointment = %id, "moved online");
    Ok(booked)
}

/// The slots of `service` at `clinic` on `day` a patient may still book at `now_ms`,
/// with their free online places (a full one too, with 0); none on a day it is
/// closed. A day more than [`DAYS_AHEAD`] ahead is refused.
pub async fn open_slots(
    storage: &(impl Storage + AuthorStorage),
    clinic: ClinicId,
    service: &ServiceCode,
    day: NaiveDate,
    now_ms: i64,
) -> Result<Vec<OpenSlot>, BookingError> {
    let read = AuthorRead {
        service: Some(service.clone()),
        days: Some((day, day)),
        ..AuthorRead::default()
    };
    let snapshot = storage.snapshot(clinic, read).await?;
    let (_, service) = bookable(&snapshot)?;
    let zone = snapshot.time_zone;
    let now = local_now(now_ms, zone);
    within_reach(day, now.date())?;
    let held: Vec<Held> = snapshot.live.iter().map(Held::of).collect();
    let schedule = service.schedule();
    let open: Vec<SlotFill> = schedule::fill(&schedule, day, now, &held)
        .into_iter()
        .filter(|s| !s.outside_schedule && !s.past)
        .collect();
    let slots: Vec<schedule::Slot> = open
        .iter()
        .map(|f| schedule::Slot {
            start: f.start,
            end: f.end,
            places: f.places,
            online_places: f.online_places,
        })
        .collect();
    Ok(schedule::zoned(&slots, zone, day)
        .into_iter()
        .filter_map(|z| {
            let fill = open.iter().find(|f| f.start == z.slot.start)?;
            Some(OpenSlot {
                start: z.start,
                end: z.end,
                free: fill.free_online,
            })
        })
        .collect())
}

/// Every clinic that takes online bookings, by name, with those services.
pub async fn bookable_clinics(
    storage: &(impl Storage + AuthorStorage),
) -> Result<Vec<PublicClinic>, BookingError> {
    let services = storage.services_of_clinics().await?;
    let clinics = storage.clinic_list(None).await?;
    Ok(clinics
        .into_iter()
        .filter_map(|c| {
            let offered: Vec<PublicService> = services
                .iter()
                .filter(|(clinic, s)| *clinic == c.id && takes_online(s))
                .map(|(_, s)| PublicService {
                    code: s.code.clone(),
                    name_id: s.name_id.clone(),
                    name_en: s.name_en.clone(),
                })
                .collect();
            (!offered.is_empty()).then_some(PublicClinic {
                id: c.id,
                name: c.name,
                time_zone: c.time_zone,
                services: offered,
            })
        })
        .collect())
}

/// The booking of `code` (its appointment's id, and where it stands) for its calendar
/// file and QR code, which ask for no phone number and say no more than the code
/// does: the live one when the code names several clinics' bookings.
pub async fn by_code(
    storage: &(impl Storage + AuthorStorage),
    code: &str,
) -> Result<(AppointmentId, BookingView), BookingError> {
    let code = appointment::normalise_code(code);
    if !well_formed(&code) {
        return Err(BookingError::NotFound("booking"));
    }
    let mut found = None;
    for (clinic, id) in storage.booking_codes(&code).await? {
        let read = AuthorRead {
            appointment: Some(id),
            ..AuthorRead::default()
        };
        let snapshot = storage.snapshot(clinic, read).await?;
        if let Some(booking) = &snapshot.appointment {
            let view = view_of(&snapshot, booking)?;
            let live = view.status != BookingStatus::Cancelled;
            found = Some((id, view));
            if live {
                break;
            }
        }
    }
    found.ok_or(BookingError::NotFound("booking"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_that_cannot_be_a_booking_code_are_known_without_asking_the_database() {
        assert!(well_formed("K7M3QX"));
        for bad in ["", "K7M3Q", "K7M3QXX", "K7M3Q0", "{CODE}"] {
            assert!(!well_formed(&appointment::normalise_code(bad)), "{bad}");
        }
    }

    #[test]
    fn a_day_more_than_sixty_days_ahead_is_out_of_reach() {
        let today: NaiveDate = "2026-12-06".parse().unwrap();
        assert!(within_reach(today + Duration::days(60), today).is_ok());
        let err = within_reach(today + Duration::days(61), today).unwrap_err();
        assert_eq!(err.rule, Rule::DaysAhead { max: 60 });
    }
}
