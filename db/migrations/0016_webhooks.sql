-- 0016: signed webhooks for facility staff. An endpoint is an HTTPS URL that
-- receives the events it subscribes to (events: a bit mask, one bit per event
-- type, booking/webhook.h); its signing secret is kept sealed
-- (crypto_secretbox under the key file, as the pass-signing keys are).
-- version counts the endpoint's changes (optimistic concurrency for edits).
-- A delivery is one event for one endpoint, recorded in the transaction of
-- the change that caused it and sent later by labpassd's webhook worker:
-- pending until a 2xx answer (delivered) or until it gives up (failed).
-- Nothing here depends on migration 0015.
CREATE TABLE webhook_endpoints (
  id            INTEGER PRIMARY KEY,
  url           TEXT NOT NULL CHECK (length(url) BETWEEN 9 AND 2048),
  description   TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 200),
  events        INTEGER NOT NULL CHECK (events > 0),
  secret_sealed BLOB NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  secret_at     INTEGER NOT NULL,
  version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,
  endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  msg_id          TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
