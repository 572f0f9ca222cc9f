//! The columnar exchange body: any page comes back as it went, and a page that is cut
//! short, changed or swollen past its limit is refused whole.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use medicloud_core::event::{Actor, AuditEntry, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{AppointmentId, ClinicId, DeviceId, PatientId, TicketId, UserId};
use medicloud_sync::columnar::{self, ColumnarError};
use medicloud_sync::exchange::{SyncRequest, SyncResponse, respond, sync_with};
use medicloud_sync::http::HttpTransport;
use medicloud_sync::log::{Log, MemLog};
use medicloud_sync::wire::{self, MAX_BODY};
use medicloud_testkit::convergence::change;
use medicloud_testkit::proptest;
use medicloud_testkit::proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

fn device(n: u8) -> DeviceId {
    DeviceId(Uuid::from_u128(0xd0 << 64 | u128::from(n)))
}

/// One event's parts, as proptest draws them.
type Draw = (u8, u64, u64, u16, bool, u8, u8, u128, String);

fn body(kind: u8, id: u128, text: &str) -> EventBody {
    match kind % 10 {
        0..=5 => EventBody::Ticket {
            id: TicketId(Uuid::from_u128(id)),
            change: change(kind, id as u32),
        },
        6 => EventBody::AppointmentCancelled {
            id: AppointmentId(Uuid::from_u128(id)),
            // Free text, which may look like an id in another spelling.
            reason: (!text.is_empty()).then(|| text.to_owned()),
        },
        7 => EventBody::Audited(AuditEntry {
            action: "patient_read".into(),
            patient: Some(PatientId(Uuid::from_u128(id))),
            subject: Some(Uuid::from_u128(id).to_string().to_uppercase()),
            outcome: text.to_owned(),
        }),
        8 => EventBody::LabelAuthorityClaimed {
            device: DeviceId(Uuid::from_u128(id)),
        },
        _ => EventBody::Ticket {
            id: TicketId(Uuid::from_u128(id)),
            change: change(6, id as u32),
        },
    }
}

/// Events from drawn parts: origins among `origins` devices, each origin's seqs rising
/// by the drawn steps (gaps when a step is over 1), stamps anywhere (so they go
/// backwards between origins and within one).
fn events(origins: u8, draws: &[Draw]) -> Vec<Event> {
    let mut seqs = std::collections::HashMap::new();
    draws
        .iter()
        .map(|(o, step, ms, logical, other, actor, kind, id, text)| {
            let origin = device(o % origins.max(1));
            let seq = seqs.entry(origin).or_insert(0u64);
            *seq += step;
            Event {
                id: EventId { origin, seq: *seq },
                stamp: Stamp::new(*ms, *logical),
                clinic: ClinicId(Uuid::from_u128(if *other { 2 } else { 1 })),
                actor: match actor % 3 {
                    0 => Actor::System,
                    1 => Actor::Staff(UserId(Uuid::from_u128(u128::from(*actor)))),
                    _ => Actor::Device(origin),
                },
                body: body(*kind, *id, text),
            }
        })
        .collect()
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        any::<u8>(),
        prop_oneof![Just(1u64), 1u64..5, 1u64..u64::MAX / 1024],
        prop_oneof![0u64..1 << 48, Just(1_700_000_000_000u64)],
        prop_oneof![Just(0u16), any::<u16>()],
        any::<bool>(),
        any::<u8>(),
        any::<u8>(),
        prop_oneof![0u128..4, any::<u128>()],
        "\\PC{0,12}",
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_page_comes_back_as_it_went(
        origins in prop_oneof![Just(1u8), 1u8..12],
        draws in proptest::collection::vec(draw(), 0..120),
        summary in proptest::collection::vec((0u8..20, any::<u64>()), 0..20),
        flags in any::<(bool, bool, Option<u64>)>(),
    ) {
        let events = events(origins, &draws);
        let summary: Vec<_> = summary.into_iter().map(|(d, s)| (device(d), s)).collect();
        let request = SyncRequest {
            clinic: ClinicId(Uuid::from_u128(1)),
            from: device(3),
            summary: summary.clone(),
            events: events.clone(),
        };
        let frame = columnar::encode_request(&request);
        prop_assert!(columnar::is_columnar(&frame));
        prop_assert_eq!(columnar::decode_request(&frame, MAX_BODY), Ok(request));
        let response = SyncResponse {
            summary,
            summary_is_delta: flags.0,
            events,
            more: flags.1,
            now_ms: flags.2,
        };
        let frame = columnar::encode_response(&response);
        prop_assert_eq!(columnar::decode_response(&frame, MAX_BODY), Ok(response));
    }
}

/// A page of a clinic day from one device: what the exchange mostly carries.
fn day_page() -> SyncRequest {
    let clinic = ClinicId(Uuid::from_u128(1));
    let events = medicloud_testkit::history::clinic_days(
        clinic,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        1,
        100,
        7,
    );
    SyncRequest {
        clinic,
        from: device(1),
        summary: vec![(events[0].id.origin, 500), (device(2), 7)],
        events: events.into_iter().take(500).collect(),
    }
}

#[test]
fn an_empty_page_round_trips_and_is_a_few_bytes() {
    let request = SyncRequest {
        clinic: ClinicId(Uuid::from_u128(1)),
        from: device(1),
        summary: Vec::new(),
        events: Vec::new(),
    };
    let frame = columnar::encode_request(&request);
    assert_eq!(columnar::decode_request(&frame, MAX_BODY), Ok(request));
    assert!(frame.len() < 64, "{} bytes", frame.len());
}

#[test]
fn a_page_is_far_smaller_than_its_gzip_json() {
    let page = day_page();
    let columnar = columnar::encode_request(&page).len();
    let json = wire::gzip(&serde_json::to_vec(&page).unwrap()).len();
    assert!(
        columnar * 3 < json,
        "columnar {columnar} B against gzip JSON {json} B"
    );
}

#[test]
fn a_page_cut_short_or_changed_is_refused_whole() {
    let page = day_page();
    let frame = columnar::encode_request(&page);
    // Every cut is refused, none panics.
    for len in 0..frame.len() {
        let got = columnar::decode_request(&frame[..len], MAX_BODY);
        assert!(
            matches!(got, Err(ColumnarError::Corrupt(_))),
            "a frame cut at {len} of {} gave {got:?}",
            frame.len()
        );
    }
    // Changed bytes never panic; what decodes is refused or a page of events.
    for at in (0..frame.len()).step_by(7) {
        let mut changed = frame.clone();
        changed[at] ^= 0x5a;
        let _ = columnar::decode_request(&changed, MAX_BODY);
    }
    // A request is not taken for an answer, nor the other way round.
    assert_eq!(
        columnar::decode_response(&frame, MAX_BODY),
        Err(ColumnarError::WrongKind("request"))
    );
    // The uncompressed payload, with one byte left over at the end.
    let empty = SyncRequest {
        events: Vec::new(),
        summary: Vec::new(),
        ..page
    };
    let mut frame = columnar::encode_request(&empty);
    frame.push(0);
    let got = columnar::decode_request(&frame, MAX_BODY);
    assert!(
        matches!(&got, Err(ColumnarError::Corrupt(why)) if why.contains("left over")),
        "{got:?}"
    );
    assert_eq!(
        got.unwrap_err().to_string(),
        "the columnar page is corrupt: bytes left over in the page"
    );
}

#[test]
fn a_page_that_inflates_past_the_limit_is_refused() {
    // A decompression bomb: a small frame that would inflate to 64 MiB of zeros.
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut deflate, &vec![0u8; 64 << 20]).unwrap();
    let mut bomb = vec![columnar::MAGIC, 1];
    bomb.extend(deflate.finish().unwrap());
    assert!(bomb.len() < 100_000);
    assert_eq!(
        columnar::decode_request(&bomb, MAX_BODY),
        Err(ColumnarError::TooLarge(MAX_BODY))
    );
    // A real page is refused under a limit smaller than it inflates to, taken at its size.
    let frame = columnar::encode_request(&day_page());
    assert_eq!(
        columnar::decode_request(&frame, 1_000),
        Err(ColumnarError::TooLarge(1_000))
    );
    assert!(columnar::decode_request(&frame, MAX_BODY).is_ok());
}

#[test]
fn accept_names_the_columnar_type_among_others() {
    for (accept, expect) in [
        (
            "application/vnd.medicloud.events+columnar, application/json",
            true,
        ),
        (
            "application/json;q=0.5,application/vnd.medicloud.events+columnar;q=1",
            true,
        ),
        ("application/json", false),
        ("*/*", false),
        ("", false),
    ] {
        assert_eq!(columnar::accepts(accept), expect, "{accept}");
    }
}

/// A peer on loopback holding a [`MemLog`], which reads and answers columnar pages only
/// while `columnar` is on (off: a peer of a version before them, which takes JSON only
/// and answers 415 to anything else), and notes the `Content-Type` of each request.
struct Peer {
    base: String,
    log: Arc<Mutex<MemLog>>,
    columnar: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Peer {
    fn start(columnar: bool) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let log = Arc::new(Mutex::new(MemLog::new(CLINIC)));
        let columnar = Arc::new(AtomicBool::new(columnar));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (l, c, s) = (log.clone(), columnar.clone(), seen.clone());
        let app = Router::new().route(
            wire::EXCHANGE,
            post(move |headers: HeaderMap, body: Bytes| {
                let (log, columnar, seen) = (l.clone(), c.clone(), s.clone());
                async move {
                    answer(
                        &log,
                        columnar.load(Ordering::SeqCst),
                        &seen,
                        &headers,
                        &body,
                    )
                }
            }),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base,
            log,
            columnar,
            seen,
            _runtime: runtime,
        }
    }

    fn seen(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn answer(
    log: &Mutex<MemLog>,
    columnar: bool,
    seen: &Mutex<Vec<String>>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let content_type = header(header::CONTENT_TYPE);
    seen.lock().unwrap().push(content_type.clone());
    let request: SyncRequest = match content_type.as_str() {
        columnar::MEDIA_TYPE if columnar => columnar::decode_request(body, MAX_BODY).unwrap(),
        "application/json" => {
            let json = if header(header::CONTENT_ENCODING) == "gzip" {
                wire::gunzip(body, MAX_BODY).unwrap()
            } else {
                body.to_vec()
            };
            serde_json::from_slice(&json).unwrap()
        }
        _ => return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response(),
    };
    let response = respond(&mut *log.lock().unwrap(), request).unwrap();
    if columnar && columnar::accepts(&header(header::ACCEPT)) {
        let frame = columnar::encode_response(&response);
        ([(header::CONTENT_TYPE, columnar::MEDIA_TYPE)], frame).into_response()
    } else {
        axum::Json(response).into_response()
    }
}

const CLINIC: ClinicId = ClinicId(Uuid::from_u128(7));

/// A log of `device` holding `count` events of its own after `from`.
fn grow(log: &mut MemLog, device: DeviceId, from: u64, count: u64) {
    let events = (from + 1..=from + count)
        .map(|seq| Event {
            id: EventId {
                origin: device,
                seq,
            },
            stamp: Stamp::new(1_700_000_000_000 + seq * 1_000, 0),
            clinic: CLINIC,
            actor: Actor::Device(device),
            body: body(seq as u8, u128::from(seq / 4), "ok"),
        })
        .collect();
    log.ingest(events).unwrap();
}

#[test]
fn a_json_only_peer_and_a_columnar_one_both_sync_with_this_client() {
    let me = device(1);
    let mut mine = MemLog::new(CLINIC);
    grow(&mut mine, me, 0, 700);
    // A peer of a version before the columnar body: every request is JSON, and the
    // two logs end the same.
    let old = Peer::start(false);
    grow(&mut old.log.lock().unwrap(), device(2), 0, 600);
    let transport = HttpTransport::new(&old.base, "", Duration::from_secs(5)).unwrap();
    sync_with(&mut mine, me, &transport).unwrap();
    assert_eq!(mine, old.log.lock().unwrap().clone());
    assert!(!transport.sends_columnar());
    let seen = old.seen();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.iter().all(|t| t == "application/json"), "{seen:?}");

    // A peer that reads them: after its first (columnar) answer, every request is
    // columnar too, and the logs end the same.
    let new = Peer::start(true);
    grow(&mut new.log.lock().unwrap(), device(3), 0, 600);
    let transport = HttpTransport::new(&new.base, "", Duration::from_secs(5)).unwrap();
    sync_with(&mut mine, me, &transport).unwrap();
    assert_eq!(mine.events().count(), 1_900);
    assert_eq!(
        mine.summary().unwrap(),
        new.log.lock().unwrap().summary().unwrap()
    );
    assert!(transport.sends_columnar());
    let seen = new.seen();
    assert_eq!(seen[0], "application/json", "{seen:?}");
    assert!(
        seen[1..].iter().all(|t| t == columnar::MEDIA_TYPE),
        "{seen:?}"
    );

    // The same peer put back to a version before them: the columnar request it refuses
    // (415) goes again in JSON, and the link keeps to JSON.
    new.columnar.store(false, Ordering::SeqCst);
    grow(&mut mine, me, 700, 30);
    sync_with(&mut mine, me, &transport).unwrap();
    assert_eq!(
        mine.summary().unwrap(),
        new.log.lock().unwrap().summary().unwrap()
    );
    assert!(!transport.sends_columnar());
    let seen = new.seen();
    assert_eq!(seen[0], columnar::MEDIA_TYPE, "{seen:?}");
    assert!(
        seen[1..].iter().all(|t| t == "application/json"),
        "{seen:?}"
    );
}
