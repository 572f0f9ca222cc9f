//! The listener every Medicloud server accepts connections through, so one device on the
//! LAN (or on the internet) cannot take a node or the cloud offline by opening
//! connections and never finishing them.
//!
//! - A connection must send a request's headers within [`Limits::header_read`] of
//!   connecting or of its previous answer (which is also how long an idle keep-alive
//!   connection stays open), and a request's body must arrive within [`Limits::body`].
//! - At most [`Limits::per_address`] connections from one address and [`Limits::total`]
//!   in all: a connection beyond either is closed at once, before it costs a task.
//! - With a rustls configuration, connections are TLS (the handshake under the header
//!   timeout too), HTTP/1.1 or HTTP/2 as the client's ALPN says.
//! - Running out of file descriptors slows accepting down instead of spinning.
//!
//! Handlers read the client's address with axum's `ConnectInfo<SocketAddr>`;
//! [`RateLimit`] spaces out each address's requests.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! medicloud_edge::serve(listener, app, medicloud_edge::Limits::default(), None, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```
#![deny(missing_docs)]

pub mod rate;
pub use rate::RateLimit;

/// `body` as a file to download: `content_type`, and `Content-Disposition: attachment`
/// naming it `file_name` (left out if the name cannot be a header value).
pub fn attachment(
    body: impl axum::response::IntoResponse,
    content_type: &'static str,
    file_name: &str,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// How long and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// From accepting (or the previous answer) to a request's last header byte.
    pub header_read: Duration,
    /// From a request's headers to its body's last byte.
    pub body: Duration,
    /// Open connections from one address.
    pub per_address: usize,
    /// Open connections in all.
    pub total: usize,
    /// How long requests in flight may finish once shutdown starts.
    pub drain: Duration,
}

impl Limits {
    /// A clinic node on its LAN: every screen of a clinic together opens a few dozen
    /// connections (a desk: its requests and one live stream), so 256 from one address
    /// is a misbehaving device, not a busy one.
    pub const NODE: Self = Self {
        header_read: Duration::from_secs(10),
        body: Duration::from_secs(30),
        per_address: 256,
        total: 4_096,
        drain: Duration::from_secs(5),
    };

    /// The cloud: its clients arrive through load balancers and NAT, many behind one
    /// address, so the cap per address is the total.
    pub const CLOUD: Self = Self {
        per_address: 16_384,
        total: 16_384,
        ..Self::NODE
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::NODE
    }
}

/// Open connections per address.
#[derive(Debug, Default)]
struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in [`PerAddress`]; given back when dropped.
#[derive(Debug)]
struct Slot {
    table: Arc<PerAddress>,
    ip: IpAddr,
    _total: OwnedSemaphorePermit,
}

impl PerAddress {
    fn take(
        table: &Arc<Self>,
        ip: IpAddr,
        cap: usize,
        total: OwnedSemaphorePermit,
    ) -> Option<Slot> {
        let mut open = table.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            table: table.clone(),
            ip,
            _total: total,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` within `limits` (over TLS with `tls`) until `shutdown`
/// completes; requests in flight then get [`Limits::drain`] to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body,
    ));
    let total = Arc::new(Semaphore::new(limits.total));
    let per_address = Arc::new(PerAddress::default());
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    // One protocol per connection, known before the first byte (plain: HTTP/1.1; TLS:
    // what ALPN chose), so no read waits without a timeout to guess it.
    let mut h1 = auto::Builder::new(TokioExecutor::new());
    h1.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let h1 = Arc::new(h1.http1_only());
    let mut h2 = auto::Builder::new(TokioExecutor::new());
    h2.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header_read)
        .keep_alive_timeout(limits.header_read);
    let h2 = Arc::new(h2.http2_only());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors (or a connection reset before accept): wait a
                    // little instead of spinning; open connections time out meanwhile.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            tracing::debug!("connection refused: too many open connections");
            continue;
        };
        let Some(slot) = PerAddress::take(&per_address, peer.ip(), limits.per_address, permit)
        else {
            tracing::debug!("connection refused: too many from one address");
            continue;
        };
        let service =
            app.clone()
                .map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                    let mut request = request.map(axum::body::Body::new);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let service = TowerToHyperService::new(service);
        let (h1, h2) = (h1.clone(), h2.clone());
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let header_read = limits.header_read;
        tokio::spawn(async move {
            let _slot = slot;
            let _ = stream.set_nodelay(true);
            let result = match tls {
                None => {
                    let conn = h1.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
                Some(acceptor) => {
                    let Some(stream) = handshake(&acceptor, stream, header_read).await else {
                        return;
                    };
                    let builder = match stream.get_ref().1.alpn_protocol() {
                        Some(b"h2") => h2,
                        _ => h1,
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
            };
            if let Err(err) = result {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!("connections still open after {:?}; stopping anyway", limits.drain);
        }
    }
    Ok(())
}

async fn handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: TcpStream,
    limit: Duration,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(limit, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(err)) => {
            tracing::debug!(%err, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests;

/// How a server words an error status: the body [`typed_refusals`] puts on the
/// framework's own plain answers.
pub type RefusalBody = fn(axum::http::StatusCode) -> axum::response::Response;

/// Gives the framework's own refusals, which come as plain text or with no body at all
/// (405 from the router for a path without that method, 413 from a body read past the
/// limit, …), the body `render` makes for their status; headers such as `Allow` are
/// kept. Answers that are not errors, or already carry a typed body, pass as they are.
/// A middleware: `axum::middleware::from_fn_with_state(render, typed_refusals)`.
pub async fn typed_refusals(
    axum::extract::State(render): axum::extract::State<RefusalBody>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header;
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut typed = render(status);
    typed.headers_mut().extend(parts.headers);
    typed
}
