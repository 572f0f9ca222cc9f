-- The audit chain: for every stored event, a MAC over the previous one's MAC and the
-- event itself (HMAC-SHA-256 with the node's key, kept outside the database), per
-- origin in seq order; and per origin the newest link, itself MACed, so removing
-- entries at the end is detected too. `medicloud audit verify` recomputes it.
CREATE TABLE audit_chain (
    origin TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    mac    BLOB    NOT NULL,
    PRIMARY KEY (origin, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE audit_heads (
    origin TEXT    PRIMARY KEY,
    seq    INTEGER NOT NULL,
    mac    BLOB    NOT NULL
) STRICT;
