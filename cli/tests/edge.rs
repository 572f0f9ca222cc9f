//! The node's listener holds against a device that opens connections and never finishes
//! them: other devices keep being served.

use crate::util::DemoProcess;
use std::net::SocketAddr;
use tokio::net::TcpSocket;

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_slow_connections_from_one_address_do_not_stop_the_kiosks() {
    let dir = tempfile::tempdir().unwrap();
    // 1,024 descriptors, a common default: without connection caps a thousand idle
    // connections take them all.
    let demo = DemoProcess::start_with_file_limit(dir.path(), 1_024);
    let server: SocketAddr = demo.base.trim_start_matches("http://").parse().unwrap();
    // One device on the LAN (127.0.0.9) opens a thousand connections and sends nothing.
    let mut slow = Vec::new();
    for _ in 0..1_000 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::from(([127, 0, 0, 9], 0))).unwrap();
        if let Ok(stream) = socket.connect(server).await {
            slow.push(stream);
        }
    }
    assert!(
        slow.len() >= 256,
        "only {} connections were made",
        slow.len()
    );
    // The kiosk (another address) still takes tickets and the health check answers.
    let client = reqwest::Client::new();
    for _ in 0..20 {
        let res = demo.take(&client, "A").await;
        assert_eq!(res.status(), 201);
    }
    let health = client.get(demo.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    // … and it did so at once, not after the slow connections timed out: the ones the
    // node holds (its cap for one address) are still open.
    let still_open = slow
        .iter()
        .filter(|s| {
            let mut buf = [0u8; 1];
            matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
        .count();
    assert!(
        still_open >= 200,
        "{still_open} slow connections still open"
    );
    drop(slow);
    demo.stop();
}
