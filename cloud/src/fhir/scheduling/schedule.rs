//! `Schedule`: one per service with a schedule, id `{clinic}.{service}`; read, and
//! search by `_id`, `actor` (the HealthcareService, the Location, the Practitioner),
//! `active` and `service-type`.

use super::params::any_of;
use super::{SUPPORTED, Site, answer, named_clinics, service_matches, site, sites, view};
use crate::api::{State, now_ms};
use crate::fhir::search::{Search, base_url, reference};
use crate::fhir::{Fhir, Outcome, ids};
use crate::oauth::{Access, Grant};
use axum::extract::{Path, RawQuery, State as Shared};
use axum::http::HeaderMap;
use medicloud_core::domain::Service;

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
        .map(|p| p.to_string());
    actors.iter().any(|actor| {
        reference(actor, "HealthcareService") == Some(&own)
            || reference(actor, "Location") == Some(&clinic)
            || practitioner
                .as_deref()
                .is_some_and(|p| reference(actor, "Practitioner") == Some(p))
    })
}

/// `GET Schedule?…`.
pub async fn search(
    Shared(state): Shared<State>,
    grant: Grant,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Fhir, Outcome> {
    grant.require("Schedule", Access::Read)?;
    let search = Search::parse(&SUPPORTED[0], query.as_deref(), &headers)?;
    let wanted_ids = any_of(&search, "_id");
    let actors = any_of(&search, "actor");
    let active = match any_of(&search, "active").as_deref() {
        None => None,
        Some([one]) if one == "true" => Some(true),
        Some([one]) if one == "false" => Some(false),
        Some(_) => return Err(Outcome::invalid("active is true or false")),
    };
    let services = any_of(&search, "service-type");
    // The clinics the ids name: `_id`, and `actor` when each names a HealthcareService
    // or the Location (a Practitioner's id names no clinic).
    let typed = |r: &String| {
        reference(r, "HealthcareService")
            .or_else(|| reference(r, "Location"))
            .filter(|_| r.contains('/'))
            .map(str::to_owned)
    };
    let named = match (&wanted_ids, &actors) {
        (Some(ids), _) => Some(ids.clone()),
        (None, Some(actors)) => actors.iter().map(typed).collect::<Option<Vec<_>>>(),
        (None, None) => None,
    };
    let clinics =
        named_clinics(&grant, "Schedule", named)?.unwrap_or_else(|| grant.clinics.clone());
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
    let page = matches
        .into_iter()
        .skip(search.offset)
        .take(search.count)
        .map(|(site, service)| view::schedule(site, service, now))
        .collect();
    Ok(answer(&search, &base_url(&state, &headers), total, page))
}
