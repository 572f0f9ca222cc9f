//! Who hands out the clinic's label numbers: exactly one label authority per clinic.
//!
//! The authority is configured (the cloud, or a hub node given by `--labels-from`), or,
//! for nodes with neither, chosen: among this node and the peers it is configured with,
//! the one with the lowest device id that no configured authority serves. A node knows
//! the choice once it has heard from every configured peer at least once (what each
//! said is kept in `node_meta`, so a restart while cut off still knows). Until then it
//! gives device-marked numbers only (`A-1F3C-001`).
//!
//! The chosen node (and a node alone, a hub) records its claim in the log
//! ([`EventBody::LabelAuthorityClaimed`]) and reserves its own blocks; the others ask it
//! for blocks. A node that finds a second authority in its log — two nodes' claims, or
//! a claim by another node than the one it follows — reports it (`conflict` in
//! `GET /api/v1/sync/status`) and gives device-marked numbers only until the
//! configuration is fixed and the wrong node has withdrawn its claim
//! ([`EventBody::LabelAuthorityWithdrawn`], recorded when it starts with the new
//! configuration).

use crate::error::Result;
use crate::store::Store;
use crate::store::labels::{self as table, MODE_META};
use medicloud_core::event::{Actor, Event, EventBody};
use medicloud_core::ids::DeviceId;
use medicloud_sync::wire::LabelStance;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Mutex;
use utoipa::ToSchema;

/// How the clinic's label authority is set for this node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Setup {
    /// The cloud hands out blocks.
    Cloud,
    /// The hub node at this (link) URL hands out blocks (`--labels-from`).
    Hub(String),
    /// No peer and no cloud: this node is its own authority.
    #[default]
    Alone,
    /// Peers (these link URLs) and no configured authority: one of them, or this node,
    /// is chosen.
    Chosen(Vec<String>),
}

/// How the authority was found, as the admin screen shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Configured: the cloud.
    Cloud,
    /// Configured: a hub node (`--labels-from`).
    Hub,
    /// Chosen among the peers: the lowest device id.
    Chosen,
    /// This node alone (no peer, no cloud).
    Alone,
    /// Not known yet: some configured peers have not been heard from.
    Undecided,
}

/// The clinic's label authority as this node knows it (`labels` in
/// `GET /api/v1/sync/status`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LabelAuthority {
    /// How the authority was found.
    pub basis: Basis,
    /// Whether this node is the authority.
    pub this_node: bool,
    /// The authority's device, when it is a node whose id is known.
    pub device: Option<DeviceId>,
    /// The address this node asks for blocks (the cloud, the hub, the chosen peer).
    pub url: Option<String>,
    /// Configured peers not heard from yet (while `undecided`).
    pub waiting_for: Vec<String>,
    /// The nodes whose claim to be the authority stands in the log.
    pub claims: Vec<DeviceId>,
    /// A second authority: two nodes claim, or another node than the one followed does.
    /// Every node then gives device-marked numbers until the configuration is fixed.
    pub conflict: bool,
    /// Whether this node now gives device-marked numbers only (`A-1F3C-001`).
    pub marked_only: bool,
}

/// What this node does for its labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Reserves its own blocks (it is the authority).
    Own,
    /// Takes blocks from another authority.
    Remote,
    /// Gives device-marked numbers only.
    Marked,
}

impl Mode {
    fn meta(self) -> &'static str {
        match self {
            Mode::Own => "own",
            Mode::Remote => "remote",
            Mode::Marked => "marked",
        }
    }
}

/// Who the authority is, from the setup and what the peers said.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Choice {
    Cloud,
    Me,
    Peer {
        url: String,
        device: Option<DeviceId>,
    },
    Undecided(Vec<String>),
}

/// The key under which what the peer at `url` said is kept.
fn stance_key(url: &str) -> String {
    format!("label_peer:{url}")
}

/// This node's part in choosing the label authority; state shared by the sync links.
#[derive(Debug, Default)]
pub struct Authority {
    setup: Setup,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// What each peer said, by link URL.
    heard: BTreeMap<String, LabelStance>,
    /// Peers asked since this process started (what they say may have changed).
    asked: Vec<String>,
    /// The mode last written to the store.
    mode: Option<Mode>,
}

impl Authority {
    /// The authority as `setup` has it.
    pub fn new(setup: Setup) -> Self {
        Self {
            setup,
            state: Mutex::default(),
        }
    }

    /// Whether this node gives no numbers from blocks of its own reserving: it follows
    /// another authority, does not know the authority yet, or sees two.
    pub fn remote(&self) -> bool {
        let mode = lock(&self.state).mode;
        mode.map_or_else(|| self.setup_is_remote(), |m| m != Mode::Own)
    }

    fn setup_is_remote(&self) -> bool {
        matches!(self.setup, Setup::Cloud | Setup::Hub(_))
    }

    /// What this node tells its peers about itself.
    pub fn stance(&self, me: DeviceId) -> LabelStance {
        LabelStance {
            device: me,
            configured: self.setup_is_remote(),
        }
    }

    /// Whether this node should ask the peer at `url` who it is (once per run, and
    /// until it has answered).
    pub fn should_ask(&self, url: &str) -> bool {
        let wanted = match &self.setup {
            Setup::Hub(hub) => hub == url,
            Setup::Chosen(peers) => peers.iter().any(|p| p == url),
            Setup::Cloud | Setup::Alone => false,
        };
        wanted && !lock(&self.state).asked.iter().any(|a| a == url)
    }

    /// Keeps what the peer at `url` said (in the store too).
    pub fn heard(&self, store: &Store, url: &str, stance: LabelStance) -> Result<()> {
        let mut state = lock(&self.state);
        state.asked.push(url.to_owned());
        if state.heard.get(url) != Some(&stance) {
            store.set_meta(&stance_key(url), &serde_json::to_string(&stance)?)?;
            state.heard.insert(url.to_owned(), stance);
        }
        Ok(())
    }

    /// Loads what the peers said before (at start).
    pub fn load(&self, store: &Store) -> Result<()> {
        let urls = match &self.setup {
            Setup::Hub(url) => vec![url.clone()],
            Setup::Chosen(peers) => peers.clone(),
            Setup::Cloud | Setup::Alone => Vec::new(),
        };
        let mut state = lock(&self.state);
        for url in urls {
            let said = store.meta(&stance_key(&url))?;
            if let Some(stance) = said.and_then(|s| serde_json::from_str(&s).ok()) {
                state.heard.insert(url, stance);
            }
        }
        Ok(())
    }

    fn choice(&self, me: DeviceId, heard: &BTreeMap<String, LabelStance>) -> Choice {
        match &self.setup {
            Setup::Cloud => Choice::Cloud,
            Setup::Alone => Choice::Me,
            Setup::Hub(url) => Choice::Peer {
                url: url.clone(),
                device: heard.get(url).map(|s| s.device),
            },
            Setup::Chosen(peers) => {
                let waiting: Vec<String> = peers
                    .iter()
                    .filter(|p| !heard.contains_key(*p))
                    .cloned()
                    .collect();
                if !waiting.is_empty() {
                    return Choice::Undecided(waiting);
                }
                let lowest = peers
                    .iter()
                    .filter_map(|p| heard.get(p).map(|s| (s, p)))
                    .filter(|(s, _)| !s.configured && s.device != me)
                    .min_by_key(|(s, _)| s.device);
                match lowest {
                    Some((s, url)) if s.device < me => Choice::Peer {
                        url: url.clone(),
                        device: Some(s.device),
                    },
                    _ => Choice::Me,
                }
            }
        }
    }

    /// Looks again at what is known (after a round, or when a claim arrived): records
    /// this node's claim (when `claims_allowed`: it takes sync requests) or withdraws
    /// it, and keeps the mode [`crate::labels::take`] follows. Returns the authority and
    /// any event it recorded (for the caller to publish).
    pub fn reassess(
        &self,
        store: &Store,
        claims_allowed: bool,
    ) -> Result<(LabelAuthority, Vec<Event>)> {
        let me = store.identity().device;
        let mut state = lock(&self.state);
        let choice = self.choice(me, &state.heard);
        let mut claims = self.claims(store)?;
        let mut recorded = Vec::new();
        let mine = claims.contains(&me);
        let body = match &choice {
            Choice::Me if claims_allowed && !mine => {
                Some(EventBody::LabelAuthorityClaimed { device: me })
            }
            Choice::Cloud | Choice::Peer { .. } if mine => {
                Some(EventBody::LabelAuthorityWithdrawn { device: me })
            }
            _ => None,
        };
        if let Some(body) = body {
            let (event, _) = store.write(|w| w.append(Actor::System, body))?;
            recorded.push(event);
            claims = self.claims(store)?;
        }
        let conflict = claims.len() > 1
            || match &choice {
                Choice::Cloud => !claims.is_empty(),
                Choice::Me => claims.iter().any(|c| *c != me),
                Choice::Peer {
                    device: Some(d), ..
                } => claims.iter().any(|c| c != d),
                Choice::Peer { device: None, .. } | Choice::Undecided(_) => false,
            };
        let mode = match &choice {
            _ if conflict => Mode::Marked,
            Choice::Undecided(_) => Mode::Marked,
            Choice::Me => Mode::Own,
            Choice::Cloud | Choice::Peer { .. } => Mode::Remote,
        };
        if state.mode != Some(mode) {
            if conflict {
                tracing::error!(
                    claims = claims.len(),
                    "two label authorities in this clinic: device-marked numbers only until the configuration is fixed"
                );
            }
            store.set_meta(MODE_META, mode.meta())?;
            state.mode = Some(mode);
        }
        let basis = match (&self.setup, &choice) {
            (Setup::Cloud, _) => Basis::Cloud,
            (Setup::Hub(_), _) => Basis::Hub,
            (Setup::Alone, _) => Basis::Alone,
            (Setup::Chosen(_), Choice::Undecided(_)) => Basis::Undecided,
            (Setup::Chosen(_), _) => Basis::Chosen,
        };
        let (device, url, waiting_for) = match choice.clone() {
            Choice::Cloud => (None, None, Vec::new()),
            Choice::Me => (Some(me), None, Vec::new()),
            Choice::Peer { url, device } => (device, Some(url), Vec::new()),
            Choice::Undecided(waiting) => (None, None, waiting),
        };
        Ok((
            LabelAuthority {
                basis,
                this_node: choice == Choice::Me,
                device,
                url,
                waiting_for,
                claims,
                conflict,
                marked_only: mode == Mode::Marked,
            },
            recorded,
        ))
    }

    /// The link URL this node asks for blocks when the authority is a chosen peer.
    pub fn chosen_peer(&self, me: DeviceId) -> Option<String> {
        let state = lock(&self.state);
        match (&self.setup, self.choice(me, &state.heard)) {
            (Setup::Chosen(_), Choice::Peer { url, .. }) => Some(url),
            _ => None,
        }
    }

    /// Whether the authority is chosen among the peers (so which link asks for blocks
    /// changes at run time).
    pub fn is_chosen(&self) -> bool {
        matches!(self.setup, Setup::Chosen(_))
    }

    fn claims(&self, store: &Store) -> Result<Vec<DeviceId>> {
        let claims = store.read(table::claims)?;
        Ok(claims
            .iter()
            .filter_map(|c| DeviceId::from_str(c).ok())
            .collect())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: u128) -> DeviceId {
        DeviceId(uuid::Uuid::from_u128(n))
    }

    /// Who `me` (device 5) chooses, given its setup and what its peers said
    /// (`(url, device, configured)`).
    fn check(setup: Setup, said: &[(&str, u128, bool)], expect: Choice) {
        let authority = Authority::new(setup);
        let heard = said
            .iter()
            .map(|(url, d, configured)| {
                let stance = LabelStance {
                    device: device(*d),
                    configured: *configured,
                };
                ((*url).to_owned(), stance)
            })
            .collect();
        assert_eq!(authority.choice(device(5), &heard), expect);
    }

    #[test]
    fn the_lowest_device_among_the_peers_that_no_configured_authority_serves() {
        let peers = |urls: &[&str]| Setup::Chosen(urls.iter().map(|u| (*u).to_owned()).collect());
        let peer = |url: &str, d| Choice::Peer {
            url: url.to_owned(),
            device: Some(device(d)),
        };
        check(
            peers(&["p", "q"]),
            &[("p", 9, false), ("q", 3, false)],
            peer("q", 3),
        );
        check(
            peers(&["p", "q"]),
            &[("p", 9, false), ("q", 7, false)],
            Choice::Me,
        );
        // A peer served by a hub is never chosen, however low its id.
        check(peers(&["p"]), &[("p", 1, true)], Choice::Me);
        // Until every configured peer has answered, nobody knows.
        check(
            peers(&["p", "q"]),
            &[("p", 1, false)],
            Choice::Undecided(vec!["q".to_owned()]),
        );
        check(Setup::Alone, &[], Choice::Me);
        check(Setup::Cloud, &[("p", 1, false)], Choice::Cloud);
        check(
            Setup::Hub("h".to_owned()),
            &[],
            Choice::Peer {
                url: "h".to_owned(),
                device: None,
            },
        );
    }
}
