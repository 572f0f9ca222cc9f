//! File/device and address handling of the drivers.

use medicloud_printer::driver::{Driver, FileDriver, NetworkDriver};
use medicloud_printer::{PrintError, StatusReport};

#[test]
fn file_driver_appends_jobs_and_has_no_status() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lp0");
    let mut driver = FileDriver::new(&path);
    driver.send(b"\x1b@first\n").unwrap();
    driver.send(b"\x1b@second\n").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"\x1b@first\n\x1b@second\n");
    // A plain file is not a device: no status requests are written into it.
    assert_eq!(driver.status().unwrap(), StatusReport::Unknown);
    assert_eq!(std::fs::read(&path).unwrap().len(), 17);
    assert_eq!(driver.name(), path.display().to_string());
}

#[test]
fn missing_device_is_a_connect_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut driver = FileDriver::new(dir.path().join("no-such-dir/lp0"));
    let sent = driver.send(b"x");
    assert!(matches!(sent, Err(PrintError::Connect { .. })), "{sent:?}");
}

#[test]
fn network_addresses_default_to_port_9100() {
    let cases = [
        ("127.0.0.1", "127.0.0.1:9100"),
        ("127.0.0.1:9101", "127.0.0.1:9101"),
        ("[::1]", "[::1]:9100"),
        ("[::1]:515", "[::1]:515"),
    ];
    for (host, addr) in cases {
        let driver = NetworkDriver::resolve(host).unwrap();
        assert_eq!(driver.addr().to_string(), addr, "{host}");
        assert_eq!(driver.name(), format!("tcp://{addr}"));
    }
    assert!(matches!(
        NetworkDriver::resolve("printer.invalid"),
        Err(PrintError::Connect { .. })
    ));
}

#[test]
fn open_by_address() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.prn");
    let cases = [
        ("tcp://127.0.0.1:9101".to_owned(), "tcp://127.0.0.1:9101"),
        ("tcp://127.0.0.1/".to_owned(), "tcp://127.0.0.1:9100"),
        (format!("file://{}", file.display()), file.to_str().unwrap()),
        (format!("file:{}", file.display()), file.to_str().unwrap()),
        (file.display().to_string(), file.to_str().unwrap()),
        ("127.0.0.1:9102".to_owned(), "tcp://127.0.0.1:9102"),
        ("./lp0".to_owned(), "./lp0"),
    ];
    for (address, name) in cases {
        assert_eq!(
            medicloud_printer::driver::open(&address).unwrap().name(),
            name
        );
    }
    let bad = [
        "lpd://printer/queue",
        "",
        "usb://04b8",
        "usb://zz:0202",
        "serial:///dev/ttyUSB0?speed=9600",
    ];
    for address in bad {
        let opened = medicloud_printer::driver::open(address);
        assert!(
            matches!(opened, Err(PrintError::BadAddress(_))),
            "{address}"
        );
    }
}

#[cfg(not(feature = "usb"))]
#[test]
fn usb_without_the_feature_says_so() {
    let Err(e) = medicloud_printer::driver::open("usb://04b8:0202") else {
        panic!("opened")
    };
    assert!(e.to_string().contains("`usb` feature"), "{e}");
}
