//! `fault.partitions`: three `medicloud demo` nodes enrolled with one `medicloud cloud`
//! and peered with each other, every link (node → cloud, node → node) through a proxy
//! of ours. `fault.partitions_hub` runs the same with no cloud and node 0 as the label
//! hub (`--labels-from`); `fault.partitions_chosen` with no cloud and no hub, the nodes
//! choosing their label authority among them. Each round cuts the clinic into random groups (a seeded schedule) and the
//! kiosks and counters of every node keep working: tickets taken, called, served,
//! completed, requeued, not shown — and, with no cloud, the desks book tomorrow's
//! appointments into a few contended slots (confirming an overbooking when told the
//! clinic's booking authority is out of reach). After the final heal every node lists
//! the same tickets with the same statuses, every acknowledged ticket is there with its
//! label, no label is twice, the conflicts are the same everywhere, the cloud holds
//! every event, and every node lists the same bookings with no slot above its places
//! but by confirmed overbookings; the time to converge is a measure. (With the cloud
//! handing out labels, each node counts its own desk bookings, which is not yet
//! partition-safe: that scenario books nothing.)

use crate::util::{Cloud, DemoProcess, add_demo_clinic, board, cloud_admin, free_port};
use crate::{Report, Run};
use medicloud_testkit::proxy::Proxy;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const NODES: usize = 3;
/// The slots of tomorrow the desks book into: two desk places each, so they fill.
const BOOKED_SLOTS: [&str; 3] = ["09:00", "09:05", "09:10"];
/// Each node's counter (the third serves only service A).
const COUNTERS: [&str; NODES] = ["loket-1", "loket-2", "ruang-umum"];
const SERVICES: [&str; 3] = ["A", "B", "C"];
const STATUSES: &[&str] = &[
    "waiting",
    "called",
    "serving",
    "done",
    "no_show",
    "cancelled",
    "transferred",
];

/// Who hands out the clinic's label numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// The cloud (every node enrolled with it).
    Cloud,
    /// No cloud; node 0 is the hub the others take labels from (`--labels-from`).
    Hub,
    /// No cloud and no hub: the nodes choose among them.
    Chosen,
}

impl Labels {
    fn name(self) -> &'static str {
        match self {
            Labels::Cloud => "fault.partitions",
            Labels::Hub => "fault.partitions_hub",
            Labels::Chosen => "fault.partitions_chosen",
        }
    }
}

/// The clinic under test: party 0 is the cloud (if any), parties 1..=3 the nodes.
struct Clinic {
    _cloud: Option<Cloud>,
    cloud_db: Option<PathBuf>,
    nodes: Vec<DemoProcess>,
    data: Vec<PathBuf>,
    desks: Vec<String>,
    /// `to_cloud[i]`: node i's link to the cloud.
    to_cloud: Vec<Proxy>,
    /// `to_peer[(i, j)]`: node i's link to node j.
    to_peer: HashMap<(usize, usize), Proxy>,
    /// The day the desks book (none: the scenario books nothing).
    tomorrow: Option<String>,
}

impl Clinic {
    async fn start(root: &Path, client: &reqwest::Client, labels: Labels) -> Self {
        let cloud_db = root.join("cloud.sqlite");
        let database = format!("sqlite://{}", cloud_db.display());
        let cloud_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let (cloud, clinic) = if labels == Labels::Cloud {
            let clinic = add_demo_clinic(&database);
            (
                Some(Cloud::start(&database, &cloud_addr.to_string())),
                clinic,
            )
        } else {
            (None, String::new())
        };
        let ports: Vec<u16> = (0..NODES).map(|_| free_port()).collect();
        let to_cloud: Vec<Proxy> = match labels {
            Labels::Cloud => (0..NODES).map(|_| Proxy::start(cloud_addr)).collect(),
            Labels::Hub | Labels::Chosen => Vec::new(),
        };
        let mut to_peer = HashMap::new();
        for i in 0..NODES {
            for (j, port) in ports.iter().enumerate().filter(|(j, _)| *j != i) {
                let target = format!("127.0.0.1:{port}").parse().unwrap();
                to_peer.insert((i, j), Proxy::start(target));
            }
        }
        let (mut nodes, mut data, mut desks) = (Vec::new(), Vec::new(), Vec::new());
        for (i, port) in ports.iter().enumerate() {
            let mut args = vec!["--listen".to_owned(), format!("127.0.0.1:{port}")];
            if labels == Labels::Cloud {
                let code = cloud_admin(&database, &["enrol-code", "--clinic", &clinic]);
                args.extend([
                    "--cloud".to_owned(),
                    to_cloud[i].url(),
                    "--enrol".to_owned(),
                ]);
                args.push(code);
            }
            for j in (0..NODES).filter(|j| *j != i) {
                args.extend(["--peer".to_owned(), to_peer[&(i, j)].url()]);
            }
            if labels == Labels::Hub && i != 0 {
                args.extend(["--labels-from".to_owned(), to_peer[&(i, 0)].url()]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let dir = root.join(format!("node-{i}"));
            let node = DemoProcess::start_env(&dir, &args, &[("RUST_LOG", "error")]);
            desks.push(node.login(client, "desk").await);
            nodes.push(node);
            data.push(dir);
        }
        // With no cloud, Poli Umum takes desk bookings all day every day, 2 places a
        // slot, set at node 0 and known to every node before the first cut.
        let tomorrow = (labels != Labels::Cloud).then(|| {
            (chrono::Utc::now() + chrono::Duration::hours(7 + 24))
                .date_naive()
                .to_string()
        });
        if let Some(date) = &tomorrow {
            let admin = nodes[0].login(client, "admin").await;
            let res = client
                .put(nodes[0].url("/api/v1/services/A/schedule"))
                .bearer_auth(&admin)
                .json(&medicloud_testkit::slots::all_day_schedule(2))
                .send()
                .await
                .expect("the schedule is set");
            assert_eq!(res.status(), 200, "the schedule is set");
            for (node, desk) in nodes.iter().zip(&desks) {
                let url = node.url(&format!("/api/v1/slots?service=A&date={date}"));
                let started = Instant::now();
                loop {
                    let slots: Value = client
                        .get(&url)
                        .bearer_auth(desk)
                        .send()
                        .await
                        .expect("slots")
                        .json()
                        .await
                        .unwrap_or_default();
                    let five_minutes = slots.as_array().is_some_and(|s| s.len() > 200);
                    if five_minutes || started.elapsed() > Duration::from_secs(30) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        Self {
            cloud_db: cloud.is_some().then_some(cloud_db),
            _cloud: cloud,
            nodes,
            data,
            desks,
            to_cloud,
            to_peer,
            tomorrow,
        }
    }

    /// Links between parties in different groups are cut, the others are up.
    fn partition(&self, groups: &[usize; NODES + 1]) {
        for (i, link) in self.to_cloud.iter().enumerate() {
            link.set_up(groups[0] == groups[i + 1]);
        }
        for ((i, j), link) in &self.to_peer {
            link.set_up(groups[i + 1] == groups[j + 1]);
        }
    }

    /// Each node's board (`id -> (label, status, counter)`).
    async fn boards(
        &self,
        client: &reqwest::Client,
    ) -> Vec<BTreeMap<String, (String, String, Value)>> {
        let mut boards = Vec::new();
        for (node, desk) in self.nodes.iter().zip(&self.desks) {
            boards.push(board(client, node, desk).await);
        }
        boards
    }
}

/// The `(origin, seq)` of every event of a database.
type EventIds = BTreeSet<(String, i64)>;

fn event_ids(c: &rusqlite::Connection) -> rusqlite::Result<EventIds> {
    c.prepare("SELECT origin, seq FROM events")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Events stored in the cloud's SQLite database at `path` (none while it cannot be read).
fn events_in(path: &Path) -> EventIds {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| event_ids(&c))
        .unwrap_or_default()
}

/// Events stored in the (encrypted) database of the node whose data folder is `data`
/// (none while it cannot be read).
fn node_events_in(data: &Path) -> EventIds {
    crate::util::read_db(data)
        .and_then(|c| event_ids(&c).ok())
        .unwrap_or_default()
}

/// `cloud n1 | n0 | n2`: who can reach whom.
fn describe(groups: &[usize; NODES + 1]) -> String {
    let name = |p: usize| {
        if p == 0 {
            "cloud".to_owned()
        } else {
            format!("n{}", p - 1)
        }
    };
    let mut parts: Vec<String> = (0..=NODES)
        .filter_map(|g| {
            let members: Vec<String> = (0..=NODES).filter(|p| groups[*p] == g).map(name).collect();
            (!members.is_empty()).then(|| members.join(" "))
        })
        .collect();
    parts.sort();
    parts.join(" | ")
}

/// What the kiosks and counters did, and what they were told.
#[derive(Default)]
struct Tally {
    acked: HashMap<String, String>,
    calls: usize,
    steps: usize,
    refused: usize,
    empty: usize,
    /// Bookings taken, refused as full, refused while the booking authority was out of
    /// reach (the desk not confirming), and taken as confirmed overbookings.
    booked: usize,
    full: usize,
    cut_off: usize,
    overbooked: usize,
    unexpected: Vec<String>,
}

/// The ticket a node's counter is working on, and its stage.
type Held = Option<(String, &'static str)>;

/// One operation on node `n`, chosen by the rolls (drawn whatever the state, so the
/// random stream does not depend on the answers).
async fn operate(
    clinic: &Clinic,
    client: &reqwest::Client,
    n: usize,
    held: &mut Held,
    rolls: (f64, usize, f64),
    tally: &mut Tally,
) {
    let (kind, service, step) = rolls;
    let node = &clinic.nodes[n];
    let desk = &clinic.desks[n];
    if clinic.tomorrow.is_some() && (0.45..0.55).contains(&kind) {
        book(
            clinic,
            client,
            n,
            BOOKED_SLOTS[service % BOOKED_SLOTS.len()],
            step < 0.5,
            tally,
        )
        .await;
        return;
    }
    if kind < 0.45 {
        let res = node.take(client, SERVICES[service]).await;
        let status = res.status();
        let t: Value = res.json().await.unwrap_or_default();
        match (status.as_u16(), t["id"].as_str(), t["label"].as_str()) {
            (201, Some(id), Some(label)) => {
                tally.acked.insert(id.to_owned(), label.to_owned());
            }
            _ => tally.unexpected.push(format!("take on n{n}: {status} {t}")),
        }
        return;
    }
    let (path, next): (String, Held) = match held.clone() {
        None => {
            let counter = COUNTERS[n];
            let url = format!("/api/v1/counters/{counter}/call-next");
            // A ticket this side lost track of (another node changed it first) may
            // still be at the counter: it is finished with the call.
            let res = client
                .post(node.url(&url))
                .bearer_auth(desk)
                .json(&json!({"current": "complete"}))
                .send()
                .await;
            match res {
                Ok(res) if res.status() == 200 => {
                    let t: Value = res.json().await.unwrap_or_default();
                    tally.calls += 1;
                    *held = t["id"].as_str().map(|id| (id.to_owned(), "called"));
                }
                Ok(res) if res.status() == 404 => tally.empty += 1,
                other => tally
                    .unexpected
                    .push(format!("call-next on n{n}: {other:?}")),
            }
            return;
        }
        Some((id, "called")) if step < 0.55 => (format!("{id}/serve"), Some((id, "serving"))),
        Some((id, "called")) if step < 0.7 => (format!("{id}/no-show"), None),
        Some((id, "called")) if step < 0.85 => (format!("{id}/requeue"), None),
        Some((id, "called")) => (format!("{id}/recall"), Some((id, "called"))),
        Some((id, _)) => (format!("{id}/complete"), None),
    };
    let url = node.url(&format!("/api/v1/tickets/{path}"));
    match client.post(url).bearer_auth(desk).send().await {
        Ok(res) if res.status() == 200 => {
            tally.steps += 1;
            *held = next;
        }
        // Another node changed the ticket first (seen once they could talk).
        Ok(res) if res.status() == 409 => {
            tally.refused += 1;
            *held = None;
        }
        other => tally.unexpected.push(format!("{path} on n{n}: {other:?}")),
    }
}

/// A desk booking at node `n` of tomorrow's `slot`: confirmed as an overbooking when
/// the booking authority is out of reach and `confirm` says the desk does.
async fn book(
    clinic: &Clinic,
    client: &reqwest::Client,
    n: usize,
    slot: &str,
    confirm: bool,
    tally: &mut Tally,
) {
    let Some(date) = &clinic.tomorrow else { return };
    let (node, desk) = (&clinic.nodes[n], &clinic.desks[n]);
    let mut body = json!({"service": "A", "date": date, "slot_start": slot});
    for _ in 0..2 {
        let res = client
            .post(node.url("/api/v1/appointments"))
            .bearer_auth(desk)
            .json(&body)
            .send()
            .await;
        let (status, answer) = match res {
            Ok(res) => (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap_or_default(),
            ),
            Err(err) => {
                tally.unexpected.push(format!("booking on n{n}: {err}"));
                return;
            }
        };
        match (status, answer["code"].as_str()) {
            (201, _) if answer["overbooked"] == true => tally.overbooked += 1,
            (201, _) => tally.booked += 1,
            (409, Some("slot_full")) => tally.full += 1,
            (409, Some("booking_authority_unreachable")) if confirm => {
                body["confirm_overbooking"] = true.into();
                continue;
            }
            (409, Some("booking_authority_unreachable")) => tally.cut_off += 1,
            _ => tally
                .unexpected
                .push(format!("booking on n{n}: {status} {answer}")),
        }
        return;
    }
}

/// Every node's live bookings of `date` (`(slot, overbooked)`, sorted), and the slots
/// above their places but by confirmed overbookings, as each node counts them.
async fn bookings(
    clinic: &Clinic,
    client: &reqwest::Client,
    date: &str,
) -> (Vec<Vec<(String, bool)>>, Vec<String>) {
    let (mut lists, mut over) = (Vec::new(), Vec::new());
    for (n, (node, desk)) in clinic.nodes.iter().zip(&clinic.desks).enumerate() {
        let get = |path: String| async move {
            let res = client
                .get(node.url(&path))
                .bearer_auth(desk)
                .send()
                .await
                .ok()?;
            res.json::<Value>().await.ok()
        };
        let list = get(format!("/api/v1/appointments?date={date}"))
            .await
            .unwrap_or_default();
        let mut live: Vec<(String, bool)> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["status"] != "cancelled")
            .map(|a| {
                (
                    a["slot_start"]
                        .as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(5)
                        .collect(),
                    a["overbooked"] == true,
                )
            })
            .collect();
        live.sort();
        lists.push(live);
        let slots = get(format!("/api/v1/slots?service=A&date={date}"))
            .await
            .unwrap_or_default();
        for slot in slots.as_array().into_iter().flatten() {
            let count = |k: &str| slot[k].as_u64().unwrap_or_default();
            if count("booked") > count("places") + count("overbooked") {
                over.push(format!("n{n} {slot}"));
            }
        }
    }
    (lists, over)
}

/// With the cloud as the label authority.
pub async fn run(run: Run) -> anyhow::Result<Report> {
    run_with(run, Labels::Cloud).await
}

/// With no cloud: a hub node, or an authority the nodes choose.
pub async fn run_lan(run: Run, labels: Labels) -> anyhow::Result<Report> {
    run_with(run, labels).await
}

async fn run_with(run: Run, labels: Labels) -> anyhow::Result<Report> {
    let rounds = run.size(40, 10);
    let ops = run.size(20, 12);
    let pause = Duration::from_millis(if run.quick { 300 } else { 1_000 });
    let root = tempfile::tempdir()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let clinic = Clinic::start(root.path(), &client, labels).await;
    let mut schedule = StdRng::seed_from_u64(run.seed);
    let mut choices = StdRng::seed_from_u64(run.seed ^ 0x6f70_6572_6174_696f);
    let mut held: Vec<Held> = vec![None; NODES];
    let mut tally = Tally::default();
    let mut splits = 0;
    for round in 0..rounds {
        let mut groups: [usize; NODES + 1] = std::array::from_fn(|_| schedule.gen_range(0..3));
        // The last round is a real split, so the heal after it has work to do.
        // (With no cloud, a split between the nodes.)
        let first = usize::from(labels != Labels::Cloud);
        while round + 1 == rounds && groups[first..].iter().all(|g| *g == groups[first]) {
            groups = std::array::from_fn(|_| schedule.gen_range(0..3));
        }
        let shape = describe(&groups);
        splits += usize::from(shape.contains('|'));
        println!("  round {round}: {shape}");
        clinic.partition(&groups);
        for _ in 0..ops {
            let n = choices.gen_range(0..NODES);
            let rolls = (
                choices.r#gen::<f64>(),
                choices.gen_range(0..SERVICES.len()),
                choices.r#gen::<f64>(),
            );
            operate(&clinic, &client, n, &mut held[n], rolls, &mut tally).await;
        }
        tokio::time::sleep(pause).await;
    }

    // The final heal: every link up; wait for the nodes to agree.
    clinic.partition(&[0; NODES + 1]);
    let healed = Instant::now();
    let limit = Duration::from_secs(if run.quick { 45 } else { 90 });
    let mut boards = clinic.boards(&client).await;
    let day = clinic.tomorrow.clone().unwrap_or_default();
    let mut booked = bookings(&clinic, &client, &day).await;
    let converged = loop {
        let agree = boards.iter().all(|b| *b == boards[0]);
        let same_bookings = booked.0.iter().all(|b| *b == booked.0[0]);
        if agree && same_bookings && tally.acked.keys().all(|id| boards[0].contains_key(id)) {
            break Some(healed.elapsed());
        }
        if healed.elapsed() > limit {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        boards = clinic.boards(&client).await;
        booked = bookings(&clinic, &client, &day).await;
    };
    let (booking_lists, over_capacity) = booked;
    let bookings_held = booking_lists[0].len();
    let bookings_acked = tally.booked + tally.overbooked;
    // The cloud too: it holds every event the nodes hold (with no cloud, node 0 stands
    // for it).
    let cloud_started = Instant::now();
    // The same (origin, seq) everywhere, and some: an unreadable database reads empty.
    let same_events = |cloud: &EventIds, nodes: &[EventIds]| {
        !cloud.is_empty() && nodes.iter().all(|n| n == cloud)
    };
    let (mut cloud_events, mut node_events) = (EventIds::new(), vec![EventIds::new(); NODES]);
    while cloud_started.elapsed() < Duration::from_secs(15) {
        cloud_events = match &clinic.cloud_db {
            Some(db) => events_in(db),
            None => node_events_in(&clinic.data[0]),
        };
        node_events = clinic.data.iter().map(|d| node_events_in(d)).collect();
        if same_events(&cloud_events, &node_events) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut conflicts = Vec::new();
    for (node, desk) in clinic.nodes.iter().zip(&clinic.desks) {
        let res = client
            .get(node.url("/api/v1/conflicts"))
            .bearer_auth(desk)
            .send()
            .await?;
        let list: Vec<Value> = res.json().await?;
        let mut keys: Vec<String> = list.iter().map(Value::to_string).collect();
        keys.sort();
        conflicts.push(keys);
    }

    let last = &boards[0];
    let lost = tally
        .acked
        .iter()
        .filter(|(id, label)| last.get(*id).map(|t| &t.0) != Some(*label))
        .count();
    let distinct: HashSet<&String> = last.values().map(|t| &t.0).collect();
    let twice = last.len() - distinct.len();
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, status, _) in last.values() {
        *by_status.entry(status.as_str()).or_default() += 1;
    }
    let strange = by_status.keys().filter(|s| !STATUSES.contains(s)).count();

    // Every node reports one label authority and none disputed.
    let mut disputed = Vec::new();
    for (n, (node, desk)) in clinic.nodes.iter().zip(&clinic.desks).enumerate() {
        let status: Value = client
            .get(node.url("/api/v1/sync/status"))
            .bearer_auth(desk)
            .send()
            .await?
            .json()
            .await?;
        if status["labels"]["conflict"] != false {
            disputed.push(format!("n{n}: {}", status["labels"]));
        }
    }

    let mut report = Report::default();
    if let Some(took) = converged {
        report.measure(
            &format!("{}.converge", labels.name()),
            took.as_secs_f64(),
            "s",
            &format!(
                "3 demo nodes{}, every link proxied; {rounds} rounds of random partitions, {} tickets; from the final heal until every node lists the same tickets",
                match labels {
                    Labels::Cloud => " + cloud",
                    Labels::Hub => ", node 0 the label hub",
                    Labels::Chosen => ", label authority chosen among them",
                },
                tally.acked.len()
            ),
        );
    }
    report.count(format!(
        "seed {}, {rounds} rounds ({splits} split)",
        run.seed
    ));
    report.count(format!(
        "{} tickets acknowledged, {} calls, {} steps ({} refused, {} empty queues)",
        tally.acked.len(),
        tally.calls,
        tally.steps,
        tally.refused,
        tally.empty
    ));
    report.count(match converged {
        Some(took) => format!("converged {:.1} s after the heal", took.as_secs_f64()),
        None => format!(
            "not converged after {} s: {:?} tickets",
            limit.as_secs(),
            boards.iter().map(BTreeMap::len).collect::<Vec<_>>()
        ),
    });
    report.count(format!("{lost} lost, {twice} labels twice"));
    if clinic.tomorrow.is_some() {
        report.count(format!(
            "bookings: {} within places, {} confirmed overbookings, {} refused as full, {} refused cut off; {} held after the heal, {} slots above capacity unconfirmed",
            tally.booked,
            tally.overbooked,
            tally.full,
            tally.cut_off,
            bookings_held,
            over_capacity.len()
        ));
        report.check(
            bookings_held == bookings_acked,
            format!("{bookings_acked} bookings acknowledged, {bookings_held} held after the heal"),
        );
        report.check(
            over_capacity.is_empty(),
            format!("a slot above its places without a confirmed overbooking: {over_capacity:?}"),
        );
    }
    report.count(format!("final states {by_status:?}"));
    report.count(format!("{} conflicts", conflicts[0].len()));
    report.count(format!(
        "events: cloud {}, nodes {:?}",
        cloud_events.len(),
        node_events.iter().map(BTreeSet::len).collect::<Vec<_>>()
    ));
    report.check(converged.is_some(), "the nodes did not converge");
    report.check(lost == 0, "acknowledged tickets lost or relabelled");
    report.check(twice == 0, "a label was given twice");
    report.check(
        disputed.is_empty(),
        format!("a second label authority reported: {disputed:?}"),
    );
    report.check(strange == 0, "a ticket in an unknown state");
    report.check(
        conflicts.iter().all(|c| *c == conflicts[0]),
        "the nodes list different conflicts",
    );
    report.check(
        same_events(&cloud_events, &node_events),
        "the cloud does not hold every event (the same (origin, seq), not none)",
    );
    report.check(
        tally.unexpected.is_empty(),
        format!(
            "{} unexpected answers, first: {}",
            tally.unexpected.len(),
            tally.unexpected.first().map_or("", String::as_str)
        ),
    );
    Ok(report)
}
