//! Any driver of the escpos crate (USB through libusb, serial ports, HID…) as a
//! [`Driver`]. The `usb` and `serial` features turn on the matching escpos drivers.

use std::time::{Duration, Instant};

use super::{DEFAULT_STATUS_TIMEOUT, Driver};
use crate::error::PrintError;
use crate::status::{PrinterStatus, STATUS_REQUESTS, StatusReport, status_request};

/// Wraps an escpos driver. Its read errors cannot be told apart (escpos turns them into
/// strings), so a failed or empty status read counts as "no answer":
/// [`StatusReport::Unknown`].
#[derive(Debug)]
pub struct EscposDriver<D> {
    inner: D,
    /// How long the printer gets to answer the three status requests.
    pub status_timeout: Duration,
}

impl<D: escpos::driver::Driver> EscposDriver<D> {
    /// Wraps `inner`.
    pub fn new(inner: D) -> EscposDriver<D> {
        EscposDriver {
            inner,
            status_timeout: DEFAULT_STATUS_TIMEOUT,
        }
    }
}

#[cfg(feature = "usb")]
impl EscposDriver<escpos::driver::UsbDriver> {
    /// Opens a USB printer by vendor and product id (libusb).
    pub fn usb(vendor_id: u16, product_id: u16, timeout: Duration) -> Result<Self, PrintError> {
        escpos::driver::UsbDriver::open(vendor_id, product_id, Some(timeout), None)
            .map(Self::new)
            .map_err(|e| PrintError::Driver(e.to_string()))
    }
}

#[cfg(feature = "serial")]
impl EscposDriver<escpos::driver::SerialPortDriver> {
    /// Opens a serial printer, e.g. `/dev/ttyUSB0` at 9600 or 115200 baud.
    pub fn serial(path: &str, baud_rate: u32, timeout: Duration) -> Result<Self, PrintError> {
        escpos::driver::SerialPortDriver::open(path, baud_rate, Some(timeout))
            .map(Self::new)
            .map_err(|e| PrintError::Driver(e.to_string()))
    }
}

impl<D: escpos::driver::Driver + Send> Driver for EscposDriver<D> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        self.inner
            .write(job)
            .and_then(|()| self.inner.flush())
            .map_err(|e| PrintError::Driver(e.to_string()))
    }

    fn status(&mut self) -> Result<StatusReport, PrintError> {
        let deadline = Instant::now() + self.status_timeout;
        let mut replies = [0_u8; 3];
        for (reply, n) in replies.iter_mut().zip(STATUS_REQUESTS) {
            self.inner
                .write(&status_request(n))
                .and_then(|()| self.inner.flush())
                .map_err(|e| PrintError::Driver(e.to_string()))?;
            let mut buf = [0_u8; 1];
            loop {
                if let Ok(1) = self.inner.read(&mut buf) {
                    *reply = buf[0];
                    break;
                }
                if Instant::now() >= deadline {
                    return Ok(StatusReport::Unknown);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        PrinterStatus::from_replies(replies[0], replies[1], replies[2]).map(StatusReport::Known)
    }
}
