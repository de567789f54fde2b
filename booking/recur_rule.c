/* recur_rule.c: the strict check of RRULE text for recurring reservations
 * (see recur.h): allowed parts, value ranges and bounds, each part once,
 * that libical accepts the rule, and whether the first occurrence matches
 * it, all before libical iterates. Expansion lives in recur.c. */
#include "booking/recur.h"
#include "booking/recur_int.h"
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/ltime.h"

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
int recur_rule_parse(const char *text, struct rule *r)
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
    return recur_rule_parse(rule, &r);
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

int recur_start_matches(const struct rule *r, const struct tm *tm)
{
    struct day dy = { tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, (tm->tm_wday + 6) % 7,
                      tm->tm_yday + 1 };
    int sp = part_index(r, "BYSETPOS");
    if (!day_matches(r, &dy)) return 0;
    return sp < 0 || setpos_matches(r, r->val[sp], &dy);
}
