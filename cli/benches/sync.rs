//! Sync workloads between real node stores (SQLite files, fsync at every commit), with
//! the same operations replayed through the `automerge` crate for a side-by-side.
//!
//! `cargo bench -p medicloud --bench sync [-- quick]` prints, per workload: events,
//! bytes on the wire per event delivered (the exchange's columnar pages, sealed as
//! `HttpTransport` sends them between nodes, a link's first request in gzip JSON until
//! the other side has answered columnar; HTTP headers not counted), round trips, the time to
//! converge once every device can reach the hub (in-process, no sockets), and the bench
//! process's peak memory during the workload. Then a new device's first sync of 30 days:
//! time, events per second applied into SQLite, and its peak memory. Quick mode
//! (`quick`, or `MEDICLOUD_BENCH_QUICK=1`) runs a tenth of each. Every figure is also
//! recorded for `cargo xtask bench`.
//!
//! - W1, a clinic day: 4 devices (kiosk = label hub, desk, two rooms), 1,000 tickets,
//!   each called, served and completed, some recalled, requeued or not shown (~4,000
//!   transitions); every device syncs with the hub after every 25 operations.
//! - W2, 8 devices partitioned 4 hours: two halves of 4, each with its own kiosk
//!   (the far kiosk on blocks it reserved before the cut), 2,000 tickets, 5 % of them
//!   called at both sides; then the halves heal.
//! - W3, a new device's first sync of 30 days from a device that served 1,000 tickets a
//!   day (~120,000 events).
//! - W4, clock chaos: W1's four devices with the desk's clock an hour ahead, one room's
//!   10 minutes behind, the other room's stepped back 30 minutes at midday; the two
//!   rooms work cut off from the hub for the afternoon, then heal, and every device must
//!   show every ticket the same.

#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use automerge::sync::SyncDoc;
use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use chrono::NaiveDate;
use flate2::Compression;
use flate2::write::GzEncoder;
use medicloud_core::domain::{CounterId, ServiceCode};
use medicloud_core::event::Actor;
use medicloud_core::ids::DeviceId;
use medicloud_core::ids::TicketId;
use medicloud_core::labels::BLOCK_SIZE;
use medicloud_node::labels;
use medicloud_node::ops::{NewTicket, Node, TicketAction};
use medicloud_node::replication::{LinkConfig, LinkKind, Replication};
use medicloud_node::store::Store;
use medicloud_sync::columnar;
use medicloud_sync::exchange::{self, SyncError, SyncRequest, SyncResponse, Transport};
use medicloud_sync::hlc::{ManualTime, SystemTime, TimeSource};
use medicloud_sync::wire::MAX_BODY;
use medicloud_sync::wire::ReserveRequest;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

#[path = "common/record.rs"]
mod record;

/// The system clock moved by an offset that can be changed (a clock stepped).
struct Skewed(AtomicI64);

impl Skewed {
    fn new(offset_ms: i64) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(offset_ms)))
    }
}

impl TimeSource for Skewed {
    fn now_ms(&self) -> u64 {
        SystemTime
            .now_ms()
            .saturating_add_signed(self.0.load(Ordering::SeqCst))
    }
}

/// Forgets this process's peak memory, so the next [`peak_mb`] is the peak since; `false`
/// where the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident memory (`VmHWM`) in MB (10^6 bytes).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    vm_hwm_mb(&status)
}

fn vm_hwm_mb(status: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb * 1024.0 / 1e6)
}

/// Bytes and rounds of the exchanges made through it.
#[derive(Default)]
struct Wire {
    bytes: Cell<usize>,
    rounds: Cell<usize>,
    delivered: Cell<usize>,
    /// The links (caller, responder) whose responder has answered columnar, so the
    /// caller sends its requests columnar too, as `HttpTransport` does.
    columnar: RefCell<HashSet<(DeviceId, DeviceId)>>,
    /// The answers' frames, kept when set (W3's bytes per column, read after the timing).
    frames: Option<RefCell<Vec<Vec<u8>>>>,
}

/// Bytes of one message between nodes as JSON: gzip JSON in a sealed envelope (what a
/// link sends before it knows the other side reads columnar pages).
fn gz_len(value: &impl serde::Serialize) -> usize {
    let json = serde_json::to_vec(value).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&json).unwrap();
    gz.finish().unwrap().len() + medicloud_sync::seal::OVERHEAD
}

/// The exchange to another node in this process, counting what HTTP would carry: the
/// columnar page in a sealed envelope (each page encoded and decoded, as between
/// processes), the first request of a link in gzip JSON.
struct Counting<'a> {
    peer: &'a Node,
    wire: &'a Wire,
}

impl Transport for Counting<'_> {
    fn exchange(&self, request: SyncRequest) -> Result<SyncResponse, SyncError> {
        let sent = request.events.len();
        let link = (request.from, self.peer.store().identity().device);
        let request = if self.wire.columnar.borrow().contains(&link) {
            let frame = columnar::encode_request(&request);
            self.add(frame.len() + medicloud_sync::seal::OVERHEAD);
            columnar::decode_request(&frame, MAX_BODY).unwrap()
        } else {
            self.add(gz_len(&request));
            request
        };
        let response = exchange::respond(&mut self.peer.log(), request)?;
        let frame = columnar::encode_response(&response);
        self.add(frame.len() + medicloud_sync::seal::OVERHEAD);
        let response = columnar::decode_response(&frame, MAX_BODY).unwrap();
        if let Some(frames) = &self.wire.frames {
            frames.borrow_mut().push(frame);
        }
        self.wire.columnar.borrow_mut().insert(link);
        self.wire.rounds.set(self.wire.rounds.get() + 1);
        let delivered = sent + response.events.len();
        self.wire
            .delivered
            .set(self.wire.delivered.get() + delivered);
        Ok(response)
    }
}

impl Counting<'_> {
    fn add(&self, bytes: usize) {
        self.wire.bytes.set(self.wire.bytes.get() + bytes);
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
    let me = a.store().identity().device;
    exchange::sync_with(&mut a.log(), me, &Counting { peer: b, wire }).unwrap();
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
        let t = node.call_next(Actor::System, &counter_id, None).ok()?;
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

    /// Applies `action`; records the status it led to (`expect` unless the visit went
    /// on: completing registration leaves the ticket waiting for the room).
    fn act(&mut self, dev: usize, id: TicketId, action: TicketAction, expect: &str) {
        if let Ok(t) = self.devices[dev].node.act(Actor::System, id, action) {
            let status = match t.status.as_str() {
                "waiting" => "waiting",
                _ => expect,
            };
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
            n.store()
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
    let clocks = (0..count).map(|_| Arc::new(SystemTime) as Arc<dyn TimeSource>);
    setup_clocks(root, clocks.collect(), far_kiosk)
}

/// Devices with these clocks (the first is the hub), the demo seeded and synced.
fn setup_clocks(root: &Path, clocks: Vec<Arc<dyn TimeSource>>, far_kiosk: Option<usize>) -> Run {
    let count = clocks.len();
    let mut devices: Vec<Device> = clocks
        .into_iter()
        .enumerate()
        .map(|(i, clock)| device(root, clock, i > 0))
        .collect();
    medicloud_node::demo::seed(&devices[0].node, "bench-password-1").unwrap();
    let wire = Wire::default();
    let all: Vec<usize> = (0..count).collect();
    sync_group(&devices, &all, &wire);
    if let Some(kiosk) = far_kiosk {
        // The far kiosk's offline reserve, reserved from the hub before the cut.
        let today = devices[0]
            .node
            .store()
            .read(|c| devices[0].node.today(c))
            .unwrap();
        for service in ["A", "B", "C"] {
            for _ in 0..10 {
                grant(&devices[0].node, &devices[kiosk].node, service, today);
            }
        }
    }
    devices.shrink_to_fit();
    // The set-up's own sync is not part of the workload (automerge starts from one
    // shared document too).
    Run {
        devices,
        ops: Vec::new(),
        // The links stay: those that answered columnar in the set-up still do.
        wire: Wire {
            columnar: wire.columnar,
            ..Wire::default()
        },
        rng: StdRng::seed_from_u64(7),
    }
}

fn grant(hub: &Node, to: &Node, service: &str, day: NaiveDate) {
    let service = ServiceCode::parse(service).unwrap();
    let request = ReserveRequest {
        service: service.clone(),
        day,
        count: BLOCK_SIZE,
        device: Some(to.store().identity().device),
    };
    let block = labels::grant(hub.store(), &request, to.store().identity().device).unwrap();
    labels::record_block(to.store(), &service, day, block).unwrap();
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

/// Records a workload's figures under `sync.{key}.…`.
fn record_outcome(key: &str, o: &Outcome, workload: &str, peak: Option<f64>) {
    let per_event = o.bytes as f64 / o.delivered.max(1) as f64;
    let figures = [
        ("events", o.events as f64, "events"),
        ("bytes_per_event", per_event, "B"),
        ("bytes", o.bytes as f64, "B"),
        ("round_trips", o.rounds as f64, "round trips"),
        ("converge_s", o.heal.as_secs_f64(), "s"),
    ];
    for (name, value, unit) in figures {
        record::measure(&format!("sync.{key}.{name}"), value, unit, workload);
    }
    let name = format!("sync.{key}.peak_rss_mb");
    match peak {
        Some(mb) => {
            let workload = format!("{workload}; peak RSS of the whole bench process during it");
            record::measure(&name, mb, "MB", &workload);
        }
        None => record::not_measured(&name, "the peak memory could not be reset"),
    }
}

/// Records automerge's figures on the same operations, and the ratio of bytes.
fn record_automerge(key: &str, ours: &Outcome, am: &Automerge, workload: &str, peak: Option<f64>) {
    let workload = format!(
        "automerge 0.7 on the same operations and sync schedule (a document per device, a map per ticket; encoded sync messages): {workload}"
    );
    let per = am.bytes as f64 / (am.changes * (am.devices - 1)).max(1) as f64;
    let figures = [
        ("bytes_per_event", per, "B"),
        ("bytes", am.bytes as f64, "B"),
        ("round_trips", am.rounds as f64, "round trips"),
        ("converge_s", am.heal.as_secs_f64(), "s"),
    ];
    for (name, value, unit) in figures {
        record::measure(
            &format!("sync.{key}.automerge.{name}"),
            value,
            unit,
            &workload,
        );
    }
    if let Some(mb) = peak {
        let name = format!("sync.{key}.automerge.peak_rss_mb");
        let workload = format!("{workload}; peak RSS of the whole bench process during it");
        record::measure(&name, mb, "MB", &workload);
    }
    let ratio = ours.bytes as f64 / am.bytes.max(1) as f64;
    record::measure(
        &format!("sync.{key}.bytes_vs_automerge"),
        ratio,
        "×",
        &format!("all bytes on the wire after the set-up, Medicloud / automerge; {workload}"),
    );
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

/// W4: W1's clinic with chaotic clocks; the rooms cut off for the afternoon, then healed.
/// Also checks that every device then shows every ticket the same.
fn clock_chaos(root: &Path, tickets: usize) -> (Outcome, Vec<Op>, Result<usize, String>) {
    let start = Instant::now();
    let stepped = Skewed::new(0);
    let clocks: Vec<Arc<dyn TimeSource>> = vec![
        Arc::new(SystemTime),
        Skewed::new(3_600_000),
        Skewed::new(-600_000),
        stepped.clone(),
    ];
    let mut run = setup_clocks(root, clocks, None);
    let services = ["A", "A", "B", "C"];
    let rooms = [
        (1, "loket-1"),
        (2, "ruang-umum"),
        (3, "ruang-gigi"),
        (3, "ruang-kia"),
    ];
    let mut since_sync = 0;
    for i in 0..tickets {
        if i == tickets / 2 {
            // Midday: one room's clock is stepped back, and the rooms lose the hub.
            stepped.0.store(-1_800_000, Ordering::SeqCst);
            run.sync(&[0, 1, 2, 3]);
        }
        let cut = i >= tickets / 2;
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
            if cut {
                run.sync(&[0, 1]);
            } else {
                run.sync(&[0, 1, 2, 3]);
            }
            since_sync = 0;
        }
    }
    let heal = Instant::now();
    run.sync(&[0, 1, 2, 3]);
    let heal = heal.elapsed();
    let converged = same_everywhere(&run);
    let outcome = Outcome {
        name: "W4 clock chaos, rooms cut, healed",
        events: run.events(),
        bytes: run.wire.bytes.get(),
        delivered: run.wire.delivered.get(),
        rounds: run.wire.rounds.get(),
        heal,
        total: start.elapsed(),
    };
    (outcome, run.ops, converged)
}

/// Whether every device holds the same events and shows every ticket issued, the same:
/// the number of tickets compared, or the first difference or missing ticket.
fn same_everywhere(run: &Run) -> Result<usize, String> {
    let summaries: Vec<_> = run
        .devices
        .iter()
        .map(|d| d.node.store().summary().unwrap())
        .collect();
    if summaries.iter().any(|s| *s != summaries[0]) {
        return Err("the devices hold different events".into());
    }
    let ids: Vec<TicketId> = run
        .ops
        .iter()
        .filter_map(|o| match o {
            Op::Issue { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .collect();
    for id in &ids {
        let states: Vec<String> = run
            .devices
            .iter()
            .map(|d| {
                d.node
                    .store()
                    .read(|c| medicloud_node::store::query::ticket(c, *id))
                    .unwrap()
                    .map(|t| format!("{t:?}"))
            })
            .collect::<Option<_>>()
            // Missing on every device would read the same everywhere, and is a loss.
            .ok_or_else(|| format!("ticket {id} is missing on a device"))?;
        if states.iter().any(|s| *s != states[0]) {
            return Err(format!("ticket {id} differs between devices"));
        }
    }
    Ok(ids.len())
}

/// The same operations through automerge: one document per device, a map per ticket,
/// the same star syncs; bytes are the encoded sync messages.
/// What automerge moved for the same operations.
struct Automerge {
    devices: usize,
    changes: usize,
    bytes: usize,
    rounds: usize,
    heal: Duration,
}

fn automerge_replay(name: &str, devices: usize, ops: &[Op]) -> Automerge {
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
    Automerge {
        devices,
        changes,
        bytes,
        rounds,
        heal,
    }
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
            // A poli's visit is registration at a loket, then its room.
            let (service, counters): (&str, &[&str]) = [
                ("A", &["loket-1", "ruang-umum"][..]),
                ("B", &["loket-1", "ruang-gigi"]),
                ("C", &["loket-1", "ruang-kia"]),
                ("L", &["lab"]),
                ("F", &["farmasi"]),
            ][i % 5];
            run.issue(0, service);
            for counter in counters {
                run.work(0, counter);
            }
            clock.set(clock.now_ms() + 20_000);
        }
    }
    let events = run.events();
    println!(
        "W3 source: {events} events over {days} days generated in {:.1} s",
        generated.elapsed().as_secs_f64()
    );
    let fresh = device(root, Arc::new(SystemTime), false);
    let wire = Wire {
        frames: Some(RefCell::default()),
        ..Wire::default()
    };
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
    columns(&wire);
    let workload = format!(
        "a new device's first sync of {days} days ({events} events, {per_day} tickets a day) from a running node, in process (no sockets), onto a SQLite file on disk"
    );
    let per_event = wire.bytes.get() as f64 / wire.delivered.get().max(1) as f64;
    record::measure("sync.w3.events", events as f64, "events", &workload);
    record::measure("sync.w3.bytes_per_event", per_event, "B", &workload);
    record::measure(
        "sync.w3.round_trips",
        wire.rounds.get() as f64,
        "round trips",
        &workload,
    );
    record::measure("sync.w3.in_process_s", took.as_secs_f64(), "s", &workload);
    record::measure(
        "sync.w3.events_per_s",
        events as f64 / took.as_secs_f64(),
        "events/s",
        &workload,
    );
    // automerge: one document holding the same days, and a new one's first sync from it.
    let mut ops = std::mem::take(&mut run.ops);
    ops.push(Op::Sync(vec![0, 1]));
    let am = automerge_replay("   W3 the same through automerge", 2, &ops);
    drop(ops);
    let workload = format!(
        "automerge 0.7: a document holding the same {days} days ({} changes), and a new document's first sync from it (encoded sync messages)",
        am.changes
    );
    let per = am.bytes as f64 / am.changes.max(1) as f64;
    let figures = [
        ("bytes_per_event", per, "B"),
        ("round_trips", am.rounds as f64, "round trips"),
        ("first_sync_s", am.heal.as_secs_f64(), "s"),
    ];
    for (name, value, unit) in figures {
        record::measure(&format!("sync.w3.automerge.{name}"), value, unit, &workload);
    }
    record::measure(
        "sync.w3.bytes_vs_automerge",
        per_event / per,
        "×",
        &format!("bytes per event on the wire (sealed pages), Medicloud / automerge; {workload}"),
    );
    let (took, peak) = first_sync_process(root, run.devices.remove(0).node, events);
    let workload = format!(
        "a new `medicloud demo` process's first sync of {days} days ({events} events) over HTTP on loopback, from its start until it holds every event; peak RSS is that process's VmHWM"
    );
    record::measure("sync.w3.process_s", took.as_secs_f64(), "s", &workload);
    record::measure("sync.w3.peak_rss_mb", peak, "MB", &workload);
}

/// Where the answers' bytes went, per column of the columnar page: bytes per event
/// delivered, before compression and deflated alone (so the parts add up to a little
/// more than the frames, which are deflated whole).
fn columns(wire: &Wire) {
    let Some(frames) = &wire.frames else { return };
    let frames = frames.borrow();
    let mut sums = vec![(0usize, 0usize); columnar::PARTS.len()];
    for frame in frames.iter() {
        for (i, (_, raw, deflated)) in columnar::breakdown(frame, MAX_BODY)
            .unwrap()
            .into_iter()
            .enumerate()
        {
            sums[i].0 += raw;
            sums[i].1 += deflated;
        }
    }
    let per = wire.delivered.get().max(1) as f64;
    let framed: usize = frames.iter().map(Vec::len).sum();
    println!(
        "   W3 answers by column, B/event (raw → deflated alone); frames {:.2} B/event, sealing {:.2}:",
        framed as f64 / per,
        (frames.len() * medicloud_sync::seal::OVERHEAD) as f64 / per
    );
    let line: Vec<String> = columnar::PARTS
        .iter()
        .zip(&sums)
        .filter(|(_, (raw, _))| *raw > 0)
        .map(|(name, (raw, deflated))| {
            format!(
                "{name} {:.2}→{:.2}",
                *raw as f64 / per,
                *deflated as f64 / per
            )
        })
        .collect();
    println!("     {}", line.join(", "));
}

/// The same first sync by a real `medicloud demo` process over HTTP on loopback, whose
/// peak memory is its own.
fn first_sync_process(root: &Path, source: Node, events: u64) -> (Duration, f64) {
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
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            medicloud_node::serve::serve(Arc::new(source), listener, None, std::future::pending())
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
    let key_file = data.path().join("db.key");
    let held = || -> u64 {
        use medicloud_node::store::crypt;
        let Some(conn) = crypt::DbKey::read(&key_file)
            .ok()
            .flatten()
            .and_then(|key| crypt::open_read_only(&db, &key).ok())
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
    let peak = vm_hwm_mb(&status);
    println!(
        "W3 first sync, new `medicloud demo` process over HTTP: {events} events in {:.2} s from its start, peak RSS {peak:.1} MB",
        took.as_secs_f64(),
    );
    let _ = child.kill();
    let _ = child.wait();
    (took, peak)
}

/// Runs `f` and returns its result with the process's peak memory during it (`None`
/// when the peak cannot be reset here).
fn with_peak<T>(f: impl FnOnce() -> T) -> (T, Option<f64>) {
    let reset = reset_peak();
    let out = f();
    (out, reset.then(peak_mb))
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick") || record::quick();
    let scale = if quick { 10 } else { 1 };
    let root = tempfile::tempdir().unwrap();
    println!(
        "Sync workloads (quick: {quick}); * automerge: per change, delivered to each other device"
    );
    let in_process = "in process; sealed columnar pages as HttpTransport sends them (a link's first request gzip JSON), HTTP headers not counted";

    let ((w1, ops1), peak) = with_peak(|| clinic_day(root.path(), 1_000 / scale));
    print(&w1);
    let workload = format!(
        "W1 a clinic day: 4 devices, {} tickets, {} events, a star sync every 25 operations; {in_process}",
        1_000 / scale,
        w1.events
    );
    record_outcome("w1", &w1, &workload, peak);
    let (am, peak) = with_peak(|| automerge_replay("   the same through automerge", 4, &ops1));
    record_automerge("w1", &w1, &am, &workload, peak);
    drop(ops1);

    let ((w2, ops2), peak) = with_peak(|| partitioned(root.path(), 2_000 / scale));
    print(&w2);
    let workload = format!(
        "W2 8 devices cut in two halves for the afternoon, then healed: {} tickets, 5 % called at both sides, {} events; {in_process}",
        2_000 / scale,
        w2.events
    );
    record_outcome("w2", &w2, &workload, peak);
    let (am, peak) = with_peak(|| automerge_replay("   the same through automerge", 8, &ops2));
    record_automerge("w2", &w2, &am, &workload, peak);
    drop(ops2);

    let ((w4, ops4, converged), peak) = with_peak(|| clock_chaos(root.path(), 1_000 / scale));
    print(&w4);
    let workload = format!(
        "W4 clock chaos: W1's 4 devices, the desk's clock an hour ahead, a room's 10 minutes behind, the other room's stepped back 30 minutes at midday; the rooms cut off from the hub for the afternoon, then healed: {} tickets, {} events; {in_process}",
        1_000 / scale,
        w4.events
    );
    record_outcome("w4", &w4, &workload, peak);
    match &converged {
        Ok(n) => {
            println!("W4: every device shows all {n} tickets the same after the heal");
            record::scenario(
                "sync.w4.converged",
                true,
                &format!(
                    "after the heal, every device holds the same events and shows all {n} tickets the same"
                ),
            );
        }
        Err(e) => {
            println!("W4: NOT converged: {e}");
            record::scenario("sync.w4.converged", false, e);
        }
    }
    let (am, peak) = with_peak(|| automerge_replay("   the same through automerge", 4, &ops4));
    record_automerge("w4", &w4, &am, &workload, peak);
    drop(ops4);

    let ((), peak) = with_peak(|| first_sync(root.path(), 30, 1_000 / scale));
    if let Some(mb) = peak {
        record::measure(
            "sync.w3.bench_peak_rss_mb",
            mb,
            "MB",
            "peak RSS of the bench process while it generated W3's source and ran the in-process first sync",
        );
    }
}
