//! Staff accounts after they are made (admin): edit, disable and enable, reset a
//! password, lift login locks; and everyone's own password change.

use super::error::{AppError, ErrorBody};
use super::extract::{Caller, Json, Path};
use super::{AppState, blocking};
use crate::auth::{Permission, Principal};
use crate::error::Error;
use crate::ops::{StaffChange, StaffView};
use axum::extract::State;
use axum::http::StatusCode;
use medicloud_core::event::AuditEntry;
use medicloud_core::ids::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Change an account's name, role or whether it may log in (admin). Disabling ends
/// its sessions at once; so does a change of role (it logs in again with the new one).
/// An admin cannot disable or demote their own account (`own_account`), and the clinic
/// keeps at least one active admin (`last_admin`).
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = UserId, Path, description = "account id")), request_body = StaffChange,
    responses((status = 200, body = StaffView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`own_account`: your own account; `last_admin`: no active admin would be left"),
        (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<UserId>,
    Json(change): Json<StaffChange>,
) -> Result<Json<StaffView>, AppError> {
    p.require(Permission::Administer)?;
    let node = s.node.clone();
    let before = blocking(move || node.staff_user(id)).await?;
    let node = s.node.clone();
    let user = blocking(move || node.update_staff(p.actor(), id, change)).await?;
    if before.is_some_and(|b| b.active != user.active || b.role != user.role) {
        s.sessions.end_sessions_of(id);
    }
    Ok(Json(user))
}

/// A temporary password, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    /// The account.
    pub user: StaffView,
    /// The temporary password to hand to its owner. The next login with it may only
    /// choose a new password.
    pub temporary_password: String,
}

/// Give another account a temporary password (admin): its sessions end, and the next login
/// with the temporary password may only choose a new one (`must_change_password`).
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "admin", security(("bearer" = [])),
    params(("id" = UserId, Path, description = "account id")),
    responses((status = 200, body = PasswordReset), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`own_account`: one's own password is changed, not reset")))]
pub async fn reset_password(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<UserId>,
) -> Result<Json<PasswordReset>, AppError> {
    p.require(Permission::Administer)?;
    let node = s.node.clone();
    let (user, temporary_password) = blocking(move || node.reset_password(p.actor(), id)).await?;
    s.sessions.end_sessions_of(id);
    tracing::info!(user = %user.id, "password reset");
    Ok(Json(PasswordReset {
        user,
        temporary_password,
    }))
}

/// How many login locks were lifted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unlocked {
    /// The account.
    pub user: StaffView,
    /// Locks lifted (one per machine the account was locked against).
    pub locks_lifted: usize,
}

/// Lift an account's login locks from every machine and forget its failed logins
/// (admin). On the audit trail as `login_unlocked`.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "admin", security(("bearer" = [])),
    params(("id" = UserId, Path, description = "account id")),
    responses((status = 200, body = Unlocked), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn unlock(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<UserId>,
) -> Result<Json<Unlocked>, AppError> {
    p.require(Permission::Administer)?;
    let node = s.node.clone();
    let user = blocking(move || node.staff_user(id))
        .await?
        .ok_or(Error::NotFound { what: "user" })?;
    let locks_lifted = s.sessions.unlock(&user.username);
    let (node, username) = (s.node.clone(), user.username.clone());
    blocking(move || {
        node.audit(
            p.actor(),
            AuditEntry {
                action: "login_unlocked".into(),
                patient: None,
                subject: Some(username),
                outcome: "ok".into(),
            },
        )
    })
    .await?;
    Ok(Json(Unlocked { user, locks_lifted }))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now (the temporary one after a reset).
    #[schema(max_length = 256)]
    pub current: String,
    /// The new password (at least 12 characters, following the password policy).
    #[schema(min_length = 12, max_length = 256)]
    pub new: String,
}

/// Choose a new password for one's own account (staff). After a reset this is the
/// only thing the session may do; once changed it may do what its role may, and the
/// account's other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody, description = "the account was disabled meanwhile"),
        (status = 403, body = ErrorBody, description = "`wrong_password`: the current password is wrong; `forbidden`: a device"),
        (status = 422, body = ErrorBody, description = "the new password does not follow the password policy")))]
pub async fn change_password(
    State(s): State<AppState>,
    Caller(p, token): Caller,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let Principal::Staff { id, .. } = p else {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            super::error::ErrorCode::Forbidden,
            medicloud_core::i18n::Text::new(
                "Hanya akun petugas yang memiliki kata sandi.",
                "only staff members have passwords",
            ),
        ));
    };
    if req.current.chars().count() > 256 || req.new.chars().count() > 256 {
        let field = if req.current.chars().count() > 256 {
            "current"
        } else {
            "new"
        };
        return Err(
            crate::error::Error::from(medicloud_core::validate::ValidationError::new(
                field,
                medicloud_core::validate::Rule::Length { min: 0, max: 256 },
            ))
            .into(),
        );
    }
    let node = s.node.clone();
    blocking(move || node.change_password(id, &req.current, &req.new)).await?;
    s.sessions.password_changed(&token, id);
    Ok(StatusCode::NO_CONTENT)
}
