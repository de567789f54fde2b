-- 0003: door access: the issuer's settings, site signing keys (secret part
-- sealed with the key file's key), holder credentials, issued passes, the
-- denylist with its SEQ, door settings and door events.

CREATE TABLE access_settings (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  issuer            TEXT NOT NULL DEFAULT 'labpass',   -- the pass iss claim: the site code, 1..8
  grace_min         INTEGER NOT NULL DEFAULT 15 CHECK (grace_min BETWEEN 0 AND 720),
  staff_pass_hours  INTEGER NOT NULL DEFAULT 12 CHECK (staff_pass_hours BETWEEN 1 AND 168),
  horizon_days      INTEGER NOT NULL DEFAULT 7 CHECK (horizon_days BETWEEN 1 AND 60),
  key_overlap_days  INTEGER NOT NULL DEFAULT 7 CHECK (key_overlap_days BETWEEN 1 AND 365)
);
INSERT INTO access_settings(id) VALUES (1);

-- Site signing keys. sealed_seed = nonce (24) || crypto_secretbox(Ed25519 seed)
-- under the key in the key file (never in the database). One active key signs;
-- retired keys stay trusted until not_after (their last pass's expiry, and at
-- least key_overlap_days); withdrawn keys are trusted no more.
CREATE TABLE signing_keys (
  id          INTEGER PRIMARY KEY,
  kid         BLOB NOT NULL UNIQUE,
  public_key  BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
  sealed_seed BLOB NOT NULL CHECK (length(sealed_seed) = 72),
  status      TEXT NOT NULL CHECK (status IN ('active','retired','withdrawn')),
  created_at  INTEGER NOT NULL,
  retired_at  INTEGER,
  not_after   INTEGER,
  CHECK ((status = 'active') = (not_after IS NULL))
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys(status) WHERE status = 'active';

-- Holder keys: a phone app's or smart card's Ed25519 public key.
CREATE TABLE credentials (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER NOT NULL REFERENCES people(id),
  kind        TEXT NOT NULL CHECK (kind IN ('phone','card')),
  label       TEXT NOT NULL,
  public_key  BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX credentials_person ON credentials(person_id);

-- Every pass ever issued, with its bytes (so the same pass and cti are handed
-- out again) and its exp (so revocation can put it on the denylist).
CREATE TABLE passes (
  id             INTEGER PRIMARY KEY,
  cti            BLOB NOT NULL UNIQUE CHECK (length(cti) = 16),
  kind           TEXT NOT NULL CHECK (kind IN ('reservation','standing','bearer')),
  person_id      INTEGER NOT NULL REFERENCES people(id),
  tenant_id      INTEGER REFERENCES tenants(id),
  reservation_id INTEGER REFERENCES reservations(id),
  credential_id  INTEGER REFERENCES credentials(id),
  key_id         INTEGER NOT NULL REFERENCES signing_keys(id),
  groups         TEXT NOT NULL,          -- door groups, comma-separated
  nbf            INTEGER NOT NULL,
  exp            INTEGER NOT NULL CHECK (exp > nbf),
  iat            INTEGER NOT NULL,
  bytes          BLOB NOT NULL,
  revoked_at     INTEGER,
  revoke_reason  TEXT NOT NULL DEFAULT '',
  CHECK (kind <> 'reservation' OR (reservation_id IS NOT NULL AND credential_id IS NOT NULL)),
  CHECK (kind <> 'bearer' OR (reservation_id IS NOT NULL AND credential_id IS NULL)),
  CHECK (kind <> 'standing' OR (reservation_id IS NULL AND credential_id IS NOT NULL))
);
CREATE INDEX passes_reservation ON passes(reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX passes_person ON passes(person_id, exp);
CREATE INDEX passes_credential ON passes(credential_id) WHERE credential_id IS NOT NULL;
CREATE INDEX passes_tenant ON passes(tenant_id, exp) WHERE tenant_id IS NOT NULL;
CREATE INDEX passes_key ON passes(key_id, exp);
CREATE INDEX passes_live ON passes(exp) WHERE revoked_at IS NULL;

-- The denylist: one row per revoked cti. seq only grows and is never reused
-- (AUTOINCREMENT), so a door that has applied SEQ N has every entry <= N.
CREATE TABLE pass_denylist (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  cti        BLOB NOT NULL UNIQUE CHECK (length(cti) = 16),
  exp        INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL,
  reason     TEXT NOT NULL
);
CREATE INDEX pass_denylist_exp ON pass_denylist(exp);

-- Door settings (sent in the sync bundle) and what the door last reported.
ALTER TABLE doors ADD COLUMN holder_proof INTEGER NOT NULL DEFAULT 1 CHECK (holder_proof IN (0,1));
ALTER TABLE doors ADD COLUMN bearer_allowed INTEGER NOT NULL DEFAULT 0 CHECK (bearer_allowed IN (0,1));
ALTER TABLE doors ADD COLUMN clock_skew INTEGER NOT NULL DEFAULT 120 CHECK (clock_skew BETWEEN 0 AND 86400);
ALTER TABLE doors ADD COLUMN pulse_ms INTEGER NOT NULL DEFAULT 3000 CHECK (pulse_ms BETWEEN 100 AND 30000);
ALTER TABLE doors ADD COLUMN sync_interval INTEGER NOT NULL DEFAULT 60 CHECK (sync_interval BETWEEN 1 AND 86400);
ALTER TABLE doors ADD COLUMN last_seen_at INTEGER;
ALTER TABLE doors ADD COLUMN last_since INTEGER;
ALTER TABLE doors ADD COLUMN queue_length INTEGER;

-- What doors reported. (door_id, event_id) makes uploads idempotent; result
-- and detail are the stored ack, answered again for a repeated event.
CREATE TABLE door_events (
  id             INTEGER PRIMARY KEY,
  door_id        INTEGER NOT NULL REFERENCES doors(id),
  event_id       TEXT NOT NULL,
  at             INTEGER NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('admission','exit','denied','alarm')),
  reason         TEXT NOT NULL DEFAULT '',
  cti            BLOB,
  reservation_id INTEGER,
  person_id      INTEGER,
  pass_id        INTEGER REFERENCES passes(id),
  queue_length   INTEGER,
  alarm          TEXT NOT NULL DEFAULT '',
  received_at    INTEGER NOT NULL,
  result         TEXT NOT NULL CHECK (result IN ('recorded','checked_in','checked_out','not_applied')),
  detail         TEXT NOT NULL DEFAULT '',
  UNIQUE (door_id, event_id)
);
CREATE INDEX door_events_time ON door_events(at);
CREATE INDEX door_events_door ON door_events(door_id, at);
