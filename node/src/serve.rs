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
    let state = AppState::new(node);
    let closing = state.shutdown.clone();
    let app = router(state, ui).layer(tower_http::trace::TraceLayer::new_for_http());
    // Live streams end as shutdown starts, so draining does not wait for them.
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down");
        closing.send_replace(true);
    };
    medicloud_edge::serve(listener, app, medicloud_edge::Limits::NODE, None, shutdown).await
}
