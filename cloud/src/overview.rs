//! The chain's overview of its clinics, as the HQ shows it: per clinic, who waits now,
//! the longest current wait, served and no-shows today, and when each device was last
//! heard from. [`Storage::overview`](crate::storage::Storage::overview) reads the
//! projections; the figures are decided here, by pure functions.
//!
//! "Today" is the clinic's own service day: the day of `now` in the clinic's time zone
//! (from its settings; [`DEFAULT_TIME_ZONE`](crate::projection::DEFAULT_TIME_ZONE)
//! until they arrive), the day the clinic's nodes give their tickets.
//!
//! ```
//! use medicloud_cloud::overview::{StatusCount, figures};
//! use medicloud_core::ticket::TicketStatus;
//!
//! let now = 1_800_000_600_000;
//! let today = [
//!     StatusCount { status: TicketStatus::Waiting, count: 3, first_queued_ms: 1_800_000_000_000 },
//!     StatusCount { status: TicketStatus::Done, count: 5, first_queued_ms: 1_799_999_000_000 },
//!     StatusCount { status: TicketStatus::NoShow, count: 1, first_queued_ms: 1_799_999_500_000 },
//! ];
//! let f = figures(&today, now);
//! assert_eq!((f.waiting, f.longest_wait_seconds, f.served_today, f.no_show_today), (3, 600, 5, 1));
//! ```

use chrono::NaiveDate;
use medicloud_core::ids::{ClinicId, DeviceId};
use medicloud_core::ticket::TicketStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One clinic at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClinicOverview {
    /// The clinic.
    pub id: ClinicId,
    /// Its name, as the chain registered it in the cloud.
    pub name: String,
    /// Its service day now (clinic-local), which the figures count.
    #[schema(value_type = String, format = Date, example = "2027-01-15")]
    pub today: NaiveDate,
    /// Its IANA time zone (from its settings, or the default).
    pub time_zone: String,
    /// Today's tickets waiting now (not yet called, or back in the queue).
    pub waiting: u32,
    /// The longest current wait among them, in seconds from now to when each (re-)entered
    /// the queue: 0 when nobody waits.
    pub longest_wait_seconds: u64,
    /// Today's tickets served to the end (`done`).
    pub served_today: u32,
    /// Today's tickets whose patient did not come when called (`no_show`, as they stand).
    pub no_show_today: u32,
    /// Its enrolled devices (revoked ones left out), in slot order.
    pub devices: Vec<DeviceSeen>,
}

/// A device and when the cloud last heard from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceSeen {
    /// The device.
    pub id: DeviceId,
    /// Its name, as enrolled.
    pub name: String,
    /// Its last sync round (ms since the epoch), if it ever synced.
    pub last_seen_ms: Option<i64>,
}

/// How many of a clinic's tickets of one day are in one status, and when the first of
/// them (re-)entered the queue: what the engines count with one grouped query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusCount {
    /// The status.
    pub status: TicketStatus,
    /// Tickets in it.
    pub count: u32,
    /// The earliest `queued_at_ms` among them.
    pub first_queued_ms: i64,
}

/// The overview's figures of one clinic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// See [`ClinicOverview::waiting`].
    pub waiting: u32,
    /// See [`ClinicOverview::longest_wait_seconds`].
    pub longest_wait_seconds: u64,
    /// See [`ClinicOverview::served_today`].
    pub served_today: u32,
    /// See [`ClinicOverview::no_show_today`].
    pub no_show_today: u32,
}

/// The figures of a clinic from its tickets of today counted by status, at `now_ms`. A
/// wait that would start in the future (a device's clock ahead) counts as 0.
pub fn figures(today: &[StatusCount], now_ms: i64) -> Figures {
    let mut f = Figures::default();
    for group in today {
        match group.status {
            TicketStatus::Waiting => {
                f.waiting += group.count;
                let wait = (now_ms - group.first_queued_ms).max(0) as u64 / 1_000;
                f.longest_wait_seconds = f.longest_wait_seconds.max(wait);
            }
            TicketStatus::Done => f.served_today += group.count,
            TicketStatus::NoShow => f.no_show_today += group.count,
            _ => {}
        }
    }
    f
}

/// What the engines read of one clinic for its overview.
#[derive(Clone, Debug)]
pub(crate) struct ClinicFacts {
    pub id: ClinicId,
    pub name: String,
    pub time_zone: chrono_tz::Tz,
}

impl ClinicFacts {
    /// As lists name it.
    pub fn entry(self) -> crate::storage::ClinicEntry {
        crate::storage::ClinicEntry {
            id: self.id,
            name: self.name,
            time_zone: self.time_zone.name().to_owned(),
        }
    }

    /// The clinic's service day at `now_ms`.
    pub fn today(&self, now_ms: i64) -> NaiveDate {
        medicloud_core::labels::service_day(now_ms, self.time_zone)
    }

    /// The overview, from today's counts and the devices.
    pub fn overview(
        self,
        today: &[StatusCount],
        devices: Vec<DeviceSeen>,
        now_ms: i64,
    ) -> ClinicOverview {
        let f = figures(today, now_ms);
        ClinicOverview {
            today: self.today(now_ms),
            time_zone: self.time_zone.name().to_owned(),
            id: self.id,
            name: self.name,
            waiting: f.waiting,
            longest_wait_seconds: f.longest_wait_seconds,
            served_today: f.served_today,
            no_show_today: f.no_show_today,
            devices,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(status: TicketStatus, count: u32, first_queued_ms: i64) -> StatusCount {
        StatusCount {
            status,
            count,
            first_queued_ms,
        }
    }

    #[test]
    fn figures_count_today_by_status() {
        use TicketStatus::*;
        let now = 10_000_000;
        // (groups, (waiting, longest wait, served, no-show))
        type Case<'a> = (&'a [StatusCount], (u32, u64, u32, u32));
        let cases: &[Case<'_>] = &[
            (&[], (0, 0, 0, 0)),
            (&[group(Waiting, 2, now - 90_500)], (2, 90, 0, 0)),
            // A clock ahead of the cloud's: no negative wait.
            (&[group(Waiting, 1, now + 5_000)], (1, 0, 0, 0)),
            (
                &[
                    group(Called, 1, 0),
                    group(Serving, 1, 0),
                    group(Done, 4, 0),
                    group(NoShow, 2, 0),
                    group(Cancelled, 1, 0),
                    group(Transferred, 1, 0),
                ],
                (0, 0, 4, 2),
            ),
        ];
        for (groups, expect) in cases {
            let f = figures(groups, now);
            assert_eq!(
                (
                    f.waiting,
                    f.longest_wait_seconds,
                    f.served_today,
                    f.no_show_today
                ),
                *expect,
                "{groups:?}"
            );
        }
    }
}
