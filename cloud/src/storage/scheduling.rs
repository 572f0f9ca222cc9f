//! The reads of FHIR scheduling ([`crate::fhir::scheduling`]) behind
//! [`SchedulingStorage`], beside [`super::Storage`], on both engines: a clinic's
//! appointments as a search narrows them, each with the status of the ticket that
//! checked it in, and the live appointments of all its services over some days (what
//! the fill of its slots counts).
//!
//! Both read the `appointments` projection (and `tickets` for the check-in), scoped by
//! clinic through its primary key or `appointments_by_day`; a search by patient reads
//! the booking's own `patient` field, so it scans the clinic's rows narrowed by the
//! other filters given (a day range keeps it to those days).

use super::{Postgres, Result, Sqlite};
use crate::projection::{self, ProjectedAppointment};
use chrono::NaiveDate;
use medicloud_core::domain::{Appointment, ServiceCode};
use medicloud_core::ids::{AppointmentId, ClinicId, PatientId};
use medicloud_core::ticket::TicketStatus;
use std::future::Future;

/// The most values one list of an [`AppointmentFilter`] may hold.
pub const MOST_VALUES: usize = 100;

/// Which of a clinic's appointments to read: each list, when not empty, keeps those
/// that match one of its values; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppointmentFilter {
    /// These appointments only.
    pub ids: Vec<AppointmentId>,
    /// Those with these booking codes (as stored: upper case, no dashes).
    pub codes: Vec<String>,
    /// Those of these patients.
    pub patients: Vec<PatientId>,
    /// Those on the clinic-local days `first..=last` (after any move).
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// Those of these services.
    pub services: Vec<ServiceCode>,
    /// Cancelled ones only (`Some(true)`), live ones only (`Some(false)`), or both.
    pub cancelled: Option<bool>,
}

/// An appointment as the cloud folded it, with the status of the ticket that checked
/// it in (the first issued of those that name it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentRecord {
    /// The appointment, its cancellation and its ticket's id.
    pub appointment: ProjectedAppointment,
    /// Where that ticket stands, when there is one.
    pub ticket_status: Option<TicketStatus>,
}

/// The reads of FHIR scheduling.
pub trait SchedulingStorage: Send + Sync + 'static {
    /// The clinic's appointments that `filter` keeps, by day, then booking code.
    fn appointment_records(
        &self,
        clinic: ClinicId,
        filter: AppointmentFilter,
    ) -> impl Future<Output = Result<Vec<AppointmentRecord>>> + Send;
    /// The clinic's live (not cancelled) appointments on the days `first..=last`, of
    /// every service, as they stand.
    fn live_between(
        &self,
        clinic: ClinicId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> impl Future<Output = Result<Vec<Appointment>>> + Send;
}

fn record(
    body: &str,
    cancelled: bool,
    reason: Option<String>,
    ticket: Option<&str>,
    status: Option<&str>,
) -> Result<AppointmentRecord> {
    Ok(AppointmentRecord {
        appointment: projection::appointment_of(body, cancelled, reason, ticket)?,
        ticket_status: status.and_then(TicketStatus::parse),
    })
}

/// The filter's conditions as SQL over `a` (`appointments`), with `$n` or `?n`
/// placeholders from `first` on, and their values in order.
fn conditions(filter: &AppointmentFilter, postgres: bool, first: usize) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut values: Vec<String> = Vec::new();
    let mut list = |column: &str, items: Vec<String>, values: &mut Vec<String>| {
        if items.is_empty() {
            return;
        }
        let marks: Vec<String> = items
            .into_iter()
            .map(|item| {
                values.push(item);
                let n = first + values.len() - 1;
                if postgres {
                    format!("${n}")
                } else {
                    format!("?{n}")
                }
            })
            .collect();
        sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    };
    list(
        "a.id",
        filter.ids.iter().map(ToString::to_string).collect(),
        &mut values,
    );
    list("a.code", filter.codes.clone(), &mut values);
    let patient = if postgres {
        "(a.body::jsonb ->> 'patient')"
    } else {
        "json_extract(a.body, '$.patient')"
    };
    list(
        patient,
        filter.patients.iter().map(ToString::to_string).collect(),
        &mut values,
    );
    list(
        "a.service",
        filter
            .services
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        &mut values,
    );
    if let Some((from, to)) = filter.days {
        let mark = |value: String, values: &mut Vec<String>| {
            values.push(value);
            let n = first + values.len() - 1;
            if postgres {
                format!("${n}")
            } else {
                format!("?{n}")
            }
        };
        let low = mark(from.to_string(), &mut values);
        let high = mark(to.to_string(), &mut values);
        sql.push_str(&format!(" AND a.day BETWEEN {low} AND {high}"));
    }
    match filter.cancelled {
        Some(true) => sql.push_str(" AND a.cancelled"),
        Some(false) => sql.push_str(" AND NOT a.cancelled"),
        None => {}
    }
    (sql, values)
}

impl SchedulingStorage for Sqlite {
    async fn appointment_records(
        &self,
        clinic: ClinicId,
        filter: AppointmentFilter,
    ) -> Result<Vec<AppointmentRecord>> {
        self.run(move |conn| {
            let (conditions, values) = conditions(&filter, false, 2);
            let sql = format!(
                "SELECT a.body, a.cancelled, a.cancel_reason, t.id, t.status
                   FROM appointments a
                   LEFT JOIN tickets t ON t.clinic_id = a.clinic_id AND t.id =
                        (SELECT f.id FROM tickets f
                          WHERE f.clinic_id = a.clinic_id AND f.appointment_id = a.id
                          ORDER BY f.issued_at, f.id LIMIT 1)
                  WHERE a.clinic_id = ?1{conditions}
                  ORDER BY a.day, a.code, a.id"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(values.len() + 1);
            let id = clinic.to_string();
            params.push(&id);
            params.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
            let rows = stmt.query_map(params.as_slice(), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (body, cancelled, reason, ticket, status) = row?;
                record(
                    &body,
                    cancelled,
                    reason,
                    ticket.as_deref(),
                    status.as_deref(),
                )
            })
            .collect()
        })
        .await
    }

    async fn live_between(
        &self,
        clinic: ClinicId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<Appointment>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM appointments
                  WHERE clinic_id = ?1 AND day BETWEEN ?2 AND ?3 AND cancelled = 0",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![clinic.to_string(), first.to_string(), last.to_string()],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|body| Ok(serde_json::from_str(&body?)?)).collect()
        })
        .await
    }
}

impl SchedulingStorage for Postgres {
    async fn appointment_records(
        &self,
        clinic: ClinicId,
        filter: AppointmentFilter,
    ) -> Result<Vec<AppointmentRecord>> {
        let client = self.client().await?;
        let (conditions, values) = conditions(&filter, true, 2);
        let sql = format!(
            "SELECT a.body, a.cancelled, a.cancel_reason, t.id, t.status
               FROM appointments a
               LEFT JOIN LATERAL (
                    SELECT f.id, f.status FROM tickets f
                     WHERE f.clinic_id = a.clinic_id AND f.appointment_id = a.id
                     ORDER BY f.issued_at, f.id COLLATE \"C\" LIMIT 1) t ON TRUE
              WHERE a.clinic_id = $1{conditions}
              ORDER BY a.day, a.code COLLATE \"C\", a.id COLLATE \"C\""
        );
        let statement = client.prepare_cached(&sql).await?;
        let id = clinic.to_string();
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            Vec::with_capacity(values.len() + 1);
        params.push(&id);
        params.extend(
            values
                .iter()
                .map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)),
        );
        let rows = client.query(&statement, &params).await?;
        rows.iter()
            .map(|r| {
                record(
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get::<_, Option<&str>>(3),
                    r.get::<_, Option<&str>>(4),
                )
            })
            .collect()
    }

    async fn live_between(
        &self,
        clinic: ClinicId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<Appointment>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT body FROM appointments
                  WHERE clinic_id = $1 AND day BETWEEN $2 AND $3 AND NOT cancelled",
            )
            .await?;
        let rows = client
            .query(
                &statement,
                &[&clinic.to_string(), &first.to_string(), &last.to_string()],
            )
            .await?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .collect()
    }
}

macro_rules! both {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            super::AnyStorage::Sqlite($s) => $call.await,
            super::AnyStorage::Postgres($s) => $call.await,
        }
    };
}

impl SchedulingStorage for super::AnyStorage {
    async fn appointment_records(
        &self,
        clinic: ClinicId,
        filter: AppointmentFilter,
    ) -> Result<Vec<AppointmentRecord>> {
        both!(self, s => s.appointment_records(clinic, filter))
    }
    async fn live_between(
        &self,
        clinic: ClinicId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<Appointment>> {
        both!(self, s => s.live_between(clinic, first, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_sql_with_its_values_in_order() {
        let filter = AppointmentFilter {
            codes: vec!["K7M3QX".into(), "AAAAAA".into()],
            services: vec![ServiceCode::parse("A").unwrap()],
            days: Some(("2026-12-07".parse().unwrap(), "2026-12-08".parse().unwrap())),
            cancelled: Some(false),
            ..AppointmentFilter::default()
        };
        let (sql, values) = conditions(&filter, true, 2);
        assert_eq!(
            sql,
            " AND a.code IN ($2, $3) AND a.service IN ($4) AND a.day BETWEEN $5 AND $6 \
             AND NOT a.cancelled"
        );
        assert_eq!(
            values,
            ["K7M3QX", "AAAAAA", "A", "2026-12-07", "2026-12-08"]
        );
        let (sql, _) = conditions(&filter, false, 2);
        assert!(sql.starts_with(" AND a.code IN (?2, ?3)"), "{sql}");
    }
}
