//! `CloudConfig`: everything `medicloud cloud` is started with, in one typed value. The
//! command line fills it from a file, the environment and flags.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How the cloud runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudConfig {
    /// `sqlite://PATH` (embedded) or `postgres://USER@HOST/DB`.
    pub database: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Token for the `/admin/v1` routes (none: no admin API). Never serialised.
    #[serde(skip_serializing)]
    pub admin_token: Option<String>,
    /// The server's certificate chain (PEM); with `tls_key`, the cloud serves HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// The server certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address beyond loopback (behind a TLS-terminating proxy).
    /// Without it, a cloud without a certificate listens on loopback only.
    pub insecure_http: bool,
    /// Folder of the built web UI, whose head-office screens are served at `/hq` (none,
    /// or a folder without them: no screens).
    pub ui: Option<PathBuf>,
    /// Seconds an `/hq` access token (JWT) lives.
    pub hq_access_ttl_secs: u64,
    /// The secret the `/hq` token signing keys are sealed with in the database (every
    /// replica of a chain needs the same one; none: stored unsealed). Never serialised.
    #[serde(skip_serializing)]
    pub hq_key_secret: Option<String>,
}

/// The cloud's database unless told otherwise.
pub const DEFAULT_DATABASE: &str = "sqlite://data/cloud.sqlite";

impl Default for CloudConfig {
    fn default() -> Self {
        Self {
            database: DEFAULT_DATABASE.to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            admin_token: None,
            tls_cert: None,
            tls_key: None,
            insecure_http: false,
            ui: Some(PathBuf::from("ui/dist")),
            hq_access_ttl_secs: 300,
            hq_key_secret: None,
        }
    }
}
