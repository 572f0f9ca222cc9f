-- Medicloud cloud schema (SQLite): the audit trail. Append-only.
--
-- The HQ reads a clinic's trail newest first from its events (`/hq/v1/audit`): each
-- page is a backward walk of this index from the previous page's last stamp.
CREATE INDEX events_by_stamp ON events (clinic, stamp);
