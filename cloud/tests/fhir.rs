//! The FHIR R4 API's reads, on both engines, over real HTTP on loopback: a demo clinic's
//! morning on a real node (its clock set by hand) — patients registered with their NIK,
//! a booking checked in and walked through registration and the poli's room to the
//! end, walk-ins waiting, served, cancelled and not come — synced into the cloud beside
//! another clinic; an API client granted the demo clinic reads and searches it. Every
//! FHIR response a test sees is validated against the R4 definitions at its end
//! ([`fhir_check`]).

use crate::fhir_check::{fhir_check, fhir_check_fails};
use crate::util::{Db, fhir_token, server_at};
use chrono::{NaiveDate, NaiveTime};
use medicloud_cloud::storage::fhir::{FhirStorage, Holder, Paging, PatientMatch, VisitMatch};
use medicloud_cloud::storage::{AnyStorage, ApiClientStorage, Storage};
use medicloud_core::domain::{CounterId, Patient, PatientInput, ServiceCode};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId, PatientId, TicketId, VisitId};
use medicloud_core::ticket::{Issue, TicketChange};
use medicloud_node::demo::DEMO_CLINIC;
use medicloud_node::ops::{NewAppointment, NewTicket, Node, TicketAction};
use medicloud_node::store::Store;
use medicloud_sync::hlc::{ManualTime, TimeSource};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

const ADMIN: &str = "test-admin-token";
/// 2027-01-15 01:00 UTC: 08:00 in Jakarta.
const DAY_START_MS: u64 = 1_799_974_800_000;
const NIK: &str = "3174015705900001";
const BPJS: &str = "0001234567890";
const NIK_SYSTEM: &str = "https://fhir.kemkes.go.id/id/nik";
const BPJS_SYSTEM: &str = "https://fhir.kemkes.go.id/id/bpjs";

fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).unwrap()
}

fn counter(s: &str) -> CounterId {
    CounterId::parse(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// What the demo clinic's morning left, by name.
struct Morning {
    node: Node,
    _dir: tempfile::TempDir,
    /// Siti Aminah: NIK, BPJS, phone, date of birth; her booking checked in.
    siti: Patient,
    /// Every patient registered, Siti first.
    patients: Vec<PatientId>,
    /// Siti's visit: registration, then the room, done.
    visit: VisitId,
    /// Siti's booking.
    appointment: String,
    /// Every visit: Siti's (finished), a walk-in waiting (arrived), one served now
    /// (in progress), one cancelled, one not come (cancelled).
    visits: Vec<VisitId>,
    /// The clinician who served Siti in the room.
    doctor: String,
}

/// The demo clinic's morning on a node whose clock is set by hand.
fn morning() -> Morning {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualTime::new(DAY_START_MS));
    let store = Store::open(&dir.path().join("node.sqlite"), DEMO_CLINIC, clock.clone()).unwrap();
    let node = Node::new(store);
    medicloud_node::demo::seed(&node, "fhir-test-password-1").unwrap();
    node.set_clinic(Actor::System, "Klinik Sehat Sentosa", "Asia/Jakarta")
        .unwrap();
    let tick = |minutes: u64| clock.set(clock.now_ms() + minutes * 60_000);
    let sys = Actor::System;
    let register = |name: &str, nik: Option<&str>, bpjs: Option<&str>, born: Option<&str>| {
        node.register_patient(
            sys,
            PatientInput {
                name: Some(name.into()),
                nik: nik.map(Into::into),
                bpjs_number: bpjs.map(Into::into),
                phone: nik.map(|_| "0812-3456-7890".into()),
                birth_date: born.map(date),
            },
        )
        .unwrap()
    };
    let siti = register("Siti Aminah", Some(NIK), Some(BPJS), Some("1990-05-17"));
    let budi = register(
        "Budi Santoso",
        Some("3273011203850002"),
        None,
        Some("1985-03-12"),
    );
    let dewi = register("Dewi Lestari", None, Some("0009876543210"), None);
    let agus = register("Agus Salim", None, None, Some("1970-01-01"));
    let rina = register("Rina Marlina", None, None, Some("2001-02-03"));
    let doctor = node
        .staff()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "doctor")
        .unwrap()
        .id;
    let booked = node
        .book_appointment(
            sys,
            NewAppointment {
                patient: Some(siti.id),
                service: code("A"),
                date: date("2027-01-15"),
                slot_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                slot_minutes: None,
                confirm_overbooking: false,
            },
        )
        .unwrap()
        .appointment;
    tick(1);
    let issue = |ticket: NewTicket| node.issue_ticket(sys, ticket).unwrap().id;
    let walk_in = |service: &str| {
        issue(NewTicket {
            service: Some(code(service)),
            ..Default::default()
        })
    };
    let siti_ticket = issue(NewTicket {
        appointment_code: Some(booked.code.clone()),
        ..Default::default()
    });
    tick(1);
    let waiting = walk_in("B");
    tick(1);
    let lab = walk_in("L");
    tick(1);
    let cancelled = walk_in("C");
    tick(1);
    let gone = walk_in("A");
    let act = |actor: Actor, id: TicketId, action: TicketAction| {
        tick(2);
        node.act(actor, id, action).unwrap();
    };
    // Siti: registration at the loket, then the doctor's room.
    act(sys, siti_ticket, TicketAction::Call(counter("loket-1")));
    act(sys, siti_ticket, TicketAction::Serve);
    act(sys, siti_ticket, TicketAction::Complete);
    let dr = Actor::Staff(doctor);
    act(dr, siti_ticket, TicketAction::Call(counter("ruang-umum")));
    act(dr, siti_ticket, TicketAction::Serve);
    act(dr, siti_ticket, TicketAction::Complete);
    // The others.
    act(sys, lab, TicketAction::Call(counter("lab")));
    act(sys, lab, TicketAction::Serve);
    act(sys, cancelled, TicketAction::Cancel("pulang".into()));
    act(sys, gone, TicketAction::Call(counter("loket-2")));
    act(sys, gone, TicketAction::NoShow);
    let visit_of = |id: TicketId| node.ticket(id).unwrap().issue.visit;
    Morning {
        visit: visit_of(siti_ticket),
        visits: [siti_ticket, waiting, lab, cancelled, gone]
            .into_iter()
            .map(visit_of)
            .collect(),
        appointment: booked.id.to_string(),
        patients: vec![siti.id, budi.id, dewi.id, agus.id, rina.id],
        siti,
        doctor: doctor.to_string(),
        node,
        _dir: dir,
    }
}

/// Another clinic of the chain: a patient (named Siti too) and her visit.
struct Other {
    clinic: ClinicId,
    patient: PatientId,
    visit: VisitId,
}

fn other_clinic_events() -> (Other, Vec<Event>) {
    let clinic = ClinicId::random();
    let origin = DeviceId::random();
    let patient = PatientId::random();
    let visit = VisitId::random();
    let event = |seq: u64, body: EventBody| Event {
        id: EventId { origin, seq },
        stamp: Stamp::new(DAY_START_MS + seq * 60_000, 0),
        clinic,
        actor: Actor::System,
        body,
    };
    let events = vec![
        event(
            1,
            EventBody::PatientSet(Patient {
                id: patient,
                name: Some("Siti Rahma".into()),
                nik: Some("3174015705900002".into()),
                bpjs_number: None,
                phone: None,
                birth_date: Some(date("1990-05-17")),
            }),
        ),
        event(
            2,
            EventBody::Ticket {
                id: TicketId::random(),
                change: TicketChange::Issued(Issue {
                    service: code("A"),
                    label: "A-001".into(),
                    day: date("2027-01-15"),
                    priority: None,
                    visit,
                    appointment: None,
                    patient: Some(patient),
                    transferred_from: None,
                    start_step: None,
                    estimated_wait_seconds: None,
                }),
            },
        ),
    ];
    (
        Other {
            clinic,
            patient,
            visit,
        },
        events,
    )
}

/// Every event of `node`, into the cloud's `storage` (as sync rounds would).
async fn sync(node: &Node, storage: &AnyStorage) {
    loop {
        let remote = storage.summary(DEMO_CLINIC).await.unwrap();
        let events = node.store().missing_for(&remote, 500).unwrap();
        if events.is_empty() {
            return;
        }
        storage.ingest(DEMO_CLINIC, events, None).await.unwrap();
    }
}

/// A cloud on `db` holding the morning and the other clinic.
async fn cloud(db: &Db, morning: &Morning) -> (AnyStorage, String, Other) {
    let storage = db.open().await;
    assert!(
        storage
            .add_clinic(DEMO_CLINIC, "Klinik Sehat Sentosa", "lan-key")
            .await
            .unwrap()
    );
    sync(&morning.node, &storage).await;
    let (other, events) = other_clinic_events();
    assert!(
        storage
            .add_clinic(other.clinic, "Klinik Lain", "lan-key-2")
            .await
            .unwrap()
    );
    storage.ingest(other.clinic, events, None).await.unwrap();
    let base = server_at(&db.url, ADMIN, None).await;
    (storage, base, other)
}

/// An API client of the cloud at `base`, collecting every FHIR body it receives.
struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl Client {
    fn new(base: &str, token: Option<String>, seen: &Arc<Mutex<Vec<Value>>>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token,
            seen: seen.clone(),
        }
    }

    /// `GET /fhir/r4{path}` with `headers`: status, headers, body (kept for the check).
    async fn get_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}/fhir/r4{path}", self.base)
        };
        let mut req = self.http.get(url);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.answer(req).await
    }

    async fn answer(&self, req: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Value) {
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(
            headers["content-type"], "application/fhir+json; charset=utf-8",
            "{status} {body}"
        );
        self.seen.lock().unwrap().push(body.clone());
        (status, headers, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, _, body) = self
            .get_with(path, &[("accept", "application/fhir+json")])
            .await;
        (status, body)
    }

    /// `GET` that must answer 200.
    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// The ids a search's first page holds, after checking its total.
    async fn ids(&self, path: &str) -> Vec<String> {
        let bundle = self.ok(path).await;
        assert_eq!(bundle["resourceType"], "Bundle", "{path}");
        assert_eq!(bundle["type"], "searchset", "{path}");
        let ids = match_ids(&bundle);
        assert_eq!(bundle["total"], json!(ids.len()), "{path}: {bundle}");
        ids
    }
}

/// The ids of a searchset's matches, in order.
fn match_ids(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|e| e["search"]["mode"] == "match")
                .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(ids: impl IntoIterator<Item = impl ToString>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
    ids.sort();
    ids
}

fn issue_code(body: &Value) -> &str {
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    body["issue"][0]["code"].as_str().unwrap()
}

/// One test's set-up on `db`: the cloud, a client of the demo clinic reading all, and
/// what they see.
struct Setup {
    storage: AnyStorage,
    base: String,
    other: Other,
    api: Client,
    seen: Arc<Mutex<Vec<Value>>>,
}

async fn set_up(db: &Db, morning: &Morning) -> Setup {
    let (storage, base, other) = cloud(db, morning).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let token = fhir_token(&base, db, &[DEMO_CLINIC], "system/*.read").await;
    let api = Client::new(&base, Some(token), &seen);
    Setup {
        storage,
        base,
        other,
        api,
        seen,
    }
}

impl Setup {
    fn check(&self) {
        fhir_check(&self.seen.lock().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_metadata_states_what_the_routes_serve_without_a_token() {
    let morning = morning();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let anyone = Client::new(&s.base, None, &s.seen);
        let statement = anyone.ok("/metadata").await;
        assert_eq!(statement["resourceType"], "CapabilityStatement");
        assert_eq!(
            (
                &statement["status"],
                &statement["kind"],
                &statement["fhirVersion"]
            ),
            (&json!("active"), &json!("instance"), &json!("4.0.1"))
        );
        assert_eq!(
            statement["format"],
            json!(["application/fhir+json", "json"])
        );
        let rest = &statement["rest"][0];
        assert_eq!(rest["mode"], "server");
        let token = &rest["security"]["extension"][0];
        assert_eq!(
            token["url"],
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
        );
        assert_eq!(
            token["extension"][0]["valueUri"],
            format!("{}/oauth/token", s.base)
        );
        let types: Vec<&str> = rest["resource"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        let served: Vec<&str> = medicloud_cloud::fhir::supported()
            .iter()
            .map(|s| s.resource)
            .collect();
        assert_eq!(types, served, "{}", db.name);
        for wanted in [
            "Organization",
            "Location",
            "HealthcareService",
            "Practitioner",
            "Patient",
            "Encounter",
        ] {
            assert!(types.contains(&wanted), "{wanted}");
        }
        let encounter = rest["resource"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "Encounter")
            .unwrap();
        let params: Vec<&str> = encounter["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(params, ["_id", "patient", "date", "status", "appointment"]);
        // Every search parameter it lists is one the search reads: an unknown one is
        // refused under strict handling, these are not.
        let values = ["x", "x", "2027", "arrived", "x"];
        for (param, value) in params.iter().zip(values) {
            let (status, _, body) = s
                .api
                .get_with(
                    &format!("/Encounter?{param}={value}"),
                    &[("prefer", "handling=strict")],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{param}: {body}");
        }
        let (status, _, body) = s
            .api
            .get_with("/Encounter?class=AMB", &[("prefer", "handling=strict")])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        s.check();
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_the_clinic_its_services_and_clinicians_read_and_search() {
    let morning = morning();
    let clinic = DEMO_CLINIC.to_string();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let api = &s.api;
        let org = api.ok(&format!("/Organization/{clinic}")).await;
        assert_eq!(org["name"], "Klinik Sehat Sentosa");
        assert_eq!(api.ids("/Organization?name=sehat").await, [clinic.as_str()]);
        assert_eq!(
            api.ids("/Organization?name=lain").await,
            Vec::<String>::new()
        );
        assert_eq!(
            api.ids(&format!("/Organization?_id={clinic}")).await,
            [clinic.as_str()]
        );
        // Only the clinics granted: the other one is never listed.
        assert_eq!(api.ids("/Organization").await, [clinic.as_str()]);
        let location = api.ok(&format!("/Location/{clinic}")).await;
        assert_eq!(
            location["managingOrganization"]["reference"],
            format!("Organization/{clinic}")
        );
        assert_eq!(
            api.ids(&format!("/Location?organization=Organization/{clinic}"))
                .await,
            [clinic.as_str()]
        );
        let service = api.ok(&format!("/HealthcareService/{clinic}.A")).await;
        assert_eq!(service["name"], "Poli Umum");
        assert_eq!(
            service["_name"]["extension"][0]["extension"][1]["valueString"],
            "General Practice"
        );
        assert_eq!(
            service["providedBy"]["reference"],
            format!("Organization/{clinic}")
        );
        assert_eq!(
            service["location"][0]["reference"],
            format!("Location/{clinic}")
        );
        let services = api
            .ids(&format!(
                "/HealthcareService?organization={clinic}&active=true"
            ))
            .await;
        assert_eq!(
            services,
            ["A", "B", "C", "F", "L"]
                .map(|c| format!("{clinic}.{c}"))
                .to_vec()
        );
        assert_eq!(
            api.ids("/HealthcareService?active=false").await,
            Vec::<String>::new()
        );
        assert_eq!(
            api.ids(&format!("/HealthcareService?_id={clinic}.L")).await,
            [format!("{clinic}.L")]
        );
        // The clinicians only, by name, without their logins.
        assert_eq!(
            api.ids("/Practitioner").await,
            [morning.doctor.as_str()],
            "{}",
            db.name
        );
        assert_eq!(
            api.ids("/Practitioner?name=rina").await,
            [morning.doctor.as_str()]
        );
        assert_eq!(
            api.ids("/Practitioner?name=petugas").await,
            Vec::<String>::new()
        );
        let doctor = api.ok(&format!("/Practitioner/{}", morning.doctor)).await;
        assert_eq!(doctor["name"][0]["text"], "dr. Rina Wulandari");
        let text = doctor.to_string();
        assert!(
            !text.contains("\"doctor\"") && !text.contains("argon2"),
            "{text}"
        );
        // Unknown and malformed ids.
        for path in [
            format!("/Organization/{}", ClinicId::random()),
            "/Organization/not-a-clinic".to_owned(),
            format!("/HealthcareService/{clinic}.Z"),
            "/HealthcareService/x".to_owned(),
            format!("/Practitioner/{}", DeviceId::random()),
            format!("/Location/{clinic}x"),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert_eq!(issue_code(&body), "not-found");
        }
        s.check();
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_patients_read_and_search_by_nik_bpjs_name_and_birth_date() {
    let morning = morning();
    let siti = morning.siti.id.to_string();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let api = &s.api;
        let patient = api.ok(&format!("/Patient/{siti}")).await;
        assert_eq!(patient["resourceType"], "Patient");
        assert_eq!(
            patient["identifier"],
            json!([
                {"use": "official", "system": NIK_SYSTEM, "value": NIK},
                {"use": "secondary", "system": BPJS_SYSTEM, "value": BPJS},
            ])
        );
        assert_eq!(patient["name"][0]["text"], "Siti Aminah");
        assert_eq!(patient["birthDate"], "1990-05-17");
        assert_eq!(
            patient["telecom"][0],
            json!({"system": "phone", "value": morning.siti.phone, "use": "mobile"})
        );
        let cases: &[(&str, &[usize])] = &[
            (&format!("identifier={NIK_SYSTEM}|{NIK}"), &[0]),
            (&format!("identifier={NIK}"), &[0]),
            (&format!("identifier={BPJS_SYSTEM}|{BPJS}"), &[0]),
            (&format!("identifier={BPJS_SYSTEM}|{NIK}"), &[]),
            (&format!("identifier=https://other.example/id|{NIK}"), &[]),
            ("identifier=0009876543210", &[2]),
            (&format!("identifier={NIK},0009876543210"), &[0, 2]),
            ("name=siti", &[0]),
            ("name=AMINAH", &[0]),
            ("name=amin", &[0]),
            ("name=minah", &[]),
            ("name=s", &[0, 1, 3]),
            ("name=siti,budi", &[0, 1]),
            ("name=s&name=santoso", &[1]),
            ("birthdate=1990-05-17", &[0]),
            ("birthdate=1990", &[0]),
            ("birthdate=ge1985&birthdate=lt1990", &[1]),
            ("birthdate=lt1980-01-01", &[3]),
            ("birthdate=gt1990-05-17", &[4]),
            // Not born that day: those whose date of birth is known.
            ("birthdate=ne1990-05-17", &[1, 3, 4]),
            ("name=siti&birthdate=1985-03-12", &[]),
        ];
        for (query, want) in cases {
            let ids = api.ids(&format!("/Patient?{query}")).await;
            let want: Vec<String> = sorted(want.iter().map(|i| morning.patients[*i]));
            assert_eq!(sorted(ids), want, "{}: {query}", db.name);
        }
        assert_eq!(
            api.ids(&format!("/Patient?_id={siti}")).await,
            [siti.as_str()]
        );
        // The other clinic's Siti (same birth date) is never found.
        assert_eq!(api.ids("/Patient").await.len(), 5);
        assert_eq!(
            api.ids("/Patient?identifier=3174015705900002").await,
            Vec::<String>::new()
        );
        // Unknown, malformed.
        for path in [
            format!("/Patient/{}", PatientId::random()),
            "/Patient/siti".to_owned(),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert_eq!(issue_code(&body), "not-found");
        }
        let (status, body) = api.get("/Patient?birthdate=tomorrow").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(issue_code(&body), "invalid");
        s.check();
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_an_encounter_is_the_visits_journey_in_standard_codes() {
    let morning = morning();
    let visit = morning.visit.to_string();
    let clinic = DEMO_CLINIC.to_string();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let api = &s.api;
        let encounter = api.ok(&format!("/Encounter/{visit}")).await;
        assert_eq!(encounter["status"], "finished");
        let history: Vec<&str> = encounter["statusHistory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            history,
            [
                "arrived",
                "in-progress",
                "arrived",
                "in-progress",
                "finished"
            ],
            "{}",
            db.name
        );
        // Issued 08:01, called 08:07, served 08:09, registered 08:11, called to the
        // room 08:13, served 08:15, done 08:17 (Jakarta).
        assert_eq!(
            encounter["statusHistory"][1]["period"],
            json!({"start": "2027-01-15T08:09:00+07:00", "end": "2027-01-15T08:11:00+07:00"})
        );
        assert_eq!(
            encounter["statusHistory"][4]["period"]["start"],
            "2027-01-15T08:17:00+07:00"
        );
        assert_eq!(
            encounter["period"],
            json!({"start": "2027-01-15T08:01:00+07:00", "end": "2027-01-15T08:17:00+07:00"})
        );
        let places: Vec<&str> = encounter["location"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["location"]["display"].as_str().unwrap())
            .collect();
        assert_eq!(
            places,
            ["Poli Umum · Pendaftaran", "Poli Umum · Ruang Periksa Umum"]
        );
        assert!(
            encounter["location"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["status"] == "completed"
                    && l["location"]["reference"] == format!("Location/{clinic}"))
        );
        assert_eq!(
            encounter["class"],
            json!({
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            })
        );
        assert_eq!(
            encounter["subject"]["reference"],
            format!("Patient/{}", morning.siti.id)
        );
        assert_eq!(
            encounter["appointment"][0]["reference"],
            format!("Appointment/{}", morning.appointment)
        );
        assert_eq!(
            encounter["serviceProvider"]["reference"],
            format!("Organization/{clinic}")
        );
        assert_eq!(
            encounter["participant"][0]["individual"]["reference"],
            format!("Practitioner/{}", morning.doctor)
        );
        let v = |i: usize| morning.visits[i].to_string();
        let cases: &[(String, Vec<String>)] = &[
            (format!("patient=Patient/{}", morning.siti.id), vec![v(0)]),
            (format!("patient={}", morning.siti.id), vec![v(0)]),
            (format!("patient=Patient/{}", s.other.patient), vec![]),
            (
                format!("appointment=Appointment/{}", morning.appointment),
                vec![v(0)],
            ),
            ("status=finished".into(), vec![v(0)]),
            ("status=arrived".into(), vec![v(1)]),
            ("status=in-progress".into(), vec![v(2)]),
            ("status=cancelled".into(), vec![v(3), v(4)]),
            (
                "status=http://hl7.org/fhir/encounter-status|arrived,in-progress".into(),
                vec![v(1), v(2)],
            ),
            ("status=called".into(), vec![]),
            ("status=inprogress".into(), vec![]),
            ("date=2027-01-15".into(), vec![v(0), v(3), v(4)]),
            (
                "date=ge2027-01-15&date=lt2027-01-16".into(),
                (0..5).map(v).collect(),
            ),
            ("date=lt2027-01-15".into(), vec![]),
            ("date=ge2027-01-16".into(), vec![v(1), v(2)]),
            ("date=eb2027-01-16".into(), vec![v(0), v(3), v(4)]),
            ("date=le2027-01-15T08:01".into(), vec![v(0)]),
            (
                "date=sa2027-01-15T08:01".into(),
                vec![v(1), v(2), v(3), v(4)],
            ),
            (format!("_id={visit}"), vec![v(0)]),
            (
                format!("patient={}&status=cancelled", morning.siti.id),
                vec![],
            ),
        ];
        for (query, want) in cases {
            let ids = api.ids(&format!("/Encounter?{query}")).await;
            assert_eq!(sorted(ids), sorted(want), "{}: {query}", db.name);
        }
        // Visits in order of their start.
        assert_eq!(
            api.ids("/Encounter").await,
            morning
                .visits
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
        );
        let all = api.ok("/Encounter").await.to_string();
        assert!(!all.contains("\"called\"") && !all.contains("\"inprogress\""));
        for path in [
            format!("/Encounter/{}", VisitId::random()),
            "/Encounter/visit-1".to_owned(),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
        s.check();
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_searches_page_by_count_and_next_links_to_the_end() {
    let morning = morning();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let api = &s.api;
        for (search, all) in [
            ("/Patient?_count=2", sorted(&morning.patients)),
            ("/Encounter?_count=2", sorted(&morning.visits)),
            ("/HealthcareService?_count=2", {
                sorted(["A", "B", "C", "F", "L"].map(|c| format!("{DEMO_CLINIC}.{c}")))
            }),
        ] {
            let mut url = format!("{}/fhir/r4{search}", s.base);
            let mut seen = Vec::new();
            let mut pages = 0;
            loop {
                let bundle = api.ok(&url).await;
                pages += 1;
                assert_eq!(bundle["total"], json!(all.len()), "{search}");
                let page = match_ids(&bundle);
                assert!(page.len() <= 2, "{search}: {bundle}");
                seen.extend(page);
                let links = bundle["link"].as_array().unwrap();
                assert_eq!(links[0]["relation"], "self");
                assert_eq!(links[0]["url"], url.as_str(), "self is the page asked for");
                match links.iter().find(|l| l["relation"] == "next") {
                    Some(next) => url = next["url"].as_str().unwrap().to_owned(),
                    None => break,
                }
            }
            assert_eq!(pages, all.len().div_ceil(2), "{search}");
            let unique: BTreeSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{search}: no match twice");
            assert_eq!(sorted(seen), all, "{}: {search}", db.name);
        }
        // The default page, a count cut to 200, zero for the total alone.
        let bundle = api.ok("/Patient").await;
        let self_link = bundle["link"][0]["url"].as_str().unwrap();
        assert!(self_link.ends_with("/Patient?_count=20"), "{self_link}");
        let bundle = api.ok("/Patient?_count=5000&name=siti").await;
        assert_eq!(
            bundle["link"][0]["url"],
            format!("{}/fhir/r4/Patient?name=siti&_count=200", s.base)
        );
        let bundle = api.ok("/Patient?_count=0").await;
        assert_eq!(bundle["total"], 5);
        assert!(bundle.get("entry").is_none(), "{bundle}");
        // An unknown parameter is ignored (and named), or refused under strict handling.
        let bundle = api.ok("/Patient?phone=0812&name=siti").await;
        assert_eq!(match_ids(&bundle), [morning.siti.id.to_string()]);
        let outcome = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["search"]["mode"] == "outcome")
            .unwrap();
        assert_eq!(outcome["resource"]["issue"][0]["severity"], "warning");
        assert!(
            !bundle["link"][0]["url"].as_str().unwrap().contains("phone"),
            "self names only what was applied"
        );
        let (status, _, body) = api
            .get_with("/Patient?phone=0812", &[("prefer", "handling=strict")])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(issue_code(&body), "invalid");
        let (status, body) = api.get("/Patient?_count=many").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        s.check();
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_refusals_are_operation_outcomes_and_other_clinics_stay_out() {
    let morning = morning();
    let siti = morning.siti.id.to_string();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let api = &s.api;
        // No token: 401 with the bearer challenge.
        let anyone = Client::new(&s.base, None, &s.seen);
        let (status, headers, body) = anyone.get_with("/Patient", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(issue_code(&body), "security");
        assert!(
            headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
            "{headers:?}"
        );
        // A scope that does not read patients.
        let token = fhir_token(&s.base, &db, &[DEMO_CLINIC], "system/Slot.read").await;
        let slots_only = Client::new(&s.base, Some(token), &s.seen);
        for path in [
            "/Patient".to_owned(),
            format!("/Patient/{siti}"),
            "/Encounter".to_owned(),
            format!("/Organization/{DEMO_CLINIC}"),
        ] {
            let (status, headers, body) = slots_only.get_with(&path, &[]).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
            assert_eq!(issue_code(&body), "security");
            assert!(headers.contains_key("www-authenticate"));
        }
        // The other clinic's resources, read with the demo clinic's grant: 403.
        for path in [
            format!("/Patient/{}", s.other.patient),
            format!("/Encounter/{}", s.other.visit),
            format!("/Organization/{}", s.other.clinic),
            format!("/Location/{}", s.other.clinic),
            format!("/HealthcareService/{}.A", s.other.clinic),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{}: {path}: {body}", db.name);
            assert_eq!(issue_code(&body), "security");
        }
        // A client of the other clinic sees its own Siti, never the demo clinic's rows.
        let token = fhir_token(&s.base, &db, &[s.other.clinic], "system/*.read").await;
        let other = Client::new(&s.base, Some(token), &s.seen);
        assert_eq!(
            other.ids("/Patient?name=siti").await,
            [s.other.patient.to_string()]
        );
        assert_eq!(other.ids("/Encounter").await, [s.other.visit.to_string()]);
        assert_eq!(
            other.ids(&format!("/Patient?identifier={NIK}")).await,
            Vec::<String>::new()
        );
        let (status, body) = other.get(&format!("/Patient/{siti}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // Formats: JSON only.
        for accept in ["application/fhir+xml", "application/xml, text/html"] {
            let (status, _, body) = api
                .get_with(&format!("/Patient/{siti}"), &[("accept", accept)])
                .await;
            assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{accept}: {body}");
            assert_eq!(issue_code(&body), "not-supported");
        }
        for format in ["xml", "application/fhir%2Bxml"] {
            let (status, body) = api.get(&format!("/Patient?_format={format}")).await;
            assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{format}: {body}");
        }
        for (accept, format) in [
            ("application/json", ""),
            ("*/*", ""),
            ("application/fhir+xml", "?_format=json"),
            ("application/xml", "?_format=application/fhir%2Bjson"),
        ] {
            let (status, _, body) = api
                .get_with(&format!("/Patient/{siti}{format}"), &[("accept", accept)])
                .await;
            assert_eq!(status, StatusCode::OK, "{accept} {format}: {body}");
        }
        let (status, _, body) = api.get_with(&format!("/Patient/{siti}"), &[]).await;
        assert_eq!(status, StatusCode::OK, "no Accept: {body}");
        // A body of another type; an interaction not served; a route that is not.
        let token = api.token.clone().unwrap();
        let (status, _, body) = api
            .answer(
                api.http
                    .post(format!("{}/fhir/r4/Patient", s.base))
                    .bearer_auth(&token)
                    .header("content-type", "application/xml")
                    .body("<Patient/>"),
            )
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
        let (status, _, body) = api
            .answer(
                api.http
                    .post(format!("{}/fhir/r4/Patient", s.base))
                    .bearer_auth(&token)
                    .header("content-type", "application/fhir+json")
                    .body(r#"{"resourceType":"Patient"}"#),
            )
            .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert_eq!(issue_code(&body), "not-supported");
        let (status, body) = api.get("/Observation").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(issue_code(&body), "not-found");
        // Nothing was written by any of it.
        let held = s.storage.summary(DEMO_CLINIC).await.unwrap();
        assert_eq!(held, morning.node.store().summary().unwrap(), "{}", db.name);
        s.check();
        db.drop_now().await;
    }
}

#[test]
fn fhir_the_validator_refuses_a_resource_outside_r4() {
    let called = json!({
        "resourceType": "Encounter",
        "id": "v1",
        "status": "called",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
    });
    let unbooked = json!({
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "participant": [{"status": "accepted", "actor": {"reference": "Patient/p1"}}],
    });
    let inside_a_bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [{"fullUrl": "https://x/fhir/r4/Appointment/a1", "resource": unbooked,
                   "search": {"mode": "match"}}],
    });
    for (bad, says) in [
        (called, "\"called\" is not in the required value set"),
        (unbooked.clone(), "app-3"),
        (inside_a_bundle, "entry[0] Appointment/a1"),
    ] {
        if let Some(output) = fhir_check_fails(&[bad]) {
            assert!(output.contains(says), "{output}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_the_patients_migration_folds_the_patients_and_visits_already_held() {
    let morning = morning();
    for db in Db::all().await {
        let storage = db.open().await;
        storage
            .add_clinic(DEMO_CLINIC, "Klinik Sehat Sentosa", "k")
            .await
            .unwrap();
        sync(&morning.node, &storage).await;
        drop(storage);
        // The database as it was before the migration: no patients, tickets without
        // their visit.
        let undo = [
            "DROP TABLE patients",
            "DROP INDEX tickets_by_visit",
            "DROP INDEX tickets_by_patient",
            "DROP INDEX records_by_entity",
            "ALTER TABLE tickets DROP COLUMN visit_id",
            "ALTER TABLE tickets DROP COLUMN patient_id",
            "ALTER TABLE tickets DROP COLUMN finished_at",
            "DELETE FROM schema_migrations WHERE name = '20261208100000_cloud_patients.sql'",
        ];
        if let Some(path) = db.url.strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path).unwrap();
            for sql in undo {
                conn.execute_batch(sql).unwrap();
            }
        } else {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            for sql in undo {
                client.batch_execute(sql).await.unwrap();
            }
        }
        let storage = db.open().await;
        let all = Paging {
            offset: 0,
            count: 100,
        };
        let patients = storage.patients(DEMO_CLINIC, vec![], all).await.unwrap();
        assert_eq!(patients.total, 5, "{}", db.name);
        let siti = storage
            .patients(DEMO_CLINIC, vec![vec![PatientMatch::Nik(NIK.into())]], all)
            .await
            .unwrap();
        assert_eq!(siti.items[0].patient, morning.siti, "{}", db.name);
        let visits = storage
            .visits(
                DEMO_CLINIC,
                vec![vec![VisitMatch::Patient(morning.siti.id.to_string())]],
                all,
            )
            .await
            .unwrap();
        assert_eq!(visits.items.len(), 1, "{}", db.name);
        assert_eq!(visits.items[0].id, morning.visit);
        assert_eq!(
            storage
                .clinics_holding(Holder::Visit, morning.visit.to_string())
                .await
                .unwrap(),
            [DEMO_CLINIC]
        );
        // A later change of the patient replaces the row; an older one does not.
        let renamed = Patient {
            name: Some("Siti Aminah Putri".into()),
            ..morning.siti.clone()
        };
        let origin = DeviceId::random();
        let at = |seq: u64, ms: u64, patient: &Patient| Event {
            id: EventId { origin, seq },
            stamp: Stamp::new(ms, 0),
            clinic: DEMO_CLINIC,
            actor: Actor::System,
            body: EventBody::PatientSet(patient.clone()),
        };
        let older = Patient {
            name: Some("Siti Lama".into()),
            ..morning.siti.clone()
        };
        storage
            .ingest(
                DEMO_CLINIC,
                vec![at(1, DAY_START_MS + 3_600_000, &renamed)],
                None,
            )
            .await
            .unwrap();
        storage
            .ingest(
                DEMO_CLINIC,
                vec![at(2, DAY_START_MS - 3_600_000, &older)],
                None,
            )
            .await
            .unwrap();
        let named = |name: &str| {
            let storage = &storage;
            let name = name.to_owned();
            async move {
                storage
                    .patients(DEMO_CLINIC, vec![vec![PatientMatch::Name(name)]], all)
                    .await
                    .unwrap()
                    .total
            }
        };
        assert_eq!(
            (named("putri").await, named("lama").await),
            (1, 0),
            "{}",
            db.name
        );
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fhir_reads_of_patients_and_encounters_are_on_the_clients_trail() {
    let morning = morning();
    let siti = morning.siti.id.to_string();
    let visit = morning.visit.to_string();
    for db in Db::all().await {
        let s = set_up(&db, &morning).await;
        let api = &s.api;
        api.ok(&format!("/Patient/{siti}")).await;
        api.ok("/Patient?name=siti,budi").await;
        api.ok(&format!("/Encounter/{visit}")).await;
        api.ok(&format!("/Organization/{DEMO_CLINIC}")).await;
        // A search that finds nobody reads no patient.
        api.ok("/Patient?name=nobody").await;
        // Refused reads are not reads.
        let (status, _) = api.get(&format!("/Patient/{}", s.other.patient)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let mut trail = s
            .storage
            .api_reads(Some(vec![DEMO_CLINIC, s.other.clinic]), 100)
            .await
            .unwrap();
        trail.reverse();
        let reads: Vec<(&str, Vec<&str>)> = trail
            .iter()
            .map(|r| (r.resource.as_str(), sorted_strs(r.ids.split(' '))))
            .collect();
        let budi = morning.patients[1].to_string();
        assert_eq!(
            reads,
            [
                ("Patient", vec![siti.as_str()]),
                ("Patient", sorted_strs([siti.as_str(), budi.as_str()])),
                ("Encounter", vec![visit.as_str()]),
            ],
            "{}",
            db.name
        );
        assert!(trail.iter().all(|r| r.clinic == DEMO_CLINIC));
        s.check();
        db.drop_now().await;
    }
}

fn sorted_strs<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut ids: Vec<&str> = ids.into_iter().collect();
    ids.sort();
    ids
}
