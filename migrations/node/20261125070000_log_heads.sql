-- Per origin, the highest seq held: the log's summary (version vector) without scanning
-- the log. Kept by the same statement path that inserts events.
CREATE TABLE log_heads (
    origin TEXT    PRIMARY KEY,
    seq    INTEGER NOT NULL
) STRICT;
INSERT INTO log_heads (origin, seq) SELECT origin, MAX(seq) FROM events GROUP BY origin;
