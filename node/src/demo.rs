//! The demo clinic: five polies, counters and rooms, three staff accounts. Its identity
//! is fixed, so demo nodes on one LAN are one clinic.

use crate::error::Result;
use crate::ops::Node;
use crate::setup::ensure_staff;
use medicloud_core::domain::{Counter, CounterId, DeviceRole, Service, ServiceCode, StaffRole};
use medicloud_core::event::Actor;
use medicloud_core::ids::{ClinicId, UserId};
use uuid::Uuid;

/// The demo clinic's fixed identity.
pub const DEMO_CLINIC: ClinicId = ClinicId(Uuid::from_u128(0x6d656469_636c_6f75_6400_64656d6f0001));

/// The demo staff accounts' ids count up from here, the same on every demo node.
const DEMO_STAFF_BASE: u128 = 0x6d656469_636c_6f75_6400_757365720001;

/// The clinic's LAN key for demo nodes that sync with each other. Not a secret: a demo
/// node listens on loopback unless told otherwise.
pub const DEMO_LAN_KEY: &str = "medicloud-demo-lan-key";

/// The demo's services: code, Bahasa Indonesia, English.
pub const SERVICES: &[(&str, &str, &str)] = &[
    ("A", "Poli Umum", "General Practice"),
    ("B", "Poli Gigi", "Dental Clinic"),
    ("C", "KIA", "Maternal & Child Health"),
    ("L", "Laboratorium", "Laboratory"),
    ("F", "Farmasi", "Pharmacy"),
];

/// The demo's counters and rooms: id, name, services.
pub const COUNTERS: &[(&str, &str, &[&str])] = &[
    ("loket-1", "Loket 1", &["A", "B", "C"]),
    ("loket-2", "Loket 2", &["A", "B", "C"]),
    ("ruang-umum", "Ruang Periksa Umum", &["A"]),
    ("ruang-gigi", "Ruang Gigi", &["B"]),
    ("ruang-kia", "Ruang KIA", &["C"]),
    ("lab", "Laboratorium", &["L"]),
    ("farmasi", "Loket Farmasi", &["F"]),
];

/// The demo's staff: username, display name, role.
pub const STAFF: &[(&str, &str, StaffRole)] = &[
    ("admin", "Admin Klinik", StaffRole::Admin),
    ("desk", "Petugas Pendaftaran", StaffRole::Desk),
    ("doctor", "dr. Rina Wulandari", StaffRole::Clinician),
];

/// The demo's devices: name, role, and the screen a browser opens for it.
pub const DEVICES: &[(&str, DeviceRole, &str)] = &[
    ("Kiosk Lobi", DeviceRole::Kiosk, "kiosk"),
    ("Layar Ruang Tunggu", DeviceRole::Display, "display"),
];

/// Sets up the demo clinic on first start, and on every start gives the staff accounts
/// `password` and the demo devices fresh tokens. Existing tickets and records are kept.
/// Returns `(screen, token)` for each demo device, for pairing a browser.
pub fn seed(node: &Node, password: &str) -> Result<Vec<(&'static str, String)>> {
    // A password refused for one account changes no account.
    for (username, _, _) in STAFF {
        crate::auth::check_password_policy(username, password)?;
    }
    if node.clinic()?.is_none() {
        node.set_clinic(Actor::System, "Klinik Sehat Sentosa", "Asia/Jakarta")?;
        for (code, name_id, name_en) in SERVICES {
            let service = Service {
                code: ServiceCode::parse(code)?,
                name_id: (*name_id).into(),
                name_en: (*name_en).into(),
                active: true,
                slots: Default::default(),
            };
            node.set_service(Actor::System, service)?;
        }
        for (id, name, services) in COUNTERS {
            let counter = Counter {
                id: CounterId::parse(id)?,
                name: (*name).into(),
                services: services
                    .iter()
                    .map(|s| ServiceCode::parse(s))
                    .collect::<std::result::Result<_, _>>()?,
            };
            node.set_counter(Actor::System, counter)?;
        }
    }
    for (index, (username, display_name, role)) in STAFF.iter().enumerate() {
        let id = UserId(Uuid::from_u128(DEMO_STAFF_BASE + index as u128));
        ensure_staff(node, id, username, display_name, *role, password)?;
    }
    let mut links = Vec::new();
    // Each demo node has its own kiosk and display (named after the node), so demo
    // nodes that sync never take over each other's device tokens.
    let node_mark = node.identity().device.to_string()[..4].to_uppercase();
    for (name, role, screen) in DEVICES {
        let name = format!("{name} {node_mark}");
        let (_, token) = node.rotate_device_token(Actor::System, &name, *role)?;
        links.push((*screen, token));
    }
    Ok(links)
}
