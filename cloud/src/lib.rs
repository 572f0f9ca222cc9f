//! The Medicloud cloud: the clinic chain's central copy of every clinic's event log, the
//! label authority of each clinic, and the door devices enrol through.
//!
//! - [`storage`]: the [`Storage`] trait, with SQLite (the embedded
//!   default) and PostgreSQL engines.
//! - [`api`]: the HTTP routes — the sync protocol of `medicloud_sync::wire` for devices,
//!   and `/admin/v1` for the chain's admin.
//! - [`run`] / [`admin`]: what `medicloud cloud` and `medicloud cloud-admin` run.
//!
//! **Invariants.** Every query is scoped by the caller's clinic, taken from its device
//! secret — never from the request — so a device can neither read nor write another
//! clinic's events. Each origin's series is stored without gaps; an `(origin, seq)`
//! held with other content is refused, never overwritten. Label blocks and one-time
//! codes are decided by single atomic statements, and nothing that matters is cached
//! in the process, so several cloud processes can serve one PostgreSQL database.
//! Secrets and codes are stored as SHA-256 only; event bodies (which may hold patient
//! data) are never logged.
#![deny(missing_docs)]

pub mod api;
pub mod storage;

use clap::{Args, Subcommand};
use medicloud_core::ids::ClinicId;
use std::net::SocketAddr;
use std::sync::Arc;
use storage::{AnyStorage, Storage};

/// `medicloud cloud`: serve the cloud API.
#[derive(Clone, Debug, Args)]
pub struct CloudArgs {
    /// `sqlite://PATH` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "MEDICLOUD_CLOUD_DATABASE",
        default_value = "sqlite://data/cloud.sqlite"
    )]
    pub database: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// Token for the `/admin/v1` routes (no admin API when unset).
    #[arg(long, env = "MEDICLOUD_CLOUD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// `medicloud cloud-admin`: the chain admin's commands, straight on the database.
#[derive(Clone, Debug, Args)]
pub struct AdminArgs {
    /// The cloud's database, as for `medicloud cloud`.
    #[arg(
        long,
        env = "MEDICLOUD_CLOUD_DATABASE",
        default_value = "sqlite://data/cloud.sqlite"
    )]
    pub database: String,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The chain admin's commands.
#[derive(Clone, Debug, Subcommand)]
pub enum AdminCommand {
    /// Add a clinic; prints its id.
    ClinicAdd {
        /// Its name.
        #[arg(long)]
        name: String,
        /// A fixed id (the demo clinic's, to let `medicloud demo` nodes join).
        #[arg(long)]
        id: Option<ClinicId>,
    },
    /// Make a one-time enrolment code for a device of a clinic; prints the code.
    EnrolCode {
        /// The clinic.
        #[arg(long)]
        clinic: ClinicId,
        /// How long the code stays valid.
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
    },
}

/// Serves the cloud until Ctrl-C or SIGTERM; `ready` is told the bound address.
pub async fn serve(args: CloudArgs, ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let storage = AnyStorage::open(&args.database).await?;
    storage.migrate().await?;
    let state = api::State {
        storage: Arc::new(storage),
        admin_token: args.admin_token.map(Arc::from),
    };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    ready(listener.local_addr()?);
    axum::serve(listener, api::router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// What `medicloud cloud` runs: [`serve`], announcing the address on stdout.
pub async fn run(args: CloudArgs) -> anyhow::Result<()> {
    serve(args, |addr| {
        #[allow(clippy::print_stdout)] // the operator (and tests) read the address here
        {
            println!("Medicloud cloud listening on http://{addr}");
        }
    })
    .await
}

/// What `medicloud cloud-admin` runs.
#[allow(clippy::print_stdout)] // the command's output is the id or the code
pub async fn admin(args: AdminArgs) -> anyhow::Result<()> {
    let storage = AnyStorage::open(&args.database).await?;
    storage.migrate().await?;
    match args.command {
        AdminCommand::ClinicAdd { name, id } => {
            let id = id.unwrap_or_else(ClinicId::random);
            if !storage.add_clinic(id, &name, &api::secret()).await? {
                anyhow::bail!("a clinic with id {id} exists already");
            }
            println!("{id}");
        }
        AdminCommand::EnrolCode {
            clinic,
            valid_hours,
        } => {
            let code = api::new_code(&storage, clinic, valid_hours).await?;
            println!("{code}");
        }
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
