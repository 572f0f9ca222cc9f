//! SMART Scheduling Links: `GET /fhir/r4/$bulk-publish`, a manifest
//! `{transactionTime, request, output: [{type, url}], error: []}`, and the NDJSON files
//! it names (`application/fhir+ndjson`): `Location.ndjson` (each clinic that takes
//! online bookings, with its address), `Schedule.ndjson` (each of their services that
//! takes them) and one `Slot-{clinic}.ndjson` per clinic (the slots not yet begun up to
//! the booking horizon, `free` and `busy`, each with the booking deep link to the
//! cloud's booking page `/book?clinic=…&service=…&start=…`).
//!
//! Public, as slot aggregators read it: no token, and nothing of any patient in it.
//! Answers may be cached five minutes (`Cache-Control: max-age=300`); a client polls
//! the manifest at most once a minute. Only clinics that take online bookings
//! ([`booking::bookable_clinics`]) are published.

use super::view::{self, Placed};
use super::{Site, sites};
use crate::api::{State, now_ms};
use crate::booking;
use crate::fhir::Outcome;
use crate::fhir::search::{base_url, encode, origin};
use crate::storage::SchedulingStorage;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use medicloud_core::ids::ClinicId;
use serde_json::{Value, json};

/// The booking deep link extension of a Slot.
pub const DEEP_LINK_EXTENSION: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";

/// How long an answer may be cached, in seconds.
pub const MAX_AGE: u32 = 300;

/// The NDJSON media type.
const NDJSON: &str = "application/fhir+ndjson";

fn cached(content_type: &'static str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("max-age={MAX_AGE}"))
            .unwrap_or(HeaderValue::from_static("max-age=300")),
    );
    response
}

/// The clinics published: those that take online bookings, as sites.
async fn published(state: &State) -> Result<Vec<Site>, Outcome> {
    let clinics: Vec<ClinicId> = booking::bookable_clinics(&*state.storage)
        .await
        .map_err(|e| match e {
            booking::BookingError::Storage(e) => Outcome::from(e),
            other => Outcome::invalid(other.to_string()),
        })?
        .iter()
        .map(|c| c.id)
        .collect();
    sites(state, &clinics).await
}

/// `GET $bulk-publish`: the manifest.
pub async fn manifest(
    Shared(state): Shared<State>,
    headers: HeaderMap,
) -> Result<Response, Outcome> {
    let base = base_url(&state, &headers);
    let sites = published(&state).await?;
    let mut output = vec![
        json!({"type": "Location", "url": format!("{base}/$bulk-publish/Location.ndjson")}),
        json!({"type": "Schedule", "url": format!("{base}/$bulk-publish/Schedule.ndjson")}),
    ];
    output.extend(sites.iter().map(|site| {
        json!({
            "type": "Slot",
            "url": format!("{base}/$bulk-publish/Slot-{}.ndjson", site.id()),
        })
    }));
    let manifest = json!({
        "transactionTime": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "request": format!("{base}/$bulk-publish"),
        "output": output,
        "error": [],
    });
    Ok(cached("application/json", manifest.to_string()))
}

/// A clinic as a Location of the publication: its name, and its address (the country:
/// the cloud holds no street address of a clinic yet).
fn location(site: &Site) -> Value {
    let mut location = crate::fhir::resources::clinic::location(&site.entry);
    location["address"] = json!({"country": "ID"});
    location
}

/// The booking page's link for `slot`.
fn deep_link(origin: &str, slot: &Placed<'_>) -> String {
    format!(
        "{origin}/book?clinic={}&service={}&start={}",
        slot.site.id(),
        encode(slot.service.code.as_str()),
        encode(&view::time(slot.start)),
    )
}

fn lines(resources: impl IntoIterator<Item = Value>) -> String {
    let mut out = String::new();
    for resource in resources {
        out.push_str(&resource.to_string());
        out.push('\n');
    }
    out
}

/// `GET $bulk-publish/{file}`: one of the files the manifest names.
pub async fn file(
    Shared(state): Shared<State>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, Outcome> {
    let origin = origin(&state, &headers);
    let not_found = || Outcome::not_found("$bulk-publish file", &file);
    let sites = published(&state).await?;
    let now = now_ms();
    let body = match file.as_str() {
        "Location.ndjson" => lines(sites.iter().map(location)),
        "Schedule.ndjson" => lines(sites.iter().flat_map(|site| {
            site.services
                .iter()
                .filter(|s| booking::takes_online(s))
                .map(move |service| view::schedule(site, service, now))
        })),
        other => {
            let clinic: ClinicId = other
                .strip_prefix("Slot-")
                .and_then(|f| f.strip_suffix(".ndjson"))
                .and_then(|id| id.parse().ok())
                .ok_or_else(not_found)?;
            let site = sites
                .iter()
                .find(|s| s.id() == clinic)
                .ok_or_else(not_found)?;
            let days = site.horizon(now);
            let live = state.storage.live_between(clinic, days.0, days.1).await?;
            let slots = site
                .services
                .iter()
                .filter(|s| booking::takes_online(s))
                .flat_map(|service| view::place(site, service, days, &live, now))
                .filter(|slot| !slot.fill.past)
                .map(|slot| {
                    let mut resource = slot.slot();
                    if let Some(extensions) = resource["extension"].as_array_mut() {
                        extensions.push(json!({
                            "url": DEEP_LINK_EXTENSION,
                            "valueUrl": deep_link(&origin, &slot),
                        }));
                    }
                    resource
                });
            lines(slots)
        }
    };
    Ok(cached(NDJSON, body))
}
