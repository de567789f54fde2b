/* test_recur.c: unit tests for booking/recur (RRULE expansion in the site
 * zone): wall-clock times kept across the DST changes of 2026 in
 * Europe/Amsterdam (29 March, 25 October), gaps and overlaps, bookings
 * across midnight, UNTIL and COUNT bounds, refused rules, and splitting a
 * series for "this and the following". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "booking/recur.h"
#include "core/ltime.h"

#define H 3600
#define DAY 86400

static int64_t L(int y, int mo, int d, int h, int mi)
{
    return lt_from_local(y, mo, d, h, mi, 0);
}

/* Asserts occurrence o is [from, to) written as local RFC 3339 times. */
static void assert_occ(const struct recur_occ *o, const char *from, const char *to)
{
    char a[LT_RFC3339_LEN], b[LT_RFC3339_LEN];
    lt_format(o->start, a);
    lt_format(o->end, b);
    assert_string_equal(a, from);
    assert_string_equal(b, to);
}

static int setup(void **st)
{
    return lt_set_zone("Europe/Amsterdam") == 0 ? 0 : -1;
}

static void test_weekly_tuesday_across_both_changes(void **st)
{
    struct recur_occ *v;
    size_t n;
    /* 17 March to 19 May 2026: crosses 29 March. */
    assert_int_equal(recur_expand("FREQ=WEEKLY;BYDAY=TU;COUNT=10", L(2026, 3, 17, 9, 0),
                                  L(2026, 3, 17, 12, 0), &v, &n), 0);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        struct tm a, b;
        lt_local(v[i].start, &a);
        lt_local(v[i].end, &b);
        assert_int_equal(a.tm_wday, 2);
        assert_int_equal(a.tm_hour, 9);
        assert_int_equal(a.tm_min, 0);
        assert_int_equal(b.tm_hour, 12);
        assert_int_equal(v[i].end - v[i].start, 3 * H);
    }
    assert_int_equal(v[2].start - v[1].start, 7 * DAY - H); /* the week with 29 March */
    assert_occ(&v[1], "2026-03-24T09:00:00+01:00", "2026-03-24T12:00:00+01:00");
    assert_occ(&v[2], "2026-03-31T09:00:00+02:00", "2026-03-31T12:00:00+02:00");
    free(v);
    /* 13 October onward: crosses 25 October. */
    assert_int_equal(recur_expand("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3", L(2026, 10, 13, 9, 0),
                                  L(2026, 10, 13, 12, 0), &v, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(v[2].start - v[1].start, 7 * DAY + H);
    assert_occ(&v[2], "2026-10-27T09:00:00+01:00", "2026-10-27T12:00:00+01:00");
    free(v);
}

static void test_sunday_night_series_keeps_wall_clock(void **st)
{
    struct recur_occ *v;
    size_t n;
    assert_int_equal(recur_expand("FREQ=WEEKLY;COUNT=3", L(2026, 3, 22, 1, 0),
                                  L(2026, 3, 22, 4, 0), &v, &n), 0);
    assert_int_equal(n, 3);
    assert_occ(&v[0], "2026-03-22T01:00:00+01:00", "2026-03-22T04:00:00+01:00");
    assert_occ(&v[1], "2026-03-29T01:00:00+01:00", "2026-03-29T04:00:00+02:00");
    assert_occ(&v[2], "2026-04-05T01:00:00+02:00", "2026-04-05T04:00:00+02:00");
    assert_int_equal(v[1].end - v[1].start, 2 * H); /* the 23-hour day */
    free(v);
    assert_int_equal(recur_expand("FREQ=WEEKLY;BYDAY=SU;COUNT=3", L(2026, 10, 18, 1, 0),
                                  L(2026, 10, 18, 4, 0), &v, &n), 0);
    assert_int_equal(n, 3);
    assert_occ(&v[1], "2026-10-25T01:00:00+02:00", "2026-10-25T04:00:00+01:00");
    assert_int_equal(v[1].end - v[1].start, 4 * H); /* the 25-hour day */
    assert_occ(&v[2], "2026-11-01T01:00:00+01:00", "2026-11-01T04:00:00+01:00");
    free(v);
}

static void test_daily_keeps_nine_oclock(void **st)
{
    static const char *const want[][2] = {
        { "2026-03-27T09:00:00+01:00", "2026-03-27T12:00:00+01:00" },
        { "2026-03-28T09:00:00+01:00", "2026-03-28T12:00:00+01:00" },
        { "2026-03-29T09:00:00+02:00", "2026-03-29T12:00:00+02:00" },
        { "2026-03-30T09:00:00+02:00", "2026-03-30T12:00:00+02:00" },
    };
    struct recur_occ *v;
    size_t n;
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=4", L(2026, 3, 27, 9, 0),
                                  L(2026, 3, 27, 12, 0), &v, &n), 0);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) assert_occ(&v[i], want[i][0], want[i][1]);
    assert_int_equal(v[2].start - v[1].start, DAY - H);
    free(v);
    assert_int_equal(recur_expand("FREQ=DAILY;INTERVAL=2;COUNT=2", L(2026, 10, 24, 9, 0),
                                  L(2026, 10, 24, 12, 0), &v, &n), 0);
    assert_occ(&v[1], "2026-10-26T09:00:00+01:00", "2026-10-26T12:00:00+01:00");
    assert_int_equal(v[1].start - v[0].start, 2 * DAY + H);
    free(v);
}

static void test_gap_moves_occurrence_forward(void **st)
{
    struct recur_occ *v;
    size_t n;
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=4", L(2026, 3, 27, 2, 30),
                                  L(2026, 3, 27, 3, 30), &v, &n), 0);
    assert_int_equal(n, 4);
    assert_occ(&v[1], "2026-03-28T02:30:00+01:00", "2026-03-28T03:30:00+01:00");
    /* 02:30 does not exist on 29 March: the occurrence moves forward by the gap. */
    assert_occ(&v[2], "2026-03-29T03:30:00+02:00", "2026-03-29T04:30:00+02:00");
    /* ... and only that one: the next day is 02:30 again. */
    assert_occ(&v[3], "2026-03-30T02:30:00+02:00", "2026-03-30T03:30:00+02:00");
    free(v);
    /* An end in the gap moves forward too. */
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", L(2026, 3, 28, 1, 30),
                                  L(2026, 3, 28, 2, 30), &v, &n), 0);
    assert_occ(&v[1], "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00");
    assert_int_equal(v[1].end - v[1].start, H);
    free(v);
}

static void test_overlap_takes_earlier(void **st)
{
    struct recur_occ *v;
    size_t n;
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", L(2026, 10, 24, 2, 30),
                                  L(2026, 10, 24, 3, 0), &v, &n), 0);
    assert_occ(&v[1], "2026-10-25T02:30:00+02:00", "2026-10-25T03:00:00+01:00");
    assert_int_equal(v[1].end - v[1].start, 90 * 60);
    free(v);
    /* A series starting at the second 02:30 keeps that exact first instant. */
    int64_t second = L(2026, 10, 25, 2, 30) + H;
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=2", second, second + 30 * 60, &v, &n), 0);
    assert_int_equal(v[0].start, second);
    assert_occ(&v[1], "2026-10-26T02:30:00+01:00", "2026-10-26T03:00:00+01:00");
    free(v);
}

static void test_booking_across_midnight(void **st)
{
    struct recur_occ *v;
    size_t n;
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", L(2026, 10, 23, 20, 0),
                                  L(2026, 10, 24, 6, 0), &v, &n), 0);
    assert_int_equal(n, 3);
    assert_occ(&v[0], "2026-10-23T20:00:00+02:00", "2026-10-24T06:00:00+02:00");
    assert_occ(&v[1], "2026-10-24T20:00:00+02:00", "2026-10-25T06:00:00+01:00");
    assert_occ(&v[2], "2026-10-25T20:00:00+01:00", "2026-10-26T06:00:00+01:00");
    assert_int_equal(v[1].end - v[1].start, 11 * H);
    free(v);
}

static void test_until_is_inclusive_and_utc(void **st)
{
    struct recur_occ *v;
    size_t n;
    int64_t s = L(2026, 3, 27, 9, 0);
    /* 30 March 09:00 CEST is 07:00Z. */
    assert_int_equal(recur_expand("FREQ=DAILY;UNTIL=20260330T070000Z", s, s + 3 * H, &v, &n), 0);
    assert_int_equal(n, 4);
    free(v);
    assert_int_equal(recur_expand("FREQ=DAILY;UNTIL=20260330T065959Z", s, s + 3 * H, &v, &n), 0);
    assert_int_equal(n, 3);
    free(v);
    assert_int_equal(recur_expand("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260601T000000Z",
                                  L(2026, 1, 30, 10, 0), L(2026, 1, 30, 11, 0), &v, &n), 0);
    assert_int_equal(n, 5);
    assert_occ(&v[2], "2026-03-27T10:00:00+01:00", "2026-03-27T11:00:00+01:00");
    assert_occ(&v[4], "2026-05-29T10:00:00+02:00", "2026-05-29T11:00:00+02:00");
    free(v);
}

static void test_monthly_and_yearly_patterns(void **st)
{
    struct recur_occ *v;
    size_t n;
    assert_int_equal(recur_expand("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4", L(2026, 1, 31, 10, 0),
                                  L(2026, 1, 31, 11, 0), &v, &n), 0);
    assert_int_equal(n, 4);
    assert_occ(&v[1], "2026-02-28T10:00:00+01:00", "2026-02-28T11:00:00+01:00");
    assert_occ(&v[2], "2026-03-31T10:00:00+02:00", "2026-03-31T11:00:00+02:00");
    assert_occ(&v[3], "2026-04-30T10:00:00+02:00", "2026-04-30T11:00:00+02:00");
    free(v);
    /* The last weekday of each month. */
    assert_int_equal(recur_expand("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4",
                                  L(2026, 1, 30, 16, 0), L(2026, 1, 30, 17, 0), &v, &n), 0);
    assert_int_equal(n, 4);
    assert_occ(&v[1], "2026-02-27T16:00:00+01:00", "2026-02-27T17:00:00+01:00");
    assert_occ(&v[2], "2026-03-31T16:00:00+02:00", "2026-03-31T17:00:00+02:00");
    assert_occ(&v[3], "2026-04-30T16:00:00+02:00", "2026-04-30T17:00:00+02:00");
    free(v);
    /* The 31st skips the shorter months. */
    assert_int_equal(recur_expand("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", L(2026, 1, 31, 8, 0),
                                  L(2026, 1, 31, 9, 0), &v, &n), 0);
    assert_occ(&v[1], "2026-03-31T08:00:00+02:00", "2026-03-31T09:00:00+02:00");
    assert_occ(&v[2], "2026-05-31T08:00:00+02:00", "2026-05-31T09:00:00+02:00");
    free(v);
    /* Every spring-forward night: two real hours each year. */
    assert_int_equal(recur_expand("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=2", L(2026, 3, 29, 1, 0),
                                  L(2026, 3, 29, 4, 0), &v, &n), 0);
    assert_int_equal(n, 2);
    assert_occ(&v[1], "2027-03-28T01:00:00+01:00", "2027-03-28T04:00:00+02:00");
    assert_int_equal(v[1].end - v[1].start, 2 * H);
    free(v);
    /* A start outside a rule that never matches is refused before libical
     * would search centuries for a first match. */
    v = NULL;
    assert_int_equal(recur_expand("FREQ=MONTHLY;BYDAY=2TU;BYMONTHDAY=1,15,31;COUNT=2",
                                  L(2026, 3, 10, 9, 0), L(2026, 3, 10, 10, 0), &v, &n),
                     LP_ERR_INVALID);
    assert_null(v);
}

static void test_limits(void **st)
{
    struct recur_occ *v = NULL;
    size_t n = 0;
    int64_t s = L(2026, 3, 2, 9, 0);
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=200", s, s + H, &v, &n), 0);
    assert_int_equal(n, 200);
    free(v);
    /* UNTIL bounded but more than 200 occurrences. */
    assert_int_equal(recur_expand("FREQ=DAILY;UNTIL=20270101T000000Z", s, s + H, &v, &n),
                     LP_ERR_TOOBIG);
    assert_null(v);
    assert_int_equal(n, 0);
    /* Span over two years, by UNTIL or by COUNT. */
    assert_int_equal(recur_expand("FREQ=MONTHLY;UNTIL=20290101T000000Z", s, s + H, &v, &n),
                     LP_ERR_TOOBIG);
    assert_int_equal(recur_expand("FREQ=YEARLY;COUNT=5", s, s + H, &v, &n), LP_ERR_TOOBIG);
    assert_int_equal(recur_expand("FREQ=YEARLY;COUNT=3", s, s + H, &v, &n), 0);
    free(v);
}

static void test_bad_rules_refused(void **st)
{
    static const struct { const char *rule; int rc; } bad[] = {
        { "", LP_ERR_INVALID },
        { "FREQ=WEEKLY;BYDAY=TU", LP_ERR_INVALID },                 /* unbounded */
        { "FREQ=DAILY", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=201", LP_ERR_TOOBIG },
        { "FREQ=DAILY;COUNT=100000", LP_ERR_TOOBIG },
        { "FREQ=SECONDLY;COUNT=5", LP_ERR_INVALID },
        { "FREQ=MINUTELY;COUNT=5", LP_ERR_INVALID },
        { "FREQ=HOURLY;COUNT=5", LP_ERR_INVALID },
        { "FREQ=FORTNIGHTLY;COUNT=5", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;X=<script>", LP_ERR_INVALID },        /* junk characters */
        { "FREQ=DAILY;COUNT=5\n", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5 ", LP_ERR_INVALID },
        { "freq=daily;count=5", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;FOO=1", LP_ERR_INVALID },
        { "FREQ=DAILY;UNTIL=20260231T000000Z", LP_ERR_INVALID },    /* 31 February */
        { "FREQ=DAILY;UNTIL=20260230T000000Z", LP_ERR_INVALID },
        { "FREQ=DAILY;UNTIL=20260301T240000Z", LP_ERR_INVALID },
        { "FREQ=DAILY;UNTIL=20260301", LP_ERR_INVALID },            /* UTC date-time only */
        { "FREQ=DAILY;UNTIL=20260301T000000", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=2;UNTIL=20260301T000000Z", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=2;COUNT=3", LP_ERR_INVALID },
        { "FREQ=DAILY;FREQ=WEEKLY;COUNT=3", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=0", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=05", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=-5", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=", LP_ERR_INVALID },
        { "FREQ=DAILY;;COUNT=5", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;", LP_ERR_INVALID },
        { ";FREQ=DAILY;COUNT=5", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5=5", LP_ERR_INVALID },
        { "FREQ=DAILY:COUNT=5", LP_ERR_INVALID },
        { "RRULE:RRULE:FREQ=DAILY;COUNT=5", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;INTERVAL=0", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;INTERVAL=1000", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;BYHOUR=9,14", LP_ERR_INVALID },       /* finer than daily */
        { "FREQ=DAILY;COUNT=5;BYMINUTE=30", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;BYSECOND=1", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;RSCALE=GREGORIAN", LP_ERR_INVALID },
        { "FREQ=DAILY;COUNT=5;BYSETPOS=1", LP_ERR_INVALID },
        { "FREQ=WEEKLY;COUNT=5;BYMONTHDAY=1", LP_ERR_INVALID },
        { "FREQ=MONTHLY;COUNT=5;BYWEEKNO=3", LP_ERR_INVALID },
        { "FREQ=MONTHLY;COUNT=5;BYMONTH=13", LP_ERR_INVALID },
        { "FREQ=MONTHLY;COUNT=5;BYMONTHDAY=32", LP_ERR_INVALID },
        { "FREQ=MONTHLY;COUNT=5;BYDAY=6MO", LP_ERR_INVALID },
        { "FREQ=WEEKLY;COUNT=5;BYDAY=1MO", LP_ERR_INVALID },
        { "FREQ=WEEKLY;COUNT=5;BYDAY=MO,,TU", LP_ERR_INVALID },
        { "FREQ=WEEKLY;COUNT=5;BYDAY=XX", LP_ERR_INVALID },
        { "FREQ=WEEKLY;COUNT=5;WKST=XX", LP_ERR_INVALID },
        { "FREQ=YEARLY;COUNT=5;BYYEARDAY=367", LP_ERR_INVALID },
        { "FREQ=YEARLY;COUNT=5;BYWEEKNO=54", LP_ERR_INVALID },
        /* Parts and combinations left out (see recur.c). */
        { "FREQ=YEARLY;COUNT=5;BYYEARDAY=100", LP_ERR_INVALID },
        { "FREQ=YEARLY;COUNT=5;BYWEEKNO=20", LP_ERR_INVALID },
        { "FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=1;COUNT=5", LP_ERR_INVALID },
        { "FREQ=MONTHLY;BYSETPOS=1;COUNT=5", LP_ERR_INVALID },
        { "FREQ=DAILY;BYMONTHDAY=-1;COUNT=5", LP_ERR_INVALID },
        { "FREQ=YEARLY;BYMONTHDAY=1;COUNT=5", LP_ERR_INVALID },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct recur_occ *v = (struct recur_occ *)1;
        size_t n = 1;
        if (recur_check(bad[i].rule) != bad[i].rc)
            fail_msg("accepted or wrong code: %s", bad[i].rule);
        int rc = recur_expand(bad[i].rule, L(2026, 3, 2, 9, 0), L(2026, 3, 2, 10, 0), &v, &n);
        assert_int_equal(rc, bad[i].rc);
        assert_null(v);
        assert_int_equal(n, 0);
    }
    assert_int_equal(recur_check(NULL), LP_ERR_INVALID);
    char longrule[400] = "FREQ=YEARLY;COUNT=2;BYMONTH=1";
    while (strlen(longrule) <= RECUR_RULE_MAX) strcat(longrule, ",1");
    assert_int_equal(recur_check(longrule), LP_ERR_TOOBIG);
    static const char *const good[] = {
        "FREQ=DAILY;COUNT=5", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10",
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "FREQ=MONTHLY;BYDAY=+2TU;UNTIL=20261231T230000Z",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=2", "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1;COUNT=4",
        "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU,TH;COUNT=8", "FREQ=DAILY;BYMONTH=3,4;COUNT=5",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1;COUNT=2", "FREQ=DAILY;BYMONTHDAY=1,15;COUNT=3",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (recur_check(good[i]) != 0) fail_msg("refused: %s", good[i]);
}

static void test_bad_series_refused(void **st)
{
    struct recur_occ *v = NULL;
    size_t n = 0;
    int64_t wed = L(2026, 3, 25, 9, 0);
    /* The first occurrence must be one of the rule's. */
    assert_int_equal(recur_expand("FREQ=DAILY;BYDAY=TU;COUNT=3", wed, wed + H, &v, &n),
                     LP_ERR_INVALID);
    assert_int_equal(recur_expand("FREQ=WEEKLY;BYDAY=TU;COUNT=3", wed, wed + H, &v, &n),
                     LP_ERR_INVALID);
    /* A rule that never matches. */
    assert_int_equal(recur_expand("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2", wed, wed + H,
                                  &v, &n), LP_ERR_INVALID);
    /* Occurrences longer than the step overlap each other. */
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", wed, wed + 25 * H, &v, &n), LP_ERR_INVALID);
    /* Empty or reversed first occurrence; UNTIL before the start. */
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", wed, wed, &v, &n), LP_ERR_INVALID);
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", wed, wed - H, &v, &n), LP_ERR_INVALID);
    assert_int_equal(recur_expand("FREQ=DAILY;UNTIL=20260101T000000Z", wed, wed + H, &v, &n),
                     LP_ERR_INVALID);
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", -5, 10, &v, &n), LP_ERR_INVALID);
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=3", 0, INT64_MAX, &v, &n), LP_ERR_INVALID);
    assert_null(v);
}

static void test_this_and_following(void **st)
{
    const char *rule = "FREQ=WEEKLY;BYDAY=TU;COUNT=10";
    int64_t s = L(2026, 3, 17, 9, 0), e = L(2026, 3, 17, 12, 0);
    struct recur_occ *all, *rest;
    size_t n, m, idx = 99;
    assert_int_equal(recur_expand(rule, s, e, &all, &n), 0);
    assert_int_equal(recur_expand_from(rule, s, e, all[3].start, &rest, &m, &idx), 0);
    assert_int_equal(idx, 3);
    assert_int_equal(m, 7);
    assert_memory_equal(rest, all + 3, m * sizeof *rest);
    free(rest);
    assert_int_equal(recur_expand_from(rule, s, e, all[3].start + 60, &rest, &m, &idx),
                     LP_ERR_NOTFOUND);
    assert_null(rest);

    char head[RECUR_RULE_MAX + 1], tail[RECUR_RULE_MAX + 1];
    assert_int_equal(recur_split(rule, s, e, all[3].start, head, tail), 0);
    assert_string_equal(head, "FREQ=WEEKLY;BYDAY=TU;COUNT=3");
    assert_string_equal(tail, "FREQ=WEEKLY;BYDAY=TU;COUNT=7");
    assert_int_equal(recur_split(rule, s, e, s, head, tail), 0);
    assert_string_equal(head, "");
    assert_string_equal(tail, rule);
    assert_int_equal(recur_split(rule, s, e, s + 60, head, tail), LP_ERR_NOTFOUND);
    free(all);

    /* UNTIL: the head is counted, the tail keeps the UNTIL. */
    const char *urule = "RRULE:FREQ=DAILY;UNTIL=20260402T070000Z;INTERVAL=2";
    assert_int_equal(recur_expand(urule, L(2026, 3, 25, 9, 0), L(2026, 3, 25, 10, 0), &all, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(recur_split(urule, all[0].start, all[0].end, all[2].start, head, tail), 0);
    assert_string_equal(head, "FREQ=DAILY;COUNT=2;INTERVAL=2");
    assert_string_equal(tail, "FREQ=DAILY;UNTIL=20260402T070000Z;INTERVAL=2");
    assert_int_equal(recur_expand(tail, all[2].start, all[2].end, &rest, &m), 0);
    assert_int_equal(m, 3);
    assert_memory_equal(rest, all + 2, m * sizeof *rest);
    free(rest);
    free(all);

    /* A tail starting at an occurrence moved by the DST gap has no rule of its own. */
    assert_int_equal(recur_expand("FREQ=DAILY;COUNT=4", L(2026, 3, 27, 2, 30),
                                  L(2026, 3, 27, 3, 30), &all, &n), 0);
    assert_int_equal(recur_split("FREQ=DAILY;COUNT=4", all[0].start, all[0].end, all[2].start,
                                 head, tail), LP_ERR_RULE);
    assert_string_equal(head, "");
    assert_int_equal(recur_split("FREQ=DAILY;COUNT=4", all[0].start, all[0].end, all[3].start,
                                 head, tail), 0);
    assert_string_equal(head, "FREQ=DAILY;COUNT=3");
    assert_string_equal(tail, "FREQ=DAILY;COUNT=1");
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekly_tuesday_across_both_changes),
        cmocka_unit_test(test_sunday_night_series_keeps_wall_clock),
        cmocka_unit_test(test_daily_keeps_nine_oclock),
        cmocka_unit_test(test_gap_moves_occurrence_forward),
        cmocka_unit_test(test_overlap_takes_earlier),
        cmocka_unit_test(test_booking_across_midnight),
        cmocka_unit_test(test_until_is_inclusive_and_utc),
        cmocka_unit_test(test_monthly_and_yearly_patterns),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_rules_refused),
        cmocka_unit_test(test_bad_series_refused),
        cmocka_unit_test(test_this_and_following),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
