//! Sync workloads between real node stores (SQLite files, fsync at every commit), with
//! the same operations replayed through the `automerge` crate for a side-by-side.
//!
//! `cargo bench -p medicloud-node --bench sync [-- quick]` prints, per workload: events,
//! bytes on the wire per event delivered (the exchange's JSON, gzip-compressed and
//! sealed as `HttpTransport` sends it between nodes; HTTP headers not counted), round
//! trips, and the time to
//! converge once every device can reach the hub (in-process, no sockets). Then a new
//! device's first sync of 30 days: time, events per second applied into SQLite, and its
//! peak memory.
//!
//! - W1, a clinic day: 4 devices (kiosk = label hub, desk, two rooms), 1,000 tickets,
//!   each called, served and completed, some recalled, requeued or not shown (~4,000
//!   transitions); every device syncs with the hub after every 25 operations.
//! - W2, 8 devices partitioned 4 hours: two halves of 4, each with its own kiosk
//!   (the far kiosk on blocks it reserved before the cut), 2,000 tickets, 5 % of them
//!   called at both sides; then the halves heal.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use automerge::sync::SyncDoc;
use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use chrono::NaiveDate;
use flate2::Compression;
use flate2::write::GzEncoder;
use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::Actor;
use medicloud_core::ids::TicketId;
use medicloud_core::labels::BLOCK_SIZE;
use medicloud_node::labels;
use medicloud_node::ops::{NewTicket, Node, TicketAction};
use medicloud_node::replication::{LinkConfig, LinkKind, NodeLog, Replication};
use medicloud_node::store::Store;
use medicloud_sync::exchange::{self, SyncError, SyncRequest, SyncResponse, Transport};
use medicloud_sync::hlc::{ManualTime, SystemTime, TimeSource};
use medicloud_sync::wire::ReserveRequest;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Bytes and rounds of the exchanges made through it.
#[derive(Default)]
struct Wire {
    bytes: Cell<usize>,
    rounds: Cell<usize>,
    delivered: Cell<usize>,
}

/// Bytes of one message between nodes: gzip JSON in a sealed envelope.
fn gz_len(value: &impl serde::Serialize) -> usize {
    let json = serde_json::to_vec(value).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&json).unwrap();
    gz.finish().unwrap().len() + medicloud_sync::seal::OVERHEAD
}

/// The exchange to another node in this process, counting what HTTP would carry.
struct Counting<'a> {
    peer: &'a Node,
    wire: &'a Wire,
}

impl Transport for Counting<'_> {
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError> {
        let sent = request.events.len();
        self.wire
            .bytes
            .set(self.wire.bytes.get() + gz_len(&request));
        let response = exchange::respond(&mut NodeLog(self.peer), request)?;
        self.wire
            .bytes
            .set(self.wire.bytes.get() + gz_len(&response));
        self.wire.rounds.set(self.wire.rounds.get() + 1);
        let delivered = sent + response.events.len();
        self.wire
            .delivered
            .set(self.wire.delivered.get() + delivered);
        Ok(response)
    }
}

struct Device {
    node: Node,
    _dir: tempfile::TempDir,
}

fn device(root: &Path, time: Arc<dyn TimeSource>, remote_labels: bool) -> Device {
    let dir = tempfile::tempdir_in(root).unwrap();
    let store = Store::open(
        &dir.path().join("node.sqlite"),
        medicloud_node::demo::DEMO_CLINIC,
        time,
    )
    .unwrap();
    let mut node = Node::new(store);
    if remote_labels {
        // Marks the hub as this device's label authority; blocks are handed over below.
        let hub = LinkConfig {
            url: "http://hub".into(),
            kind: LinkKind::Peer,
            token: String::new(),
            authority: true,
        };
        node = node.with_replication(Replication::new(vec![hub], None));
    }
    Device { node, _dir: dir }
}

/// Syncs `a` with `b` until both hold the same events.
fn sync(a: &Node, b: &Node, wire: &Wire) {
    let me = a.store.identity().device;
    exchange::sync_with(&mut NodeLog(a), me, &Counting { peer: b, wire }).unwrap();
}

/// Star sync through the first device of `group`, twice round so everyone has everything.
fn sync_group(devices: &[Device], group: &[usize], wire: &Wire) {
    for _ in 0..2 {
        for &d in &group[1..] {
            sync(&devices[d].node, &devices[group[0]].node, wire);
        }
    }
}

/// One operation, as the automerge replay sees it.
enum Op {
    Issue {
        dev: usize,
        ticket: TicketId,
        label: String,
        service: String,
    },
    Step {
        dev: usize,
        ticket: TicketId,
        status: String,
        counter: Option<String>,
    },
    Sync(Vec<usize>),
}

struct Run {
    devices: Vec<Device>,
    ops: Vec<Op>,
    wire: Wire,
    rng: StdRng,
}

impl Run {
    fn issue(&mut self, dev: usize, service: &str) {
        let node = &self.devices[dev].node;
        let req = NewTicket {
            service: Some(ServiceCode::parse(service).unwrap()),
            ..Default::default()
        };
        let t = node.issue_ticket(Actor::System, req).unwrap();
        self.ops.push(Op::Issue {
            dev,
            ticket: t.id,
            label: t.label,
            service: service.into(),
        });
    }

    /// Calls the next ticket at `counter` and serves it through to the end; `None` when
    /// its queue is empty.
    fn work(&mut self, dev: usize, counter: &str) -> Option<TicketId> {
        let node = &self.devices[dev].node;
        let counter_id = CounterId::parse(counter).unwrap();
        let t = node.call_next(Actor::System, &counter_id).ok()?;
        self.step(dev, t.id, "called", Some(counter));
        let roll: f64 = self.rng.r#gen();
        if roll < 0.05 {
            self.act(dev, t.id, TicketAction::NoShow, "no_show");
            self.act(dev, t.id, TicketAction::Requeue, "waiting");
            return Some(t.id);
        }
        if roll < 0.15 {
            self.act(dev, t.id, TicketAction::Recall, "called");
        }
        self.act(dev, t.id, TicketAction::Serve, "serving");
        self.act(dev, t.id, TicketAction::Complete, "done");
        Some(t.id)
    }

    fn act(&mut self, dev: usize, id: TicketId, action: TicketAction, status: &str) {
        if self.devices[dev]
            .node
            .act(Actor::System, id, action)
            .is_ok()
        {
            self.step(dev, id, status, None);
        }
    }

    fn step(&mut self, dev: usize, ticket: TicketId, status: &str, counter: Option<&str>) {
        self.ops.push(Op::Step {
            dev,
            ticket,
            status: status.into(),
            counter: counter.map(str::to_owned),
        });
    }

    fn sync(&mut self, group: &[usize]) {
        sync_group(&self.devices, group, &self.wire);
        self.ops.push(Op::Sync(group.to_vec()));
    }

    fn events(&self) -> u64 {
        let conn_count = |n: &Node| {
            n.store
                .read(medicloud_node::store::query::event_count)
                .unwrap()
        };
        self.devices
            .iter()
            .map(|d| conn_count(&d.node))
            .max()
            .unwrap_or(0)
    }
}

fn setup(root: &Path, count: usize, far_kiosk: Option<usize>) -> Run {
    let mut devices: Vec<Device> = (0..count)
        .map(|i| device(root, Arc::new(SystemTime), i > 0))
        .collect();
    medicloud_node::demo::seed(&devices[0].node, "bench-password-1").unwrap();
    let wire = Wire::default();
    let all: Vec<usize> = (0..count).collect();
    sync_group(&devices, &all, &wire);
    if let Some(kiosk) = far_kiosk {
        // The far kiosk's offline reserve, reserved from the hub before the cut.
        let today = devices[0]
            .node
            .store
            .read(|c| devices[0].node.today(c))
            .unwrap();
        for service in ["A", "B", "C"] {
            for _ in 0..10 {
                grant(&devices[0].node, &devices[kiosk].node, service, today);
            }
        }
    }
    devices.shrink_to_fit();
    Run {
        devices,
        ops: Vec::new(),
        wire,
        rng: StdRng::seed_from_u64(7),
    }
}

fn grant(hub: &Node, to: &Node, service: &str, day: NaiveDate) {
    let service = ServiceCode::parse(service).unwrap();
    let request = ReserveRequest {
        service: service.clone(),
        day,
        count: BLOCK_SIZE,
        device: Some(to.store.identity().device),
    };
    let block = labels::grant(hub, &request, to.store.identity().device).unwrap();
    labels::record_block(to, &service, day, block).unwrap();
}

struct Outcome {
    name: &'static str,
    events: u64,
    bytes: usize,
    delivered: usize,
    rounds: usize,
    heal: Duration,
    total: Duration,
}

fn print(o: &Outcome) {
    println!(
        "{:<34} {:>6} events  {:>6.1} B/event delivered  {:>5} round trips  converge after heal {:>7.1} ms  (whole run {:.1} s)",
        o.name,
        o.events,
        o.bytes as f64 / o.delivered.max(1) as f64,
        o.rounds,
        o.heal.as_secs_f64() * 1e3,
        o.total.as_secs_f64(),
    );
}

/// W1: one clinic day on 4 devices.
fn clinic_day(root: &Path, tickets: usize) -> (Outcome, Vec<Op>) {
    let start = Instant::now();
    let mut run = setup(root, 4, None);
    let services = ["A", "A", "B", "C"];
    let rooms = [
        (1, "loket-1"),
        (2, "ruang-umum"),
        (3, "ruang-gigi"),
        (3, "ruang-kia"),
    ];
    let mut since_sync = 0;
    for i in 0..tickets {
        run.issue(0, services[i % services.len()]);
        since_sync += 1;
        if i % 2 == 1 {
            for (dev, counter) in rooms {
                if run.rng.gen_bool(0.5) && run.work(dev, counter).is_some() {
                    since_sync += 4;
                }
            }
        }
        if since_sync >= 25 {
            run.sync(&[0, 1, 2, 3]);
            since_sync = 0;
        }
    }
    // The rest of the day: every queue emptied.
    for (dev, counter) in rooms {
        run.sync(&[0, 1, 2, 3]);
        while run.work(dev, counter).is_some() {}
    }
    let heal = Instant::now();
    run.sync(&[0, 1, 2, 3]);
    let heal = heal.elapsed();
    let outcome = Outcome {
        name: "W1 clinic day (4 devices)",
        events: run.events(),
        bytes: run.wire.bytes.get(),
        delivered: run.wire.delivered.get(),
        rounds: run.wire.rounds.get(),
        heal,
        total: start.elapsed(),
    };
    (outcome, run.ops)
}

/// W2: 8 devices, cut into two halves for the afternoon, then healed.
fn partitioned(root: &Path, tickets: usize) -> (Outcome, Vec<Op>) {
    let start = Instant::now();
    let mut run = setup(root, 8, Some(4));
    let (near, far) = ([0, 1, 2, 3], [4, 5, 6, 7]);
    let counters = [(1, "loket-1"), (2, "ruang-umum"), (3, "ruang-gigi")];
    let far_counters = [(5, "loket-2"), (6, "ruang-umum"), (7, "ruang-kia")];
    let mut shared = Vec::new();
    // Before the cut: everyone together, a quarter of the tickets.
    for i in 0..tickets / 4 {
        run.issue(0, ["A", "B"][i % 2]);
        if i % 10 == 9 {
            run.sync(&[0, 1, 2, 3, 4, 5, 6, 7]);
        }
    }
    run.sync(&[0, 1, 2, 3, 4, 5, 6, 7]);
    // 5 % of the tickets waiting at the cut get called on both sides.
    let waiting: Vec<TicketId> = run
        .ops
        .iter()
        .filter_map(|o| match o {
            Op::Issue {
                ticket, service, ..
            } if service == "A" => Some(*ticket),
            _ => None,
        })
        .collect();
    shared.extend(waiting.iter().take(tickets / 20).copied());
    for (i, id) in shared.iter().enumerate() {
        let (near_dev, far_dev) = (1 + i % 2, 5 + i % 2);
        for (dev, counter) in [(near_dev, "loket-1"), (far_dev, "loket-2")] {
            let counter_id = CounterId::parse(counter).unwrap();
            if run.devices[dev]
                .node
                .act(Actor::System, *id, TicketAction::Call(counter_id))
                .is_ok()
            {
                run.step(dev, *id, "called", Some(counter));
            }
        }
    }
    // Cut: the halves work apart, each kiosk taking tickets.
    for i in 0..(tickets * 3 / 4) {
        let (kiosk, group, rooms) = if i % 2 == 0 {
            (0, &near[..], &counters)
        } else {
            (4, &far[..], &far_counters)
        };
        run.issue(kiosk, ["A", "B", "C"][i % 3]);
        if i % 3 == 0 {
            let (dev, counter) = rooms[i % rooms.len()];
            run.work(dev, counter);
        }
        if i % 20 == 19 {
            let group = group.to_vec();
            run.sync(&group);
        }
    }
    run.sync(&near);
    run.sync(&far);
    let heal = Instant::now();
    run.sync(&[0, 1, 2, 3, 4, 5, 6, 7]);
    let heal = heal.elapsed();
    let outcome = Outcome {
        name: "W2 8 devices partitioned, healed",
        events: run.events(),
        bytes: run.wire.bytes.get(),
        delivered: run.wire.delivered.get(),
        rounds: run.wire.rounds.get(),
        heal,
        total: start.elapsed(),
    };
    (outcome, run.ops)
}

/// The same operations through automerge: one document per device, a map per ticket,
/// the same star syncs; bytes are the encoded sync messages.
fn automerge_replay(name: &str, devices: usize, ops: &[Op]) {
    let start = Instant::now();
    let mut docs: Vec<AutoCommit> = (0..devices).map(|_| AutoCommit::new()).collect();
    let tickets_obj = docs[0]
        .put_object(automerge::ROOT, "tickets", ObjType::Map)
        .unwrap();
    let base = docs[0].save();
    for doc in docs.iter_mut().skip(1) {
        *doc = AutoCommit::load(&base).unwrap();
    }
    let (mut bytes, mut rounds, mut heal) = (0usize, 0usize, Duration::ZERO);
    let mut states: Vec<Vec<automerge::sync::State>> = (0..devices)
        .map(|_| {
            (0..devices)
                .map(|_| automerge::sync::State::new())
                .collect()
        })
        .collect();
    for (index, op) in ops.iter().enumerate() {
        match op {
            Op::Issue {
                dev,
                ticket,
                label,
                service,
            } => {
                let doc = &mut docs[*dev];
                let t = doc
                    .put_object(&tickets_obj, ticket.to_string(), ObjType::Map)
                    .unwrap();
                doc.put(&t, "label", label.as_str()).unwrap();
                doc.put(&t, "service", service.as_str()).unwrap();
                doc.put(&t, "status", "waiting").unwrap();
            }
            Op::Step {
                dev,
                ticket,
                status,
                counter,
            } => {
                let doc = &mut docs[*dev];
                if let Some((_, t)) = doc.get(&tickets_obj, ticket.to_string()).unwrap() {
                    doc.put(&t, "status", status.as_str()).unwrap();
                    if let Some(c) = counter {
                        doc.put(&t, "counter", ScalarValue::from(c.as_str()))
                            .unwrap();
                    }
                }
            }
            Op::Sync(group) => {
                let last = index + 1 == ops.len();
                let began = Instant::now();
                for _ in 0..2 {
                    for &d in &group[1..] {
                        let h = group[0];
                        loop {
                            let mut moved = false;
                            let (a, b) = two(&mut docs, d, h);
                            if let Some(m) = a.sync().generate_sync_message(&mut states[d][h]) {
                                let encoded = m.encode();
                                bytes += encoded.len();
                                let m = automerge::sync::Message::decode(&encoded).unwrap();
                                b.sync().receive_sync_message(&mut states[h][d], m).unwrap();
                                moved = true;
                            }
                            if let Some(m) = b.sync().generate_sync_message(&mut states[h][d]) {
                                let encoded = m.encode();
                                bytes += encoded.len();
                                let m = automerge::sync::Message::decode(&encoded).unwrap();
                                a.sync().receive_sync_message(&mut states[d][h], m).unwrap();
                                moved = true;
                            }
                            if !moved {
                                break;
                            }
                            rounds += 1;
                        }
                    }
                }
                if last {
                    heal = began.elapsed();
                }
            }
        }
    }
    let changes = ops.iter().filter(|o| !matches!(o, Op::Sync(_))).count();
    println!(
        "{:<34} {:>6} ops     {:>6.1} B/op delivered*     {:>5} round trips  converge after heal {:>7.1} ms  (whole run {:.1} s)",
        name,
        changes,
        bytes as f64 / (changes * (devices - 1)).max(1) as f64,
        rounds,
        heal.as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64(),
    );
}

fn two<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

/// W3: a device that has been running 30 days (generated quickly on a memory-backed
/// folder with a clock that moves a day per 1,000 tickets), and a new device's first sync
/// from it onto a real disk.
fn first_sync(root: &Path, days: usize, per_day: usize) {
    let shm = Path::new("/dev/shm");
    let fast = if shm.is_dir() { shm } else { root };
    let month_ago = SystemTime.now_ms() - (days as u64) * 86_400_000;
    let clock = Arc::new(ManualTime::new(month_ago));
    let source = device(fast, clock.clone(), false);
    medicloud_node::demo::seed(&source.node, "bench-password-1").unwrap();
    let generated = Instant::now();
    let mut run = Run {
        devices: vec![source],
        ops: Vec::new(),
        wire: Wire::default(),
        rng: StdRng::seed_from_u64(30),
    };
    for day in 0..days {
        clock.set(month_ago + day as u64 * 86_400_000 + 8 * 3_600_000);
        for i in 0..per_day {
            run.issue(0, ["A", "B", "C", "L", "F"][i % 5]);
            run.work(
                0,
                ["loket-1", "ruang-gigi", "ruang-kia", "lab", "farmasi"][i % 5],
            );
            clock.set(clock.now_ms() + 20_000);
        }
        run.ops.clear();
    }
    let events = run.events();
    println!(
        "W3 source: {events} events over {days} days generated in {:.1} s",
        generated.elapsed().as_secs_f64()
    );
    let fresh = device(root, Arc::new(SystemTime), false);
    let wire = Wire::default();
    let start = Instant::now();
    sync(&fresh.node, &run.devices[0].node, &wire);
    let took = start.elapsed();
    println!(
        "W3 first sync, in process         {events} events in {:.2} s ({:.0} events/s applied into SQLite), {:.1} B/event, {} round trips",
        took.as_secs_f64(),
        events as f64 / took.as_secs_f64(),
        wire.bytes.get() as f64 / wire.delivered.get().max(1) as f64,
        wire.rounds.get(),
    );
    first_sync_process(root, run.devices.remove(0).node, events);
}

/// The same first sync by a real `medicloud demo` process over HTTP on loopback, whose
/// peak memory is its own.
fn first_sync_process(root: &Path, source: Node, events: u64) {
    let source = source.with_replication(Replication::new(
        Vec::new(),
        Some(medicloud_sync::seal::LanSeal::new(
            medicloud_node::demo::DEMO_LAN_KEY,
            medicloud_node::demo::DEMO_CLINIC,
        )),
    ));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listen = "127.0.0.1:0".parse().unwrap();
            medicloud_node::serve::serve(Arc::new(source), listen, None, |addr| {
                tx.send(addr).unwrap();
            })
            .await
            .unwrap();
        });
    });
    let url = format!("http://{}", rx.recv().unwrap());
    let data = tempfile::tempdir_in(root).unwrap();
    let start = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--peer",
            &url,
            "--labels-from",
            &url,
        ])
        .arg("--data")
        .arg(data.path())
        .env("MEDICLOUD_DEMO_PASSWORD", "bench-password-1")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = data.path().join("node.sqlite");
    let held = || -> u64 {
        let Ok(conn) =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        else {
            return 0;
        };
        conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map_or(0, |n| n as u64)
    };
    while held() < events {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the new device never caught up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    println!(
        "W3 first sync, new `medicloud demo` process over HTTP: {events} events in {:.2} s from its start, peak RSS {peak}",
        took.as_secs_f64(),
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let scale = if quick { 10 } else { 1 };
    let root = tempfile::tempdir().unwrap();
    println!(
        "Sync workloads (quick: {quick}); * automerge: per change, delivered to each other device"
    );
    let (w1, ops1) = clinic_day(root.path(), 1_000 / scale);
    print(&w1);
    automerge_replay("   the same through automerge", 4, &ops1);
    let (w2, ops2) = partitioned(root.path(), 2_000 / scale);
    print(&w2);
    automerge_replay("   the same through automerge", 8, &ops2);
    first_sync(root.path(), 30, 1_000 / scale);
}
