use super::*;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// A server with `limits` on a free loopback port; its address.
async fn server(limits: Limits) -> SocketAddr {
    let app = Router::new().route(
        "/healthz",
        axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
            peer.ip().to_string()
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app, limits, None, std::future::pending()));
    addr
}

/// A connection to `server` from the loopback address `from` (127.0.0.x).
async fn connect(from: [u8; 4], server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// The body of `GET /healthz` over a fresh connection from `from`, or `None` when the
/// server closed the connection without answering.
async fn healthz(from: [u8; 4], server: SocketAddr) -> Option<String> {
    let mut stream = connect(from, server).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}

/// Whether the server closes `stream` (reads end) within `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(limit, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    let addr = server(Limits::default()).await;
    assert_eq!(
        healthz([127, 0, 0, 2], addr).await.as_deref(),
        Some("127.0.0.2")
    );
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let limits = Limits {
        header_read: Duration::from_millis(200),
        ..Limits::default()
    };
    let addr = server(limits).await;
    let mut silent = connect([127, 0, 0, 1], addr).await;
    let mut slow = connect([127, 0, 0, 1], addr).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost:")
        .await
        .unwrap();
    // Closed by the server (a generous bound: the timeout itself is 200 ms).
    assert!(closed_within(&mut silent, Duration::from_secs(20)).await);
    assert!(closed_within(&mut slow, Duration::from_secs(20)).await);
    // A connection that does finish is answered.
    assert!(healthz([127, 0, 0, 1], addr).await.is_some());
}

#[tokio::test]
async fn one_address_holding_its_cap_of_slow_connections_locks_out_only_itself() {
    let limits = Limits {
        per_address: 50,
        total: 100,
        ..Limits::default()
    };
    let addr = server(limits).await;
    let mut held = Vec::new();
    for _ in 0..50 {
        held.push(connect([127, 0, 0, 3], addr).await);
    }
    // Let the server take all fifty (it accepts in order), then: one more from the
    // same address is closed at once, unanswered …
    let mut beyond = connect([127, 0, 0, 3], addr).await;
    beyond
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .ok();
    assert!(closed_within(&mut beyond, Duration::from_secs(20)).await);
    // … while another address is served as before.
    assert_eq!(
        healthz([127, 0, 0, 4], addr).await.as_deref(),
        Some("127.0.0.4")
    );
    // Once the slow ones go, the address is served again.
    drop(held);
    let mut served = None;
    for _ in 0..200 {
        served = healthz([127, 0, 0, 3], addr).await;
        if served.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(served.as_deref(), Some("127.0.0.3"));
}

#[tokio::test]
async fn beyond_the_total_cap_new_connections_are_closed() {
    let limits = Limits {
        per_address: 10,
        total: 20,
        ..Limits::default()
    };
    let addr = server(limits).await;
    let mut held = Vec::new();
    for host in 10..12 {
        for _ in 0..10 {
            held.push(connect([127, 0, 0, host], addr).await);
        }
    }
    let mut beyond = connect([127, 0, 0, 12], addr).await;
    beyond
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .ok();
    assert!(closed_within(&mut beyond, Duration::from_secs(20)).await);
    drop(held);
}
