//! `medicloud cloud-admin`: the chain admin's commands, straight on the cloud's database.

use clap::{Args, Subcommand};
use medicloud_cloud::config::DEFAULT_DATABASE;
use medicloud_cloud::storage::Storage;
use medicloud_core::ids::ClinicId;

/// `medicloud cloud-admin`'s arguments.
#[derive(Clone, Debug, Args)]
pub struct AdminArgs {
    /// The cloud's database, as for `medicloud cloud`.
    #[arg(long, env = "MEDICLOUD_CLOUD_DATABASE", default_value = DEFAULT_DATABASE)]
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
    }
    Ok(())
}
