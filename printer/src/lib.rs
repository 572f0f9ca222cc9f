//! Medicloud ticket printing: layout, ESC/POS encoding, printer drivers and the virtual
//! printer.
//!
//! A ticket is encoded to bytes once ([`encode_ticket`]); the node's print spool keeps
//! those bytes and hands them to a [`Driver`] until the printer takes them. The bytes can
//! be read back with [`describe`]:
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
#![deny(missing_docs)]

pub mod codepage;
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
