-- Passkeys (WebAuthn credentials), the challenges handed out for them, and
-- what a session remembers of itself: when it was last used, by which
-- browser, how it was made, and whether a staff member still owes the
-- passkey step before the session carries staff rights.

CREATE TABLE webauthn_users (
  person_id  INTEGER PRIMARY KEY REFERENCES people(id),
  handle     BLOB NOT NULL UNIQUE CHECK (length(handle) = 16)
);

CREATE TABLE passkeys (
  id             INTEGER PRIMARY KEY,
  person_id      INTEGER NOT NULL REFERENCES people(id),
  name           TEXT NOT NULL,
  credential_id  BLOB NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 16 AND 1023),
  alg            INTEGER NOT NULL CHECK (alg IN (-7, -8, -257)),
  public_key     BLOB NOT NULL,
  aaguid         BLOB NOT NULL CHECK (length(aaguid) = 16),
  sign_count     INTEGER NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
  uv             INTEGER NOT NULL DEFAULT 0 CHECK (uv IN (0, 1)),
  backup_eligible INTEGER NOT NULL DEFAULT 0 CHECK (backup_eligible IN (0, 1)),
  backed_up      INTEGER NOT NULL DEFAULT 0 CHECK (backed_up IN (0, 1)),
  fmt            TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  last_used_at   INTEGER,
  revoked_at     INTEGER,
  cloned_at      INTEGER
);
CREATE INDEX passkeys_person ON passkeys(person_id);

-- One challenge per ceremony, used once. purpose: register (person_id set),
-- signin (nobody yet), stepup (the session that owes the passkey step).
CREATE TABLE webauthn_challenges (
  id          INTEGER PRIMARY KEY,
  challenge   BLOB NOT NULL UNIQUE CHECK (length(challenge) = 32),
  purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'signin', 'stepup')),
  person_id   INTEGER REFERENCES people(id),
  session_id  INTEGER,
  client_ip   TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_ip ON webauthn_challenges(client_ip, expires_at);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);

ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN staff_pending INTEGER NOT NULL DEFAULT 0 CHECK (staff_pending IN (0, 1));
