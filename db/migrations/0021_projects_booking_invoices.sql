-- 0021: projects in use. A company may require a purchase order number on
-- every booking's project (require_po) and may want the projects its members
-- create approved by its admin (project_approval). A person has a default
-- project; a booking and a recurring series carry the project they are
-- charged to. A project remembers when its budget warning went out (once).
-- An invoice may be for one project (when the company requires purchase
-- orders, one invoice per project and month, each with its PO number as the
-- UBL OrderReference), so the month's uniqueness is per project.
ALTER TABLE tenants ADD COLUMN require_po INTEGER NOT NULL DEFAULT 0 CHECK (require_po IN (0,1));
ALTER TABLE tenants ADD COLUMN project_approval INTEGER NOT NULL DEFAULT 0 CHECK (project_approval IN (0,1));
ALTER TABLE people ADD COLUMN default_project_id INTEGER REFERENCES projects(id);
ALTER TABLE reservations ADD COLUMN project_id INTEGER REFERENCES projects(id);
ALTER TABLE series ADD COLUMN project_id INTEGER REFERENCES projects(id);
ALTER TABLE projects ADD COLUMN budget_warned_at INTEGER;
ALTER TABLE invoices ADD COLUMN project_id INTEGER REFERENCES projects(id);
ALTER TABLE invoices ADD COLUMN po_number TEXT NOT NULL DEFAULT '';
CREATE INDEX reservations_project ON reservations(project_id) WHERE project_id IS NOT NULL;
DROP INDEX invoices_period;
CREATE UNIQUE INDEX invoices_period ON invoices(tenant_id, period, COALESCE(project_id, 0)) WHERE kind = 'invoice';
-- An invoice line keeps the project it was charged to as it read on the
-- invoice ("code name"), so a document rendered later shows what was issued.
ALTER TABLE invoice_lines ADD COLUMN project_id INTEGER REFERENCES projects(id);
ALTER TABLE invoice_lines ADD COLUMN project TEXT NOT NULL DEFAULT '';
