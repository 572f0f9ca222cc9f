//! Running the HTTP server until the caller says stop.

use crate::api::{AppState, router};
use crate::ops::Node;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves the node's API and UI on `listener` until `shutdown` completes; requests in
/// flight then get five seconds to finish.
pub async fn serve(
    node: Arc<Node>,
    listener: TcpListener,
    ui: Option<PathBuf>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Staff stay logged in across a restart: sessions saved at the last stop come back.
    let sessions = crate::auth::Sessions::new();
    match sessions.restore(node.store()) {
        Ok(0) => {}
        Ok(n) => tracing::info!(sessions = n, "staff sessions restored"),
        Err(e) => tracing::warn!(error = %e, "staff sessions could not be restored"),
    }
    let state = AppState::with_sessions(node.clone(), sessions);
    let (closing, sessions) = (state.shutdown.clone(), state.sessions.clone());
    let app = router(state, ui).layer(tower_http::trace::TraceLayer::new_for_http());
    // Live streams end as shutdown starts, so draining does not wait for them.
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down");
        closing.send_replace(true);
    };
    let served =
        medicloud_edge::serve(listener, app, medicloud_edge::Limits::NODE, None, shutdown).await;
    match sessions.save(node.store()) {
        Ok(n) => tracing::info!(sessions = n, "staff sessions saved"),
        Err(e) => tracing::warn!(error = %e, "staff sessions could not be saved"),
    }
    served
}
