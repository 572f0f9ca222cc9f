//! Printer addresses as one string, as the node stores them in its settings.

use std::time::Duration;

use super::{Driver, FileDriver, NetworkDriver};
use crate::error::PrintError;

/// Opens a driver from an address:
///
/// | address | driver |
/// |---|---|
/// | `tcp://192.168.1.50:9100`, `tcp://printer.lan` (port 9100), `HOST:PORT` | [`NetworkDriver`] |
/// | `file:///dev/usb/lp0`, `file:/dev/usb/lp0`, `/dev/usb/lp0`, any other path | [`FileDriver`] |
/// | `usb://04b8:0202` (vendor:product, hex; feature `usb`) | [`super::EscposDriver`] |
/// | `serial:///dev/ttyUSB0?baud=9600` (default 9600; feature `serial`) | [`super::EscposDriver`] |
///
/// Network and file drivers connect per job, so opening one does no I/O beyond
/// resolving a host name; USB and serial open the device now.
pub fn open(address: &str) -> Result<Box<dyn Driver>, PrintError> {
    let bad = |why: &str| PrintError::BadAddress(format!("{address:?}: {why}"));
    if let Some(host) = address.strip_prefix("tcp://") {
        return Ok(Box::new(NetworkDriver::resolve(
            host.trim_end_matches('/'),
        )?));
    }
    if let Some(path) = address
        .strip_prefix("file://")
        .or_else(|| address.strip_prefix("file:"))
    {
        return Ok(Box::new(FileDriver::new(path)));
    }
    if let Some(ids) = address.strip_prefix("usb://") {
        let (vendor, product) = ids
            .split_once(':')
            .and_then(|(v, p)| {
                Some((
                    u16::from_str_radix(v, 16).ok()?,
                    u16::from_str_radix(p, 16).ok()?,
                ))
            })
            .ok_or_else(|| bad("expected usb://VVVV:PPPP (hex vendor and product ids)"))?;
        return open_usb(vendor, product).map_err(|e| match e {
            PrintError::BadAddress(why) => bad(&why),
            other => other,
        });
    }
    if let Some(rest) = address.strip_prefix("serial://") {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let baud = match query.strip_prefix("baud=") {
            Some(b) => b.parse::<u32>().map_err(|_| bad("baud must be a number"))?,
            None if query.is_empty() => 9600,
            None => return Err(bad("the only option is baud=N")),
        };
        return open_serial(path, baud).map_err(|e| match e {
            PrintError::BadAddress(why) => bad(&why),
            other => other,
        });
    }
    if address.contains("://") {
        return Err(bad("unknown scheme (tcp, file, usb, serial)"));
    }
    if address.is_empty() {
        return Err(bad("empty address"));
    }
    let host_port = address
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
    if host_port && !address.starts_with(['/', '.']) {
        return Ok(Box::new(NetworkDriver::resolve(address)?));
    }
    Ok(Box::new(FileDriver::new(address)))
}

const DEVICE_TIMEOUT: Duration = Duration::from_secs(5);

#[cfg(feature = "usb")]
fn open_usb(vendor: u16, product: u16) -> Result<Box<dyn Driver>, PrintError> {
    Ok(Box::new(super::EscposDriver::usb(
        vendor,
        product,
        DEVICE_TIMEOUT,
    )?))
}

#[cfg(not(feature = "usb"))]
fn open_usb(_vendor: u16, _product: u16) -> Result<Box<dyn Driver>, PrintError> {
    let _ = DEVICE_TIMEOUT;
    Err(PrintError::BadAddress(
        "USB printers need the `usb` feature".into(),
    ))
}

#[cfg(feature = "serial")]
fn open_serial(path: &str, baud: u32) -> Result<Box<dyn Driver>, PrintError> {
    Ok(Box::new(super::EscposDriver::serial(
        path,
        baud,
        DEVICE_TIMEOUT,
    )?))
}

#[cfg(not(feature = "serial"))]
fn open_serial(_path: &str, _baud: u32) -> Result<Box<dyn Driver>, PrintError> {
    Err(PrintError::BadAddress(
        "serial printers need the `serial` feature".into(),
    ))
}
