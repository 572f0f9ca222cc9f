//! The engine for scale: PostgreSQL through a connection pool. Several cloud processes
//! may share one database: migrations run under an advisory lock, a series' next seq
//! is decided under a row lock on its head, label counters and one-time codes are single
//! atomic statements. A re-fold is decided under a transaction-level advisory lock on
//! each touched entity (taken in one order), so two processes storing events of one
//! ticket at once fold it one after the other, the second seeing the first's events.

use super::{
    BACKFILL_CHUNK, ClinicEntry, DeviceRow, EnrolOutcome, Enrolment, Heard, Migrations,
    PATIENTS_MIGRATION, Page, RECORDS_MIGRATION, Result, Storage, StorageError, TrailKey, parse,
};
use crate::hq::live::Notice;
use crate::overview::{ClinicFacts, ClinicOverview, DeviceSeen, StatusCount};
use crate::projection::{self, Configuration, ProjectedAppointment, Touched};
use chrono::NaiveDate;
use crdts::{CmRDT, Dot};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use medicloud_core::audit::{Answers, Lookups};
use medicloud_core::domain::{Clinic, Counter};
use medicloud_core::event::{Actor, Entity, Event, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_core::report::{DayFacts, Facts, ReportSource};
use medicloud_core::ticket::{Ticket, TicketStatus};
use medicloud_sync::ingest::{self, Batch, Heads, Held};
use medicloud_sync::log::{Ingest, VersionVector};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use tokio::sync::mpsc;

const MIGRATIONS: Migrations = &[
    (
        "20261125090000_cloud.sql",
        include_str!("../../../migrations/cloud/postgres/20261125090000_cloud.sql"),
    ),
    (
        "20261203100000_projections.sql",
        include_str!("../../../migrations/cloud/postgres/20261203100000_projections.sql"),
    ),
    (
        "20261203120000_hq_accounts.sql",
        include_str!("../../../migrations/cloud/postgres/20261203120000_hq_accounts.sql"),
    ),
    (
        RECORDS_MIGRATION,
        include_str!("../../../migrations/cloud/postgres/20261203140000_records.sql"),
    ),
    (
        "20261203150000_hq_oidc.sql",
        include_str!("../../../migrations/cloud/postgres/20261203150000_hq_oidc.sql"),
    ),
    (
        "20261204000000_report_days.sql",
        include_str!("../../../migrations/cloud/postgres/20261204000000_report_days.sql"),
    ),
    (
        "20261204090000_audit.sql",
        include_str!("../../../migrations/cloud/postgres/20261204090000_audit.sql"),
    ),
    (
        "20261206100000_cloud_author.sql",
        include_str!("../../../migrations/cloud/postgres/20261206100000_cloud_author.sql"),
    ),
    (
        PATIENTS_MIGRATION,
        include_str!("../../../migrations/cloud/postgres/20261208100000_cloud_patients.sql"),
    ),
    (
        "20261208110000_api_clients.sql",
        include_str!("../../../migrations/cloud/postgres/20261208110000_api_clients.sql"),
    ),
];

/// The advisory lock key of one clinic's entity: the first 8 bytes of
/// SHA-256(`clinic/entity`). Keys that collide only serialise two folds.
fn entity_lock(clinic: &str, entity: &str) -> i64 {
    let digest = Sha256::digest(format!("{clinic}/{entity}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// `sql` as a statement prepared once per connection (deadpool's cache): an ingest's
/// statements are the same every time, so each costs one round trip, not two, and
/// the server plans it once.
async fn cached(tx: &impl GenericClient, sql: &str) -> Result<tokio_postgres::Statement> {
    Ok(tx.prepare_cached(sql).await?)
}

/// Folds `stored` (events of `clinic` already stored, their `entity` set) into the
/// projections, in the caller's transaction: what a backfill does with a chunk.
async fn project(tx: &impl GenericClient, clinic: &str, stored: &[Event]) -> Result<()> {
    // The read sees `stored` too; the folds count each event once.
    Projection::read(tx, clinic, stored)
        .await?
        .write(tx, clinic, stored)
        .await
}

/// The projections' half of an ingest, around the events' insert: [`Projection::read`]
/// locks the entities a batch touches and reads the events they held before it,
/// [`Projection::write`] re-folds each touched entity once from those and the batch's
/// own (already parsed: nothing of the batch is read back) and writes each projection
/// with one statement.
struct Projection {
    touched: Touched,
    /// The stored events of `touched.entities`, before the batch.
    before: Vec<Event>,
}

impl Projection {
    async fn read(tx: &impl GenericClient, clinic: &str, stored: &[Event]) -> Result<Self> {
        let touched = Touched::of(stored)?;
        if touched.entities.is_empty() {
            return Ok(Self {
                touched,
                before: Vec::new(),
            });
        }
        // One fold of an entity at a time across processes; in key order, so no deadlock.
        let mut keys: Vec<i64> = touched
            .entities
            .iter()
            .map(|e| entity_lock(clinic, e))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        tx.execute(
            &cached(
                tx,
                "SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k",
            )
            .await?,
            &[&keys],
        )
        .await?;
        let rows = tx
            .query(
                &cached(
                    tx,
                    "SELECT body FROM events WHERE clinic = $1 AND entity = ANY($2)",
                )
                .await?,
                &[&clinic, &touched.entities],
            )
            .await?;
        let before = rows
            .iter()
            .map(|r| serde_json::from_str::<Event>(r.get::<_, &str>(0)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Self { touched, before })
    }

    async fn write(self, tx: &impl GenericClient, clinic: &str, stored: &[Event]) -> Result<()> {
        let Self { touched, before } = self;
        if !touched.records.is_empty() {
            let r = &touched.records;
            let col = |f: fn(&projection::RecordRow) -> &str| r.iter().map(f).collect::<Vec<_>>();
            // A batch holds one row per entity, so one statement cannot touch a row twice.
            tx.execute(
                &cached(
                    tx,
                    "INSERT INTO records (clinic_id, entity, kind, body, stamp, origin, seq)
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bigint[],
                     $6::text[], $7::bigint[])
                 ON CONFLICT (clinic_id, entity) DO UPDATE SET kind = excluded.kind,
                     body = excluded.body, stamp = excluded.stamp, origin = excluded.origin,
                     seq = excluded.seq
                 WHERE (excluded.stamp, excluded.origin COLLATE \"C\", excluded.seq)
                     > (records.stamp, records.origin COLLATE \"C\", records.seq)",
                )
                .await?,
                &[
                    &clinic,
                    &col(|r| &r.entity),
                    &col(|r| r.kind),
                    &col(|r| &r.body),
                    &r.iter().map(|r| r.stamp).collect::<Vec<_>>(),
                    &col(|r| &r.origin),
                    &r.iter().map(|r| r.seq).collect::<Vec<_>>(),
                ],
            )
            .await?;
        }
        if !touched.patients.is_empty() {
            let p = &touched.patients;
            let col = |f: fn(&projection::PatientRow) -> &str| p.iter().map(f).collect::<Vec<_>>();
            let opt = |f: fn(&projection::PatientRow) -> Option<&str>| {
                p.iter().map(f).collect::<Vec<_>>()
            };
            // One row per patient in a batch, as for the records.
            tx.execute(
                &cached(
                    tx,
                    "INSERT INTO patients (clinic_id, id, name_key, nik, bpjs, birth_date, body,
                     stamp, origin, seq)
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[],
                     $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[])
                 ON CONFLICT (clinic_id, id) DO UPDATE SET name_key = excluded.name_key,
                     nik = excluded.nik, bpjs = excluded.bpjs,
                     birth_date = excluded.birth_date, body = excluded.body,
                     stamp = excluded.stamp, origin = excluded.origin, seq = excluded.seq
                 WHERE (excluded.stamp, excluded.origin COLLATE \"C\", excluded.seq)
                     > (patients.stamp, patients.origin COLLATE \"C\", patients.seq)",
                )
                .await?,
                &[
                    &clinic,
                    &col(|r| &r.id),
                    &opt(|r| r.name_key.as_deref()),
                    &opt(|r| r.nik.as_deref()),
                    &opt(|r| r.bpjs.as_deref()),
                    &opt(|r| r.birth_date.as_deref()),
                    &col(|r| &r.body),
                    &p.iter().map(|r| r.stamp).collect::<Vec<_>>(),
                    &col(|r| &r.origin),
                    &p.iter().map(|r| r.seq).collect::<Vec<_>>(),
                ],
            )
            .await?;
        }
        if let Some((body, stamp, origin, seq)) = touched
            .clinic
            .as_ref()
            .map(projection::settings_row)
            .transpose()?
            .flatten()
        {
            // Byte order on the origin, as the fold's order (UUIDs by their bytes).
            tx.execute(
                &cached(tx, "INSERT INTO clinic_settings (clinic_id, body, stamp, origin, seq)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (clinic_id) DO UPDATE SET body = excluded.body,
                     stamp = excluded.stamp, origin = excluded.origin, seq = excluded.seq
                 WHERE (excluded.stamp, excluded.origin COLLATE \"C\", excluded.seq)
                     > (clinic_settings.stamp, clinic_settings.origin COLLATE \"C\", clinic_settings.seq)").await?,
                &[&clinic, &body, &stamp, &origin, &seq],
            )
            .await?;
        }
        if touched.entities.is_empty() {
            return Ok(());
        }
        let rows = projection::fold(&touched.entities, before.iter().chain(stored))?;
        upsert_tickets(tx, clinic, &rows.tickets).await?;
        if !rows.appointments.is_empty() {
            let a = &rows.appointments;
            let col =
                |f: fn(&projection::AppointmentRow) -> &str| a.iter().map(f).collect::<Vec<_>>();
            tx.execute(
                &cached(
                    tx,
                    "INSERT INTO appointments (clinic_id, id, code, day, service, cancelled,
                     cancel_reason, body)
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[],
                     $6::boolean[], $7::text[], $8::text[])
                 ON CONFLICT (clinic_id, id) DO UPDATE SET code = excluded.code,
                     day = excluded.day, service = excluded.service,
                     cancelled = excluded.cancelled, cancel_reason = excluded.cancel_reason,
                     body = excluded.body",
                )
                .await?,
                &[
                    &clinic,
                    &col(|r| &r.id),
                    &col(|r| &r.code),
                    &col(|r| &r.day),
                    &col(|r| &r.service),
                    &a.iter().map(|r| r.cancelled).collect::<Vec<_>>(),
                    &a.iter()
                        .map(|r| r.cancel_reason.as_deref())
                        .collect::<Vec<_>>(),
                    &col(|r| &r.body),
                ],
            )
            .await?;
        }
        Ok(())
    }
}

/// Appends `events` (of `clinic`, each the next of its series: no row is there yet) to
/// the log with one binary `COPY`.
async fn store_events(
    tx: &deadpool_postgres::Transaction<'_>,
    clinic: &str,
    events: &[Event],
) -> Result<()> {
    use tokio_postgres::types::Type;
    let sink = tx
        .copy_in(
            &cached(
                tx,
                "COPY events (clinic, origin, seq, stamp, entity, body) FROM STDIN BINARY",
            )
            .await?,
        )
        .await?;
    let writer = tokio_postgres::binary_copy::BinaryCopyInWriter::new(
        sink,
        &[
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
        ],
    );
    let mut writer = std::pin::pin!(writer);
    for event in events {
        writer
            .as_mut()
            .write(&[
                &clinic,
                &event.id.origin.to_string(),
                &(event.id.seq as i64),
                &(event.stamp.0 as i64),
                &event.entity().to_string(),
                &serde_json::to_string(event)?,
            ])
            .await?;
    }
    writer.finish().await?;
    Ok(())
}

/// Notes that `heard`'s device synced (never moving its time back).
async fn seen(tx: &impl GenericClient, clinic: &str, heard: Heard) -> Result<()> {
    tx.execute(
        &cached(
            tx,
            "INSERT INTO device_seen (clinic_id, device_id, last_seen_ms) VALUES ($1, $2, $3)
         ON CONFLICT (clinic_id, device_id) DO UPDATE
         SET last_seen_ms = GREATEST(device_seen.last_seen_ms, excluded.last_seen_ms)",
        )
        .await?,
        &[&clinic, &heard.device.to_string(), &heard.at_ms],
    )
    .await?;
    Ok(())
}

/// Writes folded `tickets` rows of `clinic` with one statement (a row already there is
/// replaced).
async fn upsert_tickets(
    tx: &impl GenericClient,
    clinic: &str,
    rows: &[projection::TicketRow],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let t = rows;
    let col = |f: fn(&projection::TicketRow) -> &str| t.iter().map(f).collect::<Vec<_>>();
    tx.execute(
        &cached(
            tx,
            "INSERT INTO tickets (clinic_id, id, day, service, label, status, counter,
                 issued_at, queued_at, appointment_id, visit_id, patient_id, finished_at, state)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[],
                 $12::text[], $13::bigint[], $14::text[])
             ON CONFLICT (clinic_id, id) DO UPDATE SET day = excluded.day,
                 service = excluded.service, label = excluded.label,
                 status = excluded.status, counter = excluded.counter,
                 issued_at = excluded.issued_at, queued_at = excluded.queued_at,
                 appointment_id = excluded.appointment_id, visit_id = excluded.visit_id,
                 patient_id = excluded.patient_id, finished_at = excluded.finished_at,
                 state = excluded.state",
        )
        .await?,
        &[
            &clinic,
            &col(|r| &r.id),
            &col(|r| &r.day),
            &col(|r| &r.service),
            &col(|r| &r.label),
            &col(|r| r.status),
            &t.iter().map(|r| r.counter.as_deref()).collect::<Vec<_>>(),
            &t.iter().map(|r| r.issued_at).collect::<Vec<_>>(),
            &t.iter().map(|r| r.queued_at).collect::<Vec<_>>(),
            &t.iter()
                .map(|r| r.appointment_id.as_deref())
                .collect::<Vec<_>>(),
            &col(|r| &r.visit_id),
            &t.iter()
                .map(|r| r.patient_id.as_deref())
                .collect::<Vec<_>>(),
            &t.iter().map(|r| r.finished_at).collect::<Vec<_>>(),
            &col(|r| &r.state),
        ],
    )
    .await?;
    // The days' kept report facts are no longer their tickets' (see report_days): each
    // day once, in order, so ingests of one clinic take the days' rows in one order.
    let days: std::collections::BTreeSet<&str> = rows.iter().map(|r| &*r.day).collect();
    tx.execute(
        &cached(
            tx,
            "INSERT INTO report_days (clinic_id, day, gen)
             SELECT $1, day, 1 FROM UNNEST($2::text[]) AS day
             ON CONFLICT (clinic_id, day) DO UPDATE SET gen = report_days.gen + 1,
                 basis = NULL, facts = NULL",
        )
        .await?,
        &[&clinic, &days.into_iter().collect::<Vec<_>>()],
    )
    .await?;
    Ok(())
}

/// Sets the entity of events stored before the projections (or by an older cloud
/// process) and folds them, a chunk at a time, in the caller's transaction.
async fn backfill(tx: &impl GenericClient) -> Result<()> {
    loop {
        let rows = tx
            .query(
                "SELECT clinic, body FROM events WHERE entity IS NULL LIMIT $1",
                &[&BACKFILL_CHUNK],
            )
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut by_clinic: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for row in &rows {
            by_clinic
                .entry(row.get::<_, String>(0))
                .or_default()
                .push(serde_json::from_str(row.get::<_, &str>(1))?);
        }
        for (clinic, events) in &by_clinic {
            let origins: Vec<String> = events.iter().map(|e| e.id.origin.to_string()).collect();
            let seqs: Vec<i64> = events.iter().map(|e| e.id.seq as i64).collect();
            let entities: Vec<String> = events.iter().map(|e| e.entity().to_string()).collect();
            tx.execute(
                "UPDATE events e SET entity = u.entity
                   FROM UNNEST($2::text[], $3::bigint[], $4::text[]) AS u(origin, seq, entity)
                  WHERE e.clinic = $1 AND e.origin = u.origin AND e.seq = u.seq",
                &[clinic, &origins, &seqs, &entities],
            )
            .await?;
            project(tx, clinic, events).await?;
        }
        tracing::info!(
            events = rows.len(),
            "folded events stored before the projections"
        );
    }
}

/// Folds the events of `entities` (a condition on `events.entity`) stored before the
/// projection that folds them existed (run once, by the migration that adds it): the
/// configuration records ([`super::RECORD_ENTITIES`]), the patients
/// ([`super::PATIENT_ENTITIES`]).
async fn backfill_records(tx: &impl GenericClient, entities: &str) -> Result<()> {
    let rows = tx
        .query(
            &format!("SELECT clinic, body FROM events WHERE {entities}"),
            &[],
        )
        .await?;
    let mut by_clinic: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for row in &rows {
        by_clinic
            .entry(row.get::<_, String>(0))
            .or_default()
            .push(serde_json::from_str(row.get::<_, &str>(1))?);
    }
    for (clinic, events) in &by_clinic {
        project(tx, clinic, events).await?;
    }
    Ok(())
}

async fn configuration(client: &impl GenericClient, clinic: &str) -> Result<Configuration> {
    let rows = client
        .query(
            "SELECT entity, body FROM records WHERE clinic_id = $1 ORDER BY entity COLLATE \"C\"",
            &[&clinic],
        )
        .await?;
    Configuration::of_rows(rows.iter().map(|r| (r.get(0), r.get(1))))
}

fn tickets_of(rows: &[tokio_postgres::Row]) -> Result<Vec<Ticket>> {
    rows.iter()
        .map(|r| projection::ticket_of(r.get::<_, &str>(0)))
        .collect()
}

/// One listening connection's life: `LISTEN`, then each notice to `to`, until it drops.
async fn listen(
    config: &tokio_postgres::Config,
    to: &mpsc::UnboundedSender<Notice>,
    first: bool,
) -> Result<()> {
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let (frames, mut heard) = mpsc::unbounded_channel();
    // The connection must be polled for the client's statements to run.
    let driver = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if frames.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the ingest notices' connection");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
        .await?;
    if !first {
        let _ = to.send(Notice::Missed);
    }
    while let Some(payload) = heard.recv().await {
        match payload.parse() {
            Ok(clinic) => {
                if to.send(Notice::Stored(clinic)).is_err() {
                    break;
                }
            }
            Err(_) => tracing::warn!("an ingest notice without a clinic id"),
        }
    }
    driver.abort();
    Ok(())
}

/// An ingest in the caller's transaction: the heads of the batch's origins made, locked
/// and read in one statement, the held events compared in one, what
/// `medicloud_sync::ingest` decides stored by one binary `COPY` with the heads moved in
/// one, folded into the projections, `NOTIFY medicloud_ingest` sent (at commit), and
/// `heard` noted. The one path of every stored event, a device's or the cloud's own
/// ([`super::author`]).
pub(super) async fn ingest_in(
    tx: &deadpool_postgres::Transaction<'_>,
    clinic: ClinicId,
    events: Vec<Event>,
    heard: Option<Heard>,
) -> Result<Ingest> {
    let batch = Batch::new(clinic, events);
    let clinic_text = clinic.to_string();
    let origins = batch.origins();
    let mut heads = Heads::new();
    if !origins.is_empty() {
        // One statement: each origin's head row, made at 0 when missing, locked
        // until commit (another process storing the same series waits, then sees
        // what this one stored), in origin order, so two processes lock the rows
        // they share in one order.
        let rows = tx
            .query(
                &cached(
                    tx,
                    "INSERT INTO heads (clinic, origin, seq)
                 SELECT $1, o, 0 FROM UNNEST($2::text[]) WITH ORDINALITY AS u(o, n)
                  ORDER BY n
                 ON CONFLICT (clinic, origin) DO UPDATE SET seq = heads.seq
                 RETURNING origin, seq",
                )
                .await?,
                &[
                    &clinic_text,
                    &origins.iter().map(DeviceId::to_string).collect::<Vec<_>>(),
                ],
            )
            .await?;
        for row in &rows {
            let origin: DeviceId = parse(row.get::<_, &str>(0), "origin")?;
            heads.insert(origin, row.get::<_, i64>(1) as u64);
        }
    }
    let mut held = Held::new();
    let ids = batch.held_ids(&heads);
    if !ids.is_empty() {
        let rows = tx
            .query(
                &cached(
                    tx,
                    "SELECT e.body FROM UNNEST($2::text[], $3::bigint[]) AS h(origin, seq)
                   JOIN events e ON e.clinic = $1 AND e.origin = h.origin AND e.seq = h.seq",
                )
                .await?,
                &[
                    &clinic_text,
                    &ids.iter()
                        .map(|id| id.origin.to_string())
                        .collect::<Vec<_>>(),
                    &ids.iter().map(|id| id.seq as i64).collect::<Vec<_>>(),
                ],
            )
            .await?;
        for row in &rows {
            let event: Event = serde_json::from_str(row.get::<_, &str>(0))?;
            held.insert(event.id, event);
        }
    }
    let plan = batch.decide(&heads, &held);
    if plan.store.is_empty() {
        if let Some(heard) = heard {
            seen(tx, &clinic_text, heard).await?;
        }
        return Ok(plan.report);
    }
    // Before the new events are in: what the touched entities held already.
    let projection = Projection::read(tx, &clinic_text, &plan.store).await?;
    store_events(tx, &clinic_text, &plan.store).await?;
    tx.execute(
        &cached(
            tx,
            "UPDATE heads h SET seq = u.seq
           FROM UNNEST($2::text[], $3::bigint[]) AS u(origin, seq)
          WHERE h.clinic = $1 AND h.origin = u.origin",
        )
        .await?,
        &[
            &clinic_text,
            &plan
                .heads
                .iter()
                .map(|(o, _)| o.to_string())
                .collect::<Vec<_>>(),
            &plan
                .heads
                .iter()
                .map(|(_, s)| *s as i64)
                .collect::<Vec<_>>(),
        ],
    )
    .await?;
    projection.write(tx, &clinic_text, &plan.store).await?;
    // Every replica's live overview hears of it, at commit (`hq::live`).
    tx.execute(
        &cached(tx, "SELECT pg_notify($1, $2)").await?,
        &[&NOTIFY_CHANNEL, &clinic_text],
    )
    .await?;
    if let Some(heard) = heard {
        seen(tx, &clinic_text, heard).await?;
    }
    Ok(plan.report)
}

/// The advisory lock key that serialises migrations between processes.
const MIGRATION_LOCK: i64 = 0x6d65_6469_636c_6f75;

/// The channel an ingest that stored events notifies, with the clinic's id.
const NOTIFY_CHANNEL: &str = "medicloud_ingest";

/// A cloud database on a PostgreSQL server.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    /// For the notices' own connection.
    config: std::sync::Arc<tokio_postgres::Config>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Postgres")
    }
}

/// The clinics `wanted` names (every clinic when `None`), by name.
async fn clinic_facts(
    client: &impl GenericClient,
    wanted: Option<Vec<ClinicId>>,
) -> Result<Vec<ClinicFacts>> {
    let wanted: Option<Vec<String>> = wanted.map(|c| c.iter().map(ClinicId::to_string).collect());
    let rows = client
        .query(
            "SELECT c.id, c.name, s.body FROM clinics c
               LEFT JOIN clinic_settings s ON s.clinic_id = c.id
              WHERE $1::text[] IS NULL OR c.id = ANY($1)
              ORDER BY c.name COLLATE \"C\", c.id COLLATE \"C\"",
            &[&wanted],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ClinicFacts {
                id: parse(r.get::<_, &str>(0), "clinic id")?,
                name: r.get(1),
                time_zone: projection::time_zone(r.get::<_, Option<&str>>(2)),
            })
        })
        .collect()
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
        // A request waits at most this long for a connection, or for one to open, so a
        // database that has gone away is answered with 503 rather than a hang.
        let wait = Some(std::time::Duration::from_secs(10));
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(wait)
            .create_timeout(wait)
            .recycle_timeout(wait)
            .build()
            .map_err(pool_error)?;
        Ok(Self {
            pool,
            config: std::sync::Arc::new(url.parse().map_err(pool_error)?),
        })
    }

    /// Writes already folded `tickets` rows of `clinic` in one transaction, with the
    /// statement an ingest uses: for loading a chain's history into the projection
    /// without ingesting its events (the report benchmarks: a year of 20 clinics is 18
    /// million events). Not a path for events — their log is not touched.
    pub async fn load_tickets(
        &self,
        clinic: ClinicId,
        rows: &[projection::TicketRow],
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        upsert_tickets(&tx, &clinic.to_string(), rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Listens for every replica's ingests on a connection of its own (reconnecting
    /// after a second when it drops) and tells `to`: [`Notice::Stored`] per notice,
    /// [`Notice::Missed`] after each reconnection. Ends when `to` is closed.
    pub fn notifications(&self, to: mpsc::UnboundedSender<Notice>) {
        let config = self.config.clone();
        tokio::spawn(async move {
            let mut first = true;
            while !to.is_closed() {
                match listen(&config, &to, first).await {
                    Ok(()) => tracing::warn!("the ingest notices' connection closed"),
                    Err(e) => tracing::warn!(error = %e, "the ingest notices' connection failed"),
                }
                first = false;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }

    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_error)
    }
}

impl Storage for Postgres {
    async fn ping(&self) -> Result<()> {
        let ping =
            async { Ok::<_, StorageError>(self.client().await?.simple_query("SELECT 1").await?) };
        match tokio::time::timeout(super::PING_TIMEOUT, ping).await {
            Ok(answer) => answer.map(drop),
            Err(_) => Err(StorageError::Database(
                "no answer within the ping timeout".into(),
            )),
        }
    }

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
                    if *name == RECORDS_MIGRATION {
                        backfill_records(&tx, super::RECORD_ENTITIES).await?;
                    }
                    if *name == PATIENTS_MIGRATION {
                        backfill_records(&tx, super::PATIENT_ENTITIES).await?;
                    }
                }
            }
            backfill(&tx).await?;
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

    async fn page(&self, clinic: ClinicId, remote: &VersionVector, limit: usize) -> Result<Page> {
        let summary = self.summary(clinic).await?;
        let spans = ingest::page(&summary, remote, limit);
        if spans.is_empty() {
            return Ok(Page {
                summary,
                events: Vec::new(),
            });
        }
        let client = self.client().await?;
        // One statement for the page: each span through the primary key, in order.
        let rows = client
            .query(
                "SELECT e.body
                   FROM UNNEST($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY
                        AS s(origin, first, last, n)
                  CROSS JOIN LATERAL (
                      SELECT body, seq FROM events
                       WHERE clinic = $1 AND origin = s.origin AND seq BETWEEN s.first AND s.last) e
                  ORDER BY s.n, e.seq",
                &[
                    &clinic.to_string(),
                    &spans
                        .iter()
                        .map(|s| s.origin.to_string())
                        .collect::<Vec<_>>(),
                    &spans.iter().map(|s| s.first as i64).collect::<Vec<_>>(),
                    &spans.iter().map(|s| s.last as i64).collect::<Vec<_>>(),
                ],
            )
            .await?;
        Ok(Page {
            summary,
            events: rows.into_iter().map(|r| r.get(0)).collect(),
        })
    }

    async fn ingest(
        &self,
        clinic: ClinicId,
        events: Vec<Event>,
        heard: Option<Heard>,
    ) -> Result<Ingest> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let report = ingest_in(&tx, clinic, events, heard).await?;
        tx.commit().await?;
        Ok(report)
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
    async fn tickets(&self, clinic: ClinicId, day: NaiveDate) -> Result<Vec<Ticket>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT state FROM tickets WHERE clinic_id = $1 AND day = $2
                 ORDER BY issued_at, id COLLATE \"C\"",
                &[&clinic.to_string(), &day.to_string()],
            )
            .await?;
        tickets_of(&rows)
    }

    async fn tickets_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Ticket>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT state FROM tickets WHERE clinic_id = $1 AND day BETWEEN $2 AND $3
                 ORDER BY day, issued_at, id COLLATE \"C\"",
                &[&clinic.to_string(), &from.to_string(), &to.to_string()],
            )
            .await?;
        tickets_of(&rows)
    }

    async fn appointments_between(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProjectedAppointment>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT a.body, a.cancelled, a.cancel_reason,
                     (SELECT t.id FROM tickets t
                       WHERE t.clinic_id = a.clinic_id AND t.appointment_id = a.id
                       ORDER BY t.issued_at, t.id COLLATE \"C\" LIMIT 1)
                   FROM appointments a
                  WHERE a.clinic_id = $1 AND a.day BETWEEN $2 AND $3
                  ORDER BY a.day, a.code COLLATE \"C\", a.id COLLATE \"C\"",
                &[&clinic.to_string(), &from.to_string(), &to.to_string()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                projection::appointment_of(
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get::<_, Option<&str>>(3),
                )
            })
            .collect()
    }

    async fn clinic_settings(&self, clinic: ClinicId) -> Result<Option<Clinic>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT body FROM clinic_settings WHERE clinic_id = $1",
                &[&clinic.to_string()],
            )
            .await?;
        Ok(row
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)))
            .transpose()?)
    }

    async fn configuration(&self, clinic: ClinicId) -> Result<Configuration> {
        configuration(&self.client().await?, &clinic.to_string()).await
    }

    async fn report_source(
        &self,
        clinic: ClinicId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ReportSource> {
        let mut client = self.client().await?;
        // One snapshot for every read.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let (clinic, from, to) = (clinic.to_string(), from.to_string(), to.to_string());
        let settings = tx
            .query_opt(
                "SELECT body FROM clinic_settings WHERE clinic_id = $1",
                &[&clinic],
            )
            .await?;
        let time_zone = projection::time_zone(settings.as_ref().map(|r| r.get::<_, &str>(0)));
        let basis = Facts::basis(time_zone);
        let rows = tx
            .query(
                "SELECT day, gen, CASE WHEN basis = $4 THEN facts END FROM report_days
                  WHERE clinic_id = $1 AND day BETWEEN $2 AND $3",
                &[&clinic, &from, &to, &basis],
            )
            .await?;
        let (mut kept, mut generations) = (Vec::new(), BTreeMap::new());
        for row in &rows {
            generations.insert(parse(row.get::<_, &str>(0), "report day")?, row.get(1));
            if let Some(facts) = row.get::<_, Option<&str>>(2) {
                kept.push(serde_json::from_str(facts)?);
            }
        }
        let rows = tx
            .query(
                "SELECT state FROM tickets WHERE clinic_id = $1 AND day BETWEEN $2 AND $3
                    AND day NOT IN (SELECT day FROM report_days WHERE clinic_id = $1
                                       AND day BETWEEN $2 AND $3 AND basis = $4)",
                &[&clinic, &from, &to, &basis],
            )
            .await?;
        let tickets = rows
            .iter()
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let rows = tx
            .query(
                "SELECT body, cancelled, cancel_reason FROM appointments
                  WHERE clinic_id = $1 AND day BETWEEN $2 AND $3",
                &[&clinic, &from, &to],
            )
            .await?;
        let appointments = rows
            .iter()
            .map(|r| projection::appointment_state(r.get(0), r.get(1), r.get(2)))
            .collect::<Result<Vec<_>>>()?;
        let Configuration {
            services, staff, ..
        } = configuration(&tx, &clinic).await?;
        tx.commit().await?;
        Ok(ReportSource {
            kept,
            generations,
            tickets,
            appointments,
            services,
            staff,
            time_zone,
        })
    }

    async fn keep_report_days(
        &self,
        clinic: ClinicId,
        basis: String,
        days: Vec<DayFacts>,
    ) -> Result<usize> {
        if days.is_empty() {
            return Ok(0);
        }
        let mut client = self.client().await?;
        let facts = days
            .iter()
            .map(|d| serde_json::to_string(&d.facts))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // Kept facts are computed again from the tickets whenever they are missing, so
        // this commit need not wait for the disk: a crash loses a cache, nothing else.
        let tx = client.transaction().await?;
        tx.batch_execute("SET LOCAL synchronous_commit TO OFF")
            .await?;
        let kept = tx
            .execute(
                "INSERT INTO report_days (clinic_id, day, gen, basis, facts)
                     SELECT $1, day, gen, $2, facts
                       FROM UNNEST($3::text[], $4::bigint[], $5::text[]) AS d (day, gen, facts)
                     ON CONFLICT (clinic_id, day) DO UPDATE SET basis = excluded.basis,
                         facts = excluded.facts
                      WHERE report_days.gen = excluded.gen",
                &[
                    &clinic.to_string(),
                    &basis,
                    &days.iter().map(|d| d.day.to_string()).collect::<Vec<_>>(),
                    &days.iter().map(|d| d.generation).collect::<Vec<_>>(),
                    &facts,
                ],
            )
            .await?;
        tx.commit().await?;
        Ok(kept as usize)
    }

    async fn overview(
        &self,
        clinics: Option<Vec<ClinicId>>,
        now_ms: i64,
    ) -> Result<Vec<ClinicOverview>> {
        let client = self.client().await?;
        let facts = clinic_facts(&client, clinics).await?;
        // Three statements for the whole chain: each clinic's today is its own.
        let ids: Vec<String> = facts.iter().map(|c| c.id.to_string()).collect();
        let days: Vec<String> = facts.iter().map(|c| c.today(now_ms).to_string()).collect();
        let counts = client
            .query(
                "SELECT t.clinic_id, t.status, count(*)::bigint, min(t.queued_at)
                   FROM UNNEST($1::text[], $2::text[]) AS d(clinic_id, day)
                   JOIN tickets t ON t.clinic_id = d.clinic_id AND t.day = d.day
                  GROUP BY t.clinic_id, t.status",
                &[&ids, &days],
            )
            .await?;
        let mut groups: BTreeMap<String, Vec<StatusCount>> = BTreeMap::new();
        for r in &counts {
            let status: &str = r.get(1);
            groups
                .entry(r.get::<_, String>(0))
                .or_default()
                .push(StatusCount {
                    status: TicketStatus::parse(status)
                        .ok_or_else(|| StorageError::Corrupt(format!("status {status:?}")))?,
                    count: u32::try_from(r.get::<_, i64>(2)).unwrap_or(u32::MAX),
                    first_queued_ms: r.get(3),
                });
        }
        let devices = client
            .query(
                "SELECT d.clinic, d.id, d.name, s.last_seen_ms FROM devices d
                   LEFT JOIN device_seen s ON s.clinic_id = d.clinic AND s.device_id = d.id
                  WHERE d.clinic = ANY($1) AND NOT d.revoked ORDER BY d.clinic, d.slot",
                &[&ids],
            )
            .await?;
        let mut seen: BTreeMap<String, Vec<DeviceSeen>> = BTreeMap::new();
        for r in &devices {
            seen.entry(r.get::<_, String>(0))
                .or_default()
                .push(DeviceSeen {
                    id: parse(r.get::<_, &str>(1), "device id")?,
                    name: r.get(2),
                    last_seen_ms: r.get(3),
                });
        }
        Ok(facts
            .into_iter()
            .map(|c| {
                let id = c.id.to_string();
                let today = groups.remove(&id).unwrap_or_default();
                let devices = seen.remove(&id).unwrap_or_default();
                c.overview(&today, devices, now_ms)
            })
            .collect())
    }

    async fn clinic_list(&self, clinics: Option<Vec<ClinicId>>) -> Result<Vec<ClinicEntry>> {
        let client = self.client().await?;
        Ok(clinic_facts(&client, clinics)
            .await?
            .into_iter()
            .map(ClinicFacts::entry)
            .collect())
    }

    async fn audit_page(
        &self,
        clinics: Vec<ClinicId>,
        since: Stamp,
        after: Option<TrailKey>,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let client = self.client().await?;
        let clinics: Vec<String> = clinics.iter().map(ClinicId::to_string).collect();
        let (stamp, origin, seq) = after.map_or((None, String::new(), 0), |(s, o, q)| {
            (Some(s.0 as i64), o.to_string(), q as i64)
        });
        // One statement for the page: each clinic's newest `limit` by its index
        // (`events_by_stamp`), merged.
        let rows = client
            .query(
                "SELECT e.body FROM UNNEST($1::text[]) AS c(id)
                 CROSS JOIN LATERAL (
                     SELECT body, stamp, origin, seq FROM events
                      WHERE clinic = c.id AND stamp >= $2
                        AND ($3::bigint IS NULL OR stamp < $3
                             OR stamp = $3 AND (origin COLLATE \"C\", seq) > ($4, $5))
                      ORDER BY stamp DESC, origin COLLATE \"C\", seq LIMIT $6) e
                 ORDER BY e.stamp DESC, e.origin COLLATE \"C\", e.seq LIMIT $6",
                &[
                    &clinics,
                    &(since.0 as i64),
                    &stamp,
                    &origin,
                    &seq,
                    &(limit as i64),
                ],
            )
            .await?;
        let events = rows
            .iter()
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)))
            .collect::<std::result::Result<Vec<Event>, _>>()?;
        Ok(super::newest_first(events, limit))
    }

    async fn trail_key(
        &self,
        clinics: Vec<ClinicId>,
        origin: DeviceId,
        seq: u64,
    ) -> Result<Option<TrailKey>> {
        let client = self.client().await?;
        let clinics: Vec<String> = clinics.iter().map(ClinicId::to_string).collect();
        let row = client
            .query_opt(
                "SELECT stamp FROM events WHERE clinic = ANY($1) AND origin = $2 AND seq = $3",
                &[&clinics, &origin.to_string(), &(seq as i64)],
            )
            .await?;
        Ok(row.map(|r| (Stamp(r.get::<_, i64>(0) as u64), origin, seq)))
    }

    async fn audit_answers(&self, clinic: ClinicId, lookups: Lookups) -> Result<Answers> {
        let client = self.client().await?;
        let clinic = clinic.to_string();
        let mut answers = Answers::default();
        // Three statements for the page, however many rows ask.
        if !lookups.tickets.is_empty() {
            let ids: Vec<String> = lookups.tickets.iter().map(|t| t.to_string()).collect();
            let rows = client
                .query(
                    "SELECT id, label FROM tickets WHERE clinic_id = $1 AND id = ANY($2)",
                    &[&clinic, &ids],
                )
                .await?;
            for r in &rows {
                answers
                    .ticket_labels
                    .insert(parse(r.get::<_, &str>(0), "ticket id")?, r.get(1));
            }
        }
        if !lookups.counters.is_empty() {
            let entities: Vec<String> = lookups
                .counters
                .iter()
                .map(|c| Entity::Counter(c.clone()).to_string())
                .collect();
            let rows = client
                .query(
                    "SELECT body FROM records WHERE clinic_id = $1 AND entity = ANY($2)",
                    &[&clinic, &entities],
                )
                .await?;
            for r in &rows {
                let counter: Counter = serde_json::from_str(r.get::<_, &str>(0))?;
                answers.counter_names.insert(counter.id, counter.name);
            }
        }
        if !lookups.previous.is_empty() {
            let (entities, stamps): (Vec<String>, Vec<i64>) = lookups
                .previous
                .into_iter()
                .map(|(entity, stamp)| (entity, stamp.0 as i64))
                .unzip();
            let rows = client
                .query(
                    "SELECT q.entity, q.stamp, e.body
                       FROM UNNEST($2::text[], $3::bigint[]) AS q(entity, stamp)
                      CROSS JOIN LATERAL (
                          SELECT body FROM events
                           WHERE clinic = $1 AND entity = q.entity AND stamp < q.stamp
                           ORDER BY stamp DESC LIMIT 1) e",
                    &[&clinic, &entities, &stamps],
                )
                .await?;
            for r in &rows {
                let before = serde_json::from_str::<Event>(r.get::<_, &str>(2))?.body;
                answers
                    .previous
                    .insert((r.get(0), Stamp(r.get::<_, i64>(1) as u64)), before);
            }
        }
        Ok(answers)
    }

    async fn actor_names(
        &self,
        clinic: ClinicId,
        actors: Vec<Actor>,
    ) -> Result<HashMap<Actor, String>> {
        let client = self.client().await?;
        let clinic = clinic.to_string();
        let by_entity: HashMap<String, Actor> = actors
            .into_iter()
            .filter_map(|a| super::actor_entity(&a).map(|e| (e, a)))
            .collect();
        let (mut staff, mut devices) = (Vec::new(), Vec::new());
        for (entity, actor) in &by_entity {
            match actor {
                Actor::Staff(_) => staff.push(entity.clone()),
                _ => devices.push(entity.clone()),
            }
        }
        // Two statements for the page: the accounts' records, the devices' latest events.
        let mut rows = client
            .query(
                "SELECT entity, body FROM records WHERE clinic_id = $1 AND entity = ANY($2)",
                &[&clinic, &staff],
            )
            .await?;
        rows.extend(
            client
                .query(
                    "SELECT DISTINCT ON (entity) entity, body FROM events
                      WHERE clinic = $1 AND entity = ANY($2)
                      ORDER BY entity, stamp DESC",
                    &[&clinic, &devices],
                )
                .await?,
        );
        let mut names = HashMap::new();
        for r in &rows {
            if let Some(actor) = by_entity.get(r.get::<_, &str>(0))
                && let Some(name) = super::actor_name(actor, r.get(1))?
            {
                names.insert(*actor, name);
            }
        }
        Ok(names)
    }
}
