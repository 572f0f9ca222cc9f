//! Wait estimates from observed service times.
//!
//! Each service keeps an exponentially weighted mean of how long serving one patient
//! takes (from called to done). A ticket's wait is the people ahead of it times that
//! mean, shared among the counters that serve the service.

/// The observed service time of one service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceTime {
    /// Weighted mean in seconds.
    pub mean_seconds: f64,
    /// How many completions have been observed.
    pub samples: u64,
}

impl ServiceTime {
    /// The assumed time before anything has been observed: five minutes.
    pub const DEFAULT_SECONDS: f64 = 300.0;
    /// Weight of the newest observation.
    pub const ALPHA: f64 = 0.2;
    /// Observations outside this range (a ticket left open over lunch) are ignored.
    pub const PLAUSIBLE_SECONDS: std::ops::RangeInclusive<f64> = 10.0..=7_200.0;

    /// Adds one observed service time.
    pub fn observe(&mut self, seconds: f64) {
        if !Self::PLAUSIBLE_SECONDS.contains(&seconds) {
            return;
        }
        self.mean_seconds = if self.samples == 0 {
            seconds
        } else {
            Self::ALPHA * seconds + (1.0 - Self::ALPHA) * self.mean_seconds
        };
        self.samples += 1;
    }

    /// Estimated seconds until a patient with `people_ahead` in front is called, with
    /// `counters` counters serving the queue (at least one is assumed).
    pub fn estimate_wait_seconds(&self, people_ahead: u32, counters: u32) -> u32 {
        let seconds = f64::from(people_ahead) * self.mean_seconds / f64::from(counters.max(1));
        seconds.round().clamp(0.0, f64::from(u32::MAX)) as u32
    }
}

impl Default for ServiceTime {
    fn default() -> Self {
        Self {
            mean_seconds: Self::DEFAULT_SECONDS,
            samples: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_follow_observed_service_times() {
        let mut st = ServiceTime::default();
        assert_eq!(st.estimate_wait_seconds(3, 1), 900); // 3 x 5 min before anything is seen
        st.observe(120.0);
        assert_eq!(st.mean_seconds, 120.0); // the first observation replaces the default
        st.observe(220.0);
        assert_eq!(st.mean_seconds, 140.0); // 0.2 x 220 + 0.8 x 120
        st.observe(5.0); // implausible: ignored
        st.observe(99_999.0);
        assert_eq!((st.mean_seconds, st.samples), (140.0, 2));
        assert_eq!(st.estimate_wait_seconds(4, 2), 280);
        assert_eq!(st.estimate_wait_seconds(0, 2), 0);
        assert_eq!(st.estimate_wait_seconds(4, 0), 560);
    }
}
