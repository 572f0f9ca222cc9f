//! The node's ticket printer as staff reach it: its health, a test page, a printed
//! ticket as a picture, and the spool worker that start-up runs.

use super::Node;
use crate::error::{Error, Result};
use crate::print::{self, PrinterHealth};
use crate::store::print as spool;
use medicloud_core::ids::TicketId;
use std::future::Future;

impl Node {
    /// This node's printer, if it has one.
    pub fn printer(&self) -> Option<&print::Printer> {
        self.printer.as_deref()
    }

    /// The printer's state for the desk (not configured when the node has none).
    pub fn printer_health(&self) -> PrinterHealth {
        self.printer
            .as_deref()
            .map(print::Printer::health)
            .unwrap_or_default()
    }

    /// Sends a test page now; `None` when the node has no printer.
    pub fn print_test_page(&self) -> Option<std::result::Result<(), String>> {
        self.printer.as_deref().map(print::Printer::test_page)
    }

    /// The spool worker for this node's printer (none without a printer): it runs until
    /// its task is dropped.
    pub fn print_worker(&self) -> Option<impl Future<Output = ()> + Send + 'static> {
        let printer = self.printer.clone()?;
        Some(print::run(self.store.clone(), printer))
    }

    /// The ticket as it was printed here (its newest print job), rendered as a PNG.
    pub fn printed_ticket_png(&self, id: TicketId) -> Result<Vec<u8>> {
        let width = self
            .printer
            .as_deref()
            .map_or(576, print::Printer::width_dots);
        let bytes = self
            .store
            .read(|conn| spool::newest_job(conn, id))?
            .ok_or(Error::NotFound { what: "print job" })?;
        Ok(medicloud_printer::render::to_png(&bytes, width))
    }
}
