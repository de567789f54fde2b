-- 0026: the id of a charge, an invoice, a webhook endpoint or a webhook
-- delivery is never given to another one.
-- Charges that are not on an invoice may be deleted (a cancelled booking's
-- usage charge, a voided consumable), and draft invoices are deleted when
-- they are made again; with a plain INTEGER PRIMARY KEY the next row could
-- take the id of the newest deleted one, and the audit log, an open page,
-- the API clients and the e-mails that named it would then name another
-- charge or another company's draft. A deleted endpoint takes its deliveries
-- with it, and the webhook worker, finishing an attempt on one of them, would
-- mark a new delivery that took its id as sent. AUTOINCREMENT keeps ids
-- rising. SQLite cannot add it in place, so these tables are rebuilt with every
-- column, index and trigger they have (and the triggers of other tables that
-- name them go first and come back last); the migration runs with foreign
-- keys off and checks them before it commits. The sequences start at the
-- highest id there is: an id above it deleted before this migration can
-- still be given once.
-- foreign_keys: off

DROP TRIGGER charge_parts_invoiced;
DROP TRIGGER charges_invoiced_no_update;
DROP TRIGGER invoice_lines_issued_no_update;
DROP TRIGGER invoice_lines_issued_no_delete;

CREATE TABLE invoices_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL CHECK (kind IN ('invoice','credit_note')),
  tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
  period          TEXT NOT NULL,                 -- 'YYYY-MM'
  status          TEXT NOT NULL CHECK (status IN ('draft','issued')),
  number          TEXT UNIQUE,                   -- NULL while a draft
  year            INTEGER,                       -- numbering series: kind and year
  seq             INTEGER,
  corrects_id     INTEGER REFERENCES invoices(id),
  issue_date      TEXT NOT NULL DEFAULT '',
  due_date        TEXT NOT NULL DEFAULT '',
  period_start    TEXT NOT NULL,
  period_end      TEXT NOT NULL,
  language        TEXT NOT NULL CHECK (language IN ('nl','en')),
  -- the seller and buyer as they were when the document was made
  seller_name     TEXT NOT NULL, seller_kvk TEXT NOT NULL, seller_vat TEXT NOT NULL,
  seller_street   TEXT NOT NULL, seller_city TEXT NOT NULL, seller_postal TEXT NOT NULL,
  seller_country  TEXT NOT NULL, seller_email TEXT NOT NULL, iban TEXT NOT NULL, bic TEXT NOT NULL,
  buyer_name      TEXT NOT NULL, buyer_kvk TEXT NOT NULL, buyer_vat TEXT NOT NULL,
  buyer_street    TEXT NOT NULL, buyer_city TEXT NOT NULL, buyer_postal TEXT NOT NULL,
  buyer_country   TEXT NOT NULL, buyer_email TEXT NOT NULL, buyer_reference TEXT NOT NULL,
  payment_terms   TEXT NOT NULL,
  note            TEXT NOT NULL DEFAULT '',
  exempt_reason   TEXT NOT NULL DEFAULT '',
  line_ext_cents  INTEGER NOT NULL,
  tax_cents       INTEGER NOT NULL,
  payable_cents   INTEGER NOT NULL,
  created_by      TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  issued_at       INTEGER,
  project_id      INTEGER REFERENCES projects(id),
  po_number       TEXT NOT NULL DEFAULT '',
  CHECK ((status = 'issued') = (number IS NOT NULL)),
  CHECK ((kind = 'credit_note') = (corrects_id IS NOT NULL))
);
INSERT INTO invoices_new (id, kind, tenant_id, period, status, number, year, seq, corrects_id, issue_date,
    due_date, period_start, period_end, language, seller_name, seller_kvk, seller_vat, seller_street,
    seller_city, seller_postal, seller_country, seller_email, iban, bic, buyer_name, buyer_kvk, buyer_vat,
    buyer_street, buyer_city, buyer_postal, buyer_country, buyer_email, buyer_reference, payment_terms, note,
    exempt_reason, line_ext_cents, tax_cents, payable_cents, created_by, created_at, issued_at, project_id,
    po_number)
  SELECT id, kind, tenant_id, period, status, number, year, seq, corrects_id, issue_date,
    due_date, period_start, period_end, language, seller_name, seller_kvk, seller_vat, seller_street,
    seller_city, seller_postal, seller_country, seller_email, iban, bic, buyer_name, buyer_kvk, buyer_vat,
    buyer_street, buyer_city, buyer_postal, buyer_country, buyer_email, buyer_reference, payment_terms, note,
    exempt_reason, line_ext_cents, tax_cents, payable_cents, created_by, created_at, issued_at, project_id,
    po_number FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_new RENAME TO invoices;
CREATE UNIQUE INDEX invoices_seq ON invoices(kind, year, seq) WHERE seq IS NOT NULL;
CREATE INDEX invoices_corrects ON invoices(corrects_id) WHERE corrects_id IS NOT NULL;
CREATE UNIQUE INDEX invoices_period ON invoices(tenant_id, period, COALESCE(project_id, 0)) WHERE kind = 'invoice';
CREATE TRIGGER invoices_issued_no_update BEFORE UPDATE ON invoices WHEN OLD.status = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes; issue a credit note'); END;
CREATE TRIGGER invoices_issued_no_delete BEFORE DELETE ON invoices WHEN OLD.status = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice is kept'); END;

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
CREATE TRIGGER invoice_lines_issued_no_update BEFORE UPDATE ON invoice_lines
  WHEN (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes'); END;
CREATE TRIGGER invoice_lines_issued_no_delete BEFORE DELETE ON invoice_lines
  WHEN (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice is kept'); END;

CREATE TABLE webhook_endpoints_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  url           TEXT NOT NULL CHECK (length(url) BETWEEN 9 AND 2048),
  description   TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 200),
  events        INTEGER NOT NULL CHECK (events > 0),
  secret_sealed BLOB NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  secret_at     INTEGER NOT NULL,
  version       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO webhook_endpoints_new (id, url, description, events, secret_sealed, enabled, created_by, created_at,
    updated_at, secret_at, version)
  SELECT id, url, description, events, secret_sealed, enabled, created_by, created_at, updated_at, secret_at, version
  FROM webhook_endpoints;

CREATE TABLE webhook_deliveries_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  msg_id          TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  delivered_at    INTEGER
);
INSERT INTO webhook_deliveries_new (id, endpoint_id, event, msg_id, payload, state, attempts, next_attempt_at,
    last_status, last_error, created_at, updated_at, delivered_at)
  SELECT id, endpoint_id, event, msg_id, payload, state, attempts, next_attempt_at, last_status, last_error,
    created_at, updated_at, delivered_at FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
ALTER TABLE webhook_endpoints_new RENAME TO webhook_endpoints;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
