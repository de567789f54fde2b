/* test_services.c: services and consumables end to end over HTTP against
 * labpassd on a fixed clock (from Monday 2026-10-05 09:00, Europe/Amsterdam).
 * Staff keep a catalogue with price versions; NovaCell's member requests a
 * service, staff quote it (the quote is e-mailed), the member accepts it,
 * staff start and complete it, and the charge lands on November's run of
 * October's invoice with the item's unit code and VAT; another request is
 * accepted without a quote at the price list's price; consumables are
 * logged by staff and at the terminal by the member, priced by the version
 * in force on the day; a use is voided; the month report shows income per
 * item and the open requests; the UBL goes through the e-invoice validator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/ltime.h"
#include "tests/lib/einvoice_check.h"
#include "tests/lib/harness.h"

#define T0 1791183600LL   /* 2026-10-05T09:00:00+02:00 */

static hx_server S;
static char *staff, *member_a, *admin_a, *member_b;
static char g_dir[] = "/tmp/lp-test-services-XXXXXX";
static char g_ubl[200];
static int64_t tenant_a, tenant_b, person_a, person_b, project_a, project_closed, project_b;
static int64_t seq, glove, ln2, consult;      /* items made here */
static int64_t req_quoted, req_direct, charge_quoted, charge_direct, use_gloves, use_ln2, use_late;

/* ---- helpers ---- */

static int64_t at(const char *s)
{
    int64_t t = 0;
    if (lt_parse_rfc3339(s, &t) != 0) fail_msg("bad time %s", s);
    return t;
}

/* Moves the clock; sessions last hours, so the people sign in again (staff use an API key). */
static void clock_to(const char *s)
{
    hx_set_clock(&S, at(s));
    free(member_a); free(admin_a); free(member_b);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    if (!member_a || !admin_a || !member_b) fail_msg("sign-in at %s failed", s);
}

static json_t *call(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    if (hx_req(&S, method, path, tok, body, NULL, &r) != 0) fail_msg("%s %s: no answer", method, path);
    if (r.status != want) fail_msg("%s %s: %ld (wanted %ld) %.600s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j ? j : json_object();
}

static int64_t jint(json_t *j, const char *k) { return json_integer_value(json_object_get(j, k)); }
static const char *jstr(json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static int64_t created(const char *path, const char *tok, const char *body)
{
    json_t *j = call("POST", path, tok, body, 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

/* SQL on the server's database (projects have no routes here; outbox bodies). */
static int64_t sql_int(const char *sql, const char *text)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open(S.db, &db) != SQLITE_OK) fail_msg("open %s", S.db);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (text) sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    else v = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static char *sql_text(const char *sql, int64_t id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_open_v2(S.db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) fail_msg("open %s", S.db);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static int64_t project(int64_t tenant, const char *code, const char *state)
{
    char sql[400];
    snprintf(sql, sizeof sql, "INSERT INTO projects(tenant_id, code, name, state, created_by, created_at, updated_at) "
             "VALUES (%lld, '%s', 'Project ' || '%s', '%s', 'test', %lld, %lld)", (long long)tenant, code, code, state,
             (long long)T0, (long long)T0);
    return sql_int(sql, NULL);
}

static json_t *request_get(int64_t id, const char *tok, long want)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld", (long long)id);
    return call("GET", path, tok, NULL, want);
}

static json_t *step(int64_t id, const char *what, const char *tok, const char *body, long want)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/%s", (long long)id, what);
    return call("POST", path, tok, body, want);
}

static void expect_status(json_t *j, const char *status)
{
    if (!jstr(j, "status") || strcmp(jstr(j, "status"), status))
        fail_msg("status %s, wanted %s", jstr(j, "status") ? jstr(j, "status") : "(none)", status);
    json_decref(j);
}

/* The charge of id among the month's charges of tenant (NULL when absent; borrowed from all). */
static json_t *charge_in(json_t *all, int64_t id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(all, "charges"), i, c)
        if (jint(c, "id") == id) return c;
    return NULL;
}

/* ---- the catalogue ---- */

static void test_catalogue(void **st)
{
    seq = created("/api/v1/catalogue", staff, "{\"kind\":\"service\",\"code\":\"T-SEQ\",\"name\":\"Sequencing run (test)\","
                  "\"unit\":\"E48\",\"description\":\"One run\"}");
    consult = created("/api/v1/catalogue", staff, "{\"kind\":\"service\",\"code\":\"T-CONSULT\",\"name\":\"Consultancy\","
                      "\"unit\":\"HUR\",\"vat_category\":\"S\",\"vat_rate_bp\":2100}");
    glove = created("/api/v1/catalogue", staff, "{\"kind\":\"consumable\",\"code\":\"T-GLOVE\",\"name\":\"Gloves box\","
                    "\"unit\":\"C62\"}");
    ln2 = created("/api/v1/catalogue", staff, "{\"kind\":\"consumable\",\"code\":\"T-LN2\",\"name\":\"Liquid nitrogen (test)\","
                  "\"unit\":\"LTR\",\"vat_category\":\"S\",\"vat_rate_bp\":900}");
    /* the same code again is a conflict */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/catalogue", staff,
                               "{\"kind\":\"consumable\",\"code\":\"T-LN2\",\"name\":\"Again\",\"unit\":\"LTR\"}"), 409);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/prices", (long long)seq);
    json_decref(call("POST", path, staff, "{\"effective_from\":\"2026-10-01\",\"unit_cents\":45000}", 201));
    json_decref(call("POST", path, staff, "{\"effective_from\":\"2026-10-01\",\"unit_cents\":45000}", 409));
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/prices", (long long)glove);
    json_decref(call("POST", path, staff, "{\"effective_from\":\"2026-10-01\",\"unit_cents\":1250}", 201));
    json_decref(call("POST", path, staff, "{\"effective_from\":\"2026-10-20\",\"unit_cents\":1400}", 201));
    /* a tier's own price goes before every tier's: the demo companies are startups */
    json_decref(call("POST", path, staff, "{\"tier\":\"corporate\",\"effective_from\":\"2026-10-01\",\"unit_cents\":1900}", 201));
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/prices", (long long)ln2);
    json_decref(call("POST", path, staff, "{\"effective_from\":\"2026-01-01\",\"unit_cents\":275}", 201));
    json_decref(call("POST", path, staff, "{\"tier\":\"startup\",\"effective_from\":\"2026-09-01\",\"unit_cents\":250}", 201));
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/prices", (long long)glove);
    json_t *p = call("GET", path, staff, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(p, "prices")), 3);
    json_decref(p);
    /* members read the active catalogue, not the prices */
    json_t *cat = call("GET", "/api/v1/catalogue", member_a, NULL, 200);
    assert_true(json_array_size(json_object_get(cat, "items")) >= 4);
    json_decref(cat);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/catalogue", member_a,
                               "{\"kind\":\"service\",\"code\":\"X\",\"name\":\"X\",\"unit\":\"E48\"}"), 403);
    /* the audit log has the item and its prices */
    assert_true(sql_int("SELECT count(*) FROM audit_log WHERE object_type = 'item_price'", NULL) >= 6);
}

static void test_estimates_by_version(void **st)
{
    char path[160];
    /* the version in force on the day: 12.50 before the 20th, 14.00 from it */
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=3&tenant_id=%lld&at=2026-10-10T12:00:00Z",
             (long long)glove, (long long)tenant_a);
    json_t *e = call("GET", path, staff, NULL, 200);
    assert_int_equal(jint(e, "unit_cents"), 1250);
    assert_int_equal(jint(e, "net_cents"), 3750);
    assert_int_equal(jint(e, "vat_cents"), 788);   /* 21 % of 37.50, half up */
    json_decref(e);
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=3&tenant_id=%lld&at=2026-10-20T00:30:00%%2B02:00",
             (long long)glove, (long long)tenant_a);
    e = call("GET", path, staff, NULL, 200);
    assert_int_equal(jint(e, "unit_cents"), 1400);
    json_decref(e);
    /* the startup tier's own price for nitrogen; fractional litres, half up */
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=2.5", (long long)ln2);
    e = call("GET", path, member_a, NULL, 200);
    assert_int_equal(jint(e, "unit_cents"), 250);
    assert_int_equal(jint(e, "net_cents"), 625);
    assert_string_equal(jstr(e, "quantity"), "2.5");
    assert_int_equal(jint(e, "vat_rate_bp"), 900);
    json_decref(e);
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=0.333", (long long)ln2);
    e = call("GET", path, member_a, NULL, 200);
    assert_int_equal(jint(e, "net_cents"), 83);   /* 0.333 x 2.50 = 0.8325 */
    json_decref(e);
    /* no price list for the consultancy: not priced */
    snprintf(path, sizeof path, "/api/v1/catalogue/%lld/estimate?quantity=1", (long long)consult);
    e = call("GET", path, member_a, NULL, 200);
    assert_false(json_is_true(json_object_get(e, "priced")));
    assert_int_equal(jint(e, "net_cents"), 0);
    json_decref(e);
}

/* ---- service requests ---- */

static void test_request_quote_accept_complete(void **st)
{
    char body[300];
    int64_t outbox_before = hx_count(&S, "outbox");
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"2\",\"project_id\":%lld,"
             "\"note\":\"Two runs of 16S amplicons\"}", (long long)seq, (long long)project_a);
    json_t *r = call("POST", "/api/v1/service-requests", member_a, body, 201);
    req_quoted = jint(r, "id");
    assert_int_equal(jint(r, "project_id"), project_a);
    assert_string_equal(jstr(r, "quantity"), "2");
    assert_true(json_is_null(json_object_get(r, "quote")));
    expect_status(r, "requested");
    /* the member cannot quote or complete */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/service-requests/1/quote", member_a,
                               "{\"unit_cents\":1,\"valid_until\":\"2026-10-31\"}"), 403);
    json_decref(step(req_quoted, "complete", member_a, NULL, 403));
    json_decref(step(req_quoted, "start", member_a, NULL, 403));
    /* staff quote 400.00 a run, valid until the end of the month */
    r = step(req_quoted, "quote", staff, "{\"unit_cents\":40000,\"note\":\"Academic discount applied\","
             "\"valid_until\":\"2026-10-31\"}", 200);
    json_t *q = json_object_get(r, "quote");
    assert_int_equal(jint(q, "unit_cents"), 40000);
    assert_int_equal(jint(q, "net_cents"), 80000);
    assert_string_equal(jstr(q, "valid_until"), "2026-10-31");
    expect_status(r, "quoted");
    /* the quote went to the requester by e-mail, in their language */
    assert_int_equal(hx_count(&S, "outbox"), outbox_before + 1);
    char *mail = sql_text("SELECT recipient || '|' || kind || '|' || subject || '|' || body FROM outbox "
                          "ORDER BY id DESC LIMIT 1 OFFSET ?1", 0);
    assert_non_null(mail);
    if (!strstr(mail, "lab@novacell.example|service_quote|") || !strstr(mail, "EUR 800.00") ||
        !strstr(mail, "2026-10-31") || !strstr(mail, "Academic discount applied"))
        fail_msg("quote mail: %s", mail);
    free(mail);
    /* starting before acceptance is a conflict */
    json_decref(step(req_quoted, "start", staff, NULL, 409));
    expect_status(step(req_quoted, "accept", member_a, NULL, 200), "accepted");
    json_decref(step(req_quoted, "accept", member_a, NULL, 409));
    expect_status(step(req_quoted, "start", staff, NULL, 200), "in_progress");
    json_decref(step(req_quoted, "cancel", member_a, NULL, 409));   /* work has started */
    clock_to("2026-10-14T15:00:00+02:00");
    r = step(req_quoted, "complete", staff, NULL, 200);
    charge_quoted = jint(r, "charge_id");
    assert_true(charge_quoted > 0);
    expect_status(r, "completed");
    json_decref(step(req_quoted, "complete", staff, NULL, 409));
    /* the charge: kind service, the quote's price and quantity, VAT from the item */
    json_t *all = call("GET", "/api/v1/charges?period=2026-10", admin_a, NULL, 200);
    json_t *c = charge_in(all, charge_quoted);
    if (!c) fail_msg("no charge %lld", (long long)charge_quoted);
    assert_string_equal(jstr(c, "kind"), "service");
    assert_int_equal(jint(c, "net_cents"), 80000);
    assert_string_equal(jstr(c, "vat_category"), "S");
    assert_int_equal(jint(c, "vat_rate_bp"), 2100);
    json_t *part = json_array_get(json_object_get(c, "parts"), 0);
    assert_string_equal(jstr(part, "part"), "item");
    assert_string_equal(jstr(part, "unit"), "service_unit");
    assert_string_equal(jstr(part, "quantity"), "2");
    json_decref(all);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT project_id FROM charges WHERE id = %lld", (long long)charge_quoted);
    assert_int_equal(sql_int(sql, NULL), project_a);
    /* every step is in the audit log */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE object_type = 'service_request' AND object_id = %lld",
             (long long)req_quoted);
    assert_int_equal(sql_int(sql, NULL), 5);   /* request, quote, accept, start, complete */
}

static void test_request_without_quote(void **st)
{
    char body[200];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\"}", (long long)seq);
    req_direct = created("/api/v1/service-requests", member_a, body);
    /* staff accept it at the catalogue price; the member cannot skip the quote */
    json_decref(step(req_direct, "accept", member_a, NULL, 409));
    expect_status(step(req_direct, "accept", staff, NULL, 200), "accepted");
    expect_status(step(req_direct, "start", staff, NULL, 200), "in_progress");
    json_t *r = step(req_direct, "complete", staff, NULL, 200);
    charge_direct = jint(r, "charge_id");
    json_decref(r);
    json_t *all = call("GET", "/api/v1/charges?period=2026-10", staff, NULL, 200);
    json_t *c = charge_in(all, charge_direct);
    assert_non_null(c);
    assert_int_equal(jint(c, "net_cents"), 45000);
    json_decref(all);
    /* an unpriced service cannot be completed without a quote (422), and nothing is charged */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1.5\"}", (long long)consult);
    int64_t id = created("/api/v1/service-requests", member_a, body);
    expect_status(step(id, "accept", staff, NULL, 200), "accepted");
    expect_status(step(id, "start", staff, NULL, 200), "in_progress");
    int64_t charges = hx_count(&S, "charges");
    json_decref(step(id, "complete", staff, NULL, 422));
    assert_int_equal(hx_count(&S, "charges"), charges);
    expect_status(request_get(id, staff, 200), "in_progress");
}

static void test_decline_cancel_and_expiry(void **st)
{
    char body[200];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"3\"}", (long long)seq);
    int64_t a = created("/api/v1/service-requests", member_a, body);
    int64_t b = created("/api/v1/service-requests", member_a, body);
    int64_t c = created("/api/v1/service-requests", member_a, body);
    int64_t d = created("/api/v1/service-requests", member_a, body);
    /* the member declines a quote */
    json_decref(step(a, "quote", staff, "{\"unit_cents\":50000,\"valid_until\":\"2026-10-20\"}", 200));
    expect_status(step(a, "decline", member_a, "{\"reason\":\"Too expensive for us\"}", 200), "declined");
    json_decref(step(a, "accept", member_a, NULL, 409));
    /* the member cancels before work starts; staff cannot cancel, they decline */
    json_decref(step(b, "cancel", staff, NULL, 403));
    expect_status(step(b, "cancel", member_a, NULL, 200), "cancelled");
    expect_status(step(c, "decline", staff, "{\"reason\":\"Instrument out of service\"}", 200), "declined");
    /* a quote past its date cannot be accepted */
    json_decref(step(d, "quote", staff, "{\"unit_cents\":30000,\"quantity\":\"2\",\"valid_until\":\"2026-10-15\"}", 200));
    clock_to("2026-10-16T09:00:00+02:00");
    json_decref(step(d, "accept", member_a, NULL, 422));
    expect_status(request_get(d, member_a, 200), "quoted");
    /* the other company sees none of it */
    json_decref(request_get(d, member_b, 404));
    json_decref(step(d, "accept", member_b, NULL, 404));
    json_decref(step(d, "cancel", member_b, NULL, 404));
    json_t *list = call("GET", "/api/v1/service-requests", member_b, NULL, 200);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(list, "requests"), i, x) assert_int_equal(jint(x, "tenant_id"), tenant_b);
    json_decref(list);
    /* the company's admin sees the member's requests; open ones only when asked */
    list = call("GET", "/api/v1/service-requests?status=open", admin_a, NULL, 200);
    json_array_foreach(json_object_get(list, "requests"), i, x) {
        assert_int_equal(jint(x, "tenant_id"), tenant_a);
        const char *s = jstr(x, "status");
        assert_true(!strcmp(s, "requested") || !strcmp(s, "quoted") || !strcmp(s, "accepted") || !strcmp(s, "in_progress"));
    }
    json_decref(list);
}

static void test_projects_checked(void **st)
{
    char body[200];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"project_id\":%lld}", (long long)seq,
             (long long)project_b);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/service-requests", member_a, body), 404);   /* another company's */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"project_id\":%lld}", (long long)seq,
             (long long)project_closed);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/service-requests", member_a, body), 422);   /* not active */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"project_id\":%lld}", (long long)glove,
             (long long)project_b);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/consumable-usage", member_a, body), 404);
}

/* ---- consumables ---- */

static void test_consumables(void **st)
{
    char body[300];
    clock_to("2026-10-16T10:00:00+02:00");
    /* staff log three boxes for the member on the 6th: the price of the 6th */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"3\",\"person_id\":%lld,\"project_id\":%lld,"
             "\"at\":\"2026-10-06T11:00:00+02:00\"}", (long long)glove, (long long)person_a, (long long)project_a);
    json_t *u = call("POST", "/api/v1/consumable-usage", staff, body, 201);
    use_gloves = jint(u, "id");
    assert_int_equal(jint(u, "net_cents"), 3750);
    assert_int_equal(jint(u, "project_id"), project_a);
    json_decref(u);
    /* the member at the terminal: 2.5 litres now, their own */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"2.5\"}", (long long)ln2);
    u = call("POST", "/api/v1/consumable-usage", member_a, body, 201);
    use_ln2 = jint(u, "id");
    assert_int_equal(jint(u, "person_id"), person_a);
    assert_int_equal(jint(u, "net_cents"), 625);
    assert_string_equal(jstr(u, "unit"), "LTR");
    json_decref(u);
    /* after the 20th the new version prices the gloves */
    clock_to("2026-10-21T10:00:00+02:00");
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"2\"}", (long long)glove);
    u = call("POST", "/api/v1/consumable-usage", member_a, body, 201);
    use_late = jint(u, "id");
    assert_int_equal(jint(u, "net_cents"), 2800);
    json_decref(u);
    /* a member logs only their own, now */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"person_id\":%lld}", (long long)glove,
             (long long)person_b);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/consumable-usage", member_a, body), 403);
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"at\":\"2026-10-01T10:00:00+02:00\"}", (long long)glove);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/consumable-usage", member_a, body), 403);
    /* a service is not a consumable, nor the other way round */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\"}", (long long)seq);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/consumable-usage", member_a, body), 404);
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\"}", (long long)glove);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/service-requests", member_a, body), 404);
    /* staff cannot log ahead of time */
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"person_id\":%lld,\"at\":\"2026-10-22T10:00:00+02:00\"}",
             (long long)glove, (long long)person_a);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/consumable-usage", staff, body), 400);
    /* who sees what */
    json_t *l = call("GET", "/api/v1/consumable-usage?period=2026-10", member_a, NULL, 200);
    size_t i, mine = 0;
    json_t *x;
    json_array_foreach(json_object_get(l, "usage"), i, x) {
        assert_int_equal(jint(x, "person_id"), person_a);
        if (jint(x, "id") == use_gloves || jint(x, "id") == use_ln2 || jint(x, "id") == use_late) mine++;
    }
    assert_int_equal(mine, 3);
    json_decref(l);
    l = call("GET", "/api/v1/consumable-usage?period=2026-10", member_b, NULL, 200);
    json_array_foreach(json_object_get(l, "usage"), i, x) assert_int_equal(jint(x, "tenant_id"), tenant_b);
    json_decref(l);
}

static void test_void(void **st)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/consumable-usage/%lld/void", (long long)use_late);
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 403);
    int64_t charges = hx_count(&S, "charges");
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 204);
    assert_int_equal(hx_count(&S, "charges"), charges - 1);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 404);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = 'void' AND object_id = %lld", (long long)use_late);
    assert_int_equal(sql_int(sql, NULL), 1);
    /* a service's charge is not a usage */
    snprintf(path, sizeof path, "/api/v1/consumable-usage/%lld/void", (long long)charge_quoted);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 404);
    /* the newest charge voided, the next one never takes its id */
    char body[96];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\"}", (long long)glove);
    json_t *u = call("POST", "/api/v1/consumable-usage", member_a, body, 201);
    int64_t gone = jint(u, "id");
    json_decref(u);
    assert_int_equal(sql_int("SELECT max(id) FROM charges", NULL), gone);
    snprintf(path, sizeof path, "/api/v1/consumable-usage/%lld/void", (long long)gone);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 204);
    u = call("POST", "/api/v1/consumable-usage", member_a, body, 201);
    int64_t next = jint(u, "id");
    json_decref(u);
    assert_true(next > gone);
    snprintf(path, sizeof path, "/api/v1/consumable-usage/%lld/void", (long long)next);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 204);
    assert_int_equal(hx_count(&S, "charges"), charges - 1);
}

/* ---- the month report ---- */

static void test_report(void **st)
{
    json_t *r = call("GET", "/api/v1/reports/usage?period=2026-10", staff, NULL, 200);
    size_t i;
    json_t *x;
    int found = 0;
    json_array_foreach(json_object_get(r, "items"), i, x) {
        if (jint(x, "item_id") == seq) {
            assert_int_equal(jint(x, "charges"), 2);
            assert_string_equal(jstr(x, "quantity"), "3");
            assert_int_equal(jint(x, "income_cents"), 80000 + 45000);
            found++;
        } else if (jint(x, "item_id") == glove) {
            assert_int_equal(jint(x, "charges"), 1);   /* the voided use is gone */
            assert_int_equal(jint(x, "income_cents"), 3750);
            found++;
        } else if (jint(x, "item_id") == ln2) {
            assert_string_equal(jstr(x, "quantity"), "2.5");
            assert_int_equal(jint(x, "income_cents"), 625);
            found++;
        }
    }
    assert_int_equal(found, 3);
    /* open requests: the consultancy in progress, the quoted one past its date, the demo's */
    int open_consult = 0;
    json_array_foreach(json_object_get(r, "open_requests"), i, x) {
        const char *s = jstr(x, "status");
        assert_true(!strcmp(s, "requested") || !strcmp(s, "quoted") || !strcmp(s, "accepted") || !strcmp(s, "in_progress"));
        if (!strcmp(jstr(x, "item"), "Consultancy")) open_consult++;
    }
    assert_int_equal(open_consult, 1);
    json_decref(r);
    hx_resp c;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/reports/usage.csv?period=2026-10", staff, NULL, NULL, &c), 0);
    assert_int_equal(c.status, 200);
    char line[200];
    snprintf(line, sizeof line, "\"item\",\"%lld\",\"Sequencing run (test)\",\"\",\"\",\"\",\"\",\"1250.00\",\"\",\"\"\r\n", (long long)seq);
    if (!strstr(c.body, line)) fail_msg("no %s in %s", line, c.body);
    assert_non_null(strstr(c.body, "\"open_request\","));
    hx_free(&c);
}

/* ---- November's run of October ---- */

static void test_invoice(void **st)
{
    clock_to("2026-11-02T09:00:00+01:00");
    json_t *run = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-10\"}", 200);
    json_decref(run);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/invoices?tenant_id=%lld&period=2026-10", (long long)tenant_a);
    json_t *l = call("GET", path, staff, NULL, 200);
    json_t *inv = json_array_get(json_object_get(l, "invoices"), 0);
    assert_non_null(inv);
    int64_t id = jint(inv, "id");
    json_decref(l);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)id);
    json_t *d = call("GET", path, staff, NULL, 200);
    size_t i;
    json_t *x;
    int seen = 0, gloves = 0;
    json_array_foreach(json_object_get(d, "lines"), i, x) {
        int64_t ch = jint(x, "charge_id");
        if (ch == charge_quoted) {
            assert_string_equal(jstr(x, "unit"), "service_unit");
            assert_string_equal(jstr(x, "quantity"), "2");
            assert_int_equal(jint(x, "price_cents"), 40000);
            assert_int_equal(jint(x, "net_cents"), 80000);
            assert_int_equal(jint(x, "vat_rate_bp"), 2100);
            seen++;
        } else if (ch == use_ln2) {
            assert_string_equal(jstr(x, "unit"), "litre");
            assert_string_equal(jstr(x, "quantity"), "2.5");
            assert_string_equal(jstr(x, "vat_category"), "S");
            assert_int_equal(jint(x, "vat_rate_bp"), 900);
            seen++;
        } else if (ch == use_gloves) {
            assert_string_equal(jstr(x, "unit"), "piece");
            seen++;
        }
        if (!strcmp(jstr(x, "name"), "Gloves box")) gloves++;
    }
    assert_int_equal(seen, 3);
    assert_int_equal(gloves, 1);   /* the voided use is not on it */
    json_decref(d);
    /* the UBL: the units' codes, through the validator */
    hx_resp u;
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/ubl", (long long)id);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &u), 0);
    assert_int_equal(u.status, 200);
    assert_non_null(strstr(u.body, "unitCode=\"E48\">2</cbc:InvoicedQuantity>"));
    assert_non_null(strstr(u.body, "unitCode=\"LTR\">2.5</cbc:InvoicedQuantity>"));
    assert_non_null(strstr(u.body, "unitCode=\"C62\">3</cbc:InvoicedQuantity>"));
    snprintf(g_ubl, sizeof g_ubl, "%s/services.xml", g_dir);
    assert_int_equal(ev_spill(g_ubl, u.body, u.len), 0);
    hx_free(&u);
    /* the HTML names the units in the document's language */
    hx_resp h;
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/html?lang=en", (long long)id);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &h), 0);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "2.5 l"));
    hx_free(&h);
    /* an invoiced use cannot be voided */
    snprintf(path, sizeof path, "/api/v1/consumable-usage/%lld/void", (long long)use_ln2);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    char *files[] = { g_ubl };
    char why[400];
    int vrc = ev_validate(files, 1, why, sizeof why);
    if (vrc == EV_SKIP) skip();
    if (vrc != 0) fail_msg("%s", why);
}

static int setup(void **st)
{
    if (lt_set_zone("Europe/Amsterdam") != 0 || !mkdtemp(g_dir)) return -1;
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_api_key(&S, DEMO_STAFF, "service tests");
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    if (!staff || !member_a || !admin_a || !member_b) return -1;
    person_a = hx_me_id(&S, member_a);
    person_b = hx_me_id(&S, member_b);
    tenant_a = sql_int("SELECT tenant_id FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = ?1",
                       "lab@novacell.example");
    tenant_b = sql_int("SELECT tenant_id FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = ?1",
                       "lab@biosense.example");
    project_a = project(tenant_a, "NC-016", "active");
    project_closed = project(tenant_a, "NC-001", "closed");
    project_b = project(tenant_b, "BS-100", "active");
    return tenant_a > 0 && tenant_b > 0 && project_a > 0 ? 0 : -1;
}

/* A person's service requests are in their data export, notes included;
 * erasing them empties the notes and cancels what was not started. */
static void test_export_and_erase(void **st)
{
    char body[300];
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"1\",\"project_id\":%lld,"
             "\"note\":\"Ring Bob Example on 06-1234\"}", (long long)seq, (long long)project_a);
    json_t *r = call("POST", "/api/v1/service-requests", member_a, body, 201);
    int64_t id = jint(r, "id");
    json_decref(r);
    json_t *x = call("GET", "/api/v1/me/export", member_a, NULL, 200), *e;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(x, "service_requests"), i, e) {
        if (jint(e, "id") != id) continue;
        found = 1;
        assert_string_equal(jstr(e, "note"), "Ring Bob Example on 06-1234");
        assert_string_equal(jstr(e, "state"), "requested");
        assert_string_equal(jstr(e, "item"), "Sequencing run (test)");
    }
    json_decref(x);
    assert_true(found);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/people/%lld/erase", (long long)person_a);
    json_decref(call("POST", path, staff, "{\"confirm_email\":\"lab@novacell.example\"}", 200));
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM service_requests WHERE id = %lld AND note = '' AND state = 'cancelled'",
             (long long)id);
    assert_int_equal(sql_int(sql, NULL), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM service_requests WHERE person_id = %lld AND note <> ''", (long long)person_a);
    assert_int_equal(sql_int(sql, NULL), 0);
}

static int teardown(void **st)
{
    free(staff); free(member_a); free(admin_a); free(member_b);
    if (g_ubl[0]) unlink(g_ubl);
    rmdir(g_dir);
    return hx_stop(&S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_estimates_by_version),
        cmocka_unit_test(test_request_quote_accept_complete),
        cmocka_unit_test(test_request_without_quote),
        cmocka_unit_test(test_decline_cancel_and_expiry),
        cmocka_unit_test(test_projects_checked),
        cmocka_unit_test(test_consumables),
        cmocka_unit_test(test_void),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_invoice),
        cmocka_unit_test(test_export_and_erase),
    };
    return cmocka_run_group_tests_name("services", tests, setup, teardown);
}
