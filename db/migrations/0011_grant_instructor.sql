-- 0011: who instructed a training, as the ML-1 register shows it.
-- qualification_grants.instructed_by: the instructor's name as staff record
-- it when granting ('' = the person who recorded the grant, granted_by).
ALTER TABLE qualification_grants ADD COLUMN instructed_by TEXT NOT NULL DEFAULT '';
