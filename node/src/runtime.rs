//! Starting a node: its data folder, its place in the clinic (enrolment with the cloud,
//! peers on the LAN, the label authority), its printer spool and its HTTP server.
//! [`start`] is the one start-up, used by `medicloud node`, `medicloud demo` and the
//! desktop app alike; it installs no signal handler (the caller passes the future that
//! says when to stop).

use crate::authority::Setup;
use crate::config::{NodeConfig, SyncConfig};
use crate::labels;
use crate::ops::Node;
use crate::replication::{LinkConfig, LinkKind, Replication};
use crate::store::Store;
use anyhow::{Context, bail};
use medicloud_core::domain::StaffRole;
use medicloud_core::event::Actor;
use medicloud_core::ids::UserId;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_printer::virtual_printer::{Config as VirtualConfig, VirtualPrinter};
use medicloud_sync::hlc::SystemTime;
use medicloud_sync::http::{Credential, HttpTransport, TrustedCa};
use medicloud_sync::seal::LanSeal;
use medicloud_sync::wire::{self, EnrolRequest, Enrolled};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The extra certificate authorities of `sync.cloud_ca`, read and checked.
fn trusted_ca(sync: &SyncConfig) -> anyhow::Result<Option<TrustedCa>> {
    sync.cloud_ca
        .as_deref()
        .map(TrustedCa::from_pem_file)
        .transpose()
        .context("--cloud-ca")
}

const META_CLOUD_URL: &str = "cloud_url";
const META_CLOUD_SECRET: &str = "cloud_secret";
const META_LAN_KEY: &str = "lan_key";
const DATABASE: &str = "node.sqlite";

/// Enrols `device` with the cloud at `url` using a one-time `code`, trusting `ca` for
/// the cloud's certificate besides the web PKI roots.
pub async fn enrol(
    url: &str,
    code: &str,
    device: DeviceId,
    name: &str,
    ca: Option<TrustedCa>,
) -> anyhow::Result<Enrolled> {
    let (url, request) = (
        url.to_owned(),
        EnrolRequest {
            code: code.to_owned(),
            device,
            name: name.to_owned(),
        },
    );
    tokio::task::spawn_blocking(move || {
        HttpTransport::with(&url, Credential::None, Duration::from_secs(15), ca.as_ref())?
            .post(wire::ENROL, &request)
    })
    .await?
    .context("enrolment with the cloud failed")
}

/// Where the node's database lives in its data folder.
pub fn database_path(data: &Path) -> PathBuf {
    data.join(DATABASE)
}

/// The database's key file: `key_file` when the operator names one, else `db.key` in
/// `data`.
pub fn key_path(data: &Path, key_file: Option<&Path>) -> PathBuf {
    key_file.map_or_else(
        || crate::store::crypt::default_key_path(&database_path(data)),
        Path::to_path_buf,
    )
}

/// Opens (creating) the node's database in `data`, its key in `key_file` when given,
/// else `DATA/db.key` (see [`key_path`]). A new database joins `clinic`; with an
/// enrolment code and a cloud, a new database joins the cloud's clinic instead, and an
/// existing one must belong to it.
pub async fn open(
    data: &Path,
    key_file: Option<&Path>,
    clinic: ClinicId,
    sync: &SyncConfig,
) -> anyhow::Result<Store> {
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    let path = database_path(data);
    let key_file = key_path(data, key_file);
    let fresh = !path.exists();
    let enrolment = match (&sync.enrol, &sync.cloud) {
        (Some(code), Some(cloud)) => Some((code.as_str(), cloud.as_str())),
        (Some(_), None) => bail!("--enrol needs --cloud URL"),
        _ => None,
    };
    let ca = trusted_ca(sync)?;
    let mut enrolled = None;
    let mut device = None;
    let mut clinic = clinic;
    if let (true, Some((code, cloud))) = (fresh, enrolment) {
        let id = DeviceId::random();
        let e = enrol(cloud, code, id, &hostname(), ca.clone()).await?;
        clinic = e.clinic;
        device = Some(id);
        enrolled = Some(e);
    }
    let store = Store::open_keyed(&path, &key_file, clinic, device, clock())
        .with_context(|| format!("cannot open the database in {}", data.display()))?;
    if let (false, Some((code, cloud))) = (fresh, enrolment) {
        enrolled = Some(enrol(cloud, code, store.identity().device, &hostname(), ca).await?);
    }
    if let Some(e) = enrolled {
        if e.clinic != store.identity().clinic || e.device != store.identity().device {
            bail!("the enrolment code is for another clinic than this node's data");
        }
        let cloud = sync.cloud.as_deref().unwrap_or_default();
        store.set_meta(META_CLOUD_URL, cloud)?;
        store.set_meta(META_CLOUD_SECRET, &e.secret)?;
        store.set_meta(META_LAN_KEY, &e.lan_key)?;
        labels::set_slot(&store, e.slot)?;
        tracing::info!(slot = e.slot, "enrolled with the cloud");
    }
    Ok(store)
}

/// The system clock; `MEDICLOUD_CLOCK_OFFSET_MS` shifts it, so tests (and drills) can run
/// a node whose clock is wrong.
fn clock() -> Arc<dyn medicloud_sync::hlc::TimeSource> {
    let offset = std::env::var("MEDICLOUD_CLOCK_OFFSET_MS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    if offset == 0 {
        Arc::new(SystemTime)
    } else {
        tracing::warn!(
            offset_ms = offset,
            "running with a shifted clock (MEDICLOUD_CLOCK_OFFSET_MS)"
        );
        Arc::new(medicloud_sync::hlc::CorrectedTime::new(
            Arc::new(SystemTime),
            offset,
        ))
    }
}

/// This machine's name (for enrolment and the desktop app's device names).
pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "Medicloud node".to_owned())
}

/// The links `sync` asks for, with what the store remembers (cloud, keys).
pub fn replication(store: &Store, sync: &SyncConfig) -> anyhow::Result<Replication> {
    let lan_key = match &sync.lan_key {
        Some(key) => Some(key.clone()),
        None => store.meta(META_LAN_KEY)?,
    };
    let cloud = match &sync.cloud {
        Some(url) => Some(url.clone()),
        None => store.meta(META_CLOUD_URL)?,
    };
    if cloud.is_some() && sync.labels_from.is_some() {
        bail!("a clinic with a cloud takes its labels from the cloud; drop --labels-from");
    }
    let mut links = Vec::new();
    let mut peers = sync.peers.clone();
    if let Some(hub) = sync.labels_from.as_ref().filter(|hub| !peers.contains(hub)) {
        peers.push(hub.clone());
    }
    if !peers.is_empty() && lan_key.is_none() {
        bail!("syncing with peers needs the clinic's LAN key (--lan-key or MEDICLOUD_LAN_KEY)");
    }
    for url in peers {
        links.push(LinkConfig {
            authority: sync.labels_from.as_deref() == Some(url.as_str()),
            url: url.trim_end_matches('/').to_owned(),
            kind: LinkKind::Peer,
            token: String::new(),
        });
    }
    if let Some(url) = cloud {
        let Some(secret) = store.meta(META_CLOUD_SECRET)? else {
            bail!("this node has not enrolled with the cloud yet: add --enrol CODE");
        };
        links.push(LinkConfig {
            url: url.trim_end_matches('/').to_owned(),
            kind: LinkKind::Cloud,
            token: secret,
            authority: true,
        });
    }
    let seal = lan_key.map(|key| LanSeal::new(&key, store.identity().clinic));
    let anti_entropy = sync.anti_entropy_seconds.map(Duration::from_secs);
    // Exactly one label authority per clinic: configured, else chosen among the peers.
    let setup = match (&links.iter().find(|l| l.authority), links.is_empty()) {
        (Some(l), _) if l.kind == LinkKind::Cloud => Setup::Cloud,
        (Some(l), _) => Setup::Hub(l.url.clone()),
        (None, true) => Setup::Alone,
        (None, false) => Setup::Chosen(links.iter().map(|l| l.url.clone()).collect()),
    };
    Ok(Replication::new(links, seal)
        .with_labels(setup)
        .with_cloud_ca(trusted_ca(sync)?)
        .with_anti_entropy(anti_entropy)
        .with_desk_reserve(sync.desk_reserve))
}

/// A started node: serving, syncing and printing until the `shutdown` future given to
/// [`start`] completes.
#[allow(missing_debug_implementations)]
pub struct Running {
    addr: SocketAddr,
    node: Arc<Node>,
    /// Staff accounts whose password the operator must be told: the demo's staff, or the
    /// `admin` account a first start made.
    pub logins: Vec<(String, String)>,
    /// `(screen, device token)` of the demo kiosk and display, for pairing links.
    pub screens: Vec<(&'static str, String)>,
    /// The printer the node prints tickets on, if any.
    pub printer: Option<String>,
    /// The demo's own virtual printer; it runs for as long as this value lives.
    pub virtual_printer: Option<VirtualPrinter>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Where the node serves the API and the screens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The node, for what a program embedding it does besides serving (the desktop app
    /// pairs its own kiosk and display).
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Waits until the server has stopped (the `shutdown` future completed and requests
    /// in flight drained), then stops the sync links.
    pub async fn wait(self) -> anyhow::Result<()> {
        let result = self.server.await;
        self.node.stop_replication();
        Ok(result??)
    }
}

/// Starts the node `config` describes, and returns once it listens: opens (creating,
/// enrolling) its database, connects its sync links (and takes its clock from its label
/// authority at first contact), attaches its printer, sets up the clinic on a first
/// start (the demo clinic in demo mode), then serves the API and the screens until
/// `shutdown` completes.
pub async fn start(
    config: NodeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let NodeConfig {
        data,
        listen,
        ui,
        db_key_file,
        clinic,
        printing,
        mut sync,
        demo,
    } = config;
    let default_clinic = match &demo {
        Some(_) => {
            // Demo nodes given each other as peers are one clinic.
            sync.lan_key
                .get_or_insert_with(|| crate::demo::DEMO_LAN_KEY.to_owned());
            crate::demo::DEMO_CLINIC
        }
        None => ClinicId::random(),
    };
    let store = open(&data, db_key_file.as_deref(), default_clinic, &sync).await?;
    let replication = replication(&store, &sync)?;
    let has_links = !sync.peers.is_empty()
        || sync.labels_from.is_some()
        || store.meta(META_CLOUD_URL)?.is_some();
    let node = Node::new(store).with_replication(replication);
    let mut node = tokio::task::spawn_blocking(move || {
        node.first_contact();
        node
    })
    .await?;
    let paper = printing.paper.into();
    let (virtual_printer, printer) = match (&printing.printer, &demo) {
        (Some(target), _) => (None, Some(target.clone())),
        (None, Some(_)) => {
            let config = VirtualConfig {
                paper,
                ..VirtualConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), data.join("printed"))
            };
            let vp = VirtualPrinter::start(config).await?;
            let addr = vp.addr().to_string();
            (Some(vp), Some(addr))
        }
        (None, None) => (None, None),
    };
    if let Some(target) = &printer {
        node = node.with_printer(crate::print::Printer::new(target, paper)?);
    }
    // Set-up runs before serving, so blocking here holds up nothing.
    let mut logins = Vec::new();
    let mut screens = Vec::new();
    if let Some(demo) = demo {
        let password = demo.password.unwrap_or_else(crate::setup::random_password);
        screens = crate::demo::seed(&node, &password)?;
        logins = crate::demo::STAFF
            .iter()
            .map(|(user, _, _)| ((*user).to_owned(), password.clone()))
            .collect();
    } else if node.clinic()?.is_none() {
        match clinic.name {
            Some(name) => {
                node.set_clinic(Actor::System, &name, &clinic.time_zone)?;
                let password = clinic
                    .admin_password
                    .unwrap_or_else(crate::setup::random_password);
                crate::setup::ensure_staff(
                    &node,
                    UserId::random(),
                    "admin",
                    "Administrator",
                    StaffRole::Admin,
                    &password,
                )?;
                tracing::info!("new standalone clinic set up");
                logins.push(("admin".to_owned(), password));
            }
            // The clinic's settings come with the first sync.
            None if has_links => {
                tracing::warn!(
                    "the clinic's settings have not arrived yet; they come with the first sync"
                );
            }
            None => bail!("first start: give the clinic's name with --clinic-name"),
        }
    }
    let node = Arc::new(node);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    if let Some(printer) = node.printer() {
        printer.set_status_base(
            printing
                .public_url
                .unwrap_or_else(|| format!("http://{addr}")),
        );
    }
    if let Some(worker) = node.print_worker() {
        tokio::spawn(worker);
    }
    node.start_replication()?;
    let server = tokio::spawn(crate::serve::serve(node.clone(), listener, ui, shutdown));
    Ok(Running {
        addr,
        node,
        logins,
        screens,
        printer,
        virtual_printer,
        server,
    })
}
