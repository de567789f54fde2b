-- 0009: a tamper-evident audit log.
--
-- Each entry is sealed with hash = BLAKE2b-256 over the previous entry's
-- hash and the entry's fields, in which the personal fields (before_json,
-- after_json) appear only as body_commit, a BLAKE2b-256 commitment to them
-- with a random body_nonce (booking/audit.c has the exact encoding). An edit
-- of any sealed entry, or a removed or reordered one, breaks the chain
-- (`labpassctl audit verify`). Erasure may replace the personal fields of a
-- sealed entry (again for each person it names): it sets erased_at and
-- clears body_nonce, and the seal stays valid because it covers only the
-- commitment.
-- Entries written before this migration (and any inserted without a seal)
-- are sealed in id order by the next write through booking/audit.c.
-- audit_anchor: where the chain starts after retention removed its oldest
-- entries (the id and hash of the last removed one); only entries up to it
-- may be deleted, and it only moves forward.
ALTER TABLE audit_log ADD COLUMN hash BLOB;
ALTER TABLE audit_log ADD COLUMN body_commit BLOB;
ALTER TABLE audit_log ADD COLUMN body_nonce BLOB;
ALTER TABLE audit_log ADD COLUMN erased_at INTEGER;
CREATE INDEX audit_unsealed ON audit_log(id) WHERE hash IS NULL;

CREATE TABLE audit_anchor (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  upto_id INTEGER NOT NULL,
  hash    BLOB NOT NULL CHECK (length(hash) = 32),
  at      INTEGER NOT NULL
);
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor WHEN NEW.upto_id < OLD.upto_id
  BEGIN SELECT RAISE(ABORT, 'the audit anchor only moves forward'); END;
CREATE TRIGGER audit_anchor_kept BEFORE DELETE ON audit_anchor
  BEGIN SELECT RAISE(ABORT, 'the audit anchor is kept'); END;

DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_fixed BEFORE UPDATE OF id, at, actor_id, actor, action, object_type, object_id ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_sealed BEFORE UPDATE OF hash, body_commit ON audit_log WHEN OLD.hash IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_nonce BEFORE UPDATE OF body_nonce ON audit_log
  WHEN OLD.body_nonce IS NOT NULL AND NOT (NEW.body_nonce IS NULL AND NEW.erased_at IS NOT NULL)
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_erasure BEFORE UPDATE OF before_json, after_json, erased_at ON audit_log
  WHEN OLD.hash IS NULL OR NEW.erased_at IS NULL
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_kept BEFORE DELETE ON audit_log
  WHEN OLD.id > COALESCE((SELECT upto_id FROM audit_anchor WHERE id = 1), 0)
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
