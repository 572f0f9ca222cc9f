//! The desk share counted by the cloud, where the cloud hands out a clinic's labels,
//! on both engines over real HTTP: two devices of one clinic book and move desk
//! bookings through `POST /sync/v1/appointments/desk` and are given desk reserves by
//! `POST /sync/v1/appointments/reserve`, and the one capacity rule holds across them.

use crate::util::{Db, at, noon_zone, server_at};
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use medicloud_cloud::storage::{AnyStorage, AuthorStorage, Storage};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::{Actor, Event, EventBody};
use medicloud_core::ids::{AppointmentId, DeviceId};
use medicloud_core::requests::{
    DeskAnswer, DeskBooking, MoveAppointment, Named, NewAppointment, ReserveAsk,
};
use medicloud_core::schedule::{Day, DeskReserve, Hours, Schedule};
use medicloud_node::demo::DEMO_CLINIC;
use medicloud_sync::log::VersionVector;
use medicloud_sync::wire::{self, EnrolRequest, Enrolled};
use medicloud_testkit::TestNode;
use reqwest::StatusCode;
use serde_json::Value;

const ADMIN: &str = "test-admin-token";

fn code(c: &str) -> ServiceCode {
    ServiceCode::parse(c).unwrap()
}

/// A clinic on a cloud, with two enrolled devices.
struct Clinic {
    db: Db,
    storage: AnyStorage,
    base: String,
    today: NaiveDate,
    desks: [Desk; 2],
    _node: TestNode,
}

/// An enrolled device, as its cloud link asks.
struct Desk {
    device: DeviceId,
    secret: String,
    http: reqwest::Client,
    base: String,
}

impl Desk {
    async fn post(&self, route: &str, body: &impl serde::Serialize) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}{route}", self.base))
            .bearer_auth(&self.secret)
            .json(body)
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    /// What the cloud answers a desk booking or move (a 200 either way).
    async fn ask(&self, asked: &DeskBooking) -> DeskAnswer {
        let (status, body) = self.post(wire::DESK_BOOKING, asked).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    async fn reserves(&self, date: NaiveDate) -> Vec<DeskReserve> {
        let ask = ReserveAsk {
            holder: self.device,
            service: code("A"),
            date,
        };
        let (status, body) = self.post(wire::DESK_RESERVE, &ask).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }
}

/// A desk booking of Poli Umum at `start` `date`, named anew.
fn book(date: NaiveDate, start: NaiveTime, confirm_overbooking: bool) -> DeskBooking {
    DeskBooking::Book {
        actor: Actor::System,
        request: NewAppointment {
            patient: None,
            service: code("A"),
            date,
            slot_start: start,
            slot_minutes: None,
            confirm_overbooking,
        },
        named: Named {
            id: AppointmentId::random(),
            code: "K7M3QX".into(),
        },
    }
}

fn booked(answer: DeskAnswer) -> medicloud_core::domain::Appointment {
    match answer {
        DeskAnswer::Booked(a) => *a,
        other => panic!("refused: {other:?}"),
    }
}

fn refused_code(answer: &DeskAnswer) -> Option<(u16, String)> {
    match answer {
        DeskAnswer::Refused { status, code, .. } => Some((
            *status,
            serde_json::to_value(code)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned(),
        )),
        DeskAnswer::Booked(_) => None,
    }
}

impl Clinic {
    /// The demo clinic in [`noon_zone`], Poli Umum every day 06:00–20:00 in 15-minute
    /// slots of 4 places, 2 online (so 2 at the desk), synced to a new cloud on `db`;
    /// two devices enrolled.
    async fn start(db: Db) -> Self {
        let node = TestNode::start();
        let zone_name = noon_zone();
        node.node
            .set_clinic(Actor::System, "Klinik Sehat Sentosa", &zone_name)
            .unwrap();
        let zone: Tz = zone_name.parse().unwrap();
        let today = Utc::now().with_timezone(&zone).date_naive();
        let schedule = Schedule {
            hours: Day::ALL
                .iter()
                .map(|&day| Hours {
                    day,
                    opens: at(6, 0),
                    closes: at(20, 0),
                })
                .collect(),
            slot_minutes: 15,
            places_per_slot: 4,
            online_places: 2,
            closed: Vec::new(),
            practitioner: None,
        };
        node.node
            .put_schedule(Actor::System, &code("A"), schedule)
            .unwrap();
        let storage = db.open().await;
        assert!(
            storage
                .add_clinic(DEMO_CLINIC, "Klinik Sehat Sentosa", "lan-key")
                .await
                .unwrap()
        );
        loop {
            let remote = storage.summary(DEMO_CLINIC).await.unwrap();
            let events = node.node.store().missing_for(&remote, 500).unwrap();
            if events.is_empty() {
                break;
            }
            storage.ingest(DEMO_CLINIC, events, None).await.unwrap();
        }
        let base = server_at(&db.url, ADMIN, None).await;
        let mut desks = Vec::new();
        for n in 0..2 {
            let one_time = format!("DESK-CODE-{n}");
            let digest = crate::util::sha256_hex(&one_time.replace('-', ""));
            storage
                .add_code(DEMO_CLINIC, &digest, i64::MAX)
                .await
                .unwrap();
            let http = reqwest::Client::new();
            let enrolled: Enrolled = http
                .post(format!("{base}{}", wire::ENROL))
                .json(&EnrolRequest {
                    code: one_time,
                    device: DeviceId::random(),
                    name: format!("Loket {n}"),
                })
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            desks.push(Desk {
                device: enrolled.device,
                secret: enrolled.secret,
                http,
                base: base.clone(),
            });
        }
        let [a, b]: [Desk; 2] = desks.try_into().ok().unwrap();
        Self {
            db,
            storage,
            base,
            today,
            desks: [a, b],
            _node: node,
        }
    }

    /// The cloud's own events of the clinic.
    async fn cloud_events(&self) -> Vec<Event> {
        let Some(origin) = self.storage.cloud_origin(DEMO_CLINIC).await.unwrap() else {
            return Vec::new();
        };
        self.storage
            .missing(DEMO_CLINIC, &VersionVector::new(), 100_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.id.origin == origin.id)
            .collect()
    }

    async fn bookings(&self) -> usize {
        self.cloud_events()
            .await
            .iter()
            .filter(|e| matches!(e.body, EventBody::AppointmentBooked(_)))
            .count()
    }
}

#[tokio::test]
async fn desk_bookings_through_the_cloud_count_one_desk_share_for_every_node() {
    for db in Db::all().await {
        let clinic = Clinic::start(db).await;
        let [a, b] = &clinic.desks;
        let today = clinic.today;
        let first = book(today, at(14, 0), false);
        let one = booked(a.ask(&first).await);
        assert_eq!((one.slot_start, one.overbooked), (at(14, 0), false));
        // Asked again (an answer lost on the way): the same booking, not a second.
        let again = booked(a.ask(&first).await);
        assert_eq!((again.id, again.code.clone()), (one.id, one.code.clone()));
        assert_eq!(clinic.bookings().await, 1);

        // The last desk place, asked for by both desks at once: one booking, one 409.
        let (ask_a, ask_b) = (book(today, at(14, 0), false), book(today, at(14, 0), false));
        let (x, y) = tokio::join!(a.ask(&ask_a), b.ask(&ask_b));
        let refusals: Vec<_> = [&x, &y].into_iter().filter_map(refused_code).collect();
        assert_eq!(refusals, [(409, "slot_full".to_owned())], "{x:?} {y:?}");
        assert_eq!(clinic.bookings().await, 2);
        // The code each node chose was the same: the second live one got another.
        let codes: Vec<String> = clinic
            .cloud_events()
            .await
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::AppointmentBooked(a) => Some(a.code.clone()),
                _ => None,
            })
            .collect();
        assert_ne!(codes[0], codes[1]);

        // Beyond the desk share only as a confirmed overbooking, never online's places.
        let over = booked(b.ask(&book(today, at(14, 0), true)).await);
        assert!(over.overbooked);
        // A move into a full slot is refused; into a free one it keeps the code.
        let moving = |slot_start| DeskBooking::Move {
            actor: Actor::System,
            id: one.id,
            to: MoveAppointment {
                date: today,
                slot_start,
            },
        };
        let moved = booked(b.ask(&moving(at(14, 15))).await);
        assert_eq!(
            (moved.slot_start, moved.code),
            (at(14, 15), one.code.clone())
        );
        booked(a.ask(&book(today, at(14, 15), false)).await);
        let full = a.ask(&book(today, at(14, 15), false)).await;
        assert_eq!(refused_code(&full), Some((409, "slot_full".into())));
        // A day already over is refused as the node's desk would.
        let past = a
            .ask(&book(today - Duration::days(1), at(14, 0), false))
            .await;
        assert_eq!(refused_code(&past).map(|r| r.0), Some(422));
        // The events are the cloud's, as the desk's staff asked.
        assert!(
            clinic
                .cloud_events()
                .await
                .iter()
                .any(|e| matches!(e.body, EventBody::AppointmentMoved { .. }))
        );
        // No device secret: nothing is booked.
        let res = reqwest::Client::new()
            .post(format!("{}{}", clinic.base, wire::DESK_BOOKING))
            .json(&first)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        clinic.db.drop_now().await;
    }
}

#[tokio::test]
async fn desk_reserves_are_escrowed_once_up_to_the_number_and_taken_for_others() {
    for db in Db::all().await {
        let clinic = Clinic::start(db).await;
        let [a, b] = &clinic.desks;
        let tomorrow = clinic.today + Duration::days(1);
        let mine = a.reserves(tomorrow).await;
        assert_eq!(
            mine.len(),
            1,
            "the default --desk-reserve: one a service and day"
        );
        assert_eq!(mine[0].holder, a.device);
        // In the freest slot ahead, the later of equals: the day's last.
        assert_eq!(mine[0].slot_start, at(19, 45));
        // Asked again: the same reserve, none more.
        assert_eq!(a.reserves(tomorrow).await, mine);
        let made = clinic
            .cloud_events()
            .await
            .iter()
            .filter(|e| matches!(e.body, EventBody::DeskReserveSet(_)))
            .count();
        assert_eq!(made, 1);
        // Another node's reserve is its own.
        let theirs = b.reserves(tomorrow).await;
        assert_eq!(theirs.len(), 1);
        assert_ne!(theirs[0].id, mine[0].id);
        // A device asks only for itself.
        let (status, body) = b
            .post(
                wire::DESK_RESERVE,
                &ReserveAsk {
                    holder: a.device,
                    service: code("A"),
                    date: tomorrow,
                },
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // A's reserve takes one of the slot's two desk places for every desk booking
        // through the cloud (A's own too, while it reaches the cloud).
        let slot = mine[0].slot_start;
        booked(b.ask(&book(tomorrow, slot, false)).await);
        for desk in [a, b] {
            let answer = desk.ask(&book(tomorrow, slot, false)).await;
            assert_eq!(refused_code(&answer), Some((409, "slot_full".into())));
        }
        clinic.db.drop_now().await;
    }
}
