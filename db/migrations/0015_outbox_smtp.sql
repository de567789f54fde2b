-- 0015: the delivery state of the outbox, for the SMTP sender and the others.
-- status: 'pending' (waiting or to be retried), 'sent', or 'failed' (given up:
-- the server refused the recipient or the message for good, or the attempts
-- ran out). A failed attempt keeps the message pending and sets
-- next_attempt_at (exponential backoff, booking/outbox.c); nothing is
-- deleted. Messages that had used up their attempts before become 'failed'.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
UPDATE outbox SET status = 'failed' WHERE sent_at IS NULL AND attempts >= 10;
DROP INDEX outbox_pending;
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE status = 'pending';
