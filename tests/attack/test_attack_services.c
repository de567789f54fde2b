/* test_attack_services.c: the catalogue, service requests and consumables
 * under hostile input: negative, zero, huge, fractional and malformed
 * quantities, wrong types, unknown fields, hostile strings, prices out of
 * range, members acting as staff, another company's requests (404),
 * transitions that are not allowed (409). Nothing refused changes the
 * database and nothing answers 5xx. */
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

#define T0 1791183600LL   /* 2026-10-05T09:00:00+02:00 */

static hx_server S;
static char *staff, *member_a, *member_b;
static int64_t svc, pcs, req_a;

static int64_t post_id(const char *path, const char *tok, const char *body)
{
    hx_resp r;
    if (hx_req(&S, "POST", path, tok, body, NULL, &r) != 0 || r.status != 201)
        fail_msg("POST %s: %ld %s", path, r.status, r.body ? r.body : "");
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    return id;
}

/* Every body must be refused with want and change nothing. */
static void refuse_all(const char *method, const char *path, const char *tok, const char *const *bodies, long want)
{
    int64_t rq = hx_count(&S, "service_requests"), ch = hx_count(&S, "charges"), it = hx_count(&S, "catalogue_items");
    for (size_t i = 0; bodies[i]; i++) {
        long st = hx_status(&S, method, path, tok, bodies[i]);
        if (st != want) fail_msg("%s %s %s: %ld, wanted %ld", method, path, bodies[i], st, want);
    }
    assert_int_equal(hx_count(&S, "service_requests"), rq);
    assert_int_equal(hx_count(&S, "charges"), ch);
    assert_int_equal(hx_count(&S, "catalogue_items"), it);
}

static void test_quantities(void **st)
{
    char b[40][200];
    const char *q[] = { "\"-1\"", "\"0\"", "\"0.000\"", "\"100000.001\"", "\"1e9\"", "\"99999999999\"", "\"1.2345\"",
                        "\"abc\"", "\"\"", "\" 1\"", "\"1.\"", "\".5\"", "\"0x10\"", "\"1,5\"", "5", "2.5", "null", "true",
                        "\"１\"", "\"1\\u00002\"" };
    const char *bodies[40];
    size_t n = sizeof q / sizeof q[0];
    for (size_t i = 0; i < n; i++) {
        snprintf(b[i], sizeof b[i], "{\"item_id\":%lld,\"quantity\":%s}", (long long)svc, q[i]);
        bodies[i] = b[i];
    }
    bodies[n] = NULL;
    refuse_all("POST", "/api/v1/service-requests", member_a, bodies, 400);
    /* pieces are whole */
    for (size_t i = 0; i < n; i++) snprintf(b[i], sizeof b[i], "{\"item_id\":%lld,\"quantity\":%s}", (long long)pcs, q[i]);
    snprintf(b[n], sizeof b[n], "{\"item_id\":%lld,\"quantity\":\"1.5\"}", (long long)pcs);
    bodies[n] = b[n];
    bodies[n + 1] = NULL;
    refuse_all("POST", "/api/v1/consumable-usage", member_a, bodies, 400);
    char path[120];
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=-3", (long long)pcs);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 400);
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=1e99", (long long)pcs);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 400);
    /* the largest quantity at the largest price is an amount beyond the limit: refused, never overflowed */
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=100000", (long long)pcs);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 400);
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=100", (long long)pcs);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 200);
}

static void test_bodies(void **st)
{
    char b[12][2200];
    char longnote[1100];
    memset(longnote, 'x', 1001);
    longnote[1001] = '\0';
    snprintf(b[0], sizeof b[0], "{\"item_id\":%lld,\"quantity\":\"1\",\"note\":\"%s\"}", (long long)svc, longnote);
    snprintf(b[1], sizeof b[1], "{\"item_id\":%lld,\"quantity\":\"1\",\"note\":\"bell\\u0007\"}", (long long)svc);
    snprintf(b[2], sizeof b[2], "{\"item_id\":%lld,\"quantity\":\"1\",\"state\":\"completed\"}", (long long)svc);
    snprintf(b[3], sizeof b[3], "{\"item_id\":\"%lld\",\"quantity\":\"1\"}", (long long)svc);
    snprintf(b[4], sizeof b[4], "{\"item_id\":%lld,\"quantity\":\"1\",\"project_id\":-4}", (long long)svc);
    snprintf(b[5], sizeof b[5], "{\"item_id\":%lld,\"quantity\":\"1\",\"charge_id\":1}", (long long)svc);
    snprintf(b[6], sizeof b[6], "[1,2]");
    snprintf(b[7], sizeof b[7], "{\"item_id\":99999999999,\"quantity\":\"1\"}");
    const char *bodies[] = { b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], NULL };
    refuse_all("POST", "/api/v1/service-requests", member_a, bodies, 400);
    /* no such item, or another kind: 404 */
    const char *nf[] = { "{\"item_id\":2147483647,\"quantity\":\"1\"}", NULL };
    refuse_all("POST", "/api/v1/service-requests", member_a, nf, 404);
    /* hostile but valid text is stored as it is */
    char body[300];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"note\":\"'); DROP TABLE charges; -- <script>alert(1)</script> =cmd|\"}",
             (long long)svc);
    hx_resp r;
    assert_int_equal(hx_req(&S, "POST", "/api/v1/service-requests", member_a, body, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "note")),
                        "'); DROP TABLE charges; -- <script>alert(1)</script> =cmd|");
    req_a = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    assert_true(hx_count(&S, "charges") >= 0);
    /* catalogue input */
    const char *items[] = {
        "{\"kind\":\"service\",\"code\":\"BAD CODE\",\"name\":\"x\",\"unit\":\"E48\"}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"x\",\"unit\":\"PCS\"}",
        "{\"kind\":\"thing\",\"code\":\"X1\",\"name\":\"x\",\"unit\":\"C62\"}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"\",\"unit\":\"C62\"}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"x\",\"unit\":\"C62\",\"vat_category\":\"AE\"}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"x\",\"unit\":\"C62\",\"vat_category\":\"S\",\"vat_rate_bp\":0}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"x\",\"unit\":\"C62\",\"vat_category\":\"E\",\"vat_rate_bp\":0}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"x\\u001b[2J\",\"unit\":\"C62\"}",
        "{\"kind\":\"service\",\"code\":\"X1\",\"name\":\"x\",\"unit\":\"C62\",\"id\":5}",
        NULL };
    refuse_all("POST", "/api/v1/catalogue", staff, items, 400);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/prices", (long long)svc);
    const char *prices[] = { "{\"effective_from\":\"2026-02-30\",\"unit_cents\":1}", "{\"effective_from\":\"2026-10-01\",\"unit_cents\":-1}",
                             "{\"effective_from\":\"2026-10-01\",\"unit_cents\":10000001}", "{\"effective_from\":\"tomorrow\",\"unit_cents\":1}",
                             "{\"effective_from\":\"2026-10-01\",\"unit_cents\":1,\"tier\":\"gold\"}", NULL };
    int64_t np = hx_count(&S, "item_prices");
    for (size_t i = 0; prices[i]; i++) assert_int_equal(hx_status(&S, "POST", path, staff, prices[i]), 400);
    assert_int_equal(hx_count(&S, "item_prices"), np);
}

static void test_roles_and_tenants(void **st)
{
    char path[96];
    const char *quote = "{\"unit_cents\":100,\"valid_until\":\"2026-10-31\"}";
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/quote", (long long)req_a);
    assert_int_equal(hx_status(&S, "POST", path, member_a, quote), 403);
    assert_int_equal(hx_status(&S, "POST", path, member_b, quote), 403);
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/complete", (long long)req_a);
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 403);
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld", (long long)req_a);
    assert_int_equal(hx_status(&S, "GET", path, member_b, NULL), 404);
    const char *steps[] = { "accept", "decline", "cancel" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/v1/service-requests/%lld/%s", (long long)req_a, steps[i]);
        assert_int_equal(hx_status(&S, "POST", path, member_b, NULL), 404);
    }
    assert_int_equal(hx_status(&S, "GET", "/api/v1/service-requests/2147483647", staff, NULL), 404);
    /* quotes out of range or with bad dates */
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/quote", (long long)req_a);
    const char *bad[] = { "{\"unit_cents\":-1,\"valid_until\":\"2026-10-31\"}", "{\"unit_cents\":100,\"valid_until\":\"2026-10-04\"}",
                          "{\"unit_cents\":100,\"valid_until\":\"2031-01-01\"}", "{\"unit_cents\":100,\"valid_until\":\"31-10-2026\"}",
                          "{\"unit_cents\":100,\"valid_until\":\"2026-10-31\",\"quantity\":\"-2\"}", "{\"unit_cents\":100}", NULL };
    for (size_t i = 0; bad[i]; i++) assert_int_equal(hx_status(&S, "POST", path, staff, bad[i]), 400);
    /* members cannot touch the catalogue or void usage */
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld", (long long)svc);
    assert_int_equal(hx_status(&S, "PATCH", path, member_a, "{\"active\":false}"), 403);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/consumable-usage/1/void", member_a, NULL), 403);
}

static void test_transitions(void **st)
{
    char path[96];
    /* requested: start, complete and a member's accept are conflicts */
    const char *no[] = { "start", "complete" };
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/api/v1/service-requests/%lld/%s", (long long)req_a, no[i]);
        assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    }
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/accept", (long long)req_a);
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 409);
    /* cancelled: nothing more */
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/cancel", (long long)req_a);
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 200);
    const char *after[] = { "accept", "decline", "cancel", "start", "complete" };
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/api/v1/service-requests/%lld/%s", (long long)req_a, after[i]);
        long got = hx_status(&S, "POST", path, staff, NULL);
        if (got != 409 && !(got == 403 && !strcmp(after[i], "cancel"))) fail_msg("%s after cancel: %ld", after[i], got);
    }
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/quote", (long long)req_a);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"unit_cents\":100,\"valid_until\":\"2026-10-31\"}"), 409);
    /* a deactivated item takes no new requests */
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld", (long long)svc);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, "{\"active\":false}"), 200);
    char body[100];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\"}", (long long)svc);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/service-requests", member_a, body), 404);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 404);
}

static int setup(void **st)
{
    if (lt_set_zone("Europe/Amsterdam") != 0 || hx_start(&S, T0) != 0) return -1;
    staff = hx_api_key(&S, DEMO_STAFF, "attack");
    member_a = hx_login(&S, DEMO_MEMBER_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    if (!staff || !member_a || !member_b) return -1;
    svc = post_id("/api/v1/catalogue", staff, "{\"kind\":\"service\",\"code\":\"A-SVC\",\"name\":\"Attack service\",\"unit\":\"LTR\"}");
    pcs = post_id("/api/v1/catalogue", staff, "{\"kind\":\"consumable\",\"code\":\"A-PCS\",\"name\":\"Attack pieces\",\"unit\":\"C62\"}");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/prices", (long long)pcs);
    post_id(path, staff, "{\"effective_from\":\"2026-01-01\",\"unit_cents\":10000000}");
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(member_a); free(member_b);
    return hx_stop(&S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantities),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_roles_and_tenants),
        cmocka_unit_test(test_transitions),
    };
    return cmocka_run_group_tests_name("attack_services", tests, setup, teardown);
}
