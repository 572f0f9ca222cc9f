//! Booking appointments and registering patients.

use super::Node;
use crate::error::{Error, Result};
use crate::store::query::{self, AppointmentRow};
use chrono::NaiveDate;
use medicloud_core::domain::{Appointment, Patient, PatientInput};
use medicloud_core::error_code::ErrorCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::ids::{AppointmentId, PatientId, TicketId};
use medicloud_core::validate::{Rule, ValidationError};
use rand::Rng;

pub use medicloud_core::requests::NewAppointment;
use serde::Serialize;
use utoipa::ToSchema;

/// Letters and digits that cannot be mistaken for one another when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
const CODE_LENGTH: usize = 6;

/// Booking codes are typed by patients: accept lower case, spaces and dashes.
pub(crate) fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Where an appointment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// Booked, not yet checked in.
    Booked,
    /// Checked in at the kiosk or desk.
    CheckedIn,
    /// Cancelled.
    Cancelled,
}

/// An appointment as the desk sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    /// The booking.
    #[serde(flatten)]
    pub appointment: Appointment,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// The ticket it was checked in with.
    pub ticket: Option<TicketId>,
    /// The patient's name, for the desk's list.
    pub patient_name: Option<String>,
}

impl Node {
    /// Books an appointment and gives it a unique booking code.
    pub fn book_appointment(&self, actor: Actor, req: NewAppointment) -> Result<AppointmentView> {
        let (id, events) = self.store.write(|w| {
            let conn = w.conn();
            if query::service(conn, &req.service)?.is_none() {
                return Err(Error::NotFound { what: "service" });
            }
            if let Some(p) = req.patient {
                query::patient(conn, p)?.ok_or(Error::NotFound { what: "patient" })?;
            }
            if req.date < self.today(conn)? {
                return Err(ValidationError::new("date", Rule::NotInPast).into());
            }
            let slot_minutes = req.slot_minutes.unwrap_or(15);
            if !(5..=240).contains(&slot_minutes) {
                return Err(ValidationError::new("slot_minutes", Rule::SlotMinutes).into());
            }
            let code = loop {
                let mut rng = rand::thread_rng();
                let code: String = (0..CODE_LENGTH)
                    .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
                    .collect();
                if query::appointment_by_code(conn, &code)?.is_none_or(|a| a.cancelled) {
                    break code;
                }
            };
            let appointment = Appointment {
                id: AppointmentId::random(),
                code,
                patient: req.patient,
                service: req.service,
                date: req.date,
                slot_start: req.slot_start,
                slot_minutes,
            };
            let id = appointment.id;
            w.append(actor, EventBody::AppointmentBooked(appointment))?;
            Ok(id)
        })?;
        self.publish(&events);
        self.store.read(|conn| {
            let row = query::appointment(conn, id)?.ok_or(Error::NotFound {
                what: "appointment",
            })?;
            appointment_view(conn, row)
        })
    }

    /// The appointments of a day (today when `None`).
    pub fn appointments(&self, date: Option<NaiveDate>) -> Result<Vec<AppointmentView>> {
        self.store.read(|conn| {
            let day = match date {
                Some(d) => d,
                None => self.today(conn)?,
            };
            query::appointments(conn, day)?
                .into_iter()
                .map(|row| appointment_view(conn, row))
                .collect()
        })
    }

    /// Registers a patient after validating every field.
    pub fn register_patient(&self, actor: Actor, input: PatientInput) -> Result<Patient> {
        let (patient, events) = self.store.write(|w| {
            let patient = input.validate(PatientId::random(), self.today(w.conn())?)?;
            if let Some(nik) = &patient.nik
                && query::patients(w.conn())?
                    .iter()
                    .any(|p| p.nik.as_ref() == Some(nik))
            {
                return Err(Error::conflict_code(ErrorCode::DuplicateNik));
            }
            w.append(actor, EventBody::PatientSet(patient.clone()))?;
            Ok(patient)
        })?;
        self.publish(&events);
        Ok(patient)
    }

    /// Patients whose name contains `q` (any case) or whose NIK, BPJS or phone number is `q`.
    pub fn search_patients(&self, q: &str) -> Result<Vec<Patient>> {
        let needle = q.trim().to_lowercase();
        self.store.read(|conn| {
            let mut found: Vec<Patient> = query::patients(conn)?
                .into_iter()
                .filter(|p| {
                    needle.is_empty()
                        || p.name
                            .as_ref()
                            .is_some_and(|n| n.to_lowercase().contains(&needle))
                        || [&p.nik, &p.bpjs_number, &p.phone]
                            .iter()
                            .any(|f| f.as_deref() == Some(q.trim()))
                })
                .collect();
            found.sort_by(|a, b| a.name.cmp(&b.name));
            found.truncate(50);
            Ok(found)
        })
    }
}

fn appointment_view(conn: &rusqlite::Connection, row: AppointmentRow) -> Result<AppointmentView> {
    let status = match (row.cancelled, row.ticket) {
        (true, _) => AppointmentStatus::Cancelled,
        (false, Some(_)) => AppointmentStatus::CheckedIn,
        (false, None) => AppointmentStatus::Booked,
    };
    let patient_name = match row.appointment.patient {
        Some(p) => query::patient(conn, p)?.and_then(|p| p.name),
        None => None,
    };
    Ok(AppointmentView {
        appointment: row.appointment,
        status,
        ticket: row.ticket,
        patient_name,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn booking_codes_are_forgiving_to_type() {
        assert_eq!(super::normalise_code(" k7m-3qx "), "K7M3QX");
    }
}
