//! A hybrid logical clock: stamps follow the wall clock when it behaves, never go
//! backwards when it does not, and a remote stamp may drag the clock forward only by a
//! bounded amount.

use medicloud_core::event::Stamp;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime as StdSystemTime, UNIX_EPOCH};

/// Where the wall-clock time comes from; injected so tests can make clocks misbehave.
pub trait TimeSource: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemTime;

impl TimeSource for SystemTime {
    fn now_ms(&self) -> u64 {
        StdSystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// Another time source shifted by an offset that may change while it runs: a device
/// whose own clock is wrong takes the clinic's time from its label authority this way.
pub struct CorrectedTime {
    base: std::sync::Arc<dyn TimeSource>,
    offset_ms: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for CorrectedTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorrectedTime")
            .field("offset_ms", &self.offset())
            .finish_non_exhaustive()
    }
}

impl CorrectedTime {
    /// `base` shifted by `offset_ms`.
    pub fn new(base: std::sync::Arc<dyn TimeSource>, offset_ms: i64) -> Self {
        Self {
            base,
            offset_ms: offset_ms.into(),
        }
    }

    /// The current offset.
    pub fn offset(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Changes the offset.
    pub fn set_offset(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::SeqCst);
    }

    /// The uncorrected time.
    pub fn base_ms(&self) -> u64 {
        self.base.now_ms()
    }
}

impl TimeSource for CorrectedTime {
    fn now_ms(&self) -> u64 {
        self.base.now_ms().saturating_add_signed(self.offset())
    }
}

/// A clock tests set by hand.
#[derive(Debug)]
pub struct ManualTime(AtomicU64);

impl ManualTime {
    /// A clock showing `ms`.
    pub fn new(ms: u64) -> Self {
        Self(AtomicU64::new(ms))
    }

    /// Sets the time, forwards or backwards.
    pub fn set(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl TimeSource for ManualTime {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A remote stamp too far ahead of this device's wall clock to be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a remote clock is {ahead_ms} ms ahead of this device, more than the {max_ms} ms allowed")]
pub struct ClockDriftError {
    /// How far ahead the remote stamp is.
    pub ahead_ms: u64,
    /// The bound.
    pub max_ms: u64,
}

/// The clock of one device.
#[derive(Debug)]
pub struct Hlc {
    last: Mutex<Stamp>,
    max_drift_ms: u64,
}

impl Hlc {
    /// A remote stamp may be at most this far ahead of the local wall clock: one day,
    /// so a device whose clock is hours off still syncs (and its skew is reported).
    pub const DEFAULT_MAX_DRIFT_MS: u64 = 24 * 3_600_000;

    /// A clock that continues from `restored`, the newest stamp this device ever wrote,
    /// so it never goes backwards across a restart.
    pub fn new(restored: Stamp, max_drift_ms: u64) -> Self {
        Self {
            last: Mutex::new(restored),
            max_drift_ms,
        }
    }

    /// A stamp for a new local event: later than every stamp seen before.
    pub fn now(&self, time: &dyn TimeSource) -> Stamp {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        *last = Self::advance(*last, Stamp::new(time.now_ms(), 0));
        *last
    }

    /// Takes in a stamp from another device, so later local stamps come after it.
    /// Refuses (and leaves the clock alone) when the stamp is beyond the drift bound.
    pub fn observe(&self, remote: Stamp, time: &dyn TimeSource) -> Result<(), ClockDriftError> {
        let wall = time.now_ms();
        let ahead_ms = remote.physical_ms().saturating_sub(wall);
        if ahead_ms > self.max_drift_ms {
            return Err(ClockDriftError {
                ahead_ms,
                max_ms: self.max_drift_ms,
            });
        }
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if remote > *last {
            *last = remote;
        }
        Ok(())
    }

    /// The newest stamp this clock has given or seen.
    pub fn last(&self) -> Stamp {
        *self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn advance(last: Stamp, wall: Stamp) -> Stamp {
        if wall > last {
            wall
        } else if last.logical() < u16::MAX {
            Stamp(last.0 + 1)
        } else {
            Stamp::new(last.physical_ms() + 1, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_wall_clock_and_never_goes_back() {
        let time = ManualTime::new(10_000);
        let clock = Hlc::new(Stamp::new(0, 0), 60_000);
        let cases = [
            (10_000, Stamp::new(10_000, 0)),
            (10_000, Stamp::new(10_000, 1)), // same millisecond: logical counter
            (12_000, Stamp::new(12_000, 0)), // wall moves on
            (5_000, Stamp::new(12_000, 1)),  // wall steps back: stamps do not
        ];
        for (wall, expect) in cases {
            time.set(wall);
            assert_eq!(clock.now(&time), expect, "at wall {wall}");
        }
    }

    #[test]
    fn survives_a_restart_with_a_clock_behind() {
        let time = ManualTime::new(1_000);
        let clock = Hlc::new(Stamp::new(50_000, 3), 60_000);
        assert_eq!(clock.now(&time), Stamp::new(50_000, 4));
    }

    #[test]
    fn remote_stamps_drag_the_clock_only_within_the_bound() {
        let time = ManualTime::new(100_000);
        let clock = Hlc::new(Stamp::new(0, 0), 60_000);
        clock.observe(Stamp::new(150_000, 7), &time).unwrap();
        assert_eq!(clock.now(&time), Stamp::new(150_000, 8));
        let err = clock.observe(Stamp::new(200_000, 0), &time).unwrap_err();
        assert_eq!(
            err,
            ClockDriftError {
                ahead_ms: 100_000,
                max_ms: 60_000
            }
        );
        assert_eq!(clock.last(), Stamp::new(150_000, 8));
    }

    #[test]
    fn logical_overflow_moves_to_the_next_millisecond() {
        let time = ManualTime::new(0);
        let clock = Hlc::new(Stamp::new(7, u16::MAX), 60_000);
        assert_eq!(clock.now(&time), Stamp::new(8, 0));
    }
}
