/* test_ics.c: unit tests for booking/ics (iCalendar feeds). Every feed is
 * parsed back with libical: all components and properties are walked and
 * any X-LIC-ERROR fails the test, also after libical's iTIP restriction
 * check for METHOD:PUBLISH. Times are converted back through the feed's own
 * VTIMEZONE and must give the original instants (DST weeks of 2026 in
 * Europe/Amsterdam, a recurring series from booking/recur, other zones).
 * The raw text is checked for CRLF, folding at 75 octets without split UTF-8
 * sequences, and TEXT escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "booking/ics.h"
#include "booking/recur.h"
#include "core/ltime.h"

#define H 3600
#define STAMP 1790000000 /* 2026-09-21T14:13:20Z */

static const struct ics_feed FEED = { "MedTech Factory \xE2\x80\x93 ML-1 Lab 2", "mtf.labpass",
                                      "desk@mtf.example", STAMP, 60 };

static int64_t L(int y, int mo, int d, int h, int mi)
{
    return lt_from_local(y, mo, d, h, mi, 0);
}

static int setup(void **st)
{
    return lt_set_zone("Europe/Amsterdam") == 0 ? 0 : -1;
}

/* ---- checks on parsed feeds ---- */

/* Counts X-LIC-ERROR properties anywhere below c, printing each. */
static int lic_errors(icalcomponent *c)
{
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY))
        if (icalproperty_isa(p) == ICAL_XLICERROR_PROPERTY) {
            print_error("X-LIC-ERROR in %s: %s\n",
                        icalcomponent_kind_to_string(icalcomponent_isa(c)),
                        icalproperty_get_xlicerror(p));
            errors++;
        }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        errors += lic_errors(s);
    return errors;
}

/* Parses feed, fails on any libical error or iTIP restriction; caller frees. */
static icalcomponent *parse_clean(const char *feed, int itip)
{
    icalcomponent *root = icalparser_parse_string(feed);
    assert_non_null(root);
    assert_int_equal(icalcomponent_isa(root), ICAL_VCALENDAR_COMPONENT);
    assert_int_equal(lic_errors(root), 0);
    if (itip) {
        assert_int_equal(icalrestriction_check(root), 1);
        assert_int_equal(lic_errors(root), 0);
    }
    return root;
}

static size_t count_kind(icalcomponent *root, icalcomponent_kind kind)
{
    return (size_t)icalcomponent_count_components(root, kind);
}

/* The instant of a DTSTART/DTEND property, through the feed's own VTIMEZONE. */
static int64_t prop_instant(icalcomponent *root, icalproperty *p)
{
    struct icaltimetype t = icalproperty_get_datetime_with_component(p, NULL);
    icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    if (!tzp) {
        assert_true(icaltime_is_utc(t));
        return (int64_t)icaltime_as_timet(t);
    }
    icaltimezone *z = icalcomponent_get_timezone(root, icalparameter_get_tzid(tzp));
    assert_non_null(z); /* defined by a VTIMEZONE in the feed itself */
    t.zone = NULL;
    return (int64_t)icaltime_as_timet_with_zone(t, z);
}

/* Each VEVENT's DTSTART/DTEND must give back ev[i] (feed order). */
static void assert_times(icalcomponent *root, const struct ics_event *ev, size_t n)
{
    size_t i = 0;
    for (icalcomponent *e = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT), i++) {
        assert_true(i < n);
        icalproperty *s = icalcomponent_get_first_property(e, ICAL_DTSTART_PROPERTY);
        icalproperty *d = icalcomponent_get_first_property(e, ICAL_DTEND_PROPERTY);
        assert_non_null(s);
        assert_non_null(d);
        if (prop_instant(root, s) != ev[i].start || prop_instant(root, d) != ev[i].end)
            fail_msg("event %zu: times differ", i);
    }
    assert_int_equal(i, n);
}

/* ---- checks on the raw text ---- */

static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3
                 : (s[i] & 0xF8) == 0xF0 ? 4 : 0;
        if (k == 0 || i + k > n) return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        i += k;
    }
    return 1;
}

/* CRLF only, at most 75 octets per physical line, every line valid UTF-8
 * by itself (so no sequence is split by a fold). Returns the line count. */
static size_t assert_lines(const char *feed, size_t len)
{
    size_t lines = 0;
    assert_int_equal(strlen(feed), len);
    assert_true(len >= 2 && feed[len - 2] == '\r' && feed[len - 1] == '\n');
    for (const char *p = feed; *p;) {
        const char *cr = strstr(p, "\r\n");
        assert_non_null(cr);
        size_t n = (size_t)(cr - p);
        if (n > 75) fail_msg("line %zu has %zu octets", lines + 1, n);
        assert_null(memchr(p, '\n', n));
        assert_null(memchr(p, '\r', n));
        if (!utf8_valid((const unsigned char *)p, n)) fail_msg("line %zu splits UTF-8", lines + 1);
        p = cr + 2;
        lines++;
    }
    return lines;
}

/* The unfolded logical line starting with prefix (e.g. "SUMMARY:"); caller frees. */
static char *logical_line(const char *feed, const char *prefix)
{
    size_t len = strlen(feed);
    char *u = malloc(len + 1), *q = u;
    assert_non_null(u);
    for (const char *p = feed; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        *q++ = *p;
    }
    *q = '\0';
    char *hit = NULL;
    for (char *l = u; l && *l;) {
        char *end = strstr(l, "\r\n");
        if (strncmp(l, prefix, strlen(prefix)) == 0) {
            size_t n = end ? (size_t)(end - l) : strlen(l);
            hit = strndup(l, n);
            break;
        }
        l = end ? end + 2 : NULL;
    }
    free(u);
    assert_non_null(hit);
    return hit;
}

static char *write_ok(const struct ics_event *ev, size_t n, size_t *len)
{
    char *s = NULL;
    assert_int_equal(ics_write(&FEED, ev, n, &s, len), 0);
    assert_non_null(s);
    return s;
}

/* ---- tests ---- */

static void test_feed_structure(void **st)
{
    struct ics_event ev[] = {
        { 42, L(2026, 3, 29, 1, 0), L(2026, 3, 29, 4, 0), ICS_CONFIRMED, 0, "Night run",
          "ML-1 Lab 2", "Incubator check" },
        { 43, L(2026, 6, 2, 9, 0), L(2026, 6, 2, 12, 0), ICS_TENTATIVE, 2, " \t\x01", "", " " },
        { 44, L(2026, 10, 25, 1, 0), L(2026, 10, 25, 4, 0), ICS_CANCELLED, 5, "Cancelled",
          NULL, NULL },
    };
    size_t len;
    char *s = write_ok(ev, 3, &len);
    assert_lines(s, len);
    assert_int_equal(strncmp(s, "BEGIN:VCALENDAR\r\n", 17), 0);
    assert_non_null(strstr(s, "\r\nEND:VCALENDAR\r\n"));
    icalcomponent *root = parse_clean(s, 1);
    assert_string_equal(icalproperty_get_version(
                            icalcomponent_get_first_property(root, ICAL_VERSION_PROPERTY)), "2.0");
    assert_non_null(icalcomponent_get_first_property(root, ICAL_PRODID_PROPERTY));
    assert_int_equal(icalcomponent_get_method(root), ICAL_METHOD_PUBLISH);
    assert_string_equal(icalproperty_get_calscale(
                            icalcomponent_get_first_property(root, ICAL_CALSCALE_PROPERTY)),
                        "GREGORIAN");
    assert_non_null(strstr(s, "\r\nX-WR-CALNAME:MedTech Factory \xE2\x80\x93 ML-1 Lab 2\r\n"));
    assert_int_equal(count_kind(root, ICAL_VTIMEZONE_COMPONENT), 1);
    assert_int_equal(count_kind(root, ICAL_VEVENT_COMPONENT), 3);
    icalcomponent *tz = icalcomponent_get_first_component(root, ICAL_VTIMEZONE_COMPONENT);
    assert_string_equal(icalproperty_get_tzid(
                            icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY)),
                        "Europe/Amsterdam");
    assert_null(strstr(s, "X-LIC-")); /* libical's own properties are dropped */
    assert_null(strstr(s, "AMT"));    /* old observances (1835...) are trimmed */

    static const char *const uid[] = { "rsv-42@mtf.labpass", "rsv-43@mtf.labpass",
                                       "rsv-44@mtf.labpass" };
    static const enum icalproperty_status status[] = { ICAL_STATUS_CONFIRMED,
                                                       ICAL_STATUS_TENTATIVE,
                                                       ICAL_STATUS_CANCELLED };
    size_t i = 0;
    for (icalcomponent *e = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT), i++) {
        assert_string_equal(icalcomponent_get_uid(e), uid[i]);
        assert_int_equal(icalcomponent_get_status(e), status[i]);
        assert_int_equal(icalcomponent_get_sequence(e), ev[i].sequence);
        struct icaltimetype stamp = icalcomponent_get_dtstamp(e);
        assert_true(icaltime_is_utc(stamp));
        assert_int_equal(icaltime_as_timet(stamp), STAMP);
        assert_string_equal(icalcomponent_get_summary(e),
                            i == 1 ? ICS_DEFAULT_SUMMARY : ev[i].summary);
    }
    assert_non_null(strstr(s, "\r\nDTSTART;TZID=Europe/Amsterdam:20260329T010000\r\n"));
    assert_non_null(strstr(s, "\r\nDTEND;TZID=Europe/Amsterdam:20260329T040000\r\n"));
    assert_times(root, ev, 3);
    icalcomponent_free(root);
    free(s);
}

static void test_dst_series_round_trip(void **st)
{
    struct recur_occ *occ;
    size_t n;
    /* Sunday 01:00-04:00 weekly through both changes of 2026. */
    assert_int_equal(recur_expand("FREQ=WEEKLY;BYDAY=SU;COUNT=33", L(2026, 3, 22, 1, 0),
                                  L(2026, 3, 22, 4, 0), &occ, &n), 0);
    assert_int_equal(n, 33);
    struct ics_event *ev = calloc(n + 2, sizeof *ev);
    assert_non_null(ev);
    for (size_t i = 0; i < n; i++)
        ev[i] = (struct ics_event){ (int64_t)(100 + i), occ[i].start, occ[i].end, ICS_CONFIRMED,
                                    0, "Sunday night sequencing", "Lab 2", NULL };
    /* Neither pass of the repeated hour is written with TZID (ambiguous). */
    int64_t second = L(2026, 10, 25, 2, 30) + H;
    ev[n] = (struct ics_event){ 900, second, second + 15 * 60, ICS_CONFIRMED, 0, "late", NULL,
                                NULL };
    ev[n + 1] = (struct ics_event){ 901, L(2026, 10, 25, 2, 30), second, ICS_CONFIRMED, 0,
                                    "first pass", NULL, NULL };
    size_t len;
    char *s = write_ok(ev, n + 2, &len);
    assert_lines(s, len);
    assert_non_null(strstr(s, "\r\nDTSTART:20261025T013000Z\r\n"));
    assert_non_null(strstr(s, "\r\nDTSTART:20261025T003000Z\r\n"));
    assert_null(strstr(s, "Amsterdam:20261025T02"));
    assert_non_null(strstr(s, "\r\nDTSTART;TZID=Europe/Amsterdam:20261025T010000\r\n"));
    assert_non_null(strstr(s, "\r\nDTEND;TZID=Europe/Amsterdam:20261025T040000\r\n"));
    icalcomponent *root = parse_clean(s, 1);
    assert_times(root, ev, n + 2);
    icalcomponent_free(root);
    free(s);
    free(ev);
    free(occ);
}

static void test_folding_multibyte(void **st)
{
    /* 2-, 3- and 4-byte sequences; shifted by 0..4 ASCII bytes so the fold
     * point falls at every position inside a sequence. */
    static const char unit[] = "\xC3\xBC" "\xE2\x82\xAC" "\xF0\x9F\xA7\xAB" "a";
    for (int shift = 0; shift < 5; shift++) {
        char text[1200] = "";
        for (int i = 0; i < shift; i++) strcat(text, "x");
        while (strlen(text) + sizeof unit < sizeof text) strcat(text, unit);
        struct ics_event ev = { 7, L(2026, 5, 4, 9, 0), L(2026, 5, 4, 10, 0), ICS_CONFIRMED, 0,
                                text, text, text };
        struct ics_feed f = FEED;
        f.name = text;
        char *s = NULL;
        size_t len;
        assert_int_equal(ics_write(&f, &ev, 1, &s, &len), 0);
        size_t lines = assert_lines(s, len);
        assert_true(lines > 3 * (strlen(text) / 75));
        icalcomponent *root = parse_clean(s, 1);
        icalcomponent *e = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
        assert_string_equal(icalcomponent_get_summary(e), text);
        assert_string_equal(icalcomponent_get_location(e), text);
        assert_string_equal(icalcomponent_get_description(e), text);
        icalcomponent_free(root);
        free(s);
    }
}

static void test_escaping(void **st)
{
    const char *text = "a;b,c\\d\ne\\;f,,g;\\n";
    struct ics_event ev = { 8, L(2026, 5, 4, 9, 0), L(2026, 5, 4, 10, 0), ICS_CONFIRMED, 0, text,
                            "Room 1, wing B; floor 2", "one\r\ntwo\rthree\nfour" };
    size_t len;
    char *s = write_ok(&ev, 1, &len);
    assert_lines(s, len);
    char *sum = logical_line(s, "SUMMARY:");
    assert_string_equal(sum, "SUMMARY:a\\;b\\,c\\\\d\\ne\\\\\\;f\\,\\,g\\;\\\\n");
    free(sum);
    char *loc = logical_line(s, "LOCATION:");
    assert_string_equal(loc, "LOCATION:Room 1\\, wing B\\; floor 2");
    free(loc);
    char *desc = logical_line(s, "DESCRIPTION:");
    assert_string_equal(desc, "DESCRIPTION:one\\ntwo\\nthree\\nfour");
    free(desc);
    icalcomponent *root = parse_clean(s, 1);
    icalcomponent *e = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
    assert_string_equal(icalcomponent_get_summary(e), text);
    assert_string_equal(icalcomponent_get_location(e), "Room 1, wing B; floor 2");
    assert_string_equal(icalcomponent_get_description(e), "one\ntwo\nthree\nfour");
    icalcomponent_free(root);
    free(s);
}

static void test_repairs_bad_text(void **st)
{
    /* Control characters, a stray continuation byte, an overlong form, a
     * surrogate, a cut-off sequence: the feed stays valid. */
    const char *text = "tab\there\x01\x1b[31m\x7f" "bad\x80" "ov\xC0\xAF" "sur\xED\xA0\x80"
                       "cut\xE2\x82";
    struct ics_event ev = { 9, L(2026, 5, 4, 9, 0), L(2026, 5, 4, 10, 0), ICS_CONFIRMED, 0, text,
                            NULL, NULL };
    size_t len;
    char *s = write_ok(&ev, 1, &len);
    assert_lines(s, len);
    icalcomponent *root = parse_clean(s, 1);
    icalcomponent *e = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
    const char *got = icalcomponent_get_summary(e);
    assert_true(utf8_valid((const unsigned char *)got, strlen(got)));
#define RC "\xEF\xBF\xBD" /* U+FFFD */
    assert_string_equal(got, "tab\there  [31m bad" RC "ov" RC RC "sur" RC RC RC "cut" RC RC);
#undef RC
    icalcomponent_free(root);
    free(s);
}

static void test_empty_feed(void **st)
{
    size_t len;
    char *s = write_ok(NULL, 0, &len);
    assert_lines(s, len);
    icalcomponent *root = parse_clean(s, 1);
    assert_int_equal(count_kind(root, ICAL_VEVENT_COMPONENT), 0);
    icalcomponent_free(root);
    free(s);
}

static void test_refused(void **st)
{
    struct ics_event ok = { 1, L(2026, 5, 4, 9, 0), L(2026, 5, 4, 10, 0), ICS_CONFIRMED, 0, "x",
                            NULL, NULL };
    char *s = (char *)1;
    struct ics_feed f = FEED;
    struct ics_event e = ok;
    e.end = e.start;
    assert_int_equal(ics_write(&FEED, &e, 1, &s, NULL), LP_ERR_INVALID);
    assert_null(s);
    e = ok;
    e.status = (enum ics_status)7;
    assert_int_equal(ics_write(&FEED, &e, 1, &s, NULL), LP_ERR_INVALID);
    e = ok;
    e.sequence = -1;
    assert_int_equal(ics_write(&FEED, &e, 1, &s, NULL), LP_ERR_INVALID);
    e = ok;
    e.id = -4;
    assert_int_equal(ics_write(&FEED, &e, 1, &s, NULL), LP_ERR_INVALID);
    e = ok;
    char *big = malloc(ICS_MAX_TEXT + 2);
    assert_non_null(big);
    memset(big, 'a', ICS_MAX_TEXT + 1);
    big[ICS_MAX_TEXT + 1] = '\0';
    e.description = big;
    assert_int_equal(ics_write(&FEED, &e, 1, &s, NULL), LP_ERR_TOOBIG);
    f.name = big;
    assert_int_equal(ics_write(&f, &ok, 1, &s, NULL), LP_ERR_TOOBIG);
    free(big);
    static const char *const hosts[] = { "", "a b", "x@y", "a\r\nDTSTART:1", "\xC3\xBC" };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        f = FEED;
        f.uid_host = hosts[i];
        assert_int_equal(ics_write(&f, &ok, 1, &s, NULL), LP_ERR_INVALID);
    }
    static const char *const mails[] = { "", "nobody", "@x", "a@", "a@b@c", "a b@c", "a@b\r\nX:1" };
    for (size_t i = 0; i < sizeof mails / sizeof mails[0]; i++) {
        f = FEED;
        f.organizer = mails[i];
        assert_int_equal(ics_write(&f, &ok, 1, &s, NULL), LP_ERR_INVALID);
    }
    f = FEED;
    f.name = NULL;
    assert_int_equal(ics_write(&f, &ok, 1, &s, NULL), LP_ERR_INVALID);
    f.name = "";
    assert_int_equal(ics_write(&f, &ok, 1, &s, NULL), LP_ERR_INVALID);
    f.name = " \t";
    assert_int_equal(ics_write(&f, &ok, 1, &s, NULL), LP_ERR_INVALID);
    assert_int_equal(ics_write(&FEED, NULL, 1, &s, NULL), LP_ERR_INVALID);
    assert_int_equal(ics_write(&FEED, &ok, ICS_MAX_EVENTS + 1, &s, NULL), LP_ERR_TOOBIG);
    assert_null(s);
}

static void test_other_zones(void **st)
{
    static const char *const zones[] = { "UTC", "Asia/Tokyo", "America/New_York",
                                         "Australia/Lord_Howe", "America/Sao_Paulo" };
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        assert_int_equal(lt_set_zone(zones[z]), 0);
        struct ics_event ev[4];
        static const int md[4][2] = { { 1, 15 }, { 3, 8 }, { 7, 1 }, { 11, 1 } };
        for (int i = 0; i < 4; i++)
            ev[i] = (struct ics_event){ i + 1, L(2026, md[i][0], md[i][1], 1, 30),
                                        L(2026, md[i][0], md[i][1], 5, 0), ICS_CONFIRMED, 0,
                                        zones[z], NULL, NULL };
        size_t len;
        char *s = write_ok(ev, 4, &len);
        assert_lines(s, len);
        icalcomponent *root = parse_clean(s, 1);
        assert_int_equal(count_kind(root, ICAL_VTIMEZONE_COMPONENT), z == 0 ? 0 : 1);
        assert_times(root, ev, 4);
        icalcomponent_free(root);
        free(s);
    }
    assert_int_equal(lt_set_zone("Europe/Amsterdam"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_structure),
        cmocka_unit_test(test_dst_series_round_trip),
        cmocka_unit_test(test_folding_multibyte),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_repairs_bad_text),
        cmocka_unit_test(test_empty_feed),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_other_zones),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
