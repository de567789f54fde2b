/* test_privacy.c: the retention settings over real HTTP (GET and PUT
 * /api/v1/retention): staff read and set them within bounds, the change is
 * audited, and every bad request (other roles, no session, unknown kinds,
 * out-of-bounds days, wrong types, extra fields, malformed JSON, a huge body)
 * is a 4xx that changes nothing. Runs on a fixed clock (Monday 2 March 2026). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */

static hx_server S;
static char *staff, *admin_a, *member_a;

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    return staff && admin_a && member_a ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a);
    return hx_stop(&S);
}

/* The days of kind in a Retention answer, -1 when absent. */
static int64_t days_of(const hx_resp *r, const char *kind)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(r->json, "kinds"), i, k)
        if (!strcmp(json_string_value(json_object_get(k, "kind")), kind))
            return json_integer_value(json_object_get(k, "days"));
    return -1;
}

static void test_staff_read_and_set(void **st)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/retention", staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(days_of(&r, "door_events"), 92);
    assert_int_equal(days_of(&r, "sessions"), 30);
    assert_int_equal(days_of(&r, "audit"), 730);
    assert_int_equal(days_of(&r, "waitlist"), 365);
    assert_int_equal(json_integer_value(json_object_get(r.json, "invoice_days")), 2557);
    assert_true(json_is_array(json_object_get(r.json, "runs")));
    hx_free(&r);
    assert_int_equal(hx_req(&S, "PUT", "/api/v1/retention", staff, "{\"kind\":\"door_events\",\"days\":60}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(days_of(&r, "door_events"), 60);
    hx_free(&r);
    assert_int_equal(hx_req(&S, "GET", "/api/v1/audit?object_type=retention", staff, NULL, NULL, &r), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "entries")), 1);
    hx_free(&r);
}

static void test_bad_requests_change_nothing(void **st)
{
    static const struct { const char *body; long want; } BAD[] = {
        { "{\"kind\":\"door_events\",\"days\":29}", 400 }, { "{\"kind\":\"door_events\",\"days\":366}", 400 },
        { "{\"kind\":\"sessions\",\"days\":91}", 400 }, { "{\"kind\":\"audit\",\"days\":100}", 400 },
        { "{\"kind\":\"invoices\",\"days\":100}", 400 }, { "{\"kind\":\"\",\"days\":100}", 400 },
        { "{\"kind\":\"audit\",\"days\":\"800\"}", 400 }, { "{\"kind\":\"audit\",\"days\":800.5}", 400 },
        { "{\"kind\":\"audit\",\"days\":-1}", 400 }, { "{\"kind\":\"audit\",\"days\":99999999999}", 400 },
        { "{\"kind\":\"audit\"}", 400 }, { "{\"days\":800}", 400 }, { "{\"kind\":\"audit\",\"days\":800,\"x\":1}", 400 },
        { "{\"kind\":\"audit\",\"days\":800", 400 }, { "[]", 400 }, { "null", 400 }, { "", 400 },
        { "{\"kind\":\"audit\\u0000\",\"days\":800}", 400 }, { "{\"kind\":[\"audit\"],\"days\":800}", 400 },
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        long got = hx_status(&S, "PUT", "/api/v1/retention", staff, BAD[i].body);
        if (got != BAD[i].want) fail_msg("%s: %ld, not %ld", BAD[i].body, got, BAD[i].want);
    }
    const char *ok = "{\"kind\":\"audit\",\"days\":800}";
    assert_int_equal(hx_status(&S, "PUT", "/api/v1/retention", admin_a, ok), 403);
    assert_int_equal(hx_status(&S, "PUT", "/api/v1/retention", member_a, ok), 403);
    assert_int_equal(hx_status(&S, "PUT", "/api/v1/retention", NULL, ok), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/retention", member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/retention", NULL, NULL), 401);
    /* a huge body */
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 64);
    assert_non_null(big);
    int k = snprintf(big, 64, "{\"kind\":\"audit\",\"days\":800,\"pad\":\"");
    memset(big + k, 'a', n);
    strcpy(big + k + n, "\"}");
    long got = hx_status(&S, "PUT", "/api/v1/retention", staff, big);
    free(big);
    assert_true(got == 413 || got == 400);
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/retention", staff, NULL, NULL, &r), 0);
    assert_int_equal(days_of(&r, "audit"), 730);   /* unchanged */
    assert_int_equal(days_of(&r, "sessions"), 30);
    hx_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staff_read_and_set),
        cmocka_unit_test(test_bad_requests_change_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
