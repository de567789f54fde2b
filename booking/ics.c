/* ics.c: iCalendar feed writer (see ics.h).
 * All output goes through put_line(), which folds a logical content line
 * into physical lines of at most 75 octets plus CRLF, breaking only between
 * UTF-8 sequences. TEXT values pass through put_text(), which escapes and
 * repairs them. The VTIMEZONE is cloned from libical's zone data (system
 * zoneinfo), trimmed to the observances that can apply to the events,
 * renamed to the plain IANA name, and refolded here like every other line. */
#include "booking/ics.h"
#include <libical/ical.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/ltime.h"

#define FOLD 75
#define T_MAX 32503680000LL /* 3000-01-01T00:00:00Z */
#define YEAR_S (366LL * 86400)

struct buf {
    char *p;
    size_t len, cap;
    int err; /* first error, sticky */
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->err) return;
    if (b->len + n + 1 > ICS_MAX_OUTPUT) {
        b->err = LP_ERR_TOOBIG;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->err = LP_ERR_NOMEM;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_str(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid
 * (stray continuation, overlong form, surrogate, above U+10FFFF, cut off). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if (avail < n) return 0;
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* Folds the logical line s[0..n) (valid UTF-8) into b, ending with CRLF. */
static void put_line(struct buf *b, const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        size_t c = utf8_len((const unsigned char *)s + i, n - i);
        if (c == 0) c = 1; /* cannot happen for repaired text; keeps going */
        if (col + c > FOLD) {
            put(b, "\r\n ", 3);
            col = 1;
        }
        put(b, s + i, c);
        col += c;
        i += c;
    }
    put(b, "\r\n", 2);
}

/* Appends TEXT value s, escaped (RFC 5545 3.3.11) and repaired, to line. */
static void put_text(struct buf *line, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0) {
            put(line, "\xEF\xBF\xBD", 3); /* U+FFFD */
            i++;
            continue;
        }
        if (c == '\\' || c == ';' || c == ',') {
            char esc[2] = { '\\', (char)c };
            put(line, esc, 2);
        } else if (c == '\n') {
            put(line, "\\n", 2);
        } else if (c == '\r') {
            if (s[i + 1] != '\n') put(line, "\\n", 2); /* CRLF counts as one newline */
        } else if ((c < 0x20 && c != '\t') || c == 0x7F) {
            put(line, " ", 1);
        } else {
            put(line, s + i, k);
        }
        i += k;
    }
}

/* True when text would be written as white space only (libical reads such
 * a value as missing): NULL, "", spaces, tabs, control characters. */
static int blank(const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\r' || (c > ' ' && c != 0x7F)) return 0;
    }
    return 1;
}

/* One property line: "NAME:" + TEXT value. */
static void prop_text(struct buf *b, const char *name, const char *text)
{
    struct buf line = { 0 };
    put_str(&line, name);
    put(&line, ":", 1);
    put_text(&line, text);
    if (line.err) {
        if (!b->err) b->err = line.err;
    } else {
        put_line(b, line.p, line.len);
    }
    free(line.p);
}

/* One property line from printf-style parts (ASCII, no escaping needed). */
static void prop_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void prop_fmt(struct buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        if (!b->err) b->err = LP_ERR_INTERNAL;
        return;
    }
    put_line(b, tmp, (size_t)n);
}

/* ---- times ---- */

static void fmt_utc(int64_t t, char out[20])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

/* True when the site-local wall time of t happens only once. A repeated
 * hour (DST overlap) is read differently by calendar programs (RFC 5545
 * says the first pass, libical 3.0 takes the second), so it is avoided. */
static int wall_unique(int64_t t)
{
    struct tm tm, other, back;
    lt_local(t, &tm);
    int64_t wall = (int64_t)timegm(&tm); /* the wall time counted as if UTC */
    for (int k = -1; k <= 1; k += 2) {
        lt_local(t + k * 86400, &other); /* the offset on the other side of a change */
        int64_t c = wall - other.tm_gmtoff;
        if (c == t) continue;
        lt_local(c, &back);
        if ((int64_t)timegm(&back) == wall) return 0;
    }
    return 1;
}

/* DTSTART/DTEND: local with TZID when that wall time means only t, else UTC. */
static void prop_time(struct buf *b, const char *name, int64_t t, const char *tzid)
{
    char s[20];
    struct tm tm;
    if (tzid && wall_unique(t)) {
        lt_local(t, &tm);
        strftime(s, sizeof s, "%Y%m%dT%H%M%S", &tm);
        prop_fmt(b, "%s;TZID=%s:%s", name, tzid, s);
    } else {
        fmt_utc(t, s);
        prop_fmt(b, "%s:%s", name, s);
    }
}

/* ---- VTIMEZONE ---- */

/* A zone-less iCalendar time as seconds, counted as if it were UTC. */
static int64_t naive(struct icaltimetype t)
{
    struct tm tm = { .tm_year = t.year - 1900, .tm_mon = t.month - 1, .tm_mday = t.day,
                     .tm_hour = t.hour, .tm_min = t.minute, .tm_sec = t.second };
    return (int64_t)timegm(&tm);
}

static int64_t obs_start(icalcomponent *obs)
{
    icalproperty *p = icalcomponent_get_first_property(obs, ICAL_DTSTART_PROPERTY);
    return p ? naive(icalproperty_get_dtstart(p)) : INT64_MIN;
}

/* The last onset of an observance: INT64_MAX for an open-ended RRULE. */
static int64_t obs_last(icalcomponent *obs)
{
    int64_t last = obs_start(obs);
    icalproperty *p;
    for (p = icalcomponent_get_first_property(obs, ICAL_RRULE_PROPERTY); p;
         p = icalcomponent_get_next_property(obs, ICAL_RRULE_PROPERTY)) {
        struct icalrecurrencetype r = icalproperty_get_rrule(p);
        if (icaltime_is_null_time(r.until)) return INT64_MAX;
        if (naive(r.until) > last) last = naive(r.until);
    }
    for (p = icalcomponent_get_first_property(obs, ICAL_RDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(obs, ICAL_RDATE_PROPERTY)) {
        struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
        struct icaltimetype t = icaltime_is_null_time(d.time) ? d.period.start : d.time;
        if (!icaltime_is_null_time(t) && naive(t) > last) last = naive(t);
    }
    return last;
}

/* Keeps the observances with an onset at or after cutoff, plus the one in
 * effect at cutoff when no kept observance starts before it. */
static int trim_observances(icalcomponent *tz, int64_t cutoff)
{
    size_t n = 0, k = 0;
    icalcomponent *o;
    for (o = icalcomponent_get_first_component(tz, ICAL_ANY_COMPONENT); o;
         o = icalcomponent_get_next_component(tz, ICAL_ANY_COMPONENT))
        n++;
    icalcomponent **all = calloc(n ? n : 1, sizeof *all);
    int *keep = calloc(n ? n : 1, sizeof *keep);
    if (!all || !keep) {
        free(all);
        free(keep);
        return LP_ERR_NOMEM;
    }
    for (o = icalcomponent_get_first_component(tz, ICAL_ANY_COMPONENT); o && k < n;
         o = icalcomponent_get_next_component(tz, ICAL_ANY_COMPONENT))
        all[k++] = o;
    int covered = 0;
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        int64_t last = obs_last(all[i]);
        keep[i] = last >= cutoff;
        covered |= keep[i] && obs_start(all[i]) <= cutoff;
        if (!keep[i] && (best == n || last > obs_last(all[best]))) best = i;
    }
    if (!covered && best < n) keep[best] = 1;
    for (size_t i = 0; i < n; i++)
        if (!keep[i]) {
            icalcomponent_remove_component(tz, all[i]);
            icalcomponent_free(all[i]);
        }
    free(all);
    free(keep);
    return 0;
}

/* Renames the zone to its IANA name and drops libical's own properties. */
static void rename_zone(icalcomponent *tz, const char *zone)
{
    icalproperty *p = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
    if (p) icalproperty_set_tzid(p, zone);
    for (p = icalcomponent_get_first_property(tz, ICAL_X_PROPERTY); p;) {
        icalproperty *next = icalcomponent_get_next_property(tz, ICAL_X_PROPERTY);
        const char *x = icalproperty_get_x_name(p);
        if (x && strncmp(x, "X-LIC-", 6) == 0) {
            icalcomponent_remove_property(tz, p);
            icalproperty_free(p);
        }
        p = next;
    }
}

/* Re-emits libical's serialization: unfolds its lines, refolds them here. */
static void put_serialized(struct buf *b, const char *s)
{
    struct buf line = { 0 };
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "\r\n");
        if (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
            put(&line, p + 1, n - 1); /* continuation */
        } else if (n > 0) {
            if (line.len) put_line(b, line.p, line.len);
            line.len = 0;
            put(&line, p, n);
        }
        p += n;
        while (*p == '\r' || *p == '\n') p++;
    }
    if (line.len) put_line(b, line.p, line.len);
    if (line.err && !b->err) b->err = line.err;
    free(line.p);
}

/* Writes the VTIMEZONE for zone; *have is 0 when libical has no rules for it
 * (UTC or unknown), and times are then written in UTC. */
static int put_vtimezone(struct buf *b, const char *zone, int64_t first, int *have)
{
    *have = 0;
    if (strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0) return 0;
    icaltimezone *z = icaltimezone_get_builtin_timezone(zone);
    icalcomponent *src = z ? icaltimezone_get_component(z) : NULL;
    if (!src) return 0;
    icalcomponent *tz = icalcomponent_new_clone(src);
    if (!tz) return LP_ERR_NOMEM;
    struct icaltimetype ft = icaltime_from_timet_with_zone((time_t)first, 0, NULL);
    int rc = trim_observances(tz, naive(ft) - YEAR_S);
    if (rc == 0) {
        rename_zone(tz, zone);
        char *s = icalcomponent_as_ical_string_r(tz);
        if (s) {
            put_serialized(b, s);
            free(s);
            *have = 1;
        } else {
            rc = LP_ERR_NOMEM;
        }
    }
    icalcomponent_free(tz);
    return rc;
}

/* ---- events ---- */

static const char *const status_names[] = { "CONFIRMED", "TENTATIVE", "CANCELLED" };

static int text_ok(const char *s)
{
    return !s || strnlen(s, ICS_MAX_TEXT + 1) <= ICS_MAX_TEXT;
}

static int event_check(const struct ics_event *e)
{
    if (e->id < 0 || e->start < 0 || e->end <= e->start || e->end > T_MAX) return LP_ERR_INVALID;
    if ((unsigned)e->status > ICS_CANCELLED || e->sequence < 0) return LP_ERR_INVALID;
    if (!text_ok(e->summary) || !text_ok(e->location) || !text_ok(e->description))
        return LP_ERR_TOOBIG;
    return 0;
}

/* A plain address for ORGANIZER: local@domain from a safe character set. */
static int mail_ok(const char *m)
{
    size_t n = strnlen(m, ICS_MAIL_MAX + 1);
    const char *at = strchr(m, '@');
    return n > 0 && n <= ICS_MAIL_MAX && at && at != m && at[1] != '\0' && !strchr(at + 1, '@') &&
           strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@+_-") == n;
}

static int feed_check(const struct ics_feed *f, const struct ics_event *ev, size_t n)
{
    if (!f || blank(f->name) || !f->uid_host || (n > 0 && !ev)) return LP_ERR_INVALID;
    if (n > ICS_MAX_EVENTS || !text_ok(f->name)) return LP_ERR_TOOBIG;
    size_t h = strnlen(f->uid_host, ICS_HOST_MAX + 1);
    if (h == 0 || h > ICS_HOST_MAX || strspn(f->uid_host, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != h)
        return LP_ERR_INVALID;
    if (f->organizer && !mail_ok(f->organizer)) return LP_ERR_INVALID;
    if (f->stamp < 0 || f->stamp > T_MAX || f->refresh_min > 7 * 24 * 60) return LP_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        int rc = event_check(&ev[i]);
        if (rc != 0) return rc;
    }
    return 0;
}

static void put_event(struct buf *b, const struct ics_feed *f, const struct ics_event *e,
                      const char *stamp, const char *tzid)
{
    put_str(b, "BEGIN:VEVENT\r\n");
    prop_fmt(b, "UID:rsv-%lld@%s", (long long)e->id, f->uid_host);
    prop_fmt(b, "DTSTAMP:%s", stamp);
    prop_time(b, "DTSTART", e->start, tzid);
    prop_time(b, "DTEND", e->end, tzid);
    if (f->organizer) prop_fmt(b, "ORGANIZER:mailto:%s", f->organizer);
    prop_text(b, "SUMMARY", blank(e->summary) ? ICS_DEFAULT_SUMMARY : e->summary);
    if (!blank(e->location)) prop_text(b, "LOCATION", e->location);
    if (!blank(e->description)) prop_text(b, "DESCRIPTION", e->description);
    prop_fmt(b, "STATUS:%s", status_names[e->status]);
    prop_fmt(b, "SEQUENCE:%d", e->sequence);
    put_str(b, "END:VEVENT\r\n");
}

static void put_header(struct buf *b, const struct ics_feed *f, const char *zone, int have_tz)
{
    put_str(b, "BEGIN:VCALENDAR\r\n"
             "PRODID:-//labpass//labpass reservations//EN\r\n"
             "VERSION:2.0\r\n"
             "CALSCALE:GREGORIAN\r\n"
             "METHOD:PUBLISH\r\n");
    prop_text(b, "X-WR-CALNAME", f->name);
    prop_text(b, "NAME", f->name);
    if (have_tz) prop_fmt(b, "X-WR-TIMEZONE:%s", zone);
    if (f->refresh_min) {
        prop_fmt(b, "REFRESH-INTERVAL;VALUE=DURATION:PT%uM", f->refresh_min);
        prop_fmt(b, "X-PUBLISHED-TTL:PT%uM", f->refresh_min);
    }
}

int ics_write(const struct ics_feed *feed, const struct ics_event *ev, size_t n, char **out,
              size_t *len)
{
    struct buf b = { 0 }, tz = { 0 };
    char stamp[20];
    int have_tz = 0;
    *out = NULL;
    if (len) *len = 0;
    int rc = feed_check(feed, ev, n);
    if (rc != 0) return rc;
    fmt_utc(feed->stamp ? feed->stamp : clk_now(), stamp);
    int64_t first = n ? ev[0].start : (feed->stamp ? feed->stamp : clk_now());
    for (size_t i = 1; i < n; i++)
        if (ev[i].start < first) first = ev[i].start;
    const char *zone = lt_zone();
    rc = put_vtimezone(&tz, zone, first, &have_tz);
    if (rc == 0) rc = tz.err;
    put_header(&b, feed, zone, have_tz);
    if (tz.len) put(&b, tz.p, tz.len);
    free(tz.p);
    for (size_t i = 0; i < n && !b.err; i++)
        put_event(&b, feed, &ev[i], stamp, have_tz ? zone : NULL);
    put_str(&b, "END:VCALENDAR\r\n");
    if (rc == 0) rc = b.err;
    if (rc != 0) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    if (len) *len = b.len;
    return 0;
}
