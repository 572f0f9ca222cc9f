//! Checkpoints off the hot path: copying the WAL back into the database file happens
//! on a thread of its own, not inside the commit of whichever write crossed SQLite's
//! automatic threshold (which made that ticket, and every write grouped with it, wait
//! for the copy and its fsyncs).
//!
//! The writer connection runs with `wal_autocheckpoint = 0`; this thread looks at the
//! WAL's size every [`EVERY`] and, past [`WAL_BYTES`], runs a `PASSIVE` checkpoint on
//! its own connection: it copies what no reader still needs and never blocks the writer
//! or a reader. Once a checkpoint has copied everything, the next write starts the WAL
//! over from its beginning, so the file stays near that size. Closing the store stops
//! the thread and closes its connection before the store's lock is let go.

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL's size is looked at.
const EVERY: Duration = Duration::from_millis(500);

/// The WAL size past which a checkpoint runs: about SQLite's own automatic threshold
/// (1,000 pages of 4 KiB).
const WAL_BYTES: u64 = 4 * 1024 * 1024;

/// The checkpoint thread; stopped and joined when dropped.
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
    /// Checkpoints that copied every frame of the WAL back (what the tests wait for).
    #[cfg_attr(not(test), allow(dead_code))]
    whole: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` (WAL beside it) through `conn`.
    pub(super) fn start(path: &Path, conn: Connection) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let whole = Arc::new(AtomicU64::new(0));
        let wal = wal_path(path);
        let (flag, count) = (stop.clone(), whole.clone());
        let thread = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || run(&conn, &wal, &flag, &count))
            .map_err(Error::Thread)?;
        Ok(Self {
            stop,
            whole,
            thread: Some(thread),
        })
    }

    /// How many checkpoints have copied the whole WAL back (for tests).
    #[cfg(test)]
    fn whole(&self) -> u64 {
        self.whole.load(Ordering::SeqCst)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn run(conn: &Connection, wal: &Path, stop: &AtomicBool, whole: &AtomicU64) {
    while !stop.load(Ordering::SeqCst) {
        std::thread::park_timeout(EVERY);
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let big = std::fs::metadata(wal).is_ok_and(|m| m.len() > WAL_BYTES);
        if !big {
            continue;
        }
        match checkpoint(conn) {
            Ok((frames, copied)) if frames == copied => {
                whole.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
            // The next look tries again; the WAL only grows meanwhile, nothing is lost.
            Err(err) => tracing::warn!(error = %err, "checkpoint failed"),
        }
    }
}

/// One passive checkpoint: `(frames in the WAL, frames copied)`.
fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_wal_is_copied_back_by_the_thread_and_the_next_write_starts_it_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let wal = wal_path(&path);
        let blob = vec![7u8; 64 * 1024];
        // 8 MiB through the WAL in writes of 64 KiB, a checkpoint's size twice over.
        for _ in 0..128 {
            writer
                .execute("INSERT INTO t (x) VALUES (?1)", [&blob])
                .unwrap();
        }
        let thread = Checkpointer::start(&path, Connection::open(&path).unwrap()).unwrap();
        let grown = std::fs::metadata(&wal).unwrap().len();
        assert!(grown > WAL_BYTES, "the WAL grew: {grown} bytes");
        // The thread copies it back into the database file, all of it…
        let start = std::time::Instant::now();
        while thread.whole() == 0 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the WAL was never copied back"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(std::fs::metadata(&path).unwrap().len() >= 8 * 1024 * 1024);
        // …so the next writes start the WAL over instead of growing it.
        for _ in 0..128 {
            writer
                .execute("INSERT INTO t (x) VALUES (?1)", [&blob])
                .unwrap();
        }
        let after = std::fs::metadata(&wal).unwrap().len();
        assert!(
            after <= grown + 256 * 1024,
            "the WAL grew on: {grown} → {after} bytes"
        );
        let rows: i64 = writer
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 256);
    }
}
