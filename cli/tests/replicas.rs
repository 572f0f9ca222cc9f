//! Three `medicloud cloud` replicas on one PostgreSQL behind HAProxy (Debian's, with the
//! project's `deploy/haproxy/haproxy.cfg`): devices keep syncing and reserving label
//! numbers through the balancer while one replica is killed (`SIGKILL`) and started
//! again, and then all three are restarted one after the other (`SIGTERM`). Nothing a
//! replica acknowledged is lost, no label number is handed out twice, and no device
//! sees a failure that its retries did not get past.

use crate::util::{Cloud, free_port};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::exchange::{self, SyncRequest, SyncResponse};
use medicloud_sync::log::VersionVector;
use medicloud_sync::wire::{self, Block, ReserveRequest};
use serde_json::{Value, json};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ADMIN: &str = "replicas-admin-token";
const DEVICES: usize = 24;
/// New events a device sends in each round.
const PER_ROUND: usize = 4;

/// A `medicloud cloud` replica on a fixed port (a restart takes the same one).
struct Replica {
    port: u16,
    database: String,
    cloud: Option<Cloud>,
}

impl Replica {
    fn start(database: &str) -> Self {
        let mut r = Replica {
            port: free_port(),
            database: database.to_owned(),
            cloud: None,
        };
        r.restart();
        r
    }

    fn restart(&mut self) {
        let listen = format!("127.0.0.1:{}", self.port);
        let env = [
            ("MEDICLOUD_CLOUD_ADMIN_TOKEN", ADMIN),
            ("MEDICLOUD_CLOUD_HQ_KEY_SECRET", "replicas-key-secret"),
        ];
        let extra = ["--trusted-proxy", "127.0.0.1"];
        self.cloud = Some(Cloud::start_env(&self.database, &listen, &extra, &env));
    }

    /// `kill -9`: no goodbye, connections cut mid-request.
    fn kill(&mut self) {
        drop(self.cloud.take()); // a `Cloud` is killed when dropped
    }

    /// `SIGTERM`, as an orchestrator stops a replica, and waits for it to end.
    fn stop(&mut self) {
        if let Some(mut cloud) = self.cloud.take() {
            let child = &mut cloud.0;
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            child.wait().unwrap();
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// HAProxy with the project's configuration, in the foreground.
struct Balancer(Child);

impl Balancer {
    fn start(port: u16, replicas: &[Replica]) -> Self {
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

/// Waits until `url` answers 200.
async fn until_ready(client: &reqwest::Client, url: &str) {
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
struct Device {
    id: DeviceId,
    clinic: ClinicId,
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

/// What a device's run saw.
#[derive(Default)]
struct Seen {
    acknowledged: u64,
    blocks: Vec<Block>,
    retries: usize,
    failures: Vec<String>,
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

/// Syncs rounds of new events and reserves label blocks until `stop`.
async fn run(device: Device, base: String, events: Arc<Vec<Event>>, stop: Arc<AtomicBool>) -> Seen {
    let mut seen = Seen::default();
    let service = ServiceCode::parse("A").unwrap();
    let day: chrono::NaiveDate = "2026-12-04".parse().unwrap();
    // What the device holds: its own series, and the others' events the cloud sent it.
    let mut held = VersionVector::new();
    let mut round = 0usize;
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
        let sent = until_accepted(&mut seen, || {
            device
                .client
                .post(format!("{base}{}", wire::EXCHANGE))
                .bearer_auth(&device.secret)
                .json(&body)
        })
        .await;
        match sent
            .and_then(|v| serde_json::from_value::<SyncResponse>(v).map_err(|e| e.to_string()))
        {
            Ok(answer) => {
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
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_behind_haproxy_lose_nothing_through_a_kill_and_a_rolling_restart() {
    let admin_url = medicloud_testkit::postgres::admin_url();
    let admin = match tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
        }
        Err(e) => return medicloud_testkit::postgres::unreachable(&admin_url, &e),
    };
    let name = format!("medicloud_replicas_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let database = medicloud_testkit::postgres::database_url(&admin_url, &name);

    let mut replicas: Vec<Replica> = (0..3).map(|_| Replica::start(&database)).collect();
    let lb_port = free_port();
    let _balancer = Balancer::start(lb_port, &replicas);
    let base = format!("http://127.0.0.1:{lb_port}");
    let client = reqwest::Client::new();
    until_ready(&client, &format!("{base}/readyz")).await;

    // A clinic and its devices, each on an address of its own (the replicas rate-limit
    // per device address, which they read from the balancer's X-Forwarded-For).
    let clinic = client
        .post(format!("{base}/admin/v1/clinics"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "Klinik Replika"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let clinic: ClinicId = serde_json::from_value(clinic["id"].clone()).unwrap();
    let mut devices = Vec::new();
    for i in 0..DEVICES {
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
        let address = IpAddr::from([127, 0, 1, 10 + i as u8]);
        devices.push(Device {
            id,
            clinic,
            secret: enrolled["secret"].as_str().unwrap().to_owned(),
            client: reqwest::Client::builder()
                .local_address(address)
                .build()
                .unwrap(),
        });
    }
    let events = Arc::new(medicloud_testkit::history::clinic_days(
        clinic,
        "2026-12-04".parse().unwrap(),
        1,
        50,
        7,
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let ids: Vec<DeviceId> = devices.iter().map(|d| d.id).collect();
    let runs: Vec<_> = devices
        .into_iter()
        .map(|d| tokio::spawn(run(d, base.clone(), events.clone(), stop.clone())))
        .collect();

    // Under load: one replica dies without a word and comes back.
    tokio::time::sleep(Duration::from_secs(2)).await;
    replicas[1].kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    replicas[1].restart();
    until_ready(&client, &replicas[1].url("/readyz")).await;
    // A rolling restart: each replica stopped as an orchestrator stops it, started
    // again, and back in the balancer's rotation before the next.
    for r in &mut replicas {
        tokio::time::sleep(Duration::from_secs(1)).await;
        r.stop();
        r.restart();
        until_ready(&client, &r.url("/readyz")).await;
        tokio::time::sleep(Duration::from_secs(2)).await; // two good health checks
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);

    let mut seen = Vec::new();
    for r in runs {
        seen.push(r.await.unwrap());
    }
    let failures: Vec<&String> = seen.iter().flat_map(|s| &s.failures).collect();
    assert!(failures.is_empty(), "failures beyond retries: {failures:?}");
    let retries: usize = seen.iter().map(|s| s.retries).sum();
    let rounds: u64 = seen.iter().map(|s| s.acknowledged / PER_ROUND as u64).sum();
    println!("{DEVICES} devices, {rounds} rounds acknowledged, {retries} requests tried again");
    assert!(
        rounds > DEVICES as u64 * 20,
        "the devices kept syncing: {rounds} rounds"
    );

    // Everything acknowledged is stored, each device's series without a gap.
    let db = match tokio_postgres::connect(&database, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
        }
        Err(e) => panic!("{e}"),
    };
    for (id, s) in ids.iter().zip(&seen) {
        let row = db
            .query_one(
                "SELECT count(*), coalesce(max(seq), 0) FROM events WHERE clinic = $1 AND origin = $2",
                &[&clinic.to_string(), &id.to_string()],
            )
            .await
            .unwrap();
        let (count, max): (i64, i64) = (row.get(0), row.get(1));
        assert!(
            max as u64 >= s.acknowledged && count == max,
            "device {id}: acknowledged {} but stored {count} events up to {max}",
            s.acknowledged
        );
    }
    // No label number handed out twice.
    let mut numbers: Vec<u32> = seen
        .iter()
        .flat_map(|s| s.blocks.iter().flat_map(|b| b.first..=b.last))
        .collect();
    let handed = numbers.len();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), handed, "a label number was handed out twice");
    assert!(
        handed > DEVICES * 5,
        "blocks were reserved: {handed} numbers"
    );

    drop(db);
    drop(replicas);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
