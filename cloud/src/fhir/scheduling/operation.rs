//! `Appointment/$find` (IHE ITI-115) and `Appointment/$book` (ITI-117).
//!
//! **`$find`** (`POST` a Parameters body, or `GET` with the same names as query
//! parameters; scope `system/Appointment.read`): `start` and `end` (1..1 each,
//! `valueDateTime` or `valueDate`; a date `end` includes its day), optional
//! `service-type` (`valueCoding`, `valueCodeableConcept` or `valueString`: a service's
//! code, or its name), `organization` (`valueReference` `Organization/{clinic}`) and
//! `_count`. The answer is a searchset Bundle of `proposed` Appointments (participants
//! `needs-action`), one per *free* slot — one whose online share has a place — of the
//! services that take online bookings at the clinics asked for (else every clinic
//! granted), in start order, with `total`. A full slot is never proposed. The window is
//! cut to what a patient could book: from now to the booking horizon.
//!
//! **`$book`** (`POST`; scope `system/Appointment.write` and the clinic granted):
//! `appointment-resource` (the proposed Appointment, naming its slot by its `slot`
//! reference, or by its `start` with its HealthcareService participant, or its `start`,
//! `serviceType` and a Location participant or an `organization` parameter),
//! `patient-resource` (a Patient with a `name`, a phone number in `telecom`, optionally
//! the NIK and the BPJS card number as `identifier`s of [`NIK_SYSTEM`] and
//! [`BPJS_SYSTEM`]), and an optional `comment` (accepted, not kept: a booking has no
//! note). Consent to reminders by message is `false` unless the Patient carries the
//! extension [`CONSENT_EXTENSION`] with `valueBoolean: true`. The booking is
//! [`booking::book_online`]'s, the patients' own: it takes a place of the online share,
//! under the clinic's lock. The answer is 200 with a searchset Bundle of the `booked`
//! Appointment (its booking code as `identifier`). A slot whose online share is full is
//! **409 with an OperationOutcome** alone (`conflict`, `fatal`: IHE lets the answer be
//! a Bundle holding only the OperationOutcome, or the OperationOutcome; this API answers
//! the OperationOutcome, as every other error); patient data that does not hold is 422
//! `processing` naming the field, never its value.

use super::appointment::json_body;
use super::params::local_instant;
use super::view::{self, Placed};
use super::{CONSENT_EXTENSION, SERVICE_TYPE_SYSTEM, Site, answer, service_matches, site, sites};
use crate::api::{State, now_ms};
use crate::booking::{self, BookingError, BookingRequest};
use crate::fhir::search::{DateParam, Search, base_url, reference};
use crate::fhir::{BPJS_SYSTEM, Bundle, Fhir, IssueType, NIK_SYSTEM, Outcome, Supported, ids};
use crate::oauth::{Access, Grant, audit_read};
use crate::projection::ProjectedAppointment;
use crate::storage::SchedulingStorage;
use crate::storage::scheduling::AppointmentRecord;
use axum::body::Bytes;
use axum::extract::{RawQuery, State as Shared};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use medicloud_core::domain::{Service, ServiceCode};
use medicloud_core::ids::ClinicId;
use serde_json::Value;

/// A service a `$find` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Wanted {
    /// A token (`code`, `system|code`): a code of [`SERVICE_TYPE_SYSTEM`] (or no system).
    Code(String),
    /// Words: a service's code or its name in either language (case aside).
    Text(String),
}

impl Wanted {
    fn matches(&self, service: &Service) -> bool {
        match self {
            Wanted::Code(token) => service_matches(std::slice::from_ref(token), service),
            Wanted::Text(text) => [
                service.code.as_str(),
                service.name_id.as_str(),
                service.name_en.as_str(),
            ]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(text.trim())),
        }
    }

    /// As a query parameter's value, for the links.
    fn token(&self) -> String {
        match self {
            Wanted::Code(token) | Wanted::Text(token) => token.clone(),
        }
    }
}

/// What a `$find` asks.
#[derive(Clone, Debug)]
struct Find {
    start: Dated,
    end: Dated,
    services: Vec<Wanted>,
    organizations: Vec<ClinicId>,
    count: Option<usize>,
}

/// A `date` or `dateTime` as given, and the range it names.
#[derive(Clone, Debug)]
struct Dated {
    text: String,
    param: DateParam,
}

fn date_of(name: &str, text: &str) -> Result<Dated, Outcome> {
    let bad = || {
        Outcome::invalid(format!(
            "{name}: {text:?} is not a FHIR date or dateTime (2026-12-07, \
             2026-12-07T09:00:00+07:00)"
        ))
    };
    // A value, not a search: no prefix.
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad());
    }
    let param = DateParam::parse(text).map_err(|_| bad())?;
    Ok(Dated {
        text: text.to_owned(),
        param,
    })
}

/// The `$find` parameters a `GET` reads from its query string.
const FIND: Supported = Supported {
    resource: "Appointment/$find",
    interactions: &[],
    search: &[
        ("start", "date", ""),
        ("end", "date", ""),
        ("service-type", "token", ""),
        ("organization", "reference", ""),
    ],
    operations: &[],
};

fn organization_of(text: &str) -> Result<ClinicId, Outcome> {
    reference(text, "Organization")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            Outcome::invalid("organization: a reference Organization/{clinic id} is expected")
        })
}

impl Find {
    fn of_query(search: &Search) -> Result<Self, Outcome> {
        let one = |name: &str| match search.groups(name).as_slice() {
            [one] if one.len() == 1 => date_of(name, &one[0]),
            [] => Err(Outcome::invalid(format!("{name} is required (1..1)"))),
            _ => Err(Outcome::invalid(format!("{name} is given once (1..1)"))),
        };
        let all = |name: &str| {
            search
                .groups(name)
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
        };
        Ok(Self {
            start: one("start")?,
            end: one("end")?,
            services: all("service-type").into_iter().map(Wanted::Code).collect(),
            organizations: all("organization")
                .iter()
                .map(|r| organization_of(r))
                .collect::<Result<_, _>>()?,
            count: None,
        })
    }

    fn of_parameters(body: &Value) -> Result<Self, Outcome> {
        let parameters = parameters(body)?;
        let (mut start, mut end, mut services, mut organizations, mut count) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), None);
        for p in parameters {
            let date = || {
                p.get("valueDateTime")
                    .or_else(|| p.get("valueDate"))
                    .and_then(Value::as_str)
            };
            match p["name"].as_str() {
                Some(name @ ("start" | "end")) => {
                    let text = date().ok_or_else(|| {
                        Outcome::invalid(format!("{name}: a valueDateTime or valueDate"))
                    })?;
                    let list = if name == "start" {
                        &mut start
                    } else {
                        &mut end
                    };
                    list.push(date_of(name, text)?);
                }
                Some("service-type") => {
                    if let Some(coding) = p.get("valueCoding") {
                        services.push(coding_of(coding)?);
                    } else if let Some(concept) = p.get("valueCodeableConcept") {
                        let codings = concept["coding"].as_array().cloned().unwrap_or_default();
                        for coding in &codings {
                            services.push(coding_of(coding)?);
                        }
                        if let Some(text) = concept["text"].as_str().filter(|_| codings.is_empty())
                        {
                            services.push(Wanted::Text(text.to_owned()));
                        }
                    } else if let Some(text) = p["valueString"].as_str() {
                        services.push(Wanted::Text(text.to_owned()));
                    } else {
                        return Err(Outcome::invalid(
                            "service-type: a valueCoding, valueCodeableConcept or valueString",
                        ));
                    }
                }
                Some("organization") => {
                    let reference = p["valueReference"]["reference"].as_str().ok_or_else(|| {
                        Outcome::invalid("organization: a valueReference to Organization/{clinic}")
                    })?;
                    organizations.push(organization_of(reference)?);
                }
                Some("_count") => {
                    let n = p["valueInteger"]
                        .as_u64()
                        .ok_or_else(|| Outcome::invalid("_count: a valueInteger of 0 or more"))?;
                    count = Some(usize::try_from(n).unwrap_or(usize::MAX));
                }
                // IHE's other parameters (specialty, practitioner, patient…) are not
                // served: ignored, as an unknown search parameter is.
                _ => {}
            }
        }
        let once = |name: &str, mut list: Vec<Dated>| match list.len() {
            1 => Ok(list.remove(0)),
            0 => Err(Outcome::invalid(format!("{name} is required (1..1)"))),
            _ => Err(Outcome::invalid(format!("{name} is given once (1..1)"))),
        };
        Ok(Self {
            start: once("start", start)?,
            end: once("end", end)?,
            services,
            organizations,
            count,
        })
    }

    /// `[from, before)` at `site` at `now_ms`: what was asked, from now to the horizon.
    fn window(&self, site: &Site, now_ms: i64) -> (DateTime<Utc>, DateTime<Utc>) {
        let now = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        let from = self.start.param.instants(&site.zone).0.max(now);
        // A dateTime end is the instant; a date end includes its day.
        let (at, after) = self.end.param.instants(&site.zone);
        let before = if self.end.text.contains('T') {
            at
        } else {
            after
        };
        let horizon = site.midnight(site.horizon(now_ms).1 + Duration::days(1));
        (from, before.min(horizon))
    }

    /// The parameters as a `GET` query, for the links.
    fn applied(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("start".to_owned(), self.start.text.clone()),
            ("end".to_owned(), self.end.text.clone()),
        ];
        out.extend(
            self.services
                .iter()
                .map(|s| ("service-type".to_owned(), s.token())),
        );
        out.extend(
            self.organizations
                .iter()
                .map(|o| ("organization".to_owned(), format!("Organization/{o}"))),
        );
        out
    }
}

fn coding_of(coding: &Value) -> Result<Wanted, Outcome> {
    let code = coding["code"]
        .as_str()
        .ok_or_else(|| Outcome::invalid("service-type: a coding has a code"))?;
    Ok(Wanted::Code(match coding["system"].as_str() {
        Some(system) => format!("{system}|{code}"),
        None => code.to_owned(),
    }))
}

/// The `parameter`s of a Parameters resource.
fn parameters(body: &Value) -> Result<&Vec<Value>, Outcome> {
    if body["resourceType"] != "Parameters" {
        return Err(Outcome::invalid("the body is a Parameters resource"));
    }
    static NONE: Vec<Value> = Vec::new();
    Ok(body["parameter"].as_array().unwrap_or(&NONE))
}

/// `GET Appointment/$find?start=…&end=…`.
pub async fn find_get(
    Shared(state): Shared<State>,
    grant: Grant,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Read)?;
    let search = Search::parse(&FIND, query.as_deref(), &headers)?;
    let ask = Find::of_query(&search)?;
    find(&state, &grant, &base_url(&state, &headers), ask, search).await
}

/// `POST Appointment/$find` with a Parameters body (`_count` in it or in the query
/// string, `_offset` in the query string).
pub async fn find_post(
    Shared(state): Shared<State>,
    grant: Grant,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Read)?;
    let mut search = Search::parse(&FIND, query.as_deref(), &headers)?;
    let ask = Find::of_parameters(&json_body(&body)?)?;
    if let Some(count) = ask.count {
        search.count = count.min(crate::fhir::MAX_COUNT);
    }
    find(&state, &grant, &base_url(&state, &headers), ask, search).await
}

/// The free slots `ask` finds, as the page `search` asks for.
async fn find(
    state: &State,
    grant: &Grant,
    base: &str,
    ask: Find,
    mut search: Search,
) -> Result<Fhir, Outcome> {
    let clinics = if ask.organizations.is_empty() {
        grant.clinics.clone()
    } else {
        for clinic in &ask.organizations {
            grant.check("Appointment", Access::Read, *clinic)?;
        }
        ask.organizations.clone()
    };
    let now = now_ms();
    let sites = sites(state, &clinics).await?;
    let windows: Vec<_> = sites
        .iter()
        .map(|site| (site, ask.window(site, now)))
        .filter(|(_, (from, before))| from < before)
        .collect();
    let days = |site: &Site, (from, before): (DateTime<Utc>, DateTime<Utc>)| {
        let local = |t: DateTime<Utc>| t.with_timezone(&site.zone).date_naive();
        (local(from), local(before - Duration::nanoseconds(1)))
    };
    let lives = futures::future::try_join_all(windows.iter().map(|(site, window)| {
        let (first, last) = days(site, *window);
        state.storage.live_between(site.id(), first, last)
    }))
    .await?;
    let mut free: Vec<Placed<'_>> = Vec::new();
    for ((site, window), live) in windows.iter().zip(&lives) {
        for service in site.services.iter().filter(|s| {
            booking::takes_online(s)
                && (ask.services.is_empty() || ask.services.iter().any(|w| w.matches(s)))
        }) {
            free.extend(
                view::place(site, service, days(site, *window), live, now)
                    .into_iter()
                    .filter(|slot| {
                        let start = slot.start.with_timezone(&Utc);
                        slot.free() && start >= window.0 && start < window.1
                    }),
            );
        }
    }
    free.sort_by(|a, b| a.order().cmp(&b.order()));
    let total = free.len();
    let page = free
        .iter()
        .skip(search.offset)
        .take(search.count)
        .map(Placed::proposed)
        .collect();
    // The links name the parameters as a GET gives them.
    search.params = ask.applied();
    Ok(answer(&search, base, total, page))
}

/// A start as an instant, or clinic-local.
#[derive(Clone, Copy, Debug)]
enum At {
    Instant(DateTime<Utc>),
    Local(NaiveDateTime),
}

/// The slot a `$book`'s Appointment names: its clinic, service and start.
struct Named {
    clinic: ClinicId,
    service: ServiceCode,
    /// Its start as an instant, or clinic-local (from a Slot id).
    start: At,
}

/// Where `reference` (`Type/id` or a URL ending in it) points, when at `kind`.
fn id_of<'a>(value: &'a Value, kind: &str) -> Option<&'a str> {
    let text = value["reference"].as_str()?;
    text.contains('/').then(|| reference(text, kind)).flatten()
}

fn named_slot(appointment: &Value, organization: Option<ClinicId>) -> Result<Named, Outcome> {
    let field = |what: &str| {
        Outcome::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            IssueType::Processing,
            format!("appointment-resource: {what}"),
        )
    };
    let start = appointment["start"]
        .as_str()
        .map(|t| DateTime::parse_from_rfc3339(t).map_err(|_| field("start is not an instant")))
        .transpose()?;
    if let Some(slot) = appointment["slot"]
        .as_array()
        .and_then(|s| s.first())
        .and_then(|s| id_of(s, "Slot"))
    {
        let (clinic, service, at) = view::parse_slot_id(slot).ok_or_else(|| {
            field("its slot is no Slot of this API (Slot/{clinic}.{service}.{YYYYMMDDTHHMM})")
        })?;
        return Ok(Named {
            clinic,
            service,
            start: At::Local(at),
        });
    }
    let start = start
        .ok_or_else(|| field("name the slot (its slot reference from $find), or give its start"))?;
    let actors: Vec<&Value> = appointment["participant"]
        .as_array()
        .map(|p| p.iter().map(|p| &p["actor"]).collect())
        .unwrap_or_default();
    if let Some((clinic, service)) = actors
        .iter()
        .find_map(|a| ids::parse_service(id_of(a, "HealthcareService")?))
    {
        return Ok(Named {
            clinic,
            service,
            start: At::Instant(start.with_timezone(&Utc)),
        });
    }
    let clinic = actors
        .iter()
        .find_map(|a| id_of(a, "Location")?.parse().ok())
        .or(organization)
        .ok_or_else(|| {
            field("name its clinic: a HealthcareService or Location participant, or organization")
        })?;
    let service = appointment["serviceType"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["coding"].as_array().into_iter().flatten())
        .filter(|c| {
            c["system"]
                .as_str()
                .is_none_or(|s| s == SERVICE_TYPE_SYSTEM)
        })
        .find_map(|c| ServiceCode::parse(c["code"].as_str()?).ok())
        .ok_or_else(|| {
            field(&format!(
                "name its service: a serviceType coding of {SERVICE_TYPE_SYSTEM}"
            ))
        })?;
    Ok(Named {
        clinic,
        service,
        start: At::Instant(start.with_timezone(&Utc)),
    })
}

/// The patient's data as a booking takes it, from a Patient resource.
struct Person {
    name: String,
    phone: String,
    nik: Option<String>,
    bpjs: Option<String>,
    consent: bool,
}

fn person(patient: &Value) -> Result<Person, Outcome> {
    let field = |path: &str, what: &str| {
        Outcome::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            IssueType::Processing,
            format!("patient-resource.{path}: {what}"),
        )
    };
    if patient["resourceType"] != "Patient" {
        return Err(field("resourceType", "a Patient"));
    }
    let names: Vec<&Value> = patient["name"]
        .as_array()
        .map(|n| n.iter().collect())
        .unwrap_or_default();
    let name = names
        .iter()
        .filter(|n| n["use"] != "old")
        .find_map(|n| {
            if let Some(text) = n["text"].as_str().filter(|t| !t.trim().is_empty()) {
                return Some(text.trim().to_owned());
            }
            let mut parts: Vec<&str> = n["given"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            parts.extend(n["family"].as_str());
            let joined = parts.join(" ");
            (!joined.trim().is_empty()).then(|| joined.trim().to_owned())
        })
        .ok_or_else(|| field("name", "the patient's name is required"))?;
    let phones: Vec<&Value> = patient["telecom"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| matches!(t["system"].as_str(), Some("phone" | "sms")))
        .collect();
    let phone = phones
        .iter()
        .find(|t| t["use"] == "mobile")
        .or_else(|| phones.first())
        .and_then(|t| t["value"].as_str())
        .ok_or_else(|| {
            field(
                "telecom",
                "a mobile phone number (system phone) is required",
            )
        })?
        .to_owned();
    let identifier = |system: &str| {
        patient["identifier"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["system"] == system)
            .and_then(|i| i["value"].as_str())
            .map(str::to_owned)
    };
    let consent = patient["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["url"] == CONSENT_EXTENSION)
        .is_some_and(|e| e["valueBoolean"] == true);
    Ok(Person {
        name,
        phone,
        nik: identifier(NIK_SYSTEM),
        bpjs: identifier(BPJS_SYSTEM),
        consent,
    })
}

/// What a booking's refusal is, as FHIR says it.
fn refusal(err: BookingError) -> Outcome {
    let processing =
        |why: String| Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, IssueType::Processing, why);
    match err {
        BookingError::SlotFull { places } => Outcome::new(
            StatusCode::CONFLICT,
            IssueType::Conflict,
            format!(
                "all {places} online places of this slot are booked; nothing was booked \
                 (Appointment/$find proposes the free ones)"
            ),
        ),
        BookingError::Invalid(e) => {
            let path = match e.field {
                "name" => "patient-resource.name",
                "phone" => "patient-resource.telecom",
                "nik" => "patient-resource.identifier (NIK)",
                "bpjs" | "bpjs_number" => "patient-resource.identifier (BPJS)",
                "start" | "date" => "appointment-resource.start",
                other => other,
            };
            processing(format!("{path}: {}", e.rule.text().en))
        }
        BookingError::NotFound(what) => processing(format!(
            "no such {what} taking online bookings (Appointment/$find proposes what can be booked)"
        )),
        BookingError::Storage(e) => e.into(),
        other => processing(other.to_string()),
    }
}

/// `POST Appointment/$book`.
pub async fn book(
    Shared(state): Shared<State>,
    grant: Grant,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Fhir, Outcome> {
    grant.require("Appointment", Access::Write)?;
    let body = json_body(&body)?;
    let parameters = parameters(&body)?;
    let resource = |name: &str| {
        parameters
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| &p["resource"])
            .filter(|r| r.is_object())
    };
    let appointment = resource("appointment-resource").ok_or_else(|| {
        Outcome::invalid("appointment-resource is required: the proposed Appointment from $find")
    })?;
    let patient = resource("patient-resource").ok_or_else(|| {
        Outcome::invalid("patient-resource is required: a Patient with a name and a phone number")
    })?;
    if appointment["resourceType"] != "Appointment" {
        return Err(Outcome::invalid("appointment-resource is an Appointment"));
    }
    if !matches!(
        appointment["status"].as_str(),
        None | Some("proposed" | "pending")
    ) {
        return Err(Outcome::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            IssueType::Processing,
            "appointment-resource.status: a proposed (or pending) Appointment is booked",
        ));
    }
    let organization = parameters
        .iter()
        .find(|p| p["name"] == "organization")
        .and_then(|p| p["valueReference"]["reference"].as_str())
        .map(organization_of)
        .transpose()?;
    let named = named_slot(appointment, organization)?;
    grant.check("Appointment", Access::Write, named.clinic)?;
    let person = person(patient)?;
    let site = site(
        &state,
        named.clinic,
        "Organization",
        &named.clinic.to_string(),
    )
    .await?;
    let start = match named.start {
        At::Instant(t) => t,
        At::Local(local) => local_instant(site.zone, local),
    }
    .with_timezone(&site.zone)
    .fixed_offset();
    let request = BookingRequest {
        clinic: named.clinic,
        service: named.service,
        start,
        name: person.name,
        phone: person.phone,
        nik: person.nik,
        bpjs: person.bpjs,
        consent_messages: person.consent,
    };
    let booked = booking::book_online(&*state.storage, request, now_ms())
        .await
        .map_err(refusal)?;
    let id = booked.appointment.id.to_string();
    let record = AppointmentRecord {
        appointment: ProjectedAppointment {
            appointment: booked.appointment,
            cancelled: None,
            ticket: None,
        },
        ticket_status: None,
    };
    audit_read(
        &state,
        &grant,
        site.id(),
        "Appointment",
        std::slice::from_ref(&id),
    )
    .await?;
    let base = base_url(&state, &headers);
    let bundle = Bundle {
        matches: vec![view::appointment(&site, &record, now_ms())],
        total: 1,
        self_url: format!("{base}/Appointment/$book"),
        next_url: None,
        outcome: None,
    };
    Ok(Fhir::ok(bundle.resource(&base)))
}
