-- 0001: site, tenants, people, memberships, sign-in, API keys, throttling, audit log.
-- Instants are INTEGER seconds since the epoch (UTC). Money is INTEGER cents.

CREATE TABLE site (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  name               TEXT NOT NULL,
  timezone           TEXT NOT NULL DEFAULT 'Europe/Amsterdam',
  currency           TEXT NOT NULL DEFAULT 'EUR',
  language           TEXT NOT NULL DEFAULT 'nl',
  legal_name         TEXT NOT NULL DEFAULT '',
  kvk_number         TEXT NOT NULL DEFAULT '',
  vat_number         TEXT NOT NULL DEFAULT '',
  iban               TEXT NOT NULL DEFAULT '',
  bic                TEXT NOT NULL DEFAULT '',
  street             TEXT NOT NULL DEFAULT '',
  postal_code        TEXT NOT NULL DEFAULT '',
  city               TEXT NOT NULL DEFAULT '',
  country            TEXT NOT NULL DEFAULT 'NL',
  email              TEXT NOT NULL DEFAULT '',
  payment_terms_days INTEGER NOT NULL DEFAULT 30,
  updated_at         INTEGER NOT NULL
);

CREATE TABLE tenants (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  kvk_number      TEXT NOT NULL DEFAULT '',
  vat_number      TEXT NOT NULL DEFAULT '',
  billing_email   TEXT NOT NULL DEFAULT '',
  street          TEXT NOT NULL DEFAULT '',
  postal_code     TEXT NOT NULL DEFAULT '',
  city            TEXT NOT NULL DEFAULT '',
  country         TEXT NOT NULL DEFAULT 'NL',
  buyer_reference TEXT NOT NULL DEFAULT '',
  rate_tier       TEXT NOT NULL DEFAULT 'startup' CHECK (rate_tier IN ('startup','academic','corporate')),
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','offboarded')),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX tenants_name ON tenants(name COLLATE NOCASE);

CREATE TABLE people (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL COLLATE NOCASE,
  name          TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
  is_staff      INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0,1)),
  password_hash TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX people_email ON people(email COLLATE NOCASE);

-- A person belongs to at most one tenant at a time.
CREATE TABLE memberships (
  person_id  INTEGER NOT NULL UNIQUE REFERENCES people(id),
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  role       TEXT NOT NULL CHECK (role IN ('tenant_admin','member')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (person_id, tenant_id)
);
CREATE INDEX memberships_tenant ON memberships(tenant_id);

CREATE TABLE sessions (
  id          INTEGER PRIMARY KEY,
  token_hash  BLOB NOT NULL UNIQUE,
  person_id   INTEGER NOT NULL REFERENCES people(id),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  client_ip   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions(person_id);

-- Doors exist from the start so that door API keys can name them.
CREATE TABLE doors (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  door_group  TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  secret_hash BLOB NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('staff','door')),
  person_id   INTEGER REFERENCES people(id),
  door_id     INTEGER REFERENCES doors(id),
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  CHECK ((role = 'door') = (door_id IS NOT NULL))
);

CREATE TABLE login_throttle (
  key          TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE idempotency (
  key        TEXT NOT NULL,
  person_id  INTEGER NOT NULL,
  route      TEXT NOT NULL,
  status     INTEGER NOT NULL,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (person_id, key)
);

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_id    INTEGER,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id   INTEGER,
  before_json TEXT,
  after_json  TEXT
);
CREATE INDEX audit_object ON audit_log(object_type, object_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- One-time tokens with which an invited person sets a first password.
CREATE TABLE setup_tokens (
  token_hash BLOB PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES people(id),
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);
