//! The cloud's OpenAPI document, generated from the handlers and types so it cannot drift
//! (a test compares its paths with [`crate::api::routes`]), served at `GET /openapi.json`.
//! Built as the node's is: the answers every operation can give are added here once
//! (`CommonResponses`), and the rules the server checks that the types do not say are
//! added to the schemas beside each other (`InputRules`).

use crate::api;
use crate::booking::http as public;
use axum::Json;
use medicloud_core::validate;
use medicloud_sync::wire::{ErrorBody, ErrorCode};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Type};
use utoipa::{Modify, OpenApi};

/// The cloud's API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Medicloud cloud API",
        description = "The clinic chain's cloud: device enrolment, the sync protocol \
            (`/sync/v1`) and the chain admin's routes (`/admin/v1`).\n\n\
            Request bodies are JSON (`Content-Type: application/json`), optionally \
            gzip-compressed (`Content-Encoding: gzip`), at most 8 MiB once decompressed; \
            the cloud takes no sealed bodies (those travel between a clinic's nodes on \
            its LAN). Every error is `{code, message}` (`ErrorBody`). A path not listed \
            here answers 404 `not_found`; a listed path asked with another method \
            answers 405 `method_not_allowed` with `Allow` naming the methods it takes.\n\n\
            The public routes (`/api/v1/public`, online booking for patients) need no \
            login; their bodies are at most 16 KiB, each address is rate-limited, and \
            their refusals are in the language of `Accept-Language` (Bahasa Indonesia \
            unless it asks for English).\n\n\
            `POST /oauth/token` gives the chain's other systems (API clients made with \
            `medicloud cloud-admin api-client-add`) access tokens for `/fhir/r4`, by \
            OAuth 2.0 client credentials; its refusals are RFC 6749's \
            `{error, error_description}`. The FHIR API itself is described by its \
            CapabilityStatement at `GET /fhir/r4/metadata`."
    ),
    paths(
        api::healthz, api::readyz, document,
        api::enrol, api::exchange_round, api::reserve, api::desk_booking, api::desk_reserve,
        api::add_clinic, api::add_code, api::devices, api::revoke,
        public::clinics, public::slots, public::book, public::lookup, public::cancel,
        public::move_booking, public::qr, public::ics,
        crate::oauth::token::token,
    ),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&Security, &RESPONSES, &InputRules),
    tags(
        (name = "health", description = "Whether the cloud serves"),
        (name = "sync", description = "The sync protocol, for enrolled devices"),
        (name = "admin", description = "Clinics and devices, for the chain's admin"),
        (name = "public", description = "Online booking, for patients: no login"),
        (name = "oauth", description = "Access tokens for the chain's API clients"),
    )
)]
pub struct CloudDoc;

/// The two bearer tokens: the admin's, and each enrolled device's secret.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |what: &str| {
            let mut scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
            scheme.description = Some(what.to_owned());
            SecurityScheme::Http(scheme)
        };
        components.add_security_scheme(
            "admin_token",
            bearer("the admin token the cloud was started with (`--admin-token`)"),
        );
        components.add_security_scheme(
            "device_secret",
            bearer("the secret a device received when it enrolled"),
        );
    }
}

/// The answers operations give besides their own, each `{code, message}` and kept under
/// `components/responses`: those of a table of [`Common`] answers (the devices' document
/// and the HQ's each have theirs), with the answers outside the operations.
pub(crate) struct CommonResponses(pub(crate) &'static [Common]);

/// `(status, component name, description, applies to the operation at a path)`.
pub(crate) type Common = (
    &'static str,
    &'static str,
    &'static str,
    fn(&str, &Operation) -> bool,
);

pub(crate) fn has_body(_: &str, op: &Operation) -> bool {
    op.request_body.is_some()
}

fn sync(path: &str, _: &Operation) -> bool {
    path.starts_with("/sync/v1/")
}

/// The devices' and the chain admin's common answers.
const RESPONSES: CommonResponses = CommonResponses(COMMON);

/// The public routes (online booking).
fn public_route(path: &str, _: &Operation) -> bool {
    path.starts_with("/api/v1/public/")
}

const COMMON: &[Common] = &[
    // The public routes' own words first: the first entry for a status that applies wins.
    (
        "413",
        "PublicPayloadTooLarge",
        "`payload_too_large`: the body is larger than 16 KiB",
        |path, op| public_route(path, op) && has_body(path, op),
    ),
    (
        "429",
        "PublicRateLimited",
        "`rate_limited`: too many requests from this address (a booking route answered 404 \
        — an unknown code, another phone number — counts as ten); `Retry-After` says in \
        how many seconds to try again",
        public_route,
    ),
    (
        "503",
        "PublicStorageUnavailable",
        "`storage_unavailable`: the cloud's database could not answer; nothing was booked \
        or changed",
        public_route,
    ),
    (
        "400",
        "BadRequest",
        "`bad_json` / `bad_request`: the body cannot be read (not JSON, not gzip data as \
        `Content-Encoding` says, cut short)",
        has_body,
    ),
    (
        "401",
        "Unauthorized",
        "`unauthorized`: no token, or not the one this operation needs",
        |_, op| op.security.is_some(),
    ),
    (
        "408",
        "RequestTimeout",
        "`bad_request`: the body did not arrive within 30 seconds of the headers",
        has_body,
    ),
    (
        "411",
        "LengthRequired",
        "`bad_request`: a sync request must say its length (`Content-Length`)",
        sync,
    ),
    (
        "413",
        "PayloadTooLarge",
        "`payload_too_large`: the body is larger than 8 MiB (once decompressed)",
        has_body,
    ),
    (
        "415",
        "UnsupportedMediaType",
        "`unsupported_media_type`: the body is not sent as `application/json`, or in a \
        `Content-Encoding` other than gzip, deflate, br or zstd",
        has_body,
    ),
    (
        "422",
        "ValidationFailed",
        "`validation_failed`: a path parameter, or a field of the body, does not hold \
        what it should (the message names it and the rule)",
        |_, op| op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some(),
    ),
    (
        "429",
        "RateLimited",
        "`rate_limited`: too many sync requests from this address; `Retry-After` says in \
        how many seconds to try again",
        sync,
    ),
    (
        "503",
        "StorageUnavailable",
        "`storage_unavailable`: the cloud's database could not answer; nothing was changed",
        |path, _| path.starts_with("/sync/v1/") || path.starts_with("/admin/v1/"),
    ),
];

/// Answers to requests outside the operations: documented as components so clients
/// know their body too (see the document's description).
const OUTSIDE: &[(&str, &str)] = &[
    ("NotFound", "`not_found`: no such route"),
    (
        "MethodNotAllowed",
        "`method_not_allowed`: the path does not take this method; `Allow` lists those \
        it takes",
    ),
];

fn error_response(
    description: &str,
    header: Option<(&str, &str, Type)>,
) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    if let Some((name, what, kind)) = header {
        let mut schema = ObjectBuilder::new().schema_type(kind);
        if name == "Retry-After" {
            schema = schema.minimum(Some(1));
        }
        response = response.header(
            name,
            HeaderBuilder::new()
                .schema(schema)
                .description(Some(what))
                .build(),
        );
    }
    RefOr::T(response.build())
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (status, name, description, _) in self.0 {
            let header = (*status == "429").then_some((
                "Retry-After",
                "seconds to wait before the next request",
                Type::Integer,
            ));
            components
                .responses
                .insert((*name).to_owned(), error_response(description, header));
        }
        for (name, description) in OUTSIDE {
            let header = (*name == "MethodNotAllowed").then_some((
                "Allow",
                "the methods the path takes",
                Type::String,
            ));
            components
                .responses
                .insert((*name).to_owned(), error_response(description, header));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                for (status, name, _, applies) in self.0 {
                    if applies(path, op) {
                        let reference = Ref::new(format!("#/components/responses/{name}"));
                        op.responses
                            .responses
                            .entry((*status).to_owned())
                            .or_insert(RefOr::Ref(reference));
                    }
                }
            }
        }
    }
}

/// The checks the server makes that the types alone do not say: no fields beyond those
/// named (on the admin's bodies; the sync protocol's bodies let a newer device add
/// fields), names as `validate::line` takes them, the label count, and integers within
/// the Rust types they are read into.
struct InputRules;

/// Bodies that refuse fields they do not name.
const CLOSED: &[&str] = &[
    "NewClinic",
    "NewCode",
    "BookingRequest",
    "PhoneBody",
    "MoveBody",
];

/// Names checked with `validate::line`: `(schema, property, fewest, most)` characters
/// once trimmed.
const NAMES: &[(&str, &str, usize, usize)] = &[
    ("EnrolRequest", "name", 1, 100),
    ("NewClinic", "name", 1, 100),
    ("BookingRequest", "name", 1, 100),
];

fn property<'a>(
    components: &'a mut utoipa::openapi::Components,
    schema: &str,
    name: &str,
) -> Option<&'a mut Object> {
    let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else {
        return None;
    };
    match object.properties.get_mut(name) {
        Some(RefOr::T(Schema::Object(field))) => Some(field),
        _ => None,
    }
}

/// Gives every integer schema under `schema` the bounds of the Rust type behind it, as
/// utoipa writes it: `int32` with a minimum of 0 is a `u32`, `int64` with one a `u64`
/// (narrower types say their bound themselves).
fn integer_bounds(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            use utoipa::Number::{Int, UInt};
            let unsigned = object.minimum.is_some();
            let bounds = match &object.format {
                Some(SchemaFormat::KnownFormat(KnownFormat::Int32)) if unsigned => {
                    Some((UInt(0), UInt(u32::MAX as usize)))
                }
                Some(SchemaFormat::KnownFormat(KnownFormat::Int32)) => {
                    Some((Int(i32::MIN as isize), Int(i32::MAX as isize)))
                }
                Some(SchemaFormat::KnownFormat(KnownFormat::Int64)) if unsigned => {
                    Some((UInt(0), UInt(u64::MAX as usize)))
                }
                Some(SchemaFormat::KnownFormat(KnownFormat::Int64)) => {
                    Some((Int(i64::MIN as isize), Int(i64::MAX as isize)))
                }
                _ => None,
            };
            if let Some((low, high)) = bounds {
                object.minimum.get_or_insert(low);
                object.maximum.get_or_insert(high);
            }
            object.properties.values_mut().for_each(integer_bounds);
        }
        Schema::Array(array) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                integer_bounds(items);
            }
            array.prefix_items.iter_mut().for_each(|item| {
                let mut wrapped = RefOr::T(std::mem::take(item));
                integer_bounds(&mut wrapped);
                if let RefOr::T(back) = wrapped {
                    *item = back;
                }
            });
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(integer_bounds),
        Schema::AllOf(all) => all.items.iter_mut().for_each(integer_bounds),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(integer_bounds),
        _ => {}
    }
}

impl Modify for InputRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in CLOSED {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*name) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
        for (schema, name, fewest, most) in NAMES {
            if let Some(field) = property(components, schema, name) {
                field.pattern = Some(validate::line_pattern(*fewest..=*most));
            }
        }
        if let Some(count) = property(components, "ReserveRequest", "count") {
            count.minimum = Some(1.into());
            count.maximum = Some(1_000.into());
        }
        components.schemas.values_mut().for_each(integer_bounds);
    }
}

/// The document.
#[utoipa::path(get, path = "/openapi.json", tag = "health",
    responses((status = 200, description = "this document", body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(CloudDoc::openapi())
}
