/* ltime.c: strict RFC 3339 parsing and site-zone conversions (see ltime.h).
 * The zone is applied through TZ and the C library's tz database, which is
 * thread-safe for localtime_r/mktime as long as TZ is not changed later. */
#include "core/ltime.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_zone[64] = "UTC";

int lt_set_zone(const char *iana)
{
    char path[160];
    size_t n = strlen(iana);
    if (n == 0 || n >= sizeof g_zone || strstr(iana, "..") || iana[0] == '/')
        return LP_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)iana[i]) && !strchr("/_-+", iana[i]))
            return LP_ERR_INVALID;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", iana);
    if (access(path, R_OK) != 0)
        return LP_ERR_INVALID;
    memcpy(g_zone, iana, n + 1);
    setenv("TZ", g_zone, 1);
    tzset();
    return 0;
}

const char *lt_zone(void) { return g_zone; }

int lt_valid_date(int y, int m, int d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int lt_parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
    if (!s || strlen(s) < 20 || strlen(s) > 40) return LP_ERR_INVALID;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return LP_ERR_INVALID;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return LP_ERR_INVALID;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om)) return LP_ERR_INVALID;
        if (oh > 23 || om > 59) return LP_ERR_INVALID;
        p += 6;
    } else {
        return LP_ERR_INVALID;
    }
    if (*p != '\0') return LP_ERR_INVALID;
    if (!lt_valid_date(y, mo, d) || h > 23 || mi > 59 || se > 59) return LP_ERR_INVALID;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    t -= sign * (oh * 3600 + om * 60);
    *out = t;
    return 0;
}

void lt_local(int64_t t, struct tm *out)
{
    time_t tt = (time_t)t;
    localtime_r(&tt, out);
}

/* Writes n as exactly `width` digits. */
static char *digits_out(char *p, long n, int width)
{
    for (int i = width - 1; i >= 0; i--) { p[i] = (char)('0' + n % 10); n /= 10; }
    return p + width;
}

/* y-m-d of a day count from 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The site zone's UTC offset at t. localtime_r is slow (a global lock and a
 * table search), and responses format many nearby instants, so each thread
 * remembers a span where the offset is known to be constant: when the offset
 * is the same 12 hours before and after t, it is taken to hold across that
 * day (real zones never change their offset twice within 12 hours). */
static _Thread_local struct { int64_t lo, hi; long off; } g_off;

static long zone_offset(int64_t t)
{
    if (t >= g_off.lo && t < g_off.hi) return g_off.off;
    struct tm a, b, c;
    lt_local(t, &a);
    lt_local(t - 43200, &b);
    lt_local(t + 43200, &c);
    if (a.tm_gmtoff == b.tm_gmtoff && a.tm_gmtoff == c.tm_gmtoff) {
        g_off.lo = t - 43200;
        g_off.hi = t + 43200;
        g_off.off = a.tm_gmtoff;
    }
    return a.tm_gmtoff;
}

void lt_format(int64_t t, char out[LT_RFC3339_LEN])
{
    long off = zone_offset(t);
    int64_t local = t + off, days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t secs = local - days * 86400;
    int y, mo, d;
    civil_from_days(days, &y, &mo, &d);
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    /* YYYY-MM-DDTHH:MM:SS+HH:MM, written digit by digit (every response has times) */
    char *p = digits_out(out, y, 4);
    *p++ = '-'; p = digits_out(p, mo, 2);
    *p++ = '-'; p = digits_out(p, d, 2);
    *p++ = 'T'; p = digits_out(p, (long)(secs / 3600), 2);
    *p++ = ':'; p = digits_out(p, (long)(secs / 60 % 60), 2);
    *p++ = ':'; p = digits_out(p, (long)(secs % 60), 2);
    *p++ = sign; p = digits_out(p, (off / 3600) % 100, 2);
    *p++ = ':'; p = digits_out(p, (off / 60) % 60, 2);
    *p = '\0';
}

void lt_format_utc(int64_t t, char out[LT_RFC3339_LEN])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, LT_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t lt_from_local(int y, int mon, int d, int h, int mi, int s)
{
    /* The wall time read as if it were UTC; out-of-range fields (day 0,
     * minute -30, month 13) normalise by plain calendar arithmetic. */
    int64_t yy = y + (mon - 1 >= 0 ? (mon - 1) / 12 : (mon - 12) / 12);
    int mm = ((mon - 1) % 12 + 12) % 12 + 1;
    int64_t wall = (days_from_civil((int)yy, mm, 1) + d - 1) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s;
    /* The offsets in force half a day either side are the candidates (a zone
     * never changes twice within that span). A candidate is right when the
     * instant it gives has that offset; of two right ones (the repeated hour
     * in autumn) the earlier wins; with none (the skipped hour in spring) the
     * earlier offset moves the time forward by the gap. */
    long before = zone_offset(wall - 43200), after = zone_offset(wall + 43200);
    int64_t t1 = wall - before, t2 = wall - after;
    int ok1 = zone_offset(t1) == before, ok2 = zone_offset(t2) == after;
    if (ok1 && ok2) return t1 < t2 ? t1 : t2;
    if (ok2) return t2;
    return t1;
}

int64_t lt_day_start(int64_t t)
{
    struct tm tm;
    lt_local(t, &tm);
    return lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, 0);
}

int lt_parse_month(const char *s, int64_t *from, int64_t *to)
{
    int y, m;
    if (!s || strlen(s) != 7 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) ||
        !lt_valid_date(y, m, 1))
        return LP_ERR_INVALID;
    *from = lt_from_local(y, m, 1, 0, 0, 0);
    *to = m == 12 ? lt_from_local(y + 1, 1, 1, 0, 0, 0) : lt_from_local(y, m + 1, 1, 0, 0, 0);
    return 0;
}

int lt_parse_day(const char *s, int64_t *from, int64_t *to)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) ||
        s[7] != '-' || digits(s + 8, 2, &d) || !lt_valid_date(y, m, d))
        return LP_ERR_INVALID;
    *from = lt_from_local(y, m, d, 0, 0, 0);
    *to = lt_from_local(y, m, d, 0, 0, 0) + 36 * 3600;
    *to = lt_day_start(*to);
    return 0;
}
