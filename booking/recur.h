/* recur.h: recurring reservations (RFC 5545 RRULE) expanded in the site zone.
 * A series is a rule plus its first occurrence [start, end) given as instants.
 * Every later occurrence keeps the first one's site-local wall-clock start
 * (09:00 stays 09:00 across a DST change) and its wall-clock duration (a
 * 01:00-04:00 booking stays 01:00-04:00, even on a 23- or 25-hour day).
 * A wall time that does not exist (DST gap) is moved forward by the gap, one
 * that happens twice (DST overlap) takes the earlier instant, like
 * lt_from_local(); an occurrence whose start falls into a gap is moved
 * forward as a whole (02:30-03:30 on the spring-forward day becomes
 * 03:30-04:30). The first occurrence is always exactly [start, end).
 *
 * Rules are accepted strictly: at most RECUR_RULE_MAX bytes of
 * [A-Z0-9=;,:+-], an optional "RRULE:" prefix, FREQ of DAILY, WEEKLY, MONTHLY
 * or YEARLY, exactly one of COUNT or UNTIL (UNTIL in UTC, YYYYMMDDTHHMMSSZ, a
 * real calendar date), at most RECUR_MAX_OCC occurrences within
 * RECUR_MAX_SPAN seconds of the start, the start itself an occurrence, and
 * occurrences that do not overlap each other. The other parts allowed are
 * INTERVAL, BYMONTH, BYDAY (ordinals with MONTHLY/YEARLY), BYMONTHDAY (not
 * WEEKLY; not negative with DAILY; with YEARLY only next to BYMONTH),
 * BYSETPOS (MONTHLY, next to BYDAY or BYMONTHDAY) and WKST, each once, with
 * values in range; others (BYHOUR, BYWEEKNO, BYYEARDAY, RSCALE, ...) are
 * refused. That subset is expanded by libical 3.0 exactly as RFC 5545 says. */
#ifndef LP_RECUR_H
#define LP_RECUR_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define RECUR_RULE_MAX 256                  /* bytes of rule text, without the NUL */
#define RECUR_MAX_OCC 200                   /* occurrences per series */
#define RECUR_MAX_SPAN (731LL * 86400)      /* last start - first start, seconds */

struct recur_occ {
    int64_t start; /* instant, UTC seconds */
    int64_t end;   /* instant, exclusive */
};

/* Checks the rule text alone (syntax, allowed parts and ranges, bounded).
 * Returns 0, LP_ERR_INVALID, or LP_ERR_TOOBIG (text or COUNT over a limit). */
int recur_check(const char *rule) LP_MUST;

/* Expands the series whose first occurrence is [start, end) into *out, in
 * order, *n >= 1 entries. Caller frees *out with free(). Returns 0,
 * LP_ERR_INVALID (bad rule, start not an occurrence, empty or self-overlapping
 * occurrences), LP_ERR_TOOBIG (too many occurrences or too long a span) or
 * LP_ERR_NOMEM; on error *out is NULL and *n is 0. */
int recur_expand(const char *rule, int64_t start, int64_t end, struct recur_occ **out,
                 size_t *n) LP_MUST;

/* Like recur_expand(), but only the occurrences from the one starting at
 * `at` onward ("this and the following"); *index (may be NULL) is the
 * position of `at` in the whole series (0 = first). LP_ERR_NOTFOUND when no occurrence starts at
 * `at`. Caller frees *out. */
int recur_expand_from(const char *rule, int64_t start, int64_t end, int64_t at,
                      struct recur_occ **out, size_t *n, size_t *index) LP_MUST;

/* Splits a series at the occurrence starting at `at`: head receives a rule
 * for the occurrences before it (COUNT=k, same first occurrence; "" when `at`
 * is the first one), tail a rule whose first occurrence is the one at `at`
 * and which yields exactly the remaining occurrences (COUNT reduced, or the
 * same UNTIL). Both buffers are caller-owned. LP_ERR_NOTFOUND when `at` is
 * not an occurrence, LP_ERR_RULE when the tail cannot be written as a rule
 * of its own (e.g. it starts at a wall time moved by a DST gap). */
int recur_split(const char *rule, int64_t start, int64_t end, int64_t at,
                char head[RECUR_RULE_MAX + 1], char tail[RECUR_RULE_MAX + 1]) LP_MUST;

#endif
