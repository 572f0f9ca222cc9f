//! Running the HTTP server until Ctrl-C or SIGTERM.

use crate::api::{AppState, router};
use crate::ops::Node;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Binds `listen` and serves the node's API and UI. `ready` is told the bound address
/// (the port is chosen by the OS when `listen` has port 0).
pub async fn serve(
    node: Arc<Node>,
    listen: SocketAddr,
    ui: Option<PathBuf>,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    let state = AppState::new(node);
    let closing = state.shutdown.clone();
    let app = router(state, ui).layer(tower_http::trace::TraceLayer::new_for_http());
    let mut closed = closing.subscribe();
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown().await;
        closing.send_replace(true);
    });
    // Requests in flight get a few seconds to finish; a stuck client cannot keep the
    // node from stopping.
    let drain_limit = async move {
        let _ = closed.wait_for(|c| *c).await;
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    };
    tokio::select! {
        result = server => result,
        () = drain_limit => {
            tracing::warn!("connections still open after 5 s; stopping anyway");
            Ok(())
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
