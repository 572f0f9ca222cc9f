-- Medicloud node schema, first version.
-- Append-only: never edit a shipped migration; add a new file instead.

-- This node's identity (device id, clinic id) and other small facts.
CREATE TABLE node_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The event log: every change ever made, by any device. (origin, seq) is the identity.
CREATE TABLE events (
    origin  TEXT    NOT NULL,
    seq     INTEGER NOT NULL CHECK (seq > 0),
    stamp   INTEGER NOT NULL,
    clinic  TEXT    NOT NULL,
    entity  TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    body    TEXT    NOT NULL,  -- the whole event as JSON
    PRIMARY KEY (origin, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX events_by_entity ON events (entity, stamp);

-- Projection: the latest state of configuration-like entities (clinic, services,
-- counters, staff, devices, patients), last writer by (stamp, origin, seq).
CREATE TABLE records (
    entity TEXT    PRIMARY KEY,
    kind   TEXT    NOT NULL,
    body   TEXT    NOT NULL,
    stamp  INTEGER NOT NULL,
    origin TEXT    NOT NULL,
    seq    INTEGER NOT NULL
) STRICT;

-- Projection: tickets, folded by the lifecycle reducer.
CREATE TABLE tickets (
    id        TEXT    PRIMARY KEY,
    day       TEXT    NOT NULL,  -- clinic-local service day, YYYY-MM-DD
    service   TEXT    NOT NULL,
    label     TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    counter   TEXT,
    issued_at INTEGER NOT NULL,
    state     TEXT    NOT NULL   -- the folded ticket as JSON
) STRICT;
CREATE INDEX tickets_by_day ON tickets (day, service, status);

-- Projection: appointments, with the ticket that checked each one in.
CREATE TABLE appointments (
    id        TEXT    PRIMARY KEY,
    code      TEXT    NOT NULL,
    day       TEXT    NOT NULL,
    service   TEXT    NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0,
    ticket    TEXT,
    body      TEXT    NOT NULL
) STRICT;
CREATE INDEX appointments_by_code ON appointments (code);
CREATE INDEX appointments_by_day ON appointments (day);

-- Label numbers. The authority (this node, until a cloud or hub takes the role)
-- reserves blocks of numbers per device; a device takes numbers only from its blocks.
CREATE TABLE label_authority (
    service        TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    reserved_up_to INTEGER NOT NULL,
    PRIMARY KEY (service, day)
) STRICT;
CREATE TABLE label_blocks (
    service TEXT    NOT NULL,
    day     TEXT    NOT NULL,
    device  TEXT    NOT NULL,
    first   INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (service, day, device, first)
) STRICT;
CREATE TABLE label_use (
    service   TEXT    NOT NULL,
    day       TEXT    NOT NULL,
    device    TEXT    NOT NULL,
    last_used INTEGER NOT NULL,
    PRIMARY KEY (service, day, device)
) STRICT;

-- Observed service times per service (local estimate, not synced).
CREATE TABLE service_times (
    service      TEXT    PRIMARY KEY,
    mean_seconds REAL    NOT NULL,
    samples      INTEGER NOT NULL
) STRICT;
