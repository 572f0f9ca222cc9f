//! The chain's API clients (OAuth 2.0 client credentials for `/fhir/r4`), behind
//! [`ApiClientStorage`] on both engines: each client's clinics and scopes, its secret
//! as SHA-256 only or its public keys, the signed assertions already taken (each once),
//! and the trail of its reads of patient data (resource types and ids, never content).

use super::{Postgres, Result, Sqlite, StorageError};
use medicloud_core::ids::ClinicId;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::future::Future;

/// An API client as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiClient {
    /// Its client id (`mca_…`).
    pub id: String,
    /// A name for people (`RS Harapan EHR`), unique.
    pub name: String,
    /// SHA-256 of its secret (hex), when it authenticates with one.
    pub secret_sha256: Option<String>,
    /// Its public keys (a JWKS document), when it signs assertions.
    pub jwks: Option<String>,
    /// The system scopes granted, space-separated.
    pub scopes: String,
    /// The clinics it may reach.
    pub clinics: Vec<ClinicId>,
    /// A disabled client gets no token, and its tokens are refused.
    pub disabled: bool,
    /// When it was made, ms since the epoch.
    pub created_ms: i64,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("clinics", &self.clinics)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// What adding a client came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddClient {
    /// Added.
    Added,
    /// Another client has that name.
    NameTaken,
    /// A clinic named does not exist; nothing was added.
    UnknownClinic(ClinicId),
}

/// One read of patient data by a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRead {
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// The client's id.
    pub client: String,
    /// The clinic whose data it read.
    pub clinic: ClinicId,
    /// The resource type (`Patient`, `Appointment`, `Encounter`).
    pub resource: String,
    /// The ids read, space-separated.
    pub ids: String,
}

/// API client storage, next to [`super::Storage`].
pub trait ApiClientStorage: Send + Sync + 'static {
    /// Adds a client with its clinics, in one transaction.
    fn add_api_client(&self, client: ApiClient) -> impl Future<Output = Result<AddClient>> + Send;
    /// The client of `id`.
    fn api_client(&self, id: &str) -> impl Future<Output = Result<Option<ApiClient>>> + Send;
    /// Every client, by name.
    fn api_clients(&self) -> impl Future<Output = Result<Vec<ApiClient>>> + Send;
    /// Disables a client; `false` when there is none enabled of that id.
    fn disable_api_client(&self, id: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Whether the client exists and is not disabled: asked on every FHIR request (a
    /// primary-key lookup).
    fn api_client_live(&self, id: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Takes the assertion `jti` of `client` once: `false` when it was taken before.
    /// Assertions expired at `now_ms` are forgotten.
    fn take_assertion(
        &self,
        client: &str,
        jti: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Puts reads on the trail.
    fn record_api_reads(&self, reads: Vec<ApiRead>) -> impl Future<Output = Result<()>> + Send;
    /// The newest `limit` reads of `clinics` (every clinic when `None`), newest first.
    fn api_reads(
        &self,
        clinics: Option<Vec<ClinicId>>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ApiRead>>> + Send;
}

fn clinic(text: &str) -> Result<ClinicId> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("clinic id {text:?}")))
}

const CLIENT_COLUMNS: &str = "id, name, secret_sha256, jwks, scopes, disabled, created_ms";

type ClientRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    bool,
    i64,
);

fn client_of(row: ClientRow, clinics: Vec<ClinicId>) -> ApiClient {
    let (id, name, secret_sha256, jwks, scopes, disabled, created_ms) = row;
    ApiClient {
        id,
        name,
        secret_sha256,
        jwks,
        scopes,
        clinics,
        disabled,
        created_ms,
    }
}

fn sqlite_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClientRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn sqlite_clinics(conn: &rusqlite::Connection, id: &str) -> Result<Vec<ClinicId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT clinic FROM api_client_clinics WHERE client = ?1 ORDER BY clinic",
    )?;
    stmt.query_map([id], |r| r.get::<_, String>(0))?
        .map(|c| clinic(&c?))
        .collect()
}

fn postgres_row(r: &tokio_postgres::Row) -> ClientRow {
    (
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
    )
}

async fn postgres_clinics(client: &tokio_postgres::Client, id: &str) -> Result<Vec<ClinicId>> {
    client
        .query(
            "SELECT clinic FROM api_client_clinics WHERE client = $1 ORDER BY clinic",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| clinic(r.get(0)))
        .collect()
}

fn read_of(
    at_ms: i64,
    client: String,
    clinic_text: &str,
    resource: String,
    ids: String,
) -> Result<ApiRead> {
    Ok(ApiRead {
        at_ms,
        client,
        clinic: clinic(clinic_text)?,
        resource,
        ids,
    })
}

impl ApiClientStorage for Sqlite {
    async fn add_api_client(&self, client: ApiClient) -> Result<AddClient> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for id in &client.clinics {
                let known = tx
                    .query_row("SELECT 1 FROM clinics WHERE id = ?1", [id.to_string()], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !known {
                    return Ok(AddClient::UnknownClinic(*id));
                }
            }
            let added = tx.execute(
                "INSERT INTO api_clients (id, name, secret_sha256, jwks, scopes, disabled, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                params![
                    client.id,
                    client.name,
                    client.secret_sha256,
                    client.jwks,
                    client.scopes,
                    client.disabled,
                    client.created_ms
                ],
            )?;
            if added == 0 {
                return Ok(AddClient::NameTaken);
            }
            for id in &client.clinics {
                tx.execute(
                    "INSERT INTO api_client_clinics (client, clinic) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![client.id, id.to_string()],
                )?;
            }
            tx.commit()?;
            Ok(AddClient::Added)
        })
        .await
    }

    async fn api_client(&self, id: &str) -> Result<Option<ApiClient>> {
        let id = id.to_owned();
        self.run(move |conn| {
            let row = conn
                .query_row(
                    &format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = ?1"),
                    [&id],
                    sqlite_row,
                )
                .optional()?;
            row.map(|row| Ok(client_of(row, sqlite_clinics(conn, &id)?)))
                .transpose()
        })
        .await
    }

    async fn api_clients(&self) -> Result<Vec<ApiClient>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {CLIENT_COLUMNS} FROM api_clients ORDER BY name"
            ))?;
            let rows = stmt
                .query_map([], sqlite_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|row| {
                    let clinics = sqlite_clinics(conn, &row.0)?;
                    Ok(client_of(row, clinics))
                })
                .collect()
        })
        .await
    }

    async fn disable_api_client(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE api_clients SET disabled = 1 WHERE id = ?1 AND NOT disabled",
                [&id],
            )? == 1)
        })
        .await
    }

    async fn api_client_live(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached("SELECT 1 FROM api_clients WHERE id = ?1 AND NOT disabled")?
                .query_row([&id], |_| Ok(()))
                .optional()?
                .is_some())
        })
        .await
    }

    async fn take_assertion(
        &self,
        client: &str,
        jti: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let (client, jti) = (client.to_owned(), jti.to_owned());
        self.run(move |conn| {
            conn.execute("DELETE FROM api_assertions WHERE expires_ms < ?1", [now_ms])?;
            Ok(conn.execute(
                "INSERT INTO api_assertions (client, jti, expires_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![client, jti, expires_ms],
            )? == 1)
        })
        .await
    }

    async fn record_api_reads(&self, reads: Vec<ApiRead>) -> Result<()> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO api_reads (at_ms, client, clinic, resource, ids) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for read in &reads {
                    stmt.execute(params![
                        read.at_ms,
                        read.client,
                        read.clinic.to_string(),
                        read.resource,
                        read.ids
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn api_reads(
        &self,
        clinics: Option<Vec<ClinicId>>,
        limit: usize,
    ) -> Result<Vec<ApiRead>> {
        self.run(move |conn| {
            let wanted = clinics.map(|c| {
                serde_json::to_string(&c.iter().map(ToString::to_string).collect::<Vec<_>>())
            });
            let wanted = wanted.transpose()?;
            let mut stmt = conn.prepare(
                "SELECT at_ms, client, clinic, resource, ids FROM api_reads
                  WHERE ?1 IS NULL OR clinic IN (SELECT value FROM json_each(?1))
                  ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(
                    params![wanted, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get::<_, String>(2)?,
                            r.get(3)?,
                            r.get(4)?,
                        ))
                    },
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(at, client, clinic, resource, ids)| {
                    read_of(at, client, &clinic, resource, ids)
                })
                .collect()
        })
        .await
    }
}

impl ApiClientStorage for Postgres {
    async fn add_api_client(&self, client: ApiClient) -> Result<AddClient> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        for id in &client.clinics {
            if tx
                .query_opt("SELECT 1 FROM clinics WHERE id = $1", &[&id.to_string()])
                .await?
                .is_none()
            {
                return Ok(AddClient::UnknownClinic(*id));
            }
        }
        let added = tx
            .execute(
                "INSERT INTO api_clients (id, name, secret_sha256, jwks, scopes, disabled, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                &[
                    &client.id,
                    &client.name,
                    &client.secret_sha256,
                    &client.jwks,
                    &client.scopes,
                    &client.disabled,
                    &client.created_ms,
                ],
            )
            .await?;
        if added == 0 {
            return Ok(AddClient::NameTaken);
        }
        for id in &client.clinics {
            tx.execute(
                "INSERT INTO api_client_clinics (client, clinic) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&client.id, &id.to_string()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(AddClient::Added)
    }

    async fn api_client(&self, id: &str) -> Result<Option<ApiClient>> {
        let db = self.client().await?;
        let Some(row) = db
            .query_opt(
                &format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = $1"),
                &[&id],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(client_of(
            postgres_row(&row),
            postgres_clinics(&db, id).await?,
        )))
    }

    async fn api_clients(&self) -> Result<Vec<ApiClient>> {
        let db = self.client().await?;
        let rows = db
            .query(
                &format!("SELECT {CLIENT_COLUMNS} FROM api_clients ORDER BY name"),
                &[],
            )
            .await?;
        let mut clients = Vec::with_capacity(rows.len());
        for row in &rows {
            let row = postgres_row(row);
            let clinics = postgres_clinics(&db, &row.0).await?;
            clients.push(client_of(row, clinics));
        }
        Ok(clients)
    }

    async fn disable_api_client(&self, id: &str) -> Result<bool> {
        let db = self.client().await?;
        Ok(db
            .execute(
                "UPDATE api_clients SET disabled = TRUE WHERE id = $1 AND NOT disabled",
                &[&id],
            )
            .await?
            == 1)
    }

    async fn api_client_live(&self, id: &str) -> Result<bool> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT 1 FROM api_clients WHERE id = $1 AND NOT disabled",
                &[&id],
            )
            .await?
            .is_some())
    }

    async fn take_assertion(
        &self,
        client: &str,
        jti: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let db = self.client().await?;
        db.execute(
            "DELETE FROM api_assertions WHERE expires_ms < $1",
            &[&now_ms],
        )
        .await?;
        Ok(db
            .execute(
                "INSERT INTO api_assertions (client, jti, expires_ms) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&client, &jti, &expires_ms],
            )
            .await?
            == 1)
    }

    async fn record_api_reads(&self, reads: Vec<ApiRead>) -> Result<()> {
        let db = self.client().await?;
        let at: Vec<i64> = reads.iter().map(|r| r.at_ms).collect();
        let client: Vec<&str> = reads.iter().map(|r| r.client.as_str()).collect();
        let clinic: Vec<String> = reads.iter().map(|r| r.clinic.to_string()).collect();
        let resource: Vec<&str> = reads.iter().map(|r| r.resource.as_str()).collect();
        let ids: Vec<&str> = reads.iter().map(|r| r.ids.as_str()).collect();
        db.execute(
            "INSERT INTO api_reads (at_ms, client, clinic, resource, ids)
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[])",
            &[&at, &client, &clinic, &resource, &ids],
        )
        .await?;
        Ok(())
    }

    async fn api_reads(
        &self,
        clinics: Option<Vec<ClinicId>>,
        limit: usize,
    ) -> Result<Vec<ApiRead>> {
        let db = self.client().await?;
        let wanted: Option<Vec<String>> =
            clinics.map(|c| c.iter().map(ToString::to_string).collect());
        let rows = db
            .query(
                "SELECT at_ms, client, clinic, resource, ids FROM api_reads
                  WHERE $1::TEXT[] IS NULL OR clinic = ANY($1)
                  ORDER BY id DESC LIMIT $2",
                &[&wanted, &i64::try_from(limit).unwrap_or(i64::MAX)],
            )
            .await?;
        rows.iter()
            .map(|r| read_of(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect()
    }
}

impl ApiClientStorage for super::AnyStorage {
    async fn add_api_client(&self, client: ApiClient) -> Result<AddClient> {
        both!(self, s => s.add_api_client(client))
    }
    async fn api_client(&self, id: &str) -> Result<Option<ApiClient>> {
        both!(self, s => s.api_client(id))
    }
    async fn api_clients(&self) -> Result<Vec<ApiClient>> {
        both!(self, s => s.api_clients())
    }
    async fn disable_api_client(&self, id: &str) -> Result<bool> {
        both!(self, s => s.disable_api_client(id))
    }
    async fn api_client_live(&self, id: &str) -> Result<bool> {
        both!(self, s => s.api_client_live(id))
    }
    async fn take_assertion(
        &self,
        client: &str,
        jti: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        both!(self, s => s.take_assertion(client, jti, expires_ms, now_ms))
    }
    async fn record_api_reads(&self, reads: Vec<ApiRead>) -> Result<()> {
        both!(self, s => s.record_api_reads(reads))
    }
    async fn api_reads(
        &self,
        clinics: Option<Vec<ClinicId>>,
        limit: usize,
    ) -> Result<Vec<ApiRead>> {
        both!(self, s => s.api_reads(clinics, limit))
    }
}
