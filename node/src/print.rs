//! The print spool: every ticket this node issues gets a print job, stored as the exact
//! ESC/POS bytes in the ticket's own transaction, and a worker sends jobs to the printer
//! until it takes them. Issuing never waits on the printer; a printer that is off or out
//! of paper shows as a fault, and its jobs print once it recovers.
//!
//! A job is marked printed once the printer confirms it has printed it: the network
//! driver ends each job with the ESC/POS process-ID request `GS ( H`, which a printer
//! answers once everything before it has printed. A printer switched off after taking
//! the job but before answering leaves the job pending, and it is sent again once the
//! printer is back. If the printer dies between printing and answering, or the node dies
//! between the answer and marking the job, that one job prints a second time (the same
//! bytes again); no job is ever lost. A printer that never answers `GS ( H` (many
//! inexpensive clones) only tells that it took the bytes: for it a job counts as printed
//! after the driver's confirmation timeout, and one switched off in that moment loses
//! the job it had taken.

use crate::error::Result;
use crate::ops::Node;
use crate::store::Writer;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use medicloud_core::ticket::Ticket;
use medicloud_printer::{Layout, PaperWidth, PrintError, TicketPrint};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;
use utoipa::ToSchema;

/// What the desk sees of the printer.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct PrinterHealth {
    /// Whether a printer is configured for this node.
    pub configured: bool,
    /// The printer's address, e.g. `127.0.0.1:9100`.
    pub target: Option<String>,
    /// The current fault in words (`paper out`, `offline`, `unreachable: …`), if any.
    pub fault: Option<String>,
    /// Jobs waiting to print.
    pub pending: u32,
    /// When the last job printed.
    pub last_printed_at: Option<DateTime<Utc>>,
}

/// A ticket's print job, as shown with the ticket.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PrintState {
    /// `queued` or `printed`.
    pub status: String,
    /// The printer's current fault while the job waits; the kiosk then asks the patient
    /// to note the number.
    pub fault: Option<String>,
}

/// This node's printer and spool state.
#[derive(Debug)]
pub struct Printer {
    /// The printer's address, in any form `medicloud_printer::driver::open` takes.
    target: String,
    layout: Layout,
    /// Base of the status URL printed as the ticket's QR code, e.g. `http://10.0.0.5:8080`.
    status_base: OnceLock<String>,
    health: Mutex<PrinterHealth>,
    wake: Notify,
}

impl Printer {
    /// A printer at `target` (`tcp://HOST:PORT`, `HOST:PORT`, `file:/dev/usb/lp0`, …)
    /// with paper of `width`. Fails when the address cannot be understood.
    pub fn new(target: &str, width: PaperWidth) -> std::result::Result<Self, PrintError> {
        medicloud_printer::driver::open(target)?;
        let health = PrinterHealth {
            configured: true,
            target: Some(target.to_owned()),
            ..PrinterHealth::default()
        };
        Ok(Self {
            target: target.to_owned(),
            layout: Layout {
                width,
                ..Layout::default()
            },
            status_base: OnceLock::new(),
            health: Mutex::new(health),
            wake: Notify::new(),
        })
    }

    /// Sets the base of status URLs, once the node knows the address it serves on.
    pub fn set_status_base(&self, base: String) {
        let _ = self.status_base.set(base);
    }

    fn health_mut(&self) -> std::sync::MutexGuard<'_, PrinterHealth> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The printer's state for the desk.
    pub fn health(&self) -> PrinterHealth {
        self.health_mut().clone()
    }

    /// Sends a test page now (not through the spool).
    pub fn test_page(&self) -> std::result::Result<(), String> {
        let page = medicloud_printer::encode_test_page(&self.layout, &self.target)
            .map_err(|e| e.to_string())?;
        let result = medicloud_printer::driver::open(&self.target)
            .and_then(|mut driver| driver.send(&page))
            .map_err(|e| e.to_string());
        self.note_outcome(result.clone());
        result
    }

    /// The paper width in dots, for rendering stored jobs.
    pub fn width_dots(&self) -> u32 {
        self.layout.width.dots()
    }

    /// Stores a print job for `ticket` in the current transaction.
    pub fn enqueue(
        &self,
        w: &Writer<'_>,
        ticket: &Ticket,
        people_ahead: u32,
        wait_seconds: u32,
        reprint: bool,
    ) -> Result<()> {
        let conn = w.conn();
        let clinic = crate::store::query::clinic(conn)?;
        let tz: Tz = crate::store::query::time_zone(conn)?;
        let service = crate::store::query::service(conn, &ticket.issue.service)?;
        let issued = DateTime::<Utc>::from_timestamp_millis(ticket.issued_at_ms)
            .unwrap_or_default()
            .with_timezone(&tz);
        let base = self.status_base.get().map_or("", String::as_str);
        let clinic_message = clinic
            .as_ref()
            .map(|c| (c.ticket_message_id.clone(), c.ticket_message_en.clone()));
        let print = TicketPrint {
            clinic_name: clinic.map(|c| c.name).unwrap_or_default(),
            label: ticket.issue.label.clone(),
            service_name_id: service
                .as_ref()
                .map(|s| s.name_id.clone())
                .unwrap_or_default(),
            service_name_en: service.map(|s| s.name_en).unwrap_or_default(),
            issued_at: issued.format("%d-%m-%Y %H:%M").to_string(),
            people_ahead,
            estimated_wait_minutes: wait_seconds.div_ceil(60),
            priority: ticket.issue.priority.map(|p| {
                let (id, en) = p.names();
                format!("Prioritas: {id} / Priority: {en}")
            }),
            status_url: format!("{base}/t/{}", ticket.id),
            message: ticket_message(clinic_message),
            reprint,
        };
        let bytes =
            medicloud_printer::encode_ticket(&print, &self.layout).map_err(crate::Error::Layout)?;
        conn.execute(
            "INSERT INTO print_jobs (ticket, reprint, bytes, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![ticket.id.to_string(), reprint, bytes, w.now_ms()],
        )?;
        Ok(())
    }

    /// Updates the health after a send; returns whether the job printed.
    fn note_outcome(&self, result: std::result::Result<(), String>) -> bool {
        let mut health = self.health_mut();
        match result {
            Ok(()) => {
                if health.fault.take().is_some() {
                    tracing::info!("printer recovered");
                }
                health.last_printed_at = Some(Utc::now());
                health.pending = health.pending.saturating_sub(1);
                true
            }
            Err(fault) => {
                if health.fault.as_deref() != Some(fault.as_str()) {
                    tracing::warn!(%fault, "printer fault; jobs wait");
                }
                health.fault = Some(fault);
                false
            }
        }
    }

    /// Wakes the worker after a commit that added jobs.
    pub fn kick(&self) {
        self.wake.notify_one();
    }

    /// The print state of a ticket's newest job, if it has one.
    pub fn state_of(
        &self,
        conn: &rusqlite::Connection,
        ticket: &str,
    ) -> Result<Option<PrintState>> {
        let printed: Option<Option<i64>> = conn
            .query_row(
                "SELECT printed_at FROM print_jobs WHERE ticket = ?1 ORDER BY id DESC LIMIT 1",
                [ticket],
                |r| r.get(0),
            )
            .optional()?;
        Ok(printed.map(|printed_at| match printed_at {
            Some(_) => PrintState {
                status: "printed".into(),
                fault: None,
            },
            None => PrintState {
                status: "queued".into(),
                fault: self.health().fault,
            },
        }))
    }
}

struct Job {
    id: i64,
    bytes: Vec<u8>,
}

fn next_job(node: &Node) -> Result<(Option<Job>, u32)> {
    node.store.read(|conn| {
        let pending: u32 = conn.query_row(
            "SELECT COUNT(*) FROM print_jobs WHERE printed_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        let job = conn
            .query_row(
                "SELECT id, bytes FROM print_jobs WHERE printed_at IS NULL ORDER BY id LIMIT 1",
                [],
                |r| {
                    Ok(Job {
                        id: r.get(0)?,
                        bytes: r.get(1)?,
                    })
                },
            )
            .optional()?;
        Ok((job, pending))
    })
}

/// Sends one job. The driver asks the printer's status first and sends nothing to a
/// printer that says it cannot print, then waits for the printer to confirm the job;
/// the error says why, in words for the desk.
fn send(target: &str, job: &Job) -> std::result::Result<(), String> {
    let mut driver = medicloud_printer::driver::open(target).map_err(|e| e.to_string())?;
    driver.send(&job.bytes).map_err(|e| match e {
        PrintError::NotReady { status, .. } => status.to_string(),
        PrintError::Connect { .. } => format!("unreachable: {e}"),
        other => format!("not printing: {other}"),
    })
}

/// The spool worker: runs until the task is dropped. Retries with a backoff from 0.5 s
/// up to 10 s while the printer has a fault.
pub async fn run(node: Arc<Node>) {
    let Some(printer) = node.printer.as_ref() else {
        return;
    };
    let mut backoff = Duration::from_millis(500);
    loop {
        let n = node.clone();
        let (job, pending) = match tokio::task::spawn_blocking(move || next_job(&n)).await {
            Ok(Ok(found)) => found,
            _ => (None, 0),
        };
        printer.health_mut().pending = pending;
        let Some(job) = job else {
            // Nothing to print: sleep until a ticket is issued (or a minute passes).
            let _ = tokio::time::timeout(Duration::from_secs(60), printer.wake.notified()).await;
            continue;
        };
        let target = printer.target.clone();
        let id = job.id;
        let result = tokio::task::spawn_blocking(move || send(&target, &job))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let (n, outcome, now) = (node.clone(), result.clone(), node.store.now_ms());
        let recorded = tokio::task::spawn_blocking(move || {
            n.store.write(|w| {
                let sql = match &outcome {
                    Ok(()) => "UPDATE print_jobs SET printed_at = ?1, attempts = attempts + 1 WHERE id = ?2",
                    Err(_) => "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?3 WHERE id = ?2",
                };
                let fault = outcome.as_ref().err();
                let mut stmt = w.conn().prepare(sql)?;
                match fault {
                    None => stmt.execute(params![now, id])?,
                    Some(f) => stmt.execute(params![rusqlite::types::Null, id, f])?,
                };
                Ok(())
            })
        })
        .await;
        if !matches!(recorded, Ok(Ok(_))) {
            tracing::error!("could not record a print job's outcome; it will be sent again");
        }
        if printer.note_outcome(result) {
            backoff = Duration::from_millis(500);
        } else {
            let _ = tokio::time::timeout(backoff, printer.wake.notified()).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }
}

/// The message at the bottom of a ticket: the clinic's own, or the default, in both languages.
fn ticket_message(clinic: Option<(Option<String>, Option<String>)>) -> String {
    let (id, en) = clinic.unwrap_or_default();
    let id = id.unwrap_or_else(|| "Simpan tiket ini. Mohon menunggu panggilan.".into());
    let en = en.unwrap_or_else(|| "Keep this ticket and wait for your call.".into());
    format!("{id} / {en}")
}

/// The bytes of the newest print job of `ticket`, if it was ever printed here.
pub fn latest_job(
    conn: &rusqlite::Connection,
    ticket: medicloud_core::ids::TicketId,
) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM print_jobs WHERE ticket = ?1 ORDER BY id DESC LIMIT 1",
            [ticket.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}
