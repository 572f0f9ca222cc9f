//! The clinic node inside the app: the same runtime as `medicloud node` and `medicloud
//! demo`, on a thread of its own for as long as the app runs.

use crate::config::{self, Clinic, Role, Settings};
use anyhow::Context;
use medicloud_core::domain::{DeviceRole, StaffRole};
use medicloud_core::event::Actor;
use medicloud_core::ids::{ClinicId, UserId};
use medicloud_node::ops::Node;
use medicloud_node::runtime::{self, ServeOptions};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
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
    let (node, started, _virtual_printer) = match &settings.clinic {
        Clinic::Demo => {
            let password = std::env::var("MEDICLOUD_DEMO_PASSWORD")
                .unwrap_or_else(|_| medicloud_node::setup::random_password());
            let demo = runtime::demo(
                &settings.data,
                &password,
                settings.printer.clone(),
                medicloud_printer::PaperWidth::Mm80,
                settings.sync.clone(),
            )
            .await?;
            let token = |screen: &str| {
                demo.screens
                    .iter()
                    .find(|(s, _)| *s == screen)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default()
            };
            let started = Started {
                addr: settings.listen,
                clinic: demo.node.identity().clinic.to_string(),
                device: demo.node.identity().device.to_string(),
                demo: true,
                printer: Some(demo.printer.clone()),
                kiosk_token: token("kiosk"),
                display_token: token("display"),
            };
            // The virtual printer runs for as long as it lives.
            (demo.node, started, demo.virtual_printer)
        }
        Clinic::Real {
            name,
            admin_password,
        } => {
            let node = open_clinic(&settings, name.as_deref(), admin_password.clone()).await?;
            spent();
            let host = hostname();
            let (_, kiosk_token) = node.rotate_device_token(
                Actor::System,
                &format!("Kiosk {host}"),
                DeviceRole::Kiosk,
            )?;
            let (_, display_token) = node.rotate_device_token(
                Actor::System,
                &format!("Layar {host}"),
                DeviceRole::Display,
            )?;
            let started = Started {
                addr: settings.listen,
                clinic: node.identity().clinic.to_string(),
                device: node.identity().device.to_string(),
                demo: false,
                printer: settings.printer.clone(),
                kiosk_token,
                display_token,
            };
            (node, started, None)
        }
    };
    let options = ServeOptions {
        listen: settings.listen,
        ui: Some(ui),
        public_url: None,
    };
    let ready = Mutex::new(Some((ready, started)));
    runtime::serve(node, options, move |addr| {
        if let Some((tx, started)) = ready.lock().ok().and_then(|mut r| r.take()) {
            let _ = tx.send(Ok(Started { addr, ..started }));
        }
    })
    .await
}

/// Opens a real clinic's node, as `medicloud node` does: enrolled with the cloud, synced
/// with peers, or standalone, set up on its first start.
async fn open_clinic(
    settings: &Settings,
    name: Option<&str>,
    admin_password: Option<String>,
) -> anyhow::Result<Node> {
    let sync = &settings.sync;
    let store = runtime::open(&settings.data, ClinicId::random(), sync).await?;
    mark_real(&settings.data)?;
    let replication = runtime::replication(&store, sync)?;
    let node = Node::new(store).with_replication(replication);
    let mut node = tokio::task::spawn_blocking(move || {
        node.first_contact();
        node
    })
    .await?;
    if let Some(target) = &settings.printer {
        let printer =
            medicloud_node::print::Printer::new(target, medicloud_printer::PaperWidth::Mm80)?;
        node = node.with_printer(printer);
    }
    if node.clinic()?.is_none() {
        if let Some(name) = name {
            node.set_clinic(Actor::System, name, "Asia/Jakarta")?;
            let password = match admin_password {
                Some(password) => password,
                None => {
                    let password = medicloud_node::setup::random_password();
                    tracing::warn!(clinic = name, "new clinic: staff login admin / {password}");
                    password
                }
            };
            medicloud_node::setup::ensure_staff(
                &node,
                UserId::random(),
                "admin",
                "Administrator",
                StaffRole::Admin,
                &password,
            )?;
            tracing::info!(clinic = name, "new standalone clinic set up");
        } else {
            tracing::warn!(
                "the clinic's settings have not arrived yet; they come with the first sync"
            );
        }
    }
    Ok(node)
}

fn mark_real(data: &Path) -> anyhow::Result<()> {
    std::fs::write(data.join(config::REAL_MARKER), b"")
        .with_context(|| format!("cannot write into {}", data.display()))
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "PC".to_owned())
}
