//! `fault.disk_full`: a demo node whose data folder is on a small tmpfs of its own; the
//! filesystem is filled to the last byte while the node runs. Tickets asked for then get
//! a clear error (5xx with `{code, message}`), not a crash or a hang; the queue stays
//! readable; once space is freed the node takes tickets again; no acknowledged ticket
//! is lost, no label is twice, and the database passes `PRAGMA integrity_check` and the
//! audit chain verifies. Mounting needs root: where it is refused the scenario fails
//! as not run.

use crate::util::{DemoProcess, PrinterProcess, board};
use crate::{Report, Run};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A tmpfs mounted on a temporary folder, unmounted (and the folder removed) on drop.
struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    fn tmpfs(size: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Still busy (a process that has not quite exited): detach it now.
            let _ = Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// Fills the filesystem holding `path` to the last byte with the file `path`.
fn fill(path: &Path) -> std::io::Result<u64> {
    let mut file = std::fs::File::create(path)?;
    let mut written = 0;
    for chunk in [1 << 20, 1 << 12, 1] {
        let buf = vec![0x5a_u8; chunk];
        while file.write_all(&buf).is_ok() {
            written += chunk as u64;
        }
    }
    let _ = file.sync_all();
    Ok(written)
}

/// How the node answered a ticket request on a full disk.
#[derive(Debug)]
enum Answer {
    Ticket(String, String),
    /// A 5xx with `{code, message}`.
    Clear(u16, String),
    Unclear(String),
    Hang,
    Gone(String),
}

async fn ask(client: &reqwest::Client, node: &DemoProcess) -> Answer {
    let res = client
        .post(node.url("/api/v1/tickets"))
        .bearer_auth(&node.kiosk)
        .json(&serde_json::json!({ "service": "A" }))
        .send()
        .await;
    let res = match res {
        Ok(res) => res,
        Err(e) if e.is_timeout() => return Answer::Hang,
        Err(e) => return Answer::Gone(e.to_string()),
    };
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or_default();
    match (
        status,
        &body["id"],
        &body["label"],
        &body["code"],
        &body["message"],
    ) {
        (201, Value::String(id), Value::String(label), _, _) => {
            Answer::Ticket(id.clone(), label.clone())
        }
        (500..=599, _, _, Value::String(code), Value::String(m)) if !m.is_empty() => {
            Answer::Clear(status, code.clone())
        }
        _ => Answer::Unclear(format!("{status} {body}")),
    }
}

/// Remembers an acknowledged ticket's label.
fn keep(acked: &mut HashMap<String, String>, answer: &Answer) {
    if let Answer::Ticket(id, label) = answer {
        acked.insert(id.clone(), label.clone());
    }
}

/// `PRAGMA integrity_check` of the node's (encrypted) database in `data`.
fn integrity(data: &Path) -> String {
    match crate::util::read_db(data) {
        Some(c) => c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap_or_else(|e| e.to_string()),
        None => "cannot open the database with its key".to_owned(),
    }
}

pub async fn run(run: Run) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mount = match Mount::tmpfs("16m") {
        Ok(mount) => mount,
        Err(why) => {
            report.count(format!("not run: cannot mount ({why})"));
            report.check(false, "cannot mount a small filesystem");
            return Ok(report);
        }
    };
    let attempts = run.size(300, 120);
    let outside = tempfile::tempdir()?;
    let printer = PrinterProcess::start(&outside.path().join("printed"));
    let data: PathBuf = mount.path().join("node");
    let mut node = DemoProcess::start_env(
        &data,
        &["--printer", printer.addr.as_str()],
        &[("RUST_LOG", "off")],
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let desk = node.login(&client, "desk").await;
    let mut acked = HashMap::new();
    for _ in 0..10 {
        keep(&mut acked, &ask(&client, &node).await);
    }
    let before = acked.len();

    let filler = mount.path().join("filler");
    let filled = fill(&filler)?;
    let (mut clear, mut unclear, mut during) = (0, Vec::new(), 0);
    let (mut codes, mut hung, mut gone) = (BTreeSet::new(), 0, None);
    let mut in_a_row = 0;
    for _ in 0..attempts {
        let answer = ask(&client, &node).await;
        keep(&mut acked, &answer);
        in_a_row += 1;
        match answer {
            Answer::Ticket(..) => {
                during += 1;
                in_a_row = 0;
            }
            Answer::Clear(status, code) => {
                clear += 1;
                codes.insert(format!("{status} {code}"));
            }
            Answer::Unclear(what) => unclear.push(what),
            Answer::Hang => hung += 1,
            Answer::Gone(why) => {
                gone = Some(why);
                break;
            }
        }
        if in_a_row >= 10 {
            break; // the disk is full for the database too, and it says so
        }
    }
    let alive = node.child.try_wait()?.is_none();
    let readable = gone.is_none()
        && client
            .get(node.url("/api/v1/tickets"))
            .bearer_auth(&desk)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);

    // Space comes back: the node takes tickets again.
    std::fs::remove_file(&filler)?;
    let mut after = 0;
    for _ in 0..10 {
        if gone.is_some() {
            break;
        }
        let answer = ask(&client, &node).await;
        after += usize::from(matches!(answer, Answer::Ticket(..)));
        keep(&mut acked, &answer);
    }
    let (mut lost, mut twice) = (acked.len(), 0);
    if alive {
        let desk = node.login(&client, "desk").await;
        let stored = board(&client, &node, &desk).await;
        lost = acked
            .iter()
            .filter(|(id, label)| stored.get(*id).map(|t| &t.0) != Some(*label))
            .count();
        let labels: HashSet<_> = stored.values().map(|t| &t.0).collect();
        twice = stored.len() - labels.len();
    }
    node.stop();
    let integrity = integrity(&data);
    let audit = Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(["audit", "verify", "--data"])
        .arg(&data)
        .output()?;
    drop(mount);

    report.count(format!(
        "tmpfs 16 MiB filled with {} MiB",
        filled / (1 << 20)
    ));
    report.count(format!(
        "{before} tickets before, {during} more taken while full, then {clear} clear errors {codes:?}"
    ));
    report.count(format!(
        "{} unclear, {hung} hung, {}",
        unclear.len(),
        if gone.is_some() {
            "the node died"
        } else {
            "the node kept running"
        }
    ));
    report.count(format!("{after} of 10 taken after freeing space"));
    report.count(format!(
        "{} acknowledged, {lost} lost, {twice} labels twice",
        acked.len()
    ));
    report.count(format!("integrity_check: {integrity}"));
    report.check(clear > 0, "no clear error on the full disk");
    report.check(
        codes.iter().any(|c| c == "507 disk_full"),
        "no error said the disk is full",
    );
    report.check(
        unclear.is_empty(),
        format!("unclear answers: {:?}", unclear.first()),
    );
    report.check(hung == 0, "a request hung");
    report.check(alive && gone.is_none(), format!("the node died: {gone:?}"));
    report.check(
        readable,
        "the queue could not be read while the disk was full",
    );
    report.check(after == 10, "tickets still refused after space was freed");
    report.check(lost == 0, "acknowledged tickets lost");
    report.check(twice == 0, "a label was given twice");
    report.check(integrity == "ok", "the database fails its integrity check");
    report.check(
        audit.status.success(),
        format!(
            "the audit chain does not verify: {}",
            String::from_utf8_lossy(&audit.stdout).trim()
        ),
    );
    Ok(report)
}
