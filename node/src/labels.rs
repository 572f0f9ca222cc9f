//! Taking a label number from this device's blocks, reserving a new block when they run
//! out. Today this node is its own authority; with sync, blocks come from the cloud or a
//! clinic hub and are recorded the same way.

use crate::error::Result;
use crate::store::Writer;
use chrono::NaiveDate;
use medicloud_core::domain::ServiceCode;
use medicloud_core::labels::{BLOCK_SIZE, NumberBlock, format_label, next_number};
use rusqlite::{OptionalExtension, params};

/// The next label of `service` on `day` for this device, e.g. `A-012`. Runs inside the
/// transaction that stores the ticket, so a number is used only if the ticket is.
pub fn take(w: &Writer<'_>, service: &ServiceCode, day: NaiveDate) -> Result<String> {
    let conn = w.conn();
    let device = w.identity().device.to_string();
    let day = day.to_string();
    let key = params![service.as_str(), day, device];
    let mut stmt = conn.prepare_cached(
        "SELECT first, last FROM label_blocks WHERE service = ?1 AND day = ?2 AND device = ?3",
    )?;
    let blocks = stmt
        .query_map(key, |r| {
            Ok(NumberBlock {
                first: r.get(0)?,
                last: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let last_used: Option<u32> = conn
        .query_row(
            "SELECT last_used FROM label_use WHERE service = ?1 AND day = ?2 AND device = ?3",
            key,
            |r| r.get(0),
        )
        .optional()?;
    let number = match next_number(&blocks, last_used) {
        Some(n) => n,
        None => reserve_block(w, service, &day, &device)?.first,
    };
    conn.execute(
        "INSERT INTO label_use (service, day, device, last_used) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (service, day, device) DO UPDATE SET last_used = excluded.last_used",
        params![service.as_str(), day, device, number],
    )?;
    Ok(format_label(service, number))
}

/// Reserves the next block from the authority (this node) for `device`.
fn reserve_block(
    w: &Writer<'_>,
    service: &ServiceCode,
    day: &str,
    device: &str,
) -> Result<NumberBlock> {
    let conn = w.conn();
    let reserved: u32 = conn
        .query_row(
            "SELECT reserved_up_to FROM label_authority WHERE service = ?1 AND day = ?2",
            params![service.as_str(), day],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let block = NumberBlock::after(reserved, BLOCK_SIZE);
    conn.execute(
        "INSERT INTO label_authority (service, day, reserved_up_to) VALUES (?1, ?2, ?3)
         ON CONFLICT (service, day) DO UPDATE SET reserved_up_to = excluded.reserved_up_to",
        params![service.as_str(), day, block.last],
    )?;
    conn.execute(
        "INSERT INTO label_blocks (service, day, device, first, last) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![service.as_str(), day, device, block.first, block.last],
    )?;
    tracing::debug!(
        service = service.as_str(),
        day,
        first = block.first,
        "reserved label block"
    );
    Ok(block)
}
