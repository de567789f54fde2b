/* recur.c: RRULE checking and expansion for recurring reservations (see recur.h).
 * The rule text is checked here first (allowed parts, value ranges, bounds),
 * then parsed by libical, whose iterator produces the wall-clock starts.
 * libical iterates in floating (zone-less) wall time on purpose: with a
 * zoned DTSTART, libical 3.0 moves every occurrence after a DST-gap day by
 * the gap. The site zone is applied to each occurrence on its own here, so
 * a gap moves only the occurrence that falls into it. UNTIL, COUNT and the
 * size limits are enforced here on instants; libical only gets a far bound
 * (the span limit plus two days) so that it always stops. */
#include "booking/recur.h"
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/ltime.h"

#define MAX_PARTS 12
#define T_MAX 32503680000LL /* 3000-01-01T00:00:00Z: instants beyond are refused */

enum freq { F_DAILY, F_WEEKLY, F_MONTHLY, F_YEARLY, F_NONE };
#define FM(f) (1u << (f))
#define F_ALL (FM(F_DAILY) | FM(F_WEEKLY) | FM(F_MONTHLY) | FM(F_YEARLY))

struct rule {
    char text[RECUR_RULE_MAX + 1]; /* the rule without an "RRULE:" prefix */
    char buf[RECUR_RULE_MAX + 1];  /* a copy split in place into parts */
    const char *key[MAX_PARTS];
    const char *val[MAX_PARTS];
    size_t n;
    enum freq freq;
    int count;      /* COUNT, or 0 when bounded by UNTIL */
    int has_until;
    int64_t until;  /* UNTIL as an instant */
};

struct key_rule {
    const char *key;
    unsigned freqs;   /* FREQs this part may be used with */
    int lo, hi;       /* range of a number or of a list item's magnitude */
    int neg;          /* list items may carry a sign */
    int (*check)(const struct key_rule *k, const char *v, struct rule *r);
};

static const char *const freq_names[] = { "DAILY", "WEEKLY", "MONTHLY", "YEARLY" };
static const char *const weekdays[] = { "MO", "TU", "WE", "TH", "FR", "SA", "SU" };

/* Strict decimal: 1 to 4 digits, no sign, no leading zero. */
static int number(const char *s, size_t len, int *out)
{
    int v = 0;
    if (len == 0 || len > 4 || s[0] == '0') return LP_ERR_INVALID;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return LP_ERR_INVALID;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int chk_freq(const struct key_rule *k, const char *v, struct rule *r)
{
    for (size_t i = 0; i < sizeof freq_names / sizeof freq_names[0]; i++)
        if (strcmp(v, freq_names[i]) == 0) {
            r->freq = (enum freq)i;
            return 0;
        }
    return LP_ERR_INVALID; /* too fine (SECONDLY..HOURLY) or unknown */
}

static int chk_count(const struct key_rule *k, const char *v, struct rule *r)
{
    int c;
    size_t len = strlen(v);
    if (len > 4 && strspn(v, "0123456789") == len && v[0] != '0') return LP_ERR_TOOBIG;
    if (number(v, len, &c) != 0 || c < k->lo) return LP_ERR_INVALID;
    if (c > k->hi) return LP_ERR_TOOBIG;
    r->count = c;
    return 0;
}

static int chk_interval(const struct key_rule *k, const char *v, struct rule *r)
{
    int c;
    if (number(v, strlen(v), &c) != 0 || c < k->lo || c > k->hi) return LP_ERR_INVALID;
    return 0;
}

/* UNTIL in UTC only: YYYYMMDDTHHMMSSZ, a real date and time of day. */
static int chk_until(const struct key_rule *k, const char *v, struct rule *r)
{
    int y, mo, d, h, mi, s;
    if (strlen(v) != 16 || v[8] != 'T' || v[15] != 'Z') return LP_ERR_INVALID;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (v[i] < '0' || v[i] > '9')) return LP_ERR_INVALID;
    if (sscanf(v, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &s) != 6) return LP_ERR_INVALID;
    if (!lt_valid_date(y, mo, d) || h > 23 || mi > 59 || s > 59) return LP_ERR_INVALID;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                     .tm_hour = h, .tm_min = mi, .tm_sec = s };
    r->until = (int64_t)timegm(&tm);
    r->has_until = 1;
    return 0;
}

static int weekday_index(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (strcmp(s, weekdays[i]) == 0) return i;
    return -1;
}

static int chk_wkst(const struct key_rule *k, const char *v, struct rule *r)
{
    return weekday_index(v) < 0 ? LP_ERR_INVALID : 0;
}

/* A signed list item: [+-]?digits, magnitude in [lo, hi]. */
static int list_item(const char *s, size_t len, int lo, int hi, int neg)
{
    int v;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        if (!neg) return LP_ERR_INVALID;
        s++;
        len--;
    }
    if (number(s, len, &v) != 0 || v < lo || v > hi) return LP_ERR_INVALID;
    return 0;
}

typedef int item_fn(const char *s, size_t len, const struct key_rule *k, const struct rule *r);

/* Calls item() for each comma-separated item; empty items are refused. */
static int each_item(const char *v, const struct key_rule *k, const struct rule *r, item_fn *item)
{
    const char *p = v;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        int rc = item(p, len, k, r);
        if (rc != 0) return rc;
        if (!c) return 0;
        p = c + 1;
    }
}

static int num_item(const char *s, size_t len, const struct key_rule *k, const struct rule *r)
{
    return list_item(s, len, k->lo, k->hi, k->neg);
}

/* BYDAY item: [[+-]n]WD; an ordinal only with MONTHLY (1..5) or YEARLY
 * (1..53), as RFC 5545 says. */
static int day_item(const char *s, size_t len, const struct key_rule *k, const struct rule *r)
{
    char wd[3];
    if (len < 2 || len > 5) return LP_ERR_INVALID;
    memcpy(wd, s + len - 2, 2);
    wd[2] = '\0';
    if (weekday_index(wd) < 0) return LP_ERR_INVALID;
    if (len == 2) return 0;
    int max = r->freq == F_MONTHLY ? 5 : r->freq == F_YEARLY ? 53 : 0;
    if (max == 0) return LP_ERR_INVALID;
    return list_item(s, len - 2, 1, max, 1);
}

static int chk_list(const struct key_rule *k, const char *v, struct rule *r)
{
    return each_item(v, k, r, num_item);
}

static int chk_byday(const struct key_rule *k, const char *v, struct rule *r)
{
    return each_item(v, k, r, day_item);
}

/* The parts accepted and the FREQs they may go with. Left out on purpose:
 * BYSECOND, BYMINUTE, BYHOUR (finer than a day), BYWEEKNO (libical 3.0
 * expands it wrongly and can crash on it), BYYEARDAY and BYSETPOS outside
 * MONTHLY (libical 3.0 ignores or mis-expands them), RSCALE and SKIP. */
static const struct key_rule keys[] = {
    { "FREQ", F_ALL, 0, 0, 0, chk_freq },
    { "COUNT", F_ALL, 1, RECUR_MAX_OCC, 0, chk_count },
    { "UNTIL", F_ALL, 0, 0, 0, chk_until },
    { "INTERVAL", F_ALL, 1, 999, 0, chk_interval },
    { "BYMONTH", F_ALL, 1, 12, 0, chk_list },
    { "BYMONTHDAY", F_ALL & ~FM(F_WEEKLY), 1, 31, 1, chk_list },
    { "BYDAY", F_ALL, 0, 0, 0, chk_byday },
    { "BYSETPOS", FM(F_MONTHLY), 1, 31, 1, chk_list },
    { "WKST", F_ALL, 0, 0, 0, chk_wkst },
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const struct key_rule *key_find(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(key, keys[i].key) == 0) return &keys[i];
    return NULL;
}

static int part_index(const struct rule *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->key[i], key) == 0) return (int)i;
    return -1;
}

/* Length, character set and prefix; copies the bare rule into r->text. */
static int rule_text(const char *text, struct rule *r)
{
    if (!text) return LP_ERR_INVALID;
    size_t len = strnlen(text, RECUR_RULE_MAX + 1);
    if (len > RECUR_RULE_MAX) return LP_ERR_TOOBIG;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("=;,:+-", c)))
            return LP_ERR_INVALID;
    }
    if (strncmp(text, "RRULE:", 6) == 0) text += 6;
    if (*text == '\0' || strchr(text, ':')) return LP_ERR_INVALID;
    strcpy(r->text, text);
    strcpy(r->buf, text);
    return 0;
}

/* Splits r->buf into KEY=VALUE parts: known keys, each at most once. */
static int rule_split(struct rule *r)
{
    char *save = NULL;
    const char *s = r->buf;
    size_t len = strlen(r->buf);
    if (len == 0 || s[0] == ';' || s[len - 1] == ';' || strstr(s, ";;")) return LP_ERR_INVALID;
    for (char *p = strtok_r(r->buf, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(p, '=');
        if (!eq || eq == p || eq[1] == '\0' || strchr(eq + 1, '=') || r->n == MAX_PARTS)
            return LP_ERR_INVALID;
        *eq = '\0';
        if (!key_find(p) || part_index(r, p) >= 0) return LP_ERR_INVALID;
        r->key[r->n] = p;
        r->val[r->n] = eq + 1;
        r->n++;
    }
    return 0;
}

/* Combinations refused although each part is fine on its own: negative
 * month days with DAILY (libical 3.0 misses some), month days with YEARLY
 * but no BYMONTH (RFC 5545 leaves open whether every month is meant, and
 * libical and other programs disagree), BYSETPOS without a set to pick from. */
static int combination_ok(const struct rule *r)
{
    int md = part_index(r, "BYMONTHDAY");
    if (md >= 0 && r->freq == F_DAILY && strchr(r->val[md], '-')) return 0;
    if (md >= 0 && r->freq == F_YEARLY && part_index(r, "BYMONTH") < 0) return 0;
    if (part_index(r, "BYSETPOS") >= 0 && md < 0 && part_index(r, "BYDAY") < 0) return 0;
    return 1;
}

/* Full check: text, parts, values, combinations, and libical's parser. */
static int rule_parse(const char *text, struct rule *r)
{
    memset(r, 0, sizeof *r);
    r->freq = F_NONE;
    int rc = rule_text(text, r);
    if (rc == 0) rc = rule_split(r);
    if (rc != 0) return rc;
    int fi = part_index(r, "FREQ");
    if (fi < 0) return LP_ERR_INVALID;
    if ((rc = chk_freq(NULL, r->val[fi], r)) != 0) return rc;
    for (size_t i = 0; i < r->n; i++) {
        const struct key_rule *k = key_find(r->key[i]);
        if (!(k->freqs & FM(r->freq))) return LP_ERR_INVALID;
        if ((rc = k->check(k, r->val[i], r)) != 0) return rc;
    }
    if ((r->count > 0) == (r->has_until != 0)) return LP_ERR_INVALID; /* exactly one bound */
    if (!combination_ok(r)) return LP_ERR_INVALID;
    icalerror_clear_errno();
    struct icalrecurrencetype rt = icalrecurrencetype_from_string(r->text);
    if (rt.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) return LP_ERR_INVALID;
    return 0;
}

int recur_check(const char *rule)
{
    struct rule r;
    return rule_parse(rule, &r);
}

/* ---- does the first occurrence match the rule? Checked before libical
 * runs: libical 3.0 searches without bound for a first match when the start
 * does not match (up to the year 2582), and a start that matches keeps its
 * later searches short. */

struct day {
    int y, m, d;   /* calendar date */
    int wd;        /* 0 = Monday */
    int yd;        /* 1..366 */
};

static int days_in_month(int y, int m)
{
    static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return md[m - 1] + (m == 2 && leap);
}

static int days_in_year(int y)
{
    return 337 + days_in_month(y, 2);
}

/* Is x (1-based) in the list v? Negative items count back from n. */
static int list_has(const char *v, int x, int n)
{
    for (const char *p = v; p; p = strchr(p, ','), p = p ? p + 1 : NULL) {
        int k = atoi(p);
        if (k == x || (k < 0 && n + k + 1 == x)) return 1;
    }
    return 0;
}

/* BYDAY: the weekday, and an ordinal counted within the month, or within the
 * year for YEARLY without BYMONTH. */
static int byday_has(const struct rule *r, const char *v, const struct day *dy)
{
    int in_year = r->freq == F_YEARLY && part_index(r, "BYMONTH") < 0;
    int pos = in_year ? dy->yd : dy->d;
    int len = in_year ? days_in_year(dy->y) : days_in_month(dy->y, dy->m);
    int fwd = (pos - 1) / 7 + 1, back = -((len - pos) / 7 + 1);
    for (const char *p = v; p; p = strchr(p, ','), p = p ? p + 1 : NULL) {
        size_t len2 = strcspn(p, ",");
        char wd[3] = { p[len2 - 2], p[len2 - 1], '\0' };
        int ord = len2 > 2 ? atoi(p) : 0;
        if (weekday_index(wd) == dy->wd && (ord == 0 || ord == fwd || ord == back)) return 1;
    }
    return 0;
}

static int day_matches(const struct rule *r, const struct day *dy)
{
    int i = part_index(r, "BYMONTH");
    if (i >= 0 && !list_has(r->val[i], dy->m, 12)) return 0;
    i = part_index(r, "BYMONTHDAY");
    if (i >= 0 && !list_has(r->val[i], dy->d, days_in_month(dy->y, dy->m))) return 0;
    i = part_index(r, "BYDAY");
    return i < 0 || byday_has(r, r->val[i], dy);
}

/* BYSETPOS (MONTHLY only): the position of the day among the month's matches. */
static int setpos_matches(const struct rule *r, const char *v, const struct day *dy)
{
    int n = 0, at = 0, dim = days_in_month(dy->y, dy->m);
    for (int d = 1; d <= dim; d++) {
        struct day o = { dy->y, dy->m, d, ((dy->wd + d - dy->d) % 7 + 7) % 7, dy->yd + d - dy->d };
        if (day_matches(r, &o)) {
            n++;
            if (d == dy->d) at = n;
        }
    }
    return at > 0 && list_has(v, at, n);
}

static int start_matches(const struct rule *r, const struct tm *tm)
{
    struct day dy = { tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, (tm->tm_wday + 6) % 7,
                      tm->tm_yday + 1 };
    int sp = part_index(r, "BYSETPOS");
    if (!day_matches(r, &dy)) return 0;
    return sp < 0 || setpos_matches(r, r->val[sp], &dy);
}

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
    if (!start_matches(r, &wall)) return LP_ERR_INVALID;

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
    int rc = rule_parse(rule, &r);
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
    int rc = rule_parse(rule, &r);
    if (rc == 0) rc = expand(&r, start, end, &v, &n);
    if (rc == 0) rc = find_start(v, n, at, &k);
    if (rc == 0 && k > 0) rc = rule_write(&r, k, head);
    if (rc == 0) rc = rule_write(&r, r.count > 0 ? n - k : 0, tail);
    if (rc == 0) rc = tail_matches(tail, v + k, n - k);
    free(v);
    if (rc != 0) head[0] = tail[0] = '\0';
    return rc;
}
