//! Label numbers (`A-012`) that no two devices of a clinic ever both print.
//!
//! A device takes numbers only from blocks reserved for it by the clinic's **label
//! authority**: the cloud, a hub node on the LAN (`--labels-from`), or — for a node with
//! neither — the node itself. A device with a remote authority keeps an offline reserve:
//! whenever it reaches the authority it tops up every active service, for today and
//! tomorrow, to at least [`LOW_WATER`] unused numbers. Should a device run out while cut
//! off, it prints **fallback labels** marked with its slot (`A-2-001`): its own series,
//! which no other device can produce. Calling order never depends on the label.

use crate::error::Result;
use crate::ops::Node;
use crate::store::{Writer, query};
use chrono::{Days, NaiveDate};
use medicloud_core::domain::ServiceCode;
use medicloud_core::ids::DeviceId;
use medicloud_core::labels::{BLOCK_SIZE, NumberBlock, format_label, next_number};
use medicloud_sync::exchange::SyncError;
use medicloud_sync::http::HttpTransport;
use medicloud_sync::wire::{self, Block, ReserveRequest};
use rusqlite::{Connection, OptionalExtension, params};

/// A device with a remote authority asks for another block when fewer numbers are left.
pub const LOW_WATER: u32 = BLOCK_SIZE / 2;

/// The key under which fallback numbers are counted in `label_use`.
const FALLBACK: &str = "fallback";

fn blocks(conn: &Connection, service: &str, day: &str, device: &str) -> Result<Vec<NumberBlock>> {
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

fn last_used(conn: &Connection, service: &str, day: &str, device: &str) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            "SELECT last_used FROM label_use WHERE service = ?1 AND day = ?2 AND device = ?3",
            params![service, day, device],
            |r| r.get(0),
        )
        .optional()?)
}

fn set_last_used(conn: &Connection, service: &str, day: &str, device: &str, n: u32) -> Result<()> {
    conn.execute(
        "INSERT INTO label_use (service, day, device, last_used) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (service, day, device) DO UPDATE SET last_used = excluded.last_used",
        params![service, day, device, n],
    )?;
    Ok(())
}

/// The next label of `service` on `day` for this device, e.g. `A-012`. Runs inside the
/// transaction that stores the ticket, so a number is used only if the ticket is.
/// `remote_authority`: whether blocks come from elsewhere (else this node reserves its own).
pub fn take(
    w: &Writer<'_>,
    service: &ServiceCode,
    day: NaiveDate,
    remote_authority: bool,
) -> Result<String> {
    let conn = w.conn();
    let device = w.identity().device;
    let (code, day) = (service.as_str(), day.to_string());
    let mine = device.to_string();
    let held = blocks(conn, code, &day, &mine)?;
    let used = last_used(conn, code, &day, &mine)?;
    let number = match next_number(&held, used) {
        Some(n) => n,
        None if !remote_authority => reserve_block(conn, code, &day, &mine, BLOCK_SIZE)?.first,
        None => {
            let n = last_used(conn, code, &day, FALLBACK)?.map_or(1, |n| n + 1);
            set_last_used(conn, code, &day, FALLBACK, n)?;
            let mark = slot(conn, device)?.map_or_else(|| short_mark(device), |s| s.to_string());
            tracing::warn!(
                service = code,
                "out of label numbers while cut off: fallback label"
            );
            return Ok(format!("{service}-{mark}-{n:03}"));
        }
    };
    set_last_used(conn, code, &day, &mine, number)?;
    Ok(format_label(service, number))
}

/// A device that never reached its authority has no slot yet; its mark is then taken
/// from its id.
fn short_mark(device: DeviceId) -> String {
    device.to_string()[..4].to_uppercase()
}

/// This device's slot, once an authority gave it one.
fn slot(conn: &Connection, device: DeviceId) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            "SELECT slot FROM label_slots WHERE device = ?1",
            [device.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records the slot this device was given (at enrolment).
pub fn set_slot(store: &crate::store::Store, slot: u32) -> Result<()> {
    let device = store.identity().device.to_string();
    store.write(|w| {
        w.conn().execute(
            "INSERT OR REPLACE INTO label_slots (device, slot) VALUES (?1, ?2)",
            params![device, slot],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// As the authority: the next `count` numbers of `service` on `day`, for `device`.
fn reserve_block(
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
        .unwrap_or(0);
    let block = NumberBlock::after(reserved, count.clamp(1, BLOCK_SIZE));
    conn.execute(
        "INSERT INTO label_authority (service, day, reserved_up_to) VALUES (?1, ?2, ?3)
         ON CONFLICT (service, day) DO UPDATE SET reserved_up_to = excluded.reserved_up_to",
        params![service, day, block.last],
    )?;
    conn.execute(
        "INSERT INTO label_blocks (service, day, device, first, last) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![service, day, device, block.first, block.last],
    )?;
    tracing::debug!(service, day, first = block.first, "reserved label block");
    Ok(block)
}

/// As the authority for other devices (a hub node): reserves a block for `device` and
/// gives it a slot the first time it asks.
pub fn grant(node: &Node, request: &ReserveRequest, device: DeviceId) -> Result<Block> {
    let ((block, slot), _) = node.store.write(|w| {
        let conn = w.conn();
        let me = w.identity().device;
        let block = reserve_block(
            conn,
            request.service.as_str(),
            &request.day.to_string(),
            &device.to_string(),
            request.count,
        )?;
        // The authority itself holds slot 1.
        conn.execute(
            "INSERT OR IGNORE INTO label_slots (device, slot) VALUES (?1, 1)",
            [me.to_string()],
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO label_slots (device, slot)
             VALUES (?1, (SELECT MAX(slot) + 1 FROM label_slots))",
            [device.to_string()],
        )?;
        Ok((block, slot(conn, device)?))
    })?;
    Ok(Block {
        first: block.first,
        last: block.last,
        slot,
    })
}

/// Numbers left in this device's blocks of `service` on `day`.
fn free(conn: &Connection, service: &str, day: &str, device: &str) -> Result<u32> {
    let used = last_used(conn, service, day, device)?.unwrap_or(0);
    Ok(blocks(conn, service, day, device)?
        .iter()
        .map(|b| (b.last + 1).saturating_sub(b.first.max(used + 1)))
        .sum())
}

/// Tops up the offline reserve from the remote authority behind `authority`: every
/// active service, today and tomorrow, to at least [`LOW_WATER`] free numbers.
pub fn refill(node: &Node, authority: &HttpTransport) -> Result<(), SyncError> {
    let storage = |e: crate::Error| SyncError::Storage(e.to_string());
    let me = node.store.identity().device;
    let (services, today) = node
        .store
        .read(|conn| Ok((query::services(conn)?, node.today(conn)?)))
        .map_err(storage)?;
    let days = [today, today.checked_add_days(Days::new(1)).unwrap_or(today)];
    for service in services.iter().filter(|s| s.active) {
        for day in days {
            let (code, day_text) = (service.code.as_str(), day.to_string());
            let left = node
                .store
                .read(|conn| free(conn, code, &day_text, &me.to_string()))
                .map_err(storage)?;
            if left >= LOW_WATER {
                continue;
            }
            let block: Block = authority.post(
                wire::RESERVE,
                &ReserveRequest {
                    service: service.code.clone(),
                    day,
                    count: BLOCK_SIZE,
                    device: Some(me),
                },
            )?;
            if block.first == 0 || block.last < block.first {
                return Err(SyncError::Refused(
                    "the authority sent an empty block".into(),
                ));
            }
            record_block(node, &service.code, day, block).map_err(storage)?;
        }
    }
    Ok(())
}

/// Keeps a block the authority reserved for this device (and the slot it named).
pub fn record_block(
    node: &Node,
    service: &ServiceCode,
    day: NaiveDate,
    block: Block,
) -> Result<()> {
    let me = node.store.identity().device.to_string();
    node.store.write(|w| {
        let conn = w.conn();
        conn.execute(
            "INSERT OR IGNORE INTO label_blocks (service, day, device, first, last)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                service.as_str(),
                day.to_string(),
                me,
                block.first,
                block.last
            ],
        )?;
        if let Some(slot) = block.slot {
            conn.execute(
                "INSERT OR REPLACE INTO label_slots (device, slot) VALUES (?1, ?2)",
                params![me, slot],
            )?;
        }
        Ok(())
    })?;
    Ok(())
}
