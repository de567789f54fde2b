-- 0007: fees follow a booking's history, and an Idempotency-Key is bound to
-- the request it was first used with.
--
-- fee_terms (owned by billing, booking/bill_fees.c): one row per reservation
-- that has been confirmed. earliest_start is the earliest start the booking
-- has had since it was first confirmed: a cancellation is late when it comes
-- after earliest_start minus the resource's free-cancellation window. The
-- basis (resource, start, end) is what a late cancellation or a no-show is
-- charged on at least: the booking as it stood when it entered its late
-- window; changes made inside the window do not move it (frozen = 1).
CREATE TABLE fee_terms (
  reservation_id  INTEGER PRIMARY KEY REFERENCES reservations(id),
  earliest_start  INTEGER NOT NULL,
  basis_resource  INTEGER NOT NULL REFERENCES resources(id),
  basis_start     INTEGER NOT NULL,
  basis_end       INTEGER NOT NULL CHECK (basis_end > basis_start),
  frozen          INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0,1)),
  confirmed_at    INTEGER NOT NULL
) WITHOUT ROWID;
-- Bookings confirmed before this migration: their history starts here, with
-- their current times (settled ones keep the charges they have).
INSERT INTO fee_terms(reservation_id, earliest_start, basis_resource, basis_start, basis_end, frozen, confirmed_at)
  SELECT id, start, resource_id, start, end, 0, updated_at FROM reservations
  WHERE status IN ('confirmed','checked_in');

-- The hash (SHA-256, hex) of method, route and canonical JSON body of the
-- request that first used a key; '' for keys stored before this migration.
ALTER TABLE idempotency ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
