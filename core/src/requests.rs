//! The bodies of the node API's main requests, as clients send them. They live here,
//! with no I/O, so that every crate (and the fuzz targets) decodes them alike; the
//! node checks them against its state.

use crate::domain::{Priority, ServiceCode};
use crate::ids::PatientId;
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
    /// Length of the slot in minutes (default 15).
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: Option<u16>,
}
