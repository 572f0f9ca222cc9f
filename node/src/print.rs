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
use crate::store::print::{self as spool, Job};
use crate::store::{Store, Writer, query};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use medicloud_core::domain::Service;
use medicloud_core::ticket::Ticket;
use medicloud_printer::{Layout, PaperWidth, PrintError, TicketPrint};
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
        let clinic = query::clinic(conn)?;
        let tz: Tz = query::time_zone(conn)?;
        let service = query::service(conn, &ticket.issue.service)?;
        // A number given at a later step of the visit is dated when it was given.
        let given_ms = match ticket.step_label {
            Some(_) => ticket.queued_at_ms,
            None => ticket.issued_at_ms,
        };
        let issued = DateTime::<Utc>::from_timestamp_millis(given_ms)
            .unwrap_or_default()
            .with_timezone(&tz);
        let base = self.status_base.get().map_or("", String::as_str);
        let clinic_message = clinic
            .as_ref()
            .map(|c| (c.ticket_message_id.clone(), c.ticket_message_en.clone()));
        let (place_id, place_en) = place(service.as_ref(), ticket);
        let print = TicketPrint {
            clinic_name: clinic.map(|c| c.name).unwrap_or_default(),
            label: ticket.label().to_owned(),
            service_name_id: place_id,
            service_name_en: place_en,
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
        spool::insert_job(conn, ticket.id, reprint, &bytes, w.now_ms())
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

    /// The printer's current fault in words, if it has one.
    pub fn fault(&self) -> Option<String> {
        self.health_mut().fault.clone()
    }
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

/// The spool worker: sends the pending jobs in `store` to `printer` until the task is
/// dropped. Retries with a backoff from 0.5 s up to 10 s while the printer has a fault.
pub async fn run(store: Arc<Store>, printer: Arc<Printer>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let s = store.clone();
        let (job, pending) =
            match tokio::task::spawn_blocking(move || s.read(spool::next_pending)).await {
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
        let (s, outcome, now) = (store.clone(), result.clone(), store.now_ms());
        let recorded = tokio::task::spawn_blocking(move || {
            s.write(|w| match &outcome {
                Ok(()) => spool::mark_printed(w.conn(), id, now),
                Err(fault) => spool::mark_failed(w.conn(), id, fault),
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
/// Where the paper sends the patient: the service, and the step of the visit when the
/// number is the one given for that step (the room's number names the room).
fn place(service: Option<&Service>, ticket: &Ticket) -> (String, String) {
    let Some(service) = service else {
        return Default::default();
    };
    let step = service
        .step_of(ticket.step.as_ref())
        .and_then(|id| service.step(id));
    match step {
        Some(step) if ticket.step_label.is_some() => (
            format!("{} · {}", service.name_id, step.name_id),
            format!("{} · {}", service.name_en, step.name_en),
        ),
        _ => (service.name_id.clone(), service.name_en.clone()),
    }
}

fn ticket_message(clinic: Option<(Option<String>, Option<String>)>) -> String {
    let (id, en) = clinic.unwrap_or_default();
    let id = id.unwrap_or_else(|| "Simpan tiket ini. Mohon menunggu panggilan.".into());
    let en = en.unwrap_or_else(|| "Keep this ticket and wait for your call.".into());
    format!("{id} / {en}")
}
