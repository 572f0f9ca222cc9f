//! FHIR scheduling on both engines, over real HTTP on loopback: a demo node sets up the
//! clinic (its zone, Poli Umum with a schedule of 2 online places of 4 every day, the
//! other services on the demo's) and syncs it into the cloud; an API client reads and
//! searches Schedules, Slots and Appointments, finds free slots and books one with
//! `$find` and `$book`, cancels by status; slot aggregators read `$bulk-publish`.
//! Every FHIR answer is validated against the R4 definitions at the end of each test.

use crate::fhir_check::fhir_check;
use crate::util::{Db, at, fhir_token, noon_zone, server_at};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use medicloud_cloud::storage::{AnyStorage, Storage};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::Actor;
use medicloud_core::ids::{ClinicId, UserId};
use medicloud_core::schedule::{Day, Hours, Schedule};
use medicloud_node::demo::DEMO_CLINIC;
use medicloud_testkit::TestNode;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

const ADMIN: &str = "test-admin-token";
const PHONE: &str = "0812-3456-7890";
const CODE_SYSTEM: &str = "https://medicloud.id/fhir/booking-code";
const SERVICE_SYSTEM: &str = "https://medicloud.id/fhir/service";
const CONSENT: &str = "https://medicloud.id/fhir/StructureDefinition/consent-messages";
const NIK: &str = "https://fhir.kemkes.go.id/id/nik";
const READ: &str = "system/Schedule.read system/Slot.read system/Appointment.read";
const ALL: &str = "system/Schedule.read system/Slot.read system/Appointment.read \
                   system/Appointment.write";

/// Every day 06:00–20:00, 15-minute slots of 4 places, 2 of them online, closed on
/// `closed`, the schedule of `practitioner`.
fn every_day(closed: Vec<NaiveDate>, practitioner: UserId) -> Schedule {
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
        practitioner: Some(practitioner),
    }
}

/// The FHIR answers of a test, validated at its end.
type Seen = Arc<Mutex<Vec<Value>>>;

/// A demo node's clinic synced into a cloud, another clinic registered beside it, and
/// an API client of the first.
struct Clinic {
    db: Db,
    storage: AnyStorage,
    base: String,
    node: TestNode,
    zone: Tz,
    today: NaiveDate,
    other: ClinicId,
    doctor: UserId,
    fhir: Fhir,
    seen: Seen,
}

impl Clinic {
    async fn start(db: Db) -> Self {
        let node = TestNode::start();
        let zone_name = noon_zone();
        node.node
            .set_clinic(Actor::System, "Klinik Sehat Sentosa", &zone_name)
            .unwrap();
        let zone: Tz = zone_name.parse().unwrap();
        let today = Utc::now().with_timezone(&zone).date_naive();
        let doctor = UserId::random();
        node.node
            .put_schedule(
                Actor::System,
                &code("A"),
                every_day(vec![today + Duration::days(30)], doctor),
            )
            .unwrap();
        let storage = db.open().await;
        storage
            .add_clinic(DEMO_CLINIC, "Klinik Sehat Sentosa", "lan-key")
            .await
            .unwrap();
        let other = ClinicId::random();
        storage
            .add_clinic(other, "Klinik Lain", "lan-key-2")
            .await
            .unwrap();
        let base = server_at(&db.url, ADMIN, None).await;
        let token = fhir_token(&base, &db, &[DEMO_CLINIC], ALL).await;
        let seen = Seen::default();
        let fhir = Fhir::new(&base, &token, &seen);
        let clinic = Self {
            db,
            storage,
            base,
            node,
            zone,
            today,
            other,
            doctor,
            fhir,
            seen,
        };
        clinic.node_to_cloud().await;
        clinic
    }

    /// A client of this cloud granted `clinics` and `scopes`.
    async fn client(&self, clinics: &[ClinicId], scopes: &str) -> Fhir {
        Fhir::new(
            &self.base,
            &fhir_token(&self.base, &self.db, clinics, scopes).await,
            &self.seen,
        )
    }

    /// Validates every FHIR answer this test's clients had.
    fn check(&self) {
        let seen = std::mem::take(&mut *self.seen.lock().unwrap());
        fhir_check(&seen);
    }

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

    fn day(&self, day: i64) -> NaiveDate {
        self.today + Duration::days(day)
    }

    /// The instant of `day` (days from today) `h:m` in the clinic.
    fn when(&self, day: i64, h: u32, m: u32) -> DateTime<chrono::FixedOffset> {
        medicloud_core::schedule::instant(self.zone, self.day(day), at(h, m)).unwrap()
    }

    /// The id of Poli Umum's slot at `day` `h:m`.
    fn slot(&self, day: i64, h: u32, m: u32) -> String {
        format!(
            "{DEMO_CLINIC}.A.{}T{h:02}{m:02}",
            self.day(day).format("%Y%m%d")
        )
    }

    /// A public booking of Poli Umum at `day` `h:m` from the address `n`: its code.
    async fn book_online(&self, n: u8, day: i64, h: u32, m: u32, phone: &str) -> String {
        let http = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 4, n)))
            .build()
            .unwrap();
        let res = http
            .post(format!("{}/api/v1/public/bookings", self.base))
            .json(&json!({
                "clinic": DEMO_CLINIC, "service": "A", "start": self.when(day, h, m),
                "name": "Siti Rahayu", "phone": phone, "consent_messages": false,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        body["code"].as_str().unwrap().to_owned()
    }

    /// The public lookup of `code` with `phone`: its status.
    async fn lookup(&self, code: &str, phone: &str) -> String {
        let http = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 5, 1)))
            .build()
            .unwrap();
        let res = http
            .post(format!(
                "{}/api/v1/public/bookings/{code}/lookup",
                self.base
            ))
            .json(&json!({"phone": phone}))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["status"].as_str().unwrap_or_default().to_owned()
    }

    /// The free online places of Poli Umum's slot at `day` `h:m`, by its Slot.
    async fn capacity(&self, day: i64, h: u32, m: u32) -> (String, i64) {
        let (status, slot) = self
            .fhir
            .get(&format!("Slot/{}", self.slot(day, h, m)))
            .await;
        assert_eq!(status, StatusCode::OK, "{slot}");
        (
            slot["status"].as_str().unwrap().to_owned(),
            slot["extension"][0]["valueInteger"].as_i64().unwrap(),
        )
    }
}

fn code(c: &str) -> ServiceCode {
    ServiceCode::parse(c).unwrap()
}

/// An API client: every answer kept for validation, and checked to be FHIR JSON.
struct Fhir {
    http: reqwest::Client,
    base: String,
    token: String,
    seen: Seen,
}

impl Fhir {
    fn new(base: &str, token: &str, seen: &Seen) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{base}/fhir/r4"),
            token: token.to_owned(),
            seen: seen.clone(),
        }
    }

    async fn answer(&self, res: reqwest::Response) -> (StatusCode, Value) {
        let status = res.status();
        let content_type = res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            content_type, "application/fhir+json; charset=utf-8",
            "{status} {body}"
        );
        self.seen.lock().unwrap().push(body.clone());
        (status, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        self.answer(res).await
    }

    /// `GET` of a full URL (a `next` link).
    async fn follow(&self, url: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        self.answer(res).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let res = self
            .http
            .request(method, format!("{}/{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        self.answer(res).await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, "application/fhir+json", body)
            .await
    }

    /// A search's matches, with its total: the Bundle checked to be a searchset.
    async fn search(&self, query: &str) -> (u64, Vec<Value>, Value) {
        let (status, bundle) = self.get(query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {bundle}");
        assert_eq!(
            (bundle["resourceType"].as_str(), bundle["type"].as_str()),
            (Some("Bundle"), Some("searchset"))
        );
        let total = bundle["total"].as_u64().unwrap();
        (total, resources(&bundle), bundle)
    }

    /// How many a search matches.
    async fn total(&self, query: &str) -> u64 {
        self.search(query).await.0
    }
}

/// A Bundle's resources.
fn resources(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

fn next_link(bundle: &Value) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == "next")
        .map(|l| l["url"].as_str().unwrap().to_owned())
}

fn issue(outcome: &Value) -> (&str, &str, &str) {
    assert_eq!(outcome["resourceType"], "OperationOutcome", "{outcome}");
    let issue = &outcome["issue"][0];
    (
        issue["severity"].as_str().unwrap(),
        issue["code"].as_str().unwrap(),
        issue["diagnostics"].as_str().unwrap(),
    )
}

fn instant(v: &Value) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

/// `value` percent-encoded for a query string (`:` and `/` as they are).
fn q(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A patient as an EHR sends it to `$book`.
fn patient(phone: &str, nik: &str, consent: bool) -> Value {
    json!({
        "resourceType": "Patient",
        "extension": [{"url": CONSENT, "valueBoolean": consent}],
        "identifier": [{"system": NIK, "value": nik}],
        "name": [{"given": ["Budi"], "family": "Santoso"}],
        "telecom": [{"system": "phone", "value": phone, "use": "mobile"}],
    })
}

fn book_body(appointment: &Value, patient: &Value) -> Value {
    json!({
        "resourceType": "Parameters",
        "parameter": [
            {"name": "appointment-resource", "resource": appointment},
            {"name": "patient-resource", "resource": patient},
        ],
    })
}

fn find_body(start: &str, end: &str, service: Option<&str>) -> Value {
    let mut parameter = vec![
        json!({"name": "start", "valueDate": start}),
        json!({"name": "end", "valueDate": end}),
        json!({"name": "organization", "valueReference": {"reference": format!("Organization/{DEMO_CLINIC}")}}),
    ];
    if let Some(service) = service {
        parameter.push(json!({"name": "service-type", "valueCoding": {"system": SERVICE_SYSTEM, "code": service}}));
    }
    json!({"resourceType": "Parameters", "parameter": parameter})
}

#[tokio::test(flavor = "multi_thread")]
async fn schedules_and_slots_are_read_and_searched_by_each_parameter() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db).await;
        let f = &c.fhir;

        // The CapabilityStatement says what these routes serve, and no more.
        let (status, statement) = f.get("metadata").await;
        assert_eq!(status, StatusCode::OK, "{engine}");
        let of = |kind: &str| {
            statement["rest"][0]["resource"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["type"] == kind)
                .unwrap_or_else(|| panic!("no {kind} in {statement}"))
                .clone()
        };
        let codes = |entry: &Value, field: &str, key: &str| -> Vec<String> {
            entry[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i[key].as_str().unwrap().to_owned())
                .collect()
        };
        let appointment = of("Appointment");
        assert_eq!(
            codes(&appointment, "interaction", "code"),
            ["read", "search-type", "update", "patch"]
        );
        assert_eq!(
            codes(&appointment, "operation", "definition"),
            [
                "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-find",
                "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-book"
            ]
        );
        assert_eq!(
            codes(&of("Slot"), "searchParam", "name"),
            ["_id", "schedule", "start", "status", "service-type"]
        );
        assert_eq!(
            codes(&of("Schedule"), "interaction", "code"),
            ["read", "search-type"]
        );

        // Poli Umum's schedule: its service, the clinic and its doctor, the horizon.
        let id = format!("{DEMO_CLINIC}.A");
        let (status, schedule) = f.get(&format!("Schedule/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{engine}: {schedule}");
        let actors: Vec<&str> = schedule["actor"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["reference"].as_str().unwrap())
            .collect();
        let practitioner = format!("Practitioner/{}", c.doctor);
        assert_eq!(
            actors,
            [
                format!("HealthcareService/{id}"),
                format!("Location/{DEMO_CLINIC}"),
                practitioner.clone()
            ]
        );
        assert_eq!(schedule["serviceType"][0]["coding"][0]["code"], "A");
        assert_eq!(schedule["serviceType"][0]["text"], "Poli Umum");
        assert_eq!(schedule["active"], true);
        assert_eq!(
            instant(&schedule["planningHorizon"]["start"]),
            c.when(0, 0, 0)
        );
        assert_eq!(
            instant(&schedule["planningHorizon"]["end"]),
            c.when(61, 0, 0),
            "{engine}: 60 days ahead may be booked"
        );

        // Every demo service has a schedule.
        let location = format!("Location/{DEMO_CLINIC}");
        for (query, total) in [
            ("Schedule".to_owned(), 5),
            (format!("Schedule?_id={id}"), 1),
            (format!("Schedule?_id={id},{DEMO_CLINIC}.B"), 2),
            (format!("Schedule?actor=HealthcareService/{id}"), 1),
            (format!("Schedule?actor={location}"), 5),
            (format!("Schedule?actor={practitioner}"), 1),
            ("Schedule?active=true".to_owned(), 5),
            ("Schedule?active=false".to_owned(), 0),
            ("Schedule?service-type=A".to_owned(), 1),
            (
                format!(
                    "Schedule?service-type={}",
                    q(&format!("{SERVICE_SYSTEM}|B"))
                ),
                1,
            ),
            ("Schedule?service-type=urn:other|A".to_owned(), 0),
            (format!("Schedule?actor={location}&service-type=A,B,C"), 3),
        ] {
            assert_eq!(f.total(&query).await, total, "{engine}: {query}");
        }
        // Pages of two: five in three pages, the next link says where.
        let (total, first, bundle) = f.search("Schedule?_count=2").await;
        assert_eq!((total, first.len()), (5, 2));
        let (_, second, bundle) = f.follow(&next_link(&bundle).unwrap()).await.1.pipe();
        let (_, third, bundle) = f.follow(&next_link(&bundle).unwrap()).await.1.pipe();
        assert_eq!((second.len(), third.len()), (2, 1));
        assert_eq!(next_link(&bundle), None);
        let mut ids: Vec<&str> = first
            .iter()
            .chain(&second)
            .chain(&third)
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        ids.dedup();
        assert_eq!(ids.len(), 5, "{engine}: no schedule twice");

        // A slot tomorrow: free, 2 online places, the clinic's offset.
        let slot_id = c.slot(1, 9, 0);
        let (status, slot) = f.get(&format!("Slot/{slot_id}")).await;
        assert_eq!(status, StatusCode::OK, "{engine}: {slot}");
        assert_eq!(slot["schedule"]["reference"], format!("Schedule/{id}"));
        assert_eq!(slot["status"], "free");
        assert_eq!(slot["start"], c.when(1, 9, 0).to_rfc3339());
        assert_eq!(slot["end"], c.when(1, 9, 15).to_rfc3339());
        assert_eq!(c.capacity(1, 9, 0).await, ("free".into(), 2));
        // Two online bookings fill its online share: busy, though the desk has two more.
        c.book_online(1, 1, 9, 0, "081211110001").await;
        c.book_online(2, 1, 9, 0, "081211110002").await;
        assert_eq!(c.capacity(1, 9, 0).await, ("busy".into(), 0), "{engine}");

        // Tomorrow's 56 slots by start, one of them busy.
        let schedule = format!("schedule=Schedule/{id}");
        let tomorrow = format!("start=ge{}&start=lt{}", c.day(1), c.day(2));
        for (query, total) in [
            (format!("Slot?{schedule}&{tomorrow}"), 56),
            (format!("Slot?{schedule}&{tomorrow}&status=free"), 55),
            (format!("Slot?{schedule}&{tomorrow}&status=busy"), 1),
            (format!("Slot?{schedule}&{tomorrow}&status=busy,free"), 56),
            (format!("Slot?{schedule}&start={}", c.day(1)), 56),
            (
                format!("Slot?{schedule}&start=gt{}&start=le{}", c.day(1), c.day(2)),
                56,
            ),
            (
                format!(
                    "Slot?{schedule}&start=ge{}&start=lt{}",
                    q(&c.when(1, 9, 0).to_rfc3339()),
                    q(&c.when(1, 10, 0).to_rfc3339())
                ),
                4,
            ),
            (
                format!(
                    "Slot?{schedule}&start=eq{}",
                    q(&c.when(1, 9, 0).to_rfc3339())
                ),
                1,
            ),
            (format!("Slot?{schedule}&{tomorrow}&service-type=A"), 56),
            (format!("Slot?{schedule}&{tomorrow}&service-type=B"), 0),
            (format!("Slot?_id={slot_id}"), 1),
            (format!("Slot?_id={slot_id},{}", c.slot(1, 9, 15)), 2),
            // Today and the 6 days after it (today's begun slots are busy-unavailable).
            (format!("Slot?{schedule}"), 7 * 56),
            // Past days are not searched; the horizon cuts the end.
            (format!("Slot?{schedule}&start=lt{}", c.day(0)), 0),
            (format!("Slot?{schedule}&start=ge{}", c.day(61)), 0),
            (
                format!(
                    "Slot?{schedule}&start=ge{}&start=lt{}",
                    c.day(30),
                    c.day(31)
                ),
                0,
            ),
        ] {
            assert_eq!(f.total(&query).await, total, "{engine}: {query}");
        }
        let (total, page, bundle) = f
            .search(&format!("Slot?{schedule}&{tomorrow}&_count=10"))
            .await;
        assert_eq!((total, page.len()), (56, 10));
        assert_eq!(page[0]["start"], c.when(1, 6, 0).to_rfc3339());
        assert!(
            page.windows(2)
                .all(|w| instant(&w[0]["start"]) < instant(&w[1]["start"])),
            "{engine}: in start order"
        );
        let next = next_link(&bundle).unwrap();
        assert!(next.contains("_offset=10"), "{next}");
        let (_, bundle) = f.follow(&next).await;
        assert_eq!(
            resources(&bundle)[0]["start"],
            c.when(1, 8, 30).to_rfc3339()
        );
        let (_, today, _) = f
            .search(&format!("Slot?{schedule}&start={}&_count=200", c.day(0)))
            .await;
        assert_eq!(today[0]["status"], "busy-unavailable", "06:00 has begun");
        assert_eq!(today.last().unwrap()["status"], "free", "19:45 has not");

        // What is refused, and how.
        for (query, want) in [
            ("Slot".to_owned(), "invalid"),
            (format!("Slot?{schedule}&status=open"), "invalid"),
            (format!("Slot?{schedule}&start=ne{}", c.day(1)), "invalid"),
            (format!("Slot?{schedule}&start=tomorrow"), "invalid"),
            (format!("Slot?schedule=Schedule/{}.A", c.other), "security"),
        ] {
            let (status, outcome) = f.get(&query).await;
            let (severity, code, _) = issue(&outcome);
            assert_eq!((severity, code), ("error", want), "{engine}: {query}");
            assert!(status.is_client_error(), "{query}");
        }
        // A modifier this API does not serve is ignored, and the answer says so.
        let (_, _, bundle) = f
            .search(&format!(
                "Slot?{schedule}&{tomorrow}&status:not=free&_count=0"
            ))
            .await;
        let warning = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["search"]["mode"] == "outcome")
            .unwrap();
        assert!(
            issue(&warning["resource"]).2.contains("status:not"),
            "{bundle}"
        );
        for (path, status) in [
            (format!("Slot/{}", c.slot(1, 9, 7)), StatusCode::NOT_FOUND),
            (format!("Slot/{}", c.slot(62, 9, 0)), StatusCode::NOT_FOUND),
            (
                format!("Slot/{DEMO_CLINIC}.Z.20261207T0900"),
                StatusCode::NOT_FOUND,
            ),
            (format!("Schedule/{DEMO_CLINIC}.Z"), StatusCode::NOT_FOUND),
            (
                format!("Slot/{}.A.20261207T0900", c.other),
                StatusCode::FORBIDDEN,
            ),
            (format!("Schedule/{}.A", c.other), StatusCode::FORBIDDEN),
        ] {
            assert_eq!(f.get(&path).await.0, status, "{engine}: {path}");
        }
        // A client without the scope is refused; one of the other clinic sees none.
        let patients = c.client(&[DEMO_CLINIC], "system/Patient.read").await;
        let (status, outcome) = patients.get(&format!("Slot?{schedule}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}");
        assert!(issue(&outcome).2.contains("system/Slot.read"), "{outcome}");
        assert_eq!(patients.get("Schedule").await.0, StatusCode::FORBIDDEN);
        let other = c.client(&[c.other], READ).await;
        assert_eq!(other.total("Schedule").await, 0, "{engine}");
        assert_eq!(
            other.get(&format!("Slot/{slot_id}")).await.0,
            StatusCode::FORBIDDEN
        );

        c.check();
        c.db.drop_now().await;
    }
}

/// `(status, bundle)` as the pieces of a search.
trait Pipe {
    fn pipe(self) -> (u64, Vec<Value>, Value);
}

impl Pipe for Value {
    fn pipe(self) -> (u64, Vec<Value>, Value) {
        (self["total"].as_u64().unwrap(), resources(&self), self)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn appointments_are_read_and_searched_by_each_parameter() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db).await;
        let f = &c.fhir;
        let first = c.book_online(10, 1, 9, 0, "081222220001").await;
        let second = c.book_online(11, 1, 9, 0, "081222220002").await;
        let later = c.book_online(12, 2, 10, 0, "081222220003").await;
        let gone = c.book_online(13, 3, 11, 0, "081222220004").await;
        let http = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 4, 14)))
            .build()
            .unwrap();
        let res = http
            .post(format!("{}/api/v1/public/bookings/{gone}/cancel", c.base))
            .json(&json!({"phone": "081222220004"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let projected = c
            .storage
            .appointments_between(DEMO_CLINIC, c.day(1), c.day(3))
            .await
            .unwrap();
        let of = |code: &str| {
            projected
                .iter()
                .find(|p| p.appointment.code == code)
                .unwrap()
                .appointment
                .clone()
        };
        let (a, b) = (of(&first), of(&second));

        // Read: booked, its code, its slot, the patient, service and clinic accepted.
        let (status, appointment) = f.get(&format!("Appointment/{}", a.id)).await;
        assert_eq!(status, StatusCode::OK, "{engine}: {appointment}");
        assert_eq!(appointment["status"], "booked");
        assert_eq!(
            appointment["identifier"],
            json!([{"system": CODE_SYSTEM, "value": first}])
        );
        assert_eq!(appointment["start"], c.when(1, 9, 0).to_rfc3339());
        assert_eq!(appointment["end"], c.when(1, 9, 15).to_rfc3339());
        assert_eq!(
            appointment["slot"][0]["reference"],
            format!("Slot/{}", c.slot(1, 9, 0))
        );
        assert_eq!(appointment["serviceType"][0]["coding"][0]["code"], "A");
        let participants: Vec<(&str, &str)> = appointment["participant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["actor"]["reference"].as_str().unwrap(),
                    p["status"].as_str().unwrap(),
                )
            })
            .collect();
        let patient = format!("Patient/{}", a.patient.unwrap());
        assert_eq!(
            participants,
            [
                (patient.as_str(), "accepted"),
                (
                    format!("HealthcareService/{DEMO_CLINIC}.A").as_str(),
                    "accepted"
                ),
                (format!("Location/{DEMO_CLINIC}").as_str(), "accepted"),
            ]
        );
        let (_, cancelled) = f.get(&format!("Appointment/{}", of(&gone).id)).await;
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(
            cancelled["cancelationReason"]["text"],
            "dibatalkan pasien secara online"
        );

        for (query, want) in [
            (
                "Appointment".to_owned(),
                vec![&first, &second, &later, &gone],
            ),
            (format!("Appointment?_id={}", a.id), vec![&first]),
            (
                format!("Appointment?_id={},{}", a.id, b.id),
                vec![&first, &second],
            ),
            ("Appointment?_id=nonsense".to_owned(), vec![]),
            (format!("Appointment?patient={patient}"), vec![&first]),
            (
                format!("Appointment?patient={}", b.patient.unwrap()),
                vec![&second],
            ),
            (
                format!(
                    "Appointment?identifier={}",
                    q(&format!("{CODE_SYSTEM}|{first}"))
                ),
                vec![&first],
            ),
            (
                format!("Appointment?identifier={}", first.to_lowercase()),
                vec![&first],
            ),
            (
                format!("Appointment?identifier={first},{later}"),
                vec![&first, &later],
            ),
            (format!("Appointment?identifier=urn:other|{first}"), vec![]),
            (
                format!("Appointment?date={}", c.day(1)),
                vec![&first, &second],
            ),
            (format!("Appointment?date=eq{}", c.day(2)), vec![&later]),
            (
                format!("Appointment?date=gt{}", c.day(1)),
                vec![&later, &gone],
            ),
            (
                format!("Appointment?date=ge{}", c.day(2)),
                vec![&later, &gone],
            ),
            (
                format!("Appointment?date=le{}", c.day(1)),
                vec![&first, &second],
            ),
            (format!("Appointment?date=lt{}", c.day(1)), vec![]),
            (
                format!(
                    "Appointment?date=ge{}&date=lt{}",
                    q(&c.when(2, 9, 0).to_rfc3339()),
                    q(&c.when(2, 10, 1).to_rfc3339())
                ),
                vec![&later],
            ),
            (
                "Appointment?status=booked".to_owned(),
                vec![&first, &second, &later],
            ),
            ("Appointment?status=cancelled".to_owned(), vec![&gone]),
            ("Appointment?status=arrived,fulfilled".to_owned(), vec![]),
            (
                "Appointment?service-type=A".to_owned(),
                vec![&first, &second, &later, &gone],
            ),
            ("Appointment?service-type=B".to_owned(), vec![]),
            (
                format!(
                    "Appointment?patient={patient}&date={}&status=booked",
                    c.day(1)
                ),
                vec![&first],
            ),
        ] {
            let joint = if query.contains('?') { '&' } else { '?' };
            let (total, found, _) = f.search(&format!("{query}{joint}_count=50")).await;
            let mut codes: Vec<&str> = found
                .iter()
                .map(|a| a["identifier"][0]["value"].as_str().unwrap())
                .collect();
            let mut want: Vec<&str> = want.iter().map(|s| s.as_str()).collect();
            assert_eq!(total as usize, want.len(), "{engine}: {query}");
            codes.sort();
            want.sort();
            assert_eq!(codes, want, "{engine}: {query}");
        }
        // In start order, a page at a time.
        let (total, page, bundle) = f.search("Appointment?_count=3").await;
        assert_eq!((total, page.len()), (4, 3));
        assert!(
            page.windows(2)
                .all(|w| instant(&w[0]["start"]) <= instant(&w[1]["start"]))
        );
        let (_, rest) = f.follow(&next_link(&bundle).unwrap()).await;
        assert_eq!(resources(&rest)[0]["identifier"][0]["value"], gone.as_str());

        // Checked in at the kiosk: arrived.
        c.cloud_to_node().await;
        let today = c.book_online(15, 0, 16, 0, "081222220005").await;
        c.cloud_to_node().await;
        let body = json!({"appointment_code": today}).to_string();
        let kiosk = c.node.kiosk.clone();
        let (status, ticket) = c
            .node
            .call("POST", "/api/v1/tickets", Some(&kiosk), Some(&body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{engine}: {ticket}");
        c.node_to_cloud().await;
        let (_, found, _) = f.search(&format!("Appointment?identifier={today}")).await;
        assert_eq!(found[0]["status"], "arrived", "{engine}");
        assert_eq!(f.total("Appointment?status=arrived").await, 1);

        // Refusals: a bad parameter, an unknown id, another clinic's client, no scope.
        for query in [
            "Appointment?status=called",
            "Appointment?date=ne2026-12-07",
            "Appointment?_count=many",
        ] {
            let (status, outcome) = f.get(query).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}: {query}");
            assert_eq!(issue(&outcome).1, "invalid");
        }
        let unknown = medicloud_core::ids::AppointmentId::random();
        assert_eq!(
            f.get(&format!("Appointment/{unknown}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(f.get("Appointment/x").await.0, StatusCode::NOT_FOUND);
        let other = c.client(&[c.other], READ).await;
        assert_eq!(
            other.get(&format!("Appointment/{}", a.id)).await.0,
            StatusCode::NOT_FOUND,
            "{engine}: another clinic's appointment is not there for this client"
        );
        assert_eq!(other.total("Appointment").await, 0);
        let slots = c.client(&[DEMO_CLINIC], "system/Slot.read").await;
        assert_eq!(
            slots.get(&format!("Appointment/{}", a.id)).await.0,
            StatusCode::FORBIDDEN
        );

        c.check();
        c.db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn find_proposes_free_slots_only_and_book_takes_the_online_share() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db).await;
        let f = &c.fhir;
        let tomorrow = c.day(1).to_string();
        c.book_online(20, 1, 9, 0, "081233330001").await;
        c.book_online(21, 1, 9, 0, "081233330002").await;

        // Tomorrow at Poli Umum: 56 slots, the full one not proposed; 20 to a page.
        let (status, bundle) = f
            .post(
                "Appointment/$find",
                &find_body(&tomorrow, &tomorrow, Some("A")),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{engine}: {bundle}");
        let (total, page, bundle) = bundle.pipe();
        assert_eq!((total, page.len()), (55, 20), "{engine}");
        for proposed in &page {
            assert_eq!(proposed["status"], "proposed");
            assert!(
                proposed["participant"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["status"] == "needs-action")
            );
        }
        assert!(
            page.windows(2)
                .all(|w| instant(&w[0]["start"]) < instant(&w[1]["start"]))
        );
        assert!(next_link(&bundle).is_some());
        let (_, all) = f
            .get(&format!(
                "Appointment/$find?start={tomorrow}&end={tomorrow}&service-type=A&_count=100"
            ))
            .await;
        let (total, all, _) = all.pipe();
        assert_eq!((total, all.len()), (55, 55), "{engine}: GET as POST");
        let nine = c.when(1, 9, 0);
        assert!(
            all.iter().all(|p| instant(&p["start"]) != nine),
            "{engine}: a full slot is never proposed"
        );
        let mut body = find_body(&tomorrow, &tomorrow, Some("A"));
        body["parameter"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "_count", "valueInteger": 5}));
        let (_, five) = f.post("Appointment/$find", &body).await;
        assert_eq!(resources(&five).len(), 5, "{engine}: _count");
        // Every service of the clinic, by a window of instants.
        let mut body = json!({"resourceType": "Parameters", "parameter": [
            {"name": "start", "valueDateTime": c.when(1, 8, 0).to_rfc3339()},
            {"name": "end", "valueDateTime": c.when(1, 9, 0).to_rfc3339()},
        ]});
        let (_, every) = f.post("Appointment/$find", &body).await;
        let (total, every, _) = every.pipe();
        let services: std::collections::BTreeSet<&str> = every
            .iter()
            .map(|p| p["serviceType"][0]["coding"][0]["code"].as_str().unwrap())
            .collect();
        assert!(every.iter().all(|p| {
            let t = instant(&p["start"]);
            t >= c.when(1, 8, 0) && t < nine
        }));
        assert!(
            services.contains("A") && total >= 4,
            "{engine}: {services:?}"
        );
        body["parameter"][1] = json!({"name": "end", "valueDate": c.day(0).to_string()});
        let (status, outcome) = f.post("Appointment/$find", &body).await;
        assert_eq!(
            (status, resources(&outcome).len()),
            (StatusCode::OK, 0),
            "an end before the start finds nothing"
        );
        for bad in [
            json!({"resourceType": "Parameters", "parameter": [{"name": "start", "valueDate": tomorrow}]}),
            json!({"resourceType": "Patient"}),
            json!({"resourceType": "Parameters", "parameter": [
                {"name": "start", "valueDate": "tomorrow"}, {"name": "end", "valueDate": tomorrow}]}),
        ] {
            let (status, outcome) = f.post("Appointment/$find", &bad).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{engine}: {bad}");
            assert_eq!(issue(&outcome).1, "invalid");
        }

        // Book the first proposed slot at 10:00 for an EHR's patient, twice (both
        // online places), and the third time is refused, nothing booked.
        let ten = all
            .iter()
            .find(|p| instant(&p["start"]) == c.when(1, 10, 0))
            .unwrap()
            .clone();
        let (status, booked) = f
            .post(
                "Appointment/$book",
                &book_body(&ten, &patient(PHONE, "3174015708850003", true)),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{engine}: {booked}");
        assert_eq!(booked["type"], "searchset");
        let appointment = &resources(&booked)[0];
        assert_eq!(appointment["status"], "booked");
        assert_eq!(appointment["start"], c.when(1, 10, 0).to_rfc3339());
        assert_eq!(appointment["identifier"][0]["system"], CODE_SYSTEM);
        let code = appointment["identifier"][0]["value"].as_str().unwrap();
        assert_eq!(
            c.lookup(code, "+62 812 3456 7890").await,
            "booked",
            "{engine}"
        );
        let projected = c
            .storage
            .appointments_between(DEMO_CLINIC, c.day(1), c.day(1))
            .await
            .unwrap();
        let mine = projected
            .iter()
            .find(|p| p.appointment.code == code)
            .unwrap();
        assert_eq!(mine.appointment.id.to_string(), appointment["id"]);
        assert!(mine.appointment.consent_messages, "the extension said yes");
        assert_eq!(
            mine.appointment.channel,
            medicloud_core::schedule::Channel::Online
        );
        assert_eq!(c.capacity(1, 10, 0).await, ("free".into(), 1));
        // By its start and HealthcareService alone, without consent.
        let by_start = json!({
            "resourceType": "Appointment", "status": "proposed",
            "start": c.when(1, 10, 0).to_rfc3339(), "end": c.when(1, 10, 15).to_rfc3339(),
            "participant": [{"actor": {"reference": format!("HealthcareService/{DEMO_CLINIC}.A")}, "status": "needs-action"}],
        });
        let (status, again) = f
            .post(
                "Appointment/$book",
                &book_body(
                    &by_start,
                    &patient("081233339999", "3174015708850003", false),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{engine}: {again}");
        assert_eq!(c.capacity(1, 10, 0).await, ("busy".into(), 0));
        let summary = c.storage.summary(DEMO_CLINIC).await.unwrap();
        let (status, outcome) = f
            .post(
                "Appointment/$book",
                &book_body(&ten, &patient("081233338888", "3174015708850003", false)),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{engine}: {outcome}");
        let (severity, kind, _) = issue(&outcome);
        assert_eq!((severity, kind), ("fatal", "conflict"));
        assert_eq!(
            c.storage.summary(DEMO_CLINIC).await.unwrap(),
            summary,
            "{engine}: nothing booked"
        );

        // Patient data that does not hold: 422 naming the field, never the value.
        let eleven = all
            .iter()
            .find(|p| instant(&p["start"]) == c.when(1, 11, 0))
            .unwrap()
            .clone();
        let mut nameless = patient(PHONE, "3174015708850003", false);
        nameless["name"] = json!([]);
        let mut phoneless = patient(PHONE, "3174015708850003", false);
        phoneless["telecom"] = json!([{"system": "email", "value": "budi@example.org"}]);
        for (who, field, secret) in [
            (
                patient("0899-12", "3174015708850003", false),
                "patient-resource.telecom",
                "0899-12",
            ),
            (
                patient(PHONE, "3174015708850", false),
                "patient-resource.identifier (NIK)",
                "3174015708850",
            ),
            (nameless, "patient-resource.name", "Budi"),
            (phoneless, "patient-resource.telecom", "budi@example.org"),
        ] {
            let (status, outcome) = f.post("Appointment/$book", &book_body(&eleven, &who)).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{engine}: {field}"
            );
            let (_, kind, diagnostics) = issue(&outcome);
            assert_eq!(kind, "processing");
            assert!(diagnostics.starts_with(field), "{diagnostics}");
            assert!(!diagnostics.contains(secret), "{diagnostics}");
        }
        let mut past = eleven.clone();
        past["slot"] = json!([{"reference": format!("Slot/{}", c.slot(0, 6, 0))}]);
        let (status, outcome) = f
            .post(
                "Appointment/$book",
                &book_body(&past, &patient(PHONE, "3174015708850003", false)),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{engine}: {outcome}"
        );
        assert!(issue(&outcome).2.starts_with("appointment-resource.start"));
        assert_eq!(
            c.storage.summary(DEMO_CLINIC).await.unwrap(),
            summary,
            "{engine}: nothing written by a refusal"
        );

        // Scope and clinic: a reader may not book, nor may anyone at another clinic.
        let reader = c.client(&[DEMO_CLINIC], READ).await;
        let (status, outcome) = reader
            .post(
                "Appointment/$book",
                &book_body(&eleven, &patient(PHONE, "3174015708850003", false)),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}");
        assert!(issue(&outcome).2.contains("system/Appointment.write"));
        let mut elsewhere = eleven.clone();
        elsewhere["slot"] = json!([{"reference": format!("Slot/{}.A.{}T1100", c.other, c.day(1).format("%Y%m%d"))}]);
        let (status, _) = f
            .post(
                "Appointment/$book",
                &book_body(&elsewhere, &patient(PHONE, "3174015708850003", false)),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}: another clinic");
        let slots_only = c.client(&[DEMO_CLINIC], "system/Slot.read").await;
        assert_eq!(
            slots_only
                .post("Appointment/$find", &find_body(&tomorrow, &tomorrow, None))
                .await
                .0,
            StatusCode::FORBIDDEN,
            "$find asks for system/Appointment.read"
        );
        assert_eq!(
            c.storage.summary(DEMO_CLINIC).await.unwrap(),
            summary,
            "{engine}: nothing written by a refused client"
        );
        assert_eq!(c.capacity(1, 11, 0).await, ("free".into(), 2));

        c.check();
        c.db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_by_put_or_patch_frees_the_place_once() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db).await;
        let f = &c.fhir;
        let slot = json!({
            "resourceType": "Appointment", "status": "proposed",
            "slot": [{"reference": format!("Slot/{}", c.slot(1, 11, 0))}],
        });
        let mut booked = Vec::new();
        for phone in ["081244440001", "081244440002"] {
            let (status, bundle) = f
                .post(
                    "Appointment/$book",
                    &book_body(&slot, &patient(phone, "3174015708850003", false)),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{engine}: {bundle}");
            booked.push(resources(&bundle)[0].clone());
        }
        assert_eq!(c.capacity(1, 11, 0).await, ("busy".into(), 0));

        // PUT: the appointment as served, cancelled. Any other change is refused.
        let id = booked[0]["id"].as_str().unwrap().to_owned();
        let path = format!("Appointment/{id}");
        let put = |body: Value| {
            let path = &path;
            async move {
                f.send(reqwest::Method::PUT, path, "application/fhir+json", &body)
                    .await
            }
        };
        let mut moved = booked[0].clone();
        moved["status"] = json!("cancelled");
        moved["start"] = json!(c.when(1, 12, 0).to_rfc3339());
        let (status, outcome) = put(moved).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{engine}: {outcome}"
        );
        assert!(issue(&outcome).2.contains("start"), "{outcome}");
        let mut arrived = booked[0].clone();
        arrived["status"] = json!("arrived");
        let (status, outcome) = put(arrived).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{engine}");
        assert!(issue(&outcome).2.contains("cancelled"), "{outcome}");
        let mut wrong_id = booked[0].clone();
        wrong_id["id"] = json!(booked[1]["id"]);
        assert_eq!(put(wrong_id).await.0, StatusCode::BAD_REQUEST);
        // Not by a reader.
        let reader = c.client(&[DEMO_CLINIC], READ).await;
        let mut cancel = booked[0].clone();
        cancel["status"] = json!("cancelled");
        cancel["cancelationReason"] = json!({"text": "pasien dirawat inap"});
        let (status, _) = reader
            .send(
                reqwest::Method::PUT,
                &path,
                "application/fhir+json",
                &cancel,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{engine}");
        assert_eq!(
            c.capacity(1, 11, 0).await,
            ("busy".into(), 0),
            "nothing changed"
        );

        let (status, cancelled) = put(cancel.clone()).await;
        assert_eq!(status, StatusCode::OK, "{engine}: {cancelled}");
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(
            cancelled["cancelationReason"]["text"],
            "pasien dirawat inap"
        );
        assert_eq!(c.capacity(1, 11, 0).await, ("free".into(), 1), "{engine}");
        let code = booked[0]["identifier"][0]["value"].as_str().unwrap();
        assert_eq!(c.lookup(code, "081244440001").await, "cancelled");
        // Twice: as it stands, nothing more written.
        let summary = c.storage.summary(DEMO_CLINIC).await.unwrap();
        let (status, again) = put(cancel).await;
        assert_eq!(
            (status, again["status"].as_str()),
            (StatusCode::OK, Some("cancelled"))
        );
        assert_eq!(c.storage.summary(DEMO_CLINIC).await.unwrap(), summary);

        // PATCH: a JSON Patch of the status.
        let path = format!("Appointment/{}", booked[1]["id"].as_str().unwrap());
        let patch = json!([
            {"op": "test", "path": "/status", "value": "booked"},
            {"op": "replace", "path": "/status", "value": "cancelled"},
        ]);
        let (status, _) = f
            .send(
                reqwest::Method::PATCH,
                &path,
                "application/fhir+json",
                &patch,
            )
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{engine}");
        let moving =
            json!([{"op": "replace", "path": "/start", "value": c.when(1, 12, 0).to_rfc3339()}]);
        let (status, outcome) = f
            .send(
                reqwest::Method::PATCH,
                &path,
                "application/json-patch+json",
                &moving,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{engine}");
        assert!(issue(&outcome).2.contains("/start"));
        let (status, cancelled) = f
            .send(
                reqwest::Method::PATCH,
                &path,
                "application/json-patch+json",
                &patch,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{engine}: {cancelled}");
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(c.capacity(1, 11, 0).await, ("free".into(), 2), "{engine}");
        // Its test now fails: it is no longer booked.
        let (status, _) = f
            .send(
                reqwest::Method::PATCH,
                &path,
                "application/json-patch+json",
                &patch,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // The cancellation reaches the clinic's node.
        c.cloud_to_node().await;
        let projected = c
            .storage
            .appointments_between(DEMO_CLINIC, c.day(1), c.day(1))
            .await
            .unwrap();
        assert!(projected.iter().all(|p| p.cancelled.is_some()), "{engine}");

        c.check();
        c.db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_publish_lists_the_bookable_clinics_schedules_and_slots() {
    for db in Db::all().await {
        let engine = db.name;
        let c = Clinic::start(db).await;
        c.book_online(30, 1, 9, 0, "081255550001").await;
        c.book_online(31, 1, 9, 0, "081255550002").await;
        let http = reqwest::Client::new();
        let url = format!("{}/fhir/r4/$bulk-publish", c.base);
        let mut manifests = Vec::new();
        for accept in [None, Some("application/json")] {
            let mut request = http.get(&url);
            if let Some(accept) = accept {
                request = request.header(reqwest::header::ACCEPT, accept);
            }
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{engine}: {accept:?}");
            assert_eq!(res.headers()[reqwest::header::CACHE_CONTROL], "max-age=300");
            assert!(
                res.headers()[reqwest::header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
            manifests.push(res.json::<Value>().await.unwrap());
        }
        let manifest = &manifests[0];
        assert_eq!(manifest["request"], url);
        assert_eq!(manifest["error"], json!([]));
        let t = manifest["transactionTime"].as_str().unwrap();
        assert!(DateTime::parse_from_rfc3339(t).is_ok(), "{t}");
        let output = manifest["output"].as_array().unwrap();
        let types: Vec<&str> = output.iter().map(|o| o["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            ["Location", "Schedule", "Slot"],
            "{engine}: one clinic takes bookings"
        );

        let mut published = Vec::new();
        let mut by_type = std::collections::BTreeMap::<String, Vec<Value>>::new();
        for file in output {
            let res = http
                .get(file["url"].as_str().unwrap())
                .header(reqwest::header::ACCEPT, "application/fhir+ndjson")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.headers()[reqwest::header::CONTENT_TYPE],
                "application/fhir+ndjson"
            );
            assert_eq!(res.headers()[reqwest::header::CACHE_CONTROL], "max-age=300");
            let text = res.text().await.unwrap();
            for line in text.lines() {
                let resource: Value = serde_json::from_str(line).unwrap();
                assert_eq!(resource["resourceType"], file["type"]);
                by_type
                    .entry(file["type"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(resource.clone());
                published.push(resource);
            }
        }
        let locations = &by_type["Location"];
        assert_eq!(locations.len(), 1);
        assert_eq!(locations[0]["id"], DEMO_CLINIC.to_string());
        assert!(locations[0]["address"].is_object());
        assert_eq!(by_type["Schedule"].len(), 5, "{engine}");
        let slots = &by_type["Slot"];
        let deep = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";
        for slot in slots {
            assert!(
                matches!(slot["status"].as_str(), Some("free" | "busy")),
                "{slot}"
            );
            let link = slot["extension"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["url"] == deep)
                .unwrap()["valueUrl"]
                .as_str()
                .unwrap();
            assert!(
                link.starts_with(&format!("{}/book?clinic={DEMO_CLINIC}&service=", c.base)),
                "{link}"
            );
            assert!(link.contains("&start="), "{link}");
        }
        let nine = slots.iter().find(|s| s["id"] == c.slot(1, 9, 0)).unwrap();
        assert_eq!(nine["status"], "busy", "{engine}");
        let link = nine["extension"][1]["valueUrl"].as_str().unwrap();
        assert!(
            link.ends_with(&format!(
                "&service=A&start={}",
                q(&c.when(1, 9, 0).to_rfc3339())
            )),
            "{link}"
        );
        // Poli Umum's slots from now to the horizon (the closed day aside).
        let poli_umum = slots
            .iter()
            .filter(|s| s["schedule"]["reference"] == format!("Schedule/{DEMO_CLINIC}.A"))
            .count();
        assert!(
            (59 * 56 + 20..=59 * 56 + 40).contains(&poli_umum),
            "{engine}: {poli_umum}"
        );
        let (status, _) = http
            .get(format!("{url}/Slot-{}.ndjson", c.other))
            .send()
            .await
            .map(|r| (r.status(), ()))
            .unwrap();
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a clinic that takes no bookings"
        );

        fhir_check(&published);
        c.db.drop_now().await;
    }
}
