//! The virtual printer: a TCP listener that behaves like a network ESC/POS printer,
//! records every job and renders it. It serves tests, demos and
//! `medicloud printer serve --listen HOST:PORT --out DIR`.
//!
//! - **Jobs.** A job is the bytes a connection sends before a process-ID request
//!   (`GS ( H` fn 48, see [`crate::confirm`]; the network driver opens one connection per
//!   ticket and ends it with one), or, without one, before the sender closes its side
//!   or falls silent for 30 s; bytes after a request form the next job. The printer
//!   answers the request (`37 22 d1 d2 d3 d4 00`) only once the job's files are written,
//!   which is what a real printer's "everything before it has printed" means here, and
//!   closes the connection at its end. A connection that only asked for status is not
//!   a job. Job `N` is stored in the out dir as `NNNNNN.png` (raster, 384 or 576 dots
//!   wide), `NNNNNN.txt` (plain text) and, last, `NNNNNN.bin` (the bytes received, less
//!   the status and process-ID requests, which a printer answers rather than prints),
//!   so a watcher that sees the `.bin` can read all three. Numbering continues after the
//!   highest job already in the dir. Switched off (its process killed) after storing a
//!   job but before answering, it has printed a job its sender will send again.
//! - **Status.** `DLE EOT n` is answered at once, wherever it appears in the stream, with
//!   the reply of the current [`Mode`].
//! - **Faults.** In [`Mode::PaperOut`] and [`Mode::Offline`] the printer still answers
//!   status, but the first job byte makes it reset the connection and drop the job: the
//!   sender sees a failure (or, with the network driver, a `NotReady` status before it
//!   sends anything) and retries later.
//! - **Control.** In-process through [`VirtualPrinter::set_mode`]; from another process
//!   through the optional control port, a line protocol:
//!   `mode ok|paper-out|offline` (answers `ok <mode>`), `mode` and `status` (answer
//!   `mode=<mode> jobs=<count>`); anything else answers `error …`. [`serve`] also writes
//!   the bound addresses to `virtual-printer.addr` in the out dir
//!   (`listen <addr>` and `control <addr>` lines) so a test that bound port 0 finds them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::PrintError;
use crate::layout::PaperWidth;
use crate::status::PrinterStatus;

mod connection;
mod control;
mod store;

/// How the virtual printer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Prints everything.
    #[default]
    Ok,
    /// Out of paper: status says paper end (and offline); job bytes are refused.
    PaperOut,
    /// Offline (an error, no paper or cover fault): job bytes are refused.
    Offline,
}

impl Mode {
    /// The status this mode reports.
    pub fn status(self) -> PrinterStatus {
        match self {
            Mode::Ok => PrinterStatus::READY,
            Mode::PaperOut => PrinterStatus {
                online: false,
                paper_out: true,
                ..PrinterStatus::READY
            },
            Mode::Offline => PrinterStatus {
                online: false,
                ..PrinterStatus::READY
            },
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            Mode::Ok => 0,
            Mode::PaperOut => 1,
            Mode::Offline => 2,
        }
    }

    fn from_u8(n: u8) -> Mode {
        match n {
            1 => Mode::PaperOut,
            2 => Mode::Offline,
            _ => Mode::Ok,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Ok => "ok",
            Mode::PaperOut => "paper-out",
            Mode::Offline => "offline",
        })
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "ok" => Ok(Mode::Ok),
            "paper-out" | "paperout" => Ok(Mode::PaperOut),
            "offline" => Ok(Mode::Offline),
            other => Err(format!("unknown mode {other:?} (ok, paper-out, offline)")),
        }
    }
}

/// A recorded job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job number, from 1.
    pub number: u64,
    /// The job bytes received (status and process-ID requests taken out).
    pub bytes: Vec<u8>,
    /// `NNNNNN.bin`: the raw bytes.
    pub bin: PathBuf,
    /// `NNNNNN.txt`: the plain-text rendering.
    pub txt: PathBuf,
    /// `NNNNNN.png`: the raster rendering.
    pub png: PathBuf,
}

/// Where and how the virtual printer runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address for print connections (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Directory for the job files (created when missing).
    pub out: PathBuf,
    /// Paper width used for rendering.
    pub paper: PaperWidth,
    /// Address for the control port, if any.
    pub control: Option<SocketAddr>,
}

impl Config {
    /// 80 mm paper, no control port.
    pub fn new(listen: SocketAddr, out: impl Into<PathBuf>) -> Config {
        Config {
            listen,
            out: out.into(),
            paper: PaperWidth::Mm80,
            control: None,
        }
    }
}

/// State shared by the listener, the connections and the handle.
#[derive(Debug)]
pub(crate) struct Shared {
    mode: AtomicU8,
    jobs: Mutex<Vec<Job>>,
    job_count: watch::Sender<usize>,
    out: PathBuf,
    paper: PaperWidth,
}

impl Shared {
    pub(crate) fn mode(&self) -> Mode {
        Mode::from_u8(self.mode.load(Ordering::SeqCst))
    }

    pub(crate) fn set_mode(&self, mode: Mode) {
        self.mode.store(mode.to_u8(), Ordering::SeqCst);
        tracing::info!(%mode, "virtual printer mode");
    }

    pub(crate) fn jobs(&self) -> Vec<Job> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A running virtual printer; dropping it stops the listeners.
#[derive(Debug)]
pub struct VirtualPrinter {
    addr: SocketAddr,
    control_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl VirtualPrinter {
    /// Binds the listeners and starts serving on the current tokio runtime.
    pub async fn start(config: Config) -> Result<VirtualPrinter, PrintError> {
        tokio::fs::create_dir_all(&config.out)
            .await
            .map_err(PrintError::Virtual)?;
        let next = store::highest_job(&config.out)
            .await
            .map_err(PrintError::Virtual)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(PrintError::Virtual)?;
        let addr = listener.local_addr().map_err(PrintError::Virtual)?;
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(Mode::Ok.to_u8()),
            jobs: Mutex::new(Vec::new()),
            job_count: watch::channel(0).0,
            out: config.out.clone(),
            paper: config.paper,
        });
        let mut tasks = vec![tokio::spawn(connection::accept_loop(
            listener,
            Arc::clone(&shared),
            next,
        ))];
        let mut control_addr = None;
        if let Some(control) = config.control {
            let listener = TcpListener::bind(control)
                .await
                .map_err(PrintError::Virtual)?;
            control_addr = Some(listener.local_addr().map_err(PrintError::Virtual)?);
            tasks.push(tokio::spawn(control::serve(listener, Arc::clone(&shared))));
        }
        tracing::info!(%addr, ?control_addr, out = %config.out.display(), "virtual printer listening");
        Ok(VirtualPrinter {
            addr,
            control_addr,
            shared,
            tasks,
        })
    }

    /// The address print connections go to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control port's address, when one was asked for.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control_addr
    }

    /// The directory the job files go to.
    pub fn out_dir(&self) -> &Path {
        &self.shared.out
    }

    /// Switches the behaviour for everything received from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.set_mode(mode);
    }

    /// The current behaviour.
    pub fn mode(&self) -> Mode {
        self.shared.mode()
    }

    /// The jobs recorded since start, oldest first.
    pub fn jobs(&self) -> Vec<Job> {
        self.shared.jobs()
    }

    /// Waits until at least `count` jobs are recorded or `timeout` passes, then returns
    /// the jobs recorded so far.
    pub async fn wait_for_jobs(&self, count: usize, timeout: Duration) -> Vec<Job> {
        let mut rx = self.shared.job_count.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|n| *n >= count)).await;
        self.jobs()
    }
}

impl Drop for VirtualPrinter {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Runs a virtual printer until the returned future is dropped (the node's
/// `medicloud printer serve` selects it against Ctrl-C). Writes the bound addresses to
/// `virtual-printer.addr` in `out`.
pub async fn serve(
    listen: SocketAddr,
    out: PathBuf,
    paper: PaperWidth,
    control: Option<SocketAddr>,
) -> Result<(), PrintError> {
    // A stale address file from an earlier run must not be mistaken for this one.
    let _ = tokio::fs::remove_file(out.join("virtual-printer.addr")).await;
    let printer = VirtualPrinter::start(Config {
        listen,
        out,
        paper,
        control,
    })
    .await?;
    let mut addrs = format!("listen {}\n", printer.addr());
    if let Some(control) = printer.control_addr() {
        addrs.push_str(&format!("control {control}\n"));
    }
    tokio::fs::write(printer.out_dir().join("virtual-printer.addr"), addrs)
        .await
        .map_err(PrintError::Virtual)?;
    std::future::pending::<()>().await;
    Ok(())
}
