//! `GET /hq/v1/events`: the chain overview, live. After an ingest stores a clinic's
//! events, every replica with an open stream recomputes that clinic's overview once
//! ([`crate::storage::Storage::overview`]) and sends the same bytes to each stream
//! that may see the clinic.
//!
//! **Across replicas.** A replica learns of its own ingests at once ([`Live::stored`]).
//! On PostgreSQL each ingest that stores events also sends `NOTIFY medicloud_ingest`
//! with the clinic's id in its transaction (delivered at commit), and every replica
//! listens on a connection of its own ([`crate::storage::Postgres::notifications`]), so
//! a head-office screen connected to one replica sees a clinic that synced through
//! another. Notices arriving while a recomputation runs are folded into one per clinic.
//! When the listening connection drops (notices may have been missed), the streams get
//! `resync` and the screens reload.
//!
//! **Events.** `hello` when a stream opens (load everything), `overview` (data: one
//! [`ClinicOverview`] — replace that clinic's row), `resync` (reload everything). A
//! stream ends when its access token expires, so a logged-out or demoted account stops
//! receiving; the screen reconnects with its refreshed token.

use super::{HqAction, HqCaller, HqError};
use crate::api::State;
use crate::overview::ClinicOverview;
use crate::storage::{AnyStorage, Storage};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use medicloud_core::ids::ClinicId;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// What the streams are sent.
#[derive(Clone, Debug)]
pub enum Message {
    /// A clinic's overview changed: its id and the overview as JSON.
    Overview(ClinicId, Arc<str>),
    /// Notices may have been missed: reload.
    Resync,
}

/// The data of a live event, as the document describes it: a clinic's overview
/// (`overview`), or `{}` (`hello`, `resync`). The stream writes its data itself.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LiveData {
    /// `overview`: the clinic's row.
    Overview(ClinicOverview),
    /// `hello` and `resync`: nothing.
    Nothing(NoData),
}

/// `{}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NoData {}

/// A notice that a clinic's projections changed, or that notices were missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// An ingest stored events of this clinic.
    Stored(ClinicId),
    /// The notices of other replicas may have been missed.
    Missed,
}

/// A replica's live overview: the notices it hears and the streams it feeds.
#[derive(Debug)]
pub struct Live {
    notices: mpsc::UnboundedSender<Notice>,
    streams: broadcast::Sender<Message>,
}

/// Messages a slow stream may fall behind by before it is told to resync.
const BACKLOG: usize = 256;

impl Live {
    /// Starts the replica's worker (and, on PostgreSQL, its listener).
    pub fn start(storage: Arc<AnyStorage>) -> Arc<Self> {
        let (notices, mut heard) = mpsc::unbounded_channel();
        let (streams, _) = broadcast::channel(BACKLOG);
        if let AnyStorage::Postgres(pg) = &*storage {
            pg.notifications(notices.clone());
        }
        let live = Arc::new(Self { notices, streams });
        let worker = Arc::downgrade(&live);
        tokio::spawn(async move {
            while let Some(first) = heard.recv().await {
                // Everything heard meanwhile, each clinic once.
                let mut clinics = BTreeSet::new();
                let mut missed = false;
                let mut note = |n: Notice| match n {
                    Notice::Stored(c) => {
                        clinics.insert(c);
                    }
                    Notice::Missed => missed = true,
                };
                note(first);
                while let Ok(n) = heard.try_recv() {
                    note(n);
                }
                let Some(live) = worker.upgrade() else { return };
                if live.streams.receiver_count() == 0 {
                    continue;
                }
                if missed {
                    let _ = live.streams.send(Message::Resync);
                }
                if clinics.is_empty() {
                    continue;
                }
                let now = super::now_ms();
                match storage
                    .overview(Some(clinics.into_iter().collect()), now)
                    .await
                {
                    Ok(rows) => {
                        for row in rows {
                            match serde_json::to_string(&row) {
                                Ok(json) => {
                                    let _ =
                                        live.streams.send(Message::Overview(row.id, json.into()));
                                }
                                Err(e) => tracing::error!(error = %e, "overview not serialised"),
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the live overview could not be read");
                        let _ = live.streams.send(Message::Resync);
                    }
                }
            }
        });
        live
    }

    /// This replica stored events of `clinic`.
    pub fn stored(&self, clinic: ClinicId) {
        let _ = self.notices.send(Notice::Stored(clinic));
    }
}

/// The overview, live, as server-sent events: `hello`, then `overview` (one
/// [`ClinicOverview`] whose events arrived — only clinics the caller sees) and `resync`
/// (reload). Browsers pass the access token as `?access_token=`; the stream ends when
/// the token expires. `see_clinics`.
#[utoipa::path(get, path = "/hq/v1/events", tag = "live",
    security(("hq_access_token" = [])),
    params(("access_token" = Option<String>, Query, description = "the access token, for browsers' EventSource (which cannot send headers)")),
    responses(
        (status = 200, description = "text/event-stream: `hello`, `overview` (data: ClinicOverview), `resync`", content_type = "text/event-stream", body = LiveData),
        (status = 401, description = "no valid access token", body = medicloud_core::error_code::ErrorBody),
        (status = 403, description = "`forbidden`: the role may not see clinics", body = medicloud_core::error_code::ErrorBody),
    ))]
pub(crate) async fn events(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, HqError> {
    caller.require(HqAction::SeeClinics, None)?;
    let scope = caller.role.scoped().then(|| caller.clinics.clone());
    let stream =
        BroadcastStream::new(state.hq.live.streams.subscribe()).filter_map(move |m| match m {
            Ok(Message::Overview(clinic, json)) => scope
                .as_ref()
                .is_none_or(|s| s.contains(&clinic))
                .then(|| Ok(Event::default().event("overview").data(&*json))),
            Ok(Message::Resync) | Err(_) => Some(Ok(Event::default().event("resync").data("{}"))),
        });
    let hello = tokio_stream::once(Ok(Event::default().event("hello").data("{}")));
    let left = (caller.expires_at * 1000 - super::now_ms()).max(0) as u64;
    let expiry = tokio::time::sleep(Duration::from_millis(left));
    Ok(
        Sse::new(futures::StreamExt::take_until(hello.chain(stream), expiry))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
}
