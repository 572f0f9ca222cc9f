//! What a configuration change on the audit trail did, and to which: the account,
//! device, counter, service or clinic by name, and the changes as short stable codes
//! the screens put in words (`disabled`, `role:admin`, `password_reset`…), found by
//! comparing the change with the version of the same thing before it.

use crate::error::Result;
use medicloud_core::event::{Event, EventBody};
use rusqlite::{Connection, OptionalExtension, params};

/// The thing a configuration event changed (by name) and what it changed; `None` for
/// events that are not configuration.
pub(super) fn details(conn: &Connection, event: &Event) -> Result<Option<(String, Vec<String>)>> {
    let before = || previous(conn, event);
    let mut changes = Vec::new();
    let mut changed = |yes: bool, code: String| {
        if yes {
            changes.push(code);
        }
    };
    let subject = match &event.body {
        EventBody::StaffSet(u) => {
            match before()? {
                Some(EventBody::StaffSet(old)) => {
                    changed(old.display_name != u.display_name, "name".into());
                    changed(old.role != u.role, format!("role:{}", role(&u.role)));
                    changed(old.active && !u.active, "disabled".into());
                    changed(!old.active && u.active, "enabled".into());
                    let new_password = old.password_hash != u.password_hash;
                    changed(
                        new_password && u.must_change_password,
                        "password_reset".into(),
                    );
                    changed(
                        new_password && !u.must_change_password,
                        "password_changed".into(),
                    );
                }
                _ => {
                    changed(true, "created".into());
                    changed(true, format!("role:{}", role(&u.role)));
                }
            }
            u.username.clone()
        }
        EventBody::DeviceSet(d) => {
            match before()? {
                Some(EventBody::DeviceSet(old)) => {
                    changed(old.name != d.name, "name".into());
                    changed(old.role != d.role, format!("role:{}", role(&d.role)));
                    changed(!old.revoked && d.revoked, "revoked".into());
                    changed(
                        old.token_sha256 != d.token_sha256 && !d.revoked,
                        "token_renewed".into(),
                    );
                }
                _ => {
                    changed(true, "registered".into());
                    changed(true, format!("role:{}", role(&d.role)));
                }
            }
            d.name.clone()
        }
        EventBody::ServiceSet(s) => {
            match before()? {
                Some(EventBody::ServiceSet(old)) => {
                    changed(
                        old.name_id != s.name_id || old.name_en != s.name_en,
                        "name".into(),
                    );
                    changed(old.active && !s.active, "closed".into());
                    changed(!old.active && s.active, "opened".into());
                }
                _ => changed(true, "created".into()),
            }
            format!("{} · {}", s.code, s.name_id)
        }
        EventBody::CounterSet(c) => {
            let services = || {
                let codes: Vec<&str> = c.services.iter().map(|s| s.as_str()).collect();
                format!("services:{}", codes.join(","))
            };
            match before()? {
                Some(EventBody::CounterSet(old)) => {
                    changed(old.name != c.name, "name".into());
                    changed(old.services != c.services, services());
                }
                _ => {
                    changed(true, "created".into());
                    changed(true, services());
                }
            }
            c.name.clone()
        }
        EventBody::ClinicSet(c) => {
            match before()? {
                Some(EventBody::ClinicSet(old)) => {
                    changed(old.name != c.name, "name".into());
                    changed(
                        old.time_zone != c.time_zone,
                        format!("time_zone:{}", c.time_zone),
                    );
                    changed(
                        old.ticket_message_id != c.ticket_message_id
                            || old.ticket_message_en != c.ticket_message_en,
                        "ticket_message".into(),
                    );
                    changed(
                        old.new_label_on_transfer != c.new_label_on_transfer,
                        format!("new_label_on_transfer:{}", c.new_label_on_transfer),
                    );
                    changed(
                        old.new_label_per_step != c.new_label_per_step,
                        format!("new_label_per_step:{}", c.new_label_per_step),
                    );
                    changed(
                        old.language != c.language,
                        format!("language:{}", c.language.tag()),
                    );
                }
                _ => changed(true, "created".into()),
            }
            c.name.clone()
        }
        _ => return Ok(None),
    };
    Ok(Some((subject, changes)))
}

/// A role as it is on the wire (`desk`, `kiosk`…).
fn role(role: &impl serde::Serialize) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The body of the change to the same thing just before `event`, if there was one.
fn previous(conn: &Connection, event: &Event) -> Result<Option<EventBody>> {
    let body: Option<String> = conn
        .prepare_cached(
            "SELECT body FROM events WHERE entity = ?1 AND stamp < ?2
             ORDER BY stamp DESC LIMIT 1",
        )?
        .query_row(
            params![event.entity().to_string(), event.stamp.0 as i64],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| Ok(serde_json::from_str::<Event>(&b)?.body))
        .transpose()
}
