-- Medicloud cloud schema (PostgreSQL), first version. Append-only.
CREATE TABLE clinics (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    lan_key TEXT NOT NULL
);
CREATE TABLE devices (
    id            TEXT    PRIMARY KEY,
    clinic        TEXT    NOT NULL REFERENCES clinics (id),
    name          TEXT    NOT NULL,
    secret_sha256 TEXT    NOT NULL UNIQUE,
    slot          INTEGER NOT NULL,
    revoked       BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (clinic, slot)
);
CREATE TABLE enrolment_codes (
    code_sha256 TEXT    PRIMARY KEY,
    clinic      TEXT    NOT NULL REFERENCES clinics (id),
    expires_ms  BIGINT  NOT NULL,
    used        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE events (
    clinic TEXT   NOT NULL,
    origin TEXT   NOT NULL,
    seq    BIGINT NOT NULL,
    stamp  BIGINT NOT NULL,
    body   TEXT   NOT NULL,
    PRIMARY KEY (clinic, origin, seq)
);
CREATE TABLE heads (
    clinic TEXT   NOT NULL,
    origin TEXT   NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (clinic, origin)
);
CREATE TABLE label_authority (
    clinic         TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    reserved_up_to INTEGER NOT NULL,
    PRIMARY KEY (clinic, service, day)
);
