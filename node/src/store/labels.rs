//! The label tables: blocks of numbers reserved for each device, the last number each
//! device used, what the authority has handed out, and the devices' slots. The rules for
//! choosing a number are in `crate::labels`; this is only their storage. Each function
//! takes a connection, so it runs inside the ticket's write transaction.

use crate::error::Result;
use medicloud_core::labels::NumberBlock;
use rusqlite::{Connection, OptionalExtension, params};

/// The key under which a device's fallback numbers are counted in `label_use`.
pub const FALLBACK: &str = "fallback";

/// The blocks of `service` on `day` reserved for `device`.
pub fn blocks(
    conn: &Connection,
    service: &str,
    day: &str,
    device: &str,
) -> Result<Vec<NumberBlock>> {
    let mut stmt = conn.prepare_cached(
        "SELECT first, last FROM label_blocks WHERE service = ?1 AND day = ?2 AND device = ?3",
    )?;
    let rows = stmt.query_map(params![service, day, device], |r| {
        Ok(NumberBlock {
            first: r.get(0)?,
            last: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The last number of `service` on `day` that `device` (or [`FALLBACK`]) used.
pub fn last_used(conn: &Connection, service: &str, day: &str, device: &str) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            "SELECT last_used FROM label_use WHERE service = ?1 AND day = ?2 AND device = ?3",
            params![service, day, device],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records `n` as the last number of `service` on `day` that `device` used.
pub fn set_last_used(
    conn: &Connection,
    service: &str,
    day: &str,
    device: &str,
    n: u32,
) -> Result<()> {
    conn.execute(
        "INSERT INTO label_use (service, day, device, last_used) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (service, day, device) DO UPDATE SET last_used = excluded.last_used",
        params![service, day, device, n],
    )?;
    Ok(())
}

/// The slot of `device`, once an authority gave it one.
pub fn slot(conn: &Connection, device: &str) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            "SELECT slot FROM label_slots WHERE device = ?1",
            [device],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records the slot of `device`, replacing any it had.
pub fn set_slot(conn: &Connection, device: &str, slot: u32) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO label_slots (device, slot) VALUES (?1, ?2)",
        params![device, slot],
    )?;
    Ok(())
}

/// As the authority: gives `me` slot 1 if it has none, and `device` the next free slot
/// if it has none. Returns the slot of `device`.
pub fn assign_slot(conn: &Connection, me: &str, device: &str) -> Result<Option<u32>> {
    conn.execute(
        "INSERT OR IGNORE INTO label_slots (device, slot) VALUES (?1, 1)",
        [me],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO label_slots (device, slot)
         VALUES (?1, (SELECT MAX(slot) + 1 FROM label_slots))",
        [device],
    )?;
    slot(conn, device)
}

/// As the authority: reserves the next `count` numbers of `service` on `day` and records
/// them as a block of `device`.
pub fn reserve(
    conn: &Connection,
    service: &str,
    day: &str,
    device: &str,
    count: u32,
) -> Result<NumberBlock> {
    let reserved: u32 = conn
        .query_row(
            "SELECT reserved_up_to FROM label_authority WHERE service = ?1 AND day = ?2",
            params![service, day],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0)
        // Never below a number already on a ticket of that day (one given under an
        // authority this node took over from, say).
        .max(highest_issued(conn, service, day)?);
    let block = NumberBlock::after(reserved, count);
    conn.execute(
        "INSERT INTO label_authority (service, day, reserved_up_to) VALUES (?1, ?2, ?3)
         ON CONFLICT (service, day) DO UPDATE SET reserved_up_to = excluded.reserved_up_to",
        params![service, day, block.last],
    )?;
    conn.execute(
        "INSERT INTO label_blocks (service, day, device, first, last) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![service, day, device, block.first, block.last],
    )?;
    Ok(block)
}

/// The highest unmarked number (`A-012`: 12) on a ticket of `service` on `day` this
/// node knows of; 0 when there is none.
fn highest_issued(conn: &Connection, service: &str, day: &str) -> Result<u32> {
    let mut stmt =
        conn.prepare_cached("SELECT label FROM tickets WHERE service = ?1 AND day = ?2")?;
    let labels = stmt.query_map(params![service, day], |r| r.get::<_, String>(0))?;
    let prefix = format!("{service}-");
    let mut highest = 0;
    for label in labels {
        let label = label?;
        let number = label
            .strip_prefix(&prefix)
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u32>().ok());
        highest = highest.max(number.unwrap_or(0));
    }
    Ok(highest)
}

/// The nodes whose claim to be the clinic's label authority stands in the log (claimed,
/// and not withdrawn since), as the projection of `label_authority/…` records holds them.
pub fn claims(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT substr(entity, 17) FROM records
         WHERE entity LIKE 'label_authority/%' AND kind = 'label_authority_claimed'
         ORDER BY entity",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where this node keeps whether it gives device-marked numbers only (`"marked"`), set
/// by the label authority's state (see `crate::authority`).
pub const MODE_META: &str = "label_mode";

/// Whether this node gives device-marked numbers only, whatever blocks it holds.
pub fn marked_only(conn: &Connection) -> Result<bool> {
    let mode: Option<String> = conn
        .query_row(
            "SELECT value FROM node_meta WHERE key = ?1",
            [MODE_META],
            |r| r.get(0),
        )
        .optional()?;
    Ok(mode.as_deref() == Some("marked"))
}

/// Keeps a block an authority reserved for `device` (once: the same block again is ignored).
pub fn keep_block(
    conn: &Connection,
    service: &str,
    day: &str,
    device: &str,
    block: NumberBlock,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO label_blocks (service, day, device, first, last)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![service, day, device, block.first, block.last],
    )?;
    Ok(())
}
