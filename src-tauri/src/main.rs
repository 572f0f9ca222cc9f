//! `medicloud-app`: the clinic machine's app. It runs the clinic node inside itself (the
//! same runtime as `medicloud node`/`demo`, data in the app-data folder) and opens the
//! screen of this machine's role — kiosk, desk or display — from that node. A kiosk is
//! fullscreen, undecorated, on top, and cannot be closed without the admin PIN.
//!
//! The role and settings come from `--role`/`MEDICLOUD_ROLE` and friends, or from the
//! file the first-start page writes (`setup.json` in the app-data folder). With no
//! clinic configured it runs the demo clinic.

mod commands;
mod config;
mod embed;
mod windows;

use clap::Parser;
use commands::AppState;
use std::path::PathBuf;
use tauri::Manager;

/// When the process started, for the start-up time its screens report.
static STARTED: std::sync::LazyLock<std::time::Instant> =
    std::sync::LazyLock::new(std::time::Instant::now);

fn main() -> anyhow::Result<()> {
    std::sync::LazyLock::force(&STARTED);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, plain text for a journal or a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = config::Args::parse();
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second start brings the running window forward instead.
            tracing::info!("a second start handed over: this window comes forward");
            if let Some(w) = app.get_webview_window(windows::MAIN) {
                let _ = w.set_focus();
            }
        }))
        .invoke_handler(tauri::generate_handler![
            commands::device_info,
            commands::kiosk_exit,
            commands::print_test_page,
            commands::save_setup,
            commands::screen_ready
        ])
        .setup(move |app| Ok(start(app, &args)?))
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let state = window.app_handle().try_state::<AppState>();
                if state.is_some_and(|s| s.refuses_close()) {
                    tracing::info!("close request refused: the kiosk closes with the admin PIN");
                    api.prevent_close();
                }
            }
        })
        .run(tauri::generate_context!())?;
    Ok(())
}

fn start(app: &mut tauri::App, args: &config::Args) -> anyhow::Result<()> {
    let data = match &args.data {
        Some(d) => d.clone(),
        None => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&data)?;
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| data.join("setup.json"));
    let saved = config::load(&path);
    let Some(settings) = config::resolve(args, &data, saved.as_ref()) else {
        // First start: the set-up page, which saves the settings and starts again.
        app.manage(AppState::first_start(path));
        return windows::open_setup(app);
    };
    if settings.role == config::Role::Kiosk && settings.pin.is_none() {
        tracing::warn!(
            "no admin PIN is set: this kiosk can only be closed from outside (--kiosk-pin)"
        );
    }
    let forget = {
        let (path, saved) = (path.clone(), saved.clone());
        move || {
            // The enrolment code and first admin password are spent once the node is open.
            if let Some(saved) = saved.filter(|s| s.enrol.is_some() || s.admin_password.is_some())
                && let Err(err) = config::save(&path, &saved.spent())
            {
                tracing::warn!(%err, "could not remove the spent secrets from the settings");
            }
        }
    };
    let node = embed::start(&settings, ui_dir(app), forget)?;
    let base = node.base();
    tracing::info!(role = ?settings.role, node = %base, clinic = %node.clinic, demo = node.demo, "Medicloud app started");
    #[allow(clippy::print_stdout)] // the operator reads where the screens are
    {
        println!(
            "Medicloud app ({:?}) with its node on {base} (desk: {base}/desk, admin: {base}/admin)",
            settings.role
        );
    }
    windows::open(app, settings.role, &node, settings.second_display)?;
    app.manage(AppState::running(settings.role, node, settings.pin, path));
    Ok(())
}

/// The built screens: `MEDICLOUD_UI_DIR`, the copy bundled in the package, or the
/// workspace's build.
fn ui_dir(app: &tauri::App) -> PathBuf {
    if let Ok(dir) = std::env::var("MEDICLOUD_UI_DIR") {
        return PathBuf::from(dir);
    }
    if let Ok(resources) = app.path().resource_dir() {
        let bundled = resources.join("ui");
        if bundled.join("index.html").is_file() {
            return bundled;
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/dist")
}
