-- Chain staff (the /hq accounts), the JWT signing keys and the refresh-token chains.
-- Append-only.
CREATE TABLE hq_accounts (
    username      TEXT    PRIMARY KEY,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('chain_admin', 'clinic_manager', 'auditor')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL
) STRICT;
-- The clinics a clinic_manager manages.
CREATE TABLE hq_account_clinics (
    username TEXT NOT NULL REFERENCES hq_accounts (username),
    clinic   TEXT NOT NULL REFERENCES clinics (id),
    PRIMARY KEY (username, clinic)
) STRICT, WITHOUT ROWID;
-- Ed25519 keys: the newest one not retired signs, every one not retired verifies.
-- private_key is sealed (ChaCha20-Poly1305, nonce first) when sealed = 1.
CREATE TABLE hq_signing_keys (
    kid         TEXT    PRIMARY KEY,
    public_key  BLOB    NOT NULL,
    private_key BLOB    NOT NULL,
    sealed      INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    retired_ms  INTEGER
) STRICT;
-- One chain (family) per login; every access token names its chain (`sid`).
CREATE TABLE hq_refresh_chains (
    id         TEXT    PRIMARY KEY,
    username   TEXT    NOT NULL REFERENCES hq_accounts (username),
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
) STRICT;
-- Refresh tokens as SHA-256 only; each is used once.
CREATE TABLE hq_refresh_tokens (
    token_sha256 TEXT    PRIMARY KEY,
    chain        TEXT    NOT NULL REFERENCES hq_refresh_chains (id),
    expires_ms   INTEGER NOT NULL,
    used_ms      INTEGER
) STRICT;
-- Failed logins per (lower-cased username, address); username '' counts an address.
CREATE TABLE hq_login_failures (
    username TEXT    NOT NULL,
    address  TEXT    NOT NULL,
    failures INTEGER NOT NULL,
    first_ms INTEGER NOT NULL,
    PRIMARY KEY (username, address)
) STRICT, WITHOUT ROWID;
CREATE INDEX hq_login_failures_first ON hq_login_failures (first_ms);
CREATE INDEX hq_refresh_tokens_chain ON hq_refresh_tokens (chain);
