//! Events: the only way anything changes. Each device appends its own gap-free series;
//! state is a deterministic fold of the events of an entity.

use crate::domain::{Appointment, Clinic, Counter, CounterId, Device, Patient, Service, StaffUser};
use crate::ids::{AppointmentId, ClinicId, DeviceId, PatientId, TicketId, UserId};
use crate::ticket::TicketChange;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A hybrid logical clock stamp: milliseconds since the Unix epoch in the high 48 bits,
/// a logical counter in the low 16. Ordered like the events it stamps.
///
/// The clock that makes stamps lives in `medicloud-sync`; here a stamp is only a value.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(transparent)]
pub struct Stamp(pub u64);

impl Stamp {
    const LOGICAL_BITS: u32 = 16;

    /// Builds a stamp from wall-clock milliseconds and a logical counter.
    pub fn new(physical_ms: u64, logical: u16) -> Self {
        Self((physical_ms << Self::LOGICAL_BITS) | u64::from(logical))
    }

    /// The wall-clock part, in milliseconds since the Unix epoch.
    pub fn physical_ms(self) -> u64 {
        self.0 >> Self::LOGICAL_BITS
    }

    /// The logical counter that orders stamps within one millisecond.
    pub fn logical(self) -> u16 {
        (self.0 & 0xffff) as u16
    }

    /// The wall-clock part as signed milliseconds, for time arithmetic.
    pub fn at_ms(self) -> i64 {
        i64::try_from(self.physical_ms()).unwrap_or(i64::MAX)
    }
}

/// The identity of an event: the device that wrote it and its place in that device's series.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub struct EventId {
    /// The device that appended the event.
    pub origin: DeviceId,
    /// 1, 2, 3 … without gaps within the origin's series.
    pub seq: u64,
}

/// One change, as stored in the log and sent over sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Identity; applying an event twice does nothing.
    pub id: EventId,
    /// When it happened, by the origin's hybrid logical clock.
    pub stamp: Stamp,
    /// The clinic whose data it changes.
    pub clinic: ClinicId,
    /// Who asked for the change.
    pub actor: Actor,
    /// What happened.
    pub body: EventBody,
}

/// Who asked for a change: recorded with every event for access checks and the audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// No person or device the clinic knows: a node's own steps (set-up, demo data,
    /// automatic steps, a refused login), or the chain's cloud writing for someone
    /// outside the clinic (an online booking, from the clinic's cloud origin: the
    /// event's origin says which).
    System,
    /// A logged-in staff member.
    Staff(UserId),
    /// A device with its own token, such as a kiosk.
    Device(DeviceId),
}

impl Event {
    /// The total order every replica folds in: stamp, then origin, then seq.
    pub fn order_key(&self) -> (Stamp, DeviceId, u64) {
        (self.stamp, self.id.origin, self.id.seq)
    }

    /// The entity whose state this event changes.
    pub fn entity(&self) -> Entity {
        self.body.entity()
    }
}

/// What an event says happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EventBody {
    /// The clinic's name or time zone was set.
    ClinicSet(Clinic),
    /// A service was added or changed.
    ServiceSet(Service),
    /// A counter or room was added or changed.
    CounterSet(Counter),
    /// A staff account was added or changed.
    StaffSet(StaffUser),
    /// A device was registered, changed or revoked.
    DeviceSet(Device),
    /// A patient was registered or their details changed.
    PatientSet(Patient),
    /// An appointment was booked.
    AppointmentBooked(Appointment),
    /// An appointment was cancelled; its place is free again.
    AppointmentCancelled {
        /// The appointment.
        id: AppointmentId,
        /// Why, as the desk wrote it (none in events of earlier versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// An appointment was moved to another day or slot; the booking code stays.
    AppointmentMoved {
        /// The appointment.
        id: AppointmentId,
        /// The new clinic-local day.
        date: NaiveDate,
        /// The new clinic-local start of the slot.
        slot_start: NaiveTime,
    },
    /// A ticket was issued or moved through its lifecycle.
    Ticket {
        /// The ticket.
        id: TicketId,
        /// The step.
        change: TicketChange,
    },
    /// Something that changes nothing but must be on the audit trail: a login, a failed
    /// login, a lockout, a read of patient data, an export.
    Audited(AuditEntry),
    /// A node took up handing out the clinic's label numbers: it is the clinic's label
    /// authority (chosen among its peers, or alone). Two nodes' claims at once mean the
    /// clinic's configuration disagrees, and every node then gives device-marked numbers.
    LabelAuthorityClaimed {
        /// The node.
        device: DeviceId,
    },
    /// A node that had claimed to be the label authority no longer is (its configuration
    /// changed): its claim no longer counts.
    LabelAuthorityWithdrawn {
        /// The node.
        device: DeviceId,
    },
    /// The clinic's booking authority escrowed a desk place to a node, or that node
    /// booked into it cut off from the authority (`used_by`): see
    /// [`crate::schedule::DeskReserve`]. The latest event of a reserve wins.
    DeskReserveSet(crate::schedule::DeskReserve),
}

/// An audit-only entry. Who and when are the event's actor and stamp; where is its origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// What was done, e.g. `login`, `login_failed`, `account_locked`, `patient_read`,
    /// `patient_search`, `appointments_read`.
    pub action: String,
    /// The patient whose data was read, if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<PatientId>,
    /// What else it concerned (a username for logins; never patient data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
}

impl EventBody {
    /// The entity this body changes.
    pub fn entity(&self) -> Entity {
        match self {
            EventBody::ClinicSet(_) => Entity::Clinic,
            EventBody::ServiceSet(s) => Entity::Service(s.code.to_string()),
            EventBody::CounterSet(c) => Entity::Counter(c.id.clone()),
            EventBody::StaffSet(u) => Entity::Staff(u.id),
            EventBody::DeviceSet(d) => Entity::Device(d.id),
            EventBody::PatientSet(p) => Entity::Patient(p.id),
            EventBody::AppointmentBooked(a) => Entity::Appointment(a.id),
            EventBody::AppointmentCancelled { id, .. } | EventBody::AppointmentMoved { id, .. } => {
                Entity::Appointment(*id)
            }
            EventBody::Ticket { id, .. } => Entity::Ticket(*id),
            EventBody::Audited(_) => Entity::Audit,
            EventBody::LabelAuthorityClaimed { device }
            | EventBody::LabelAuthorityWithdrawn { device } => Entity::LabelAuthority(*device),
            EventBody::DeskReserveSet(r) => Entity::DeskReserve(r.id),
        }
    }

    /// A short name of the kind of change, for logs and conflict reports (no payload).
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::ClinicSet(_) => "clinic_set",
            EventBody::ServiceSet(_) => "service_set",
            EventBody::CounterSet(_) => "counter_set",
            EventBody::StaffSet(_) => "staff_set",
            EventBody::DeviceSet(_) => "device_set",
            EventBody::PatientSet(_) => "patient_set",
            EventBody::AppointmentBooked(_) => "appointment_booked",
            EventBody::AppointmentCancelled { .. } => "appointment_cancelled",
            EventBody::AppointmentMoved { .. } => "appointment_moved",
            EventBody::Ticket { change, .. } => change.kind(),
            EventBody::Audited(_) => "audited",
            EventBody::LabelAuthorityClaimed { .. } => "label_authority_claimed",
            EventBody::LabelAuthorityWithdrawn { .. } => "label_authority_withdrawn",
            EventBody::DeskReserveSet(_) => "desk_reserve_set",
        }
    }
}

/// Something whose state is the fold of its events.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    /// The clinic itself.
    Clinic,
    /// A service, by code.
    Service(String),
    /// A counter.
    Counter(CounterId),
    /// A staff account.
    Staff(UserId),
    /// A device.
    Device(DeviceId),
    /// A patient.
    Patient(PatientId),
    /// An appointment.
    Appointment(AppointmentId),
    /// A ticket.
    Ticket(TicketId),
    /// The audit trail (entries change no state).
    Audit,
    /// One node's claim to be the clinic's label authority (the latest event wins).
    LabelAuthority(DeviceId),
    /// A desk place escrowed to a node (the latest event wins).
    DeskReserve(crate::ids::ReserveId),
}

impl fmt::Display for Entity {
    /// The key the store indexes events by, e.g. `ticket/0b9f…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::Clinic => write!(f, "clinic"),
            Entity::Service(code) => write!(f, "service/{code}"),
            Entity::Counter(id) => write!(f, "counter/{id}"),
            Entity::Staff(id) => write!(f, "staff/{id}"),
            Entity::Device(id) => write!(f, "device/{id}"),
            Entity::Patient(id) => write!(f, "patient/{id}"),
            Entity::Appointment(id) => write!(f, "appointment/{id}"),
            Entity::Ticket(id) => write!(f, "ticket/{id}"),
            Entity::Audit => write!(f, "audit"),
            Entity::LabelAuthority(id) => write!(f, "label_authority/{id}"),
            Entity::DeskReserve(id) => write!(f, "desk_reserve/{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_orders_by_time_then_counter() {
        let a = Stamp::new(1_000, 5);
        let b = Stamp::new(1_000, 6);
        let c = Stamp::new(1_001, 0);
        assert!(a < b && b < c);
        assert_eq!((c.physical_ms(), c.logical()), (1_001, 0));
    }
}
