//! A cloud as it runs in the field, for the tests and the fault bench: three
//! `medicloud cloud` replicas on one PostgreSQL behind HAProxy (Debian's, with the
//! project's `deploy/haproxy/haproxy.cfg`), and enrolled devices that sync and reserve
//! label numbers through it, each from a loopback address of its own.

use crate::util::{Cloud, free_port};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::exchange::{self, SyncRequest, SyncResponse};
use medicloud_sync::log::VersionVector;
use medicloud_sync::wire::{self, Block, ReserveRequest};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The cloud's admin token in these runs.
pub const ADMIN: &str = "replicas-admin-token";
/// New events a device sends in each round.
pub const PER_ROUND: usize = 4;
/// The day the devices' events and label blocks are for.
pub const DAY: &str = "2026-12-04";

/// A `medicloud cloud` replica on a fixed port (a restart takes the same one).
pub struct Replica {
    port: u16,
    database: String,
    cloud: Option<Cloud>,
}

impl Replica {
    pub fn start(database: &str) -> Self {
        let mut r = Replica {
            port: free_port(),
            database: database.to_owned(),
            cloud: None,
        };
        r.restart();
        r
    }

    pub fn restart(&mut self) {
        let listen = format!("127.0.0.1:{}", self.port);
        let env = [
            ("MEDICLOUD_CLOUD_ADMIN_TOKEN", ADMIN),
            ("MEDICLOUD_CLOUD_HQ_KEY_SECRET", "replicas-key-secret"),
            ("RUST_LOG", "error"),
        ];
        let extra = ["--trusted-proxy", "127.0.0.1"];
        self.cloud = Some(Cloud::start_env(&self.database, &listen, &extra, &env));
    }

    /// `kill -9`: no goodbye, connections cut mid-request.
    pub fn kill(&mut self) {
        drop(self.cloud.take()); // a `Cloud` is killed when dropped
    }

    /// `SIGTERM`, as an orchestrator stops a replica, and waits for it to end.
    pub fn stop(&mut self) {
        if let Some(mut cloud) = self.cloud.take() {
            let child = &mut cloud.0;
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            child.wait().unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// HAProxy with the project's configuration, in the foreground.
pub struct Balancer(Child);

impl Balancer {
    pub fn start(port: u16, replicas: &[Replica]) -> Self {
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/haproxy/haproxy.cfg");
        let mut cmd = Command::new("haproxy");
        cmd.args(["-db", "-f", config])
            .env("MEDICLOUD_LB_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null());
        for (i, r) in replicas.iter().enumerate() {
            cmd.env(
                format!("MEDICLOUD_REPLICA_{}", i + 1),
                format!("127.0.0.1:{}", r.port),
            );
        }
        Balancer(
            cmd.spawn()
                .expect("haproxy (Debian's package) is installed"),
        )
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Three replicas on `database` behind a balancer, ready.
pub struct Cluster {
    pub replicas: Vec<Replica>,
    _balancer: Balancer,
    /// The balancer's address, `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Cluster {
    pub async fn start(database: &str) -> Self {
        let replicas: Vec<Replica> = (0..3).map(|_| Replica::start(database)).collect();
        let port = free_port();
        let balancer = Balancer::start(port, &replicas);
        let base = format!("http://127.0.0.1:{port}");
        until_ready(&reqwest::Client::new(), &format!("{base}/readyz")).await;
        Cluster {
            replicas,
            _balancer: balancer,
            base,
        }
    }

    /// One replica killed under load and started again, then a rolling restart: each
    /// stopped as an orchestrator stops it, started again, and back in the balancer's
    /// rotation before the next.
    pub async fn kill_then_roll(&mut self) {
        let client = reqwest::Client::new();
        tokio::time::sleep(Duration::from_secs(2)).await;
        self.replicas[1].kill();
        tokio::time::sleep(Duration::from_secs(2)).await;
        self.replicas[1].restart();
        until_ready(&client, &self.replicas[1].url("/readyz")).await;
        for r in &mut self.replicas {
            tokio::time::sleep(Duration::from_secs(1)).await;
            r.stop();
            r.restart();
            until_ready(&client, &r.url("/readyz")).await;
            tokio::time::sleep(Duration::from_secs(2)).await; // two good health checks
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits until `url` answers 200.
pub async fn until_ready(client: &reqwest::Client, url: &str) {
    let start = Instant::now();
    loop {
        if let Ok(res) = client.get(url).send().await
            && res.status() == 200
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{url} never ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An enrolled device, its own address, and what the cloud acknowledged to it.
pub struct Device {
    pub id: DeviceId,
    pub clinic: ClinicId,
    secret: String,
    client: reqwest::Client,
}

impl Device {
    /// A sync request of this device to `path` through `base`.
    fn post(
        &self,
        base: &str,
        path: &str,
        body: &impl serde::Serialize,
    ) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{base}{path}"))
            .bearer_auth(&self.secret)
            .json(body)
    }
}

/// The `n`th device's own loopback address (the replicas rate-limit per device
/// address, which they read from the balancer's `X-Forwarded-For`): 127.1.0.10 on.
fn address(n: usize) -> IpAddr {
    let n = n + 10;
    IpAddr::V4(Ipv4Addr::new(127, 1, (n / 250) as u8, (n % 250) as u8 + 1))
}

/// A new clinic with `devices` devices enrolled through `base`; `first` numbers their
/// addresses.
pub async fn clinic_with_devices(base: &str, devices: usize, first: usize) -> Vec<Device> {
    let client = reqwest::Client::new();
    let clinic = client
        .post(format!("{base}/admin/v1/clinics"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": format!("Klinik Replika {first}")}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let clinic: ClinicId = serde_json::from_value(clinic["id"].clone()).unwrap();
    let mut out = Vec::new();
    for i in 0..devices {
        let code: Value = client
            .post(format!("{base}/admin/v1/clinics/{clinic}/enrolment-codes"))
            .bearer_auth(ADMIN)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = DeviceId::random();
        let enrolled: Value = client
            .post(format!("{base}{}", wire::ENROL))
            .json(&json!({"code": code["code"], "device": id, "name": format!("kiosk-{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.push(Device {
            id,
            clinic,
            secret: enrolled["secret"].as_str().unwrap().to_owned(),
            client: reqwest::Client::builder()
                .local_address(address(first + i))
                .build()
                .unwrap(),
        });
    }
    out
}

/// What a device's run saw.
#[derive(Default)]
pub struct Seen {
    pub acknowledged: u64,
    pub blocks: Vec<Block>,
    pub retries: usize,
    pub failures: Vec<String>,
    /// Each exchange round: when it started, and how long it took until accepted (its
    /// retries included), in milliseconds.
    pub rounds: Vec<(Instant, f64)>,
}

/// Sends `request` until a 2xx answer (a connection cut or a 5xx is tried again, 50
/// times at most, 200 ms apart); the answer read as a `T`, or the last failure.
async fn until_accepted<T: serde::de::DeserializeOwned>(
    seen: &mut Seen,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Result<T, String> {
    let mut last = String::new();
    for attempt in 0..50 {
        if attempt > 0 {
            seen.retries += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        match request().send().await {
            Ok(res) if res.status().is_success() => {
                return res.json().await.map_err(|e| e.to_string());
            }
            Ok(res) if res.status().is_server_error() => last = res.status().to_string(),
            Ok(res) => {
                return Err(format!(
                    "{} {}",
                    res.status(),
                    res.text().await.unwrap_or_default()
                ));
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("still failing after 50 tries: {last}"))
}

/// Syncs a round of new events every `pace` (reserving a label block every third
/// round) through `base` until `stop`.
pub async fn run(
    device: Device,
    base: String,
    events: Arc<Vec<Event>>,
    stop: Arc<AtomicBool>,
    pace: Duration,
) -> Seen {
    let mut seen = Seen::default();
    let service = ServiceCode::parse("A").unwrap();
    let day: chrono::NaiveDate = DAY.parse().unwrap();
    // What the device holds: its own series, and the others' events the cloud sent it.
    let mut held = VersionVector::new();
    let mut round = 0usize;
    let mut tick = tokio::time::interval(pace);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::Relaxed) {
        let from = round * PER_ROUND;
        let batch: Vec<Event> = (from..from + PER_ROUND)
            .map(|k| {
                let mut e = events[k % events.len()].clone();
                e.id.origin = device.id;
                e.id.seq = k as u64 + 1;
                e.clinic = device.clinic;
                e
            })
            .collect();
        crdts::CmRDT::apply(&mut held, crdts::Dot::new(device.id, from as u64));
        let body = SyncRequest {
            clinic: device.clinic,
            from: device.id,
            summary: exchange::summary_to_wire(&held),
            events: batch,
        };
        let started = Instant::now();
        let sent = until_accepted(&mut seen, || device.post(&base, wire::EXCHANGE, &body)).await;
        match sent
            .and_then(|v| serde_json::from_value::<SyncResponse>(v).map_err(|e| e.to_string()))
        {
            Ok(answer) => {
                seen.rounds
                    .push((started, started.elapsed().as_secs_f64() * 1e3));
                seen.acknowledged = (from + PER_ROUND) as u64;
                for e in answer.events {
                    crdts::CmRDT::apply(&mut held, crdts::Dot::new(e.id.origin, e.id.seq));
                }
            }
            Err(e) => seen.failures.push(format!("exchange: {e}")),
        }
        if round.is_multiple_of(3) {
            let reserve = ReserveRequest {
                service: service.clone(),
                day,
                count: 5,
                device: None,
            };
            let got: Result<Block, _> =
                until_accepted(&mut seen, || device.post(&base, wire::RESERVE, &reserve)).await;
            match got {
                Ok(block) => seen.blocks.push(block),
                Err(e) => seen.failures.push(format!("reserve: {e}")),
            }
        }
        round += 1;
        tick.tick().await;
    }
    seen
}

/// The devices' events that their clinic's log lacks, as `device: acknowledged n,
/// stored m up to k` lines (none when everything acknowledged is stored, each series
/// without a gap).
pub async fn lost(
    db: &tokio_postgres::Client,
    devices: &[(DeviceId, ClinicId)],
    seen: &[Seen],
) -> Vec<String> {
    let mut out = Vec::new();
    for ((id, clinic), s) in devices.iter().zip(seen) {
        let row = db
            .query_one(
                "SELECT count(*), coalesce(max(seq), 0) FROM events WHERE clinic = $1 AND origin = $2",
                &[&clinic.to_string(), &id.to_string()],
            )
            .await
            .unwrap();
        let (count, max): (i64, i64) = (row.get(0), row.get(1));
        if (max as u64) < s.acknowledged || count != max {
            out.push(format!(
                "device {id}: acknowledged {} but stored {count} events up to {max}",
                s.acknowledged
            ));
        }
    }
    out
}

/// Label numbers handed out, and how many of them were handed out more than once, per
/// clinic (the blocks are for one service and day).
pub fn labels(devices: &[(DeviceId, ClinicId)], seen: &[Seen]) -> (usize, usize) {
    let mut by_clinic: std::collections::HashMap<ClinicId, Vec<u32>> = Default::default();
    for ((_, clinic), s) in devices.iter().zip(seen) {
        by_clinic
            .entry(*clinic)
            .or_default()
            .extend(s.blocks.iter().flat_map(|b| b.first..=b.last));
    }
    let (mut handed, mut twice) = (0, 0);
    for numbers in by_clinic.values_mut() {
        handed += numbers.len();
        numbers.sort_unstable();
        let before = numbers.len();
        numbers.dedup();
        twice += before - numbers.len();
    }
    (handed, twice)
}
