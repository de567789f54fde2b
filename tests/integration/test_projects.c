/* test_projects.c: projects end to end over HTTP against labpassd on the
 * demo data with a fixed clock (Monday 2026-09-28, Europe/Amsterdam):
 * creating, editing, approving and closing projects and who may; bookings
 * with a project, with the person's default and without; a company that
 * requires purchase orders; validity; budgets that warn from 80 % (once, to
 * staff and the company's admin) and block past 100 %; the charges carry
 * the project and their sum equals billing's own estimate. */
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
static int64_t tenant_a, tenant_b, me_a, room;

static json_t *call(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    if (hx_req(&S, method, path, tok, body, NULL, &r) != 0) fail_msg("%s %s: no answer", method, path);
    if (r.status != want) fail_msg("%s %s: %ld (wanted %ld) %.600s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j ? j : json_object();
}

/* A refusal: status want and problem field field. */
static void refused(const char *method, const char *path, const char *tok, const char *body, long want, const char *field)
{
    json_t *j = call(method, path, tok, body, want);
    const char *f = json_string_value(json_object_get(j, "field"));
    if (field && (!f || strcmp(f, field))) fail_msg("%s %s: field %s, wanted %s", method, path, f ? f : "(none)", field);
    json_decref(j);
}

static int64_t jint(json_t *j, const char *k) { return json_integer_value(json_object_get(j, k)); }
static const char *jstr(json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static int64_t new_project(const char *tok, int64_t tenant, const char *fields, long want)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant);
    json_t *j = call("POST", path, tok, fields, want);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

static json_t *project(int64_t id, const char *tok)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)id);
    return call("GET", path, tok, NULL, 200);
}

static void settings(int64_t tenant, const char *body)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/project-settings", (long long)tenant);
    json_decref(call("PATCH", path, admin_a, body, 200));
}

/* Books the meeting room on 2026-10-DAY from H:00 for an hour as member_a
 * with extra JSON members; the answer (caller decrefs) must be want. */
static json_t *book(int day, int h, const char *extra, long want)
{
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-%02dT%02d:00:00+02:00\","
             "\"end\":\"2026-10-%02dT%02d:00:00+02:00\"%s%s}", (long long)room, day, h, day, h + 1,
             extra && extra[0] ? "," : "", extra ? extra : "");
    return call("POST", "/api/v1/reservations", member_a, body, want);
}

static void book_refused(int day, int h, const char *extra, long want, const char *field)
{
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-%02dT%02d:00:00+02:00\","
             "\"end\":\"2026-10-%02dT%02d:00:00+02:00\"%s%s}", (long long)room, day, h, day, h + 1,
             extra && extra[0] ? "," : "", extra ? extra : "");
    refused("POST", "/api/v1/reservations", member_a, body, want, field);
}

/* billing's estimate of an hour in the room for NovaCell */
static int64_t hour_estimate(void)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/resources/%lld/estimate?start=2026-10-05T10:00:00%%2B02:00&"
             "end=2026-10-05T11:00:00%%2B02:00", (long long)room);
    json_t *j = call("GET", path, member_a, NULL, 200);
    int64_t net = jint(j, "net_cents");
    json_decref(j);
    return net;
}

static int64_t outbox_kind(const char *kind)
{
    json_t *j = call("GET", "/api/v1/outbox?limit=200", staff, NULL, 200);
    json_t *m, *arr = json_object_get(j, "messages");
    size_t i;
    int64_t n = 0;
    json_array_foreach(arr, i, m) if (!strcmp(jstr(m, "kind"), kind)) n++;
    json_decref(j);
    return n;
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
    json_t *me = call("GET", "/api/v1/me", admin_a, NULL, 200);
    tenant_a = jint(me, "tenant_id");
    json_decref(me);
    me = call("GET", "/api/v1/me", admin_b, NULL, 200);
    tenant_b = jint(me, "tenant_id");
    json_decref(me);
    me_a = hx_me_id(&S, member_a);
    room = hx_resource_id(&S, member_a, "Meeting room Pasteur");
    return tenant_a && tenant_b && me_a && room ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(staff); free(admin_a); free(member_a); free(admin_b); free(member_b);
    return hx_stop(&S) == 0 ? 0 : -1;
}

/* Create, read, edit, approve and close, and who may do each. */
static void test_crud_and_roles(void **state)
{
    (void)state;
    int64_t p = new_project(admin_a, tenant_a, "{\"code\":\"NC-101\",\"name\":\"Assay validation\",\"po_number\":\"PO-4711\","
                            "\"budget_cents\":500000,\"valid_from\":\"2026-09-01\",\"valid_until\":\"2027-08-31\"}", 201);
    json_t *j = project(p, member_a);
    assert_string_equal(jstr(j, "status"), "active");
    assert_string_equal(jstr(j, "po_number"), "PO-4711");
    assert_int_equal(jint(json_object_get(j, "budget"), "spent_cents"), 0);
    assert_int_equal(jint(json_object_get(j, "budget"), "remaining_cents"), 500000);
    json_decref(j);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)p);
    /* another company sees nothing of it; a member does not manage it */
    refused("GET", path, admin_b, NULL, 404, NULL);
    refused("PATCH", path, admin_b, "{\"name\":\"x\"}", 404, NULL);
    refused("PATCH", path, member_a, "{\"name\":\"x\"}", 403, NULL);
    j = call("PATCH", path, admin_a, "{\"name\":\"Assay validation 2026\",\"budget_block\":true}", 200);
    assert_string_equal(jstr(j, "name"), "Assay validation 2026");
    assert_true(json_is_true(json_object_get(j, "budget_block")));
    json_decref(j);
    refused("PATCH", path, admin_a, "{\"valid_until\":\"2026-02-30\"}", 400, "valid_until");
    refused("PATCH", path, admin_a, "{\"valid_from\":\"2027-01-01\",\"valid_until\":\"2026-12-31\"}", 400, "valid_until");
    new_project(admin_a, tenant_a, "{\"code\":\"NC-101\",\"name\":\"Same code\"}", 409);
    /* members ask only when the company approves projects */
    new_project(member_a, tenant_a, "{\"code\":\"NC-102\",\"name\":\"Member idea\"}", 403);
    settings(tenant_a, "{\"project_approval\":true}");
    int64_t q = new_project(member_a, tenant_a, "{\"code\":\"NC-102\",\"name\":\"Member idea\"}", 201);
    j = project(q, member_a);
    assert_string_equal(jstr(j, "status"), "pending");
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/projects/%lld/approve", (long long)q);
    refused("POST", path, member_a, NULL, 403, NULL);
    refused("POST", path, admin_b, NULL, 404, NULL);
    j = call("POST", path, admin_a, NULL, 200);
    assert_string_equal(jstr(j, "status"), "active");
    assert_true(strlen(jstr(j, "approved_by")) > 0);
    json_decref(j);
    refused("POST", path, admin_a, NULL, 409, "state");
    snprintf(path, sizeof path, "/api/v1/projects/%lld/close", (long long)q);
    json_decref(call("POST", path, admin_a, NULL, 200));
    refused("POST", path, admin_a, NULL, 409, "state");
    settings(tenant_a, "{\"project_approval\":false}");
    /* the lists: members see active ones only, the admin everything */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant_a);
    j = call("GET", path, admin_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "projects")), 2);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects?status=active", (long long)tenant_a);
    j = call("GET", path, member_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "projects")), 1);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects", (long long)tenant_a);
    refused("GET", path, member_b, NULL, 404, NULL);
    /* every change is in the audit log */
    j = call("GET", "/api/v1/audit?object_type=project&limit=50", staff, NULL, 200);
    json_t *e, *arr = json_object_get(j, "entries");
    size_t i;
    int creates = 0, approves = 0, closes = 0;
    json_array_foreach(arr, i, e) {
        const char *a = jstr(e, "action");
        if (!a) continue;
        creates += !strcmp(a, "create");
        approves += !strcmp(a, "approve");
        closes += !strcmp(a, "close");
    }
    json_decref(j);
    assert_true(creates >= 2 && approves == 1 && closes == 1);
}

/* A booking takes its project, the person's default, or none; its charge
 * carries the project and the project's spent is billing's estimate. */
static void test_booking_projects(void **state)
{
    (void)state;
    int64_t p = new_project(admin_a, tenant_a, "{\"code\":\"NC-201\",\"name\":\"Sequencing pilot\",\"po_number\":\"PO-5001\","
                            "\"budget_cents\":900000}", 201);
    char extra[64], path[96];
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)p);
    json_t *j = book(5, 9, extra, 201);
    assert_int_equal(jint(j, "project_id"), p);
    assert_null(json_object_get(j, "budget_warning"));
    json_decref(j);
    j = book(5, 10, NULL, 201);
    assert_true(json_is_null(json_object_get(j, "project_id")));
    int64_t none = jint(j, "id");
    json_decref(j);
    /* the default */
    snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)me_a);
    snprintf(extra, sizeof extra, "{\"project_id\":%lld}", (long long)p);
    json_decref(call("POST", path, member_a, extra, 200));
    j = call("GET", path, member_a, NULL, 200);
    assert_int_equal(jint(j, "project_id"), p);
    json_decref(j);
    j = book(5, 11, NULL, 201);
    assert_int_equal(jint(j, "project_id"), p);
    json_decref(j);
    /* a booking changes project */
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)none);
    snprintf(extra, sizeof extra, "{\"project_id\":%lld}", (long long)p);
    j = call("PATCH", path, member_a, extra, 200);
    assert_int_equal(jint(j, "project_id"), p);
    json_decref(j);
    /* spent = three hours, each as billing estimates it */
    int64_t est = hour_estimate();
    assert_true(est > 0);
    j = project(p, member_a);
    json_t *b = json_object_get(j, "budget");
    assert_int_equal(jint(b, "spent_cents"), 3 * est);
    assert_int_equal(jint(b, "remaining_cents"), 900000 - 3 * est);
    assert_int_equal(jint(b, "percent"), 3 * est * 100 / 900000);
    json_decref(j);
    /* the charges of October carry the project */
    j = call("GET", "/api/v1/charges?period=2026-10", admin_a, NULL, 200);
    json_t *c, *arr = json_object_get(j, "charges");
    size_t i;
    int with = 0;
    json_array_foreach(arr, i, c) with += jint(c, "project_id") == p;
    json_decref(j);
    assert_int_equal(with, 3);
    /* a series takes the project for every occurrence */
    snprintf(extra, sizeof extra, "\"project_id\":%lld,\"rrule\":\"FREQ=DAILY;COUNT=2\"", (long long)p);
    j = book(7, 9, extra, 201);
    json_t *r;
    arr = json_object_get(j, "reservations");
    assert_int_equal(json_array_size(arr), 2);
    json_array_foreach(arr, i, r) assert_int_equal(jint(r, "project_id"), p);
    json_decref(j);
    /* project_id 0 takes the booking off its project */
    j = call("PATCH", path, member_a, "{\"project_id\":0}", 200);
    assert_true(json_is_null(json_object_get(j, "project_id")));
    json_decref(j);
}

/* A company that requires purchase orders; validity; state; other companies. */
static void test_booking_rules(void **state)
{
    (void)state;
    char extra[64], path[96];
    int64_t nopo = new_project(admin_a, tenant_a, "{\"code\":\"NC-301\",\"name\":\"Internal R&D\"}", 201);
    int64_t po = new_project(admin_a, tenant_a, "{\"code\":\"NC-302\",\"name\":\"Client study\",\"po_number\":\"4500012345\"}", 201);
    int64_t shortp = new_project(admin_a, tenant_a, "{\"code\":\"NC-303\",\"name\":\"Short study\",\"po_number\":\"PO-1\","
                                 "\"valid_from\":\"2026-10-01\",\"valid_until\":\"2026-10-09\"}", 201);
    int64_t other = new_project(admin_b, tenant_b, "{\"code\":\"BS-1\",\"name\":\"BioSense study\"}", 201);
    snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)me_a);
    json_decref(call("POST", path, member_a, "{\"project_id\":0}", 200));
    settings(tenant_a, "{\"require_po\":true}");
    book_refused(12, 9, NULL, 422, "project_required");
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)nopo);
    book_refused(12, 9, extra, 422, "project_po_required");
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)po);
    json_decref(book(12, 9, extra, 201));
    /* validity: both ends included, in site dates */
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)shortp);
    json_decref(book(9, 9, extra, 201));
    book_refused(12, 10, extra, 422, "project_validity");
    /* another company's project is not there */
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)other);
    book_refused(12, 11, extra, 404, "project_id");
    snprintf(path, sizeof path, "/api/v1/people/%lld/default-project", (long long)me_a);
    snprintf(extra, sizeof extra, "{\"project_id\":%lld}", (long long)other);
    refused("POST", path, member_a, extra, 404, "project_id");
    /* closed */
    snprintf(path, sizeof path, "/api/v1/projects/%lld/close", (long long)po);
    json_decref(call("POST", path, admin_a, NULL, 200));
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)po);
    book_refused(12, 12, extra, 422, "project_closed");
    /* pending */
    settings(tenant_a, "{\"require_po\":false,\"project_approval\":true}");
    int64_t pend = new_project(member_a, tenant_a, "{\"code\":\"NC-304\",\"name\":\"Asked for\"}", 201);
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)pend);
    book_refused(12, 13, extra, 422, "project_pending");
    settings(tenant_a, "{\"project_approval\":false}");
    json_decref(book(12, 13, NULL, 201));   /* no project needed any more */
}

/* Warn from 80 % (once, to staff and the company's admin), block past 100 %. */
static void test_budget(void **state)
{
    (void)state;
    int64_t est = hour_estimate();
    char fields[300], extra[64];
    snprintf(fields, sizeof fields, "{\"code\":\"NC-401\",\"name\":\"Tight budget\",\"po_number\":\"PO-9\","
             "\"budget_cents\":%lld,\"budget_block\":true}", (long long)(5 * est));
    int64_t p = new_project(admin_a, tenant_a, fields, 201);
    snprintf(extra, sizeof extra, "\"project_id\":%lld", (long long)p);
    int64_t before = outbox_kind("project_budget");
    for (int h = 9; h < 12; h++) {
        json_t *j = book(14, h, extra, 201);
        assert_null(json_object_get(j, "budget_warning"));
        json_decref(j);
    }
    assert_int_equal(outbox_kind("project_budget"), before);
    json_t *j = book(14, 12, extra, 201);   /* 80 % */
    json_t *w = json_object_get(j, "budget_warning");
    assert_non_null(w);
    assert_int_equal(jint(w, "percent"), 80);
    assert_int_equal(jint(w, "project_id"), p);
    json_decref(j);
    int64_t told = outbox_kind("project_budget");
    assert_true(told >= before + 2);   /* staff and NovaCell's admin */
    j = book(14, 13, extra, 201);       /* 100 %: still allowed, warned, nobody told again */
    assert_int_equal(jint(json_object_get(j, "budget_warning"), "percent"), 100);
    json_decref(j);
    assert_int_equal(outbox_kind("project_budget"), told);
    book_refused(14, 14, extra, 422, "project_budget");
    j = project(p, admin_a);
    assert_int_equal(jint(json_object_get(j, "budget"), "percent"), 100);
    assert_int_equal(jint(json_object_get(j, "budget"), "remaining_cents"), 0);
    json_decref(j);
    /* without budget_block the same booking is warned, not refused */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/projects/%lld", (long long)p);
    json_decref(call("PATCH", path, admin_a, "{\"budget_block\":false}", 200));
    j = book(14, 14, extra, 201);
    assert_int_equal(jint(json_object_get(j, "budget_warning"), "percent"), 120);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_and_roles),
        cmocka_unit_test(test_booking_projects),
        cmocka_unit_test(test_booking_rules),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
