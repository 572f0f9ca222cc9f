//! [`super::FhirStorage`] on SQLite and PostgreSQL: each search one snapshot, its page
//! read with its total (`COUNT(*) OVER ()`), the count alone only when the page is
//! empty.

use super::sql::{
    Engine, Sql, Value, count, holding_sql, patients_sql, stored_patient, tickets_sql, visits_of,
    visits_sql,
};
use super::{FhirStorage, Found, Holder, Paging, PatientMatch, StoredPatient, Visit, VisitMatch};
use crate::storage::{Postgres, Result, Sqlite, parse};

use medicloud_core::ids::ClinicId;

// --- SQLite -------------------------------------------------------------------------

fn sqlite_count(conn: &rusqlite::Connection, sql: &Sql) -> Result<usize> {
    let total: i64 = conn
        .prepare_cached(&sql.text)?
        .query_row(rusqlite::params_from_iter(sql.values.iter()), |r| r.get(0))?;
    count(total)
}

impl FhirStorage for Sqlite {
    async fn patients(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<PatientMatch>>,
        paging: Paging,
    ) -> Result<Found<StoredPatient>> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let (page, count_sql) = patients_sql(Engine::Sqlite, clinic, &filter, paging);
            let rows: Vec<(String, i64, i64)> = {
                let mut stmt = tx.prepare_cached(&page.text)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(page.values.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let total = match rows.first() {
                Some((_, _, total)) => count(*total)?,
                None => sqlite_count(&tx, &count_sql)?,
            };
            let items = rows
                .iter()
                .map(|(body, stamp, _)| stored_patient(body, *stamp))
                .collect::<Result<_>>()?;
            tx.commit()?;
            Ok(Found { total, items })
        })
        .await
    }

    async fn visits(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<VisitMatch>>,
        paging: Paging,
    ) -> Result<Found<Visit>> {
        self.run(move |conn| {
            // One snapshot of the page and its tickets.
            let tx = conn.transaction()?;
            let (page, count_sql) = visits_sql(Engine::Sqlite, clinic, &filter, paging);
            let rows: Vec<(String, i64)> = {
                let mut stmt = tx.prepare_cached(&page.text)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(page.values.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let total = match rows.first() {
                Some((_, total)) => count(*total)?,
                None => sqlite_count(&tx, &count_sql)?,
            };
            let ids: Vec<String> = rows.into_iter().map(|(id, _)| id).collect();
            let tickets = if ids.is_empty() {
                Vec::new()
            } else {
                let sql = tickets_sql(Engine::Sqlite, clinic, &ids);
                let mut stmt = tx.prepare(&sql.text)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(sql.values.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let items = visits_of(&ids, tickets)?;
            tx.commit()?;
            Ok(Found { total, items })
        })
        .await
    }

    async fn clinics_holding(&self, holder: Holder, id: String) -> Result<Vec<ClinicId>> {
        self.run(move |conn| {
            let sql = holding_sql(Engine::Sqlite, holder, &id);
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(sql.values.iter()), |r| {
                r.get::<_, String>(0)
            })?;
            rows.map(|clinic| parse(&clinic?, "clinic id")).collect()
        })
        .await
    }
}

// --- PostgreSQL ---------------------------------------------------------------------

fn pg_values(sql: &Sql) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    sql.values.iter().map(Value::pg).collect()
}

impl FhirStorage for Postgres {
    async fn patients(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<PatientMatch>>,
        paging: Paging,
    ) -> Result<Found<StoredPatient>> {
        let client = self.client().await?;
        let (page, count_sql) = patients_sql(Engine::Postgres, clinic, &filter, paging);
        let rows = client.query(&page.text, &pg_values(&page)).await?;
        let total = match rows.first() {
            Some(r) => count(r.get(2))?,
            None => count(
                client
                    .query_one(&count_sql.text, &pg_values(&count_sql))
                    .await?
                    .get(0),
            )?,
        };
        let items = rows
            .iter()
            .map(|r| stored_patient(r.get(0), r.get(1)))
            .collect::<Result<_>>()?;
        Ok(Found { total, items })
    }

    async fn visits(
        &self,
        clinic: ClinicId,
        filter: Vec<Vec<VisitMatch>>,
        paging: Paging,
    ) -> Result<Found<Visit>> {
        let mut client = self.client().await?;
        // One snapshot of the page and its tickets.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let (page, count_sql) = visits_sql(Engine::Postgres, clinic, &filter, paging);
        let rows = tx.query(&page.text, &pg_values(&page)).await?;
        let total = match rows.first() {
            Some(r) => count(r.get(1))?,
            None => count(
                tx.query_one(&count_sql.text, &pg_values(&count_sql))
                    .await?
                    .get(0),
            )?,
        };
        let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let tickets = if ids.is_empty() {
            Vec::new()
        } else {
            let sql = tickets_sql(Engine::Postgres, clinic, &ids);
            tx.query(&sql.text, &pg_values(&sql))
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect()
        };
        tx.commit().await?;
        Ok(Found {
            total,
            items: visits_of(&ids, tickets)?,
        })
    }

    async fn clinics_holding(&self, holder: Holder, id: String) -> Result<Vec<ClinicId>> {
        let client = self.client().await?;
        let sql = holding_sql(Engine::Postgres, holder, &id);
        client
            .query(&sql.text, &pg_values(&sql))
            .await?
            .iter()
            .map(|r| parse(r.get::<_, &str>(0), "clinic id"))
            .collect()
    }
}
