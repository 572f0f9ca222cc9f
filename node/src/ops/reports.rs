//! The clinic's reports, from this node's projections: the figures are
//! `medicloud_core::report`'s, the same function the cloud calls over its own.

use super::Node;
use crate::error::Result;
use crate::store::query;
use chrono::NaiveDate;
use medicloud_core::report::{self, ReportInput, Summary};

impl Node {
    /// The report of service days `from` to `to` (inclusive, at most
    /// [`report::MAX_DAYS`]), as of now.
    pub fn report_summary(&self, from: NaiveDate, to: NaiveDate) -> Result<Summary> {
        report::check_range(from, to)?;
        self.store.read(|conn| {
            let tickets = query::report_tickets(conn, from, to)?;
            let appointments = query::report_appointments(conn, from, to)?;
            let services = query::services(conn)?;
            let staff = query::staff(conn)?;
            Ok(report::summary(&ReportInput {
                tickets: &tickets,
                appointments: &appointments,
                services: &services,
                staff: &staff,
                time_zone: query::time_zone(conn)?,
                from,
                to,
                now_ms: self.store.now_ms(),
            }))
        })
    }
}
