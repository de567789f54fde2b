/* test_attack_resops.c: what members and bad input could try against
 * downtimes, incidents and the resource log, over real HTTP against labpassd
 * on 127.0.0.1 with a fresh demo database and the injected clock
 * (2026-03-02, a Monday, 09:00 in Europe/Amsterdam): members cannot take a
 * resource out of service, preview or change a downtime, acknowledge or
 * resolve incidents or write the log; another person's incident is 404 to
 * them, and so is a log entry they did not write; hostile strings, wrong
 * types, unknown fields, huge or reversed periods and absurd ids are
 * refused with 400/404 and nothing is written; no 5xx anywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z = 09:00 local */

static hx_server S;
static char *staff, *member_a, *admin_a, *member_b;
static int64_t lab, cabinet;

static json_t *call(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    hx_req(&S, method, path, tok, body, NULL, &r);
    if (r.status != want) fail_msg("%s %s: %ld, wanted %ld: %s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

/* The status of a request, which must be below 500. */
static long st(const char *method, const char *path, const char *tok, const char *body)
{
    long s = hx_status(&S, method, path, tok, body);
    if (s >= 500 || s <= 0) fail_msg("%s %s %s: %ld", method, path, body ? body : "", s);
    return s;
}

static int setup(void **state)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    lab = hx_resource_id(&S, staff, "ML-1 Lab A");
    cabinet = hx_resource_id(&S, staff, "Biosafety cabinet BSC-1");
    return staff && member_a && admin_a && member_b && lab && cabinet ? 0 : -1;
}

static int teardown(void **state)
{
    free(staff); free(member_a); free(admin_a); free(member_b);
    return hx_stop(&S);
}

static void test_members_cannot_run_downtime(void **state)
{
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"kind\":\"fault\",\"start\":\"2026-03-03T09:00:00+01:00\","
             "\"end\":\"2026-03-03T12:00:00+01:00\",\"reason\":\"I want the lab to myself\",\"bookings\":\"cancel\"}",
             (long long)lab);
    int64_t before = hx_count(&S, "downtimes");
    const char *toks[] = { member_a, admin_a, member_b };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(st("POST", "/api/v1/downtimes", toks[i], body), 403);
        assert_int_equal(st("POST", "/api/v1/downtimes/preview", toks[i], body), 403);
    }
    assert_int_equal(st("POST", "/api/v1/downtimes", NULL, body), 401);
    assert_int_equal(hx_count(&S, "downtimes"), before);
    json_t *d = call("POST", "/api/v1/downtimes", staff, body, 201);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/downtimes/%lld",
             (long long)json_integer_value(json_object_get(json_object_get(d, "downtime"), "id")));
    json_decref(d);
    assert_int_equal(st("PATCH", path, member_a, "{\"end\":null}"), 403);
    assert_int_equal(st("GET", path, member_b, NULL), 200);   /* downtimes are public: the calendar shows them */
    assert_int_equal(st("PATCH", "/api/v1/downtimes/99999999", staff, "{\"end\":null}"), 404);
    assert_int_equal(st("GET", "/api/v1/downtimes/9223372036854775807", staff, NULL), 404);
    /* a member's log writes */
    snprintf(path, sizeof path, "/api/v1/resources/%lld/log", (long long)lab);
    assert_int_equal(st("POST", path, member_a, "{\"kind\":\"note\",\"text\":\"all fine\"}"), 403);
}

static void test_bad_downtimes(void **state)
{
    char body[1000];
    int64_t before = hx_count(&S, "downtimes");
    const char *bad[] = {
        /* end before start */
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"end\":\"2026-03-05T09:00:00+01:00\",\"reason\":\"x\"}",
        /* end equal to start */
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"end\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\"}",
        /* a huge period */
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"end\":\"2999-03-05T12:00:00+01:00\",\"reason\":\"x\"}",
        /* beyond any instant */
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"9999-12-31T23:00:00+01:00\",\"reason\":\"x\"}",
        /* a date that does not exist */
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-02-30T12:00:00+01:00\",\"reason\":\"x\"}",
        /* wrong types, unknown kinds and fields */
        "{\"resource_id\":\"%lld\",\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\"}",
        "{\"resource_id\":%lld,\"kind\":\"meteor\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\"}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\",\"bookings\":\"delete\"}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\",\"id\":1}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"\"}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"bell\\u0007\"}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\",\"notify\":\"yes\"}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":12345,\"reason\":\"x\"}",
        "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\",\"end\":7,\"reason\":\"x\"}",
        "[%lld]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, bad[i], (long long)lab);
        long s = st("POST", "/api/v1/downtimes", staff, body);
        if (s != 400) fail_msg("case %zu: %ld for %s", i, s, body);
        assert_int_equal(st("POST", "/api/v1/downtimes/preview", staff, body), 400);
    }
    /* a reason that is too long, a resource or incident that does not exist */
    char longr[700];
    memset(longr, 'a', 600);
    longr[600] = '\0';
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2026-03-05T12:00:00+01:00\","
             "\"reason\":\"%s\"}", (long long)lab, longr);
    assert_int_equal(st("POST", "/api/v1/downtimes", staff, body), 400);
    assert_int_equal(st("POST", "/api/v1/downtimes", staff, "{\"resource_id\":999999,\"kind\":\"planned\","
                        "\"start\":\"2026-03-05T12:00:00+01:00\",\"reason\":\"x\"}"), 404);
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"kind\":\"fault\",\"start\":\"2026-03-05T12:00:00+01:00\","
             "\"reason\":\"x\",\"incident_id\":999999}", (long long)lab);
    assert_int_equal(st("POST", "/api/v1/downtimes", staff, body), 404);
    assert_int_equal(hx_count(&S, "downtimes"), before);
    /* the list's window is bounded */
    assert_int_equal(st("GET", "/api/v1/downtimes?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z", staff, NULL), 400);
    assert_int_equal(st("GET", "/api/v1/downtimes?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", staff, NULL), 400);
    assert_int_equal(st("GET", "/api/v1/downtimes?resource_id=-1", staff, NULL), 400);
    assert_int_equal(st("GET", "/api/v1/downtimes?from=yesterday", staff, NULL), 400);
}

static void test_incident_visibility_and_input(void **state)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/resources/%lld/incidents", (long long)cabinet);
    /* hostile text is kept as text: JSON-escaped on the way out, never markup */
    json_t *i = call("POST", path, member_a, "{\"severity\":\"low\",\"text\":\"<script>alert(1)</script> \\\"'; DROP TABLE incidents;--\"}", 201);
    int64_t id = json_integer_value(json_object_get(i, "id"));
    assert_string_equal(json_string_value(json_object_get(i, "text")), "<script>alert(1)</script> \"'; DROP TABLE incidents;--");
    json_decref(i);
    int64_t n = hx_count(&S, "incidents");
    const char *bad[] = {
        "{\"severity\":\"critical\",\"text\":\"x\"}", "{\"severity\":\"low\",\"text\":\"\"}",
        "{\"severity\":\"low\"}", "{\"text\":\"x\"}", "{\"severity\":1,\"text\":\"x\"}",
        "{\"severity\":\"low\",\"text\":[\"x\"]}", "{\"severity\":\"low\",\"text\":\"x\",\"state\":\"resolved\"}",
        "{\"severity\":\"low\",\"text\":\"nul\\u0000byte\"}", "not json",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        long s = st("POST", path, member_a, bad[k]);
        if (s != 400) fail_msg("case %zu: %ld for %s", k, s, bad[k]);
    }
    char big[2200];
    memset(big, 'x', 2100);
    big[2100] = '\0';
    char body[2300];
    snprintf(body, sizeof body, "{\"severity\":\"low\",\"text\":\"%s\"}", big);
    assert_int_equal(st("POST", path, member_a, body), 400);
    assert_int_equal(st("POST", "/api/v1/resources/999999/incidents", member_a, "{\"severity\":\"low\",\"text\":\"x\"}"), 404);
    assert_int_equal(hx_count(&S, "incidents"), n);

    /* only the reporter and staff see it */
    snprintf(path, sizeof path, "/api/v1/incidents/%lld", (long long)id);
    assert_int_equal(st("GET", path, member_a, NULL), 200);
    assert_int_equal(st("GET", path, member_b, NULL), 404);
    assert_int_equal(st("GET", path, admin_a, NULL), 404);
    assert_int_equal(st("GET", path, staff, NULL), 200);
    json_t *l = call("GET", "/api/v1/incidents?status=all", member_b, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "incidents")), 0);
    json_decref(l);
    assert_int_equal(st("GET", "/api/v1/incidents?status=everything", member_a, NULL), 400);
    snprintf(path, sizeof path, "/api/v1/resources/%lld/log", (long long)cabinet);
    l = call("GET", path, member_b, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "entries")), 0);
    json_decref(l);
    /* members do not move incidents */
    snprintf(path, sizeof path, "/api/v1/incidents/%lld/acknowledge", (long long)id);
    assert_int_equal(st("POST", path, member_a, NULL), 403);
    assert_int_equal(st("POST", path, member_b, NULL), 403);
    snprintf(path, sizeof path, "/api/v1/incidents/%lld/resolve", (long long)id);
    assert_int_equal(st("POST", path, member_a, "{\"resolution\":\"fixed it myself\"}"), 403);
    assert_int_equal(st("POST", path, staff, "{\"resolution\":5}"), 400);
    assert_int_equal(st("POST", "/api/v1/incidents/999999/resolve", staff, NULL), 404);
    assert_int_equal(st("POST", "/api/v1/incidents/999999/acknowledge", staff, NULL), 404);
}

static void test_bad_log_entries(void **state)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/resources/%lld/log", (long long)cabinet);
    int64_t n = hx_count(&S, "resource_log");
    const char *bad[] = {
        "{\"kind\":\"incident\",\"text\":\"made up\"}", "{\"kind\":\"calibration\",\"text\":\"no date\"}",
        "{\"kind\":\"calibration\",\"text\":\"x\",\"due_date\":\"2026-02-30\"}",
        "{\"kind\":\"calibration\",\"text\":\"x\",\"due_date\":\"2026-03-01\"}",   /* in the past */
        "{\"kind\":\"calibration\",\"text\":\"x\",\"due_date\":\"2999-01-01\"}",
        "{\"kind\":\"calibration\",\"text\":\"x\",\"due_date\":\"01-04-2026\"}",
        "{\"kind\":\"note\",\"text\":\"x\",\"due_date\":\"2026-04-01\"}", "{\"kind\":\"repair\",\"text\":\"x\"}",
        "{\"kind\":\"note\",\"text\":\"\"}", "{\"kind\":\"note\",\"text\":\"x\",\"author\":\"someone else\"}",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        long s = st("POST", path, staff, bad[k]);
        if (s != 400) fail_msg("case %zu: %ld for %s", k, s, bad[k]);
    }
    assert_int_equal(st("POST", "/api/v1/resources/999999/log", staff, "{\"kind\":\"note\",\"text\":\"x\"}"), 404);
    assert_int_equal(st("GET", "/api/v1/resources/999999/log", staff, NULL), 404);
    assert_int_equal(hx_count(&S, "resource_log"), n);
    json_decref(call("POST", path, staff, "{\"kind\":\"calibration\",\"text\":\"ok\",\"due_date\":\"2026-09-01\"}", 201));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_cannot_run_downtime),
        cmocka_unit_test(test_bad_downtimes),
        cmocka_unit_test(test_incident_visibility_and_input),
        cmocka_unit_test(test_bad_log_entries),
    };
    return cmocka_run_group_tests_name("attack_resops", tests, setup, teardown);
}
