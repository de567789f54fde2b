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
#include "core/ltime.h"
#include "tests/lib/einvoice_check.h"
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
    /* the invoice runs here count this suite's projects: the demo's consumables are voided */
    if (hx_void_demo_consumables(&S, staff) != 0) return -1;
    return tenant_a && tenant_b && me_a && room ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(staff); free(admin_a); free(member_a); free(admin_b); free(member_b);
    return hx_stop(&S) == 0 ? 0 : -1;
}

/* Create, read, edit, approve and close, and who may do each. */
/* Projects whose code starts with prefix in a list answer. */
static size_t count_code(json_t *list, const char *prefix)
{
    json_t *p;
    size_t i, n = 0;
    json_array_foreach(json_object_get(list, "projects"), i, p) n += !strncmp(jstr(p, "code"), prefix, strlen(prefix));
    return n;
}

static void test_crud_and_roles(void **state)
{
    (void)state;
    settings(tenant_a, "{\"project_approval\":false}");   /* the demo's NovaCell approves members' projects */
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
    assert_int_equal(count_code(j, "NC-10"), 2);
    assert_true(count_code(j, "NC-TRAIN") == 1);   /* the demo's pending project: the admin sees it */
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/projects?status=active", (long long)tenant_a);
    j = call("GET", path, member_a, NULL, 200);
    assert_int_equal(count_code(j, "NC-10"), 1);
    assert_int_equal(count_code(j, "NC-TRAIN"), 0);
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
    char path0[96];
    snprintf(path0, sizeof path0, "/api/v1/people/%lld/default-project", (long long)me_a);
    json_t *d = call("GET", path0, member_a, NULL, 200);
    assert_false(json_is_null(json_object_get(d, "project_id")));   /* the demo gives Bram one */
    json_decref(d);
    json_decref(call("POST", path0, member_a, "{\"project_id\":0}", 200));
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
    /* project_id 0: no project, even with a default; a series too */
    j = book(6, 14, "\"project_id\":0", 201);
    assert_true(json_is_null(json_object_get(j, "project_id")));
    json_decref(j);
    j = book(7, 14, "\"project_id\":0,\"rrule\":\"FREQ=DAILY;COUNT=2\"", 201);
    json_t *occs = json_object_get(j, "reservations");
    assert_int_equal(json_array_size(occs), 2);
    for (size_t k = 0; k < 2; k++) assert_true(json_is_null(json_object_get(json_array_get(occs, k), "project_id")));
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
    int64_t occ[2] = { jint(json_array_get(arr, 0), "id"), jint(json_array_get(arr, 1), "id") };
    json_decref(j);
    /* the whole series changes project at once (scope all); scope this changes one */
    char spath[96];
    snprintf(spath, sizeof spath, "/api/v1/reservations/%lld", (long long)occ[0]);
    json_decref(call("PATCH", spath, member_a, "{\"project_id\":0,\"scope\":\"all\"}", 200));
    for (int k = 0; k < 2; k++) {
        snprintf(spath, sizeof spath, "/api/v1/reservations/%lld", (long long)occ[k]);
        j = call("GET", spath, member_a, NULL, 200);
        assert_true(json_is_null(json_object_get(j, "project_id")));
        json_decref(j);
    }
    snprintf(extra, sizeof extra, "{\"project_id\":%lld}", (long long)p);
    json_decref(call("PATCH", spath, member_a, extra, 200));
    snprintf(spath, sizeof spath, "/api/v1/reservations/%lld", (long long)occ[0]);
    j = call("GET", spath, member_a, NULL, 200);
    assert_true(json_is_null(json_object_get(j, "project_id")));
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
    book_refused(12, 9, "\"project_id\":0", 422, "project_required");   /* no project is no way round it */
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

static int64_t at(const char *s)
{
    int64_t t = 0;
    if (lt_parse_rfc3339(s, &t) != 0) fail_msg("bad time %s", s);
    return t;
}

/* staff check in at start and out at end: the booking is settled */
static void settle(int64_t id, const char *start, const char *end)
{
    char path[96];
    hx_set_clock(&S, at(start));
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/check-in", (long long)id);
    json_decref(call("POST", path, staff, NULL, 200));
    hx_set_clock(&S, at(end));
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/check-out", (long long)id);
    json_decref(call("POST", path, staff, NULL, 200));
}

/* A company that requires purchase orders gets one invoice per project,
 * each with its PO as the UBL OrderReference (validated against EN 16931
 * and Peppol BIS 3), lines equal to billing's estimates, and a credit note
 * for one of them carries the same PO; HTML and CSV show the project over
 * its lines. */
static void test_invoices_by_project(void **state)
{
    (void)state;
    char path[160], body[300];
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/project-settings", (long long)tenant_b);
    json_decref(call("PATCH", path, admin_b, "{\"require_po\":true}", 200));
    int64_t pa = new_project(admin_b, tenant_b, "{\"code\":\"BS-A\",\"name\":\"Sensor coating\",\"po_number\":\"4500001111\"}", 201);
    int64_t pb = new_project(admin_b, tenant_b, "{\"code\":\"BS-B\",\"name\":\"Clinical batch\",\"po_number\":\"4500002222\"}", 201);
    snprintf(path, sizeof path, "/api/v1/resources/%lld/estimate?start=2026-10-20T09:00:00%%2B02:00&"
             "end=2026-10-20T10:00:00%%2B02:00", (long long)room);
    json_t *e = call("GET", path, member_b, NULL, 200);
    int64_t est = jint(e, "net_cents");
    json_decref(e);
    assert_true(est > 0);
    const int64_t proj[3] = { pa, pb, pa };
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-20T%02d:00:00+02:00\","
                 "\"end\":\"2026-10-20T%02d:00:00+02:00\",\"project_id\":%lld}", (long long)room, 9 + i, 10 + i,
                 (long long)proj[i]);
        json_t *j = call("POST", "/api/v1/reservations", member_b, body, 201);
        ids[i] = jint(j, "id");
        json_decref(j);
    }
    /* sessions last hours: staff sign in again on the day */
    hx_set_clock(&S, at("2026-10-20T08:30:00+02:00"));
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);
    assert_non_null(staff);
    for (int i = 0; i < 3; i++) {
        char s1[40], s2[40];
        snprintf(s1, sizeof s1, "2026-10-20T%02d:00:00+02:00", 9 + i);
        snprintf(s2, sizeof s2, "2026-10-20T%02d:00:00+02:00", 10 + i);
        settle(ids[i], s1, s2);
    }
    hx_set_clock(&S, at("2026-11-02T09:00:00+01:00"));
    free(staff);
    free(admin_b);
    staff = hx_login(&S, DEMO_STAFF);
    admin_b = hx_login(&S, DEMO_ADMIN_B);
    assert_non_null(staff);
    assert_non_null(admin_b);
    snprintf(body, sizeof body, "{\"period\":\"2026-10\",\"tenant_id\":%lld}", (long long)tenant_b);
    json_t *run = call("POST", "/api/v1/invoices/run", staff, body, 200);
    json_t *created = json_object_get(run, "created"), *v;
    size_t i;
    assert_int_equal(json_array_size(created), 2);
    int64_t inv_a = 0, inv_b = 0;
    json_array_foreach(created, i, v) {
        if (jint(v, "project_id") == pa) { inv_a = jint(v, "id"); assert_string_equal(jstr(v, "po_number"), "4500001111"); }
        if (jint(v, "project_id") == pb) { inv_b = jint(v, "id"); assert_string_equal(jstr(v, "po_number"), "4500002222"); }
    }
    json_decref(run);
    assert_true(inv_a && inv_b);
    /* a second run adds nothing */
    run = call("POST", "/api/v1/invoices/run", staff, body, 200);
    assert_int_equal(json_array_size(json_object_get(run, "created")), 0);
    json_decref(run);
    /* the lines are the estimates, under their project */
    snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)inv_a);
    json_t *a = call("GET", path, admin_b, NULL, 200), *l;
    assert_int_equal(jint(a, "line_extension_cents"), 2 * est);
    json_array_foreach(json_object_get(a, "lines"), i, l) {
        assert_int_equal(jint(l, "project_id"), pa);
        assert_string_equal(jstr(l, "project"), "BS-A Sensor coating");
    }
    json_decref(a);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)inv_b);
    a = call("GET", path, admin_b, NULL, 200);
    assert_int_equal(jint(a, "line_extension_cents"), est);
    json_decref(a);
    /* part of project A's invoice (the run issued it) credited: the credit note
     * carries the same purchase order (BT-13), as the buyer's books match on it */
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/credit-note", (long long)inv_a);
    json_t *cn = call("POST", path, staff, "{\"reason\":\"One hour was not used\",\"lines\":[{\"line\":1}]}", 201);
    int64_t cn_a = jint(cn, "id");
    assert_string_equal(jstr(cn, "kind"), "credit_note");
    assert_string_equal(jstr(cn, "po_number"), "4500001111");
    json_decref(cn);
    /* UBL: one OrderReference each, valid */
    static char dir[] = "/tmp/lp-test-projects-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *files[3];
    const int64_t inv[3] = { inv_a, inv_b, cn_a };
    const char *po[3] = { "<cac:OrderReference><cbc:ID>4500001111</cbc:ID></cac:OrderReference>",
                          "<cac:OrderReference><cbc:ID>4500002222</cbc:ID></cac:OrderReference>",
                          "<cac:OrderReference><cbc:ID>4500001111</cbc:ID></cac:OrderReference><cac:BillingReference>" };
    for (int k = 0; k < 3; k++) {
        hx_resp r;
        snprintf(path, sizeof path, "/api/v1/invoices/%lld/ubl", (long long)inv[k]);
        assert_int_equal(hx_req(&S, "GET", path, admin_b, NULL, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        char *flat = malloc(r.len + 1);
        size_t m = 0;
        for (size_t q = 0; q < r.len; q++) if (r.body[q] != '\n' && r.body[q] != ' ') flat[m++] = r.body[q];
        flat[m] = '\0';
        char want[120];
        size_t w = 0;
        for (const char *q = po[k]; *q; q++) if (*q != ' ') want[w++] = *q;
        want[w] = '\0';
        if (!strstr(flat, want)) fail_msg("no OrderReference %s in %.400s", po[k], r.body);
        free(flat);
        char file[160];
        snprintf(file, sizeof file, "%s/project-%d.xml", dir, k);
        assert_int_equal(ev_spill(file, r.body, r.len), 0);
        files[k] = strdup(file);
        hx_free(&r);
    }
    /* HTML and CSV name the project over its lines */
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/html?lang=en", (long long)inv_a);
    assert_int_equal(hx_req(&S, "GET", path, admin_b, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Project BS-A Sensor coating"));
    assert_non_null(strstr(r.body, "4500001111"));
    hx_free(&r);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/csv", (long long)inv_a);
    assert_int_equal(hx_req(&S, "GET", path, admin_b, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, ",project,,BS-A Sensor coating,"));
    hx_free(&r);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/pdf", (long long)inv_a);
    assert_int_equal(hx_req(&S, "GET", path, admin_b, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    hx_free(&r);
    char why[400];
    int vrc = ev_validate(files, 3, why, sizeof why);
    for (int k = 0; k < 3; k++) free(files[k]);
    if (vrc == EV_SKIP) skip();
    if (vrc != 0) fail_msg("%s", why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_and_roles),
        cmocka_unit_test(test_booking_projects),
        cmocka_unit_test(test_booking_rules),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_invoices_by_project),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
