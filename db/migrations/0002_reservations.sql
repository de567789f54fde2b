-- 0002: resources and their rules, qualifications, reservations and series,
-- waitlist, notification outbox, calendar feeds.

ALTER TABLE site ADD COLUMN no_show_grace_min INTEGER NOT NULL DEFAULT 15;
ALTER TABLE site ADD COLUMN early_checkin_min INTEGER NOT NULL DEFAULT 15;

CREATE TABLE resources (
  id                INTEGER PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('lab','equipment','room')),
  name              TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  door_group        TEXT NOT NULL DEFAULT '',
  capacity          INTEGER NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 100),
  status            TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available','out_of_service')),
  oos_reason        TEXT NOT NULL DEFAULT '',
  oos_until         INTEGER NOT NULL DEFAULT 0,
  min_minutes       INTEGER NOT NULL DEFAULT 15,
  max_minutes       INTEGER NOT NULL DEFAULT 480,
  granularity_min   INTEGER NOT NULL DEFAULT 15,
  min_notice_min    INTEGER NOT NULL DEFAULT 0,
  max_advance_days  INTEGER NOT NULL DEFAULT 90,
  buffer_before_min INTEGER NOT NULL DEFAULT 0,
  buffer_after_min  INTEGER NOT NULL DEFAULT 0,
  approval_required INTEGER NOT NULL DEFAULT 0,
  quota_week_min    INTEGER NOT NULL DEFAULT 0,   -- per tenant; 0 = no quota
  quota_month_min   INTEGER NOT NULL DEFAULT 0,
  -- Longest block (booking plus buffers, seconds) ever stored for this
  -- resource: bounds the overlap search to an index range.
  longest_block     INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX resources_name ON resources(name COLLATE NOCASE);

-- Opening hours per ISO weekday (1 = Monday) in site-local minutes [open, close).
CREATE TABLE resource_hours (
  resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  open_min    INTEGER NOT NULL CHECK (open_min BETWEEN 0 AND 1439),
  close_min   INTEGER NOT NULL CHECK (close_min BETWEEN 1 AND 1440),
  CHECK (close_min > open_min)
);
CREATE INDEX resource_hours_res ON resource_hours(resource_id);

-- Closures: a resource's (or, with resource_id NULL, every resource's) unavailable periods.
CREATE TABLE closures (
  id          INTEGER PRIMARY KEY,
  resource_id INTEGER REFERENCES resources(id) ON DELETE CASCADE,
  start       INTEGER NOT NULL,
  end         INTEGER NOT NULL CHECK (end > start),
  reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX closures_time ON closures(end);

CREATE TABLE qualifications (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  validity_days INTEGER NOT NULL DEFAULT 365 CHECK (validity_days BETWEEN 1 AND 3650),
  created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX qualifications_name ON qualifications(name COLLATE NOCASE);

CREATE TABLE resource_qualifications (
  resource_id      INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  qualification_id INTEGER NOT NULL REFERENCES qualifications(id),
  PRIMARY KEY (resource_id, qualification_id)
);

CREATE TABLE qualification_grants (
  id               INTEGER PRIMARY KEY,
  person_id        INTEGER NOT NULL REFERENCES people(id),
  qualification_id INTEGER NOT NULL REFERENCES qualifications(id),
  granted_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  withdrawn_at     INTEGER,
  granted_by       TEXT NOT NULL
);
CREATE INDEX grants_person ON qualification_grants(person_id, qualification_id);

CREATE TABLE series (
  id          INTEGER PRIMARY KEY,
  rrule       TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE reservations (
  id             INTEGER PRIMARY KEY,
  resource_id    INTEGER NOT NULL REFERENCES resources(id),
  person_id      INTEGER NOT NULL REFERENCES people(id),
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  booked_by      TEXT NOT NULL,
  series_id      INTEGER REFERENCES series(id),
  title          TEXT NOT NULL DEFAULT '',
  start          INTEGER NOT NULL,
  end            INTEGER NOT NULL CHECK (end > start),
  block_start    INTEGER NOT NULL,     -- start minus the buffer before
  block_end      INTEGER NOT NULL,     -- end plus the buffer after
  status         TEXT NOT NULL CHECK (status IN ('requested','confirmed','checked_in','completed',
                                                 'cancelled','rejected','no_show')),
  reason         TEXT NOT NULL DEFAULT '',
  checked_in_at  INTEGER,
  checked_out_at INTEGER,
  cancelled_at   INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
-- The overlap index: only reservations that hold their slot, by resource and
-- block start. A lookup reads [start - longest_block, end) of one resource.
CREATE INDEX reservations_holding ON reservations(resource_id, block_start, block_end)
  WHERE status IN ('requested','confirmed','checked_in');
CREATE INDEX reservations_time ON reservations(start);
CREATE INDEX reservations_resource ON reservations(resource_id, start);
CREATE INDEX reservations_tenant ON reservations(tenant_id, resource_id, start);
CREATE INDEX reservations_person ON reservations(person_id, start);
CREATE INDEX reservations_series ON reservations(series_id) WHERE series_id IS NOT NULL;

CREATE TABLE waitlist (
  id             INTEGER PRIMARY KEY,
  resource_id    INTEGER NOT NULL REFERENCES resources(id),
  person_id      INTEGER NOT NULL REFERENCES people(id),
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  start          INTEGER NOT NULL,
  end            INTEGER NOT NULL CHECK (end > start),
  title          TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','fulfilled','cancelled','expired')),
  reservation_id INTEGER REFERENCES reservations(id),
  created_at     INTEGER NOT NULL
);
CREATE INDEX waitlist_open ON waitlist(resource_id, start) WHERE status = 'waiting';

CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  recipient  TEXT NOT NULL,
  subject    TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at    INTEGER,
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(id) WHERE sent_at IS NULL;

CREATE TABLE calendar_feeds (
  id          INTEGER PRIMARY KEY,
  token_hash  BLOB NOT NULL UNIQUE,
  person_id   INTEGER NOT NULL REFERENCES people(id),   -- owner; the feed shows what they may see
  resource_id INTEGER REFERENCES resources(id),        -- NULL: the owner's own reservations
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
