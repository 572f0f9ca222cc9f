use super::*;
use crate::appointment::SlotRules;

fn t(hm: &str) -> NaiveTime {
    NaiveTime::parse_from_str(hm, "%H:%M").unwrap()
}

fn day(d: &str) -> NaiveDate {
    d.parse().unwrap()
}

fn hours(day: Day, opens: &str, closes: &str) -> Hours {
    Hours {
        day,
        opens: t(opens),
        closes: t(closes),
    }
}

fn every_day(opens: &str, closes: &str) -> Vec<Hours> {
    Day::ALL.iter().map(|&d| hours(d, opens, closes)).collect()
}

fn schedule(hours: Vec<Hours>, slot_minutes: u16) -> Schedule {
    Schedule {
        hours,
        slot_minutes,
        places_per_slot: 4,
        online_places: 2,
        closed: vec![],
        practitioner: None,
    }
}

/// The slots of a day in a zone, as `HH:MM±hh:mm–HH:MM±hh:mm` strings, and how many.
fn seen(s: &Schedule, zone: Tz, date: &str) -> (usize, String, String) {
    let zs = zoned(&s.slots(day(date)), zone, day(date));
    let show = |z: &ZonedSlot| {
        format!(
            "{}–{}",
            z.start.format("%H:%M%:z"),
            z.end.format("%H:%M%:z")
        )
    };
    (
        zs.len(),
        zs.first().map(show).unwrap_or_default(),
        zs.last().map(show).unwrap_or_default(),
    )
}

#[test]
fn slots_of_a_day_as_a_table_of_cases() {
    use chrono_tz::{America, Asia, Europe};
    let demo = Schedule::demo();
    let mut holiday = Schedule::demo();
    holiday.closed = vec![day("2026-12-25")];
    let split = schedule(
        vec![
            hours(Day::Mon, "13:00", "15:00"),
            hours(Day::Mon, "08:00", "12:00"),
        ],
        60,
    );
    #[rustfmt::skip]
    let cases: &[(&str, &Schedule, Tz, &str, usize, &str, &str)] = &[
        // what                               schedule   zone              date          n   first                last
        ("a Monday in WIB",                   &demo,     Asia::Jakarta,    "2026-12-07", 24, "08:00+07:00–08:15+07:00", "13:45+07:00–14:00+07:00"),
        ("the same in WITA",                  &demo,     Asia::Makassar,   "2026-12-07", 24, "08:00+08:00–08:15+08:00", "13:45+08:00–14:00+08:00"),
        ("the same in WIT",                   &demo,     Asia::Jayapura,   "2026-12-07", 24, "08:00+09:00–08:15+09:00", "13:45+09:00–14:00+09:00"),
        ("a Saturday is open",                &demo,     Asia::Jakarta,    "2026-12-12", 24, "08:00+07:00–08:15+07:00", "13:45+07:00–14:00+07:00"),
        ("Sunday has no hours",               &demo,     Asia::Jakarta,    "2026-12-13", 0,  "", ""),
        ("a closed day (Christmas)",          &holiday,  Asia::Jakarta,    "2026-12-25", 0,  "", ""),
        ("the day after it is open",          &holiday,  Asia::Jakarta,    "2026-12-26", 24, "08:00+07:00–08:15+07:00", "13:45+07:00–14:00+07:00"),
        ("two periods, in time order",        &split,    Asia::Jakarta,    "2026-12-07", 6,  "08:00+07:00–09:00+07:00", "14:00+07:00–15:00+07:00"),
        ("a period on another day only",      &split,    Asia::Jakarta,    "2026-12-08", 0,  "", ""),
        // Berlin skips 02:00–03:00 on 29 March 2026: no slot starts in the gap, and the
        // 01:00 slot ends an hour later in real time, at 03:00 summer time.
        ("a daylight-saving gap",             &schedule(every_day("01:00", "04:00"), 60), Europe::Berlin, "2026-03-29", 2, "01:00+01:00–03:00+02:00", "03:00+02:00–04:00+02:00"),
        // New York repeats 01:00–02:00 on 1 November 2026: the earlier one counts.
        ("a repeated hour",                   &schedule(every_day("01:00", "02:00"), 30), America::New_York, "2026-11-01", 2, "01:00-04:00–01:30-04:00", "01:30-04:00–01:00-05:00"),
    ];
    for (what, s, zone, date, n, first, last) in cases {
        assert_eq!(
            seen(s, *zone, date),
            (*n, first.to_string(), last.to_string()),
            "{what}"
        );
    }
}

#[test]
fn a_slot_length_that_does_not_divide_the_day_ends_with_the_last_that_fits() {
    #[rustfmt::skip]
    let cases: &[(u16, &str, &str, usize, &str)] = &[
        // minutes opens    closes   slots  last slot
        (15,      "08:00", "14:00", 24,    "13:45–14:00"),
        (25,      "08:00", "14:00", 14,    "13:25–13:50"),
        (45,      "08:00", "10:00", 2,     "08:45–09:30"),
        (40,      "07:30", "08:00", 0,     ""),
        (240,     "08:00", "16:00", 2,     "12:00–16:00"),
        (5,       "23:50", "23:59", 1,     "23:50–23:55"),
    ];
    for (minutes, opens, closes, n, last) in cases {
        let s = schedule(every_day(opens, closes), *minutes);
        let slots = s.slots(day("2026-12-07"));
        let shown = slots
            .last()
            .map(|s| format!("{}–{}", s.start.format("%H:%M"), s.end.format("%H:%M")))
            .unwrap_or_default();
        assert_eq!(
            (slots.len(), shown.as_str()),
            (*n, *last),
            "{minutes} minutes from {opens} to {closes}"
        );
    }
}

fn held(start: &str, channel: Channel, overbooked: bool) -> Held {
    Held {
        start: t(start),
        channel,
        overbooked,
        reserved: false,
    }
}

#[test]
fn a_schedule_changed_after_bookings_keeps_them_at_their_time_outside_it() {
    let date = day("2026-12-07");
    let now = day("2026-12-01").and_time(t("10:00"));
    // Booked at 08:30 and 08:45 under the demo schedule; the service now opens at 09:00
    // with 30-minute slots, so 08:30 and 08:45 are no longer slots, 09:00 still is.
    let bookings = [
        held("08:30", Channel::Online, false),
        held("08:45", Channel::Desk, false),
        held("09:00", Channel::Desk, false),
    ];
    let changed = schedule(every_day("09:00", "11:00"), 30);
    let fill = fill(&changed, date, now, &bookings);
    let shown: Vec<String> = fill
        .iter()
        .map(|s| {
            let outside = if s.outside_schedule { " outside" } else { "" };
            format!(
                "{} {}/{}{outside}",
                s.start.format("%H:%M"),
                s.booked,
                s.places
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            "08:30 1/0 outside",
            "08:45 1/0 outside",
            "09:00 1/4",
            "09:30 0/4",
            "10:00 0/4",
            "10:30 0/4"
        ]
    );
    // Nobody books into a time the schedule no longer has.
    let outside = &fill[0];
    assert_eq!(
        may_book(outside, Channel::Desk, true),
        Err(SlotRefusal::NotInSchedule)
    );
    assert_eq!(
        slot_fill(&changed, date, t("08:30"), now, &bookings),
        Err(SlotRefusal::NotInSchedule)
    );
}

/// A slot start, the bookings held, the share asked for, whether the desk confirms an
/// overbooking, and the rule's answer.
type Case<'a> = (
    &'a str,
    &'a [Held],
    Channel,
    bool,
    Result<Placement, SlotRefusal>,
);

#[test]
fn the_capacity_rule() {
    let s = Schedule::demo(); // 4 places, 2 online
    let date = day("2026-12-07");
    let now = date.and_time(t("09:15")) + Duration::seconds(30);
    use Channel::{Desk, Online};
    #[rustfmt::skip]
    let cases: &[Case] = &[
        // slot    booked                                                       share   confirm  expect
        ("09:30", &[],                                                          Online, false, Ok(Placement::Within)),
        ("09:30", &[held("09:30", Online, false)],                              Online, false, Ok(Placement::Within)),
        ("09:30", &[held("09:30", Online, false), held("09:30", Online, false)], Online, false, Err(SlotRefusal::Full { places: 2 })),
        // The desk's share is its own: a full online share leaves the desk's free.
        ("09:30", &[held("09:30", Online, false), held("09:30", Online, false)], Desk,   false, Ok(Placement::Within)),
        ("09:30", &[held("09:30", Desk, false), held("09:30", Desk, false)],    Desk,   false, Err(SlotRefusal::Full { places: 2 })),
        ("09:30", &[held("09:30", Desk, false), held("09:30", Desk, false)],    Online, false, Ok(Placement::Within)),
        // Beyond the desk's share only with the desk's confirmation, and never online.
        ("09:30", &[held("09:30", Desk, false), held("09:30", Desk, false)],    Desk,   true,  Ok(Placement::Overbooked)),
        ("09:30", &[held("09:30", Online, false), held("09:30", Online, false)], Online, true,  Err(SlotRefusal::Full { places: 2 })),
        // An overbooking fills the desk place a cancellation gives back.
        ("09:30", &[held("09:30", Desk, false), held("09:30", Desk, true)],     Desk,   false, Err(SlotRefusal::Full { places: 2 })),
        // Bookings of other slots do not count.
        ("09:45", &[held("09:30", Desk, false), held("09:30", Desk, false)],    Desk,   false, Ok(Placement::Within)),
        ("09:15", &[],                                                          Desk,   false, Ok(Placement::Within)), // this minute still counts
        ("09:00", &[],                                                          Desk,   true,  Err(SlotRefusal::Past)),
        ("09:10", &[],                                                          Online, false, Err(SlotRefusal::NotInSchedule)), // not a slot start
    ];
    for (start, booked, channel, confirm, expect) in cases {
        let got = slot_fill(&s, date, t(start), now, booked)
            .and_then(|f| may_book(&f, *channel, *confirm));
        assert_eq!(
            &got, expect,
            "{channel:?} at {start} with {booked:?}, confirm {confirm}"
        );
    }
}

#[test]
fn a_confirmed_overbooking_is_what_puts_a_slot_over_capacity() {
    let s = Schedule::demo();
    let date = day("2026-12-07");
    let now = day("2026-12-01").and_time(t("10:00"));
    let mut booked = vec![
        held("08:00", Channel::Online, false),
        held("08:00", Channel::Online, false),
        held("08:00", Channel::Desk, false),
        held("08:00", Channel::Desk, false),
    ];
    let full = slot_fill(&s, date, t("08:00"), now, &booked).unwrap();
    assert_eq!(
        (full.fullness, full.free_online, full.free_desk),
        (Fullness::Full, 0, 0)
    );
    booked.push(held("08:00", Channel::Desk, true));
    let over = slot_fill(&s, date, t("08:00"), now, &booked).unwrap();
    assert_eq!(
        (over.fullness, over.booked, over.overbooked),
        (Fullness::OverCapacity, 5, 1)
    );
}

#[test]
fn schedules_out_of_range_are_refused_and_others_put_in_order() {
    let ok = Schedule::demo();
    assert_eq!(ok.clone().validate(), Ok(ok.clone()));
    let with = |f: &dyn Fn(&mut Schedule)| {
        let mut s = ok.clone();
        f(&mut s);
        s.validate().map_err(|e| (e.field, e.rule))
    };
    assert_eq!(
        with(&|s| s.slot_minutes = 4),
        Err(("slot_minutes", Rule::SlotMinutes))
    );
    assert_eq!(
        with(&|s| s.places_per_slot = 51),
        Err(("places_per_slot", Rule::PlacesPerSlot))
    );
    assert_eq!(
        with(&|s| s.online_places = 5),
        Err(("online_places", Rule::Between { min: 0, max: 4 }))
    );
    assert_eq!(
        with(&|s| s.hours = vec![hours(Day::Mon, "14:00", "08:00")]),
        Err(("hours", Rule::HoursInOrder))
    );
    assert_eq!(
        with(&|s| s.hours = vec![
            hours(Day::Mon, "08:00", "12:00"),
            hours(Day::Mon, "11:00", "13:00")
        ]),
        Err(("hours", Rule::HoursOverlap))
    );
    // The same hours on different days are fine; order and repeats are tidied.
    let tidy = with(&|s| {
        s.hours = vec![
            hours(Day::Tue, "08:00", "12:00"),
            hours(Day::Mon, "08:00", "12:00"),
        ];
        s.closed = vec![day("2026-12-25"), day("2026-12-24"), day("2026-12-25")];
    })
    .unwrap();
    assert_eq!(tidy.hours[0].day, Day::Mon);
    assert_eq!(tidy.closed, [day("2026-12-24"), day("2026-12-25")]);
}

#[test]
fn a_service_without_a_schedule_keeps_its_slot_rules_every_day() {
    let rules = SlotRules {
        slot_minutes: 30,
        places_per_slot: 2,
        opens: t("08:00"),
        closes: t("10:00"),
    };
    let s = Schedule::from_rules(&rules);
    // A Sunday too, and nothing online.
    let slots = s.slots(day("2026-12-13"));
    assert_eq!(slots.len(), 4);
    assert!(slots.iter().all(|s| s.places == 2 && s.online_places == 0));
}

#[test]
fn schedules_read_as_json() {
    let json = r#"{"hours":[{"day":"mon","opens":"08:00:00","closes":"12:00:00"}],
        "slot_minutes":20,"places_per_slot":3,"online_places":1,"closed":["2026-12-25"]}"#;
    let s: Schedule = serde_json::from_str(json).unwrap();
    assert_eq!(
        (s.hours[0].day, s.slot_minutes, s.online_places),
        (Day::Mon, 20, 1)
    );
    // Unknown fields are refused, not dropped.
    assert!(serde_json::from_str::<Schedule>(&json.replace("\"closed\"", "\"holidays\"")).is_err());
}

fn reserve_at(start: &str) -> Held {
    Held {
        reserved: true,
        ..held(start, Channel::Desk, false)
    }
}

#[test]
fn a_desk_reserve_takes_a_desk_place_for_every_desk_but_leaves_online_alone() {
    let s = Schedule::demo(); // 4 places, 2 online, 2 desk
    let date = day("2026-12-07");
    let now = day("2026-12-01").and_time(t("10:00"));
    let fill = |held: &[Held]| slot_fill(&s, date, t("08:00"), now, held).unwrap();
    let one = fill(&[reserve_at("08:00")]);
    assert_eq!(
        (
            one.booked,
            one.booked_desk,
            one.reserved,
            one.free_desk,
            one.free_online
        ),
        (0, 0, 1, 1, 2),
        "a reserve is no booking, but its place is taken"
    );
    let full = fill(&[reserve_at("08:00"), held("08:00", Channel::Desk, false)]);
    assert_eq!((full.free_desk, full.fullness), (0, Fullness::Free));
    assert_eq!(
        may_book(&full, Channel::Desk, false),
        Err(SlotRefusal::Full { places: 2 })
    );
    assert_eq!(
        may_book(&full, Channel::Online, false),
        Ok(Placement::Within)
    );
    let whole = fill(&[
        reserve_at("08:00"),
        held("08:00", Channel::Desk, false),
        held("08:00", Channel::Online, false),
        held("08:00", Channel::Online, false),
    ]);
    assert_eq!(whole.fullness, Fullness::Full);
}

#[test]
fn reserves_go_to_the_freest_slots_ahead_the_later_first() {
    let s = Schedule::demo(); // 08:00–14:00, 15 minutes, 2 desk places
    let date = day("2026-12-07");
    let now = date.and_time(t("12:50"));
    let mut held = vec![held("13:45", Channel::Desk, false)];
    held.push(reserve_at("13:30"));
    let fills = fill(&s, date, now, &held);
    // Ahead: 13:00, 13:15 (2 free each), 13:30 and 13:45 (1 free each).
    assert_eq!(reserve_slots(&fills, 1), [t("13:15")]);
    assert_eq!(
        reserve_slots(&fills, 3),
        [t("13:15"), t("13:00"), t("13:45")]
    );
    assert_eq!(
        reserve_slots(&fills, 10).len(),
        4,
        "at most one a slot, none past"
    );
    let closed = fill(&s, day("2026-12-06"), now, &[]); // a Sunday
    assert!(reserve_slots(&closed, 2).is_empty());
}
