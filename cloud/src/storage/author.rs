//! The cloud's own writes ([`crate::author`]) behind [`AuthorStorage`], beside
//! [`super::Storage`], on both engines, and the reads the public booking routes make.
//!
//! A write is one transaction: the clinic's `cloud_origins` row locked (made at its
//! first write), the [`Snapshot`] read, the caller's check, and the events it asks for
//! stored through the ingest's own path (`sqlite::ingest_in`, `postgres::ingest_in`),
//! with the origin's last seq and stamp and the codes of new bookings
//! (`booking_codes`). On PostgreSQL the lock is `SELECT … FOR UPDATE` on the row, and
//! the reads after it see whatever the write before it committed (each statement of a
//! `READ COMMITTED` transaction reads anew); the snapshot's reads go out pipelined, in
//! one round trip. SQLite runs it in one `IMMEDIATE` transaction, one writer at a time.

use super::{ClinicEntry, Postgres, Result, Sqlite, StorageError, parse};
use crate::author::{self, AuthorRead, Booking, Decision, Origin, Snapshot};
use crate::projection;
use medicloud_core::domain::{Appointment, Service};
use medicloud_core::event::{Entity, Event, Stamp};
use medicloud_core::ids::{AppointmentId, ClinicId, DeviceId};
use medicloud_core::schedule::DeskReserve;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::future::Future;

/// The cloud's own writes and the public booking routes' reads.
pub trait AuthorStorage: Send + Sync + 'static {
    /// The clinic as [`AuthorStorage::author`]'s check would see it, read without the
    /// lock: for the answers that change nothing (a day's free places, a lookup).
    fn snapshot(
        &self,
        clinic: ClinicId,
        read: AuthorRead,
    ) -> impl Future<Output = Result<Snapshot>> + Send;
    /// One write of the cloud's own events in `clinic`, in one transaction: the
    /// clinic's origin locked, `read` read, `decide` run on it, and the events it asks
    /// for appended to the origin's series at `now_ms` through the ingest's path. What
    /// `decide` refuses (`Err`) writes nothing. A clinic not registered is read as
    /// [`Snapshot::clinic`] `None`, and no event is written in it.
    fn author<T, E, F>(
        &self,
        clinic: ClinicId,
        read: AuthorRead,
        now_ms: i64,
        decide: F,
    ) -> impl Future<Output = Result<std::result::Result<T, E>>> + Send
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Snapshot) -> std::result::Result<Decision<T>, E> + Send + 'static;
    /// The clinics and appointments of the online booking `code` (as stored: upper
    /// case, no dashes). A code is unique among one clinic's live appointments, not
    /// across the chain, so a code may name bookings of several clinics.
    fn booking_codes(
        &self,
        code: &str,
    ) -> impl Future<Output = Result<Vec<(ClinicId, AppointmentId)>>> + Send;
    /// The clinic's cloud origin, if it has written anything.
    fn cloud_origin(&self, clinic: ClinicId)
    -> impl Future<Output = Result<Option<Origin>>> + Send;
    /// Every clinic's services, as its nodes last set them, by clinic and code.
    fn services_of_clinics(&self) -> impl Future<Output = Result<Vec<(ClinicId, Service)>>> + Send;
}

/// The `records` entity of a service.
fn service_entity(read: &AuthorRead) -> Option<String> {
    read.service
        .as_ref()
        .map(|s| Entity::Service(s.as_str().to_owned()).to_string())
}

fn origin_of(origin: &str, last_seq: i64, last_stamp: i64) -> Result<Origin> {
    Ok(Origin {
        id: parse(origin, "cloud origin")?,
        last_seq: last_seq as u64,
        last_stamp: Stamp(last_stamp as u64),
    })
}

/// The error of a write whose events the log did not take whole: only when something
/// else writes the cloud origin's series.
fn not_taken(stored: usize, wanted: usize) -> StorageError {
    StorageError::Database(format!(
        "the cloud origin's series took {stored} of {wanted} events; nothing was written"
    ))
}

// --- SQLite -------------------------------------------------------------------------

fn snapshot_sqlite(conn: &Connection, clinic: ClinicId, read: &AuthorRead) -> Result<Snapshot> {
    let id = clinic.to_string();
    let registered: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT c.name, s.body FROM clinics c
               LEFT JOIN clinic_settings s ON s.clinic_id = c.id WHERE c.id = ?1",
        )?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let time_zone = projection::time_zone(registered.as_ref().and_then(|(_, s)| s.as_deref()));
    let clinic_entry = registered.map(|(name, _)| ClinicEntry {
        id: clinic,
        name,
        time_zone: time_zone.name().to_owned(),
    });
    let appointment = match read.appointment {
        None => None,
        Some(appointment) => booking_sqlite(conn, &id, appointment)?,
    };
    let entity = service_entity(read).or_else(|| {
        appointment.as_ref().map(|b| {
            Entity::Service(b.appointment.appointment.service.as_str().to_owned()).to_string()
        })
    });
    let service = match entity {
        None => None,
        Some(entity) => conn
            .prepare_cached("SELECT body FROM records WHERE clinic_id = ?1 AND entity = ?2")?
            .query_row(params![id, entity], |r| r.get::<_, String>(0))
            .optional()?
            .map(|body| serde_json::from_str::<Service>(&body))
            .transpose()?,
    };
    let mut live = Vec::new();
    if let (Some(service), Some((first, last))) = (&read.service, read.days) {
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM appointments
              WHERE clinic_id = ?1 AND day BETWEEN ?2 AND ?3 AND service = ?4
                AND cancelled = 0",
        )?;
        let rows = stmt.query_map(
            params![id, first.to_string(), last.to_string(), service.as_str()],
            |r| r.get::<_, String>(0),
        )?;
        for body in rows {
            live.push(serde_json::from_str::<Appointment>(&body?)?);
        }
    }
    let mut reserves = Vec::new();
    if let (Some(service), Some((first, last))) = (&read.service, read.days) {
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM records
              WHERE clinic_id = ?1 AND entity >= 'desk_reserve/' AND entity < 'desk_reserve0'
                AND json_extract(body, '$.service') = ?4
                AND json_extract(body, '$.date') BETWEEN ?2 AND ?3",
        )?;
        let rows = stmt.query_map(
            params![id, first.to_string(), last.to_string(), service.as_str()],
            |r| r.get::<_, String>(0),
        )?;
        for body in rows {
            reserves.push(serde_json::from_str::<DeskReserve>(&body?)?);
        }
    }
    let mut taken = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM appointments WHERE clinic_id = ?1 AND code = ?2 AND cancelled = 0 LIMIT 1",
    )?;
    for code in &read.codes {
        if stmt
            .query_row(params![id, code], |_| Ok(()))
            .optional()?
            .is_some()
        {
            taken.push(code.clone());
        }
    }
    Ok(Snapshot {
        clinic: clinic_entry,
        time_zone,
        service,
        live,
        reserves,
        appointment,
        taken,
    })
}

fn booking_sqlite(conn: &Connection, clinic: &str, id: AppointmentId) -> Result<Option<Booking>> {
    let row: Option<(String, bool, Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT a.body, a.cancelled, a.cancel_reason,
                 (SELECT t.id FROM tickets t
                   WHERE t.clinic_id = a.clinic_id AND t.appointment_id = a.id
                   ORDER BY t.issued_at, t.id LIMIT 1)
               FROM appointments a WHERE a.clinic_id = ?1 AND a.id = ?2",
        )?
        .query_row(params![clinic, id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((body, cancelled, reason, ticket)) = row else {
        return Ok(None);
    };
    let appointment = projection::appointment_of(&body, cancelled, reason, ticket.as_deref())?;
    let patient = match appointment.appointment.patient {
        None => None,
        Some(patient) => {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM events INDEXED BY events_by_entity
                  WHERE clinic = ?1 AND entity = ?2",
            )?;
            let rows = stmt
                .query_map(params![clinic, Entity::Patient(patient).to_string()], |r| {
                    r.get::<_, String>(0)
                })?;
            let events = rows
                .map(|body| Ok(serde_json::from_str::<Event>(&body?)?))
                .collect::<Result<Vec<_>>>()?;
            author::patient_of(&events)
        }
    };
    Ok(Some(Booking {
        appointment,
        patient,
    }))
}

/// A `cloud_origins` row with its series' head in the log: origin, last seq, last stamp,
/// head seq, head stamp.
type OriginRow = (String, i64, i64, Option<i64>, Option<i64>);

/// The clinic's origin, locked by the caller's `IMMEDIATE` transaction; made when the
/// clinic is registered and has none. With the head its series has in the log.
fn origin_sqlite(conn: &Connection, clinic: &str) -> Result<Option<Origin>> {
    conn.prepare_cached(
        "INSERT INTO cloud_origins (clinic_id, origin, last_seq, last_stamp)
         SELECT id, ?2, 0, 0 FROM clinics WHERE id = ?1
         ON CONFLICT (clinic_id) DO NOTHING",
    )?
    .execute(params![clinic, DeviceId::random().to_string()])?;
    let row: Option<OriginRow> = conn
        .prepare_cached(
            "SELECT o.origin, o.last_seq, o.last_stamp, h.seq,
                 (SELECT e.stamp FROM events e
                   WHERE e.clinic = h.clinic AND e.origin = h.origin AND e.seq = h.seq)
               FROM cloud_origins o
               LEFT JOIN heads h ON h.clinic = o.clinic_id AND h.origin = o.origin
              WHERE o.clinic_id = ?1",
        )?
        .query_row([clinic], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    row.map(|(origin, seq, stamp, head, head_stamp)| {
        Ok(origin_of(&origin, seq, stamp)?.with_log(
            head.unwrap_or(0) as u64,
            Stamp(head_stamp.unwrap_or(0) as u64),
        ))
    })
    .transpose()
}

impl AuthorStorage for Sqlite {
    async fn snapshot(&self, clinic: ClinicId, read: AuthorRead) -> Result<Snapshot> {
        self.run(move |conn| {
            // One snapshot of the several reads.
            let tx = conn.transaction()?;
            let snapshot = snapshot_sqlite(&tx, clinic, &read)?;
            tx.commit()?;
            Ok(snapshot)
        })
        .await
    }

    async fn author<T, E, F>(
        &self,
        clinic: ClinicId,
        read: AuthorRead,
        now_ms: i64,
        decide: F,
    ) -> Result<std::result::Result<T, E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Snapshot) -> std::result::Result<Decision<T>, E> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = clinic.to_string();
            let origin = origin_sqlite(&tx, &id)?;
            let snapshot = snapshot_sqlite(&tx, clinic, &read)?;
            let decision = match decide(&snapshot) {
                Ok(decision) => decision,
                Err(refused) => return Ok(Err(refused)),
            };
            if decision.bodies.is_empty() {
                return Ok(Ok(decision.value));
            }
            let origin = origin.ok_or_else(|| {
                StorageError::Database(format!("no clinic {clinic} to write events in"))
            })?;
            let wanted = decision.bodies.len();
            let (mut events, after) = author::next(clinic, &origin, now_ms, decision.bodies);
            events.iter_mut().for_each(|e| e.actor = decision.actor);
            let codes = author::codes_of(&events);
            let batch = medicloud_sync::ingest::Batch::new(clinic, events);
            let report = super::sqlite::ingest_in(&tx, clinic, batch, None)?;
            if report.accepted != wanted {
                return Err(not_taken(report.accepted, wanted));
            }
            tx.prepare_cached(
                "UPDATE cloud_origins SET last_seq = ?2, last_stamp = ?3 WHERE clinic_id = ?1",
            )?
            .execute(params![
                id,
                after.last_seq as i64,
                after.last_stamp.0 as i64
            ])?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO booking_codes (code, clinic_id, appointment_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code, clinic_id) DO UPDATE SET appointment_id = excluded.appointment_id",
            )?;
            for (code, appointment) in &codes {
                stmt.execute(params![code, id, appointment.to_string()])?;
            }
            drop(stmt);
            tx.commit()?;
            Ok(Ok(decision.value))
        })
        .await
    }

    async fn booking_codes(&self, code: &str) -> Result<Vec<(ClinicId, AppointmentId)>> {
        let code = code.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT clinic_id, appointment_id FROM booking_codes WHERE code = ?1
                  ORDER BY clinic_id",
            )?;
            let rows = stmt.query_map([code], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            rows.map(|row| {
                let (clinic, appointment) = row?;
                Ok((
                    parse(&clinic, "clinic id")?,
                    parse(&appointment, "appointment id")?,
                ))
            })
            .collect()
        })
        .await
    }

    async fn cloud_origin(&self, clinic: ClinicId) -> Result<Option<Origin>> {
        self.run(move |conn| {
            let row: Option<(String, i64, i64)> = conn
                .prepare_cached(
                    "SELECT origin, last_seq, last_stamp FROM cloud_origins WHERE clinic_id = ?1",
                )?
                .query_row([clinic.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            row.map(|(o, s, t)| origin_of(&o, s, t)).transpose()
        })
        .await
    }

    async fn services_of_clinics(&self) -> Result<Vec<(ClinicId, Service)>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT clinic_id, body FROM records
                  WHERE entity >= 'service/' AND entity < 'service0'
                  ORDER BY clinic_id, entity",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            rows.map(|row| {
                let (clinic, body) = row?;
                Ok((parse(&clinic, "clinic id")?, serde_json::from_str(&body)?))
            })
            .collect()
        })
        .await
    }
}

// --- PostgreSQL ---------------------------------------------------------------------

/// A statement's parameter.
type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);

/// The clinic as registered, with its settings.
const CLINIC: &str = "SELECT c.name, s.body FROM clinics c
               LEFT JOIN clinic_settings s ON s.clinic_id = c.id WHERE c.id = $1";
/// The service asked for, else the appointment's.
const SERVICE: &str = "SELECT body FROM records WHERE clinic_id = $1
                AND entity = COALESCE($2, (SELECT 'service/' || service FROM appointments
                                            WHERE clinic_id = $1 AND id = $3))";
/// The live appointments of a service on some days.
const LIVE: &str = "SELECT body FROM appointments
              WHERE clinic_id = $1 AND day BETWEEN $2 AND $3 AND service = $4
                AND NOT cancelled";
/// The desk reserves of a service on some days.
const RESERVES: &str = "SELECT body FROM records
              WHERE clinic_id = $1 AND entity >= 'desk_reserve/' AND entity < 'desk_reserve0'
                AND body::jsonb ->> 'service' = $4
                AND body::jsonb ->> 'date' BETWEEN $2 AND $3";
/// One appointment, with the ticket that checked it in.
const BOOKED: &str = "SELECT a.body, a.cancelled, a.cancel_reason,
                 (SELECT t.id FROM tickets t
                   WHERE t.clinic_id = a.clinic_id AND t.appointment_id = a.id
                   ORDER BY t.issued_at, t.id COLLATE \"C\" LIMIT 1)
               FROM appointments a WHERE a.clinic_id = $1 AND a.id = $2";
/// The events of an appointment's patient.
const PATIENT: &str = "SELECT e.body FROM appointments a
               JOIN events e ON e.clinic = a.clinic_id
                AND e.entity = 'patient/' || (a.body::jsonb ->> 'patient')
              WHERE a.clinic_id = $1 AND a.id = $2";
/// Which of some codes live appointments hold.
const TAKEN: &str = "SELECT DISTINCT code FROM appointments
              WHERE clinic_id = $1 AND code = ANY($2) AND NOT cancelled";

/// The clinic's origin row, locked until the transaction ends, with the head its
/// series has in the log.
const LOCK: &str = "SELECT o.origin, o.last_seq, o.last_stamp, h.seq,
         (SELECT e.stamp FROM events e
           WHERE e.clinic = h.clinic AND e.origin = h.origin AND e.seq = h.seq)
       FROM cloud_origins o
       LEFT JOIN heads h ON h.clinic = o.clinic_id AND h.origin = o.origin
      WHERE o.clinic_id = $1
        FOR UPDATE OF o";

fn locked(row: Option<tokio_postgres::Row>) -> Result<Option<Origin>> {
    row.map(|r| {
        Ok(origin_of(r.get(0), r.get(1), r.get(2))?.with_log(
            r.get::<_, Option<i64>>(3).unwrap_or(0) as u64,
            Stamp(r.get::<_, Option<i64>>(4).unwrap_or(0) as u64),
        ))
    })
    .transpose()
}

/// The clinic as `read` asks, and with `lock` its origin locked first: the lock and the
/// reads go out in one pipeline (tokio-postgres sends the statements of futures polled
/// together on one connection in order, each prepared once per connection), and the
/// server runs them in order, so every read starts once the lock is held — one round
/// trip. `None` for the origin when the clinic has none yet (or `lock` is false).
async fn snapshot_postgres(
    tx: &impl deadpool_postgres::GenericClient,
    clinic: ClinicId,
    read: &AuthorRead,
    lock: bool,
) -> Result<(Option<Origin>, Snapshot)> {
    let id = clinic.to_string();
    let service_entity = service_entity(read);
    let (service_code, first, last) = match (&read.service, read.days) {
        (Some(s), Some((first, last))) => (
            Some(s.as_str().to_owned()),
            Some(first.to_string()),
            Some(last.to_string()),
        ),
        _ => (None, None, None),
    };
    let appointment = read.appointment.map(|a| a.to_string());
    let of_clinic: &[Param<'_>] = &[&id];
    let of_service: &[Param<'_>] = &[&id, &service_entity, &appointment];
    let of_day: &[Param<'_>] = &[&id, &first, &last, &service_code];
    let of_appointment: &[Param<'_>] = &[&id, &appointment];
    let of_codes: &[Param<'_>] = &[&id, &read.codes];
    let (lock_sql, clinic_sql, service_sql, live_sql, reserves_sql) = futures::try_join!(
        tx.prepare_cached(LOCK),
        tx.prepare_cached(CLINIC),
        tx.prepare_cached(SERVICE),
        tx.prepare_cached(LIVE),
        tx.prepare_cached(RESERVES),
    )?;
    let (booked_sql, patient_sql, taken_sql) = futures::try_join!(
        tx.prepare_cached(BOOKED),
        tx.prepare_cached(PATIENT),
        tx.prepare_cached(TAKEN),
    )?;
    let origin = async {
        if lock {
            tx.query_opt(&lock_sql, of_clinic).await
        } else {
            Ok(None)
        }
    };
    let (origin, registered, service, live, reserves, booked, patient, taken) = futures::try_join!(
        origin,
        tx.query_opt(&clinic_sql, of_clinic),
        tx.query_opt(&service_sql, of_service),
        tx.query(&live_sql, of_day),
        tx.query(&reserves_sql, of_day),
        tx.query_opt(&booked_sql, of_appointment),
        tx.query(&patient_sql, of_appointment),
        tx.query(&taken_sql, of_codes),
    )?;
    let time_zone = projection::time_zone(
        registered
            .as_ref()
            .and_then(|r| r.get::<_, Option<&str>>(1)),
    );
    let clinic_entry = registered.map(|r| ClinicEntry {
        id: clinic,
        name: r.get(0),
        time_zone: time_zone.name().to_owned(),
    });
    let service = service
        .map(|r| serde_json::from_str::<Service>(r.get::<_, &str>(0)))
        .transpose()?;
    let live = live
        .iter()
        .map(|r| serde_json::from_str::<Appointment>(r.get::<_, &str>(0)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let reserves = reserves
        .iter()
        .map(|r| serde_json::from_str::<DeskReserve>(r.get::<_, &str>(0)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let appointment = match booked {
        None => None,
        Some(r) => {
            let appointment = projection::appointment_of(
                r.get(0),
                r.get(1),
                r.get(2),
                r.get::<_, Option<&str>>(3),
            )?;
            let events = patient
                .iter()
                .map(|r| serde_json::from_str::<Event>(r.get::<_, &str>(0)))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Some(Booking {
                appointment,
                patient: author::patient_of(&events),
            })
        }
    };
    let snapshot = Snapshot {
        clinic: clinic_entry,
        time_zone,
        service,
        live,
        reserves,
        appointment,
        taken: taken.iter().map(|r| r.get(0)).collect(),
    };
    Ok((locked(origin)?, snapshot))
}

impl AuthorStorage for Postgres {
    async fn snapshot(&self, clinic: ClinicId, read: AuthorRead) -> Result<Snapshot> {
        let mut client = self.client().await?;
        // One snapshot of the several reads.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let (_, snapshot) = snapshot_postgres(&tx, clinic, &read, false).await?;
        tx.commit().await?;
        Ok(snapshot)
    }

    async fn author<T, E, F>(
        &self,
        clinic: ClinicId,
        read: AuthorRead,
        now_ms: i64,
        decide: F,
    ) -> Result<std::result::Result<T, E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Snapshot) -> std::result::Result<Decision<T>, E> + Send + 'static,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id = clinic.to_string();
        // The lock, then the reads (which so see what the write before committed).
        let (origin, snapshot) = match snapshot_postgres(&tx, clinic, &read, true).await? {
            (Some(origin), snapshot) => (Some(origin), snapshot),
            (None, _) => {
                // The clinic's first write: its origin is made (once, whoever is first),
                // locked as every later write locks it, and the clinic read again.
                tx.execute(
                    "INSERT INTO cloud_origins (clinic_id, origin, last_seq, last_stamp)
                     SELECT id, $2, 0, 0 FROM clinics WHERE id = $1
                     ON CONFLICT (clinic_id) DO NOTHING",
                    &[&id, &DeviceId::random().to_string()],
                )
                .await?;
                snapshot_postgres(&tx, clinic, &read, true).await?
            }
        };
        let decision = match decide(&snapshot) {
            Ok(decision) => decision,
            Err(refused) => return Ok(Err(refused)),
        };
        if decision.bodies.is_empty() {
            tx.commit().await?;
            return Ok(Ok(decision.value));
        }
        let origin = origin.ok_or_else(|| {
            StorageError::Database(format!("no clinic {clinic} to write events in"))
        })?;
        let wanted = decision.bodies.len();
        let (mut events, after) = author::next(clinic, &origin, now_ms, decision.bodies);
        events.iter_mut().for_each(|e| e.actor = decision.actor);
        let codes = author::codes_of(&events);
        let report = super::postgres::ingest_in(&tx, clinic, events, None).await?;
        if report.accepted != wanted {
            return Err(not_taken(report.accepted, wanted));
        }
        let (code_list, appointments): (Vec<String>, Vec<String>) = codes
            .into_iter()
            .map(|(code, a)| (code, a.to_string()))
            .unzip();
        // One statement: the origin moved on, the new bookings' codes kept.
        let statement = tx
            .prepare_cached(
                "WITH moved AS (
                 UPDATE cloud_origins SET last_seq = $2, last_stamp = $3 WHERE clinic_id = $1)
             INSERT INTO booking_codes (code, clinic_id, appointment_id)
             SELECT code, $1, a FROM UNNEST($4::text[], $5::text[]) AS u(code, a)
             ON CONFLICT (code, clinic_id) DO UPDATE SET appointment_id = excluded.appointment_id",
            )
            .await?;
        tx.execute(
            &statement,
            &[
                &id,
                &(after.last_seq as i64),
                &(after.last_stamp.0 as i64),
                &code_list,
                &appointments,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(decision.value))
    }

    async fn booking_codes(&self, code: &str) -> Result<Vec<(ClinicId, AppointmentId)>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT clinic_id, appointment_id FROM booking_codes WHERE code = $1
                  ORDER BY clinic_id COLLATE \"C\"",
                &[&code],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse(r.get::<_, &str>(0), "clinic id")?,
                    parse(r.get::<_, &str>(1), "appointment id")?,
                ))
            })
            .collect()
    }

    async fn cloud_origin(&self, clinic: ClinicId) -> Result<Option<Origin>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT origin, last_seq, last_stamp FROM cloud_origins WHERE clinic_id = $1",
                &[&clinic.to_string()],
            )
            .await?;
        row.map(|r| origin_of(r.get(0), r.get(1), r.get(2)))
            .transpose()
    }

    async fn services_of_clinics(&self) -> Result<Vec<(ClinicId, Service)>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT clinic_id, body FROM records
                  WHERE entity >= 'service/' AND entity < 'service0'
                  ORDER BY clinic_id COLLATE \"C\", entity COLLATE \"C\"",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse(r.get::<_, &str>(0), "clinic id")?,
                    serde_json::from_str(r.get::<_, &str>(1))?,
                ))
            })
            .collect()
    }
}

impl AuthorStorage for super::AnyStorage {
    async fn snapshot(&self, clinic: ClinicId, read: AuthorRead) -> Result<Snapshot> {
        both!(self, s => s.snapshot(clinic, read))
    }
    async fn author<T, E, F>(
        &self,
        clinic: ClinicId,
        read: AuthorRead,
        now_ms: i64,
        decide: F,
    ) -> Result<std::result::Result<T, E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&Snapshot) -> std::result::Result<Decision<T>, E> + Send + 'static,
    {
        both!(self, s => s.author(clinic, read, now_ms, decide))
    }
    async fn booking_codes(&self, code: &str) -> Result<Vec<(ClinicId, AppointmentId)>> {
        both!(self, s => s.booking_codes(code))
    }
    async fn cloud_origin(&self, clinic: ClinicId) -> Result<Option<Origin>> {
        both!(self, s => s.cloud_origin(clinic))
    }
    async fn services_of_clinics(&self) -> Result<Vec<(ClinicId, Service)>> {
        both!(self, s => s.services_of_clinics())
    }
}
