//! The few native commands the screens may call (from the node's pages on loopback, by
//! capability). Everything else is the node's HTTP API, as in a browser. Each command is
//! one call into [`AppState`] or the node.

use crate::config::{self, Role, Setup};
use crate::embed::Started;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the commands reach: this machine's role, its node and its kiosk PIN.
#[derive(Debug)]
pub struct AppState {
    /// This machine's role (`None` while the first-start page shows).
    pub role: Option<Role>,
    /// The running node (`None` while the first-start page shows).
    pub node: Option<Started>,
    /// Where the settings are saved.
    pub config: PathBuf,
    pin: Option<String>,
    leaving: AtomicBool,
    failures: Mutex<Vec<Instant>>,
    /// The windows whose screen has said it is ready.
    ready: Mutex<Vec<String>>,
}

/// Five wrong PINs in this window lock the PIN for the rest of it.
const PIN_WINDOW: Duration = Duration::from_secs(60);
const PIN_TRIES: usize = 5;

impl AppState {
    /// The state of a machine running `node` as `role`.
    pub fn running(role: Role, node: Started, pin: Option<String>, config: PathBuf) -> Self {
        Self {
            role: Some(role),
            node: Some(node),
            config,
            pin,
            leaving: AtomicBool::new(false),
            failures: Mutex::new(Vec::new()),
            ready: Mutex::new(Vec::new()),
        }
    }

    /// The state while the first-start page shows (its window may close).
    pub fn first_start(config: PathBuf) -> Self {
        Self {
            role: None,
            node: None,
            config,
            pin: None,
            leaving: AtomicBool::new(true),
            failures: Mutex::new(Vec::new()),
            ready: Mutex::new(Vec::new()),
        }
    }

    /// Whether a close request is refused: a kiosk closes only through the admin PIN.
    pub fn refuses_close(&self) -> bool {
        self.role == Some(Role::Kiosk) && !self.leaving.load(Ordering::SeqCst)
    }

    /// Checks the admin PIN; when right, the kiosk may close.
    pub fn unlock(&self, pin: &str) -> Result<(), String> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.retain(|t| t.elapsed() < PIN_WINDOW);
        if failures.len() >= PIN_TRIES {
            return Err(
                "terlalu banyak percobaan, tunggu 1 menit / too many tries, wait a minute".into(),
            );
        }
        let Some(expected) = &self.pin else {
            return Err("kiosk ini tanpa PIN admin / no admin PIN is set for this kiosk".into());
        };
        if !same(expected.as_bytes(), pin.as_bytes()) {
            failures.push(Instant::now());
            tracing::warn!("a wrong admin PIN was entered on the kiosk");
            return Err("PIN salah / wrong PIN".into());
        }
        tracing::warn!("kiosk closed with the admin PIN");
        self.leaving.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What this machine is, for the screens.
#[derive(Debug, Serialize)]
pub struct DeviceInfo {
    role: Option<Role>,
    node_url: Option<String>,
    #[serde(flatten)]
    node: Option<Started>,
}

/// This machine's role, its node's address and its identity in the clinic.
#[tauri::command]
pub fn device_info(state: tauri::State<'_, AppState>) -> DeviceInfo {
    DeviceInfo {
        role: state.role,
        node_url: state.node.as_ref().map(Started::base),
        node: state.node.clone(),
    }
}

/// A window's screen is ready for people (the kiosk shows its services, the display its
/// board): said once per window on standard output, with the time since the app
/// started, for the start-up measurement and for whoever watches the app's log.
#[tauri::command]
pub fn screen_ready(window: tauri::WebviewWindow, state: tauri::State<'_, AppState>) {
    let mut said = state.ready.lock().unwrap_or_else(|p| p.into_inner());
    if !said.iter().any(|w| w == window.label()) {
        said.push(window.label().to_owned());
        #[allow(clippy::print_stdout)] // the app's start-up lines go to standard output
        {
            println!(
                "Medicloud screen ready: {} {:.0} ms after start",
                window.label(),
                crate::STARTED.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// Leaves the kiosk when the admin PIN is right.
#[tauri::command]
pub fn kiosk_exit(
    pin: String,
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<(), String> {
    state.unlock(&pin).map(|()| app.exit(0))
}

/// Prints a test page on this machine's ticket printer now.
#[tauri::command]
pub async fn print_test_page(state: tauri::State<'_, AppState>) -> Result<(), String> {
    let target = state
        .node
        .as_ref()
        .and_then(|n| n.printer.clone())
        .ok_or("no printer is configured")?;
    tauri::async_runtime::spawn_blocking(move || {
        medicloud_node::print::Printer::new(&target, medicloud_printer::PaperWidth::Mm80)
            .map_err(|e| e.to_string())?
            .test_page()
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Saves the first-start settings and starts the app again with them.
#[tauri::command]
pub fn save_setup(
    setup: Setup,
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<(), String> {
    setup.check()?;
    config::save(&state.config, &setup).map_err(|e| e.to_string())?;
    app.restart()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kiosk(pin: Option<&str>) -> AppState {
        let mut state = AppState::first_start(PathBuf::from("/nonexistent"));
        state.role = Some(Role::Kiosk);
        state.pin = pin.map(str::to_owned);
        state.leaving = AtomicBool::new(false);
        state
    }

    #[test]
    fn a_kiosk_refuses_to_close_until_the_right_pin() {
        let state = kiosk(Some("2468"));
        assert!(state.refuses_close());
        assert!(state.unlock("1111").is_err());
        assert!(state.unlock("24680").is_err());
        assert!(state.refuses_close());
        assert!(state.unlock("2468").is_ok());
        assert!(!state.refuses_close());
    }

    #[test]
    fn five_wrong_pins_lock_even_the_right_one() {
        let state = kiosk(Some("2468"));
        for _ in 0..PIN_TRIES {
            assert!(state.unlock("0000").is_err());
        }
        assert!(state.unlock("2468").unwrap_err().contains("too many"));
        assert!(state.refuses_close());
    }

    #[test]
    fn a_kiosk_without_a_pin_never_closes_and_other_roles_always_may() {
        let state = kiosk(None);
        assert!(state.unlock("").is_err());
        assert!(state.refuses_close());
        let mut desk = kiosk(None);
        desk.role = Some(Role::Desk);
        assert!(!desk.refuses_close());
    }
}
