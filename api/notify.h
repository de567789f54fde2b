/* notify.h: the outbox sender of labpassd. One of four, chosen at start:
 * "log" (default: one log line per message, no content), "command:PATH"
 * (runs PATH with the recipient as its argument and the message, as an
 * RFC 5322 text, on standard input; e.g. a sendmail wrapper),
 * "webhook:URL" (POSTs the message as JSON to URL), or "smtp" (the message
 * built by api/mail.h, handed to an SMTP server by api/smtp.h; an invoice
 * e-mail carries the invoice's UBL document, made when it is sent by
 * bill_export_ubl; the other senders send its text only).
 * A failed attempt leaves the message pending for a later round (backoff in
 * booking/outbox.h); only a permanent SMTP refusal (5xx to the recipient or
 * the message) fails it at once. Rounds never overlap inside the process. */
#ifndef LP_NOTIFY_H
#define LP_NOTIFY_H
#include "api/smtp.h"
#include "db/db.h"

/* Parses and sets the sender; smtp (copied; may be NULL unless spec is
 * "smtp") holds the SMTP settings. 0 or LP_ERR_INVALID. Call before threads. */
int notify_configure(const char *spec, const smtp_config *smtp) LP_MUST;
/* Checks a sender spec as notify_configure would take it, changing nothing. */
int notify_check(const char *spec) LP_MUST;
/* Sends the pending messages that are due (at most 50), marking each
 * attempt; *sent counts deliveries. An SMTP server that cannot be reached
 * ends the round after one attempt. */
int notify_drain(db_t *db, int *sent) LP_MUST;

#endif
