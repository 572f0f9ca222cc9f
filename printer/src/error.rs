//! The one error type of this crate.

use crate::status::PrinterStatus;

/// Why encoding or printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The escpos crate refused a command (for example QR data longer than a QR code
    /// holds). Comes from a ticket's content, so retrying the same ticket will not help.
    #[error("cannot encode the ticket: {0}")]
    Encode(String),
    /// The printer could not be reached or opened (connection refused, no such device,
    /// connect timeout). The job can be retried later.
    #[error("cannot reach printer {printer}: {source}")]
    Connect {
        /// The printer's address or path.
        printer: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Reaching the printer worked but writing the job failed or timed out (the printer
    /// closed the connection, the cable was pulled). The job can be retried.
    #[error("writing to printer {printer} failed: {source}")]
    Write {
        /// The printer's address or path.
        printer: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The printer took the job's bytes but closed or reset the connection before it
    /// confirmed printing them (`GS ( H`, see [`crate::confirm`]): it was switched off or
    /// dropped the job. Nothing is known to have printed; the job can be retried.
    #[error("printer {printer} did not confirm the job: {source}")]
    Unconfirmed {
        /// The printer's address or path.
        printer: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The printer answered its status and cannot print now (paper out, cover open,
    /// offline). Nothing was sent; retry once the fault is cleared.
    #[error("printer {printer} is not ready: {status}")]
    NotReady {
        /// The printer's address or path.
        printer: String,
        /// What the printer reported.
        status: PrinterStatus,
    },
    /// A status reply byte did not have the fixed bits every ESC/POS status byte has,
    /// so it is not a status reply (or the link mangles bytes).
    #[error("invalid status byte {byte:#04x} for DLE EOT {request}")]
    InvalidStatus {
        /// The `n` of the `DLE EOT n` request.
        request: u8,
        /// The byte received.
        byte: u8,
    },
    /// Reading a status reply failed for a reason other than a timeout.
    #[error("reading status from {printer} failed: {source}")]
    Status {
        /// The printer's address or path.
        printer: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A printer address that [`crate::driver::open`] cannot use (unknown scheme, bad
    /// USB ids, a driver whose cargo feature is off). Fix the printer's settings.
    #[error("bad printer address {0}")]
    BadAddress(String),
    /// A driver from the escpos crate (USB, serial) failed.
    #[error("printer driver error: {0}")]
    Driver(String),
    /// The virtual printer could not bind, accept or store a job.
    #[error("virtual printer: {0}")]
    Virtual(#[source] std::io::Error),
}

impl From<escpos::errors::PrinterError> for PrintError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        PrintError::Encode(e.to_string())
    }
}
