//! Group commit: several writes share one durable commit, and each is answered only
//! after that commit.
//!
//! A commit costs one fsync of the WAL (a few milliseconds), the writes themselves a
//! fraction of that. With one write per commit, eight kiosks issuing at once queue behind
//! each other's fsyncs. Here the writer connection keeps one transaction, the *group*,
//! open across writes: each write runs in a savepoint of it (so a failing write undoes
//! only itself), and the write that finds nobody else waiting for the connection commits
//! the group for everyone in it. The writes that went before it wait for that commit and
//! answer only when it is durable; if it fails, they all fail and nothing of theirs is
//! stored. A write that is alone commits at once, exactly as before.
//!
//! Readers use their own connections and see a group's writes only once it has
//! committed, so nothing is visible (to a screen, a peer's sync, a printer) before it is
//! durable. Writes within a group see the earlier ones' changes: they run one after
//! another on the same connection, in the order they took it.

use crate::error::{Error, Result};
use rusqlite::Connection;
use rusqlite::ffi;
use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Most writes in one group: bounds the wait of the first of them.
const MAX_GROUP: usize = 64;

/// How many failed groups are remembered for the writes still waiting on them (far more
/// than can wait at once).
const FAILURES_KEPT: usize = 256;

/// The writer connection and the group open on it.
pub(super) struct WriterState {
    conn: Connection,
    /// The open group: its number and how many writes it holds.
    open: Option<(u64, usize)>,
    /// The number the next group takes.
    next: u64,
}

impl WriterState {
    pub(super) fn new(conn: Connection) -> Self {
        Self {
            conn,
            open: None,
            next: 1,
        }
    }
}

/// Why a group did not commit, kept so every write in it can say so.
#[derive(Clone, Debug)]
struct Failure {
    code: ffi::Error,
    message: Option<String>,
}

impl Failure {
    fn of(err: &rusqlite::Error) -> Self {
        match err {
            rusqlite::Error::SqliteFailure(code, message) => Self {
                code: *code,
                message: message.clone(),
            },
            other => Self {
                code: ffi::Error::new(ffi::SQLITE_IOERR),
                message: Some(other.to_string()),
            },
        }
    }

    fn of_error(err: &Error) -> Self {
        match err {
            Error::Storage(e) => Self::of(e),
            other => Self {
                code: ffi::Error::new(ffi::SQLITE_ABORT),
                message: Some(format!("rolled back by a failed write: {other}")),
            },
        }
    }

    fn error(&self) -> Error {
        Error::Storage(rusqlite::Error::SqliteFailure(
            self.code,
            self.message.clone(),
        ))
    }
}

/// What happened to the groups, for the writes waiting on them.
#[derive(Default)]
struct Decided {
    /// Every group up to this number has committed or failed.
    upto: u64,
    /// The groups that failed (the latest few).
    failed: VecDeque<(u64, Failure)>,
}

/// The writer connection with its group commit.
pub(super) struct GroupCommit {
    writer: Mutex<WriterState>,
    /// Writes waiting to take the writer connection.
    waiting: AtomicUsize,
    decided: Mutex<Decided>,
    decided_changed: Condvar,
    /// Groups committed so far (each one fsync).
    commits: std::sync::atomic::AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock left the state consistent (the write's savepoint is
    // undone in `Pending`'s drop); carry on.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl GroupCommit {
    pub(super) fn new(conn: Connection) -> Self {
        Self {
            writer: Mutex::new(WriterState::new(conn)),
            waiting: AtomicUsize::new(0),
            decided: Mutex::new(Decided::default()),
            decided_changed: Condvar::new(),
            commits: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Writes waiting for the connection now.
    #[cfg(test)]
    pub(super) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Groups committed so far.
    #[cfg(test)]
    pub(super) fn commits(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// Takes the writer connection (waiting for the write before to finish) and starts a
    /// write in the open group, opening one if none is.
    pub(super) fn begin(&self) -> Result<Pending<'_>> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut state = lock(&self.writer);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let group = match state.open {
            Some((group, _)) => group,
            None => {
                // Nobody else is in a group now, so a failure here concerns this write alone.
                state.conn.execute_batch("BEGIN IMMEDIATE")?;
                let group = state.next;
                state.next += 1;
                state.open = Some((group, 0));
                group
            }
        };
        let mut pending = Pending {
            commit: self,
            state: Some(state),
            group,
            in_savepoint: false,
        };
        pending.conn().execute_batch("SAVEPOINT write")?;
        pending.in_savepoint = true;
        Ok(pending)
    }

    fn publish(&self, group: u64, failure: Option<Failure>) {
        let mut decided = lock(&self.decided);
        decided.upto = decided.upto.max(group);
        if let Some(failure) = failure {
            decided.failed.push_back((group, failure));
            while decided.failed.len() > FAILURES_KEPT {
                decided.failed.pop_front();
            }
        }
        drop(decided);
        self.decided_changed.notify_all();
    }

    /// Waits until `group` is decided; its failure, if it failed.
    fn wait_for(&self, group: u64) -> Result<()> {
        let mut decided = lock(&self.decided);
        while decided.upto < group {
            decided = self
                .decided_changed
                .wait(decided)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        match decided.failed.iter().find(|(g, _)| *g == group) {
            Some((_, failure)) => Err(failure.error()),
            None => Ok(()),
        }
    }
}

/// One write in a group, holding the writer connection. [`Pending::commit`] answers once
/// the group is durable; dropping it (or [`Pending::abandon`]) undoes the write alone.
pub(crate) struct Pending<'a> {
    commit: &'a GroupCommit,
    state: Option<MutexGuard<'a, WriterState>>,
    group: u64,
    in_savepoint: bool,
}

impl Deref for Pending<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn()
    }
}

impl Pending<'_> {
    fn conn(&self) -> &Connection {
        &self.state.as_ref().expect("held until finished").conn
    }

    /// Keeps the write in its group and returns once the group has committed durably,
    /// or with the error that stopped it (then nothing of this write is stored).
    pub(crate) fn commit(mut self) -> Result<()> {
        if let Err(e) = self.conn().execute_batch("RELEASE write") {
            let failure = Failure::of(&e);
            self.undo(&failure);
            return Err(Error::Storage(e));
        }
        self.in_savepoint = false;
        let state = self.state.as_mut().expect("held until finished");
        if let Some((_, members)) = state.open.as_mut() {
            *members += 1;
        }
        match self.decide() {
            Some(outcome) => outcome,
            None => self.commit.wait_for(self.group),
        }
    }

    /// Undoes this write alone, `err` being why (said to the group's other writes should
    /// the error have rolled back the whole group).
    pub(crate) fn abandon(mut self, err: &Error) {
        self.undo(&Failure::of_error(err));
    }

    fn undo(&mut self, failure: &Failure) {
        if self.in_savepoint {
            // Fails only when the error already rolled the whole transaction back, which
            // `decide` sees.
            let _ = self
                .conn()
                .execute_batch("ROLLBACK TO write; RELEASE write");
            self.in_savepoint = false;
        }
        self.lost(failure);
        let _ = self.decide();
    }

    /// When an error rolled the group's transaction back (SQLite does on a full disk or
    /// an I/O error), the group is gone: its writes are told so.
    fn lost(&mut self, failure: &Failure) {
        let state = self.state.as_mut().expect("held until finished");
        if state.conn.is_autocommit()
            && let Some((group, _)) = state.open.take()
        {
            self.commit.publish(group, Some(failure.clone()));
        }
    }

    /// Commits the group when nobody else waits to join it (or it is full), and lets go
    /// of the connection. The group's outcome when this write decided it; `None` when the
    /// write that comes next will.
    fn decide(&mut self) -> Option<Result<()>> {
        let mut state = self.state.take()?;
        let (group, members) = state.open?;
        if self.commit.waiting.load(Ordering::SeqCst) > 0 && members < MAX_GROUP {
            return None;
        }
        state.open = None;
        let outcome = if members == 0 {
            // Every write in it was undone: nothing to make durable.
            state.conn.execute_batch("ROLLBACK").map_err(Error::from)
        } else {
            self.commit.commits.fetch_add(1, Ordering::SeqCst);
            state.conn.execute_batch("COMMIT").map_err(|e| {
                if !state.conn.is_autocommit() {
                    let _ = state.conn.execute_batch("ROLLBACK");
                }
                Error::Storage(e)
            })
        };
        drop(state);
        let failure = outcome.as_ref().err().map(Failure::of_error);
        self.commit.publish(group, failure);
        Some(outcome)
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.state.is_some() {
            // Dropped without `commit` (an early `?`, a panic): undo this write.
            self.undo(&Failure {
                code: ffi::Error::new(ffi::SQLITE_ABORT),
                message: Some("rolled back by a failed write".into()),
            });
        }
    }
}
