//! The exchange's compact body: a binary, columnar page of events
//! (`Content-Type: application/vnd.medicloud.events+columnar`).
//!
//! JSON names every field of every event and spells every id in 36 characters; gzip
//! takes back only part of that. Here one request or answer is laid out by column, each
//! column holding one kind of value, so that runs of alike bytes sit together, and the
//! whole is then deflate-compressed:
//!
//! ```text
//! frame   = 0xC1 ‖ flags (1 byte: bit 0 deflate-compressed, bit 1 an answer) ‖ payload
//! payload = head ‖ devices ‖ summary ‖ n (events) ‖ origin ‖ seq ‖ physical ‖ logical
//!           ‖ clinics ‖ clinic ‖ actors ‖ actor ‖ shape ‖ strref ‖ text ‖ idref ‖ ids ‖ num
//! ```
//!
//! Every number is an unsigned LEB128 varint (signed ones zigzag first); every column
//! after `n` is a varint byte length and its bytes.
//!
//! - `head`: nothing for a request; an answer's flags (bit 0 `summary_is_delta`, bit 1
//!   `more`, bit 2 `now_ms` follows) and `now_ms`.
//! - `devices`: a dictionary of device ids (count, 16 bytes each), named by index in
//!   the summary and the origin column; a request's caller is its first entry.
//!   `summary`: count, then (device index, seq).
//! - `origin`: each event's device index. `seq`: the difference from the previous seq
//!   of the same origin (from 0 for its first), zigzag. `physical`, `logical`: the
//!   stamp's wall-clock milliseconds as the difference from the previous event's
//!   (zigzag: stamps go backwards between origins), and its logical counter.
//! - `clinics`, `actors`: dictionaries (an actor is a tag byte, 0 system, 1 staff,
//!   2 device, and for the last two a 16-byte id; a request's clinic is the first
//!   clinic); `clinic`, `actor`: an index per event.
//! - The bodies, each event's body as its JSON value with the repeated parts factored
//!   out: `shape` holds one tag per value (0 null, 1 false, 2 true, 3 unsigned, 4
//!   negative, 5 float, 6 string, 7 array with its length, 8 object with its shape, 9
//!   id); an object's shape is an index into the page's shapes, a new one (index = the
//!   count so far) followed by its key count and keys (as strings). Strings are a
//!   reference in `strref` (0: a new string, its length and bytes in `text`; k: the
//!   page's k-th string); ids (strings that are canonical UUIDs) a reference in `idref`
//!   (0: a new id, its 16 bytes in `ids`; k: the id k back from the newest); numbers in
//!   `num`. The kind of an event (its body's `kind`) is one string reference.
//!
//! The decoder refuses a frame that is cut short, has bytes left over, names an index
//! outside its dictionary, or inflates past its limit ([`crate::wire::MAX_BODY`]), with
//! a [`ColumnarError`]; nothing of a refused page is returned, so nothing of it is stored.

use crate::exchange::{SyncRequest, SyncResponse, WireSummary};
use medicloud_core::event::{Actor, Event, EventBody, EventId, Stamp};
use medicloud_core::ids::{ClinicId, DeviceId, UserId};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use uuid::Uuid;

/// The media type of a columnar exchange body.
pub const MEDIA_TYPE: &str = "application/vnd.medicloud.events+columnar";
/// A frame's first byte (gzip starts 0x1f, JSON `{`: the three are told apart by it).
pub const MAGIC: u8 = 0xC1;
const COMPRESSED: u8 = 1;
const ANSWER: u8 = 2;
/// Payloads shorter than this are sent as they are (deflate would not make them smaller).
const STORE_BELOW: usize = 64;

/// Why a columnar frame was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ColumnarError {
    /// Not a well-formed frame: cut short, an index outside its dictionary, bytes left
    /// over, or bodies that are not events.
    #[error("the columnar page is corrupt: {0}")]
    Corrupt(String),
    /// More than the limit once decompressed.
    #[error("the columnar page is larger than {0} bytes once decompressed")]
    TooLarge(usize),
    /// A request where an answer was expected, or the other way round.
    #[error("the columnar page is a {0} where the other was expected")]
    WrongKind(&'static str),
}

fn corrupt(what: &str) -> ColumnarError {
    ColumnarError::Corrupt(what.to_owned())
}

/// Whether a body is a columnar frame (by its first byte).
pub fn is_columnar(body: &[u8]) -> bool {
    body.first() == Some(&MAGIC)
}

/// Whether an `Accept` header value names the columnar media type.
pub fn accepts(accept: &str) -> bool {
    accept.split(',').any(|part| {
        part.split(';')
            .next()
            .is_some_and(|t| t.trim() == MEDIA_TYPE)
    })
}

/// A request as a columnar frame.
pub fn encode_request(request: &SyncRequest) -> Vec<u8> {
    let mut w = Writer::default();
    // The caller is the first device and the clinic the first clinic of the page.
    w.devices.add(&request.from);
    w.clinics.add(&request.clinic);
    w.page(&request.summary, &request.events);
    w.finish(0)
}

/// An answer as a columnar frame.
pub fn encode_response(response: &SyncResponse) -> Vec<u8> {
    let mut w = Writer::default();
    let flags = u8::from(response.summary_is_delta)
        | u8::from(response.more) << 1
        | u8::from(response.now_ms.is_some()) << 2;
    w.head.push(flags);
    if let Some(now) = response.now_ms {
        put(&mut w.head, now);
    }
    w.page(&response.summary, &response.events);
    w.finish(ANSWER)
}

/// A request from a columnar frame of at most `limit` bytes once decompressed.
pub fn decode_request(frame: &[u8], limit: usize) -> Result<SyncRequest, ColumnarError> {
    let payload = open(frame, limit, false)?;
    let mut r = Cursor::new(&payload);
    let page = read_page(&mut r)?;
    let (summary, events) = (page.summary, page.events);
    let from = *page
        .devices
        .first()
        .ok_or_else(|| corrupt("a request without its caller"))?;
    let clinic = *page
        .clinics
        .first()
        .ok_or_else(|| corrupt("a request without its clinic"))?;
    Ok(SyncRequest {
        clinic,
        from,
        summary,
        events,
    })
}

/// An answer from a columnar frame of at most `limit` bytes once decompressed.
pub fn decode_response(frame: &[u8], limit: usize) -> Result<SyncResponse, ColumnarError> {
    let payload = open(frame, limit, true)?;
    let mut r = Cursor::new(&payload);
    let flags = r.byte()?;
    if flags > 7 {
        return Err(corrupt("unknown answer flags"));
    }
    let now_ms = if flags & 4 != 0 { Some(r.num()?) } else { None };
    let Page {
        summary, events, ..
    } = read_page(&mut r)?;
    Ok(SyncResponse {
        summary,
        summary_is_delta: flags & 1 != 0,
        events,
        more: flags & 2 != 0,
        now_ms,
    })
}

/// The names of a payload's parts, in order: the head (with the dictionaries of devices
/// and the summary), then each column.
pub const PARTS: [&str; 15] = [
    "head", "origin", "seq", "physical", "logical", "clinics", "clinic", "actors", "actor",
    "shape", "strref", "text", "idref", "ids", "num",
];

/// Where a frame's bytes go: for each part of [`PARTS`], its bytes before compression
/// and deflated alone (best level), for reports and benchmarks. `None` for a frame
/// that does not open.
pub fn breakdown(frame: &[u8], limit: usize) -> Option<Vec<(&'static str, usize, usize)>> {
    let answer = frame.get(1)? & ANSWER != 0;
    let payload = open(frame, limit, answer).ok()?;
    // The head runs up to the events' count, which precedes the first column: read
    // a page to find where the columns start.
    let mut r = Cursor::new(&payload);
    if answer {
        let flags = r.byte().ok()?;
        if flags & 4 != 0 {
            r.num().ok()?;
        }
    }
    let devices = r.count(16).ok()?;
    r.take(devices * 16).ok()?;
    for _ in 0..r.count(2).ok()? {
        r.num().ok()?;
        r.num().ok()?;
    }
    r.num().ok()?;
    let head = &payload[..payload.len() - r.bytes.len()];
    let mut parts = vec![head];
    for _ in 1..PARTS.len() {
        parts.push(r.column().ok()?.bytes);
    }
    let deflated = |bytes: &[u8]| {
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = d.write_all(bytes);
        d.finish().map_or(0, |v| v.len())
    };
    Some(
        PARTS
            .iter()
            .zip(parts)
            .map(|(name, bytes)| (*name, bytes.len(), deflated(bytes)))
            .collect(),
    )
}

/// The frame's payload, inflated within `limit`.
fn open(frame: &[u8], limit: usize, answer: bool) -> Result<Vec<u8>, ColumnarError> {
    let [magic, flags, rest @ ..] = frame else {
        return Err(corrupt("shorter than its header"));
    };
    if *magic != MAGIC || *flags & !(COMPRESSED | ANSWER) != 0 {
        return Err(corrupt("not a columnar frame of this version"));
    }
    match (flags & ANSWER != 0, answer) {
        (true, false) => return Err(ColumnarError::WrongKind("answer")),
        (false, true) => return Err(ColumnarError::WrongKind("request")),
        _ => {}
    }
    if flags & COMPRESSED == 0 {
        if rest.len() > limit {
            return Err(ColumnarError::TooLarge(limit));
        }
        return Ok(rest.to_vec());
    }
    let mut out = Vec::with_capacity(rest.len().saturating_mul(4).min(limit));
    let read = flate2::read::DeflateDecoder::new(rest)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    match read {
        Ok(n) if n > limit => Err(ColumnarError::TooLarge(limit)),
        Ok(_) => Ok(out),
        Err(_) => Err(corrupt("the compressed bytes do not inflate")),
    }
}

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A dictionary that numbers its entries in the order they first come.
#[derive(Debug)]
struct Dict<K> {
    index: HashMap<K, usize>,
    order: Vec<K>,
}

impl<K> Default for Dict<K> {
    fn default() -> Self {
        Self {
            index: HashMap::new(),
            order: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Dict<K> {
    /// The entry's index, and whether it is new.
    fn add(&mut self, key: &K) -> (usize, bool) {
        if let Some(&i) = self.index.get(key) {
            return (i, false);
        }
        let i = self.order.len();
        self.index.insert(key.clone(), i);
        self.order.push(key.clone());
        (i, true)
    }
}

#[derive(Default)]
struct Writer {
    head: Vec<u8>,
    devices: Dict<DeviceId>,
    clinics: Dict<ClinicId>,
    actors: Dict<Actor>,
    shapes: Dict<Vec<String>>,
    strings: Dict<String>,
    ids: Dict<Uuid>,
    origin: Vec<u8>,
    seq: Vec<u8>,
    physical: Vec<u8>,
    logical: Vec<u8>,
    clinic: Vec<u8>,
    actor: Vec<u8>,
    shape: Vec<u8>,
    strref: Vec<u8>,
    text: Vec<u8>,
    idref: Vec<u8>,
    id_bytes: Vec<u8>,
    num: Vec<u8>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    fn page(&mut self, summary: &WireSummary, events: &[Event]) {
        let mut summary_col = Vec::new();
        put(&mut summary_col, summary.len() as u64);
        for (device, seq) in summary {
            put(&mut summary_col, self.devices.add(device).0 as u64);
            put(&mut summary_col, *seq);
        }
        let mut last_seq: HashMap<usize, u64> = HashMap::new();
        let mut last_ms = 0i64;
        for event in events {
            let (origin, _) = self.devices.add(&event.id.origin);
            put(&mut self.origin, origin as u64);
            let prev = last_seq.insert(origin, event.id.seq).unwrap_or(0);
            put(
                &mut self.seq,
                zigzag(event.id.seq.wrapping_sub(prev) as i64),
            );
            let ms = event.stamp.physical_ms() as i64;
            put(&mut self.physical, zigzag(ms.wrapping_sub(last_ms)));
            last_ms = ms;
            put(&mut self.logical, u64::from(event.stamp.logical()));
            put(&mut self.clinic, self.clinics.add(&event.clinic).0 as u64);
            put(&mut self.actor, self.actors.add(&event.actor).0 as u64);
            // An EventBody always serialises to a JSON value.
            let body = serde_json::to_value(&event.body).unwrap_or(Value::Null);
            self.value(&body);
        }
        let mut devices = Vec::new();
        put(&mut devices, self.devices.order.len() as u64);
        for d in &self.devices.order {
            devices.extend_from_slice(d.0.as_bytes());
        }
        self.head.extend_from_slice(&devices);
        self.head.extend_from_slice(&summary_col);
        put(&mut self.head, events.len() as u64);
    }

    fn string(&mut self, s: &str) {
        let mut buf = Uuid::encode_buffer();
        if let Ok(id) = Uuid::try_parse(s)
            && *id.hyphenated().encode_lower(&mut buf) == *s
        {
            self.shape.push(9);
            match self.ids.add(&id) {
                (_, true) => {
                    self.idref.push(0);
                    self.id_bytes.extend_from_slice(id.as_bytes());
                }
                (i, false) => put(&mut self.idref, (self.ids.order.len() - i) as u64),
            }
            return;
        }
        self.shape.push(6);
        self.string_ref(s);
    }

    fn string_ref(&mut self, s: &str) {
        match self.strings.index.get(s) {
            Some(&i) => put(&mut self.strref, i as u64 + 1),
            None => {
                self.strings.add(&s.to_owned());
                self.strref.push(0);
                put_bytes(&mut self.text, s.as_bytes());
            }
        }
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.shape.push(0),
            Value::Bool(b) => self.shape.push(1 + u8::from(*b)),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    self.shape.push(3);
                    put(&mut self.num, u);
                } else if let Some(i) = n.as_i64() {
                    self.shape.push(4);
                    put(&mut self.num, !(i as u64));
                } else {
                    self.shape.push(5);
                    let f = n.as_f64().unwrap_or(0.0);
                    put(&mut self.num, f.to_bits());
                }
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.shape.push(7);
                put(&mut self.shape, items.len() as u64);
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.shape.push(8);
                let keys: Vec<String> = map.keys().cloned().collect();
                let (i, new) = self.shapes.add(&keys);
                put(&mut self.shape, i as u64);
                if new {
                    put(&mut self.shape, keys.len() as u64);
                    for key in &keys {
                        self.string_ref(key);
                    }
                }
                for item in map.values() {
                    self.value(item);
                }
            }
        }
    }

    fn finish(mut self, kind: u8) -> Vec<u8> {
        let mut clinics = Vec::new();
        put(&mut clinics, self.clinics.order.len() as u64);
        for c in &self.clinics.order {
            clinics.extend_from_slice(c.0.as_bytes());
        }
        let mut actors = Vec::new();
        put(&mut actors, self.actors.order.len() as u64);
        for a in &self.actors.order {
            match a {
                Actor::System => actors.push(0),
                Actor::Staff(u) => {
                    actors.push(1);
                    actors.extend_from_slice(u.0.as_bytes());
                }
                Actor::Device(d) => {
                    actors.push(2);
                    actors.extend_from_slice(d.0.as_bytes());
                }
            }
        }
        let mut payload = std::mem::take(&mut self.head);
        for column in [
            &self.origin,
            &self.seq,
            &self.physical,
            &self.logical,
            &clinics,
            &self.clinic,
            &actors,
            &self.actor,
            &self.shape,
            &self.strref,
            &self.text,
            &self.idref,
            &self.id_bytes,
            &self.num,
        ] {
            put_bytes(&mut payload, column);
        }
        if payload.len() < STORE_BELOW {
            let mut frame = vec![MAGIC, kind];
            frame.extend_from_slice(&payload);
            return frame;
        }
        let mut deflate = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(payload.len() / 3 + 16),
            flate2::Compression::best(),
        );
        deflate
            .get_mut()
            .extend_from_slice(&[MAGIC, kind | COMPRESSED]);
        // Writing into a Vec cannot fail.
        let _ = deflate.write_all(&payload);
        deflate.finish().unwrap_or_default()
    }
}

/// Reads a frame's bytes, refusing anything cut short.
#[derive(Debug)]
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn byte(&mut self) -> Result<u8, ColumnarError> {
        let (&b, rest) = self
            .bytes
            .split_first()
            .ok_or_else(|| corrupt("cut short"))?;
        self.bytes = rest;
        Ok(b)
    }

    fn num(&mut self) -> Result<u64, ColumnarError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                if shift == 63 && b > 1 {
                    break;
                }
                return Ok(n);
            }
        }
        Err(corrupt("a number longer than 64 bits"))
    }

    fn index(&mut self, len: usize, what: &str) -> Result<usize, ColumnarError> {
        let i = self.num()?;
        usize::try_from(i)
            .ok()
            .filter(|i| *i < len)
            .ok_or_else(|| ColumnarError::Corrupt(format!("{what} index outside its dictionary")))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ColumnarError> {
        if n > self.bytes.len() {
            return Err(corrupt("cut short"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn uuid(&mut self) -> Result<Uuid, ColumnarError> {
        let bytes = self.take(16)?;
        Ok(Uuid::from_slice(bytes).unwrap_or_default())
    }

    /// A count of items each at least `min` bytes long in what is left (so a count
    /// cannot ask for more memory than the frame could fill).
    fn count(&mut self, min: usize) -> Result<usize, ColumnarError> {
        let n = self.num()?;
        usize::try_from(n)
            .ok()
            .filter(|n| n.saturating_mul(min.max(1)) <= self.bytes.len())
            .ok_or_else(|| corrupt("a count larger than the page"))
    }

    fn column(&mut self) -> Result<Cursor<'a>, ColumnarError> {
        let n = usize::try_from(self.num()?).map_err(|_| corrupt("cut short"))?;
        Ok(Cursor::new(self.take(n)?))
    }

    fn done(&self, what: &str) -> Result<(), ColumnarError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(ColumnarError::Corrupt(format!("bytes left over in {what}")))
        }
    }
}

/// A page as read: its summary, events and dictionaries.
struct Page {
    summary: WireSummary,
    events: Vec<Event>,
    devices: Vec<DeviceId>,
    clinics: Vec<ClinicId>,
}

fn read_page(r: &mut Cursor<'_>) -> Result<Page, ColumnarError> {
    let devices = r.count(16)?;
    let devices: Vec<DeviceId> = (0..devices)
        .map(|_| r.uuid().map(DeviceId))
        .collect::<Result<_, _>>()?;
    let entries = r.count(2)?;
    let mut summary = Vec::with_capacity(entries);
    for _ in 0..entries {
        let device = devices[r.index(devices.len(), "device")?];
        summary.push((device, r.num()?));
    }
    // Every event takes at least a byte in each of several columns.
    let n = r.count(8)?;
    let mut origin = r.column()?;
    let mut seq = r.column()?;
    let mut physical = r.column()?;
    let mut logical = r.column()?;
    let mut clinics_col = r.column()?;
    let mut clinic = r.column()?;
    let mut actors_col = r.column()?;
    let mut actor = r.column()?;
    let mut bodies = Bodies {
        shape: r.column()?,
        strref: r.column()?,
        text: r.column()?,
        idref: r.column()?,
        id_bytes: r.column()?,
        num: r.column()?,
        shapes: Vec::new(),
        strings: Vec::new(),
        ids: Vec::new(),
    };
    r.done("the page")?;
    let clinics: Vec<ClinicId> = (0..clinics_col.count(16)?)
        .map(|_| clinics_col.uuid().map(ClinicId))
        .collect::<Result<_, _>>()?;
    clinics_col.done("the clinics")?;
    let actor_count = actors_col.count(1)?;
    let mut actors = Vec::with_capacity(actor_count);
    for _ in 0..actor_count {
        actors.push(match actors_col.byte()? {
            0 => Actor::System,
            1 => Actor::Staff(UserId(actors_col.uuid()?)),
            2 => Actor::Device(DeviceId(actors_col.uuid()?)),
            _ => return Err(corrupt("an unknown kind of actor")),
        });
    }
    actors_col.done("the actors")?;
    let mut last_seq: HashMap<usize, u64> = HashMap::new();
    let mut last_ms = 0i64;
    let mut events = Vec::with_capacity(n);
    for _ in 0..n {
        let o = origin.index(devices.len(), "origin")?;
        let prev = last_seq.get(&o).copied().unwrap_or(0);
        let s = prev.wrapping_add(unzigzag(seq.num()?) as u64);
        last_seq.insert(o, s);
        let ms = last_ms.wrapping_add(unzigzag(physical.num()?));
        last_ms = ms;
        let logical = u16::try_from(logical.num()?).map_err(|_| corrupt("a logical counter"))?;
        let physical_ms = u64::try_from(ms)
            .ok()
            .filter(|ms| *ms < 1 << 48)
            .ok_or_else(|| corrupt("a stamp outside its range"))?;
        let c = clinics[clinic.index(clinics.len(), "clinic")?];
        let a = actors[actor.index(actors.len(), "actor")?];
        let body = bodies.value(0)?;
        let body: EventBody = serde_json::from_value(body)
            .map_err(|e| ColumnarError::Corrupt(format!("a body that is not an event: {e}")))?;
        events.push(Event {
            id: EventId {
                origin: devices[o],
                seq: s,
            },
            stamp: Stamp::new(physical_ms, logical),
            clinic: c,
            actor: a,
            body,
        });
    }
    for (column, name) in [
        (&origin, "origin"),
        (&seq, "seq"),
        (&physical, "physical"),
        (&logical, "logical"),
        (&clinic, "clinic"),
        (&actor, "actor"),
        (&bodies.shape, "shape"),
        (&bodies.strref, "strref"),
        (&bodies.text, "text"),
        (&bodies.idref, "idref"),
        (&bodies.id_bytes, "ids"),
        (&bodies.num, "num"),
    ] {
        column.done(name)?;
    }
    Ok(Page {
        summary,
        events,
        devices,
        clinics,
    })
}

/// Deepest nesting of a body's values (serde_json's own limit is 128).
const MAX_DEPTH: usize = 64;

struct Bodies<'a> {
    shape: Cursor<'a>,
    strref: Cursor<'a>,
    text: Cursor<'a>,
    idref: Cursor<'a>,
    id_bytes: Cursor<'a>,
    num: Cursor<'a>,
    shapes: Vec<Vec<String>>,
    strings: Vec<String>,
    ids: Vec<Uuid>,
}

impl Bodies<'_> {
    fn string(&mut self) -> Result<String, ColumnarError> {
        let r = self.strref.num()?;
        if r == 0 {
            let len = usize::try_from(self.text.num()?).map_err(|_| corrupt("cut short"))?;
            let bytes = self.text.take(len)?;
            let s = std::str::from_utf8(bytes)
                .map_err(|_| corrupt("a string that is not UTF-8"))?
                .to_owned();
            self.strings.push(s.clone());
            return Ok(s);
        }
        usize::try_from(r - 1)
            .ok()
            .and_then(|i| self.strings.get(i))
            .cloned()
            .ok_or_else(|| corrupt("string index outside its dictionary"))
    }

    fn value(&mut self, depth: usize) -> Result<Value, ColumnarError> {
        if depth > MAX_DEPTH {
            return Err(corrupt("values nested too deep"));
        }
        Ok(match self.shape.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(self.num.num()?.into()),
            4 => Value::Number((!self.num.num()? as i64).into()),
            5 => Number::from_f64(f64::from_bits(self.num.num()?))
                .map(Value::Number)
                .ok_or_else(|| corrupt("a number that is not finite"))?,
            6 => Value::String(self.string()?),
            7 => {
                let len = self.shape.count(1)?;
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            8 => {
                let i = self.shape.num()?;
                let i = usize::try_from(i).map_err(|_| corrupt("shape index"))?;
                if i == self.shapes.len() {
                    let len = self.shape.count(1)?;
                    let keys = (0..len)
                        .map(|_| self.string())
                        .collect::<Result<Vec<_>, _>>()?;
                    self.shapes.push(keys);
                }
                let keys = self
                    .shapes
                    .get(i)
                    .cloned()
                    .ok_or_else(|| corrupt("shape index outside its dictionary"))?;
                let mut map = Map::new();
                for key in keys {
                    let item = self.value(depth + 1)?;
                    map.insert(key, item);
                }
                Value::Object(map)
            }
            9 => {
                let r = self.idref.num()?;
                if r == 0 {
                    let id = self.id_bytes.uuid()?;
                    self.ids.push(id);
                    Value::String(id.to_string())
                } else {
                    let i = usize::try_from(r)
                        .ok()
                        .and_then(|r| self.ids.len().checked_sub(r))
                        .ok_or_else(|| corrupt("id index outside its dictionary"))?;
                    Value::String(self.ids[i].to_string())
                }
            }
            _ => return Err(corrupt("an unknown kind of value")),
        })
    }
}
