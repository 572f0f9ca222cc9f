//! Logging in to `/hq`: passwords checked against the chain staff's accounts, access
//! tokens (JWT) and refresh tokens issued, rotated and revoked, and [`HqCaller`] taken
//! from the bearer token of every other request.
//!
//! Failed logins are counted in the database, so every replica sees them:
//! [`MAX_FAILURES`] failures of one username from one address within [`WINDOW`] refuse
//! that username *from that address* (429 `account_locked`, even for the right
//! password) until the window that began with the first failure is over; the same
//! username from any other address still logs in. [`MAX_ADDRESS_FAILURES`] failures from
//! one address, whatever the usernames, refuse every login from it (429
//! `rate_limited`). An attempt counts as a failure from the moment it is let through
//! until its password proves right, so guesses sent in parallel cannot slip past.

use super::keys::{ISSUER, Refused, VerifyError};
use super::{HqAction, HqCaller, HqError, HqRole, REFRESH_TTL};
use crate::api::{Body, State};
use crate::storage::accounts::{AccountStorage, Refresh};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::ids::ClinicId;
use medicloud_core::password::{DUMMY_HASH, verify_password};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::time::Duration;
use utoipa::ToSchema;

/// Failures of one username from one address within [`WINDOW`] before that username is
/// refused from that address.
pub const MAX_FAILURES: u32 = 5;
/// Failures from one address, across usernames, within [`WINDOW`] before every login
/// from it is refused.
pub const MAX_ADDRESS_FAILURES: u32 = 20;
/// How long failures count (from the first), and so how long a lock lasts at most.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `medicloud-hq`.
    pub iss: String,
    /// `medicloud-hq`.
    pub aud: String,
    /// The username.
    pub sub: String,
    /// The role.
    pub role: HqRole,
    /// The clinics on the account.
    pub clinics: Vec<ClinicId>,
    /// The refresh chain (one per login).
    pub sid: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

impl Claims {
    /// The claims of a token for `username` in `chain`, issued now and living `ttl`.
    pub fn new(
        username: &str,
        role: HqRole,
        clinics: Vec<ClinicId>,
        chain: &str,
        ttl: Duration,
    ) -> Self {
        let now = chrono::Utc::now().timestamp();
        Self {
            iss: ISSUER.into(),
            aud: ISSUER.into(),
            sub: username.into(),
            role,
            clinics,
            sid: chain.into(),
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        }
    }
}

/// A username and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The login name (compared in lower case).
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").finish_non_exhaustive()
    }
}

/// A refresh token presented.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last login or refresh.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest").finish_non_exhaustive()
    }
}

/// What a login or a refresh gives.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Tokens {
    /// The access token (JWT, `Authorization: Bearer …`).
    pub access_token: String,
    /// The refresh token: good for one refresh (`POST /hq/v1/auth/refresh`).
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The caller's own account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The login name.
    pub username: String,
    /// The role.
    pub role: HqRole,
    /// The clinics on the account (a `clinic_manager` sees these only).
    pub clinics: Vec<ClinicId>,
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unauthorized() -> HqError {
    HqError::code(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
}

/// The client's address as the failure counts key it.
fn address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string())
}

/// The address a request came from (the failure counts' key).
#[derive(Debug)]
pub struct ClientAddress(String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(address(parts)))
    }
}

impl FromRequestParts<State> for HqCaller {
    type Rejection = HqError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, HqError> {
        let query_token = || {
            // The live stream only: browsers' EventSource cannot send headers.
            (parts.uri.path() == "/hq/v1/events")
                .then(|| parts.uri.query())
                .flatten()?
                .split('&')
                .find_map(|pair| pair.strip_prefix("access_token="))
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .or_else(query_token)
            .ok_or_else(unauthorized)?;
        let claims: Claims = match state.hq.keys.verify(token).await {
            Ok(claims) => claims,
            Err(VerifyError::Refused(Refused::Expired)) => {
                return Err(HqError::code(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::TokenExpired,
                ));
            }
            Err(VerifyError::Refused(Refused::Invalid)) => return Err(unauthorized()),
            Err(VerifyError::Keys(e)) => return Err(e.into()),
        };
        if !state.storage.chain_live(&claims.sid).await? {
            return Err(HqError::code(
                StatusCode::UNAUTHORIZED,
                ErrorCode::SessionRevoked,
            ));
        }
        Ok(HqCaller {
            username: claims.sub,
            role: claims.role,
            clinics: claims.clinics,
            chain: claims.sid,
            expires_at: claims.exp,
        })
    }
}

/// A new refresh token: 32 random bytes, hex, prefixed so it is recognisable.
fn new_refresh_token() -> String {
    format!("mhr_{}", crate::api::secret())
}

async fn issue(
    state: &State,
    username: &str,
    role: HqRole,
    clinics: Vec<ClinicId>,
    chain: &str,
    refresh_token: String,
) -> Result<Json<Tokens>, HqError> {
    let ttl = state.hq.access_ttl;
    let claims = Claims::new(username, role, clinics, chain, ttl);
    Ok(Json(Tokens {
        access_token: state.hq.keys.sign(&claims).await?,
        refresh_token,
        expires_in: ttl.as_secs(),
    }))
}

fn refresh_expiry() -> i64 {
    super::now_ms() + i64::try_from(REFRESH_TTL.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Log in with a username and password: an access token (JWT), a refresh token, and
/// how long the access token lives. Failed logins are limited: 5 of one username from
/// one address within 15 minutes refuse that username from that address
/// (`account_locked`), 20 from one address whatever the usernames refuse every login
/// from it (`rate_limited`); both 429 with `Retry-After`, without checking the password.
#[utoipa::path(post, path = "/hq/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = Tokens),
        (status = 401, description = "`invalid_credentials`: a wrong username or password, or a disabled account", body = ErrorBody),
        (status = 429, description = "`account_locked`: too many failed logins of this username from this address; `rate_limited`: too many from this address",
            body = ErrorBody, headers(("Retry-After" = u64, description = "seconds until the lock is over"))),
    ))]
pub(crate) async fn login(
    axum::extract::State(state): axum::extract::State<State>,
    ClientAddress(address): ClientAddress,
    Body(req): Body<LoginRequest>,
) -> Result<Json<Tokens>, HqError> {
    if req.username.chars().count() > 64 || req.password.chars().count() > 256 {
        return Err(HqError::code(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ));
    }
    let username = req.username.trim().to_lowercase();
    let now = super::now_ms();
    let window = i64::try_from(WINDOW.as_millis()).unwrap_or(i64::MAX);
    let failures = state
        .storage
        .login_begin(&username, &address, now, window)
        .await?;
    let left = |since: i64| Duration::from_millis((since + window - now).max(1000) as u64);
    if failures.address.0 > MAX_ADDRESS_FAILURES {
        tracing::warn!(%address, "hq login refused: too many failures from this address");
        return Err(
            HqError::code(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
                .retry_after(left(failures.address.1)),
        );
    }
    if failures.pair.0 > MAX_FAILURES {
        tracing::warn!(%address, "hq login refused: username locked from this address");
        return Err(
            HqError::code(StatusCode::TOO_MANY_REQUESTS, ErrorCode::AccountLocked)
                .retry_after(left(failures.pair.1)),
        );
    }
    let account = state.storage.account(&username).await?;
    let password = req.password;
    let hash = account
        .as_ref()
        .filter(|a| !a.disabled)
        .map_or(DUMMY_HASH.to_owned(), |a| a.password_hash.clone());
    // argon2 takes tens of milliseconds of one core: off the async workers. An unknown
    // username costs the same as a known one, so timing does not tell them apart.
    let right = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    let Some(account) = account.filter(|a| right && !a.disabled) else {
        tracing::info!(%address, "hq login failed");
        return Err(HqError::code(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
        ));
    };
    state.storage.login_succeeded(&username, &address).await?;
    let chain = uuid::Uuid::new_v4().to_string();
    let refresh_token = new_refresh_token();
    state
        .storage
        .start_chain(
            &chain,
            &username,
            &sha256_hex(&refresh_token),
            refresh_expiry(),
            now,
        )
        .await?;
    tracing::info!(username = %account.username, role = %account.role, "hq login");
    issue(
        &state,
        &account.username,
        account.role,
        account.clinics,
        &chain,
        refresh_token,
    )
    .await
}

/// Trade a refresh token for a new access token and a new refresh token (the one given
/// is used up). A refresh token presented a second time revokes its whole chain: every
/// access and refresh token of that login is refused from then on.
#[utoipa::path(post, path = "/hq/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = Tokens),
        (status = 401, description = "`unauthorized`: an unknown or expired refresh token, or one of a revoked chain; `session_revoked`: it was used before, and its chain is revoked now", body = ErrorBody),
    ))]
pub(crate) async fn refresh(
    axum::extract::State(state): axum::extract::State<State>,
    Body(req): Body<RefreshRequest>,
) -> Result<Json<Tokens>, HqError> {
    let next = new_refresh_token();
    let outcome = state
        .storage
        .rotate_refresh(
            &sha256_hex(&req.refresh_token),
            &sha256_hex(&next),
            refresh_expiry(),
            super::now_ms(),
        )
        .await?;
    match outcome {
        Refresh::Rotated { chain, username } => {
            // The role and clinics as they are now: a changed account shows at the next refresh.
            let account = state
                .storage
                .account(&username)
                .await?
                .ok_or_else(unauthorized)?;
            issue(
                &state,
                &username,
                account.role,
                account.clinics,
                &chain,
                next,
            )
            .await
        }
        Refresh::Reused => {
            tracing::warn!("a used refresh token was presented again: its chain is revoked");
            Err(HqError::code(
                StatusCode::UNAUTHORIZED,
                ErrorCode::SessionRevoked,
            ))
        }
        Refresh::Refused => Err(unauthorized()),
    }
}

/// Log out: the login's refresh chain is revoked, and with it every access token and
/// refresh token it gave.
#[utoipa::path(post, path = "/hq/v1/auth/logout", tag = "auth", security(("hq_access_token" = [])),
    responses(
        (status = 204, description = "logged out"),
        (status = 401, description = "`unauthorized`, `token_expired`, `session_revoked`", body = ErrorBody),
    ))]
pub(crate) async fn logout(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
) -> Result<StatusCode, HqError> {
    caller.require(HqAction::OwnAccount, None)?;
    state
        .storage
        .revoke_chain(&caller.chain, super::now_ms())
        .await?;
    tracing::info!(username = %caller.username, "hq logout");
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own account: username, role and clinics.
#[utoipa::path(get, path = "/hq/v1/me", tag = "auth", security(("hq_access_token" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "`unauthorized`: no token, or one not signed by this chain's keys; `token_expired`: refresh it; `session_revoked`: logged out or revoked", body = ErrorBody),
    ))]
pub(crate) async fn me(caller: HqCaller) -> Result<Json<Me>, HqError> {
    caller.require(HqAction::OwnAccount, None)?;
    Ok(Json(Me {
        username: caller.username,
        role: caller.role,
        clinics: caller.clinics,
    }))
}
