-- What the reports keep of each service day: the facts of its tickets
-- (`medicloud_core::report::Facts`, JSON), computed the first time a report needs
-- them, so a year's report reads some 365 rows instead of 150,000 tickets. `basis` is
-- the facts' form and time zone (`1:Asia/Jakarta`): facts of another are computed
-- again. Every change to a ticket of the day adds one to `gen` and forgets the facts;
-- facts computed from a snapshot are kept only while `gen` is still the one read with
-- it, so a change that overtook the report is never hidden.
CREATE TABLE report_days (
    day   TEXT    PRIMARY KEY,
    gen   INTEGER NOT NULL DEFAULT 0,
    basis TEXT,
    facts TEXT
) STRICT;
