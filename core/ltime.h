/* ltime.h: instants and the site's time zone.
 * Instants are int64 seconds since the epoch (UTC). The site's IANA zone is
 * set once at start-up (before threads) with lt_set_zone(); local-time
 * conversions then use it. Parsing is strict: real calendar dates only
 * (2026-02-31 is refused), an explicit offset is required. */
#ifndef LP_LTIME_H
#define LP_LTIME_H
#include <stdint.h>
#include <stddef.h>
#include <time.h>
#include "core/err.h"

#define LT_RFC3339_LEN 32

/* Sets the process time zone to an IANA name such as "Europe/Amsterdam".
 * Returns LP_ERR_INVALID when the name is unsafe or unknown. */
int lt_set_zone(const char *iana) LP_MUST;
const char *lt_zone(void);
/* True when y-m-d is a real Gregorian date. */
int lt_valid_date(int y, int m, int d);
/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; fractions are dropped. */
int lt_parse_rfc3339(const char *s, int64_t *out) LP_MUST;
/* Formats t in the site zone with its offset, e.g. 2026-11-28T21:15:04+01:00. */
void lt_format(int64_t t, char out[LT_RFC3339_LEN]);
/* Formats t in UTC, e.g. 2026-11-28T20:15:04Z. */
void lt_format_utc(int64_t t, char out[LT_RFC3339_LEN]);
/* Broken-down site-local time of t. */
void lt_local(int64_t t, struct tm *out);
/* The instant of a site-local wall time. In a DST gap the time is moved
 * forward by the gap; in an overlap the earlier instant is taken. */
int64_t lt_from_local(int y, int mon, int d, int h, int mi, int s);
/* Site-local midnight starting the day that contains t. */
int64_t lt_day_start(int64_t t);
/* Parses a period "YYYY-MM" into the site-local month [*from, *to). */
int lt_parse_month(const char *s, int64_t *from, int64_t *to) LP_MUST;
/* Parses "YYYY-MM-DD" into the site-local day [*from, *to). */
int lt_parse_day(const char *s, int64_t *from, int64_t *to) LP_MUST;

#endif
