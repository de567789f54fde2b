-- 0026: a charge's id is never given to another charge. Charges that are not
-- on an invoice may be deleted (a cancelled booking's usage charge, a voided
-- consumable); with a plain INTEGER PRIMARY KEY the next charge could take
-- the id of the newest deleted one, and the audit log, the API clients and
-- the e-mails that named it would then name another charge. AUTOINCREMENT
-- keeps ids rising. SQLite cannot add it in place, so charges is rebuilt
-- with every column, index and trigger it has (and the trigger of
-- charge_parts that names it); the migration runs with foreign keys off and
-- checks them before it commits.
-- foreign_keys: off

DROP TRIGGER charge_parts_invoiced;

CREATE TABLE charges_new (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
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
    invoice_id, created_by, created_at, updated_at, held_until, project_id, item_id)
  SELECT id, tenant_id, person_id, reservation_id, resource_id, recurring_id, rate_plan_id,
    kind, state, at, start, end, description, reason, net_cents, vat_category, vat_rate_bp, exempt_reason,
    invoice_id, created_by, created_at, updated_at, held_until, project_id, item_id FROM charges;
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
CREATE TRIGGER charge_parts_invoiced BEFORE DELETE ON charge_parts
  WHEN (SELECT invoice_id FROM charges WHERE id = OLD.charge_id) IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge is kept'); END;
