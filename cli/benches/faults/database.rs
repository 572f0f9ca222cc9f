//! `fault.database_outage`: the cloud's PostgreSQL goes away under load (the link from
//! the cloud process to it cut for 30 s; 8 s in quick mode) while a clinic's node keeps
//! issuing tickets and syncing. The cloud answers `503 storage_unavailable` (its
//! readiness too, so a balancer would stop sending), the kiosk never refuses a
//! patient, and once the database is back the node catches up by itself: every event
//! it stored reaches the cloud's log, none lost.

use crate::util::{Cloud, DemoProcess, add_demo_clinic, cloud_admin};
use crate::{Report, Run};
use medicloud_testkit::proxy::Proxy;
use std::time::{Duration, Instant};

const QUIET: &[(&str, &str)] = &[("RUST_LOG", "error")];

/// How many events of the node's own series the cloud's log holds.
async fn stored_in_cloud(db: &tokio_postgres::Client, clinic: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one("SELECT count(*) FROM events WHERE clinic = $1", &[&clinic])
        .await?;
    Ok(row.get(0))
}

pub async fn run(run: Run) -> anyhow::Result<Report> {
    let outage = Duration::from_secs(run.size(30, 8) as u64);
    let admin_url = medicloud_testkit::postgres::admin_url();
    let (admin, connection) = match tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
    {
        Ok(pair) => pair,
        // Outside CI a machine without PostgreSQL skips the scenario, and says so.
        Err(e) if !medicloud_testkit::postgres::required() => {
            let mut report = Report::default();
            report.count(format!("not run: no PostgreSQL at {admin_url} ({e})"));
            return Ok(report);
        }
        Err(e) => anyhow::bail!("no PostgreSQL at {admin_url}: {e}"),
    };
    tokio::spawn(connection);
    let name = format!("medicloud_fault_db_{:016x}", rand::random::<u64>());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let direct = medicloud_testkit::postgres::database_url(&admin_url, &name);
    let server = medicloud_testkit::postgres::server_address(&direct)
        .ok_or_else(|| anyhow::anyhow!("no host:port in {direct}"))?;
    let link = Proxy::start(server);
    let through = direct.replace(&server.to_string(), &link.addr().to_string());

    let clinic = add_demo_clinic(&direct);
    let code = cloud_admin(&direct, &["enrol-code", "--clinic", &clinic]);
    let listen = format!("127.0.0.1:{}", crate::util::free_port());
    let cloud_url = format!("http://{listen}");
    let _cloud = Cloud::start(&through, &listen);
    let dir = tempfile::tempdir()?;
    let args = ["--cloud", cloud_url.as_str(), "--enrol", code.as_str()];
    let node = DemoProcess::start_env(dir.path(), &args, QUIET);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let (db, connection) = tokio_postgres::connect(&direct, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);

    let mut report = Report::default();
    let (mut issued, mut refused) = (0usize, 0usize);
    let mut take = async |report: &mut Report| {
        let res = node.take(&client, ["A", "B", "C"][issued % 3]).await;
        if res.status() == 201 {
            issued += 1;
        } else {
            refused += 1;
            report.check(
                false,
                format!("the kiosk refused a patient: {}", res.status()),
            );
        }
    };
    // Connected: tickets reach the cloud.
    for _ in 0..10 {
        take(&mut report).await;
    }
    let start = Instant::now();
    while stored_in_cloud(&db, &clinic).await? == 0 && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report.check(
        stored_in_cloud(&db, &clinic).await? > 0,
        "nothing synced before the outage",
    );

    // The database goes away; the node goes on, a ticket every 200 ms.
    link.set_up(false);
    let cut = Instant::now();
    let (mut unready, mut answered_503) = (false, false);
    while cut.elapsed() < outage {
        take(&mut report).await;
        let ready = client.get(format!("{cloud_url}/readyz")).send().await;
        if let Ok(res) = ready {
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            if status == 503 && body["code"] == "storage_unavailable" {
                unready = true;
            }
        }
        // What a device's exchange gets meanwhile (a secret the cloud must look up).
        let res = client
            .post(format!("{cloud_url}{}", medicloud_sync::wire::EXCHANGE))
            .bearer_auth("a-device-secret-the-database-would-know")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await;
        if let Ok(res) = res
            && res.status() == 503
        {
            answered_503 = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    report.check(unready, "the cloud stayed ready without its database");
    report.check(
        answered_503,
        "no 503 storage_unavailable while the database was away",
    );

    // Back: the node catches up by itself.
    link.set_up(true);
    let healed = Instant::now();
    let expected = node_events(dir.path()).await?;
    let mut in_cloud = 0;
    while healed.elapsed() < Duration::from_secs(60) {
        in_cloud = stored_in_cloud(&db, &clinic).await?;
        if in_cloud >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let caught_up = healed.elapsed().as_secs_f64();
    report.count(format!("{issued} tickets issued, {refused} refused"));
    report.count(format!(
        "{} s without the database; the node's {expected} events in the cloud {caught_up:.1} s after",
        outage.as_secs()
    ));
    report.check(
        in_cloud >= expected,
        format!(
            "{} of the node's events never reached the cloud",
            expected - in_cloud
        ),
    );
    report.measure(
        "fault.database_outage.catch_up",
        caught_up,
        "s",
        &format!(
            "a node's events of a {} s PostgreSQL outage reaching the cloud after it",
            outage.as_secs()
        ),
    );
    node.stop();
    drop(db);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(report)
}

/// How many events the node's database holds (its own and the seeded clinic's).
async fn node_events(data: &std::path::Path) -> anyhow::Result<i64> {
    let conn = crate::util::read_db(data)
        .ok_or_else(|| anyhow::anyhow!("the node's database does not open"))?;
    Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?)
}
