-- 0019: the site's DESFire master keys by generation (docs/access-protocol.md
-- 18.2, 18.7): admin, read and write, each sealed with the key file like the
-- pass-signing keys. A generation is the key version on the cards made from
-- it. doors.box_key: the X25519 public key a door reported on its first sync
-- with one; the read masters travel to the door sealed to it.
CREATE TABLE card_keys (
  generation   INTEGER PRIMARY KEY CHECK (generation BETWEEN 1 AND 255),
  sealed_admin BLOB NOT NULL,
  sealed_read  BLOB NOT NULL,
  sealed_write BLOB NOT NULL,
  created_at   INTEGER NOT NULL,
  retired_at   INTEGER
);
ALTER TABLE doors ADD COLUMN box_key BLOB CHECK (box_key IS NULL OR length(box_key) = 32);
