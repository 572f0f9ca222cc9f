//! What a report keeps of a set of tickets before they become figures: the counts, the
//! sums and the whole-second samples the percentiles are taken of, per service, step,
//! counter and staff member. Facts of disjoint sets of tickets [merge](Facts::merge)
//! into the facts of their union, exactly, so a store can keep each service day's facts
//! and make a year's report from 365 of them instead of 150,000 tickets
//! ([`ReportSource`](super::ReportSource)). [`summary`](super::summary) is
//! [`Facts::of`] and then [`Facts::summary`]; there is no other way to a figure.

use super::{
    AppointmentFigures, CounterFigures, ReportTicket, ServiceFigures, StaffFigures, StepFigures,
    Summary, WAIT_BUCKET_MINUTES, nearest_rank, served_steps, wait_seconds,
};
use crate::appointment::AppointmentState;
use crate::domain::{CounterId, Service, ServiceCode, StaffUser, StepId};
use crate::event::Actor;
use crate::ids::{AppointmentId, UserId, VisitId};
use crate::ticket::TicketStatus;
use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the kept form of [`Facts`]: a store keeps it with the facts and
/// computes them again when it differs (facts kept by an older Medicloud).
pub const FACTS_VERSION: u32 = 1;

/// Counts and samples of tickets, mergeable (see the module's documentation). Kept by
/// stores as JSON, with the time zone the hours were counted in ([`Facts::basis`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Per service: its tickets' counts and waits.
    #[serde(with = "pairs")]
    services: BTreeMap<ServiceCode, ServiceFacts>,
    /// Per service and step of its visit: the service times of the steps finished there.
    #[serde(with = "pairs")]
    steps: BTreeMap<(ServiceCode, Option<StepId>), Vec<i64>>,
    /// Per counter: steps finished there.
    #[serde(with = "pairs")]
    counters: BTreeMap<CounterId, Mean>,
    /// Per staff member: steps they served.
    #[serde(with = "pairs")]
    staff: BTreeMap<UserId, Mean>,
    /// Tickets issued per local weekday (Monday first) and hour: `weekday * 24 + hour`.
    hours: Vec<u32>,
    /// How many visits the tickets are of (each counted once).
    visits: u32,
    /// The visits of those that are transfer chains (a ticket transferred on, or one
    /// issued by a transfer), sorted, each once: the only visits that can have tickets
    /// of more than one day (a transfer after midnight), so the only ones a merge must
    /// not count twice.
    #[serde(with = "visit_list")]
    chains: Vec<VisitId>,
    /// The sum of the estimate's absolute errors, in seconds, and of how many tickets.
    estimate_error: i64,
    estimate_samples: u32,
    /// The appointments a ticket checked in, sorted, each once.
    checked_in: Vec<AppointmentId>,
}

/// One service's tickets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ServiceFacts {
    issued: u32,
    served: u32,
    no_show: u32,
    cancelled: u32,
    transferred: u32,
    /// Waiting times in whole seconds, of the tickets called.
    waits: Vec<i64>,
}

/// A count and a sum of service times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Mean {
    n: u32,
    sum: i64,
}

impl Mean {
    fn add(&mut self, other: Mean) {
        self.n += other.n;
        self.sum += other.sum;
    }

    fn mean(self) -> Option<f64> {
        super::mean(self.sum, self.n)
    }
}

fn is_served(t: &ReportTicket) -> bool {
    match t.status {
        TicketStatus::Done => true,
        TicketStatus::Transferred => !t.finished_steps.is_empty() || t.called_at_ms.is_some(),
        _ => false,
    }
}

impl Facts {
    /// What a store keeps beside kept facts: their form's version and the time zone the
    /// hours were counted in (`1:Asia/Jakarta`). Kept facts of another basis are
    /// computed again.
    pub fn basis(time_zone: Tz) -> String {
        format!("{FACTS_VERSION}:{}", time_zone.name())
    }

    /// The facts of `tickets`, hours counted in `time_zone`.
    pub fn of<'a>(tickets: impl IntoIterator<Item = &'a ReportTicket>, time_zone: Tz) -> Self {
        let mut f = Facts {
            hours: vec![0; 7 * 24],
            ..Facts::default()
        };
        let mut visits = Vec::new();
        for t in tickets {
            f.add(t, time_zone);
            visits.push(t.issue.visit);
            if t.status == TicketStatus::Transferred || t.issue.transferred_from.is_some() {
                f.chains.push(t.issue.visit);
            }
        }
        visits.sort_unstable();
        visits.dedup();
        f.visits = visits.len() as u32;
        f.chains.sort_unstable();
        f.chains.dedup();
        f.checked_in.sort_unstable();
        f.checked_in.dedup();
        f
    }

    /// The facts of each service day of `tickets`, by day.
    pub fn by_day(tickets: &[ReportTicket], time_zone: Tz) -> BTreeMap<NaiveDate, Facts> {
        let mut days: BTreeMap<NaiveDate, Vec<&ReportTicket>> = BTreeMap::new();
        for t in tickets {
            days.entry(t.issue.day).or_default().push(t);
        }
        days.into_iter()
            .map(|(day, tickets)| (day, Facts::of(tickets, time_zone)))
            .collect()
    }

    fn add(&mut self, t: &ReportTicket, tz: Tz) {
        let code = &t.issue.service;
        let wait = wait_seconds(t);
        let service = match self.services.get_mut(code) {
            Some(s) => s,
            None => self.services.entry(code.clone()).or_default(),
        };
        service.issued += 1;
        service.served += u32::from(is_served(t));
        service.no_show += u32::from(t.status == TicketStatus::NoShow);
        service.cancelled += u32::from(t.status == TicketStatus::Cancelled);
        service.transferred += u32::from(t.status == TicketStatus::Transferred);
        service.waits.extend(wait);
        for s in served_steps(t) {
            self.steps
                .entry((code.clone(), s.step.cloned()))
                .or_default()
                .push(s.seconds);
            let one = Mean {
                n: 1,
                sum: s.seconds,
            };
            if let Some(counter) = s.counter {
                self.counters.entry(counter.clone()).or_default().add(one);
            }
            if let Some(Actor::Staff(id)) = s.by {
                self.staff.entry(id).or_default().add(one);
            }
        }
        if let Some(at) = tz.timestamp_millis_opt(t.issued_at_ms).single() {
            let weekday = at.weekday().num_days_from_monday() as usize;
            self.hours[weekday * 24 + at.hour() as usize] += 1;
        }
        if let (Some(estimate), Some(wait)) = (t.issue.estimated_wait_seconds, wait) {
            self.estimate_error += (i64::from(estimate) - wait).abs();
            self.estimate_samples += 1;
        }
        if let Some(slot) = t.issue.appointment {
            self.checked_in.push(slot.id);
        }
    }

    /// Adds the facts of tickets not in `self` (another day's): the facts of both.
    pub fn merge(&mut self, other: Facts) {
        for (code, s) in other.services {
            let mine = self.services.entry(code).or_default();
            mine.issued += s.issued;
            mine.served += s.served;
            mine.no_show += s.no_show;
            mine.cancelled += s.cancelled;
            mine.transferred += s.transferred;
            mine.waits.extend(s.waits);
        }
        for (key, samples) in other.steps {
            self.steps.entry(key).or_default().extend(samples);
        }
        for (counter, m) in other.counters {
            self.counters.entry(counter).or_default().add(m);
        }
        for (id, m) in other.staff {
            self.staff.entry(id).or_default().add(m);
        }
        if self.hours.len() < other.hours.len() {
            self.hours.resize(other.hours.len(), 0);
        }
        for (mine, n) in self.hours.iter_mut().zip(other.hours) {
            *mine += n;
        }
        // A chain with tickets on both sides was counted on each.
        let (mine, theirs) = (std::mem::take(&mut self.chains), other.chains);
        let (mut i, mut j) = (0, 0);
        let mut chains = Vec::with_capacity(mine.len() + theirs.len());
        let mut shared = 0;
        while i < mine.len() || j < theirs.len() {
            let next = match (mine.get(i), theirs.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    shared += 1;
                    j += 1;
                    i += 1;
                    *a
                }
                (Some(a), Some(b)) if a < b => {
                    i += 1;
                    *a
                }
                (Some(a), None) => {
                    i += 1;
                    *a
                }
                (_, Some(b)) => {
                    j += 1;
                    *b
                }
                (None, None) => unreachable!("the loop's condition"),
            };
            chains.push(next);
        }
        self.chains = chains;
        self.visits = self.visits + other.visits - shared;
        self.estimate_error += other.estimate_error;
        self.estimate_samples += other.estimate_samples;
        self.checked_in.extend(other.checked_in);
    }

    /// The report of these facts over `from..=to`: services named and judged against
    /// their targets, staff by username, and the appointments of the range (`now_ms`:
    /// an appointment is missed once its slot has ended).
    #[allow(clippy::too_many_arguments)]
    pub fn summary(
        mut self,
        services: &[Service],
        staff: &[StaffUser],
        appointments: &[AppointmentState],
        time_zone: Tz,
        from: NaiveDate,
        to: NaiveDate,
        now_ms: i64,
    ) -> Summary {
        let configured: BTreeMap<&ServiceCode, &Service> =
            services.iter().map(|s| (&s.code, s)).collect();
        let target = |code: &ServiceCode| {
            configured
                .get(code)
                .map_or(Service::DEFAULT_TARGET_WAIT_MINUTES, |s| {
                    s.target_wait_minutes
                })
        };
        let names = |code: &ServiceCode| match configured.get(code) {
            Some(s) => (s.name_id.clone(), s.name_en.clone()),
            None => (code.to_string(), code.to_string()),
        };
        for code in configured.keys() {
            self.services.entry((*code).clone()).or_default();
        }
        // A service's service times are those of its steps.
        let mut service_times: BTreeMap<&ServiceCode, Vec<i64>> = BTreeMap::new();
        for ((code, _), samples) in &self.steps {
            service_times.entry(code).or_default().extend(samples);
        }
        let mut whole = Row::default();
        let mut per_service = Vec::with_capacity(self.services.len());
        for (code, s) in &self.services {
            let minutes = target(code);
            let mut row = Row::of(s, service_times.remove(code).unwrap_or_default());
            row.within = row.waits_within(i64::from(minutes) * 60);
            whole.add(&row);
            per_service.push(row.figures(Some(code.clone()), names(code), Some(minutes)));
        }
        let per_step = self
            .steps
            .into_iter()
            .map(|((service, step), mut samples)| {
                samples.sort_unstable();
                let n = samples.len() as u32;
                StepFigures {
                    service,
                    step,
                    served: n,
                    mean_service_s: super::mean(samples.iter().sum(), n),
                    service_p50_s: nearest_rank(&samples, 50),
                    service_p90_s: nearest_rank(&samples, 90),
                }
            })
            .collect();
        let mut heat_map = vec![vec![0u32; 24]; 7];
        for (i, n) in self.hours.iter().enumerate().take(7 * 24) {
            heat_map[i / 24][i % 24] = *n;
        }
        let by_hour = (0..24)
            .map(|hour| heat_map.iter().map(|day| day[hour]).sum())
            .collect();
        self.checked_in.sort_unstable();
        self.checked_in.dedup();
        let staff_names: BTreeMap<UserId, &str> =
            staff.iter().map(|u| (u.id, u.username.as_str())).collect();
        Summary {
            from,
            to,
            time_zone: time_zone.name().to_owned(),
            per_service,
            whole_clinic: whole.figures(
                None,
                ("Seluruh klinik".into(), "Whole clinic".into()),
                None,
            ),
            per_step,
            visits: self.visits,
            by_hour,
            heat_map,
            per_counter: self
                .counters
                .into_iter()
                .map(|(counter, m)| CounterFigures {
                    counter,
                    served: m.n,
                    mean_service_s: m.mean(),
                })
                .collect(),
            per_staff: self
                .staff
                .into_iter()
                .map(|(id, m)| StaffFigures {
                    staff: id,
                    username: staff_names.get(&id).map(|u| (*u).to_owned()),
                    served: m.n,
                    mean_service_s: m.mean(),
                })
                .collect(),
            appointments: appointment_figures(
                appointments,
                &self.checked_in,
                time_zone,
                from,
                to,
                now_ms,
            ),
            estimate_mae_s: super::mean(self.estimate_error, self.estimate_samples),
            estimate_samples: self.estimate_samples,
        }
    }
}

/// One row's samples before they become figures.
#[derive(Default)]
struct Row {
    issued: u32,
    served: u32,
    no_show: u32,
    cancelled: u32,
    transferred: u32,
    waits: Vec<i64>,
    within: u32,
    services: Vec<i64>,
}

impl Row {
    fn of(s: &ServiceFacts, services: Vec<i64>) -> Self {
        let mut waits = s.waits.clone();
        waits.sort_unstable();
        Row {
            issued: s.issued,
            served: s.served,
            no_show: s.no_show,
            cancelled: s.cancelled,
            transferred: s.transferred,
            waits,
            within: 0,
            services,
        }
    }

    /// How many of the (sorted) waits are at most `target_s`.
    fn waits_within(&self, target_s: i64) -> u32 {
        self.waits.partition_point(|w| *w <= target_s) as u32
    }

    fn add(&mut self, other: &Row) {
        self.issued += other.issued;
        self.served += other.served;
        self.no_show += other.no_show;
        self.cancelled += other.cancelled;
        self.transferred += other.transferred;
        self.waits.extend(&other.waits);
        self.within += other.within;
        self.services.extend(&other.services);
    }

    fn figures(
        mut self,
        service: Option<ServiceCode>,
        names: (String, String),
        target: Option<u16>,
    ) -> ServiceFigures {
        self.waits.sort_unstable();
        self.services.sort_unstable();
        let called = self.waits.len() as u32;
        let mut histogram = vec![0u32; WAIT_BUCKET_MINUTES.len() + 1];
        for w in &self.waits {
            let bucket = WAIT_BUCKET_MINUTES
                .iter()
                .position(|m| *w <= m * 60)
                .unwrap_or(WAIT_BUCKET_MINUTES.len());
            histogram[bucket] += 1;
        }
        ServiceFigures {
            service,
            name_id: names.0,
            name_en: names.1,
            target_wait_minutes: target,
            issued: self.issued,
            served: self.served,
            no_show: self.no_show,
            cancelled: self.cancelled,
            transferred: self.transferred,
            called,
            wait_p50_s: nearest_rank(&self.waits, 50),
            wait_p90_s: nearest_rank(&self.waits, 90),
            wait_max_s: self.waits.last().copied(),
            service_p50_s: nearest_rank(&self.services, 50),
            service_p90_s: nearest_rank(&self.services, 90),
            within_target_ratio: (called > 0).then(|| f64::from(self.within) / f64::from(called)),
            wait_histogram: histogram,
        }
    }
}

fn appointment_figures(
    appointments: &[AppointmentState],
    checked_in: &[AppointmentId],
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    now_ms: i64,
) -> AppointmentFigures {
    let mut f = AppointmentFigures::default();
    let mut seen = std::collections::HashSet::new();
    for state in appointments {
        let a = &state.appointment;
        if a.date < from || a.date > to || !seen.insert(a.id) {
            continue;
        }
        f.booked += 1;
        if state.cancelled.is_some() {
            f.cancelled += 1;
        } else if checked_in.binary_search(&a.id).is_ok() {
            f.checked_in += 1;
        } else {
            let end = tz
                .from_local_datetime(&a.date.and_time(a.slot_start))
                .earliest()
                .map(|start| start.timestamp_millis() + i64::from(a.slot_minutes) * 60_000);
            if end.is_some_and(|end| end <= now_ms) {
                f.missed += 1;
            } else {
                f.upcoming += 1;
            }
        }
    }
    f
}

/// A map kept as a list of `[key, value]` pairs: JSON keys can only be strings.
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// Visits kept as one string of their ids' 32 hex digits each: a third of the room of a
/// list of quoted ids, read back as fast.
mod visit_list {
    use crate::ids::VisitId;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};
    use uuid::Uuid;

    pub fn serialize<S: Serializer>(visits: &[VisitId], s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(visits.len() * 32);
        for v in visits {
            text.push_str(v.0.simple().encode_lower(&mut Uuid::encode_buffer()));
        }
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<VisitId>, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() % 32 != 0 {
            return Err(D::Error::custom("visits: not whole ids of 32 hex digits"));
        }
        text.as_bytes()
            .chunks(32)
            .map(|id| {
                Uuid::try_parse_ascii(id)
                    .map(VisitId)
                    .map_err(D::Error::custom)
            })
            .collect()
    }
}
