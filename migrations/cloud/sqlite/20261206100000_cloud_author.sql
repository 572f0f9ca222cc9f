-- Medicloud cloud schema (SQLite): events the cloud writes itself. Append-only.
--
-- Each clinic's cloud origin: the device id of the series the cloud writes the clinic's
-- online bookings in, made once, with the last seq and stamp it wrote. The cloud's
-- writes of a clinic run in `IMMEDIATE` transactions, one writer at a time.
CREATE TABLE cloud_origins (
    clinic_id  TEXT    PRIMARY KEY REFERENCES clinics (id),
    origin     TEXT    NOT NULL UNIQUE,
    last_seq   INTEGER NOT NULL,
    last_stamp INTEGER NOT NULL
) STRICT;
-- The codes of online bookings, for the patient's lookup, which names only the code:
-- looked up by its own key, as enrolment codes are. A code is unique among a clinic's
-- live appointments; a cancelled one may come back, pointing at its new booking.
CREATE TABLE booking_codes (
    code           TEXT NOT NULL,
    clinic_id      TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    PRIMARY KEY (code, clinic_id)
) STRICT, WITHOUT ROWID;
-- A new code is checked against the clinic's live appointments.
CREATE INDEX appointments_by_code ON appointments (clinic_id, code);
