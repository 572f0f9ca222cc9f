//! Typed identifiers, so a ticket id can never be passed where a service code is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random identifier (unguessable, so it may serve as a capability).
            /// For the crates that do I/O: nothing in `core` outside tests calls it, so
            /// every fold stays deterministic.
            #[allow(clippy::disallowed_methods)] // the one place core may make a random id
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A clinic of the chain.
    ClinicId
);
uuid_id!(
    /// A device (node) that writes its own series of events: kiosk, desk, display.
    DeviceId
);
uuid_id!(
    /// One ticket: one patient in one service queue.
    TicketId
);
uuid_id!(
    /// One patient visit; the tickets of a visit form its journey across services.
    VisitId
);
uuid_id!(
    /// A registered patient.
    PatientId
);
uuid_id!(
    /// A booked appointment.
    AppointmentId
);
uuid_id!(
    /// A staff account.
    UserId
);
uuid_id!(
    /// A desk place of one slot escrowed to one node (a [`crate::schedule::DeskReserve`]).
    ReserveId
);
