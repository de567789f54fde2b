-- 0006: devices a person has signed in from (or confirmed by e-mail), which
-- sign-in throttling treats apart from strangers, and invitations of existing
-- people to a tenant, which only the invited person can accept.

CREATE TABLE known_devices (
  id           INTEGER PRIMARY KEY,
  token_hash   BLOB NOT NULL UNIQUE,
  person_id    INTEGER NOT NULL REFERENCES people(id),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  confirmed_by TEXT NOT NULL CHECK (confirmed_by IN ('signin','email')),
  revoked_at   INTEGER
);
CREATE INDEX known_devices_person ON known_devices(person_id);

CREATE TABLE tenant_invitations (
  id          INTEGER PRIMARY KEY,
  token_hash  BLOB NOT NULL UNIQUE,
  person_id   INTEGER NOT NULL REFERENCES people(id),
  tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
  role        TEXT NOT NULL CHECK (role IN ('tenant_admin','member')),
  invited_by  INTEGER,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  accepted_at INTEGER,
  revoked_at  INTEGER
);
CREATE INDEX tenant_invitations_person ON tenant_invitations(person_id);
