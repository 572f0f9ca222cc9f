//! Where the chain's staff accounts live, with what their logins need: the JWT signing
//! keys, the refresh-token chains and the failed-login counts — behind
//! [`AccountStorage`], on both engines, apart from the clinics' events.
//!
//! Everything here is in the database, nothing in the process, so every cloud replica
//! on one database shares the accounts, the key set, each chain's revocation and each
//! username's failed logins. A refresh token is used up by one atomic statement: of two
//! refreshes with one token, one rotates it and the other finds it used (and revokes the
//! chain).

use super::{Postgres, Result, Sqlite, StorageError};
use crate::hq::permission::HqRole;
use medicloud_core::ids::ClinicId;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::future::Future;

/// A chain staff account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The login name (lower case).
    pub username: String,
    /// Its argon2id hash.
    pub password_hash: String,
    /// Its role.
    pub role: HqRole,
    /// The clinics a `clinic_manager` manages (none for the other roles).
    pub clinics: Vec<ClinicId>,
    /// A disabled account cannot log in, and its chains' tokens are refused.
    pub disabled: bool,
    /// When it was made, ms since the epoch.
    pub created_ms: i64,
}

/// What adding an account came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddAccount {
    /// Added.
    Added,
    /// The username is taken.
    UsernameTaken,
    /// A clinic listed on the account does not exist; nothing was added.
    UnknownClinic(ClinicId),
}

/// A JWT signing key as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRow {
    /// Its key id (the `kid` of the tokens it signs).
    pub kid: String,
    /// The Ed25519 public key (32 bytes).
    pub public_key: Vec<u8>,
    /// The private key (PKCS#8), sealed when `sealed`.
    pub private_key: Vec<u8>,
    /// Whether `private_key` is sealed with the cloud's key secret.
    pub sealed: bool,
    /// When it was made, ms since the epoch: the newest key not retired signs.
    pub created_ms: i64,
    /// When it was retired: its tokens are refused from then on.
    pub retired_ms: Option<i64>,
}

impl std::fmt::Debug for SigningKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRow")
            .field("kid", &self.kid)
            .field("sealed", &self.sealed)
            .field("created_ms", &self.created_ms)
            .field("retired_ms", &self.retired_ms)
            .finish_non_exhaustive()
    }
}

/// What presenting a refresh token came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// It was good: it is used up and the new one stored in its chain.
    Rotated {
        /// The chain.
        chain: String,
        /// Whose it is.
        username: String,
    },
    /// It had been used before: the whole chain is revoked now.
    Reused,
    /// Unknown, expired, of a revoked chain or of a disabled account.
    Refused,
}

/// The failed logins counted so far, this attempt included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    /// Of this username from this address, and since when (ms).
    pub pair: (u32, i64),
    /// From this address, whatever the username, and since when (ms).
    pub address: (u32, i64),
}

/// Account storage, next to [`super::Storage`].
pub trait AccountStorage: Send + Sync + 'static {
    /// Adds an account with its clinics, in one transaction.
    fn add_account(&self, account: Account) -> impl Future<Output = Result<AddAccount>> + Send;
    /// The account of `username` (lower case).
    fn account(&self, username: &str) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// Every signing key, retired ones too, oldest first.
    fn signing_keys(&self) -> impl Future<Output = Result<Vec<SigningKeyRow>>> + Send;
    /// Stores a new signing key.
    fn add_signing_key(&self, key: SigningKeyRow) -> impl Future<Output = Result<()>> + Send;
    /// Retires a key; `false` when there is no such key not retired yet.
    fn retire_signing_key(
        &self,
        kid: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Starts a chain for `username` with its first refresh token.
    fn start_chain(
        &self,
        chain: &str,
        username: &str,
        token_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Uses up the refresh token `old_sha256` and stores `new_sha256` in its chain; a
    /// token used before revokes its chain.
    fn rotate_refresh(
        &self,
        old_sha256: &str,
        new_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<Refresh>> + Send;
    /// Revokes a chain (a logout); `false` when it was revoked already or is unknown.
    fn revoke_chain(&self, chain: &str, now_ms: i64) -> impl Future<Output = Result<bool>> + Send;
    /// Whether the chain is known, not revoked, and its account not disabled: asked on
    /// every request with an access token (a primary-key lookup).
    fn chain_live(&self, chain: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Counts a login of `username` from `address` as failed from now on (until
    /// [`AccountStorage::login_succeeded`]), forgetting counts begun `window_ms` or longer
    /// ago; the counts, this one included.
    fn login_begin(
        &self,
        username: &str,
        address: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> impl Future<Output = Result<Failures>> + Send;
    /// The password was right: the pair's failures are forgotten and the attempt no
    /// longer counts against the address.
    fn login_succeeded(
        &self,
        username: &str,
        address: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}

fn role(text: &str) -> Result<HqRole> {
    HqRole::parse(text).ok_or_else(|| StorageError::Corrupt(format!("role {text:?}")))
}

fn clinic(text: &str) -> Result<ClinicId> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("clinic id {text:?}")))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

const PAIR_UPSERT_SQLITE: &str = "INSERT INTO hq_login_failures (username, address, failures, first_ms) VALUES (?1, ?2, 1, ?3)
    ON CONFLICT (username, address) DO UPDATE SET
        failures = CASE WHEN hq_login_failures.first_ms <= ?3 - ?4 THEN 1 ELSE hq_login_failures.failures + 1 END,
        first_ms = CASE WHEN hq_login_failures.first_ms <= ?3 - ?4 THEN ?3 ELSE hq_login_failures.first_ms END
    RETURNING failures, first_ms";

const PAIR_UPSERT_POSTGRES: &str = "INSERT INTO hq_login_failures (username, address, failures, first_ms) VALUES ($1, $2, 1, $3)
    ON CONFLICT (username, address) DO UPDATE SET
        failures = CASE WHEN hq_login_failures.first_ms <= $3 - $4 THEN 1 ELSE hq_login_failures.failures + 1 END,
        first_ms = CASE WHEN hq_login_failures.first_ms <= $3 - $4 THEN $3 ELSE hq_login_failures.first_ms END
    RETURNING failures, first_ms";

impl AccountStorage for Sqlite {
    async fn add_account(&self, account: Account) -> Result<AddAccount> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for id in &account.clinics {
                let known = tx
                    .query_row(
                        "SELECT 1 FROM clinics WHERE id = ?1",
                        [id.to_string()],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                if !known {
                    return Ok(AddAccount::UnknownClinic(*id));
                }
            }
            let added = tx.execute(
                "INSERT INTO hq_accounts (username, password_hash, role, disabled, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (username) DO NOTHING",
                params![
                    account.username,
                    account.password_hash,
                    account.role.as_str(),
                    account.disabled,
                    account.created_ms
                ],
            )?;
            if added == 0 {
                return Ok(AddAccount::UsernameTaken);
            }
            for id in &account.clinics {
                tx.execute(
                    "INSERT INTO hq_account_clinics (username, clinic) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING",
                    params![account.username, id.to_string()],
                )?;
            }
            tx.commit()?;
            Ok(AddAccount::Added)
        })
        .await
    }

    async fn account(&self, username: &str) -> Result<Option<Account>> {
        let username = username.to_owned();
        self.run(move |conn| {
            let Some((password_hash, role_text, disabled, created_ms)) = conn
                .query_row(
                    "SELECT password_hash, role, disabled, created_ms FROM hq_accounts WHERE username = ?1",
                    [&username],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?
            else {
                return Ok(None);
            };
            let mut stmt = conn.prepare(
                "SELECT clinic FROM hq_account_clinics WHERE username = ?1 ORDER BY clinic",
            )?;
            let clinics = stmt
                .query_map([&username], |r| r.get::<_, String>(0))?
                .map(|c| clinic(&c?))
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(Account {
                username,
                password_hash,
                role: role(&role_text)?,
                clinics,
                disabled,
                created_ms,
            }))
        })
        .await
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRow>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT kid, public_key, private_key, sealed, created_ms, retired_ms
                 FROM hq_signing_keys ORDER BY created_ms, kid",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(SigningKeyRow {
                        kid: r.get(0)?,
                        public_key: r.get(1)?,
                        private_key: r.get(2)?,
                        sealed: r.get(3)?,
                        created_ms: r.get(4)?,
                        retired_ms: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn add_signing_key(&self, key: SigningKeyRow) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO hq_signing_keys (kid, public_key, private_key, sealed, created_ms, retired_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    key.kid,
                    key.public_key,
                    key.private_key,
                    key.sealed,
                    key.created_ms,
                    key.retired_ms
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn retire_signing_key(&self, kid: &str, now_ms: i64) -> Result<bool> {
        let kid = kid.to_owned();
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE hq_signing_keys SET retired_ms = ?2 WHERE kid = ?1 AND retired_ms IS NULL",
                params![kid, now_ms],
            )? == 1)
        })
        .await
    }

    async fn start_chain(
        &self,
        chain: &str,
        username: &str,
        token_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        let (chain, username, token) = (
            chain.to_owned(),
            username.to_owned(),
            token_sha256.to_owned(),
        );
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO hq_refresh_chains (id, username, created_ms) VALUES (?1, ?2, ?3)",
                params![chain, username, now_ms],
            )?;
            tx.execute(
                "INSERT INTO hq_refresh_tokens (token_sha256, chain, expires_ms) VALUES (?1, ?2, ?3)",
                params![token, chain, expires_ms],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn rotate_refresh(
        &self,
        old_sha256: &str,
        new_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<Refresh> {
        let (old, new) = (old_sha256.to_owned(), new_sha256.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some((chain, token_expires, used, revoked, username, disabled)) = tx
                .query_row(
                    "SELECT t.chain, t.expires_ms, t.used_ms IS NOT NULL, c.revoked_ms IS NOT NULL,
                            c.username, a.disabled
                     FROM hq_refresh_tokens t
                     JOIN hq_refresh_chains c ON c.id = t.chain
                     JOIN hq_accounts a ON a.username = c.username
                     WHERE t.token_sha256 = ?1",
                    [&old],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, bool>(2)?,
                            r.get::<_, bool>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, bool>(5)?,
                        ))
                    },
                )
                .optional()?
            else {
                return Ok(Refresh::Refused);
            };
            if used {
                tx.execute(
                    "UPDATE hq_refresh_chains SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                    params![chain, now_ms],
                )?;
                tx.commit()?;
                return Ok(Refresh::Reused);
            }
            if revoked || disabled || token_expires <= now_ms {
                return Ok(Refresh::Refused);
            }
            tx.execute(
                "UPDATE hq_refresh_tokens SET used_ms = ?2 WHERE token_sha256 = ?1",
                params![old, now_ms],
            )?;
            tx.execute(
                "INSERT INTO hq_refresh_tokens (token_sha256, chain, expires_ms) VALUES (?1, ?2, ?3)",
                params![new, chain, expires_ms],
            )?;
            tx.commit()?;
            Ok(Refresh::Rotated { chain, username })
        })
        .await
    }

    async fn revoke_chain(&self, chain: &str, now_ms: i64) -> Result<bool> {
        let chain = chain.to_owned();
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE hq_refresh_chains SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                params![chain, now_ms],
            )? == 1)
        })
        .await
    }

    async fn chain_live(&self, chain: &str) -> Result<bool> {
        let chain = chain.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM hq_refresh_chains c JOIN hq_accounts a ON a.username = c.username
                     WHERE c.id = ?1 AND c.revoked_ms IS NULL AND a.disabled = 0",
                    [chain],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        })
        .await
    }

    async fn login_begin(
        &self,
        username: &str,
        address: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Failures> {
        let (username, address) = (username.to_owned(), address.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM hq_login_failures WHERE first_ms <= ?1",
                [now_ms - window_ms],
            )?;
            let upsert = |name: &str| {
                tx.query_row(
                    PAIR_UPSERT_SQLITE,
                    params![name, address, now_ms, window_ms],
                    |r| Ok((count(r.get(0)?), r.get::<_, i64>(1)?)),
                )
            };
            let pair = upsert(&username)?;
            let from = upsert("")?;
            tx.commit()?;
            Ok(Failures {
                pair,
                address: from,
            })
        })
        .await
    }

    async fn login_succeeded(&self, username: &str, address: &str) -> Result<()> {
        let (username, address) = (username.to_owned(), address.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM hq_login_failures WHERE username = ?1 AND address = ?2",
                params![username, address],
            )?;
            tx.execute(
                "UPDATE hq_login_failures SET failures = failures - 1
                 WHERE username = '' AND address = ?1 AND failures > 0",
                [&address],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

impl AccountStorage for Postgres {
    async fn add_account(&self, account: Account) -> Result<AddAccount> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for id in &account.clinics {
            if tx
                .query_opt("SELECT 1 FROM clinics WHERE id = $1", &[&id.to_string()])
                .await?
                .is_none()
            {
                return Ok(AddAccount::UnknownClinic(*id));
            }
        }
        let added = tx
            .execute(
                "INSERT INTO hq_accounts (username, password_hash, role, disabled, created_ms)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING",
                &[
                    &account.username,
                    &account.password_hash,
                    &account.role.as_str(),
                    &account.disabled,
                    &account.created_ms,
                ],
            )
            .await?;
        if added == 0 {
            return Ok(AddAccount::UsernameTaken);
        }
        for id in &account.clinics {
            tx.execute(
                "INSERT INTO hq_account_clinics (username, clinic) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&account.username, &id.to_string()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(AddAccount::Added)
    }

    async fn account(&self, username: &str) -> Result<Option<Account>> {
        let client = self.client().await?;
        let Some(row) = client
            .query_opt(
                "SELECT password_hash, role, disabled, created_ms FROM hq_accounts WHERE username = $1",
                &[&username],
            )
            .await?
        else {
            return Ok(None);
        };
        let clinics = client
            .query(
                "SELECT clinic FROM hq_account_clinics WHERE username = $1 ORDER BY clinic",
                &[&username],
            )
            .await?
            .iter()
            .map(|r| clinic(r.get::<_, &str>(0)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Account {
            username: username.to_owned(),
            password_hash: row.get(0),
            role: role(row.get::<_, &str>(1))?,
            clinics,
            disabled: row.get(2),
            created_ms: row.get(3),
        }))
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRow>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT kid, public_key, private_key, sealed, created_ms, retired_ms
                 FROM hq_signing_keys ORDER BY created_ms, kid",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| SigningKeyRow {
                kid: r.get(0),
                public_key: r.get(1),
                private_key: r.get(2),
                sealed: r.get(3),
                created_ms: r.get(4),
                retired_ms: r.get(5),
            })
            .collect())
    }

    async fn add_signing_key(&self, key: SigningKeyRow) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO hq_signing_keys (kid, public_key, private_key, sealed, created_ms, retired_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &key.kid,
                    &key.public_key,
                    &key.private_key,
                    &key.sealed,
                    &key.created_ms,
                    &key.retired_ms,
                ],
            )
            .await?;
        Ok(())
    }

    async fn retire_signing_key(&self, kid: &str, now_ms: i64) -> Result<bool> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE hq_signing_keys SET retired_ms = $2 WHERE kid = $1 AND retired_ms IS NULL",
                &[&kid, &now_ms],
            )
            .await?
            == 1)
    }

    async fn start_chain(
        &self,
        chain: &str,
        username: &str,
        token_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO hq_refresh_chains (id, username, created_ms) VALUES ($1, $2, $3)",
            &[&chain, &username, &now_ms],
        )
        .await?;
        tx.execute(
            "INSERT INTO hq_refresh_tokens (token_sha256, chain, expires_ms) VALUES ($1, $2, $3)",
            &[&token_sha256, &chain, &expires_ms],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn rotate_refresh(
        &self,
        old_sha256: &str,
        new_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<Refresh> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The token is used up by this one statement: of two refreshes with one token,
        // the second finds it used.
        let used_now = tx
            .query_opt(
                "UPDATE hq_refresh_tokens SET used_ms = $2
                 WHERE token_sha256 = $1 AND used_ms IS NULL RETURNING chain, expires_ms",
                &[&old_sha256, &now_ms],
            )
            .await?;
        let Some(row) = used_now else {
            let known = tx
                .query_opt(
                    "SELECT chain FROM hq_refresh_tokens WHERE token_sha256 = $1",
                    &[&old_sha256],
                )
                .await?;
            let Some(known) = known else {
                return Ok(Refresh::Refused);
            };
            let chain: String = known.get(0);
            tx.execute(
                "UPDATE hq_refresh_chains SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL",
                &[&chain, &now_ms],
            )
            .await?;
            tx.commit().await?;
            return Ok(Refresh::Reused);
        };
        let chain: String = row.get(0);
        let token_expires: i64 = row.get(1);
        let live = tx
            .query_opt(
                "SELECT c.username FROM hq_refresh_chains c JOIN hq_accounts a ON a.username = c.username
                 WHERE c.id = $1 AND c.revoked_ms IS NULL AND NOT a.disabled",
                &[&chain],
            )
            .await?;
        let Some(live) = live.filter(|_| token_expires > now_ms) else {
            // Dropping the transaction rolls the use back: nothing changed.
            return Ok(Refresh::Refused);
        };
        tx.execute(
            "INSERT INTO hq_refresh_tokens (token_sha256, chain, expires_ms) VALUES ($1, $2, $3)",
            &[&new_sha256, &chain, &expires_ms],
        )
        .await?;
        tx.commit().await?;
        Ok(Refresh::Rotated {
            chain,
            username: live.get(0),
        })
    }

    async fn revoke_chain(&self, chain: &str, now_ms: i64) -> Result<bool> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE hq_refresh_chains SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL",
                &[&chain, &now_ms],
            )
            .await?
            == 1)
    }

    async fn chain_live(&self, chain: &str) -> Result<bool> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT 1 FROM hq_refresh_chains c JOIN hq_accounts a ON a.username = c.username
                 WHERE c.id = $1 AND c.revoked_ms IS NULL AND NOT a.disabled",
                &[&chain],
            )
            .await?
            .is_some())
    }

    async fn login_begin(
        &self,
        username: &str,
        address: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Failures> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM hq_login_failures WHERE first_ms <= $1",
                &[&(now_ms - window_ms)],
            )
            .await?;
        let upsert = async |name: &str| -> Result<(u32, i64)> {
            let row = client
                .query_one(
                    PAIR_UPSERT_POSTGRES,
                    &[&name, &address, &now_ms, &window_ms],
                )
                .await?;
            Ok((count(i64::from(row.get::<_, i32>(0))), row.get(1)))
        };
        let pair = upsert(username).await?;
        let from = upsert("").await?;
        Ok(Failures {
            pair,
            address: from,
        })
    }

    async fn login_succeeded(&self, username: &str, address: &str) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM hq_login_failures WHERE username = $1 AND address = $2",
                &[&username, &address],
            )
            .await?;
        client
            .execute(
                "UPDATE hq_login_failures SET failures = failures - 1
                 WHERE username = '' AND address = $1 AND failures > 0",
                &[&address],
            )
            .await?;
        Ok(())
    }
}

impl AccountStorage for super::AnyStorage {
    async fn add_account(&self, account: Account) -> Result<AddAccount> {
        both!(self, s => s.add_account(account))
    }
    async fn account(&self, username: &str) -> Result<Option<Account>> {
        both!(self, s => s.account(username))
    }
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRow>> {
        both!(self, s => s.signing_keys())
    }
    async fn add_signing_key(&self, key: SigningKeyRow) -> Result<()> {
        both!(self, s => s.add_signing_key(key))
    }
    async fn retire_signing_key(&self, kid: &str, now_ms: i64) -> Result<bool> {
        both!(self, s => s.retire_signing_key(kid, now_ms))
    }
    async fn start_chain(
        &self,
        chain: &str,
        username: &str,
        token_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        both!(self, s => s.start_chain(chain, username, token_sha256, expires_ms, now_ms))
    }
    async fn rotate_refresh(
        &self,
        old_sha256: &str,
        new_sha256: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<Refresh> {
        both!(self, s => s.rotate_refresh(old_sha256, new_sha256, expires_ms, now_ms))
    }
    async fn revoke_chain(&self, chain: &str, now_ms: i64) -> Result<bool> {
        both!(self, s => s.revoke_chain(chain, now_ms))
    }
    async fn chain_live(&self, chain: &str) -> Result<bool> {
        both!(self, s => s.chain_live(chain))
    }
    async fn login_begin(
        &self,
        username: &str,
        address: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Failures> {
        both!(self, s => s.login_begin(username, address, now_ms, window_ms))
    }
    async fn login_succeeded(&self, username: &str, address: &str) -> Result<()> {
        both!(self, s => s.login_succeeded(username, address))
    }
}
