/* erase.h: erasing a person (GDPR art. 17) while keeping the books.
 * In one transaction: passes and holder keys are revoked first (the doors
 * learn it from the denylist), then the person's name and e-mail address are
 * replaced by a stable pseudonym ("Erased person <id>") in their record, in
 * every audit entry that names them (the audit chain still verifies) and in
 * charges not invoiced yet; free text of their bookings and waitlist
 * entries, e-mails to them, sign-in records and company membership go.
 * Door events, bookings and charges keep pointing at the same id, so
 * presence reports, quotas and invoices stay whole; issued invoices name the
 * company, never the person, and do not change. The erasure is audited. */
#ifndef LP_PRIVACY_ERASE_H
#define LP_PRIVACY_ERASE_H
#include <stdint.h>
#include "booking/audit.h"
#include "core/fail.h"
#include "db/db.h"

typedef struct prv_erase_report {
    char pseudonym[64];
    int passes_revoked;
    int64_t audit_entries, charges;
} prv_erase_report;

/* Erases person id. confirm_email must be the person's current address.
 * LP_ERR_NOTFOUND (no such person), LP_ERR_INVALID naming confirm_email,
 * LP_ERR_STATE (erased already), LP_ERR_RULE (the caller erasing themself). */
int prv_erase(db_t *db, const actor_t *who, int64_t id, const char *confirm_email, int64_t now, prv_erase_report *r,
              lp_fail *f) LP_MUST;

#endif
