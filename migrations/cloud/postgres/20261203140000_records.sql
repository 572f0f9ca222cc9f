-- Medicloud cloud schema (PostgreSQL): the clinic's configuration. Append-only.
--
-- Each clinic's services, counters and staff accounts, as the latest event of each by
-- (stamp, origin, seq) set them: the node's `records` rows of those kinds, per clinic.
-- A staff account is kept without its password hash. The migration's backfill (in
-- Rust, in the same transaction) folds the events already held.
CREATE TABLE records (
    clinic_id TEXT   NOT NULL,
    entity    TEXT   NOT NULL,  -- service/A, counter/loket-1, staff/<uuid>
    kind      TEXT   NOT NULL,  -- the event kind: service_set, counter_set, staff_set
    body      TEXT   NOT NULL,
    stamp     BIGINT NOT NULL,
    origin    TEXT   NOT NULL,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, entity)
);
