//! Label numbers (`A-012`) that no two devices of a clinic ever both print.
//!
//! A device takes numbers only from blocks reserved for it by the clinic's **label
//! authority**: the cloud, a hub node on the LAN (`--labels-from`), or — for nodes with
//! neither — the one chosen among them (see [`crate::authority`]). A device with a remote authority keeps an offline reserve:
//! whenever it reaches the authority it tops up every active service, for today and
//! tomorrow, to at least [`LOW_WATER`] unused numbers. Should a device run out while cut
//! off, it prints **fallback labels** marked with its slot (`A-2-001`): its own series,
//! which no other device can produce. Calling order never depends on the label.

use crate::error::Result;
use crate::store::labels::{self as table, FALLBACK};
use crate::store::{Store, Writer, query};
use chrono::{Days, NaiveDate};
use medicloud_core::domain::ServiceCode;
use medicloud_core::ids::DeviceId;
use medicloud_core::labels::{BLOCK_SIZE, NumberBlock, format_label, next_number};
use medicloud_sync::exchange::SyncError;
use medicloud_sync::http::HttpTransport;
use medicloud_sync::wire::{self, Block, ReserveRequest};

/// A device with a remote authority asks for another block when fewer numbers are left.
pub const LOW_WATER: u32 = BLOCK_SIZE / 2;

/// The next label of `service` on `day` for this device, e.g. `A-012`. Runs inside the
/// transaction that stores the ticket, so a number is used only if the ticket is.
/// `remote_authority`: whether blocks come from elsewhere (else this node reserves its own).
/// While the authority is unknown or disputed, only fallback labels are given.
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
    let held = table::blocks(conn, code, &day, &mine)?;
    let used = table::last_used(conn, code, &day, &mine)?;
    // Until this node knows who the clinic's authority is, or while two nodes claim to
    // be, only its own marked series is certain to be its alone.
    let marked = table::marked_only(conn)?;
    let number = match next_number(&held, used).filter(|_| !marked) {
        Some(n) => n,
        None if !remote_authority && !marked => {
            reserve_block(w, code, &day, &mine, BLOCK_SIZE)?.first
        }
        None => {
            let n = table::last_used(conn, code, &day, FALLBACK)?.map_or(1, |n| n + 1);
            table::set_last_used(conn, code, &day, FALLBACK, n)?;
            // A slot is unique under one authority only: while the authority is unknown
            // or disputed, the mark comes from the device's own id.
            let slot = if marked {
                None
            } else {
                table::slot(conn, &mine)?
            };
            let mark = slot.map_or_else(|| short_mark(device), |s| s.to_string());
            if marked {
                tracing::warn!(
                    service = code,
                    "label authority unknown or disputed: fallback label"
                );
            } else {
                tracing::warn!(
                    service = code,
                    "out of label numbers while cut off: fallback label"
                );
            }
            return Ok(format!("{service}-{mark}-{n:03}"));
        }
    };
    table::set_last_used(conn, code, &day, &mine, number)?;
    Ok(format_label(service, number))
}

/// A device that never reached its authority has no slot yet; its mark is then taken
/// from its id.
fn short_mark(device: DeviceId) -> String {
    device.to_string()[..4].to_uppercase()
}

/// Records the slot this device was given (at enrolment).
pub fn set_slot(store: &Store, slot: u32) -> Result<()> {
    let device = store.identity().device.to_string();
    store.write(|w| table::set_slot(w.conn(), &device, slot))?;
    Ok(())
}

/// As the authority: the next `count` numbers (1 to a block) of `service` on `day`, for `device`.
fn reserve_block(
    w: &Writer<'_>,
    service: &str,
    day: &str,
    device: &str,
    count: u32,
) -> Result<NumberBlock> {
    let block = table::reserve(w.conn(), service, day, device, count.clamp(1, BLOCK_SIZE))?;
    tracing::debug!(service, day, first = block.first, "reserved label block");
    Ok(block)
}

/// As the authority for other devices (a hub node): reserves a block for `device` and
/// gives it a slot the first time it asks.
pub fn grant(store: &Store, request: &ReserveRequest, device: DeviceId) -> Result<Block> {
    let ((block, slot), _) = store.write(|w| {
        let me = w.identity().device;
        let block = reserve_block(
            w,
            request.service.as_str(),
            &request.day.to_string(),
            &device.to_string(),
            request.count,
        )?;
        // The authority itself holds slot 1.
        let slot = table::assign_slot(w.conn(), &me.to_string(), &device.to_string())?;
        Ok((block, slot))
    })?;
    Ok(Block {
        first: block.first,
        last: block.last,
        slot,
    })
}

/// Numbers left in this device's blocks of `service` on `day`.
fn free(store: &Store, service: &str, day: &str, device: &str) -> Result<u32> {
    store.read(|conn| {
        let used = table::last_used(conn, service, day, device)?.unwrap_or(0);
        Ok(table::blocks(conn, service, day, device)?
            .iter()
            .map(|b| (b.last + 1).saturating_sub(b.first.max(used + 1)))
            .sum())
    })
}

/// Tops up the offline reserve from the remote authority behind `authority`: every
/// active service, today and tomorrow, to at least [`LOW_WATER`] free numbers.
pub fn refill(store: &Store, authority: &HttpTransport) -> Result<(), SyncError> {
    let storage = |e: crate::Error| SyncError::Storage(e.to_string());
    let me = store.identity().device;
    let (services, today) = store
        .read(|conn| Ok((query::services(conn)?, store.today(conn)?)))
        .map_err(storage)?;
    let days = [today, today.checked_add_days(Days::new(1)).unwrap_or(today)];
    for service in services.iter().filter(|s| s.active) {
        for day in days {
            let (code, day_text) = (service.code.as_str(), day.to_string());
            let left = free(store, code, &day_text, &me.to_string()).map_err(storage)?;
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
            record_block(store, &service.code, day, block).map_err(storage)?;
        }
    }
    Ok(())
}

/// Keeps a block the authority reserved for this device (and the slot it named).
pub fn record_block(
    store: &Store,
    service: &ServiceCode,
    day: NaiveDate,
    block: Block,
) -> Result<()> {
    let me = store.identity().device.to_string();
    let numbers = NumberBlock {
        first: block.first,
        last: block.last,
    };
    store.write(|w| {
        table::keep_block(w.conn(), service.as_str(), &day.to_string(), &me, numbers)?;
        if let Some(slot) = block.slot {
            table::set_slot(w.conn(), &me, slot)?;
        }
        Ok(())
    })?;
    Ok(())
}
