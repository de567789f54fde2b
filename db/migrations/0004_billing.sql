-- 0004: billing: rate plans (versioned by effective date) with peak windows,
-- billing policies per resource, recurring fees, charges and their parts,
-- invoices and credit notes with their lines, payments.
-- Money is INTEGER cents; instants are INTEGER seconds (UTC); periods are
-- site-local months 'YYYY-MM'. Issued documents and invoiced charges are
-- immutable (triggers below); corrections are credit notes.

-- A rate plan version. Scope: one resource, one resource kind, or (both
-- NULL) every resource; tier NULL applies to every tenant tier. The version
-- in force for a booking is the most specific scope, then tier, with the
-- latest effective_from at or before the booking's start. Versions never
-- change: a price change is a new version with its own effective date.
CREATE TABLE rate_plans (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  resource_id      INTEGER REFERENCES resources(id),
  resource_kind    TEXT CHECK (resource_kind IN ('lab','equipment','room')),
  tier             TEXT CHECK (tier IN ('startup','academic','corporate')),
  effective_from   INTEGER NOT NULL,            -- site-local midnight of the first day
  peak_cents       INTEGER NOT NULL CHECK (peak_cents BETWEEN 0 AND 1000000),
  offpeak_cents    INTEGER NOT NULL CHECK (offpeak_cents BETWEEN 0 AND 1000000),
  round_minutes    INTEGER NOT NULL DEFAULT 0 CHECK (round_minutes BETWEEN 0 AND 1440),
  min_charge_cents INTEGER NOT NULL DEFAULT 0 CHECK (min_charge_cents BETWEEN 0 AND 100000000),
  vat_category     TEXT NOT NULL CHECK (vat_category IN ('S','Z','E')),
  vat_rate_bp      INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
  exempt_reason    TEXT NOT NULL DEFAULT '',
  reverse_charge   INTEGER NOT NULL DEFAULT 0 CHECK (reverse_charge IN (0,1)),
  previous_id      INTEGER REFERENCES rate_plans(id),
  created_by       TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  CHECK (resource_id IS NULL OR resource_kind IS NULL)
);
CREATE UNIQUE INDEX rate_plans_version ON rate_plans(COALESCE(resource_id, 0), COALESCE(resource_kind, ''),
  COALESCE(tier, ''), effective_from);
CREATE TRIGGER rate_plans_no_update BEFORE UPDATE ON rate_plans
  BEGIN SELECT RAISE(ABORT, 'rate plan versions never change; add a version'); END;
CREATE TRIGGER rate_plans_no_delete BEFORE DELETE ON rate_plans
  BEGIN SELECT RAISE(ABORT, 'rate plan versions are kept'); END;

-- Peak windows of a version: site wall-clock minutes [from_min, to_min) on
-- the weekdays whose bit (1 << tm_wday, bit 0 = Sunday) is set in days.
CREATE TABLE rate_plan_windows (
  rate_plan_id INTEGER NOT NULL REFERENCES rate_plans(id),
  days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
  from_min     INTEGER NOT NULL CHECK (from_min BETWEEN 0 AND 1439),
  to_min       INTEGER NOT NULL CHECK (to_min BETWEEN 1 AND 1440),
  CHECK (to_min > from_min)
);
CREATE INDEX rate_plan_windows_plan ON rate_plan_windows(rate_plan_id);

-- Billing policy of a resource (absent: billed as booked, cancellation free
-- until 24 h before the start, no fees).
CREATE TABLE billing_policies (
  resource_id        INTEGER PRIMARY KEY REFERENCES resources(id),
  basis              TEXT NOT NULL CHECK (basis IN ('booked','actual','max')),
  charge_overrun     INTEGER NOT NULL DEFAULT 1 CHECK (charge_overrun IN (0,1)),
  free_cancel_hours  INTEGER NOT NULL CHECK (free_cancel_hours BETWEEN 0 AND 8760),
  cancel_fee_kind    TEXT NOT NULL CHECK (cancel_fee_kind IN ('none','fixed','percent')),
  cancel_fee_amount  INTEGER NOT NULL DEFAULT 0,
  noshow_fee_kind    TEXT NOT NULL CHECK (noshow_fee_kind IN ('none','fixed','percent')),
  noshow_fee_amount  INTEGER NOT NULL DEFAULT 0,
  updated_at         INTEGER NOT NULL
);

-- Monthly membership or bench fees of a tenant, charged for every month
-- from from_month through until_month (NULL: until ended).
CREATE TABLE recurring_fees (
  id            INTEGER PRIMARY KEY,
  tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
  kind          TEXT NOT NULL CHECK (kind IN ('membership','bench')),
  description   TEXT NOT NULL,
  monthly_cents INTEGER NOT NULL CHECK (monthly_cents BETWEEN 1 AND 100000000),
  vat_category  TEXT NOT NULL CHECK (vat_category IN ('S','Z','E')),
  vat_rate_bp   INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
  exempt_reason TEXT NOT NULL DEFAULT '',
  from_month    TEXT NOT NULL,
  until_month   TEXT,
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX recurring_fees_tenant ON recurring_fees(tenant_id);

CREATE TABLE invoices (
  id              INTEGER PRIMARY KEY,
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
  CHECK ((status = 'issued') = (number IS NOT NULL)),
  CHECK ((kind = 'credit_note') = (corrects_id IS NOT NULL))
);
-- One invoice per tenant and month: a second run adds nothing.
CREATE UNIQUE INDEX invoices_period ON invoices(tenant_id, period) WHERE kind = 'invoice';
-- Gapless numbering per series: seq is max + 1 inside the issuing transaction.
CREATE UNIQUE INDEX invoices_seq ON invoices(kind, year, seq) WHERE seq IS NOT NULL;
CREATE INDEX invoices_corrects ON invoices(corrects_id) WHERE corrects_id IS NOT NULL;
CREATE TRIGGER invoices_issued_no_update BEFORE UPDATE ON invoices WHEN OLD.status = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes; issue a credit note'); END;
CREATE TRIGGER invoices_issued_no_delete BEFORE DELETE ON invoices WHEN OLD.status = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice is kept'); END;

-- Every billable fact. A reservation has at most one (usage, cancellation
-- or no-show fee), recomputed while invoice_id is NULL; pending charges
-- belong to reservations not settled yet and are not invoiced.
CREATE TABLE charges (
  id             INTEGER PRIMARY KEY,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  person_id      INTEGER REFERENCES people(id),
  reservation_id INTEGER REFERENCES reservations(id),
  resource_id    INTEGER REFERENCES resources(id),
  recurring_id   INTEGER REFERENCES recurring_fees(id),
  rate_plan_id   INTEGER REFERENCES rate_plans(id),
  kind           TEXT NOT NULL CHECK (kind IN ('usage','cancellation','no_show','membership','bench','adjustment')),
  state          TEXT NOT NULL CHECK (state IN ('pending','final')),
  at             INTEGER NOT NULL,     -- the instant whose site-local month the charge belongs to
  start          INTEGER NOT NULL,     -- service period [start, end)
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
  updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX charges_reservation ON charges(reservation_id) WHERE reservation_id IS NOT NULL;
CREATE UNIQUE INDEX charges_recurring ON charges(recurring_id, at) WHERE recurring_id IS NOT NULL;
CREATE INDEX charges_open ON charges(tenant_id, at) WHERE invoice_id IS NULL;
CREATE INDEX charges_tenant_at ON charges(tenant_id, at);
CREATE INDEX charges_at ON charges(at);
CREATE INDEX charges_invoice ON charges(invoice_id) WHERE invoice_id IS NOT NULL;
CREATE TRIGGER charges_invoiced_no_update BEFORE UPDATE ON charges
  WHEN OLD.invoice_id IS NOT NULL AND (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge never changes; issue a credit note'); END;
CREATE TRIGGER charges_invoiced_no_delete BEFORE DELETE ON charges WHEN OLD.invoice_id IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge is kept'); END;

-- The invoice-line parts of a charge (peak, off-peak, minimum, fee, amount).
CREATE TABLE charge_parts (
  charge_id  INTEGER NOT NULL REFERENCES charges(id) ON DELETE CASCADE,
  pos        INTEGER NOT NULL,
  part       TEXT NOT NULL CHECK (part IN ('hours','peak','offpeak','minimum','fee')),
  unit       TEXT NOT NULL CHECK (unit IN ('HUR','C62')),
  qty_e6     INTEGER NOT NULL,
  unit_cents INTEGER NOT NULL CHECK (unit_cents >= 0),
  net_cents  INTEGER NOT NULL,
  PRIMARY KEY (charge_id, pos)
);
CREATE TRIGGER charge_parts_invoiced BEFORE DELETE ON charge_parts
  WHEN (SELECT invoice_id FROM charges WHERE id = OLD.charge_id) IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'an invoiced charge is kept'); END;

-- Lines as issued (names in the document's language); credit-note lines
-- name the invoice line they correct.
CREATE TABLE invoice_lines (
  invoice_id    INTEGER NOT NULL REFERENCES invoices(id),
  pos           INTEGER NOT NULL,
  charge_id     INTEGER REFERENCES charges(id),
  corrects_pos  INTEGER,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  period_start  TEXT NOT NULL DEFAULT '',
  period_end    TEXT NOT NULL DEFAULT '',
  unit          TEXT NOT NULL CHECK (unit IN ('HUR','C62')),
  qty_e6        INTEGER NOT NULL,
  price_cents   INTEGER NOT NULL CHECK (price_cents >= 0),
  net_cents     INTEGER NOT NULL,
  vat_category  TEXT NOT NULL CHECK (vat_category IN ('S','Z','E','AE')),
  vat_rate_bp   INTEGER NOT NULL,
  PRIMARY KEY (invoice_id, pos)
);
CREATE TRIGGER invoice_lines_issued_no_update BEFORE UPDATE ON invoice_lines
  WHEN (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes'); END;
CREATE TRIGGER invoice_lines_issued_no_delete BEFORE DELETE ON invoice_lines
  WHEN (SELECT status FROM invoices WHERE id = OLD.invoice_id) = 'issued'
  BEGIN SELECT RAISE(ABORT, 'an issued invoice is kept'); END;

CREATE TABLE payments (
  id           INTEGER PRIMARY KEY,
  invoice_id   INTEGER NOT NULL REFERENCES invoices(id),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  paid_on      TEXT NOT NULL,                 -- 'YYYY-MM-DD'
  reference    TEXT NOT NULL DEFAULT '',
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX payments_invoice ON payments(invoice_id);
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
  BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
  BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
