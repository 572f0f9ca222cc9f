//! Real-time status: `DLE EOT n` requests and their one-byte replies.
//!
//! Per the Epson ESC/POS reference, every reply byte has bit 1 and bit 4 set and bits 0
//! and 7 clear (`0xx1xx10`), which is how a reply is told apart from other data:
//!
//! | request | bit | meaning when set |
//! |---|---|---|
//! | `DLE EOT 1` printer status | 3 | offline |
//! | `DLE EOT 2` offline cause | 2 | cover open |
//! | | 5 | printing stopped by paper end |
//! | | 6 | an error occurred |
//! | `DLE EOT 4` roll paper sensor | 2, 3 | paper near end |
//! | | 5, 6 | paper end |
//!
//! The requests are encoded here, not with escpos's `real_time_status`, because that
//! appends a parameter byte `a` that `DLE EOT 1..4` do not take (a stray NUL).

use std::fmt;

use crate::error::PrintError;

/// `DLE`, the first byte of a real-time command.
pub const DLE: u8 = 0x10;
/// `EOT`, the second byte of `DLE EOT n`.
pub const EOT: u8 = 0x04;

/// The status requests a driver sends, in order: printer, offline cause, roll paper.
pub const STATUS_REQUESTS: [u8; 3] = [1, 2, 4];

/// The bytes of `DLE EOT n`.
pub fn status_request(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// What a printer reported about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// The printer is online (not stopped by an open cover, paper end or an error).
    pub online: bool,
    /// The cover is open.
    pub cover_open: bool,
    /// The roll is nearly used up; printing still works.
    pub paper_near_end: bool,
    /// No paper: printing has stopped.
    pub paper_out: bool,
}

impl PrinterStatus {
    /// A printer that can print right now.
    pub const READY: PrinterStatus = PrinterStatus {
        online: true,
        cover_open: false,
        paper_near_end: false,
        paper_out: false,
    };

    /// Whether a job sent now would print.
    pub fn can_print(&self) -> bool {
        self.online && !self.cover_open && !self.paper_out
    }

    /// Builds the status from the reply bytes to `DLE EOT 1`, `DLE EOT 2` and `DLE EOT 4`.
    pub fn from_replies(
        printer: u8,
        offline_cause: u8,
        roll_paper: u8,
    ) -> Result<Self, PrintError> {
        let printer = checked(1, printer)?;
        let cause = checked(2, offline_cause)?;
        let paper = checked(4, roll_paper)?;
        let paper_out = cause & 0x20 != 0 || paper & 0x60 != 0;
        Ok(PrinterStatus {
            online: printer & 0x08 == 0,
            cover_open: cause & 0x04 != 0,
            paper_near_end: paper & 0x0C != 0 && !paper_out,
            paper_out,
        })
    }

    /// The reply byte a printer in this state gives to `DLE EOT n` (used by the virtual
    /// printer; `n` other than 1, 2 and 4 gets the "all clear" byte `0x12`).
    pub fn reply_to(&self, n: u8) -> u8 {
        let mut byte = 0x12;
        match n {
            1 if !self.online => byte |= 0x08,
            2 => {
                if self.cover_open {
                    byte |= 0x04;
                }
                if self.paper_out {
                    byte |= 0x20;
                }
                if !self.online && !self.cover_open && !self.paper_out {
                    byte |= 0x40;
                }
            }
            4 => {
                if self.paper_out {
                    byte |= 0x60 | 0x0C;
                } else if self.paper_near_end {
                    byte |= 0x0C;
                }
            }
            _ => {}
        }
        byte
    }
}

fn checked(request: u8, byte: u8) -> Result<u8, PrintError> {
    if byte & 0b1001_0011 == 0b0001_0010 {
        Ok(byte)
    } else {
        Err(PrintError::InvalidStatus { request, byte })
    }
}

impl fmt::Display for PrinterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![if self.online { "online" } else { "offline" }];
        if self.cover_open {
            parts.push("cover open");
        }
        if self.paper_out {
            parts.push("paper out");
        } else if self.paper_near_end {
            parts.push("paper near end");
        }
        f.write_str(&parts.join(", "))
    }
}

/// The outcome of asking a printer for its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusReport {
    /// The printer answered all three requests.
    Known(PrinterStatus),
    /// The printer did not answer in time (many USB-to-serial links and some network
    /// printers never answer). Printing is still attempted: an unknown status must not
    /// block a ticket.
    Unknown,
}

impl StatusReport {
    /// The status, if the printer answered.
    pub fn known(self) -> Option<PrinterStatus> {
        match self {
            StatusReport::Known(s) => Some(s),
            StatusReport::Unknown => None,
        }
    }

    /// `false` only when the printer said it cannot print.
    pub fn may_print(self) -> bool {
        self.known().is_none_or(|s| s.can_print())
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusReport::Known(s) => s.fmt(f),
            StatusReport::Unknown => f.write_str("unknown"),
        }
    }
}
