//! Staff login and logout.

use super::error::{AppError, ErrorBody, ErrorCode};
use super::extract::{Caller, ClientAddress, Json};
use super::{AppState, blocking};
use crate::auth::{Address, Lock, LoginOutcome, Principal, Sessions};
use axum::extract::State;
use axum::http::StatusCode;
use medicloud_core::domain::{DeviceRole, StaffRole};
use medicloud_core::event::{Actor, AuditEntry};
use medicloud_core::i18n::Text;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// The session ends after this many seconds without a request.
    pub idle_timeout_seconds: u64,
    /// Who logged in.
    pub me: Me,
    /// Logged in with a temporary password (after a reset): the session may do nothing
    /// but choose a new password (`POST /api/v1/auth/password`) until it does.
    pub must_change_password: bool,
}

/// The caller, as the UI needs to know it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    /// A staff member.
    Staff {
        /// Login name.
        username: String,
        /// Role.
        role: StaffRole,
    },
    /// A device.
    Device {
        /// Device id.
        #[schema(value_type = String)]
        id: String,
        /// Role.
        role: DeviceRole,
    },
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Self {
        match p {
            Principal::Staff { username, role, .. } => Me::Staff {
                username: username.clone(),
                role: *role,
            },
            Principal::Device { id, role } => Me::Device {
                id: id.to_string(),
                role: *role,
            },
        }
    }
}

/// Log in with a username and password. Failed logins are throttled per username and
/// client address, and per address: after 5 failures of one username from one machine
/// within 15 minutes, that username is refused from that machine (`account_locked`)
/// for 15 minutes, while it still logs in from any other; after 20 failures from one
/// machine within 15 minutes, whatever the usernames, every login from it is refused
/// (`rate_limited`) for 15 minutes. A refusal answers 429 with `Retry-After` (seconds),
/// without checking the password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "`account_locked`: too many failed logins of this username from this machine; `rate_limited`: too many failed logins from this machine",
            headers(("Retry-After" = u64, description = "seconds until the lock is over")))))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    if req.username.chars().count() > 64 || req.password.chars().count() > 256 {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "Nama pengguna atau kata sandi terlalu panjang.",
                "username or password too long",
            ),
        ));
    }
    let (node, sessions) = (state.node.clone(), state.sessions.clone());
    let idle = sessions.idle.as_secs();
    let login = blocking(move || {
        let outcome = sessions.attempt(node.store(), &req.username, &req.password, address)?;
        for (actor, entry) in audit_entries(&outcome, req.username, address) {
            node.audit(actor, entry)?;
        }
        Ok(outcome)
    })
    .await?;
    match login {
        LoginOutcome::Ok(login) => {
            tracing::info!(principal = ?login.principal.actor(), "staff logged in");
            let must_change_password = matches!(
                login.principal,
                Principal::Staff {
                    must_change_password: true,
                    ..
                }
            );
            Ok(Json(LoginResponse {
                must_change_password,
                me: Me::from(&login.principal),
                token: login.token,
                idle_timeout_seconds: idle,
            }))
        }
        LoginOutcome::Refused(refused) => {
            tracing::warn!(address = %address_text(address), lock = ?refused.lock, "login refused: locked");
            Err(locked(refused.lock, refused.left))
        }
        LoginOutcome::NowLocked(locks) => {
            tracing::warn!(address = %address_text(address), ?locks, "locked after repeated failed logins");
            // The widest lock is the one to tell about.
            let (lock, left) = locks
                .iter()
                .copied()
                .find(|(lock, _)| *lock == Lock::Address)
                .or_else(|| locks.first().copied())
                .unwrap_or((Lock::Account, Sessions::LOCKOUT));
            Err(locked(lock, left))
        }
        LoginOutcome::Wrong => {
            tracing::info!(address = %address_text(address), "failed login");
            Err(AppError::code(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
            ))
        }
    }
}

/// An address as the audit trail and the admin see it.
fn address_text(address: Address) -> String {
    address.map_or_else(|| "unknown address".to_owned(), |ip| ip.to_string())
}

/// What a login attempt puts on the audit trail (never the password): a login, a
/// failure, each lock it set (`account_locked`, `address_locked`), or the first login
/// refused under a lock (`login_refused_locked`; later ones under the same lock are not
/// recorded, so hammering a lock cannot flood the trail). Locks and refusals name the
/// username and the address: `doctor from 10.0.0.7`.
fn audit_entries(
    outcome: &LoginOutcome,
    username: String,
    address: Address,
) -> Vec<(Actor, AuditEntry)> {
    let entry = |action: &str, subject: String, outcome: &str| AuditEntry {
        action: action.into(),
        patient: None,
        subject: Some(subject),
        outcome: outcome.into(),
    };
    let from = || format!("{username} from {}", address_text(address));
    match outcome {
        LoginOutcome::Ok(login) => vec![(login.principal.actor(), entry("login", username, "ok"))],
        LoginOutcome::Wrong => vec![(Actor::System, entry("login_failed", username, "failed"))],
        LoginOutcome::Refused(refused) if refused.first => vec![(
            Actor::System,
            entry("login_refused_locked", from(), "denied"),
        )],
        LoginOutcome::Refused(_) => Vec::new(),
        LoginOutcome::NowLocked(locks) => locks
            .iter()
            .map(|(lock, _)| {
                let action = match lock {
                    Lock::Account => "account_locked",
                    Lock::Address => "address_locked",
                };
                (Actor::System, entry(action, from(), "denied"))
            })
            .collect(),
    }
}

/// The 429 for a login refused by `lock` for `left` more.
fn locked(lock: Lock, left: Duration) -> AppError {
    let minutes = left.as_secs().div_ceil(60);
    let error = match lock {
        Lock::Account => AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::AccountLocked,
            Text::new(
                format!(
                    "Terlalu banyak gagal masuk untuk akun ini dari perangkat ini: akun dikunci di sini {minutes} menit lagi (perangkat lain tidak terpengaruh)."
                ),
                format!(
                    "too many failed logins of this account from this machine: it is locked here for {minutes} more minutes (other machines are not affected)"
                ),
            ),
        ),
        Lock::Address => AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            Text::new(
                format!(
                    "Terlalu banyak gagal masuk dari perangkat ini: login darinya ditolak {minutes} menit lagi."
                ),
                format!(
                    "too many failed logins from this machine: its logins are refused for {minutes} more minutes"
                ),
            ),
        ),
    };
    error.retry_after(left)
}

/// End this session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, Caller(_, token): Caller) -> StatusCode {
    state.sessions.logout(&token);
    StatusCode::NO_CONTENT
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(Caller(principal, _): Caller) -> Json<Me> {
    Json(Me::from(&principal))
}

/// Why emergency access is needed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// The reason, in a sentence (no patient data): it goes on the audit trail.
    pub reason: String,
}

/// Emergency access granted.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakGlassResponse {
    /// Patient records may be read for this many seconds with this session.
    pub seconds: u64,
}

/// Emergency (break-glass) access: for 15 minutes this session may read patient
/// records even if its role normally may not. Always on the audit trail, with the reason.
#[utoipa::path(post, path = "/api/v1/auth/break-glass", tag = "auth", security(("bearer" = [])),
    request_body = BreakGlassRequest,
    responses((status = 200, body = BreakGlassResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn break_glass(
    State(state): State<AppState>,
    Caller(principal, token): Caller,
    Json(req): Json<BreakGlassRequest>,
) -> Result<Json<BreakGlassResponse>, AppError> {
    if !matches!(principal, Principal::Staff { .. }) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            Text::new(
                "Hanya staf yang boleh meminta akses darurat.",
                "only staff members can ask for emergency access",
            ),
        ));
    }
    let reason = medicloud_core::validate::line("reason", &req.reason, 10..=200)
        .map_err(crate::error::Error::from)?;
    let (node, sessions) = (state.node.clone(), state.sessions.clone());
    let actor = principal.actor();
    blocking(move || {
        node.audit(
            actor,
            AuditEntry {
                action: "break_glass".into(),
                patient: None,
                subject: Some(reason),
                outcome: "ok".into(),
            },
        )?;
        // Granted only once it is on the trail.
        sessions.break_glass(&token);
        Ok(())
    })
    .await?;
    tracing::warn!(principal = ?actor, "break-glass access opened");
    Ok(Json(BreakGlassResponse {
        seconds: crate::auth::Sessions::BREAK_GLASS.as_secs(),
    }))
}
