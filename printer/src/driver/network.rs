//! Network printers: raw TCP, usually port 9100 ("JetDirect"/"AppSocket").

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::{DEFAULT_STATUS_TIMEOUT, Driver, query_status};
use crate::confirm::{self, ProcessId};
use crate::error::PrintError;
use crate::status::StatusReport;

/// A printer on the LAN, reached over raw TCP. Each job opens its own connection (a
/// network printer serves one connection at a time, and a fresh one survives printer
/// restarts); before writing, the driver asks for the status on that connection and
/// refuses to send to a printer that says it cannot print ([`PrintError::NotReady`]),
/// so the spool keeps the job instead of losing it in a printer that discards data.
///
/// After the job's bytes the driver sends a process-ID request ([`crate::confirm`],
/// `GS ( H`) with a fresh id and waits up to [`confirm_timeout`](Self::confirm_timeout)
/// for the printer's matching answer, which a printer gives once everything before it
/// is printed; other bytes it sends meanwhile (late status replies) are ignored:
///
/// - the answer comes: the job printed, `Ok`;
/// - the printer closes or resets the connection first: it was switched off or dropped
///   the job, [`PrintError::Unconfirmed`] (the spool keeps the job and sends it again);
/// - silence, the connection still open: the printer does not know `GS ( H` (many
///   inexpensive clones) or is slow, and the job counts as printed, `Ok`. For such a
///   printer a job is only known to have reached it: one switched off between taking
///   the bytes and printing them loses that job, and each job takes `confirm_timeout`
///   longer.
///
/// A printer that answers and dies before the driver reads the answer still delivers
/// it (the answer is already on its way); one that dies after printing but before
/// answering makes the spool print that job a second time. Never zero times.
#[derive(Debug, Clone)]
pub struct NetworkDriver {
    addr: SocketAddr,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout for each write.
    pub write_timeout: Duration,
    /// How long the printer gets to answer the three status requests.
    pub status_timeout: Duration,
    /// Check the status on the job's connection before sending (default true).
    pub check_before_send: bool,
    /// After the job, how long to wait for the printer's answer to the process-ID
    /// request (default 5 s; a ticket takes 1–2 s to print). A printer silent this long
    /// is taken not to support `GS ( H`, and the job counts as printed.
    pub confirm_timeout: Duration,
    /// After the confirmation (or the silence), how long to wait for the printer to
    /// close its side (default 2 s). An unconfirmed job whose connection is reset now
    /// was dropped: that is an error. A printer that keeps the connection open past
    /// this time is assumed to have taken the job.
    pub close_timeout: Duration,
}

impl NetworkDriver {
    /// The printer at `addr`, with 3 s connect and 10 s write timeouts.
    pub fn new(addr: SocketAddr) -> NetworkDriver {
        NetworkDriver {
            addr,
            connect_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(10),
            status_timeout: DEFAULT_STATUS_TIMEOUT,
            check_before_send: true,
            confirm_timeout: Duration::from_secs(5),
            close_timeout: Duration::from_secs(2),
        }
    }

    /// Resolves `"host"` or `"host:port"` (port 9100 when none is given).
    pub fn resolve(host: &str) -> Result<NetworkDriver, PrintError> {
        let with_port = if host
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            && !host.ends_with(']')
        {
            host.to_owned()
        } else {
            format!("{host}:9100")
        };
        let connect = |source| PrintError::Connect {
            printer: host.to_owned(),
            source,
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(connect)?
            .next()
            .ok_or_else(|| {
                connect(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no address for host",
                ))
            })?;
        Ok(NetworkDriver::new(addr))
    }

    /// The printer's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn connect(&self) -> Result<TcpStream, PrintError> {
        let connect_err = |source| PrintError::Connect {
            printer: self.name(),
            source,
        };
        let stream =
            TcpStream::connect_timeout(&self.addr, self.connect_timeout).map_err(connect_err)?;
        stream.set_nodelay(true).map_err(connect_err)?;
        stream
            .set_write_timeout(Some(self.write_timeout))
            .map_err(connect_err)?;
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .map_err(connect_err)?;
        Ok(stream)
    }
}

impl Driver for NetworkDriver {
    fn name(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let mut stream = self.connect()?;
        if self.check_before_send {
            let report = query_status(&mut stream, &self.name(), self.status_timeout)?;
            if let StatusReport::Known(status) = report
                && !status.can_print()
            {
                return Err(PrintError::NotReady {
                    printer: self.name(),
                    status,
                });
            }
        }
        let write_err = |source| PrintError::Write {
            printer: self.name(),
            source,
        };
        let id = confirm::fresh_id();
        stream.write_all(job).map_err(write_err)?;
        stream.write_all(&confirm::request(id)).map_err(write_err)?;
        stream.flush().map_err(write_err)?;
        let confirmed =
            wait_for_confirmation(&mut stream, id, self.confirm_timeout).map_err(|source| {
                PrintError::Unconfirmed {
                    printer: self.name(),
                    source,
                }
            })?;
        if confirmed {
            // Printed: what the connection does from now on cannot undo that.
            let _ = stream
                .shutdown(Shutdown::Write)
                .and_then(|()| wait_for_close(&mut stream, self.close_timeout));
        } else {
            stream.shutdown(Shutdown::Write).map_err(write_err)?;
            wait_for_close(&mut stream, self.close_timeout).map_err(write_err)?;
        }
        tracing::debug!(printer = %self.name(), bytes = job.len(), confirmed, "job sent");
        Ok(())
    }

    fn status(&mut self) -> Result<StatusReport, PrintError> {
        let mut stream = self.connect()?;
        query_status(&mut stream, &self.name(), self.status_timeout)
    }
}

/// Reads until the answer to the process-ID request `id` arrives (`Ok(true)`), ignoring
/// any other bytes, for at most `timeout` (`Ok(false)`). The printer closing the
/// connection first is `UnexpectedEof`; a reset is returned as the error it is.
fn wait_for_confirmation(
    stream: &mut TcpStream,
    id: ProcessId,
    timeout: Duration,
) -> std::io::Result<bool> {
    let expected = confirm::response(id);
    let deadline = Instant::now() + timeout;
    // The last bytes received, enough to hold one answer split across reads.
    let mut tail: Vec<u8> = Vec::with_capacity(64 + expected.len());
    let mut buf = [0_u8; 64];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => {
                return Err(std::io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "the printer closed the connection before it confirmed the job",
                ));
            }
            Ok(n) => {
                tail.extend_from_slice(&buf[..n]);
                if tail.windows(expected.len()).any(|w| w == expected) {
                    return Ok(true);
                }
                let keep = tail.len().min(expected.len() - 1);
                tail.drain(..tail.len() - keep);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Reads (and ignores) whatever the printer still sends until it closes, for at most
/// `timeout`. A reset is returned as the error it is.
fn wait_for_close(stream: &mut TcpStream, timeout: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut buf = [0_u8; 64];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
