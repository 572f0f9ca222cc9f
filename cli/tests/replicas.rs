//! Three `medicloud cloud` replicas on one PostgreSQL behind HAProxy (Debian's, with the
//! project's `deploy/haproxy/haproxy.cfg`): devices keep syncing and reserving label
//! numbers through the balancer while one replica is killed (`SIGKILL`) and started
//! again, and then all three are restarted one after the other (`SIGTERM`). Nothing a
//! replica acknowledged is lost, no label number is handed out twice, and no device
//! sees a failure that its retries did not get past. (`fault.fleet` in the fault bench
//! does the same with 2,000 devices.)

use crate::cluster::{self, Cluster, PER_ROUND};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const DEVICES: usize = 24;

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

    let mut cloud = Cluster::start(&database).await;
    let devices = cluster::clinic_with_devices(&cloud.base, DEVICES, 0).await;
    let clinic = devices[0].clinic;
    let events = Arc::new(medicloud_testkit::history::clinic_days(
        clinic,
        cluster::DAY.parse().unwrap(),
        1,
        50,
        7,
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let ids: Vec<_> = devices.iter().map(|d| (d.id, d.clinic)).collect();
    let runs: Vec<_> = devices
        .into_iter()
        .map(|d| {
            let pace = Duration::from_millis(50);
            tokio::spawn(cluster::run(
                d,
                cloud.base.clone(),
                events.clone(),
                stop.clone(),
                pace,
            ))
        })
        .collect();

    // Under load: one replica dies without a word and comes back; then all three restart.
    cloud.kill_then_roll().await;
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
    let (db, connection) = tokio_postgres::connect(&database, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let lost = cluster::lost(&db, &ids, &seen).await;
    assert!(lost.is_empty(), "{lost:#?}");
    // No label number handed out twice.
    let (handed, twice) = cluster::labels(&ids, &seen);
    assert_eq!(twice, 0, "label numbers handed out twice");
    assert!(
        handed > DEVICES * 5,
        "blocks were reserved: {handed} numbers"
    );

    drop(db);
    drop(cloud);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
