//! Online booking on both engines, over real HTTP on loopback: a demo node sets up the
//! clinic (its zone, a schedule with an online share) and syncs it into the cloud;
//! patients book, look up, move and cancel through the public routes; what the cloud
//! wrote reaches the node, whose desk share stays its own. Every patient client sends
//! from a loopback address of its own, as the rate limit counts addresses.

use crate::util::{Db, at, noon_zone, server_at};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use medicloud_cloud::storage::{AnyStorage, AuthorStorage, Storage};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::{Actor, Event, EventBody};
use medicloud_core::ids::ClinicId;
use medicloud_core::schedule::{Channel, Day, Hours, Schedule};
use medicloud_core::validate::{Rule, ValidationError};
use medicloud_node::demo::DEMO_CLINIC;
use medicloud_sync::log::VersionVector;
use medicloud_testkit::TestNode;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};

const ADMIN: &str = "test-admin-token";
const PHONE: &str = "0812-3456-7890";

/// Every day 06:00–20:00 (whatever weekday the tests run), 15-minute slots of 4
/// places, 2 of them online; closed on `closed`.
fn every_day(closed: Vec<NaiveDate>) -> Schedule {
    Schedule {
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
        closed,
        practitioner: None,
    }
}

/// A demo node's clinic, synced into a cloud server on `db`.
struct Clinic {
    db: Db,
    storage: AnyStorage,
    base: String,
    node: TestNode,
    zone: Tz,
    today: NaiveDate,
}

impl Clinic {
    /// The demo clinic in [`noon_zone`], Poli Umum (A) on [`every_day`] with the day
    /// `closed_in` days from today closed, synced to a new cloud on `db`.
    async fn start(db: Db, closed_in: i64) -> Self {
        let node = TestNode::start();
        let zone_name = noon_zone();
        node.node
            .set_clinic(Actor::System, "Klinik Sehat Sentosa", &zone_name)
            .unwrap();
        let zone: Tz = zone_name.parse().unwrap();
        let today = Utc::now().with_timezone(&zone).date_naive();
        let closed = vec![today + Duration::days(closed_in)];
        node.node
            .put_schedule(Actor::System, &code("A"), every_day(closed))
            .unwrap();
        let storage = db.open().await;
        assert!(
            storage
                .add_clinic(DEMO_CLINIC, "Klinik Sehat Sentosa", "lan-key")
                .await
                .unwrap()
        );
        let base = server_at(&db.url, ADMIN, None).await;
        let clinic = Self {
            db,
            storage,
            base,
            node,
            zone,
            today,
        };
        clinic.node_to_cloud().await;
        clinic
    }

    /// What the node holds that the cloud lacks, into the cloud (as a sync round would).
    async fn node_to_cloud(&self) {
        loop {
            let remote = self.storage.summary(DEMO_CLINIC).await.unwrap();
            let events = self.node.node.store().missing_for(&remote, 500).unwrap();
            if events.is_empty() {
                return;
            }
            self.storage
                .ingest(DEMO_CLINIC, events, None)
                .await
                .unwrap();
        }
    }

    /// What the cloud holds that the node lacks, into the node.
    async fn cloud_to_node(&self) {
        loop {
            let remote = self.node.node.store().summary().unwrap();
            let events = self
                .storage
                .missing(DEMO_CLINIC, &remote, 500)
                .await
                .unwrap();
            if events.is_empty() {
                return;
            }
            self.node.node.store().ingest(events).unwrap();
        }
    }

    /// The instant of `day` (days from today) `h:m` in the clinic, RFC 3339.
    fn when(&self, day: i64, h: u32, m: u32) -> String {
        let date = self.today + Duration::days(day);
        medicloud_core::schedule::instant(self.zone, date, at(h, m))
            .unwrap()
            .to_rfc3339()
    }

    fn patient(&self, n: u8) -> Patient {
        Patient::new(&self.base, n)
    }

    /// The cloud's own events of the clinic, in its series' order.
    async fn cloud_events(&self) -> Vec<Event> {
        let Some(origin) = self.storage.cloud_origin(DEMO_CLINIC).await.unwrap() else {
            return Vec::new();
        };
        let all = self
            .storage
            .missing(DEMO_CLINIC, &VersionVector::new(), 100_000)
            .await
            .unwrap();
        all.into_iter()
            .filter(|e| e.id.origin == origin.id)
            .collect()
    }
}

fn code(c: &str) -> ServiceCode {
    ServiceCode::parse(c).unwrap()
}

/// A patient's browser: one loopback address of its own, answers in English.
struct Patient {
    http: reqwest::Client,
    base: String,
}

impl Patient {
    fn new(base: &str, n: u8) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("en"),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 3, n)))
            .build()
            .unwrap();
        Self {
            http,
            base: base.to_owned(),
        }
    }

    async fn answer(res: reqwest::Response) -> (StatusCode, Value) {
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        Self::answer(res).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        Self::answer(res).await
    }

    async fn book(&self, start: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/public/bookings",
            json!({
                "clinic": DEMO_CLINIC, "service": "A", "start": start,
                "name": "Siti Rahayu", "phone": PHONE, "nik": "3174015708850003",
                "consent_messages": true,
            }),
        )
        .await
    }

    /// `(start, free)` of the day's slots.
    async fn slots(&self, date: NaiveDate) -> Vec<(String, u64)> {
        let (status, slots) = self
            .get(&format!(
                "/api/v1/public/clinics/{DEMO_CLINIC}/slots?service=A&date={date}"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{slots}");
        slots
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["start"].as_str().unwrap().to_owned(),
                    s["free"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// The free online places of the slot at `start`.
    async fn free(&self, start: &str) -> u64 {
        let date = DateTime::parse_from_rfc3339(start).unwrap();
        let slots = self.slots(date.date_naive()).await;
        slots
            .iter()
            .find(|(s, _)| DateTime::parse_from_rfc3339(s).unwrap() == date)
            .unwrap_or_else(|| panic!("no slot {start} in {slots:?}"))
            .1
    }
}

fn parse(t: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_is_looked_up_moved_and_cancelled_with_its_phone_number_only() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db, 30).await;
        let patient = c.patient(1);

        // The clinic is listed with the services that take online bookings.
        let (status, clinics) = patient.get("/api/v1/public/clinics").await;
        assert_eq!(status, StatusCode::OK, "{engine}: {clinics}");
        let listed = &clinics.as_array().unwrap()[0];
        assert_eq!(listed["id"], json!(DEMO_CLINIC), "{engine}");
        assert_eq!(listed["time_zone"], json!(c.zone.name()));
        assert!(
            listed["services"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["code"] == "A" && s["name_id"] == "Poli Umum"),
            "{clinics}"
        );

        // Tomorrow: 56 slots of 15 minutes, 2 online places each, with the zone's offset.
        let tomorrow = c.today + Duration::days(1);
        let slots = patient.slots(tomorrow).await;
        assert_eq!(slots.len(), 56, "{engine}");
        assert!(slots.iter().all(|(_, free)| *free == 2));
        assert_eq!(slots[0].0, c.when(1, 6, 0), "{engine}");

        let nine = c.when(1, 9, 0);
        let (status, booked) = patient.book(&nine).await;
        assert_eq!(status, StatusCode::CREATED, "{engine}: {booked}");
        let code = booked["code"].as_str().unwrap().to_owned();
        assert_eq!(parse(&booked["start"]), parse(&json!(nine)));
        assert_eq!(booked["service"], "A");
        assert_eq!(
            booked["qr_url"],
            format!("/api/v1/public/bookings/{code}/qr.svg")
        );
        assert_eq!(
            booked["ics_url"],
            format!("/api/v1/public/bookings/{code}.ics")
        );
        assert_eq!(patient.free(&nine).await, 1, "{engine}");

        // Found with the number in another of its forms, and the code in lower case.
        let lookup = format!("/api/v1/public/bookings/{}/lookup", code.to_lowercase());
        let (status, found) = patient
            .post(&lookup, json!({"phone": "+62 812 3456 7890"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{engine}: {found}");
        assert_eq!(
            (
                found["code"].as_str(),
                found["status"].as_str(),
                found["clinic_name"].as_str(),
                found["service_name_en"].as_str()
            ),
            (
                Some(code.as_str()),
                Some("booked"),
                Some("Klinik Sehat Sentosa"),
                Some("General Practice")
            )
        );
        assert_eq!(
            parse(&found["end"]) - parse(&found["start"]),
            Duration::minutes(15)
        );

        // Another number and an unknown code are the same answer, and change nothing
        // (tried from another address: each failure costs ten requests).
        let summary = c.storage.summary(DEMO_CLINIC).await.unwrap();
        let stranger = c.patient(5);
        let (status, wrong) = stranger
            .post(&lookup, json!({"phone": "081299998888"}))
            .await;
        let (status2, unknown) = stranger
            .post(
                "/api/v1/public/bookings/AAAAAA/lookup",
                json!({"phone": PHONE}),
            )
            .await;
        assert_eq!(
            (status, status2),
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
        );
        assert_eq!(wrong, unknown, "{engine}: which was wrong is never said");
        assert_eq!(wrong["code"], "not_found");
        for (action, body) in [
            ("cancel", json!({"phone": "081299998888"})),
            (
                "move",
                json!({"phone": "081299998888", "start": c.when(1, 10, 0)}),
            ),
        ] {
            let (status, _) = stranger
                .post(&format!("/api/v1/public/bookings/{code}/{action}"), body)
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{engine}: {action}");
        }
        assert_eq!(
            c.storage.summary(DEMO_CLINIC).await.unwrap(),
            summary,
            "{engine}: a wrong number wrote nothing"
        );
        assert_eq!(patient.free(&nine).await, 1);

        // Moved: the code stays, the place moves.
        let ten = c.when(1, 10, 0);
        let (status, moved) = patient
            .post(
                &format!("/api/v1/public/bookings/{code}/move"),
                json!({"phone": PHONE, "start": ten}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{engine}: {moved}");
        assert_eq!(
            (moved["code"].as_str(), parse(&moved["start"])),
            (Some(code.as_str()), parse(&json!(ten)))
        );
        assert_eq!(
            (patient.free(&nine).await, patient.free(&ten).await),
            (2, 1)
        );

        // Cancelled once; twice is refused; a cancelled booking cannot move.
        let cancel = format!("/api/v1/public/bookings/{code}/cancel");
        let (status, cancelled) = patient.post(&cancel, json!({"phone": PHONE})).await;
        assert_eq!(
            (status, cancelled["status"].as_str()),
            (StatusCode::OK, Some("cancelled")),
            "{engine}: {cancelled}"
        );
        let (status, again) = patient.post(&cancel, json!({"phone": PHONE})).await;
        assert_eq!(
            (status, again["code"].as_str()),
            (StatusCode::CONFLICT, Some("appointment_cancelled")),
            "{engine}"
        );
        let (status, err) = patient
            .post(
                &format!("/api/v1/public/bookings/{code}/move"),
                json!({"phone": PHONE, "start": nine}),
            )
            .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::CONFLICT, Some("appointment_cancelled"))
        );
        assert_eq!(
            patient.free(&ten).await,
            2,
            "{engine}: the place is free again"
        );
        let (_, found) = patient.post(&lookup, json!({"phone": PHONE})).await;
        assert_eq!(found["status"], "cancelled");

        // What the cloud wrote: its own series, by nobody the clinic knows, in order.
        let events = c.cloud_events().await;
        let kinds: Vec<&str> = events.iter().map(|e| e.body.kind()).collect();
        assert_eq!(
            kinds,
            [
                "patient_set",
                "appointment_booked",
                "appointment_moved",
                "appointment_cancelled"
            ],
            "{engine}"
        );
        assert!(events.iter().all(|e| e.actor == Actor::System));
        assert_eq!(
            events.iter().map(|e| e.id.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert!(events.windows(2).all(|w| w[0].stamp < w[1].stamp));
        let EventBody::AppointmentBooked(a) = &events[1].body else {
            unreachable!()
        };
        assert_eq!(
            (a.channel, a.consent_messages, a.code.as_str()),
            (Channel::Online, true, code.as_str())
        );
        let EventBody::PatientSet(p) = &events[0].body else {
            unreachable!()
        };
        assert_eq!(
            (p.name.as_deref(), p.phone.as_deref(), Some(p.id)),
            (Some("Siti Rahayu"), Some("+6281234567890"), a.patient)
        );
        // The projection folded them as a device's events.
        let projected = c
            .storage
            .appointments_between(DEMO_CLINIC, tomorrow, tomorrow)
            .await
            .unwrap();
        assert_eq!(projected.len(), 1, "{engine}");
        assert_eq!(projected[0].appointment.slot_start, at(10, 0));
        assert!(projected[0].cancelled.is_some());
        c.db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn times_outside_the_schedule_closed_days_and_days_out_of_reach_are_refused() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db, 2).await;
        let patient = c.patient(2);
        let summary = c.storage.summary(DEMO_CLINIC).await.unwrap();
        let not_in_schedule = ValidationError::new("start", Rule::NotInSchedule).text();
        // Between two slots, before opening, on the closed day, a second off.
        let off_slot = {
            let t = DateTime::parse_from_rfc3339(&c.when(1, 9, 0)).unwrap();
            (t + Duration::seconds(1)).to_rfc3339()
        };
        for start in [c.when(1, 9, 7), c.when(1, 5, 0), c.when(2, 9, 0), off_slot] {
            let (status, err) = patient.book(&start).await;
            assert_eq!(
                (status, err["code"].as_str(), err["message"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("validation_failed"),
                    Some(not_in_schedule.en.as_str())
                ),
                "{engine}: {start}"
            );
        }
        // In Bahasa Indonesia when asked (and when nothing is asked).
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/public/bookings", c.base))
            .header("accept-language", "id")
            .json(&json!({
                "clinic": DEMO_CLINIC, "service": "A", "start": c.when(1, 9, 7),
                "name": "Siti", "phone": PHONE, "consent_messages": false,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-language"], "id");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["message"], not_in_schedule.id.as_str());

        // A closed day has no slots; 60 days ahead has, 61 is out of reach.
        assert_eq!(patient.slots(c.today + Duration::days(2)).await, vec![]);
        assert_eq!(patient.slots(c.today + Duration::days(60)).await.len(), 56);
        let far = c.today + Duration::days(61);
        let (status, err) = patient
            .get(&format!(
                "/api/v1/public/clinics/{DEMO_CLINIC}/slots?service=A&date={far}"
            ))
            .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
            "{engine}"
        );
        let (status, _) = patient.book(&c.when(61, 9, 0)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // Today's morning has passed (it is noon there): left out of the list, refused.
        let today = patient.slots(c.today).await;
        let first = DateTime::parse_from_rfc3339(&today[0].0).unwrap();
        assert!(first.hour() >= 12, "{engine}: {today:?}");
        let (status, err) = patient.book(&c.when(0, 9, 0)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(
            err["message"],
            ValidationError::new("start", Rule::TimePassed).text().en
        );
        // A patient without a name, or with a number that is not a mobile one.
        for (name, phone, field) in [
            ("  ", PHONE, "Name: "),
            ("Siti", "12345", "Mobile number: "),
        ] {
            let (status, err) = patient
                .post(
                    "/api/v1/public/bookings",
                    json!({"clinic": DEMO_CLINIC, "service": "A", "start": c.when(1, 9, 0),
                           "name": name, "phone": phone, "consent_messages": false}),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
            assert!(err["message"].as_str().unwrap().starts_with(field), "{err}");
        }
        // No such service or clinic.
        let (status, _) = patient
            .get(&format!(
                "/api/v1/public/clinics/{}/slots?service=A&date={}",
                ClinicId::random(),
                c.today
            ))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = patient
            .get(&format!(
                "/api/v1/public/clinics/{DEMO_CLINIC}/slots?service=ZZ&date={}",
                c.today
            ))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            c.storage.summary(DEMO_CLINIC).await.unwrap(),
            summary,
            "{engine}: no refusal wrote anything"
        );
        assert_eq!(c.cloud_events().await, vec![]);
        c.db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_online_share_refuses_online_bookings_and_leaves_the_desk_share_to_the_node() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db, 30).await;
        let nine = c.when(1, 9, 0);
        // Twelve patients at once for the 2 online places.
        let patients: Vec<Patient> = (10..22).map(|n| c.patient(n)).collect();
        let answers = futures::future::join_all(patients.iter().map(|p| p.book(&nine))).await;
        let mut codes: Vec<&str> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .map(|(_, b)| b["code"].as_str().unwrap())
            .collect();
        let full: Vec<&Value> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CONFLICT)
            .map(|(_, b)| b)
            .collect();
        assert_eq!((codes.len(), full.len()), (2, 10), "{engine}: {answers:?}");
        assert!(full.iter().all(|b| b["code"] == "slot_full"));
        assert_eq!(
            full[0]["message"],
            "all 2 online places in this slot are taken; choose another time"
        );
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 2, "{engine}: two codes");
        assert_eq!(c.patients_free(&nine).await, 0);

        // The node gets them, and its desk still books its own 2 places of the slot.
        c.cloud_to_node().await;
        let desk = c.node.login("desk").await;
        let tomorrow = c.today + Duration::days(1);
        let (_, list) = c
            .node
            .call(
                "GET",
                &format!("/api/v1/appointments?date={tomorrow}"),
                Some(&desk),
                None,
            )
            .await;
        let online: Vec<&Value> = list.as_array().unwrap().iter().collect();
        assert_eq!(online.len(), 2, "{engine}: {list}");
        assert!(online.iter().all(|a| a["channel"] == "online"
            && a["status"] == "booked"
            && a["patient_name"] == "Siti Rahayu"));
        // On the node's trail: by nobody the clinic knows, from the cloud's series, online.
        let admin = c.node.login("admin").await;
        let (_, trail) = c
            .node
            .call(
                "GET",
                "/api/v1/audit?action=appointment_booked",
                Some(&admin),
                None,
            )
            .await;
        let origin = c.storage.cloud_origin(DEMO_CLINIC).await.unwrap().unwrap();
        let rows = trail.as_array().unwrap();
        assert_eq!(rows.len(), 2, "{engine}: {trail}");
        assert!(
            rows.iter().all(|r| r["actor"] == "system"
                && r["subject"] == "online"
                && r["device"] == json!(origin.id)
                && r["patient"].is_string()),
            "{trail}"
        );
        let body = json!({"service": "A", "date": tomorrow, "slot_start": "09:00"}).to_string();
        for _ in 0..2 {
            let (status, booked) = c
                .node
                .call("POST", "/api/v1/appointments", Some(&desk), Some(&body))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{engine}: {booked}");
        }
        let (status, err) = c
            .node
            .call("POST", "/api/v1/appointments", Some(&desk), Some(&body))
            .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::CONFLICT, Some("slot_full"))
        );
        let (_, slots) = c
            .node
            .call(
                "GET",
                &format!("/api/v1/slots?service=A&date={tomorrow}"),
                Some(&desk),
                None,
            )
            .await;
        let slot = slots
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["start"] == "09:00:00")
            .unwrap();
        assert_eq!(
            (
                slot["booked_online"].as_u64(),
                slot["booked_desk"].as_u64(),
                slot["fullness"].as_str()
            ),
            (Some(2), Some(2), Some("full")),
            "{engine}: {slot}"
        );
        // The desk's bookings reach the cloud and change nothing of the online share.
        c.node_to_cloud().await;
        assert_eq!(c.patients_free(&nine).await, 0);
        let (status, _) = c.patient(30).book(&nine).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = c.patient(30).book(&c.when(1, 9, 15)).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{engine}: the next slot has places"
        );
        c.db.drop_now().await;
    }
}

impl Clinic {
    async fn patients_free(&self, start: &str) -> u64 {
        self.patient(99).free(start).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_codes_is_rate_limited_per_address() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db, 30).await;
        let guesser = c.patient(40);
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for guess in 0..20 {
            let res = guesser
                .http
                .post(format!(
                    "{}/api/v1/public/bookings/AAAA{:02}/lookup",
                    c.base,
                    guess % 100
                ))
                .json(&json!({"phone": PHONE}))
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
            if res.status() == StatusCode::TOO_MANY_REQUESTS {
                retry_after = res.headers().get("retry-after").cloned();
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["code"], "rate_limited");
                break;
            }
        }
        // A burst of 40 requests, each failed guess costing 10: the fifth is refused.
        assert_eq!(statuses, [404, 404, 404, 404, 429], "{engine}");
        let secs: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
        assert!(secs >= 1, "{engine}");
        // Another address is not held.
        let (status, _) = c.patient(41).get("/api/v1/public/clinics").await;
        assert_eq!(status, StatusCode::OK, "{engine}");
        c.db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_calendar_file_and_the_qr_code_carry_the_booking_and_no_patient_data() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db, 30).await;
        let patient = c.patient(50);
        let nine = c.when(1, 9, 0);
        let (status, booked) = patient.book(&nine).await;
        assert_eq!(status, StatusCode::CREATED, "{engine}: {booked}");
        let code = booked["code"].as_str().unwrap();

        let res = patient
            .http
            .get(format!("{}{}", c.base, booked["ics_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{engine}");
        assert_eq!(
            res.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        let ics = res.text().await.unwrap();
        assert!(
            ics.ends_with("\r\n") && !ics.replace("\r\n", "").contains('\n'),
            "CRLF lines"
        );
        let unfolded = ics.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            (lines[0], lines[lines.len() - 1]),
            ("BEGIN:VCALENDAR", "END:VCALENDAR")
        );
        let value = |name: &str| {
            lines
                .iter()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .unwrap_or_else(|| panic!("no {name} in {ics}"))
        };
        let utc = |t: &str| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y%m%dT%H%M%SZ")
                .unwrap()
                .and_utc()
        };
        let start = DateTime::parse_from_rfc3339(&nine)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            utc(value("DTSTART")),
            start,
            "{engine}: the slot's start in UTC"
        );
        assert_eq!(utc(value("DTEND")), start + Duration::minutes(15));
        assert!((Utc::now() - utc(value("DTSTAMP"))).num_minutes().abs() < 10);
        let appointment = c.cloud_events().await[1].body.clone();
        let EventBody::AppointmentBooked(a) = appointment else {
            unreachable!()
        };
        assert_eq!(value("UID"), format!("{}@medicloud", a.id));
        assert_eq!(value("STATUS"), "CONFIRMED");
        assert!(value("SUMMARY").contains("General Practice"), "{ics}");
        assert!(value("DESCRIPTION").contains(code));
        for private in ["Siti", "Rahayu", "812", "3174015708850003"] {
            assert!(!ics.contains(private), "{engine}: {private} in {ics}");
        }
        let count = |line: &str| lines.iter().filter(|l| **l == line).count();
        assert_eq!((count("BEGIN:VEVENT"), count("END:VEVENT")), (1, 1));

        // The QR code reads back as the code, and nothing else.
        let res = patient
            .http
            .get(format!("{}{}", c.base, booked["qr_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        let svg = res.text().await.unwrap();
        assert_eq!(decode_qr(&svg), code, "{engine}");
        let (status, _) = patient.get("/api/v1/public/bookings/AAAAAA/qr.svg").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        c.db.drop_now().await;
    }
}

/// The text of the QR code an SVG of ours draws (a square `M x y h1v1h-1z` per dark
/// module in a `viewBox` of the symbol and its quiet zone), read by `rqrr` from the
/// picture drawn 8 pixels a module.
fn decode_qr(svg: &str) -> String {
    let size: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; size * size];
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let xy = square.strip_suffix("h1v1h-1z").unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        dark[y * size + x] = true;
    }
    let scale = 8;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(size * scale, size * scale, |x, y| {
            if dark[(y / scale) * size + x / scale] {
                0
            } else {
                255
            }
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    let (_, content) = grids[0].decode().unwrap();
    content
}

/// A cloud on `db` serving the built screens of `ui`; its base URL.
async fn server_with_ui(db: &Db, ui: &std::path::Path) -> String {
    let args = medicloud_cloud::CloudConfig {
        database: db.url.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ui: Some(ui.to_owned()),
        ..Default::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        medicloud_cloud::serve(args, std::future::pending(), |addr, _| {
            let _ = tx.send(addr);
        })
        .await
        .unwrap();
    });
    format!("http://{}", rx.await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_booking_page_is_served_under_book_with_the_screens_headers_when_built() {
    let db = Db::sqlite().await;
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("book.html"),
        "<!doctype html><title>Booking</title>",
    )
    .unwrap();
    std::fs::create_dir(ui.path().join("assets")).unwrap();
    std::fs::write(ui.path().join("assets/book.js"), "export {};").unwrap();
    let base = server_with_ui(&db, ui.path()).await;
    let client = reqwest::Client::new();
    for path in ["/book", "/book/", "/book/manage/K7M3QX"] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let headers = res.headers().clone();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(res.text().await.unwrap().contains("<title>Booking</title>"));
    }
    // Without the head office's screens, the page's own assets are served with it.
    let res = client
        .get(format!("{base}/assets/book.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = client.get(format!("{base}/hq")).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "no head-office screens built"
    );

    // With the head office's screens too: both pages, one `/assets`.
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>HQ</title>",
    )
    .unwrap();
    let both = server_with_ui(&db, ui.path()).await;
    for (path, title) in [
        ("/hq", "HQ"),
        ("/book", "Booking"),
        ("/assets/book.js", "export"),
    ] {
        let res = client.get(format!("{both}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.text().await.unwrap().contains(title), "{path}");
    }

    // Not built: /book is the JSON 404 of any path no route serves.
    let empty = tempfile::tempdir().unwrap();
    let base = server_with_ui(&db, empty.path()).await;
    let res = client.get(format!("{base}/book")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn public_bodies_are_small_and_every_refusal_is_json_in_the_language_asked() {
    let db = Db::sqlite().await;
    let base = server_at(&db.url, ADMIN, None).await;
    let client = reqwest::Client::new();
    let post = |body: reqwest::Body, kind: Option<&'static str>, lang: &'static str| {
        let mut req = client
            .post(format!("{base}/api/v1/public/bookings"))
            .header("accept-language", lang)
            .body(body);
        if let Some(kind) = kind {
            req = req.header("content-type", kind);
        }
        req.send()
    };
    let big = json!({"name": "x".repeat(20 * 1024)}).to_string();
    for (body, kind, status, code) in [
        (big, Some("application/json"), 413, "payload_too_large"),
        ("{}".to_owned(), None, 415, "unsupported_media_type"),
        ("{".to_owned(), Some("application/json"), 400, "bad_json"),
        (
            "{}".to_owned(),
            Some("application/json"),
            422,
            "validation_failed",
        ),
    ] {
        for lang in ["en", "id"] {
            let res = post(body.clone().into(), kind, lang).await.unwrap();
            assert_eq!(res.status().as_u16(), status, "{code}");
            assert_eq!(res.headers()["content-language"], lang);
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["code"], code, "{err}");
        }
    }
    let res = post(
        json!({"clinic": DEMO_CLINIC, "service": "A", "start": "2026-12-07T09:00:00+07:00",
               "name": "Siti", "phone": PHONE, "consent_messages": false, "extra": 1})
        .to_string()
        .into(),
        Some("application/json"),
        "en",
    )
    .await
    .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown field"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_checked_in_at_the_clinic_is_no_longer_the_patients_to_change() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db, 30).await;
        let patient = c.patient(60);
        // This afternoon (it is about noon in the clinic).
        let (status, booked) = patient.book(&c.when(0, 16, 0)).await;
        assert_eq!(status, StatusCode::CREATED, "{engine}: {booked}");
        let code = booked["code"].as_str().unwrap();
        c.cloud_to_node().await;
        let body = json!({"appointment_code": code}).to_string();
        let kiosk = c.node.kiosk.clone();
        let (status, ticket) = c
            .node
            .call("POST", "/api/v1/tickets", Some(&kiosk), Some(&body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{engine}: {ticket}");
        c.node_to_cloud().await;

        let (_, found) = patient
            .post(
                &format!("/api/v1/public/bookings/{code}/lookup"),
                json!({"phone": PHONE}),
            )
            .await;
        assert_eq!(found["status"], "checked_in", "{engine}: {found}");
        let summary = c.storage.summary(DEMO_CLINIC).await.unwrap();
        for (action, body) in [
            ("cancel", json!({"phone": PHONE})),
            ("move", json!({"phone": PHONE, "start": c.when(1, 9, 0)})),
        ] {
            let (status, err) = patient
                .post(&format!("/api/v1/public/bookings/{code}/{action}"), body)
                .await;
            assert_eq!(
                (status, err["code"].as_str()),
                (StatusCode::CONFLICT, Some("already_checked_in")),
                "{engine}: {action}"
            );
        }
        assert_eq!(c.storage.summary(DEMO_CLINIC).await.unwrap(), summary);
        c.db.drop_now().await;
    }
}
