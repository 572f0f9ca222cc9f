//! The audit trail as staff see it: every change (an event) and every audit-only entry
//! (logins, reads of patient data), with who, what, which patient, when and where — each
//! row derived by `medicloud_core::audit::row`, the cloud's derivation too, over this
//! node's store.

use super::Node;
use crate::error::{Error, Result};
use crate::store::query;
use medicloud_core::audit::{self, AuditSource};
pub use medicloud_core::audit::{AuditFilter, AuditRow};
use medicloud_core::domain::CounterId;
use medicloud_core::event::{Actor, AuditEntry, Event, EventBody};
use medicloud_core::ids::TicketId;
use rusqlite::{Connection, OptionalExtension, params};

/// The store's answers to a row's questions, one at a time.
struct Store<'c>(&'c Connection);

impl AuditSource for Store<'_> {
    type Error = Error;

    fn ticket_label(&mut self, ticket: TicketId) -> Result<Option<String>> {
        query::ticket_label(self.0, ticket)
    }

    fn counter_name(&mut self, counter: &CounterId) -> Result<Option<String>> {
        Ok(query::counter(self.0, counter)?.map(|c| c.name))
    }

    fn previous(&mut self, event: &Event) -> Result<Option<EventBody>> {
        let body: Option<String> = self
            .0
            .prepare_cached(
                "SELECT body FROM events WHERE entity = ?1 AND stamp < ?2
                 ORDER BY stamp DESC LIMIT 1",
            )?
            .query_row(
                params![event.entity().to_string(), event.stamp.0 as i64],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| Ok(serde_json::from_str::<Event>(&b)?.body))
            .transpose()
    }
}

impl Node {
    /// Records an audit-only entry (a login, a read of patient data) durably.
    pub fn audit(&self, actor: Actor, entry: AuditEntry) -> Result<()> {
        self.store
            .write(|w| w.append(actor, EventBody::Audited(entry)))?;
        Ok(())
    }

    /// The audit trail, newest first.
    pub fn audit_trail(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        let (limit, since) = filter.bounds()?;
        self.store.read(|conn| {
            let mut out = Vec::new();
            let mut failed = None;
            query::events_newest_first(conn, since.0 as i64, |event| {
                let row = match audit::row(&mut Store(conn), &event) {
                    Ok(row) => row,
                    Err(e) => {
                        failed = Some(e);
                        return false;
                    }
                };
                if filter.keeps(&row) {
                    out.push(row);
                }
                out.len() < limit
            })?;
            failed.map_or(Ok(out), Err)
        })
    }
}
