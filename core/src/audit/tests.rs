use super::*;
use crate::domain::{CounterId, DeviceRole, ServiceCode, StaffRole, StaffUser};
use crate::event::{AuditEntry, EventId};
use crate::ids::{ClinicId, UserId};

/// A store of events answering one question at a time, as the node does.
struct Log {
    events: Vec<Event>,
    labels: HashMap<TicketId, String>,
    counters: HashMap<CounterId, String>,
}

impl AuditSource for Log {
    type Error = Infallible;
    fn ticket_label(&mut self, ticket: TicketId) -> Result<Option<String>, Infallible> {
        Ok(self.labels.get(&ticket).cloned())
    }
    fn counter_name(&mut self, counter: &CounterId) -> Result<Option<String>, Infallible> {
        Ok(self.counters.get(counter).cloned())
    }
    fn previous(&mut self, event: &Event) -> Result<Option<EventBody>, Infallible> {
        let entity = event.entity();
        Ok(self
            .events
            .iter()
            .filter(|e| e.entity() == entity && e.stamp < event.stamp)
            .max_by_key(|e| e.stamp)
            .map(|e| e.body.clone()))
    }
}

fn event(seq: u64, actor: Actor, body: EventBody) -> Event {
    Event {
        id: EventId {
            origin: DeviceId(uuid::Uuid::from_u128(7)),
            seq,
        },
        stamp: Stamp::new(1_000 * seq, 0),
        clinic: ClinicId(uuid::Uuid::from_u128(1)),
        actor,
        body,
    }
}

fn account(active: bool, hash: &str, reset: bool) -> StaffUser {
    StaffUser {
        id: UserId(uuid::Uuid::from_u128(3)),
        username: "siti".into(),
        display_name: "Siti".into(),
        role: StaffRole::Desk,
        password_hash: hash.into(),
        active,
        must_change_password: reset,
    }
}

fn history() -> Log {
    let admin = Actor::Staff(UserId(uuid::Uuid::from_u128(9)));
    let ticket = TicketId(uuid::Uuid::from_u128(5));
    let loket = CounterId::parse("loket-1").unwrap();
    let events = vec![
        event(1, admin, EventBody::StaffSet(account(true, "h1", false))),
        event(2, admin, EventBody::StaffSet(account(false, "h1", false))),
        event(3, admin, EventBody::StaffSet(account(true, "h2", true))),
        event(
            4,
            Actor::System,
            EventBody::Audited(AuditEntry {
                action: "login".into(),
                patient: None,
                subject: Some("siti".into()),
                outcome: "ok".into(),
            }),
        ),
        event(
            5,
            admin,
            EventBody::Ticket {
                id: ticket,
                change: TicketChange::Called {
                    counter: loket.clone(),
                },
            },
        ),
        event(
            6,
            admin,
            EventBody::Ticket {
                id: ticket,
                change: TicketChange::Transferred {
                    service: ServiceCode::parse("F").unwrap(),
                    to: TicketId(uuid::Uuid::from_u128(6)),
                },
            },
        ),
    ];
    Log {
        events,
        labels: HashMap::from([(ticket, "A-012".to_owned())]),
        counters: HashMap::from([(loket, "Loket 1".to_owned())]),
    }
}

/// `(action, subject, changes)` of each event's row.
fn lines(rows: &[AuditRow]) -> Vec<(&str, Option<&str>, Vec<&str>)> {
    rows.iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.subject.as_deref(),
                r.changes.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

#[test]
fn a_row_says_what_changed_against_the_version_before() {
    let mut log = history();
    let events = log.events.clone();
    let rows: Vec<AuditRow> = events.iter().map(|e| row(&mut log, e).unwrap()).collect();
    assert_eq!(
        lines(&rows),
        vec![
            ("staff_set", Some("siti"), vec!["created", "role:desk"]),
            ("staff_set", Some("siti"), vec!["disabled"]),
            ("staff_set", Some("siti"), vec!["enabled", "password_reset"]),
            ("login", Some("siti"), vec![]),
            ("call", Some("A-012 · Loket 1"), vec![]),
            ("transfer", Some("A-012 → F"), vec![]),
        ]
    );
    assert_eq!(rows[3].actor, "system");
    assert_eq!(rows[1].actor, "staff:00000000-0000-0000-0000-000000000009");
    assert_eq!(rows[1].at_ms, 2_000);
}

#[test]
fn a_page_answered_at_once_gives_the_rows_of_one_question_at_a_time() {
    let mut log = history();
    let events = log.events.clone();
    let lookups = Lookups::of(&events);
    assert_eq!(lookups.tickets.len(), 1);
    assert_eq!(lookups.counters.len(), 1);
    assert_eq!(lookups.previous.len(), 3, "one per staff change");
    // A store answers what was asked.
    let mut answers = Answers::default();
    for ticket in &lookups.tickets {
        if let Some(label) = log.labels.get(ticket) {
            answers.ticket_labels.insert(*ticket, label.clone());
        }
    }
    for counter in &lookups.counters {
        answers
            .counter_names
            .insert(counter.clone(), log.counters[counter].clone());
    }
    for e in &events {
        if lookups
            .previous
            .contains(&(e.entity().to_string(), e.stamp))
            && let Ok(Some(body)) = log.previous(e)
        {
            answers
                .previous
                .insert((e.entity().to_string(), e.stamp), body);
        }
    }
    for e in &events {
        assert_eq!(row(&mut answers, e), row(&mut log, e));
    }
    // Without answers the rows still come, with what the event alone says.
    let bare = row(&mut Answers::default(), &events[4]).unwrap();
    assert_eq!(bare.subject.as_deref(), Some("? · loket-1"));
}

#[test]
fn filters_keep_their_bounds() {
    let within = |limit, since_ms| AuditFilter {
        limit,
        since_ms,
        ..AuditFilter::default()
    };
    assert_eq!(within(None, None).bounds().unwrap(), (200, Stamp(0)));
    assert_eq!(
        within(Some(1_000), Some(2)).bounds().unwrap(),
        (1_000, Stamp(2 << 16))
    );
    for (limit, since, field) in [
        (Some(0), None, "limit"),
        (Some(1_001), None, "limit"),
        (None, Some(-1), "since_ms"),
        (None, Some(MAX_STAMP_MS + 1), "since_ms"),
    ] {
        assert_eq!(within(limit, since).bounds().unwrap_err().field, field);
    }
}

#[test]
fn roles_are_written_as_on_the_wire() {
    fn wire<T: Serialize>(v: &T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }
    for role in [StaffRole::Admin, StaffRole::Desk, StaffRole::Clinician] {
        assert_eq!(role.as_str(), wire(&role));
    }
    for role in [DeviceRole::Kiosk, DeviceRole::Desk, DeviceRole::Display] {
        assert_eq!(role.as_str(), wire(&role));
    }
}
