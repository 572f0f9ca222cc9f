//! Running the HTTP server until the caller says stop.

use crate::api::{AppState, router};
use crate::ops::Node;
use std::future::Future;
use std::net::SocketAddr;
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
    let mut closed = closing.subscribe();
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down");
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
