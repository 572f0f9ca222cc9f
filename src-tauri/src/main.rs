//! `medicloud-app`: the clinic machine's app. It runs the clinic node inside itself (the
//! same runtime as `medicloud node`/`demo`, data in the app-data folder) and opens the
//! screen of this machine's role — kiosk, desk or display — from that node. A kiosk is
//! fullscreen, undecorated, on top, and cannot be closed without the admin PIN.
//!
//! The role and settings come from `--role`/`MEDICLOUD_ROLE` and friends, or from the
//! config file the first-start page writes (`setup.json` in the app-data folder). With
//! no clinic configured it runs the demo clinic.

use clap::Parser;
use medicloud_node::runtime::{self, ServeOptions, SyncOptions};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

/// Which screen this machine shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
enum Role {
    Kiosk,
    Desk,
    Display,
}

#[derive(Debug, Parser)]
#[command(
    name = "medicloud-app",
    version,
    about = "Medicloud: the clinic app (kiosk, desk or display)"
)]
struct Args {
    /// This machine's role; skips the first-start page.
    #[arg(long, env = "MEDICLOUD_ROLE", value_enum)]
    role: Option<Role>,
    /// Data folder (default: the platform's app-data folder).
    #[arg(long, env = "MEDICLOUD_DATA")]
    data: Option<PathBuf>,
    /// A settings file (JSON, as the first-start page writes it).
    #[arg(long, env = "MEDICLOUD_CONFIG")]
    config: Option<PathBuf>,
    /// The ticket printer (default: a virtual printer writing into DATA/printed).
    #[arg(long, env = "MEDICLOUD_PRINTER")]
    printer: Option<String>,
    /// The admin PIN that lets a kiosk be closed.
    #[arg(long, env = "MEDICLOUD_KIOSK_PIN", hide_env_values = true)]
    kiosk_pin: Option<String>,
    /// Also open the waiting-room display in a second window (a second monitor).
    #[arg(long)]
    second_display: bool,
    /// Where the embedded node serves the screens (port 0: any free port). Other
    /// machines of the clinic reach it here when it listens beyond loopback.
    #[arg(long, env = "MEDICLOUD_LISTEN", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    #[command(flatten)]
    sync: SyncOptions,
}

/// What the first-start page saves.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Setup {
    role: Option<Role>,
    cloud: Option<String>,
    enrol: Option<String>,
    printer: Option<String>,
    kiosk_pin: Option<String>,
}

/// What the native commands can reach.
struct AppState {
    role: Role,
    node_url: String,
    pin: Option<String>,
    leaving: AtomicBool,
    config: PathBuf,
}

/// Where the node listens and the demo devices' tokens, once it is up.
struct Started {
    addr: SocketAddr,
    screens: Vec<(&'static str, String)>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second start brings the running window forward instead.
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_focus();
            }
        }))
        .invoke_handler(tauri::generate_handler![
            device_info,
            kiosk_exit,
            save_setup
        ])
        .setup(move |app| {
            start(app, args)?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let state = window.app_handle().try_state::<AppState>();
                let locked = state
                    .is_some_and(|s| s.role == Role::Kiosk && !s.leaving.load(Ordering::SeqCst));
                if locked {
                    api.prevent_close();
                }
            }
        })
        .run(tauri::generate_context!())?;
    Ok(())
}

fn start(app: &mut tauri::App, args: Args) -> anyhow::Result<()> {
    let data = match &args.data {
        Some(d) => d.clone(),
        None => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&data)?;
    let config = args
        .config
        .clone()
        .unwrap_or_else(|| data.join("setup.json"));
    let saved: Option<Setup> = std::fs::read(&config)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let Some(role) = args.role.or(saved.as_ref().and_then(|s| s.role)) else {
        // First start: the set-up page, then a restart with what it saved.
        app.manage(AppState {
            role: Role::Desk,
            node_url: String::new(),
            pin: None,
            leaving: AtomicBool::new(true),
            config,
        });
        WebviewWindowBuilder::new(app, "setup", WebviewUrl::App("index.html".into()))
            .title("Medicloud")
            .inner_size(640.0, 760.0)
            .build()?;
        return Ok(());
    };
    let saved = saved.unwrap_or_default();
    let printer = args.printer.clone().or(saved.printer.clone());
    let mut sync = args.sync.clone();
    if sync.cloud.is_none() {
        sync.cloud = saved.cloud.clone();
        sync.enrol = sync.enrol.or(saved.enrol.clone());
    }
    let pin = args.kiosk_pin.clone().or(saved.kiosk_pin.clone());
    let ui = ui_dir(app);
    let listen = args.listen;

    // The node runs on its own runtime thread for as long as the app does.
    let (tx, rx) = std::sync::mpsc::channel::<anyhow::Result<Started>>();
    let node_data = data.clone();
    let ready = tx.clone();
    std::thread::Builder::new()
        .name("node".into())
        .spawn(move || {
            let result = tokio::runtime::Runtime::new()
                .map_err(anyhow::Error::from)
                .and_then(|rt| {
                    rt.block_on(async move {
                        let password = std::env::var("MEDICLOUD_DEMO_PASSWORD")
                            .unwrap_or_else(|_| medicloud_node::setup::random_password());
                        let demo = runtime::demo(
                            &node_data,
                            &password,
                            printer,
                            medicloud_printer::PaperWidth::Mm80,
                            sync,
                        )
                        .await?;
                        let screens = demo.screens.clone();
                        let runtime::Demo {
                            node,
                            virtual_printer: _vp,
                            ..
                        } = demo;
                        let options = ServeOptions {
                            listen,
                            ui: Some(ui),
                            public_url: None,
                        };
                        let sender = Mutex::new(Some(ready));
                        runtime::serve(node, options, move |addr| {
                            if let Some(tx) = sender.lock().ok().and_then(|mut s| s.take()) {
                                let _ = tx.send(Ok(Started { addr, screens }));
                            }
                        })
                        .await
                    })
                });
            if let Err(err) = result {
                let _ = tx.send(Err(err));
            }
        })?;
    let started = rx.recv_timeout(Duration::from_secs(60))??;
    let base = format!("http://{}", started.addr);
    let token = |screen: &str| {
        started
            .screens
            .iter()
            .find(|(s, _)| *s == screen)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let url = match role {
        Role::Kiosk => format!("{base}/kiosk#token={}", token("kiosk")),
        Role::Display => format!("{base}/display#token={}", token("display")),
        Role::Desk => format!("{base}/desk"),
    };
    tracing::info!(role = ?role, node = %base, "Medicloud app started");
    #[allow(clippy::print_stdout)] // the operator reads where the screens are
    {
        println!(
            "Medicloud app ({role:?}) with its node on {base} (desk: {base}/desk, admin: {base}/admin)"
        );
    }
    app.manage(AppState {
        role,
        node_url: base.clone(),
        pin,
        leaving: AtomicBool::new(false),
        config,
    });
    let mut main = WebviewWindowBuilder::new(app, "main", WebviewUrl::External(url.parse()?))
        .title("Medicloud")
        .inner_size(1280.0, 900.0);
    if role == Role::Kiosk {
        main = main
            .fullscreen(true)
            .decorations(false)
            .always_on_top(true)
            .resizable(false)
            .initialization_script(KIOSK_LOCKDOWN);
    }
    main.build()?;
    if args.second_display && role != Role::Display {
        let url = format!("{base}/display#token={}", token("display"));
        WebviewWindowBuilder::new(app, "display", WebviewUrl::External(url.parse()?))
            .title("Medicloud — layar")
            .inner_size(1280.0, 720.0)
            .build()?;
    }
    Ok(())
}

/// The built screens: `MEDICLOUD_UI_DIR`, the bundled copy, or the workspace's build.
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

/// In kiosk mode nothing a patient presses leaves the kiosk: no context menu, no keys
/// that close, reload or open tools. Holding the top-left corner for three seconds asks
/// for the admin PIN.
const KIOSK_LOCKDOWN: &str = r#"
(() => {
  window.addEventListener("contextmenu", (e) => e.preventDefault(), true);
  window.addEventListener("keydown", (e) => {
    const k = e.key.toLowerCase();
    const blocked = ["f5", "f11", "f12"].includes(k) || (e.altKey && k === "f4") ||
      ((e.ctrlKey || e.metaKey) && ["w", "q", "r", "p", "s", "o", "n", "t", "i", "j", "u", "+", "-", "="].includes(k));
    if (blocked) { e.preventDefault(); e.stopPropagation(); }
  }, true);
  let timer = null;
  window.addEventListener("pointerdown", (e) => {
    if (e.clientX < 60 && e.clientY < 60) {
      timer = setTimeout(async () => {
        const pin = window.prompt("PIN admin / Admin PIN");
        if (pin) {
          try { await window.__TAURI_INTERNALS__.invoke("kiosk_exit", { pin }); }
          catch (err) { window.alert(String(err)); }
        }
      }, 3000);
    }
  }, true);
  window.addEventListener("pointerup", () => clearTimeout(timer), true);
})();
"#;

/// What this machine is, for the screens.
#[derive(Serialize)]
struct DeviceInfo {
    role: Role,
    node_url: String,
}

#[tauri::command]
fn device_info(state: tauri::State<'_, AppState>) -> DeviceInfo {
    DeviceInfo {
        role: state.role,
        node_url: state.node_url.clone(),
    }
}

/// Leaves the kiosk when the admin PIN is right.
#[tauri::command]
fn kiosk_exit(
    pin: String,
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<(), String> {
    match &state.pin {
        Some(expected) if *expected == pin => {
            tracing::warn!("kiosk closed with the admin PIN");
            state.leaving.store(true, Ordering::SeqCst);
            app.exit(0);
            Ok(())
        }
        Some(_) => Err("PIN salah / wrong PIN".into()),
        None => Err("no admin PIN is configured for this kiosk".into()),
    }
}

/// Saves the first-start settings and starts the app again with them.
#[tauri::command]
fn save_setup(
    setup: Setup,
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<(), String> {
    if setup.role.is_none() {
        return Err("choose a role".into());
    }
    if setup.kiosk_pin.as_ref().is_none_or(|p| p.len() < 4) {
        return Err("the admin PIN has at least 4 characters".into());
    }
    let json = serde_json::to_vec_pretty(&setup).map_err(|e| e.to_string())?;
    write_private(&state.config, &json).map_err(|e| e.to_string())?;
    app.restart();
}

/// Writes a file only this user can read (it holds the PIN and maybe a code).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
