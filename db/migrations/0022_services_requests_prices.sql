-- 0022: the prices of catalogue items (versions by tier and effective date,
-- never changed: a new price is a new version) and service requests (a
-- member asks for a service; staff quote, accept, do and complete it, and
-- completion leaves one charge). Consumables used are charges of kind
-- 'consumable' themselves (0020), so they need no table of their own.

CREATE TABLE item_prices (
  id             INTEGER PRIMARY KEY,
  item_id        INTEGER NOT NULL REFERENCES catalogue_items(id),
  tier           TEXT CHECK (tier IS NULL OR tier IN ('startup','academic','corporate')),  -- NULL: every tier
  effective_from INTEGER NOT NULL,                 -- site-local midnight
  unit_cents     INTEGER NOT NULL CHECK (unit_cents BETWEEN 0 AND 10000000),
  created_by     TEXT NOT NULL,
  created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX item_prices_version ON item_prices(item_id, COALESCE(tier, ''), effective_from);
CREATE TRIGGER item_prices_no_update BEFORE UPDATE ON item_prices
  BEGIN SELECT RAISE(ABORT, 'a price version never changes; add a new version'); END;
CREATE TRIGGER item_prices_no_delete BEFORE DELETE ON item_prices
  BEGIN SELECT RAISE(ABORT, 'a price version is kept'); END;

CREATE TABLE service_requests (
  id                INTEGER PRIMARY KEY,
  tenant_id         INTEGER NOT NULL REFERENCES tenants(id),
  person_id         INTEGER NOT NULL REFERENCES people(id),
  item_id           INTEGER NOT NULL REFERENCES catalogue_items(id),
  project_id        INTEGER REFERENCES projects(id),
  qty_e6            INTEGER NOT NULL CHECK (qty_e6 BETWEEN 1 AND 100000000000),
  note              TEXT NOT NULL DEFAULT '',
  state             TEXT NOT NULL CHECK (state IN ('requested','quoted','accepted','in_progress','completed',
                                                   'declined','cancelled')),
  quote_qty_e6      INTEGER CHECK (quote_qty_e6 IS NULL OR quote_qty_e6 BETWEEN 1 AND 100000000000),
  quote_unit_cents  INTEGER CHECK (quote_unit_cents IS NULL OR quote_unit_cents BETWEEN 0 AND 10000000),
  quote_note        TEXT NOT NULL DEFAULT '',
  quote_valid_until TEXT CHECK (quote_valid_until IS NULL OR
                                quote_valid_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  quoted_at         INTEGER,
  reason            TEXT NOT NULL DEFAULT '',       -- why it was declined or cancelled
  charge_id         INTEGER REFERENCES charges(id),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  completed_at      INTEGER,
  CHECK ((state = 'completed') = (charge_id IS NOT NULL))
);
CREATE INDEX service_requests_tenant ON service_requests(tenant_id, id);
CREATE INDEX service_requests_open ON service_requests(state)
  WHERE state IN ('requested','quoted','accepted','in_progress');
