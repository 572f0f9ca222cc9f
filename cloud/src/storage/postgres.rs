//! The engine for scale: PostgreSQL through a connection pool. Several cloud processes
//! may share one database: migrations run under an advisory lock, a series' next seq
//! is decided under a row lock on its head, label counters and one-time codes are single
//! atomic statements.

use super::{DeviceRow, EnrolOutcome, Enrolment, Migrations, Result, Storage, StorageError};
use crdts::{CmRDT, Dot};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use medicloud_core::event::Event;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::ingest::{self, Batch, Heads, Held};
use medicloud_sync::log::{Ingest, VersionVector};

const MIGRATIONS: Migrations = &[
    (
        "20261125090000_cloud.sql",
        include_str!("../../../migrations/cloud/postgres/20261125090000_cloud.sql"),
    ),
    (
        "20261203120000_hq_accounts.sql",
        include_str!("../../../migrations/cloud/postgres/20261203120000_hq_accounts.sql"),
    ),
];

/// The advisory lock key that serialises migrations between processes.
const MIGRATION_LOCK: i64 = 0x6d65_6469_636c_6f75;

/// A cloud database on a PostgreSQL server.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Postgres")
    }
}

fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("{what} {text:?}")))
}

fn pool_error(e: impl std::fmt::Display) -> StorageError {
    StorageError::Database(e.to_string())
}

fn to_device(row: &tokio_postgres::Row) -> Result<DeviceRow> {
    Ok(DeviceRow {
        id: parse(row.get::<_, &str>(0), "device id")?,
        clinic: parse(row.get::<_, &str>(1), "clinic id")?,
        name: row.get(2),
        slot: u32::try_from(row.get::<_, i32>(3)).unwrap_or(0),
        revoked: row.get(4),
    })
}

impl Postgres {
    /// A pool of connections to `url` (connections open on first use).
    pub fn connect(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config = url.parse().map_err(pool_error)?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(pool_error)?;
        Ok(Self { pool })
    }

    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_error)
    }
}

impl Storage for Postgres {
    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let result = async {
            let tx = client.transaction().await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)",
            )
            .await?;
            for (name, sql) in MIGRATIONS {
                let done = tx
                    .query_opt("SELECT 1 FROM schema_migrations WHERE name = $1", &[name])
                    .await?
                    .is_some();
                if !done {
                    tx.batch_execute(sql).await?;
                    tx.execute("INSERT INTO schema_migrations (name) VALUES ($1)", &[name])
                        .await?;
                    tracing::info!(migration = name, "applied cloud migration");
                }
            }
            tx.commit().await?;
            Ok::<_, StorageError>(())
        }
        .await;
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await?;
        result
    }

    async fn add_clinic(&self, id: ClinicId, name: &str, lan_key: &str) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO clinics (id, name, lan_key) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                &[&id.to_string(), &name, &lan_key],
            )
            .await?;
        Ok(n == 1)
    }

    async fn add_code(&self, clinic: ClinicId, code_sha256: &str, expires_ms: i64) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO enrolment_codes (code_sha256, clinic, expires_ms)
                 SELECT $1, id, $3 FROM clinics WHERE id = $2",
                &[&code_sha256, &clinic.to_string(), &expires_ms],
            )
            .await?;
        Ok(n == 1)
    }

    async fn enrol(
        &self,
        code_sha256: &str,
        now_ms: i64,
        device: DeviceId,
        name: &str,
        secret_sha256: &str,
    ) -> Result<EnrolOutcome> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "UPDATE enrolment_codes SET used = TRUE
                 WHERE code_sha256 = $1 AND NOT used AND expires_ms > $2 RETURNING clinic",
                &[&code_sha256, &now_ms],
            )
            .await?
        else {
            return Ok(EnrolOutcome::BadCode);
        };
        let clinic: String = row.get(0);
        // One enrolment at a time per clinic, so slots stay unique.
        let lan_key: String = tx
            .query_one(
                "SELECT lan_key FROM clinics WHERE id = $1 FOR UPDATE",
                &[&clinic],
            )
            .await?
            .get(0);
        let existing = tx
            .query_opt(
                "SELECT clinic, slot FROM devices WHERE id = $1",
                &[&device.to_string()],
            )
            .await?;
        let slot: i32 = match existing {
            Some(row) if row.get::<_, &str>(0) != clinic => return Ok(EnrolOutcome::OtherClinic),
            Some(row) => {
                tx.execute(
                    "UPDATE devices SET secret_sha256 = $2, name = $3, revoked = FALSE WHERE id = $1",
                    &[&device.to_string(), &secret_sha256, &name],
                )
                .await?;
                row.get(1)
            }
            None => {
                let slot: i32 = tx
                    .query_one(
                        "SELECT COALESCE(MAX(slot), 0) + 1 FROM devices WHERE clinic = $1",
                        &[&clinic],
                    )
                    .await?
                    .get(0);
                tx.execute(
                    "INSERT INTO devices (id, clinic, name, secret_sha256, slot) VALUES ($1, $2, $3, $4, $5)",
                    &[&device.to_string(), &clinic, &name, &secret_sha256, &slot],
                )
                .await?;
                slot
            }
        };
        tx.commit().await?;
        Ok(EnrolOutcome::Enrolled(Enrolment {
            clinic: parse(&clinic, "clinic id")?,
            slot: u32::try_from(slot).unwrap_or(0),
            lan_key,
        }))
    }

    async fn device(&self, secret_sha256: &str) -> Result<Option<DeviceRow>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT id, clinic, name, slot, revoked FROM devices WHERE secret_sha256 = $1",
                &[&secret_sha256],
            )
            .await?
            .as_ref()
            .map(to_device)
            .transpose()
    }

    async fn devices(&self, clinic: ClinicId) -> Result<Vec<DeviceRow>> {
        let client = self.client().await?;
        client
            .query(
                "SELECT id, clinic, name, slot, revoked FROM devices WHERE clinic = $1 ORDER BY slot",
                &[&clinic.to_string()],
            )
            .await?
            .iter()
            .map(to_device)
            .collect()
    }

    async fn revoke(&self, device: DeviceId) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE devices SET revoked = TRUE WHERE id = $1",
                &[&device.to_string()],
            )
            .await?;
        Ok(n == 1)
    }

    async fn summary(&self, clinic: ClinicId) -> Result<VersionVector> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT origin, seq FROM heads WHERE clinic = $1",
                &[&clinic.to_string()],
            )
            .await?;
        let mut vv = VersionVector::new();
        for row in rows {
            let origin: DeviceId = parse(row.get::<_, &str>(0), "origin")?;
            vv.apply(Dot::new(origin, row.get::<_, i64>(1) as u64));
        }
        Ok(vv)
    }

    async fn missing(
        &self,
        clinic: ClinicId,
        remote: &VersionVector,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let mine = self.summary(clinic).await?;
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT body FROM events WHERE clinic = $1 AND origin = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq",
            )
            .await?;
        let mut out = Vec::new();
        for span in ingest::page(&mine, remote, limit) {
            let rows = client
                .query(
                    &stmt,
                    &[
                        &clinic.to_string(),
                        &span.origin.to_string(),
                        &(span.first as i64),
                        &(span.last as i64),
                    ],
                )
                .await?;
            for row in rows {
                out.push(serde_json::from_str(row.get::<_, &str>(0))?);
            }
        }
        Ok(out)
    }

    async fn ingest(&self, clinic: ClinicId, events: Vec<Event>) -> Result<Ingest> {
        let batch = Batch::new(clinic, events);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let clinic_text = clinic.to_string();
        let mut heads = Heads::new();
        // Origins in order, so two processes lock the head rows they share in one order.
        for origin in batch.origins() {
            let origin_text = origin.to_string();
            // The head row is locked until commit: another process storing the same
            // series waits, then sees what this one stored.
            tx.execute(
                "INSERT INTO heads (clinic, origin, seq) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
                &[&clinic_text, &origin_text],
            )
            .await?;
            let head = tx
                .query_one(
                    "SELECT seq FROM heads WHERE clinic = $1 AND origin = $2 FOR UPDATE",
                    &[&clinic_text, &origin_text],
                )
                .await?
                .get::<_, i64>(0);
            heads.insert(origin, head as u64);
        }
        let mut held = Held::new();
        for id in batch.held_ids(&heads) {
            let row = tx
                .query_opt(
                    "SELECT body FROM events WHERE clinic = $1 AND origin = $2 AND seq = $3",
                    &[&clinic_text, &id.origin.to_string(), &(id.seq as i64)],
                )
                .await?;
            if let Some(row) = row {
                held.insert(id, serde_json::from_str(row.get::<_, &str>(0))?);
            }
        }
        let plan = batch.decide(&heads, &held);
        for event in &plan.store {
            tx.execute(
                "INSERT INTO events (clinic, origin, seq, stamp, body) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &clinic_text,
                    &event.id.origin.to_string(),
                    &(event.id.seq as i64),
                    &(event.stamp.0 as i64),
                    &serde_json::to_string(event)?,
                ],
            )
            .await?;
        }
        for (origin, seq) in &plan.heads {
            tx.execute(
                "UPDATE heads SET seq = $3 WHERE clinic = $1 AND origin = $2",
                &[&clinic_text, &origin.to_string(), &(*seq as i64)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(plan.report)
    }

    async fn reserve(
        &self,
        clinic: ClinicId,
        service: &str,
        day: &str,
        count: u32,
    ) -> Result<(u32, u32)> {
        let client = self.client().await?;
        let count = i32::try_from(count).map_err(pool_error)?;
        let last: i32 = client
            .query_one(
                "INSERT INTO label_authority (clinic, service, day, reserved_up_to) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (clinic, service, day)
                 DO UPDATE SET reserved_up_to = label_authority.reserved_up_to + excluded.reserved_up_to
                 RETURNING reserved_up_to",
                &[&clinic.to_string(), &service, &day, &count],
            )
            .await?
            .get(0);
        let (last, count) = (last as u32, count as u32);
        Ok((last + 1 - count, last))
    }
}
