-- Medicloud cloud schema (SQLite), first version. Append-only.
CREATE TABLE clinics (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    lan_key TEXT NOT NULL
) STRICT;
CREATE TABLE devices (
    id            TEXT    PRIMARY KEY,
    clinic        TEXT    NOT NULL REFERENCES clinics (id),
    name          TEXT    NOT NULL,
    secret_sha256 TEXT    NOT NULL UNIQUE,
    slot          INTEGER NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (clinic, slot)
) STRICT;
CREATE TABLE enrolment_codes (
    code_sha256 TEXT    PRIMARY KEY,
    clinic      TEXT    NOT NULL REFERENCES clinics (id),
    expires_ms  INTEGER NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE events (
    clinic TEXT    NOT NULL,
    origin TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    stamp  INTEGER NOT NULL,
    body   TEXT    NOT NULL,
    PRIMARY KEY (clinic, origin, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE heads (
    clinic TEXT    NOT NULL,
    origin TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (clinic, origin)
) STRICT;
CREATE TABLE label_authority (
    clinic         TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    reserved_up_to INTEGER NOT NULL,
    PRIMARY KEY (clinic, service, day)
) STRICT;
