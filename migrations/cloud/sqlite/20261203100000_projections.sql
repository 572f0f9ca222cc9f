-- Medicloud cloud schema (SQLite): projections. Append-only.
--
-- The cloud folds each clinic's events with the core reducer (the node's fold) into
-- these tables, in the ingest transaction. Every row and index is scoped by clinic.

-- Each event's entity (`ticket/…`, `appointment/…`, `clinic`…): a touched entity is
-- re-folded from all its stored events, read through `events_by_entity`. NULL only
-- for events stored before this migration, until the migration's backfill (in Rust,
-- in the same transaction) sets it.
ALTER TABLE events ADD COLUMN entity TEXT;
CREATE INDEX events_by_entity ON events (clinic, entity);
-- The events whose entity is not set yet (an empty index, but for a backfill to do).
CREATE INDEX events_unfolded ON events (clinic) WHERE entity IS NULL;

-- Rowid tables (their rows are large: a folded ticket is a kilobyte of JSON), so the
-- planner weighs the primary key against the other indexes.

-- Tickets, folded by `medicloud_core::ticket::fold`: the node's `tickets` table per
-- clinic. `state` is the folded `Ticket` as JSON, as the node keeps it; `queued_at`
-- and `appointment_id` are read from it for the queries that need them.
CREATE TABLE tickets (
    clinic_id      TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    day            TEXT    NOT NULL,  -- clinic-local service day, YYYY-MM-DD
    service        TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    counter        TEXT,
    issued_at      INTEGER NOT NULL,
    queued_at      INTEGER NOT NULL,
    appointment_id TEXT,
    state          TEXT    NOT NULL,
    PRIMARY KEY (clinic_id, id)
) STRICT;
CREATE INDEX tickets_by_day ON tickets (clinic_id, day, status);
CREATE INDEX tickets_by_appointment ON tickets (clinic_id, appointment_id)
    WHERE appointment_id IS NOT NULL;

-- Appointments, folded by `medicloud_core::appointment::fold`: the node's
-- `appointments` table per clinic (`body` the booking as it stands), with the reason
-- of a cancellation. The ticket that checked one in is read from `tickets` (the first
-- issued of those that name it, through `tickets_by_appointment`), not stored: two
-- tickets stored at once by two cloud processes cannot leave it stale.
CREATE TABLE appointments (
    clinic_id     TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    code          TEXT    NOT NULL,
    day           TEXT    NOT NULL,
    service       TEXT    NOT NULL,
    cancelled     INTEGER NOT NULL,
    cancel_reason TEXT,
    body          TEXT    NOT NULL,
    PRIMARY KEY (clinic_id, id)
) STRICT;
CREATE INDEX appointments_by_day ON appointments (clinic_id, day);

-- The clinic's own settings (name, time zone…), the latest `clinic_set` event by
-- (stamp, origin, seq), as the node's `records` row `clinic`.
CREATE TABLE clinic_settings (
    clinic_id TEXT    NOT NULL PRIMARY KEY,
    body      TEXT    NOT NULL,
    stamp     INTEGER NOT NULL,
    origin    TEXT    NOT NULL,
    seq       INTEGER NOT NULL
) STRICT;

-- When the cloud last heard from each device (its last sync round).
CREATE TABLE device_seen (
    clinic_id    TEXT    NOT NULL,
    device_id    TEXT    NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, device_id)
) STRICT, WITHOUT ROWID;
