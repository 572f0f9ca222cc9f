//! The print spool's table: one row per print job, the exact bytes to send, pending
//! until the printer confirmed it. The spool itself (what to send, when to retry) is
//! `crate::print`. Print jobs are local to this device, not events.

use crate::error::Result;
use medicloud_core::ids::TicketId;
use rusqlite::{Connection, OptionalExtension, params};

/// A job waiting to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Its row.
    pub id: i64,
    /// The ESC/POS bytes to send.
    pub bytes: Vec<u8>,
}

/// Stores a print job for `ticket` (in the ticket's own transaction).
pub fn insert_job(
    conn: &Connection,
    ticket: TicketId,
    reprint: bool,
    bytes: &[u8],
    now_ms: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO print_jobs (ticket, reprint, bytes, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![ticket.to_string(), reprint, bytes, now_ms],
    )?;
    Ok(())
}

/// The oldest pending job, if any, and how many are pending.
pub fn next_pending(conn: &Connection) -> Result<(Option<Job>, u32)> {
    let pending: u32 = conn.query_row(
        "SELECT COUNT(*) FROM print_jobs WHERE printed_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    let job = conn
        .query_row(
            "SELECT id, bytes FROM print_jobs WHERE printed_at IS NULL ORDER BY id LIMIT 1",
            [],
            |r| {
                Ok(Job {
                    id: r.get(0)?,
                    bytes: r.get(1)?,
                })
            },
        )
        .optional()?;
    Ok((job, pending))
}

/// Marks job `id` printed at `now_ms`, counting the attempt.
pub fn mark_printed(conn: &Connection, id: i64, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE print_jobs SET printed_at = ?1, attempts = attempts + 1 WHERE id = ?2",
        params![now_ms, id],
    )?;
    Ok(())
}

/// Counts a failed attempt at job `id`, keeping the printer's fault.
pub fn mark_failed(conn: &Connection, id: i64, fault: &str) -> Result<()> {
    conn.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        params![id, fault],
    )?;
    Ok(())
}

/// Whether the newest job of `ticket` printed; `None` when the ticket has no job here.
pub fn newest_printed(conn: &Connection, ticket: TicketId) -> Result<Option<bool>> {
    let printed: Option<Option<i64>> = conn
        .query_row(
            "SELECT printed_at FROM print_jobs WHERE ticket = ?1 ORDER BY id DESC LIMIT 1",
            [ticket.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(printed.map(|printed_at| printed_at.is_some()))
}

/// The bytes of the newest print job of `ticket`, if it was ever printed here.
pub fn newest_job(conn: &Connection, ticket: TicketId) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM print_jobs WHERE ticket = ?1 ORDER BY id DESC LIMIT 1",
            [ticket.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}
