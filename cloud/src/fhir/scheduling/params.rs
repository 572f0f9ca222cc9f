//! What the scheduling searches read of their parameters, over the API's one search
//! reader ([`crate::fhir::search`]: served names, `_count` and `_offset`, ignored
//! parameters, `Prefer: handling=strict`): the alternatives a token or reference
//! parameter allows, and the instants a date parameter allows, resolved in each
//! clinic's zone.

use crate::fhir::Outcome;
use crate::fhir::search::{DateParam, Prefix, Search};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

/// The values `name` allows, `None` when it is not given: its comma-separated
/// alternatives (OR), and when given twice, those both allow (AND).
pub fn any_of(search: &Search, name: &str) -> Option<Vec<String>> {
    search
        .groups(name)
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        })
        .reduce(|before, these| before.into_iter().filter(|v| these.contains(v)).collect())
}

/// The instant of clinic-local `local` in `zone` (the earlier of two, the wall clock
/// read as UTC when it does not exist there).
pub fn local_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    medicloud_core::schedule::instant(zone, local.date(), local.time())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// The instants a date parameter allows a point in time (a slot's or an appointment's
/// start): each time it is given, a bound that must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Window {
    bounds: Vec<DateParam>,
}

impl Window {
    /// The window of every value of `name`: `eq` (or no prefix) within the value's
    /// range, `ge` from its start, `gt` (and `sa`) from its end, `le` before its end,
    /// `lt` (and `eb`) before its start. One value per parameter (repeat it for a
    /// range); `ne` is refused.
    pub fn of(search: &Search, name: &str) -> Result<Self, Outcome> {
        let mut bounds = Vec::new();
        for group in search.groups(name) {
            let [value] = group.as_slice() else {
                return Err(Outcome::invalid(format!(
                    "{name}: one date per parameter (repeat the parameter for a range)"
                )));
            };
            let bound = DateParam::parse(value)?;
            if bound.prefix == Prefix::Ne {
                return Err(Outcome::invalid(format!(
                    "{name}: the prefix ne is not served (eq, ge, gt, le, lt, sa, eb are)"
                )));
            }
            bounds.push(bound);
        }
        Ok(Self { bounds })
    }

    /// The first instant allowed and the instant after the last, in `zone`.
    pub fn resolve(&self, zone: Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let (mut from, mut before): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
        let mut later = |t: DateTime<Utc>| from = Some(from.map_or(t, |f| f.max(t)));
        let earlier = |t: DateTime<Utc>, before: &mut Option<DateTime<Utc>>| {
            *before = Some(before.map_or(t, |b| b.min(t)));
        };
        for bound in &self.bounds {
            let (start, end) = bound.instants(&zone);
            match bound.prefix {
                Prefix::Eq => {
                    later(start);
                    earlier(end, &mut before);
                }
                Prefix::Ge => later(start),
                Prefix::Gt | Prefix::Sa => later(end),
                Prefix::Le => earlier(end, &mut before),
                Prefix::Lt | Prefix::Eb => earlier(start, &mut before),
                Prefix::Ne => {}
            }
        }
        (from, before)
    }

    /// Whether no bound was given.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::Supported;
    use axum::http::HeaderMap;

    const SLOT: Supported = Supported {
        resource: "Slot",
        interactions: &["search-type"],
        search: &[("start", "date", ""), ("status", "token", "")],
        operations: &[],
    };

    fn search(query: &str) -> Search {
        Search::parse(&SLOT, Some(query), &HeaderMap::new()).unwrap()
    }

    #[test]
    fn date_prefixes_bound_a_point_in_time_as_fhir_reads_them() {
        let jakarta: Tz = "Asia/Jakarta".parse().unwrap();
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let cases = [
            (
                "start=2026-12-07",
                Some("2026-12-07T00:00:00+07:00"),
                Some("2026-12-08T00:00:00+07:00"),
            ),
            (
                "start=ge2026-12-07",
                Some("2026-12-07T00:00:00+07:00"),
                None,
            ),
            (
                "start=gt2026-12-07",
                Some("2026-12-08T00:00:00+07:00"),
                None,
            ),
            (
                "start=le2026-12-07",
                None,
                Some("2026-12-08T00:00:00+07:00"),
            ),
            (
                "start=lt2026-12-07",
                None,
                Some("2026-12-07T00:00:00+07:00"),
            ),
            (
                "start=ge2026-12-07T09:00:00Z&start=lt2026-12",
                Some("2026-12-07T16:00:00+07:00"),
                Some("2026-12-01T00:00:00+07:00"),
            ),
            (
                "start=ge2026-12-07T09:30&start=le2026-12-07T10:00:00%2B07:00",
                Some("2026-12-07T09:30:00+07:00"),
                Some("2026-12-07T10:00:01+07:00"),
            ),
            (
                "start=eq2026",
                Some("2026-01-01T00:00:00+07:00"),
                Some("2027-01-01T00:00:00+07:00"),
            ),
        ];
        for (query, from, before) in cases {
            let window = Window::of(&search(query), "start").unwrap();
            assert_eq!(
                window.resolve(jakarta),
                (from.map(utc), before.map(utc)),
                "{query}"
            );
        }
        for bad in [
            "start=ne2026-12-07",
            "start=2026-12-7",
            "start=tomorrow",
            "start=2026-12-07,2026-12-08",
        ] {
            assert!(Window::of(&search(bad), "start").is_err(), "{bad}");
        }
    }

    #[test]
    fn alternatives_and_repeats_read_as_or_and_and() {
        let s = search("status=busy,free&status=free,busy-unavailable&_count=5");
        assert_eq!(any_of(&s, "status"), Some(vec!["free".to_owned()]));
        assert_eq!(any_of(&s, "start"), None);
        let jakarta: Tz = "Asia/Jakarta".parse().unwrap();
        let local: NaiveDateTime = "2026-12-07T09:00:00".parse().unwrap();
        assert_eq!(local_instant(jakarta, local), utc("2026-12-07T02:00:00Z"));
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
}
