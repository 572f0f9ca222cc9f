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
    /// The load balancers in front of this replica: a request from one of them is taken
    /// to come from the client its `X-Forwarded-For` names (the rightmost address that
    /// is not itself one of these), for the rate limits and the login throttle. None:
    /// every request is from the address it came from.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Folder of the built web UI, whose head-office screens are served at `/hq` (none,
    /// or a folder without them: no screens).
    pub ui: Option<PathBuf>,
    /// Seconds an `/hq` access token (JWT) lives.
    pub hq_access_ttl_secs: u64,
    /// The secret the `/hq` token signing keys are sealed with in the database (every
    /// replica of a chain needs the same one; none: stored unsealed). Never serialised.
    #[serde(skip_serializing)]
    pub hq_key_secret: Option<String>,
    /// The cloud's public base URL, as browsers reach it (`https://hq.example`): the
    /// OpenID Connect redirect URI is `{public_url}/hq/v1/auth/oidc/callback`.
    pub public_url: Option<String>,
    /// The OpenID Connect provider of the chain staff, by its issuer URL (its discovery
    /// document is `{issuer}/.well-known/openid-configuration`); none: password logins
    /// only. HTTPS, unless on loopback.
    pub oidc_issuer: Option<String>,
    /// The cloud's client id at the provider.
    pub oidc_client_id: Option<String>,
    /// The cloud's client secret at the provider (none: a public client, PKCE only).
    /// Never serialised.
    #[serde(skip_serializing)]
    pub oidc_client_secret: Option<String>,
    /// The provider's name on the sign-in button ("Sign in with …").
    pub oidc_name: String,
    /// The ID token claim whose value (in lower case) is the username of an existing,
    /// enabled cloud account: `preferred_username`, `email`, or another the provider
    /// sends. No account is made on the fly.
    pub oidc_username_claim: String,
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
            trusted_proxies: Vec::new(),
            ui: Some(PathBuf::from("ui/dist")),
            hq_access_ttl_secs: 300,
            hq_key_secret: None,
            public_url: None,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_name: "SSO".to_owned(),
            oidc_username_claim: "preferred_username".to_owned(),
        }
    }
}
