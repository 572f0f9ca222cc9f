//! What online booking takes and gives: a patient's request, a booking made, found
//! or listed, the slots and clinics a patient may choose from, and why a booking did
//! not happen.

use crate::storage::{ClinicEntry, StorageError};
use chrono::{DateTime, FixedOffset};
use medicloud_core::domain::{Appointment, Service, ServiceCode};
use medicloud_core::i18n::Text;
use medicloud_core::ids::ClinicId;
use medicloud_core::validate::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A booking as a patient asks for it.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// The clinic.
    #[schema(value_type = String, format = Uuid)]
    pub clinic: ClinicId,
    /// The service, by its code.
    pub service: ServiceCode,
    /// The slot's start, RFC 3339 (any offset; the clinic's as the slots give it).
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T08:00:00+07:00")]
    pub start: DateTime<FixedOffset>,
    /// The patient's full name.
    pub name: String,
    /// The patient's mobile number, `08…`, `628…` or `+628…`.
    #[schema(pattern = "^[ -]*(\\+[ -]*6[ -]*2|6[ -]*2|0)[ -]*8([ -]*[0-9]){8,11}[ -]*$")]
    pub phone: String,
    /// The patient's NIK, 16 digits: a province code 11–94, and a birth date part
    /// `DDMMYY` whose day may have 40 added.
    #[serde(default)]
    #[schema(
        pattern = "^(1[1-9]|[2-8][0-9]|9[0-4])[0-9]{4}(0[1-9]|[12][0-9]|3[01]|4[1-9]|[5-6][0-9]|7[01]|8[1-9]|9[0-9])(0[1-9]|1[0-2])[0-9]{6}$"
    )]
    pub nik: Option<String>,
    /// The patient's BPJS card number, 13 digits.
    #[serde(default)]
    #[schema(pattern = "^[0-9]{13}$")]
    pub bpjs: Option<String>,
    /// Whether the patient agrees to reminders by message.
    pub consent_messages: bool,
}

impl std::fmt::Debug for BookingRequest {
    /// Without the patient's data: a request may reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookingRequest")
            .field("clinic", &self.clinic)
            .field("service", &self.service)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

/// A booking made or moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booked {
    /// The clinic, as registered.
    pub clinic: ClinicEntry,
    /// The appointment as it now stands.
    pub appointment: Appointment,
    /// Its service.
    pub service: Service,
    /// When its slot starts, with the clinic's offset.
    pub start: DateTime<FixedOffset>,
    /// When it ends.
    pub end: DateTime<FixedOffset>,
}

/// Where a booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Booked, not yet checked in.
    Booked,
    /// Cancelled (by the patient or the clinic).
    Cancelled,
    /// Checked in at the clinic.
    CheckedIn,
}

/// A booking found by its code and phone number: where and when, and where it stands.
/// No patient data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingView {
    /// The booking code.
    pub code: String,
    /// The clinic's id.
    #[schema(value_type = String, format = Uuid)]
    pub clinic: ClinicId,
    /// The clinic's name.
    pub clinic_name: String,
    /// The service's code.
    pub service: ServiceCode,
    /// The service's name in Bahasa Indonesia.
    pub service_name_id: String,
    /// The service's name in English.
    pub service_name_en: String,
    /// The slot's start, RFC 3339 with the clinic's offset.
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
    /// The slot's end.
    #[schema(value_type = String, format = DateTime)]
    pub end: DateTime<FixedOffset>,
    /// Where it stands.
    pub status: BookingStatus,
}

/// A slot a patient may book, with its free online places (0: full).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpenSlot {
    /// Its start, RFC 3339 with the clinic's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T08:00:00+07:00")]
    pub start: DateTime<FixedOffset>,
    /// Its end.
    #[schema(value_type = String, format = DateTime)]
    pub end: DateTime<FixedOffset>,
    /// Online places still free.
    pub free: u16,
}

/// A clinic that takes online bookings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicClinic {
    /// Its id.
    #[schema(value_type = String, format = Uuid)]
    pub id: ClinicId,
    /// Its name.
    pub name: String,
    /// Its IANA time zone: its days and times are said in it.
    pub time_zone: String,
    /// The services it takes online bookings for, by code.
    pub services: Vec<PublicService>,
}

/// A service a clinic takes online bookings for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicService {
    /// Its code.
    pub code: ServiceCode,
    /// Its name in Bahasa Indonesia.
    pub name_id: String,
    /// Its name in English.
    pub name_en: String,
}

/// Why a booking, a lookup, a cancellation or a move did not happen. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// No such clinic, or service taking online bookings (`what` names it), or no
    /// booking with that code and phone number (`"booking"`: the two are never told
    /// apart).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A field that does not hold what it should (the time not a slot of the schedule:
    /// `start` and [`medicloud_core::validate::Rule::NotInSchedule`]).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Every online place of the slot is booked (`places` of them).
    #[error("all {places} online places in this slot are booked")]
    SlotFull {
        /// The slot's online places.
        places: u16,
    },
    /// The booking was checked in at the clinic: it is the ticket's now.
    #[error("the booking is checked in already")]
    AlreadyCheckedIn,
    /// The booking was cancelled.
    #[error("the booking was cancelled")]
    Cancelled,
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl BookingError {
    /// What it says to people, in both languages.
    pub fn text(&self) -> Text {
        match self {
            BookingError::NotFound("booking") => Text::new(
                "Tidak ada booking dengan kode dan nomor HP ini.",
                "no booking has this code and mobile number",
            ),
            BookingError::NotFound("service") => Text::new(
                "Layanan ini tidak menerima booking online di klinik ini.",
                "this service takes no online bookings at this clinic",
            ),
            BookingError::NotFound(what) => medicloud_core::i18n::not_found(what),
            BookingError::Invalid(e) => e.text(),
            BookingError::SlotFull { places } => Text::new(
                format!("Ke-{places} tempat online pada slot ini sudah terisi; pilih jam lain."),
                format!("all {places} online places in this slot are taken; choose another time"),
            ),
            BookingError::AlreadyCheckedIn => Text::new(
                "Booking ini sudah check-in di klinik; hubungi klinik untuk mengubahnya.",
                "this booking is checked in at the clinic already; ask the clinic to change it",
            ),
            BookingError::Cancelled => Text::new(
                "Booking ini sudah dibatalkan.",
                "this booking was cancelled already",
            ),
            BookingError::Storage(_) => {
                medicloud_core::error_code::ErrorCode::StorageUnavailable.text()
            }
        }
    }
}
