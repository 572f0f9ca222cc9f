//! The HQ OpenAPI document, generated from the `/hq` handlers and types (a test
//! compares its paths with [`super::routes`]), served at `GET /hq/openapi.json`: the
//! routes of the chain staff's screens, apart from the devices' document at
//! `/openapi.json`.

use super::auth::{self, Me, RefreshRequest, Tokens};
use super::oidc;
use super::permission::HqRole;
use crate::openapi::{Common, CommonResponses, has_body};
use axum::Json;
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The HQ API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Medicloud HQ API",
        description = "The clinic chain's head office: chain staff log in \
            (`/hq/v1/auth/login` → a short-lived JWT access token and a refresh token; or \
            with the chain's OpenID Connect provider, from `/hq/v1/auth/oidc/start` to a \
            one-time code in `/hq/#login=…` traded at `/hq/v1/auth/oidc/complete`) \
            and read every clinic they may see. Send the access token as \
            `Authorization: Bearer …`; when it expires (401 `token_expired`), trade the \
            refresh token for new ones at `/hq/v1/auth/refresh`. A clinic not on a \
            clinic manager's account is 403 `clinic_not_on_account`. Every error is \
            `{code, message}`, the message in the language `Accept-Language` asks for \
            (Bahasa Indonesia unless English)."
    ),
    paths(
        document,
        auth::login, auth::refresh, auth::logout, auth::me,
        oidc::providers, oidc::start, oidc::callback, oidc::complete,
        super::clinic_devices, super::clinics::overview, super::clinics::tickets,
        super::clinics::configuration,
        super::reports::summary_json, super::reports::summary_csv, super::reports::summary_xlsx,
        super::live::events,
        super::audit::trail, super::audit::clinics, super::audit::api_reads,
    ),
    components(schemas(ErrorBody, ErrorCode, HqRole, auth::LoginRequest, RefreshRequest, Tokens, Me,
        oidc::Providers, oidc::OidcProvider, oidc::CompleteRequest)),
    modifiers(&Security, &RESPONSES),
    tags(
        (name = "auth", description = "Logging in, tokens, one's own account"),
        (name = "clinics", description = "The clinics a caller may see"),
        (name = "reports", description = "A clinic's figures over a range of days, as its node computes them"),
        (name = "audit", description = "The clinics' audit trails, line for line as their nodes list them (patient ids, never names)"),
        (name = "live", description = "Server-sent events: the overview as clinics' events arrive"),
        (name = "meta", description = "This document"),
    )
)]
pub struct HqDoc;

/// The answers `/hq` operations give besides their own.
const RESPONSES: CommonResponses = CommonResponses(COMMON);

const COMMON: &[Common] = &[
    (
        "400",
        "BadRequest",
        "`bad_json` / `bad_request`: the body cannot be read (not JSON, cut short)",
        has_body,
    ),
    (
        "401",
        "Unauthorized",
        "`unauthorized`, `token_expired`, `session_revoked`: no valid access token",
        |_, op| op.security.is_some(),
    ),
    (
        "415",
        "UnsupportedMediaType",
        "`unsupported_media_type`: the body is not sent as `application/json`",
        has_body,
    ),
    (
        "422",
        "ValidationFailed",
        "`validation_failed`: a path or query parameter, or a field of the body, does not \
        hold what it should (the message names it and the rule)",
        |_, op| op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some(),
    ),
    (
        "503",
        "StorageUnavailable",
        "`storage_unavailable`: the cloud's database could not answer; nothing was changed",
        |path, _| path.starts_with("/hq/v1/"),
    ),
];

/// The access token's scheme; request bodies take no unknown fields.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build();
        scheme.description = Some(
            "an access token from `/hq/v1/auth/login` or `/hq/v1/auth/refresh` (EdDSA, \
             `kid` in the header)"
                .into(),
        );
        components.add_security_scheme("hq_access_token", SecurityScheme::Http(scheme));
        for name in ["LoginRequest", "RefreshRequest", "CompleteRequest"] {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// The document.
#[utoipa::path(get, path = "/hq/openapi.json", tag = "meta",
    responses((status = 200, description = "this document", body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(HqDoc::openapi())
}
