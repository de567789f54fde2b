/* notify.h: the outbox sender of labpassd. One of three, chosen at start:
 * "log" (default: one log line per message, no content), "command:PATH"
 * (runs PATH with the recipient as its argument and the message, as an
 * RFC 5322 text, on standard input; e.g. a sendmail wrapper), or
 * "webhook:URL" (POSTs the message as JSON to URL). */
#ifndef LP_NOTIFY_H
#define LP_NOTIFY_H
#include "db/db.h"

/* Parses and sets the sender; 0 or LP_ERR_INVALID. Call before threads. */
int notify_configure(const char *spec) LP_MUST;
/* Checks a sender spec as notify_configure would take it, changing nothing. */
int notify_check(const char *spec) LP_MUST;
/* Sends pending messages (at most 50), marking each; *sent counts successes. */
int notify_drain(db_t *db, int *sent) LP_MUST;

#endif
