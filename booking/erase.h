/* erase.h: erasing a person from booking/'s tables (GDPR art. 17), part of
 * privacy/erase.c's erasure. The person row stays (bookings, door events and
 * charges keep pointing at it) but carries a pseudonym; free text is
 * emptied; sign-in ends for good. */
#ifndef LP_ERASE_H
#define LP_ERASE_H
#include <stdint.h>
#include "booking/audit.h"
#include "db/db.h"

/* The pseudonym of person id: "Erased person <id>" and
 * "erased-<id>@erased.invalid" (stable, unique, naming nobody). */
#define BK_ERASED_DOMAIN "@erased.invalid"
void bk_pseudonym(int64_t id, char *name, size_t name_len, char *email, size_t email_len);

/* In the caller's transaction: the person gets the pseudonym, no password,
 * status disabled and no company; their sessions, known devices, API keys,
 * calendar feeds, setup links, invitations and idempotency records end or
 * go; their reservations' and waitlist entries' titles and reasons are
 * emptied; e-mails to them lose address, subject and body; sign-in throttle
 * records that name the address go. old_email is the address before. */
int bk_erase_person(db_t *db, const actor_t *who, int64_t id, const char *old_email, int64_t now) LP_MUST;

#endif
