//! Drivers: how job bytes reach a printer and how its status is read.
//!
//! [`Driver`] is blocking, like the printers: the node's print spool calls it from
//! `tokio::task::spawn_blocking` (or a thread of its own). Every driver reads status with
//! `DLE EOT 1`, `2` and `4` and a timeout; a printer that does not answer gives
//! [`StatusReport::Unknown`], which never blocks printing.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use crate::error::PrintError;
use crate::status::{PrinterStatus, STATUS_REQUESTS, StatusReport, status_request};

mod escpos_driver;
mod file;
mod network;
mod open;

pub use escpos_driver::EscposDriver;
pub use file::FileDriver;
pub use network::NetworkDriver;
pub use open::open;

/// How long a printer gets to answer a status request, unless a driver is told otherwise.
pub const DEFAULT_STATUS_TIMEOUT: Duration = Duration::from_millis(800);

/// A printer connection the spool can send jobs to.
pub trait Driver: Send {
    /// A name for logs and the desk ("tcp://192.168.1.50:9100", "/dev/usb/lp0").
    fn name(&self) -> String;

    /// Sends one job (the bytes of one ticket, cut included). `Ok` means the printer
    /// confirmed printing it ([`NetworkDriver`] with a printer that knows `GS ( H`) or, where
    /// no confirmation is to be had, that the bytes were handed to the printer; an error
    /// means the job should be retried later.
    fn send(&mut self, job: &[u8]) -> Result<(), PrintError>;

    /// Asks the printer for its status. A printer that does not answer in time gives
    /// `Ok(StatusReport::Unknown)`; errors are reserved for unreachable printers and
    /// replies that are not status bytes.
    fn status(&mut self) -> Result<StatusReport, PrintError>;
}

/// Sends `DLE EOT 1, 2, 4` on `io` and reads one reply byte each before `timeout` runs
/// out (in total). `io` must return `WouldBlock`/`TimedOut` (or `Ok(0)`) when no byte
/// has arrived yet; the caller sets the stream's own read timeout to something short.
pub(crate) fn query_status<S: Read + Write>(
    io: &mut S,
    name: &str,
    timeout: Duration,
) -> Result<StatusReport, PrintError> {
    let deadline = Instant::now() + timeout;
    let mut replies = [0_u8; 3];
    for (reply, n) in replies.iter_mut().zip(STATUS_REQUESTS) {
        io.write_all(&status_request(n))
            .and_then(|()| io.flush())
            .map_err(|source| PrintError::Status {
                printer: name.to_owned(),
                source,
            })?;
        match read_byte(io, deadline) {
            Ok(Some(b)) => *reply = b,
            Ok(None) => return Ok(StatusReport::Unknown),
            Err(source) => {
                return Err(PrintError::Status {
                    printer: name.to_owned(),
                    source,
                });
            }
        }
    }
    PrinterStatus::from_replies(replies[0], replies[1], replies[2]).map(StatusReport::Known)
}

/// One byte, or `None` when the deadline passes (or the peer closed) first.
fn read_byte<S: Read>(io: &mut S, deadline: Instant) -> std::io::Result<Option<u8>> {
    let mut buf = [0_u8; 1];
    loop {
        match io.read(&mut buf) {
            Ok(1) => return Ok(Some(buf[0])),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
