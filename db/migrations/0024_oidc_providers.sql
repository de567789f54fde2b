-- 0024: single sign-on with OpenID Connect. Staff register providers (issuer
-- URL, client id, the client secret sealed under the key file like webhook
-- secrets, scopes, the name shown on the sign-in page, the claim that holds
-- groups). Rules map a verified e-mail domain or a group to a tenant and role
-- (member or tenant_admin, approval: the new person waits disabled until an
-- admin enables them), or to staff (tenant_id NULL). A person is linked to a
-- provider by its subject identifier (sub), never by e-mail after the first
-- link. A pending login lives from the redirect to the provider until the
-- callback (or its short expiry): only hashes of its state and of the
-- browser's binding cookie are kept, with its nonce and PKCE verifier.
CREATE TABLE oidc_providers (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  issuer        TEXT NOT NULL UNIQUE CHECK (length(issuer) BETWEEN 8 AND 500),
  client_id     TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 255),
  secret_sealed BLOB,
  scopes        TEXT NOT NULL DEFAULT 'openid email profile' CHECK (length(scopes) BETWEEN 6 AND 500),
  groups_claim  TEXT NOT NULL DEFAULT 'groups' CHECK (length(groups_claim) BETWEEN 1 AND 100),
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE oidc_rules (
  id          INTEGER PRIMARY KEY,
  provider_id INTEGER NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('domain', 'group')),
  value       TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 255),
  tenant_id   INTEGER REFERENCES tenants(id),
  role        TEXT NOT NULL CHECK (role IN ('member', 'tenant_admin', 'staff')),
  approval    INTEGER NOT NULL DEFAULT 0 CHECK (approval IN (0, 1)),
  CHECK ((role = 'staff') = (tenant_id IS NULL)),
  UNIQUE (provider_id, kind, value)
);

CREATE TABLE oidc_links (
  id           INTEGER PRIMARY KEY,
  provider_id  INTEGER NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
  sub          TEXT NOT NULL CHECK (length(sub) BETWEEN 1 AND 255),
  person_id    INTEGER NOT NULL REFERENCES people(id),
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  UNIQUE (provider_id, sub),
  UNIQUE (provider_id, person_id)
);
CREATE INDEX oidc_links_person ON oidc_links(person_id);

CREATE TABLE oidc_pending (
  state_hash     BLOB PRIMARY KEY,
  binding_hash   BLOB NOT NULL,
  provider_id    INTEGER NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
  nonce          TEXT NOT NULL,
  verifier       TEXT NOT NULL,
  client_ip      TEXT NOT NULL,
  link_person_id INTEGER REFERENCES people(id),
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL
);
CREATE INDEX oidc_pending_client ON oidc_pending(client_ip);
CREATE INDEX oidc_pending_expiry ON oidc_pending(expires_at);
