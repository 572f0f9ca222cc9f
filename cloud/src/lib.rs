//! The Medicloud cloud: the clinic chain's central copy of every clinic's event log, the
//! label authority of each clinic, and the door devices enrol through.
//!
//! - [`storage`]: the [`Storage`] trait, with SQLite (the embedded
//!   default) and PostgreSQL engines.
//! - [`projection`]: each clinic's events folded with the core reducer into per-clinic
//!   tables (tickets, appointments, the clinic's settings), in the ingest transaction;
//!   [`overview`]: the chain's view of its clinics (waiting, longest wait, served and
//!   no-shows today, devices last heard), from them.
//! - [`api`]: the HTTP routes — the sync protocol of `medicloud_sync::wire` for devices,
//!   `/admin/v1` for the chain's admin, and `/api/v1/public` for patients.
//! - [`author`]: the events the cloud writes itself, in each clinic's cloud origin,
//!   under that origin's lock; [`booking`]: online booking for patients (the public
//!   routes, and the functions other APIs book with).
//! - [`openapi`]: their OpenAPI document, generated from the handlers and types, served
//!   at `GET /openapi.json`.
//! - [`hq`]: `/hq/v1`, the chain staff's API: login, JWT access tokens and refresh
//!   chains, OpenID Connect login against the chain's provider, the one permission
//!   table, and its own document at `GET /hq/openapi.json`.
//! - [`fhir`]: `/fhir/r4`, the clinics' queue and bookings as FHIR R4 for the chain's
//!   other systems; [`oauth`]: their API clients, scopes and access tokens
//!   (`POST /oauth/token`).
//! - [`serve`]: the server `medicloud cloud` runs, from a [`CloudConfig`]; [`open`] the
//!   database the chain admin's commands (`medicloud cloud-admin`) work on.
//!
//! **Invariants.** Every device's query is scoped by its clinic, taken from its device
//! secret — never from the request — so a device can neither read nor write another
//! clinic's events (a patient's booking names its clinic, and is written only in that
//! clinic's cloud origin, under its lock, by the capacity rule). Each origin's series is stored without gaps; an `(origin, seq)`
//! held with other content is refused, never overwritten. Label blocks and one-time
//! codes are decided by single atomic statements, and nothing that matters is cached
//! in the process, so several cloud processes can serve one PostgreSQL database.
//! Secrets and codes are stored as SHA-256 only; event bodies (which may hold patient
//! data) are never logged. The projections are derived by the core's folds alone, in
//! the transaction that stores the events, every row keyed by clinic first.
#![deny(missing_docs)]

pub mod api;
pub mod author;
pub mod booking;
pub mod config;
pub mod fhir;
pub mod hq;
pub mod oauth;
pub mod openapi;
pub mod overview;
pub mod projection;
pub mod storage;
pub mod tls;

pub use config::CloudConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use storage::{AnyStorage, Storage};

/// Serves the cloud until `shutdown` completes; `ready` is told the bound address and
/// whether it serves HTTPS. Refuses to start plain HTTP beyond loopback unless
/// `insecure_http` is set: device secrets and patient data would cross the network in
/// the clear.
pub async fn serve(
    args: CloudConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr, bool),
) -> anyhow::Result<()> {
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
    let oidc = hq::oidc::OidcSettings::from_config(&args)?
        .map(hq::oidc::Oidc::new)
        .transpose()?;
    let storage = Arc::new(open(&args.database).await?);
    let secret = args.hq_key_secret.as_deref().map(hq::keys::KeySecret::new);
    if secret.is_none() {
        tracing::warn!(
            "no --hq-key-secret: the HQ token signing keys are stored unsealed in the database"
        );
    }
    let keys = hq::keys::KeySet::load(storage.clone(), secret).await?;
    let state = api::State {
        admin_token: args.admin_token.map(Arc::from),
        hq: Arc::new(hq::Hq {
            live: hq::live::Live::start(storage.clone()),
            keys,
            access_ttl: std::time::Duration::from_secs(args.hq_access_ttl_secs.max(1)),
            oidc,
            public_url: args.public_url.clone(),
        }),
        storage,
        trusted_proxies: args.trusted_proxies.clone().into(),
        desk_reserve: args.desk_reserve,
    };
    let app = api::router(state, args.ui.as_deref());
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    ready(addr, tls.is_some());
    medicloud_edge::serve(listener, app, medicloud_edge::Limits::CLOUD, tls, shutdown).await?;
    Ok(())
}

/// Opens and migrates the cloud's database at `url` (`sqlite://…` or `postgres://…`).
pub async fn open(url: &str) -> anyhow::Result<AnyStorage> {
    let storage = AnyStorage::open(url).await?;
    storage.migrate().await?;
    Ok(storage)
}
