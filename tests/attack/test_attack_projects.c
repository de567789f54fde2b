/* test_attack_projects.c: the project routes and the project members of
 * bookings under hostile input against labpassd on the demo data: another
 * company's projects, people and settings are 404 (never 403, which would
 * tell they exist), members do not manage, bad types, control characters,
 * over-long text, impossible dates and budgets out of range are refused
 * with 400 and change nothing; nothing answers 5xx. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1790575200LL   /* 2026-09-28T08:00:00+02:00 */

static hx_server S;
static char *staff, *admin_a, *member_a, *admin_b, *member_b;
static int64_t tenant_a, tenant_b, proj_a, proj_b, me_a, me_b, room, nproj;

static long st(const char *method, const char *path, const char *tok, const char *body)
{
    long s = hx_status(&S, method, path, tok, body);
    if (s >= 500) fail_msg("%s %s answered %ld", method, path, s);
    return s;
}

static int64_t create_project(const char *tok, int64_t tenant, const char *body)
{
    char path[80];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant);
    assert_int_equal(hx_req(&S, "POST", path, tok, body, NULL, &r), 0);
    if (r.status != 201) fail_msg("create: %ld %s", r.status, r.body);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    return id;
}

static int setup(void **state)
{
    (void)state;
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_b = hx_login(&S, DEMO_ADMIN_B);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    if (!staff || !admin_a || !member_a || !admin_b || !member_b) return -1;
    hx_resp r;
    if (hx_req(&S, "GET", "/api/v1/me", admin_a, NULL, NULL, &r) != 0) return -1;
    tenant_a = json_integer_value(json_object_get(r.json, "tenant_id"));
    hx_free(&r);
    if (hx_req(&S, "GET", "/api/v1/me", admin_b, NULL, NULL, &r) != 0) return -1;
    tenant_b = json_integer_value(json_object_get(r.json, "tenant_id"));
    hx_free(&r);
    me_a = hx_me_id(&S, member_a);
    me_b = hx_me_id(&S, member_b);
    room = hx_resource_id(&S, member_a, "Meeting room Pasteur");
    proj_a = create_project(admin_a, tenant_a, "{\"code\":\"NC-1\",\"name\":\"NovaCell study\",\"po_number\":\"PO-1\"}");
    proj_b = create_project(admin_b, tenant_b, "{\"code\":\"BS-1\",\"name\":\"BioSense study\",\"budget_cents\":100000}");
    nproj = hx_count(&S, "projects");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(staff); free(admin_a); free(member_a); free(admin_b); free(member_b);
    return hx_stop(&S) == 0 ? 0 : -1;
}

/* Another company's project, person and settings do not exist for the caller. */
static void test_other_company_is_404(void **state)
{
    (void)state;
    char path[128], body[200];
    const char *toks[] = { admin_a, member_a };
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)proj_b);
        assert_int_equal(st("GET", path, toks[k], NULL), 404);
        assert_int_equal(st("PATCH", path, toks[k], "{\"name\":\"taken over\"}"), k ? 403 : 404);
        snprintf(path, sizeof path, "/api/v1/projects/%lld/close", (long long)proj_b);
        assert_int_equal(st("POST", path, toks[k], NULL), k ? 403 : 404);
        snprintf(path, sizeof path, "/api/v1/projects/%lld/approve", (long long)proj_b);
        assert_int_equal(st("POST", path, toks[k], NULL), k ? 403 : 404);
        snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant_b);
        assert_int_equal(st("GET", path, toks[k], NULL), 404);
        assert_int_equal(st("POST", path, toks[k], "{\"code\":\"X\",\"name\":\"planted\"}"), 404);
        snprintf(path, sizeof path, "/api/v1/tenants/%lld/project-settings", (long long)tenant_b);
        assert_int_equal(st("GET", path, toks[k], NULL), 404);
        assert_int_equal(st("PATCH", path, toks[k], "{\"require_po\":true}"), k ? 403 : 404);
        snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)me_b);
        assert_int_equal(st("GET", path, toks[k], NULL), 404);
        assert_int_equal(st("POST", path, toks[k], "{\"project_id\":0}"), 404);
    }
    /* their project on our booking or as our default */
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-06T09:00:00+02:00\",\"end\":"
             "\"2026-10-06T10:00:00+02:00\",\"project_id\":%lld}", (long long)room, (long long)proj_b);
    assert_int_equal(st("POST", "/api/v1/reservations", member_a, body), 404);
    snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)me_a);
    snprintf(body, sizeof body, "{\"project_id\":%lld}", (long long)proj_b);
    assert_int_equal(st("POST", path, member_a, body), 404);
    /* no such project at all */
    assert_int_equal(st("GET", "/api/v1/projects/999999", staff, NULL), 404);
    assert_int_equal(st("GET", "/api/v1/projects/0", staff, NULL), 404);
    assert_int_equal(st("GET", "/api/v1/tenants/999999/projects", staff, NULL), 404);
    assert_int_equal(st("POST", "/api/v1/tenants/999999/projects", staff, "{\"code\":\"X\",\"name\":\"Y\"}"), 404);
    /* the project of B is as it was */
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)proj_b);
    assert_int_equal(hx_req(&S, "GET", path, admin_b, NULL, NULL, &r), 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "BioSense study");
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "active");
    hx_free(&r);
}

/* Members neither manage projects nor set someone else's default. */
static void test_members_do_not_manage(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/project-settings", (long long)tenant_a);
    assert_int_equal(st("PATCH", path, admin_a, "{\"project_approval\":false}"), 200);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant_a);
    assert_int_equal(st("POST", path, member_a, "{\"code\":\"M-1\",\"name\":\"mine\"}"), 403);
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)proj_a);
    assert_int_equal(st("PATCH", path, member_a, "{\"budget_cents\":1}"), 403);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/project-settings", (long long)tenant_a);
    assert_int_equal(st("PATCH", path, member_a, "{\"require_po\":true}"), 403);
    int64_t admin_id = hx_me_id(&S, admin_a);
    snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)admin_id);
    assert_int_equal(st("POST", path, member_a, "{\"project_id\":0}"), 403);
    assert_int_equal(hx_count(&S, "projects"), nproj);
}

/* Wrong types, controls, lengths, dates and budgets: 400, nothing written. */
static void test_hostile_input(void **state)
{
    (void)state;
    char path[128], big[70000];
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant_a);
    const char *bad[] = {
        "{}", "{\"code\":\"X\"}", "{\"name\":\"X\"}", "{\"code\":\"\",\"name\":\"X\"}",
        "{\"code\":\"X\\u0000Y\",\"name\":\"X\"}", "{\"code\":\"X\\u0007\",\"name\":\"X\"}",
        "{\"code\":\"X\",\"name\":\"line\\nbreak\"}", "{\"code\":\"X\",\"name\":\"\\u202e\\u0001\"}",
        "{\"code\":12,\"name\":\"X\"}", "{\"code\":\"X\",\"name\":[\"X\"]}", "{\"code\":\"X\",\"name\":\"X\",\"extra\":1}",
        "{\"code\":\"X\",\"name\":\"X\",\"budget_cents\":\"100\"}", "{\"code\":\"X\",\"name\":\"X\",\"budget_cents\":-1}",
        "{\"code\":\"X\",\"name\":\"X\",\"budget_cents\":100000000001}",
        "{\"code\":\"X\",\"name\":\"X\",\"budget_cents\":9223372036854775807}",
        "{\"code\":\"X\",\"name\":\"X\",\"budget_cents\":99999999999999999999999}",
        "{\"code\":\"X\",\"name\":\"X\",\"budget_cents\":1.5}", "{\"code\":\"X\",\"name\":\"X\",\"budget_block\":\"yes\"}",
        "{\"code\":\"X\",\"name\":\"X\",\"valid_from\":\"2026-13-01\"}", "{\"code\":\"X\",\"name\":\"X\",\"valid_from\":\"20261001\"}",
        "{\"code\":\"X\",\"name\":\"X\",\"valid_until\":\"2026-02-29\"}", "{\"code\":\"X\",\"name\":\"X\",\"valid_until\":7}",
        "{\"code\":\"X\",\"name\":\"X\",\"valid_from\":\"2027-01-01\",\"valid_until\":\"2026-01-01\"}",
        "{\"code\":\"X\",\"name\":\"X\",\"valid_from\":\"2026-1-01 \"}",
        "{\"code\":\"X\",\"name\":\"X\",\"po_number\":\"PO\\u001b[31m\"}",
        "[]", "null", "{\"code\":\"X\",", "{\"code\":\"X\",\"code\":\"Y\",\"name\":\"Z\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long s = st("POST", path, admin_a, bad[i]);
        if (s != 400) fail_msg("%s: %ld", bad[i], s);
    }
    /* over-long text */
    memset(big, 'A', 300);
    big[300] = '\0';
    char body[1200];
    snprintf(body, sizeof body, "{\"code\":\"X\",\"name\":\"%.300s\"}", big);
    assert_int_equal(st("POST", path, admin_a, body), 400);
    snprintf(body, sizeof body, "{\"code\":\"%.60s\",\"name\":\"X\"}", big);
    assert_int_equal(st("POST", path, admin_a, body), 400);
    snprintf(body, sizeof body, "{\"code\":\"X\",\"name\":\"X\",\"po_number\":\"%.100s\"}", big);
    assert_int_equal(st("POST", path, admin_a, body), 400);
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "{\"code\":\"", 9);
    long s = st("POST", path, admin_a, big);
    assert_true(s == 400 || s == 413);
    assert_int_equal(hx_count(&S, "projects"), nproj);
    /* markup and formula text is data: stored as given, returned as JSON */
    int64_t odd = create_project(admin_a, tenant_a, "{\"code\":\"<script>\",\"name\":\"=HYPERLINK(\\\"x\\\")\",\"po_number\":\"' OR 1=1 --\"}");
    assert_true(odd > 0);
    /* the largest budget the table allows, and percentages with it */
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)odd);
    hx_resp r;
    assert_int_equal(hx_req(&S, "PATCH", path, admin_a, "{\"budget_cents\":100000000000,\"budget_block\":true}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "budget"), "percent")), 0);
    hx_free(&r);
    /* the project members of a booking (0 is valid: no project) */
    const char *rsv[] = { "\"project_id\":\"1\"", "\"project_id\":-1", "\"project_id\":-5", "\"project_id\":2147483648",
                          "\"project_id\":null", "\"project_id\":1.0", "\"project_id\":[1]" };
    for (size_t i = 0; i < sizeof rsv / sizeof rsv[0]; i++) {
        snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-06T09:00:00+02:00\",\"end\":"
                 "\"2026-10-06T10:00:00+02:00\",%s}", (long long)room, rsv[i]);
        if ((s = st("POST", "/api/v1/reservations", member_a, body)) != 400) fail_msg("%s: %ld", rsv[i], s);
    }
    snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)me_a);
    assert_int_equal(st("POST", path, member_a, "{}"), 400);
    assert_int_equal(st("POST", path, member_a, "{\"project_id\":-1}"), 400);
    assert_int_equal(st("POST", path, member_a, "{\"project_id\":\"x\"}"), 400);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/project-settings", (long long)tenant_a);
    assert_int_equal(st("PATCH", path, admin_a, "{\"require_po\":1}"), 400);
    assert_int_equal(st("PATCH", path, admin_a, "{\"require_po\":true,\"x\":1}"), 400);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects?status=closed", (long long)tenant_a);
    assert_int_equal(st("GET", path, admin_a, NULL), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_other_company_is_404),
        cmocka_unit_test(test_members_do_not_manage),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
