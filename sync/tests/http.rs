//! The HTTP client against a real server on loopback: answers that ask it to wait
//! (`Retry-After` on 429 and 503) are waited out, and not hammered.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use medicloud_core::domain::ServiceCode;
use medicloud_sync::exchange::SyncError;
use medicloud_sync::http::{HttpTransport, RETRY_AFTER_ATTEMPTS};
use medicloud_sync::wire::{self, Block, ReserveRequest};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server that answers the `n`th request (from 0) with `answer(n)`, and notes when
/// each arrived.
struct Server {
    base: String,
    arrivals: Arc<Mutex<Vec<Instant>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(answer: fn(usize) -> Response) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let noted = arrivals.clone();
        let app = Router::new().route(
            wire::RESERVE,
            post(move || {
                let n = {
                    let mut noted = noted.lock().unwrap();
                    noted.push(Instant::now());
                    noted.len() - 1
                };
                async move { answer(n) }
            }),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base,
            arrivals,
            _runtime: runtime,
        }
    }

    /// The time between each request and the next.
    fn gaps(&self) -> Vec<Duration> {
        let arrivals = self.arrivals.lock().unwrap();
        arrivals.windows(2).map(|w| w[1] - w[0]).collect()
    }

    fn requests(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    /// Asks for a label block, as a node asks the cloud.
    fn reserve(&self) -> Result<Block, SyncError> {
        let link =
            HttpTransport::new(&self.base, "device-secret", Duration::from_secs(10)).unwrap();
        let request = ReserveRequest {
            service: ServiceCode::parse("A").unwrap(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            count: 10,
            device: None,
        };
        link.post(wire::RESERVE, &request)
    }
}

fn wait(status: StatusCode, retry_after: Option<&'static str>) -> Response {
    let body = axum::Json(serde_json::json!({"code": "rate_limited", "message": "slow down"}));
    let mut response = (status, body).into_response();
    if let Some(value) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, value.parse().unwrap());
    }
    response
}

fn block() -> Response {
    axum::Json(Block {
        first: 1,
        last: 10,
        slot: Some(3),
    })
    .into_response()
}

#[test]
fn a_429_with_retry_after_is_waited_out_then_the_request_succeeds() {
    let server = Server::start(|n| match n {
        0 => wait(StatusCode::TOO_MANY_REQUESTS, Some("1")),
        _ => block(),
    });
    let block = server.reserve().unwrap();
    assert_eq!((block.first, block.last), (1, 10));
    assert_eq!(server.requests(), 2, "one refusal, one success: no more");
    let gap = server.gaps()[0];
    assert!(
        gap >= Duration::from_secs(1),
        "sent again after {gap:?}, asked to wait 1 s"
    );
    assert!(
        gap < Duration::from_secs(5),
        "waited {gap:?} for a 1 s Retry-After"
    );
}

#[test]
fn a_side_that_keeps_asking_to_wait_is_asked_a_bounded_number_of_times_and_spaced() {
    let server = Server::start(|_| wait(StatusCode::SERVICE_UNAVAILABLE, Some("1")));
    let err = server.reserve().unwrap_err();
    assert!(matches!(err, SyncError::Unreachable(_)), "{err:?}");
    assert_eq!(server.requests(), 1 + RETRY_AFTER_ATTEMPTS as usize);
    for gap in server.gaps() {
        assert!(gap >= Duration::from_secs(1), "sent again after {gap:?}");
    }
}

#[test]
fn a_429_without_retry_after_is_not_sent_again() {
    let server = Server::start(|_| wait(StatusCode::TOO_MANY_REQUESTS, None));
    let err = server.reserve().unwrap_err();
    assert!(
        matches!(&err, SyncError::Refused(message) if message == "slow down"),
        "{err:?}"
    );
    assert_eq!(server.requests(), 1);
}
