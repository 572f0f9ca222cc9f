//! What every search reads of its request: the parameters a type serves (the names its
//! [`Supported`] entry lists, so the CapabilityStatement and the parser cannot
//! disagree), `_count` and `_offset`, `Prefer: handling=strict`, and the values of the
//! parameter types (token, reference, date with its prefixes) — and how the answer's
//! links name them ([`Search::bundle`]).
//!
//! - An unknown parameter (or one with a modifier this API does not serve, or an empty
//!   value) is ignored, named in an OperationOutcome entry of the Bundle; with
//!   `Prefer: handling=strict` it is a 400.
//! - `_count` is the page size ([`DEFAULT_COUNT`] when not given, cut to
//!   [`MAX_COUNT`]); the `next` link carries `_offset`, the matches skipped. The `self`
//!   link names the parameters applied, `_count` and `_offset` with them.
//! - A parameter given twice must hold twice (AND); the values of one, separated by
//!   commas, are alternatives (OR).

use super::{Bundle, DEFAULT_COUNT, MAX_COUNT, Outcome, Supported};
use crate::api::State;
use axum::http::{HeaderMap, header};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use serde_json::{Value, json};

/// Parameters every search takes and never names in its links.
const GENERAL: &[&str] = &["_format", "_pretty"];

/// The decoded `name=value` pairs of a query string, in order.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    let uri = format!("/?{query}").parse().unwrap_or_default();
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

/// The API's base URL, `{origin}/fhir/r4` ([`origin`]).
pub fn base_url(state: &State, headers: &HeaderMap) -> String {
    format!("{}{}", origin(state, headers), super::BASE)
}

/// The cloud's origin, `{scheme}://{host}`: its public URL when it has one
/// (`--public-url`), else as the client reached it — the host the request named, and
/// `https` unless a proxy says `X-Forwarded-Proto: http` or the host is on loopback
/// (the cloud serves plain HTTP only there, or behind a proxy that terminates TLS).
pub fn origin(state: &State, headers: &HeaderMap) -> String {
    if let Some(public) = &state.hq.public_url {
        return public.trim_end_matches('/').to_owned();
    }
    request_origin(headers)
}

fn request_origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let loopback =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let scheme = match forwarded.as_deref() {
        Some("http") => "http",
        Some("https") => "https",
        _ if loopback => "http",
        _ => "https",
    };
    format!("{scheme}://{host}")
}

/// `text` as a query string component: unreserved characters (and `:`, `/`, `,`) as
/// they are, the rest percent-encoded.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A search as asked: its type, the parameters applied, the page.
#[derive(Clone, Debug)]
pub struct Search {
    /// The resource type searched.
    pub resource: &'static str,
    /// The parameters applied, `(name, value)` in the order given.
    pub params: Vec<(String, String)>,
    /// The page size asked for (cut to [`MAX_COUNT`]).
    pub count: usize,
    /// The matches skipped before this page.
    pub offset: usize,
    /// The parameters ignored, by name.
    pub ignored: Vec<String>,
}

/// Whether `Prefer` asks for strict handling.
fn strict(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .any(|p| p.trim().eq_ignore_ascii_case("handling=strict"))
}

impl Search {
    /// Reads a search of `supported`'s type from its query string and headers.
    pub fn parse(
        supported: &Supported,
        query: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Self, Outcome> {
        let mut search = Self {
            resource: supported.resource,
            params: Vec::new(),
            count: DEFAULT_COUNT,
            offset: 0,
            ignored: Vec::new(),
        };
        let number = |name: &str, value: &str| {
            value.trim().parse::<usize>().map_err(|_| {
                Outcome::invalid(format!("{name} must be a whole number, not {value:?}"))
            })
        };
        for (name, value) in query_pairs(query) {
            match name.as_str() {
                "_count" => search.count = number("_count", &value)?.min(MAX_COUNT),
                "_offset" => search.offset = number("_offset", &value)?,
                n if GENERAL.contains(&n) => {}
                n if !value.is_empty() && supported.search.iter().any(|(s, _, _)| *s == n) => {
                    search.params.push((name, value));
                }
                _ => {
                    if !search.ignored.contains(&name) {
                        search.ignored.push(name);
                    }
                }
            }
        }
        if strict(headers) && !search.ignored.is_empty() {
            return Err(Outcome::invalid(format!(
                "{} does not serve the search parameters {} (Prefer: handling=strict); \
                 GET /fhir/r4/metadata lists those it does",
                search.resource,
                search.ignored.join(", ")
            )));
        }
        Ok(search)
    }

    /// Each time `name` was given, its comma-separated values (`\,` a comma within
    /// one).
    pub fn groups(&self, name: &str) -> Vec<Vec<String>> {
        self.params
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| split_values(v))
            .collect()
    }

    /// The URL of this search at `offset`, under `base`.
    fn url(&self, base: &str, offset: usize) -> String {
        let mut query: Vec<String> = self
            .params
            .iter()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect();
        query.push(format!("_count={}", self.count));
        if offset > 0 {
            query.push(format!("_offset={offset}"));
        }
        format!("{base}/{}?{}", self.resource, query.join("&"))
    }

    /// The searchset of this page: `matches`, `total` over all pages, the `self` link
    /// and a `next` one when more follow, and an outcome naming what was ignored.
    pub fn bundle(&self, base: &str, total: usize, matches: Vec<Value>) -> Bundle {
        let next = self.offset.saturating_add(self.count);
        Bundle {
            matches,
            total,
            self_url: self.url(base, self.offset),
            next_url: (self.count > 0 && next < total).then(|| self.url(base, next)),
            outcome: (!self.ignored.is_empty()).then(|| {
                json!({
                    "resourceType": "OperationOutcome",
                    "issue": [{
                        "severity": "warning",
                        "code": "not-supported",
                        "diagnostics": format!(
                            "ignored search parameters: {}", self.ignored.join(", ")
                        ),
                    }],
                })
            }),
        }
    }
}

/// A parameter's value split at its unescaped commas.
fn split_values(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(',') => current.push(','),
                Some(next) => {
                    current.push('\\');
                    current.push(next);
                }
                None => current.push('\\'),
            },
            ',' => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// A token's `system|code` (`None` system: any; `Some("")`: none).
pub fn token(value: &str) -> (Option<&str>, &str) {
    match value.split_once('|') {
        Some((system, code)) => (Some(system), code),
        None => (None, value),
    }
}

/// The id a reference parameter names of `resource`: `Type/id`, the id alone, or a
/// URL ending in `Type/id`; `None` when it names another type.
pub fn reference<'a>(value: &'a str, resource: &str) -> Option<&'a str> {
    match value.rsplit_once('/') {
        None => Some(value),
        Some((before, id)) => {
            let kind = before.rsplit('/').next().unwrap_or(before);
            (kind == resource).then_some(id)
        }
    }
}

/// A date parameter's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// `eq` (or none): within the value's range.
    Eq,
    /// `ne`: not within it.
    Ne,
    /// `gt`: after it.
    Gt,
    /// `lt`: before it.
    Lt,
    /// `ge`: within or after it.
    Ge,
    /// `le`: within or before it.
    Le,
    /// `sa`: starts after it.
    Sa,
    /// `eb`: ends before it.
    Eb,
}

/// A date parameter: a prefix and the range its value names, to its precision (a year,
/// a month, a day, a minute, a second…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateParam {
    /// The prefix.
    pub prefix: Prefix,
    /// The first instant of the value's range, local when `offset` is `None`.
    start: NaiveDateTime,
    /// The range's length, as its precision says.
    span: Span,
    /// The value's UTC offset, when it had one.
    offset: Option<FixedOffset>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Span {
    Year,
    Month,
    Day,
    Exact(Duration),
}

impl DateParam {
    /// Reads `[prefix]YYYY[-MM[-DD[Thh:mm[:ss[.sss]][Z|±hh:mm]]]]`.
    pub fn parse(text: &str) -> Result<Self, Outcome> {
        let bad = || {
            Outcome::invalid(format!(
                "{text:?} is not a date search value: [eq|ne|gt|lt|ge|le|sa|eb]YYYY[-MM[-DD[Thh:mm[:ss][Z|+hh:mm]]]]"
            ))
        };
        let prefixes = [
            ("eq", Prefix::Eq),
            ("ne", Prefix::Ne),
            ("gt", Prefix::Gt),
            ("lt", Prefix::Lt),
            ("ge", Prefix::Ge),
            ("le", Prefix::Le),
            ("sa", Prefix::Sa),
            ("eb", Prefix::Eb),
        ];
        let (prefix, value) = prefixes
            .iter()
            .find_map(|(p, prefix)| text.strip_prefix(p).map(|rest| (*prefix, rest)))
            .unwrap_or((Prefix::Eq, text));
        if value.starts_with("ap") {
            return Err(Outcome::invalid(
                "the prefix ap (approximately) is not served: use ge and le",
            ));
        }
        let (date, time) = match value.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (value, None),
        };
        let parts: Vec<&str> = date.split('-').collect();
        let num = |s: &str, len: usize| {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let year = parts.first().and_then(|y| num(y, 4)).ok_or_else(bad)? as i32;
        let (day, span) = match parts.as_slice() {
            [_] if time.is_none() => (NaiveDate::from_ymd_opt(year, 1, 1), Span::Year),
            [_, m] if time.is_none() => (
                num(m, 2).and_then(|m| NaiveDate::from_ymd_opt(year, m, 1)),
                Span::Month,
            ),
            [_, m, d] => (
                num(m, 2)
                    .zip(num(d, 2))
                    .and_then(|(m, d)| NaiveDate::from_ymd_opt(year, m, d)),
                Span::Day,
            ),
            _ => return Err(bad()),
        };
        let day = day.ok_or_else(bad)?;
        let Some(time) = time else {
            return Ok(Self {
                prefix,
                start: day.and_time(NaiveTime::MIN),
                span,
                offset: None,
            });
        };
        let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
            (clock, FixedOffset::east_opt(0))
        } else if let Some(at) = time.rfind(['+', '-']) {
            let (clock, zone) = time.split_at(at);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..].split_once(':').ok_or_else(bad)?;
            let secs = (num(h, 2).ok_or_else(bad)? * 3600 + num(m, 2).ok_or_else(bad)? * 60) as i32;
            (
                clock,
                Some(FixedOffset::east_opt(sign * secs).ok_or_else(bad)?),
            )
        } else {
            (time, None)
        };
        let pieces: Vec<&str> = clock.split(':').collect();
        let (h, m, s, span) = match pieces.as_slice() {
            [h, m] => (num(h, 2), num(m, 2), Some(0), Duration::minutes(1)),
            [h, m, s] => match s.split_once('.') {
                Some((whole, fraction))
                    if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    (
                        num(h, 2),
                        num(m, 2),
                        num(whole, 2),
                        Duration::milliseconds(1),
                    )
                }
                Some(_) => return Err(bad()),
                None => (num(h, 2), num(m, 2), num(s, 2), Duration::seconds(1)),
            },
            _ => return Err(bad()),
        };
        let mut start = h
            .zip(m)
            .zip(s)
            .and_then(|((h, m), s)| NaiveTime::from_hms_opt(h, m, s))
            .map(|t| day.and_time(t))
            .ok_or_else(bad)?;
        if let Some((_, fraction)) = clock.split_once('.') {
            let ms: String = fraction.chars().chain("000".chars()).take(3).collect();
            start += Duration::milliseconds(ms.parse::<i64>().map_err(|_| bad())?);
        }
        Ok(Self {
            prefix,
            start,
            span: Span::Exact(span),
            offset,
        })
    }

    fn end_local(&self) -> NaiveDateTime {
        let date = self.start.date();
        let next = match self.span {
            Span::Year => NaiveDate::from_ymd_opt(date.year() + 1, 1, 1),
            Span::Month if date.month() == 12 => NaiveDate::from_ymd_opt(date.year() + 1, 1, 1),
            Span::Month => NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1),
            Span::Day => date.succ_opt(),
            Span::Exact(d) => return self.start + d,
        };
        next.map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN))
    }

    /// The value's range `[from, until)` as instants: in its own offset, or in `zone`
    /// (the clinic's) when it has none.
    pub fn instants<Z: TimeZone>(&self, zone: &Z) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |local: NaiveDateTime| match self.offset {
            Some(offset) => offset
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
            None => zone
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        };
        let from = at(self.start).unwrap_or(DateTime::<Utc>::MIN_UTC);
        let until = at(self.end_local()).unwrap_or(DateTime::<Utc>::MAX_UTC);
        (from, until)
    }

    /// The value's range `[from, until)` as days (for a `date` such as a birth date):
    /// its first day, and the day after its last.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let until = self.end_local();
        let last = if until.time() == NaiveTime::MIN {
            until.date()
        } else {
            until.date().succ_opt().unwrap_or(until.date())
        };
        (self.start.date(), last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::Supported;

    const PATIENT: Supported = Supported {
        resource: "Patient",
        interactions: &["read", "search-type"],
        search: &[("name", "string", ""), ("birthdate", "date", "")],
        operations: &[],
    };

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_search_keeps_what_it_applies_and_names_what_it_ignores() {
        let query =
            "name=Siti&_count=500&phone=0812&_format=json&birthdate=ge1990&birthdate=lt2000";
        let search = Search::parse(&PATIENT, Some(query), &HeaderMap::new()).unwrap();
        assert_eq!(search.count, MAX_COUNT);
        assert_eq!(search.ignored, ["phone"]);
        assert_eq!(search.groups("birthdate").len(), 2);
        let bundle = search.bundle("https://x/fhir/r4", 450, vec![]);
        assert_eq!(
            bundle.self_url,
            "https://x/fhir/r4/Patient?name=Siti&birthdate=ge1990&birthdate=lt2000&_count=200"
        );
        assert_eq!(
            bundle.next_url.as_deref(),
            Some(
                "https://x/fhir/r4/Patient?name=Siti&birthdate=ge1990&birthdate=lt2000&_count=200&_offset=200"
            )
        );
        assert!(bundle.outcome.unwrap().to_string().contains("phone"));
        let strict = headers(&[("prefer", "handling=strict")]);
        let refused = Search::parse(&PATIENT, Some(query), &strict).unwrap_err();
        assert_eq!(refused.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(Search::parse(&PATIENT, Some("_count=x"), &HeaderMap::new()).is_err());
        let last = Search::parse(&PATIENT, Some("_offset=400&_count=200"), &HeaderMap::new())
            .unwrap()
            .bundle("b", 450, vec![]);
        assert_eq!(last.next_url, None);
    }

    #[test]
    fn values_tokens_and_references_read_as_fhir_writes_them() {
        assert_eq!(split_values(r"a,b\,c"), ["a", "b,c"]);
        assert_eq!(token("https://s|123"), (Some("https://s"), "123"));
        assert_eq!(token("|123"), (Some(""), "123"));
        assert_eq!(token("123"), (None, "123"));
        assert_eq!(reference("Patient/abc", "Patient"), Some("abc"));
        assert_eq!(reference("abc", "Patient"), Some("abc"));
        assert_eq!(
            reference("https://h/fhir/r4/Patient/abc", "Patient"),
            Some("abc")
        );
        assert_eq!(reference("Group/abc", "Patient"), None);
        assert_eq!(encode("a|b c+é"), "a%7Cb%20c%2B%C3%A9");
        let h = headers(&[("host", "fhir.example")]);
        assert_eq!(request_origin(&h), "https://fhir.example");
        let h = headers(&[("host", "127.0.0.1:8080")]);
        assert_eq!(request_origin(&h), "http://127.0.0.1:8080");
        let h = headers(&[("host", "fhir.example"), ("x-forwarded-proto", "http")]);
        assert_eq!(request_origin(&h), "http://fhir.example");
    }

    #[test]
    fn date_values_name_ranges_to_their_precision() {
        let jakarta = chrono_tz::Asia::Jakarta;
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let cases = [
            ("2027", "2026-12-31T17:00:00Z", "2027-12-31T17:00:00Z"),
            ("2027-02", "2027-01-31T17:00:00Z", "2027-02-28T17:00:00Z"),
            (
                "ge2027-12-31",
                "2027-12-30T17:00:00Z",
                "2027-12-31T17:00:00Z",
            ),
            (
                "lt2027-01-15T08:30",
                "2027-01-15T01:30:00Z",
                "2027-01-15T01:31:00Z",
            ),
            (
                "2027-01-15T08:30:05Z",
                "2027-01-15T08:30:05Z",
                "2027-01-15T08:30:06Z",
            ),
            (
                "eq2027-01-15T08:30:00+08:00",
                "2027-01-15T00:30:00Z",
                "2027-01-15T00:30:01Z",
            ),
            (
                "2027-01-15T08:30:00.25-01:00",
                "2027-01-15T09:30:00.250Z",
                "2027-01-15T09:30:00.251Z",
            ),
        ];
        for (text, from, until) in cases {
            let param = DateParam::parse(text).unwrap();
            assert_eq!(param.instants(&jakarta), (utc(from), utc(until)), "{text}");
        }
        assert_eq!(DateParam::parse("lt2027").unwrap().prefix, Prefix::Lt);
        let days = DateParam::parse("1990-05").unwrap().days();
        assert_eq!(days.0.to_string(), "1990-05-01");
        assert_eq!(days.1.to_string(), "1990-06-01");
        for bad in [
            "",
            "27",
            "2027-13",
            "2027-02-30",
            "2027-01-15T25:00",
            "ap2027",
            "2027-01-15T08",
        ] {
            assert!(DateParam::parse(bad).is_err(), "{bad}");
        }
    }
}
