/* export.h: what labpass holds about one person, section by section, for
 * access requests (GDPR art. 15). Each module lists the sections of the
 * tables it owns (booking/export.c, access/issuer/iss_export.c,
 * billing/bill_person.c); privacy/export.c joins them into one document.
 * A section's SQL takes ?1 = the person's id and yields exactly one row
 * with one JSON text (SQLite's json functions; times as RFC 3339 in UTC).
 * Secrets are never exported: token and key hashes, password hashes, pass
 * bytes and e-mail bodies (which carry one-time links) stay out. */
#ifndef LP_EXPORT_H
#define LP_EXPORT_H
#include <stddef.h>
#include <stdint.h>
#include "core/sbuf.h"
#include "db/db.h"

typedef struct exp_section {
    const char *name;   /* the member name in the document */
    const char *sql;
} exp_section;

/* RFC 3339 UTC text of an epoch column, NULL for NULL (for section SQL). */
#define EXP_TIME(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

extern const exp_section bk_export_sections[];
extern const size_t bk_export_sections_len;

/* Appends ,"name":JSON for each section to out (the caller writes the
 * braces). The read's error, never a short document. */
int exp_run(db_t *db, const exp_section *s, size_t n, int64_t person_id, struct sbuf *out) LP_MUST;

#endif
