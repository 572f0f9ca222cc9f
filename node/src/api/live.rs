//! The live stream: server-sent events for desks, displays and kiosks.

use super::AppState;
use super::error::AppError;
use super::extract::Caller;
use crate::auth::Permission;
use crate::live::{LiveMessage, Published};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// Live updates as server-sent events, each a [`LiveMessage`]: `hello` first, then
/// `ticket` (a ticket changed), `call` (a ticket was called: displays announce it),
/// `config`, and `resync` (messages were missed: reload). Browsers pass the token as
/// `?access_token=`.
#[utoipa::path(get, path = "/api/v1/events", tag = "live", security(("bearer" = []), ("access_token" = [])),
    responses((status = 200, description = "text/event-stream of LiveMessage", content_type = "text/event-stream", body = LiveMessage)))]
pub async fn events(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    p.require(Permission::SeeQueues)?;
    let stream = BroadcastStream::new(s.node.subscribe()).map(|message| {
        Ok(match message {
            Ok(m) => sse(&m),
            Err(BroadcastStreamRecvError::Lagged(_)) => sse(&Published::new(LiveMessage::Resync)),
        })
    });
    let hello = tokio_stream::once(Ok(sse(&Published::new(LiveMessage::Hello))));
    let mut shutdown = s.shutdown.subscribe();
    let closing = async move {
        let _ = shutdown.wait_for(|closing| *closing).await;
    };
    Ok(
        Sse::new(futures::StreamExt::take_until(hello.chain(stream), closing))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
}

/// One message as an SSE event: named by its `type`, with its JSON (serialised once for
/// every stream) as data.
fn sse(message: &Published) -> Event {
    Event::default()
        .event(message.message().name())
        .data(message.json())
}
