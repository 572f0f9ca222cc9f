-- Medicloud cloud schema (PostgreSQL): events the cloud writes itself. Append-only.
--
-- Each clinic's cloud origin: the device id of the series the cloud writes the clinic's
-- online bookings in, made once, with the last seq and stamp it wrote. Its row is the
-- lock that serialises the cloud's writes of a clinic (`SELECT … FOR UPDATE`): two
-- replicas booking the clinic's last online place book it once.
CREATE TABLE cloud_origins (
    clinic_id  TEXT   PRIMARY KEY REFERENCES clinics (id),
    origin     TEXT   NOT NULL UNIQUE,
    last_seq   BIGINT NOT NULL,
    last_stamp BIGINT NOT NULL
);
-- The codes of online bookings, for the patient's lookup, which names only the code:
-- looked up by its own key, as enrolment codes are. A code is unique among a clinic's
-- live appointments; a cancelled one may come back, pointing at its new booking.
CREATE TABLE booking_codes (
    code           TEXT NOT NULL,
    clinic_id      TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    PRIMARY KEY (code, clinic_id)
);
-- A new code is checked against the clinic's live appointments.
CREATE INDEX appointments_by_code ON appointments (clinic_id, code);
