//! The clinic node inside the app: the same runtime as `medicloud node` and `medicloud
//! demo`, on a thread of its own for as long as the app runs.

use crate::config::{self, Clinic, Role, Settings};
use anyhow::Context;
use medicloud_core::domain::DeviceRole;
use medicloud_core::event::Actor;
use medicloud_node::config::{ClinicConfig, DemoConfig, NodeConfig, PrintConfig};
use medicloud_node::runtime;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The running node, as the windows and commands know it.
#[derive(Clone, Debug, Serialize)]
pub struct Started {
    /// Where it serves the API and the screens.
    #[serde(skip)]
    pub addr: SocketAddr,
    /// Its clinic.
    pub clinic: String,
    /// This machine's device id in the clinic.
    pub device: String,
    /// Whether it runs the demo clinic.
    pub demo: bool,
    /// The printer it prints tickets on, if any.
    pub printer: Option<String>,
    /// The kiosk screen's device token (this machine's kiosk).
    #[serde(skip)]
    pub kiosk_token: String,
    /// The display screen's device token.
    #[serde(skip)]
    pub display_token: String,
}

impl Started {
    /// The node's base URL.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `role`'s screen, with the device token to pair it.
    pub fn screen_url(&self, role: Role) -> String {
        let base = self.base();
        match role {
            Role::Kiosk => format!("{base}/kiosk#token={}", self.kiosk_token),
            Role::Display => format!("{base}/display#token={}", self.display_token),
            Role::Desk => format!("{base}/desk"),
        }
    }
}

/// Starts the node for `settings`, serving the screens from `ui`, and waits until it
/// listens. `spent` runs once the one-time secrets (enrolment code, first admin
/// password) have been used, so they can be forgotten.
pub fn start(
    settings: &Settings,
    ui: PathBuf,
    spent: impl FnOnce() + Send + 'static,
) -> anyhow::Result<Started> {
    let (tx, rx) = std::sync::mpsc::channel::<anyhow::Result<Started>>();
    let settings = settings.clone();
    let failed = tx.clone();
    std::thread::Builder::new()
        .name("node".into())
        .spawn(move || {
            let result = tokio::runtime::Runtime::new()
                .map_err(anyhow::Error::from)
                .and_then(|rt| rt.block_on(run(settings, ui, spent, tx)));
            if let Err(err) = result {
                tracing::error!("the node stopped: {err:#}");
                let _ = failed.send(Err(err));
            }
        })?;
    // Joining a cloud on first start waits on the network; the rest takes a second.
    rx.recv_timeout(Duration::from_secs(90))
        .context("the node did not start within 90 s")?
}

async fn run(
    settings: Settings,
    ui: PathBuf,
    spent: impl FnOnce(),
    ready: std::sync::mpsc::Sender<anyhow::Result<Started>>,
) -> anyhow::Result<()> {
    let demo = settings.clinic == Clinic::Demo;
    let running = runtime::start(node_config(&settings, ui), std::future::pending()).await?;
    let identity = running.node().identity();
    let (kiosk_token, display_token) = if demo {
        let token = |screen: &str| {
            running
                .screens
                .iter()
                .find(|(s, _)| *s == screen)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        };
        (token("kiosk"), token("display"))
    } else {
        mark_real(&settings.data)?;
        spent();
        if let Some((_, password)) = running.logins.first() {
            announce_admin(password);
        }
        let host = runtime::hostname();
        let node = running.node();
        let (_, kiosk) =
            node.rotate_device_token(Actor::System, &format!("Kiosk {host}"), DeviceRole::Kiosk)?;
        let (_, display) =
            node.rotate_device_token(Actor::System, &format!("Layar {host}"), DeviceRole::Display)?;
        (kiosk, display)
    };
    let started = Started {
        addr: running.addr(),
        clinic: identity.clinic.to_string(),
        device: identity.device.to_string(),
        demo,
        printer: running.printer.clone(),
        kiosk_token,
        display_token,
    };
    let _ = ready.send(Ok(started));
    running.wait().await
}

/// The node this machine runs, as `medicloud node` or `medicloud demo` would run it.
fn node_config(settings: &Settings, ui: PathBuf) -> NodeConfig {
    let mut config = NodeConfig {
        data: settings.data.clone(),
        listen: settings.listen,
        ui: Some(ui),
        db_key_file: settings.db_key_file.clone(),
        printing: PrintConfig {
            printer: settings.printer.clone(),
            paper: settings.paper,
            public_url: None,
        },
        sync: settings.sync.clone(),
        ..NodeConfig::default()
    };
    match &settings.clinic {
        Clinic::Demo => {
            config.demo = Some(DemoConfig {
                password: std::env::var("MEDICLOUD_DEMO_PASSWORD").ok(),
            });
        }
        Clinic::Real {
            name,
            admin_password,
        } => {
            config.clinic = ClinicConfig {
                name: name.clone(),
                time_zone: settings.time_zone.clone(),
                admin_password: admin_password.clone(),
            };
        }
    }
    config
}

/// A new standalone clinic's random first admin password, told once to whoever started
/// the app (never logged).
#[allow(clippy::print_stdout)]
fn announce_admin(password: &str) {
    println!("new clinic: staff login admin / {password}");
}

fn mark_real(data: &Path) -> anyhow::Result<()> {
    std::fs::write(data.join(config::REAL_MARKER), b"")
        .with_context(|| format!("cannot write into {}", data.display()))
}
