-- 0012: bookings the facility cancels. When staff suspend or offboard a
-- tenant and choose to cancel its future bookings, those reservations are
-- cancelled with fee_waived = 1: billing charges no late-cancellation fee
-- for a cancellation nobody of the tenant made.
ALTER TABLE reservations ADD COLUMN fee_waived INTEGER NOT NULL DEFAULT 0 CHECK (fee_waived IN (0, 1));
