//! The control port: one command per line, one answer per line.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{Mode, Shared};

pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(session(stream, Arc::clone(&shared)));
            }
            Err(e) => {
                tracing::warn!(error = %e, "control accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let answer = command(&line, &shared);
        if write
            .write_all(format!("{answer}\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Executes one control command and returns its answer.
pub(crate) fn command(line: &str, shared: &Shared) -> String {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("mode"), Some(mode)) => match mode.parse::<Mode>() {
            Ok(mode) => {
                shared.set_mode(mode);
                format!("ok {mode}")
            }
            Err(e) => format!("error {e}"),
        },
        (Some("mode" | "status"), None) => {
            format!("mode={} jobs={}", shared.mode(), shared.jobs().len())
        }
        _ => format!("error unknown command {line:?} (mode [ok|paper-out|offline], status)"),
    }
}
