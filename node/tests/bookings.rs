//! Desk bookings another node asks of this one, the clinic's booking authority: asked
//! twice (the first answer lost on the way), it stays one booking; a code already live
//! here is not given twice.

use chrono::{NaiveDate, NaiveTime};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::Actor;
use medicloud_core::ids::{AppointmentId, ClinicId};
use medicloud_node::ops::{DeskBooking, NewAppointment, Node};
use medicloud_node::store::Store;
use medicloud_sync::hlc::ManualTime;
use std::sync::Arc;

/// 2026-11-25 (a Wednesday) 08:00 in Jakarta.
const MORNING_MS: u64 = 1_795_568_400_000;

fn clinic(dir: &std::path::Path) -> Node {
    let time = Arc::new(ManualTime::new(MORNING_MS));
    let node = Node::new(Store::open(&dir.join("node.sqlite"), ClinicId::random(), time).unwrap());
    node.set_clinic(Actor::System, "Klinik Uji", "Asia/Jakarta")
        .unwrap();
    medicloud_node::demo::set_up_queues(&node).unwrap();
    node
}

fn asked(id: AppointmentId, code: &str, at: &str) -> DeskBooking {
    serde_json::from_value(serde_json::json!({
        "kind": "book",
        "actor": {"type": "system"},
        "request": NewAppointment {
            patient: None,
            service: ServiceCode::parse("A").unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            slot_start: NaiveTime::parse_from_str(at, "%H:%M").unwrap(),
            slot_minutes: None,
            confirm_overbooking: false,
        },
        "named": {"id": id, "code": code},
    }))
    .unwrap()
}

#[test]
fn a_booking_asked_twice_is_one_booking_and_a_live_code_is_not_given_twice() {
    let dir = tempfile::tempdir().unwrap();
    let node = clinic(dir.path());
    let id = AppointmentId::random();
    let first = node
        .desk_booking_for_peer(asked(id, "K7M3QX", "09:00"))
        .unwrap();
    let again = node
        .desk_booking_for_peer(asked(id, "K7M3QX", "09:00"))
        .unwrap();
    assert_eq!(first, again);
    assert_eq!((first.id, first.code.as_str()), (id, "K7M3QX"));
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let nine = node
        .slots(&ServiceCode::parse("A").unwrap(), Some(day))
        .unwrap()
        .into_iter()
        .find(|s| s.start == NaiveTime::from_hms_opt(9, 0, 0).unwrap())
        .unwrap();
    assert_eq!(nine.booked_desk, 1, "{nine:?}");
    // Another booking asking for the same code gets a code of its own.
    let other = node
        .desk_booking_for_peer(asked(AppointmentId::random(), "K7M3QX", "09:15"))
        .unwrap();
    assert_ne!(other.code, "K7M3QX");
    assert_eq!(other.code.len(), 6);
}
