-- OpenID Connect logins of the chain staff. Append-only.
-- A login begun at the provider (GET /hq/v1/auth/oidc/start), finished by whichever
-- replica takes the callback: the state as SHA-256 only, used once, ten minutes.
CREATE TABLE hq_oidc_logins (
    state_sha256 TEXT    PRIMARY KEY,
    nonce        TEXT    NOT NULL,
    verifier     TEXT    NOT NULL,
    created_ms   BIGINT  NOT NULL
);
CREATE INDEX hq_oidc_logins_created ON hq_oidc_logins (created_ms);
-- A login proved at the callback, handed to the browser as a one-time code (SHA-256
-- only, sixty seconds) that POST /hq/v1/auth/oidc/complete trades for the tokens.
CREATE TABLE hq_oidc_handoffs (
    code_sha256 TEXT    PRIMARY KEY,
    username    TEXT    NOT NULL REFERENCES hq_accounts (username),
    expires_ms  BIGINT  NOT NULL
);
CREATE INDEX hq_oidc_handoffs_expires ON hq_oidc_handoffs (expires_ms);
