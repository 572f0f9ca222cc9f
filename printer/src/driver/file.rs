//! Printers that are a file: `/dev/usb/lp0` (the kernel's usblp driver), a parallel
//! port, or a plain file (handy for capturing jobs).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{DEFAULT_STATUS_TIMEOUT, Driver, query_status};
use crate::error::PrintError;
use crate::status::StatusReport;

/// `O_NONBLOCK` on Linux, so a status read on a device that never answers returns
/// `WouldBlock` instead of hanging.
const O_NONBLOCK: i32 = 0o4000;

/// A printer device node or a file. Jobs are appended (a plain file collects them).
/// Status is read only from character devices; a plain file reports
/// [`StatusReport::Unknown`] (writing status requests into it would corrupt it).
#[derive(Debug, Clone)]
pub struct FileDriver {
    path: PathBuf,
    /// How long the device gets to answer the three status requests.
    pub status_timeout: Duration,
}

impl FileDriver {
    /// The device or file at `path` (opened for each job, so a printer that was
    /// unplugged and plugged back in works again).
    pub fn new(path: impl AsRef<Path>) -> FileDriver {
        FileDriver {
            path: path.as_ref().to_owned(),
            status_timeout: DEFAULT_STATUS_TIMEOUT,
        }
    }

    fn is_device(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| m.file_type().is_char_device())
    }
}

impl Driver for FileDriver {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let mut file = OpenOptions::new()
            .append(true)
            .create(!self.is_device())
            .open(&self.path)
            .map_err(|source| PrintError::Connect {
                printer: self.name(),
                source,
            })?;
        file.write_all(job)
            .and_then(|()| file.flush())
            .map_err(|source| PrintError::Write {
                printer: self.name(),
                source,
            })
    }

    fn status(&mut self) -> Result<StatusReport, PrintError> {
        if !self.is_device() {
            return Ok(StatusReport::Unknown);
        }
        let mut device = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open(&self.path)
            .map_err(|source| PrintError::Connect {
                printer: self.name(),
                source,
            })?;
        query_status(&mut device, &self.name(), self.status_timeout)
    }
}
