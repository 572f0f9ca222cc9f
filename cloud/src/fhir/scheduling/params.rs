//! The search parameters of Schedule, Slot and Appointment as FHIR R4 writes them:
//! tokens (`code`, `system|code`, lists by comma), references (`Type/id`), dates with
//! the prefixes `eq`, `ge`, `gt`, `le` and `lt`, and the page (`_count`, `_offset`).
//!
//! A parameter given twice must hold both times (FHIR's AND); the values of one
//! parameter separated by commas are alternatives (OR). A parameter this API does not
//! serve is ignored and left out of the `self` link; a modifier (`status:not`) on one
//! it serves is refused, since ignoring it would answer another question.

use crate::fhir::{DEFAULT_COUNT, MAX_COUNT, Outcome};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

/// A request's query parameters, in order.
#[derive(Clone, Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Outcome;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Outcome> {
        axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|_| Outcome::invalid("the query string does not read as name=value pairs"))
    }
}

impl Params {
    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// 400 when a parameter of `served` carries a modifier (`name:modifier`).
    pub fn refuse_modifiers(&self, served: &[&str]) -> Result<(), Outcome> {
        for (name, _) in &self.0 {
            if let Some((base, modifier)) = name.split_once(':')
                && served.contains(&base)
            {
                return Err(Outcome::invalid(format!(
                    "the modifier :{modifier} of {base} is not supported"
                )));
            }
        }
        Ok(())
    }

    /// The alternatives of `name` (its comma-separated values), `None` when it is not
    /// given; given twice, the values both occurrences allow.
    pub fn any_of(&self, name: &str) -> Option<Vec<String>> {
        let mut out: Option<Vec<String>> = None;
        for value in self.all(name) {
            let these: Vec<String> = value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect();
            out = Some(match out {
                None => these,
                Some(before) => before.into_iter().filter(|v| these.contains(v)).collect(),
            });
        }
        out
    }

    /// `_count`: [`DEFAULT_COUNT`] unless given, at most [`MAX_COUNT`]; 0 asks for the
    /// total alone.
    pub fn count(&self) -> Result<usize, Outcome> {
        match self.all("_count").last() {
            None => Ok(DEFAULT_COUNT),
            Some(v) => v
                .parse::<usize>()
                .map(|n| n.min(MAX_COUNT))
                .map_err(|_| Outcome::invalid("_count must be a whole number")),
        }
    }

    /// `_offset`: where the page starts among the matches (0 unless given).
    pub fn offset(&self) -> Result<usize, Outcome> {
        match self.all("_offset").last() {
            None => Ok(0),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| Outcome::invalid("_offset must be a whole number")),
        }
    }

    /// The parameters among `served` as given, for a `self` or `next` link (without
    /// `_count` and `_offset`, which the link sets).
    pub fn applied(&self, served: &[&str]) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(n, _)| served.contains(&n.as_str()) && n != "_count" && n != "_offset")
            .cloned()
            .collect()
    }
}

/// The `self` link of a page at `offset` of `count`, and the `next` one when `total`
/// goes on after it: `{base}/{path}?{applied}&_count=…&_offset=…`.
pub fn links(
    url: &str,
    applied: &[(String, String)],
    (count, offset, total): (usize, usize, usize),
) -> (String, Option<String>) {
    let at = |offset: usize| {
        let mut query: Vec<String> = applied
            .iter()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect();
        query.push(format!("_count={count}"));
        if offset > 0 {
            query.push(format!("_offset={offset}"));
        }
        format!("{url}?{}", query.join("&"))
    };
    let next = (count > 0 && offset + count < total).then(|| at(offset + count));
    (at(offset), next)
}

/// `text` percent-encoded for a query string (everything but the unreserved
/// characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A token: `code`, `system|code` or `|code` (no system).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The system: `None` when any may match, `Some("")` for none.
    pub system: Option<String>,
    /// The code (or value).
    pub code: String,
}

impl Token {
    /// Reads one alternative of a token parameter.
    pub fn parse(text: &str) -> Self {
        match text.split_once('|') {
            Some((system, code)) => Token {
                system: Some(system.to_owned()),
                code: code.to_owned(),
            },
            None => Token {
                system: None,
                code: text.to_owned(),
            },
        }
    }

    /// Whether it names `code` of `system`.
    pub fn matches(&self, system: &str, code: &str) -> bool {
        self.system.as_deref().is_none_or(|s| s == system) && self.code == code
    }
}

/// The id a reference parameter names of `resource`: `Type/id`, a full URL ending in
/// it, or the bare id; `None` when it names another type.
pub fn reference_id<'a>(text: &'a str, resource: &str) -> Option<&'a str> {
    match text.rsplit_once('/') {
        None => Some(text),
        Some((before, id)) => {
            let kind = before.rsplit('/').next().unwrap_or(before);
            (kind == resource).then_some(id)
        }
    }
}

/// A point in time as a date parameter gives it: an instant when it has an offset,
/// else a wall-clock time read in each clinic's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// With an offset (or `Z`).
    Instant(DateTime<Utc>),
    /// Without: the clinic's wall clock.
    Local(NaiveDateTime),
}

impl Moment {
    /// The instant in `zone`.
    pub fn at(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Moment::Instant(t) => t,
            Moment::Local(local) => {
                medicloud_core::schedule::instant(zone, local.date(), local.time())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| local.and_utc())
            }
        }
    }
}

/// A FHIR date or dateTime as the interval it stands for (its precision: a year, a
/// month, a day, a minute, a second): `[start, end)`, and whether it had a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Its first instant.
    pub start: Moment,
    /// The instant after its last.
    pub end: Moment,
    /// Whether it gave a time of day.
    pub timed: bool,
}

/// Reads a FHIR `date` or `dateTime` (`2026`, `2026-12`, `2026-12-07`,
/// `2026-12-07T09:00`, `2026-12-07T09:00:00+07:00`, fractions of a second allowed).
pub fn span(text: &str) -> Option<Span> {
    let local = |date: NaiveDate, next: NaiveDate| Span {
        start: Moment::Local(date.and_time(NaiveTime::MIN)),
        end: Moment::Local(next.and_time(NaiveTime::MIN)),
        timed: false,
    };
    match text.len() {
        4 => {
            let year: i32 = text.parse().ok()?;
            let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
            Some(local(first, NaiveDate::from_ymd_opt(year + 1, 1, 1)?))
        }
        7 => {
            let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            Some(local(first, next))
        }
        10 => {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            Some(local(day, day.succ_opt()?))
        }
        _ => timed(text),
    }
}

fn timed(text: &str) -> Option<Span> {
    let (date, time) = text.split_once('T')?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    // The offset, if any: `Z` or `±hh:mm` at the end.
    let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, Some(FixedOffset::east_opt(0)?))
    } else if time.len() > 6 && matches!(time.as_bytes()[time.len() - 6], b'+' | b'-') {
        let (clock, zone) = time.split_at(time.len() - 6);
        let offset = DateTime::parse_from_str(&format!("2000-01-01T00:00:00{zone}"), "%FT%T%:z")
            .ok()?
            .offset()
            .to_owned();
        (clock, Some(offset))
    } else {
        (time, None)
    };
    let (clock, step) = match clock.len() {
        5 => (NaiveTime::parse_from_str(clock, "%H:%M").ok()?, 60),
        8.. => (NaiveTime::parse_from_str(clock, "%H:%M:%S%.f").ok()?, 1),
        _ => return None,
    };
    let local = date.and_time(clock);
    let step = Duration::seconds(step);
    let (start, end) = match offset {
        Some(offset) => {
            let start = local
                .and_local_timezone(offset)
                .single()?
                .with_timezone(&Utc);
            (Moment::Instant(start), Moment::Instant(start + step))
        }
        None => (Moment::Local(local), Moment::Local(local + step)),
    };
    Some(Span {
        start,
        end,
        timed: true,
    })
}

/// The instants a date parameter allows: every bound its occurrences set (each must
/// hold), resolved in a clinic's zone by [`Window::resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// Instants the time must be at or after.
    pub from: Vec<Moment>,
    /// Instants the time must be before.
    pub before: Vec<Moment>,
}

impl Window {
    /// The window of every value of `name` (`ge2026-12-07`, `lt2026-12-14T00:00:00+07:00`,
    /// `2026-12-07` for `eq`), read as FHIR reads them for a point in time: `eq` within
    /// the value's span, `ge` from its start, `gt` from its end, `le` before its end,
    /// `lt` before its start.
    pub fn of(params: &Params, name: &str) -> Result<Self, Outcome> {
        let mut window = Window::default();
        for value in params.all(name) {
            if value.contains(',') {
                return Err(Outcome::invalid(format!(
                    "{name}: one date per parameter (repeat the parameter for a range)"
                )));
            }
            window.add(name, value)?;
        }
        Ok(window)
    }

    fn add(&mut self, name: &str, value: &str) -> Result<(), Outcome> {
        let (prefix, text) = match value.get(..2) {
            Some(p) if p.bytes().all(|b| b.is_ascii_lowercase()) => (p, &value[2..]),
            _ => ("eq", value),
        };
        let span = span(text).ok_or_else(|| {
            Outcome::invalid(format!(
                "{name}: {text:?} is not a FHIR date or dateTime (2026-12-07, \
                 2026-12-07T09:00:00+07:00)"
            ))
        })?;
        match prefix {
            "eq" => {
                self.from.push(span.start);
                self.before.push(span.end);
            }
            "ge" => self.from.push(span.start),
            "gt" => self.from.push(span.end),
            "le" => self.before.push(span.end),
            "lt" => self.before.push(span.start),
            other => {
                return Err(Outcome::invalid(format!(
                    "{name}: the prefix {other} is not supported (eq, ge, gt, le, lt are)"
                )));
            }
        }
        Ok(())
    }

    /// The first instant allowed and the instant after the last, in `zone`.
    pub fn resolve(&self, zone: Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.from.iter().map(|m| m.at(zone)).max(),
            self.before.iter().map(|m| m.at(zone)).min(),
        )
    }

    /// Whether no bound was given.
    pub fn is_empty(&self) -> bool {
        self.from.is_empty() && self.before.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn date_prefixes_bound_a_point_in_time_as_fhir_reads_them() {
        let jakarta: Tz = "Asia/Jakarta".parse().unwrap();
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let cases = [
            (
                vec!["2026-12-07"],
                Some("2026-12-07T00:00:00+07:00"),
                Some("2026-12-08T00:00:00+07:00"),
            ),
            (
                vec!["ge2026-12-07"],
                Some("2026-12-07T00:00:00+07:00"),
                None,
            ),
            (
                vec!["gt2026-12-07"],
                Some("2026-12-08T00:00:00+07:00"),
                None,
            ),
            (
                vec!["le2026-12-07"],
                None,
                Some("2026-12-08T00:00:00+07:00"),
            ),
            (
                vec!["lt2026-12-07"],
                None,
                Some("2026-12-07T00:00:00+07:00"),
            ),
            (
                vec!["ge2026-12-07T09:00:00Z", "lt2026-12"],
                Some("2026-12-07T16:00:00+07:00"),
                Some("2026-12-01T00:00:00+07:00"),
            ),
            (
                vec!["ge2026-12-07T09:30", "le2026-12-07T10:00:00.000+07:00"],
                Some("2026-12-07T09:30:00+07:00"),
                Some("2026-12-07T10:00:01+07:00"),
            ),
            (
                vec!["eq2026"],
                Some("2026-01-01T00:00:00+07:00"),
                Some("2027-01-01T00:00:00+07:00"),
            ),
        ];
        for (values, from, before) in cases {
            let pairs: Vec<(&str, &str)> = values.iter().map(|v| ("date", *v)).collect();
            let window = Window::of(&params(&pairs), "date").unwrap();
            assert_eq!(
                window.resolve(jakarta),
                (from.map(utc), before.map(utc)),
                "{values:?}"
            );
        }
        for bad in [
            "ne2026-12-07",
            "2026-12-7",
            "ge2026-12-07T9:00",
            "tomorrow",
            "ge",
        ] {
            assert!(
                Window::of(&params(&[("date", bad)]), "date").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn tokens_lists_and_pages_read_as_fhir_writes_them() {
        let p = params(&[
            ("status", "booked,arrived"),
            ("status", "arrived,cancelled"),
            ("_count", "500"),
            ("unknown", "x"),
        ]);
        assert_eq!(p.any_of("status"), Some(vec!["arrived".to_owned()]));
        assert_eq!(p.any_of("patient"), None);
        assert_eq!(p.count().unwrap(), MAX_COUNT);
        assert_eq!(p.offset().unwrap(), 0);
        assert_eq!(p.applied(&["status", "_count"]).len(), 2);
        let t = Token::parse("https://medicloud.id/fhir/booking-code|K7M3QX");
        assert!(t.matches("https://medicloud.id/fhir/booking-code", "K7M3QX"));
        assert!(!t.matches("urn:other", "K7M3QX"));
        assert!(Token::parse("K7M3QX").matches("urn:any", "K7M3QX"));
        assert!(!Token::parse("|K7M3QX").matches("urn:any", "K7M3QX"));
        assert_eq!(reference_id("Patient/abc", "Patient"), Some("abc"));
        assert_eq!(
            reference_id("https://x.id/fhir/r4/Patient/abc", "Patient"),
            Some("abc")
        );
        assert_eq!(reference_id("abc", "Patient"), Some("abc"));
        assert_eq!(reference_id("Group/abc", "Patient"), None);
        assert!(
            params(&[("status:not", "booked")])
                .refuse_modifiers(&["status"])
                .is_err()
        );
        let (this, next) = links(
            "http://h/fhir/r4/Slot",
            &[("start".into(), "ge2026-12-07T00:00:00+07:00".into())],
            (20, 0, 45),
        );
        assert_eq!(
            this,
            "http://h/fhir/r4/Slot?start=ge2026-12-07T00%3A00%3A00%2B07%3A00&_count=20"
        );
        assert!(next.unwrap().ends_with("&_count=20&_offset=20"));
        assert_eq!(
            links("u", &[], (20, 40, 45)).1,
            None,
            "the last page has no next"
        );
    }
}
