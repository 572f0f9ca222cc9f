//! Medicloud's domain, with no I/O: the events that record every change, the ticket
//! lifecycle reducer, the calling order, labels, wait estimates and the staff password
//! policy (argon2id hashing included: pure computation, the caller brings the salt).
//!
//! Everything here is a pure function of its inputs (the current time is passed in), so
//! every node folds the same events into the same state.
//!
//! ```
//! use medicloud_core::event::Actor;
//! use medicloud_core::ids::{DeviceId, TicketId, VisitId};
//! use medicloud_core::domain::{CounterId, ServiceCode};
//! use medicloud_core::ticket::{step, Issue, TicketChange, TicketStatus};
//!
//! let id = TicketId::random();
//! let kiosk = Actor::Device(DeviceId::random());
//! let issue = Issue {
//!     service: ServiceCode::parse("A")?,
//!     label: "A-001".into(),
//!     day: chrono::NaiveDate::default(),
//!     priority: None,
//!     visit: VisitId::random(),
//!     appointment: None,
//!     patient: None,
//!     transferred_from: None,
//!     start_step: None,
//!     estimated_wait_seconds: None,
//! };
//! let waiting = step(None, id, &TicketChange::Issued(issue), kiosk, 1_000)?;
//! let call = TicketChange::Called { counter: CounterId::parse("loket-1")? };
//! let called = step(Some(&waiting), id, &call, kiosk, 2_000)?;
//! assert_eq!(called.status, TicketStatus::Called);
//! // Completing a ticket nobody has called yet is refused with a reason.
//! let err = step(Some(&waiting), id, &TicketChange::Completed, kiosk, 3_000).unwrap_err();
//! assert_eq!(err.to_string(), "cannot complete a ticket that is waiting (call it first)");
//! // Called, it may be completed straight away (service time counts from the call).
//! let done = step(Some(&called), id, &TicketChange::Completed, kiosk, 3_000)?;
//! assert_eq!(done.status, TicketStatus::Done);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod appointment;
pub mod audit;
pub mod domain;
pub mod error_code;
pub mod event;
pub mod i18n;
pub mod ids;
pub mod labels;
pub mod password;
pub mod queue;
pub mod report;
#[cfg(feature = "report-files")]
pub mod report_files;
pub mod requests;
pub mod schedule;
pub mod ticket;
pub mod validate;
pub mod wait;
