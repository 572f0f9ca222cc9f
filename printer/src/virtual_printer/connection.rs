//! Print connections: answer status requests, collect job bytes, store a job and confirm
//! it when asked (`GS ( H`), refuse jobs when the printer is not ready.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::{Shared, store};
use crate::confirm::{self, ProcessId};
use crate::status::{DLE, EOT};

/// Silence after which a connection's bytes count as a finished job.
const IDLE: Duration = Duration::from_secs(30);

/// What a connection asks of the printer besides printing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// `DLE EOT n`: a real-time status request, answered at once.
    Status(u8),
    /// `GS ( H` fn 48: answered with `id` once `job`, the job bytes received since the
    /// previous one (or the connection's start), is stored.
    Confirm {
        /// The process id to answer with.
        id: ProcessId,
        /// The job bytes before the request.
        job: Vec<u8>,
    },
}

/// Separates `DLE EOT n` status requests and `GS ( H` process-ID requests from job data
/// in a stream that arrives in chunks (a request may be split across reads).
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// The bytes of a request begun but not complete yet.
    held: Vec<u8>,
    /// Job bytes seen so far (requests not counted).
    job_bytes: usize,
}

/// How far the held bytes match a request.
enum Match {
    /// A request's beginning: wait for more.
    Partial,
    /// Not a request: the bytes are job data.
    No,
    /// A complete request.
    Status(u8),
    Confirm(ProcessId),
}

fn starts_request(b: u8) -> bool {
    b == DLE || b == confirm::GS
}

fn matches(held: &[u8]) -> Match {
    match held {
        [DLE] | [DLE, EOT] => Match::Partial,
        [DLE, EOT, n] => Match::Status(*n),
        [confirm::GS, ..] => {
            let prefix = confirm::REQUEST_PREFIX.len();
            let (head, digits) = held.split_at(held.len().min(prefix));
            if !confirm::REQUEST_PREFIX.starts_with(head)
                || !digits.iter().all(|&d| confirm::is_id_digit(d))
            {
                Match::No
            } else if let Ok(id) = ProcessId::try_from(digits) {
                Match::Confirm(id)
            } else {
                Match::Partial
            }
        }
        _ => Match::No,
    }
}

impl Scanner {
    /// Feeds a chunk: job bytes are appended to `job`, and the completed requests are
    /// returned in the order they came. A [`Request::Confirm`] takes the bytes collected
    /// in `job` before it.
    pub(crate) fn feed(&mut self, chunk: &[u8], job: &mut Vec<u8>) -> Vec<Request> {
        let mut requests = Vec::new();
        for &b in chunk {
            if self.held.is_empty() && !starts_request(b) {
                self.push_job(job, &[b]);
                continue;
            }
            self.held.push(b);
            match matches(&self.held) {
                Match::Partial => {}
                Match::Status(n) => {
                    self.held.clear();
                    requests.push(Request::Status(n));
                }
                Match::Confirm(id) => {
                    self.held.clear();
                    requests.push(Request::Confirm {
                        id,
                        job: std::mem::take(job),
                    });
                }
                Match::No => {
                    // The held bytes are data; the last one may begin a new request (no
                    // request has a first byte among its later ones).
                    let mut held = std::mem::take(&mut self.held);
                    let last = held.pop();
                    self.push_job(job, &held);
                    match last {
                        Some(last) if starts_request(last) => self.held.push(last),
                        Some(last) => self.push_job(job, &[last]),
                        None => {}
                    }
                }
            }
        }
        requests
    }

    fn push_job(&mut self, job: &mut Vec<u8>, bytes: &[u8]) {
        job.extend_from_slice(bytes);
        self.job_bytes += bytes.len();
    }

    /// Job bytes seen so far, requests not counted.
    pub(crate) fn job_bytes(&self) -> usize {
        self.job_bytes
    }

    /// Bytes held back at the end of the stream (an incomplete request).
    pub(crate) fn finish(self, job: &mut Vec<u8>) {
        job.extend_from_slice(&self.held);
    }
}

pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, first_job: u64) {
    let next = Arc::new(std::sync::atomic::AtomicU64::new(first_job));
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "print connection");
                connections.spawn(handle(stream, Arc::clone(&shared), Arc::clone(&next)));
            }
            Err(e) => {
                tracing::warn!(error = %e, "virtual printer accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        while connections.try_join_next().is_some() {}
    }
}

async fn handle(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    next: Arc<std::sync::atomic::AtomicU64>,
) {
    let mut scanner = Scanner::default();
    let mut job = Vec::new();
    let mut buf = vec![0_u8; 8192];
    loop {
        let n = match tokio::time::timeout(IDLE, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "print connection failed; job dropped");
                return;
            }
        };
        let before = scanner.job_bytes();
        let requests = scanner.feed(&buf[..n], &mut job);
        let mode = shared.mode();
        // Status requests are real-time: answered at once, ahead of any confirmation.
        let replies: Vec<u8> = requests
            .iter()
            .filter_map(|r| match r {
                Request::Status(n) => Some(mode.status().reply_to(*n)),
                Request::Confirm { .. } => None,
            })
            .collect();
        if !replies.is_empty() && stream.write_all(&replies).await.is_err() {
            return;
        }
        if scanner.job_bytes() > before && !mode.status().can_print() {
            tracing::warn!(%mode, "job refused: printer not ready");
            // Reset rather than close, so the sender cannot mistake this for success.
            let _ = stream.set_zero_linger();
            return;
        }
        for request in requests {
            let Request::Confirm { id, job } = request else {
                continue;
            };
            if !job.is_empty() {
                let number = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if let Err(e) = store::store(&shared, number, job).await {
                    tracing::error!(error = %e, number, "storing job failed; not confirmed");
                    let _ = stream.set_zero_linger();
                    return;
                }
            }
            // Only now, with the job stored: the sender counts it printed on this answer.
            if stream.write_all(&confirm::response(id)).await.is_err() {
                return;
            }
        }
    }
    scanner.finish(&mut job);
    if !job.is_empty() {
        let number = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Err(e) = store::store(&shared, number, job).await {
            tracing::error!(error = %e, number, "storing job failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Request, Scanner};

    const S1: Request = Request::Status(1);

    fn confirm(id: &[u8; 4], job: &[u8]) -> Request {
        Request::Confirm {
            id: *id,
            job: job.to_vec(),
        }
    }

    /// Feeds `chunks`, then checks the requests in order and the job bytes left at the end.
    fn check(chunks: &[&[u8]], requests: &[Request], job: &[u8]) {
        let mut s = Scanner::default();
        let mut got_job = Vec::new();
        let mut got_requests = Vec::new();
        for chunk in chunks {
            got_requests.extend(s.feed(chunk, &mut got_job));
        }
        s.finish(&mut got_job);
        assert_eq!(
            (got_requests.as_slice(), got_job.as_slice()),
            (requests, job),
            "{chunks:x?}"
        );
    }

    #[test]
    fn separates_status_requests_from_job_data() {
        check(&[b"\x10\x04\x01"], &[S1], b"");
        check(
            &[b"\x10", b"\x04", b"\x02AB\x10\x04\x04"],
            &[Request::Status(2), Request::Status(4)],
            b"AB",
        );
        check(&[b"A\x10\x10\x04\x01B"], &[S1], b"A\x10B");
        check(&[b"A\x10B"], &[], b"A\x10B");
        check(&[b"A\x10"], &[], b"A\x10");
        check(&[b"A\x10\x04"], &[], b"A\x10\x04");
    }

    #[test]
    fn process_id_requests_end_a_job() {
        const GS_H: &[u8] = b"\x1d(H\x06\x0000";
        let req = |id: &[u8]| [GS_H, id].concat();
        // Whole, split at every byte, and with the next job after it.
        check(&[&req(b"1234")], &[confirm(b"1234", b"")], b"");
        check(
            &[b"AB", &req(b"0042"), b"CD"],
            &[confirm(b"0042", b"AB")],
            b"CD",
        );
        let whole = [b"AB".as_slice(), &req(b"9876")].concat();
        let bytes: Vec<&[u8]> = whole.chunks(1).collect();
        check(&bytes, &[confirm(b"9876", b"AB")], b"");
        check(
            &[&[b"A".as_slice(), &req(b"0001"), b"B", &req(b"0002")].concat()],
            &[confirm(b"0001", b"A"), confirm(b"0002", b"B")],
            b"",
        );
        // Status requests around and inside a job that is then confirmed.
        check(
            &[
                b"A\x10\x04",
                b"\x01B",
                &req(b"5555")[..4],
                &req(b"5555")[4..],
                b"\x10\x04\x01",
            ],
            &[S1, confirm(b"5555", b"AB"), S1],
            b"",
        );
    }

    #[test]
    fn near_misses_are_job_data() {
        // Other GS commands, a wrong length or function, a non-digit id, a cut-off end.
        check(&[b"\x1dV\x41\x00"], &[], b"\x1dV\x41\x00");
        check(&[b"\x1d(k\x03\x001C\x08"], &[], b"\x1d(k\x03\x001C\x08");
        check(&[b"\x1d(H\x07\x000012345"], &[], b"\x1d(H\x07\x000012345");
        check(
            &[b"\x1d(H\x06\x00\x31\x3012"],
            &[],
            b"\x1d(H\x06\x00\x31\x3012",
        );
        check(&[b"\x1d(H\x06\x0000123x"], &[], b"\x1d(H\x06\x0000123x");
        check(&[b"\x1d(H\x06\x00001"], &[], b"\x1d(H\x06\x00001");
        // A request right after a near miss, and GS or DLE breaking off another request.
        check(
            &[b"\x1d(\x1d(H\x06\x00001234"],
            &[confirm(b"1234", b"\x1d(")],
            b"",
        );
        check(&[b"\x1d(H\x10\x04\x01"], &[S1], b"\x1d(H");
        check(
            &[b"\x10\x1d(H\x06\x00000000"],
            &[confirm(b"0000", b"\x10")],
            b"",
        );
    }
}
