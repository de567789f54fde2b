-- 0008: the language of a tenant's invoices, and charges held back from a draft.
--
-- tenants.language: 'nl' or 'en', the language of the tenant's invoices and
-- credit notes (labels, line names and descriptions, dates); '' follows the
-- site's language.
-- charges.held_until: 'YYYY-MM' when staff excluded the charge from a draft
-- invoice; no invoice of a month before it takes the charge, so it waits for
-- the next month's run. NULL for every other charge.
ALTER TABLE tenants ADD COLUMN language TEXT NOT NULL DEFAULT '' CHECK (language IN ('', 'nl', 'en'));
ALTER TABLE charges ADD COLUMN held_until TEXT CHECK (held_until IS NULL OR held_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]');
