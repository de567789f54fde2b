-- 0013: doors staff manage. A door is retired rather than deleted: its API
-- keys are revoked and it no longer syncs, while its events stay for the
-- presence reports and the ML-1 register. version: the software version the
-- door reported at its last sync (its User-Agent), '' until it has.
ALTER TABLE doors ADD COLUMN retired_at INTEGER;
ALTER TABLE doors ADD COLUMN version TEXT NOT NULL DEFAULT '';
