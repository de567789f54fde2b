/* test_slots.c: unit tests for booking/slots (availability interval
 * arithmetic): opening hours text, opening hours across the DST days of 2026
 * in Europe/Amsterdam, closures, capacity sweeps (checked against a brute
 * force count), and the booking rule checks (inside opening hours, across
 * midnight, grid alignment on DST days, duration). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "booking/slots.h"
#include "core/ltime.h"

#define H 3600
#define DAY 86400

static int64_t L(int y, int mo, int d, int h, int mi)
{
    return lt_from_local(y, mo, d, h, mi, 0);
}

static void assert_iv(const struct slots_iv *v, const char *from, const char *to)
{
    char a[LT_RFC3339_LEN], b[LT_RFC3339_LEN];
    lt_format(v->start, a);
    lt_format(v->end, b);
    assert_string_equal(a, from);
    assert_string_equal(b, to);
}

static int setup(void **st)
{
    return lt_set_zone("Europe/Amsterdam") == 0 ? 0 : -1;
}

/* Every day the same spec. */
static void week_all(struct slots_week *w, const char *spec)
{
    memset(w, 0, sizeof *w);
    for (int d = 0; d < 7; d++) assert_int_equal(slots_week_set_day(w, d, spec), 0);
}

static void test_week_text(void **st)
{
    struct slots_week w;
    memset(&w, 0, sizeof w);
    assert_int_equal(slots_week_set_day(&w, 0, "08:00-12:00,13:00-18:00"), 0);
    assert_int_equal(w.n[0], 2);
    assert_int_equal(w.day[0][1].from, 13 * 60);
    assert_int_equal(w.day[0][1].to, 18 * 60);
    assert_int_equal(slots_week_set_day(&w, 6, "00:00-24:00"), 0);
    assert_int_equal(w.day[6][0].to, 1440);
    assert_int_equal(slots_week_set_day(&w, 1, "08:00-12:00,12:00-13:00"), 0); /* touching */
    assert_int_equal(slots_week_set_day(&w, 2, ""), 0);
    assert_int_equal(w.n[2], 0);
    static const char *const bad[] = {
        "8:00-18:00", "08:00-18:00,", ",08:00-18:00", "18:00-08:00", "08:00-08:00",
        "08:00-12:00,11:00-13:00", "13:00-14:00,08:00-12:00", "24:00-24:00", "08:00-24:01",
        "08:60-09:00", "08:00-25:00", "08:00-18:00 ", "08:00 -18:00", "08.00-18.00", "closed",
        "00:00-01:00,01:00-02:00,02:00-03:00,03:00-04:00,04:00-05:00,05:00-06:00,"
        "06:00-07:00,07:00-08:00,08:00-09:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (slots_week_set_day(&w, 0, bad[i]) == 0) fail_msg("accepted: %s", bad[i]);
        assert_int_equal(w.n[0], 2); /* unchanged */
    }
    assert_int_equal(slots_week_set_day(&w, 7, ""), LP_ERR_INVALID);
    assert_int_equal(slots_week_check(&w), 0);
    w.day[0][0].to = 1441;
    assert_int_equal(slots_week_check(&w), LP_ERR_INVALID);
    w.day[0][0].to = 12 * 60;
    w.n[3] = SLOTS_DAY_MAX + 1;
    assert_int_equal(slots_week_check(&w), LP_ERR_INVALID);
}

static void test_open_ordinary_week(void **st)
{
    struct slots_week w;
    memset(&w, 0, sizeof w);
    for (int d = 0; d < 5; d++) assert_int_equal(slots_week_set_day(&w, d, "08:00-18:00"), 0);
    struct slots_iv *v;
    size_t n;
    /* Monday 2 March to Monday 9 March 2026. */
    assert_int_equal(slots_open(&w, L(2026, 3, 2, 0, 0), L(2026, 3, 9, 0, 0), &v, &n), 0);
    assert_int_equal(n, 5);
    assert_iv(&v[0], "2026-03-02T08:00:00+01:00", "2026-03-02T18:00:00+01:00");
    assert_iv(&v[4], "2026-03-06T08:00:00+01:00", "2026-03-06T18:00:00+01:00");
    free(v);
    /* Clipped at both ends. */
    assert_int_equal(slots_open(&w, L(2026, 3, 2, 12, 0), L(2026, 3, 3, 9, 30), &v, &n), 0);
    assert_int_equal(n, 2);
    assert_iv(&v[0], "2026-03-02T12:00:00+01:00", "2026-03-02T18:00:00+01:00");
    assert_iv(&v[1], "2026-03-03T08:00:00+01:00", "2026-03-03T09:30:00+01:00");
    free(v);
}

static void test_open_across_dst(void **st)
{
    struct slots_week w;
    struct slots_iv *v;
    size_t n;
    week_all(&w, "00:00-24:00");
    /* Saturday 28 to Tuesday 31 March: one interval, 71 hours. */
    assert_int_equal(slots_open(&w, L(2026, 3, 28, 0, 0), L(2026, 3, 31, 0, 0), &v, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].end - v[0].start, 71 * H);
    free(v);
    /* Sunday 29 March alone is 23 hours, Sunday 25 October 25 hours. */
    memset(&w, 0, sizeof w);
    assert_int_equal(slots_week_set_day(&w, 6, "00:00-24:00"), 0);
    assert_int_equal(slots_open(&w, L(2026, 3, 23, 0, 0), L(2026, 4, 6, 0, 0), &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].end - v[0].start, 23 * H); /* 29 March */
    assert_int_equal(v[1].end - v[1].start, 24 * H); /* 5 April */
    free(v);
    assert_int_equal(slots_open(&w, L(2026, 10, 20, 0, 0), L(2026, 10, 27, 0, 0), &v, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].end - v[0].start, 25 * H);
    free(v);
    /* Daytime hours keep their wall clock on both sides of the change. */
    week_all(&w, "08:00-18:00");
    assert_int_equal(slots_open(&w, L(2026, 3, 28, 0, 0), L(2026, 3, 30, 0, 0), &v, &n), 0);
    assert_int_equal(n, 2);
    assert_iv(&v[0], "2026-03-28T08:00:00+01:00", "2026-03-28T18:00:00+01:00");
    assert_iv(&v[1], "2026-03-29T08:00:00+02:00", "2026-03-29T18:00:00+02:00");
    assert_int_equal(v[1].start - v[0].start, DAY - H);
    free(v);
    /* Spans touching the gap: 01:00-03:00 is one real hour, 02:00-03:00 none. */
    week_all(&w, "01:00-03:00");
    assert_int_equal(slots_open(&w, L(2026, 3, 29, 0, 0), L(2026, 3, 30, 0, 0), &v, &n), 0);
    assert_int_equal(n, 1);
    assert_iv(&v[0], "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00");
    assert_int_equal(v[0].end - v[0].start, H);
    free(v);
    week_all(&w, "02:00-03:00");
    assert_int_equal(slots_open(&w, L(2026, 3, 29, 0, 0), L(2026, 3, 30, 0, 0), &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    /* The repeated hour of 25 October: 01:00-04:00 is four real hours. */
    week_all(&w, "01:00-04:00");
    assert_int_equal(slots_open(&w, L(2026, 10, 25, 0, 0), L(2026, 10, 26, 0, 0), &v, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].end - v[0].start, 4 * H);
    free(v);
}

static void test_subtract_and_intersect(void **st)
{
    struct slots_iv a[] = { { 100, 200 }, { 0, 50 }, { 40, 60 } };
    struct slots_iv b[] = { { 120, 130 }, { 10, 20 }, { 125, 140 }, { 190, 300 }, { 55, 60 } };
    struct slots_iv *v;
    size_t n;
    assert_int_equal(slots_subtract(a, 3, b, 5, &v, &n), 0);
    const struct slots_iv want[] = { { 0, 10 }, { 20, 55 }, { 100, 120 }, { 140, 190 } };
    assert_int_equal(n, 4);
    assert_memory_equal(v, want, sizeof want);
    free(v);
    assert_int_equal(slots_intersect(a, 3, b, 5, &v, &n), 0);
    const struct slots_iv both[] = { { 10, 20 }, { 55, 60 }, { 120, 140 }, { 190, 200 } };
    assert_int_equal(n, 4);
    assert_memory_equal(v, both, sizeof both);
    free(v);
    assert_int_equal(slots_subtract(a, 3, NULL, 0, &v, &n), 0);
    assert_int_equal(n, 2); /* normalized: [0,60) and [100,200) */
    free(v);
    struct slots_iv rev[] = { { 10, 5 } };
    assert_int_equal(slots_subtract(a, 3, rev, 1, &v, &n), LP_ERR_INVALID);
    assert_null(v);
    assert_int_equal(slots_subtract(a, SLOTS_MAX_IV + 1, b, 5, &v, &n), LP_ERR_TOOBIG);
}

static void test_closures(void **st)
{
    struct slots_week w;
    memset(&w, 0, sizeof w);
    for (int d = 0; d < 5; d++) assert_int_equal(slots_week_set_day(&w, d, "08:00-18:00"), 0);
    struct slots_iv closed[] = { { L(2026, 3, 4, 12, 0), L(2026, 3, 5, 10, 0) } };
    struct slots_query q = { .hours = &w, .from = L(2026, 3, 2, 0, 0), .to = L(2026, 3, 7, 0, 0),
                             .closures = closed, .n_closures = 1, .capacity = 1 };
    struct slots_iv *v;
    size_t n;
    assert_int_equal(slots_free(&q, &v, &n), 0);
    assert_int_equal(n, 5);
    assert_iv(&v[2], "2026-03-04T08:00:00+01:00", "2026-03-04T12:00:00+01:00");
    assert_iv(&v[3], "2026-03-05T10:00:00+01:00", "2026-03-05T18:00:00+01:00");
    free(v);
    /* Without hours: around the clock minus the closure. */
    q.hours = NULL;
    assert_int_equal(slots_free(&q, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].end, closed[0].start);
    assert_int_equal(v[1].start, closed[0].end);
    free(v);
}

/* Places taken: constant-count stretches, equal neighbours joined, back to
 * back is no overlap, clipped to the range, nothing where nobody books. */
static void test_taken_counts(void **st)
{
    struct slots_iv b[] = { { 110, 120 }, { 100, 110 }, { 105, 115 } };
    struct slots_count *v;
    size_t n;
    assert_int_equal(slots_taken(b, 3, 0, 200, &v, &n), 0);
    const int64_t want[][3] = { { 100, 105, 1 }, { 105, 115, 2 }, { 115, 120, 1 } };
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].start, want[i][0]);
        assert_int_equal(v[i].end, want[i][1]);
        assert_int_equal(v[i].taken, want[i][2]);
    }
    free(v);
    assert_int_equal(slots_taken(b, 3, 108, 118, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].start, 108);
    assert_int_equal(v[0].end, 115);
    assert_int_equal(v[0].taken, 2);
    assert_int_equal(v[1].end, 118);
    free(v);
    assert_int_equal(slots_taken(b, 3, 130, 200, &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    assert_int_equal(slots_taken(NULL, 0, 0, 10, &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    struct slots_iv bad[] = { { 20, 10 } };
    assert_int_equal(slots_taken(bad, 1, 0, 100, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_taken(b, 3, 50, 40, &v, &n), LP_ERR_INVALID);
}

static void test_capacity_sweep(void **st)
{
    struct slots_iv b[] = { { 100, 110 }, { 105, 115 }, { 110, 120 } };
    struct slots_iv *v;
    size_t n;
    /* Capacity 1: free only outside every booking. */
    assert_int_equal(slots_below_capacity(b, 3, 1, 0, 200, &v, &n), 0);
    const struct slots_iv c1[] = { { 0, 100 }, { 120, 200 } };
    assert_int_equal(n, 2);
    assert_memory_equal(v, c1, sizeof c1);
    free(v);
    /* Capacity 2: [105,115) has two at once ([100,110) ends as [110,120) starts). */
    assert_int_equal(slots_below_capacity(b, 3, 2, 0, 200, &v, &n), 0);
    const struct slots_iv c2[] = { { 0, 105 }, { 115, 200 } };
    assert_int_equal(n, 2);
    assert_memory_equal(v, c2, sizeof c2);
    free(v);
    assert_int_equal(slots_below_capacity(b, 3, 3, 0, 200, &v, &n), 0);
    assert_int_equal(n, 1);
    free(v);
    assert_int_equal(slots_below_capacity(b, 3, 0, 0, 200, &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    /* Clipped to the range; bookings outside it do not count. */
    assert_int_equal(slots_below_capacity(b, 3, 1, 108, 300, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, 120);
    assert_int_equal(v[0].end, 300);
    free(v);
    struct slots_iv rev[] = { { 10, 5 } };
    assert_int_equal(slots_below_capacity(rev, 1, 1, 0, 100, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_below_capacity(b, 3, 1, 100, 50, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_below_capacity(b, SLOTS_MAX_IV + 1, 1, 0, 50, &v, &n), LP_ERR_TOOBIG);
}

/* A deterministic pseudo-random sequence, so a failure can be replayed. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void test_capacity_against_brute_force(void **st)
{
    enum { RANGE = 2000, NB = 300 };
    uint32_t seed = 12345;
    struct slots_iv *b = malloc(NB * sizeof *b);
    assert_non_null(b);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < NB; i++) {
            int64_t s = (int64_t)(lcg(&seed) % (RANGE + 200)) - 100;
            b[i] = (struct slots_iv){ s, s + 1 + (int64_t)(lcg(&seed) % 60) };
        }
        unsigned cap = 1 + round % 12;
        struct slots_iv *v;
        size_t n;
        assert_int_equal(slots_below_capacity(b, NB, cap, 0, RANGE, &v, &n), 0);
        for (int64_t t = 0; t < RANGE; t++) {
            unsigned c = 0;
            for (int i = 0; i < NB; i++) c += b[i].start <= t && t < b[i].end;
            int in = 0;
            for (size_t k = 0; k < n; k++) in |= v[k].start <= t && t < v[k].end;
            if (in != (c < cap))
                fail_msg("round %d t=%lld count=%u cap=%u", round, (long long)t, c, cap);
        }
        for (size_t k = 1; k < n; k++) assert_true(v[k - 1].end < v[k].start); /* merged */
        free(v);
    }
    free(b);
}

static void test_free_with_capacity(void **st)
{
    struct slots_week w;
    week_all(&w, "08:00-18:00");
    struct slots_iv bookings[] = {
        { L(2026, 3, 29, 9, 0), L(2026, 3, 29, 12, 0) },
        { L(2026, 3, 29, 11, 0), L(2026, 3, 29, 14, 0) },
        { L(2026, 3, 29, 17, 0), L(2026, 3, 29, 19, 0) },
    };
    struct slots_iv closed[] = { { L(2026, 3, 29, 16, 0), L(2026, 3, 29, 16, 30) } };
    struct slots_query q = { .hours = &w, .from = L(2026, 3, 29, 0, 0), .to = L(2026, 3, 30, 0, 0),
                             .closures = closed, .n_closures = 1, .bookings = bookings,
                             .n_bookings = 3, .capacity = 2 };
    struct slots_iv *v;
    size_t n;
    assert_int_equal(slots_free(&q, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_iv(&v[0], "2026-03-29T08:00:00+02:00", "2026-03-29T11:00:00+02:00");
    assert_iv(&v[1], "2026-03-29T12:00:00+02:00", "2026-03-29T16:00:00+02:00");
    assert_iv(&v[2], "2026-03-29T16:30:00+02:00", "2026-03-29T18:00:00+02:00");
    assert_int_equal(slots_check_within(v, n, L(2026, 3, 29, 12, 0), L(2026, 3, 29, 16, 0)), 0);
    assert_int_equal(slots_check_within(v, n, L(2026, 3, 29, 10, 0), L(2026, 3, 29, 12, 0)),
                     LP_ERR_RULE);
    assert_int_equal(slots_check_within(v, n, L(2026, 3, 29, 7, 0), L(2026, 3, 29, 8, 30)),
                     LP_ERR_RULE);
    free(v);
    q.capacity = 1;
    assert_int_equal(slots_free(&q, &v, &n), 0);
    assert_iv(&v[0], "2026-03-29T08:00:00+02:00", "2026-03-29T09:00:00+02:00");
    assert_iv(&v[1], "2026-03-29T14:00:00+02:00", "2026-03-29T16:00:00+02:00");
    assert_iv(&v[2], "2026-03-29T16:30:00+02:00", "2026-03-29T17:00:00+02:00");
    assert_int_equal(n, 3);
    free(v);
}

static void test_check_open_across_midnight(void **st)
{
    struct slots_week w;
    week_all(&w, "00:00-24:00");
    /* Saturday 22:00 to Sunday 04:00 over the spring-forward night: 5 real hours. */
    assert_int_equal(slots_check_open(&w, L(2026, 3, 28, 22, 0), L(2026, 3, 29, 4, 0)), 0);
    memset(&w, 0, sizeof w);
    assert_int_equal(slots_week_set_day(&w, 5, "08:00-24:00"), 0);  /* Saturday */
    assert_int_equal(slots_week_set_day(&w, 6, "00:00-12:00"), 0);  /* Sunday */
    assert_int_equal(slots_check_open(&w, L(2026, 3, 28, 22, 0), L(2026, 3, 29, 4, 0)), 0);
    assert_int_equal(slots_check_open(&w, L(2026, 3, 28, 7, 0), L(2026, 3, 28, 9, 0)), LP_ERR_RULE);
    assert_int_equal(slots_check_open(&w, L(2026, 3, 29, 11, 0), L(2026, 3, 29, 13, 0)),
                     LP_ERR_RULE);
    assert_int_equal(slots_week_set_day(&w, 5, "08:00-23:00"), 0);
    assert_int_equal(slots_check_open(&w, L(2026, 3, 28, 22, 0), L(2026, 3, 29, 4, 0)),
                     LP_ERR_RULE);
    /* Two opening intervals with a lunch break in between may not be spanned. */
    assert_int_equal(slots_week_set_day(&w, 0, "08:00-12:00,13:00-18:00"), 0);
    assert_int_equal(slots_check_open(&w, L(2026, 3, 30, 11, 0), L(2026, 3, 30, 14, 0)),
                     LP_ERR_RULE);
    assert_int_equal(slots_check_open(&w, L(2026, 3, 30, 13, 0), L(2026, 3, 30, 18, 0)), 0);
    assert_int_equal(slots_check_open(&w, L(2026, 3, 30, 13, 0), L(2026, 3, 30, 13, 0)),
                     LP_ERR_INVALID);
}

static void test_check_aligned(void **st)
{
    /* 03:00 on 29 March is on the hourly grid (wall clock, not elapsed time). */
    assert_int_equal(slots_check_aligned(L(2026, 3, 29, 3, 0), L(2026, 3, 29, 5, 0), 60), 0);
    assert_int_equal(slots_check_aligned(L(2026, 10, 25, 3, 0), L(2026, 10, 25, 6, 0), 90), 0);
    assert_int_equal(slots_check_aligned(L(2026, 10, 25, 1, 0), L(2026, 10, 25, 3, 0), 90),
                     LP_ERR_RULE);
    assert_int_equal(slots_check_aligned(L(2026, 3, 30, 9, 15), L(2026, 3, 30, 10, 0), 15), 0);
    assert_int_equal(slots_check_aligned(L(2026, 3, 30, 9, 15), L(2026, 3, 30, 10, 0), 30),
                     LP_ERR_RULE);
    assert_int_equal(slots_check_aligned(L(2026, 3, 30, 9, 0) + 1, L(2026, 3, 30, 10, 0), 1),
                     LP_ERR_RULE);
    /* Ending at midnight is aligned on any grid. */
    assert_int_equal(slots_check_aligned(L(2026, 3, 30, 22, 30), L(2026, 3, 31, 0, 0), 45), 0);
    assert_int_equal(slots_check_aligned(L(2026, 3, 30, 9, 0), L(2026, 3, 30, 10, 0), 0),
                     LP_ERR_INVALID);
    assert_int_equal(slots_check_aligned(L(2026, 3, 30, 9, 0), L(2026, 3, 30, 10, 0), 1441),
                     LP_ERR_INVALID);
}

static void test_check_duration(void **st)
{
    int64_t s = L(2026, 3, 29, 1, 0);
    /* 01:00 to 04:00 on the spring-forward night is two real hours. */
    assert_int_equal(slots_check_duration(s, L(2026, 3, 29, 4, 0), 2 * H, 2 * H), 0);
    assert_int_equal(slots_check_duration(s, s + 30 * 60, H, 4 * H), LP_ERR_RULE);
    assert_int_equal(slots_check_duration(s, s + 5 * H, H, 4 * H), LP_ERR_RULE);
    assert_int_equal(slots_check_duration(s, s + 50 * H, H, 0), 0);
    assert_int_equal(slots_check_duration(s, s + H, 2 * H, H), LP_ERR_INVALID);
    assert_int_equal(slots_check_duration(s, s, 0, 0), LP_ERR_INVALID);
}

static void test_bounds(void **st)
{
    struct slots_week w;
    week_all(&w, "08:00-18:00");
    struct slots_iv *v = (struct slots_iv *)1;
    size_t n = 1;
    int64_t s = L(2026, 1, 1, 0, 0);
    assert_int_equal(slots_open(&w, s, s + SLOTS_MAX_RANGE + 1, &v, &n), LP_ERR_TOOBIG);
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(slots_open(&w, s, s - 1, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_open(&w, -5, s, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_open(&w, s, INT64_MAX, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_open(NULL, s, s + 1, &v, &n), LP_ERR_INVALID);
    assert_int_equal(slots_open(&w, s, s + SLOTS_MAX_RANGE, &v, &n), 0);
    assert_int_equal(n, 400);
    free(v);
    assert_int_equal(slots_open(&w, s, s, &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    assert_int_equal(slots_check_open(&w, s, INT64_MAX), LP_ERR_INVALID);
    assert_int_equal(slots_free(NULL, &v, &n), LP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_week_text),
        cmocka_unit_test(test_open_ordinary_week),
        cmocka_unit_test(test_open_across_dst),
        cmocka_unit_test(test_subtract_and_intersect),
        cmocka_unit_test(test_closures),
        cmocka_unit_test(test_capacity_sweep),
        cmocka_unit_test(test_capacity_against_brute_force),
        cmocka_unit_test(test_free_with_capacity),
        cmocka_unit_test(test_check_open_across_midnight),
        cmocka_unit_test(test_check_aligned),
        cmocka_unit_test(test_check_duration),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_taken_counts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
