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
        Self::with_durations(Duration::from_secs(15 * 60), Duration::from_secs(12 * 3600))
    }

    /// Sessions logged off after `idle` without a request, or `lifetime` after login
    /// (tests use short ones).
    pub fn with_durations(idle: Duration, lifetime: Duration) -> Self {
        Self {
            by_hash: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            idle,
            lifetime,
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

/// The shortest password staff may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords (and the words at their core) that are among the first an attacker tries:
/// the most common in Indonesia and in English, and words of this clinic's own trade.
/// Compared in lower case, letters only, after undoing digit-for-letter swaps.
const COMMON_PASSWORDS: &[&str] = &[
    // English
    "password",
    "passwort",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qazwsx",
    "letmein",
    "welcome",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "superman",
    "batman",
    "trustno",
    "login",
    "changeme",
    "secret",
    "hello",
    "helloworld",
    "freedom",
    "whatever",
    "starwars",
    "admin",
    "administrator",
    "root",
    "user",
    "guest",
    "test",
    "default",
    "abc",
    // Bahasa Indonesia
    "sayang",
    "sayangku",
    "bismillah",
    "indonesia",
    "rahasia",
    "katasandi",
    "sandi",
    "cinta",
    "cintaku",
    "akucintakamu",
    "akusayangkamu",
    "merdeka",
    "garuda",
    "jakarta",
    "bandung",
    "surabaya",
    "masuk",
    "selamat",
    "selamatdatang",
    "rahasiaku",
    // The trade
    "klinik",
    "puskesmas",
    "rumahsakit",
    "dokter",
    "perawat",
    "pasien",
    "medicloud",
    "antrian",
    "antrean",
    "loket",
];

/// Whole passwords that are common as they are (digits and keyboard walks).
const COMMON_WHOLE: &[&str] = &[
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u",
    "q1w2e3r4t5y6",
    "1qaz2wsx3edc",
    "qwerty123456",
    "zaq12wsxcde3",
    "123qweasdzxc",
    "password1234",
    "iloveyou1234",
];

/// Keyboard rows and counting, forwards: a password that is a run of one is a sequence.
const SEQUENCES: &[&str] = &[
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
];

fn policy_error(rule: &str) -> crate::Error {
    medicloud_core::validate::ValidationError::new("password", rule).into()
}

/// The letters at the core of a password: lower case, digits swapped for the letters
/// they stand for (`p4ssw0rd`), leading and trailing digits and marks left out, and
/// only letters kept.
fn core_word(password: &str) -> String {
    let lower = password.to_lowercase();
    let trimmed = lower.trim_matches(|c: char| !c.is_alphabetic());
    trimmed
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// A password staff may choose for the account `username`: at least
/// [`MIN_PASSWORD_CHARS`] characters, not containing the username, not one character
/// repeated, not a run of a keyboard row or of counting, and not one of the most common
/// passwords. The error names the rule broken, never the password.
pub fn check_password_policy(username: &str, password: &str) -> Result<()> {
    let lower = password.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return Err(policy_error(&format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err(policy_error("a password may not contain the username"));
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return Err(policy_error("a password may not be one character repeated"));
    }
    let reversed: String = chars.iter().rev().collect();
    if SEQUENCES
        .iter()
        .any(|s| s.contains(lower.as_str()) || s.contains(reversed.as_str()))
    {
        return Err(policy_error(
            "a password may not be a run of counting or of a keyboard row",
        ));
    }
    let core = core_word(password);
    if COMMON_WHOLE.contains(&lower.as_str()) || COMMON_PASSWORDS.contains(&core.as_str()) {
        return Err(policy_error(
            "a password may not be one of the most common passwords",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case: username, password, the rule it breaks (`None`: accepted).
    #[test]
    fn the_password_policy_names_the_rule_broken() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Option<&str>)] = &[
            // What the demo, the tests and the benchmarks use.
            ("desk",   "demo-password-1",     None),
            ("admin",  "test-password-123",   None),
            ("desk",   "e2e-password-123",    None),
            ("admin",  "sandi-pengelola-uji-123", None),
            ("doctor", "benchmark-password",  None),
            ("perawat","panjang-sekali-1",    None),
            ("admin",  "Tiga kata acak, 7 ekor!", None),
            ("admin",  "ABCDEFGHJKLMNPQR",    None), // random, not a run
            // Length, in characters (not bytes).
            ("desk",   "",                    Some("at least 12 characters")),
            ("desk",   "pendek-11ch",         Some("at least 12 characters")),
            ("desk",   "ééééééé-ééé",          Some("at least 12 characters")),
            // The username, in any case.
            ("perawat", "perawat-2026-pagi",  Some("contain the username")),
            ("Ani",    "kata-ANI-kuat-99",    Some("contain the username")),
            ("admin",  "sandi-admin-uji-123", Some("contain the username")),
            ("al",     "al-al-al-al-al",      None), // too short a name to judge
            // One character repeated.
            ("desk",   "aaaaaaaaaaaa",        Some("one character repeated")),
            ("desk",   "111111111111111",     Some("one character repeated")),
            // Runs of counting and keyboard rows, either way.
            ("desk",   "123456789012",        Some("run of counting")),
            ("desk",   "987654321098",        Some("run of counting")),
            ("desk",   "abcdefghijklm",       Some("run of counting")),
            ("desk",   "qwertyuiopas",        Some("run of counting")),
            // Common passwords, also with digits around them and digits for letters.
            ("desk",   "password1234",        Some("most common")),
            ("desk",   "Password123!",        Some("most common")),
            ("desk",   "P@ssw0rd2026",        Some("most common")),
            ("desk",   "123456bismillah",     Some("most common")),
            ("desk",   "sayang123456",        Some("most common")),
            ("desk",   "Indonesia2026!",      Some("most common")),
            ("desk",   "rahasia-2026",        Some("most common")),
            ("desk",   "1q2w3e4r5t6y",        Some("most common")),
            ("desk",   "klinik!!2026",        Some("most common")),
        ];
        for (username, password, broken) in cases {
            let result = check_password_policy(username, password);
            match (broken, result) {
                (None, Ok(())) => {}
                (Some(rule), Err(crate::Error::Invalid(e))) => {
                    assert_eq!(e.field, "password");
                    assert!(e.message.contains(rule), "{password:?}: {}", e.message);
                    assert!(
                        password.is_empty() || !e.to_string().contains(password),
                        "the error echoes the password"
                    );
                }
                (expect, got) => {
                    panic!("{username}/{password:?}: expected {expect:?}, got {got:?}")
                }
            }
        }
    }
}
