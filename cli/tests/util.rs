//! Helpers: an in-process node behind its router, and the real `medicloud` binary.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A `medicloud demo` process.
pub struct DemoProcess {
    pub child: Child,
    pub base: String,
    pub kiosk: String,
    pub display: String,
}

impl DemoProcess {
    pub fn start(data: &Path) -> Self {
        Self::start_with(data, &[])
    }

    /// Starts the demo with extra arguments, e.g. `["--printer", "127.0.0.1:9100"]`.
    pub fn start_with(data: &Path, extra: &[&str]) -> Self {
        Self::start_env(data, extra, &[])
    }

    /// Starts the demo with extra arguments (which may name its `--listen` address) and
    /// extra environment variables.
    pub fn start_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        Self::launch(
            Command::new(env!("CARGO_BIN_EXE_medicloud")),
            data,
            extra,
            env,
        )
    }

    /// Starts the demo with at most `files` open file descriptors (soft and hard limit,
    /// so the node cannot raise it), as on a system with a small default.
    pub fn start_with_file_limit(data: &Path, files: u32) -> Self {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--nofile={files}:{files}"))
            .arg(env!("CARGO_BIN_EXE_medicloud"));
        Self::launch(command, data, &[], &[])
    }

    fn launch(mut command: Command, data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        command.arg("demo");
        if !extra.contains(&"--listen") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = command
            .arg("--data")
            .arg(data)
            .args(extra)
            .env("MEDICLOUD_DEMO_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut base, mut kiosk, mut display) = (None, None, None);
        while kiosk.is_none() || display.is_none() || base.is_none() {
            let line = lines
                .next()
                .expect("demo exited before it was ready")
                .unwrap();
            if let Some(addr) = line.strip_prefix("Medicloud node listening on http://") {
                let addr: SocketAddr = addr.trim().parse().unwrap();
                base = Some(format!("http://{addr}"));
            }
            for (screen, slot) in [("kiosk", &mut kiosk), ("display", &mut display)] {
                if let Some(rest) = line.trim().strip_prefix(&format!("{screen}: ")) {
                    *slot = rest.split("#token=").nth(1).map(str::to_owned);
                }
            }
        }
        drain(lines);
        Self {
            child,
            base: base.unwrap(),
            kiosk: kiosk.unwrap(),
            display: display.unwrap(),
        }
    }

    /// A demo node at a fixed port, syncing with the nodes at `peers` (URLs); `hub` is
    /// the URL of the node that hands out label numbers (none: it is the hub, or the
    /// cloud is).
    pub fn peer(
        data: &Path,
        port: u16,
        peers: &[String],
        hub: Option<&str>,
        env: &[(&str, &str)],
    ) -> Self {
        let mut args = vec!["--listen".to_owned(), format!("127.0.0.1:{port}")];
        for p in peers {
            args.extend(["--peer".to_owned(), p.clone()]);
        }
        if let Some(h) = hub {
            args.extend(["--labels-from".to_owned(), h.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Self::start_env(data, &args, env)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the process the way a service manager does (SIGTERM), and waits.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// Kills the process with no chance to clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }

    /// Takes a walk-in ticket at the demo kiosk.
    pub async fn take(&self, client: &reqwest::Client, service: &str) -> reqwest::Response {
        client
            .post(self.url("/api/v1/tickets"))
            .bearer_auth(&self.kiosk)
            .json(&serde_json::json!({ "service": service }))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, client: &reqwest::Client, username: &str) -> String {
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let json: Value = res.json().await.unwrap();
        json["token"].as_str().unwrap().to_owned()
    }
}

/// Every ticket of today on `demo`, as `id -> (label, status, counter)`.
pub async fn board(
    client: &reqwest::Client,
    demo: &DemoProcess,
    token: &str,
) -> BTreeMap<String, (String, String, Value)> {
    let res = client
        .get(demo.url("/api/v1/tickets"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "GET /api/v1/tickets: {}",
        res.status()
    );
    let tickets: Value = res.json().await.unwrap();
    tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap().to_owned();
            (s("id"), (s("label"), s("status"), t["counter"].clone()))
        })
        .collect()
}

/// Runs `medicloud cloud-admin --database DATABASE ARGS…` and returns its output.
pub fn cloud_admin(database: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_medicloud"))
        .args(["cloud-admin", "--database", database])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Adds the demo clinic (its fixed id) to the cloud database `database`; that id.
pub fn add_demo_clinic(database: &str) -> String {
    let clinic = medicloud_node::demo::DEMO_CLINIC.to_string();
    cloud_admin(
        database,
        &[
            "clinic-add",
            "--name",
            "Klinik Sehat Sentosa",
            "--id",
            &clinic,
        ],
    );
    clinic
}

/// A `medicloud cloud` process.
pub struct Cloud(pub Child);

impl Cloud {
    pub fn start(database: &str, listen: &str) -> Self {
        Self::start_with(database, listen, &[])
    }

    /// Starts a cloud with extra arguments (`--tls-cert`, `--tls-key`).
    pub fn start_with(database: &str, listen: &str, extra: &[&str]) -> Self {
        Self::start_env(database, listen, extra, &[])
    }

    /// Starts a cloud with extra arguments and environment variables.
    pub fn start_env(database: &str, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_medicloud"))
            .args(["cloud", "--database", database, "--listen", listen])
            .args(extra)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        assert!(line.starts_with("Medicloud cloud listening on"), "{line}");
        drain(lines);
        Self(child)
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port that was free a moment ago (for nodes that must know each other's
/// address before they start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `medicloud printer serve` process with a control port.
pub struct PrinterProcess {
    pub child: Child,
    pub addr: String,
    pub control: String,
    pub out: std::path::PathBuf,
}

impl PrinterProcess {
    pub fn start(out: &Path) -> Self {
        Self::start_on(out, "127.0.0.1:0")
    }

    /// Starts the printer on a given address (to bring a stopped printer back).
    pub fn start_on(out: &Path, listen: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_medicloud"))
            .args([
                "printer",
                "serve",
                "--listen",
                listen,
                "--control",
                "127.0.0.1:0",
                "--out",
            ])
            .arg(out)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut addr, mut control) = (None, None);
        while addr.is_none() || control.is_none() {
            let line = lines
                .next()
                .expect("printer exited before it was ready")
                .unwrap();
            if let Some(a) = line.strip_prefix("virtual printer listening on ") {
                addr = Some(a.trim().to_owned());
            }
            if let Some(c) = line.strip_prefix("control port on ") {
                control = Some(c.trim().to_owned());
            }
        }
        drain(lines);
        Self {
            child,
            addr: addr.unwrap(),
            control: control.unwrap(),
            out: out.to_owned(),
        }
    }

    /// Puts the printer in `ok`, `paper-out` or `offline` mode through its control port.
    pub fn set_mode(&self, mode: &str) {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(&self.control).unwrap();
        writeln!(stream, "mode {mode}").unwrap();
        let mut answer = String::new();
        BufReader::new(stream).read_line(&mut answer).unwrap();
        assert_eq!(answer.trim(), format!("ok {mode}"));
    }

    /// The text renderings of every job printed so far, in order.
    pub fn printed(&self) -> Vec<String> {
        printed_in(&self.out)
    }

    /// Waits up to 15 s until at least `count` jobs are printed.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..300 {
            let printed = self.printed();
            if printed.len() >= count {
                return printed;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.printed()
    }
}

impl Drop for PrinterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text renderings of the jobs a virtual printer stored in `out`, in order (also
/// once the printer is switched off).
pub fn printed_in(out: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// How often each label appears on the printed tickets (text renderings).
pub fn label_counts(printed: &[String], labels: &[String]) -> HashMap<String, usize> {
    labels
        .iter()
        .map(|l| {
            (
                l.clone(),
                printed
                    .iter()
                    .filter(|t| t.contains(&format!(" {l}\n")))
                    .count(),
            )
        })
        .collect()
}

/// Polls `GET /api/v1/printer` for up to 15 s until its fault mentions `word`.
pub async fn wait_for_fault(
    client: &reqwest::Client,
    demo: &DemoProcess,
    token: &str,
    word: &str,
) -> String {
    let mut fault = String::new();
    for _ in 0..300 {
        let res = client
            .get(demo.url("/api/v1/printer"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let health: Value = res.json().await.unwrap();
        fault = health["fault"].as_str().unwrap_or_default().to_owned();
        if fault.contains(word) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    fault
}

/// Waits until the node's print spool holds no job (`pending` 0 on `GET /api/v1/printer`):
/// from then on the node sends nothing more, so what the printer holds is final.
pub async fn wait_for_idle_spool(client: &reqwest::Client, demo: &DemoProcess, token: &str) {
    for _ in 0..600 {
        let res = client
            .get(demo.url("/api/v1/printer"))
            .bearer_auth(token)
            .send()
            .await;
        if let Ok(res) = res {
            let health: Value = res.json().await.unwrap_or_default();
            if health["pending"] == 0 {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the print spool never emptied");
}

/// Keeps reading a child's stdout, so its later prints never hit a closed pipe.
fn drain(lines: std::io::Lines<BufReader<std::process::ChildStdout>>) {
    std::thread::spawn(move || lines.for_each(drop));
}

#[allow(unused_imports)] // the tests use them, the benches that include this file not all
pub use medicloud_testkit::{PASSWORD, Pki, TestNode, eventually, read_db};

/// `GET path` on a node as `token`; the JSON answer (the status must be a success).
pub async fn get(client: &reqwest::Client, demo: &DemoProcess, token: &str, path: &str) -> Value {
    let res = client
        .get(demo.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "GET {path}: {}", res.status());
    res.json().await.unwrap()
}

/// A `medicloud node` process, the command a clinic runs.
pub struct NodeProcess {
    pub child: Child,
    pub base: String,
}

impl NodeProcess {
    /// `medicloud node --data DATA --listen 127.0.0.1:0 ARGS…` with `env`.
    pub fn command(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_medicloud"));
        command
            .args(["node", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(args)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied());
        command
    }

    /// Starts it and waits until it serves.
    pub fn start(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Self::command(data, args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the node exited before it was ready")
                .unwrap();
            if let Some(addr) = line.strip_prefix("Medicloud node listening on http://") {
                let addr: SocketAddr = addr.trim().parse().unwrap();
                break format!("http://{addr}");
            }
        };
        drain(lines);
        Self { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs `username` in with `password`: the token, or the refusal's status.
    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> Result<String, reqwest::StatusCode> {
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        if !res.status().is_success() {
            return Err(res.status());
        }
        let json: Value = res.json().await.unwrap();
        Ok(json["token"].as_str().unwrap().to_owned())
    }

    /// Stops it the way a service manager does (SIGTERM), and waits.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `body` to `path` of `demo` with `token` and `method`; the status and the answer.
pub async fn post(
    client: &reqwest::Client,
    demo: &DemoProcess,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let res = client
        .request(method, demo.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The live appointments of `date` a node lists: `(slot start, overbooked)`, sorted.
pub async fn live_bookings(
    client: &reqwest::Client,
    demo: &DemoProcess,
    token: &str,
    date: &str,
) -> Vec<(String, bool)> {
    let list = get(
        client,
        demo,
        token,
        &format!("/api/v1/appointments?date={date}"),
    )
    .await;
    let mut live: Vec<(String, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] != "cancelled")
        .map(|a| {
            let start = a["slot_start"].as_str().unwrap()[..5].to_owned();
            (start, a["overbooked"] == true)
        })
        .collect();
    live.sort();
    live
}
