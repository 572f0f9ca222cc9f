//! The resources as this API shows them, made from the cloud's projections: Schedule
//! (a service's schedule), Slot (one slot of it, placed in time, with its fill) and
//! Appointment (a booking, as it stands).
//!
//! Times are RFC 3339 to the second with the clinic's offset (`+07:00` in WIB), as
//! SMART Scheduling Links asks.

use super::{SERVICE_TYPE_SYSTEM, Site};
use crate::booking;
use crate::fhir::{BOOKING_CODE_SYSTEM, ids};
use crate::storage::scheduling::AppointmentRecord;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat};
use medicloud_core::domain::{Appointment, Service, ServiceCode};
use medicloud_core::ids::ClinicId;
use medicloud_core::schedule::{self, Held, SlotFill};
use medicloud_core::ticket::TicketStatus;
use serde_json::{Value, json};

/// SMART Scheduling Links' capacity extension: on a Slot, the online places still free.
pub const CAPACITY_EXTENSION: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";

/// `t` as the resources write times.
pub fn time(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A service's `serviceType`: its code in [`SERVICE_TYPE_SYSTEM`], its names.
pub fn service_type(service: &Service) -> Value {
    json!([{
        "coding": [{
            "system": SERVICE_TYPE_SYSTEM,
            "code": service.code.as_str(),
            "display": service.name_en,
        }],
        "text": service.name_id,
    }])
}

/// The `serviceType` of a service the clinic no longer has: its code alone.
fn bare_service_type(code: &ServiceCode) -> Value {
    json!([{"coding": [{"system": SERVICE_TYPE_SYSTEM, "code": code.as_str()}]}])
}

fn reference(kind: &str, id: &str, display: Option<&str>) -> Value {
    let mut r = json!({"reference": format!("{kind}/{id}")});
    if let Some(display) = display {
        r["display"] = json!(display);
    }
    r
}

/// The HealthcareService of `service` at `site`.
fn healthcare_service(site: &Site, service: &Service) -> Value {
    reference(
        "HealthcareService",
        &ids::service(site.id(), &service.code),
        Some(&service.name_id),
    )
}

/// The Location of `site`.
fn location(site: &Site) -> Value {
    reference("Location", &site.id().to_string(), Some(&site.entry.name))
}

/// The Schedule of `service` at `site` at `now_ms`.
pub fn schedule(site: &Site, service: &Service, now_ms: i64) -> Value {
    let plan = service.schedule();
    let mut actor = vec![healthcare_service(site, service), location(site)];
    if let Some(staff) = plan.practitioner {
        actor.push(reference("Practitioner", &staff.to_string(), None));
    }
    let (today, last) = site.horizon(now_ms);
    let at = |day: NaiveDate| time(site.midnight(day).with_timezone(&site.zone).fixed_offset());
    let kept = plan.places_per_slot - plan.online_places.min(plan.places_per_slot);
    json!({
        "resourceType": "Schedule",
        "id": ids::service(site.id(), &service.code),
        "active": service.active,
        "serviceType": service_type(service),
        "actor": actor,
        "planningHorizon": {"start": at(today), "end": at(last + Duration::days(1))},
        "comment": format!(
            "{}-minute slots of {} places: {} bookable online, {kept} kept for the clinic's desk",
            plan.slot_minutes, plan.places_per_slot, plan.online_places
        ),
    })
}

/// A Slot's id: `{clinic}.{service}.{YYYYMMDDTHHMM}` (its clinic-local start).
pub fn slot_id(clinic: ClinicId, service: &ServiceCode, at: NaiveDateTime) -> String {
    format!(
        "{}.{}",
        ids::service(clinic, service),
        at.format("%Y%m%dT%H%M")
    )
}

/// The clinic, service and clinic-local start a Slot's id names.
pub fn parse_slot_id(id: &str) -> Option<(ClinicId, ServiceCode, NaiveDateTime)> {
    let (service, start) = id.rsplit_once('.')?;
    let (clinic, service) = ids::parse_service(service)?;
    let start = NaiveDateTime::parse_from_str(start, "%Y%m%dT%H%M").ok()?;
    Some((clinic, service, start))
}

/// One slot of a service, placed in time, with its fill.
#[derive(Clone, Debug)]
pub struct Placed<'a> {
    /// Its clinic.
    pub site: &'a Site,
    /// Its service.
    pub service: &'a Service,
    /// Its clinic-local day.
    pub day: NaiveDate,
    /// How full it is.
    pub fill: SlotFill,
    /// Its start, with the clinic's offset.
    pub start: DateTime<FixedOffset>,
    /// Its end.
    pub end: DateTime<FixedOffset>,
}

impl Placed<'_> {
    /// Where it comes in a list: by start, then clinic, service and slot (its id's
    /// order, without making the id).
    pub fn order(&self) -> (DateTime<FixedOffset>, ClinicId, &str, NaiveDateTime) {
        (
            self.start,
            self.site.id(),
            self.service.code.as_str(),
            self.day.and_time(self.fill.start),
        )
    }

    /// Its id.
    pub fn id(&self) -> String {
        slot_id(
            self.site.id(),
            &self.service.code,
            self.day.and_time(self.fill.start),
        )
    }

    /// Whether another system may book it: the service takes online bookings, it has
    /// not begun, and its online share has a place.
    pub fn free(&self) -> bool {
        booking::takes_online(self.service) && !self.fill.past && self.fill.free_online > 0
    }

    /// Its Slot status: `free` ([`Placed::free`]), `busy-unavailable` once begun, else
    /// `busy` (every online place booked, or nothing offered online).
    pub fn status(&self) -> &'static str {
        if self.fill.past {
            "busy-unavailable"
        } else if self.free() {
            "free"
        } else {
            "busy"
        }
    }

    /// The online places still free (0 when it is not [`Placed::free`]).
    pub fn free_places(&self) -> u16 {
        if self.free() {
            self.fill.free_online
        } else {
            0
        }
    }

    /// The Slot resource.
    pub fn slot(&self) -> Value {
        let online = self.fill.online_places;
        json!({
            "resourceType": "Slot",
            "id": self.id(),
            "extension": [{"url": CAPACITY_EXTENSION, "valueInteger": self.free_places()}],
            "serviceType": service_type(self.service),
            "schedule": {"reference": format!("Schedule/{}", ids::service(self.site.id(), &self.service.code))},
            "status": self.status(),
            "start": time(self.start),
            "end": time(self.end),
            "comment": format!(
                "{} of {online} online places free; the other {} places are the clinic's desk's",
                self.free_places(),
                self.fill.places.saturating_sub(online)
            ),
        })
    }

    /// The `proposed` Appointment that books it (what `$find` answers).
    pub fn proposed(&self) -> Value {
        json!({
            "resourceType": "Appointment",
            "status": "proposed",
            "serviceType": service_type(self.service),
            "start": time(self.start),
            "end": time(self.end),
            "minutesDuration": (self.end - self.start).num_minutes(),
            "slot": [{"reference": format!("Slot/{}", self.id())}],
            "participant": [
                {"actor": healthcare_service(self.site, self.service), "status": "needs-action"},
                {"actor": location(self.site), "status": "needs-action"},
            ],
        })
    }
}

/// The slots of `service` at `site` on the days `first..=last` at `now_ms`, with their
/// fill by the clinic's `live` appointments (of any service; those of this one count),
/// in time order. Only times of the schedule: a booking the schedule no longer has
/// keeps its time and is no Slot.
pub fn place<'a>(
    site: &'a Site,
    service: &'a Service,
    (first, last): (NaiveDate, NaiveDate),
    live: &[Appointment],
    now_ms: i64,
) -> Vec<Placed<'a>> {
    let Some(plan) = &service.schedule else {
        return Vec::new();
    };
    let now = DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&site.zone)
        .naive_local();
    let mine: Vec<&Appointment> = live.iter().filter(|a| a.service == service.code).collect();
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let held: Vec<Held> = mine
            .iter()
            .filter(|a| a.date == day)
            .map(|a| Held::of(a))
            .collect();
        for fill in schedule::fill(plan, day, now, &held) {
            if fill.outside_schedule {
                continue;
            }
            let Some(start) = schedule::instant(site.zone, day, fill.start) else {
                continue;
            };
            let length = Duration::minutes(i64::from(plan.slot_minutes));
            let end = (start + length).with_timezone(&site.zone).fixed_offset();
            out.push(Placed {
                site,
                service,
                day,
                fill,
                start,
                end,
            });
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// An Appointment's status at `now_ms`: `cancelled` when it was (or its ticket was
/// withdrawn); by its ticket when checked in: `arrived` while waiting, called or
/// served, `fulfilled` once done (or sent on to another service), `noshow` when the
/// ticket was marked so; not checked in, `booked` until the clinic's day of it is over,
/// then `noshow`.
pub fn status(record: &AppointmentRecord, site: &Site, now_ms: i64) -> &'static str {
    if record.appointment.cancelled.is_some() {
        return "cancelled";
    }
    match record.ticket_status {
        Some(TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving) => "arrived",
        Some(TicketStatus::Done | TicketStatus::Transferred) => "fulfilled",
        Some(TicketStatus::NoShow) => "noshow",
        Some(TicketStatus::Cancelled) => "cancelled",
        None if record.appointment.appointment.date < site.today(now_ms) => "noshow",
        None => "booked",
    }
}

/// Where an appointment's slot is: its start and end with the clinic's offset.
pub fn when(site: &Site, a: &Appointment) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
    let start = schedule::instant(site.zone, a.date, a.slot_start)
        .unwrap_or_else(|| a.date.and_time(a.slot_start).and_utc().fixed_offset());
    let end = (start + Duration::minutes(i64::from(a.slot_minutes)))
        .with_timezone(&site.zone)
        .fixed_offset();
    (start, end)
}

/// The Appointment resource of `record` at `site` at `now_ms`.
pub fn appointment(site: &Site, record: &AppointmentRecord, now_ms: i64) -> Value {
    let a = &record.appointment.appointment;
    let (start, end) = when(site, a);
    let service = site.service(&a.service);
    let mut participant = Vec::new();
    if let Some(patient) = a.patient {
        participant.push(json!({
            "actor": {"reference": format!("Patient/{patient}")},
            "status": "accepted",
        }));
    }
    let service_actor = match service {
        Some(service) => healthcare_service(site, service),
        None => reference(
            "HealthcareService",
            &ids::service(site.id(), &a.service),
            None,
        ),
    };
    participant.push(json!({"actor": service_actor, "status": "accepted"}));
    participant.push(json!({"actor": location(site), "status": "accepted"}));
    let mut resource = json!({
        "resourceType": "Appointment",
        "id": a.id.to_string(),
        "identifier": [{"system": BOOKING_CODE_SYSTEM, "value": a.code}],
        "status": status(record, site, now_ms),
        "serviceType": service.map_or_else(|| bare_service_type(&a.service), service_type),
        "start": time(start),
        "end": time(end),
        "minutesDuration": a.slot_minutes,
        "participant": participant,
    });
    // The Slot it takes, when the schedule still has that time.
    if service
        .and_then(|s| s.schedule.as_ref())
        .is_some_and(|plan| plan.slot_at(a.date, a.slot_start).is_some())
    {
        let id = slot_id(site.id(), &a.service, a.date.and_time(minute(a.slot_start)));
        resource["slot"] = json!([{"reference": format!("Slot/{id}")}]);
    }
    if let Some(reason) = record
        .appointment
        .cancelled
        .as_deref()
        .filter(|r| !r.is_empty())
    {
        resource["cancelationReason"] = json!({"text": reason});
    }
    resource
}

fn minute(t: NaiveTime) -> NaiveTime {
    NaiveTime::from_hms_opt(chrono::Timelike::hour(&t), chrono::Timelike::minute(&t), 0)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_id_names_its_clinic_service_and_local_start() {
        let clinic = ClinicId::random();
        let service = ServiceCode::parse("A").unwrap();
        let at: NaiveDateTime = "2026-12-07T09:15:00".parse().unwrap();
        let id = slot_id(clinic, &service, at);
        assert_eq!(id, format!("{clinic}.A.20261207T0915"));
        assert!(ids::is_valid(&id), "{} characters", id.len());
        assert_eq!(parse_slot_id(&id), Some((clinic, service, at)));
        for bad in [
            format!("{clinic}.A"),
            format!("{clinic}.A.2026-12-07"),
            format!("{clinic}.a.20261207T0915"),
            "x.A.20261207T0915".to_owned(),
        ] {
            assert_eq!(parse_slot_id(&bad), None, "{bad}");
        }
    }
}
