//! The exchange: the same protocol between nodes on the LAN and between a node and the
//! cloud. The caller sends its summary and the events the other side lacks; the other
//! side stores them and answers with its summary and a page of the events the caller
//! lacks. Rounds repeat until neither side has anything the other lacks.

use crate::log::{Ingest, Log, VersionVector};
use crdts::{CmRDT, Dot};
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Most events in one request or response.
pub const PAGE: usize = 500;

/// A summary on the wire: `(origin, seq)` pairs.
pub type WireSummary = Vec<(DeviceId, u64)>;

/// A version vector as it travels.
pub fn summary_to_wire(vv: &VersionVector) -> WireSummary {
    vv.iter().map(|dot| (*dot.actor, dot.counter)).collect()
}

/// A version vector from the wire.
pub fn summary_from_wire(summary: &WireSummary) -> VersionVector {
    let mut vv = VersionVector::new();
    for (origin, seq) in summary {
        vv.apply(Dot::new(*origin, *seq));
    }
    vv
}

/// The origins where `held` differs from `caller`, with `held`'s count (0: none held).
fn delta(held: &VersionVector, caller: &VersionVector) -> WireSummary {
    let mut out: WireSummary = held
        .iter()
        .filter(|dot| caller.get(dot.actor) != dot.counter)
        .map(|dot| (*dot.actor, dot.counter))
        .collect();
    out.extend(
        caller
            .iter()
            .filter(|dot| held.get(dot.actor) == 0)
            .map(|dot| (*dot.actor, 0)),
    );
    out
}

/// The responder's summary, from a response (whole or a delta over `sent`).
pub fn theirs_from(sent: &WireSummary, response: &SyncResponse) -> VersionVector {
    if !response.summary_is_delta {
        return summary_from_wire(&response.summary);
    }
    let mut counts: std::collections::BTreeMap<DeviceId, u64> = sent.iter().copied().collect();
    for (origin, seq) in &response.summary {
        counts.insert(*origin, *seq);
    }
    let mut vv = VersionVector::new();
    for (origin, seq) in counts.into_iter().filter(|(_, seq)| *seq > 0) {
        vv.apply(Dot::new(origin, seq));
    }
    vv
}

/// One round, caller to responder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncRequest {
    /// The clinic both sides must belong to.
    pub clinic: ClinicId,
    /// The calling device.
    pub from: DeviceId,
    /// What the caller holds.
    #[schema(value_type = Vec<(DeviceId, u64)>)]
    pub summary: WireSummary,
    /// Events the caller believes the responder lacks.
    pub events: Vec<Event>,
}

/// One round, responder to caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncResponse {
    /// What the responder holds, after storing the request's events: every origin, or
    /// with `summary_is_delta` only the origins where it differs from the request's
    /// summary (a round of two replicas in step then carries almost no summary).
    #[schema(value_type = Vec<(DeviceId, u64)>)]
    pub summary: WireSummary,
    /// Whether `summary` lists only the differences from the request's summary.
    #[serde(default)]
    pub summary_is_delta: bool,
    /// Events the caller lacks (at most [`PAGE`]).
    pub events: Vec<Event>,
    /// Whether the responder has more the caller lacks.
    pub more: bool,
    /// The responder's wall clock (ms since the Unix epoch) when it answered, so the
    /// caller can see how far apart their clocks are.
    #[serde(default)]
    pub now_ms: Option<u64>,
}

/// Why a round failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The other side cannot be reached; try again later.
    #[error("the other side is unreachable: {0}")]
    Unreachable(String),
    /// The other side belongs to another clinic.
    #[error("the other side belongs to another clinic")]
    WrongClinic,
    /// The other side refused the request.
    #[error("refused: {0}")]
    Refused(String),
    /// This side's storage failed; nothing of the round was stored.
    #[error("storage failed: {0}")]
    Storage(String),
}

/// Carries one round to the other side: HTTP between processes, memory in tests.
pub trait Transport {
    /// Sends a request and returns the answer.
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError>;
}

/// The responder's side of a round.
pub fn respond(log: &mut dyn Log, request: SyncRequest) -> Result<SyncResponse, SyncError> {
    if request.clinic != log.clinic() {
        return Err(SyncError::WrongClinic);
    }
    if request.events.len() > PAGE {
        return Err(SyncError::Refused(format!(
            "more than {PAGE} events in one request"
        )));
    }
    log.ingest(request.events)?;
    let caller = summary_from_wire(&request.summary);
    let held = log.summary()?;
    let mut events = log.missing_for(&caller, PAGE + 1)?;
    let more = events.len() > PAGE;
    events.truncate(PAGE);
    Ok(SyncResponse {
        summary: delta(&held, &caller),
        summary_is_delta: true,
        events,
        more,
        now_ms: None,
    })
}

/// What a sync with one peer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Round trips made.
    pub rounds: usize,
    /// Events sent.
    pub sent: usize,
    /// Events received and stored.
    pub received: Ingest,
}

/// Syncs `log` with the peer behind `transport` until both hold the same events.
pub fn sync_with(
    log: &mut dyn Log,
    me: DeviceId,
    transport: &dyn Transport,
) -> Result<SyncStats, SyncError> {
    let mut stats = SyncStats::default();
    let mut theirs: Option<VersionVector> = None;
    loop {
        let push = match &theirs {
            Some(vv) => log.missing_for(vv, PAGE)?,
            None => Vec::new(),
        };
        let request_summary = summary_to_wire(&log.summary()?);
        let request = SyncRequest {
            clinic: log.clinic(),
            from: me,
            summary: request_summary.clone(),
            events: push,
        };
        stats.sent += request.events.len();
        let response = transport.exchange(request)?;
        stats.rounds += 1;
        let vv = theirs_from(&request_summary, &response);
        let got = log.ingest(response.events)?;
        stats.received.accepted += got.accepted;
        stats.received.duplicates += got.duplicates;
        stats.received.out_of_order += got.out_of_order;
        stats.received.refused += got.refused;
        let done = !response.more && log.missing_for(&vv, 1)?.is_empty();
        theirs = Some(vv);
        if done {
            return Ok(stats);
        }
    }
}

/// A transport to a log in the same process, with a switch to cut the link.
#[derive(Clone, Debug)]
pub struct MemTransport<L> {
    peer: Arc<Mutex<L>>,
    cut: Arc<std::sync::atomic::AtomicBool>,
}

impl<L: Log> MemTransport<L> {
    /// A link to `peer`.
    pub fn new(peer: Arc<Mutex<L>>) -> Self {
        Self {
            peer,
            cut: Arc::default(),
        }
    }

    /// Cuts (`true`) or heals (`false`) the link.
    pub fn set_cut(&self, cut: bool) {
        self.cut.store(cut, std::sync::atomic::Ordering::SeqCst);
    }
}

impl<L: Log> Transport for MemTransport<L> {
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError> {
        if self.cut.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(SyncError::Unreachable("link cut".into()));
        }
        let mut peer = self.peer.lock().unwrap_or_else(|p| p.into_inner());
        respond(&mut *peer, request)
    }
}
