//! Login throttling: after [`Lockout::MAX_FAILURES`] failed logins of one username
//! within [`Lockout::WINDOW`], the username is locked for that long, even for the
//! right password. Kept in memory, by lower-cased username.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Failed logins of one username.
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// The failed logins of every username lately.
#[derive(Default)]
pub(super) struct Lockout {
    failures: Mutex<HashMap<String, Failures>>,
}

impl Lockout {
    /// Failed logins allowed within [`Lockout::WINDOW`] before the username is locked.
    pub const MAX_FAILURES: u32 = 5;
    /// How long failures count, and how long a lock lasts.
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);

    fn map(&self) -> MutexGuard<'_, HashMap<String, Failures>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How much longer `key` stays locked at `now`, if it is. Forgets failures and locks
    /// that are over.
    pub fn locked(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut failures = self.map();
        failures.retain(|_, f| {
            f.locked_until
                .map_or(now - f.first < Self::WINDOW, |until| until > now)
        });
        failures
            .get(key)
            .and_then(|f| f.locked_until)
            .map(|until| until - now)
    }

    /// A login of `key` succeeded: its failures are forgotten.
    pub fn succeeded(&self, key: &str) {
        self.map().remove(key);
    }

    /// A login of `key` failed at `now`; returns how long it is locked when this failure
    /// locked it.
    pub fn failed(&self, key: String, now: Instant) -> Option<Duration> {
        let mut failures = self.map();
        let entry = failures.entry(key).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        entry.count += 1;
        if entry.count >= Self::MAX_FAILURES {
            entry.locked_until = Some(now + Self::WINDOW);
            return Some(Self::WINDOW);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_a_username_for_the_window_then_it_is_free() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for _ in 1..Lockout::MAX_FAILURES {
            assert_eq!(lockout.failed("desk".into(), start), None);
        }
        assert_eq!(
            lockout.locked("desk", start),
            None,
            "not locked before the fifth"
        );
        assert_eq!(lockout.failed("desk".into(), start), Some(Lockout::WINDOW));
        let later = start + Duration::from_secs(60);
        assert_eq!(
            lockout.locked("desk", later),
            Some(Lockout::WINDOW - Duration::from_secs(60))
        );
        assert_eq!(lockout.locked("admin", later), None, "per username");
        assert_eq!(lockout.locked("desk", start + Lockout::WINDOW), None);
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten_and_a_success_clears_them() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for _ in 1..Lockout::MAX_FAILURES {
            lockout.failed("desk".into(), start);
        }
        let after = start + Lockout::WINDOW;
        assert_eq!(lockout.locked("desk", after), None);
        assert_eq!(lockout.failed("desk".into(), after), None, "counting anew");
        for _ in 1..Lockout::MAX_FAILURES - 1 {
            lockout.failed("desk".into(), after);
        }
        lockout.succeeded("desk");
        assert_eq!(lockout.failed("desk".into(), after), None);
    }
}
