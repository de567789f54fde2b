-- 0020: projects (cost centres) and the catalogue of services and
-- consumables, and the billing tables that carry them: a charge may belong to
-- a project and be for a catalogue item (kinds 'service' and 'consumable');
-- its parts and the invoice lines gain the UN/ECE Rec 20 units items are sold
-- in (litre, millilitre, kilogram, gram, day, minute, service unit).
-- charges, charge_parts and invoice_lines are rebuilt (SQLite cannot widen a
-- CHECK in place) with every column, index and trigger they had; the
-- migration runs with foreign keys off and checks them before it commits.
-- foreign_keys: off

-- A company's project or cost centre. Bookings, services and consumables are
-- charged to one; invoices group by it and carry its purchase order number.
CREATE TABLE projects (
  id            INTEGER PRIMARY KEY,
  tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
  code          TEXT NOT NULL,                  -- the company's own code, unique in the company
  name          TEXT NOT NULL,
  po_number     TEXT NOT NULL DEFAULT '',       -- purchase order: UBL OrderReference
  budget_cents  INTEGER CHECK (budget_cents IS NULL OR budget_cents BETWEEN 1 AND 100000000000),
  budget_block  INTEGER NOT NULL DEFAULT 0 CHECK (budget_block IN (0,1)),  -- refuse at 100 %
  valid_from    TEXT CHECK (valid_from IS NULL OR valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  valid_until   TEXT CHECK (valid_until IS NULL OR valid_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  state         TEXT NOT NULL CHECK (state IN ('pending','active','closed')),
  approved_by   TEXT,
  approved_at   INTEGER,
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX projects_code ON projects(tenant_id, code);

-- What a facility sells besides instrument time: work (services) and things
-- (consumables), each in one unit. Prices live with the items' price lists.
CREATE TABLE catalogue_items (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('service','consumable')),
  code          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  unit          TEXT NOT NULL CHECK (unit IN ('HUR','C62','LTR','MLT','KGM','GRM','DAY','MIN','E48')),
  resource_id   INTEGER REFERENCES resources(id),   -- the resource a service is done on, if any
  vat_category  TEXT NOT NULL CHECK (vat_category IN ('S','Z','E')),
  vat_rate_bp   INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
  exempt_reason TEXT NOT NULL DEFAULT '',
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- The one trigger elsewhere that names charges goes first (a rename checks
-- every trigger); charge_parts is rebuilt below with it.
DROP TRIGGER charge_parts_invoiced;

CREATE TABLE charges_new (
  id             INTEGER PRIMARY KEY,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  person_id      INTEGER REFERENCES people(id),
  reservation_id INTEGER REFERENCES reservations(id),
  resource_id    INTEGER REFERENCES resources(id),
  recurring_id   INTEGER REFERENCES recurring_fees(id),
  rate_plan_id   INTEGER REFERENCES rate_plans(id),
  kind           TEXT NOT NULL CHECK (kind IN ('usage','cancellation','no_show','membership','bench',
                                               'adjustment','service','consumable')),
  state          TEXT NOT NULL CHECK (state IN ('pending','final')),
  at             INTEGER NOT NULL,
  start          INTEGER NOT NULL,
  end            INTEGER NOT NULL,
  description    TEXT NOT NULL,
  reason         TEXT NOT NULL DEFAULT '',
  net_cents      INTEGER NOT NULL,
  vat_category   TEXT NOT NULL CHECK (vat_category IN ('S','Z','E','AE')),
  vat_rate_bp    INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
  exempt_reason  TEXT NOT NULL DEFAULT '',
  invoice_id     INTEGER REFERENCES invoices(id),
  created_by     TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  held_until     TEXT CHECK (held_until IS NULL OR held_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
  project_id     INTEGER REFERENCES projects(id),
  item_id        INTEGER REFERENCES catalogue_items(id),
  CHECK ((kind IN ('service','consumable')) = (item_id IS NOT NULL))
);
INSERT INTO charges_new (id, tenant_id, person_id, reservation_id, resource_id, recurring_id, rate_plan_id,
    kind, state, at, start, end, description, reason, net_cents, vat_category, vat_rate_bp, exempt_reason,
    invoice_id, created_by, created_at, updated_at, held_until)
  SELECT id, tenant_id, person_id, reservation_id, resource_id, recurring_id, rate_plan_id,
    kind, state, at, start, end, description, reason, net_cents, vat_category, vat_rate_bp, exempt_reason,
    invoice_id, created_by, created_at, updated_at, held_until FROM charges;
DROP TABLE charges;
ALTER TABLE charges_new RENAME TO charges;
CREATE UNIQUE INDEX charges_reservation ON charges(reservation_id) WHERE reservation_id IS NOT NULL;
CREATE UNIQUE INDEX charges_recurring ON charges(recurring_id, at) WHERE recurring_id IS NOT NULL;
CREATE INDEX charges_open ON charges(tenant_id, at) WHERE invoice_id IS NULL;
CREATE INDEX charges_tenant_at ON charges(tenant_id, at);
CREATE INDEX charges_at ON charges(at);
CREATE INDEX charges_invoice ON charges(invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX charges_project ON charges(project_id) WHERE project_id IS NOT NULL;
CREATE INDEX charges_item ON charges(item_id, at) WHERE item_id IS NOT NULL;
CREATE TRIGGER charges_invoiced_no_update BEFORE UPDATE ON charges
  WHEN OLD.invoice_id IS NOT NULL AND (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge never changes; issue a credit note'); END;
CREATE TRIGGER charges_invoiced_no_delete BEFORE DELETE ON charges WHEN OLD.invoice_id IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge is kept'); END;

CREATE TABLE charge_parts_new (
  charge_id  INTEGER NOT NULL REFERENCES charges(id) ON DELETE CASCADE,
  pos        INTEGER NOT NULL,
  part       TEXT NOT NULL CHECK (part IN ('hours','peak','offpeak','minimum','fee','item')),
  unit       TEXT NOT NULL CHECK (unit IN ('HUR','C62','LTR','MLT','KGM','GRM','DAY','MIN','E48')),
  qty_e6     INTEGER NOT NULL,
  unit_cents INTEGER NOT NULL CHECK (unit_cents >= 0),
  net_cents  INTEGER NOT NULL,
  PRIMARY KEY (charge_id, pos)
) WITHOUT ROWID;
INSERT INTO charge_parts_new SELECT charge_id, pos, part, unit, qty_e6, unit_cents, net_cents FROM charge_parts;
DROP TABLE charge_parts;
ALTER TABLE charge_parts_new RENAME TO charge_parts;
CREATE TRIGGER charge_parts_invoiced BEFORE DELETE ON charge_parts
  WHEN (SELECT invoice_id FROM charges WHERE id = OLD.charge_id) IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge is kept'); END;

CREATE TABLE invoice_lines_new (
  invoice_id    INTEGER NOT NULL REFERENCES invoices(id),
  pos           INTEGER NOT NULL,
  charge_id     INTEGER REFERENCES charges(id),
  corrects_pos  INTEGER,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  period_start  TEXT NOT NULL DEFAULT '',
  period_end    TEXT NOT NULL DEFAULT '',
  unit          TEXT NOT NULL CHECK (unit IN ('HUR','C62','LTR','MLT','KGM','GRM','DAY','MIN','E48')),
  qty_e6        INTEGER NOT NULL,
  price_cents   INTEGER NOT NULL CHECK (price_cents >= 0),
  net_cents     INTEGER NOT NULL,
  vat_category  TEXT NOT NULL CHECK (vat_category IN ('S','Z','E','AE')),
  vat_rate_bp   INTEGER NOT NULL,
  PRIMARY KEY (invoice_id, pos)
);
INSERT INTO invoice_lines_new SELECT invoice_id, pos, charge_id, corrects_pos, name, description,
  period_start, period_end, unit, qty_e6, price_cents, net_cents, vat_category, vat_rate_bp FROM invoice_lines;
DROP TABLE invoice_lines;
ALTER TABLE invoice_lines_new RENAME TO invoice_lines;
CREATE TRIGGER invoice_lines_issued_no_update BEFORE UPDATE ON invoice_lines
  WHEN (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes'); END;
CREATE TRIGGER invoice_lines_issued_no_delete BEFORE DELETE ON invoice_lines
  WHEN (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice is kept'); END;
