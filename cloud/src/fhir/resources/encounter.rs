//! Visits as Encounters, `Encounter/{visit id}`: one per visit, the journey of its
//! tickets through the clinic's services (a transfer's continuation is the same visit).
//!
//! - `status` is the visit's [`VisitState`] in the standard codes only: `arrived`
//!   (waiting or called, at any step), `in-progress` (being served), `finished`,
//!   `cancelled` (cancelled, or the patient did not come) — never `called` or
//!   `inprogress`.
//! - `statusHistory` is the journey in those codes, each with its period: arrived from
//!   the issue (or the end of the step before) until served (or, for a counter that
//!   finished straight from the call, called), in progress until the step is done, and
//!   so on through every step of every ticket; the current status last.
//! - `location` has one entry per service and step the visit went through (the
//!   clinic's Location, named by the service and step), `completed` or `active`.
//! - `participant` names the clinicians (Practitioners) who served a step.
//! - `class` is AMB (ambulatory, v3-ActCode); `subject` the Patient when the visit has
//!   one; `appointment` the booking it was checked in from; `serviceProvider` the
//!   clinic; `period` from the first issue to, once the visit is over, its end.

use super::{
    ID, Pager, READ_SEARCH, audited_answer, granted_clinics, instant, locate, token_is, zone_of,
};
use crate::api::State;
use crate::fhir::search::{DateParam, Prefix, Search, reference, token};
use crate::fhir::{Fhir, Outcome, Supported};
use crate::oauth::{self, Grant};
use crate::projection::Configuration;
use crate::storage::fhir::{
    FhirStorage, Holder, Paging, PeriodMatch, Visit, VisitMatch, VisitState,
};
use crate::storage::{ClinicEntry, Storage};
use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::HeaderMap;
use medicloud_core::domain::{StaffRole, StepId};
use medicloud_core::event::Actor;
use medicloud_core::ids::VisitId;
use medicloud_core::ticket::{Ticket, TicketStatus};
use serde_json::{Value, json};

/// Encounter: a visit.
pub const ENCOUNTER: Supported = Supported {
    resource: "Encounter",
    interactions: READ_SEARCH,
    search: &[
        ID,
        (
            "patient",
            "reference",
            "http://hl7.org/fhir/SearchParameter/clinical-patient",
        ),
        (
            "date",
            "date",
            "http://hl7.org/fhir/SearchParameter/clinical-date",
        ),
        (
            "status",
            "token",
            "http://hl7.org/fhir/SearchParameter/Encounter-status",
        ),
        (
            "appointment",
            "reference",
            "http://hl7.org/fhir/SearchParameter/Encounter-appointment",
        ),
    ],
    operations: &[],
};

/// The code system of `Encounter.status`.
const STATUS_SYSTEM: &str = "http://hl7.org/fhir/encounter-status";

/// A visit state's `Encounter.status`.
pub fn status_code(state: VisitState) -> &'static str {
    match state {
        VisitState::InProgress => "in-progress",
        VisitState::Arrived | VisitState::Moving => "arrived",
        VisitState::Finished => "finished",
        VisitState::Cancelled => "cancelled",
    }
}

/// The visit state an `Encounter.status` code searches for (none: a code no visit
/// has).
fn state_of_code(code: &str) -> Option<VisitState> {
    [
        VisitState::InProgress,
        VisitState::Arrived,
        VisitState::Finished,
        VisitState::Cancelled,
    ]
    .into_iter()
    .find(|s| status_code(*s) == code)
}

/// One stretch of the journey in one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stretch {
    status: VisitState,
    start: i64,
    end: Option<i64>,
}

/// Where the visit was: a service's step, from when to when.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stay {
    place: String,
    start: i64,
    end: Option<i64>,
    served_by: Option<Actor>,
}

/// The journey of a visit's tickets: its stretches (merged where one status goes on)
/// and its stays.
fn journey(tickets: &[Ticket], configuration: &Configuration) -> (Vec<Stretch>, Vec<Stay>) {
    let mut stretches: Vec<Stretch> = Vec::new();
    let mut stays = Vec::new();
    let mut push = |status: VisitState, start: i64, end: Option<i64>| {
        let over = matches!(status, VisitState::Finished | VisitState::Cancelled);
        if !over && end.is_some_and(|end| end <= start) {
            return; // no time in it
        }
        match stretches.last_mut() {
            Some(last) if last.status == status => last.end = end,
            _ => stretches.push(Stretch { status, start, end }),
        }
    };
    let place = |ticket: &Ticket, step: Option<&StepId>| {
        let service = configuration
            .services
            .iter()
            .find(|s| s.code == ticket.issue.service);
        let name = service.map_or_else(|| ticket.issue.service.to_string(), |s| s.name_id.clone());
        let step = service
            .and_then(|s| s.step_of(step).and_then(|id| s.step(id)))
            .map(|s| s.name_id.clone());
        match step {
            Some(step) => format!("{name} · {step}"),
            None => name,
        }
    };
    let mut last_end = None;
    for t in tickets {
        let mut at = t.issued_at_ms;
        for done in &t.finished_steps {
            let served = done
                .serving_at_ms
                .or(done.called_at_ms)
                .unwrap_or(done.finished_at_ms);
            push(VisitState::Arrived, at, Some(served));
            push(VisitState::InProgress, served, Some(done.finished_at_ms));
            stays.push(Stay {
                place: place(t, done.step.as_ref()),
                start: at,
                end: Some(done.finished_at_ms),
                served_by: done.served_by,
            });
            at = done.finished_at_ms;
        }
        let end = t.finished_at_ms.unwrap_or(at);
        match t.status {
            TicketStatus::Waiting | TicketStatus::Called => {
                push(VisitState::Arrived, at, None);
            }
            TicketStatus::Serving => {
                let served = t.serving_at_ms.unwrap_or(at);
                push(VisitState::Arrived, at, Some(served));
                push(VisitState::InProgress, served, None);
            }
            TicketStatus::Done => {
                let served = t.serving_at_ms.or(t.called_at_ms).unwrap_or(end);
                push(VisitState::Arrived, at, Some(served));
                push(VisitState::InProgress, served, Some(end));
                push(VisitState::Finished, end, Some(end));
            }
            TicketStatus::NoShow | TicketStatus::Cancelled => {
                push(VisitState::Arrived, at, Some(end));
                push(VisitState::Cancelled, end, Some(end));
            }
            TicketStatus::Transferred => match t.serving_at_ms {
                Some(served) => {
                    push(VisitState::Arrived, at, Some(served));
                    push(VisitState::InProgress, served, Some(end));
                }
                None => push(VisitState::Arrived, at, Some(end)),
            },
        }
        let open = matches!(
            t.status,
            TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving
        );
        stays.push(Stay {
            place: place(t, t.step.as_ref()),
            start: at,
            end: (!open).then_some(end),
            served_by: t.served_by,
        });
        last_end = Some(end);
    }
    // Transferred, the continuation not here yet: on the way to the next service.
    if VisitState::of(tickets) == Some(VisitState::Moving)
        && let Some(end) = last_end
    {
        push(VisitState::Arrived, end, None);
    }
    (stretches, stays)
}

fn period(start: i64, end: Option<i64>, zone: chrono_tz::Tz) -> Value {
    match end {
        Some(end) => json!({"start": instant(start, zone), "end": instant(end, zone)}),
        None => json!({"start": instant(start, zone)}),
    }
}

/// The last time anything happened to the visit's tickets.
fn last_change(tickets: &[Ticket]) -> i64 {
    tickets
        .iter()
        .flat_map(|t| {
            [
                Some(t.issued_at_ms),
                Some(t.queued_at_ms),
                t.called_at_ms,
                t.serving_at_ms,
                t.finished_at_ms,
            ]
            .into_iter()
            .chain(t.finished_steps.iter().map(|f| Some(f.finished_at_ms)))
        })
        .flatten()
        .max()
        .unwrap_or_default()
}

/// A visit of `clinic` as an Encounter (none for a visit without tickets).
pub fn encounter(
    clinic: &ClinicEntry,
    configuration: &Configuration,
    visit: &Visit,
) -> Option<Value> {
    let state = VisitState::of(&visit.tickets)?;
    let zone = zone_of(clinic);
    let tickets = &visit.tickets;
    let start = tickets.iter().map(|t| t.issued_at_ms).min()?;
    let end = state
        .is_over()
        .then(|| tickets.iter().filter_map(|t| t.finished_at_ms).max())
        .flatten();
    let (stretches, stays) = journey(tickets, configuration);
    let mut resource = json!({
        "resourceType": "Encounter",
        "id": visit.id.to_string(),
        "meta": {"lastUpdated": super::patient::utc_instant(last_change(tickets))},
        "status": status_code(state),
        "statusHistory": stretches.iter().map(|s| json!({
            "status": status_code(s.status),
            "period": period(s.start, s.end, zone),
        })).collect::<Vec<_>>(),
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "period": period(start, end, zone),
        "location": stays.iter().map(|s| json!({
            "location": {"reference": format!("Location/{}", clinic.id), "display": s.place},
            "status": if s.end.is_some() { "completed" } else { "active" },
            "period": period(s.start, s.end, zone),
        })).collect::<Vec<_>>(),
        "serviceProvider": super::clinic::organization_ref(clinic),
    });
    if let Some(first) = tickets.first()
        && let Some(service) = configuration
            .services
            .iter()
            .find(|s| s.code == first.issue.service)
    {
        resource["serviceType"] = json!({"text": service.name_id});
    }
    if let Some(patient) = tickets.iter().find_map(|t| t.issue.patient) {
        resource["subject"] = json!({"reference": format!("Patient/{patient}")});
    }
    let appointments: Vec<Value> = tickets
        .iter()
        .filter_map(|t| t.issue.appointment)
        .map(|a| json!({"reference": format!("Appointment/{}", a.id)}))
        .collect();
    if !appointments.is_empty() {
        resource["appointment"] = Value::Array(appointments);
    }
    let participants: Vec<Value> = stays
        .iter()
        .filter_map(|stay| {
            let Some(Actor::Staff(id)) = stay.served_by else {
                return None;
            };
            let staff = configuration
                .staff
                .iter()
                .find(|u| u.id == id && u.role == StaffRole::Clinician)?;
            Some(json!({
                "type": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "PPRF",
                    "display": "primary performer",
                }]}],
                "period": period(stay.start, stay.end, zone),
                "individual": {
                    "reference": format!("Practitioner/{}", staff.id),
                    "display": staff.display_name,
                },
            }))
        })
        .collect();
    if !participants.is_empty() {
        resource["participant"] = Value::Array(participants);
    }
    Some(resource)
}

/// What an Encounter search asks of one clinic's visits (dates in its zone).
fn filter(search: &Search, zone: chrono_tz::Tz) -> Result<Vec<Vec<VisitMatch>>, Outcome> {
    let mut groups: Vec<Vec<VisitMatch>> = Vec::new();
    for group in search.groups("_id") {
        groups.push(group.into_iter().map(VisitMatch::Id).collect());
    }
    let references = |name: &str, resource: &str, to: fn(String) -> VisitMatch| {
        search
            .groups(name)
            .into_iter()
            .map(|group| {
                group
                    .iter()
                    .map(|v| reference(v, resource).map_or(VisitMatch::Never, |id| to(id.into())))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    groups.extend(references("patient", "Patient", VisitMatch::Patient));
    groups.extend(references(
        "appointment",
        "Appointment",
        VisitMatch::Appointment,
    ));
    for group in search.groups("status") {
        groups.push(
            group
                .iter()
                .map(|v| {
                    let code = token(v).1;
                    match state_of_code(code) {
                        Some(state) if token_is(v, STATUS_SYSTEM, code) => VisitMatch::State(state),
                        _ => VisitMatch::Never,
                    }
                })
                .collect(),
        );
    }
    for group in search.groups("date") {
        let mut alternatives = Vec::new();
        for value in group {
            let date = DateParam::parse(&value)?;
            let (from, until) = date.instants(&zone);
            let (from, until) = (from.timestamp_millis(), until.timestamp_millis());
            alternatives.push(VisitMatch::Period(match date.prefix {
                Prefix::Eq => PeriodMatch::Within {
                    from,
                    until,
                    outside: false,
                },
                Prefix::Ne => PeriodMatch::Within {
                    from,
                    until,
                    outside: true,
                },
                Prefix::Gt => PeriodMatch::EndsAtOrAfter(until),
                Prefix::Ge => PeriodMatch::EndsAtOrAfter(from),
                Prefix::Lt => PeriodMatch::StartsBefore(from),
                Prefix::Le => PeriodMatch::StartsBefore(until),
                Prefix::Sa => PeriodMatch::StartsAtOrAfter(until),
                Prefix::Eb => PeriodMatch::EndsBefore(from),
            }));
        }
        groups.push(alternatives);
    }
    Ok(groups)
}

/// `GET /Encounter`: `_id`, `patient`, `date` (on the period, with the prefixes eq,
/// ne, gt, lt, ge, le, sa, eb), `status`, `appointment`.
pub async fn search(
    Extract(state): Extract<State>,
    grant: Grant,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Fhir, Outcome> {
    let clinics = granted_clinics(&state, &grant, ENCOUNTER.resource).await?;
    let search = Search::parse(&ENCOUNTER, query.as_deref(), &headers)?;
    // A date that does not read is refused whichever clinics there are.
    filter(&search, crate::projection::DEFAULT_TIME_ZONE)?;
    let mut pager = Pager::new(&search);
    let mut page = Vec::new();
    for clinic in &clinics {
        let matches = filter(&search, zone_of(clinic))?;
        let found = state
            .storage
            .visits(clinic.id, matches, pager.paging())
            .await?;
        pager.took(found.total, found.items.len());
        if !found.items.is_empty() {
            let configuration = state.storage.configuration(clinic.id).await?;
            page.extend(
                found
                    .items
                    .iter()
                    .filter_map(|v| encounter(clinic, &configuration, v))
                    .map(|r| (clinic.id, r)),
            );
        }
    }
    audited_answer(&state, &grant, &headers, &search, pager.total, page).await
}

/// `GET /Encounter/{id}`.
pub async fn read(
    Extract(state): Extract<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let resource = ENCOUNTER.resource;
    let not_found = || Outcome::not_found(resource, &id);
    let visit: VisitId = id.parse().map_err(|_| not_found())?;
    let visit = visit.to_string();
    let clinic = locate(&state, &grant, resource, Holder::Visit, &visit).await?;
    let found = state
        .storage
        .visits(
            clinic.id,
            vec![vec![VisitMatch::Id(visit.clone())]],
            Paging {
                offset: 0,
                count: 1,
            },
        )
        .await?;
    let configuration = state.storage.configuration(clinic.id).await?;
    let encounter = found
        .items
        .first()
        .and_then(|v| encounter(&clinic, &configuration, v))
        .ok_or_else(not_found)?;
    oauth::audit_read(
        &state,
        &grant,
        clinic.id,
        resource,
        std::slice::from_ref(&visit),
    )
    .await?;
    Ok(Fhir::ok(encounter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use medicloud_core::domain::{Service, ServiceCode, VisitStep};
    use medicloud_core::event::{Event, EventBody, EventId, Stamp};
    use medicloud_core::ids::{ClinicId, DeviceId, TicketId};
    use medicloud_core::ticket::{self, Issue, TicketChange};

    const T0: u64 = 1_800_000_000_000;

    fn poli() -> Configuration {
        Configuration {
            services: vec![Service {
                code: ServiceCode::parse("A").unwrap(),
                name_id: "Poli Umum".into(),
                name_en: "General Practice".into(),
                active: true,
                slots: Default::default(),
                schedule: None,
                steps: vec![
                    VisitStep::new("registration", "Pendaftaran", "Registration").unwrap(),
                    VisitStep::new("room", "Ruang Periksa", "Consultation room").unwrap(),
                ],
                target_wait_minutes: 60,
            }],
            ..Configuration::default()
        }
    }

    /// A ticket of Poli Umum through `changes`, one a minute after its issue.
    fn ticket(changes: Vec<TicketChange>) -> Ticket {
        let (origin, id) = (DeviceId::random(), TicketId::random());
        let issue = TicketChange::Issued(Issue {
            service: ServiceCode::parse("A").unwrap(),
            label: "A-001".into(),
            day: "2027-01-15".parse().unwrap(),
            priority: None,
            visit: medicloud_core::ids::VisitId::random(),
            appointment: None,
            patient: None,
            transferred_from: None,
            start_step: Some(StepId::parse("registration").unwrap()),
            estimated_wait_seconds: None,
        });
        let events: Vec<Event> = std::iter::once(issue)
            .chain(changes)
            .enumerate()
            .map(|(i, change)| Event {
                id: EventId {
                    origin,
                    seq: i as u64 + 1,
                },
                stamp: Stamp::new(T0 + i as u64 * 60_000, 0),
                clinic: ClinicId::random(),
                actor: Actor::System,
                body: EventBody::Ticket { id, change },
            })
            .collect();
        ticket::fold(&events).unwrap()
    }

    fn statuses(stretches: &[Stretch]) -> Vec<(&'static str, i64, Option<i64>)> {
        let t0 = T0 as i64;
        stretches
            .iter()
            .map(|s| {
                (
                    status_code(s.status),
                    (s.start - t0) / 60_000,
                    s.end.map(|e| (e - t0) / 60_000),
                )
            })
            .collect()
    }

    #[test]
    fn a_visit_through_registration_and_the_room_is_arrived_in_progress_finished() {
        let counter = || TicketChange::Called {
            counter: "loket-1".parse().unwrap(),
        };
        let t = ticket(vec![
            counter(),
            TicketChange::Served,
            TicketChange::Advanced {
                to: StepId::parse("room").unwrap(),
                label: None,
            },
            counter(),
            TicketChange::Served,
            TicketChange::Completed,
        ]);
        let (stretches, stays) = journey(std::slice::from_ref(&t), &poli());
        assert_eq!(
            statuses(&stretches),
            [
                ("arrived", 0, Some(2)),
                ("in-progress", 2, Some(3)),
                ("arrived", 3, Some(5)),
                ("in-progress", 5, Some(6)),
                ("finished", 6, Some(6)),
            ]
        );
        let places: Vec<&str> = stays.iter().map(|s| s.place.as_str()).collect();
        assert_eq!(
            places,
            ["Poli Umum · Pendaftaran", "Poli Umum · Ruang Periksa"]
        );
        assert!(stays.iter().all(|s| s.end.is_some()));
    }

    #[test]
    fn a_ticket_finished_from_the_call_or_not_come_maps_to_standard_codes() {
        let call = TicketChange::Called {
            counter: "loket-1".parse().unwrap(),
        };
        let done = ticket(vec![call.clone(), TicketChange::Completed]);
        let (stretches, _) = journey(&[done], &poli());
        assert_eq!(
            statuses(&stretches),
            [
                ("arrived", 0, Some(1)),
                ("in-progress", 1, Some(2)),
                ("finished", 2, Some(2))
            ]
        );
        let gone = ticket(vec![call.clone(), TicketChange::NoShow]);
        let (stretches, stays) = journey(&[gone], &poli());
        assert_eq!(
            statuses(&stretches),
            [("arrived", 0, Some(2)), ("cancelled", 2, Some(2))]
        );
        assert_eq!(stays[0].end, Some(T0 as i64 + 120_000));
        let waiting = ticket(vec![call]);
        let (stretches, stays) = journey(&[waiting], &poli());
        assert_eq!(statuses(&stretches), [("arrived", 0, None)]);
        assert_eq!(stays[0].end, None);
        for s in stretches {
            assert!(!["called", "inprogress"].contains(&status_code(s.status)));
        }
    }
}
