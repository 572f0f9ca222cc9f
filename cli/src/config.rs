//! The command line's side of configuration: a file (`--config`, TOML), then the
//! environment and flags over it, into the libraries' one typed configuration per
//! program ([`NodeConfig`], [`CloudConfig`]). `medicloud config node|cloud` prints the
//! commented defaults, which a test keeps equal to the types' `Default`.

use anyhow::Context;
use clap::{Args, ValueEnum};
use medicloud_cloud::CloudConfig;
use medicloud_node::config::{NodeConfig, Paper};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The commented default configuration of `medicloud node`.
pub const NODE_DEFAULTS: &str = r#"# Medicloud node (`medicloud node --config FILE`). Every setting is also a flag
# (`medicloud node --help`) and most an environment variable (MEDICLOUD_*); flags and
# the environment win over this file. What is shown here is the default.

# Folder for the node's database and key files; starting again on it keeps the data.
data = "data/node"
# Address the API and the screens are served on (port 0: any free port).
listen = "0.0.0.0:8080"
# Folder of the built web UI (MEDICLOUD_UI_DIR).
ui = "ui/dist"
# The database's key file: 32 bytes or 64 hex digits, made on first start
# (MEDICLOUD_DB_KEY_FILE; default DATA/db.key).
# db_key_file = "/etc/medicloud/db.key"

[clinic]
# The clinic's name, needed on the first start of a node that joins no cloud or peer.
# name = "Klinik Sehat Sentosa"
# The clinic's IANA time zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
time_zone = "Asia/Jakarta"
# The first `admin` password comes from MEDICLOUD_ADMIN_PASSWORD (random, and printed
# once, when unset); keep it out of this file.

[printing]
# The ticket printer: tcp://HOST:PORT, HOST:PORT, file:/dev/usb/lp0, usb://VID:PID,
# serial:/dev/ttyUSB0 (MEDICLOUD_PRINTER; none: no printer).
# printer = "tcp://192.168.1.50:9100"
# Paper roll width in millimetres: 58 or 80.
paper = 80
# Base of the status URL in each ticket's QR code (MEDICLOUD_PUBLIC_URL; default: the
# address served on).
# public_url = "http://10.0.0.2:8080"

[sync]
# Other nodes of the clinic to sync with.
peers = []
# The node that hands out label numbers when the clinic has no cloud (a hub).
# labels_from = "http://10.0.0.2:8080"
# The clinic chain's cloud (MEDICLOUD_CLOUD; remembered after enrolment).
# cloud = "https://cloud.example.id"
# Certificate authorities trusted for the cloud besides the web PKI roots
# (MEDICLOUD_CLOUD_CA).
# cloud_ca = "/etc/medicloud/chain-ca.pem"
# Seconds between sync rounds when nothing new happens (MEDICLOUD_ANTI_ENTROPY_SECONDS;
# new events are pushed at once).
# anti_entropy_seconds = 5
# Desk places of each service and day the clinic's booking authority escrows to each
# other node, which books into them cut off from it (MEDICLOUD_DESK_RESERVE; 0: none).
# desk_reserve = 1
# The LAN key (MEDICLOUD_LAN_KEY) and a one-time enrolment code (--enrol) are secrets:
# give them in the environment or on the command line, not here.
"#;

/// The commented default configuration of `medicloud cloud`.
pub const CLOUD_DEFAULTS: &str = r#"# Medicloud cloud (`medicloud cloud --config FILE`). Every setting is also a flag
# (`medicloud cloud --help`) and an environment variable (MEDICLOUD_CLOUD_*); flags and
# the environment win over this file. What is shown here is the default.

# sqlite://PATH (embedded) or postgres://USER@HOST/DB (MEDICLOUD_CLOUD_DATABASE).
database = "sqlite://data/cloud.sqlite"
# Address to listen on.
listen = "127.0.0.1:8090"
# The certificate chain and its private key (PEM); with both, the cloud serves HTTPS
# (MEDICLOUD_CLOUD_TLS_CERT, MEDICLOUD_CLOUD_TLS_KEY).
# tls_cert = "/etc/medicloud/cloud.crt"
# tls_key = "/etc/medicloud/cloud.key"
# Serve plain HTTP beyond loopback, behind a proxy that terminates TLS.
insecure_http = false
# The load balancers in front of this replica, addresses or networks such as
# "10.42.0.0/16" (MEDICLOUD_CLOUD_TRUSTED_PROXIES, commas): a request from one of them
# counts as from the client its X-Forwarded-For names, for the rate limits and the
# login throttle.
trusted_proxies = []
# Folder of the built web UI: the head office's screens at /hq (MEDICLOUD_CLOUD_UI_DIR).
ui = "ui/dist"
# Seconds an /hq access token (JWT) lives (MEDICLOUD_CLOUD_HQ_ACCESS_TTL_SECS).
hq_access_ttl_secs = 300
# The token of the /admin/v1 routes comes from MEDICLOUD_CLOUD_ADMIN_TOKEN only, and the
# secret the /hq signing keys are sealed with from MEDICLOUD_CLOUD_HQ_KEY_SECRET only
# (the same on every replica and for `medicloud cloud-admin rotate-key`).

# The cloud's public base URL, as browsers reach it (MEDICLOUD_CLOUD_PUBLIC_URL); the
# OpenID Connect redirect URI is {public_url}/hq/v1/auth/oidc/callback.
# public_url = "https://hq.example"
# OpenID Connect login for the chain staff, on when oidc_issuer is set: the provider's
# issuer URL (MEDICLOUD_CLOUD_OIDC_ISSUER; its /.well-known/openid-configuration is read),
# the cloud's client id there (MEDICLOUD_CLOUD_OIDC_CLIENT_ID). The client secret comes
# from MEDICLOUD_OIDC_CLIENT_SECRET only (none: a public client, PKCE only).
# oidc_issuer = "https://login.example"
# oidc_client_id = "medicloud-hq"
# The provider's name on the sign-in button (MEDICLOUD_CLOUD_OIDC_NAME).
oidc_name = "SSO"
# The ID token claim whose value (in lower case) must be the username of an existing,
# enabled cloud account (MEDICLOUD_CLOUD_OIDC_USERNAME_CLAIM): preferred_username, email,
# or another claim the provider sends. No account is made on the fly.
oidc_username_claim = "preferred_username"
# Desk places of each service and day the cloud escrows to each node of a clinic whose
# labels it hands out (and whose desk share it so counts), which that node books into
# cut off from the cloud (MEDICLOUD_CLOUD_DESK_RESERVE; 0: none).
desk_reserve = 1
"#;

/// Reads a TOML configuration file into `T`, naming the file and the setting in errors.
fn read_file<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in {}", path.display()))
}

/// The paper width flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PaperFlag {
    /// 58 mm roll (32 columns).
    #[value(name = "58")]
    Mm58,
    /// 80 mm roll (48 columns).
    #[value(name = "80")]
    Mm80,
}

impl From<PaperFlag> for Paper {
    fn from(p: PaperFlag) -> Self {
        match p {
            PaperFlag::Mm58 => Paper::Mm58,
            PaperFlag::Mm80 => Paper::Mm80,
        }
    }
}

/// The printer library's width for a paper flag.
pub fn paper_width(paper: PaperFlag) -> medicloud_printer::PaperWidth {
    Paper::from(paper).into()
}

/// What `medicloud node` and `medicloud demo` share: where the data is, where to
/// listen, the printer and the clinic's sync. Unset flags leave the file's value.
#[derive(Debug, Args)]
pub struct NodeFlags {
    /// A configuration file (TOML; `medicloud config node` prints the commented defaults).
    #[arg(long, env = "MEDICLOUD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder for the node's database [default: data/node; the demo: data/demo].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Address to serve the API and UI on; port 0: any free port [default: 0.0.0.0:8080;
    /// the demo: 127.0.0.1:8080].
    #[arg(long, env = "MEDICLOUD_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Folder of the built web UI [default: ui/dist].
    #[arg(long, env = "MEDICLOUD_UI_DIR", value_name = "DIR")]
    pub ui: Option<PathBuf>,
    /// The database's key file (32 bytes, or 64 hex digits; created on first start)
    /// [default: DATA/db.key].
    #[arg(long, env = "MEDICLOUD_DB_KEY_FILE", value_name = "FILE")]
    pub db_key_file: Option<PathBuf>,
    /// The ticket printer: tcp://HOST:PORT, HOST:PORT, file:/dev/usb/lp0, usb://VID:PID …
    /// (the demo prints to a virtual printer of its own, into DATA/printed, unless given one).
    #[arg(long, env = "MEDICLOUD_PRINTER")]
    pub printer: Option<String>,
    /// Paper width [default: 80].
    #[arg(long, value_enum)]
    pub paper: Option<PaperFlag>,
    /// Base of the status URL in each ticket's QR code (default: the address served on).
    #[arg(long, env = "MEDICLOUD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Another node of the clinic to sync with, e.g. `http://10.0.0.5:8080` (repeatable).
    #[arg(long = "peer", value_name = "URL")]
    pub peers: Vec<String>,
    /// The clinic's key for node-to-node sync on the LAN (set by enrolment when joining a
    /// cloud; demo nodes share the demo's own).
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
    /// Seconds between sync rounds when nothing new happens (new events are pushed at
    /// once; default 5).
    #[arg(long, env = "MEDICLOUD_ANTI_ENTROPY_SECONDS", value_name = "SECONDS")]
    pub anti_entropy_seconds: Option<u64>,
    /// Desk places of each service and day escrowed to each other node of the clinic,
    /// when this node is its booking authority, for booking cut off from it (default 1;
    /// 0: a node cut off books only confirmed overbookings).
    #[arg(long, env = "MEDICLOUD_DESK_RESERVE", value_name = "PLACES")]
    pub desk_reserve: Option<u16>,
}

/// The flags only `medicloud node` has: the clinic it sets up on first start.
#[derive(Debug, Args)]
pub struct ClinicFlags {
    /// The clinic's name (needed on first start).
    #[arg(long)]
    pub clinic_name: Option<String>,
    /// The clinic's IANA time zone [default: Asia/Jakarta].
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Password for the `admin` account on first start (random, and printed, when unset).
    #[arg(long, env = "MEDICLOUD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

fn set<T>(slot: &mut T, flag: Option<T>) {
    if let Some(value) = flag {
        *slot = value;
    }
}

fn set_some<T>(slot: &mut Option<T>, flag: Option<T>) {
    if flag.is_some() {
        *slot = flag;
    }
}

impl NodeFlags {
    /// The file's configuration (or `base` without one), with these flags over it.
    pub fn resolve(self, base: NodeConfig) -> anyhow::Result<NodeConfig> {
        let mut config = match &self.config {
            Some(path) => read_file(path)?,
            None => base,
        };
        set(&mut config.data, self.data);
        set(&mut config.listen, self.listen);
        set_some(&mut config.ui, self.ui);
        set_some(&mut config.db_key_file, self.db_key_file);
        set_some(&mut config.printing.printer, self.printer);
        set(&mut config.printing.paper, self.paper.map(Paper::from));
        set_some(&mut config.printing.public_url, self.public_url);
        let sync = &mut config.sync;
        if !self.peers.is_empty() {
            sync.peers = self.peers;
        }
        set_some(&mut sync.lan_key, self.lan_key);
        set_some(&mut sync.labels_from, self.labels_from);
        set_some(&mut sync.cloud, self.cloud);
        set_some(&mut sync.enrol, self.enrol);
        set_some(&mut sync.cloud_ca, self.cloud_ca);
        set_some(&mut sync.anti_entropy_seconds, self.anti_entropy_seconds);
        set_some(&mut sync.desk_reserve, self.desk_reserve);
        Ok(config)
    }
}

impl ClinicFlags {
    /// Puts the first-start flags into `config`.
    pub fn apply(self, config: &mut NodeConfig) {
        set_some(&mut config.clinic.name, self.clinic_name);
        set(&mut config.clinic.time_zone, self.time_zone);
        set_some(&mut config.clinic.admin_password, self.admin_password);
    }
}

/// `medicloud cloud`'s flags. Unset flags leave the file's value.
#[derive(Debug, Args)]
pub struct CloudFlags {
    /// A configuration file (TOML; `medicloud config cloud` prints the commented defaults).
    #[arg(long, env = "MEDICLOUD_CLOUD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// `sqlite://PATH` (embedded) or `postgres://USER@HOST/DB` [default:
    /// sqlite://data/cloud.sqlite].
    #[arg(long, env = "MEDICLOUD_CLOUD_DATABASE")]
    pub database: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8090].
    #[arg(long, env = "MEDICLOUD_CLOUD_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Token for the `/admin/v1` routes (no admin API when unset).
    #[arg(long, env = "MEDICLOUD_CLOUD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The server's certificate chain (PEM); with `--tls-key`, the cloud serves HTTPS.
    #[arg(long, env = "MEDICLOUD_CLOUD_TLS_CERT", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The server certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "MEDICLOUD_CLOUD_TLS_KEY", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address beyond loopback (behind a TLS-terminating proxy).
    /// Without it, a cloud without a certificate listens on loopback only.
    #[arg(long, env = "MEDICLOUD_CLOUD_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// A load balancer in front of this replica, an address or a network (`10.42.0.0/16`;
    /// repeat, or commas in the variable): its requests count as from the client its
    /// `X-Forwarded-For` names.
    #[arg(
        long = "trusted-proxy",
        env = "MEDICLOUD_CLOUD_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP[/PREFIX]"
    )]
    pub trusted_proxies: Vec<medicloud_cloud::config::Network>,
    /// Folder of the built web UI, the head office's screens at `/hq` [default: ui/dist].
    #[arg(long, env = "MEDICLOUD_CLOUD_UI_DIR", value_name = "DIR")]
    pub ui: Option<PathBuf>,
    /// Seconds an `/hq` access token (JWT) lives [default: 300].
    #[arg(long, env = "MEDICLOUD_CLOUD_HQ_ACCESS_TTL_SECS")]
    pub hq_access_ttl_secs: Option<u64>,
    /// The secret the `/hq` token signing keys are sealed with in the database: the same
    /// on every replica (unset: stored unsealed, and the cloud warns).
    #[arg(long, env = "MEDICLOUD_CLOUD_HQ_KEY_SECRET", hide_env_values = true)]
    pub hq_key_secret: Option<String>,
    /// The cloud's public base URL, as browsers reach it (`https://hq.example`): the
    /// OpenID Connect redirect URI is `{public_url}/hq/v1/auth/oidc/callback`.
    #[arg(long, env = "MEDICLOUD_CLOUD_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// The chain staff's OpenID Connect provider, by its issuer URL (unset: password
    /// logins only).
    #[arg(long, env = "MEDICLOUD_CLOUD_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,
    /// The cloud's client id at the OpenID Connect provider.
    #[arg(long, env = "MEDICLOUD_CLOUD_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The cloud's client secret at the provider (unset: a public client, PKCE only).
    #[arg(long, env = "MEDICLOUD_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The provider's name on the sign-in button [default: SSO].
    #[arg(long, env = "MEDICLOUD_CLOUD_OIDC_NAME")]
    pub oidc_name: Option<String>,
    /// The ID token claim matched to an existing account's username [default:
    /// preferred_username]; `email` is the other usual choice.
    #[arg(
        long,
        env = "MEDICLOUD_CLOUD_OIDC_USERNAME_CLAIM",
        value_name = "CLAIM"
    )]
    pub oidc_username_claim: Option<String>,
    /// Desk places of each service and day escrowed to each node of a clinic whose
    /// labels the cloud hands out, for booking cut off from the cloud [default: 1; 0:
    /// a node cut off books only confirmed overbookings].
    #[arg(long, env = "MEDICLOUD_CLOUD_DESK_RESERVE", value_name = "PLACES")]
    pub desk_reserve: Option<u16>,
}

impl CloudFlags {
    /// The file's configuration (or the defaults), with these flags over it.
    pub fn resolve(self) -> anyhow::Result<CloudConfig> {
        let mut config: CloudConfig = match &self.config {
            Some(path) => read_file(path)?,
            None => CloudConfig::default(),
        };
        set(&mut config.database, self.database);
        set(&mut config.listen, self.listen);
        set_some(&mut config.admin_token, self.admin_token);
        set_some(&mut config.tls_cert, self.tls_cert);
        set_some(&mut config.tls_key, self.tls_key);
        config.insecure_http |= self.insecure_http;
        if !self.trusted_proxies.is_empty() {
            config.trusted_proxies = self.trusted_proxies;
        }
        set_some(&mut config.ui, self.ui);
        set(&mut config.hq_access_ttl_secs, self.hq_access_ttl_secs);
        set_some(&mut config.hq_key_secret, self.hq_key_secret);
        set_some(&mut config.public_url, self.public_url);
        set_some(&mut config.oidc_issuer, self.oidc_issuer);
        set_some(&mut config.oidc_client_id, self.oidc_client_id);
        set_some(&mut config.oidc_client_secret, self.oidc_client_secret);
        set(&mut config.oidc_name, self.oidc_name);
        set(&mut config.oidc_username_claim, self.oidc_username_claim);
        set(&mut config.desk_reserve, self.desk_reserve);
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_commented_defaults_are_the_defaults() {
        let node: NodeConfig = toml::from_str(NODE_DEFAULTS).unwrap();
        assert_eq!(node, NodeConfig::default());
        let cloud: CloudConfig = toml::from_str(CLOUD_DEFAULTS).unwrap();
        assert_eq!(cloud, CloudConfig::default());
    }

    #[derive(Debug, Parser)]
    struct Node {
        #[command(flatten)]
        flags: NodeFlags,
        #[command(flatten)]
        clinic: ClinicFlags,
    }

    fn node(file: &str, args: &[&str]) -> anyhow::Result<NodeConfig> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.toml");
        std::fs::write(&path, file).unwrap();
        let mut argv = vec!["node", "--config", path.to_str().unwrap()];
        argv.extend_from_slice(args);
        let parsed = Node::try_parse_from(argv).unwrap();
        let mut config = parsed.flags.resolve(NodeConfig::default())?;
        parsed.clinic.apply(&mut config);
        Ok(config)
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_the_defaults() {
        let file = "data = \"/srv/clinic\"\nlisten = \"0.0.0.0:9000\"\n\
                    [printing]\npaper = 58\n[sync]\npeers = [\"http://10.0.0.5:8080\"]\n";
        let config = node(
            file,
            &["--listen", "127.0.0.1:8081", "--time-zone", "Asia/Makassar"],
        )
        .unwrap();
        assert_eq!(config.data, PathBuf::from("/srv/clinic"));
        assert_eq!(config.listen, "127.0.0.1:8081".parse().unwrap());
        assert_eq!(config.printing.paper, Paper::Mm58);
        assert_eq!(config.sync.peers, ["http://10.0.0.5:8080"]);
        assert_eq!(config.clinic.time_zone, "Asia/Makassar");
        assert_eq!(config.ui, NodeConfig::default().ui);
    }

    #[test]
    fn a_misspelled_or_wrong_setting_is_refused_with_its_name() {
        let err = node("dta = \"/srv\"\n", &[]).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `dta`"),
            "{err:#}"
        );
        let err = node("[printing]\npaper = 76\n", &[]).unwrap_err();
        assert!(format!("{err:#}").contains("58 or 80"), "{err:#}");
    }
}
