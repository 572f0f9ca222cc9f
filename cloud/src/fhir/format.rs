//! Content negotiation for every route under [`super::BASE`] ([`negotiate`], a layer of
//! [`super::router`]): the API speaks JSON only.
//!
//! - `_format` (`json`, `application/json`, `application/fhir+json`) decides when given;
//!   else `Accept` does: `application/fhir+json`, `application/json`, `application/*`,
//!   `*/*` (or NDJSON, for the bulk files) at a non-zero quality, or no `Accept` at all.
//!   Anything else — XML alone, HTML — is a 406 OperationOutcome, before the handler
//!   runs.
//! - A request body must be `application/fhir+json` or `application/json` (or a JSON
//!   Patch, `application/json-patch+json`): another type is a 415.
//! - An error the router or an extractor answers in its own words (405, a path that
//!   does not read) leaves as an OperationOutcome too.

use super::{FHIR_JSON, IssueType, Outcome};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The media types an answer may be given as (the answer is `application/fhir+json`;
/// the NDJSON types are for the bulk publication's files).
const ANSWERED: &[&str] = &[
    "application/fhir+json",
    "application/json",
    "application/fhir+ndjson",
    "application/ndjson",
    "application/x-ndjson",
    "application/*",
    "*/*",
];

/// The `_format` values that mean JSON.
const JSON_FORMATS: &[&str] = &["json", "application/json", "application/fhir+json"];

/// The media types a request body may have.
const BODIES: &[&str] = &[
    "application/fhir+json",
    "application/json",
    "application/json-patch+json",
];

/// The media type of a header value, lower case, without parameters.
fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether an `Accept` header lets a JSON answer: one of its ranges is one the API
/// answers with, at a quality above zero.
pub fn accepts_json(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';');
        let kind = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        !refused && ANSWERED.contains(&kind.as_str())
    })
}

/// The `_format` of a query string, decoded, if it has one.
fn format_param(query: Option<&str>) -> Option<String> {
    super::search::query_pairs(query)
        .into_iter()
        .find(|(k, _)| k == "_format")
        .map(|(_, v)| v)
}

/// Whether the request carries a body.
fn has_body(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::DELETE) {
        return false;
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match length {
        Some(n) => n > 0,
        None => headers.contains_key(header::TRANSFER_ENCODING),
    }
}

fn not_acceptable(what: &str) -> Response {
    Outcome::new(
        StatusCode::NOT_ACCEPTABLE,
        IssueType::NotSupported,
        format!(
            "{what}: this API answers only application/fhir+json (ask for it, \
             application/json or _format=json)"
        ),
    )
    .into_response()
}

/// The layer: refuses what the API cannot answer or read, and makes every error an
/// OperationOutcome.
pub async fn negotiate(request: Request, next: Next) -> Response {
    match format_param(request.uri().query()) {
        Some(format) if JSON_FORMATS.contains(&media_type(&format).as_str()) => {}
        Some(_) => return not_acceptable("_format asks for another format"),
        None => {
            let accept = request
                .headers()
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(",");
            if !accept.trim().is_empty() && !accepts_json(&accept) {
                return not_acceptable("Accept allows no JSON");
            }
        }
    }
    if has_body(request.method(), request.headers()) {
        let kind = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(media_type)
            .unwrap_or_default();
        if !BODIES.contains(&kind.as_str()) {
            return Outcome::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                IssueType::NotSupported,
                "send the request body as application/fhir+json",
            )
            .into_response();
        }
    }
    let response = next.run(request).await;
    as_outcome(response)
}

/// An error answer that is not FHIR (the router's 405, an extractor's refusal) made
/// an OperationOutcome of its status.
fn as_outcome(response: Response) -> Response {
    let status = response.status();
    let fhir = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == FHIR_JSON);
    if fhir || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (issue, diagnostics) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            IssueType::NotSupported,
            "this interaction is not served on this path (see GET /fhir/r4/metadata)",
        ),
        s if s.is_server_error() => (IssueType::Exception, "the cloud failed to answer"),
        _ => (IssueType::Invalid, "the request does not read"),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = Outcome::new(status, issue, diagnostics).into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_read_as_fhir_servers_read_them() {
        let cases = [
            ("application/fhir+json", true),
            ("application/json", true),
            ("application/fhir+json; fhirVersion=4.0", true),
            ("*/*", true),
            ("text/html, application/xhtml+xml, */*;q=0.8", true),
            ("application/fhir+xml", false),
            ("application/xml, text/xml", false),
            ("application/json;q=0, application/fhir+xml", false),
            ("text/html", false),
        ];
        for (accept, ok) in cases {
            assert_eq!(accepts_json(accept), ok, "{accept}");
        }
        assert_eq!(
            format_param(Some("name=x&_format=application%2Ffhir%2Bxml")).as_deref(),
            Some("application/fhir+xml")
        );
        assert_eq!(format_param(Some("name=x")), None);
    }
}
