-- 0010: how long each kind of personal record is kept, and the log of the
-- runs that removed them (privacy/retention.c applies them once a day).
-- retention_settings: days per kind, set by staff within the bounds the
-- program enforces (privacy/retention.c, docs/privacy.md); invoices, credit
-- notes and payments are kept 7 years by law and are not a setting.
-- retention_runs: one row per kind per run, with what was removed.
CREATE TABLE retention_settings (
  kind       TEXT PRIMARY KEY CHECK (kind IN ('door_events', 'sessions', 'audit', 'waitlist')),
  days       INTEGER NOT NULL CHECK (days > 0),
  updated_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO retention_settings(kind, days) VALUES ('door_events', 92), ('sessions', 30), ('audit', 730), ('waitlist', 365);

CREATE TABLE retention_runs (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  cutoff  INTEGER NOT NULL,
  removed INTEGER NOT NULL
);
CREATE INDEX retention_runs_at ON retention_runs(at);
