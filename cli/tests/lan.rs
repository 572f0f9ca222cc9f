//! The sealed channel between the nodes of one clinic, over real processes on loopback:
//! what crosses the LAN is unreadable (recorded by a small proxy between two nodes),
//! a node with another LAN key is refused and changes nothing, and a request that was
//! tampered with, played again or is too old is refused.

use crate::util::{DemoProcess, eventually, free_port, get};
use medicloud_core::event::{Actor, AuditEntry, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::DeviceId;
use medicloud_node::demo::{DEMO_CLINIC, DEMO_LAN_KEY};
use medicloud_sync::columnar;
use medicloud_sync::exchange::SyncRequest;
use medicloud_sync::seal::{self, LanSeal};
use medicloud_sync::wire;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn labels(client: &reqwest::Client, demo: &DemoProcess, token: &str) -> Vec<String> {
    let tickets = get(client, demo, token, "/api/v1/tickets").await;
    let mut labels: Vec<String> = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap().to_owned())
        .collect();
    labels.sort();
    labels
}

/// What a recording proxy saw: one byte stream per connection and direction.
type Streams = Arc<Mutex<Vec<Vec<u8>>>>;

/// A TCP proxy on loopback to `upstream` that records every byte, both ways, in
/// `record` (a stream per connection and direction). Returns its port.
async fn recording_proxy(upstream: u16, record: Streams) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pipe(cr, sw, record.clone()));
            tokio::spawn(pipe(sr, cw, record.clone()));
        }
    });
    port
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    record: Streams,
) {
    let index = {
        let mut streams = record.lock().unwrap();
        streams.push(Vec::new());
        streams.len() - 1
    };
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        record.lock().unwrap()[index].extend_from_slice(&buf[..n]);
    }
    let _ = to.shutdown().await;
}

/// The HTTP/1.1 messages of one recorded stream: `(head, body)`, the body de-chunked.
fn messages(mut stream: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    while let Some(end) = stream.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&stream[..end]).to_ascii_lowercase();
        stream = &stream[end + 4..];
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim))
                .map(str::to_owned)
        };
        let mut body = Vec::new();
        if let Some(len) = header("content-length") {
            let len: usize = len.parse().unwrap();
            body.extend_from_slice(&stream[..len.min(stream.len())]);
            stream = &stream[len.min(stream.len())..];
        } else if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
            while let Some(eol) = stream.windows(2).position(|w| w == b"\r\n") {
                let size = std::str::from_utf8(&stream[..eol]).unwrap();
                let size =
                    usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
                stream = &stream[eol + 2..];
                let take = size.min(stream.len());
                body.extend_from_slice(&stream[..take]);
                stream = &stream[(take + 2).min(stream.len())..];
                if size == 0 {
                    break;
                }
            }
        }
        found.push((head, body));
    }
    found
}

/// Whether a gzip stream that decodes starts anywhere in `bytes` (a chance `1f 8b 08` in
/// ciphertext does not decode).
fn holds_gzip(bytes: &[u8]) -> bool {
    (0..bytes.len().saturating_sub(2))
        .filter(|&i| bytes[i..].starts_with(&[0x1f, 0x8b, 0x08]))
        .any(|i| wire::gunzip(&bytes[i..], 1 << 24).is_ok())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[tokio::test(flavor = "multi_thread")]
async fn what_two_nodes_send_each_other_on_the_lan_names_no_patient_ticket_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (free_port(), free_port());
    let client = reqwest::Client::new();
    // Each node reaches the other only through a proxy that records both directions.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let to_a = format!(
        "http://127.0.0.1:{}",
        recording_proxy(pa, seen.clone()).await
    );
    let to_b = format!(
        "http://127.0.0.1:{}",
        recording_proxy(pb, seen.clone()).await
    );
    let a = DemoProcess::start_with(
        &dir.path().join("a"),
        &["--listen", &format!("127.0.0.1:{pa}"), "--peer", &to_b],
    );
    let b = DemoProcess::start_with(
        &dir.path().join("b"),
        &[
            "--listen",
            &format!("127.0.0.1:{pb}"),
            "--peer",
            &to_a,
            "--labels-from",
            &to_a,
        ],
    );
    let (desk_a, desk_b) = (
        a.login(&client, "desk").await,
        b.login(&client, "desk").await,
    );
    let patient =
        json!({"name": "Siti Rahayu", "nik": "3174054506900001", "phone": "0812-3456-7890"});
    let res = client
        .post(a.url("/api/v1/patients"))
        .bearer_auth(&desk_a)
        .json(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ticket: Value = b.take(&client, "A").await.json().await.unwrap();
    let label = ticket["label"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(10), "B's ticket on A", || async {
        labels(&client, &a, &desk_a).await.contains(&label)
    })
    .await;
    eventually(Duration::from_secs(10), "A's patient on B", || async {
        let found = get(&client, &b, &desk_b, "/api/v1/patients?q=Siti").await;
        found.as_array().is_some_and(|p| !p.is_empty())
    })
    .await;

    let streams = seen.lock().unwrap().clone();
    // Every body on the wire is a sealed envelope (sync/src/seal.rs): the sealed content
    // type, the seal's version byte first, at least its overhead long, and no gzip in it
    // or anywhere else — a body sent unsealed would be gzip, which hides plaintext too.
    let mut sealed = 0;
    for stream in &streams {
        assert!(!holds_gzip(stream), "a gzip stream crossed the LAN");
        for (head, body) in messages(stream) {
            if body.is_empty() {
                continue;
            }
            assert!(
                head.contains(seal::CONTENT_TYPE),
                "an unsealed body: {head}"
            );
            assert!(!body.starts_with(&[0x1f, 0x8b]), "a gzip body: {head}");
            assert_eq!(body[0], seal::VERSION, "not a sealed envelope: {head}");
            assert!(body.len() >= seal::OVERHEAD, "shorter than a seal: {head}");
            sealed += 1;
        }
    }
    assert!(sealed >= 2, "the proxy saw {sealed} sealed bodies");
    let seen = streams.concat();
    assert!(
        contains(&seen, "POST /sync/v1/exchange"),
        "the proxy saw the sync"
    );
    assert!(contains(&seen, seal::CONTENT_TYPE));
    for secret in [
        "Siti",
        "Rahayu",
        "3174054506900001",
        "81234567890",
        label.as_str(),
        ticket["id"].as_str().unwrap(),
        DEMO_LAN_KEY,
        "authorization",
        "\"events\"",
    ] {
        assert!(
            !contains(&seen, secret),
            "{secret:?} crossed the LAN readable"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_with_another_lan_key_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pc) = (free_port(), free_port());
    let client = reqwest::Client::new();
    let a = DemoProcess::start_with(
        &dir.path().join("a"),
        &["--listen", &format!("127.0.0.1:{pa}")],
    );
    let c = DemoProcess::start_with(
        &dir.path().join("c"),
        &[
            "--listen",
            &format!("127.0.0.1:{pc}"),
            "--peer",
            &format!("http://127.0.0.1:{pa}"),
            "--lan-key",
            "not-the-clinics-key",
        ],
    );
    let (desk_a, desk_c) = (
        a.login(&client, "desk").await,
        c.login(&client, "desk").await,
    );
    assert_eq!(a.take(&client, "A").await.status(), 201);
    assert_eq!(c.take(&client, "B").await.status(), 201);
    eventually(
        Duration::from_secs(10),
        "C's link reports the refusal",
        || async {
            let status = get(&client, &c, &desk_c, "/api/v1/sync/status").await;
            status["links"][0]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("LAN key"))
        },
    )
    .await;
    assert_eq!(labels(&client, &a, &desk_a).await, vec!["A-001"]);
    // C has never heard from its peer, so it cannot know the clinic's label authority:
    // it gives its own device-marked numbers.
    let c_labels = labels(&client, &c, &desk_c).await;
    assert!(
        c_labels.len() == 1 && c_labels[0].starts_with("B-") && c_labels[0].ends_with("-001"),
        "{c_labels:?}"
    );
    assert_ne!(c_labels[0], "B-001");
}

/// An audit-only event of a new device, to carry in a crafted request.
fn event(origin: DeviceId) -> Event {
    Event {
        id: EventId { origin, seq: 1 },
        stamp: Stamp::new(1_800_000_000_000, 0),
        clinic: DEMO_CLINIC,
        actor: Actor::System,
        body: EventBody::Audited(AuditEntry {
            action: "crafted".into(),
            patient: None,
            subject: None,
            outcome: "ok".into(),
        }),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test(flavor = "multi_thread")]
async fn tampered_replayed_stale_plain_and_foreign_requests_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = DemoProcess::start(dir.path());
    let client = reqwest::Client::new();
    let seal = LanSeal::new(DEMO_LAN_KEY, DEMO_CLINIC);
    let events = || {
        crate::util::read_db(dir.path())
            .unwrap()
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let post = |content_type: &'static str, body: Vec<u8>| {
        client
            .post(a.url(wire::EXCHANGE))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let origin = DeviceId::random();
    let request = |clinic: &str| {
        let body = json!({
            "clinic": clinic,
            "from": origin,
            "summary": [[origin, 1]],
            "events": [event(origin)],
        });
        wire::gzip(&serde_json::to_vec(&body).unwrap())
    };
    let demo = DEMO_CLINIC.to_string();
    let before = events();

    // Not sealed at all, even with the LAN key as a bearer token (the old way).
    let plain =
        serde_json::to_vec(&json!({"clinic": demo, "from": origin, "summary": [], "events": []}))
            .unwrap();
    let res = client
        .post(a.url(wire::EXCHANGE))
        .bearer_auth(DEMO_LAN_KEY)
        .header("content-type", "application/json")
        .body(plain)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "unauthenticated"
    );

    let (valid, nonce) = seal.seal_request(wire::EXCHANGE, now_ms(), &request(&demo));
    let mut refused: Vec<(&str, Vec<u8>)> = vec![
        (
            "another key",
            LanSeal::new("another key", DEMO_CLINIC)
                .seal_request(wire::EXCHANGE, now_ms(), &request(&demo))
                .0,
        ),
        (
            "another route",
            seal.seal_request(wire::RESERVE, now_ms(), &request(&demo))
                .0,
        ),
        ("cut short", valid[..valid.len() - 1].to_vec()),
        ("empty", Vec::new()),
    ];
    for i in [0, 1, 30, valid.len() / 2, valid.len() - 1] {
        let mut tampered = valid.clone();
        tampered[i] ^= 0x20;
        refused.push(("tampered", tampered));
    }
    for (what, body) in refused {
        let res = post(seal::CONTENT_TYPE, body).await.unwrap();
        assert_eq!(res.status(), 401, "{what}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "unauthenticated",
            "{what}"
        );
    }
    assert_eq!(events(), before, "nothing refused was stored");

    // Too old: opened, but not taken; the sealed answer tells this node's time.
    let old = now_ms() - seal::MAX_AGE_MS - 60_000;
    let (stale, stale_nonce) = seal.seal_request(wire::EXCHANGE, old, &request(&demo));
    let res = post(seal::CONTENT_TYPE, stale).await.unwrap();
    assert_eq!(res.status(), 401);
    let answer = seal
        .open_answer(wire::EXCHANGE, &stale_nonce, &res.bytes().await.unwrap())
        .unwrap();
    assert!((answer.sent_ms - now_ms()).abs() < 10_000);
    let json: Value =
        serde_json::from_slice(&wire::gunzip(&answer.payload, wire::MAX_BODY).unwrap()).unwrap();
    assert_eq!(json["code"], "stale_request");
    assert_eq!(events(), before);

    // Sealed for the clinic but naming another in the body.
    let (foreign, foreign_nonce) = seal.seal_request(
        wire::EXCHANGE,
        now_ms(),
        &request("00000000-0000-4000-8000-000000000001"),
    );
    let res = post(seal::CONTENT_TYPE, foreign).await.unwrap();
    assert_eq!(res.status(), 403);
    let answer = seal
        .open_answer(wire::EXCHANGE, &foreign_nonce, &res.bytes().await.unwrap())
        .unwrap();
    let json: Value =
        serde_json::from_slice(&wire::gunzip(&answer.payload, wire::MAX_BODY).unwrap()).unwrap();
    assert_eq!(json["code"], "wrong_clinic");
    assert_eq!(events(), before);

    // Not JSON inside a good seal; a body over the limit.
    let (bad, _) = seal.seal_request(wire::EXCHANGE, now_ms(), &wire::gzip(b"{not json"));
    let status = post(seal::CONTENT_TYPE, bad).await.unwrap().status();
    assert!(status == 400 || status == 422, "{status}");
    let huge = vec![b' '; wire::MAX_BODY + 1];
    let (huge, _) = seal.seal_request(wire::EXCHANGE, now_ms(), &wire::gzip(&huge));
    assert_eq!(post(seal::CONTENT_TYPE, huge).await.unwrap().status(), 413);
    assert_eq!(events(), before);

    // The valid request is taken once, with a sealed answer bound to it…
    let res = post(seal::CONTENT_TYPE, valid.clone()).await.unwrap();
    assert_eq!(res.status(), 200);
    let answer = seal
        .open_answer(wire::EXCHANGE, &nonce, &res.bytes().await.unwrap())
        .unwrap();
    let json: Value =
        serde_json::from_slice(&wire::gunzip(&answer.payload, wire::MAX_BODY).unwrap()).unwrap();
    assert!(json["summary"].is_array(), "{json}");
    assert_eq!(events(), before + 1);
    // …and refused when played again.
    let res = post(seal::CONTENT_TYPE, valid).await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "unauthenticated"
    );
    assert_eq!(events(), before + 1);

    // A columnar page inside the seal: cut short, it is refused (a sealed 400
    // `bad_body`) and nothing of it stored; whole, it is taken, and the answer is
    // columnar for a caller whose `Accept` names the type.
    let page = columnar::encode_request(&SyncRequest {
        clinic: DEMO_CLINIC,
        from: origin,
        summary: Vec::new(),
        events: vec![Event {
            id: EventId { origin, seq: 2 },
            ..event(origin)
        }],
    });
    let (cut, cut_nonce) = seal.seal_request(wire::EXCHANGE, now_ms(), &page[..page.len() - 2]);
    let res = post(seal::CONTENT_TYPE, cut).await.unwrap();
    assert_eq!(res.status(), 400);
    let answer = seal
        .open_answer(wire::EXCHANGE, &cut_nonce, &res.bytes().await.unwrap())
        .unwrap();
    let json: Value =
        serde_json::from_slice(&wire::gunzip(&answer.payload, wire::MAX_BODY).unwrap()).unwrap();
    assert_eq!(json["code"], "bad_body", "{json}");
    assert_eq!(events(), before + 1);
    let (whole, nonce) = seal.seal_request(wire::EXCHANGE, now_ms(), &page);
    let res = client
        .post(a.url(wire::EXCHANGE))
        .header("content-type", seal::CONTENT_TYPE)
        .header("accept", columnar::MEDIA_TYPE)
        .body(whole)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer = seal
        .open_answer(wire::EXCHANGE, &nonce, &res.bytes().await.unwrap())
        .unwrap();
    let answer = columnar::decode_response(&answer.payload, wire::MAX_BODY).unwrap();
    assert!(
        answer.summary.contains(&(origin, 2)),
        "{:?}",
        answer.summary
    );
    assert_eq!(events(), before + 2);
}
