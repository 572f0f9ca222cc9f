//! Tauri's build step. The app's own commands get permissions (`allow-device-info`, …)
//! so the capability can grant them to the node's pages on loopback, which are remote
//! to Tauri.

fn main() {
    let commands = tauri_build::AppManifest::new().commands(&[
        "device_info",
        "kiosk_exit",
        "print_test_page",
        "save_setup",
        "screen_ready",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(commands))
        .unwrap_or_else(|err| panic!("tauri build step: {err:#}"));
}
