//! The OpenAPI document, generated from the handlers and types so it cannot drift.

use super::{appointments, audit, auth, clinic, error, live, reports, staff, sync, tickets};
use axum::Json;
use medicloud_core::validate;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, Type};
use utoipa::{Modify, OpenApi};

/// The node's API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Medicloud node API", description = "The local HTTP API of a Medicloud clinic node. \
        Every error is `{code, message}`: `code` is stable, for programs and screens; `message` is for \
        people, in Bahasa Indonesia unless the request's `Accept-Language` asks for English."),
    paths(
        auth::login, auth::logout, auth::me, auth::break_glass,
        clinic::clinic, clinic::services, clinic::counters,
        clinic::put_clinic, clinic::put_service, clinic::put_schedule, clinic::put_counter,
        clinic::create_service, clinic::create_counter,
        clinic::create_device, clinic::devices, clinic::revoke_device, clinic::create_user, clinic::users,
        staff::update_user, staff::reset_password, staff::unlock, staff::change_password,
        tickets::issue, tickets::get, tickets::list, tickets::call_next, tickets::cancel, tickets::act, tickets::public,
        tickets::printer, tickets::calls, tickets::printer_test, tickets::print_png,
        appointments::book, appointments::list, appointments::slots, appointments::cancel, appointments::move_to, appointments::register_patient, appointments::search_patients,
        live::events,
        sync::status, sync::conflicts, audit::trail,
        reports::summary_json, reports::summary_csv, reports::summary_xlsx,
    ),
    components(schemas(error::ErrorBody, error::ErrorCode, crate::live::LiveMessage)),
    modifiers(&BearerAuth, &CommonResponses, &InputRules, &LiveEvents),
    tags(
        (name = "auth", description = "Staff sessions"),
        (name = "clinic", description = "Services and counters"),
        (name = "tickets", description = "The queue"),
        (name = "appointments", description = "Bookings and check-in"),
        (name = "patients", description = "Patient records"),
        (name = "admin", description = "Devices and staff accounts"),
        (name = "live", description = "Live updates"),
        (name = "sync", description = "Sync with peers and the cloud"),
        (name = "reports", description = "The clinic's figures over a range of days (admin and desk)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
            // The live stream's alternative: browsers' EventSource cannot send headers.
            components.add_security_scheme(
                "access_token",
                SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("access_token"))),
            );
        }
    }
}

/// The answers any `/api/v1` operation can give besides its own, added here once so no
/// handler can forget one: each is `{code, message}` ([`error::ErrorBody`]), kept under
/// `components/responses` and referred to from the operations that can answer it.
struct CommonResponses;

/// `(status, component name, description, applies to)`.
type Common = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Operation) -> bool,
);

const COMMON: &[Common] = &[
    (
        "400",
        "BadRequest",
        "`bad_json` / `bad_request`: the body cannot be read (not JSON)",
        |op| op.request_body.is_some(),
    ),
    (
        "422",
        "ValidationFailed",
        "`validation_failed`: a path or query parameter, or a field of the body, does not \
        hold what it should (the message names it and the rule)",
        |op| op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some(),
    ),
    (
        "401",
        "Unauthorized",
        "`unauthorized`: no token, or one that is unknown, expired or revoked",
        |op| op.security.is_some(),
    ),
    (
        "403",
        "PasswordChangeRequired",
        "`password_change_required`: this session logged in with a temporary password \
        and may only choose a new one (`POST /api/v1/auth/password`)",
        |op| op.security.is_some(),
    ),
    (
        "413",
        "PayloadTooLarge",
        "`payload_too_large`: the body is larger than 64 KiB",
        |op| op.request_body.is_some(),
    ),
    (
        "415",
        "UnsupportedMediaType",
        "`unsupported_media_type`: the body is not sent as \
        `application/json`",
        |op| op.request_body.is_some(),
    ),
    (
        "429",
        "RateLimited",
        "`rate_limited`: too many requests from this machine; \
        `Retry-After` says in how many seconds to try again",
        |_| true,
    ),
    (
        "500",
        "Internal",
        "`internal`: a fault on the node (logged there)",
        |_| true,
    ),
    (
        "503",
        "StorageUnavailable",
        "`storage_unavailable`: the node's database could not \
        answer or save; nothing was changed",
        |_| true,
    ),
];

/// Only requests that write can find the disk full.
const DISK_FULL: (&str, &str, &str) = (
    "507",
    "DiskFull",
    "`disk_full`: the node's disk is full; nothing was changed",
);

fn error_response(description: &str, retry_after: bool) -> utoipa::openapi::Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    if retry_after {
        let seconds = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0));
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(seconds)
                .description(Some("seconds to wait"))
                .build(),
        );
    }
    let language = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["id", "en"]));
    response
        .header(
            "Content-Language",
            HeaderBuilder::new()
                .schema(language)
                .description(Some(
                    "the language of `message` (see the `Accept-Language` parameter)",
                ))
                .build(),
        )
        .build()
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let named = COMMON
            .iter()
            .map(|(status, name, text, _)| (*status, *name, *text));
        for (status, name, description) in named.chain([DISK_FULL]) {
            let response = error_response(description, status == "429");
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
        for item in openapi.paths.paths.values_mut() {
            let writes = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            let ops = writes
                .into_iter()
                .map(|op| (op, true))
                .chain([(&mut item.get, false)]);
            for (op, writes) in ops {
                let Some(op) = op.as_mut() else { continue };
                let mut common: Vec<_> = COMMON
                    .iter()
                    .filter(|(_, _, _, applies)| applies(op))
                    .map(|(status, name, _, _)| (*status, *name))
                    .collect();
                if writes {
                    common.push((DISK_FULL.0, DISK_FULL.1));
                }
                for (status, name) in common {
                    let reference = Ref::new(format!("#/components/responses/{name}"));
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert(RefOr::Ref(reference));
                }
                // After the responses above: the header is not a parameter a 422 names.
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(accept_language());
            }
        }
    }
}

/// The `Accept-Language` every operation takes: the language of its error messages.
fn accept_language() -> Parameter {
    ParameterBuilder::new()
        .name("Accept-Language")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The language of an error's `message`: Bahasa Indonesia (`id`, the default, \
            also without this header or when it names no language spoken here) or English \
            (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same \
            in every language; the answer's `Content-Language` says which was used.",
        ))
        .schema(Some(
            ObjectBuilder::new().schema_type(Type::String).examples([
                "id",
                "en",
                "en-GB,en;q=0.9,id;q=0.8",
            ]),
        ))
        .build()
}

/// The checks the server makes that the types alone do not say, added to the request
/// schemas here, beside each other: no fields beyond those named, what is trimmed and
/// then counted, byte limits, the time zones known, and that a ticket needs a service or
/// a booking code.
struct InputRules;

/// Text the server trims before counting its characters: `(schema, property, fewest,
/// most)`.
const TRIMMED: &[(&str, &str, usize, usize)] = &[
    ("BreakGlassRequest", "reason", 10, 200),
    ("ClinicSettings", "name", 1, 100),
    ("ServiceSettings", "name_id", 1, 60),
    ("ServiceSettings", "name_en", 1, 60),
    ("CounterSettings", "name", 1, 60),
    ("NewService", "name_id", 1, 60),
    ("NewService", "name_en", 1, 60),
    ("StaffChange", "name", 1, 100),
    ("NewDevice", "name", 1, 60),
    ("NewStaff", "display_name", 1, 100),
    ("PatientInput", "name", 1, 100),
    ("CancelBody", "reason", 1, 200),
];

/// Text that may also be left empty (or only spaces), trimmed and then counted:
/// `(schema, property, most)`.
const TRIMMED_OR_EMPTY: &[(&str, &str, usize)] = &[
    ("ClinicSettings", "ticket_message_id", 120),
    ("ClinicSettings", "ticket_message_en", 120),
];

/// Text limited in length as sent: `(schema, property, most characters)`.
const LONGEST: &[(&str, &str, usize)] = &[
    ("LoginRequest", "username", 64),
    ("LoginRequest", "password", 256),
];

fn property<'a>(
    components: &'a mut utoipa::openapi::Components,
    schema: &str,
    name: &str,
) -> Option<&'a mut utoipa::openapi::schema::Object> {
    let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else {
        return None;
    };
    match object.properties.get_mut(name) {
        Some(RefOr::T(Schema::Object(field))) => Some(field),
        _ => None,
    }
}

impl Modify for InputRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // Bodies name only the fields they know: any other is refused.
        let bodies: Vec<String> = openapi
            .paths
            .paths
            .values()
            .flat_map(|item| [&item.post, &item.put, &item.patch])
            .filter_map(|op| op.as_ref()?.request_body.as_ref())
            .flat_map(|body| body.content.values())
            .filter_map(|content| match &content.schema {
                Some(RefOr::Ref(r)) => r.ref_location.rsplit('/').next().map(str::to_owned),
                _ => None,
            })
            .collect();
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in bodies {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
        for (schema, name, fewest, most) in TRIMMED {
            if let Some(field) = property(components, schema, name) {
                field.pattern = Some(validate::line_pattern(*fewest..=*most));
            }
        }
        for (schema, name, most) in TRIMMED_OR_EMPTY {
            if let Some(field) = property(components, schema, name) {
                field.pattern = Some(validate::line_or_blank_pattern(*most));
            }
        }
        for (schema, name, most) in LONGEST {
            if let Some(field) = property(components, schema, name) {
                field.max_length = Some(*most);
            }
        }
        // As a pattern, not an enum, so the UI's generated type stays a string.
        if let Some(field) = property(components, "ClinicSettings", "time_zone") {
            let zones: Vec<_> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
            field.pattern = Some(format!("^({})$", zones.join("|").replace('+', "\\+")));
        }
        // A walk-in names its service; a check-in gives its booking code: not both absent
        // or null. (`not`, which utoipa has no field for, leaves the UI's type as it is.)
        if let Some(RefOr::T(Schema::Object(ticket))) = components.schemas.get_mut("NewTicket") {
            let neither = serde_json::json!({ "properties": {
                "service": { "type": "null" },
                "appointment_code": { "type": "null" },
            } });
            ticket
                .extensions
                .get_or_insert_with(Default::default)
                .insert("not".to_owned(), neither);
        }
    }
}

/// The live stream's events as they are sent (each event's `schema`, as Open API 3.1 reads
/// `text/event-stream`): named by the message's `type`, with the [`LiveMessage`] as JSON
/// data.
///
/// [`LiveMessage`]: crate::live::LiveMessage
struct LiveEvents;

impl Modify for LiveEvents {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(RefOr::T(Schema::OneOf(messages))) = components.schemas.get("LiveMessage") else {
            return;
        };
        let names: Vec<serde_json::Value> = messages
            .items
            .iter()
            .filter_map(|item| match item {
                RefOr::T(Schema::Object(o)) => match o.properties.get("type") {
                    Some(RefOr::T(Schema::Object(t))) => t.enum_values.as_ref()?.first().cloned(),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let mut data = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/json")
            .description(Some("the message, as JSON"))
            .build();
        let message = serde_json::json!({ "$ref": "#/components/schemas/LiveMessage" });
        data.extensions
            .get_or_insert_with(Default::default)
            .insert("contentSchema".to_owned(), message);
        let event = ObjectBuilder::new()
            .description(Some("One server-sent event of the live stream."))
            .property(
                "event",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(names)),
            )
            .required("event")
            .property("data", data)
            .required("data")
            .build();
        components
            .schemas
            .insert("LiveEvent".to_owned(), RefOr::T(Schema::Object(event)));
        let stream = openapi
            .paths
            .paths
            .get_mut("/api/v1/events")
            .and_then(|item| item.get.as_mut())
            .and_then(|op| op.responses.responses.get_mut("200"));
        if let Some(RefOr::T(response)) = stream
            && let Some(content) = response.content.get_mut("text/event-stream")
        {
            content.schema = Some(RefOr::Ref(Ref::from_schema_name("LiveEvent")));
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
