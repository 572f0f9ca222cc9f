//! `Slot`: computed from a service's schedule and its live bookings, never stored; id
//! `{clinic}.{service}.{YYYYMMDDTHHMM}` (its clinic-local start). Read, and search by
//! `schedule` (required unless `_id` is given), `start` (prefixes `eq`, `ge`, `gt`,
//! `le`, `lt`; by default the clinic's today and the 6 days after it), `status`,
//! `service-type`, with `_count` and paging.
//!
//! A search covers the clinic's today up to the booking horizon
//! ([`crate::booking::DAYS_AHEAD`] days on): an earlier start is moved up to today's
//! midnight, a later end cut at the horizon. A read answers any day up to the horizon
//! (an Appointment's `slot` of a past day too, `busy-unavailable`).

use super::params::{Window, any_of, local_instant};
use super::view::{self, Placed};
use super::{SUPPORTED, Site, answer, named_clinics, service_matches, site, sites};
use crate::api::{State, now_ms};
use crate::fhir::search::{Search, base_url, reference};
use crate::fhir::{Fhir, Outcome, ids};
use crate::oauth::{Access, Grant};
use crate::storage::SchedulingStorage;
use axum::extract::{Path, RawQuery, State as Shared};
use axum::http::HeaderMap;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use medicloud_core::domain::ServiceCode;
use medicloud_core::ids::ClinicId;

/// The Slot statuses of R4.
const STATUSES: &[&str] = &[
    "busy",
    "free",
    "busy-unavailable",
    "busy-tentative",
    "entered-in-error",
];

/// How many days a search without an end covers.
const DEFAULT_DAYS: i64 = 7;

/// `GET Slot/{id}`.
pub async fn read(
    Shared(state): Shared<State>,
    grant: Grant,
    Path(id): Path<String>,
) -> Result<Fhir, Outcome> {
    let not_found = || Outcome::not_found("Slot", &id);
    let (clinic, code, at) = view::parse_slot_id(&id).ok_or_else(not_found)?;
    grant.check("Slot", Access::Read, clinic)?;
    let site = site(&state, clinic, "Slot", &id).await?;
    let now = now_ms();
    let service = site
        .service(&code)
        .filter(|s| s.schedule.is_some())
        .ok_or_else(not_found)?;
    let day = at.date();
    if day > site.horizon(now).1 {
        return Err(not_found());
    }
    let live = state.storage.live_between(clinic, day, day).await?;
    let placed = view::place(&site, service, (day, day), &live, now);
    let slot = placed
        .iter()
        .find(|p| p.fill.start == at.time())
        .ok_or_else(not_found)?;
    Ok(Fhir::ok(slot.slot()))
}

/// The instants a search covers at `site`: `[from, before)`, within today and the
/// horizon.
fn covered(
    site: &Site,
    window: &Window,
    default_days: Option<i64>,
    now_ms: i64,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let (today, last) = site.horizon(now_ms);
    let (from, before) = window.resolve(site.zone);
    let from = from.unwrap_or_default().max(site.midnight(today));
    let before = before
        .or_else(|| default_days.map(|d| from + Duration::days(d)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        .min(site.midnight(last + Duration::days(1)));
    (from, before)
}

/// The clinic-local days `[from, before)` touches.
fn days_of(site: &Site, (from, before): (DateTime<Utc>, DateTime<Utc>)) -> (NaiveDate, NaiveDate) {
    let local = |t: DateTime<Utc>| t.with_timezone(&site.zone).date_naive();
    (local(from), local(before - Duration::nanoseconds(1)))
}

/// What a Slot search asks.
struct Ask {
    ids: Option<Vec<(ClinicId, ServiceCode, NaiveDateTime)>>,
    schedules: Option<Vec<(ClinicId, ServiceCode)>>,
    window: Window,
    statuses: Option<Vec<String>>,
    services: Option<Vec<String>>,
}

impl Ask {
    fn of(search: &Search) -> Result<Self, Outcome> {
        let ids = any_of(search, "_id").map(|ids| {
            ids.iter()
                .filter_map(|id| view::parse_slot_id(id))
                .collect::<Vec<_>>()
        });
        let schedules = any_of(search, "schedule").map(|refs| {
            refs.iter()
                .filter_map(|r| ids::parse_service(reference(r, "Schedule")?))
                .collect::<Vec<_>>()
        });
        if ids.is_none() && schedules.is_none() {
            return Err(Outcome::invalid(
                "a Slot search names its schedule (schedule=Schedule/{clinic}.{service}), or \
                 the slots (_id)",
            ));
        }
        let statuses = any_of(search, "status");
        if let Some(bad) = statuses
            .iter()
            .flatten()
            .find(|s| !STATUSES.contains(&s.as_str()))
        {
            return Err(Outcome::invalid(format!(
                "status: {bad:?} is not a Slot status ({})",
                STATUSES.join(", ")
            )));
        }
        Ok(Self {
            ids,
            schedules,
            window: Window::of(search, "start")?,
            statuses,
            services: any_of(search, "service-type"),
        })
    }

    /// Whether the search may hold slots of `code` at `clinic`.
    fn wants(&self, clinic: ClinicId, code: &ServiceCode) -> bool {
        self.schedules
            .as_ref()
            .is_none_or(|s| s.iter().any(|(c, s)| *c == clinic && s == code))
            && self
                .ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|(c, s, _)| *c == clinic && s == code))
    }

    fn keeps(&self, slot: &Placed<'_>, (from, before): (DateTime<Utc>, DateTime<Utc>)) -> bool {
        let start = slot.start.with_timezone(&Utc);
        start >= from
            && start < before
            && self.ids.as_ref().is_none_or(|ids| {
                ids.iter().any(|(c, s, at)| {
                    *c == slot.site.id()
                        && *s == slot.service.code
                        && *at == slot.day.and_time(slot.fill.start)
                })
            })
            && self
                .statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == slot.status()))
    }
}

/// `GET Slot?schedule=…`.
pub async fn search(
    Shared(state): Shared<State>,
    grant: Grant,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Fhir, Outcome> {
    grant.require("Slot", Access::Read)?;
    let search = Search::parse(&SUPPORTED[1], query.as_deref(), &headers)?;
    let ask = Ask::of(&search)?;
    let named: Vec<String> = any_of(&search, "_id")
        .into_iter()
        .chain(any_of(&search, "schedule"))
        .flatten()
        .map(|r| reference(&r, "Schedule").unwrap_or(&r).to_owned())
        .collect();
    let clinics = named_clinics(&grant, "Slot", Some(named))?.unwrap_or_default();
    let sites = sites(&state, &clinics).await?;
    let now = now_ms();
    // Only _id: the slots named, wherever they are before the horizon.
    let default_days = (ask.schedules.is_some() || !ask.window.is_empty()).then_some(DEFAULT_DAYS);
    let mut reads = Vec::new();
    for site in &sites {
        let mut span = covered(site, &ask.window, default_days, now);
        if default_days.is_none() {
            // From the earliest slot named (an earlier day is read, not searched).
            let named = ask.ids.iter().flatten().filter(|(c, ..)| *c == site.id());
            if let Some(earliest) = named.map(|(.., at)| *at).min() {
                span.0 = span.0.min(local_instant(site.zone, earliest));
            }
        }
        if span.0 < span.1 {
            reads.push((site, span));
        }
    }
    let lives = futures::future::try_join_all(reads.iter().map(|(site, span)| {
        let (first, last) = days_of(site, *span);
        state.storage.live_between(site.id(), first, last)
    }))
    .await?;
    let mut matches: Vec<Placed<'_>> = Vec::new();
    for ((site, span), live) in reads.iter().zip(&lives) {
        for service in site.scheduled() {
            if !ask.wants(site.id(), &service.code)
                || ask
                    .services
                    .as_ref()
                    .is_some_and(|t| !service_matches(t, service))
            {
                continue;
            }
            matches.extend(
                view::place(site, service, days_of(site, *span), live, now)
                    .into_iter()
                    .filter(|slot| ask.keeps(slot, *span)),
            );
        }
    }
    matches.sort_by(|a, b| a.order().cmp(&b.order()));
    let total = matches.len();
    let page = matches
        .iter()
        .skip(search.offset)
        .take(search.count)
        .map(Placed::slot)
        .collect();
    Ok(answer(&search, &base_url(&state, &headers), total, page))
}
