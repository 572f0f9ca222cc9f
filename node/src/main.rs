//! `medicloud`: the clinic node, the demo clinic and the printer tools, as subcommands of
//! one binary.

use anyhow::bail;
use clap::{Args, Parser, Subcommand, ValueEnum};
use medicloud_core::domain::StaffRole;
use medicloud_core::event::Actor;
use medicloud_core::ids::{ClinicId, UserId};
use medicloud_node::ops::Node;
use medicloud_node::print::Printer;
use medicloud_node::runtime::{self, ServeOptions, SyncOptions};
use medicloud_node::{demo, setup};
use medicloud_printer::virtual_printer::{Config as VirtualConfig, VirtualPrinter};
use medicloud_printer::{Layout, PaperWidth};
use std::net::SocketAddr;
use std::path::PathBuf;
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
        /// The demo prints to a virtual printer of its own (into DATA/printed) unless given one.
        #[command(flatten)]
        printing: Printing,
        /// Demo nodes given each other as `--peer` are one clinic (the LAN key defaults to
        /// the demo's own).
        #[command(flatten)]
        sync: SyncOptions,
    },
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
        #[command(flatten)]
        printing: Printing,
        #[command(flatten)]
        sync: SyncOptions,
        #[command(flatten)]
        key: DbKeyFile,
    },
    /// Run the clinic chain's cloud: enrolment, sync and label authority for every clinic.
    Cloud(medicloud_cloud::CloudArgs),
    /// The cloud admin's commands (add a clinic, make an enrolment code).
    CloudAdmin(medicloud_cloud::AdminArgs),
    /// The audit trail's tamper evidence.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The node's encrypted database: a new key, a backup.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Print the node API's OpenAPI document (JSON) to stdout.
    Openapi,
    /// Ticket printer tools.
    Printer {
        #[command(subcommand)]
        command: PrinterCommand,
    },
}

#[derive(Debug, Args)]
struct Printing {
    /// The ticket printer: tcp://HOST:PORT, HOST:PORT, file:/dev/usb/lp0, usb://VID:PID …
    #[arg(long, env = "MEDICLOUD_PRINTER")]
    printer: Option<String>,
    /// Paper width.
    #[arg(long, value_enum, default_value_t = Paper::Mm80)]
    paper: Paper,
    /// Base of the status URL in each ticket's QR code (default: the address served on).
    #[arg(long, env = "MEDICLOUD_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Paper {
    /// 58 mm roll (32 columns).
    #[value(name = "58")]
    Mm58,
    /// 80 mm roll (48 columns).
    #[value(name = "80")]
    Mm80,
}

impl From<Paper> for PaperWidth {
    fn from(p: Paper) -> Self {
        match p {
            Paper::Mm58 => PaperWidth::Mm58,
            Paper::Mm80 => PaperWidth::Mm80,
        }
    }
}

/// Where the database's encryption key is kept.
#[derive(Debug, Args)]
struct DbKeyFile {
    /// The database's key file (32 bytes, or 64 hex digits; created on first start)
    /// [default: DATA/db.key].
    #[arg(long, env = "MEDICLOUD_DB_KEY_FILE", value_name = "FILE")]
    db_key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the audit chain of a node's database; exit 1 if any entry was edited,
    /// removed or reordered.
    Verify {
        /// The node's data folder (with node.sqlite, db.key and audit.key).
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        key: DbKeyFile,
    },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Give the database a new encryption key (the node must be stopped); the key file is
    /// replaced atomically. Older backups keep needing the older key.
    Rekey {
        /// The node's data folder.
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        key: DbKeyFile,
    },
    /// Write a consistent copy of the database, encrypted with the same key, while the
    /// node may keep running. Restore: stop the node, copy FILE to DATA/node.sqlite.
    Backup {
        /// The node's data folder.
        #[arg(long)]
        data: PathBuf,
        /// The copy to write (must not exist yet).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        key: DbKeyFile,
    },
}

#[derive(Debug, Subcommand)]
enum PrinterCommand {
    /// Run a virtual network printer that records every job as raw bytes, text and PNG.
    Serve {
        /// Address to accept ESC/POS on, like a network printer's port 9100.
        #[arg(long, default_value = "127.0.0.1:9100")]
        listen: SocketAddr,
        /// Folder for the printed jobs.
        #[arg(long)]
        out: PathBuf,
        /// Address of the control port (`mode ok|paper-out|offline`, `status`).
        #[arg(long)]
        control: Option<SocketAddr>,
        /// Paper width used for rendering.
        #[arg(long, value_enum, default_value_t = Paper::Mm80)]
        paper: Paper,
    },
    /// Print today's ticket again on a running node's printer, marked as a reprint.
    Reprint {
        /// The ticket's label (`A-012`) or id.
        ticket: String,
        /// The node the ticket was taken at.
        #[arg(
            long,
            env = "MEDICLOUD_NODE_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        node: String,
        /// A desk or clinician account on that node.
        #[arg(long, default_value = "desk")]
        username: String,
        /// Its password.
        #[arg(long, env = "MEDICLOUD_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Print a test page.
    Test {
        /// The printer, as for `--printer`.
        #[arg(long, env = "MEDICLOUD_PRINTER")]
        printer: String,
        /// Paper width.
        #[arg(long, value_enum, default_value_t = Paper::Mm80)]
        paper: Paper,
    },
}

#[allow(clippy::print_stdout)] // the operator reads the URL, logins and links here
fn announce(addr: SocketAddr, logins: &[(&str, String)], lines: &[String]) {
    println!("Medicloud node listening on http://{addr}");
    for (user, password) in logins {
        println!("  staff login: {user} / {password}   (http://{addr}/desk, http://{addr}/admin)");
    }
    for line in lines {
        println!("  {line}");
    }
}

/// Serves `node`, announcing the bound address, the logins and `lines` (in which
/// `{addr}` becomes the bound address) once it listens.
async fn run(
    node: Node,
    listen: SocketAddr,
    ui: PathBuf,
    public_url: Option<String>,
    logins: &[(&str, String)],
    lines: Vec<String>,
) -> anyhow::Result<()> {
    let options = ServeOptions {
        listen,
        ui: Some(ui),
        public_url,
    };
    runtime::serve(node, options, |addr| {
        let lines: Vec<String> = lines
            .iter()
            .map(|l| l.replace("{addr}", &addr.to_string()))
            .collect();
        announce(addr, logins, &lines);
    })
    .await
}

#[allow(clippy::print_stdout)]
async fn printer_command(command: PrinterCommand) -> anyhow::Result<()> {
    match command {
        PrinterCommand::Serve {
            listen,
            out,
            control,
            paper,
        } => {
            let printer = VirtualPrinter::start(VirtualConfig {
                listen,
                out,
                paper: paper.into(),
                control,
            })
            .await?;
            println!("virtual printer listening on {}", printer.addr());
            if let Some(c) = printer.control_addr() {
                println!("control port on {c}");
            }
            println!("jobs are written to {}", printer.out_dir().display());
            tokio::signal::ctrl_c().await?;
        }
        PrinterCommand::Test { printer, paper } => {
            let layout = Layout {
                width: paper.into(),
                ..Layout::default()
            };
            let page = medicloud_printer::encode_test_page(&layout, &printer)?;
            tokio::task::spawn_blocking(move || {
                medicloud_printer::driver::open(&printer)?.send(&page)
            })
            .await??;
            println!("test page sent");
        }
        PrinterCommand::Reprint {
            ticket,
            node,
            username,
            password,
        } => {
            let session =
                medicloud_node::remote::Session::login(&node, &username, &password).await?;
            let label = session.reprint(&ticket).await?;
            println!("{label} sent to the printer again (marked as a reprint)");
        }
    }
    Ok(())
}

#[allow(clippy::print_stdout)] // the verdict is the command's output
fn verify_audit(data: &std::path::Path, key: &DbKeyFile) -> anyhow::Result<()> {
    let path = runtime::database_path(data);
    if !path.is_file() {
        bail!("no node database in {}", data.display());
    }
    let key_file = runtime::key_path(data, key.db_key_file.as_deref());
    let verdict = medicloud_node::store::audit::verify_database(&path, &key_file)?;
    if verdict.findings.is_empty() {
        println!(
            "audit trail intact: {} entries from {} devices",
            verdict.events, verdict.origins
        );
        return Ok(());
    }
    for f in &verdict.findings {
        println!("device {} entry {}: {}", f.origin, f.seq, f.problem);
    }
    bail!(
        "audit trail tampered with: {} problems in {} entries",
        verdict.findings.len(),
        verdict.events
    )
}

#[allow(clippy::print_stdout)] // what was done is the command's output
fn db_command(command: DbCommand) -> anyhow::Result<()> {
    use medicloud_node::store::crypt;
    let (data, key) = match &command {
        DbCommand::Rekey { data, key } | DbCommand::Backup { data, key, .. } => (data, key),
    };
    let path = runtime::database_path(data);
    if !path.is_file() {
        bail!("no node database in {}", data.display());
    }
    let key_file = runtime::key_path(data, key.db_key_file.as_deref());
    match &command {
        DbCommand::Rekey { .. } => {
            crypt::rekey(&path, &key_file)?;
            println!(
                "database re-encrypted; its new key is in {}",
                key_file.display()
            );
        }
        DbCommand::Backup { out, .. } => {
            let copied = crypt::backup(&path, &key_file, out)?;
            println!(
                "backup written to {}: {} events, {} tickets (it opens with the key in {})",
                out.display(),
                copied.events,
                copied.tickets,
                key_file.display()
            );
        }
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
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
        Command::Cloud(args) => medicloud_cloud::run(args).await?,
        Command::CloudAdmin(args) => medicloud_cloud::admin(args).await?,
        Command::Audit {
            command: AuditCommand::Verify { data, key },
        } => verify_audit(&data, &key)?,
        Command::Db { command } => db_command(command)?,
        Command::Printer { command } => printer_command(command).await?,
        Command::Demo {
            data,
            listen,
            ui,
            password,
            printing,
            sync,
        } => {
            let password = password.unwrap_or_else(setup::random_password);
            let demo = runtime::demo(
                &data,
                &password,
                printing.printer,
                printing.paper.into(),
                sync,
            )
            .await?;
            let mut lines = Vec::new();
            if let Some(vp) = &demo.virtual_printer {
                lines.push(format!(
                    "printer: virtual printer on {}, tickets in {}",
                    vp.addr(),
                    vp.out_dir().display()
                ));
            }
            lines.extend(demo.screens.iter().map(|(screen, token)| {
                format!("{screen}: http://{{addr}}/{screen}#token={token}")
            }));
            let logins: Vec<_> = demo::STAFF
                .iter()
                .map(|(u, _, _)| (*u, password.clone()))
                .collect();
            // The virtual printer lives as long as `demo`.
            let runtime::Demo {
                node,
                virtual_printer: _vp,
                ..
            } = demo;
            run(node, listen, ui, printing.public_url, &logins, lines).await?;
        }
        Command::Node {
            data,
            listen,
            ui,
            clinic_name,
            time_zone,
            admin_password,
            printing,
            sync,
            key,
        } => {
            let key_file = key.db_key_file.as_deref();
            let store = runtime::open_with_key(&data, key_file, ClinicId::random(), &sync).await?;
            let replication = runtime::replication(&store, &sync)?;
            let node = Node::new(store).with_replication(replication);
            let mut node = tokio::task::spawn_blocking(move || {
                node.first_contact();
                node
            })
            .await?;
            if let Some(target) = &printing.printer {
                node = node.with_printer(Printer::new(target, printing.paper.into())?);
            }
            let mut logins = Vec::new();
            if node.clinic()?.is_none() {
                let Some(name) = clinic_name else {
                    bail!("first start: give the clinic's name with --clinic-name");
                };
                node.set_clinic(Actor::System, &name, &time_zone)?;
                let password = admin_password.unwrap_or_else(setup::random_password);
                setup::ensure_staff(
                    &node,
                    UserId::random(),
                    "admin",
                    "Administrator",
                    StaffRole::Admin,
                    &password,
                )?;
                logins.push(("admin", password));
            }
            run(node, listen, ui, printing.public_url, &logins, Vec::new()).await?;
        }
    }
    Ok(())
}
