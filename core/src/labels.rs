//! Ticket labels (`A-012`): unique per clinic, service and day.
//!
//! Numbers are handed out in blocks: an authority (today the node itself; with sync, the
//! cloud or a clinic hub) reserves a block of numbers for one device, and the device
//! takes numbers from its own blocks without asking anyone. Two devices never hold the
//! same number, even while cut off from each other.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::ServiceCode;

/// How many numbers one reservation gives a device.
pub const BLOCK_SIZE: u32 = 100;

/// A range of numbers reserved for one device: `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberBlock {
    /// First number of the block.
    pub first: u32,
    /// Last number of the block.
    pub last: u32,
}

impl NumberBlock {
    /// The block that follows the numbers already reserved up to `reserved_up_to`.
    pub fn after(reserved_up_to: u32, size: u32) -> Self {
        Self {
            first: reserved_up_to + 1,
            last: reserved_up_to + size,
        }
    }
}

/// The next number a device may use: the one after `last_used` inside its blocks, or the
/// first of the next block. `None` when its blocks are used up and a new one is needed.
pub fn next_number(blocks: &[NumberBlock], last_used: Option<u32>) -> Option<u32> {
    let mut sorted = blocks.to_vec();
    sorted.sort_by_key(|b| b.first);
    let candidate = last_used.map_or(1, |n| n + 1);
    sorted.iter().find_map(|b| {
        if candidate <= b.last {
            Some(candidate.max(b.first))
        } else {
            None
        }
    })
}

/// The printed form: service code, a dash, and at least three digits (`A-007`, `A-1234`).
pub fn format_label(service: &ServiceCode, number: u32) -> String {
    format!("{service}-{number:03}")
}

/// The clinic-local day a moment belongs to; labels restart at local midnight.
pub fn service_day(at_ms: i64, time_zone: Tz) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&time_zone)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let a = ServiceCode::parse("A").unwrap();
        assert_eq!(format_label(&a, 7), "A-007");
        assert_eq!(format_label(&a, 120), "A-120");
        assert_eq!(format_label(&a, 1234), "A-1234");
    }

    #[test]
    fn numbers_come_from_the_devices_own_blocks() {
        let blocks = [
            NumberBlock { first: 1, last: 3 },
            NumberBlock {
                first: 201,
                last: 203,
            },
        ];
        let cases = [
            (None, Some(1)),
            (Some(1), Some(2)),
            (Some(3), Some(201)),
            (Some(203), None),
        ];
        for (last_used, expect) in cases {
            assert_eq!(
                next_number(&blocks, last_used),
                expect,
                "after {last_used:?}"
            );
        }
        assert_eq!(next_number(&[], None), None);
        assert_eq!(
            NumberBlock::after(100, 100),
            NumberBlock {
                first: 101,
                last: 200
            }
        );
    }

    #[test]
    fn the_day_turns_at_local_midnight() {
        // 2026-11-25 16:59:59.999 UTC is 23:59:59.999 in Jakarta (UTC+7).
        let before = 1_795_625_999_999;
        let jakarta: Tz = "Asia/Jakarta".parse().unwrap();
        assert_eq!(service_day(before, jakarta).to_string(), "2026-11-25");
        assert_eq!(service_day(before + 1, jakarta).to_string(), "2026-11-26");
        let jayapura: Tz = "Asia/Jayapura".parse().unwrap(); // UTC+9
        assert_eq!(
            service_day(before - 2 * 3_600_000, jayapura).to_string(),
            "2026-11-25"
        );
        assert_eq!(
            service_day(before - 2 * 3_600_000 + 1, jayapura).to_string(),
            "2026-11-26"
        );
    }
}
