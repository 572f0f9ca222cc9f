-- Medicloud cloud schema (SQLite): patients, and each ticket's visit. Append-only.
--
-- Each clinic's registered patients, as the latest `patient_set` of each by
-- (stamp, origin, seq) set them: the node's `records` rows `patient/…`, per clinic,
-- with the columns the FHIR API searches on (`name_key` is the name in lower case).
-- The migration's backfill (in Rust, in the same transaction) folds the events held.
CREATE TABLE patients (
    clinic_id  TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    name_key   TEXT,
    nik        TEXT,
    bpjs       TEXT,
    birth_date TEXT,              -- YYYY-MM-DD
    body       TEXT    NOT NULL,  -- the Patient as JSON
    stamp      INTEGER NOT NULL,
    origin     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id)
) STRICT;
CREATE INDEX patients_by_nik ON patients (clinic_id, nik) WHERE nik IS NOT NULL;
CREATE INDEX patients_by_bpjs ON patients (clinic_id, bpjs) WHERE bpjs IS NOT NULL;
-- A read by id finds its clinic (then reads it there, scoped by clinic).
CREATE INDEX patients_by_id ON patients (id);

-- A ticket's visit (the journey a FHIR Encounter is), its patient and when it reached
-- a final state, read from `state` for the queries that need them; set from the
-- folded state here for the tickets already held.
ALTER TABLE tickets ADD COLUMN visit_id TEXT;
ALTER TABLE tickets ADD COLUMN patient_id TEXT;
ALTER TABLE tickets ADD COLUMN finished_at INTEGER;
UPDATE tickets SET visit_id = json_extract(state, '$.issue.visit'),
    patient_id = json_extract(state, '$.issue.patient'),
    finished_at = json_extract(state, '$.finished_at_ms');
CREATE INDEX tickets_by_visit ON tickets (visit_id);
CREATE INDEX tickets_by_patient ON tickets (clinic_id, patient_id)
    WHERE patient_id IS NOT NULL;

-- A read of a Practitioner (a staff account, by its id) finds its clinic.
CREATE INDEX records_by_entity ON records (entity);
