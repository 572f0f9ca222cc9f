//! The embedded engine: one SQLite file (WAL, fsync at every commit), one connection
//! behind a mutex, used from the blocking pool. For one cloud process (or a few on one
//! file): writes are `IMMEDIATE` transactions, one at a time, so a re-fold always sees
//! every stored event of its entity.

use super::{
    BACKFILL_CHUNK, ClinicEntry, DeviceRow, EnrolOutcome, Enrolment, Heard, Migrations,
    PATIENTS_MIGRATION, Page, RECORDS_MIGRATION, Result, Storage, StorageError, TrailKey, parse,
};
use crate::overview::{ClinicFacts, ClinicOverview, DeviceSeen, StatusCount};
use crate::projection::{self, Configuration, ProjectedAppointment, Touched};
use chrono::NaiveDate;
use crdts::{CmRDT, Dot};
use medicloud_core::audit::{Answers, Lookups};
use medicloud_core::domain::{Clinic, Counter};
use medicloud_core::event::{Actor, Entity, Event, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_core::report::{DayFacts, Facts, ReportSource};
use medicloud_core::ticket::{Ticket, TicketStatus};
use medicloud_sync::ingest::{self, Batch, Heads, Held};
use medicloud_sync::log::{Ingest, VersionVector};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

const MIGRATIONS: Migrations = &[
    (
        "20261125090000_cloud.sql",
        include_str!("../../../migrations/cloud/sqlite/20261125090000_cloud.sql"),
    ),
    (
        "20261203100000_projections.sql",
        include_str!("../../../migrations/cloud/sqlite/20261203100000_projections.sql"),
    ),
    (
        "20261203120000_hq_accounts.sql",
        include_str!("../../../migrations/cloud/sqlite/20261203120000_hq_accounts.sql"),
    ),
    (
        RECORDS_MIGRATION,
        include_str!("../../../migrations/cloud/sqlite/20261203140000_records.sql"),
    ),
    (
        "20261203150000_hq_oidc.sql",
        include_str!("../../../migrations/cloud/sqlite/20261203150000_hq_oidc.sql"),
    ),
    (
        "20261204000000_report_days.sql",
        include_str!("../../../migrations/cloud/sqlite/20261204000000_report_days.sql"),
    ),
    (
        "20261204090000_audit.sql",
        include_str!("../../../migrations/cloud/sqlite/20261204090000_audit.sql"),
    ),
    (
        "20261206100000_cloud_author.sql",
        include_str!("../../../migrations/cloud/sqlite/20261206100000_cloud_author.sql"),
    ),
    (
        PATIENTS_MIGRATION,
        include_str!("../../../migrations/cloud/sqlite/20261208100000_cloud_patients.sql"),
    ),
    (
        "20261208110000_api_clients.sql",
        include_str!("../../../migrations/cloud/sqlite/20261208110000_api_clients.sql"),
    ),
];

/// The clinics `wanted` names (every clinic when `None`), by name.
fn clinic_facts(conn: &Connection, wanted: Option<&[ClinicId]>) -> Result<Vec<ClinicFacts>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.name, s.body FROM clinics c
           LEFT JOIN clinic_settings s ON s.clinic_id = c.id
          ORDER BY c.name, c.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut facts = Vec::new();
    for row in rows {
        let (id, name, settings) = row?;
        let id: ClinicId = parse(&id, "clinic id")?;
        if wanted.is_none_or(|wanted| wanted.contains(&id)) {
            facts.push(ClinicFacts {
                id,
                name,
                time_zone: projection::time_zone(settings.as_deref()),
            });
        }
    }
    Ok(facts)
}

/// Up to `limit` of one clinic's events at or after `since`, in the trail's order,
/// after `after`.
fn trail_of(
    conn: &Connection,
    clinic: ClinicId,
    since: Stamp,
    after: Option<&TrailKey>,
    limit: usize,
) -> Result<Vec<Event>> {
    let (stamp, origin, seq) = after.map_or((None, String::new(), 0), |(s, o, q)| {
        (Some(s.0 as i64), o.to_string(), *q as i64)
    });
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM events INDEXED BY events_by_stamp
          WHERE clinic = ?1 AND stamp >= ?2
            AND (?3 IS NULL OR stamp < ?3
                 OR stamp = ?3 AND (origin > ?4 OR origin = ?4 AND seq > ?5))
          ORDER BY stamp DESC, origin, seq LIMIT ?6",
    )?;
    let rows = stmt.query_map(
        params![
            clinic.to_string(),
            since.0 as i64,
            stamp,
            origin,
            seq,
            limit as i64
        ],
        |r| r.get::<_, String>(0),
    )?;
    rows.map(|body| Ok(serde_json::from_str(&body?)?)).collect()
}

/// The stored events of the entities `touched` names, read in one prepared statement
/// per entity. An ingest reads them before it inserts the batch, so nothing of the
/// batch is read back.
fn stored_of(conn: &Connection, clinic: &str, touched: &Touched) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    // Named: the primary key's prefix (clinic) would otherwise win, being covering.
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM events INDEXED BY events_by_entity
          WHERE clinic = ?1 AND entity = ?2",
    )?;
    for entity in &touched.entities {
        let rows = stmt.query_map(params![clinic, entity], |r| r.get::<_, String>(0))?;
        for body in rows {
            events.push(serde_json::from_str::<Event>(&body?)?);
        }
    }
    Ok(events)
}

/// Folds `stored` (events of `clinic` just stored, their `entity` set) into the
/// projections, in the caller's transaction: each touched entity re-folded once from
/// `before` (its events stored before, [`stored_of`]) and `stored`, each touched row
/// written once.
fn project(
    conn: &Connection,
    clinic: &str,
    touched: &Touched,
    before: &[Event],
    stored: &[Event],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO records (clinic_id, entity, kind, body, stamp, origin, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (clinic_id, entity) DO UPDATE SET kind = excluded.kind,
             body = excluded.body, stamp = excluded.stamp, origin = excluded.origin,
             seq = excluded.seq
         WHERE (excluded.stamp, excluded.origin, excluded.seq)
             > (records.stamp, records.origin, records.seq)",
    )?;
    for r in &touched.records {
        stmt.execute(params![
            clinic, r.entity, r.kind, r.body, r.stamp, r.origin, r.seq
        ])?;
    }
    drop(stmt);
    let mut stmt = conn.prepare_cached(
        "INSERT INTO patients (clinic_id, id, name_key, nik, bpjs, birth_date, body, stamp,
             origin, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (clinic_id, id) DO UPDATE SET name_key = excluded.name_key,
             nik = excluded.nik, bpjs = excluded.bpjs, birth_date = excluded.birth_date,
             body = excluded.body, stamp = excluded.stamp, origin = excluded.origin,
             seq = excluded.seq
         WHERE (excluded.stamp, excluded.origin, excluded.seq)
             > (patients.stamp, patients.origin, patients.seq)",
    )?;
    for p in &touched.patients {
        stmt.execute(params![
            clinic,
            p.id,
            p.name_key,
            p.nik,
            p.bpjs,
            p.birth_date,
            p.body,
            p.stamp,
            p.origin,
            p.seq
        ])?;
    }
    drop(stmt);
    if let Some((body, stamp, origin, seq)) = touched
        .clinic
        .as_ref()
        .map(projection::settings_row)
        .transpose()?
        .flatten()
    {
        conn.prepare_cached(
            "INSERT INTO clinic_settings (clinic_id, body, stamp, origin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (clinic_id) DO UPDATE SET body = excluded.body,
                 stamp = excluded.stamp, origin = excluded.origin, seq = excluded.seq
             WHERE (excluded.stamp, excluded.origin, excluded.seq)
                 > (clinic_settings.stamp, clinic_settings.origin, clinic_settings.seq)",
        )?
        .execute(params![clinic, body, stamp, origin, seq])?;
    }
    if touched.entities.is_empty() {
        return Ok(());
    }
    let rows = projection::fold(&touched.entities, before.iter().chain(stored))?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO tickets (clinic_id, id, day, service, label, status, counter, issued_at,
             queued_at, appointment_id, visit_id, patient_id, finished_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (clinic_id, id) DO UPDATE SET day = excluded.day,
             service = excluded.service, label = excluded.label, status = excluded.status,
             counter = excluded.counter, issued_at = excluded.issued_at,
             queued_at = excluded.queued_at, appointment_id = excluded.appointment_id,
             visit_id = excluded.visit_id, patient_id = excluded.patient_id,
             finished_at = excluded.finished_at, state = excluded.state",
    )?;
    for t in &rows.tickets {
        stmt.execute(params![
            clinic,
            t.id,
            t.day,
            t.service,
            t.label,
            t.status,
            t.counter,
            t.issued_at,
            t.queued_at,
            t.appointment_id,
            t.visit_id,
            t.patient_id,
            t.finished_at,
            t.state
        ])?;
    }
    // The days' kept report facts are no longer their tickets' (see report_days).
    let days: std::collections::BTreeSet<&str> = rows.tickets.iter().map(|t| &*t.day).collect();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO report_days (clinic_id, day, gen) VALUES (?1, ?2, 1)
         ON CONFLICT (clinic_id, day) DO UPDATE SET gen = gen + 1, basis = NULL, facts = NULL",
    )?;
    for day in days {
        stmt.execute(params![clinic, day])?;
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO appointments (clinic_id, id, code, day, service, cancelled, cancel_reason,
             body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (clinic_id, id) DO UPDATE SET code = excluded.code, day = excluded.day,
             service = excluded.service, cancelled = excluded.cancelled,
             cancel_reason = excluded.cancel_reason, body = excluded.body",
    )?;
    for a in &rows.appointments {
        stmt.execute(params![
            clinic,
            a.id,
            a.code,
            a.day,
            a.service,
            a.cancelled,
            a.cancel_reason,
            a.body
        ])?;
    }
    Ok(())
}

/// Sets the entity of events stored before the projections (or by an older cloud
/// process) and folds them, a chunk at a time, in the caller's transaction.
fn backfill(conn: &Connection) -> Result<()> {
    loop {
        let mut by_clinic: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        {
            let mut stmt = conn
                .prepare_cached("SELECT clinic, body FROM events WHERE entity IS NULL LIMIT ?1")?;
            let rows = stmt.query_map([BACKFILL_CHUNK], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (clinic, body) = row?;
                by_clinic
                    .entry(clinic)
                    .or_default()
                    .push(serde_json::from_str(&body)?);
            }
        }
        if by_clinic.is_empty() {
            return Ok(());
        }
        let mut set = conn.prepare_cached(
            "UPDATE events SET entity = ?4 WHERE clinic = ?1 AND origin = ?2 AND seq = ?3",
        )?;
        for (clinic, events) in &by_clinic {
            for e in events {
                set.execute(params![
                    clinic,
                    e.id.origin.to_string(),
                    e.id.seq as i64,
                    e.entity().to_string()
                ])?;
            }
            fold_stored(conn, clinic, events)?;
        }
        tracing::info!(
            events = by_clinic.values().map(Vec::len).sum::<usize>(),
            "folded events stored before the projections"
        );
    }
}

/// Folds the events of `entities` (a condition on `events.entity`) stored before the
/// projection that folds them existed (run once, by the migration that adds it): the
/// configuration records ([`super::RECORD_ENTITIES`]), the patients
/// ([`super::PATIENT_ENTITIES`]).
fn backfill_records(conn: &Connection, entities: &str) -> Result<()> {
    let mut by_clinic: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    {
        let mut stmt =
            conn.prepare(&format!("SELECT clinic, body FROM events WHERE {entities}"))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (clinic, body) = row?;
            by_clinic
                .entry(clinic)
                .or_default()
                .push(serde_json::from_str(&body)?);
        }
    }
    for (clinic, events) in &by_clinic {
        fold_stored(conn, clinic, events)?;
    }
    Ok(())
}

/// Folds `events` (of `clinic`, already stored, their `entity` set) into the
/// projections: what a backfill does with a chunk. The read sees them too; the folds
/// count each event once.
fn fold_stored(conn: &Connection, clinic: &str, events: &[Event]) -> Result<()> {
    let touched = Touched::of(events)?;
    let before = stored_of(conn, clinic, &touched)?;
    project(conn, clinic, &touched, &before, events)
}

/// Per origin, the highest seq held for `clinic`.
fn summary_of(conn: &Connection, clinic: ClinicId) -> Result<VersionVector> {
    let mut stmt = conn.prepare_cached("SELECT origin, seq FROM heads WHERE clinic = ?1")?;
    let rows = stmt.query_map([clinic.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut vv = VersionVector::new();
    for row in rows {
        let (origin, seq) = row?;
        vv.apply(Dot::new(parse::<DeviceId>(&origin, "origin")?, seq as u64));
    }
    Ok(vv)
}

fn configuration(conn: &Connection, clinic: &str) -> Result<Configuration> {
    let mut stmt = conn
        .prepare_cached("SELECT entity, body FROM records WHERE clinic_id = ?1 ORDER BY entity")?;
    let rows = stmt.query_map([clinic], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    Configuration::of_rows(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn tickets_of(rows: impl Iterator<Item = rusqlite::Result<String>>) -> Result<Vec<Ticket>> {
    rows.map(|state| projection::ticket_of(&state?)).collect()
}

/// An ingest in the caller's (`IMMEDIATE`) transaction: the heads of the batch's
/// origins read, the held events compared, what `medicloud_sync::ingest` decides stored
/// with the heads moved, folded into the projections, and `heard` noted. The one path of
/// every stored event, a device's or the cloud's own ([`super::author`]).
pub(super) fn ingest_in(
    tx: &Connection,
    clinic: ClinicId,
    batch: Batch,
    heard: Option<Heard>,
) -> Result<Ingest> {
    let clinic = clinic.to_string();
    let mut heads = Heads::new();
    for origin in batch.origins() {
        let head = tx
            .query_row(
                "SELECT seq FROM heads WHERE clinic = ?1 AND origin = ?2",
                params![clinic, origin.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0);
        heads.insert(origin, head as u64);
    }
    let mut held = Held::new();
    for id in batch.held_ids(&heads) {
        let body: Option<String> = tx
            .query_row(
                "SELECT body FROM events WHERE clinic = ?1 AND origin = ?2 AND seq = ?3",
                params![clinic, id.origin.to_string(), id.seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(body) = body {
            held.insert(id, serde_json::from_str(&body)?);
        }
    }
    let plan = batch.decide(&heads, &held);
    let touched = Touched::of(&plan.store)?;
    let before = stored_of(tx, &clinic, &touched)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (clinic, origin, seq, stamp, entity, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for event in &plan.store {
        insert.execute(params![
            clinic,
            event.id.origin.to_string(),
            event.id.seq as i64,
            event.stamp.0 as i64,
            event.entity().to_string(),
            serde_json::to_string(event)?
        ])?;
    }
    drop(insert);
    for (origin, seq) in &plan.heads {
        tx.execute(
            "INSERT INTO heads (clinic, origin, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (clinic, origin) DO UPDATE SET seq = excluded.seq",
            params![clinic, origin.to_string(), *seq as i64],
        )?;
    }
    project(tx, &clinic, &touched, &before, &plan.store)?;
    if let Some(heard) = heard {
        tx.execute(
            "INSERT INTO device_seen (clinic_id, device_id, last_seen_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (clinic_id, device_id)
             DO UPDATE SET last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)",
            params![clinic, heard.device.to_string(), heard.at_ms],
        )?;
    }
    Ok(plan.report)
}

/// A cloud database in one SQLite file.
#[derive(Clone)]
pub struct Sqlite {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sqlite")
    }
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, u32, bool)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_device(
    (id, clinic, name, slot, revoked): (String, String, String, u32, bool),
) -> Result<DeviceRow> {
    Ok(DeviceRow {
        id: parse(&id, "device id")?,
        clinic: parse(&clinic, "clinic id")?,
        name,
        slot,
        revoked,
    })
}

impl Sqlite {
    /// Opens (creating) the database at `path`.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StorageError::Database(e.to_string()))?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "busy_timeout", 5_000)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Database(e.to_string()))?
    }
}

impl Storage for Sqlite {
    async fn ping(&self) -> Result<()> {
        self.run(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    async fn migrate(&self) -> Result<()> {
        self.run(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY) STRICT",
            )?;
            for (name, sql) in MIGRATIONS {
                let done: bool = tx
                    .query_row(
                        "SELECT 1 FROM schema_migrations WHERE name = ?1",
                        [name],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                if !done {
                    tx.execute_batch(sql)?;
                    tx.execute("INSERT INTO schema_migrations (name) VALUES (?1)", [name])?;
                    tracing::info!(migration = name, "applied cloud migration");
                    if *name == RECORDS_MIGRATION {
                        backfill_records(&tx, super::RECORD_ENTITIES)?;
                    }
                    if *name == PATIENTS_MIGRATION {
                        backfill_records(&tx, super::PATIENT_ENTITIES)?;
                    }
                }
            }
            backfill(&tx)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn add_clinic(&self, id: ClinicId, name: &str, lan_key: &str) -> Result<bool> {
        let (name, lan_key) = (name.to_owned(), lan_key.to_owned());
        self.run(move |conn| {
            Ok(conn.execute(
                "INSERT INTO clinics (id, name, lan_key) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
                params![id.to_string(), name, lan_key],
            )? == 1)
        })
        .await
    }

    async fn add_code(&self, clinic: ClinicId, code_sha256: &str, expires_ms: i64) -> Result<bool> {
        let code = code_sha256.to_owned();
        self.run(move |conn| {
            let known = conn
                .query_row("SELECT 1 FROM clinics WHERE id = ?1", [clinic.to_string()], |_| Ok(()))
                .optional()?
                .is_some();
            if known {
                conn.execute(
                    "INSERT INTO enrolment_codes (code_sha256, clinic, expires_ms) VALUES (?1, ?2, ?3)",
                    params![code, clinic.to_string(), expires_ms],
                )?;
            }
            Ok(known)
        })
        .await
    }

    async fn enrol(
        &self,
        code_sha256: &str,
        now_ms: i64,
        device: DeviceId,
        name: &str,
        secret_sha256: &str,
    ) -> Result<EnrolOutcome> {
        let (code, name, secret) = (
            code_sha256.to_owned(),
            name.to_owned(),
            secret_sha256.to_owned(),
        );
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let clinic: Option<String> = tx
                .query_row(
                    "UPDATE enrolment_codes SET used = 1
                     WHERE code_sha256 = ?1 AND used = 0 AND expires_ms > ?2 RETURNING clinic",
                    params![code, now_ms],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(clinic) = clinic else {
                return Ok(EnrolOutcome::BadCode);
            };
            let existing: Option<(String, u32)> = tx
                .query_row(
                    "SELECT clinic, slot FROM devices WHERE id = ?1",
                    [device.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let slot = match existing {
                Some((other, _)) if other != clinic => return Ok(EnrolOutcome::OtherClinic),
                Some((_, slot)) => {
                    tx.execute(
                        "UPDATE devices SET secret_sha256 = ?2, name = ?3, revoked = 0 WHERE id = ?1",
                        params![device.to_string(), secret, name],
                    )?;
                    slot
                }
                None => {
                    let slot: u32 = tx.query_row(
                        "SELECT COALESCE(MAX(slot), 0) + 1 FROM devices WHERE clinic = ?1",
                        [&clinic],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "INSERT INTO devices (id, clinic, name, secret_sha256, slot) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![device.to_string(), clinic, name, secret, slot],
                    )?;
                    slot
                }
            };
            let lan_key: String =
                tx.query_row("SELECT lan_key FROM clinics WHERE id = ?1", [&clinic], |r| r.get(0))?;
            tx.commit()?;
            Ok(EnrolOutcome::Enrolled(Enrolment {
                clinic: parse(&clinic, "clinic id")?,
                slot,
                lan_key,
            }))
        })
        .await
    }

    async fn device(&self, secret_sha256: &str) -> Result<Option<DeviceRow>> {
        let secret = secret_sha256.to_owned();
        self.run(move |conn| {
            conn.query_row(
                "SELECT id, clinic, name, slot, revoked FROM devices WHERE secret_sha256 = ?1",
                [secret],
                device_row,
            )
            .optional()?
            .map(to_device)
            .transpose()
        })
        .await
    }

    async fn devices(&self, clinic: ClinicId) -> Result<Vec<DeviceRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, clinic, name, slot, revoked FROM devices WHERE clinic = ?1 ORDER BY slot",
            )?;
            let rows = stmt.query_map([clinic.to_string()], device_row)?;
            rows.map(|r| to_device(r?)).collect()
        })
        .await
    }

    async fn revoke(&self, device: DeviceId) -> Result<bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE devices SET revoked = 1 WHERE id = ?1",
                [device.to_string()],
            )? == 1)
        })
        .await
    }

    async fn summary(&self, clinic: ClinicId) -> Result<VersionVector> {
        self.run(move |conn| summary_of(conn, clinic)).await
    }

    async fn page(&self, clinic: ClinicId, remote: &VersionVector, limit: usize) -> Result<Page> {
        let remote = remote.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let summary = summary_of(&tx, clinic)?;
            let mut stmt = tx.prepare_cached(
                "SELECT body FROM events WHERE clinic = ?1 AND origin = ?2 AND seq BETWEEN ?3 AND ?4 ORDER BY seq",
            )?;
            let mut events = Vec::new();
            for span in ingest::page(&summary, &remote, limit) {
                let rows = stmt.query_map(
                    params![
                        clinic.to_string(),
                        span.origin.to_string(),
                        span.first as i64,
                        span.last as i64
                    ],
                    |r| r.get::<_, String>(0),
                )?;
                for body in rows {
                    events.push(body?);
                }
            }
            drop(stmt);
            tx.commit()?;
            Ok(Page { summary, events })
        })
        .await
    }

    async fn ingest(
        &self,
        clinic: ClinicId,
        events: Vec<Event>,
        heard: Option<Heard>,
    ) -> Result<Ingest> {
        let batch = Batch::new(clinic, events);
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let report = ingest_in(&tx, clinic, batch, heard)?;
            tx.commit()?;
            Ok(report)
        })
        .await
    }

    async fn reserve(
        &self,
        clinic: ClinicId,
        service: &str,
        day: &str,
        count: u32,
    ) -> Result<(u32, u32)> {
        let (service, day) = (service.to_owned(), day.to_owned());
        self.run(move |conn| {
            let last: u32 = conn.query_row(
                "INSERT INTO label_authority (clinic, service, day, reserved_up_to) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (clinic, service, day)
                 DO UPDATE SET reserved_up_to = reserved_up_to + excluded.reserved_up_to
                 RETURNING reserved_up_to",
                params![clinic.to_string(), service, day, count],
                |r| r.get(0),
            )?;
            Ok((last + 1 - count, last))
        })
        .await
    }
    async fn tickets(&self, clinic: ClinicId, day: NaiveDate) -> Result<Vec<Ticket>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT state FROM tickets WHERE clinic_id = ?1 AND day = ?2
                 ORDER BY issued_at, id",
            )?;
            let rows = stmt.query_map(params![clinic.to_string(), day.to_string()], |r| {
                r.get::<_, String>(0)
            })?;
            tickets_of(rows)
        })
        .await
    }

    async fn tickets_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Ticket>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT state FROM tickets WHERE clinic_id = ?1 AND day BETWEEN ?2 AND ?3
                 ORDER BY day, issued_at, id",
            )?;
            let rows = stmt.query_map(
                params![clinic.to_string(), from.to_string(), to.to_string()],
                |r| r.get::<_, String>(0),
            )?;
            tickets_of(rows)
        })
        .await
    }

    async fn appointments_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProjectedAppointment>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.body, a.cancelled, a.cancel_reason,
                     (SELECT t.id FROM tickets t
                       WHERE t.clinic_id = a.clinic_id AND t.appointment_id = a.id
                       ORDER BY t.issued_at, t.id LIMIT 1)
                   FROM appointments a
                  WHERE a.clinic_id = ?1 AND a.day BETWEEN ?2 AND ?3
                  ORDER BY a.day, a.code, a.id",
            )?;
            let rows = stmt.query_map(
                params![clinic.to_string(), from.to_string(), to.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                },
            )?;
            rows.map(|row| {
                let (body, cancelled, reason, ticket) = row?;
                projection::appointment_of(&body, cancelled, reason, ticket.as_deref())
            })
            .collect()
        })
        .await
    }

    async fn clinic_settings(&self, clinic: ClinicId) -> Result<Option<Clinic>> {
        self.run(move |conn| {
            let body: Option<String> = conn
                .prepare_cached("SELECT body FROM clinic_settings WHERE clinic_id = ?1")?
                .query_row([clinic.to_string()], |r| r.get(0))
                .optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
        .await
    }

    async fn configuration(&self, clinic: ClinicId) -> Result<Configuration> {
        self.run(move |conn| configuration(conn, &clinic.to_string()))
            .await
    }

    async fn report_source(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ReportSource> {
        self.run(move |conn| {
            // One snapshot: the days' generations with the tickets they count.
            let conn = &conn.unchecked_transaction()?;
            let (clinic, from, to) = (clinic.to_string(), from.to_string(), to.to_string());
            let settings: Option<String> = conn
                .prepare_cached("SELECT body FROM clinic_settings WHERE clinic_id = ?1")?
                .query_row([&clinic], |r| r.get(0))
                .optional()?;
            let time_zone = projection::time_zone(settings.as_deref());
            let basis = Facts::basis(time_zone);
            let (mut kept, mut generations) = (Vec::new(), BTreeMap::new());
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT day, gen, CASE WHEN basis = ?4 THEN facts END FROM report_days
                      WHERE clinic_id = ?1 AND day BETWEEN ?2 AND ?3",
                )?;
                let mut rows = stmt.query(params![clinic, from, to, basis])?;
                while let Some(row) = rows.next()? {
                    let day: String = row.get(0)?;
                    generations.insert(parse(&day, "report day")?, row.get(1)?);
                    let facts = row.get_ref(2)?.as_str_or_null();
                    if let Some(facts) = facts.map_err(|e| StorageError::Corrupt(e.to_string()))? {
                        kept.push(serde_json::from_str(facts)?);
                    }
                }
            }
            let mut tickets = Vec::new();
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT state FROM tickets WHERE clinic_id = ?1 AND day BETWEEN ?2 AND ?3
                        AND day NOT IN (SELECT day FROM report_days WHERE clinic_id = ?1
                                           AND day BETWEEN ?2 AND ?3 AND basis = ?4)",
                )?;
                let mut rows = stmt.query(params![clinic, from, to, basis])?;
                while let Some(row) = rows.next()? {
                    // Borrowed from the row: no copy of the text before it is read.
                    let state = row
                        .get_ref(0)?
                        .as_str()
                        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                    tickets.push(serde_json::from_str(state)?);
                }
            }
            let mut appointments = Vec::new();
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT body, cancelled, cancel_reason FROM appointments
                      WHERE clinic_id = ?1 AND day BETWEEN ?2 AND ?3",
                )?;
                let rows = stmt.query_map(params![clinic, from, to], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                })?;
                for row in rows {
                    let (body, cancelled, reason) = row?;
                    appointments.push(projection::appointment_state(&body, cancelled, reason)?);
                }
            }
            let Configuration {
                services, staff, ..
            } = configuration(conn, &clinic)?;
            Ok(ReportSource {
                kept,
                generations,
                tickets,
                appointments,
                services,
                staff,
                time_zone,
            })
        })
        .await
    }

    async fn keep_report_days(
        &self,
        clinic: ClinicId,
        basis: String,
        days: Vec<DayFacts>,
    ) -> Result<usize> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO report_days (clinic_id, day, gen, basis, facts)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (clinic_id, day) DO UPDATE SET basis = excluded.basis,
                     facts = excluded.facts
                  WHERE report_days.gen = excluded.gen",
            )?;
            let clinic = clinic.to_string();
            let mut kept = 0;
            for d in &days {
                kept += stmt.execute(params![
                    clinic,
                    d.day.to_string(),
                    d.generation,
                    basis,
                    serde_json::to_string(&d.facts)?
                ])?;
            }
            Ok(kept)
        })
        .await
    }

    async fn overview(
        &self,
        clinics: Option<Vec<ClinicId>>,
        now_ms: i64,
    ) -> Result<Vec<ClinicOverview>> {
        self.run(move |conn| {
            let facts = clinic_facts(conn, clinics.as_deref())?;
            let mut counts = conn.prepare_cached(
                "SELECT status, count(*), min(queued_at) FROM tickets
                  WHERE clinic_id = ?1 AND day = ?2 GROUP BY status",
            )?;
            let mut devices = conn.prepare_cached(
                "SELECT d.id, d.name, s.last_seen_ms FROM devices d
                   LEFT JOIN device_seen s ON s.clinic_id = d.clinic AND s.device_id = d.id
                  WHERE d.clinic = ?1 AND d.revoked = 0 ORDER BY d.slot",
            )?;
            let mut out = Vec::new();
            for clinic in facts {
                let id = clinic.id.to_string();
                let today = clinic.today(now_ms).to_string();
                let rows = counts.query_map(params![id, today], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })?;
                let mut groups = Vec::new();
                for row in rows {
                    let (status, count, first_queued_ms) = row?;
                    let status = TicketStatus::parse(&status)
                        .ok_or_else(|| StorageError::Corrupt(format!("status {status:?}")))?;
                    groups.push(StatusCount {
                        status,
                        count,
                        first_queued_ms,
                    });
                }
                let rows = devices.query_map([&id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                    ))
                })?;
                let mut seen = Vec::new();
                for row in rows {
                    let (device, name, last_seen_ms) = row?;
                    seen.push(DeviceSeen {
                        id: parse(&device, "device id")?,
                        name,
                        last_seen_ms,
                    });
                }
                out.push(clinic.overview(&groups, seen, now_ms));
            }
            Ok(out)
        })
        .await
    }

    async fn clinic_list(&self, clinics: Option<Vec<ClinicId>>) -> Result<Vec<ClinicEntry>> {
        self.run(move |conn| {
            Ok(clinic_facts(conn, clinics.as_deref())?
                .into_iter()
                .map(ClinicFacts::entry)
                .collect())
        })
        .await
    }

    async fn audit_page(
        &self,
        clinics: Vec<ClinicId>,
        since: Stamp,
        after: Option<TrailKey>,
        limit: usize,
    ) -> Result<Vec<Event>> {
        self.run(move |conn| {
            // Each clinic's newest `limit`, merged: in process, a statement per clinic
            // costs no round trip.
            let mut events = Vec::new();
            for clinic in clinics {
                events.extend(trail_of(conn, clinic, since, after.as_ref(), limit)?);
            }
            Ok(super::newest_first(events, limit))
        })
        .await
    }

    async fn trail_key(
        &self,
        clinics: Vec<ClinicId>,
        origin: DeviceId,
        seq: u64,
    ) -> Result<Option<TrailKey>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT stamp FROM events WHERE clinic = ?1 AND origin = ?2 AND seq = ?3",
            )?;
            for clinic in clinics {
                let stamp: Option<i64> = stmt
                    .query_row(
                        params![clinic.to_string(), origin.to_string(), seq as i64],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(stamp) = stamp {
                    return Ok(Some((Stamp(stamp as u64), origin, seq)));
                }
            }
            Ok(None)
        })
        .await
    }

    async fn audit_answers(&self, clinic: ClinicId, lookups: Lookups) -> Result<Answers> {
        self.run(move |conn| {
            let clinic = clinic.to_string();
            let mut answers = Answers::default();
            let mut stmt =
                conn.prepare_cached("SELECT label FROM tickets WHERE clinic_id = ?1 AND id = ?2")?;
            for ticket in lookups.tickets {
                let label: Option<String> = stmt
                    .query_row(params![clinic, ticket.to_string()], |r| r.get(0))
                    .optional()?;
                if let Some(label) = label {
                    answers.ticket_labels.insert(ticket, label);
                }
            }
            let mut stmt = conn
                .prepare_cached("SELECT body FROM records WHERE clinic_id = ?1 AND entity = ?2")?;
            for counter in lookups.counters {
                let body: Option<String> = stmt
                    .query_row(
                        params![clinic, Entity::Counter(counter.clone()).to_string()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(body) = body {
                    let name = serde_json::from_str::<Counter>(&body)?.name;
                    answers.counter_names.insert(counter, name);
                }
            }
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM events INDEXED BY events_by_entity
                  WHERE clinic = ?1 AND entity = ?2 AND stamp < ?3
                  ORDER BY stamp DESC LIMIT 1",
            )?;
            for (entity, stamp) in lookups.previous {
                let body: Option<String> = stmt
                    .query_row(params![clinic, entity, stamp.0 as i64], |r| r.get(0))
                    .optional()?;
                if let Some(body) = body {
                    let before = serde_json::from_str::<Event>(&body)?.body;
                    answers.previous.insert((entity, stamp), before);
                }
            }
            Ok(answers)
        })
        .await
    }

    async fn actor_names(
        &self,
        clinic: ClinicId,
        actors: Vec<Actor>,
    ) -> Result<HashMap<Actor, String>> {
        self.run(move |conn| {
            let clinic = clinic.to_string();
            let mut staff = conn
                .prepare_cached("SELECT body FROM records WHERE clinic_id = ?1 AND entity = ?2")?;
            let mut device = conn.prepare_cached(
                "SELECT body FROM events INDEXED BY events_by_entity
                  WHERE clinic = ?1 AND entity = ?2 ORDER BY stamp DESC LIMIT 1",
            )?;
            let mut names = HashMap::new();
            for actor in actors {
                let Some(entity) = super::actor_entity(&actor) else {
                    continue;
                };
                let stmt = if matches!(actor, Actor::Staff(_)) {
                    &mut staff
                } else {
                    &mut device
                };
                let body: Option<String> = stmt
                    .query_row(params![clinic, entity], |r| r.get(0))
                    .optional()?;
                if let Some(name) = body
                    .map(|b| super::actor_name(&actor, &b))
                    .transpose()?
                    .flatten()
                {
                    names.insert(actor, name);
                }
            }
            Ok(names)
        })
        .await
    }
}
