//! `medicloud cloud-admin`: the chain admin's commands, straight on the cloud's database.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use medicloud_cloud::config::DEFAULT_DATABASE;
use medicloud_cloud::hq::HqRole;
use medicloud_cloud::hq::keys::{self, KeySecret};
use medicloud_cloud::storage::ApiClientStorage;
use medicloud_cloud::storage::Storage;
use medicloud_cloud::storage::accounts::{Account, AccountStorage, AddAccount};
use medicloud_core::ids::ClinicId;

/// `medicloud cloud-admin`'s arguments.
#[derive(Clone, Debug, Args)]
pub struct AdminArgs {
    /// The cloud's database, as for `medicloud cloud`.
    #[arg(long, env = "MEDICLOUD_CLOUD_DATABASE", default_value = DEFAULT_DATABASE)]
    pub database: String,
    /// The secret the HQ token signing keys are sealed with, as for `medicloud cloud`
    /// (`rotate-key` seals the new key with it).
    #[arg(long, env = "MEDICLOUD_CLOUD_HQ_KEY_SECRET", hide_env_values = true)]
    pub hq_key_secret: Option<String>,
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
    /// Add a chain staff account for the HQ screens (`/hq`). The password comes from
    /// `$MEDICLOUD_PASSWORD`, else it is asked at the terminal (not shown).
    UserAdd {
        /// The login name.
        #[arg(long)]
        username: String,
        /// `chain_admin` (every clinic), `clinic_manager` (the clinics given with
        /// `--clinic`) or `auditor` (the audit trail, without patient names).
        #[arg(long, value_parser = parse_role)]
        role: HqRole,
        /// A clinic the account manages (repeat for several); a `clinic_manager` needs
        /// at least one.
        #[arg(long = "clinic")]
        clinics: Vec<ClinicId>,
    },
    /// Make a new signing key for the HQ access tokens: it signs from each cloud
    /// replica's next reload of the key set (within a minute); older keys still verify
    /// until retired. Prints its key id.
    RotateKey,
    /// Retire a signing key: the tokens it signed are refused (within a minute on every
    /// replica). The newest key cannot be retired: rotate first.
    RetireKey {
        /// The key id (`medicloud cloud-admin keys` lists them).
        #[arg(long)]
        kid: String,
    },
    /// List the HQ signing keys: id, created, retired, sealed.
    Keys,
    /// Add an API client for `/fhir/r4` (an EHR, a hospital system), granted the
    /// clinics and scopes given; prints its client id and, unless it signs assertions
    /// with the keys of `--jwks`, its client secret (shown once).
    ApiClientAdd {
        /// A name for people (unique).
        #[arg(long)]
        name: String,
        /// A clinic it may reach (repeat for several).
        #[arg(long = "clinic", required = true)]
        clinics: Vec<ClinicId>,
        /// A system scope (repeat, or several in one, space-separated):
        /// `system/Patient.read`, `system/Appointment.write`, `system/*.read`, …
        #[arg(long = "scope", required = true, num_args = 1..)]
        scopes: Vec<String>,
        /// A JWKS file of the client's public keys: it then authenticates with signed
        /// JWT assertions (SMART Backend Services) instead of a secret.
        #[arg(long)]
        jwks: Option<std::path::PathBuf>,
    },
    /// List the API clients: id, name, clinics, scopes, disabled.
    ApiClients,
    /// Disable an API client: it gets no more tokens, and its tokens are refused.
    ApiClientDisable {
        /// The client id.
        #[arg(long)]
        id: String,
    },
}

fn parse_role(text: &str) -> Result<HqRole, String> {
    HqRole::parse(text)
        .ok_or_else(|| format!("`{text}` is not a role: chain_admin, clinic_manager or auditor"))
}

/// The new account's password: `$MEDICLOUD_PASSWORD`, or asked at the terminal.
fn password(username: &str) -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("MEDICLOUD_PASSWORD") {
        return Ok(password);
    }
    let first = rpassword::prompt_password(format!("Password for {username}: "))
        .context("no password: set MEDICLOUD_PASSWORD, or run this at a terminal")?;
    let again = rpassword::prompt_password("The same password again: ")
        .context("no password: set MEDICLOUD_PASSWORD, or run this at a terminal")?;
    if first != again {
        bail!("the two passwords differ; nothing was added");
    }
    Ok(first)
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// Runs one admin command.
#[allow(clippy::print_stdout)] // the command's output is the id or the code
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let storage = medicloud_cloud::open(&args.database).await?;
    match args.command {
        AdminCommand::ClinicAdd { name, id } => {
            let id = id.unwrap_or_else(ClinicId::random);
            if !storage
                .add_clinic(id, &name, &medicloud_cloud::api::secret())
                .await?
            {
                anyhow::bail!("a clinic with id {id} exists already");
            }
            println!("{id}");
        }
        AdminCommand::EnrolCode {
            clinic,
            valid_hours,
        } => {
            let code = medicloud_cloud::api::new_code(&storage, clinic, valid_hours).await?;
            println!("{code}");
        }
        AdminCommand::UserAdd {
            username,
            role,
            clinics,
        } => {
            let username = medicloud_core::validate::line("username", &username, 1..=64)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .to_lowercase();
            match (role, clinics.is_empty()) {
                (HqRole::ClinicManager, true) => bail!(
                    "a clinic_manager manages the clinics listed on the account: give at \
                     least one --clinic ID; nothing was added"
                ),
                (HqRole::ChainAdmin | HqRole::Auditor, false) => bail!(
                    "a {role} sees every clinic: --clinic is for a clinic_manager only; \
                     nothing was added"
                ),
                _ => {}
            }
            let password = password(&username)?;
            medicloud_core::password::check_password_policy(&username, &password)
                .map_err(|e| anyhow::anyhow!("{e}; nothing was added"))?;
            let hash = medicloud_core::password::hash_password(&password, &rand::random());
            let added = storage
                .add_account(Account {
                    username: username.clone(),
                    password_hash: hash,
                    role,
                    clinics,
                    disabled: false,
                    created_ms: chrono::Utc::now().timestamp_millis(),
                })
                .await?;
            match added {
                AddAccount::Added => println!("added {username} ({role})"),
                AddAccount::UsernameTaken => {
                    bail!("the username {username} is taken; nothing was added")
                }
                AddAccount::UnknownClinic(id) => {
                    bail!(
                        "no clinic with id {id} (medicloud cloud-admin clinic-add); nothing was added"
                    )
                }
            }
        }
        AdminCommand::RotateKey => {
            let secret = args.hq_key_secret.as_deref().map(KeySecret::new);
            if secret.is_none() {
                tracing::warn!("no --hq-key-secret: the new signing key is stored unsealed");
            }
            let kid = keys::rotate(
                &storage,
                secret.as_ref(),
                chrono::Utc::now().timestamp_millis(),
            )
            .await?;
            println!("{kid}");
        }
        AdminCommand::RetireKey { kid } => {
            let live: Vec<_> = storage
                .signing_keys()
                .await?
                .into_iter()
                .filter(|k| k.retired_ms.is_none())
                .collect();
            if !live.iter().any(|k| k.kid == kid) {
                bail!("no signing key {kid} that is not retired");
            }
            if live.last().is_some_and(|k| k.kid == kid) {
                bail!("{kid} is the key that signs: rotate-key first, then retire it");
            }
            storage
                .retire_signing_key(&kid, chrono::Utc::now().timestamp_millis())
                .await?;
            println!("retired {kid}");
        }
        AdminCommand::Keys => {
            let keys = storage.signing_keys().await?;
            let signer = keys
                .iter()
                .rfind(|k| k.retired_ms.is_none())
                .map(|k| k.kid.clone());
            for k in keys {
                let state = match k.retired_ms {
                    Some(ms) => format!("retired {}", time(ms)),
                    None if Some(&k.kid) == signer.as_ref() => "signs".to_owned(),
                    None => "verifies".to_owned(),
                };
                let sealed = if k.sealed { "sealed" } else { "unsealed" };
                println!(
                    "{}  created {}  {state}  {sealed}",
                    k.kid,
                    time(k.created_ms)
                );
            }
        }
        AdminCommand::ApiClientAdd {
            name,
            clinics,
            scopes,
            jwks,
        } => {
            let scopes = scopes
                .iter()
                .flat_map(|s| s.split_whitespace())
                .map(str::parse)
                .collect::<Result<Vec<medicloud_cloud::oauth::Scope>, _>>()
                .map_err(|e| anyhow::anyhow!("{e}; nothing was added"))?;
            let jwks = jwks
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))
                })
                .transpose()?;
            let client =
                medicloud_cloud::oauth::add_client(&storage, &name, clinics, &scopes, jwks).await?;
            println!("client_id: {}", client.id);
            if let Some(secret) = client.secret {
                println!("client_secret: {secret}");
            }
        }
        AdminCommand::ApiClients => {
            for c in storage.api_clients().await? {
                let clinics = c
                    .clinics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let auth = if c.jwks.is_some() { "jwks" } else { "secret" };
                let state = if c.disabled { "  disabled" } else { "" };
                println!(
                    "{}  {}  {auth}  clinics {clinics}  scopes {}{state}",
                    c.id, c.name, c.scopes
                );
            }
        }
        AdminCommand::ApiClientDisable { id } => {
            if !storage.disable_api_client(&id).await? {
                bail!("no enabled API client {id}");
            }
            println!("disabled {id}");
        }
    }
    Ok(())
}
