//! Running the HTTP server until Ctrl-C or SIGTERM.

use crate::api::{AppState, router};
use crate::auth::Sessions;
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
    let app = router(
        AppState {
            node,
            sessions: Arc::new(Sessions::new()),
        },
        ui,
    )
    .layer(tower_http::trace::TraceLayer::new_for_http());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
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
