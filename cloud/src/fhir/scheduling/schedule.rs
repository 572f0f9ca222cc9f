//! `Schedule`: one per service with a schedule, id `{clinic}.{service}`; read, and
//! search by `_id`, `actor` (the HealthcareService, the Location, the Practitioner),
//! `active` and `service-type`.

use super::params::{Params, reference_id};
use super::{
    Base, Paging, Site, named_clinics, service_matches, service_tokens, site, sites, view,
};
use crate::api::{State, now_ms};
use crate::fhir::{Fhir, Outcome, ids};
use crate::oauth::{Access, Grant};
use axum::extract::{Path, State as Shared};
use medicloud_core::domain::Service;

const SERVED: &[&str] = &[
    "_id",
    "actor",
    "active",
    "service-type",
    "_count",
    "_offset",
];

/// `GET Schedule/{id}`.
pub async fn read(
    Shared(state): Shared<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let (clinic, code) =
        ids::parse_service(&id).ok_or_else(|| Outcome::not_found("Schedule", &id))?;
    grant.check("Schedule", Access::Read, clinic)?;
    let site = site(&state, clinic, "Schedule", &id).await?;
    let service = site
        .service(&code)
        .filter(|s| s.schedule.is_some())
        .ok_or_else(|| Outcome::not_found("Schedule", &id))?;
    Ok(Fhir::ok(view::schedule(&site, service, now_ms())))
}

/// Whether the Schedule of `service` at `site` is one of `actors` names.
fn actor_matches(actors: &[String], site: &Site, service: &Service) -> bool {
    let clinic = site.id().to_string();
    let own = ids::service(site.id(), &service.code);
    let practitioner = service
        .schedule
        .as_ref()
        .and_then(|s| s.practitioner)
        .map(|p| format!("{clinic}.{p}"));
    actors.iter().any(|actor| {
        reference_id(actor, "HealthcareService") == Some(&own)
            || reference_id(actor, "Location") == Some(&clinic)
            || practitioner
                .as_deref()
                .is_some_and(|p| reference_id(actor, "Practitioner") == Some(p))
    })
}

/// `GET Schedule?…`.
pub async fn search(
    Shared(state): Shared<State>,
    grant: Grant,
    base: Base,
    params: Params,
) -> Result<Fhir, Outcome> {
    grant.require("Schedule", Access::Read)?;
    params.refuse_modifiers(SERVED)?;
    let paging = Paging::of(&params)?;
    let wanted_ids = params.any_of("_id");
    let actors = params.any_of("actor");
    let active = match params.any_of("active").as_deref() {
        None => None,
        Some([one]) if one == "true" => Some(true),
        Some([one]) if one == "false" => Some(false),
        Some(_) => return Err(Outcome::invalid("active is true or false")),
    };
    let services = service_tokens(&params);
    let clinics = named_clinics(&grant, "Schedule", &[wanted_ids.clone(), actors.clone()])?
        .unwrap_or_else(|| grant.clinics.clone());
    let sites = sites(&state, &clinics).await?;
    let now = now_ms();
    let matches: Vec<_> = sites
        .iter()
        .flat_map(|site| site.scheduled().map(move |service| (site, service)))
        .filter(|(site, service)| {
            wanted_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&ids::service(site.id(), &service.code)))
                && actors
                    .as_ref()
                    .is_none_or(|a| actor_matches(a, site, service))
                && active.is_none_or(|a| service.active == a)
                && services
                    .as_ref()
                    .is_none_or(|t| service_matches(t, service))
        })
        .collect();
    let total = matches.len();
    let page = paging
        .take(matches)
        .into_iter()
        .map(|(site, service)| view::schedule(site, service, now))
        .collect();
    Ok(paging.bundle(&base, "Schedule", &params.applied(SERVED), total, page))
}
