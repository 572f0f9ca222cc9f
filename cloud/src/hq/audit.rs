//! The clinics' audit trails at the head office: each row derived by
//! `medicloud_core::audit::row`, the function the clinic's own node lists its trail
//! with, over the events the cloud holds — so the cloud's trail of a clinic is the
//! node's, line for line — plus the clinic it belongs to. Patient ids, never names.
//!
//! A page of events is read newest first ([`Storage::audit_page`]), its rows' questions
//! (labels, counter names, earlier versions) gathered ([`Lookups::of`]) and answered at
//! once per clinic ([`Storage::audit_answers`]): a few statements per page, none per
//! row. The filters other than time apply to the derived rows, as on the node, so a
//! rare action may take several pages.

use super::{HqAction, HqCaller, HqError};
use crate::api::State;
use crate::storage::{ClinicEntry, Storage, TrailKey};
use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use medicloud_core::audit::{self, Answers, AuditFilter, AuditRow, Lookups};
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::event::{Actor, Event};
use medicloud_core::i18n::Text;
use medicloud_core::ids::{ClinicId, DeviceId, PatientId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

/// One line of a clinic's audit trail, as its node lists it, and the clinic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HqAuditRow {
    /// The clinic.
    #[schema(value_type = String, format = Uuid)]
    pub clinic: ClinicId,
    /// Its name, as registered in the cloud.
    pub clinic_name: String,
    /// The staff member's display name or the device's name behind `actor`, as the
    /// clinic's nodes last set it (none for `system`, or a name the cloud has not heard).
    pub actor_name: Option<String>,
    /// The line, as the clinic's node gives it (`GET /api/v1/audit`).
    #[serde(flatten)]
    pub row: AuditRow,
}

/// Which trail, and which of its lines.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// One clinic; none: every clinic the caller may see.
    #[param(value_type = Option<String>, format = Uuid)]
    clinic: Option<ClinicId>,
    /// Only this action (`login`, `staff_set`, `call`…).
    action: Option<String>,
    /// Only this actor (`staff:<id>`, `device:<id>`, `system`).
    actor: Option<String>,
    /// Only entries about this patient (by id).
    #[param(value_type = Option<String>, format = Uuid)]
    patient: Option<PatientId>,
    /// Only entries at or after this time (ms since 1970, 0 to 2^47 − 1).
    #[param(minimum = 0, maximum = 140_737_488_355_327_i64)]
    since_ms: Option<i64>,
    /// At most this many, newest first (default 200; 1 to 1,000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// Only entries older than this one, `<device>:<seq>` (the last row of the page
    /// before: "load more").
    #[param(
        example = "5e1f0000-0000-4000-8000-0000000000d1:42",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:[0-9]{1,19}$"
    )]
    before: Option<String>,
}

/// Events read at a time when the rows are filtered (and may be sparse among them).
const FILTERED_PAGE: usize = 500;

/// The audit trail of one clinic or of every clinic the caller may see, newest first
/// (by the events' stamps; the same order as the node's), each line as the clinic's
/// node gives it for the same events — configuration changes with what they changed
/// (`changes: ["disabled"]`), logins, refusals, reads of patient data — with the
/// clinic's id and name. Rows name patients by id only. `read_audit` (auditor, chain
/// admin).
#[utoipa::path(get, path = "/hq/v1/audit", tag = "audit",
    security(("hq_access_token" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = [HqAuditRow]),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read the audit trail; `clinic_not_on_account`: a clinic outside the caller's scope", body = ErrorBody),
        (status = 404, description = "`not_found`: `before` names no entry of the trail", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a clinic or patient that is no id, `limit` outside 1..=1000, `since_ms` outside 0..2^47, `before` not `<device>:<seq>`", body = ErrorBody),
    ))]
pub(crate) async fn trail(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<HqAuditRow>>, HqError> {
    // The role first: a caller who may not read the trail learns nothing of the query.
    caller.require(HqAction::ReadAudit, None)?;
    let Query(q) = query.map_err(|_| {
        HqError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "clinic dan patient harus berupa id; limit dan since_ms berupa bilangan.",
                "clinic and patient must be ids; limit and since_ms numbers.",
            ),
        )
    })?;
    caller.require(HqAction::ReadAudit, q.clinic)?;
    let filter = AuditFilter {
        action: q.action,
        actor: q.actor,
        patient: q.patient,
        since_ms: q.since_ms,
        limit: q.limit,
    };
    let (limit, since) = filter.bounds()?;
    let clinics = state.storage.clinic_list(scope(&caller, q.clinic)).await?;
    let names: HashMap<ClinicId, String> = clinics.into_iter().map(|c| (c.id, c.name)).collect();
    let ids: Vec<ClinicId> = names.keys().copied().collect();
    let filtered = filter.action.is_some() || filter.actor.is_some() || filter.patient.is_some();
    let page = if filtered {
        FILTERED_PAGE.max(limit)
    } else {
        limit
    };
    let mut out = Vec::new();
    let mut after = match q.before {
        None => None,
        Some(before) => Some(cursor(&state, &ids, &before).await?),
    };
    while !ids.is_empty() {
        let events = state
            .storage
            .audit_page(ids.clone(), since, after, page)
            .await?;
        let Some(last) = events.last() else { break };
        after = Some((last.stamp, last.id.origin, last.id.seq));
        let mut answers = answers(&state, &events).await?;
        for event in &events {
            let source = answers.entry(event.clinic).or_default();
            let Ok(row) = audit::row(source, event);
            if filter.keeps(&row) {
                out.push((
                    event.actor,
                    HqAuditRow {
                        clinic: event.clinic,
                        clinic_name: names.get(&event.clinic).cloned().unwrap_or_default(),
                        actor_name: None,
                        row,
                    },
                ));
                if out.len() == limit {
                    break;
                }
            }
        }
        if out.len() == limit || events.len() < page {
            break;
        }
    }
    Ok(Json(with_actor_names(&state, out).await?))
}

/// The rows, each with its actor's name (read once per clinic for the whole answer).
async fn with_actor_names(
    state: &State,
    rows: Vec<(Actor, HqAuditRow)>,
) -> Result<Vec<HqAuditRow>, HqError> {
    let mut actors: BTreeMap<ClinicId, Vec<Actor>> = BTreeMap::new();
    for (actor, row) in &rows {
        let of_clinic = actors.entry(row.clinic).or_default();
        if *actor != Actor::System && !of_clinic.contains(actor) {
            of_clinic.push(*actor);
        }
    }
    let mut names = HashMap::new();
    for (clinic, actors) in actors {
        names.insert(clinic, state.storage.actor_names(clinic, actors).await?);
    }
    Ok(rows
        .into_iter()
        .map(|(actor, mut row)| {
            row.actor_name = names.get(&row.clinic).and_then(|n| n.get(&actor)).cloned();
            row
        })
        .collect())
}

/// Where the entry `<device>:<seq>` stands in the trail of `clinics`: 422 for text of
/// another shape, 404 when it is no entry there.
async fn cursor(state: &State, clinics: &[ClinicId], before: &str) -> Result<TrailKey, HqError> {
    let malformed = || {
        HqError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "before harus berupa <device>:<seq> sebuah catatan.",
                "before must be an entry's <device>:<seq>.",
            ),
        )
    };
    let (origin, seq) = before.split_once(':').ok_or_else(malformed)?;
    let (origin, seq) = (
        origin.parse::<DeviceId>().map_err(|_| malformed())?,
        seq.parse::<u64>().map_err(|_| malformed())?,
    );
    let unknown = || {
        HqError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            Text::new(
                "Catatan before tidak ada pada jejak ini.",
                "The entry named by before is not on this trail.",
            ),
        )
    };
    if clinics.is_empty() {
        return Err(unknown());
    }
    state
        .storage
        .trail_key(clinics.to_vec(), origin, seq)
        .await?
        .ok_or_else(unknown)
}

/// The clinics a trail covers: the one asked for, else the caller's scope (every clinic
/// unless the role is scoped to the account's).
fn scope(caller: &HqCaller, clinic: Option<ClinicId>) -> Option<Vec<ClinicId>> {
    match clinic {
        Some(clinic) => Some(vec![clinic]),
        None if caller.role.scoped() => Some(caller.clinics.clone()),
        None => None,
    }
}

/// The answers to a page's questions, per clinic.
async fn answers(state: &State, events: &[Event]) -> Result<HashMap<ClinicId, Answers>, HqError> {
    let mut by_clinic: BTreeMap<ClinicId, Vec<&Event>> = BTreeMap::new();
    for event in events {
        by_clinic.entry(event.clinic).or_default().push(event);
    }
    let mut out = HashMap::new();
    for (clinic, events) in by_clinic {
        let lookups = Lookups::of(events);
        out.insert(clinic, state.storage.audit_answers(clinic, lookups).await?);
    }
    Ok(out)
}

/// The clinics whose trails the caller may read, by name, with their time zones (for
/// the trail's clinic picker and its clocks). `read_audit`.
#[utoipa::path(get, path = "/hq/v1/audit/clinics", tag = "audit",
    security(("hq_access_token" = [])),
    responses(
        (status = 200, body = [ClinicEntry]),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read the audit trail", body = ErrorBody),
    ))]
pub(crate) async fn clinics(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
) -> Result<Json<Vec<ClinicEntry>>, HqError> {
    caller.require(HqAction::ReadAudit, None)?;
    Ok(Json(state.storage.clinic_list(scope(&caller, None)).await?))
}

/// One read of patient data by an API client (`/fhir/r4`): who, when, which clinic,
/// which resources by type and id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiReadRow {
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// The API client's id.
    pub client: String,
    /// The clinic whose data it read.
    #[schema(value_type = String, format = Uuid)]
    pub clinic: ClinicId,
    /// The resource type (`Patient`, `Appointment`, `Encounter`).
    pub resource: String,
    /// The ids read.
    pub ids: Vec<String>,
}

/// Which API reads.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ApiReadsQuery {
    /// One clinic; none: every clinic.
    #[param(value_type = Option<String>, format = Uuid)]
    clinic: Option<ClinicId>,
    /// How many, newest first (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// The API clients' reads of patient data, newest first: the chain's other systems
/// on the audit trail.
#[utoipa::path(get, path = "/hq/v1/api-reads", tag = "audit",
    security(("hq_access_token" = [])),
    params(ApiReadsQuery),
    responses(
        (status = 200, body = [ApiReadRow]),
        (status = 401, description = "no valid access token", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read the audit trail; `clinic_not_on_account`: a clinic outside the caller's scope", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a clinic that is no id, `limit` outside 1..=1000", body = ErrorBody),
    ))]
pub(crate) async fn api_reads(
    axum::extract::State(state): axum::extract::State<State>,
    caller: HqCaller,
    query: Result<Query<ApiReadsQuery>, QueryRejection>,
) -> Result<Json<Vec<ApiReadRow>>, HqError> {
    use crate::storage::ApiClientStorage;
    caller.require(HqAction::ReadAudit, None)?;
    let invalid = || {
        HqError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                "clinic harus berupa id; limit antara 1 dan 1000.",
                "clinic must be an id; limit between 1 and 1000.",
            ),
        )
    };
    let Query(q) = query.map_err(|_| invalid())?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(invalid());
    }
    caller.require(HqAction::ReadAudit, q.clinic)?;
    let clinics = match q.clinic {
        Some(clinic) => Some(vec![clinic]),
        None if caller.role.scoped() => Some(caller.clinics.clone()),
        None => None,
    };
    let reads = state.storage.api_reads(clinics, limit).await?;
    Ok(Json(
        reads
            .into_iter()
            .map(|r| ApiReadRow {
                at_ms: r.at_ms,
                client: r.client,
                clinic: r.clinic,
                resource: r.resource,
                ids: r.ids.split_whitespace().map(str::to_owned).collect(),
            })
            .collect(),
    ))
}
