/* recur.c: RRULE expansion for recurring reservations (see recur.h). The
 * rule text is checked first (recur_rule.c), then parsed by libical, whose
 * iterator produces the wall-clock starts. libical iterates in floating
 * (zone-less) wall time on purpose: with a zoned DTSTART, libical 3.0 moves
 * every occurrence after a DST-gap day by the gap. The site zone is applied
 * to each occurrence on its own here, so a gap moves only the occurrence
 * that falls into it. UNTIL, COUNT and the size limits are enforced here on
 * instants; libical only gets a far bound (the span limit plus two days) so
 * that it always stops. */
#include "booking/recur.h"
#include "booking/recur_int.h"
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/ltime.h"

/* ---- wall-clock arithmetic: "naive" seconds are a site-local wall time
 * counted as if it were UTC, so differences are wall-clock differences. */

static int64_t naive_of(int64_t t)
{
    struct tm tm;
    lt_local(t, &tm);
    return (int64_t)timegm(&tm);
}

static int64_t instant_of_naive(int64_t naive)
{
    struct tm tm;
    time_t tt = (time_t)naive;
    gmtime_r(&tt, &tm);
    return lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec);
}

static struct icaltimetype ical_of_naive(int64_t naive)
{
    struct tm tm;
    time_t tt = (time_t)naive;
    gmtime_r(&tt, &tm);
    struct icaltimetype t = icaltime_null_time();
    t.year = tm.tm_year + 1900;
    t.month = tm.tm_mon + 1;
    t.day = tm.tm_mday;
    t.hour = tm.tm_hour;
    t.minute = tm.tm_min;
    t.second = tm.tm_sec;
    return t;
}

static int64_t naive_of_ical(struct icaltimetype t)
{
    struct tm tm = { .tm_year = t.year - 1900, .tm_mon = t.month - 1, .tm_mday = t.day,
                     .tm_hour = t.hour, .tm_min = t.minute, .tm_sec = t.second };
    return (int64_t)timegm(&tm);
}

/* The next occurrence from libical as an instant interval; k is its index.
 * Returns 1 with *o filled, 0 at the end of the series, or a negative error. */
static int next_occ(icalrecur_iterator *it, const struct rule *r, size_t k, int64_t start,
                    int64_t end, int64_t wall_len, struct recur_occ *o)
{
    struct icaltimetype t = icalrecur_iterator_next(it);
    if (icaltime_is_null_time(t)) return k == 0 ? LP_ERR_INVALID : 0;
    int64_t nt = naive_of_ical(t);
    if (k == 0) {
        if (nt != naive_of(start)) return LP_ERR_INVALID; /* start is not an occurrence */
        o->start = start;
        o->end = end;
        return 1;
    }
    /* A start in a DST gap moves forward by the gap; the end moves with it. */
    o->start = instant_of_naive(nt);
    int64_t moved = naive_of(o->start) - nt;
    o->end = instant_of_naive(nt + wall_len + moved);
    if (r->has_until && o->start > r->until) return 0;
    if (o->start - start > RECUR_MAX_SPAN) return LP_ERR_TOOBIG;
    return 1;
}

static int expand(const struct rule *r, int64_t start, int64_t end, struct recur_occ **out,
                  size_t *n)
{
    *out = NULL;
    *n = 0;
    if (start < 0 || end <= start || end > T_MAX) return LP_ERR_INVALID;
    int64_t nstart = naive_of(start);
    int64_t wall_len = naive_of(end) - nstart;
    if (wall_len <= 0) return LP_ERR_INVALID;
    if (r->has_until && r->until < start) return LP_ERR_INVALID;
    if (r->has_until && r->until - start > RECUR_MAX_SPAN) return LP_ERR_TOOBIG;
    struct tm wall;
    lt_local(start, &wall);
    if (!recur_start_matches(r, &wall)) return LP_ERR_INVALID;

    struct icalrecurrencetype rt = icalrecurrencetype_from_string(r->text);
    rt.count = 0;
    rt.until = ical_of_naive(nstart + RECUR_MAX_SPAN + 2 * 86400);
    icalrecur_iterator *it = icalrecur_iterator_new(rt, ical_of_naive(nstart));
    if (!it) return LP_ERR_INVALID; /* a rule libical finds impossible */
    struct recur_occ *v = malloc(RECUR_MAX_OCC * sizeof *v);
    int rc = v ? 0 : LP_ERR_NOMEM;
    size_t k = 0;
    while (rc == 0 && !(r->count > 0 && k == (size_t)r->count)) {
        struct recur_occ o;
        int got = next_occ(it, r, k, start, end, wall_len, &o);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (k == RECUR_MAX_OCC)
            rc = LP_ERR_TOOBIG;
        else if (o.end <= o.start || (k > 0 && o.start < v[k - 1].end))
            rc = LP_ERR_INVALID; /* empty, or overlapping the previous one */
        else
            v[k++] = o;
    }
    if (rc == 0 && r->count > 0 && k < (size_t)r->count) rc = LP_ERR_TOOBIG; /* past the span */
    icalrecur_iterator_free(it);
    if (rc != 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int recur_expand(const char *rule, int64_t start, int64_t end, struct recur_occ **out, size_t *n)
{
    struct rule r;
    *out = NULL;
    *n = 0;
    int rc = recur_rule_parse(rule, &r);
    return rc != 0 ? rc : expand(&r, start, end, out, n);
}

static int find_start(const struct recur_occ *v, size_t n, int64_t at, size_t *k)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].start == at) {
            *k = i;
            return 0;
        }
    return LP_ERR_NOTFOUND;
}

int recur_expand_from(const char *rule, int64_t start, int64_t end, int64_t at,
                      struct recur_occ **out, size_t *n, size_t *index)
{
    struct recur_occ *v;
    size_t all, k = 0;
    *out = NULL;
    *n = 0;
    int rc = recur_expand(rule, start, end, &v, &all);
    if (rc != 0) return rc;
    if ((rc = find_start(v, all, at, &k)) != 0) {
        free(v);
        return rc;
    }
    memmove(v, v + k, (all - k) * sizeof *v);
    *out = v;
    *n = all - k;
    if (index) *index = k;
    return 0;
}

/* Writes the parts of r to out, the bound (COUNT or UNTIL) replaced by
 * COUNT=count when count > 0, kept as it is when count == 0. */
static int rule_write(const struct rule *r, size_t count, char out[RECUR_RULE_MAX + 1])
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        int bound = strcmp(r->key[i], "COUNT") == 0 || strcmp(r->key[i], "UNTIL") == 0;
        int w = bound && count > 0
                    ? snprintf(out + used, RECUR_RULE_MAX + 1 - used, "%sCOUNT=%zu",
                               i ? ";" : "", count)
                    : snprintf(out + used, RECUR_RULE_MAX + 1 - used, "%s%s=%s", i ? ";" : "",
                               r->key[i], r->val[i]);
        if (w < 0 || (size_t)w >= RECUR_RULE_MAX + 1 - used) return LP_ERR_TOOBIG;
        used += (size_t)w;
    }
    return 0;
}

/* The tail rule must reproduce the remaining occurrences exactly. */
static int tail_matches(const char *tail, const struct recur_occ *rest, size_t n)
{
    struct recur_occ *v;
    size_t m;
    if (recur_expand(tail, rest[0].start, rest[0].end, &v, &m) != 0) return LP_ERR_RULE;
    int same = m == n && memcmp(v, rest, n * sizeof *v) == 0;
    free(v);
    return same ? 0 : LP_ERR_RULE;
}

int recur_split(const char *rule, int64_t start, int64_t end, int64_t at,
                char head[RECUR_RULE_MAX + 1], char tail[RECUR_RULE_MAX + 1])
{
    struct rule r;
    struct recur_occ *v = NULL;
    size_t n = 0, k = 0;
    head[0] = tail[0] = '\0';
    int rc = recur_rule_parse(rule, &r);
    if (rc == 0) rc = expand(&r, start, end, &v, &n);
    if (rc == 0) rc = find_start(v, n, at, &k);
    if (rc == 0 && k > 0) rc = rule_write(&r, k, head);
    if (rc == 0) rc = rule_write(&r, r.count > 0 ? n - k : 0, tail);
    if (rc == 0) rc = tail_matches(tail, v + k, n - k);
    free(v);
    if (rc != 0) head[0] = tail[0] = '\0';
    return rc;
}
