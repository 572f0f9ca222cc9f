//! The clinic's reports, from this node's projections: the figures are
//! `medicloud_core::report`'s, the same function the cloud calls over its own. Each
//! service day's facts are kept (`report_days`) once a report has computed them, so a
//! report reads its range's kept facts and the tickets of the other days only.

use super::Node;
use crate::error::Result;
use crate::store::query;
use chrono::NaiveDate;
use medicloud_core::report::{self, Facts, ReportSource, Summary};

impl Node {
    /// The report of service days `from` to `to` (inclusive, at most
    /// [`report::MAX_DAYS`]), as of now.
    pub fn report_summary(&self, from: NaiveDate, to: NaiveDate) -> Result<Summary> {
        report::check_range(from, to)?;
        let (source, basis) = self.store.read(|conn| {
            // One snapshot: the days' generations with the tickets they count.
            let tx = conn.unchecked_transaction()?;
            let time_zone = query::time_zone(&tx)?;
            let basis = Facts::basis(time_zone);
            let (kept, generations) = query::report_days(&tx, from, to, &basis)?;
            let source = ReportSource {
                kept,
                generations,
                tickets: query::report_tickets_without(&tx, from, to, &basis)?,
                appointments: query::report_appointments(&tx, from, to)?,
                services: query::services(&tx)?,
                staff: query::staff(&tx)?,
                time_zone,
            };
            Ok((source, basis))
        })?;
        let (summary, computed) = source.summary(from, to, self.store.now_ms());
        if !computed.is_empty() {
            // Keeping them only saves the next report work: a failure changes no figure.
            let kept = self
                .store
                .write(|w| query::keep_report_days(w.conn(), &basis, &computed));
            if let Err(e) = kept {
                tracing::warn!(error = %e, "a report's day facts could not be kept");
            }
        }
        Ok(summary)
    }
}
