-- 0023: downtime, incidents and the resource log. A downtime takes a
-- resource out of service for a period (planned maintenance or a fault;
-- open-ended while end is NULL) and blocks new bookings in it like a
-- closure; bookings it meets are kept or cancelled by the facility (fee
-- waived), as staff chose. Members report incidents (problems) with a
-- resource; staff acknowledge and resolve them. The resource log keeps
-- maintenance done, incidents, calibrations (with the date the next one is
-- due, and when staff were reminded of it) and notes. Resources in the same
-- equivalent_group (staff-set, '' = none) are interchangeable: a booking
-- that a downtime meets is offered free slots on them too.
ALTER TABLE resources ADD COLUMN equivalent_group TEXT NOT NULL DEFAULT '';

CREATE TABLE incidents (
  id           INTEGER PRIMARY KEY,
  resource_id  INTEGER NOT NULL REFERENCES resources(id),
  person_id    INTEGER REFERENCES people(id),          -- the reporter (NULL: staff without a person, or erased)
  tenant_id    INTEGER REFERENCES tenants(id),         -- the reporter's tenant then
  severity     TEXT NOT NULL CHECK (severity IN ('low','medium','high')),
  text         TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('open','acknowledged','resolved')),
  resolution   TEXT NOT NULL DEFAULT '',
  downtime_id  INTEGER,                                -- the fault downtime it became, if any
  created_at   INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  resolved_at  INTEGER,
  resolved_by  TEXT,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX incidents_resource ON incidents(resource_id, created_at);
CREATE INDEX incidents_person ON incidents(person_id);

CREATE TABLE downtimes (
  id           INTEGER PRIMARY KEY,
  resource_id  INTEGER NOT NULL REFERENCES resources(id),
  kind         TEXT NOT NULL CHECK (kind IN ('planned','fault')),
  start        INTEGER NOT NULL,
  end          INTEGER CHECK (end IS NULL OR end > start),   -- NULL: until further notice
  reason       TEXT NOT NULL,
  bookings     TEXT NOT NULL CHECK (bookings IN ('keep','cancel')),
  incident_id  INTEGER REFERENCES incidents(id),
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX downtimes_resource ON downtimes(resource_id, start);

CREATE TABLE resource_log (
  id           INTEGER PRIMARY KEY,
  resource_id  INTEGER NOT NULL REFERENCES resources(id),
  kind         TEXT NOT NULL CHECK (kind IN ('maintenance','incident','calibration','note')),
  text         TEXT NOT NULL,
  author       TEXT NOT NULL,                          -- the actor's label
  person_id    INTEGER REFERENCES people(id),          -- who wrote it (the reporter of an incident)
  incident_id  INTEGER REFERENCES incidents(id),
  downtime_id  INTEGER REFERENCES downtimes(id),
  due_date     TEXT CHECK (due_date IS NULL OR due_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  reminded_at  INTEGER,                                -- staff were reminded of due_date
  at           INTEGER NOT NULL
);
CREATE INDEX resource_log_resource ON resource_log(resource_id, at);
CREATE INDEX resource_log_due ON resource_log(due_date) WHERE due_date IS NOT NULL AND reminded_at IS NULL;
