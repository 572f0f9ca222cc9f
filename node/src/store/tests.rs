use super::*;
use crate::error::Error;
use crate::ops::{NewTicket, Node, TicketAction};
use medicloud_core::domain::{Counter, CounterId, Service, ServiceCode};
use medicloud_core::ids::TicketId;
use medicloud_core::ticket::{TicketChange, TicketStatus};
use medicloud_sync::hlc::ManualTime;
use medicloud_sync::log::VersionVector;

/// 2026-11-25 08:00 in Jakarta.
const MORNING_MS: u64 = 1_795_568_400_000;

fn node_at(dir: &Path, time: Arc<ManualTime>) -> Node {
    node_in(dir, ClinicId::random(), time)
}

/// A node of `clinic`, with its clinic, services A and B and a counter set.
fn node_in(dir: &Path, clinic: ClinicId, time: Arc<ManualTime>) -> Node {
    let store = Store::open(&dir.join("node.sqlite"), clinic, time).unwrap();
    let node = Node::new(store);
    node.set_clinic(Actor::System, "Klinik Uji", "Asia/Jakarta")
        .unwrap();
    for code in ["A", "B"] {
        let service = Service {
            code: ServiceCode::parse(code).unwrap(),
            name_id: format!("Poli {code}"),
            name_en: format!("Clinic {code}"),
            active: true,
            slots: Default::default(),
            schedule: None,
            steps: Vec::new(),
            target_wait_minutes: Service::DEFAULT_TARGET_WAIT_MINUTES,
        };
        node.set_service(Actor::System, service).unwrap();
    }
    let counter = Counter {
        id: CounterId::parse("loket-1").unwrap(),
        name: "Loket 1".into(),
        services: vec![
            ServiceCode::parse("A").unwrap(),
            ServiceCode::parse("B").unwrap(),
        ],
        steps: Vec::new(),
    };
    node.set_counter(Actor::System, counter).unwrap();
    node
}

fn walk_in(code: &str) -> NewTicket {
    NewTicket {
        service: Some(ServiceCode::parse(code).unwrap()),
        ..Default::default()
    }
}

#[test]
fn migration_list_matches_the_folder() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/node");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let listed: Vec<&str> = MIGRATIONS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        files, listed,
        "every file in migrations/node is embedded, in order"
    );
}

/// An empty database, and a database left at every earlier version, migrate to the
/// latest and keep what they held.
#[test]
fn migrations_apply_to_empty_and_earlier_databases() {
    for version in 0..=MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.sqlite");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, version).unwrap();
            if version >= 1 {
                conn.execute(
                    "INSERT INTO node_meta (key, value) VALUES ('marker', 'kept')",
                    [],
                )
                .unwrap();
            }
        }
        let time = Arc::new(ManualTime::new(MORNING_MS));
        let store = Store::open(&path, ClinicId::random(), time).unwrap();
        let (user_version, marker) = store
            .read(|c| {
                let v: usize = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                let m: Option<String> = c
                    .query_row(
                        "SELECT value FROM node_meta WHERE key = 'marker'",
                        [],
                        |r| r.get(0),
                    )
                    .optional()?;
                Ok((v, m))
            })
            .unwrap();
        assert_eq!(user_version, MIGRATIONS.len());
        assert_eq!(
            marker.is_some(),
            version >= 1,
            "data of version {version} kept"
        );
    }
}

#[test]
fn identity_and_tickets_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let time = Arc::new(ManualTime::new(MORNING_MS));
    let (identity, ticket) = {
        let node = node_at(dir.path(), time.clone());
        let t = node.issue_ticket(Actor::System, walk_in("A")).unwrap();
        (node.store().identity(), t)
    };
    let store = Store::open(
        &dir.path().join("node.sqlite"),
        ClinicId::random(),
        time.clone(),
    )
    .unwrap();
    assert_eq!(
        store.identity(),
        identity,
        "a reopened node keeps its device and clinic"
    );
    let node = Node::new(store);
    assert_eq!(node.ticket_view(ticket.id).unwrap().label, "A-001");
    // The clock continues after the newest stored stamp even if the wall clock went back.
    time.set(MORNING_MS - 3_600_000);
    let next = node.issue_ticket(Actor::System, walk_in("A")).unwrap();
    assert_eq!(next.label, "A-002");
    assert!(next.issued_at >= ticket.issued_at);
}

#[test]
fn labels_are_per_service_and_restart_at_local_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let time = Arc::new(ManualTime::new(MORNING_MS));
    let node = node_at(dir.path(), time.clone());
    let label = |code: &str| {
        node.issue_ticket(Actor::System, walk_in(code))
            .unwrap()
            .label
    };
    assert_eq!(
        [label("A"), label("A"), label("B"), label("A")],
        ["A-001", "A-002", "B-001", "A-003"]
    );
    // 2026-11-25 23:59 in Jakarta is still the same day…
    let midnight_jakarta = 1_795_626_000_000; // 2026-11-26 00:00 +07:00
    time.set(midnight_jakarta - 60_000);
    assert_eq!(label("A"), "A-004");
    // …and a minute later the numbers start again.
    time.set(midnight_jakarta + 60_000);
    assert_eq!([label("A"), label("B")], ["A-001", "B-001"]);
}

#[test]
fn concurrent_issues_never_share_a_label() {
    let dir = tempfile::tempdir().unwrap();
    let time = Arc::new(ManualTime::new(MORNING_MS));
    let node = Arc::new(node_at(dir.path(), time));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let node = node.clone();
            std::thread::spawn(move || {
                (0..40)
                    .map(|_| {
                        node.issue_ticket(Actor::System, walk_in("A"))
                            .unwrap()
                            .label
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut labels: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), 320);
    // 320 numbers need four blocks of 100 reserved for this device.
    assert_eq!(labels.first().map(String::as_str), Some("A-001"));
    assert_eq!(labels.last().map(String::as_str), Some("A-320"));
}

/// A rejected step changes nothing: no event is stored and the ticket is as before.
#[test]
fn an_illegal_step_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = node_at(dir.path(), Arc::new(ManualTime::new(MORNING_MS)));
    let t = node.issue_ticket(Actor::System, walk_in("A")).unwrap();
    let before = node.store().read(query::event_count).unwrap();
    let err = node
        .act(Actor::System, t.id, TicketAction::Complete)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot complete a ticket that is waiting (call it first)"
    );
    assert_eq!(node.store().read(query::event_count).unwrap(), before);
    assert_eq!(
        node.ticket_view(t.id).unwrap().status,
        TicketStatus::Waiting
    );
}

/// An event that arrives late (from another device, stamped earlier) re-folds its ticket:
/// the earlier call wins and the later one is shown as a conflict.
#[test]
fn a_late_event_refolds_its_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let time = Arc::new(ManualTime::new(MORNING_MS));
    let node = node_at(dir.path(), time.clone());
    let t = node.issue_ticket(Actor::System, walk_in("A")).unwrap();
    time.set(MORNING_MS + 60_000);
    let counter = medicloud_core::domain::CounterId::parse("loket-9").unwrap();
    node.store()
        .write(|w| {
            w.append(
                Actor::System,
                EventBody::Ticket {
                    id: t.id,
                    change: TicketChange::Called { counter },
                },
            )
        })
        .unwrap();
    // Another desk called it 30 s earlier while cut off; its event arrives now.
    let other = DeviceId::random();
    let late = Event {
        id: EventId {
            origin: other,
            seq: 1,
        },
        stamp: Stamp::new(MORNING_MS + 30_000, 0),
        clinic: node.store().identity().clinic,
        actor: Actor::Device(other),
        body: EventBody::Ticket {
            id: t.id,
            change: TicketChange::Called {
                counter: medicloud_core::domain::CounterId::parse("loket-2").unwrap(),
            },
        },
    };
    let (ingest, _) = node.store().ingest(vec![late]).unwrap();
    assert_eq!(ingest.accepted, 1);
    let view = node.ticket_view(t.id).unwrap();
    assert_eq!(view.counter.unwrap().as_str(), "loket-2");
    assert_eq!(view.conflicts.len(), 1);
    assert_eq!(view.conflicts[0].step, "call");
    assert_eq!(
        node.ticket(TicketId(t.id.0)).unwrap().status,
        TicketStatus::Called
    );
}

/// A write's mark: a row of `node_meta` named `test-{name}`.
fn mark(w: &Writer<'_>, name: &str) -> Result<()> {
    w.conn().execute(
        "INSERT INTO node_meta (key, value) VALUES (?1, 'x')",
        [format!("test-{name}")],
    )?;
    Ok(())
}

/// The marks a reader sees (or, on `conn`, the writer).
fn marks_on(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM node_meta WHERE key LIKE 'test-%'",
        [],
        |r| r.get(0),
    )?)
}

fn marks(store: &Store) -> i64 {
    store.read(marks_on).unwrap()
}

/// Starts a write on another thread that marks `name` and then holds the writer
/// connection until `release` is sent.
fn held_write(
    store: &Arc<Store>,
    name: &'static str,
    release: std::sync::mpsc::Receiver<()>,
) -> std::thread::JoinHandle<Result<()>> {
    let (inside, entered) = std::sync::mpsc::channel();
    let s = store.clone();
    let handle = std::thread::spawn(move || {
        s.write(|w| {
            mark(w, name)?;
            inside.send(()).unwrap();
            release.recv().unwrap();
            Ok(())
        })
        .map(|_| ())
    });
    entered.recv().unwrap();
    handle
}

/// Waits until `n` writes wait for the writer connection.
fn until_waiting(store: &Store, n: usize) {
    let start = std::time::Instant::now();
    while store.writer.waiting() < n {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "writes never queued"
        );
        std::thread::yield_now();
    }
}

fn store_in(dir: &Path) -> Arc<Store> {
    let time = Arc::new(ManualTime::new(MORNING_MS));
    Arc::new(Store::open(&dir.join("node.sqlite"), ClinicId::random(), time).unwrap())
}

#[test]
fn writes_that_arrive_together_share_one_commit_and_none_is_seen_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let commits = store.writer.commits();
    let (release, held) = std::sync::mpsc::channel();
    let first = held_write(&store, "first", held);
    // A second write queues behind the first, which then finishes without committing.
    let s = store.clone();
    let second = std::thread::spawn(move || {
        s.write(|w| {
            // The first write's mark: seen on the writer's connection, not yet by
            // readers, since it is not durable yet.
            let seen = (marks_on(w.conn())?, marks(&s));
            mark(w, "second")?;
            Ok(seen)
        })
    });
    until_waiting(&store, 1);
    release.send(()).unwrap();
    let ((writer_saw, reader_saw), _) = second.join().unwrap().unwrap();
    first.join().unwrap().unwrap();
    assert_eq!(
        writer_saw, 1,
        "the second write sees the first one's change"
    );
    assert_eq!(
        reader_saw, 0,
        "readers do not see a change before it is durable"
    );
    assert_eq!(marks(&store), 2);
    assert_eq!(store.writer.commits(), commits + 1, "one commit for both");
}

#[test]
fn a_failed_write_in_a_group_undoes_itself_alone_and_a_failed_commit_fails_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());

    // A write that fails after changing something: only its own change is undone.
    let (release, held) = std::sync::mpsc::channel();
    let first = held_write(&store, "first", held);
    let s = store.clone();
    let failing = std::thread::spawn(move || {
        s.write(|w| -> Result<()> {
            mark(w, "failing")?;
            Err(Error::NotFound { what: "ticket" })
        })
    });
    until_waiting(&store, 1);
    release.send(()).unwrap();
    assert!(matches!(
        failing.join().unwrap(),
        Err(Error::NotFound { .. })
    ));
    first.join().unwrap().unwrap();
    assert_eq!(marks(&store), 1);

    // A commit that fails (a deferred constraint the second write broke): the first
    // write fails too, though its own part was fine, and nothing of either is stored.
    store
        .write(|w| {
            w.conn().execute_batch(
                "CREATE TABLE parent (id INTEGER PRIMARY KEY);
                 CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);",
            )?;
            Ok(())
        })
        .unwrap();
    let (release, held) = std::sync::mpsc::channel();
    let first = held_write(&store, "held", held);
    let s = store.clone();
    let breaking = std::thread::spawn(move || {
        s.write(|w| {
            mark(w, "breaking")?;
            w.conn()
                .execute("INSERT INTO child (parent) VALUES (42)", [])?;
            Ok(())
        })
        .map(|_| ())
    });
    until_waiting(&store, 1);
    release.send(()).unwrap();
    let code = |r: &Result<()>| match r {
        Err(Error::Storage(e)) => e.sqlite_error_code(),
        _ => None,
    };
    let (broke, held) = (breaking.join().unwrap(), first.join().unwrap());
    assert_eq!(
        code(&broke),
        Some(rusqlite::ErrorCode::ConstraintViolation),
        "{broke:?}"
    );
    assert_eq!(
        code(&held),
        Some(rusqlite::ErrorCode::ConstraintViolation),
        "{held:?}"
    );
    assert_eq!(marks(&store), 1, "nothing of the failed group is stored");
    // The store goes on: the next write commits alone.
    store.write(|w| mark(w, "next")).unwrap();
    assert_eq!(marks(&store), 2);
}

/// Every row of the projections (tickets, appointments, records, service times), for
/// comparing stores.
fn projections(store: &Store) -> Vec<(&'static str, Vec<Vec<rusqlite::types::Value>>)> {
    let tables = [
        ("tickets", "id"),
        ("appointments", "id"),
        ("records", "entity"),
        ("service_times", "service"),
    ];
    store
        .read(|conn| {
            let mut out = Vec::new();
            for (table, key) in tables {
                let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {key}"))?;
                let columns = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| (0..columns).map(|i| r.get(i)).collect())?
                    .collect::<rusqlite::Result<Vec<Vec<rusqlite::types::Value>>>>()?;
                out.push((table, rows));
            }
            Ok(out)
        })
        .unwrap()
}

/// Two desks of one clinic: the first issues, calls, serves and completes tickets and
/// renames a service; the second, cut off after the tickets were issued, calls the first
/// ticket earlier than the first desk did and renames another service. A third node
/// takes in all of it in one batch (shuffled, with duplicates), one event at a time (the
/// second desk's first, so its calls come before their tickets' issue), and in batches
/// of five: each ends with the same projections, and a second delivery changes nothing.
#[test]
fn a_batch_folds_as_its_events_one_at_a_time() {
    let clinic = ClinicId::random();
    let (dir_x, dir_y) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (time_x, time_y) = (
        Arc::new(ManualTime::new(MORNING_MS)),
        Arc::new(ManualTime::new(MORNING_MS)),
    );
    let x = node_in(dir_x.path(), clinic, time_x.clone());
    let y = node_in(dir_y.path(), clinic, time_y.clone());
    let tickets: Vec<TicketId> = (0..4)
        .map(|_| x.issue_ticket(Actor::System, walk_in("A")).unwrap().id)
        .collect();
    let everything = VersionVector::new();
    y.store()
        .ingest(x.store().missing_for(&everything, usize::MAX).unwrap())
        .unwrap();
    // The first desk works through three tickets, a minute a step.
    let loket = CounterId::parse("loket-1").unwrap();
    let minute = |time: &ManualTime| time.set(time.now_ms() + 60_000);
    minute(&time_x);
    minute(&time_x);
    for id in &tickets[..3] {
        minute(&time_x);
        x.act(Actor::System, *id, TicketAction::Call(loket.clone()))
            .unwrap();
        minute(&time_x);
        x.act(Actor::System, *id, TicketAction::Serve).unwrap();
        minute(&time_x);
        x.act(Actor::System, *id, TicketAction::Complete).unwrap();
    }
    x.set_service(Actor::System, service("A", "Poli Umum"))
        .unwrap();
    // The second desk, a minute in, calls the first ticket too.
    minute(&time_y);
    y.act(Actor::System, tickets[0], TicketAction::Call(loket.clone()))
        .unwrap();
    y.set_service(Actor::System, service("B", "Poli Gigi"))
        .unwrap();

    let of_x = x.store().missing_for(&everything, usize::MAX).unwrap();
    let of_y = y.store().missing_for(&everything, usize::MAX).unwrap();
    let (mine, theirs): (Vec<Event>, Vec<Event>) = of_x
        .iter()
        .chain(&of_y)
        .cloned()
        .partition(|e| e.id.origin == x.store().identity().device);

    let target = |name: &str| {
        let dir = tempfile::tempdir_in(dir_x.path()).unwrap();
        let store = Store::open(
            &dir.path().join(format!("{name}.sqlite")),
            clinic,
            Arc::new(ManualTime::new(MORNING_MS)),
        )
        .unwrap();
        (store, dir)
    };
    // One batch: everything held by either desk (the first desk's events twice), newest
    // first.
    let (batch, _d1) = target("batch");
    let mut all: Vec<Event> = of_x.iter().chain(&of_y).cloned().collect();
    all.reverse();
    let (ingest, _) = batch.ingest(all.clone()).unwrap();
    // One at a time: the second desk's series first.
    let (single, _d2) = target("single");
    let mut series_y: Vec<&Event> = theirs.iter().collect();
    series_y.sort_by_key(|e| e.id);
    series_y.dedup_by_key(|e| e.id);
    let mut series_x: Vec<&Event> = mine.iter().collect();
    series_x.sort_by_key(|e| e.id);
    series_x.dedup_by_key(|e| e.id);
    for event in series_y.iter().chain(&series_x) {
        let (ingest, _) = single.ingest(vec![(*event).clone()]).unwrap();
        assert_eq!(ingest.accepted, 1);
    }
    let distinct = series_x.len() + series_y.len();
    assert_eq!(
        (ingest.accepted, ingest.duplicates),
        (distinct, all.len() - distinct)
    );
    // Batches of five, in stamp order.
    let (fives, _d3) = target("fives");
    let mut by_stamp: Vec<Event> = series_x
        .iter()
        .chain(&series_y)
        .map(|e| (*e).clone())
        .collect();
    by_stamp.sort_by_key(Event::order_key);
    for chunk in by_stamp.chunks(5) {
        fives.ingest(chunk.to_vec()).unwrap();
    }

    let expected = projections(&single);
    let first = tickets[0].to_string();
    let tickets_row = &expected[0].1;
    assert_eq!(tickets_row.len(), 4, "four tickets folded");
    let state = |id: &str| {
        tickets_row
            .iter()
            .find(|row| row[0] == rusqlite::types::Value::Text(id.to_owned()))
            .map(|row| row[7].clone())
            .unwrap()
    };
    let rusqlite::types::Value::Text(first_state) = state(&first) else {
        panic!("a ticket's state is JSON text");
    };
    assert!(
        first_state.contains("conflicts\":[{"),
        "the first desk's later call of the first ticket is a conflict"
    );
    assert!(!expected[3].1.is_empty(), "service times were observed");
    for (name, store) in [("one batch", &batch), ("batches of five", &fives)] {
        assert_eq!(
            projections(store),
            expected,
            "{name} folds as one at a time"
        );
        assert_eq!(store.summary().unwrap(), single.summary().unwrap());
    }
    // Taken in again: nothing is stored, nothing changes.
    let (again, _) = batch.ingest(all).unwrap();
    assert_eq!(
        (again.accepted, again.duplicates),
        (0, of_x.len() + of_y.len())
    );
    assert_eq!(projections(&batch), expected);
    for store in [&batch, &single, &fives] {
        let verdict = store.verify_audit().unwrap();
        assert_eq!(verdict.findings, []);
        assert_eq!(verdict.events as usize, distinct);
    }
}

fn service(code: &str, name: &str) -> Service {
    Service {
        code: ServiceCode::parse(code).unwrap(),
        name_id: name.into(),
        name_en: name.into(),
        active: true,
        slots: Default::default(),
        schedule: None,
        steps: Vec::new(),
        target_wait_minutes: Service::DEFAULT_TARGET_WAIT_MINUTES,
    }
}

#[test]
fn the_tickets_read_again_after_a_change_are_the_changed_ones() {
    // The decoded tickets are kept by id with their JSON; a changed row is decoded anew.
    let dir = tempfile::tempdir().unwrap();
    let node = node_at(dir.path(), Arc::new(ManualTime::new(MORNING_MS)));
    let service = Some(ServiceCode::parse("A").unwrap());
    let t = node
        .issue_ticket(
            Actor::System,
            NewTicket {
                service,
                ..Default::default()
            },
        )
        .unwrap();
    let status = |node: &Node| {
        let all = node.tickets(&Default::default()).unwrap();
        all.into_iter().find(|x| x.id == t.id).unwrap().status
    };
    assert_eq!(status(&node), TicketStatus::Waiting);
    assert_eq!(status(&node), TicketStatus::Waiting);
    node.call_next(Actor::System, &CounterId::parse("loket-1").unwrap(), None)
        .unwrap();
    assert_eq!(status(&node), TicketStatus::Called);
    node.act(Actor::System, t.id, TicketAction::Complete)
        .unwrap();
    assert_eq!(status(&node), TicketStatus::Done);
}
