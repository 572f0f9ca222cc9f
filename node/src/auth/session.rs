//! Staff sessions, kept in memory (and saved in the store across a restart): a login checks the
//! lockout (per username and client address, and per address) and the password and
//! hands out a bearer token; a session ends after
//! [`Sessions::IDLE`] without a request or [`Sessions::LIFETIME`] after login, whatever
//! comes first. Break-glass access opens patient records to one session for
//! [`Sessions::BREAK_GLASS`]. Time comes from the injected [`Clock`].

use super::Principal;
use super::clock::{Clock, SystemClock};
use super::lockout::{AccountLock, Address, Lock, Lockout, Refused};
use super::password::{DUMMY_HASH, verify_password};
use super::token::{self, new_token, token_sha256};
use crate::error::Result;
use crate::store::{Store, query};
use medicloud_core::ids::UserId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

struct Session {
    principal: Principal,
    created: Instant,
    last_seen: Instant,
    break_glass_until: Option<Instant>,
}

/// What a login attempt came to.
#[derive(Clone, Debug)]
pub enum LoginOutcome {
    /// Logged in.
    Ok(Login),
    /// Wrong username or password.
    Wrong,
    /// Too many failures: this username from this address, or every login from this
    /// address, is refused for a while (even with the right password); the password
    /// was not checked and this attempt did not count.
    Refused(Refused),
    /// A wrong password that set these locks (the username from this address, this
    /// address, or both), each for this long.
    NowLocked(Vec<(Lock, Duration)>),
}

/// What a successful login returns.
#[derive(Clone, Debug)]
pub struct Login {
    /// The bearer token.
    pub token: String,
    /// The principal it stands for.
    pub principal: Principal,
}

/// Staff sessions, kept in memory; [`Sessions::save`] and [`Sessions::restore`] carry
/// them across a restart.
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
    lockout: Lockout,
    clock: Arc<dyn Clock>,
    /// Logged off after this long without a request.
    pub idle: Duration,
    /// Logged off after this long regardless.
    pub lifetime: Duration,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// A session ends after this long without a request…
    pub const IDLE: Duration = Duration::from_secs(15 * 60);
    /// …or this long after login.
    pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);
    /// How long emergency (break-glass) access lasts.
    pub const BREAK_GLASS: Duration = Duration::from_secs(15 * 60);
    /// Failed logins of one username from one address allowed within
    /// [`Sessions::LOCKOUT`] before that username is locked from that address.
    pub const MAX_FAILURES: u32 = Lockout::MAX_FAILURES;
    /// Failed logins from one address, whatever the usernames, allowed within
    /// [`Sessions::LOCKOUT`] before every login from it is refused.
    pub const MAX_ADDRESS_FAILURES: u32 = Lockout::MAX_ADDRESS_FAILURES;
    /// How long failures count, and how long a lock lasts.
    pub const LOCKOUT: Duration = Lockout::WINDOW;

    /// Sessions with a 15-minute idle logoff and a 12-hour lifetime, on the system clock.
    pub fn new() -> Self {
        Self::with_durations(Self::IDLE, Self::LIFETIME)
    }

    /// Sessions logged off after `idle` without a request, or `lifetime` after login.
    pub fn with_durations(idle: Duration, lifetime: Duration) -> Self {
        Self {
            by_hash: Mutex::new(HashMap::new()),
            lockout: Lockout::default(),
            clock: Arc::new(SystemClock),
            idle,
            lifetime,
        }
    }

    /// The same sessions (and lockout) going by `clock` (tests pass a manual one).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.by_hash.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens emergency access for the session behind `token`; `false` if there is none.
    pub fn break_glass(&self, token: &str) -> bool {
        let now = self.clock.now();
        let mut map = self.map();
        match map.get_mut(&token_sha256(token)) {
            Some(session) => {
                session.break_glass_until = Some(now + Self::BREAK_GLASS);
                true
            }
            None => false,
        }
    }

    /// Checks a username and password from `address` against `store`'s staff accounts,
    /// with the lockout after repeated failures.
    pub fn attempt(
        &self,
        store: &Store,
        username: &str,
        password: &str,
        address: Address,
    ) -> Result<LoginOutcome> {
        let key = username.to_lowercase();
        let attempt = match self.lockout.begin(&key, address, self.clock.now()) {
            Ok(attempt) => attempt,
            Err(refused) => return Ok(LoginOutcome::Refused(refused)),
        };
        if let Some(login) = self.login(store, username, password)? {
            self.lockout.succeeded(attempt);
            return Ok(LoginOutcome::Ok(login));
        }
        let locks = attempt.failed();
        Ok(if locks.is_empty() {
            LoginOutcome::Wrong
        } else {
            LoginOutcome::NowLocked(locks)
        })
    }

    /// The usernames (lower-cased) locked against some address now, with the address
    /// and how much longer.
    pub fn account_locks(&self) -> Vec<AccountLock> {
        self.lockout.account_locks(self.clock.now())
    }

    /// Checks a username and password against `store`'s staff accounts (no lockout).
    pub fn login(&self, store: &Store, username: &str, password: &str) -> Result<Option<Login>> {
        let user = store
            .read(query::staff)?
            .into_iter()
            .find(|u| u.active && u.username == username);
        let Some(user) = user else {
            // Spend the same effort as a real check, so timing does not reveal usernames.
            let _ = verify_password(DUMMY_HASH, password);
            return Ok(None);
        };
        if !verify_password(&user.password_hash, password) {
            return Ok(None);
        }
        let token = new_token("mcs");
        let principal = staff_principal(user);
        let now = self.clock.now();
        self.map().insert(
            token_sha256(&token),
            Session {
                principal: principal.clone(),
                created: now,
                last_seen: now,
                break_glass_until: None,
            },
        );
        Ok(Some(Login { token, principal }))
    }

    /// The principal behind a token: a live staff session, or a device of `store` that is
    /// registered and not revoked.
    pub fn authenticate(&self, store: &Store, token: &str) -> Result<Option<Principal>> {
        let hash = token_sha256(token);
        let found = {
            let mut map = self.map();
            let now = self.clock.now();
            map.retain(|_, s| now - s.last_seen < self.idle && now - s.created < self.lifetime);
            map.get_mut(&hash).map(|session| {
                session.last_seen = now;
                let open = session.break_glass_until.is_some_and(|until| until > now);
                let mut principal = session.principal.clone();
                if let Principal::Staff { break_glass, .. } = &mut principal {
                    *break_glass = open;
                }
                principal
            })
        };
        match found {
            // An account disabled since (here, or on another node whose change came by
            // sync) ends its sessions at its next request.
            Some(Principal::Staff { id, .. })
                if !store
                    .read(query::staff)?
                    .iter()
                    .any(|u| u.id == id && u.active) =>
            {
                self.map().remove(&hash);
                Ok(None)
            }
            Some(principal) => Ok(Some(principal)),
            None => token::device(store, &hash),
        }
    }

    /// Ends a session.
    pub fn logout(&self, token: &str) {
        self.map().remove(&token_sha256(token));
    }

    /// Ends every session of the account `id` (disabled, its password reset, or its
    /// role changed): their tokens are refused from the next request.
    pub fn end_sessions_of(&self, id: UserId) {
        self.map().retain(
            |_, s| !matches!(&s.principal, Principal::Staff { id: user, .. } if *user == id),
        );
    }

    /// The session behind `token` chose a new password: it may do everything its role
    /// may again. Every other session of the account ends.
    pub fn password_changed(&self, token: &str, id: UserId) {
        let hash = token_sha256(token);
        let mut map = self.map();
        map.retain(|key, s| {
            *key == hash
                || !matches!(&s.principal, Principal::Staff { id: user, .. } if *user == id)
        });
        if let Some(Session {
            principal:
                Principal::Staff {
                    must_change_password,
                    ..
                },
            ..
        }) = map.get_mut(&hash)
        {
            *must_change_password = false;
        }
    }

    /// Lifts every lock of `username` (against any address) and forgets its failed
    /// logins; how many locks were lifted.
    pub fn unlock(&self, username: &str) -> usize {
        self.lockout
            .unlock(&username.to_lowercase(), self.clock.now())
    }

    /// Keeps the live staff sessions in `store` (its encrypted database) as the node
    /// stops, so the desks stay logged in across a restart: each session's token hash
    /// (never the token), account, role, age, idle time and emergency access left, and
    /// the wall-clock time of saving.
    pub fn save(&self, store: &Store) -> Result<usize> {
        let now = self.clock.now();
        let sessions: Vec<SavedSession> = self
            .map()
            .iter()
            .filter(|(_, s)| now - s.last_seen < self.idle && now - s.created < self.lifetime)
            .filter_map(|(hash, s)| match &s.principal {
                Principal::Staff { id, role, .. } => Some(SavedSession {
                    hash: hash.clone(),
                    user: *id,
                    role: *role,
                    age_ms: millis(now - s.created),
                    idle_ms: millis(now - s.last_seen),
                    break_glass_ms: s
                        .break_glass_until
                        .map(|until| millis(until.saturating_duration_since(now))),
                }),
                Principal::Device { .. } => None,
            })
            .collect();
        let saved = Saved {
            at_ms: wall_ms(),
            sessions,
        };
        store.set_meta(META_SESSIONS, &serde_json::to_string(&saved)?)?;
        Ok(saved.sessions.len())
    }

    /// Takes back the sessions [`Sessions::save`] kept (once: they are removed from the
    /// store). The time the node was down counts as idle time and age, so a session
    /// that would have ended meanwhile is not restored; nor is one whose account was
    /// disabled or given another role. A clock that went backwards restores nothing.
    pub fn restore(&self, store: &Store) -> Result<usize> {
        let Some(text) = store.meta(META_SESSIONS)? else {
            return Ok(0);
        };
        store.set_meta(META_SESSIONS, "")?;
        let Ok(saved) = serde_json::from_str::<Saved>(&text) else {
            return Ok(0);
        };
        let Some(down) = wall_ms()
            .checked_sub(saved.at_ms)
            .map(Duration::from_millis)
        else {
            return Ok(0);
        };
        let staff = store.read(query::staff)?;
        let now = self.clock.now();
        let mut map = self.map();
        let mut restored = 0;
        for s in saved.sessions {
            let (age, idle) = (
                Duration::from_millis(s.age_ms) + down,
                Duration::from_millis(s.idle_ms) + down,
            );
            if age >= self.lifetime || idle >= self.idle {
                continue;
            }
            let Some(user) = staff
                .iter()
                .find(|u| u.id == s.user && u.active && u.role == s.role)
            else {
                continue;
            };
            let (Some(created), Some(last_seen)) = (now.checked_sub(age), now.checked_sub(idle))
            else {
                continue;
            };
            let break_glass_until = s
                .break_glass_ms
                .map(Duration::from_millis)
                .and_then(|left| left.checked_sub(down))
                .map(|left| now + left);
            map.insert(
                s.hash,
                Session {
                    principal: staff_principal(user.clone()),
                    created,
                    last_seen,
                    break_glass_until,
                },
            );
            restored += 1;
        }
        Ok(restored)
    }
}

/// Where [`Sessions::save`] keeps the sessions, in the node's metadata.
const META_SESSIONS: &str = "staff_sessions";

/// The staff sessions as saved at a stop.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    /// Wall-clock time of saving, ms since the Unix epoch.
    at_ms: u64,
    sessions: Vec<SavedSession>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedSession {
    /// SHA-256 of the token.
    hash: String,
    user: medicloud_core::ids::UserId,
    role: medicloud_core::domain::StaffRole,
    age_ms: u64,
    idle_ms: u64,
    break_glass_ms: Option<u64>,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, millis)
}

/// The principal a staff account logs in as.
fn staff_principal(user: medicloud_core::domain::StaffUser) -> Principal {
    Principal::Staff {
        id: user.id,
        username: user.username,
        role: user.role,
        break_glass: false,
        must_change_password: user.must_change_password,
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}
