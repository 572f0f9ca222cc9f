//! Schedules for tests that book "now": a service open all day every day in 5-minute
//! slots, and the next slot's start in a zone, so a test holds whatever day and hour
//! it runs (the demo's schedule is Monday to Saturday 08:00–14:00).

use chrono::{Duration, NaiveDate, Timelike, Utc};
use serde_json::{Value, json};

/// The body of `PUT /api/v1/services/{code}/schedule`: every day 00:00–23:59 in
/// 5-minute slots of `places`, none online (the last slot ends 23:55).
pub fn all_day_schedule(places: u16) -> Value {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    json!({
        "hours": days.map(|day| json!({"day": day, "opens": "00:00", "closes": "23:59"})),
        "slot_minutes": 5, "places_per_slot": places, "online_places": 0,
    })
}

/// The clinic-local day and `HH:MM` start of the next 5-minute slot (this minute when it
/// is one) in a zone `offset_hours` ahead of UTC; past 23:49 it waits for the next
/// day's first.
pub async fn next_five_minute_slot(offset_hours: i64) -> (NaiveDate, String) {
    let local = || (Utc::now() + Duration::hours(offset_hours)).naive_utc();
    let mut now = local();
    if now.hour() == 23 && now.minute() >= 50 {
        let midnight = (now.date() + Duration::days(1))
            .and_hms_opt(0, 0, 1)
            .unwrap_or(now);
        tokio::time::sleep((midnight - now).to_std().unwrap_or_default()).await;
        now = local();
    }
    let minute = now.minute().div_ceil(5) * 5;
    let (hour, minute) = if minute == 60 {
        (now.hour() + 1, 0)
    } else {
        (now.hour(), minute)
    };
    (now.date(), format!("{hour:02}:{minute:02}"))
}
