//! The gate in front of `/sync/v1`, over a real process on loopback: a body that cannot
//! be sealed for this clinic is refused from its headers or its first bytes, before the
//! rest is read, and changes nothing; one address is held to its sync rate (with
//! `Retry-After`) while another is not.

use crate::util::{DemoProcess, read_db};
use medicloud_node::demo::{DEMO_CLINIC, DEMO_LAN_KEY};
use medicloud_sync::seal::{self, LanSeal};
use medicloud_sync::wire;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn events(data: &Path) -> i64 {
    read_db(data)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A sealed exchange request that carries no events (taken, it changes nothing).
fn empty_exchange(seal: &LanSeal) -> Vec<u8> {
    let request = json!({
        "clinic": DEMO_CLINIC.to_string(),
        "from": medicloud_core::ids::DeviceId::random(),
        "summary": [],
        "events": [],
    });
    let payload = wire::gzip(&serde_json::to_vec(&request).unwrap());
    seal.seal_request(wire::EXCHANGE, now_ms(), &payload).0
}

/// Sends `head` (a request's line and headers, without the blank line) and `body` from a
/// connection that then stays open sending nothing more, and reads the answer: its
/// status, `Retry-After`, and JSON body.
///
/// The node gives a body 30 s to arrive; this waits at most 10 s, so an answer that
/// came only because the rest of the body never did fails the test instead of passing.
async fn withheld(server: SocketAddr, head: &str, body: &[u8]) -> (u16, Option<String>, Value) {
    let mut stream = tokio::net::TcpStream::connect(server).await.unwrap();
    stream
        .write_all(format!("{head}\r\nHost: node\r\n\r\n").as_bytes())
        .await
        .unwrap();
    stream.write_all(body).await.unwrap();
    let mut seen = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length =
                    header(&text[..end], "content-length").map_or(0, |v| v.parse().unwrap());
                if seen.len() >= end + 4 + length || n == 0 {
                    return text;
                }
            } else if n == 0 {
                return text;
            }
        }
    };
    let text = tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or_else(|_| panic!("no answer while the body was withheld: {head}"));
    let (top, json) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = top.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        header(top, "retry-after"),
        serde_json::from_str(json).unwrap_or(Value::Null),
    )
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_cannot_be_sealed_for_this_clinic_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let server: SocketAddr = demo.base.trim_start_matches("http://").parse().unwrap();
    let seal = LanSeal::new(DEMO_LAN_KEY, DEMO_CLINIC);
    let before = events(dir.path());
    let post = |extra: &str| {
        format!(
            "POST {} HTTP/1.1\r\nContent-Type: {}{extra}",
            wire::EXCHANGE,
            seal::CONTENT_TYPE
        )
    };
    let eight_mib = format!("\r\nContent-Length: {}", wire::MAX_BODY);

    // A valid request is taken; its header played again, the rest withheld, is not.
    let valid = empty_exchange(&seal);
    let res = reqwest::Client::new()
        .post(demo.url(wire::EXCHANGE))
        .header("content-type", seal::CONTENT_TYPE)
        .body(valid.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let valid_len = format!("\r\nContent-Length: {}", valid.len());

    let foreign = LanSeal::new("another clinic's key", DEMO_CLINIC);
    let mut foreign_header = empty_exchange(&foreign);
    foreign_header.truncate(seal::HEADER_LEN);
    // Another key's header that says 8 MiB, so the length matches what it claims.
    let cases: Vec<(&str, String, Vec<u8>, u16, &str)> = vec![
        (
            "a length beyond the limit, nothing sent",
            post("\r\nContent-Length: 1000000000"),
            Vec::new(),
            413,
            "payload_too_large",
        ),
        (
            "no length (chunked), nothing sent",
            post("\r\nTransfer-Encoding: chunked"),
            Vec::new(),
            411,
            "bad_request",
        ),
        (
            "8 MiB announced, garbage first bytes",
            post(&eight_mib),
            vec![seal::VERSION; seal::HEADER_LEN],
            401,
            "unauthenticated",
        ),
        (
            "8 MiB announced, another key's header",
            post(&eight_mib),
            foreign_header,
            401,
            "unauthenticated",
        ),
        (
            "8 MiB announced, a valid header that says another length",
            post(&eight_mib),
            valid[..seal::HEADER_LEN].to_vec(),
            401,
            "unauthenticated",
        ),
        (
            "a valid header played again",
            post(&valid_len),
            valid[..seal::HEADER_LEN].to_vec(),
            401,
            "unauthenticated",
        ),
    ];
    for (what, head, body, status, code) in cases {
        let (got, _, json) = withheld(server, &head, &body).await;
        assert_eq!((got, json["code"].as_str()), (status, Some(code)), "{what}");
        assert!(json["message"].is_string(), "{what}: {json}");
    }
    assert_eq!(events(dir.path()), before, "nothing refused was stored");
    demo.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_is_held_to_its_sync_rate_and_told_when_to_retry_while_others_sync() {
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::start(dir.path());
    let seal = LanSeal::new(DEMO_LAN_KEY, DEMO_CLINIC);
    let from = |last: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, last]))
            .build()
            .unwrap()
    };
    let (hostile, peer) = (from(9), from(2));
    let send = |client: &reqwest::Client, body: Vec<u8>| {
        client
            .post(demo.url(wire::EXCHANGE))
            .header("content-type", seal::CONTENT_TYPE)
            .body(body)
            .send()
    };
    let before = events(dir.path());
    // Requests that do not open, as fast as one connection goes, until refused for rate.
    let mut unauthenticated = 0;
    let limited = loop {
        let res = send(&hostile, vec![0; 64]).await.unwrap();
        match res.status().as_u16() {
            401 => unauthenticated += 1,
            429 => break res,
            other => panic!("answered {other}"),
        }
        assert!(unauthenticated < 20_000, "never limited");
    };
    assert!(
        unauthenticated >= medicloud_node::api::SYNC_RATE_BURST as usize,
        "limited after {unauthenticated}"
    );
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After: {retry}");
    let json: Value = limited.json().await.unwrap();
    assert_eq!(json["code"], "rate_limited");
    // Even a request sealed with the key is refused from that address for now…
    let res = send(&hostile, empty_exchange(&seal)).await.unwrap();
    assert_eq!(res.status(), 429);
    // …while a node at another address still syncs.
    let res = send(&peer, empty_exchange(&seal)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE] == seal::CONTENT_TYPE,
        "a sealed answer"
    );
    assert_eq!(events(dir.path()), before);
    demo.stop();
}
