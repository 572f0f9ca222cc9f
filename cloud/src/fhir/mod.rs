//! `/fhir/r4`: the clinics' queue and bookings as FHIR R4 (4.0.1) resources, for the
//! chain's other systems (an EHR, a hospital), behind OAuth 2.0 client credentials
//! ([`crate::oauth`]).
//!
//! - [`resources`]: read and search of Organization (the clinic), Location,
//!   HealthcareService (its services), Practitioner, Patient and Encounter (a visit),
//!   and the CapabilityStatement at `GET /metadata`.
//! - [`scheduling`]: Schedule, Slot and Appointment, `Appointment/$find` and
//!   `Appointment/$book` (IHE ITI Scheduling), cancelling by status, and the SMART
//!   Scheduling Links publication (`$bulk-publish`).
//!
//! What every part shares is here: the ids ([`ids`]), the media type, the errors as
//! OperationOutcome ([`Outcome`]), searchset Bundles ([`Bundle`]), and the table of what
//! is implemented ([`Supported`]) that the CapabilityStatement is made from — so it
//! claims only what the routes serve.

pub mod format;
pub mod resources;
pub mod scheduling;
pub mod search;

use crate::api::State;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Where the API is mounted.
pub const BASE: &str = "/fhir/r4";
/// The media type of every answer.
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";
/// The FHIR version served.
pub const FHIR_VERSION: &str = "4.0.1";
/// The NIK's identifier system (SATUSEHAT's).
pub const NIK_SYSTEM: &str = "https://fhir.kemkes.go.id/id/nik";
/// The BPJS Kesehatan card number's identifier system.
pub const BPJS_SYSTEM: &str = "https://fhir.kemkes.go.id/id/bpjs";
/// The booking code's identifier system (an Appointment's `identifier`).
pub const BOOKING_CODE_SYSTEM: &str = "https://medicloud.id/fhir/booking-code";
/// A search's page size when `_count` is not given, and the most it may ask for.
pub const DEFAULT_COUNT: usize = 20;
/// The largest `_count` honoured (a larger one is cut to it).
pub const MAX_COUNT: usize = 200;

/// The ids of the resources: FHIR ids (`[A-Za-z0-9.-]{1,64}`) made from the cloud's own
/// keys, so each names its clinic where the resource belongs to one, and no id table
/// is kept.
///
/// | resource | id |
/// |---|---|
/// | Organization, Location | the clinic's id |
/// | HealthcareService, Schedule | `{clinic}.{service code}` |
/// | Practitioner | the staff account's id (`{clinic}.{id}` would pass 64 characters) |
/// | Slot | `{clinic}.{service code}.{YYYYMMDDTHHMM}` (local start) |
/// | Patient, Appointment | the patient's, the appointment's id |
/// | Encounter | the visit's id |
pub mod ids {
    use medicloud_core::domain::ServiceCode;
    use medicloud_core::ids::ClinicId;

    /// `{clinic}.{service}`: a HealthcareService's and its Schedule's id.
    pub fn service(clinic: ClinicId, service: &ServiceCode) -> String {
        format!("{clinic}.{service}")
    }

    /// The clinic and service of a HealthcareService's or Schedule's id.
    pub fn parse_service(id: &str) -> Option<(ClinicId, ServiceCode)> {
        let (clinic, service) = id.split_once('.')?;
        Some((clinic.parse().ok()?, ServiceCode::parse(service).ok()?))
    }

    /// Whether `id` is a FHIR id at all.
    pub fn is_valid(id: &str) -> bool {
        (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    }
}

/// A FHIR answer: `application/fhir+json`, any status.
#[derive(Debug)]
pub struct Fhir(pub StatusCode, pub Value);

impl Fhir {
    /// 200 with `resource`.
    pub fn ok(resource: Value) -> Self {
        Self(StatusCode::OK, resource)
    }
}

impl IntoResponse for Fhir {
    fn into_response(self) -> Response {
        let mut response = (self.0, axum::Json(self.1)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
        response
    }
}

/// An OperationOutcome's `issue.code` (the R4 `issue-type` codes this API uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueType {
    /// 400: a parameter or body that does not read.
    Invalid,
    /// 401/403: no token, an expired one, a scope or clinic the client lacks.
    Security,
    /// 404: no such resource, or one the client may not know of.
    NotFound,
    /// 405/406/415: an interaction or format this API does not serve.
    NotSupported,
    /// 409: a conflict (the slot was taken meanwhile).
    Conflict,
    /// 422: a business rule (the slot is full, outside the schedule).
    Processing,
    /// 500/503: the cloud's fault.
    Exception,
}

impl IssueType {
    fn code(self) -> &'static str {
        match self {
            IssueType::Invalid => "invalid",
            IssueType::Security => "security",
            IssueType::NotFound => "not-found",
            IssueType::NotSupported => "not-supported",
            IssueType::Conflict => "conflict",
            IssueType::Processing => "processing",
            IssueType::Exception => "exception",
        }
    }
}

/// Every FHIR error: a status and an OperationOutcome of one issue, `diagnostics`
/// saying what was wrong (never patient data).
#[derive(Debug)]
pub struct Outcome {
    /// The HTTP status.
    pub status: StatusCode,
    /// The issue's type.
    pub issue: IssueType,
    /// What was wrong, in English.
    pub diagnostics: String,
    /// `WWW-Authenticate`, for a 401 or 403 of the bearer token.
    pub challenge: Option<HeaderValue>,
}

impl Outcome {
    /// `status` with one `error` issue of `issue`.
    pub fn new(status: StatusCode, issue: IssueType, diagnostics: impl Into<String>) -> Self {
        Self {
            status,
            issue,
            diagnostics: diagnostics.into(),
            challenge: None,
        }
    }

    /// 400 `invalid`.
    pub fn invalid(diagnostics: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, IssueType::Invalid, diagnostics)
    }

    /// 404 `not-found` for `Type/id`.
    pub fn not_found(resource_type: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            IssueType::NotFound,
            format!("no {resource_type} with id {id}"),
        )
    }

    /// The OperationOutcome alone (for a Bundle's `outcome` entry).
    pub fn resource(&self) -> Value {
        let severity = if self.status.is_server_error() || self.status == StatusCode::CONFLICT {
            "fatal"
        } else {
            "error"
        };
        json!({
            "resourceType": "OperationOutcome",
            "issue": [{
                "severity": severity,
                "code": self.issue.code(),
                "diagnostics": self.diagnostics,
            }],
        })
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let mut response = Fhir(self.status, self.resource()).into_response();
        if let Some(challenge) = self.challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<crate::storage::StorageError> for Outcome {
    fn from(err: crate::storage::StorageError) -> Self {
        tracing::error!(error = %err, "storage failure");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            IssueType::Exception,
            "the cloud database could not answer; nothing was changed",
        )
    }
}

/// A `searchset` Bundle: the matches of one page, `total` over all pages, a `self` link
/// naming the parameters applied and a `next` link when more follow.
#[derive(Debug, Default)]
pub struct Bundle {
    /// The resources of this page, in order.
    pub matches: Vec<Value>,
    /// How many match in all.
    pub total: usize,
    /// `self`: the full URL of this page.
    pub self_url: String,
    /// `next`: the full URL of the next page, if there is one.
    pub next_url: Option<String>,
    /// An OperationOutcome entry (`search.mode: outcome`), for a warning or an
    /// operation's refusal.
    pub outcome: Option<Value>,
}

impl Bundle {
    /// The Bundle resource; each entry's `fullUrl` is `{base}/{type}/{id}`.
    pub fn resource(&self, base: &str) -> Value {
        let mut link = vec![json!({"relation": "self", "url": self.self_url})];
        if let Some(next) = &self.next_url {
            link.push(json!({"relation": "next", "url": next}));
        }
        let mut entry: Vec<Value> = self
            .matches
            .iter()
            .map(|resource| {
                json!({
                    "fullUrl": format!(
                        "{base}/{}/{}",
                        resource["resourceType"].as_str().unwrap_or_default(),
                        resource["id"].as_str().unwrap_or_default()
                    ),
                    "resource": resource,
                    "search": {"mode": "match"},
                })
            })
            .collect();
        if let Some(outcome) = &self.outcome {
            entry.push(json!({"resource": outcome, "search": {"mode": "outcome"}}));
        }
        let mut bundle = json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": self.total,
            "link": link,
        });
        if !entry.is_empty() {
            bundle["entry"] = Value::Array(entry);
        }
        bundle
    }
}

/// One resource type as implemented: what the CapabilityStatement says of it.
#[derive(Clone, Copy, Debug)]
pub struct Supported {
    /// The resource type.
    pub resource: &'static str,
    /// The interactions served (`read`, `search-type`, `update`, `patch`).
    pub interactions: &'static [&'static str],
    /// The search parameters served: name, type, and the definition's canonical URL.
    pub search: &'static [(&'static str, &'static str, &'static str)],
    /// The operations served: name and the OperationDefinition's canonical URL.
    pub operations: &'static [(&'static str, &'static str)],
}

/// Everything implemented, in the CapabilityStatement's order.
pub fn supported() -> Vec<Supported> {
    resources::SUPPORTED
        .iter()
        .chain(scheduling::SUPPORTED)
        .copied()
        .collect()
}

/// The routes under [`BASE`]; any other path there is a 404 OperationOutcome. Every
/// route answers JSON only ([`format::negotiate`]: 406 for an `Accept` without it, 415
/// for a body of another type).
pub fn router() -> Router<State> {
    Router::new()
        .merge(resources::routes())
        .merge(scheduling::routes())
        .fallback(|| async {
            Outcome::new(
                StatusCode::NOT_FOUND,
                IssueType::NotFound,
                "no such FHIR route: this API serves what GET /fhir/r4/metadata lists",
            )
        })
        .layer(axum::middleware::from_fn(format::negotiate))
}
