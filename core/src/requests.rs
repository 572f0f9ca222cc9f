//! The bodies of the node API's main requests, as clients send them. They live here,
//! with no I/O, so that every crate (and the fuzz targets) decodes them alike; the
//! node checks them against its state.

use crate::domain::{Appointment, Priority, ServiceCode};
use crate::error_code::ErrorCode;
use crate::event::Actor;
use crate::ids::{AppointmentId, DeviceId, PatientId};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A request for a ticket: a walk-in for a service, or an appointment check-in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// The service (may be left out when an appointment code is given).
    pub service: Option<ServiceCode>,
    /// A priority lane.
    pub priority: Option<Priority>,
    /// The booking code of an appointment being checked in.
    pub appointment_code: Option<String>,
}

/// A booking request from the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    /// A registered patient, if known.
    pub patient: Option<PatientId>,
    /// The service.
    pub service: ServiceCode,
    /// The clinic-local day, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// Start of the slot, `HH:MM` (seconds may follow).
    #[schema(value_type = String, example = "09:30", pattern = "^([01]?[0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]{1,9})?)?$")]
    pub slot_start: NaiveTime,
    /// Length of the slot in minutes: the schedule's, which it may repeat.
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: Option<u16>,
    /// Book beyond the desk's places of a full slot: the desk confirms an overbooking,
    /// which every desk then sees as such.
    #[serde(default)]
    pub confirm_overbooking: bool,
}

/// What becomes of the ticket a counter still holds when it calls the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Handover {
    /// Its service is finished.
    Complete,
    /// The patient never came (only for a ticket still `called`).
    NoShow,
    /// Back into the queue (only for a ticket still `called`).
    Requeue,
}

/// The body of `call-next`, which may be left out while the counter holds nobody.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallNext {
    /// What becomes of the ticket the counter still holds, if it holds one; without it,
    /// such a call is refused with `counter_busy` and nothing changes.
    pub current: Option<Handover>,
}

impl Handover {
    /// The ticket step it stands for.
    pub fn change(self) -> crate::ticket::TicketChange {
        use crate::ticket::TicketChange;
        match self {
            Handover::Complete => TicketChange::Completed,
            Handover::NoShow => TicketChange::NoShow,
            Handover::Requeue => TicketChange::Requeued,
        }
    }
}

/// Where an appointment is moved to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveAppointment {
    /// The new clinic-local day, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// The new start of the slot, `HH:MM`.
    #[schema(value_type = String, example = "10:00", pattern = "^([01]?[0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]{1,9})?)?$")]
    pub slot_start: NaiveTime,
}

/// A booking's identity, chosen by the node whose desk books it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Named {
    /// The appointment's id.
    #[schema(value_type = String, format = Uuid)]
    pub id: AppointmentId,
    /// Its booking code (another is drawn where this one is already live).
    pub code: String,
}

/// What a node's desk asks of the clinic's booking authority — another node, over the
/// sealed LAN link, or the cloud — at `POST /sync/v1/appointments/desk`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeskBooking {
    /// A booking.
    Book {
        /// Who books, at the asking node.
        actor: Actor,
        /// What the desk asked for.
        request: NewAppointment,
        /// The booking's identity, chosen by the asking node.
        named: Named,
    },
    /// A move.
    Move {
        /// Who moves it, at the asking node.
        actor: Actor,
        /// The appointment.
        #[schema(value_type = String, format = Uuid)]
        id: AppointmentId,
        /// Where to.
        to: MoveAppointment,
    },
}

/// The booking authority's answer: the booking as it stands, or its refusal as it
/// would answer its own desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeskAnswer {
    /// Booked or moved.
    Booked(Box<Appointment>),
    /// Refused.
    Refused {
        /// The HTTP status it would have answered.
        status: u16,
        /// Its code.
        code: ErrorCode,
        /// Its words in Bahasa Indonesia.
        message_id: String,
        /// Its words in English.
        message_en: String,
    },
}

/// What a node asks the booking authority for: its desk reserves of one service and
/// day (`POST /sync/v1/appointments/reserve`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReserveAsk {
    /// The node asking.
    #[schema(value_type = String, format = Uuid)]
    pub holder: DeviceId,
    /// The service.
    #[schema(value_type = String)]
    pub service: ServiceCode,
    /// The clinic-local day.
    pub date: NaiveDate,
}
