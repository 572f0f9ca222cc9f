//! `CloudConfig`: everything `medicloud cloud` is started with, in one typed value. The
//! command line fills it from a file, the environment and flags.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
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
    /// The load balancers in front of this replica, as addresses or networks
    /// (`10.0.0.5`, `10.42.0.0/16`: a Kubernetes ingress's pods change address): a
    /// request from one of them is taken to come from the client its `X-Forwarded-For`
    /// names (the rightmost address that is not itself one of these), for the rate
    /// limits and the login throttle. None: every request is from the address it came
    /// from.
    pub trusted_proxies: Vec<Network>,
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
    /// Desk places of each service and day the cloud escrows to each node of a clinic
    /// whose labels (and so desk share) it counts, which that node books into cut off
    /// from the cloud (0: none, a node cut off books only confirmed overbookings).
    pub desk_reserve: u16,
}

/// An IP network, `ADDRESS/PREFIX` (`10.42.0.0/16`, `fd00::/8`), or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` is in the network (an IPv4 address seen as IPv6, `::ffff:a.b.c.d`,
    /// counts as itself).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("not an address or ADDRESS/PREFIX network: {text}");
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(bad)?,
        };
        Ok(Network { addr, prefix })
    }
}

impl TryFrom<String> for Network {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Network> for String {
    fn from(n: Network) -> String {
        n.to_string()
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
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
            desk_reserve: medicloud_core::schedule::DEFAULT_DESK_RESERVE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn networks_hold_their_addresses_and_read_as_written() {
        let net: Network = "10.42.0.0/16".parse().unwrap();
        assert!(net.contains("10.42.7.9".parse().unwrap()));
        assert!(!net.contains("10.43.0.1".parse().unwrap()));
        assert!(
            net.contains("::ffff:10.42.0.1".parse().unwrap()),
            "v4 seen as v6"
        );
        let one: Network = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6: Network = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.42.0.1".parse().unwrap()));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.7".parse().unwrap()));
        for bad in ["10.0.0.0/33", "10.0.0/8", "ten", "fd00::/129", "10.0.0.0/"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        assert_eq!(net.to_string(), "10.42.0.0/16");
        assert_eq!(one.to_string(), "127.0.0.1");
    }
}
