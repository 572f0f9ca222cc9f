//! What an OpenID Connect login of the chain staff keeps between its steps, behind
//! [`OidcStorage`], on both engines: the pending login from `start` to `callback`, and
//! the one-time handoff code from `callback` to `complete` ([`crate::hq::oidc`]).
//!
//! Both live in the database, so the replica that takes a step need not be the one that
//! took the one before. Each is taken by one `DELETE … RETURNING`: of two requests with
//! one state or one code, one gets it and the other finds nothing. The state and the
//! code are kept as SHA-256 only.

use super::{Postgres, Result, Sqlite};
use rusqlite::{OptionalExtension, params};
use std::future::Future;

/// A login begun at `start`: what the callback needs to finish it.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingLogin {
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin").finish_non_exhaustive()
    }
}

/// OpenID Connect login storage, next to [`super::AccountStorage`].
pub trait OidcStorage: Send + Sync + 'static {
    /// Keeps a login begun now, forgetting those begun `ttl_ms` or longer ago.
    fn begin_oidc_login(
        &self,
        state_sha256: &str,
        login: PendingLogin,
        now_ms: i64,
        ttl_ms: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Takes (and so uses up) the login of `state_sha256`: `None` when it is unknown,
    /// taken already, or begun `ttl_ms` or longer ago.
    fn take_oidc_login(
        &self,
        state_sha256: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> impl Future<Output = Result<Option<PendingLogin>>> + Send;
    /// Keeps a handoff code for `username`, good until `expires_ms`, forgetting the
    /// expired ones.
    fn add_oidc_handoff(
        &self,
        code_sha256: &str,
        username: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Takes (and so uses up) a handoff code: whose it is, or `None` when it is unknown,
    /// taken already or expired.
    fn take_oidc_handoff(
        &self,
        code_sha256: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<String>>> + Send;
}

impl OidcStorage for Sqlite {
    async fn begin_oidc_login(
        &self,
        state_sha256: &str,
        login: PendingLogin,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<()> {
        let state = state_sha256.to_owned();
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM hq_oidc_logins WHERE created_ms <= ?1",
                [now_ms - ttl_ms],
            )?;
            conn.execute(
                "INSERT INTO hq_oidc_logins (state_sha256, nonce, verifier, created_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![state, login.nonce, login.verifier, now_ms],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_oidc_login(
        &self,
        state_sha256: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<PendingLogin>> {
        let state = state_sha256.to_owned();
        self.run(move |conn| {
            let taken = conn
                .query_row(
                    "DELETE FROM hq_oidc_logins WHERE state_sha256 = ?1
                     RETURNING nonce, verifier, created_ms",
                    [state],
                    |r| {
                        Ok((
                            PendingLogin {
                                nonce: r.get(0)?,
                                verifier: r.get(1)?,
                            },
                            r.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?;
            Ok(taken
                .filter(|(_, created)| *created > now_ms - ttl_ms)
                .map(|(login, _)| login))
        })
        .await
    }

    async fn add_oidc_handoff(
        &self,
        code_sha256: &str,
        username: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        let (code, username) = (code_sha256.to_owned(), username.to_owned());
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM hq_oidc_handoffs WHERE expires_ms <= ?1",
                [now_ms],
            )?;
            conn.execute(
                "INSERT INTO hq_oidc_handoffs (code_sha256, username, expires_ms) VALUES (?1, ?2, ?3)",
                params![code, username, expires_ms],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_oidc_handoff(&self, code_sha256: &str, now_ms: i64) -> Result<Option<String>> {
        let code = code_sha256.to_owned();
        self.run(move |conn| {
            let taken = conn
                .query_row(
                    "DELETE FROM hq_oidc_handoffs WHERE code_sha256 = ?1 RETURNING username, expires_ms",
                    [code],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?;
            Ok(taken
                .filter(|(_, expires)| *expires > now_ms)
                .map(|(username, _)| username))
        })
        .await
    }
}

impl OidcStorage for Postgres {
    async fn begin_oidc_login(
        &self,
        state_sha256: &str,
        login: PendingLogin,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM hq_oidc_logins WHERE created_ms <= $1",
                &[&(now_ms - ttl_ms)],
            )
            .await?;
        client
            .execute(
                "INSERT INTO hq_oidc_logins (state_sha256, nonce, verifier, created_ms)
                 VALUES ($1, $2, $3, $4)",
                &[&state_sha256, &login.nonce, &login.verifier, &now_ms],
            )
            .await?;
        Ok(())
    }

    async fn take_oidc_login(
        &self,
        state_sha256: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<PendingLogin>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "DELETE FROM hq_oidc_logins WHERE state_sha256 = $1
                 RETURNING nonce, verifier, created_ms",
                &[&state_sha256],
            )
            .await?;
        Ok(row
            .filter(|r| r.get::<_, i64>(2) > now_ms - ttl_ms)
            .map(|r| PendingLogin {
                nonce: r.get(0),
                verifier: r.get(1),
            }))
    }

    async fn add_oidc_handoff(
        &self,
        code_sha256: &str,
        username: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM hq_oidc_handoffs WHERE expires_ms <= $1",
                &[&now_ms],
            )
            .await?;
        client
            .execute(
                "INSERT INTO hq_oidc_handoffs (code_sha256, username, expires_ms) VALUES ($1, $2, $3)",
                &[&code_sha256, &username, &expires_ms],
            )
            .await?;
        Ok(())
    }

    async fn take_oidc_handoff(&self, code_sha256: &str, now_ms: i64) -> Result<Option<String>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "DELETE FROM hq_oidc_handoffs WHERE code_sha256 = $1 RETURNING username, expires_ms",
                &[&code_sha256],
            )
            .await?;
        Ok(row
            .filter(|r| r.get::<_, i64>(1) > now_ms)
            .map(|r| r.get(0)))
    }
}

impl OidcStorage for super::AnyStorage {
    async fn begin_oidc_login(
        &self,
        state_sha256: &str,
        login: PendingLogin,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<()> {
        both!(self, s => s.begin_oidc_login(state_sha256, login, now_ms, ttl_ms))
    }
    async fn take_oidc_login(
        &self,
        state_sha256: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<PendingLogin>> {
        both!(self, s => s.take_oidc_login(state_sha256, now_ms, ttl_ms))
    }
    async fn add_oidc_handoff(
        &self,
        code_sha256: &str,
        username: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        both!(self, s => s.add_oidc_handoff(code_sha256, username, expires_ms, now_ms))
    }
    async fn take_oidc_handoff(&self, code_sha256: &str, now_ms: i64) -> Result<Option<String>> {
        both!(self, s => s.take_oidc_handoff(code_sha256, now_ms))
    }
}
