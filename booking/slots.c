/* slots.c: interval arithmetic for availability and booking rules (see slots.h).
 * Opening hours become instants one site-local day at a time, so DST days
 * get their true length; everything else is plain sorting and sweeping over
 * half-open intervals. Inputs are bounded and checked before allocation;
 * results are always sorted, disjoint and non-touching. */
#include "booking/slots.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/ltime.h"

#define DAY_MIN 1440

/* ---- opening hours text and checks ---- */

static int two_digits(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return LP_ERR_INVALID;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

/* "HH:MM" as minutes from midnight; 24:00 allowed (the next midnight). */
static int hhmm(const char *s, int *out)
{
    int h, m;
    if (two_digits(s, &h) || s[2] != ':' || two_digits(s + 3, &m)) return LP_ERR_INVALID;
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return LP_ERR_INVALID;
    *out = h * 60 + m;
    return 0;
}

static int day_check(const struct slots_span *sp, size_t n)
{
    if (n > SLOTS_DAY_MAX) return LP_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (sp[i].from >= sp[i].to || sp[i].to > DAY_MIN) return LP_ERR_INVALID;
        if (i > 0 && sp[i].from < sp[i - 1].to) return LP_ERR_INVALID;
    }
    return 0;
}

int slots_week_check(const struct slots_week *w)
{
    if (!w) return LP_ERR_INVALID;
    for (int d = 0; d < 7; d++)
        if (day_check(w->day[d], w->n[d]) != 0) return LP_ERR_INVALID;
    return 0;
}

int slots_week_set_day(struct slots_week *w, int wday, const char *spec)
{
    struct slots_span sp[SLOTS_DAY_MAX];
    size_t n = 0;
    if (!w || !spec || wday < 0 || wday > 6) return LP_ERR_INVALID;
    for (const char *p = spec; *p;) {
        int a, b;
        if (n == SLOTS_DAY_MAX || hhmm(p, &a) || p[5] != '-' || hhmm(p + 6, &b))
            return LP_ERR_INVALID;
        sp[n].from = (uint16_t)a;
        sp[n].to = (uint16_t)b;
        n++;
        p += 11;
        if (*p == ',' && p[1] != '\0')
            p++;
        else if (*p != '\0')
            return LP_ERR_INVALID;
    }
    if (day_check(sp, n) != 0) return LP_ERR_INVALID;
    memcpy(w->day[wday], sp, n * sizeof sp[0]);
    w->n[wday] = (uint8_t)n;
    return 0;
}

/* ---- lists ---- */

static int iv_cmp(const void *pa, const void *pb)
{
    const struct slots_iv *a = pa, *b = pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

int slots_normalize(struct slots_iv *v, size_t *n)
{
    size_t j = 0;
    if (*n > SLOTS_MAX_IV) return LP_ERR_TOOBIG;
    for (size_t i = 0; i < *n; i++)
        if (v[i].start > v[i].end) return LP_ERR_INVALID;
    if (*n > 1) qsort(v, *n, sizeof *v, iv_cmp);
    for (size_t i = 0; i < *n; i++) {
        if (v[i].start == v[i].end) continue;
        if (j > 0 && v[i].start <= v[j - 1].end) {
            if (v[i].end > v[j - 1].end) v[j - 1].end = v[i].end;
        } else {
            v[j++] = v[i];
        }
    }
    *n = j;
    return 0;
}

/* A normalized malloc'd copy of v[0..n). */
static int copy_norm(const struct slots_iv *v, size_t n, struct slots_iv **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n > SLOTS_MAX_IV) return LP_ERR_TOOBIG;
    if (n > 0 && !v) return LP_ERR_INVALID;
    struct slots_iv *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) return LP_ERR_NOMEM;
    if (n) memcpy(c, v, n * sizeof *c);
    int rc = slots_normalize(c, &n);
    if (rc != 0) {
        free(c);
        return rc;
    }
    *out = c;
    *nout = n;
    return 0;
}

/* Appends [s, e) to v (room assured by the caller), joining a touching tail. */
static void push(struct slots_iv *v, size_t *n, int64_t s, int64_t e)
{
    if (s >= e) return;
    if (*n > 0 && v[*n - 1].end >= s) {
        if (e > v[*n - 1].end) v[*n - 1].end = e;
        return;
    }
    v[*n].start = s;
    v[*n].end = e;
    (*n)++;
}

int slots_subtract(const struct slots_iv *a, size_t na, const struct slots_iv *b, size_t nb,
                   struct slots_iv **out, size_t *n)
{
    struct slots_iv *A = NULL, *B = NULL, *r = NULL;
    size_t k = 0, j = 0;
    *out = NULL;
    *n = 0;
    int rc = copy_norm(a, na, &A, &na);
    if (rc == 0) rc = copy_norm(b, nb, &B, &nb);
    if (rc == 0 && !(r = malloc((na + nb + 1) * sizeof *r))) rc = LP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < na; i++) {
        int64_t cur = A[i].start;
        while (j < nb && B[j].end <= cur) j++;
        for (size_t t = j; t < nb && B[t].start < A[i].end && cur < A[i].end; t++) {
            push(r, &k, cur, B[t].start < A[i].end ? B[t].start : A[i].end);
            if (B[t].end > cur) cur = B[t].end;
        }
        push(r, &k, cur, A[i].end);
    }
    free(A);
    free(B);
    if (rc != 0) {
        free(r);
        return rc;
    }
    *out = r;
    *n = k;
    return 0;
}

int slots_intersect(const struct slots_iv *a, size_t na, const struct slots_iv *b, size_t nb,
                    struct slots_iv **out, size_t *n)
{
    struct slots_iv *A = NULL, *B = NULL, *r = NULL;
    size_t k = 0, i = 0, j = 0;
    *out = NULL;
    *n = 0;
    int rc = copy_norm(a, na, &A, &na);
    if (rc == 0) rc = copy_norm(b, nb, &B, &nb);
    if (rc == 0 && !(r = malloc((na + nb + 1) * sizeof *r))) rc = LP_ERR_NOMEM;
    while (rc == 0 && i < na && j < nb) {
        int64_t lo = A[i].start > B[j].start ? A[i].start : B[j].start;
        int64_t hi = A[i].end < B[j].end ? A[i].end : B[j].end;
        push(r, &k, lo, hi);
        if (A[i].end < B[j].end)
            i++;
        else
            j++;
    }
    free(A);
    free(B);
    if (rc != 0) {
        free(r);
        return rc;
    }
    *out = r;
    *n = k;
    return 0;
}

/* ---- capacity sweep ---- */

struct event {
    int64_t t;
    int d; /* -1 end, +1 start: ends sort first, so back-to-back is no overlap */
};

static int ev_cmp(const void *pa, const void *pb)
{
    const struct event *a = pa, *b = pb;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return a->d - b->d;
}

static int range_ok(int64_t from, int64_t to)
{
    return from >= 0 && to <= SLOTS_MAX_INSTANT && from <= to;
}

/* Clipped start/end events of the bookings within [from, to). */
static int events_of(const struct slots_iv *v, size_t n, int64_t from, int64_t to,
                     struct event **out, size_t *ne)
{
    struct event *ev = malloc((2 * n + 1) * sizeof *ev);
    *ne = 0;
    if (!ev) return LP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (v[i].start > v[i].end) {
            free(ev);
            return LP_ERR_INVALID;
        }
        int64_t s = v[i].start > from ? v[i].start : from;
        int64_t e = v[i].end < to ? v[i].end : to;
        if (s >= e) continue;
        ev[(*ne)++] = (struct event){ s, +1 };
        ev[(*ne)++] = (struct event){ e, -1 };
    }
    qsort(ev, *ne, sizeof *ev, ev_cmp);
    *out = ev;
    return 0;
}

int slots_below_capacity(const struct slots_iv *bookings, size_t n, unsigned capacity,
                         int64_t from, int64_t to, struct slots_iv **out, size_t *nout)
{
    struct event *ev;
    size_t ne, k = 0;
    *out = NULL;
    *nout = 0;
    if (!range_ok(from, to) || (n > 0 && !bookings)) return LP_ERR_INVALID;
    if (n > SLOTS_MAX_IV) return LP_ERR_TOOBIG;
    int rc = events_of(bookings, n, from, to, &ev, &ne);
    if (rc != 0) return rc;
    struct slots_iv *r = malloc((ne + 1) * sizeof *r);
    if (!r) {
        free(ev);
        return LP_ERR_NOMEM;
    }
    int64_t prev = from;
    long count = 0;
    for (size_t i = 0; i < ne;) {
        int64_t t = ev[i].t;
        if (count < (long)capacity) push(r, &k, prev, t);
        while (i < ne && ev[i].t == t) count += ev[i++].d;
        prev = t;
    }
    if (count < (long)capacity) push(r, &k, prev, to);
    free(ev);
    *out = r;
    *nout = k;
    return 0;
}

int slots_taken(const struct slots_iv *bookings, size_t n, int64_t from, int64_t to,
                struct slots_count **out, size_t *nout)
{
    struct event *ev;
    size_t ne, k = 0;
    *out = NULL;
    *nout = 0;
    if (!range_ok(from, to) || (n > 0 && !bookings)) return LP_ERR_INVALID;
    if (n > SLOTS_MAX_IV) return LP_ERR_TOOBIG;
    int rc = events_of(bookings, n, from, to, &ev, &ne);
    if (rc != 0) return rc;
    struct slots_count *r = malloc((ne + 1) * sizeof *r);
    if (!r) {
        free(ev);
        return LP_ERR_NOMEM;
    }
    int64_t prev = from;
    long count = 0;
    for (size_t i = 0; i < ne;) {
        int64_t t = ev[i].t;
        if (count > 0 && prev < t) {
            if (k > 0 && r[k - 1].end == prev && r[k - 1].taken == (unsigned)count)
                r[k - 1].end = t;
            else
                r[k++] = (struct slots_count){ prev, t, (unsigned)count };
        }
        while (i < ne && ev[i].t == t) count += ev[i++].d;
        prev = t;
    }
    free(ev);
    *out = r;
    *nout = k;
    return 0;
}

/* ---- opening hours as instants ---- */

struct civil {
    int y, m, d;
};

static struct civil civil_add(struct civil c, int days, int *wday)
{
    struct tm tm = { .tm_year = c.y - 1900, .tm_mon = c.m - 1, .tm_mday = c.d + days,
                     .tm_hour = 12 };
    timegm(&tm); /* normalizes the date and sets tm_wday */
    if (wday) *wday = (tm.tm_wday + 6) % 7;
    return (struct civil){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* The instant of minute `min` (0..1440) of local day c. */
static int64_t at_minute(struct civil c, int min)
{
    if (min == DAY_MIN) {
        c = civil_add(c, 1, NULL);
        min = 0;
    }
    return lt_from_local(c.y, c.m, c.d, min / 60, min % 60, 0);
}

int slots_open(const struct slots_week *w, int64_t from, int64_t to, struct slots_iv **out,
               size_t *n)
{
    *out = NULL;
    *n = 0;
    if (slots_week_check(w) != 0 || !range_ok(from, to)) return LP_ERR_INVALID;
    if (to - from > SLOTS_MAX_RANGE) return LP_ERR_TOOBIG;
    size_t cap = (size_t)((to - from) / 86400 + 3) * SLOTS_DAY_MAX, k = 0;
    struct slots_iv *v = malloc(cap * sizeof *v);
    if (!v) return LP_ERR_NOMEM;
    struct tm tm;
    lt_local(from, &tm);
    struct civil c = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
    int wd;
    civil_add(c, 0, &wd);
    while (at_minute(c, 0) < to && k + SLOTS_DAY_MAX <= cap) {
        for (size_t i = 0; i < w->n[wd]; i++) {
            int64_t s = at_minute(c, w->day[wd][i].from), e = at_minute(c, w->day[wd][i].to);
            v[k++] = (struct slots_iv){ s > from ? s : from, e < to ? e : to };
            if (v[k - 1].start > v[k - 1].end) k--; /* emptied by a DST gap or the clip */
        }
        c = civil_add(c, 1, &wd);
    }
    /* Gap-shifted times may leave spans out of order: sort and merge. */
    int rc = slots_normalize(v, &k);
    if (rc != 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int slots_free(const struct slots_query *q, struct slots_iv **out, size_t *n)
{
    struct slots_iv *open = NULL, *avail = NULL, *fits = NULL;
    size_t no = 0, na = 0, nf = 0;
    *out = NULL;
    *n = 0;
    if (!q || !range_ok(q->from, q->to)) return LP_ERR_INVALID;
    int rc = 0;
    if (q->hours) {
        rc = slots_open(q->hours, q->from, q->to, &open, &no);
    } else if (!(open = malloc(sizeof *open))) {
        rc = LP_ERR_NOMEM;
    } else {
        open[0] = (struct slots_iv){ q->from, q->to };
        no = q->from < q->to;
    }
    if (rc == 0) rc = slots_subtract(open, no, q->closures, q->n_closures, &avail, &na);
    if (rc == 0)
        rc = slots_below_capacity(q->bookings, q->n_bookings, q->capacity, q->from, q->to,
                                  &fits, &nf);
    if (rc == 0) rc = slots_intersect(avail, na, fits, nf, out, n);
    free(open);
    free(avail);
    free(fits);
    return rc;
}

/* ---- rule checks ---- */

static int span_ok(int64_t s, int64_t e)
{
    return s >= 0 && e <= SLOTS_MAX_INSTANT && s < e;
}

int slots_check_within(const struct slots_iv *v, size_t n, int64_t s, int64_t e)
{
    if (!span_ok(s, e) || (n > 0 && !v)) return LP_ERR_INVALID;
    size_t lo = 0, hi = n; /* first interval with end > s */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].end <= s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].start <= s && e <= v[lo].end ? 0 : LP_ERR_RULE;
}

int slots_check_open(const struct slots_week *w, int64_t s, int64_t e)
{
    struct slots_iv *v;
    size_t n;
    if (!span_ok(s, e)) return LP_ERR_INVALID;
    if (e - s > SLOTS_MAX_RANGE) return LP_ERR_RULE;
    int rc = slots_open(w, s, e, &v, &n);
    if (rc != 0) return rc;
    rc = n == 1 && v[0].start == s && v[0].end == e ? 0 : LP_ERR_RULE;
    free(v);
    return rc;
}

static int on_grid(int64_t t, unsigned g)
{
    struct tm tm;
    lt_local(t, &tm);
    return tm.tm_sec == 0 && (unsigned)(tm.tm_hour * 60 + tm.tm_min) % g == 0;
}

int slots_check_aligned(int64_t s, int64_t e, unsigned granularity_min)
{
    if (!span_ok(s, e) || granularity_min == 0 || granularity_min > DAY_MIN)
        return LP_ERR_INVALID;
    return on_grid(s, granularity_min) && on_grid(e, granularity_min) ? 0 : LP_ERR_RULE;
}

int slots_check_duration(int64_t s, int64_t e, int64_t min_s, int64_t max_s)
{
    if (!span_ok(s, e) || min_s < 0 || max_s < 0 || (max_s > 0 && max_s < min_s))
        return LP_ERR_INVALID;
    int64_t d = e - s;
    return d < min_s || (max_s > 0 && d > max_s) ? LP_ERR_RULE : 0;
}
