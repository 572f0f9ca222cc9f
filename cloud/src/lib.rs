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
pub mod tls;

use clap::{Args, Subcommand};
use medicloud_core::ids::ClinicId;
use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// The server's certificate chain (PEM); with `--tls-key`, the cloud serves HTTPS.
    #[arg(
        long,
        env = "MEDICLOUD_CLOUD_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The server certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(
        long,
        env = "MEDICLOUD_CLOUD_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address beyond loopback (behind a TLS-terminating proxy).
    /// Without it, a cloud without a certificate listens on loopback only.
    #[arg(long, env = "MEDICLOUD_CLOUD_INSECURE_HTTP")]
    pub insecure_http: bool,
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

/// Serves the cloud until Ctrl-C or SIGTERM; `ready` is told the bound address and
/// whether it serves HTTPS. Refuses to start plain HTTP beyond loopback unless
/// `insecure_http` is set: device secrets and patient data would cross the network in
/// the clear.
pub async fn serve(args: CloudArgs, ready: impl FnOnce(SocketAddr, bool)) -> anyhow::Result<()> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!("HTTPS needs both --tls-cert and --tls-key"),
    };
    if tls.is_none() && !args.listen.ip().is_loopback() && !args.insecure_http {
        anyhow::bail!(
            "refusing to serve plain HTTP on {}, beyond loopback: give --tls-cert and --tls-key \
             (or --insecure-http behind a proxy that terminates TLS)",
            args.listen
        );
    }
    let storage = AnyStorage::open(&args.database).await?;
    storage.migrate().await?;
    let state = api::State {
        storage: Arc::new(storage),
        admin_token: args.admin_token.map(Arc::from),
    };
    let app = api::router(state);
    let listener = std::net::TcpListener::bind(args.listen)?;
    let addr = listener.local_addr()?;
    match tls {
        Some(config) => {
            listener.set_nonblocking(true)?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown().await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let server = axum_server::from_tcp_rustls(
                listener,
                axum_server::tls_rustls::RustlsConfig::from_config(config),
            )
            .handle(handle);
            ready(addr, true);
            server.serve(app.into_make_service()).await?;
        }
        None => {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            ready(addr, false);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown())
                .await?;
        }
    }
    Ok(())
}

/// What `medicloud cloud` runs: [`serve`], announcing the address on stdout.
pub async fn run(args: CloudArgs) -> anyhow::Result<()> {
    serve(args, |addr, https| {
        let scheme = if https { "https" } else { "http" };
        #[allow(clippy::print_stdout)] // the operator (and tests) read the address here
        {
            println!("Medicloud cloud listening on {scheme}://{addr}");
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
