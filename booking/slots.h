/* slots.h: interval arithmetic for availability and booking rules.
 * Intervals are half-open [start, end) instants (UTC seconds). Opening hours
 * are site-local wall-clock times per weekday and are turned into instants
 * day by day in the site zone (lt_set_zone()), so a DST day is 23 or 25
 * hours long; a wall time in a DST gap moves forward by the gap, one in an
 * overlap takes the earlier instant (as lt_from_local()).
 * Every function bounds its input (SLOTS_MAX_IV intervals, SLOTS_MAX_RANGE
 * for ranges expanded day by day); results are sorted, merged (touching
 * intervals joined) and malloc'd, caller frees with free(). */
#ifndef LP_SLOTS_H
#define LP_SLOTS_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define SLOTS_DAY_MAX 8                   /* opening intervals per weekday */
#define SLOTS_MAX_IV 200000               /* intervals per input list */
#define SLOTS_MAX_RANGE (400LL * 86400)   /* longest range expanded into days */
#define SLOTS_MAX_INSTANT 32503680000LL   /* 3000-01-01T00:00:00Z */

struct slots_iv {
    int64_t start;
    int64_t end; /* exclusive */
};

/* A local interval in minutes from local midnight, 0 <= from < to <= 1440;
 * to == 1440 is the next midnight (00:00-24:00 is the whole day). */
struct slots_span {
    uint16_t from;
    uint16_t to;
};

/* Opening hours: day[0] is Monday ... day[6] Sunday; n[d] spans each, sorted,
 * not overlapping (touching is allowed). n[d] == 0: closed that day. */
struct slots_week {
    uint8_t n[7];
    struct slots_span day[7][SLOTS_DAY_MAX];
};

/* Sets one weekday (0 = Monday) of w from text: "" (closed) or
 * "HH:MM-HH:MM[,HH:MM-HH:MM...]", e.g. "08:00-12:00,13:00-18:00" or
 * "00:00-24:00". Strict; the day is left unchanged on error. */
int slots_week_set_day(struct slots_week *w, int wday, const char *spec) LP_MUST;
/* Checks a week filled by code: counts, ranges, order. 0 or LP_ERR_INVALID. */
int slots_week_check(const struct slots_week *w) LP_MUST;

/* Opening hours of w over [from, to) as instants, clipped to the range, touching
 * intervals merged (00:00-24:00 on consecutive days is one interval). Caller
 * frees *out. LP_ERR_TOOBIG when the range exceeds SLOTS_MAX_RANGE. */
int slots_open(const struct slots_week *w, int64_t from, int64_t to, struct slots_iv **out,
               size_t *n) LP_MUST;

/* Sorts v by start and merges overlapping or touching intervals in place;
 * empty intervals are dropped. LP_ERR_INVALID if some start > end. */
int slots_normalize(struct slots_iv *v, size_t *n) LP_MUST;

/* a minus b; intersection of a and b. Inputs in any order, borrowed; caller
 * frees *out (may be NULL when *n == 0). */
int slots_subtract(const struct slots_iv *a, size_t na, const struct slots_iv *b, size_t nb,
                   struct slots_iv **out, size_t *n) LP_MUST;
int slots_intersect(const struct slots_iv *a, size_t na, const struct slots_iv *b, size_t nb,
                    struct slots_iv **out, size_t *n) LP_MUST;

/* Where within [from, to) fewer than capacity of the given bookings overlap,
 * i.e. where one more booking fits. Bookings touching end to start do not
 * overlap. Sweep line, O(n log n). capacity 0: nothing is free. */
int slots_below_capacity(const struct slots_iv *bookings, size_t n, unsigned capacity,
                         int64_t from, int64_t to, struct slots_iv **out, size_t *nout) LP_MUST;

/* A stretch of time and how many bookings hold it. */
struct slots_count {
    int64_t start;
    int64_t end; /* exclusive */
    unsigned taken;
};

/* How many of the given bookings overlap at each moment of [from, to):
 * the stretches where at least one does, in order, each with a constant
 * count (neighbours with the same count joined; bookings touching end to
 * start do not overlap). Sweep line, O(n log n). Caller frees *out (may be
 * NULL when *nout == 0). LP_ERR_INVALID for a reversed range or booking. */
int slots_taken(const struct slots_iv *bookings, size_t n, int64_t from, int64_t to,
                struct slots_count **out, size_t *nout) LP_MUST;

struct slots_query {
    const struct slots_week *hours;   /* NULL: open around the clock */
    int64_t from, to;                 /* range asked for */
    const struct slots_iv *closures;  /* e.g. maintenance, holidays */
    size_t n_closures;
    const struct slots_iv *bookings;  /* existing, already widened by buffers */
    size_t n_bookings;
    unsigned capacity;                /* bookings allowed at the same time */
};

/* Free time: opening hours minus closures where one more booking fits.
 * Caller frees *out. */
int slots_free(const struct slots_query *q, struct slots_iv **out, size_t *n) LP_MUST;

/* Rule checks; each returns 0, LP_ERR_RULE when the booking breaks the rule,
 * or LP_ERR_INVALID for an empty or reversed [s, e). */
/* [s, e) lies within opening hours; it may span several opening intervals
 * only where they touch (e.g. across midnight with 00:00-24:00). */
int slots_check_open(const struct slots_week *w, int64_t s, int64_t e) LP_MUST;
/* [s, e) lies within one interval of the normalized list v (e.g. slots_free()). */
int slots_check_within(const struct slots_iv *v, size_t n, int64_t s, int64_t e) LP_MUST;
/* Start and end lie on the site-local wall-clock grid of granularity_min
 * minutes counted from local midnight (03:00 on the spring-forward day is on
 * a 60-minute grid although only two hours have passed since midnight). */
int slots_check_aligned(int64_t s, int64_t e, unsigned granularity_min) LP_MUST;
/* min_s <= e - s <= max_s (max_s == 0: no maximum). */
int slots_check_duration(int64_t s, int64_t e, int64_t min_s, int64_t max_s) LP_MUST;

#endif
