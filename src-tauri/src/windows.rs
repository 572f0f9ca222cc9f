//! The app's windows: this machine's screen from the embedded node (the kiosk locked
//! down), the waiting-room display on a second monitor, and the first-start page.

use crate::config::Role;
use crate::embed::Started;
use tauri::{Monitor, Url, WebviewUrl, WebviewWindowBuilder};

/// The main window's label.
pub const MAIN: &str = "main";
/// The second monitor's display window.
pub const DISPLAY: &str = "display";
/// The first-start page's window.
pub const SETUP: &str = "setup";

/// Opens the screen of `role` from the node, and the display on a second monitor when
/// asked (and one is there).
pub fn open(
    app: &tauri::App,
    role: Role,
    node: &Started,
    second_display: bool,
) -> anyhow::Result<()> {
    let url: Url = node.screen_url(role).parse()?;
    let mut main = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::External(url))
        .title("Medicloud")
        .inner_size(1280.0, 900.0)
        .on_navigation(same_origin(node))
        .initialization_script(SCREEN_READY);
    if role == Role::Kiosk {
        main = main
            .fullscreen(true)
            .decorations(false)
            .always_on_top(true)
            .resizable(false)
            .minimizable(false)
            .closable(false)
            .skip_taskbar(true)
            .devtools(false)
            .initialization_script(KIOSK_LOCKDOWN);
    }
    let main = main.build()?;
    if role == Role::Display {
        allow_sound(&main);
    }
    if second_display && role != Role::Display {
        let url: Url = node.screen_url(Role::Display).parse()?;
        let mut display = WebviewWindowBuilder::new(app, DISPLAY, WebviewUrl::External(url))
            .title("Medicloud — layar ruang tunggu")
            .inner_size(1280.0, 720.0)
            .on_navigation(same_origin(node))
            .initialization_script(SCREEN_READY);
        if let Some(monitor) = second_monitor(app) {
            let scale = monitor.scale_factor();
            let at = monitor.position();
            display = display
                .position(f64::from(at.x) / scale, f64::from(at.y) / scale)
                .fullscreen(true)
                .decorations(false);
        }
        allow_sound(&display.build()?);
    }
    Ok(())
}

/// The waiting-room display chimes and speaks calls from the start: its window lets
/// media play without a click (a browser asks for one after every load, and the display
/// finds it needs none here).
fn allow_sound(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{SettingsExt, WebViewExt};
        let done = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_media_playback_requires_user_gesture(false);
            }
        });
        if let Err(err) = done {
            tracing::warn!(%err, "cannot let the display play sound without a click");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// The first-start page, served by the app itself.
pub fn open_setup(app: &tauri::App) -> anyhow::Result<()> {
    WebviewWindowBuilder::new(app, SETUP, WebviewUrl::App("index.html".into()))
        .title("Medicloud — pengaturan awal")
        .inner_size(640.0, 820.0)
        .build()?;
    Ok(())
}

/// The screens never leave the embedded node (no link out, no other site).
fn same_origin(node: &Started) -> impl Fn(&Url) -> bool + Send + 'static {
    let addr = node.addr;
    move |url: &Url| {
        let ok = url.scheme() == "http"
            && url.host_str() == Some(&addr.ip().to_string())
            && url.port() == Some(addr.port());
        if !ok {
            tracing::warn!(%url, "navigation away from the node refused");
        }
        ok
    }
}

/// A monitor other than the primary one, if there is one.
fn second_monitor(app: &tauri::App) -> Option<Monitor> {
    let primary = app.primary_monitor().ok().flatten();
    app.available_monitors().ok()?.into_iter().find(|m| {
        primary
            .as_ref()
            .is_none_or(|p| p.position() != m.position())
    })
}

/// Tells the app (`screen_ready`) once the screen can be used: the kiosk's service
/// buttons, the display's board, a login, the desk or the admin page are on screen. For the
/// start-up time; nothing else depends on it.
const SCREEN_READY: &str = r##"
(() => {
  if (window !== window.top || window.__medicloudReady) return;
  window.__medicloudReady = true;
  const ready = '[data-testid^="service-"], [data-testid="display"], [data-testid="desk"], [data-testid="admin"], [data-testid="login"]';
  const say = () => {
    if (!document.querySelector(ready)) return false;
    try { window.__TAURI_INTERNALS__.invoke("screen_ready"); } catch (_) {}
    return true;
  };
  const watch = () => {
    if (say()) return;
    const seen = new MutationObserver(() => { if (say()) seen.disconnect(); });
    seen.observe(document.documentElement, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
"##;

/// In kiosk mode nothing a patient does leaves the kiosk: no context menu, no keys that
/// close, reload, print, zoom or open tools, no text selection or dragging out. Five
/// taps in the top-left corner within three seconds ask for the admin PIN.
const KIOSK_LOCKDOWN: &str = r##"
(() => {
  if (window !== window.top || window.__medicloudKiosk) return;
  window.__medicloudKiosk = true;
  const stop = (e) => { e.preventDefault(); e.stopPropagation(); };
  window.addEventListener("contextmenu", stop, true);
  window.addEventListener("dragstart", stop, true);
  window.addEventListener("keydown", (e) => {
    const k = (e.key || "").toLowerCase();
    const blocked = /^f([1-9]|1[0-2])$/.test(k) || (e.altKey && ["f4", "arrowleft", "arrowright", "home", "tab"].includes(k)) ||
      ((e.ctrlKey || e.metaKey) && ["w", "q", "r", "p", "s", "o", "n", "t", "i", "j", "u", "l", "+", "-", "=", "0", "tab", "f4"].includes(k));
    if (blocked) stop(e);
  }, true);
  window.addEventListener("wheel", (e) => { if (e.ctrlKey) stop(e); }, { capture: true, passive: false });

  let taps = [];
  window.addEventListener("pointerdown", (e) => {
    if (e.clientX > 80 || e.clientY > 80) { taps = []; return; }
    const now = Date.now();
    taps = taps.filter((t) => now - t < 3000).concat(now);
    if (taps.length >= 5) { taps = []; askPin(); }
  }, true);

  function el(tag, props, style) {
    const node = Object.assign(document.createElement(tag), props);
    Object.assign(node.style, style || {});
    return node;
  }
  function askPin() {
    if (document.getElementById("medicloud-admin")) return;
    const box = el("form", { id: "medicloud-admin" }, {
      position: "fixed", inset: "0", zIndex: "2147483647", background: "rgba(15,23,42,.96)",
      display: "flex", flexDirection: "column", alignItems: "center", justifyContent: "center", gap: "16px",
      font: "600 24px sans-serif", color: "#fff",
    });
    const label = el("label", { textContent: "PIN admin / Admin PIN", htmlFor: "medicloud-pin" });
    const pin = el("input", { id: "medicloud-pin", type: "password", inputMode: "numeric", autocomplete: "off" },
      { font: "inherit", padding: "12px", width: "240px", textAlign: "center", borderRadius: "10px", border: "none", background: "#fff", color: "#0f172a" });
    const error = el("p", { id: "medicloud-pin-error", role: "alert" }, { color: "#fca5a5", minHeight: "1.2em", margin: "0" });
    const row = el("div", {}, { display: "flex", gap: "12px" });
    const button = (text, id, type, background, color) => el("button", { textContent: text, id, type },
      { font: "inherit", padding: "12px 28px", borderRadius: "10px", border: "none", background, color, cursor: "pointer" });
    const ok = button("Keluar / Exit", "medicloud-pin-ok", "submit", "#b91c1c", "#fff");
    const cancel = button("Batal / Cancel", "medicloud-pin-cancel", "button", "#e2e8f0", "#0f172a");
    cancel.addEventListener("click", () => box.remove());
    row.append(cancel, ok);
    box.append(label, pin, error, row);
    box.addEventListener("submit", async (e) => {
      e.preventDefault();
      try { await window.__TAURI_INTERNALS__.invoke("kiosk_exit", { pin: pin.value }); }
      catch (err) { error.textContent = String(err); pin.value = ""; pin.focus(); }
    });
    document.body.append(box);
    pin.focus();
    setTimeout(() => box.remove(), 60000);
  }
})();
"##;
