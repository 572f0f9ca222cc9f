-- The print spool: ticket print jobs, kept on the device whose printer prints them.
-- A job is stored in the ticket's own transaction, as the exact bytes to send, and is
-- sent until the printer takes it.
CREATE TABLE print_jobs (
    id         INTEGER PRIMARY KEY,
    ticket     TEXT    NOT NULL,
    reprint    INTEGER NOT NULL DEFAULT 0,
    bytes      BLOB    NOT NULL,
    printed_at INTEGER,            -- NULL while pending
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX print_jobs_pending ON print_jobs (printed_at, id);
CREATE INDEX print_jobs_by_ticket ON print_jobs (ticket);
