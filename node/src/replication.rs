//! Keeping this node's log in step with its peers on the LAN and with the cloud.
//!
//! Each link (a peer node or the cloud) has a thread of its own that runs the exchange
//! of [`medicloud_sync::exchange`] over HTTP: at once when this node stores a new event
//! (its own, or one learnt from another link, so events travel on), every
//! [`Replication::ANTI_ENTROPY`] otherwise, and after a growing, jittered wait when the
//! other side cannot be reached. What each link last saw — reachable or not, when, what
//! the other side still lacks, how far its clock is from ours — is kept for
//! `GET /api/v1/sync/status`.

use crate::authority::{Authority, LabelAuthority, Setup};
use crate::error::Result;
use crate::labels;
use crate::live::Hub;
use crate::store::{Store, query};
use medicloud_core::event::{Event, EventBody};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::exchange::{self, SyncError, SyncRequest, SyncResponse, Transport};
use medicloud_sync::http::{Backoff, Credential, HttpTransport, TrustedCa};
use medicloud_sync::log::{Ingest, Log, VersionVector};
use medicloud_sync::seal::{Header, LanSeal, Refusal, ReplayGuard};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use utoipa::ToSchema;

/// What is at the other end of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Another node of the clinic, on the LAN.
    Peer,
    /// The clinic chain's cloud.
    Cloud,
}

/// One configured link.
#[derive(Clone)]
pub struct LinkConfig {
    /// Base URL, e.g. `http://10.0.0.5:8080`.
    pub url: String,
    /// Peer or cloud.
    pub kind: LinkKind,
    /// The cloud's device secret. Peers need none: their bodies are sealed with the
    /// clinic's LAN key instead.
    pub token: String,
    /// Whether the other side is this node's configured label authority (it asks it
    /// for blocks). A peer chosen as the authority becomes one at run time.
    pub authority: bool,
}

impl std::fmt::Debug for LinkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkConfig")
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

/// What a link last saw, as `GET /api/v1/sync/status` shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkStatus {
    /// Base URL of the other side.
    pub url: String,
    /// Peer or cloud.
    pub kind: LinkKind,
    /// Whether the last attempt reached it.
    pub reachable: bool,
    /// When it was last reached (ms since the Unix epoch), if ever.
    pub last_contact_ms: Option<i64>,
    /// Events this node holds that the other side lacked at the last contact (or since).
    pub pending_out: u64,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Rounds that reached the other side, started by new events (a push), not by the timer.
    pub pushed_rounds: u64,
    /// How far the other side's clock is ahead of this node's (negative: behind), in ms.
    pub clock_skew_ms: Option<i64>,
}

struct Link {
    config: LinkConfig,
    /// Whether this node asks the other side for label blocks now: configured, or the
    /// peer chosen as the clinic's authority.
    authority: AtomicBool,
    status: Mutex<LinkStatus>,
    /// The other side's summary at the last contact.
    theirs: Mutex<Option<VersionVector>>,
}

/// A counter that link threads wait on; bumped whenever the log grows.
#[derive(Debug, Default)]
pub struct Signal {
    generation: Mutex<u64>,
    changed: Condvar,
}

impl Signal {
    /// Wakes every waiting link.
    pub fn notify(&self) {
        let mut generation = self.generation.lock().unwrap_or_else(|p| p.into_inner());
        *generation += 1;
        self.changed.notify_all();
    }

    fn current(&self) -> u64 {
        *self.generation.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the generation differs from `seen` or `timeout` passes; returns the
    /// generation it saw last.
    fn wait(&self, seen: u64, timeout: Duration) -> u64 {
        let generation = self.generation.lock().unwrap_or_else(|p| p.into_inner());
        let (generation, _) = self
            .changed
            .wait_timeout_while(generation, timeout, |g| *g == seen)
            .unwrap_or_else(|p| p.into_inner());
        *generation
    }
}

/// This node's links and their state.
pub struct Replication {
    links: Vec<Arc<Link>>,
    /// The clinic's sealing key, from its LAN key (none: this node takes no sync requests).
    lan: Option<Arc<LanSeal>>,
    /// Nonces of sealed requests admitted lately, so none is taken twice.
    replay: ReplayGuard,
    /// Extra certificate authorities for the cloud's certificate.
    cloud_ca: Option<TrustedCa>,
    /// Bumped whenever this node's log grows.
    signal: Arc<Signal>,
    /// Who hands out the clinic's label numbers.
    labels: Authority,
    /// Between rounds when nothing new happens (none: [`Replication::ANTI_ENTROPY`]).
    anti_entropy: Option<Duration>,
    /// Desk places escrowed to each other node per service and day, when this node is
    /// the clinic's booking authority.
    desk_reserve: u16,
    /// When this node last asked its authority for desk reserves in vain.
    reserve_asked: crate::ops::reserve::Asked,
    stopping: Arc<AtomicBool>,
}

impl Default for Replication {
    /// No links: a node alone.
    fn default() -> Self {
        Self::new(Vec::new(), None)
    }
}

impl std::fmt::Debug for Replication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replication")
            .field("links", &self.links.len())
            .finish_non_exhaustive()
    }
}

/// The whole picture for `GET /api/v1/sync/status`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SyncStatus {
    /// This node's device id (the origin of its events).
    pub device: DeviceId,
    /// Whether at least one link is reachable (or none is configured: a standalone node).
    pub online: bool,
    /// The largest clock difference seen on any link, in ms (positive: others are ahead).
    pub clock_skew_ms: Option<i64>,
    /// The correction this node applies to its own clock to keep its authority's time.
    pub clock_correction_ms: i64,
    /// The most events any one reachable-or-not link still lacks.
    pub pending_out: u64,
    /// Tickets with a refused concurrent step that staff should look at.
    pub conflicts: u64,
    /// The clinic's label authority: who it is, how it was chosen, and whether a second
    /// one was found (`conflict`).
    pub labels: LabelAuthority,
    /// Each link.
    pub links: Vec<LinkStatus>,
}

impl Replication {
    /// How often a link syncs when nothing new happens.
    pub const ANTI_ENTROPY: Duration = Duration::from_secs(5);
    /// A clock further than this from the label authority's is corrected to it.
    pub const CORRECT_ABOVE_MS: i64 = 30_000;
    /// How long one round may take before the other side counts as unreachable.
    pub const TIMEOUT: Duration = Duration::from_secs(10);

    /// Links to `links`; `lan` seals what this node and its peers send each other.
    pub fn new(links: Vec<LinkConfig>, lan: Option<LanSeal>) -> Self {
        Self {
            links: links
                .into_iter()
                .map(|config| {
                    Arc::new(Link {
                        status: Mutex::new(LinkStatus {
                            url: config.url.clone(),
                            kind: config.kind,
                            reachable: false,
                            last_contact_ms: None,
                            pending_out: 0,
                            last_error: None,
                            pushed_rounds: 0,
                            clock_skew_ms: None,
                        }),
                        theirs: Mutex::new(None),
                        authority: AtomicBool::new(config.authority),
                        config,
                    })
                })
                .collect(),
            lan: lan.map(Arc::new),
            replay: ReplayGuard::default(),
            cloud_ca: None,
            anti_entropy: None,
            desk_reserve: crate::ops::reserve::DEFAULT_PLACES,
            reserve_asked: Default::default(),
            signal: Arc::default(),
            labels: Authority::default(),
            stopping: Arc::default(),
        }
    }

    /// Finds the clinic's label authority as `setup` says (none: this node alone).
    pub fn with_labels(mut self, setup: Setup) -> Self {
        self.labels = Authority::new(setup);
        self
    }

    /// The desk places this node escrows to each other node per service and day when
    /// it is the clinic's booking authority (none: [`crate::ops::reserve::DEFAULT_PLACES`]).
    pub fn with_desk_reserve(mut self, places: Option<u16>) -> Self {
        if let Some(places) = places {
            self.desk_reserve = places;
        }
        self
    }

    /// The desk places escrowed to each other node per service and day.
    pub fn desk_reserve(&self) -> u16 {
        self.desk_reserve
    }

    /// Syncs every `interval` when nothing new happens (none: [`Self::ANTI_ENTROPY`]).
    pub fn with_anti_entropy(mut self, interval: Option<Duration>) -> Self {
        self.anti_entropy = interval;
        self
    }

    /// Trusts `ca` for the cloud's certificate, besides the bundled web PKI roots.
    pub fn with_cloud_ca(mut self, ca: Option<TrustedCa>) -> Self {
        self.cloud_ca = ca;
        self
    }

    /// The clinic's sealing key; `None` when sync is off (no LAN key).
    pub fn seal(&self) -> Option<&LanSeal> {
        self.lan.as_deref()
    }

    /// Whether a sealed request whose header opened, received at `now_ms`, is fresh and
    /// not seen before (admitting nothing).
    pub fn check(&self, header: &Header, now_ms: i64) -> std::result::Result<(), Refusal> {
        self.replay.check(header, now_ms)
    }

    /// Admits a sealed request whose body opened, received at `now_ms`: fresh, and not
    /// seen before.
    pub fn admit(&self, header: &Header, now_ms: i64) -> std::result::Result<(), Refusal> {
        self.replay.admit(header, now_ms)
    }

    /// Whether this node takes sync requests at all.
    pub fn serves_sync(&self) -> bool {
        self.lan.is_some()
    }

    /// The transport of `link`, giving up after `timeout`.
    fn transport(
        &self,
        link: &Link,
        timeout: Duration,
    ) -> std::result::Result<HttpTransport, SyncError> {
        let credential = match (link.config.kind, &self.lan) {
            (LinkKind::Peer, Some(seal)) => Credential::Sealed(seal.clone()),
            (LinkKind::Peer, None) => {
                return Err(SyncError::Refused(
                    "no LAN key to reach peers with".to_owned(),
                ));
            }
            (LinkKind::Cloud, _) => Credential::Bearer(link.config.token.clone()),
        };
        HttpTransport::with(
            &link.config.url,
            credential,
            timeout,
            self.cloud_ca.as_ref(),
        )
    }

    /// Sends `body` to `route` on the clinic's label authority when that is another node
    /// (configured with `--labels-from`, or the peer chosen), giving up after
    /// [`Replication::TIMEOUT`] (a link that is down fails at once).
    /// `None` when no peer is the authority: this node is, the cloud is
    /// ([`Replication::ask_cloud_authority`]), or it is not known yet.
    pub fn ask_peer_authority<B: Serialize, R: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        body: &B,
    ) -> Option<std::result::Result<R, SyncError>> {
        let link = self
            .links
            .iter()
            .find(|l| l.config.kind == LinkKind::Peer && l.authority.load(Ordering::SeqCst))?;
        Some(
            self.transport(link, Self::TIMEOUT)
                .and_then(|t| t.post(route, body)),
        )
    }

    /// Sends `body` to `route` on the cloud when the cloud is the clinic's label
    /// authority (its link configured so), with the link's device secret, giving up
    /// after [`Replication::TIMEOUT`]. `None` when the cloud is not the authority.
    pub fn ask_cloud_authority<B: Serialize, R: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        body: &B,
    ) -> Option<std::result::Result<R, SyncError>> {
        let link = self
            .links
            .iter()
            .find(|l| l.config.kind == LinkKind::Cloud && l.authority.load(Ordering::SeqCst))?;
        Some(
            self.transport(link, Self::TIMEOUT)
                .and_then(|t| t.post(route, body)),
        )
    }

    /// Whether the clinic's booking authority (its label authority) is elsewhere —
    /// another node, or the cloud — or not known yet: then this node does not count
    /// desk places itself, it asks the authority, and cut off from it books only into
    /// its reserves or as a confirmed overbooking.
    pub fn booking_authority_is_remote(&self) -> bool {
        self.has_remote_authority()
    }

    /// Whether this node reserves no blocks of its own: another node (or the cloud) is
    /// the label authority, or this node does not know the authority yet, or sees two
    /// (then it gives device-marked numbers only).
    pub fn has_remote_authority(&self) -> bool {
        self.labels.remote()
    }

    /// What this node tells its peers about itself, for choosing the label authority.
    pub fn label_stance(&self, me: DeviceId) -> medicloud_sync::wire::LabelStance {
        self.labels.stance(me)
    }

    /// Wakes the label authority's link (a block is running low).
    pub fn want_labels(&self) {
        if self.has_remote_authority() {
            self.signal.notify();
        }
    }

    /// Looks again at who the label authority is (see [`Authority::reassess`]): records
    /// or withdraws this node's claim, and points the links at the chosen peer.
    pub fn reassess_labels(&self, store: &Store) -> Result<LabelAuthority> {
        let (authority, recorded) = self.labels.reassess(store, self.serves_sync())?;
        if !recorded.is_empty() {
            self.signal.notify();
        }
        if self.labels.is_chosen() {
            let chosen = self.labels.chosen_peer(store.identity().device);
            for link in self
                .links
                .iter()
                .filter(|l| l.config.kind == LinkKind::Peer)
            {
                let now = chosen.as_deref() == Some(link.config.url.as_str());
                if link.authority.swap(now, Ordering::SeqCst) != now && now {
                    tracing::info!(url = %link.config.url, "label numbers now come from the chosen peer");
                }
            }
        }
        Ok(authority)
    }

    fn reassess_quietly(&self, store: &Store) {
        if let Err(err) = self.reassess_labels(store) {
            tracing::warn!(error = %err, "could not look at the label authority again");
        }
    }

    /// Tells the links that this node's log grew (they sync at once).
    pub fn log_grew(&self) {
        self.signal.notify();
    }

    /// Starts one thread per link, syncing `store` and announcing what it takes in on
    /// `live`. They stop with [`Replication::stop`] or the process.
    pub fn start(self: &Arc<Self>, store: &Arc<Store>, live: &Hub) -> Result<()> {
        for (index, link) in self.links.iter().enumerate() {
            let (replication, store, live, link) =
                (self.clone(), store.clone(), live.clone(), link.clone());
            std::thread::Builder::new()
                .name(format!("sync-{index}"))
                // The blocking HTTP client must be made off the async runtime.
                .spawn(move || {
                    match replication.transport(&link, Self::TIMEOUT) {
                        Ok(transport) => {
                            let log = NodeLog::new(&store, &live, &replication);
                            replication.run_link(log, &link, &transport);
                        }
                        Err(err) => tracing::error!(url = %link.config.url, error = %err, "sync link not started"),
                    }
                })
                .map_err(crate::Error::Thread)?;
        }
        Ok(())
    }

    /// Asks the link threads to stop.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.signal.notify();
    }

    /// Every link's state, with what each still lacks counted against `store`'s log as
    /// it is now.
    pub fn status(&self, store: &Store) -> Result<SyncStatus> {
        let mine = store.summary()?;
        let mut links = Vec::new();
        for link in &self.links {
            let mut status = lock(&link.status).clone();
            if let Some(theirs) = lock(&link.theirs).as_ref() {
                status.pending_out = lacking(&mine, theirs);
            } else {
                status.pending_out = mine.iter().map(|d| d.counter).sum();
            }
            links.push(status);
        }
        let conflicts =
            store.read(|conn| Ok(query::conflicts(conn, store.today(conn)?)?.len() as u64))?;
        let labels = self.reassess_labels(store)?;
        Ok(SyncStatus {
            device: store.identity().device,
            online: links.is_empty() || links.iter().any(|l| l.reachable),
            clock_skew_ms: links
                .iter()
                .filter_map(|l| l.clock_skew_ms)
                .max_by_key(|s| s.abs()),
            clock_correction_ms: store.clock_correction(),
            pending_out: links.iter().map(|l| l.pending_out).max().unwrap_or(0),
            conflicts,
            labels,
            links,
        })
    }
}

/// Where the clock correction is remembered.
pub const CLOCK_META: &str = "clock_correction_ms";

/// How many events of `mine` a replica summarised by `theirs` lacks.
fn lacking(mine: &VersionVector, theirs: &VersionVector) -> u64 {
    mine.iter()
        .map(|d| d.counter.saturating_sub(theirs.get(d.actor)))
        .sum()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Replication {
    /// Before a node writes anything at start-up, one round with its label authority (if
    /// it has one and can reach it within a few seconds): its clock is corrected before
    /// its first stamp, and a new node learns the clinic's set-up instead of writing its
    /// own. Events taken in are announced on `live`.
    pub fn first_contact(&self, store: &Store, live: &Hub) {
        if let Ok(Some(saved)) = store.meta(CLOCK_META) {
            store.correct_clock(saved.parse().unwrap_or(0));
        }
        if let Err(err) = self.labels.load(store) {
            tracing::warn!(error = %err, "what the peers said of the label authority was not read");
        }
        self.reassess_quietly(store);
        let log = NodeLog::new(store, live, self);
        for link in self
            .links
            .iter()
            .filter(|l| l.authority.load(Ordering::SeqCst))
        {
            let result = self
                .transport(link, Duration::from_secs(3))
                .and_then(|transport| {
                    sync_once(log, link, &transport)?;
                    refill_once(store, link, &transport)
                });
            if let Err(err) = result {
                tracing::warn!(url = %link.config.url, error = %err, "label authority not reached at start");
            }
        }
        self.reassess_quietly(store);
    }

    fn run_link(&self, log: NodeLog<'_>, link: &Link, transport: &HttpTransport) {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        let mut seen = self.signal.current();
        let interval = self.anti_entropy.unwrap_or(Replication::ANTI_ENTROPY);
        // Whether this round was started by new events rather than the timer.
        let mut pushed = false;
        while !self.stopping.load(Ordering::SeqCst) {
            let result = sync_once(log, link, transport);
            let now = log.store.now_ms();
            let mut status = lock(&link.status);
            match result {
                Ok(()) => {
                    backoff.succeed();
                    status.reachable = true;
                    status.last_contact_ms = Some(now);
                    status.last_error = None;
                    if pushed {
                        status.pushed_rounds += 1;
                    }
                    drop(status);
                    self.refill_reserves(log.store, link, transport);
                    if let Err(err) = refill_once(log.store, link, transport) {
                        tracing::warn!(url = %link.config.url, error = %err, "no label block from the authority");
                        lock(&link.status).last_error = Some(err.to_string());
                    }
                    let next = self.signal.wait(seen, interval);
                    pushed = next != seen;
                    seen = next;
                }
                Err(err) => {
                    if status.reachable || status.last_error.is_none() {
                        tracing::warn!(url = %link.config.url, error = %err, "sync link down");
                    }
                    status.reachable = false;
                    status.last_error = Some(err.to_string());
                    drop(status);
                    // An unreachable side is not woken by new events; it is tried again
                    // after the backoff (checking for a stop every half second).
                    let mut wait = backoff.fail();
                    while !wait.is_zero() && !self.stopping.load(Ordering::SeqCst) {
                        let step = wait.min(Duration::from_millis(500));
                        std::thread::sleep(step);
                        wait -= step;
                    }
                    seen = self.signal.current();
                    pushed = false;
                }
            }
        }
    }
}

impl Replication {
    /// Asks the other side of `link` (a peer or the cloud), when it is the clinic's
    /// booking authority, for the desk places this node may book cut off from it
    /// ([`crate::ops::reserve`]).
    fn refill_reserves(&self, store: &Store, link: &Link, transport: &HttpTransport) {
        if !link.authority.load(Ordering::SeqCst) {
            return;
        }
        if let Err(err) = crate::ops::reserve::refill(store, transport, &self.reserve_asked) {
            tracing::debug!(url = %link.config.url, error = %err, "no desk reserve from the authority");
        }
    }
}

fn sync_once(
    mut log: NodeLog<'_>,
    link: &Link,
    transport: &HttpTransport,
) -> Result<(), SyncError> {
    let measuring = Measuring {
        inner: transport,
        store: log.store,
        link,
    };
    let me = log.store.identity().device;
    let replication = log.replication;
    if replication.labels.should_ask(&link.config.url) {
        ask_stance(log.store, replication, link, transport);
    }
    exchange::sync_with(&mut log, me, &measuring)?;
    Ok(())
}

/// Tops up the offline reserve of label numbers when the other side of `link` is this
/// node's label authority (after the round's exchange, so a push is not held up by it).
fn refill_once(store: &Store, link: &Link, transport: &HttpTransport) -> Result<(), SyncError> {
    if link.authority.load(Ordering::SeqCst) {
        match labels::refill(store, transport) {
            // A peer may not know yet that it is the authority (it has not heard from all
            // its peers): this node gives device-marked numbers meanwhile, and the link
            // itself is fine.
            Err(SyncError::Refused(reason)) if link.config.kind == LinkKind::Peer => {
                tracing::debug!(%reason, "the chosen label authority gave no block yet");
            }
            other => other?,
        }
    }
    Ok(())
}

/// Asks the peer behind `link` who it is and whether a configured authority serves it,
/// for choosing the label authority; an old node that cannot say is asked again later.
fn ask_stance(store: &Store, replication: &Replication, link: &Link, transport: &HttpTransport) {
    let mine = replication.label_stance(store.identity().device);
    let answer: std::result::Result<medicloud_sync::wire::LabelStance, SyncError> =
        transport.post(medicloud_sync::wire::STANCE, &mine);
    match answer {
        Ok(theirs) => {
            if let Err(err) = replication.labels.heard(store, &link.config.url, theirs) {
                tracing::warn!(error = %err, "what a peer said of the label authority was not kept");
            }
            replication.reassess_quietly(store);
        }
        Err(err) => {
            tracing::debug!(url = %link.config.url, error = %err, "the peer did not say who it is");
        }
    }
}

/// Records, for each round, the other side's summary and its clock.
struct Measuring<'a> {
    inner: &'a HttpTransport,
    store: &'a Store,
    link: &'a Link,
}

impl Transport for Measuring<'_> {
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError> {
        let store = self.store;
        let sent = store.own_clock_ms();
        let sent_summary = request.summary.clone();
        let response = self.inner.exchange(request)?;
        let received = store.own_clock_ms();
        if let Some(theirs) = response.now_ms {
            let skew = theirs as i64 - (sent + received) / 2;
            lock(&self.link.status).clock_skew_ms = Some(skew);
            if self.link.authority.load(Ordering::SeqCst) {
                // The clinic keeps its authority's time; small differences are left alone.
                let correction = if skew.abs() > Replication::CORRECT_ABOVE_MS {
                    skew
                } else {
                    0
                };
                if (correction - store.clock_correction()).abs() > Replication::CORRECT_ABOVE_MS {
                    tracing::warn!(
                        skew_ms = skew,
                        "this device's clock is off; using the authority's time"
                    );
                    // Remembered, so a restart before the next contact keeps the right time.
                    if let Err(err) = store.set_meta(CLOCK_META, &correction.to_string()) {
                        tracing::warn!(error = %err, "could not store the clock correction");
                    }
                }
                store.correct_clock(correction);
            }
        }
        *lock(&self.link.theirs) = Some(exchange::theirs_from(&sent_summary, &response));
        Ok(response)
    }
}

/// The node's store seen as a replica by the exchange; events it takes in are announced
/// to live screens and passed on to the other links.
#[derive(Clone, Copy)]
pub struct NodeLog<'a> {
    store: &'a Store,
    live: &'a Hub,
    replication: &'a Replication,
}

impl<'a> NodeLog<'a> {
    /// `store` as a replica whose new events go to `live` and to `replication`'s links.
    pub fn new(store: &'a Store, live: &'a Hub, replication: &'a Replication) -> Self {
        Self {
            store,
            live,
            replication,
        }
    }
}

impl std::fmt::Debug for NodeLog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeLog")
    }
}

fn storage(err: crate::Error) -> SyncError {
    SyncError::Storage(err.to_string())
}

impl Log for NodeLog<'_> {
    fn clinic(&self) -> ClinicId {
        self.store.identity().clinic
    }

    fn summary(&self) -> Result<VersionVector, SyncError> {
        self.store.summary().map_err(storage)
    }

    fn missing_for(&self, remote: &VersionVector, limit: usize) -> Result<Vec<Event>, SyncError> {
        self.store.missing_for(remote, limit).map_err(storage)
    }

    fn ingest(&mut self, events: Vec<Event>) -> Result<Ingest, SyncError> {
        if events.is_empty() {
            return Ok(Ingest::default());
        }
        let (report, accepted) = self.store.ingest(events).map_err(storage)?;
        if !accepted.is_empty() {
            self.replication.signal.notify();
            self.live.announce(self.store, &accepted);
        }
        let claims = accepted.iter().any(|e| {
            matches!(
                e.body,
                EventBody::LabelAuthorityClaimed { .. } | EventBody::LabelAuthorityWithdrawn { .. }
            )
        });
        if claims {
            self.replication.reassess_quietly(self.store);
        }
        Ok(report)
    }
}
