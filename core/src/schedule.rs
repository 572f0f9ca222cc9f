//! A service's schedule and the one rule of its capacity.
//!
//! Slots are a pure function of a [`Schedule`] and a date ([`Schedule::slots`]): no slot
//! row is stored, so nothing drifts when a schedule changes. A booking keeps the time it
//! was made for; a schedule changed afterwards shows it as outside the schedule
//! ([`SlotFill::outside_schedule`]), never moves it.
//!
//! **Capacity** ([`may_book`], the only place it is decided). A slot has `places`; the
//! first `online_places` of them are the online share, the rest the desk share.
//! - The online share is booked only by the cloud, serialised in its database, so it
//!   never goes over whatever the number of cloud replicas.
//! - The desk share is counted by one node of the clinic (the one that hands out its
//!   labels), in its one writer; the others book through it, and one cut off from it
//!   books only a confirmed overbooking. Beyond a full share the desk books only when
//!   it confirms an overbooking, which the booking carries
//!   ([`crate::domain::Appointment::overbooked`]) so every desk sees it.
//! - A confirmed overbooking is the only way a slot ends above its places.

use crate::domain::Appointment;
use crate::validate::{Rule, ValidationError};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use chrono::{LocalResult, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A day of the week, as a schedule names it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    /// Monday (Senin).
    Mon,
    /// Tuesday (Selasa).
    Tue,
    /// Wednesday (Rabu).
    Wed,
    /// Thursday (Kamis).
    Thu,
    /// Friday (Jumat).
    Fri,
    /// Saturday (Sabtu).
    Sat,
    /// Sunday (Minggu).
    Sun,
}

impl Day {
    /// Every day, Monday first.
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// The day `date` falls on.
    pub fn of(date: NaiveDate) -> Self {
        Self::ALL[date.weekday().num_days_from_monday() as usize]
    }
}

/// Opening hours on one day of the week: slots start at `opens` and end by `closes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// The day of the week.
    pub day: Day,
    /// When the first slot starts, clinic-local.
    #[schema(value_type = String, example = "08:00")]
    pub opens: NaiveTime,
    /// Every slot ends by this time, clinic-local.
    #[schema(value_type = String, example = "14:00")]
    pub closes: NaiveTime,
}

/// When a service takes appointments and how many: weekly hours, slot length, places
/// per slot with the online share of them, and the days it is closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Weekly opening hours: any number of periods a day (a morning and an afternoon),
    /// none on a day it is closed every week.
    pub hours: Vec<Hours>,
    /// Length of a slot in minutes (5 to 240). A period that it does not divide ends
    /// with the last slot that fits.
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: u16,
    /// Patients one slot takes (1 to 50).
    #[schema(minimum = 1, maximum = 50)]
    pub places_per_slot: u16,
    /// How many of a slot's places patients may book online (0 to `places_per_slot`);
    /// the rest are kept for the desk and walk-ins.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 50)]
    pub online_places: u16,
    /// Days it is closed (public holidays), clinic-local dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<NaiveDate>,
    /// The practitioner whose schedule it is, when it is one person's (shown to other
    /// systems as the Schedule's actor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practitioner: Option<crate::ids::UserId>,
}

/// At most this many opening periods a week.
const MOST_HOURS: usize = 28;
/// At most this many closed days.
const MOST_CLOSED: usize = 400;

impl Schedule {
    /// Monday to Saturday 08:00–14:00, 15-minute slots of 4 places, 2 of them online:
    /// the demo clinic's services, and a sensible start for a real one.
    pub fn demo() -> Self {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
        Self {
            hours: Day::ALL[..6]
                .iter()
                .map(|&day| Hours {
                    day,
                    opens: at(8),
                    closes: at(14),
                })
                .collect(),
            slot_minutes: 15,
            places_per_slot: 4,
            online_places: 2,
            closed: Vec::new(),
            practitioner: None,
        }
    }

    /// The schedule of a service set up before schedules existed: its slot rules every
    /// day of the week, nothing online.
    pub fn from_rules(rules: &crate::appointment::SlotRules) -> Self {
        Self {
            hours: Day::ALL
                .iter()
                .map(|&day| Hours {
                    day,
                    opens: rules.opens,
                    closes: rules.closes,
                })
                .collect(),
            slot_minutes: rules.slot_minutes,
            places_per_slot: rules.places_per_slot,
            online_places: 0,
            closed: Vec::new(),
            practitioner: None,
        }
    }

    /// Checks an admin's schedule and puts it in order (hours by day and time, closed
    /// days sorted once each): periods must close after they open and not overlap.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if !(5..=240).contains(&self.slot_minutes) {
            return Err(ValidationError::new("slot_minutes", Rule::SlotMinutes));
        }
        if !(1..=50).contains(&self.places_per_slot) {
            return Err(ValidationError::new("places_per_slot", Rule::PlacesPerSlot));
        }
        if self.online_places > self.places_per_slot {
            let max = i64::from(self.places_per_slot);
            return Err(ValidationError::new(
                "online_places",
                Rule::Between { min: 0, max },
            ));
        }
        if self.hours.len() > MOST_HOURS {
            let max = MOST_HOURS as i64;
            return Err(ValidationError::new("hours", Rule::Between { min: 0, max }));
        }
        if self.closed.len() > MOST_CLOSED {
            let max = MOST_CLOSED as i64;
            return Err(ValidationError::new(
                "closed",
                Rule::Between { min: 0, max },
            ));
        }
        self.hours.sort_by_key(|h| (h.day, h.opens));
        for h in &self.hours {
            if h.opens >= h.closes {
                return Err(ValidationError::new("hours", Rule::HoursInOrder));
            }
        }
        for pair in self.hours.windows(2) {
            if pair[0].day == pair[1].day && pair[1].opens < pair[0].closes {
                return Err(ValidationError::new("hours", Rule::HoursOverlap));
            }
        }
        self.closed.sort();
        self.closed.dedup();
        Ok(self)
    }

    /// Whether the service is closed all of `date` (a closed day, or no hours that day).
    pub fn closed_on(&self, date: NaiveDate) -> bool {
        let day = Day::of(date);
        self.closed.binary_search(&date).is_ok() || !self.hours.iter().any(|h| h.day == day)
    }

    /// The slots of `date`, clinic-local, in time order: each period cut from its
    /// opening every `slot_minutes`, as long as a slot ends by its closing.
    pub fn slots(&self, date: NaiveDate) -> Vec<Slot> {
        if self.closed.binary_search(&date).is_ok() {
            return Vec::new();
        }
        let day = Day::of(date);
        let step = i64::from(self.slot_minutes.clamp(5, 240)) * 60;
        let mut out = Vec::new();
        for h in self.hours.iter().filter(|h| h.day == day) {
            let close = i64::from(h.closes.num_seconds_from_midnight());
            let mut start = i64::from(h.opens.num_seconds_from_midnight());
            while start + step <= close {
                if let (Some(s), Some(e)) = (time_at(start), time_at(start + step)) {
                    out.push(Slot {
                        start: s,
                        end: e,
                        places: self.places_per_slot,
                        online_places: self.online_places.min(self.places_per_slot),
                    });
                }
                start += step;
            }
        }
        out.sort_by_key(|s| s.start);
        out.dedup_by_key(|s| s.start);
        out
    }

    /// The slot of `date` that starts at `start` (seconds aside), if the schedule has one.
    pub fn slot_at(&self, date: NaiveDate, start: NaiveTime) -> Option<Slot> {
        self.slots(date)
            .into_iter()
            .find(|s| same_minute(s.start, start))
    }
}

/// Seconds after midnight as a time of day (`None` from midnight on).
fn time_at(seconds: i64) -> Option<NaiveTime> {
    u32::try_from(seconds)
        .ok()
        .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
}

/// One slot of a day, clinic-local.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Slot {
    /// When it starts.
    #[schema(value_type = String, example = "08:15:00")]
    pub start: NaiveTime,
    /// When it ends.
    #[schema(value_type = String, example = "08:30:00")]
    pub end: NaiveTime,
    /// Patients it takes.
    pub places: u16,
    /// How many of them may be booked online.
    pub online_places: u16,
}

/// Whether two times are the same minute (seconds aside).
pub fn same_minute(a: NaiveTime, b: NaiveTime) -> bool {
    minute(a) == minute(b)
}

fn minute(t: NaiveTime) -> NaiveTime {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// The instant of clinic-local `date` `time` in `zone`: `None` when that wall-clock
/// time does not exist there (skipped by a daylight-saving change); the earlier of two
/// when it happens twice. Indonesia's zones have neither.
pub fn instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<FixedOffset>> {
    match zone.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(t) => Some(t.fixed_offset()),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.fixed_offset()),
        LocalResult::None => None,
    }
}

/// A slot placed in time: its start and end with the zone's offset, as an API shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZonedSlot {
    /// The slot as the schedule cuts it.
    pub slot: Slot,
    /// Its start, with the zone's offset at that instant.
    pub start: DateTime<FixedOffset>,
    /// Its end: the start plus the slot's length.
    pub end: DateTime<FixedOffset>,
}

/// The slots of `date` in `zone`, leaving out any whose start does not exist there.
pub fn zoned(slots: &[Slot], zone: Tz, date: NaiveDate) -> Vec<ZonedSlot> {
    slots
        .iter()
        .filter_map(|&slot| {
            let start = instant(zone, date, slot.start)?;
            let length = slot.end.signed_duration_since(slot.start);
            let end = (start + length).with_timezone(&zone).fixed_offset();
            Some(ZonedSlot { slot, start, end })
        })
        .collect()
}

/// Who books a place: the two shares of a slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The clinic's desk (or its staff on the phone): the desk share.
    #[default]
    Desk,
    /// The patient online, through the cloud: the online share.
    Online,
}

impl Channel {
    /// Whether this is the default (what bookings made before channels were).
    pub fn is_desk(&self) -> bool {
        *self == Channel::Desk
    }
}

/// A live (not cancelled) booking, or a desk place escrowed to a node, as the fill of
/// a day counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    /// The slot it is in, clinic-local.
    pub start: NaiveTime,
    /// Which share it was booked from.
    pub channel: Channel,
    /// Booked beyond the desk share, confirmed by the desk.
    pub overbooked: bool,
    /// Not a booking: a desk place escrowed to one node ([`DeskReserve`]).
    pub reserved: bool,
}

impl Held {
    /// What a live appointment holds.
    pub fn of(a: &Appointment) -> Self {
        Self {
            start: a.slot_start,
            channel: a.channel,
            overbooked: a.overbooked,
            reserved: false,
        }
    }

    /// What a desk reserve not used yet holds: one desk place.
    pub fn reserve(r: &DeskReserve) -> Self {
        Self {
            start: r.slot_start,
            channel: Channel::Desk,
            overbooked: false,
            reserved: true,
        }
    }
}

/// Desk places the booking authority escrows to each other node, per service and day,
/// unless configured otherwise (`--desk-reserve`, on a node or the cloud).
pub const DEFAULT_DESK_RESERVE: u16 = 1;

/// **A desk place escrowed to one node**, so that cut off from the clinic's booking
/// authority that node's desk can still book within capacity.
///
/// The authority makes each reserve, one desk place of one slot, for the node that asks
/// (a few a day per service, [`DeskReserve`]s not used yet counting as taken places for
/// everyone); only that node uses it — booking into it while cut off, the booking and
/// the reserve marked used (`used_by`) in one write — so a place is never counted twice
/// on the two sides of a partition. Only the authority makes one, and only the holder
/// marks one used: the latest event of a reserve wins, and its holder's use always
/// comes after the authority's making of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeskReserve {
    /// Its identity.
    #[schema(value_type = String, format = Uuid)]
    pub id: crate::ids::ReserveId,
    /// The node it is escrowed to.
    #[schema(value_type = String, format = Uuid)]
    pub holder: crate::ids::DeviceId,
    /// The service.
    #[schema(value_type = String)]
    pub service: crate::domain::ServiceCode,
    /// The clinic-local day.
    pub date: NaiveDate,
    /// The slot's clinic-local start.
    #[schema(value_type = String, example = "13:45:00")]
    pub slot_start: NaiveTime,
    /// The booking the holder made into it; none while it is still held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub used_by: Option<crate::ids::AppointmentId>,
}

/// Where the authority escrows `count` more desk places of `fills` (a day's slots): in
/// the slots ahead with the most free desk places, at most one a slot, the later of two
/// equally free first — away from the times about to be booked.
pub fn reserve_slots(fills: &[SlotFill], count: usize) -> Vec<NaiveTime> {
    let mut open: Vec<&SlotFill> = fills
        .iter()
        .filter(|f| !f.past && !f.outside_schedule && f.free_desk > 0)
        .collect();
    open.sort_by(|a, b| b.free_desk.cmp(&a.free_desk).then(b.start.cmp(&a.start)));
    open.into_iter().take(count).map(|f| f.start).collect()
}

/// How full a slot is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fullness {
    /// Places are free in the share asked about.
    Free,
    /// Every place is booked.
    Full,
    /// More live bookings than places: confirmed overbookings.
    OverCapacity,
}

/// One slot of a day and how full it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlotFill {
    /// Start of the slot, clinic-local.
    #[schema(value_type = String, example = "09:30:00")]
    pub start: NaiveTime,
    /// End of the slot, clinic-local.
    #[schema(value_type = String, example = "09:45:00")]
    pub end: NaiveTime,
    /// Patients it takes (0 for a time outside the schedule that has bookings).
    pub places: u16,
    /// How many of them are the online share.
    pub online_places: u16,
    /// Live bookings in it, both shares.
    pub booked: u16,
    /// Live online bookings in it.
    pub booked_online: u16,
    /// Live desk bookings in it, confirmed overbookings included.
    pub booked_desk: u16,
    /// Confirmed overbookings among them.
    pub overbooked: u16,
    /// Desk places escrowed to nodes and not used yet ([`DeskReserve`]): taken for
    /// every desk but the holder's.
    #[serde(default)]
    pub reserved: u16,
    /// Online places still free.
    pub free_online: u16,
    /// Desk places still free.
    pub free_desk: u16,
    /// Free, full or over capacity, whole slot.
    pub fullness: Fullness,
    /// A time with bookings that the schedule no longer has (it changed after they
    /// were made): they keep their time.
    pub outside_schedule: bool,
    /// Whether it has begun before the current minute: it takes no booking.
    pub past: bool,
}

impl SlotFill {
    /// The free places of `channel`'s share.
    pub fn free(&self, channel: Channel) -> u16 {
        match channel {
            Channel::Desk => self.free_desk,
            Channel::Online => self.free_online,
        }
    }
}

/// The slots of `date` with their fill as seen at clinic-local `now`: the schedule's
/// slots, and any other time somebody holds a booking at (shown outside the schedule),
/// in time order.
pub fn fill(
    schedule: &Schedule,
    date: NaiveDate,
    now: NaiveDateTime,
    held: &[Held],
) -> Vec<SlotFill> {
    let mut slots = schedule.slots(date);
    let length = Duration::minutes(i64::from(schedule.slot_minutes));
    let mut outside = Vec::new();
    for h in held {
        let start = minute(h.start);
        if !slots.iter().any(|s| s.start == start)
            && !outside.iter().any(|s: &Slot| s.start == start)
        {
            outside.push(Slot {
                start,
                end: start.overflowing_add_signed(length).0,
                places: 0,
                online_places: 0,
            });
        }
    }
    let scheduled = slots.len();
    slots.extend(outside);
    let mut out: Vec<SlotFill> = slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| count(slot, i >= scheduled, date, now, held))
        .collect();
    out.sort_by_key(|s| s.start);
    out
}

fn count(
    slot: Slot,
    outside: bool,
    date: NaiveDate,
    now: NaiveDateTime,
    held: &[Held],
) -> SlotFill {
    let here = || held.iter().filter(|h| same_minute(h.start, slot.start));
    let booked_online = here().filter(|h| h.channel == Channel::Online).count() as u16;
    let booked_desk = here().filter(|h| h.channel == Channel::Desk).count() as u16;
    let overbooked = here().filter(|h| h.overbooked).count() as u16;
    let reserved = here().filter(|h| h.reserved).count() as u16;
    let booked_desk = booked_desk - reserved;
    let booked = booked_online + booked_desk;
    // Each share counts its own bookings only: a confirmed overbooking at the desk
    // never takes an online place, and fills a desk place that is given back later.
    // A reserve takes a desk place like a booking.
    let free_online = slot.online_places.saturating_sub(booked_online);
    let free_desk = (slot.places - slot.online_places).saturating_sub(booked_desk + reserved);
    let fullness = if booked + reserved > slot.places {
        Fullness::OverCapacity
    } else if booked + reserved == slot.places {
        Fullness::Full
    } else {
        Fullness::Free
    };
    SlotFill {
        start: slot.start,
        end: slot.end,
        places: slot.places,
        online_places: slot.online_places,
        booked,
        booked_online,
        booked_desk,
        overbooked,
        reserved,
        free_online,
        free_desk,
        fullness,
        outside_schedule: outside,
        past: is_past(date, slot.start, now),
    }
}

/// A slot is past once a minute after its start has begun.
fn is_past(date: NaiveDate, start: NaiveTime, now: NaiveDateTime) -> bool {
    Some(date.and_time(minute(start))) < now.with_second(0).and_then(|t| t.with_nanosecond(0))
}

/// How a booking the rule let through stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Within its share's places.
    Within,
    /// Beyond the desk share, as the desk confirmed: the booking is marked overbooked.
    Overbooked,
}

/// Why a slot cannot be taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotRefusal {
    /// The schedule has no slot at that time of that day (closed, or outside the hours).
    #[error("the service takes no booking at this time")]
    NotInSchedule,
    /// The day is over, or the slot started before the current minute.
    #[error("this time has already passed in the clinic")]
    Past,
    /// Every place of the share is booked.
    #[error("every place in this slot is booked ({places} of {places})")]
    Full {
        /// Places of the share asked for.
        places: u16,
    },
}

/// **The capacity rule**: whether a booking from `channel`'s share may take `slot`
/// (as [`fill`] counts it, without the booking being moved), and how it stands.
/// Online takes only free online places; the desk takes free desk places, or, with
/// `confirm_overbooking`, a place beyond them (never online's: those stay the cloud's).
pub fn may_book(
    slot: &SlotFill,
    channel: Channel,
    confirm_overbooking: bool,
) -> Result<Placement, SlotRefusal> {
    if slot.outside_schedule {
        return Err(SlotRefusal::NotInSchedule);
    }
    if slot.past {
        return Err(SlotRefusal::Past);
    }
    if slot.free(channel) > 0 {
        return Ok(Placement::Within);
    }
    match channel {
        Channel::Desk if confirm_overbooking => Ok(Placement::Overbooked),
        Channel::Desk => Err(SlotRefusal::Full {
            places: slot.places - slot.online_places,
        }),
        Channel::Online => Err(SlotRefusal::Full {
            places: slot.online_places,
        }),
    }
}

/// The fill of the slot at `date` `start`, or the refusal for a time the schedule does
/// not have: what a booking checks with [`may_book`].
pub fn slot_fill(
    schedule: &Schedule,
    date: NaiveDate,
    start: NaiveTime,
    now: NaiveDateTime,
    held: &[Held],
) -> Result<SlotFill, SlotRefusal> {
    let slot = schedule
        .slot_at(date, start)
        .ok_or(SlotRefusal::NotInSchedule)?;
    Ok(count(slot, false, date, now, held))
}

#[cfg(test)]
mod tests;
