-- 0017: e-mails people can use, in their language.
-- people.language: 'en' or 'nl', the language of the messages a person gets
-- (booking/mailtext.c) and of the web app once signed in. Everybody starts in
-- English, the language every message had so far.
-- reservations.reminded_at: when the reminder before the booking was queued;
-- NULL while none was (the worker queues one per confirmed booking, once).
-- outbox.invoice_id: the invoice an invoice e-mail is about; the SMTP sender
-- attaches its UBL document at send time. NULL for every other message.
ALTER TABLE people ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'nl'));
ALTER TABLE reservations ADD COLUMN reminded_at INTEGER;
ALTER TABLE outbox ADD COLUMN invoice_id INTEGER REFERENCES invoices(id);
-- The reminder sweep reads confirmed bookings by start that have had none.
CREATE INDEX reservations_remind ON reservations(start) WHERE status = 'confirmed' AND reminded_at IS NULL;
