//! `NodeConfig`: everything a node is started with, in one typed value. The `medicloud`
//! command line fills it from a file, the environment and flags; the desktop app from
//! its first-start settings. [`crate::runtime::start`] takes it whole.
//!
//! Secrets (the LAN key, an enrolment code, first passwords) are never written back out
//! when a configuration is serialised.

use medicloud_printer::PaperWidth;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How a node runs: where its data is, where it listens, which clinic it is and how it
/// takes part in the clinic's sync and printing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Folder for the node's database and key files; starting again on it keeps the data.
    pub data: PathBuf,
    /// Address the API and screens are served on (port 0: any free port).
    pub listen: SocketAddr,
    /// Folder of the built web UI (none: the API only).
    pub ui: Option<PathBuf>,
    /// The database's key file (32 bytes, or 64 hex digits; created on first start);
    /// none: `DATA/db.key`.
    pub db_key_file: Option<PathBuf>,
    /// The clinic this node sets up on its first start (a node that joins a cloud or a
    /// peer learns it from them instead).
    pub clinic: ClinicConfig,
    /// The ticket printer.
    pub printing: PrintConfig,
    /// Peers, the LAN key, the label authority and the cloud.
    pub sync: SyncConfig,
    /// Run the demo clinic (five polies, counters, staff, a kiosk and a display) instead
    /// of a real one.
    pub demo: Option<DemoConfig>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            data: PathBuf::from("data/node"),
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            ui: Some(PathBuf::from("ui/dist")),
            db_key_file: None,
            clinic: ClinicConfig::default(),
            printing: PrintConfig::default(),
            sync: SyncConfig::default(),
            demo: None,
        }
    }
}

impl NodeConfig {
    /// The demo clinic's defaults: `data/demo`, loopback only, staff password `password`
    /// (random when none).
    pub fn demo(password: Option<String>) -> Self {
        Self {
            data: PathBuf::from("data/demo"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo: Some(DemoConfig { password }),
            ..Self::default()
        }
    }
}

/// The clinic a node sets up on its first start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClinicConfig {
    /// The clinic's name (needed on the first start of a node that joins no one).
    pub name: Option<String>,
    /// The clinic's IANA time zone (`Asia/Jakarta` is WIB, `Asia/Makassar` WITA,
    /// `Asia/Jayapura` WIT).
    pub time_zone: String,
    /// Password of the `admin` account made on the first start (random, and told once,
    /// when unset). Never serialised.
    #[serde(skip_serializing)]
    pub admin_password: Option<String>,
}

impl Default for ClinicConfig {
    fn default() -> Self {
        Self {
            name: None,
            time_zone: "Asia/Jakarta".to_owned(),
            admin_password: None,
        }
    }
}

/// The ticket printer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrintConfig {
    /// `tcp://HOST:PORT`, `HOST:PORT`, `file:/dev/usb/lp0`, `usb://VID:PID`,
    /// `serial:/dev/ttyUSB0`; none: no printer (the demo: a virtual printer of its own,
    /// writing into `DATA/printed`).
    pub printer: Option<String>,
    /// The paper roll's width.
    pub paper: Paper,
    /// Base of the status URL in each ticket's QR code (none: the address served on).
    pub public_url: Option<String>,
}

/// A paper roll's width in millimetres: 58 or 80.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub enum Paper {
    /// 58 mm (32 columns).
    Mm58,
    /// 80 mm (48 columns).
    #[default]
    Mm80,
}

impl TryFrom<u16> for Paper {
    type Error = String;

    fn try_from(mm: u16) -> Result<Self, Self::Error> {
        match mm {
            58 => Ok(Self::Mm58),
            80 => Ok(Self::Mm80),
            _ => Err(format!("paper is 58 or 80 (mm), not {mm}")),
        }
    }
}

impl From<Paper> for u16 {
    fn from(paper: Paper) -> Self {
        match paper {
            Paper::Mm58 => 58,
            Paper::Mm80 => 80,
        }
    }
}

impl From<Paper> for PaperWidth {
    fn from(paper: Paper) -> Self {
        match paper {
            Paper::Mm58 => PaperWidth::Mm58,
            Paper::Mm80 => PaperWidth::Mm80,
        }
    }
}

/// How a node takes part in its clinic's sync.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Other nodes of the clinic to sync with, e.g. `http://10.0.0.5:8080`.
    pub peers: Vec<String>,
    /// The clinic's key for node-to-node sync on the LAN (set by enrolment when joining
    /// a cloud). Never serialised.
    #[serde(skip_serializing)]
    pub lan_key: Option<String>,
    /// The node that hands out label numbers when the clinic has no cloud (a hub).
    pub labels_from: Option<String>,
    /// The clinic chain's cloud, e.g. `https://cloud.example.id` (remembered after
    /// enrolment).
    pub cloud: Option<String>,
    /// A one-time enrolment code from the cloud's admin, to join the cloud. Never
    /// serialised.
    #[serde(skip_serializing)]
    pub enrol: Option<String>,
    /// A PEM file of certificate authorities trusted for the cloud's certificate besides
    /// the bundled web PKI roots (a clinic chain with its own CA).
    pub cloud_ca: Option<PathBuf>,
    /// Seconds between a link's sync rounds when nothing new happens (anti-entropy; the
    /// default, unset, is [`crate::replication::Replication::ANTI_ENTROPY`]). New events
    /// are pushed at once regardless.
    pub anti_entropy_seconds: Option<u64>,
    /// Desk places of each service and day this node escrows to each other node of the
    /// clinic when it is the clinic's booking authority, for that node to book cut off
    /// (default [`crate::ops::reserve::DEFAULT_PLACES`]; 0: none, a node cut off books
    /// only confirmed overbookings).
    pub desk_reserve: Option<u16>,
}

/// The demo clinic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Password of every demo staff account (random, and told once, when unset). Never
    /// serialised.
    #[serde(skip_serializing)]
    pub password: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_is_58_or_80_millimetres() {
        assert_eq!(Paper::try_from(58), Ok(Paper::Mm58));
        assert_eq!(Paper::try_from(80), Ok(Paper::Mm80));
        assert_eq!(
            Paper::try_from(76),
            Err("paper is 58 or 80 (mm), not 76".to_owned())
        );
        assert_eq!(u16::from(Paper::Mm58), 58);
    }

    #[test]
    fn secrets_are_never_serialised() {
        let mut config = NodeConfig::demo(Some("demo-password-1".into()));
        config.clinic.admin_password = Some("admin-password-1".into());
        config.sync.lan_key = Some("lan-key".into());
        config.sync.enrol = Some("ENROL-CODE".into());
        let json = serde_json::to_string(&config).unwrap();
        for secret in [
            "demo-password-1",
            "admin-password-1",
            "lan-key",
            "ENROL-CODE",
        ] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
    }
}
