//! Real TCP against the virtual printer: jobs, renderings, status, faults, control.

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use medicloud_printer::driver::{Driver, NetworkDriver};
use medicloud_printer::virtual_printer::Config;
use medicloud_printer::{
    Mode, PaperWidth, PrintError, PrinterStatus, StatusReport, VirtualPrinter, encode_ticket,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::util::{blocking, decode_qr, layout, ticket};

const WAIT: Duration = Duration::from_secs(10);

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn start(dir: &tempfile::TempDir, paper: PaperWidth) -> VirtualPrinter {
    let mut config = Config::new(local(), dir.path());
    config.paper = paper;
    config.control = Some(local());
    VirtualPrinter::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn ticket_round_trip_with_rendered_qr() {
    let dir = tempfile::tempdir().unwrap();
    let printer = start(&dir, PaperWidth::Mm58).await;
    let t = ticket();
    let bytes = encode_ticket(&t, &layout(PaperWidth::Mm58)).unwrap();

    let mut driver = NetworkDriver::new(printer.addr());
    let sent = bytes.clone();
    let status = blocking(move || {
        let status = driver.status();
        driver.send(&sent).unwrap();
        status
    })
    .await;
    assert_eq!(status.unwrap(), StatusReport::Known(PrinterStatus::READY));

    let jobs = printer.wait_for_jobs(1, WAIT).await;
    assert_eq!(
        jobs.len(),
        1,
        "one ticket, one job (a status check is not a job)"
    );
    let job = &jobs[0];
    assert_eq!(job.bin, dir.path().join("000001.bin"));
    assert_eq!(
        std::fs::read(&job.bin).unwrap(),
        bytes,
        "the .bin is what was sent"
    );

    let text = std::fs::read_to_string(&job.txt).unwrap();
    assert!(text.contains("[6x6] A-012"), "{text}");
    assert!(text.contains("Mohon menunggu, Ibu José Müller"), "{text}");
    assert!(text.contains(&format!("[QR: {}]", t.status_url)), "{text}");
    assert!(text.trim_end().ends_with("--- cut ---"), "{text}");

    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&job.png).unwrap(),
    ));
    assert_eq!(decoder.read_info().unwrap().info().width, 384);
    assert_eq!(decode_qr(&job.png), [t.status_url]);
}

#[tokio::test(flavor = "multi_thread")]
async fn eighty_mm_png_is_576_dots_and_its_qr_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let printer = start(&dir, PaperWidth::Mm80).await;
    let t = medicloud_printer::TicketPrint {
        status_url: "https://antrean.klinik-sehat.example/status/01HQ7F3A9ZK2".into(),
        reprint: true,
        ..ticket()
    };
    let bytes = encode_ticket(&t, &layout(PaperWidth::Mm80)).unwrap();
    let mut driver = NetworkDriver::new(printer.addr());
    blocking(move || driver.send(&bytes)).await.unwrap();
    let job = printer.wait_for_jobs(1, WAIT).await.remove(0);
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&job.png).unwrap(),
    ));
    assert_eq!(decoder.read_info().unwrap().info().width, 576);
    assert_eq!(decode_qr(&job.png), [t.status_url]);
    assert!(
        std::fs::read_to_string(&job.txt)
            .unwrap()
            .contains("[REVERSE] CETAK ULANG / REPRINT")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn paper_out_refuses_jobs_until_paper_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let printer = start(&dir, PaperWidth::Mm80).await;
    let bytes = encode_ticket(&ticket(), &layout(PaperWidth::Mm80)).unwrap();
    printer.set_mode(Mode::PaperOut);

    let mut driver = NetworkDriver::new(printer.addr());
    let job = bytes.clone();
    let (status, sent) = blocking(move || (driver.status(), driver.send(&job))).await;
    let status = status.unwrap().known().unwrap();
    assert!(
        status.paper_out && !status.online && !status.can_print(),
        "{status:?}"
    );
    assert!(
        matches!(sent, Err(PrintError::NotReady { status, .. }) if status.paper_out),
        "{sent:?}"
    );

    // A sender that does not check first: the printer resets the connection, no job.
    let mut blind = NetworkDriver::new(printer.addr());
    blind.check_before_send = false;
    let job = bytes.clone();
    let sent = blocking(move || blind.send(&job)).await;
    // The reset comes while the driver writes or while it waits for the confirmation.
    assert!(
        matches!(
            sent,
            Err(PrintError::Write { .. } | PrintError::Unconfirmed { .. })
        ),
        "{sent:?}"
    );
    assert!(printer.jobs().is_empty());
    assert!(!dir.path().join("000001.bin").exists());

    printer.set_mode(Mode::Ok);
    let mut driver = NetworkDriver::new(printer.addr());
    let job = bytes.clone();
    blocking(move || driver.send(&job)).await.unwrap();
    let jobs = printer.wait_for_jobs(1, WAIT).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].bytes, bytes);
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_mode_through_the_control_port() {
    let dir = tempfile::tempdir().unwrap();
    let printer = start(&dir, PaperWidth::Mm80).await;
    let control = tokio::net::TcpStream::connect(printer.control_addr().unwrap())
        .await
        .unwrap();
    let (read, mut write) = control.into_split();
    let mut answers = BufReader::new(read).lines();
    let mut ask = async |line: &str| {
        write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        answers.next_line().await.unwrap().unwrap()
    };
    assert_eq!(ask("mode offline").await, "ok offline");
    assert_eq!(ask("status").await, "mode=offline jobs=0");
    assert!(ask("mode sideways").await.starts_with("error"));

    let mut driver = NetworkDriver::new(printer.addr());
    let status = blocking(move || driver.status())
        .await
        .unwrap()
        .known()
        .unwrap();
    assert!(
        !status.online && !status.paper_out && !status.can_print(),
        "{status:?}"
    );

    assert_eq!(ask("mode ok").await, "ok ok");
    let bytes = encode_ticket(&ticket(), &layout(PaperWidth::Mm80)).unwrap();
    let mut driver = NetworkDriver::new(printer.addr());
    blocking(move || driver.send(&bytes)).await.unwrap();
    printer.wait_for_jobs(1, WAIT).await;
    assert_eq!(ask("status").await, "mode=ok jobs=1");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_requests_are_answered_mid_job() {
    let dir = tempfile::tempdir().unwrap();
    let printer = start(&dir, PaperWidth::Mm58).await;
    let bytes = encode_ticket(&ticket(), &layout(PaperWidth::Mm58)).unwrap();
    let (first, rest) = bytes.split_at(bytes.len() / 2);

    let mut stream = tokio::net::TcpStream::connect(printer.addr())
        .await
        .unwrap();
    stream.write_all(first).await.unwrap();
    stream.write_all(b"\x10\x04").await.unwrap();
    stream.write_all(b"\x04").await.unwrap();
    let mut reply = [0_u8; 1];
    tokio::time::timeout(WAIT, stream.read_exact(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply[0], 0x12, "roll paper present");
    stream.write_all(rest).await.unwrap();
    stream.shutdown().await.unwrap();

    let jobs = printer.wait_for_jobs(1, WAIT).await;
    assert_eq!(
        jobs[0].bytes, bytes,
        "the status request is answered, not printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_printer_gives_unknown_status_and_still_prints() {
    // A listener that takes bytes but never answers a status or confirmation request.
    let listener = TcpListener::bind(local()).unwrap();
    let addr = listener.local_addr().unwrap();
    let sink = std::thread::spawn(move || {
        let mut received = Vec::new();
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().unwrap();
            std::io::Read::read_to_end(&mut stream, &mut received).unwrap();
        }
        received
    });
    let mut driver = NetworkDriver::new(addr);
    driver.status_timeout = Duration::from_millis(300);
    driver.confirm_timeout = Duration::from_millis(300);
    let (status, elapsed, sent) = blocking(move || {
        let started = Instant::now();
        let status = driver.status();
        let elapsed = started.elapsed();
        // Drop the status connection so the sink moves on to the job.
        (status, elapsed, driver.send(b"\x1b@hello\n"))
    })
    .await;
    assert_eq!(status.unwrap(), StatusReport::Unknown);
    assert!(
        elapsed >= Duration::from_millis(300),
        "the status waits for its timeout: {elapsed:?}"
    );
    sent.unwrap();
    let received = sink.join().unwrap();
    let (job, request) = received.split_at(received.len() - 11);
    assert!(job.ends_with(b"\x1b@hello\n"), "{received:x?}");
    assert_eq!(request[..7], medicloud_printer::confirm::REQUEST_PREFIX);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_printer_is_a_connect_error() {
    let addr = TcpListener::bind(local()).unwrap().local_addr().unwrap(); // closed at once
    let mut driver = NetworkDriver::new(addr);
    let sent = blocking(move || driver.send(b"x")).await;
    assert!(matches!(sent, Err(PrintError::Connect { .. })), "{sent:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_writes_its_addresses_and_continues_numbering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("000041.bin"), b"old").unwrap();
    let out = dir.path().to_owned();
    let server = tokio::spawn(medicloud_printer::serve(
        local(),
        out,
        PaperWidth::Mm58,
        Some(local()),
    ));
    let addr_file = dir.path().join("virtual-printer.addr");
    let started = Instant::now();
    while !addr_file.exists() {
        assert!(started.elapsed() < WAIT, "serve did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let addrs = std::fs::read_to_string(&addr_file).unwrap();
    let listen: SocketAddr = addrs
        .lines()
        .next()
        .unwrap()
        .strip_prefix("listen ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(addrs.lines().nth(1).unwrap().starts_with("control "));

    let mut driver = NetworkDriver::new(listen);
    blocking(move || driver.send(b"\x1b@A-001\n\x1dVA\x00"))
        .await
        .unwrap();
    let txt = dir.path().join("000042.txt");
    while !dir.path().join("000042.bin").exists() {
        assert!(started.elapsed() < WAIT, "job not stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        std::fs::read_to_string(txt).unwrap(),
        "A-001\n--- cut ---\n"
    );
    server.abort();
}
