//! `medicloud`: the clinic node, the demo clinic, and (with later issues) the cloud and
//! printer tools, as subcommands of one binary.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use medicloud_core::domain::StaffRole;
use medicloud_core::event::Actor;
use medicloud_node::ops::Node;
use medicloud_node::store::Store;
use medicloud_node::{demo, serve, setup};
use medicloud_sync::hlc::SystemTime;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "medicloud",
    version,
    about = "Medicloud: offline-first clinic patient queues"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a node with the demo clinic (five polies, counters, staff admin/desk/doctor).
    Demo {
        /// Folder for the node's database; running again on it keeps the data.
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        /// Address to serve the API and UI on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder of the built web UI.
        #[arg(long, env = "MEDICLOUD_UI_DIR", default_value = "ui/dist")]
        ui: PathBuf,
        /// Password of the demo staff accounts (random, and printed, when unset).
        #[arg(long, env = "MEDICLOUD_DEMO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Print the node API's OpenAPI document (JSON) to stdout.
    Openapi,
    /// Run a clinic node.
    Node {
        /// Folder for the node's database.
        #[arg(long)]
        data: PathBuf,
        /// Address to serve the API and UI on.
        #[arg(long, default_value = "0.0.0.0:8080")]
        listen: SocketAddr,
        /// Folder of the built web UI.
        #[arg(long, env = "MEDICLOUD_UI_DIR", default_value = "ui/dist")]
        ui: PathBuf,
        /// The clinic's name (needed on first start).
        #[arg(long)]
        clinic_name: Option<String>,
        /// The clinic's IANA time zone.
        #[arg(long, default_value = "Asia/Jakarta")]
        time_zone: String,
        /// Password for the `admin` account on first start (random, and printed, when unset).
        #[arg(long, env = "MEDICLOUD_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
    },
}

fn open(data: &Path, clinic: medicloud_core::ids::ClinicId) -> anyhow::Result<Arc<Node>> {
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    let store = Store::open(&data.join("node.sqlite"), clinic, Arc::new(SystemTime))
        .with_context(|| format!("cannot open the database in {}", data.display()))?;
    Ok(Arc::new(Node::new(store)))
}

#[allow(clippy::print_stdout)] // the operator reads the URL and passwords here
fn announce(addr: SocketAddr, logins: &[(&str, String)], screens: &[(&str, String)]) {
    println!("Medicloud node listening on http://{addr}");
    for (user, password) in logins {
        println!("  staff login: {user} / {password}   (http://{addr}/desk, http://{addr}/admin)");
    }
    for (screen, token) in screens {
        println!("  {screen}: http://{addr}/{screen}#token={token}");
    }
}

#[allow(clippy::print_stdout)] // the document is the command's output
fn print_openapi() -> anyhow::Result<()> {
    use utoipa::OpenApi;
    println!(
        "{}",
        medicloud_node::api::ApiDoc::openapi().to_pretty_json()?
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Openapi => print_openapi()?,
        Command::Demo {
            data,
            listen,
            ui,
            password,
        } => {
            let node = open(&data, demo::DEMO_CLINIC)?;
            let password = password.unwrap_or_else(setup::random_password);
            let seeded = node.clone();
            let pw = password.clone();
            let screens = tokio::task::spawn_blocking(move || demo::seed(&seeded, &pw)).await??;
            let logins: Vec<_> = demo::STAFF
                .iter()
                .map(|(u, _, _)| (*u, password.clone()))
                .collect();
            serve::serve(node, listen, Some(ui), |addr| {
                announce(addr, &logins, &screens)
            })
            .await?;
        }
        Command::Node {
            data,
            listen,
            ui,
            clinic_name,
            time_zone,
            admin_password,
        } => {
            let node = open(&data, medicloud_core::ids::ClinicId::random())?;
            let mut logins = Vec::new();
            if node.clinic()?.is_none() {
                let Some(name) = clinic_name else {
                    bail!("first start: give the clinic's name with --clinic-name");
                };
                node.set_clinic(Actor::System, &name, &time_zone)?;
                let password = admin_password.unwrap_or_else(setup::random_password);
                setup::ensure_staff(&node, "admin", "Administrator", StaffRole::Admin, &password)?;
                logins.push(("admin", password));
            }
            serve::serve(node, listen, Some(ui), |addr| announce(addr, &logins, &[])).await?;
        }
    }
    Ok(())
}
