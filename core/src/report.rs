//! The clinic's reports, defined once: every figure of [`Summary`] is computed here,
//! from the folded [`Ticket`]s and [`AppointmentState`]s of a range of service days.
//! Tickets come as [`ReportTicket`]: the fields of a [`Ticket`] a report reads, taken
//! from a folded ticket or read straight from its stored JSON (a clinic-year is some
//! 150,000 tickets; what is not needed is not built).
//! The node calls [`summary`] over its projections; the cloud calls the same function
//! over its own projections of the same events, so the figures agree by construction.
//!
//! # Definitions
//!
//! - **The range** is of clinic-local service days, `from` to `to` inclusive, at most
//!   [`MAX_DAYS`] ([`check_range`]). A ticket is in it when its [`Issue::day`](crate::ticket::Issue::day) is (the day
//!   its label belongs to, cut at the clinic's local midnight); an appointment when its
//!   (moved) day is.
//! - **Issued** counts every ticket. A transfer chain is counted ticket by ticket: each
//!   ticket of the chain is a ticket of its own service (issued there, with its own wait
//!   from its issue — the moment of the transfer — to its first call). The ticket a
//!   transfer ended counts as `transferred`, not served. `visits` counts the chains
//!   (distinct [`Issue::visit`](crate::ticket::Issue::visit)).
//! - **Served**: tickets that reached `done`, or were transferred on after being called
//!   or after finishing a step. **No-show** and **cancelled**: tickets whose state is
//!   that now (a no-show requeued and served counts as served).
//! - **Waiting time**: from the issue (for a checked-in appointment, the check-in: it is
//!   the ticket's issue) to the *first* call of the ticket at the first step of its visit
//!   ([`Ticket::first_called_at_ms`]). Recalls, no-shows and requeues do not move it. A
//!   ticket never called has no waiting time and is left out of the wait figures.
//! - **Service time**, per step of a visit: from the serve to the end of the step (the
//!   completion, or the advance to the next step); a step finished straight from the
//!   call counts from the call, as the wait estimates do. Each finished step is one
//!   sample: a poli visit of registration then the room gives two, one per step, in the
//!   poli's row and in [`StepFigures`]. A step ended by a transfer, cancellation or
//!   no-show is not a service time.
//! - **Within target**: of the tickets with a waiting time, the share called within
//!   their service's [`Service::target_wait_minutes`] (a wait of exactly the target is
//!   within it).
//! - **Percentiles** are nearest-rank: of `n` samples sorted ascending, the p-th is the
//!   one at rank `⌈p·n/100⌉` (1-based; p50 of 1, 2, 3, 4 is 2, p90 of it is 4). Samples
//!   are whole seconds, each rounded to the nearest (half up) before ranking. None when
//!   there are no samples.
//! - **Hours and weekdays** are the clinic's local ones ([`chrono_tz::Tz`]) of the issue
//!   time; weekdays run Monday (0) to Sunday (6).
//! - **Per counter / per staff member**: each finished step, at the counter that called
//!   it, by the staff member who served it (the actor of the serve, or of the completion
//!   when there was none; steps done by a device or the system have no staff member).
//!   Staff are named by id and username only, never patient data.
//! - **Appointments**: `booked` counts every booking of the range, cancelled ones too;
//!   it is `cancelled + checked_in + missed + upcoming`. Checked in: a ticket was
//!   issued for it. Missed: neither, and its slot ended before `now`.
//! - **Estimate error** (`estimate_mae_s`): the mean, over tickets with both, of the
//!   absolute difference between the wait estimated at issue
//!   ([`Issue::estimated_wait_seconds`](crate::ticket::Issue::estimated_wait_seconds)) and the waiting time, in seconds.
//!
//! Means are of whole-second samples; every sum is of integers, so the figures do not
//! depend on the order the tickets are given in.
//!
//! ```
//! use chrono::NaiveDate;
//! use medicloud_core::report::{summary, ReportInput};
//!
//! let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
//! let input = ReportInput {
//!     tickets: &[],
//!     appointments: &[],
//!     services: &[],
//!     staff: &[],
//!     time_zone: chrono_tz::Asia::Jakarta,
//!     from: day,
//!     to: day,
//!     now_ms: 0,
//! };
//! let s = summary(&input);
//! assert_eq!(s.whole_clinic.issued, 0);
//! assert_eq!(s.whole_clinic.wait_p50_s, None);
//! assert_eq!(s.by_hour.len(), 24);
//! ```

use crate::appointment::AppointmentState;
use crate::domain::{CounterId, Service, ServiceCode, StaffUser, StepId};
use crate::event::Actor;
use crate::ids::UserId;
use crate::ids::{TicketId, VisitId};
use crate::ticket::{AppointmentSlot, FinishedStep, Ticket, TicketStatus};
use crate::validate::{Rule, ValidationError};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The longest range a report covers, in days (a year and a little more).
pub const MAX_DAYS: i64 = 400;

/// The upper ends of the wait histogram's buckets, in minutes: 0–10, 10–20, … 110–120,
/// and a last bucket for longer waits.
pub const WAIT_BUCKET_MINUTES: [i64; 12] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];

/// Checks a report's range: `from` not after `to`, at most [`MAX_DAYS`] days.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), ValidationError> {
    if from > to {
        return Err(ValidationError::new("from", Rule::DateOrder));
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(ValidationError::new(
            "to",
            Rule::RangeDays {
                max: MAX_DAYS as u32,
            },
        ));
    }
    Ok(())
}

/// What a report reads of a folded [`Ticket`]: its fields of the same names, and
/// nothing else. It reads from a stored ticket's JSON directly (the fields it does not
/// need are skipped, not built), or is taken from a [`Ticket`] with `From`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ReportTicket {
    /// What its issue recorded, of what a report reads.
    pub issue: ReportIssue,
    /// [`Ticket::status`].
    pub status: TicketStatus,
    /// [`Ticket::counter`].
    pub counter: Option<CounterId>,
    /// [`Ticket::issued_at_ms`].
    pub issued_at_ms: i64,
    /// [`Ticket::called_at_ms`].
    pub called_at_ms: Option<i64>,
    /// [`Ticket::first_called_at_ms`].
    #[serde(default)]
    pub first_called_at_ms: Option<i64>,
    /// [`Ticket::serving_at_ms`].
    pub serving_at_ms: Option<i64>,
    /// [`Ticket::served_by`].
    #[serde(default)]
    pub served_by: Option<Actor>,
    /// [`Ticket::finished_at_ms`].
    pub finished_at_ms: Option<i64>,
    /// [`Ticket::step`].
    #[serde(default)]
    pub step: Option<StepId>,
    /// [`Ticket::finished_steps`].
    #[serde(default)]
    pub finished_steps: Vec<FinishedStep>,
}

/// What a report reads of a ticket's [`crate::ticket::Issue`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ReportIssue {
    /// The service.
    pub service: ServiceCode,
    /// The clinic-local service day.
    pub day: NaiveDate,
    /// The visit (shared along a transfer chain).
    pub visit: VisitId,
    /// The appointment it checked in.
    #[serde(default)]
    pub appointment: Option<AppointmentSlot>,
    /// The wait estimated when it was issued.
    #[serde(default)]
    pub estimated_wait_seconds: Option<u32>,
    /// The ticket whose transfer issued it, if one did.
    #[serde(default)]
    pub transferred_from: Option<TicketId>,
}

impl From<&Ticket> for ReportTicket {
    fn from(t: &Ticket) -> Self {
        Self {
            issue: ReportIssue {
                service: t.issue.service.clone(),
                day: t.issue.day,
                visit: t.issue.visit,
                appointment: t.issue.appointment,
                estimated_wait_seconds: t.issue.estimated_wait_seconds,
                transferred_from: t.issue.transferred_from,
            },
            status: t.status,
            counter: t.counter.clone(),
            issued_at_ms: t.issued_at_ms,
            called_at_ms: t.called_at_ms,
            first_called_at_ms: t.first_called_at_ms,
            serving_at_ms: t.serving_at_ms,
            served_by: t.served_by,
            finished_at_ms: t.finished_at_ms,
            step: t.step.clone(),
            finished_steps: t.finished_steps.clone(),
        }
    }
}

/// What a report is computed from.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// The clinic's folded tickets ([`ReportTicket`]); those outside the range are
    /// ignored.
    pub tickets: &'a [ReportTicket],
    /// The clinic's folded appointments; those outside the range are ignored.
    pub appointments: &'a [AppointmentState],
    /// The clinic's services: names and target waits (a ticket of a service not here
    /// gets a row named by its code, with the default target).
    pub services: &'a [Service],
    /// The clinic's staff accounts, for usernames (only `id` and `username` are read).
    pub staff: &'a [StaffUser],
    /// The clinic's time zone.
    pub time_zone: Tz,
    /// First service day, inclusive.
    pub from: NaiveDate,
    /// Last service day, inclusive.
    pub to: NaiveDate,
    /// Now, in ms since the epoch: an appointment is missed once its slot has ended.
    pub now_ms: i64,
}

/// What a store reads for a report over a range of days, owned: the [`Facts`] it keeps
/// of some days of the range (of the clinic's time zone, [`Facts::basis`]), the tickets
/// of the range's other days, and what names and judges the figures.
/// [`ReportSource::summary`] computes the report, and the facts of the days whose
/// tickets it was given, for the store to keep.
///
/// A store counts changes to each day's tickets (its *generation*: one more for every
/// change, from 0 for a day never changed since its facts were last kept) and keeps
/// computed facts only while the day's generation is still the one it read with them,
/// so facts computed from a snapshot that a later change overtook are never kept.
#[derive(Clone, Debug)]
pub struct ReportSource {
    /// Facts kept of days of the range (each day at most once, none of a day whose
    /// tickets are in `tickets`).
    pub kept: Vec<Facts>,
    /// The store's generation of each day of the range it counts changes of, read in
    /// the snapshot the tickets were read in (a day not here: 0).
    pub generations: BTreeMap<NaiveDate, i64>,
    /// The tickets of the range's days without kept facts.
    pub tickets: Vec<ReportTicket>,
    /// The appointments of the range.
    pub appointments: Vec<AppointmentState>,
    /// The clinic's services.
    pub services: Vec<Service>,
    /// The clinic's staff accounts (only `id` and `username` are read).
    pub staff: Vec<StaffUser>,
    /// The clinic's time zone.
    pub time_zone: Tz,
}

impl ReportSource {
    /// The report of `from..=to` (as [`summary`] computes it from every ticket of the
    /// range), and the facts of each day `tickets` held, for the store to keep.
    pub fn summary(self, from: NaiveDate, to: NaiveDate, now_ms: i64) -> (Summary, Vec<DayFacts>) {
        let in_range: Vec<ReportTicket> = self
            .tickets
            .into_iter()
            .filter(|t| from <= t.issue.day && t.issue.day <= to)
            .collect();
        let computed = Facts::by_day(&in_range, self.time_zone);
        let mut all = Facts::of([], self.time_zone);
        for facts in self.kept.into_iter().chain(computed.values().cloned()) {
            all.merge(facts);
        }
        let summary = all.summary(
            &self.services,
            &self.staff,
            &self.appointments,
            self.time_zone,
            from,
            to,
            now_ms,
        );
        let days = computed
            .into_iter()
            .map(|(day, facts)| DayFacts {
                day,
                generation: self.generations.get(&day).copied().unwrap_or(0),
                facts,
            })
            .collect();
        (summary, days)
    }
}

/// The facts of one service day, computed for a report, and the day's generation they
/// were computed at: a store keeps them only while it is still the day's.
#[derive(Clone, Debug, PartialEq)]
pub struct DayFacts {
    /// The service day.
    pub day: NaiveDate,
    /// Its generation in the snapshot its tickets were read in.
    pub generation: i64,
    /// The facts of its tickets.
    pub facts: Facts,
}

/// A report over a range of days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// First service day, inclusive.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Last service day, inclusive.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// The time zone hours and weekdays are counted in, e.g. `Asia/Jakarta`.
    pub time_zone: String,
    /// One row per service, by code (every configured service, and any other that has
    /// tickets in the range).
    pub per_service: Vec<ServiceFigures>,
    /// The same figures for the whole clinic; its `service` is null. Each ticket is
    /// judged against its own service's target wait.
    pub whole_clinic: ServiceFigures,
    /// Service times per step of a visit, by service then step.
    pub per_step: Vec<StepFigures>,
    /// Visits: transfer chains, each counted once however many tickets it had.
    pub visits: u32,
    /// Tickets issued per clinic-local hour of the day, 0 to 23.
    pub by_hour: Vec<u32>,
    /// Tickets issued per clinic-local weekday (Monday first) and hour: 7 rows of 24.
    pub heat_map: Vec<Vec<u32>>,
    /// Per counter: steps finished there and their mean service time, by counter id.
    pub per_counter: Vec<CounterFigures>,
    /// Per staff member: steps they served and the mean service time, by id.
    pub per_staff: Vec<StaffFigures>,
    /// Appointments of the range.
    pub appointments: AppointmentFigures,
    /// Mean absolute error of the wait estimated at issue against the waiting time, in
    /// seconds; null when no ticket has both.
    pub estimate_mae_s: Option<f64>,
    /// How many tickets `estimate_mae_s` is the mean of.
    pub estimate_samples: u32,
}

/// The figures of one service, or of the whole clinic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceFigures {
    /// The service; null in the whole-clinic row.
    pub service: Option<ServiceCode>,
    /// Its name in Bahasa Indonesia (`Seluruh klinik` for the whole clinic).
    pub name_id: String,
    /// Its name in English (`Whole clinic`).
    pub name_en: String,
    /// Its target wait in minutes; null in the whole-clinic row.
    pub target_wait_minutes: Option<u16>,
    /// Tickets issued.
    pub issued: u32,
    /// Tickets served (done, or transferred on after being called).
    pub served: u32,
    /// Tickets that are no-shows.
    pub no_show: u32,
    /// Tickets cancelled.
    pub cancelled: u32,
    /// Tickets transferred to another service.
    pub transferred: u32,
    /// Tickets with a waiting time (called at least once).
    pub called: u32,
    /// Waiting time, median, in seconds.
    pub wait_p50_s: Option<i64>,
    /// Waiting time, 90th percentile.
    pub wait_p90_s: Option<i64>,
    /// Longest waiting time.
    pub wait_max_s: Option<i64>,
    /// Service time (per finished step), median, in seconds.
    pub service_p50_s: Option<i64>,
    /// Service time, 90th percentile.
    pub service_p90_s: Option<i64>,
    /// Share of `called` tickets called within the target wait, 0 to 1.
    pub within_target_ratio: Option<f64>,
    /// Waiting times in buckets of [`WAIT_BUCKET_MINUTES`] (13 counts: 0–10 min, …,
    /// 110–120, over 120). A wait of exactly 10 minutes is in the first.
    pub wait_histogram: Vec<u32>,
}

/// Service times at one step of a service's visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepFigures {
    /// The service.
    pub service: ServiceCode,
    /// The step (null: a service of one step).
    pub step: Option<StepId>,
    /// Steps finished.
    pub served: u32,
    /// Mean service time in seconds.
    pub mean_service_s: Option<f64>,
    /// Median service time.
    pub service_p50_s: Option<i64>,
    /// 90th percentile.
    pub service_p90_s: Option<i64>,
}

/// One counter's work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CounterFigures {
    /// The counter.
    pub counter: CounterId,
    /// Steps finished there.
    pub served: u32,
    /// Their mean service time in seconds.
    pub mean_service_s: Option<f64>,
}

/// One staff member's work (no patient data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffFigures {
    /// The staff account.
    pub staff: UserId,
    /// Its username (null if the account is not known).
    pub username: Option<String>,
    /// Steps served.
    pub served: u32,
    /// Their mean service time in seconds.
    pub mean_service_s: Option<f64>,
}

/// The appointments of the range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppointmentFigures {
    /// Every booking of the range: `cancelled + checked_in + missed + upcoming`.
    pub booked: u32,
    /// Cancelled.
    pub cancelled: u32,
    /// Checked in: a ticket was issued for it.
    pub checked_in: u32,
    /// Neither, and its slot has ended.
    pub missed: u32,
    /// Neither, and its slot has not ended yet.
    pub upcoming: u32,
}

/// Whole seconds from milliseconds, to the nearest (half up); negative spans (clocks
/// that disagree) count as zero.
fn seconds(ms: i64) -> i64 {
    (ms.max(0) + 500) / 1000
}

/// The nearest-rank `p`-th percentile of `sorted` (ascending).
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (p as usize * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

fn mean(sum: i64, n: u32) -> Option<f64> {
    (n > 0).then(|| sum as f64 / f64::from(n))
}

/// A ticket's waiting time in whole seconds, once it has been called.
pub fn wait_seconds(t: &ReportTicket) -> Option<i64> {
    let first = t
        .first_called_at_ms
        .or_else(|| match t.finished_steps.first() {
            // States folded before the first call was kept: the last call of the first step.
            Some(step) => step.called_at_ms,
            None => t.called_at_ms,
        })?;
    Some(seconds(first - t.issued_at_ms))
}

/// One finished step: where, by whom, how long.
struct Served<'a> {
    step: Option<&'a StepId>,
    counter: Option<&'a CounterId>,
    by: Option<Actor>,
    seconds: i64,
}

/// The finished steps of a ticket with their service times.
fn served_steps(t: &ReportTicket) -> Vec<Served<'_>> {
    let mut out: Vec<Served<'_>> = t
        .finished_steps
        .iter()
        .filter_map(|s| {
            let start = s.serving_at_ms.or(s.called_at_ms)?;
            Some(Served {
                step: s.step.as_ref(),
                counter: s.counter.as_ref(),
                by: s.served_by,
                seconds: seconds(s.finished_at_ms - start),
            })
        })
        .collect();
    if t.status == TicketStatus::Done
        && let (Some(start), Some(end)) = (t.serving_at_ms.or(t.called_at_ms), t.finished_at_ms)
    {
        out.push(Served {
            step: t.step.as_ref(),
            counter: t.counter.as_ref(),
            by: t.served_by,
            seconds: seconds(end - start),
        });
    }
    out
}

/// Computes the report: the [`Facts`] of the range's tickets, then their figures. Pure:
/// the same input gives the same figures, in any order of its tickets and appointments.
pub fn summary(input: &ReportInput<'_>) -> Summary {
    let in_range = |t: &&ReportTicket| input.from <= t.issue.day && t.issue.day <= input.to;
    Facts::of(input.tickets.iter().filter(in_range), input.time_zone).summary(
        input.services,
        input.staff,
        input.appointments,
        input.time_zone,
        input.from,
        input.to,
        input.now_ms,
    )
}

mod facts;
pub use facts::{FACTS_VERSION, Facts};

#[cfg(test)]
mod tests;
