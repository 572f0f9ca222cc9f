use super::*;
use crate::domain::{Appointment, VisitStep};
use crate::ids::{AppointmentId, TicketId, VisitId};
use crate::ticket::{AppointmentSlot, Issue, TicketChange, step};
use chrono::{NaiveTime, TimeZone};
use uuid::Uuid;

const DAY: &str = "2026-12-03"; // a Thursday

fn day() -> NaiveDate {
    DAY.parse().unwrap()
}

/// `hh:mm` on [`DAY`] in Jakarta (WIB, UTC+7), in ms since the epoch.
fn at(hm: &str) -> i64 {
    let t = NaiveTime::parse_from_str(hm, "%H:%M").unwrap();
    chrono_tz::Asia::Jakarta
        .from_local_datetime(&day().and_time(t))
        .unwrap()
        .timestamp_millis()
}

fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(n))
}

const DESK: Actor = Actor::Staff(UserId(Uuid::from_u128(1)));
const DOCTOR: Actor = Actor::Staff(UserId(Uuid::from_u128(2)));
const ANALYST: Actor = Actor::Staff(UserId(Uuid::from_u128(3)));

fn service(code: &str, target: u16, steps: &[&str]) -> Service {
    Service {
        code: ServiceCode::parse(code).unwrap(),
        name_id: format!("Layanan {code}"),
        name_en: format!("Service {code}"),
        active: true,
        slots: Default::default(),
        schedule: None,
        steps: steps
            .iter()
            .map(|s| VisitStep::new(s, s, s).unwrap())
            .collect(),
        target_wait_minutes: target,
    }
}

/// A ticket's issue, for [`walk`].
struct Start<'a> {
    service: &'a str,
    at: &'a str,
    step: Option<&'a str>,
    estimate: Option<u32>,
    visit: VisitId,
    appointment: Option<AppointmentId>,
}

fn start<'a>(service: &'a str, at: &'a str) -> Start<'a> {
    Start {
        service,
        at,
        step: None,
        estimate: None,
        visit: VisitId::random(),
        appointment: None,
    }
}

/// A ticket issued as `s` says, then taken through `steps`: `(what, who, hh:mm)`, where
/// `what` is `call <counter>`, `serve`, `complete`, `no-show`, `requeue`, `cancel`,
/// `advance <step>` or `transfer <service>`.
fn walk(s: Start<'_>, steps: &[(&str, Actor, &str)]) -> Ticket {
    let id = TicketId::random();
    let issue = Issue {
        service: ServiceCode::parse(s.service).unwrap(),
        label: format!("{}-001", s.service),
        day: day(),
        priority: None,
        visit: s.visit,
        appointment: s.appointment.map(|id| AppointmentSlot {
            id,
            slot_start_ms: 0,
        }),
        patient: None,
        transferred_from: None,
        start_step: s.step.map(|s| StepId::parse(s).unwrap()),
        estimated_wait_seconds: s.estimate,
    };
    let mut t = step(
        None,
        id,
        &TicketChange::Issued(issue),
        Actor::System,
        at(s.at),
    )
    .unwrap();
    for (what, who, when) in steps {
        let (verb, arg) = what.split_once(' ').unwrap_or((what, ""));
        let change = match verb {
            "call" => TicketChange::Called {
                counter: CounterId::parse(arg).unwrap(),
            },
            "serve" => TicketChange::Served,
            "complete" => TicketChange::Completed,
            "no-show" => TicketChange::NoShow,
            "requeue" => TicketChange::Requeued,
            "cancel" => TicketChange::Cancelled { reason: None },
            "advance" => TicketChange::Advanced {
                to: StepId::parse(arg).unwrap(),
                label: None,
            },
            "transfer" => TicketChange::Transferred {
                to: TicketId::random(),
                service: ServiceCode::parse(arg).unwrap(),
            },
            other => panic!("unknown step {other}"),
        };
        t = step(Some(&t), id, &change, *who, at(when)).unwrap();
    }
    t
}

fn appointment(id: AppointmentId, date: &str, slot: &str, cancelled: bool) -> AppointmentState {
    AppointmentState {
        appointment: Appointment {
            id,
            code: "K7M3QX".into(),
            patient: None,
            service: ServiceCode::parse("L").unwrap(),
            date: date.parse().unwrap(),
            slot_start: NaiveTime::parse_from_str(slot, "%H:%M").unwrap(),
            slot_minutes: 15,
            channel: Default::default(),
            overbooked: false,
            consent_messages: false,
        },
        cancelled: cancelled.then(String::new),
    }
}

/// A small day at the clinic whose figures are worked out by hand below.
struct History {
    tickets: Vec<ReportTicket>,
    appointments: Vec<AppointmentState>,
    services: Vec<Service>,
    staff: Vec<StaffUser>,
}

fn history() -> History {
    let checked_in = AppointmentId(Uuid::from_u128(10));
    let transfer_visit = VisitId::random();
    let tickets = vec![
        // Lab (one step, target 60 min). Waits 5, 20, 90, -, 5, 45 min.
        walk(
            Start {
                estimate: Some(240),
                ..start("L", "08:00")
            },
            &[
                ("call lab", ANALYST, "08:05"),
                ("serve", ANALYST, "08:06"),
                ("complete", ANALYST, "08:16"), // 10 min from the serve
            ],
        ),
        walk(
            Start {
                estimate: Some(1500),
                ..start("L", "08:10")
            },
            &[
                ("call lab", ANALYST, "08:30"),
                ("complete", ANALYST, "08:35"), // straight from the call: 5 min
            ],
        ),
        walk(
            Start {
                appointment: Some(checked_in),
                ..start("L", "09:00")
            },
            &[
                ("call lab", ANALYST, "10:30"), // the wait ends here, at 90 min
                ("no-show", ANALYST, "10:32"),
                ("requeue", DESK, "10:35"),
                ("call lab", ANALYST, "10:40"),
                ("serve", ANALYST, "10:41"),
                ("complete", ANALYST, "10:51"), // 10 min
            ],
        ),
        walk(start("L", "09:30"), &[("cancel", DESK, "09:40")]),
        walk(
            start("L", "10:15"),
            &[
                ("call lab", ANALYST, "10:20"),
                ("no-show", ANALYST, "10:22"),
            ],
        ),
        walk(
            Start {
                visit: transfer_visit,
                ..start("L", "11:00")
            },
            &[
                ("call lab", ANALYST, "11:45"),
                ("transfer F", ANALYST, "11:50"),
            ],
        ),
        // Its continuation at the pharmacy, issued at the transfer: waits 10 min.
        walk(
            Start {
                visit: transfer_visit,
                ..start("F", "11:50")
            },
            &[
                ("call farmasi", Actor::System, "12:00"),
                ("serve", Actor::System, "12:01"),
                ("complete", Actor::System, "12:04"), // 3 min, by no staff member
            ],
        ),
        // Poli Umum (target 30 min): registration, then the room.
        walk(
            Start {
                step: Some("registration"),
                estimate: Some(0),
                ..start("A", "08:20")
            },
            &[
                ("call loket-1", DESK, "08:25"),
                ("serve", DESK, "08:26"),
                ("advance room", DESK, "08:30"), // registration: 4 min
                ("call ruang-umum", DOCTOR, "08:50"),
                ("complete", DOCTOR, "09:05"), // the room: 15 min from the call
            ],
        ),
    ];
    let staff = [(1, "desk"), (2, "doctor"), (3, "analis")]
        .into_iter()
        .map(|(n, name)| StaffUser {
            id: user(n),
            username: name.into(),
            display_name: name.into(),
            role: crate::domain::StaffRole::Desk,
            password_hash: String::new(),
            active: true,
            must_change_password: false,
        })
        .collect();
    History {
        tickets: Vec::new(),
        appointments: vec![
            appointment(checked_in, DAY, "09:00", false),
            appointment(AppointmentId(Uuid::from_u128(11)), DAY, "09:15", true),
            appointment(AppointmentId(Uuid::from_u128(12)), DAY, "10:00", false),
            appointment(AppointmentId(Uuid::from_u128(13)), DAY, "13:00", false),
            // Another day: not in the report.
            appointment(
                AppointmentId(Uuid::from_u128(14)),
                "2026-12-04",
                "09:00",
                false,
            ),
        ],
        services: vec![
            service("A", 30, &["registration", "room"]),
            service("F", 60, &[]),
            service("L", 60, &[]),
        ],
        staff,
    }
    .with_tickets(tickets)
}

impl History {
    fn with_tickets(mut self, tickets: Vec<Ticket>) -> Self {
        self.tickets = tickets.iter().map(ReportTicket::from).collect();
        self
    }
}

fn report(h: &History, tz: Tz) -> Summary {
    summary(&ReportInput {
        tickets: &h.tickets,
        appointments: &h.appointments,
        services: &h.services,
        staff: &h.staff,
        time_zone: tz,
        from: day(),
        to: day(),
        now_ms: at("12:30"),
    })
}

fn row<'a>(s: &'a Summary, code: &str) -> &'a ServiceFigures {
    s.per_service
        .iter()
        .find(|r| r.service.as_ref().map(|c| c.as_str()) == Some(code))
        .unwrap()
}

#[test]
fn nearest_rank_percentiles_by_hand() {
    #[rustfmt::skip]
    let cases: &[(&[i64], u32, Option<i64>)] = &[
        (&[], 50, None),
        (&[7], 50, Some(7)),
        (&[7], 90, Some(7)),
        (&[1, 2, 3, 4], 50, Some(2)),       // rank ⌈2⌉ = 2
        (&[1, 2, 3, 4], 90, Some(4)),       // rank ⌈3.6⌉ = 4
        (&[1, 2, 3, 4, 5], 50, Some(3)),    // rank ⌈2.5⌉ = 3
        (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, Some(9)), // rank 9 exactly
        (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 100, Some(10)),
        (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0, Some(1)),
    ];
    for (sorted, p, expect) in cases {
        assert_eq!(nearest_rank(sorted, *p), *expect, "p{p} of {sorted:?}");
    }
}

#[test]
fn a_small_day_gives_the_figures_worked_out_by_hand() {
    let h = history();
    let s = report(&h, chrono_tz::Asia::Jakarta);

    // Lab: waits 5, 20, 90, 5, 45 min (the cancelled ticket was never called), sorted
    // 300, 300, 1200, 2700, 5400 s: p50 is rank 3, p90 rank 5. Within 60 min: 4 of 5.
    let lab = row(&s, "L");
    assert_eq!(
        (
            lab.issued,
            lab.served,
            lab.no_show,
            lab.cancelled,
            lab.transferred,
            lab.called
        ),
        (6, 4, 1, 1, 1, 5)
    );
    assert_eq!(
        (lab.wait_p50_s, lab.wait_p90_s, lab.wait_max_s),
        (Some(1200), Some(5400), Some(5400))
    );
    assert_eq!(lab.within_target_ratio, Some(0.8));
    // Service times 10, 5, 10 min: p50 rank 2 (600), p90 rank 3 (600).
    assert_eq!(
        (lab.service_p50_s, lab.service_p90_s),
        (Some(600), Some(600))
    );
    // 5, 5, 20 and 45 min in their ten-minute buckets, 90 in 80–90.
    assert_eq!(lab.wait_histogram, [2, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(lab.target_wait_minutes, Some(60));

    // The pharmacy: the transfer's continuation, waiting from the transfer.
    let pharmacy = row(&s, "F");
    assert_eq!((pharmacy.issued, pharmacy.served), (1, 1));
    assert_eq!(
        (pharmacy.wait_p50_s, pharmacy.service_p50_s),
        (Some(600), Some(180))
    );

    // Poli Umum: one wait of 5 min (to the loket's call, not the room's), two service
    // times, one per step: 4 and 15 min.
    let poli = row(&s, "A");
    assert_eq!((poli.issued, poli.served, poli.called), (1, 1, 1));
    assert_eq!(poli.wait_max_s, Some(300));
    assert_eq!(
        (poli.service_p50_s, poli.service_p90_s),
        (Some(240), Some(900))
    );
    assert_eq!(poli.within_target_ratio, Some(1.0));

    // The whole clinic: waits 300, 300, 300, 600, 1200, 2700, 5400 (p50 rank 4, p90
    // rank 7); each against its own service's target: 6 of 7 within.
    let all = &s.whole_clinic;
    assert_eq!(all.service, None);
    assert_eq!((all.issued, all.served, all.called), (8, 6, 7));
    assert_eq!((all.wait_p50_s, all.wait_p90_s), (Some(600), Some(5400)));
    assert_eq!(all.within_target_ratio, Some(6.0 / 7.0));
    // Service times 180, 240, 300, 600, 600, 900: p50 rank 3, p90 rank 6.
    assert_eq!(
        (all.service_p50_s, all.service_p90_s),
        (Some(300), Some(900))
    );
    assert_eq!(s.visits, 7);

    // Issued per WIB hour: 08 three, 09 two, 10 one, 11 two; a Thursday.
    let mut hours = vec![0; 24];
    for (hour, n) in [(8, 3), (9, 2), (10, 1), (11, 2)] {
        hours[hour] = n;
    }
    assert_eq!(s.by_hour, hours);
    assert_eq!(s.heat_map.len(), 7);
    assert_eq!(s.heat_map[3], hours);
    assert!(
        s.heat_map
            .iter()
            .enumerate()
            .all(|(d, r)| d == 3 || r.iter().all(|n| *n == 0))
    );

    let counters: Vec<(&str, u32, Option<f64>)> = s
        .per_counter
        .iter()
        .map(|c| (c.counter.as_str(), c.served, c.mean_service_s))
        .collect();
    assert_eq!(
        counters,
        [
            ("farmasi", 1, Some(180.0)),
            ("lab", 3, Some(500.0)),
            ("loket-1", 1, Some(240.0)),
            ("ruang-umum", 1, Some(900.0)),
        ]
    );
    // Staff by who served: the pharmacy's step was the system's and names nobody.
    let staff: Vec<(Option<&str>, u32, Option<f64>)> = s
        .per_staff
        .iter()
        .map(|f| (f.username.as_deref(), f.served, f.mean_service_s))
        .collect();
    assert_eq!(
        staff,
        [
            (Some("desk"), 1, Some(240.0)),
            (Some("doctor"), 1, Some(900.0)),
            (Some("analis"), 3, Some(500.0)),
        ]
    );
    let steps: Vec<(&str, Option<&str>, u32)> = s
        .per_step
        .iter()
        .map(|f| {
            (
                f.service.as_str(),
                f.step.as_ref().map(|s| s.as_str()),
                f.served,
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("A", Some("registration"), 1),
            ("A", Some("room"), 1),
            ("F", None, 1),
            ("L", None, 3)
        ]
    );

    // Of four bookings of the day: one cancelled, one checked in, the 10:00 one missed
    // by 12:30, the 13:00 one still to come.
    assert_eq!(
        s.appointments,
        AppointmentFigures {
            booked: 4,
            cancelled: 1,
            checked_in: 1,
            missed: 1,
            upcoming: 1
        }
    );
    // Estimated 240, 1500 and 0 s against waits of 300, 1200 and 300: errors 60, 300,
    // 300.
    assert_eq!((s.estimate_mae_s, s.estimate_samples), (Some(220.0), 3));
}

#[test]
fn the_figures_do_not_depend_on_the_order_and_other_days_are_left_out() {
    let mut h = history();
    let before = report(&h, chrono_tz::Asia::Jakarta);
    h.tickets.reverse();
    h.appointments.reverse();
    let mut next_day = walk(start("L", "23:30"), &[]);
    next_day.issue.day = "2026-12-04".parse().unwrap();
    h.tickets.push(ReportTicket::from(&next_day));
    assert_eq!(report(&h, chrono_tz::Asia::Jakarta), before);
}

#[test]
fn hours_are_the_clinics_own() {
    // The same moments seen from a WITA clinic (UTC+8) fall an hour later.
    let s = report(&history(), chrono_tz::Asia::Makassar);
    assert_eq!((s.by_hour[8], s.by_hour[9], s.by_hour[12]), (0, 3, 2));
    assert_eq!(s.time_zone, "Asia/Makassar");
}

#[test]
fn a_report_covers_at_most_400_days_in_order() {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    assert_eq!(check_range(d("2026-01-01"), d("2026-01-01")), Ok(()));
    // 2026-01-01 to 2027-02-04 is 400 days, inclusive.
    assert_eq!(check_range(d("2026-01-01"), d("2027-02-04")), Ok(()));
    let too_long = check_range(d("2026-01-01"), d("2027-02-05")).unwrap_err();
    assert_eq!(too_long.to_string(), "to: a report covers at most 400 days");
    let backwards = check_range(d("2026-02-01"), d("2026-01-31")).unwrap_err();
    assert_eq!(backwards.field, "from");
    assert_eq!(backwards.rule, Rule::DateOrder);
}

#[test]
fn old_states_without_the_new_fields_still_read_and_report() {
    // A ticket folded before the first call and the server were kept: its wait ends at
    // its (last) call.
    let t = walk(
        start("L", "08:00"),
        &[
            ("call lab", ANALYST, "08:07"),
            ("complete", ANALYST, "08:10"),
        ],
    );
    let mut json = serde_json::to_value(&t).unwrap();
    let obj = json.as_object_mut().unwrap();
    obj.remove("first_called_at_ms");
    obj.remove("served_by");
    let old_full: Ticket = serde_json::from_value(json.clone()).unwrap();
    // What a report reads of a ticket, read straight from the stored JSON, is what it
    // takes from the folded ticket (of states old and new).
    let old: ReportTicket = serde_json::from_value(json).unwrap();
    assert_eq!(old, ReportTicket::from(&old_full));
    let new: ReportTicket = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(new, ReportTicket::from(&t));
    assert_eq!(wait_seconds(&old), Some(420));
    let s = summary(&ReportInput {
        tickets: &[old],
        appointments: &[],
        services: &[],
        staff: &[],
        time_zone: chrono_tz::Asia::Jakarta,
        from: day(),
        to: day(),
        now_ms: 0,
    });
    // A service nobody configured is named by its code, with the default target.
    let lab = row(&s, "L");
    assert_eq!(
        (lab.name_en.as_str(), lab.target_wait_minutes),
        ("L", Some(60))
    );
    assert_eq!(s.per_staff, []);
    // A service stored before targets existed reads with the default.
    let old_service: Service = serde_json::from_str(
        r#"{"code":"A","name_id":"Poli Umum","name_en":"General","active":true}"#,
    )
    .unwrap();
    assert_eq!(old_service.target_wait_minutes, 60);
}

#[test]
fn facts_kept_per_day_make_the_same_report_as_every_ticket_at_once() {
    // Three days of the small history; one visit goes on past midnight into the next
    // day (counted once), and the history's own transfer chain on each day.
    let h = history();
    let days: Vec<NaiveDate> = (0..3).map(|i| day() + chrono::Duration::days(i)).collect();
    let mut tickets = Vec::new();
    for (i, d) in days.iter().enumerate() {
        for t in &h.tickets {
            let mut t = t.clone();
            t.issue.day = *d;
            t.issued_at_ms += 86_400_000 * i as i64;
            // Another visit on each day; a chain's tickets still share theirs.
            t.issue.visit = VisitId(Uuid::from_u128(t.issue.visit.0.as_u128() ^ (i as u128 + 1)));
            tickets.push(t);
        }
    }
    // Transferred at 23:40 on the first day; the next service's ticket is of the next.
    let night = VisitId(Uuid::from_u128(77));
    for (d, hm) in [(days[0], "23:40"), (days[1], "00:10")] {
        let mut t = h.tickets[0].clone();
        if d == days[0] {
            t.status = TicketStatus::Transferred;
        } else {
            t.issue.transferred_from = Some(TicketId(Uuid::from_u128(76)));
        }
        t.issue.day = d;
        t.issue.visit = night;
        t.issued_at_ms = at(hm) + (d - day()).num_days() * 86_400_000;
        tickets.push(t);
    }
    let (from, to, now) = (days[0], days[2], at("12:30"));
    let tz = chrono_tz::Asia::Jakarta;
    let whole = summary(&ReportInput {
        tickets: &tickets,
        appointments: &h.appointments,
        services: &h.services,
        staff: &h.staff,
        time_zone: tz,
        from,
        to,
        now_ms: now,
    });
    assert_eq!(whole.whole_clinic.issued, 3 * 8 + 2);
    // Each day's facts, kept as JSON and read back, as a store keeps them.
    let kept: BTreeMap<NaiveDate, Facts> = Facts::by_day(&tickets, tz)
        .into_iter()
        .map(|(d, f)| {
            let json = serde_json::to_string(&f).unwrap();
            (d, serde_json::from_str(&json).unwrap())
        })
        .collect();
    // Every split of the days into kept and computed gives the same report, and the
    // facts it computes are those of its ticket days.
    for split in 0..8u8 {
        let is_kept = |d: &NaiveDate| split & (1 << (*d - from).num_days()) != 0;
        let source = ReportSource {
            kept: kept
                .iter()
                .filter(|(d, _)| is_kept(d))
                .map(|(_, f)| f.clone())
                .collect(),
            generations: [(days[1], 4)].into(),
            tickets: tickets
                .iter()
                .filter(|t| !is_kept(&t.issue.day))
                .cloned()
                .collect(),
            appointments: h.appointments.clone(),
            services: h.services.clone(),
            staff: h.staff.clone(),
            time_zone: tz,
        };
        let (s, computed) = source.summary(from, to, now);
        assert_eq!(s, whole, "split {split:03b}");
        assert!(
            computed.iter().all(|d| !is_kept(&d.day)),
            "split {split:03b}"
        );
        assert_eq!(computed.len(), 3 - split.count_ones() as usize);
        for d in &computed {
            assert_eq!(d.facts, kept[&d.day], "split {split:03b}: {}", d.day);
            assert_eq!(d.generation, if d.day == days[1] { 4 } else { 0 });
        }
    }
    // 3 × the day's 7 visits, and the night one once.
    assert_eq!(whole.visits, 3 * 7 + 1);
}
