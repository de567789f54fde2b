/* mailbox.h: what a test person would find in their e-mail. Reads the
 * running server's outbox (its database, opened read-only) for the newest
 * message to an address and picks a token out of its body. */
#ifndef LP_MAILBOX_H
#define LP_MAILBOX_H
#include <stddef.h>
#include "tests/lib/harness.h"

/* Copies the first token starting with prefix ("lpsetup_", "lpinv_", "lpd_")
 * in the newest message of kind to recipient into out. 0, or -1 when there
 * is no such message or token. */
int mb_token(hx_server *s, const char *recipient, const char *kind, const char *prefix, char *out, size_t len);
/* The subject and body of the newest message of kind to recipient. 0, or
 * -1 when there is none. */
int mb_message(hx_server *s, const char *recipient, const char *kind, char *subject, size_t slen, char *body,
               size_t blen);
/* Messages of kind in the outbox (all recipients), -1 on error. */
int mb_count(hx_server *s, const char *kind);

#endif
