//! Network printers: raw TCP, usually port 9100 ("JetDirect"/"AppSocket").

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::{DEFAULT_STATUS_TIMEOUT, Driver, query_status};
use crate::error::PrintError;
use crate::status::StatusReport;

/// A printer on the LAN, reached over raw TCP. Each job opens its own connection (a
/// network printer serves one connection at a time, and a fresh one survives printer
/// restarts); before writing, the driver asks for the status on that connection and
/// refuses to send to a printer that says it cannot print ([`PrintError::NotReady`]),
/// so the spool keeps the job instead of losing it in a printer that discards data.
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
    /// After the job, how long to wait for the printer to close its side (default 2 s).
    /// A printer that resets the connection instead has dropped the job: that is an
    /// error. A printer that keeps the connection open past this time is assumed to
    /// have taken the job.
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
        stream.write_all(job).map_err(write_err)?;
        stream.flush().map_err(write_err)?;
        stream.shutdown(Shutdown::Write).map_err(write_err)?;
        wait_for_close(&mut stream, self.close_timeout).map_err(write_err)?;
        tracing::debug!(printer = %self.name(), bytes = job.len(), "job sent");
        Ok(())
    }

    fn status(&mut self) -> Result<StatusReport, PrintError> {
        let mut stream = self.connect()?;
        query_status(&mut stream, &self.name(), self.status_timeout)
    }
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
