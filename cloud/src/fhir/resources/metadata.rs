//! `GET /metadata`: the CapabilityStatement, made only from [`crate::fhir::supported`]
//! (what the routes serve: their types, interactions, search parameters and
//! operations), with the OAuth token endpoint in SMART's `oauth-uris` extension. It
//! needs no token.

use crate::api::State;
use crate::fhir::search::{base_url, origin};
use crate::fhir::{FHIR_VERSION, Fhir, Supported, supported};
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::sync::LazyLock;

/// When this process started: the statement's `date` (what it says changes only with
/// a new version of the cloud).
static STARTED: LazyLock<String> =
    LazyLock::new(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());

/// One resource type's entry of `rest[0].resource`.
fn resource_entry(s: &Supported) -> Value {
    let mut entry = json!({
        "type": s.resource,
        "interaction": s.interactions.iter().map(|i| json!({"code": i})).collect::<Vec<_>>(),
    });
    if s.interactions.contains(&"read") {
        entry["versioning"] = json!("no-version");
        entry["readHistory"] = json!(false);
    }
    if !s.search.is_empty() {
        entry["searchParam"] = s
            .search
            .iter()
            .map(|(name, kind, definition)| {
                json!({"name": name, "type": kind, "definition": definition})
            })
            .collect();
    }
    if !s.operations.is_empty() {
        entry["operation"] = s
            .operations
            .iter()
            .map(|(name, definition)| json!({"name": name, "definition": definition}))
            .collect();
    }
    entry
}

/// The CapabilityStatement of what `supported` lists, the API reached at `base` and
/// its token endpoint at `token_url`.
pub fn statement(supported: &[Supported], base: &str, token_url: &str) -> Value {
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": *STARTED,
        "publisher": "Medicloud",
        "kind": "instance",
        "software": {
            "name": "Medicloud cloud",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "implementation": {
            "description": "Medicloud: the clinics' queues, visits, patients and bookings \
                            as FHIR R4, for the chain's other systems",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Every request but this one carries an access token from \
                              POST /oauth/token (OAuth 2.0 client credentials, SMART \
                              Backend Services style) with system scopes; a client \
                              reads only the clinics it is granted.",
            "security": {
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [{"url": "token", "valueUri": token_url}],
                }],
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR",
                    "display": "SMART-on-FHIR",
                }]}],
                "description": "OAuth 2.0 client credentials (a client secret, or a signed \
                                JWT assertion); scopes system/{Type}.read and \
                                system/{Type}.write.",
            },
            "resource": supported.iter().map(resource_entry).collect::<Vec<_>>(),
        }],
    })
}

/// `GET /metadata`.
pub async fn capability_statement(Extract(state): Extract<State>, headers: HeaderMap) -> Fhir {
    let token_url = format!("{}/oauth/token", origin(&state, &headers));
    Fhir::ok(statement(
        &supported(),
        &base_url(&state, &headers),
        &token_url,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_lists_exactly_what_is_supported() {
        let all = supported();
        let statement = statement(&all, "https://x/fhir/r4", "https://x/oauth/token");
        let types: Vec<&str> = statement["rest"][0]["resource"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = all.iter().map(|s| s.resource).collect();
        assert_eq!(types, expected);
        assert!(types.contains(&"Patient") && types.contains(&"Encounter"));
        let patient =
            &statement["rest"][0]["resource"][types.iter().position(|t| *t == "Patient").unwrap()];
        let params: Vec<&str> = patient["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(params, ["_id", "identifier", "name", "birthdate"]);
        assert_eq!(
            statement["rest"][0]["security"]["extension"][0]["extension"][0]["valueUri"],
            "https://x/oauth/token"
        );
    }
}
