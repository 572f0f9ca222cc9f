//! Who is asking, and what they may do: staff sessions (argon2id passwords, short-lived
//! tokens with idle logoff), device tokens, and the one table of permissions.

use crate::error::Result;
use crate::store::query;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use medicloud_core::domain::{DeviceRole, StaffRole};
use medicloud_core::event::Actor;
use medicloud_core::ids::{DeviceId, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks a password against a stored hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random bearer token (256 bits) with a readable prefix.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a token: what is stored instead of the token.
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A logged-in staff member.
    Staff {
        /// Account id.
        id: UserId,
        /// Login name.
        username: String,
        /// Role.
        role: StaffRole,
        /// Emergency access is open for this session: patient records may be read even
        /// by a role that normally may not (time-limited, always audited).
        break_glass: bool,
    },
    /// A device using its own token.
    Device {
        /// Device id.
        id: DeviceId,
        /// Role.
        role: DeviceRole,
    },
}

/// Something a caller may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// List services and counters with waiting counts; receive the live stream.
    SeeQueues,
    /// Take a ticket.
    TakeTicket,
    /// Read and list every ticket.
    ReadTickets,
    /// Call, serve, complete, requeue, transfer, cancel.
    WorkTickets,
    /// Book and list appointments, register patients.
    FrontDesk,
    /// Read patient records.
    ReadPatients,
    /// Configure the clinic: devices, staff.
    Administer,
}

impl Principal {
    /// The actor recorded on events this principal causes.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Staff { id, .. } => Actor::Staff(*id),
            Principal::Device { id, .. } => Actor::Device(*id),
        }
    }

    /// The permission table: the one place that says who may do what.
    pub fn may(&self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Principal::Staff {
                break_glass: true, ..
            } if permission == ReadPatients => true,
            // Administrators configure the clinic; reading patient records is not part
            // of that (least privilege) — they use break-glass access when they must.
            Principal::Staff {
                role: StaffRole::Admin,
                ..
            } => permission != ReadPatients,
            Principal::Staff {
                role: StaffRole::Desk,
                ..
            } => permission != Administer,
            Principal::Staff {
                role: StaffRole::Clinician,
                ..
            } => {
                matches!(
                    permission,
                    SeeQueues | ReadTickets | WorkTickets | ReadPatients
                )
            }
            Principal::Device {
                role: DeviceRole::Kiosk,
                ..
            } => matches!(permission, SeeQueues | TakeTicket),
            Principal::Device {
                role: DeviceRole::Desk | DeviceRole::Display,
                ..
            } => permission == SeeQueues,
        }
    }

    /// Fails with `Forbidden` unless the permission is held.
    pub fn require(&self, permission: Permission) -> std::result::Result<(), Denied> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Denied)
        }
    }
}

/// A request by an authenticated caller without the permission it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("your role may not do this")]
pub struct Denied;

struct Session {
    principal: Principal,
    created: Instant,
    last_seen: Instant,
    break_glass_until: Option<Instant>,
}

/// Failed logins of one username.
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// What a login attempt came to.
#[derive(Clone, Debug)]
pub enum LoginOutcome {
    /// Logged in.
    Ok(Login),
    /// Wrong username or password.
    Wrong,
    /// Too many failures: the username is locked for this long (even with the right
    /// password), and this attempt did not count.
    Locked(Duration),
    /// This failure locked the username.
    NowLocked(Duration),
}

/// Staff sessions, kept in memory: a restart logs everyone out.
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
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

/// What a successful login returns.
#[derive(Clone, Debug)]
pub struct Login {
    /// The bearer token.
    pub token: String,
    /// The principal it stands for.
    pub principal: Principal,
}

impl Sessions {
    /// Sessions with a 15-minute idle logoff and a 12-hour lifetime.
    pub fn new() -> Self {
        Self {
            by_hash: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            idle: Duration::from_secs(15 * 60),
            lifetime: Duration::from_secs(12 * 3600),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.by_hash.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long emergency (break-glass) access lasts.
    pub const BREAK_GLASS: Duration = Duration::from_secs(15 * 60);

    /// Opens emergency access for the session behind `token`; `false` if there is none.
    pub fn break_glass(&self, token: &str) -> bool {
        let mut map = self.map();
        match map.get_mut(&token_sha256(token)) {
            Some(session) => {
                session.break_glass_until = Some(Instant::now() + Self::BREAK_GLASS);
                true
            }
            None => false,
        }
    }

    /// Failed logins allowed within [`Sessions::LOCKOUT`] before the username is locked.
    pub const MAX_FAILURES: u32 = 5;
    /// How long failures count, and how long a lock lasts.
    pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

    /// Checks a username and password, with the lockout after repeated failures.
    pub fn attempt(
        &self,
        conn: &rusqlite::Connection,
        username: &str,
        password: &str,
    ) -> Result<LoginOutcome> {
        let key = username.to_lowercase();
        let now = Instant::now();
        {
            let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            failures.retain(|_, f| {
                f.locked_until
                    .map_or(now - f.first < Self::LOCKOUT, |until| until > now)
            });
            if let Some(until) = failures.get(&key).and_then(|f| f.locked_until) {
                return Ok(LoginOutcome::Locked(until - now));
            }
        }
        if let Some(login) = self.login(conn, username, password)? {
            self.failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
            return Ok(LoginOutcome::Ok(login));
        }
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = failures.entry(key).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        entry.count += 1;
        if entry.count >= Self::MAX_FAILURES {
            entry.locked_until = Some(now + Self::LOCKOUT);
            return Ok(LoginOutcome::NowLocked(Self::LOCKOUT));
        }
        Ok(LoginOutcome::Wrong)
    }

    /// Checks a username and password against the staff accounts.
    pub fn login(
        &self,
        conn: &rusqlite::Connection,
        username: &str,
        password: &str,
    ) -> Result<Option<Login>> {
        let user = query::staff(conn)?
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
        let principal = Principal::Staff {
            id: user.id,
            username: user.username,
            role: user.role,
            break_glass: false,
        };
        let now = Instant::now();
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

    /// The principal behind a token: a live staff session, or a registered, unrevoked device.
    pub fn authenticate(
        &self,
        conn: &rusqlite::Connection,
        token: &str,
    ) -> Result<Option<Principal>> {
        let hash = token_sha256(token);
        {
            let mut map = self.map();
            let now = Instant::now();
            map.retain(|_, s| now - s.last_seen < self.idle && now - s.created < self.lifetime);
            if let Some(session) = map.get_mut(&hash) {
                session.last_seen = now;
                let open = session.break_glass_until.is_some_and(|until| until > now);
                let mut principal = session.principal.clone();
                if let Principal::Staff { break_glass, .. } = &mut principal {
                    *break_glass = open;
                }
                return Ok(Some(principal));
            }
        }
        let device = query::devices(conn)?
            .into_iter()
            .find(|d| !d.revoked && d.token_sha256 == hash);
        Ok(device.map(|d| Principal::Device {
            id: d.id,
            role: d.role,
        }))
    }

    /// Ends a session.
    pub fn logout(&self, token: &str) {
        self.map().remove(&token_sha256(token));
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}

/// An argon2id hash of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1dBzeRydS3u2gi+1oSaZ5X8fWkDgtxCuXvtxC8pvZ+E";

/// A password staff may choose: at least 10 characters.
pub fn check_password_policy(password: &str) -> Result<()> {
    if password.chars().count() < 10 {
        return Err(medicloud_core::validate::ValidationError::new(
            "password",
            "a password has at least 10 characters",
        )
        .into());
    }
    Ok(())
}
