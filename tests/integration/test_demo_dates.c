/* test_demo_dates.c: the demo on the calendar's awkward days. For each fixed
 * date (a month end, the year end, the leap day, the spring and the autumn
 * DST nights) labpassd starts with --demo on the injected clock, and the
 * demo must work there: sign-in, resources, a day's availability, last
 * month's invoice run, this month's running charges. Then the clock walks
 * the demo through the boundary that date sits at: an hour later the month
 * (or year) has changed, the month that just ended can be invoiced, the
 * invoice is dated in the new month, and the running charges have moved on.
 * Nothing here reads the machine's date. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ltime.h"
#include "tests/lib/harness.h"

struct day {
    const char *at;          /* local time (site zone: Europe/Amsterdam) */
    const char *month;       /* the site's month at that time */
    const char *last_month;  /* the month before */
    const char *next_month;  /* the month one hour later */
};

static const struct day DAYS[] = {
    { "2027-11-30T23:30:00+01:00", "2027-11", "2027-10", "2027-12" },   /* month end */
    { "2027-12-31T23:30:00+01:00", "2027-12", "2027-11", "2028-01" },   /* year end */
    { "2028-02-29T23:30:00+01:00", "2028-02", "2028-01", "2028-03" },   /* leap day, month end */
    { "2028-03-26T01:30:00+01:00", "2028-03", "2028-02", "2028-03" },   /* spring DST night: 02:00 -> 03:00 */
    { "2027-10-31T02:30:00+01:00", "2027-10", "2027-09", "2027-10" },   /* autumn DST night, second 02:30 */
    { "2027-03-31T23:30:00+02:00", "2027-03", "2027-02", "2027-04" },   /* month end in summer time */
};

static int64_t at(const char *s)
{
    int64_t t = 0;
    if (lt_parse_rfc3339(s, &t) != 0) fail_msg("bad time %s", s);
    return t;
}

/* Runs the invoices of period as staff; returns the number created and
 * copies the first created invoice's issue_date into issue (may be empty). */
static int run_invoices(hx_server *s, const char *staff, const char *period, char *issue, size_t len)
{
    char body[64];
    hx_resp r;
    snprintf(body, sizeof body, "{\"period\":\"%s\"}", period);
    assert_int_equal(hx_req(s, "POST", "/api/v1/invoices/run", staff, body, NULL, &r), 0);
    if (r.status != 200) fail_msg("invoice run %s: %ld %s", period, r.status, r.body);
    json_t *created = json_object_get(r.json, "created");
    assert_true(json_is_array(created));
    int n = (int)json_array_size(created);
    issue[0] = '\0';
    if (n > 0) {
        const char *d = json_string_value(json_object_get(json_array_get(created, 0), "issue_date"));
        const char *p = json_string_value(json_object_get(json_array_get(created, 0), "period"));
        assert_non_null(p);
        assert_string_equal(p, period);
        snprintf(issue, len, "%s", d ? d : "");
    }
    hx_free(&r);
    return n;
}

/* The running charges of the current month name the expected period. */
static void check_charges(hx_server *s, const char *staff, const char *period)
{
    hx_resp r;
    assert_int_equal(hx_req(s, "GET", "/api/v1/charges", staff, NULL, NULL, &r), 0);
    if (r.status != 200) fail_msg("charges: %ld %s", r.status, r.body);
    const char *p = json_string_value(json_object_get(r.json, "period"));
    assert_non_null(p);
    assert_string_equal(p, period);
    hx_free(&r);
}

/* A whole day's availability of every demo resource answers. */
static void check_availability(hx_server *s, const char *tok, int64_t now)
{
    hx_resp r;
    assert_int_equal(hx_req(s, "GET", "/api/v1/resources", tok, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *arr = json_object_get(r.json, "resources");
    assert_true(json_array_size(arr) >= 5);
    char from[LT_RFC3339_LEN], to[LT_RFC3339_LEN], path[256];
    lt_format_utc(now - 12 * 3600, from);   /* UTC: no '+' to encode in the query */
    lt_format_utc(now + 12 * 3600, to);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        int64_t id = json_integer_value(json_object_get(json_array_get(arr, i), "id"));
        snprintf(path, sizeof path, "/api/v1/resources/%lld/availability?from=%s&to=%s", (long long)id, from, to);
        long st = hx_status(s, "GET", path, tok, NULL);
        if (st != 200) fail_msg("availability of resource %lld at %s: %ld", (long long)id, from, st);
    }
    hx_free(&r);
}

static void walk(const struct day *d)
{
    hx_server s;
    int64_t t = at(d->at);
    char issue[32];
    assert_int_equal(hx_start(&s, t), 0);
    char *staff = hx_login(&s, DEMO_STAFF), *member = hx_login(&s, DEMO_MEMBER_A);
    if (!staff || !member) fail_msg("demo sign-in at %s failed", d->at);
    check_availability(&s, member, t);
    check_charges(&s, staff, d->month);
    /* The demo's membership fee starts last month: last month has an invoice. */
    int n = run_invoices(&s, staff, d->last_month, issue, sizeof issue);
    if (n < 1) fail_msg("no invoice for %s at %s", d->last_month, d->at);
    assert_int_equal(strncmp(issue, d->month, 7), 0);

    /* One hour later. */
    hx_set_clock(&s, t + 3600);
    check_charges(&s, staff, d->next_month);
    if (strcmp(d->next_month, d->month) != 0) {
        /* The month just ended is now billable, dated in the new month. */
        n = run_invoices(&s, staff, d->month, issue, sizeof issue);
        if (n < 1) fail_msg("no invoice for %s after %s", d->month, d->at);
        assert_int_equal(strncmp(issue, d->next_month, 7), 0);
    }
    /* Re-running last month creates nothing new. */
    assert_int_equal(run_invoices(&s, staff, d->last_month, issue, sizeof issue), 0);
    check_availability(&s, member, t + 3600);
    free(staff);
    free(member);
    assert_int_equal(hx_stop(&s), 0);
}

/* The suite's own date (LABPASS_TEST_DATE through tests/clock.sh, or the
 * harness's default) is the server's "now": its running charges are those of
 * that month in the site's zone. The runner's test (tests/runner/check.sh)
 * runs this at a year end to show the date reaches the server. */
static void test_server_runs_at_suite_date(void **st)
{
    (void)st;
    hx_server s;
    int64_t t = hx_test_epoch();
    struct tm tm;
    char month[32];
    assert_int_equal(lt_set_zone("Europe/Amsterdam"), 0);
    lt_local(t, &tm);
    snprintf(month, sizeof month, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    assert_int_equal(hx_start(&s, 0), 0);
    char *staff = hx_login(&s, DEMO_STAFF);
    assert_non_null(staff);
    check_charges(&s, staff, month);
    print_message("suite date %s: the server's month is %s\n", getenv("LABPASS_TEST_DATE") ? getenv("LABPASS_TEST_DATE") : "(default)", month);
    free(staff);
    assert_int_equal(hx_stop(&s), 0);
}

static void test_month_end(void **st) { (void)st; walk(&DAYS[0]); }
static void test_year_end(void **st) { (void)st; walk(&DAYS[1]); }
static void test_leap_day(void **st) { (void)st; walk(&DAYS[2]); }
static void test_spring_dst_night(void **st) { (void)st; walk(&DAYS[3]); }
static void test_autumn_dst_night(void **st) { (void)st; walk(&DAYS[4]); }
static void test_summer_month_end(void **st) { (void)st; walk(&DAYS[5]); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_runs_at_suite_date),
        cmocka_unit_test(test_month_end),
        cmocka_unit_test(test_year_end),
        cmocka_unit_test(test_leap_day),
        cmocka_unit_test(test_spring_dst_night),
        cmocka_unit_test(test_autumn_dst_night),
        cmocka_unit_test(test_summer_month_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
