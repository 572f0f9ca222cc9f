//! Medicloud ticket printing: layout, ESC/POS encoding, printer drivers and the virtual
//! printer.
//!
//! A ticket is encoded to bytes once ([`encode_ticket`]); the node's print spool keeps
//! those bytes and hands them to a [`Driver`] until the printer takes them. The bytes can
//! be read back with [`describe()`]:
//!
//! ```
//! use medicloud_printer::{describe, encode_ticket, Layout, PaperWidth, TicketPrint};
//!
//! let ticket = TicketPrint {
//!     clinic_name: "Klinik Sehat Sentosa".into(),
//!     label: "A-012".into(),
//!     service_name_id: "Poli Umum".into(),
//!     service_name_en: "General Practice".into(),
//!     issued_at: "Senin, 3 Mar 2025 08:15".into(),
//!     people_ahead: 4,
//!     estimated_wait_minutes: 20,
//!     priority: None,
//!     status_url: "https://klinik.example/t/7f3a".into(),
//!     message: "Mohon menunggu / Please wait".into(),
//!     reprint: false,
//! };
//! let layout = Layout { width: PaperWidth::Mm58, ..Layout::default() };
//! let bytes = encode_ticket(&ticket, &layout)?;
//! let text = describe(&bytes);
//! assert!(text.starts_with("ESC @ (init)\nESC t 19 (code page PC858)\n"));
//! assert!(text.contains("GS ! 0x55 (size 6x6)\nTEXT \"A-012\"\n"));
//! assert!(text.contains("GS ( k (QR store 29 bytes) \"https://klinik.example/t/7f3a\"\n"));
//! assert!(text.ends_with("GS V 65 0 (full cut)\n"));
//! # Ok::<(), medicloud_printer::PrintError>(())
//! ```
//!
//! # Map
//!
//! - [`layout`]: [`TicketPrint`] + [`Layout`] → bytes, through the escpos crate;
//!   [`codepage`] turns text into the selected code page (`?` for what it lacks).
//! - [`mod@describe`]: bytes → commands ([`parse`]) → one readable line each
//!   ([`describe()`]); used by the snapshot tests and by [`render`].
//! - [`status`]: `DLE EOT 1/2/4` requests and replies → [`PrinterStatus`].
//! - [`confirm`]: the process-ID request `GS ( H` and its answer, which a printer gives
//!   once everything before it has printed.
//! - [`driver`]: the blocking [`Driver`] trait; [`NetworkDriver`] (raw TCP 9100, each
//!   job confirmed with `GS ( H` by printers that know it), [`FileDriver`]
//!   (`/dev/usb/lp0` or any path), [`EscposDriver`] around escpos's own drivers (USB
//!   with the `usb` feature, serial with `serial`).
//! - [`virtual_printer`]: a tokio TCP printer that answers status, can be put out of paper
//!   or offline, stores each job as `.bin`, `.txt` ([`render::to_text`]) and `.png`
//!   ([`render::to_png`]), and answers `GS ( H` once the job before it is stored.
//!
//! **Invariants.** Encoding, parsing and rendering do no I/O and are deterministic (the
//! same ticket gives the same bytes, so the spool can store bytes and reprint them).
//! Drivers never panic on a printer's behaviour: a silent printer is
//! [`StatusReport::Unknown`], which does not block printing. A network job counts as
//! printed only when the printer confirms it, or, for a printer that never answers a
//! confirmation request, when it took the bytes without dropping the connection. Only
//! [`virtual_printer`] needs a tokio runtime.
#![deny(missing_docs)]

pub mod codepage;
pub mod confirm;
pub mod describe;
pub mod driver;
pub mod error;
pub mod layout;
pub mod render;
pub mod status;
pub mod virtual_printer;

pub use codepage::CodePage;
pub use describe::{Command, describe, parse};
pub use driver::{Driver, EscposDriver, FileDriver, NetworkDriver};
pub use error::PrintError;
pub use layout::{Layout, PaperWidth, TicketPrint, encode_test_page, encode_ticket};
pub use status::{PrinterStatus, StatusReport};
pub use virtual_printer::{Mode, VirtualPrinter, serve};
