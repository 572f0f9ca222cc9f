//! Staff login and logout.

use super::error::{AppError, ErrorBody, ErrorCode};
use super::extract::{Caller, Json};
use super::{AppState, blocking};
use crate::auth::{LoginOutcome, Principal};
use axum::extract::State;
use axum::http::StatusCode;
use medicloud_core::domain::{DeviceRole, StaffRole};
use medicloud_core::event::{Actor, AuditEntry};
use serde::{Deserialize, Serialize};
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

/// Log in with a username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    if req.username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "username or password too long",
        ));
    }
    let (node, sessions) = (state.node.clone(), state.sessions.clone());
    let idle = sessions.idle.as_secs();
    let login = blocking(move || {
        let outcome = sessions.attempt(node.store(), &req.username, &req.password)?;
        let (actor, action, result) = match &outcome {
            LoginOutcome::Ok(login) => (login.principal.actor(), "login", "ok"),
            LoginOutcome::Wrong => (Actor::System, "login_failed", "failed"),
            LoginOutcome::Locked(_) => (Actor::System, "login_refused_locked", "denied"),
            LoginOutcome::NowLocked(_) => (Actor::System, "account_locked", "denied"),
        };
        let entry = AuditEntry {
            action: action.into(),
            patient: None,
            subject: Some(req.username),
            outcome: result.into(),
        };
        node.audit(actor, entry)?;
        Ok(outcome)
    })
    .await?;
    let locked = |left: std::time::Duration| {
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::AccountLocked,
            format!(
                "too many failed logins: this account is locked for {} more minutes",
                left.as_secs().div_ceil(60)
            ),
        )
    };
    match login {
        LoginOutcome::Ok(login) => {
            tracing::info!(principal = ?login.principal.actor(), "staff logged in");
            Ok(Json(LoginResponse {
                me: Me::from(&login.principal),
                token: login.token,
                idle_timeout_seconds: idle,
            }))
        }
        LoginOutcome::Locked(left) => {
            tracing::warn!("login refused: account locked");
            Err(locked(left))
        }
        LoginOutcome::NowLocked(left) => {
            tracing::warn!("account locked after repeated failed logins");
            Err(locked(left))
        }
        LoginOutcome::Wrong => {
            tracing::info!("failed login");
            Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                "wrong username or password",
            ))
        }
    }
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
            "only staff members can ask for emergency access",
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
