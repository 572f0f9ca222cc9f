//! Desk places escrowed to the clinic's other nodes ([`DeskReserve`]): the clinic's
//! booking authority makes them when a node asks ([`Node::escrow_desk_places`]), a few
//! per service and day; the node asks after each sync round with the authority
//! ([`refill`]), and books into them while cut off from it (`book_here`, counting
//! `CutOff`). Until used, a reserve counts as a taken desk place for every desk, so
//! whatever the two sides of a partition book, no slot goes above capacity unless a
//! desk confirmed an overbooking.

use super::Node;
use super::appointments::held;
use crate::error::Result;
use crate::store::{Store, query};
use chrono::{Days, NaiveDate, NaiveDateTime};
use medicloud_core::domain::ServiceCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::ids::{DeviceId, ReserveId};
use medicloud_core::schedule::{self, DeskReserve};
use medicloud_sync::exchange::SyncError;
use medicloud_sync::http::HttpTransport;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use medicloud_core::requests::ReserveAsk;
pub use medicloud_core::schedule::DEFAULT_DESK_RESERVE as DEFAULT_PLACES;
pub use medicloud_sync::wire::DESK_RESERVE as ROUTE;

/// How long a node waits before asking again for a service and day the authority
/// could not (or need not) add to.
const ASK_AGAIN: Duration = Duration::from_secs(60);

/// The reserves `holder` has and has not used of `service` on `date`, in slots not
/// begun before `now`.
fn unused_ahead(
    conn: &rusqlite::Connection,
    holder: DeviceId,
    service: &ServiceCode,
    date: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<DeskReserve>> {
    Ok(query::desk_reserves(conn, service, date)?
        .into_iter()
        .filter(|r| r.holder == holder && r.used_by.is_none())
        .filter(|r| date.and_time(r.slot_start) >= now - chrono::Duration::minutes(1))
        .collect())
}

impl Node {
    /// As the clinic's booking authority: escrows desk places of `ask`'s service and
    /// day to its node until it holds `places` in slots ahead (in the freest slots,
    /// one a slot, never beyond the desk's free places); its unused reserves ahead.
    pub fn escrow_desk_places(&self, ask: &ReserveAsk, places: u16) -> Result<Vec<DeskReserve>> {
        let (reserves, events) = self.store.write(|w| {
            let conn = w.conn();
            let now = self.local_now(conn)?;
            let mut mine = unused_ahead(conn, ask.holder, &ask.service, ask.date, now)?;
            let wanted = usize::from(places).saturating_sub(mine.len());
            let Some(service) = query::service(conn, &ask.service)? else {
                return Ok(mine);
            };
            if wanted == 0 || !service.active || service.schedule.is_none() {
                return Ok(mine);
            }
            let taken: Vec<_> = mine.iter().map(|r| r.slot_start).collect();
            let fills = schedule::fill(
                &service.schedule(),
                ask.date,
                now,
                &held(conn, &service.code, ask.date, None)?,
            );
            let open: Vec<_> = fills
                .into_iter()
                .filter(|f| !taken.contains(&f.start))
                .collect();
            for start in schedule::reserve_slots(&open, wanted) {
                let reserve = DeskReserve {
                    id: ReserveId::random(),
                    holder: ask.holder,
                    service: service.code.clone(),
                    date: ask.date,
                    slot_start: start,
                    used_by: None,
                };
                w.append(Actor::System, EventBody::DeskReserveSet(reserve.clone()))?;
                mine.push(reserve);
            }
            Ok(mine)
        })?;
        self.publish(&events);
        Ok(reserves)
    }
}

/// When this node last asked for each service and day without getting a new reserve.
#[derive(Debug, Default)]
pub struct Asked(Mutex<HashMap<(ServiceCode, NaiveDate), Instant>>);

/// As a node whose desk books through another node: asks that node, the clinic's
/// booking authority, for reserves of each service that takes bookings, today and
/// tomorrow, where this node holds none ahead (each at most once a minute when the
/// authority had none to give). The reserves come with the next sync round.
pub fn refill(store: &Store, authority: &HttpTransport, asked: &Asked) -> Result<(), SyncError> {
    let storage = |e: crate::Error| SyncError::Storage(e.to_string());
    let me = store.identity().device;
    let mut wanted = Vec::new();
    store
        .read(|conn| {
            let today = store.today(conn)?;
            let tz = query::time_zone(conn)?;
            let now = chrono::DateTime::from_timestamp_millis(store.now_ms())
                .unwrap_or_default()
                .with_timezone(&tz)
                .naive_local();
            for service in query::services(conn)? {
                if !service.active || service.schedule.is_none() {
                    continue;
                }
                for date in [today, today.checked_add_days(Days::new(1)).unwrap_or(today)] {
                    if unused_ahead(conn, me, &service.code, date, now)?.is_empty() {
                        wanted.push((service.code.clone(), date));
                    }
                }
            }
            Ok(())
        })
        .map_err(storage)?;
    for (service, date) in wanted {
        let key = (service.clone(), date);
        let recently = asked
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .is_some_and(|at| at.elapsed() < ASK_AGAIN);
        if recently {
            continue;
        }
        let ask = ReserveAsk {
            holder: me,
            service,
            date,
        };
        let got: Vec<DeskReserve> = authority.post(ROUTE, &ask)?;
        let mut asked = asked.0.lock().unwrap_or_else(|p| p.into_inner());
        if got.is_empty() {
            asked.insert(key, Instant::now());
        } else {
            asked.remove(&key);
        }
    }
    Ok(())
}
