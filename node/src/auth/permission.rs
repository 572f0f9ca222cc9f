//! Who is asking, and what they may do: the principal behind a request and the one
//! table of permissions.

use medicloud_core::domain::{DeviceRole, StaffRole};
use medicloud_core::event::Actor;
use medicloud_core::ids::{DeviceId, UserId};

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A logged-in staff member.
    Staff {
        /// Account id.
        id: UserId,
        /// Login name.
        username: String,
        /// Role.
        role: StaffRole,
        /// Emergency access is open for this session: patient records may be read even
        /// by a role that normally may not (time-limited, always audited).
        break_glass: bool,
        /// Logged in with a temporary password: the session may do nothing but choose
        /// a new one.
        must_change_password: bool,
    },
    /// A device using its own token.
    Device {
        /// Device id.
        id: DeviceId,
        /// Role.
        role: DeviceRole,
    },
}

/// Something a caller may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// List services and counters with waiting counts; receive the live stream.
    SeeQueues,
    /// Take a ticket.
    TakeTicket,
    /// Read and list every ticket.
    ReadTickets,
    /// Call, serve, complete, requeue, transfer, cancel.
    WorkTickets,
    /// Book and list appointments, register patients.
    FrontDesk,
    /// Read patient records.
    ReadPatients,
    /// Configure the clinic: devices, staff.
    Administer,
    /// Read the clinic's reports (figures per service, counter and staff member; no
    /// patient data).
    ReadReports,
}

impl Principal {
    /// The actor recorded on events this principal causes.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Staff { id, .. } => Actor::Staff(*id),
            Principal::Device { id, .. } => Actor::Device(*id),
        }
    }

    /// The permission table: the one place that says who may do what.
    pub fn may(&self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Principal::Staff {
                break_glass: true, ..
            } if permission == ReadPatients => true,
            // Administrators configure the clinic; reading patient records is not part
            // of that (least privilege) — they use break-glass access when they must.
            Principal::Staff {
                role: StaffRole::Admin,
                ..
            } => permission != ReadPatients,
            Principal::Staff {
                role: StaffRole::Desk,
                ..
            } => permission != Administer,
            Principal::Staff {
                role: StaffRole::Clinician,
                ..
            } => {
                // Not the reports: they are the admin's and the desk's.
                matches!(
                    permission,
                    SeeQueues | ReadTickets | WorkTickets | ReadPatients
                )
            }
            Principal::Device {
                role: DeviceRole::Kiosk,
                ..
            } => matches!(permission, SeeQueues | TakeTicket),
            Principal::Device {
                role: DeviceRole::Desk | DeviceRole::Display,
                ..
            } => permission == SeeQueues,
        }
    }

    /// Fails with `Forbidden` unless the permission is held.
    pub fn require(&self, permission: Permission) -> std::result::Result<(), Denied> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Denied)
        }
    }
}

/// A request by an authenticated caller without the permission it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("your role may not do this")]
pub struct Denied;
