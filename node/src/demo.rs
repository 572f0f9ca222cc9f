//! The demo clinic: five polies, counters and rooms, three staff accounts. Its identity
//! is fixed, so demo nodes on one LAN are one clinic.

use crate::error::Result;
use crate::ops::Node;
use crate::setup::ensure_staff;
use medicloud_core::domain::{
    Counter, CounterId, DeviceRole, Service, ServiceCode, StaffRole, StepId, VisitStep,
};
use medicloud_core::event::Actor;
use medicloud_core::ids::{ClinicId, UserId};
use medicloud_core::schedule::Schedule;
use uuid::Uuid;

/// The demo clinic's fixed identity.
pub const DEMO_CLINIC: ClinicId = ClinicId(Uuid::from_u128(0x6d656469_636c_6f75_6400_64656d6f0001));

/// The demo staff accounts' ids count up from here, the same on every demo node.
const DEMO_STAFF_BASE: u128 = 0x6d656469_636c_6f75_6400_757365720001;

/// The clinic's LAN key for demo nodes that sync with each other. Not a secret: a demo
/// node listens on loopback unless told otherwise.
pub const DEMO_LAN_KEY: &str = "medicloud-demo-lan-key";

/// A poli room's name in Bahasa Indonesia and English.
pub type RoomNames = (&'static str, &'static str);

/// The demo's services: code, Bahasa Indonesia, English, and for a poli the name of
/// its room (a visit there goes registration at a loket, then the room).
pub const SERVICES: &[(&str, &str, &str, Option<RoomNames>)] = &[
    (
        "A",
        "Poli Umum",
        "General Practice",
        Some(("Ruang Periksa Umum", "General consultation room")),
    ),
    (
        "B",
        "Poli Gigi",
        "Dental Clinic",
        Some(("Ruang Gigi", "Dental room")),
    ),
    (
        "C",
        "KIA",
        "Maternal & Child Health",
        Some(("Ruang KIA", "MCH room")),
    ),
    ("L", "Laboratorium", "Laboratory", None),
    ("F", "Farmasi", "Pharmacy", None),
];

/// The step id of registration at a loket.
pub const REGISTRATION: &str = "registration";
/// The step id of the poli's room.
pub const ROOM: &str = "room";

/// The demo's counters and rooms: id, name, services, and the steps it serves (none:
/// every step).
pub const COUNTERS: &[(&str, &str, &[&str], &[&str])] = &[
    ("loket-1", "Loket 1", &["A", "B", "C"], &[REGISTRATION]),
    ("loket-2", "Loket 2", &["A", "B", "C"], &[REGISTRATION]),
    ("ruang-umum", "Ruang Periksa Umum", &["A"], &[ROOM]),
    ("ruang-gigi", "Ruang Gigi", &["B"], &[ROOM]),
    ("ruang-kia", "Ruang KIA", &["C"], &[ROOM]),
    ("lab", "Laboratorium", &["L"], &[]),
    ("farmasi", "Loket Farmasi", &["F"], &[]),
];

/// A poli's two steps: registration at a loket, then its room.
pub fn poli_steps(room_id: &str, room_en: &str) -> Vec<VisitStep> {
    vec![
        VisitStep {
            id: StepId::parse(REGISTRATION).expect("a valid step id"),
            name_id: "Pendaftaran".into(),
            name_en: "Registration".into(),
        },
        VisitStep {
            id: StepId::parse(ROOM).expect("a valid step id"),
            name_id: room_id.into(),
            name_en: room_en.into(),
        },
    ]
}

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

/// Where the demo keeps the secret its pairing links come from (in the node's encrypted
/// database, never synced).
const META_PAIRING_KEY: &str = "demo_pairing_key";

/// Sets up the demo clinic on first start, and on every start gives the staff accounts
/// `password` and pairs the demo devices. Existing tickets and records are kept.
/// Returns `(screen, token)` for each demo device, for pairing a browser: the same
/// tokens at every start of one data folder, so screens paired from the printed links
/// stay paired across restarts (a revoked demo device is paired again at the next start).
pub fn seed(node: &Node, password: &str) -> Result<Vec<(&'static str, String)>> {
    // A password refused for one account changes no account.
    for (username, _, _) in STAFF {
        crate::auth::check_password_policy(username, password)?;
    }
    if node.clinic()?.is_none() {
        node.set_clinic(Actor::System, "Klinik Sehat Sentosa", "Asia/Jakarta")?;
        set_up_queues(node)?;
    }
    for (index, (username, display_name, role)) in STAFF.iter().enumerate() {
        let id = UserId(Uuid::from_u128(DEMO_STAFF_BASE + index as u128));
        ensure_staff(node, id, username, display_name, *role, password)?;
    }
    let mut links = Vec::new();
    // Each demo node has its own kiosk and display (named after the node), so demo
    // nodes that sync never take over each other's device tokens.
    let node_mark = node.identity().device.to_string()[..4].to_uppercase();
    let pairing_key = pairing_key(node)?;
    for (name, role, screen) in DEVICES {
        let name = format!("{name} {node_mark}");
        let token = device_token(&pairing_key, &name);
        node.pair_device(Actor::System, &name, *role, &token)?;
        links.push((*screen, token));
    }
    Ok(links)
}

/// Sets up the demo's services (with their steps) and counters.
pub fn set_up_queues(node: &Node) -> Result<()> {
    for (code, name_id, name_en, room) in SERVICES {
        let service = Service {
            code: ServiceCode::parse(code)?,
            name_id: (*name_id).into(),
            name_en: (*name_en).into(),
            active: true,
            slots: Default::default(),
            // Monday to Saturday 08:00–14:00, 15-minute slots of 4, 2 of them online.
            schedule: Some(Schedule::demo()),
            steps: room.map_or_else(Vec::new, |(id, en)| poli_steps(id, en)),
            target_wait_minutes: Service::DEFAULT_TARGET_WAIT_MINUTES,
        };
        node.set_service(Actor::System, service)?;
    }
    for (id, name, services, steps) in COUNTERS {
        let counter = Counter {
            id: CounterId::parse(id)?,
            name: (*name).into(),
            services: services
                .iter()
                .map(|s| ServiceCode::parse(s))
                .collect::<std::result::Result<_, _>>()?,
            steps: steps
                .iter()
                .map(|s| StepId::parse(s))
                .collect::<std::result::Result<_, _>>()?,
        };
        node.set_counter(Actor::System, counter)?;
    }
    Ok(())
}

/// This data folder's demo pairing secret, made on its first demo start.
fn pairing_key(node: &Node) -> Result<String> {
    if let Some(key) = node.store().meta(META_PAIRING_KEY)? {
        return Ok(key);
    }
    let key = crate::auth::new_token("mdp");
    node.store().set_meta(META_PAIRING_KEY, &key)?;
    Ok(key)
}

/// The demo device `name`'s token: HMAC-SHA256 of its name under the pairing secret, as
/// a device token (`mcd_…`, 256 bits).
fn device_token(pairing_key: &str, name: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(pairing_key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"medicloud demo device|");
    mac.update(name.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!(
        "mcd_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
    )
}
