//! Embedded, append-only migrations, tracked by SQLite's `user_version`.

use rusqlite::Connection;

/// Every migration of `migrations/node/`, in order. Append only; never edit one that
/// has shipped. A test checks this list against the folder.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261125000000_event_log.sql",
        include_str!("../../../migrations/node/20261125000000_event_log.sql"),
    ),
    (
        "20261125030000_print_spool.sql",
        include_str!("../../../migrations/node/20261125030000_print_spool.sql"),
    ),
    (
        "20261125060000_label_slots.sql",
        include_str!("../../../migrations/node/20261125060000_label_slots.sql"),
    ),
    (
        "20261125070000_log_heads.sql",
        include_str!("../../../migrations/node/20261125070000_log_heads.sql"),
    ),
    (
        "20261125080000_audit_chain.sql",
        include_str!("../../../migrations/node/20261125080000_audit_chain.sql"),
    ),
    (
        "20261204000000_report_days.sql",
        include_str!("../../../migrations/node/20261204000000_report_days.sql"),
    ),
];

/// Applies the migrations `conn` has not seen yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies migrations up to (not including) index `target`; tests use it to build the
/// database of an earlier version.
pub fn migrate_to(conn: &mut Connection, target: usize) -> rusqlite::Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, (name, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}
