//! The desktop app's figures: binary sizes always (when built), cold start and memory only
//! when `Xvfb` and the app's binary are both here. Kept cheap: one start, a few seconds.

use crate::records::Record;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn measure(name: &str, value: f64, unit: &str, workload: &str) -> Record {
    Record::Measure {
        name: name.into(),
        value: Some(value),
        unit: unit.into(),
        workload: workload.into(),
        samples: Vec::new(),
    }
}

fn not_measured(name: &str, reason: &str) -> Record {
    Record::NotMeasured {
        name: name.into(),
        reason: reason.into(),
    }
}

fn first_existing(root: &Path, name: &str) -> Option<PathBuf> {
    ["release", "debug"]
        .iter()
        .map(|profile| root.join("target").join(profile).join(name))
        .find(|p| p.is_file())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Kills the child (and waits for it) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Resident memory in MiB of the app's own process, and of its web-content processes
/// (WebKit's `WebKitWebProcess` descendants).
fn rss_mib(pid: u32) -> (f64, f64) {
    let rss_kib = |p: u32| {
        std::fs::read_to_string(format!("/proc/{p}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (main, mut web) = (rss_kib(pid), 0u64);
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        if p != pid && name.trim().starts_with("WebKitWebProces") {
            web += rss_kib(p);
        }
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            stack.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    (main as f64 / 1024.0, web as f64 / 1024.0)
}

/// The app's records.
pub fn measure_app(root: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    match first_existing(root, "medicloud") {
        Some(bin) => out.push(measure(
            "app.node_binary_mb",
            size_mb(&bin),
            "MB",
            &format!("size of {}", rel(root, &bin)),
        )),
        None => out.push(not_measured(
            "app.node_binary_mb",
            "no built medicloud binary",
        )),
    }
    let Some(app) = first_existing(root, "medicloud-app") else {
        let reason = "no target/release or target/debug medicloud-app (build it with scripts/app)";
        for name in [
            "app.binary_mb",
            "app.cold_start_s",
            "app.rss_mib",
            "app.web_rss_mib",
        ] {
            out.push(not_measured(name, reason));
        }
        return out;
    };
    out.push(measure(
        "app.binary_mb",
        size_mb(&app),
        "MB",
        &format!("size of {}", rel(root, &app)),
    ));
    if !on_path("Xvfb") {
        for name in ["app.cold_start_s", "app.rss_mib", "app.web_rss_mib"] {
            out.push(not_measured(name, "no Xvfb on this machine"));
        }
        return out;
    }
    match cold_start(&app) {
        Ok((start, main, web)) => {
            let workload = format!(
                "{} --role kiosk (a new demo clinic) under Xvfb, from its start until the kiosk shows its service buttons (the page's `screen_ready`); memory 3 s later",
                rel(root, &app)
            );
            out.push(measure("app.cold_start_s", start, "s", &workload));
            let main_workload =
                format!("the app's own process (the embedded node and the window); {workload}");
            out.push(measure("app.rss_mib", main, "MiB", &main_workload));
            let web_workload = format!("its web-content processes (WebKitWebProcess); {workload}");
            out.push(measure("app.web_rss_mib", web, "MiB", &web_workload));
        }
        Err(reason) => {
            for name in ["app.cold_start_s", "app.rss_mib", "app.web_rss_mib"] {
                out.push(not_measured(name, &reason));
            }
        }
    }
    out
}

fn size_mb(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(f64::NAN, |m| m.len() as f64 / 1e6)
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn cold_start(app: &Path) -> Result<(f64, f64, f64), String> {
    let display = (90..110)
        .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
        .ok_or("no free X display number")?;
    let xvfb = Command::new("Xvfb")
        .arg(format!(":{display}"))
        .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("Xvfb did not start: {e}"))?;
    let _xvfb = Guard(xvfb);
    let socket = format!("/tmp/.X11-unix/X{display}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() {
        if Instant::now() > deadline {
            return Err("Xvfb did not open its display".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let data = std::env::temp_dir().join(format!("medicloud-bench-app-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let started = Instant::now();
    let child = Command::new(app)
        .args(["--role", "kiosk", "--data"])
        .arg(&data)
        .env("DISPLAY", format!(":{display}"))
        .env("RUST_LOG", "error")
        .env("MEDICLOUD_DEMO_PASSWORD", "bench-password-1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("the app did not start: {e}"))?;
    let mut child = Guard(child);
    let stdout = child.0.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("Medicloud screen ready: main") {
                let _ = tx.send(());
                return;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .map_err(|_| "the kiosk never said it was ready".to_string())?;
    let start = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(3));
    let (main, web) = rss_mib(child.0.id());
    drop(child);
    let _ = std::fs::remove_dir_all(&data);
    Ok((start, main, web))
}
