//! The cloud's projections, each test on SQLite and on PostgreSQL (when one answers):
//! the events of a clinic's day on a real node, fed to another node and to the cloud,
//! give the same tickets, appointments and states, each touched row written once per
//! batch; a late event re-folds only its entity; events stored before the projections
//! are folded by the migration; the overview's figures on a small known history; and a
//! device's last-seen time moves when it syncs over HTTP.

use crate::util::{Db, server, sha256_hex};
use chrono::{NaiveDate, NaiveTime};
use medicloud_cloud::projection::ProjectedAppointment;
use medicloud_cloud::storage::{AnyStorage, EnrolOutcome, Heard, Storage};
use medicloud_core::domain::{Clinic, CounterId, ServiceCode};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId, TicketId, VisitId};
use medicloud_core::ticket::{self, Issue, Ticket, TicketChange, TicketStatus};
use medicloud_node::ops::{
    MoveAppointment, NewAppointment, NewTicket, Node, TicketAction, TicketFilter,
};
use medicloud_node::store::Store;
use medicloud_sync::hlc::{ManualTime, TimeSource};
use medicloud_sync::log::VersionVector;
use std::collections::BTreeSet;
use std::sync::Arc;

/// 2027-01-15 00:00 UTC: 08:00 in Makassar (WITA), before the first slot.
const DAY_START_MS: u64 = 1_799_971_200_000;

fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).unwrap()
}

fn counter(s: &str) -> CounterId {
    CounterId::parse(s).unwrap()
}

fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// A clinic's morning on a real node (its own clock, set by hand): appointments booked,
/// moved, cancelled and checked in; tickets of three polis registered at the loket and
/// served in their rooms, with no-shows, a requeue, a recall, a transfer and a
/// cancellation; some still waiting. The node, its folder, and every event it wrote.
fn history(clinic: ClinicId) -> (Node, tempfile::TempDir, Vec<Event>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualTime::new(DAY_START_MS));
    let store = Store::open(&dir.path().join("node.sqlite"), clinic, clock.clone()).unwrap();
    let node = Node::new(store);
    medicloud_node::demo::seed(&node, "history-password-1").unwrap();
    node.set_clinic(Actor::System, "Klinik Sehat Sentosa", "Asia/Makassar")
        .unwrap();
    let tick = |seconds: u64| clock.set(clock.now_ms() + seconds * 1_000);
    let sys = Actor::System;
    let today = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    let book = |service: &str, date: NaiveDate, at: &str| {
        node.book_appointment(
            sys,
            NewAppointment {
                patient: None,
                service: code(service),
                date,
                slot_start: hm(at),
                slot_minutes: None,
                confirm_overbooking: false,
            },
        )
        .unwrap()
        .appointment
    };
    let checked_in = book("A", today, "09:00");
    let moved = book("B", today, "09:30");
    let cancelled = book("A", today.succ_opt().unwrap(), "09:00");
    tick(30);
    node.move_appointment(
        sys,
        moved.id,
        MoveAppointment {
            date: today,
            slot_start: hm("10:00"),
        },
    )
    .unwrap();
    node.cancel_appointment(sys, cancelled.id, "pasien sakit")
        .unwrap();
    tick(60);
    node.issue_ticket(
        sys,
        NewTicket {
            appointment_code: Some(checked_in.code.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    for i in 0..11 {
        tick(30);
        let service = ["A", "B", "C"][i % 3];
        node.issue_ticket(
            sys,
            NewTicket {
                service: Some(code(service)),
                ..Default::default()
            },
        )
        .unwrap();
    }
    // Registration at the loket for eight of them.
    for _ in 0..8 {
        tick(40);
        let t = node.call_next(sys, &counter("loket-1"), None).unwrap();
        tick(60);
        node.act(sys, t.id, TicketAction::Complete).unwrap();
    }
    // The rooms.
    let rooms = [
        "ruang-umum",
        "ruang-gigi",
        "ruang-kia",
        "ruang-umum",
        "ruang-gigi",
        "ruang-kia",
    ];
    for (i, room) in rooms.into_iter().enumerate() {
        tick(45);
        let t = node.call_next(sys, &counter(room), None).unwrap().id;
        let act = |action| node.act(sys, t, action).unwrap();
        match i {
            0..=2 => {
                tick(30);
                act(TicketAction::Serve);
                tick(300);
                act(TicketAction::Complete);
            }
            3 => {
                tick(120);
                act(TicketAction::NoShow);
            }
            4 => {
                tick(20);
                act(TicketAction::Recall);
                tick(60);
                act(TicketAction::NoShow);
                tick(30);
                act(TicketAction::Requeue);
            }
            _ => {
                tick(30);
                act(TicketAction::Serve);
                tick(60);
                act(TicketAction::Transfer(code("A")));
            }
        }
    }
    // A patient who went home.
    tick(20);
    let waiting = node
        .tickets(&TicketFilter {
            service: None,
            status: Some("waiting".into()),
        })
        .unwrap();
    node.act(sys, waiting[0].id, TicketAction::Cancel("pulang".into()))
        .unwrap();
    let events = node
        .store()
        .missing_for(&VersionVector::new(), usize::MAX / 2)
        .unwrap();
    (node, dir, events)
}

/// A node's projections, as the cloud reads its own: tickets by day then issue, and
/// appointments with the ticket that checked each in.
fn node_state(store: &Store) -> (Vec<Ticket>, Vec<(ProjectedAppointment, bool)>) {
    store
        .read(|c| {
            let mut stmt = c.prepare("SELECT state FROM tickets ORDER BY day, issued_at, id")?;
            let tickets = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .map(|s| serde_json::from_str(&s.unwrap()).unwrap())
                .collect();
            let mut stmt = c.prepare(
                "SELECT body, cancelled, ticket FROM appointments ORDER BY day, code, id",
            )?;
            let appointments = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                })?
                .map(|row| {
                    let (body, cancelled, ticket) = row.unwrap();
                    let a = ProjectedAppointment {
                        appointment: serde_json::from_str(&body).unwrap(),
                        cancelled: None,
                        ticket: ticket.map(|t| t.parse().unwrap()),
                    };
                    (a, cancelled)
                })
                .collect();
            Ok((tickets, appointments))
        })
        .unwrap()
}

/// The cloud's projections of `clinic` over the history's days, in the node's shape.
async fn cloud_state(
    s: &AnyStorage,
    clinic: ClinicId,
) -> (Vec<Ticket>, Vec<(ProjectedAppointment, bool)>) {
    let (from, to) = (
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
    );
    let tickets = s.tickets_between(clinic, from, to).await.unwrap();
    let appointments = s
        .appointments_between(clinic, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            let cancelled = a.cancelled.is_some();
            (
                ProjectedAppointment {
                    cancelled: None,
                    ..a
                },
                cancelled,
            )
        })
        .collect();
    (tickets, appointments)
}

/// The rows an engine writes to `tickets` and `appointments`, seen through triggers a
/// test installs: `(table, id)` per row written since the last [`Writes::take`].
enum Writes {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Writes {
    async fn install(db: &Db) -> Self {
        if let Some(path) = db.url.strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .unwrap();
            let mut sql = String::from("CREATE TABLE test_writes (tbl TEXT, id TEXT);");
            for table in ["tickets", "appointments"] {
                for op in ["INSERT", "UPDATE"] {
                    sql += &format!(
                        "CREATE TRIGGER test_{table}_{op} AFTER {op} ON {table}
                         BEGIN INSERT INTO test_writes VALUES ('{table}', NEW.id); END;"
                    );
                }
            }
            conn.execute_batch(&sql).unwrap();
            Writes::Sqlite(conn)
        } else {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(
                    "CREATE TABLE test_writes (tbl TEXT, id TEXT);
                     CREATE FUNCTION test_write() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN INSERT INTO test_writes VALUES (TG_TABLE_NAME, NEW.id); RETURN NEW; END $$;
                     CREATE TRIGGER test_tickets AFTER INSERT OR UPDATE ON tickets
                         FOR EACH ROW EXECUTE FUNCTION test_write();
                     CREATE TRIGGER test_appointments AFTER INSERT OR UPDATE ON appointments
                         FOR EACH ROW EXECUTE FUNCTION test_write();",
                )
                .await
                .unwrap();
            Writes::Postgres(client)
        }
    }

    /// The rows written since the last call, in no order, repeats kept.
    async fn take(&self) -> Vec<(String, String)> {
        const READ: &str = "SELECT tbl, id FROM test_writes";
        const CLEAR: &str = "DELETE FROM test_writes";
        match self {
            Writes::Sqlite(conn) => {
                let mut stmt = conn.prepare(READ).unwrap();
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                conn.execute(CLEAR, []).unwrap();
                rows
            }
            Writes::Postgres(client) => {
                let rows = client
                    .query(READ, &[])
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                client.execute(CLEAR, &[]).await.unwrap();
                rows
            }
        }
    }
}

/// The tickets and appointments `events` touch, as `(table, id)`.
fn touched(events: &[Event]) -> BTreeSet<(String, String)> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Ticket { id, .. } => Some(("tickets".to_owned(), id.to_string())),
            EventBody::AppointmentBooked(a) => Some(("appointments".into(), a.id.to_string())),
            EventBody::AppointmentMoved { id, .. } | EventBody::AppointmentCancelled { id, .. } => {
                Some(("appointments".into(), id.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// Ingests `batch` and checks that each row it touches was written exactly once.
async fn ingest_once(
    s: &AnyStorage,
    writes: &Writes,
    clinic: ClinicId,
    batch: Vec<Event>,
    db: &str,
) {
    let expect = touched(&batch);
    let n = batch.len();
    let report = s.ingest(clinic, batch, None).await.unwrap();
    assert_eq!(report.accepted, n, "{db}");
    let mut written = writes.take().await;
    written.sort();
    let once: Vec<_> = expect.into_iter().collect();
    assert_eq!(
        written, once,
        "{db}: each touched row written once per batch"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_and_the_cloud_fold_the_same_events_into_the_same_tickets_and_appointments() {
    let clinic = ClinicId::random();
    let (origin, _dir, events) = history(clinic);
    // The same events fed to another node, in pages as sync brings them.
    let other = tempfile::tempdir().unwrap();
    let receiver = Store::open(
        &other.path().join("node.sqlite"),
        clinic,
        Arc::new(ManualTime::new(DAY_START_MS)),
    )
    .unwrap();
    for page in events.chunks(37) {
        receiver.ingest(page.to_vec()).unwrap();
    }
    let (tickets, appointments) = node_state(origin.store());
    assert_eq!(
        node_state(&receiver),
        (tickets.clone(), appointments.clone())
    );

    // What the history holds, so the comparison below compares something.
    let count = |status| tickets.iter().filter(|t| t.status == status).count();
    assert_eq!(
        tickets.len(),
        13,
        "12 issued and one transfer's continuation"
    );
    assert_eq!(
        [
            TicketStatus::Done,
            TicketStatus::NoShow,
            TicketStatus::Transferred,
            TicketStatus::Cancelled
        ]
        .map(count),
        [3, 1, 1, 1]
    );
    assert!(count(TicketStatus::Waiting) >= 3);
    assert_eq!(appointments.len(), 3);
    assert!(appointments.iter().any(|(a, _)| a.ticket.is_some()));

    for db in Db::all().await {
        let s = db.open().await;
        s.add_clinic(clinic, "Klinik Sehat Sentosa", "k")
            .await
            .unwrap();
        let writes = Writes::install(&db).await;
        for page in events.chunks(37) {
            ingest_once(&s, &writes, clinic, page.to_vec(), db.name).await;
        }
        let (cloud_tickets, cloud_appointments) = cloud_state(&s, clinic).await;
        assert_eq!(cloud_tickets, tickets, "{}: the same tickets", db.name);
        assert_eq!(
            cloud_appointments, appointments,
            "{}: the same appointments",
            db.name
        );
        // What the node keeps of a cancellation but the reason, the cloud keeps too.
        let from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        let reasons: Vec<_> = s
            .appointments_between(clinic, from, to)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|a| a.cancelled)
            .collect();
        assert_eq!(reasons, ["pasien sakit"], "{}", db.name);
        // A day's tickets are that day's, and the settings are the node's.
        let day = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        assert_eq!(
            s.tickets(clinic, day).await.unwrap(),
            tickets,
            "{}",
            db.name
        );
        assert!(
            s.tickets(clinic, day.pred_opt().unwrap())
                .await
                .unwrap()
                .is_empty()
        );
        let settings = s.clinic_settings(clinic).await.unwrap().unwrap();
        assert_eq!(
            Some(settings),
            origin.clinic().unwrap(),
            "{}: the clinic's settings",
            db.name
        );
        // Delivered again: nothing is stored and nothing is written.
        let again = s.ingest(clinic, events.clone(), None).await.unwrap();
        assert_eq!((again.accepted, again.duplicates), (0, events.len()));
        assert!(writes.take().await.is_empty(), "{}", db.name);
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_event_refolds_only_its_ticket_and_ends_as_on_a_node() {
    let clinic = ClinicId::random();
    let (_origin, _dir, events) = history(clinic);
    // A desk cut off from the others called a ticket at loket-2 just before loket-1
    // did; its event arrives after everything else, in a batch of its own.
    let first_call = events
        .iter()
        .find(|e| {
            matches!(
                e.body,
                EventBody::Ticket {
                    change: TicketChange::Called { .. },
                    ..
                }
            )
        })
        .unwrap();
    let EventBody::Ticket {
        id: late_ticket, ..
    } = first_call.body
    else {
        unreachable!()
    };
    let late = Event {
        id: EventId {
            origin: DeviceId::random(),
            seq: 1,
        },
        stamp: Stamp(first_call.stamp.0 - 1),
        clinic,
        actor: Actor::System,
        body: EventBody::Ticket {
            id: late_ticket,
            change: TicketChange::Called {
                counter: counter("loket-2"),
            },
        },
    };
    let of_ticket: Vec<&Event> = events
        .iter()
        .chain([&late])
        .filter(|e| e.entity() == late.entity())
        .collect();
    let expected = ticket::fold(of_ticket).unwrap();

    // A node that receives the same events in the same order.
    let dir = tempfile::tempdir().unwrap();
    let node = Store::open(
        &dir.path().join("node.sqlite"),
        clinic,
        Arc::new(ManualTime::new(DAY_START_MS)),
    )
    .unwrap();
    node.ingest(events.clone()).unwrap();
    let (before, _) = node_state(&node);
    node.ingest(vec![late.clone()]).unwrap();
    let (after, _) = node_state(&node);
    let on_node = after.iter().find(|t| t.id == late_ticket).unwrap();
    assert_eq!(*on_node, expected);
    let was = before.iter().find(|t| t.id == late_ticket).unwrap();
    assert_ne!(was, on_node, "the late call changes the ticket");
    assert_eq!(
        on_node.finished_steps[0].counter,
        Some(counter("loket-2")),
        "the earlier call wins"
    );

    for db in Db::all().await {
        let s = db.open().await;
        s.add_clinic(clinic, "Klinik", "k").await.unwrap();
        s.ingest(clinic, events.clone(), None).await.unwrap();
        assert_eq!(cloud_state(&s, clinic).await.0, before, "{}", db.name);
        let writes = Writes::install(&db).await;
        let report = s.ingest(clinic, vec![late.clone()], None).await.unwrap();
        assert_eq!(report.accepted, 1, "{}", db.name);
        assert_eq!(
            writes.take().await,
            [("tickets".to_owned(), late_ticket.to_string())],
            "{}: only the late event's ticket is re-folded",
            db.name
        );
        assert_eq!(cloud_state(&s, clinic).await.0, after, "{}", db.name);
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_repeating_its_own_and_stored_events_stores_and_folds_each_once() {
    let clinic = ClinicId::random();
    let (origin, _dir, events) = history(clinic);
    let (tickets, appointments) = node_state(origin.store());
    let half = events.len() / 2;
    let (first, second) = events.split_at(half);
    // The second half, some of it twice, with the last ten of the first (stored
    // already), newest first: as a device resending after a lost answer might.
    let mut batch: Vec<Event> = second.to_vec();
    batch.extend(second.iter().step_by(3).cloned());
    batch.extend(first[half - 10..].iter().cloned());
    batch.reverse();
    let repeats = batch.len() - second.len();
    for db in Db::all().await {
        let s = db.open().await;
        s.add_clinic(clinic, "Klinik", "k").await.unwrap();
        s.ingest(clinic, first.to_vec(), None).await.unwrap();
        let writes = Writes::install(&db).await;
        let report = s.ingest(clinic, batch.clone(), None).await.unwrap();
        assert_eq!(
            (report.accepted, report.duplicates, report.refused),
            (second.len(), repeats, 0),
            "{}",
            db.name
        );
        let mut written = writes.take().await;
        written.sort();
        assert_eq!(
            written,
            touched(second).into_iter().collect::<Vec<_>>(),
            "{}: only the new events' rows, each written once",
            db.name
        );
        // Every event once in the log and in the folds: as on the node.
        let held = s
            .missing(clinic, &VersionVector::new(), 10_000)
            .await
            .unwrap();
        assert_eq!(held, events, "{}", db.name);
        assert_eq!(
            cloud_state(&s, clinic).await,
            (tickets.clone(), appointments.clone()),
            "{}",
            db.name
        );
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn events_stored_before_the_projections_are_folded_when_the_cloud_migrates() {
    let clinic = ClinicId::random();
    let (origin, _dir, events) = history(clinic);
    let (tickets, appointments) = node_state(origin.store());
    const FIRST: &str = "20261125090000_cloud.sql";
    for db in Db::all().await {
        // A database as the cloud left it before projections: the first migration and
        // the events, without their entity.
        let insert = |e: &Event| {
            (
                e.id.origin.to_string(),
                e.id.seq as i64,
                e.stamp.0 as i64,
                serde_json::to_string(e).unwrap(),
            )
        };
        if let Some(path) = db.url.strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.execute_batch(include_str!(
                "../../migrations/cloud/sqlite/20261125090000_cloud.sql"
            ))
            .unwrap();
            conn.execute_batch("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY) STRICT")
                .unwrap();
            conn.execute("INSERT INTO schema_migrations VALUES (?1)", [FIRST])
                .unwrap();
            for e in &events {
                let (origin, seq, stamp, body) = insert(e);
                conn.execute(
                    "INSERT INTO events (clinic, origin, seq, stamp, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![clinic.to_string(), origin, seq, stamp, body],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO heads (clinic, origin, seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT (clinic, origin) DO UPDATE SET seq = excluded.seq",
                    rusqlite::params![clinic.to_string(), origin, seq],
                )
                .unwrap();
            }
        } else {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(include_str!(
                    "../../migrations/cloud/postgres/20261125090000_cloud.sql"
                ))
                .await
                .unwrap();
            client
                .batch_execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)")
                .await
                .unwrap();
            client
                .execute("INSERT INTO schema_migrations VALUES ($1)", &[&FIRST])
                .await
                .unwrap();
            for e in &events {
                let (origin, seq, stamp, body) = insert(e);
                client
                    .execute(
                        "INSERT INTO events (clinic, origin, seq, stamp, body) VALUES ($1, $2, $3, $4, $5)",
                        &[&clinic.to_string(), &origin, &seq, &stamp, &body],
                    )
                    .await
                    .unwrap();
                client
                    .execute(
                        "INSERT INTO heads (clinic, origin, seq) VALUES ($1, $2, $3)
                         ON CONFLICT (clinic, origin) DO UPDATE SET seq = excluded.seq",
                        &[&clinic.to_string(), &origin, &seq],
                    )
                    .await
                    .unwrap();
            }
        }
        let s = db.open().await;
        assert_eq!(
            cloud_state(&s, clinic).await,
            (tickets.clone(), appointments.clone()),
            "{}: folded by the migration",
            db.name
        );
        assert!(s.clinic_settings(clinic).await.unwrap().is_some());
        // The events are whole: a later sync sees them held.
        let again = s.ingest(clinic, events.clone(), None).await.unwrap();
        assert_eq!(again.duplicates, events.len(), "{}", db.name);
        db.drop_now().await;
    }
}

/// Events of one origin, by hand: each `(ms, body)` gets the next seq.
struct Series {
    clinic: ClinicId,
    origin: DeviceId,
    next: u64,
}

impl Series {
    fn new(clinic: ClinicId) -> Self {
        Self {
            clinic,
            origin: DeviceId::random(),
            next: 1,
        }
    }

    fn at(&mut self, ms: i64, body: EventBody) -> Event {
        let seq = self.next;
        self.next += 1;
        Event {
            id: EventId {
                origin: self.origin,
                seq,
            },
            stamp: Stamp::new(ms as u64, 0),
            clinic: self.clinic,
            actor: Actor::System,
            body,
        }
    }

    /// A ticket of `day` issued at `issued` and taken through `steps` (`(ms, change)`).
    fn ticket(&mut self, day: NaiveDate, issued: i64, steps: &[(i64, TicketChange)]) -> Vec<Event> {
        let id = TicketId::random();
        let issue = TicketChange::Issued(Issue {
            service: code("A"),
            label: format!("A-{:03}", self.next),
            day,
            priority: None,
            visit: VisitId::random(),
            appointment: None,
            patient: None,
            transferred_from: None,
            start_step: None,
            estimated_wait_seconds: None,
        });
        std::iter::once((issued, issue))
            .chain(steps.iter().cloned())
            .map(|(ms, change)| self.at(ms, EventBody::Ticket { id, change }))
            .collect()
    }
}

fn settings(clinic: ClinicId, zone: &str) -> EventBody {
    EventBody::ClinicSet(Clinic {
        id: clinic,
        name: "Klinik Sehat Makassar".into(),
        time_zone: zone.into(),
        ticket_message_id: None,
        ticket_message_en: None,
        new_label_on_transfer: false,
        new_label_per_step: false,
        language: Default::default(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_counts_today_in_the_clinics_own_zone_and_shows_when_devices_were_heard() {
    // 2027-01-15 16:30 UTC: already 00:30 on the 16th in Makassar (WITA, +8), still
    // 23:30 on the 15th in Jakarta (WIB, +7).
    let now: i64 = 1_800_030_600_000;
    let min = 60_000;
    let (d15, d16) = (
        NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        NaiveDate::from_ymd_opt(2027, 1, 16).unwrap(),
    );
    let call = || TicketChange::Called {
        counter: counter("loket-1"),
    };
    for db in Db::all().await {
        let s = db.open().await;
        let (clinic, quiet) = (ClinicId::random(), ClinicId::random());
        s.add_clinic(clinic, "Klinik Sehat Makassar", "k")
            .await
            .unwrap();
        s.add_clinic(quiet, "Klinik Bali", "k").await.unwrap();
        let mut devices = Vec::new();
        for (i, name) in ["kiosk-1", "desk-1", "kiosk-2"].into_iter().enumerate() {
            let code = format!("code-{i}");
            s.add_code(clinic, &code, i64::MAX).await.unwrap();
            let id = DeviceId::random();
            let outcome = s
                .enrol(&code, 0, id, name, &format!("secret-{i}"))
                .await
                .unwrap();
            assert!(matches!(outcome, EnrolOutcome::Enrolled(_)));
            devices.push(id);
        }
        s.revoke(devices[1]).await.unwrap();

        let mut a = Series::new(clinic);
        let mut batch = vec![a.at(now - 600 * min, settings(clinic, "Asia/Makassar"))];
        // Today (the 16th in Makassar): four waiting — one requeued ten minutes ago
        // after a no-show, though issued 70 minutes ago — two done, a no-show, a
        // cancellation and one called.
        for queued in [40, 25, 5] {
            batch.extend(a.ticket(d16, now - queued * min, &[]));
        }
        batch.extend(a.ticket(
            d16,
            now - 70 * min,
            &[
                (now - 65 * min, call()),
                (now - 60 * min, TicketChange::NoShow),
                (now - 10 * min, TicketChange::Requeued),
            ],
        ));
        for issued in [30, 20] {
            batch.extend(a.ticket(
                d16,
                now - issued * min,
                &[
                    (now - (issued - 5) * min, call()),
                    (now - (issued - 6) * min, TicketChange::Served),
                    (now - (issued - 9) * min, TicketChange::Completed),
                ],
            ));
        }
        batch.extend(a.ticket(
            d16,
            now - 50 * min,
            &[
                (now - 45 * min, call()),
                (now - 44 * min, TicketChange::NoShow),
            ],
        ));
        batch.extend(a.ticket(
            d16,
            now - 35 * min,
            &[(
                now - 34 * min,
                TicketChange::Cancelled {
                    reason: Some("pulang".into()),
                },
            )],
        ));
        batch.extend(a.ticket(d16, now - 15 * min, &[(now - 2 * min, call())]));
        // Yesterday's: left waiting, and served.
        for issued in [200, 190] {
            batch.extend(a.ticket(d15, now - issued * min, &[]));
        }
        for issued in [180, 170, 160, 150] {
            batch.extend(a.ticket(
                d15,
                now - issued * min,
                &[
                    (now - (issued - 5) * min, call()),
                    (now - (issued - 6) * min, TicketChange::Served),
                    (now - (issued - 9) * min, TicketChange::Completed),
                ],
            ));
        }
        s.ingest(
            clinic,
            batch,
            Some(Heard {
                device: devices[0],
                at_ms: now - 60_000,
            }),
        )
        .await
        .unwrap();
        // An older setting arrives late from another device: it does not win.
        let mut b = Series::new(clinic);
        let old = b.at(now - 900 * min, settings(clinic, "Asia/Jakarta"));
        s.ingest(clinic, vec![old], None).await.unwrap();
        // kiosk-1 syncs again; a round another cloud process took earlier is noted
        // after it, and does not move the time back.
        for at_ms in [now - 1_000, now - 30_000] {
            let heard = Heard {
                device: devices[0],
                at_ms,
            };
            s.ingest(clinic, vec![], Some(heard)).await.unwrap();
        }

        let all = s.overview(None, now).await.unwrap();
        let names: Vec<&str> = all.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            ["Klinik Bali", "Klinik Sehat Makassar"],
            "{}",
            db.name
        );
        let bali = &all[0];
        assert_eq!(
            (bali.waiting, bali.served_today, bali.time_zone.as_str()),
            (0, 0, "Asia/Jakarta"),
            "{}: a clinic whose settings never arrived",
            db.name
        );
        let o = &all[1];
        assert_eq!(
            (o.today, o.time_zone.as_str()),
            (d16, "Asia/Makassar"),
            "{}",
            db.name
        );
        assert_eq!(
            (
                o.waiting,
                o.longest_wait_seconds,
                o.served_today,
                o.no_show_today
            ),
            (4, 40 * 60, 2, 1),
            "{}",
            db.name
        );
        let seen: Vec<(&str, Option<i64>)> = o
            .devices
            .iter()
            .map(|d| (d.name.as_str(), d.last_seen_ms))
            .collect();
        assert_eq!(
            seen,
            [("kiosk-1", Some(now - 1_000)), ("kiosk-2", None)],
            "{}: revoked devices left out",
            db.name
        );
        assert_eq!(
            s.overview(Some(vec![clinic]), now).await.unwrap(),
            vec![o.clone()]
        );
        // The JSON the HQ reads keeps these names.
        let json = serde_json::to_value(o).unwrap();
        for key in [
            "id",
            "name",
            "waiting",
            "longest_wait_seconds",
            "served_today",
            "no_show_today",
            "devices",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert!(json["devices"][0].get("last_seen_ms").is_some());
        // Tickets of a day and of a range, for the HQ's views and reports.
        assert_eq!(
            s.tickets(clinic, d16).await.unwrap().len(),
            9,
            "{}",
            db.name
        );
        let range = s.tickets_between(clinic, d15, d16).await.unwrap();
        let days: Vec<NaiveDate> = range.iter().map(|t| t.issue.day).collect();
        assert_eq!(
            days,
            [[d15; 6].as_slice(), &[d16; 9]].concat(),
            "{}",
            db.name
        );
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_devices_last_seen_time_moves_when_it_syncs_over_http() {
    use medicloud_sync::exchange::sync_with;
    use medicloud_sync::http::HttpTransport;
    use medicloud_sync::log::{Log, MemLog};
    use medicloud_sync::wire::{self, EnrolRequest, Enrolled};

    const ADMIN: &str = "test-admin-token";
    for db in Db::all().await {
        let base = server(&db, ADMIN).await;
        let s = db.open().await;
        let clinic = ClinicId::random();
        s.add_clinic(clinic, "Klinik Sehat", "k").await.unwrap();
        s.add_code(clinic, &sha256_hex("ABCD1234EFGH"), i64::MAX)
            .await
            .unwrap();
        let device = DeviceId::random();
        let req = EnrolRequest {
            code: "ABCD-1234-EFGH".into(),
            device,
            name: "kiosk-2".into(),
        };
        let b = base.clone();
        let enrolled: Enrolled = tokio::task::spawn_blocking(move || {
            HttpTransport::new(&b, "", std::time::Duration::from_secs(5))?.post(wire::ENROL, &req)
        })
        .await
        .unwrap()
        .unwrap();
        let last_seen = || async {
            s.overview(Some(vec![clinic]), 0).await.unwrap()[0].devices[0].last_seen_ms
        };
        assert_eq!(
            last_seen().await,
            None,
            "{}: enrolled, never synced",
            db.name
        );
        let round = || {
            let (b, secret) = (base.clone(), enrolled.secret.clone());
            async move {
                let before = chrono::Utc::now().timestamp_millis();
                tokio::task::spawn_blocking(move || {
                    let mut log = MemLog::new(clinic);
                    let t =
                        HttpTransport::new(&b, &secret, std::time::Duration::from_secs(5)).unwrap();
                    sync_with(&mut log, device, &t).unwrap();
                    log.summary().unwrap()
                })
                .await
                .unwrap();
                (before, chrono::Utc::now().timestamp_millis())
            }
        };
        let (before, after) = round().await;
        let first = last_seen().await.unwrap();
        assert!((before..=after).contains(&first), "{}", db.name);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        round().await;
        assert!(last_seen().await.unwrap() > first, "{}: it moves", db.name);
        db.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_cloud_processes_storing_one_tickets_events_at_once_fold_all_of_them() {
    let day = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    let start = DAY_START_MS as i64;
    for db in Db::all().await {
        // Two handles on one database stand for two cloud processes.
        let (a, b) = (db.open().await, db.open().await);
        let clinic = ClinicId::random();
        a.add_clinic(clinic, "Klinik", "k").await.unwrap();
        let (mut kiosk, mut desk) = (Series::new(clinic), Series::new(clinic));
        let mut all = Vec::new();
        for round in 0..15 {
            let at = start + round * 60_000;
            // The kiosk's batch issues ten tickets; the desk's calls and serves the same
            // ten, stamped later, and both batches are stored at once.
            let mut issued = Vec::new();
            let mut called = Vec::new();
            for _ in 0..10 {
                let events = kiosk.ticket(day, at, &[]);
                let EventBody::Ticket { id, .. } = events[0].body else {
                    unreachable!()
                };
                for (ms, change) in [
                    (
                        at + 1_000,
                        TicketChange::Called {
                            counter: counter("loket-1"),
                        },
                    ),
                    (at + 2_000, TicketChange::Served),
                ] {
                    called.push(desk.at(ms, EventBody::Ticket { id, change }));
                }
                issued.extend(events);
            }
            all.extend(issued.iter().cloned());
            all.extend(called.iter().cloned());
            let (x, y) = (a.clone(), b.clone());
            let first = tokio::spawn(async move { x.ingest(clinic, issued, None).await });
            let second = tokio::spawn(async move { y.ingest(clinic, called, None).await });
            first.await.unwrap().unwrap();
            second.await.unwrap().unwrap();
        }
        let stored = a.tickets(clinic, day).await.unwrap();
        assert_eq!(stored.len(), 150, "{}", db.name);
        for t in &stored {
            let events = all
                .iter()
                .filter(|e| e.entity() == medicloud_core::event::Entity::Ticket(t.id));
            assert_eq!(*t, ticket::fold(events).unwrap(), "{}", db.name);
            assert_eq!(t.status, TicketStatus::Serving, "{}", db.name);
        }
        db.drop_now().await;
    }
}
