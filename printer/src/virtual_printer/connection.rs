//! Print connections: answer status requests, collect job bytes, refuse jobs when the
//! printer is not ready.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::{Shared, store};
use crate::status::{DLE, EOT};

/// Silence after which a connection's bytes count as a finished job.
const IDLE: Duration = Duration::from_secs(30);

/// Separates `DLE EOT n` status requests from job data in a stream that arrives in
/// chunks (a request may be split across two reads).
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// 0: normal, 1: after DLE, 2: after DLE EOT.
    state: u8,
}

impl Scanner {
    /// Feeds a chunk: job bytes are appended to `job`, and the `n` of every completed
    /// status request is returned.
    pub(crate) fn feed(&mut self, chunk: &[u8], job: &mut Vec<u8>) -> Vec<u8> {
        let mut requests = Vec::new();
        for &b in chunk {
            self.state = match (self.state, b) {
                (0, DLE) => 1,
                (0, _) => {
                    job.push(b);
                    0
                }
                (1, EOT) => 2,
                (1, _) => {
                    job.push(DLE);
                    if b == DLE {
                        1
                    } else {
                        job.push(b);
                        0
                    }
                }
                (_, n) => {
                    requests.push(n);
                    0
                }
            };
        }
        requests
    }

    /// Bytes held back at the end of the stream (an incomplete `DLE` or `DLE EOT`).
    pub(crate) fn finish(self, job: &mut Vec<u8>) {
        match self.state {
            1 => job.push(DLE),
            2 => job.extend_from_slice(&[DLE, EOT]),
            _ => {}
        }
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
        let before = job.len();
        let requests = scanner.feed(&buf[..n], &mut job);
        let mode = shared.mode();
        let replies: Vec<u8> = requests
            .iter()
            .map(|r| mode.status().reply_to(*r))
            .collect();
        if !replies.is_empty() && stream.write_all(&replies).await.is_err() {
            return;
        }
        if job.len() > before && !mode.status().can_print() {
            tracing::warn!(%mode, "job refused: printer not ready");
            // Reset rather than close, so the sender cannot mistake this for success.
            let _ = stream.set_zero_linger();
            return;
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
    use super::Scanner;

    fn check(chunks: &[&[u8]], requests: &[u8], job: &[u8]) {
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
        check(&[b"\x10\x04\x01"], &[1], b"");
        check(&[b"\x10", b"\x04", b"\x02AB\x10\x04\x04"], &[2, 4], b"AB");
        check(&[b"A\x10\x10\x04\x01B"], &[1], b"A\x10B");
        check(&[b"A\x10B"], &[], b"A\x10B");
        check(&[b"A\x10"], &[], b"A\x10");
        check(&[b"A\x10\x04"], &[], b"A\x10\x04");
    }
}
