//! `medicloud`: the clinic node, the demo clinic, the cloud and the tools, as subcommands
//! of one binary. The command line and configuration live here; what runs is in the
//! `medicloud-node` and `medicloud-cloud` libraries.

mod cloud_admin;
mod config;
mod remote;
mod signal;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};
use config::{ClinicFlags, CloudFlags, NodeFlags, PaperFlag};
use medicloud_node::config::NodeConfig;
use medicloud_node::runtime;
use medicloud_printer::Layout;
use medicloud_printer::virtual_printer::{Config as VirtualConfig, VirtualPrinter};
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
    /// Demo nodes given each other as `--peer` are one clinic.
    Demo {
        /// Password of the demo staff accounts (random, and printed, when unset).
        #[arg(long, env = "MEDICLOUD_DEMO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[command(flatten)]
        node: NodeFlags,
    },
    /// Run a clinic node.
    Node {
        #[command(flatten)]
        node: NodeFlags,
        #[command(flatten)]
        clinic: ClinicFlags,
    },
    /// Run the clinic chain's cloud: enrolment, sync and label authority for every clinic.
    Cloud(CloudFlags),
    /// The cloud admin's commands (add a clinic, make an enrolment code).
    CloudAdmin(cloud_admin::AdminArgs),
    /// Print a program's configuration file with every setting, its default and what it
    /// means.
    Config {
        /// Whose configuration.
        #[arg(value_enum)]
        program: Program,
    },
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

/// A program with a configuration file.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Program {
    /// `medicloud node` (and `medicloud demo`).
    Node,
    /// `medicloud cloud`.
    Cloud,
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
        #[arg(long, value_enum, default_value_t = PaperFlag::Mm80)]
        paper: PaperFlag,
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
        #[arg(long, value_enum, default_value_t = PaperFlag::Mm80)]
        paper: PaperFlag,
    },
}

/// Starts the node `config` describes, tells the operator where it listens, its logins
/// and pairing links, and serves until Ctrl-C or SIGTERM.
#[allow(clippy::print_stdout)] // the operator reads the URL, logins and links here
async fn run_node(config: NodeConfig) -> anyhow::Result<()> {
    let running = runtime::start(config, signal::shutdown()).await?;
    let addr = running.addr();
    println!("Medicloud node listening on http://{addr}");
    for (user, password) in &running.logins {
        println!("  staff login: {user} / {password}   (http://{addr}/desk, http://{addr}/admin)");
    }
    if let Some(vp) = &running.virtual_printer {
        println!(
            "  printer: virtual printer on {}, tickets in {}",
            vp.addr(),
            vp.out_dir().display()
        );
    }
    for (screen, token) in &running.screens {
        println!("  {screen}: http://{addr}/{screen}#token={token}");
    }
    running.wait().await
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
                paper: config::paper_width(paper),
                control,
            })
            .await?;
            println!("virtual printer listening on {}", printer.addr());
            if let Some(c) = printer.control_addr() {
                println!("control port on {c}");
            }
            println!("jobs are written to {}", printer.out_dir().display());
            signal::shutdown().await;
        }
        PrinterCommand::Test { printer, paper } => {
            let layout = Layout {
                width: config::paper_width(paper),
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
            let session = remote::Session::login(&node, &username, &password).await?;
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

#[allow(clippy::print_stdout)] // the configuration file is the command's output
fn print_defaults(program: Program) {
    match program {
        Program::Node => print!("{}", config::NODE_DEFAULTS),
        Program::Cloud => print!("{}", config::CLOUD_DEFAULTS),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, plain text for a journal or a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Every connection is a descriptor: take as many as the system allows (the soft limit
    // is often 1,024), so the servers' connection caps, not the OS, decide.
    match rlimit::increase_nofile_limit(65_536) {
        Ok(limit) => tracing::debug!(limit, "open file limit"),
        Err(err) => tracing::warn!(%err, "cannot raise the open file limit"),
    }
    match Cli::parse().command {
        Command::Openapi => print_openapi()?,
        Command::Config { program } => print_defaults(program),
        Command::Cloud(flags) => {
            medicloud_cloud::serve(flags.resolve()?, signal::shutdown(), |addr, https| {
                let scheme = if https { "https" } else { "http" };
                #[allow(clippy::print_stdout)] // the operator (and tests) read the address here
                {
                    println!("Medicloud cloud listening on {scheme}://{addr}");
                }
            })
            .await?;
        }
        Command::CloudAdmin(args) => cloud_admin::run(args).await?,
        Command::Audit {
            command: AuditCommand::Verify { data, key },
        } => verify_audit(&data, &key)?,
        Command::Db { command } => db_command(command)?,
        Command::Printer { command } => printer_command(command).await?,
        Command::Demo { password, node } => {
            let mut config = node.resolve(NodeConfig::demo(None))?;
            let demo = config.demo.get_or_insert_default();
            if password.is_some() {
                demo.password = password;
            }
            run_node(config).await?;
        }
        Command::Node { node, clinic } => {
            let mut config = node.resolve(NodeConfig::default())?;
            clinic.apply(&mut config);
            run_node(config).await?;
        }
    }
    Ok(())
}
