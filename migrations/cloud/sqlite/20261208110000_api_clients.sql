-- The chain's API clients (OAuth 2.0 client credentials for /fhir/r4), the clinics and
-- scopes each is granted, the assertion ids already used, and the trail of their reads
-- of patient data.
CREATE TABLE api_clients (
    id            TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    -- SHA-256 of the client secret (hex), for client_secret_basic / client_secret_post.
    secret_sha256 TEXT,
    -- The client's public keys (a JWKS), for private_key_jwt (SMART Backend Services).
    jwks          TEXT,
    -- The system scopes granted, space-separated.
    scopes        TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_ms    BIGINT  NOT NULL,
    CHECK (secret_sha256 IS NOT NULL OR jwks IS NOT NULL)
);
CREATE TABLE api_client_clinics (
    client TEXT NOT NULL REFERENCES api_clients (id),
    clinic TEXT NOT NULL REFERENCES clinics (id),
    PRIMARY KEY (client, clinic)
);
-- A signed assertion is taken once: its jti is kept until it expires.
CREATE TABLE api_assertions (
    client     TEXT   NOT NULL REFERENCES api_clients (id),
    jti        TEXT   NOT NULL,
    expires_ms BIGINT NOT NULL,
    PRIMARY KEY (client, jti)
);
-- Each read of patient data by a client: which resources (type and ids), never content.
CREATE TABLE api_reads (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    BIGINT NOT NULL,
    client   TEXT   NOT NULL,
    clinic   TEXT   NOT NULL,
    resource TEXT   NOT NULL,
    ids      TEXT   NOT NULL
);
CREATE INDEX api_reads_by_clinic ON api_reads (clinic, at_ms);
