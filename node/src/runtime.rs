//! Starting a node: its data folder, its place in the clinic (enrolment with the cloud,
//! peers on the LAN, the label authority), its printer spool and its HTTP server. Shared
//! by `medicloud node`, `medicloud demo` and the desktop app.

use crate::labels;
use crate::ops::Node;
use crate::replication::{LinkConfig, LinkKind, Replication};
use crate::store::Store;
use anyhow::{Context, bail};
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_sync::hlc::SystemTime;
use medicloud_sync::http::{Credential, HttpTransport, TrustedCa};
use medicloud_sync::seal::LanSeal;
use medicloud_sync::wire::{self, EnrolRequest, Enrolled};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How a node takes part in its clinic's sync.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SyncOptions {
    /// Another node of the clinic to sync with, e.g. `http://10.0.0.5:8080` (repeatable).
    #[arg(long = "peer", value_name = "URL")]
    pub peers: Vec<String>,
    /// The clinic's key for node-to-node sync on the LAN (set by enrolment when joining a cloud).
    #[arg(long, env = "MEDICLOUD_LAN_KEY", hide_env_values = true)]
    pub lan_key: Option<String>,
    /// The node that hands out label numbers when the clinic has no cloud (a hub).
    #[arg(long, value_name = "URL")]
    pub labels_from: Option<String>,
    /// The clinic chain's cloud, e.g. `https://cloud.example.id` (remembered after enrolment).
    #[arg(long, env = "MEDICLOUD_CLOUD", value_name = "URL")]
    pub cloud: Option<String>,
    /// A one-time enrolment code from the cloud's admin, to join the cloud.
    #[arg(long, value_name = "CODE", hide_env_values = true)]
    pub enrol: Option<String>,
    /// A PEM file of certificate authorities trusted for the cloud's certificate besides
    /// the bundled web PKI roots (a clinic chain with its own CA).
    #[arg(long, env = "MEDICLOUD_CLOUD_CA", value_name = "PEM")]
    pub cloud_ca: Option<PathBuf>,
}

impl SyncOptions {
    /// The extra certificate authorities of `--cloud-ca`, read and checked.
    pub fn trusted_ca(&self) -> anyhow::Result<Option<TrustedCa>> {
        self.cloud_ca
            .as_deref()
            .map(TrustedCa::from_pem_file)
            .transpose()
            .context("--cloud-ca")
    }
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

/// Opens (creating) the node's database in `data`, its key in `DATA/db.key`. A new
/// database joins `clinic`; with an enrolment code and a cloud, a new database joins the
/// cloud's clinic instead, and an existing one must belong to it.
pub async fn open(data: &Path, clinic: ClinicId, sync: &SyncOptions) -> anyhow::Result<Store> {
    open_with_key(data, None, clinic, sync).await
}

/// As [`open`], with the database's key in `key_file` when given (see [`key_path`]).
pub async fn open_with_key(
    data: &Path,
    key_file: Option<&Path>,
    clinic: ClinicId,
    sync: &SyncOptions,
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
    let ca = sync.trusted_ca()?;
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

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "Medicloud node".to_owned())
}

/// The links `sync` asks for, with what the store remembers (cloud, keys).
pub fn replication(store: &Store, sync: &SyncOptions) -> anyhow::Result<Replication> {
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
    Ok(Replication::new(links, seal).with_cloud_ca(sync.trusted_ca()?))
}

/// What [`serve`] needs besides the node.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Folder of the built web UI, if any.
    pub ui: Option<PathBuf>,
    /// Base of the status URL in tickets' QR codes (default: the bound address).
    pub public_url: Option<String>,
}

/// Runs `node` until Ctrl-C or SIGTERM: its print spool, its sync links and its HTTP
/// server. `ready` is told the bound address.
pub async fn serve(
    node: Node,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let node = Arc::new(node);
    if let Some(worker) = node.print_worker() {
        tokio::spawn(worker);
    }
    node.start_replication()?;
    let for_ready = node.clone();
    let ServeOptions {
        listen,
        ui,
        public_url,
    } = options;
    let result = crate::serve::serve(node.clone(), listen, ui, |addr| {
        if let Some(printer) = for_ready.printer() {
            printer.set_status_base(public_url.unwrap_or_else(|| format!("http://{addr}")));
        }
        ready(addr);
    })
    .await;
    node.stop_replication();
    Ok(result?)
}

/// A demo clinic node ready to serve, with what to tell its operator.
#[allow(missing_debug_implementations)]
pub struct Demo {
    /// The node.
    pub node: Node,
    /// `(screen, device token)` of the demo kiosk and display, for pairing links.
    pub screens: Vec<(&'static str, String)>,
    /// The virtual printer the demo prints to when it was given none; it runs for as
    /// long as this value lives.
    pub virtual_printer: Option<medicloud_printer::virtual_printer::VirtualPrinter>,
    /// The printer address the node prints to.
    pub printer: String,
}

/// Opens (seeding on first start) the demo clinic in `data`: staff get `password`, the
/// node prints to `printer` or, when none is given, to a virtual printer of its own that
/// writes into `data/printed`. Demo nodes share the demo LAN key unless given another.
pub async fn demo(
    data: &Path,
    password: &str,
    printer: Option<String>,
    paper: medicloud_printer::PaperWidth,
    mut sync: SyncOptions,
) -> anyhow::Result<Demo> {
    use medicloud_printer::virtual_printer::{Config, VirtualPrinter};
    sync.lan_key
        .get_or_insert_with(|| crate::demo::DEMO_LAN_KEY.to_owned());
    let store = open(data, crate::demo::DEMO_CLINIC, &sync).await?;
    let replication = replication(&store, &sync)?;
    let node = Node::new(store).with_replication(replication);
    let node = tokio::task::spawn_blocking(move || {
        node.first_contact();
        node
    })
    .await?;
    let (virtual_printer, printer) = match printer {
        Some(target) => (None, target),
        None => {
            let config = Config {
                paper,
                ..Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), data.join("printed"))
            };
            let vp = VirtualPrinter::start(config).await?;
            let addr = vp.addr().to_string();
            (Some(vp), addr)
        }
    };
    let node = node.with_printer(crate::print::Printer::new(&printer, paper)?);
    // Set-up runs before serving, so blocking here holds up nothing.
    let screens = crate::demo::seed(&node, password)?;
    Ok(Demo {
        node,
        screens,
        virtual_printer,
        printer,
    })
}
