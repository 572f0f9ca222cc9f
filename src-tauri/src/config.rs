//! This machine's settings: the command line and environment (unattended installs and
//! tests), over the file the first-start page writes. Resolving them does no I/O, so the
//! rules are tested without a window.

use medicloud_node::config::{Paper, SyncConfig};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Which screen this machine shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Patient self check-in: fullscreen and locked.
    Kiosk,
    /// The front desk (staff log in on it).
    Desk,
    /// The waiting-room display.
    Display,
}

/// The command line; every setting also reads an environment variable.
#[derive(Debug, clap::Parser)]
#[command(
    name = "medicloud-app",
    version,
    about = "Medicloud: the clinic app (kiosk, desk or display)"
)]
pub struct Args {
    /// This machine's role; skips the first-start page.
    #[arg(long, env = "MEDICLOUD_ROLE", value_enum)]
    pub role: Option<Role>,
    /// Data folder (default: the platform's app-data folder).
    #[arg(long, env = "MEDICLOUD_DATA")]
    pub data: Option<PathBuf>,
    /// A settings file (JSON, as the first-start page writes it; default DATA/setup.json).
    #[arg(long, env = "MEDICLOUD_CONFIG")]
    pub config: Option<PathBuf>,
    /// The ticket printer: `HOST:PORT`, `tcp://HOST:PORT`, `file:/dev/usb/lp0`, `usb://VID:PID`
    /// (default for the demo clinic: a virtual printer writing into DATA/printed).
    #[arg(long, env = "MEDICLOUD_PRINTER")]
    pub printer: Option<String>,
    /// The admin PIN that lets a kiosk be closed.
    #[arg(long, env = "MEDICLOUD_KIOSK_PIN", hide_env_values = true)]
    pub kiosk_pin: Option<String>,
    /// A standalone clinic of this name (created on first start) instead of the demo.
    #[arg(long, env = "MEDICLOUD_CLINIC_NAME")]
    pub clinic_name: Option<String>,
    /// Password of a new standalone clinic's `admin` account (random, and logged, when unset).
    #[arg(long, env = "MEDICLOUD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Also open the waiting-room display in a second window (on a second monitor).
    #[arg(long)]
    pub second_display: bool,
    /// Where the embedded node serves the screens (port 0: any free port). Other
    /// machines of the clinic reach it here when it listens beyond loopback.
    #[arg(long, env = "MEDICLOUD_LISTEN", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// The database's key file (32 bytes, or 64 hex digits; created on first start)
    /// [default: DATA/db.key].
    #[arg(long, env = "MEDICLOUD_DB_KEY_FILE", value_name = "FILE")]
    pub db_key_file: Option<PathBuf>,
    /// A new standalone clinic's IANA time zone.
    #[arg(long, env = "MEDICLOUD_TIME_ZONE", default_value = "Asia/Jakarta")]
    pub time_zone: String,
    /// The ticket printer's paper width in millimetres (58 or 80).
    #[arg(long, env = "MEDICLOUD_PAPER", default_value = "80", value_parser = parse_paper)]
    pub paper: Paper,
    /// Peers, LAN key, cloud and enrolment code, as for `medicloud node`.
    #[command(flatten)]
    pub sync: SyncFlags,
}

fn parse_paper(mm: &str) -> Result<Paper, String> {
    mm.parse::<u16>()
        .map_err(|_| format!("paper is 58 or 80 (mm), not {mm}"))
        .and_then(Paper::try_from)
}

/// How this machine's node takes part in the clinic's sync, as `medicloud node` takes it.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SyncFlags {
    /// Another node of the clinic to sync with, e.g. `http://10.0.0.5:8080` (repeatable).
    #[arg(long = "peer", value_name = "URL")]
    pub peers: Vec<String>,
    /// The clinic's key for node-to-node sync on the LAN (set by enrolment when joining a cloud).
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
    /// A PEM file of certificate authorities trusted for the cloud's certificate.
    #[arg(long, env = "MEDICLOUD_CLOUD_CA", value_name = "PEM")]
    pub cloud_ca: Option<PathBuf>,
}

impl From<&SyncFlags> for SyncConfig {
    fn from(flags: &SyncFlags) -> Self {
        Self {
            peers: flags.peers.clone(),
            lan_key: flags.lan_key.clone(),
            labels_from: flags.labels_from.clone(),
            cloud: flags.cloud.clone(),
            enrol: flags.enrol.clone(),
            cloud_ca: flags.cloud_ca.clone(),
            ..Self::default()
        }
    }
}

/// What the first-start page saves (`setup.json`, readable by this user only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Setup {
    /// This machine's role.
    pub role: Option<Role>,
    /// A standalone clinic's name.
    pub clinic_name: Option<String>,
    /// The clinic chain's cloud.
    pub cloud: Option<String>,
    /// A one-time enrolment code: spent on the first start, then removed from the file.
    pub enrol: Option<String>,
    /// The ticket printer.
    pub printer: Option<String>,
    /// The admin PIN that closes the kiosk.
    pub kiosk_pin: Option<String>,
    /// A new standalone clinic's admin password: spent on the first start, then removed.
    pub admin_password: Option<String>,
}

impl Setup {
    /// What the first-start page may save: a role, a PIN of 4 or more digits, a cloud
    /// with its code or a clinic name or neither (the demo clinic), not both.
    pub fn check(&self) -> Result<(), String> {
        if self.role.is_none() {
            return Err("pilih peran / choose a role".into());
        }
        let pin = self.kiosk_pin.as_deref().unwrap_or_default();
        if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err("PIN admin: minimal 4 angka / the admin PIN has 4 or more digits".into());
        }
        match (&self.cloud, &self.enrol, &self.clinic_name) {
            (Some(_), None, _) | (None, Some(_), _) => {
                Err("cloud dan kode pendaftaran / a cloud needs its enrolment code".into())
            }
            (Some(_), Some(_), Some(_)) => {
                Err("cloud atau mandiri, bukan keduanya / a cloud or standalone, not both".into())
            }
            (None, None, Some(_)) => {
                let password = self.admin_password.as_deref().unwrap_or_default();
                medicloud_node::auth::check_password_policy("admin", password).map_err(|e| {
                    format!("kata sandi admin tidak memenuhi aturan / the admin password: {e}")
                })
            }
            _ => Ok(()),
        }
    }

    /// The same settings with the one-time secrets removed, once they are spent.
    pub fn spent(&self) -> Self {
        Self {
            enrol: None,
            admin_password: None,
            ..self.clone()
        }
    }
}

/// The clinic this machine's node belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clinic {
    /// The demo clinic (no clinic given), printing to a virtual printer unless given one.
    Demo,
    /// A real clinic: joined through a cloud or peers, or standalone under `name`.
    Real {
        /// A new standalone clinic's name (needed on its first start).
        name: Option<String>,
        /// Its first admin's password (random when unset).
        admin_password: Option<String>,
    },
}

/// Everything the app starts with, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    /// This machine's role.
    pub role: Role,
    /// The node's data folder.
    pub data: PathBuf,
    /// Which clinic.
    pub clinic: Clinic,
    /// The ticket printer.
    pub printer: Option<String>,
    /// The kiosk's admin PIN.
    pub pin: Option<String>,
    /// Sync links.
    pub sync: SyncConfig,
    /// The database's key file (default: DATA/db.key).
    pub db_key_file: Option<PathBuf>,
    /// A new standalone clinic's time zone.
    pub time_zone: String,
    /// The printer's paper.
    pub paper: Paper,
    /// Where the node listens.
    pub listen: SocketAddr,
    /// Whether to open the display on a second monitor too.
    pub second_display: bool,
}

/// Resolves the command line over the saved setup. `None`: no role anywhere, so this is
/// a first start and the set-up page is shown.
pub fn resolve(args: &Args, data: &Path, saved: Option<&Setup>) -> Option<Settings> {
    let empty = Setup::default();
    let saved = saved.unwrap_or(&empty);
    let role = args.role.or(saved.role)?;
    let mut sync = SyncConfig::from(&args.sync);
    if sync.cloud.is_none() {
        sync.cloud.clone_from(&saved.cloud);
        if sync.enrol.is_none() {
            sync.enrol.clone_from(&saved.enrol);
        }
    }
    let name = args.clinic_name.clone().or(saved.clinic_name.clone());
    let joined = sync.cloud.is_some() || !sync.peers.is_empty() || sync.labels_from.is_some();
    let clinic = if name.is_some() || joined || has_real_clinic(data) {
        Clinic::Real {
            name,
            admin_password: args.admin_password.clone().or(saved.admin_password.clone()),
        }
    } else {
        Clinic::Demo
    };
    Some(Settings {
        role,
        data: data.to_owned(),
        clinic,
        printer: args.printer.clone().or(saved.printer.clone()),
        pin: args.kiosk_pin.clone().or(saved.kiosk_pin.clone()),
        sync,
        db_key_file: args.db_key_file.clone(),
        time_zone: args.time_zone.clone(),
        paper: args.paper,
        listen: args.listen,
        second_display: args.second_display,
    })
}

/// A real clinic leaves a marker beside its database, so a restart without the settings
/// that created it never turns it into the demo.
pub const REAL_MARKER: &str = "clinic.real";

fn has_real_clinic(data: &Path) -> bool {
    data.join(REAL_MARKER).exists()
}

/// The saved setup, if there is a readable one.
pub fn load(path: &Path) -> Option<Setup> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(setup) => Some(setup),
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "ignoring an unreadable settings file");
            None
        }
    }
}

/// Saves `setup` where only this user can read it (it holds the PIN and maybe a code).
pub fn save(path: &Path, setup: &Setup) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let json = serde_json::to_vec_pretty(setup).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(&json)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(line: &[&str]) -> Args {
        Args::parse_from(std::iter::once("medicloud-app").chain(line.iter().copied()))
    }

    fn setup(role: Role) -> Setup {
        Setup {
            role: Some(role),
            kiosk_pin: Some("2468".into()),
            ..Setup::default()
        }
    }

    #[test]
    fn no_role_anywhere_is_a_first_start() {
        let dir = tempfile::tempdir().unwrap();
        assert!(resolve(&args(&[]), dir.path(), None).is_none());
        let no_role = Setup {
            role: None,
            ..setup(Role::Kiosk)
        };
        assert!(resolve(&args(&[]), dir.path(), Some(&no_role)).is_none());
    }

    #[test]
    fn a_role_alone_runs_the_demo_clinic_and_the_command_line_wins() {
        let dir = tempfile::tempdir().unwrap();
        let s = resolve(&args(&["--role", "kiosk"]), dir.path(), None).unwrap();
        assert_eq!((s.role, s.clinic, s.pin), (Role::Kiosk, Clinic::Demo, None));
        let saved = Setup {
            printer: Some("10.0.0.9:9100".into()),
            ..setup(Role::Desk)
        };
        let s = resolve(&args(&["--role", "display"]), dir.path(), Some(&saved)).unwrap();
        assert_eq!(s.role, Role::Display);
        assert_eq!(s.printer.as_deref(), Some("10.0.0.9:9100"));
        assert_eq!(s.pin.as_deref(), Some("2468"));
        let s = resolve(&args(&["--kiosk-pin", "9999"]), dir.path(), Some(&saved)).unwrap();
        assert_eq!((s.role, s.pin.as_deref()), (Role::Desk, Some("9999")));
    }

    #[test]
    fn a_cloud_a_name_or_a_real_clinic_on_disk_is_never_the_demo() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = Setup {
            cloud: Some("https://cloud.example.id".into()),
            enrol: Some("ABCD-1234".into()),
            ..setup(Role::Kiosk)
        };
        let s = resolve(&args(&[]), dir.path(), Some(&cloud)).unwrap();
        assert!(matches!(s.clinic, Clinic::Real { name: None, .. }));
        assert_eq!(s.sync.enrol.as_deref(), Some("ABCD-1234"));
        let s = resolve(
            &args(&["--role", "desk", "--clinic-name", "Klinik Harapan"]),
            dir.path(),
            None,
        )
        .unwrap();
        assert!(
            matches!(s.clinic, Clinic::Real { name: Some(ref n), .. } if n == "Klinik Harapan")
        );
        std::fs::write(dir.path().join(REAL_MARKER), "").unwrap();
        let s = resolve(&args(&["--role", "desk"]), dir.path(), None).unwrap();
        assert!(matches!(s.clinic, Clinic::Real { name: None, .. }));
    }

    #[test]
    fn the_set_up_page_is_checked() {
        let cases: &[(Setup, bool)] = &[
            (setup(Role::Kiosk), true),
            (
                Setup {
                    role: None,
                    ..setup(Role::Kiosk)
                },
                false,
            ),
            (
                Setup {
                    kiosk_pin: Some("12".into()),
                    ..setup(Role::Kiosk)
                },
                false,
            ),
            (
                Setup {
                    kiosk_pin: Some("12ab".into()),
                    ..setup(Role::Kiosk)
                },
                false,
            ),
            (
                Setup {
                    cloud: Some("https://c.example.id".into()),
                    ..setup(Role::Desk)
                },
                false,
            ),
            (
                Setup {
                    cloud: Some("https://c.example.id".into()),
                    enrol: Some("CODE".into()),
                    ..setup(Role::Desk)
                },
                true,
            ),
            (
                Setup {
                    clinic_name: Some("Klinik".into()),
                    ..setup(Role::Desk)
                },
                false,
            ),
            (
                Setup {
                    clinic_name: Some("Klinik".into()),
                    admin_password: Some("long enough pw".into()),
                    ..setup(Role::Desk)
                },
                true,
            ),
            (
                Setup {
                    clinic_name: Some("Klinik".into()),
                    admin_password: Some("admin-klinik-1".into()),
                    ..setup(Role::Desk)
                },
                false,
            ),
        ];
        for (input, ok) in cases {
            assert_eq!(input.check().is_ok(), *ok, "{input:?}");
        }
    }

    #[test]
    fn saved_settings_are_private_and_spent_secrets_are_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("setup.json");
        let full = Setup {
            clinic_name: Some("Klinik".into()),
            admin_password: Some("long enough pw".into()),
            enrol: Some("CODE".into()),
            ..setup(Role::Kiosk)
        };
        save(&path, &full).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load(&path), Some(full.clone()));
        let spent = full.spent();
        assert_eq!((spent.enrol, spent.admin_password), (None, None));
        assert_eq!(spent.kiosk_pin.as_deref(), Some("2468"));
    }
}
