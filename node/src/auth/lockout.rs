//! Login throttling that nobody can turn against someone else's machine. Failed logins
//! are counted per (username, client address) and per client address, in memory:
//!
//! - [`Lockout::MAX_FAILURES`] failures of one username from one address within
//!   [`Lockout::WINDOW`] lock that username *from that address* for the window (even
//!   for the right password). The same username from any other address still logs in:
//!   a prankster's wrong guesses cannot shut the doctor out of the doctor's own desk.
//! - [`Lockout::MAX_ADDRESS_FAILURES`] failures from one address, whatever the
//!   usernames, refuse every login from that address for the window (password
//!   spraying: one wrong guess for each of many accounts).
//!
//! Requests that came through no socket (the router in tests) count as one unknown
//! address. An attempt counts as a failure from the moment it is let through (so
//! guesses checked in parallel cannot slip past the limits) until its password proves
//! right; a success also forgets that pair's failures.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where a login came from: the client's IP address, `None` when unknown.
pub type Address = Option<IpAddr>;

/// Failed logins of one key within a window.
#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
    /// Whether a refusal under the current lock was already reported.
    refusal_reported: bool,
}

impl Failures {
    fn new(now: Instant) -> Self {
        Self {
            count: 0,
            first: now,
            locked_until: None,
            refusal_reported: false,
        }
    }

    /// Whether it still matters at `now` (a lock not over, or failures in the window).
    fn live(&self, now: Instant) -> bool {
        self.locked_until
            .map_or(now - self.first < Lockout::WINDOW, |until| until > now)
    }

    fn left(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Counts one failure at `now`; the lock it set, if it set one.
    fn fail(&mut self, now: Instant, max: u32) -> Option<Duration> {
        if !self.live(now) {
            *self = Self::new(now);
        }
        self.count += 1;
        if self.count >= max && self.locked_until.is_none() {
            self.locked_until = Some(now + Lockout::WINDOW);
            return Some(Lockout::WINDOW);
        }
        None
    }
}

/// Which lock refused a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// The username, from this address only.
    Account,
    /// Every login from this address.
    Address,
}

/// A login refused before its password was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Which lock.
    pub lock: Lock,
    /// How much longer it lasts.
    pub left: Duration,
    /// Whether this is the first refusal under this lock (the one worth recording).
    pub first: bool,
}

/// A lock of one username against one address, as the admin sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountLock {
    /// The lower-cased username.
    pub username: String,
    /// The address it is locked against.
    pub address: Address,
    /// How much longer.
    pub left: Duration,
}

#[derive(Default)]
struct Counts {
    pairs: HashMap<(String, Address), Failures>,
    addresses: HashMap<Address, Failures>,
}

impl Counts {
    fn forget_old(&mut self, now: Instant) {
        self.pairs.retain(|_, f| f.live(now));
        self.addresses.retain(|_, f| f.live(now));
        // Many made-up usernames (or addresses) cannot fill memory: beyond the bound,
        // counts that locked nothing yet are dropped; the locks stay.
        if self.pairs.len() > Lockout::MAX_TRACKED {
            self.pairs.retain(|_, f| f.locked_until.is_some());
        }
        if self.addresses.len() > Lockout::MAX_TRACKED {
            self.addresses.retain(|_, f| f.locked_until.is_some());
        }
    }
}

/// A login let through [`Lockout::begin`], counted as a failure until it succeeds.
#[derive(Debug)]
#[must_use = "an attempt either succeeded or failed"]
pub struct Attempt {
    pair: (String, Address),
    locks: Vec<(Lock, Duration)>,
}

impl Attempt {
    /// The password was wrong: the attempt stays counted; the locks it set (the
    /// username from this address, this address, or both), each for how long.
    pub fn failed(self) -> Vec<(Lock, Duration)> {
        self.locks
    }
}

/// The failed logins of every username and address lately.
#[derive(Default)]
pub(super) struct Lockout {
    counts: Mutex<Counts>,
}

impl Lockout {
    /// Failures of one username from one address within [`Lockout::WINDOW`] before that
    /// username is locked from that address.
    pub const MAX_FAILURES: u32 = 5;
    /// Failures from one address, across usernames, within [`Lockout::WINDOW`] before
    /// every login from it is refused.
    pub const MAX_ADDRESS_FAILURES: u32 = 20;
    /// How long failures count, and how long a lock lasts.
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Counts kept of each kind before those that locked nothing are dropped.
    const MAX_TRACKED: usize = 10_000;

    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A login of `key` from `address` at `now`: refused when a lock is on; otherwise
    /// let through and counted as a failure at once (so attempts checked at the same
    /// time cannot slip past the limits while their passwords are being checked), until
    /// [`Lockout::succeeded`] takes it back. Forgets failures and locks that are over.
    pub fn begin(&self, key: &str, address: Address, now: Instant) -> Result<Attempt, Refused> {
        let mut counts = self.counts();
        counts.forget_old(now);
        let refuse = |lock, f: &mut Failures| {
            f.left(now).map(|left| {
                let first = !f.refusal_reported;
                f.refusal_reported = true;
                Refused { lock, left, first }
            })
        };
        let pair_key = (key.to_owned(), address);
        if let Some(refused) = counts
            .addresses
            .get_mut(&address)
            .and_then(|f| refuse(Lock::Address, f))
        {
            return Err(refused);
        }
        if let Some(refused) = counts
            .pairs
            .get_mut(&pair_key)
            .and_then(|f| refuse(Lock::Account, f))
        {
            return Err(refused);
        }
        let mut locks = Vec::new();
        let pair = counts
            .pairs
            .entry(pair_key.clone())
            .or_insert_with(|| Failures::new(now));
        if let Some(left) = pair.fail(now, Self::MAX_FAILURES) {
            locks.push((Lock::Account, left));
        }
        let from = counts
            .addresses
            .entry(address)
            .or_insert_with(|| Failures::new(now));
        if let Some(left) = from.fail(now, Self::MAX_ADDRESS_FAILURES) {
            locks.push((Lock::Address, left));
        }
        Ok(Attempt {
            pair: pair_key,
            locks,
        })
    }

    /// The `attempt`'s password was right: that pair's failures are forgotten, and the
    /// attempt no longer counts against the address (nor does a lock it set).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut counts = self.counts();
        let address = attempt.pair.1;
        counts.pairs.remove(&attempt.pair);
        if let Some(from) = counts.addresses.get_mut(&address) {
            from.count = from.count.saturating_sub(1);
            if attempt.locks.iter().any(|(lock, _)| *lock == Lock::Address) {
                from.locked_until = None;
                from.refusal_reported = false;
            }
        }
    }

    /// Forgets the failed logins of `key` from every address, lifting its locks; how
    /// many locks were on at `now`. The addresses' own counts stay (they stand for many
    /// usernames).
    pub fn unlock(&self, key: &str, now: Instant) -> usize {
        let mut counts = self.counts();
        let mut lifted = 0;
        counts.pairs.retain(|(username, _), f| {
            let mine = username == key;
            lifted += usize::from(mine && f.left(now).is_some());
            !mine
        });
        lifted
    }

    /// The usernames locked against some address at `now`, with the address and how
    /// much longer.
    pub fn account_locks(&self, now: Instant) -> Vec<AccountLock> {
        let mut counts = self.counts();
        counts.forget_old(now);
        let mut locks: Vec<AccountLock> = counts
            .pairs
            .iter()
            .filter_map(|((username, address), f)| {
                f.left(now).map(|left| AccountLock {
                    username: username.clone(),
                    address: *address,
                    left,
                })
            })
            .collect();
        locks.sort_by(|a, b| (&a.username, a.address).cmp(&(&b.username, b.address)));
        locks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: Address = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 66)));
    const Y: Address = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 12)));

    /// A wrong password for `key` from `from`: the locks it set.
    fn fail(lockout: &Lockout, key: &str, from: Address, now: Instant) -> Vec<(Lock, Duration)> {
        match lockout.begin(key, from, now) {
            Ok(attempt) => attempt.failed(),
            Err(refused) => panic!("refused: {refused:?}"),
        }
    }

    fn fail_times(lockout: &Lockout, key: &str, from: Address, times: u32, now: Instant) {
        for _ in 0..times {
            fail(lockout, key, from, now);
        }
    }

    /// Whether a login of `key` from `from` would be refused (a right password: let
    /// through, it succeeds and counts for nothing).
    fn refused(lockout: &Lockout, key: &str, from: Address, now: Instant) -> Option<Refused> {
        lockout
            .begin(key, from, now)
            .map(|a| lockout.succeeded(a))
            .err()
    }

    #[test]
    fn five_failures_lock_a_username_only_from_the_address_they_came_from() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for _ in 1..Lockout::MAX_FAILURES {
            assert_eq!(fail(&lockout, "doctor", X, start), vec![]);
        }
        assert_eq!(
            fail(&lockout, "doctor", X, start),
            vec![(Lock::Account, Lockout::WINDOW)]
        );
        let later = start + Duration::from_secs(60);
        let left = Lockout::WINDOW - Duration::from_secs(60);
        assert_eq!(
            refused(&lockout, "doctor", X, later),
            Some(Refused {
                lock: Lock::Account,
                left,
                first: true
            })
        );
        assert_eq!(
            refused(&lockout, "doctor", X, later).map(|r| r.first),
            Some(false),
            "a second refusal is not the first"
        );
        assert_eq!(
            refused(&lockout, "doctor", Y, later),
            None,
            "another address"
        );
        assert_eq!(
            refused(&lockout, "doctor", None, later),
            None,
            "the unknown one"
        );
        assert_eq!(
            refused(&lockout, "desk", X, later),
            None,
            "another username"
        );
        assert_eq!(
            lockout.account_locks(later),
            vec![AccountLock {
                username: "doctor".into(),
                address: X,
                left
            }]
        );
        assert_eq!(
            refused(&lockout, "doctor", X, start + Lockout::WINDOW),
            None
        );
        assert_eq!(lockout.account_locks(start + Lockout::WINDOW), vec![]);
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten_and_a_success_clears_the_pair() {
        let lockout = Lockout::default();
        let start = Instant::now();
        fail_times(&lockout, "desk", X, Lockout::MAX_FAILURES - 1, start);
        let after = start + Lockout::WINDOW;
        assert_eq!(fail(&lockout, "desk", X, after), vec![], "counting anew");
        fail_times(&lockout, "desk", X, Lockout::MAX_FAILURES - 2, after);
        // The right password on the last allowed attempt logs in and clears the count.
        assert_eq!(refused(&lockout, "desk", X, after), None);
        fail_times(&lockout, "desk", X, Lockout::MAX_FAILURES - 1, after);
        assert_eq!(refused(&lockout, "desk", X, after), None);
    }

    #[test]
    fn attempts_being_checked_count_so_a_burst_cannot_slip_past_the_limit() {
        let lockout = Lockout::default();
        let start = Instant::now();
        let in_flight: Vec<Attempt> = (0..Lockout::MAX_FAILURES)
            .map(|_| lockout.begin("doctor", X, start).unwrap())
            .collect();
        let sixth = lockout.begin("doctor", X, start).unwrap_err();
        assert_eq!(sixth.lock, Lock::Account);
        let locks: Vec<_> = in_flight.into_iter().flat_map(Attempt::failed).collect();
        assert_eq!(locks, vec![(Lock::Account, Lockout::WINDOW)], "locked once");
    }

    #[test]
    fn spraying_many_usernames_from_one_address_refuses_that_address_only() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for n in 1..Lockout::MAX_ADDRESS_FAILURES {
            assert_eq!(fail(&lockout, &format!("user{n}"), X, start), vec![]);
        }
        assert_eq!(
            fail(&lockout, "user-last", X, start),
            vec![(Lock::Address, Lockout::WINDOW)]
        );
        let refusal = refused(&lockout, "doctor", X, start).unwrap();
        assert_eq!((refusal.lock, refusal.first), (Lock::Address, true));
        assert_eq!(
            refused(&lockout, "doctor", Y, start),
            None,
            "another address"
        );
        assert_eq!(lockout.account_locks(start), vec![], "no account is locked");
        assert_eq!(
            refused(&lockout, "doctor", X, start + Lockout::WINDOW),
            None
        );
    }

    #[test]
    fn a_right_password_does_not_count_against_the_address() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for _ in 0..2 * Lockout::MAX_ADDRESS_FAILURES {
            assert_eq!(refused(&lockout, "desk", X, start), None);
        }
        fail_times(&lockout, "doctor", X, Lockout::MAX_FAILURES - 1, start);
        // The twentieth attempt from X is the right password: it locks nothing.
        let others = Lockout::MAX_ADDRESS_FAILURES - Lockout::MAX_FAILURES;
        for n in 0..others {
            fail(&lockout, &format!("user{n}"), X, start);
        }
        assert_eq!(refused(&lockout, "desk", X, start), None);
        assert_eq!(
            fail(&lockout, "admin", X, start),
            vec![(Lock::Address, Lockout::WINDOW)]
        );
    }

    #[test]
    fn a_failure_can_lock_the_pair_and_the_address_at_once() {
        let lockout = Lockout::default();
        let start = Instant::now();
        let others = Lockout::MAX_ADDRESS_FAILURES - Lockout::MAX_FAILURES;
        for n in 0..others {
            fail(&lockout, &format!("user{n}"), X, start);
        }
        fail_times(&lockout, "doctor", X, Lockout::MAX_FAILURES - 1, start);
        assert_eq!(
            fail(&lockout, "doctor", X, start),
            vec![
                (Lock::Account, Lockout::WINDOW),
                (Lock::Address, Lockout::WINDOW)
            ]
        );
    }

    #[test]
    fn made_up_usernames_do_not_fill_memory_and_locks_survive_the_bound() {
        let lockout = Lockout::default();
        let start = Instant::now();
        fail_times(&lockout, "doctor", X, Lockout::MAX_FAILURES, start);
        for n in 0..=Lockout::MAX_TRACKED as u32 {
            let from = Some(IpAddr::V4(std::net::Ipv4Addr::from(n + 1)));
            fail(&lockout, &format!("made-up-{n}"), from, start);
        }
        assert!(refused(&lockout, "doctor", X, start).is_some());
        assert!(lockout.counts().pairs.len() <= Lockout::MAX_TRACKED + 1);
    }
}
