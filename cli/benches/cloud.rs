//! The cloud under load, over HTTP on loopback.
//!
//! - Ingest: 4 enrolled devices push a clinic's history at once (pages of 500 events,
//!   `POST /sync/v1/exchange`) into a cloud on SQLite and one on PostgreSQL
//!   (`MEDICLOUD_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/postgres`;
//!   a database made and dropped for the run; not measured when no server answers).
//! - Many devices: a `medicloud cloud` process (SQLite) with 500 devices in 100 clinics
//!   of 5, each syncing every 5 s with two new events, for 60 s: exchange latency, and
//!   the cloud process's CPU from `/proc/PID/stat`. Quick mode: 100 devices for 15 s.
//!
//! - Online booking: `POST /api/v1/public/bookings` on PostgreSQL, 50 patients' clients
//!   at once (each from a loopback address of its own, as the public rate limit counts
//!   addresses), each booking in turn at a clinic of a chain of 50 — and again with all
//!   50 at one clinic, whose bookings wait on each other's lock. Quick mode: 10 bookings
//!   per client, else 30.
//!
//! - FHIR `$find`: `POST /fhir/r4/Appointment/$find` on PostgreSQL over 30 days of a
//!   clinic's 5 services (3,600 slots, 1,000 booked), first page and total, 4 API
//!   clients at once. Quick mode: 50 requests per client, else 250.
//!
//! Events are real ticket events of a generated clinic day, renumbered into each
//! device's own series.
//!
//! `cargo bench -p medicloud --bench cloud [-- SCENARIO…]` (`ingest`, `booking`, `fhir`,
//! `devices`; all when none is named).

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use crdts::{CmRDT, Dot};
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::exchange::{self, SyncRequest, SyncResponse};
use medicloud_sync::log::VersionVector;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/clinic.rs"]
mod clinic;
#[path = "common/record.rs"]
mod record;

const ADMIN: &str = "bench-admin-token";

fn postgres_admin_url() -> String {
    std::env::var("MEDICLOUD_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn postgres_admin() -> Option<tokio_postgres::Client> {
    let url = postgres_admin_url();
    let connect = tokio_postgres::connect(&url, tokio_postgres::NoTls);
    match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok((client, connection))) => {
            tokio::spawn(connection);
            Some(client)
        }
        _ => None,
    }
}

/// A cloud server in this process over `database`; its base URL.
async fn server(database: String) -> String {
    let args = medicloud_cloud::CloudConfig {
        database,
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_token: Some(ADMIN.into()),
        tls_cert: None,
        tls_key: None,
        ..Default::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        medicloud_cloud::serve(args, std::future::pending(), |addr, _https| {
            let _ = tx.send(addr);
        })
        .await
        .unwrap();
    });
    format!("http://{}", rx.await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: &impl serde::Serialize,
) -> Value {
    let res = client
        .post(&url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

/// An enrolled device of a clinic.
#[derive(Clone)]
struct Device {
    id: DeviceId,
    clinic: ClinicId,
    secret: String,
}

async fn clinic_with_devices(client: &reqwest::Client, base: &str, n: usize) -> Vec<Device> {
    let clinic = post(
        client,
        format!("{base}/admin/v1/clinics"),
        ADMIN,
        &json!({"name": "Klinik Bench"}),
    )
    .await;
    let clinic: ClinicId = serde_json::from_value(clinic["id"].clone()).unwrap();
    let mut devices = Vec::new();
    for i in 0..n {
        let url = format!("{base}/admin/v1/clinics/{clinic}/enrolment-codes");
        let code = post(client, url, ADMIN, &json!({})).await;
        let id = DeviceId::random();
        let req = json!({"code": code["code"], "device": id, "name": format!("Bench device {i}")});
        let enrolled = post(client, format!("{base}/sync/v1/enrol"), "", &req).await;
        devices.push(Device {
            id,
            clinic,
            secret: enrolled["secret"].as_str().unwrap().to_owned(),
        });
    }
    devices
}

/// `events[from..to]` renumbered as `device`'s series (seq `from + 1`…).
fn renumber(events: &[Event], device: &Device, from: usize, to: usize) -> Vec<Event> {
    (from..to)
        .map(|k| {
            let mut e = events[k % events.len()].clone();
            e.id.origin = device.id;
            e.id.seq = k as u64 + 1;
            e.clinic = device.clinic;
            e
        })
        .collect()
}

/// One exchange round; the response.
async fn round(
    client: &reqwest::Client,
    base: &str,
    device: &Device,
    held: &VersionVector,
    events: Vec<Event>,
) -> SyncResponse {
    let request = SyncRequest {
        clinic: device.clinic,
        from: device.id,
        summary: exchange::summary_to_wire(held),
        events,
    };
    let res = client
        .post(format!("{base}{}", medicloud_sync::wire::EXCHANGE))
        .bearer_auth(&device.secret)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "exchange: {}", res.status());
    res.json().await.unwrap()
}

/// 4 devices push `events` each, at once; events per second stored.
async fn ingest(base: &str, events: &Arc<Vec<Event>>) -> (f64, usize) {
    let client = reqwest::Client::new();
    let devices = clinic_with_devices(&client, base, 4).await;
    let start = Instant::now();
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|device| {
            let (client, base, events) = (client.clone(), base.to_owned(), events.clone());
            tokio::spawn(async move {
                let mut held = VersionVector::new();
                for from in (0..events.len()).step_by(exchange::PAGE) {
                    let to = (from + exchange::PAGE).min(events.len());
                    round(
                        &client,
                        &base,
                        &device,
                        &held,
                        renumber(&events, &device, from, to),
                    )
                    .await;
                    held.apply(Dot::new(device.id, to as u64));
                }
                events.len()
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    (total as f64 / start.elapsed().as_secs_f64(), total)
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Kills the cloud process when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `devices` devices (clinics of 5) syncing every 5 s with a `medicloud cloud` process
/// for `run`: latencies in ms, and the process's CPU in % of one core.
async fn many_devices(events: &Arc<Vec<Event>>, devices: usize, run: Duration) -> (Vec<f64>, f64) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_medicloud"));
    cmd.args(["cloud", "--listen", "127.0.0.1:0", "--admin-token", ADMIN])
        .arg("--database")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("cloud.sqlite").display()
        ))
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped());
    let mut child = Child(cmd.spawn().unwrap());
    let stdout = child.0.stdout.take().unwrap();
    let base = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let line = lines.next().unwrap().unwrap();
        std::thread::spawn(move || lines.for_each(drop));
        line.split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_owned()
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(devices)
        .build()
        .unwrap();
    let mut all = Vec::new();
    for _ in 0..devices.div_ceil(5) {
        all.extend(clinic_with_devices(&client, &base, 5).await);
    }
    all.truncate(devices);
    let pid = child.0.id();
    let (ticks, began) = (cpu_ticks(pid), Instant::now());
    let tasks: Vec<_> = all
        .into_iter()
        .enumerate()
        .map(|(i, device)| {
            let (client, base, events) = (client.clone(), base.clone(), events.clone());
            let offset = Duration::from_millis((i as u64 * 5_000) / devices as u64);
            tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                let mut tick = tokio::time::interval(Duration::from_secs(5));
                let (mut held, mut sent, mut latencies) = (VersionVector::new(), 0, Vec::new());
                loop {
                    tick.tick().await;
                    if began.elapsed() >= run {
                        break;
                    }
                    let fresh = renumber(&events, &device, sent, sent + 2);
                    let start = Instant::now();
                    let response = round(&client, &base, &device, &held, fresh).await;
                    latencies.push(start.elapsed().as_secs_f64() * 1e3);
                    sent += 2;
                    held.apply(Dot::new(device.id, sent as u64));
                    for e in &response.events {
                        held.apply(Dot::new(e.id.origin, e.id.seq));
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let cpu =
        (cpu_ticks(pid) - ticks) as f64 / clock_ticks_per_second() / began.elapsed().as_secs_f64()
            * 100.0;
    (latencies, cpu)
}

/// Clinics of the booking bench: each registered, its zone and Poli Umum with a schedule
/// synced in (every day 06:00–20:00 in 15-minute slots of 50 places, all online), so
/// the bookings, spread over days and slots, never find a slot full.
async fn bookable_clinics(url: &str, clinics: usize) -> Vec<ClinicId> {
    use medicloud_cloud::storage::Storage;
    use medicloud_core::domain::{Clinic, Service, ServiceCode};
    use medicloud_core::event::{Actor, EventBody, EventId, Stamp};
    use medicloud_core::schedule::{Day, Hours, Schedule};
    let storage = medicloud_cloud::open(url).await.unwrap();
    let at = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let schedule = Schedule {
        hours: Day::ALL
            .iter()
            .map(|&day| Hours {
                day,
                opens: at(6),
                closes: at(20),
            })
            .collect(),
        slot_minutes: 15,
        places_per_slot: 50,
        online_places: 50,
        closed: Vec::new(),
        practitioner: None,
    };
    let mut ids = Vec::new();
    for i in 0..clinics {
        let clinic = ClinicId::random();
        let name = format!("Klinik Bench {i}");
        storage.add_clinic(clinic, &name, "lan-key").await.unwrap();
        let origin = DeviceId::random();
        let now = chrono::Utc::now().timestamp_millis() as u64;
        let event = |seq: u64, body| Event {
            id: EventId { origin, seq },
            stamp: Stamp::new(now, seq as u16),
            clinic,
            actor: Actor::System,
            body,
        };
        let settings = Clinic {
            id: clinic,
            name: name.clone(),
            time_zone: "Asia/Jakarta".into(),
            ticket_message_id: None,
            ticket_message_en: None,
            new_label_on_transfer: false,
            new_label_per_step: false,
            language: Default::default(),
        };
        let service = Service {
            code: ServiceCode::parse("A").unwrap(),
            name_id: "Poli Umum".into(),
            name_en: "General Practice".into(),
            active: true,
            slots: Default::default(),
            schedule: Some(schedule.clone()),
            steps: Vec::new(),
            target_wait_minutes: Service::DEFAULT_TARGET_WAIT_MINUTES,
        };
        let events = vec![
            event(1, EventBody::ClinicSet(settings)),
            event(2, EventBody::ServiceSet(service)),
        ];
        assert_eq!(
            storage.ingest(clinic, events, None).await.unwrap().accepted,
            2
        );
        ids.push(clinic);
    }
    ids
}

/// `clients` patients' clients at once against the cloud at `base`, each from a
/// loopback address of its own (the `first` on), each making `each` bookings one after
/// the other at the clinics `pick` chooses (by client and turn), on days 1 to 30 ahead
/// in Jakarta, at random slots: every answer's latency in ms, and the answers that
/// were not 201.
async fn book_at_once(
    base: &str,
    clinics: &[ClinicId],
    (first, clients): (usize, usize),
    each: usize,
    pick: fn(usize, usize, usize) -> usize,
) -> (Vec<f64>, Vec<String>) {
    let barrier = Arc::new(tokio::sync::Barrier::new(clients));
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (base, clinics, barrier) = (base.to_owned(), clinics.to_vec(), barrier.clone());
            tokio::spawn(async move {
                let n = first + c;
                let ip = std::net::Ipv4Addr::new(127, 7, (n / 250) as u8, (n % 250) as u8 + 1);
                let client = reqwest::Client::builder()
                    .local_address(std::net::IpAddr::V4(ip))
                    .build()
                    .unwrap();
                let jakarta = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
                let today = chrono::Utc::now().with_timezone(&jakarta).date_naive();
                let (mut latencies, mut failures) = (Vec::new(), Vec::new());
                barrier.wait().await;
                for turn in 0..each {
                    let (days, slot): (i64, u32) = {
                        use rand::Rng;
                        let mut rng = rand::thread_rng();
                        (rng.gen_range(1..=30), rng.gen_range(0..56))
                    };
                    let day = today + chrono::Duration::days(days);
                    let minutes = 6 * 60 + 15 * slot;
                    let start = format!("{day}T{:02}:{:02}:00+07:00", minutes / 60, minutes % 60);
                    let body = json!({
                        "clinic": clinics[pick(c, turn, clinics.len())], "service": "A",
                        "start": start, "name": format!("Pasien {c}-{turn}"),
                        "phone": format!("0812{:04}{:04}", c, turn), "consent_messages": true,
                    });
                    let began = Instant::now();
                    let res = client
                        .post(format!("{base}/api/v1/public/bookings"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    let status = res.status();
                    let text = res.text().await.unwrap_or_default();
                    latencies.push(began.elapsed().as_secs_f64() * 1e3);
                    if status != 201 {
                        failures.push(format!("{status} {text}"));
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let (mut latencies, mut failures) = (Vec::new(), Vec::new());
    for t in tasks {
        let (l, f) = t.await.unwrap();
        latencies.extend(l);
        failures.extend(f);
    }
    (latencies, failures)
}

/// Online bookings on PostgreSQL: 50 clients at once across a chain of 50 clinics, and
/// all 50 at one clinic.
async fn booking(quick: bool) {
    let Some(admin) = postgres_admin().await else {
        let reason = format!("no PostgreSQL answered at {}", postgres_admin_url());
        for name in ["cloud.booking.p50", "cloud.booking.p99"] {
            record::not_measured(name, &reason);
        }
        println!("cloud booking on PostgreSQL: not measured ({reason})");
        return;
    };
    let name = format!("medicloud_bench_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = postgres_admin_url();
    let authority = base.find("://").unwrap() + 3;
    let url = match base[authority..].find('/') {
        Some(i) => format!("{}/{name}", &base[..authority + i]),
        None => format!("{base}/{name}"),
    };
    let (clients, each) = (50, if quick { 10 } else { 30 });
    let clinics = bookable_clinics(&url, clients).await;
    let cloud = server(url).await;
    // Warm the pool's connections and the statements.
    let _ = book_at_once(&cloud, &clinics, (0, 16), 1, |c, _, n| c % n).await;
    for (round, (prefix, across, pick)) in [
        (
            "cloud.booking",
            "each booking in turn at another clinic of a chain of 50",
            (|c, turn, n| (c + turn) % n) as fn(usize, usize, usize) -> usize,
        ),
        (
            "cloud.booking_one_clinic",
            "all at one clinic (its bookings wait on each other's lock)",
            |_, _, _| 0,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        // Addresses of their own in each round: the rate limit counts each address.
        let first = 100 + round * clients;
        let (latencies, failures) =
            book_at_once(&cloud, &clinics, (first, clients), each, pick).await;
        assert!(failures.is_empty(), "{prefix}: {failures:?}");
        let workload = format!(
            "{clients} patients' clients at once, each from its own loopback address making {each} bookings one after the other ({} in all; POST /api/v1/public/bookings, JSON over HTTP on loopback), {across}, slots spread over 30 days; cloud in the bench process on PostgreSQL, on the same 2 cores",
            latencies.len()
        );
        let (p50, p99) = record::latency_ms(prefix, &latencies, &workload);
        println!(
            "{prefix}: {} bookings, p50 {p50:.2} ms  p99 {p99:.2} ms ({across})",
            latencies.len()
        );
    }
    let _ = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

/// The clinic of the `$find` bench: registered, in Jakarta, its five services each on a
/// schedule of every day 08:00–14:00 in 15-minute slots of 4 places, 2 of them online
/// (the demo's hours, every day), with `booked` online bookings spread over the next
/// 30 days (some slots full, most not).
async fn find_clinic(url: &str, booked: usize) -> ClinicId {
    use medicloud_cloud::storage::Storage;
    use medicloud_core::domain::{Appointment, Clinic, Service, ServiceCode};
    use medicloud_core::event::{Actor, EventBody, EventId, Stamp};
    use medicloud_core::ids::AppointmentId;
    use medicloud_core::schedule::{Channel, Day, Hours, Schedule};
    let storage = medicloud_cloud::open(url).await.unwrap();
    let at = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let schedule = Schedule {
        hours: Day::ALL
            .iter()
            .map(|&day| Hours {
                day,
                opens: at(8),
                closes: at(14),
            })
            .collect(),
        slot_minutes: 15,
        places_per_slot: 4,
        online_places: 2,
        closed: Vec::new(),
        practitioner: None,
    };
    let clinic = ClinicId::random();
    storage
        .add_clinic(clinic, "Klinik Bench FHIR", "lan-key")
        .await
        .unwrap();
    let origin = DeviceId::random();
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let mut seq = 0;
    let mut event = |body| {
        seq += 1;
        Event {
            id: EventId { origin, seq },
            stamp: Stamp::new(now, (seq % 60_000) as u16),
            clinic,
            actor: Actor::System,
            body,
        }
    };
    let mut events = vec![event(EventBody::ClinicSet(Clinic {
        id: clinic,
        name: "Klinik Bench FHIR".into(),
        time_zone: "Asia/Jakarta".into(),
        ticket_message_id: None,
        ticket_message_en: None,
        new_label_on_transfer: false,
        new_label_per_step: false,
        language: Default::default(),
    }))];
    let codes = ["A", "B", "C", "L", "F"];
    for code in codes {
        events.push(event(EventBody::ServiceSet(Service {
            code: ServiceCode::parse(code).unwrap(),
            name_id: format!("Layanan {code}"),
            name_en: format!("Service {code}"),
            active: true,
            slots: Default::default(),
            schedule: Some(schedule.clone()),
            steps: Vec::new(),
            target_wait_minutes: Service::DEFAULT_TARGET_WAIT_MINUTES,
        })));
    }
    let jakarta = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&jakarta).date_naive();
    for n in 0..booked {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let (day, slot) = (rng.gen_range(1..=30), rng.gen_range(0..24));
        let minutes = 8 * 60 + 15 * slot;
        events.push(event(EventBody::AppointmentBooked(Appointment {
            id: AppointmentId::random(),
            code: format!("B{n:05}"),
            patient: None,
            service: ServiceCode::parse(codes[n % codes.len()]).unwrap(),
            date: today + chrono::Duration::days(day),
            slot_start: chrono::NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap(),
            slot_minutes: 15,
            channel: Channel::Online,
            overbooked: false,
            consent_messages: false,
        })));
    }
    let wanted = events.len();
    assert_eq!(
        storage.ingest(clinic, events, None).await.unwrap().accepted,
        wanted
    );
    clinic
}

/// One `$find`: its latency in ms, and the total it answered.
async fn find_once(client: &reqwest::Client, url: &str, token: &str, body: &str) -> (f64, u64) {
    let began = Instant::now();
    let res = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/fhir+json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let bundle: Value = res.json().await.unwrap();
    let took = began.elapsed().as_secs_f64() * 1e3;
    assert!(status.is_success(), "{status} {bundle}");
    (took, bundle["total"].as_u64().unwrap_or(0))
}

/// `Appointment/$find` on PostgreSQL: the free slots of the next 30 days of a clinic's 5
/// services (3,600 slots), first page of 20 with the total, asked by `clients` API
/// clients at once, each `each` times one after the other.
async fn fhir_find(quick: bool) {
    let Some(admin) = postgres_admin().await else {
        let reason = format!("no PostgreSQL answered at {}", postgres_admin_url());
        for name in ["cloud.fhir.find.p50", "cloud.fhir.find.p99"] {
            record::not_measured(name, &reason);
        }
        println!("cloud $find on PostgreSQL: not measured ({reason})");
        return;
    };
    let name = format!("medicloud_bench_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = postgres_admin_url();
    let authority = base.find("://").unwrap() + 3;
    let url = match base[authority..].find('/') {
        Some(i) => format!("{}/{name}", &base[..authority + i]),
        None => format!("{base}/{name}"),
    };
    let booked = 1_000;
    let clinic = find_clinic(&url, booked).await;
    let cloud = server(url.clone()).await;
    let storage = medicloud_cloud::open(&url).await.unwrap();
    let scopes = vec!["system/Appointment.read".parse().unwrap()];
    let api =
        medicloud_cloud::oauth::add_client(&storage, "bench EHR", vec![clinic], &scopes, None)
            .await
            .unwrap();
    let answer: Value = reqwest::Client::new()
        .post(format!("{cloud}/oauth/token"))
        .basic_auth(&api.id, api.secret.as_deref())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["access_token"].as_str().unwrap().to_owned();
    let jakarta = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&jakarta).date_naive();
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "start", "valueDate": (today + chrono::Duration::days(1)).to_string()},
        {"name": "end", "valueDate": (today + chrono::Duration::days(30)).to_string()},
        {"name": "organization", "valueReference": {"reference": format!("Organization/{clinic}")}},
    ]});
    let (clients, each) = (4, if quick { 50 } else { 250 });
    let url = Arc::new(format!("{cloud}/fhir/r4/Appointment/$find"));
    let (token, body) = (Arc::new(token), Arc::new(body.to_string()));
    // Warm the pool's connections and the statements.
    let mut total = 0;
    for _ in 0..clients {
        total = find_once(&reqwest::Client::new(), &url, &token, &body)
            .await
            .1;
    }
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (url, token, body) = (url.clone(), token.clone(), body.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut latencies = Vec::new();
                for _ in 0..each {
                    latencies.push(find_once(&client, &url, &token, &body).await.0);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let workload = format!(
        "POST /fhir/r4/Appointment/$find (Parameters: start, end 30 days apart, organization) of one clinic's 5 services on schedules of 24 slots a day (3,600 slots, {booked} online bookings among them; {total} free), first page of 20 with the total; {clients} API clients at once, {each} requests each one after the other ({} in all), JSON over HTTP on loopback; cloud in the bench process on PostgreSQL, on the same 2 cores",
        latencies.len()
    );
    let (p50, p99) = record::latency_ms("cloud.fhir.find", &latencies, &workload);
    println!(
        "cloud.fhir.find: {} requests, p50 {p50:.2} ms  p99 {p99:.2} ms ({total} free slots of 3,600)",
        latencies.len()
    );
    let _ = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; anything else names the scenarios to run
    // (`ingest`, `booking`, `fhir`, `devices`), all of them when none is named.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let quick = record::quick();
    let root = tempfile::tempdir().unwrap();
    let tickets = if quick { 1_000 } else { 5_000 };
    let events = Arc::new(clinic::events(root.path(), tickets));
    println!(
        "cloud: {} events of {tickets} tickets to push per device",
        events.len()
    );
    if runs("ingest") {
        ingest_both(root.path(), &events).await;
    }
    if runs("booking") {
        booking(quick).await;
    }
    if runs("fhir") {
        fhir_find(quick).await;
    }
    if runs("devices") {
        let (devices, run) = if quick { (100, 15) } else { (500, 60) };
        let (latencies, cpu) = many_devices(&events, devices, Duration::from_secs(run)).await;
        let workload = format!(
            "{devices} devices in clinics of 5, each syncing every 5 s with 2 new events for {run} s ({} exchanges), against a `medicloud cloud` process on SQLite; the devices run in the bench process on the same 2 cores",
            latencies.len()
        );
        let (p50, p99) = record::latency_ms("cloud.devices", &latencies, &workload);
        record::measure("cloud.devices.cpu_percent", cpu, "% of a core", &workload);
        println!(
            "cloud, {devices} devices every 5 s for {run} s: {} exchanges, p50 {p50:.2} ms  p99 {p99:.2} ms, cloud CPU {cpu:.1} % of a core",
            latencies.len()
        );
    }
}

/// Ingest on SQLite and on PostgreSQL (when one answers).
async fn ingest_both(root: &std::path::Path, events: &Arc<Vec<Event>>) {
    let workload = |engine: &str| {
        format!(
            "4 devices pushing {} ticket events each at once, pages of 500 (POST /sync/v1/exchange, JSON over HTTP on loopback), cloud in the bench process on {engine}",
            events.len()
        )
    };
    let sqlite = format!("sqlite://{}", root.join("cloud.sqlite").display());
    let (rate, total) = ingest(&server(sqlite).await, events).await;
    record::measure(
        "cloud.ingest.sqlite.events_per_s",
        rate,
        "events/s",
        &workload("SQLite"),
    );
    println!("cloud ingest on SQLite: {total} events, {rate:.0} events/s");

    match postgres_admin().await {
        None => {
            let reason = format!("no PostgreSQL answered at {}", postgres_admin_url());
            record::not_measured("cloud.ingest.postgres.events_per_s", &reason);
            println!("cloud ingest on PostgreSQL: not measured ({reason})");
        }
        Some(admin) => {
            let name = format!("medicloud_bench_{:016x}", rand::random::<u64>());
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let base = postgres_admin_url();
            let authority = base.find("://").unwrap() + 3;
            let url = match base[authority..].find('/') {
                Some(i) => format!("{}/{name}", &base[..authority + i]),
                None => format!("{base}/{name}"),
            };
            let (rate, total) = ingest(&server(url).await, events).await;
            record::measure(
                "cloud.ingest.postgres.events_per_s",
                rate,
                "events/s",
                &workload("PostgreSQL"),
            );
            println!("cloud ingest on PostgreSQL: {total} events, {rate:.0} events/s");
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}
