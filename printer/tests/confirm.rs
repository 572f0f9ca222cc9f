//! Job confirmation (`GS ( H`) over real TCP: the network driver against printers that
//! confirm, die before confirming or never answer, and the virtual printer's answers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use medicloud_printer::confirm;
use medicloud_printer::driver::{Driver, NetworkDriver};
use medicloud_printer::virtual_printer::Config;
use medicloud_printer::{PrintError, VirtualPrinter};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::blocking;

const WAIT: Duration = Duration::from_secs(10);
/// A confirmation timeout no test waits for.
const HOUR: Duration = Duration::from_secs(3_600);
const JOB: &[u8] = b"\x1b@A-012\n\x1dVA\x00";

/// What a stand-in printer does once it has the whole job and the process-ID request.
#[derive(Debug, Clone, Copy)]
enum Printer {
    /// Closes the connection, as a printer whose process is killed does.
    Dies,
    /// Resets the connection (switched off with bytes unread, or dropping the job).
    Resets,
    /// Answers with the request's id.
    Confirms,
    /// Sends a status byte, another id's answer and the right answer in two pieces.
    ConfirmsAmidOtherBytes,
    /// Takes the bytes and never answers (no `GS ( H` support).
    StaysSilent,
}

/// Reads until a whole process-ID request has arrived; returns the bytes and its id.
async fn read_through_request(stream: &mut TcpStream) -> (Vec<u8>, confirm::ProcessId) {
    let mut received = Vec::new();
    let mut buf = [0_u8; 256];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the driver closed before its request: {received:x?}");
        received.extend_from_slice(&buf[..n]);
        if let Some(at) = received.len().checked_sub(11)
            && received[at..at + 7] == confirm::REQUEST_PREFIX
        {
            let id = received[at + 7..].try_into().unwrap();
            return (received, id);
        }
    }
}

/// A one-connection printer on loopback; the task returns the bytes it received.
async fn stand_in(printer: Printer) -> (SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let (mut received, id) = read_through_request(&mut stream).await;
        match printer {
            Printer::Dies => return received,
            Printer::Resets => {
                stream.set_zero_linger().unwrap();
                return received;
            }
            Printer::Confirms => stream.write_all(&confirm::response(id)).await.unwrap(),
            Printer::ConfirmsAmidOtherBytes => {
                let other = if id == *b"0000" { *b"0001" } else { *b"0000" };
                let answer = confirm::response(id);
                stream.write_all(&[0x12]).await.unwrap();
                stream.write_all(&confirm::response(other)).await.unwrap();
                stream.write_all(&answer[..3]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
                stream.write_all(&answer[3..]).await.unwrap();
            }
            Printer::StaysSilent => {}
        }
        // Until the driver shuts its side down.
        stream.read_to_end(&mut received).await.unwrap();
        received
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_counts_as_printed_only_when_the_printer_confirms_it_or_never_answers() {
    // (printer, printed). Only the silent printer may wait for the confirmation's
    // timeout; for the others it is an hour, so an answer (or a closed connection) is
    // what ends the wait, and a driver that waited for the timeout would hang the test.
    let silence = Duration::from_millis(300);
    let cases = [
        (Printer::Dies, false),
        (Printer::Resets, false),
        (Printer::Confirms, true),
        (Printer::ConfirmsAmidOtherBytes, true),
        (Printer::StaysSilent, true),
    ];
    for (printer, printed) in cases {
        let (addr, received) = stand_in(printer).await;
        let mut driver = NetworkDriver::new(addr);
        driver.check_before_send = false;
        driver.confirm_timeout = match printer {
            Printer::StaysSilent => silence,
            _ => HOUR,
        };
        let (sent, elapsed) = blocking(move || {
            let started = Instant::now();
            (driver.send(JOB), started.elapsed())
        })
        .await;
        match (&sent, printed) {
            (Ok(()), true) => {}
            (Err(PrintError::Unconfirmed { source, .. }), false) => {
                assert!(source.to_string().contains("closed") || printer_reset(source));
            }
            _ => panic!("{printer:?}: {sent:?}"),
        }
        if matches!(printer, Printer::StaysSilent) {
            assert!(elapsed >= silence, "waited for the answer: {elapsed:?}");
        }
        let received = tokio::time::timeout(WAIT, received).await.unwrap().unwrap();
        assert!(received.starts_with(JOB), "{printer:?}: {received:x?}");
        assert_eq!(received.len(), JOB.len() + 11, "{printer:?}: one request");
    }
}

fn printer_reset(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::ConnectionReset
}

#[tokio::test(flavor = "multi_thread")]
async fn the_virtual_printer_confirms_each_job_once_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let printer = VirtualPrinter::start(Config::new("127.0.0.1:0".parse().unwrap(), dir.path()))
        .await
        .unwrap();
    let mut stream = TcpStream::connect(printer.addr()).await.unwrap();
    let answer = async |stream: &mut TcpStream| {
        let mut reply = [0_u8; 7];
        tokio::time::timeout(WAIT, stream.read_exact(&mut reply))
            .await
            .unwrap()
            .unwrap();
        reply
    };

    // A job and its request in one write, the next job's first bytes behind it.
    let first = b"\x1b@first\n".as_slice();
    stream
        .write_all(&[first, &confirm::request(*b"1111"), b"\x1b@sec"].concat())
        .await
        .unwrap();
    assert_eq!(answer(&mut stream).await, confirm::response(*b"1111"));
    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 1, "stored before the answer");
    assert_eq!(std::fs::read(&jobs[0].bin).unwrap(), first);

    // The rest of the second job, a status request, and a request split in three.
    let request = confirm::request(*b"2222");
    stream.write_all(b"ond\n\x10\x04\x01").await.unwrap();
    let mut status = [0_u8; 1];
    stream.read_exact(&mut status).await.unwrap();
    assert_eq!(status[0], 0x12, "online");
    for part in [&request[..2], &request[2..9], &request[9..]] {
        stream.write_all(part).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answer(&mut stream).await, confirm::response(*b"2222"));
    assert_eq!(printer.jobs()[1].bytes, b"\x1b@second\n");

    // Bytes with no request after them are a job at the end of the connection.
    stream.write_all(b"\x1b@third\n").await.unwrap();
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.is_empty(), "{rest:x?}");
    let jobs = printer.wait_for_jobs(3, WAIT).await;
    let texts: Vec<String> = jobs
        .iter()
        .map(|j| std::fs::read_to_string(&j.txt).unwrap())
        .collect();
    assert_eq!(texts, ["first\n", "second\n", "third\n"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_driver_and_the_virtual_printer_agree() {
    let dir = tempfile::tempdir().unwrap();
    let printer = VirtualPrinter::start(Config::new("127.0.0.1:0".parse().unwrap(), dir.path()))
        .await
        .unwrap();
    let mut driver = NetworkDriver::new(printer.addr());
    // A timeout would count as printed too: with an hour's, only the answer ends the wait.
    driver.confirm_timeout = HOUR;
    blocking(move || driver.send(JOB)).await.unwrap();
    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 1, "stored by the time the driver returns");
    assert_eq!(jobs[0].bytes, JOB, "the request is answered, not printed");
}
