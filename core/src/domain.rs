//! The clinic's configuration and people: services, counters, staff, devices, patients,
//! appointments.

use crate::ids::{AppointmentId, ClinicId, DeviceId, PatientId, UserId};
use crate::validate::{self, Rule, ValidationError};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A clinic: its name and the time zone that decides when a service day starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Clinic {
    /// Identity shared by every device of the clinic.
    pub id: ClinicId,
    /// Name printed on tickets and shown on screens.
    pub name: String,
    /// IANA time zone, e.g. `Asia/Jakarta`; labels restart at its local midnight.
    pub time_zone: String,
    /// The message printed at the bottom of each ticket, in Bahasa Indonesia (a default
    /// when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_message_id: Option<String>,
    /// The same message in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_message_en: Option<String>,
    /// Whether a transfer gives the patient a new number in the service they are sent
    /// to (printed there and shown on their status page). By default (`false`) the
    /// patient keeps one label for the whole visit.
    #[serde(default)]
    pub new_label_on_transfer: bool,
    /// Whether a patient gets a new number at each step of a visit (registration, then
    /// the poli's room), printed at the desk that finishes the step and shown on their
    /// status page. By default (`false`) the number stays for every step.
    #[serde(default)]
    pub new_label_per_step: bool,
    /// The language of the kiosk and the waiting-room display (the kiosk goes back to it
    /// after each patient; calls are spoken in both): Bahasa Indonesia unless set.
    #[serde(default)]
    pub language: crate::i18n::Lang,
}

/// The short code of a service (`A` for Poli Umum): the prefix of its ticket labels.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "A", pattern = "^[A-Z]{1,3}$")]
pub struct ServiceCode(String);

impl TryFrom<String> for ServiceCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).map_err(|e| e.rule.text().en)
    }
}

impl From<ServiceCode> for String {
    fn from(v: ServiceCode) -> String {
        v.0
    }
}

impl std::str::FromStr for ServiceCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl ServiceCode {
    /// Accepts one to three ASCII capital letters.
    pub fn parse(code: &str) -> Result<Self, ValidationError> {
        let ok = (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase());
        if ok {
            Ok(Self(code.to_owned()))
        } else {
            Err(ValidationError::new("service", Rule::ServiceCode))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A queue the clinic offers: Poli Umum, Poli Gigi, KIA, Laboratorium, Farmasi.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Service {
    /// Label prefix and identity within the clinic.
    pub code: ServiceCode,
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Name in English.
    pub name_en: String,
    /// Whether the kiosk offers it today.
    pub active: bool,
    /// How its appointment day is cut into slots and how many patients a slot takes
    /// (the defaults when a service was set up without them).
    #[serde(default)]
    pub slots: crate::appointment::SlotRules,
    /// When it takes appointments and how many, online and at the desk; services set
    /// up before schedules existed keep their slot rules every day, nothing online
    /// (see [`Service::schedule`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<crate::schedule::Schedule>,
    /// The steps of a visit, in order: e.g. registration at a loket, then the poli's
    /// room. None: a visit is one step, at any counter serving the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<VisitStep>,
    /// The wait the clinic aims to call its patients within, in minutes (1 to 1440):
    /// the reports count the share of tickets called within it. 60 in services set up
    /// before it could be set.
    #[serde(default = "Service::default_target_wait_minutes")]
    #[schema(default = 60, minimum = 1, maximum = 1440)]
    pub target_wait_minutes: u16,
}

/// A short slug identity (`loket-1`, `registration`): 1–32 lowercase letters, digits
/// and `-`, refused with `rule` otherwise.
macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $rule:expr, $example:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
        )]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String, example = $example, pattern = "^[a-z0-9-]{1,32}$")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s).map_err(|e| e.rule.text().en)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl $name {
            /// Accepts 1–32 characters of lowercase letters, digits and `-`.
            pub fn parse(id: &str) -> Result<Self, ValidationError> {
                let ok = (1..=32).contains(&id.len())
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if ok {
                    Ok(Self(id.to_owned()))
                } else {
                    Err(ValidationError::new($field, $rule))
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_id!(
    /// The identity of a counter or clinician room, a short slug such as `loket-1`.
    CounterId,
    "counter",
    Rule::CounterId,
    "loket-1"
);

slug_id!(
    /// The identity of a step of a visit, a short slug such as `registration` or
    /// `room`. Services that share a step share its id, so a counter serving
    /// `registration` registers the patients of all its services.
    StepId,
    "step",
    Rule::StepId,
    "registration"
);

/// One step of a visit to a service: registration at a loket, then the poli's room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VisitStep {
    /// Identity, shared by the services that have this step.
    pub id: StepId,
    /// Name in Bahasa Indonesia, e.g. `Pendaftaran`.
    pub name_id: String,
    /// Name in English, e.g. `Registration`.
    pub name_en: String,
}

impl VisitStep {
    /// A step with its names.
    pub fn new(id: &str, name_id: &str, name_en: &str) -> Result<Self, ValidationError> {
        Ok(Self {
            id: StepId::parse(id)?,
            name_id: name_id.to_owned(),
            name_en: name_en.to_owned(),
        })
    }
}

impl Service {
    /// The target wait of a service that was not given one: an hour.
    pub const DEFAULT_TARGET_WAIT_MINUTES: u16 = 60;

    /// [`Self::DEFAULT_TARGET_WAIT_MINUTES`], for serde.
    pub fn default_target_wait_minutes() -> u16 {
        Self::DEFAULT_TARGET_WAIT_MINUTES
    }

    /// Its schedule: as set, or for a service set up before schedules its slot rules
    /// every day of the week with nothing online.
    pub fn schedule(&self) -> crate::schedule::Schedule {
        self.schedule
            .clone()
            .unwrap_or_else(|| crate::schedule::Schedule::from_rules(&self.slots))
    }

    /// The step a visit starts at (none when the service is one step).
    pub fn first_step(&self) -> Option<&VisitStep> {
        self.steps.first()
    }

    /// The step called `id`.
    pub fn step(&self, id: &StepId) -> Option<&VisitStep> {
        self.steps.iter().find(|s| s.id == *id)
    }

    /// Where a visit at `current` goes next (none: `current` is the last step). A
    /// ticket without a step is at the first; a step the service no longer has is
    /// its last.
    pub fn step_after(&self, current: Option<&StepId>) -> Option<&VisitStep> {
        let at = match current {
            None => 0,
            Some(id) => self.steps.iter().position(|s| s.id == *id)?,
        };
        self.steps.get(at + 1)
    }

    /// The step a ticket at `current` is counted at: `current`, or the first step when
    /// it has none (a ticket issued before the service had steps).
    pub fn step_of<'a>(&'a self, current: Option<&'a StepId>) -> Option<&'a StepId> {
        current.or(self.first_step().map(|s| &s.id))
    }
}

/// A counter (loket) or clinician room, and the services whose queues it calls from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counter {
    /// Identity within the clinic.
    pub id: CounterId,
    /// Name called out and shown on the display, e.g. `Loket 2` or `Ruang Gigi`.
    pub name: String,
    /// Services this counter serves, in the order it prefers them.
    pub services: Vec<ServiceCode>,
    /// The steps of those services it serves (a loket: `registration`; a room: `room`).
    /// None: every step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepId>,
}

impl Counter {
    /// Whether this counter calls the tickets of `service` that are at `step` (none: a
    /// service of one step).
    pub fn takes(&self, service: &ServiceCode, step: Option<&StepId>) -> bool {
        self.services.contains(service)
            && match step {
                None => true,
                Some(step) => self.steps.is_empty() || self.steps.contains(step),
            }
    }
}

/// The role of a staff account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Configures the clinic, users and devices; can also do desk work.
    Admin,
    /// Front desk: every queue, patients, appointments.
    Desk,
    /// Clinician: calls and serves from the queues of their room.
    Clinician,
}

impl StaffRole {
    /// As it is on the wire: `admin`, `desk`, `clinician`.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Desk => "desk",
            StaffRole::Clinician => "clinician",
        }
    }
}

/// A staff account. The password is kept only as an argon2id hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffUser {
    /// Identity of the account.
    pub id: UserId,
    /// Unique login name.
    pub username: String,
    /// Name shown in the audit trail and on screens.
    pub display_name: String,
    /// What the account may do.
    pub role: StaffRole,
    /// PHC string of an argon2id hash.
    pub password_hash: String,
    /// A disabled account cannot log in.
    pub active: bool,
    /// Set by a password reset: the next login may do nothing but choose a new
    /// password. Absent (false) in accounts stored before resets existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_change_password: bool,
}

/// What a device is for; it limits what its token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// Patient self check-in: list services, take a ticket, read that ticket.
    Kiosk,
    /// Front-desk station: sees the queues; staff log in on it to act.
    Desk,
    /// Waiting-room display: calls and waiting counts, never patient data.
    Display,
}

impl DeviceRole {
    /// As it is on the wire: `kiosk`, `desk`, `display`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::Kiosk => "kiosk",
            DeviceRole::Desk => "desk",
            DeviceRole::Display => "display",
        }
    }
}

/// A device registered by an admin. Its token is kept only as a SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Device {
    /// Identity of the device.
    pub id: DeviceId,
    /// Name given by the admin, e.g. `Kiosk Lobi`.
    pub name: String,
    /// What the device may do.
    pub role: DeviceRole,
    /// Hex SHA-256 of the bearer token.
    pub token_sha256: String,
    /// A revoked device's token is refused.
    pub revoked: bool,
}

/// The priority lane a patient chose; any lane goes ahead of the regular queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Lansia: patients aged 60 and over.
    Elderly,
    /// Ibu hamil.
    Pregnant,
    /// Penyandang disabilitas.
    Disability,
}

impl Priority {
    /// The lane's name in Bahasa Indonesia and English, as printed on a ticket.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Priority::Elderly => ("Lansia", "Elderly"),
            Priority::Pregnant => ("Ibu hamil", "Pregnant"),
            Priority::Disability => ("Disabilitas", "Disability"),
        }
    }
}

/// A patient's identity. Every field is optional (walk-ins need none) but validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Patient {
    /// Identity of the record.
    pub id: PatientId,
    /// Full name.
    pub name: Option<String>,
    /// Nomor Induk Kependudukan: 16 digits.
    pub nik: Option<String>,
    /// BPJS Kesehatan card number: 13 digits.
    pub bpjs_number: Option<String>,
    /// Indonesian mobile number, kept as `+62…`.
    pub phone: Option<String>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
}

/// The fields a desk submits to register a patient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientInput {
    /// Full name.
    pub name: Option<String>,
    /// NIK, 16 digits: a province code 11–94, and a birth date part `DDMMYY` whose day
    /// may have 40 added.
    #[schema(
        pattern = "^(1[1-9]|[2-8][0-9]|9[0-4])[0-9]{4}(0[1-9]|[12][0-9]|3[01]|4[1-9]|[5-6][0-9]|7[01]|8[1-9]|9[0-9])(0[1-9]|1[0-2])[0-9]{6}$"
    )]
    pub nik: Option<String>,
    /// BPJS card number, 13 digits.
    #[schema(pattern = "^[0-9]{13}$")]
    pub bpjs_number: Option<String>,
    /// Mobile number, `08…`, `628…` or `+628…` and 9–12 more digits (spaces and dashes
    /// allowed).
    #[schema(pattern = "^[ -]*(\\+[ -]*6[ -]*2|6[ -]*2|0)[ -]*8([ -]*[0-9]){8,11}[ -]*$")]
    pub phone: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: Option<NaiveDate>,
}

impl PatientInput {
    /// Validates every given field and normalises the phone number.
    pub fn validate(self, id: PatientId, today: NaiveDate) -> Result<Patient, ValidationError> {
        let name = self.name.map(|n| validate::person_name(&n)).transpose()?;
        let nik = self.nik.map(|n| validate::nik(&n)).transpose()?;
        let bpjs_number = self
            .bpjs_number
            .map(|n| validate::bpjs_number(&n))
            .transpose()?;
        let phone = self.phone.map(|p| validate::phone(&p)).transpose()?;
        if let Some(born) = self.birth_date {
            validate::birth_date(born, today)?;
            if let Some(nik) = &nik {
                validate::nik_matches_birth_date(nik, born)?;
            }
        }
        // A record must say who it is: a name, a NIK or a BPJS number at least.
        if name.is_none() && nik.is_none() && bpjs_number.is_none() {
            return Err(ValidationError::new("name", Rule::PatientIdentified));
        }
        Ok(Patient {
            id,
            name,
            nik,
            bpjs_number,
            phone,
            birth_date: self.birth_date,
        })
    }
}

/// A booked appointment: one patient, one service, one slot on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Appointment {
    /// Identity of the appointment.
    pub id: AppointmentId,
    /// Short code the patient types or scans at the kiosk.
    pub code: String,
    /// The patient, when registered.
    pub patient: Option<PatientId>,
    /// The service booked.
    pub service: ServiceCode,
    /// The clinic-local day.
    pub date: NaiveDate,
    /// The clinic-local start of the slot.
    #[schema(value_type = String, example = "09:30:00")]
    pub slot_start: NaiveTime,
    /// Length of the slot in minutes.
    #[schema(maximum = 65535)]
    pub slot_minutes: u16,
    /// Which share of the slot it was booked from: the desk's, or online through the
    /// cloud (desk for bookings made before there was a choice).
    #[serde(default, skip_serializing_if = "crate::schedule::Channel::is_desk")]
    pub channel: crate::schedule::Channel,
    /// Booked beyond the desk's places, as the desk confirmed: shown as an overbooking
    /// to every desk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overbooked: bool,
    /// Whether the patient agreed to reminders by message (asked when booking online).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub consent_messages: bool,
}
