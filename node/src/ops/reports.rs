//! The clinic's reports, from this node's projections: the figures are
//! `medicloud_core::report`'s, the same function the cloud calls over its own.

use super::Node;
use crate::error::Result;
use crate::store::query;
use chrono::NaiveDate;
use medicloud_core::report::{self, ReportSource, Summary};

impl Node {
    /// The report of service days `from` to `to` (inclusive, at most
    /// [`report::MAX_DAYS`]), as of now.
    pub fn report_summary(&self, from: NaiveDate, to: NaiveDate) -> Result<Summary> {
        report::check_range(from, to)?;
        let source = self.store.read(|conn| {
            Ok(ReportSource {
                tickets: query::report_tickets(conn, from, to)?,
                appointments: query::report_appointments(conn, from, to)?,
                services: query::services(conn)?,
                staff: query::staff(conn)?,
                time_zone: query::time_zone(conn)?,
            })
        })?;
        Ok(source.summary(from, to, self.store.now_ms()))
    }
}
