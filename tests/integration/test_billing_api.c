/* test_billing_api.c: billing end to end over HTTP against labpassd with a fixed
 * clock (from Monday 2026-09-28, Europe/Amsterdam). Tenants book in October
 * 2026; the clock walks through the month (check-ins and check-outs, late
 * and free cancellations, a no-show, the DST night), the November run
 * invoices October, and the invoices are compared byte for byte with
 * tests/golden/billing/ (LABPASS_UPDATE_GOLDEN=1 rewrites them; review the
 * diff). Then: idempotent re-runs, isolation between tenants, a price change
 * after invoicing, a credit note, payments and overdue, CSV and HTML, bad
 * input that changes nothing, and parallel runs whose numbers are 1..N.
 * Every UBL document fetched goes through ../shared/einvoice/validate in one
 * batch at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tests/lib/einvoice_check.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/ltime.h"
#include "tests/lib/harness.h"

#define T0 1790575200LL   /* 2026-09-28T08:00:00+02:00 */
#define GOLDEN_DIR "tests/golden/billing/"
#define MAX_DOCS 16

static hx_server S;
static char *staff, *admin_a, *member_a, *admin_b;
static char g_dir[] = "/tmp/lp-test-billing-http-XXXXXX";
static char *g_docs[MAX_DOCS];
static size_t g_ndocs;

/* Tenants of the scenarios (a..e) and the demo tenant NovaCell (n). */
enum { TN, TA, TB, TC, TD, TE, NT };
static int64_t tenant[NT], person[NT], invoice[NT];
static int64_t lab, cabinet, bench, lab_plan;
static json_t *est_straddle, *est_dst;   /* estimates taken before booking */
static int64_t a_straddle, a_dst, a_before, a_after, b_q[3], c_late, c_free, c_gone, d_long, d_short, e_rc;

/* ---- helpers ---- */

/* Sessions last hours and the clock moves weeks: tenant people sign in
 * again when a test needs them; staff use an API key, which does not expire. */
static void sign_in_people(void)
{
    free(admin_a); free(member_a); free(admin_b);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_b = hx_login(&S, DEMO_ADMIN_B);
    if (!admin_a || !member_a || !admin_b) fail_msg("sign-in failed");
}


static int64_t at(const char *s)
{
    int64_t t = 0;
    if (lt_parse_rfc3339(s, &t) != 0) fail_msg("bad time %s", s);
    return t;
}

static void clock_to(const char *s) { hx_set_clock(&S, at(s)); }

/* A request that must answer want; returns the parsed body (caller decrefs). */
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

static int64_t create(const char *path, const char *body)
{
    json_t *j = call("POST", path, staff, body, 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

static void new_tenant(int k, const char *name, const char *extra)
{
    char body[600], path[80], email[80];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"street\":\"Science Park %d\",\"postal_code\":\"7522 NB\","
             "\"city\":\"Enschede\",\"billing_email\":\"finance%d@example.com\",%s}", name, k, k, extra);
    tenant[k] = create("/api/v1/tenants", body);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/members", (long long)tenant[k]);
    snprintf(email, sizeof email, "lab%d@tenant%d.example", k, k);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"Lab Person %d\",\"role\":\"member\"}", email, k);
    person[k] = create(path, body);
}

static int64_t book(int k, int64_t res, const char *start, const char *end)
{
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"person_id\":%lld}",
             (long long)res, start, end, (long long)person[k]);
    return create("/api/v1/reservations", body);
}

static void rsv_post(int64_t id, const char *what, const char *when)
{
    char path[96];
    clock_to(when);
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/%s", (long long)id, what);
    json_decref(call("POST", path, staff, NULL, 200));
}

/* Checks in at in and out at out (site-time RFC 3339). */
static void use(int64_t id, const char *in, const char *out)
{
    rsv_post(id, "check-in", in);
    rsv_post(id, "check-out", out);
}

/* The charges of tenant k for October as seen by tok. */
static json_t *charges(const char *tok, int k)
{
    char path[120];
    snprintf(path, sizeof path, "/api/v1/charges?period=2026-10&tenant_id=%lld", (long long)tenant[k]);
    json_t *j = call("GET", path, tok, NULL, 200);
    json_t *arr = json_incref(json_object_get(j, "charges"));
    json_decref(j);
    return arr;
}

/* The net cents of reservation id's charge (staff view), -1 when none. */
static int64_t charge_net(int k, int64_t rsv, char kind[16])
{
    json_t *arr = charges(staff, k), *c;
    size_t i;
    int64_t net = -1;
    json_array_foreach(arr, i, c)
        if (jint(c, "reservation_id") == rsv) {
            net = jint(c, "net_cents");
            if (kind) snprintf(kind, 16, "%s", jstr(c, "kind") ? jstr(c, "kind") : "");
        }
    json_decref(arr);
    return net;
}

/* The estimate of a booking of res for tenant k by tok (staff name the tenant). */
static json_t *estimate(const char *tok, int k, int64_t res, const char *start, const char *end, long want)
{
    char path[300];
    size_t o = (size_t)snprintf(path, sizeof path, "/api/v1/resources/%lld/estimate?tenant_id=%lld&start=",
                                (long long)res, (long long)tenant[k]);
    for (const char *p = start; *p && o + 4 < sizeof path; p++) o += (size_t)snprintf(path + o, sizeof path - o, *p == '+' ? "%%2B" : "%c", *p);
    o += (size_t)snprintf(path + o, sizeof path - o, "&end=");
    for (const char *p = end; *p && o + 4 < sizeof path; p++) o += (size_t)snprintf(path + o, sizeof path - o, *p == '+' ? "%%2B" : "%c", *p);
    return call("GET", path, tok, NULL, want);
}

static json_t *rsv_estimate(const char *tok, int64_t id, long want)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/estimate", (long long)id);
    return call("GET", path, tok, NULL, want);
}

static int64_t part_net(json_t *est, size_t i) { return jint(json_array_get(json_object_get(est, "parts"), i), "net_cents"); }


static void spill(const char *path, const char *buf, size_t len)
{
    assert_int_equal(ev_spill(path, buf, len), 0);
}

static void golden(const char *name, const char *buf, size_t len)
{
    char why[400];
    if (ev_golden(GOLDEN_DIR, name, buf, len, why, sizeof why) != 0) fail_msg("%s", why);
}

/* Fetches a document's UBL; keeps it for the validator (keep) and compares
 * it with its golden file (gold). Returns the XML (caller frees). */
static char *fetch_ubl(int64_t id, const char *name, int keep, int gold)
{
    char path[96], file[160];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/ubl", (long long)id);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    if (r.status != 200) fail_msg("%s: %ld %s", path, r.status, r.body);
    assert_non_null(strstr(r.headers, "Content-Type: application/xml"));
    if (keep) {
        assert_true(g_ndocs < MAX_DOCS);
        snprintf(file, sizeof file, "%s/%s.xml", g_dir, name);
        spill(file, r.body, r.len);
        g_docs[g_ndocs++] = strdup(file);
    }
    if (gold) {
        snprintf(file, sizeof file, "%s.xml", name);
        golden(file, r.body, r.len);
    }
    char *xml = r.body;
    r.body = NULL;
    hx_free(&r);
    return xml;
}

static json_t *get_invoice(int64_t id, const char *tok, long want)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)id);
    return call("GET", path, tok, NULL, want);
}

/* ---- October: the bookings ---- */

static const char PEAK_WINDOWS[] = "\"peak_windows\":[{\"days\":\"mon-fri\",\"from\":\"08:00\",\"to\":\"18:00\"}]";

static void test_setup_and_bookings(void **st)
{
    char body[600];
    sign_in_people();
    new_tenant(TA, "Tijdwerk B.V.", "\"kvk_number\":\"10000001\"");
    new_tenant(TB, "Afronding B.V.", "\"kvk_number\":\"10000002\"");
    new_tenant(TC, "Annulering B.V.", "\"kvk_number\":\"10000003\"");
    new_tenant(TD, "Gebruik B.V.", "\"kvk_number\":\"10000004\"");
    new_tenant(TE, "Mediwave BV", "\"vat_number\":\"BE0412345614\",\"country\":\"BE\",\"rate_tier\":\"corporate\","
               "\"language\":\"en\"");
    tenant[TN] = 1;
    lab = create("/api/v1/resources", "{\"name\":\"Golden lab\",\"kind\":\"lab\",\"max_minutes\":1440,\"max_advance_days\":365}");
    cabinet = create("/api/v1/resources", "{\"name\":\"Golden cabinet\",\"kind\":\"equipment\",\"max_advance_days\":365}");
    bench = create("/api/v1/resources", "{\"name\":\"Rounding bench\",\"kind\":\"equipment\",\"max_advance_days\":365}");
    /* 90.00 peak (Mon-Fri 08-18), 60.00 off-peak, 15-minute increments */
    snprintf(body, sizeof body, "{\"name\":\"Golden lab\",\"resource_id\":%lld,\"effective_from\":\"2026-01-01\","
             "\"peak_cents_per_hour\":9000,\"offpeak_cents_per_hour\":6000,%s,\"round_minutes\":15,"
             "\"reverse_charge\":true}", (long long)lab, PEAK_WINDOWS);
    lab_plan = create("/api/v1/rate-plans", body);
    snprintf(body, sizeof body, "{\"name\":\"Golden cabinet\",\"resource_id\":%lld,\"effective_from\":\"2026-01-01\","
             "\"peak_cents_per_hour\":9000,\"offpeak_cents_per_hour\":6000,%s,\"round_minutes\":15}",
             (long long)cabinet, PEAK_WINDOWS);
    create("/api/v1/rate-plans", body);
    snprintf(body, sizeof body, "{\"name\":\"Rounding bench\",\"resource_id\":%lld,\"effective_from\":\"2026-01-01\","
             "\"peak_cents_per_hour\":5000,\"round_minutes\":15}", (long long)bench);
    create("/api/v1/rate-plans", body);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/resources/%lld/billing-policy", (long long)lab);
    json_decref(call("PUT", path, staff, "{\"basis\":\"booked\",\"free_cancel_hours\":24,\"cancel_fee_kind\":\"percent\","
                     "\"cancel_fee_amount\":5000,\"no_show_fee_kind\":\"fixed\",\"no_show_fee_amount\":2500}", 200));
    snprintf(path, sizeof path, "/api/v1/resources/%lld/billing-policy", (long long)cabinet);
    json_decref(call("PUT", path, staff, "{\"basis\":\"actual\"}", 200));

    est_straddle = estimate(staff, TA, lab, "2026-10-05T16:30:00+02:00", "2026-10-05T19:30:00+02:00", 200);
    est_dst = estimate(staff, TA, lab, "2026-10-24T20:00:00+02:00", "2026-10-25T08:00:00+01:00", 200);
    a_straddle = book(TA, lab, "2026-10-05T16:30:00+02:00", "2026-10-05T19:30:00+02:00");
    a_before = book(TA, lab, "2026-10-12T09:00:00+02:00", "2026-10-12T10:00:00+02:00");
    a_after = book(TA, lab, "2026-10-19T09:00:00+02:00", "2026-10-19T10:00:00+02:00");
    a_dst = book(TA, lab, "2026-10-24T20:00:00+02:00", "2026-10-25T08:00:00+01:00");
    for (int i = 0; i < 3; i++) {
        char s[40], e[40];
        snprintf(s, sizeof s, "2026-10-%02dT09:00:00+02:00", 6 + i);
        snprintf(e, sizeof e, "2026-10-%02dT09:15:00+02:00", 6 + i);
        b_q[i] = book(TB, bench, s, e);
    }
    c_late = book(TC, lab, "2026-10-13T10:00:00+02:00", "2026-10-13T12:00:00+02:00");
    c_free = book(TC, lab, "2026-10-14T10:00:00+02:00", "2026-10-14T12:00:00+02:00");
    c_gone = book(TC, lab, "2026-10-16T09:00:00+02:00", "2026-10-16T11:00:00+02:00");
    d_long = book(TD, cabinet, "2026-10-20T09:00:00+02:00", "2026-10-20T11:00:00+02:00");
    d_short = book(TD, cabinet, "2026-10-22T13:00:00+02:00", "2026-10-22T17:00:00+02:00");
    e_rc = book(TE, lab, "2026-10-27T10:00:00+01:00", "2026-10-27T12:00:00+01:00");
    /* NovaCell's own people book too (and will not come) */
    json_t *me = call("GET", "/api/v1/me", admin_a, NULL, 200), *mm = call("GET", "/api/v1/me", member_a, NULL, 200);
    person[TN] = jint(mm, "id");
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-09T14:00:00+02:00\","
             "\"end\":\"2026-10-09T15:00:00+02:00\"}", (long long)lab);
    json_decref(call("POST", "/api/v1/reservations", member_a, body, 201));
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-10-09T15:00:00+02:00\","
             "\"end\":\"2026-10-09T16:00:00+02:00\",\"person_id\":%lld}", (long long)lab, (long long)jint(me, "id"));
    json_decref(call("POST", "/api/v1/reservations", admin_a, body, 201));
    json_decref(me);
    json_decref(mm);

    /* charges exist as soon as the bookings do, priced as booked, as estimated */
    assert_int_equal(charge_net(TA, a_straddle, NULL), 13500 + 9000);
    assert_int_equal(jint(est_straddle, "net_cents"), 13500 + 9000);
    assert_int_equal(jint(est_dst, "net_cents"), charge_net(TA, a_dst, NULL));
    assert_int_equal(charge_net(TA, a_dst, NULL), 13 * 6000);    /* the long night: 13 h */
    assert_int_equal(charge_net(TA, a_after, NULL), 9000);
    /* a price change from the 15th: later bookings follow, earlier ones keep theirs */
    snprintf(path, sizeof path, "/api/v1/rate-plans/%lld/versions", (long long)lab_plan);
    json_t *v2 = call("POST", path, staff, "{\"effective_from\":\"2026-10-15\",\"peak_cents_per_hour\":12000}", 201);
    assert_int_equal(jint(v2, "offpeak_cents_per_hour"), 6000);
    assert_int_equal(jint(v2, "previous_id"), lab_plan);
    json_decref(v2);
    assert_int_equal(charge_net(TA, a_before, NULL), 9000);
    assert_int_equal(charge_net(TA, a_after, NULL), 12000);
    assert_int_equal(charge_net(TE, e_rc, NULL), 24000);
}

/* ---- estimates: shown before booking, from billing's own code ---- */

static void test_estimates(void **st)
{
    /* the straddle: 1.5 h peak at 90.00 and 1.5 h off-peak at 60.00 */
    json_t *e = est_straddle, *parts = json_object_get(e, "parts");
    assert_true(json_is_true(json_object_get(e, "priced")));
    assert_int_equal(json_array_size(parts), 2);
    assert_string_equal(jstr(json_array_get(parts, 0), "part"), "peak");
    assert_string_equal(jstr(json_array_get(parts, 0), "quantity"), "1.5");
    assert_int_equal(part_net(e, 0), 13500);
    assert_int_equal(part_net(e, 1), 9000);
    assert_int_equal(jint(e, "vat_cents"), 4725);              /* a Dutch buyer: 21 % */
    assert_int_equal(jint(e, "gross_cents"), 27225);
    assert_string_equal(jstr(e, "basis"), "booked");
    assert_int_equal(jint(e, "free_cancel_hours"), 24);
    assert_string_equal(jstr(e, "cancel_free_until"), "2026-10-04T16:30:00+02:00");
    assert_int_equal(jint(e, "late_cancel_cents"), 11250);     /* 50 % of the booked price */
    assert_int_equal(jint(e, "no_show_cents"), 2500);
    assert_int_equal(jint(e, "early_checkin_cents"), 0);       /* the booked basis: early minutes are free */
    assert_true(json_is_null(json_object_get(e, "reservation_id")));
    /* the same booking as a reservation: the same figures, free to cancel today */
    json_t *r = rsv_estimate(staff, a_straddle, 200);
    assert_int_equal(jint(r, "net_cents"), jint(e, "net_cents"));
    assert_int_equal(jint(r, "reservation_id"), a_straddle);
    assert_true(json_is_true(json_object_get(r, "cancellable")));
    assert_int_equal(jint(r, "cancel_now_cents"), 0);
    json_decref(r);
    /* the cabinet bills actual use: checking in 15 minutes early (peak) adds 22.50 */
    json_t *cab = estimate(staff, TD, cabinet, "2026-10-20T09:00:00+02:00", "2026-10-20T11:00:00+02:00", 200);
    assert_string_equal(jstr(cab, "basis"), "actual");
    assert_int_equal(jint(cab, "early_checkin_min"), 15);
    assert_int_equal(jint(cab, "early_checkin_cents"), 2250);
    assert_int_equal(jint(cab, "net_cents"), charge_net(TD, d_long, NULL));
    json_decref(cab);
    /* a member's estimate is for their own tenant; naming another is not found */
    json_t *m = call("GET", "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T15:00:00Z",
                     member_a, NULL, 200);
    assert_int_equal(jint(m, "tenant_id"), 1);
    json_decref(m);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T15:00:00Z"
                               "&tenant_id=2", member_a, NULL), 404);
    /* reservations: members their own, admins their tenant's, nobody another tenant's */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/estimate", (long long)a_straddle);
    assert_int_equal(hx_status(&S, "GET", path, admin_b, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 404);
    /* prices: every resource with the plan in force for the tenant */
    json_t *pr = call("GET", "/api/v1/prices", member_a, NULL, 200), *one;
    size_t i;
    int seen = 0;
    json_array_foreach(json_object_get(pr, "prices"), i, one)
        if (jint(one, "resource_id") == lab) {
            seen = 1;
            assert_int_equal(jint(json_object_get(one, "plan"), "peak_cents_per_hour"), 9000);
            assert_int_equal(jint(json_object_get(one, "policy"), "cancel_fee_amount"), 5000);
        }
    assert_true(seen);
    json_decref(pr);
    /* bad input of every kind: 400 or 404, nothing else */
    static const struct { const char *q; long want; } BAD[] = {
        { "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z", 400 },
        { "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T13:00:00Z", 400 },
        { "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T14:00:00Z", 400 },
        { "/api/v1/resources/1/estimate?start=yesterday&end=2026-10-09T15:00:00Z", 400 },
        { "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=", 400 },
        { "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2028-10-09T14:00:00Z", 400 },
        { "/api/v1/resources/999999/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T15:00:00Z", 404 },
        { "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T15:00:00Z&tenant_id=x", 400 },
        { "/api/v1/reservations/999999/estimate", 404 },
        { "/api/v1/prices?tenant_id=-1", 400 },
    };
    for (size_t b = 0; b < sizeof BAD / sizeof BAD[0]; b++)
        if (hx_status(&S, "GET", BAD[b].q, member_a, NULL) != BAD[b].want) fail_msg("%s: not %ld", BAD[b].q, BAD[b].want);
    /* staff have no tenant of their own: they name one */
    assert_int_equal(hx_status(&S, "GET", "/api/v1/resources/1/estimate?start=2026-10-09T14:00:00Z&end=2026-10-09T15:00:00Z",
                               staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/prices?tenant_id=999999", staff, NULL), 404);
}

static void test_member_and_admin_views(void **st)
{
    json_t *mine = call("GET", "/api/v1/charges?period=2026-10", member_a, NULL, 200);
    json_t *arr = json_object_get(mine, "charges");
    assert_int_equal(json_array_size(arr), 1);                /* their own usage only */
    assert_int_equal(jint(json_array_get(arr, 0), "person_id"), person[TN]);
    json_decref(mine);
    json_t *all = call("GET", "/api/v1/charges?period=2026-10", admin_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(all, "charges")), 2);
    json_decref(all);
    json_t *sum = call("GET", "/api/v1/billing/summary?period=2026-10", admin_a, NULL, 200);
    assert_int_equal(jint(sum, "pending_cents"), 18000);
    assert_int_equal(jint(sum, "recurring_cents"), 25000);    /* the demo membership */
    assert_int_equal(jint(sum, "net_cents"), 43000);
    assert_int_equal(jint(sum, "tax_cents"), 9030);
    json_decref(sum);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/billing/summary", member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/invoices", member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/charges?tenant_id=1", admin_b, NULL), 404);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/charges", admin_a,
                               "{\"tenant_id\":1,\"amount_cents\":-100,\"description\":\"x\",\"reason\":\"y\"}"), 403);
    json_t *pol = call("GET", "/api/v1/resources/1/billing-policy", member_a, NULL, 200);
    assert_string_equal(jstr(pol, "basis"), "max");           /* demo labs: the larger of booked and used */
    json_decref(pol);
}

/* ---- October: the month happens ---- */

static void test_the_month(void **st)
{
    use(a_straddle, "2026-10-05T16:31:00+02:00", "2026-10-05T19:30:00+02:00");
    for (int i = 0; i < 3; i++) {
        char in[40], out[40];
        snprintf(in, sizeof in, "2026-10-%02dT09:00:00+02:00", 6 + i);
        snprintf(out, sizeof out, "2026-10-%02dT09:15:00+02:00", 6 + i);
        use(b_q[i], in, out);
    }
    use(a_before, "2026-10-12T09:00:00+02:00", "2026-10-12T10:00:00+02:00");
    clock_to("2026-10-12T10:01:00+02:00");
    json_t *now = rsv_estimate(staff, c_late, 200);            /* what the cancel dialog says */
    assert_int_equal(jint(now, "cancel_now_cents"), 9000);
    json_decref(now);
    rsv_post(c_late, "cancel", "2026-10-12T10:01:00+02:00");    /* 23 h 59 before: the fee */
    clock_to("2026-10-13T09:59:00+02:00");
    now = rsv_estimate(staff, c_free, 200);
    assert_int_equal(jint(now, "cancel_now_cents"), 0);
    json_decref(now);
    rsv_post(c_free, "cancel", "2026-10-13T09:59:00+02:00");    /* 24 h 01 before: free */
    now = rsv_estimate(staff, c_late, 200);                     /* cancelled: nothing more to cancel */
    assert_false(json_is_true(json_object_get(now, "cancellable")));
    assert_true(json_is_null(json_object_get(now, "cancel_now_cents")));
    json_decref(now);
    clock_to("2026-10-16T11:30:00+02:00");
    json_decref(call("POST", "/api/v1/maintenance/run", staff, NULL, 200));   /* no-shows */
    use(a_after, "2026-10-19T09:00:00+02:00", "2026-10-19T10:00:00+02:00");
    use(d_long, "2026-10-20T09:00:00+02:00", "2026-10-20T11:10:00+02:00");   /* 10 min over */
    use(d_short, "2026-10-22T13:10:00+02:00", "2026-10-22T15:00:00+02:00");  /* left early */
    use(a_dst, "2026-10-24T20:00:00+02:00", "2026-10-25T08:00:00+01:00");
    use(e_rc, "2026-10-27T10:00:00+01:00", "2026-10-27T12:00:00+01:00");
    char kind[16] = "";
    assert_int_equal(charge_net(TC, c_late, kind), 9000);
    assert_string_equal(kind, "cancellation");
    assert_int_equal(charge_net(TC, c_free, NULL), -1);
    assert_int_equal(charge_net(TC, c_gone, kind), 2500);
    assert_string_equal(kind, "no_show");
    assert_int_equal(charge_net(TD, d_long, NULL), 20250);     /* 2 h 15 billed */
    assert_int_equal(charge_net(TD, d_short, NULL), 18000);    /* 2 h billed */
}

/* ---- November: the run ---- */

static const struct { int k; const char *golden; int64_t net, tax, payable; } EXPECT[] = {
    { TN, "novacell", 80000, 16800, 96800 },      /* membership Aug-Oct, two no-shows */
    { TA, "peak_dst_price_change", 121500, 25515, 147015 },
    { TB, "vat_per_rate", 3750, 788, 4538 },      /* per line it would be 789 */
    { TC, "cancellations_noshow", 11500, 2415, 13915 },
    { TD, "actual_use", 38250, 8033, 46283 },
    { TE, "reverse_charge_0pct", 24000, 0, 24000 },
};

static void test_run_october(void **st)
{
    clock_to("2026-11-02T09:00:00+01:00");
    assert_int_equal(hx_status(&S, "POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-11\"}"), 422);
    json_t *run = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-10\"}", 200);
    json_t *created = json_object_get(run, "created"), *v;
    size_t i;
    assert_int_equal(json_array_size(created), 6);
    assert_int_equal(json_array_size(json_object_get(run, "skipped")), 0);
    json_array_foreach(created, i, v)
        for (int k = 0; k < NT; k++)
            if (jint(v, "tenant_id") == tenant[k]) invoice[k] = jint(v, "id");
    json_decref(run);
    for (size_t e = 0; e < sizeof EXPECT / sizeof EXPECT[0]; e++) {
        char want[16];
        json_t *inv = get_invoice(invoice[EXPECT[e].k], staff, 200);
        snprintf(want, sizeof want, "2026-%04zu", e + 1);
        assert_string_equal(jstr(inv, "number"), want);
        assert_string_equal(jstr(inv, "issue_date"), "2026-11-02");
        assert_string_equal(jstr(inv, "due_date"), "2026-12-02");
        assert_int_equal(jint(inv, "line_extension_cents"), EXPECT[e].net);
        assert_int_equal(jint(inv, "tax_cents"), EXPECT[e].tax);
        assert_int_equal(jint(inv, "payable_cents"), EXPECT[e].payable);
        json_decref(inv);
        free(fetch_ubl(invoice[EXPECT[e].k], EXPECT[e].golden, 1, 1));
    }
    /* the DST night is one 13-hour line; the straddle is split at 18:00 */
    json_t *a = get_invoice(invoice[TA], staff, 200), *lines = json_object_get(a, "lines");
    assert_int_equal(json_array_size(lines), 5);
    assert_string_equal(jstr(json_array_get(lines, 0), "name"), "Golden lab, piekuren");
    assert_string_equal(jstr(json_array_get(lines, 0), "quantity"), "1.5");
    assert_string_equal(jstr(json_array_get(lines, 1), "name"), "Golden lab, daluren");
    assert_string_equal(jstr(json_array_get(lines, 4), "quantity"), "13");
    assert_int_equal(jint(json_array_get(lines, 3), "price_cents"), 12000);
    /* the invoice lines are what the estimates said before anything was booked */
    assert_int_equal(jint(json_array_get(lines, 0), "net_cents"), part_net(est_straddle, 0));
    assert_int_equal(jint(json_array_get(lines, 1), "net_cents"), part_net(est_straddle, 1));
    assert_int_equal(jint(json_array_get(lines, 4), "net_cents"), jint(est_dst, "net_cents"));
    json_decref(a);
    /* a second run adds nothing */
    json_t *again = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-10\"}", 200);
    assert_int_equal(json_array_size(json_object_get(again, "created")), 0);
    json_decref(again);
    assert_int_equal(hx_count(&S, "invoices"), 6);
}

static void test_invoice_isolation(void **st)
{
    char path[96];
    sign_in_people();
    const char *sub[] = { "", "/ubl", "/html" };
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/v1/invoices/%lld%s", (long long)invoice[TN], sub[i]);
        assert_int_equal(hx_status(&S, "GET", path, admin_b, NULL), 404);
        assert_int_equal(hx_status(&S, "GET", path, admin_a, NULL), 200);
        assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 403);
    }
    json_t *list = call("GET", "/api/v1/invoices", admin_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "invoices")), 1);
    json_decref(list);
    list = call("GET", "/api/v1/invoices", admin_b, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "invoices")), 0);
    json_decref(list);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/invoices?tenant_id=1", admin_b, NULL), 404);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/payments", (long long)invoice[TN]);
    assert_int_equal(hx_status(&S, "POST", path, admin_a, "{\"amount_cents\":100}"), 403);
}

static void test_price_change_never_touches_invoices(void **st)
{
    char *before = fetch_ubl(invoice[TA], "peak_dst_price_change-again", 0, 0);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/rate-plans/%lld/versions", (long long)lab_plan);
    json_decref(call("POST", path, staff, "{\"effective_from\":\"2026-10-02\",\"peak_cents_per_hour\":20000}", 201));
    assert_int_equal(charge_net(TA, a_straddle, NULL), 13500 + 9000);
    assert_int_equal(charge_net(TA, a_after, NULL), 12000);
    char *after = fetch_ubl(invoice[TA], "peak_dst_price_change-after", 0, 0);
    assert_string_equal(before, after);                           /* byte for byte */
    free(before);
    free(after);
}

static void test_credit_note(void **st)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/credit-note", (long long)invoice[TA]);
    json_t *cn = call("POST", path, staff, "{\"reason\":\"One night hour of the DST booking was not used\","
                      "\"lines\":[{\"line\":5,\"amount_cents\":6000}]}", 201);
    assert_string_equal(jstr(cn, "number"), "CN-2026-0001");
    assert_string_equal(jstr(cn, "kind"), "credit_note");
    assert_string_equal(jstr(cn, "corrects_number"), "2026-0002");
    assert_int_equal(jint(cn, "payable_cents"), 7260);
    free(fetch_ubl(jint(cn, "id"), "credit_note", 1, 1));
    json_decref(cn);
    json_t *inv = get_invoice(invoice[TA], staff, 200);
    assert_int_equal(jint(inv, "credited_cents"), 7260);
    assert_int_equal(json_array_size(json_object_get(inv, "credit_notes")), 1);
    json_decref(inv);
    /* line 5 had 780.00; 720.00 is left */
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"reason\":\"x\",\"lines\":[{\"line\":5,\"amount_cents\":72001}]}"), 400);
}

static void test_payments_and_overdue(void **st)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/payments", (long long)invoice[TB]);
    json_t *p = call("POST", path, staff, "{\"amount_cents\":2000,\"reference\":\"bank 1\"}", 201);
    assert_string_equal(jstr(p, "payment_status"), "partly_paid");
    json_decref(p);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"amount_cents\":2539}"), 422);
    p = call("POST", path, staff, "{\"amount_cents\":2538,\"paid_on\":\"2026-11-20\"}", 201);
    assert_string_equal(jstr(p, "payment_status"), "paid");
    assert_int_equal(jint(p, "balance_cents"), 0);
    assert_int_equal(json_array_size(json_object_get(p, "payments")), 2);
    json_decref(p);
    clock_to("2026-12-03T09:00:00+01:00");
    json_t *od = call("GET", "/api/v1/invoices?status=overdue", staff, NULL, 200), *v;
    size_t i;
    assert_int_equal(json_array_size(json_object_get(od, "invoices")), 5);   /* all but the paid one */
    json_array_foreach(json_object_get(od, "invoices"), i, v) assert_int_not_equal(jint(v, "id"), invoice[TB]);
    json_decref(od);
}

static void test_csv_and_html(void **st)
{
    hx_resp r;
    char path[96];
    sign_in_people();
    json_decref(call("POST", "/api/v1/charges", staff, "{\"tenant_id\":3,\"amount_cents\":-500,\"description\":"
                     "\"=HYPERLINK(\\\"http://x\\\"),\\\"hi\\\"\",\"reason\":\"goodwill\",\"date\":\"2026-10-30\"}", 201));
    assert_int_equal(hx_req(&S, "GET", "/api/v1/charges.csv?period=2026-10", staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "text/csv"));
    assert_int_equal(strncmp(r.body, "charge_id,date,tenant_id,tenant,", 32), 0);
    assert_non_null(strstr(r.body, ",\"'=HYPERLINK(\"\"http://x\"\"),\"\"hi\"\"\","));
    assert_non_null(strstr(r.body, ",-5.00,S,21,\r\n"));
    assert_null(strstr(r.body, ",=HYPERLINK"));
    for (const char *p = r.body; (p = strchr(p, '\n')) != NULL; p++) assert_int_equal(p[-1], '\r');
    hx_free(&r);
    assert_int_equal(hx_req(&S, "GET", "/api/v1/charges.csv?period=2026-10", member_a, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "Tijdwerk"));                   /* members: their own usage */
    hx_free(&r);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/html", (long long)invoice[TA]);
    assert_int_equal(hx_req(&S, "GET", path, admin_a, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    hx_free(&r);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "text/html"));
    assert_non_null(strstr(r.headers, "style-src 'sha256-"));
    assert_non_null(strstr(r.body, "<html lang=\"nl\">"));
    assert_non_null(strstr(r.body, "2026-0002"));
    assert_null(strstr(r.body, "<script"));
    hx_free(&r);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/html?lang=en", (long long)invoice[TE]);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<html lang=\"en\">"));
    assert_non_null(strstr(r.body, "Reverse charge"));
    hx_free(&r);
}

/* ---- one source: the UBL, HTML, PDF and CSV of an invoice agree ---- */

/* GET path as tok; must answer 200 with Content-Type type. Caller frees. */
static char *get_raw(const char *path, const char *tok, const char *type, size_t *len)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", path, tok, NULL, NULL, &r), 0);
    if (r.status != 200) fail_msg("%s: %ld %.300s", path, r.status, r.body);
    if (!strstr(r.headers, type)) fail_msg("%s: not %s: %s", path, type, r.headers);
    char *body = r.body;
    *len = r.len;
    r.body = NULL;
    hx_free(&r);
    return body;
}

static char *get_doc(int64_t id, const char *what, const char *type, size_t *len)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/%s", (long long)id, what);
    return get_raw(path, staff, type, len);
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += k) n++;
    return n;
}

/* An amount as the documents for people write it (invtext.c), the no-break
 * space after the euro sign written as a space. */
static void money_for(int64_t cents, const char *lang, char out[64])
{
    int nl = strcmp(lang, "nl") == 0;
    char digits[32], grouped[48];
    long long a = cents < 0 ? -cents : cents;
    int n = snprintf(digits, sizeof digits, "%lld", a / 100), o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) grouped[o++] = nl ? '.' : ',';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    snprintf(out, 64, "%s\xE2\x82\xAC%s%s%c%02lld", cents < 0 ? "-" : "", nl ? " " : "", grouped, nl ? ',' : '.', a % 100);
}

static void amount(int64_t cents, char out[32])
{
    long long a = cents < 0 ? -cents : cents;
    snprintf(out, 32, "%s%lld.%02lld", cents < 0 ? "-" : "", a / 100, a % 100);
}

/* Replaces each no-break space (U+00A0) with a space, in place. */
static void nbsp_to_space(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) { *o++ = ' '; p += 2; }
        else *o++ = *p++;
    }
    *o = '\0';
}

/* The text of a PDF by pdftotext (poppler-utils); caller frees. */
static char *pdf_text(const char *pdf, size_t len, const char *name)
{
    char in[200], out[200], cmd[500];
    snprintf(in, sizeof in, "%s/%s.pdf", g_dir, name);
    snprintf(out, sizeof out, "%s/%s.txt", g_dir, name);
    spill(in, pdf, len);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' '%s' 2>&1", in, out);
    if (system(cmd) != 0) fail_msg("pdftotext could not read %s (poppler-utils is a test dependency)", in);
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    char *txt = calloc(1, 1 << 20);
    size_t n = fread(txt, 1, (1 << 20) - 1, f);
    fclose(f);
    txt[n] = '\0';
    unlink(in);
    unlink(out);
    nbsp_to_space(txt);
    return txt;
}

/* The CSV cell of s as bill_csv_text writes it (quoted when it holds , or "). */
static void csv_cell(const char *s, char *out, size_t cap)
{
    if (!strpbrk(s, ",\"\r\n")) { snprintf(out, cap, "%s", s); return; }
    size_t o = 0;
    out[o++] = '"';
    for (; *s && o + 3 < cap; s++) {
        if (*s == '"') out[o++] = '"';
        out[o++] = *s;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* The CSV row that starts with prefix (NULL when none), as its own string. */
static char *csv_row(const char *csv, const char *prefix)
{
    const char *p = csv;
    size_t k = strlen(prefix);
    while (p && *p) {
        if (strncmp(p, prefix, k) == 0) {
            const char *e = strstr(p, "\r\n");
            return strndup(p, e ? (size_t)(e - p) : strlen(p));
        }
        p = strstr(p, "\r\n");
        if (p) p += 2;
    }
    return NULL;
}

static const char *const PAYABLE[] = { "Te betalen", "Amount due" };
static const char *const TOTAL_EXCL[] = { "Totaal excl. btw", "Total excl. VAT" };

/* Checks that the UBL, HTML, PDF text and CSV of invoice id carry the lines
 * and totals of its JSON (the stored document): each line's name as often
 * as the invoice has it, its net amount, and the totals. */
static void check_documents_agree(int64_t id, const char *lang)
{
    json_t *inv = get_invoice(id, staff, 200), *lines = json_object_get(inv, "lines"), *l;
    int en = strcmp(lang, "en") == 0;
    size_t nl = json_array_size(lines), i, len;
    char name[64];
    assert_string_equal(jstr(inv, "language"), lang);
    snprintf(name, sizeof name, "agree-%lld", (long long)id);
    const char *number = jstr(inv, "number");
    char *ubl = fetch_ubl(id, name, 0, 0);
    char *html = get_doc(id, "html", "text/html", &len);
    char *csv = get_doc(id, "csv", "text/csv", &len);
    char *pdf = get_doc(id, "pdf", "application/pdf", &len);
    assert_memory_equal(pdf, "%PDF-", 5);
    char *txt = pdf_text(pdf, len, name);
    nbsp_to_space(html);
    assert_int_equal(occurrences(ubl, "<cac:InvoiceLine>"), nl);
    assert_int_equal(occurrences(strstr(csv, "\r\n"), ",line,"), nl);   /* after the header row */
    assert_int_equal(occurrences(html, "<tr><td>"), nl + json_array_size(json_object_get(inv, "vat_breakdown")));
    json_array_foreach(lines, i, l) {
        const char *nm = jstr(l, "name");
        char tag[300], cell[300], prefix[400], m[64], a[32];
        size_t same = 0, k;
        json_t *o;
        json_array_foreach(lines, k, o) same += strcmp(jstr(o, "name"), nm) == 0;
        snprintf(tag, sizeof tag, "<cbc:Name>%s</cbc:Name>", nm);
        assert_int_equal(occurrences(ubl, tag), same);
        snprintf(tag, sizeof tag, "<tr><td>%s<", nm);
        assert_int_equal(occurrences(html, tag), same);
        assert_true(occurrences(txt, nm) >= same);
        money_for(jint(l, "net_cents"), lang, m);
        amount(jint(l, "net_cents"), a);
        assert_non_null(strstr(html, m));
        if (!strstr(txt, m)) fail_msg("the PDF of %s lacks %s (line %zu)", number, m, i + 1);
        snprintf(tag, sizeof tag, "<cbc:LineExtensionAmount currencyID=\"EUR\">%s</cbc:LineExtensionAmount>", a);
        assert_non_null(strstr(ubl, tag));
        csv_cell(nm, cell, sizeof cell);
        snprintf(prefix, sizeof prefix, "%s,line,%zu,%s,", number, i + 1, cell);
        char *row = csv_row(csv, prefix);
        if (!row) fail_msg("the CSV of %s has no row %s", number, prefix);
        snprintf(tag, sizeof tag, ",%s,%s,", a, jstr(l, "vat_category"));
        if (!strstr(row, tag)) fail_msg("CSV row %s lacks %s", row, tag);
        const char *desc = jstr(l, "description");
        if (desc && *desc) {
            csv_cell(desc, cell, sizeof cell);
            assert_non_null(strstr(row, cell));
            assert_non_null(strstr(txt, desc));
            assert_non_null(strstr(ubl, desc));
        }
        free(row);
    }
    const struct { const char *ubl, *label; int64_t cents; } T[] = {
        { "PayableAmount", PAYABLE[en], jint(inv, "payable_cents") },
        { "LineExtensionAmount", TOTAL_EXCL[en], jint(inv, "line_extension_cents") } };
    for (size_t t = 0; t < 2; t++) {
        char tag[200], m[64], a[32], prefix[200];
        amount(T[t].cents, a);
        money_for(T[t].cents, lang, m);
        snprintf(tag, sizeof tag, "<cbc:%s currencyID=\"EUR\">%s</cbc:%s>", T[t].ubl, a, T[t].ubl);
        assert_non_null(strstr(ubl, tag));
        assert_non_null(strstr(html, m));
        assert_non_null(strstr(txt, T[t].label));
        assert_non_null(strstr(txt, m));
        snprintf(prefix, sizeof prefix, "%s,total,,%s,", number, T[t].label);
        char *row = csv_row(csv, prefix);
        if (!row) fail_msg("the CSV of %s has no row %s", number, prefix);
        snprintf(tag, sizeof tag, ",%s,", a);
        assert_non_null(strstr(row, tag));
        free(row);
    }
    char a[32], tag[200];
    amount(jint(inv, "tax_cents"), a);
    snprintf(tag, sizeof tag, "<cbc:TaxAmount currencyID=\"EUR\">%s</cbc:TaxAmount>", a);
    assert_non_null(strstr(ubl, tag));
    /* what a finance department files */
    assert_non_null(strstr(txt, number));
    assert_non_null(strstr(txt, jstr(inv, "buyer_name")));
    json_t *site = call("GET", "/api/v1/site", staff, NULL, 200);
    assert_non_null(strstr(txt, jstr(site, "iban")));
    assert_non_null(strstr(txt, jstr(site, "vat_number")));
    assert_non_null(strstr(txt, jstr(site, "legal_name")));
    json_decref(site);
    assert_non_null(strstr(txt, en ? "Invoice" : "Factuur"));
    assert_non_null(strstr(txt, en ? "Due date" : "Vervaldatum"));
    json_decref(inv);
    free(ubl); free(html); free(csv); free(pdf); free(txt);
}

static void test_documents_agree(void **st)
{
    check_documents_agree(invoice[TA], "nl");   /* peak and off-peak, the DST night */
    check_documents_agree(invoice[TN], "nl");   /* three monthly fees, no-shows */
    check_documents_agree(invoice[TC], "nl");   /* cancellation and no-show fees */
    check_documents_agree(invoice[TE], "en");   /* the tenant's language: English, reverse charge */
    /* the monthly fees are on the CSV, named as on the invoice, with their month */
    size_t len;
    char *csv = get_doc(invoice[TN], "csv", "text/csv", &len);
    assert_non_null(strstr(csv, ",oktober 2026,2026-10-01,2026-10-31,"));
    assert_null(strstr(csv, "tenant_id"));
    free(csv);
    json_t *e = get_invoice(invoice[TE], staff, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(e, "lines"), 0), "description"), "27 October 2026, 10:00-12:00");
    json_decref(e);
    /* the tenant admin downloads their own invoice; another tenant's is 404, members 403 */
    char path[96];
    sign_in_people();
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/pdf", (long long)invoice[TN]);
    free(get_raw(path, admin_a, "application/pdf", &len));
    assert_int_equal(hx_status(&S, "GET", path, admin_b, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 403);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/csv", (long long)invoice[TN]);
    free(get_raw(path, admin_a, "text/csv", &len));
    assert_int_equal(hx_status(&S, "GET", path, admin_b, NULL), 404);
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/pdf?lang=de", (long long)invoice[TN]);
    assert_int_equal(hx_status(&S, "GET", path, staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/invoices/999999/pdf", staff, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/invoices/999999/csv", staff, NULL), 404);
    /* a tenant's language: nl, en or empty (the site's); anything else 400 */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld", (long long)tenant[TD]);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, "{\"language\":\"de\"}"), 400);
    json_t *t = call("GET", path, staff, NULL, 200);
    assert_string_equal(jstr(t, "language"), "");
    json_decref(t);
}

/* ---- bad input: a 4xx problem and nothing changed ---- */

static const char *const TABLES[] = { "rate_plans", "rate_plan_windows", "billing_policies", "charges",
                                      "invoices", "invoice_lines", "payments", "recurring_fees" };

static void test_bad_input_changes_nothing(void **st)
{
    char inv[80], pay[96], cn[96], pol[96], ver[96];
    snprintf(inv, sizeof inv, "/api/v1/invoices/%lld", (long long)invoice[TC]);
    snprintf(pay, sizeof pay, "%s/payments", inv);
    snprintf(cn, sizeof cn, "%s/credit-note", inv);
    snprintf(pol, sizeof pol, "/api/v1/resources/%lld/billing-policy", (long long)lab);
    snprintf(ver, sizeof ver, "/api/v1/rate-plans/%lld/versions", (long long)lab_plan);
    const struct { const char *method, *path, *body; long status; } BAD[] = {
        { "POST", "/api/v1/rate-plans", "{}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-02-30\",\"peak_cents_per_hour\":1}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":-1}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,\"colour\":1}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,"
                                        "\"peak_windows\":[{\"days\":\"mon-fri\",\"from\":\"18:00\",\"to\":\"08:00\"}]}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,"
                                        "\"peak_windows\":[\"mon\"]}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,\"vat_category\":\"E\"}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,\"vat_category\":\"AE\"}", 400 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,\"resource_id\":999999}", 404 },
        { "POST", "/api/v1/rate-plans", "{\"name\":\"x\",\"effective_from\":\"2026-12-01\",\"peak_cents_per_hour\":1,\"tier\":\"gold\"}", 400 },
        { "POST", ver, "{\"effective_from\":\"2025-06-01\"}", 400 },
        { "POST", ver, "{\"effective_from\":\"2026-10-15\"}", 409 },
        { "PUT", pol, "{\"basis\":\"sometimes\"}", 400 },
        { "PUT", pol, "{\"basis\":\"booked\",\"cancel_fee_kind\":\"percent\",\"cancel_fee_amount\":20000}", 400 },
        { "PUT", "/api/v1/resources/999999/billing-policy", "{\"basis\":\"booked\"}", 404 },
        { "POST", "/api/v1/invoices/run", "{}", 400 },
        { "POST", "/api/v1/invoices/run", "{\"period\":\"2026-13\"}", 400 },
        { "POST", "/api/v1/invoices/run", "{\"period\":\"2027-01\"}", 422 },
        { "POST", "/api/v1/invoices/run", "[1,2]", 400 },
        { "POST", "/api/v1/invoices/run", "{\"period\":", 400 },
        { "POST", "/api/v1/charges", "{\"tenant_id\":3,\"amount_cents\":0,\"description\":\"x\",\"reason\":\"y\"}", 400 },
        { "POST", "/api/v1/charges", "{\"tenant_id\":3,\"amount_cents\":100,\"description\":\"x\"}", 400 },
        { "POST", "/api/v1/charges", "{\"tenant_id\":99999,\"amount_cents\":100,\"description\":\"x\",\"reason\":\"y\"}", 404 },
        { "POST", "/api/v1/charges", "{\"tenant_id\":3,\"amount_cents\":100,\"description\":\"x\",\"reason\":\"y\",\"date\":\"2026-02-30\"}", 400 },
        { "POST", "/api/v1/charges", "{\"tenant_id\":3,\"amount_cents\":100,\"description\":\"\\u0001\",\"reason\":\"y\"}", 400 },
        { "POST", "/api/v1/recurring-fees", "{\"tenant_id\":3,\"kind\":\"rent\",\"description\":\"x\",\"monthly_cents\":1,\"from_month\":\"2026-11\"}", 400 },
        { "POST", "/api/v1/recurring-fees", "{\"tenant_id\":3,\"kind\":\"bench\",\"description\":\"x\",\"monthly_cents\":1,\"from_month\":\"2020-01\"}", 400 },
        { "POST", pay, "{\"amount_cents\":-5}", 400 },
        { "POST", pay, "{\"amount_cents\":99999999}", 422 },
        { "POST", pay, "{\"amount_cents\":5,\"paid_on\":\"yesterday\"}", 400 },
        { "POST", cn, "{\"reason\":\"x\",\"lines\":[{\"line\":99}]}", 400 },
        { "POST", cn, "{\"reason\":\"x\",\"lines\":[{\"line\":1},{\"line\":1}]}", 400 },
        { "POST", cn, "{\"lines\":[]}", 400 },
        { "POST", "/api/v1/invoices/999999/credit-note", "{\"reason\":\"x\"}", 404 },
        { "POST", "/api/v1/invoices/999999/issue", NULL, 404 },
        { "DELETE", inv, NULL, 409 },
        { "GET", "/api/v1/charges?period=2026-1", NULL, 400 },
        { "GET", "/api/v1/charges?tenant_id=abc", NULL, 400 },
        { "GET", "/api/v1/invoices?status=lost", NULL, 400 },
    };
    int64_t before[sizeof TABLES / sizeof TABLES[0]];
    for (size_t t = 0; t < sizeof TABLES / sizeof TABLES[0]; t++) before[t] = hx_count(&S, TABLES[t]);
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        hx_resp r;
        assert_int_equal(hx_req(&S, BAD[i].method, BAD[i].path, staff, BAD[i].body, NULL, &r), 0);
        if (r.status != BAD[i].status)
            fail_msg("bad input %zu (%s %s): %ld, wanted %ld: %s", i, BAD[i].method, BAD[i].path, r.status,
                     BAD[i].status, r.body);
        assert_non_null(strstr(r.headers, "application/problem+json"));
        hx_free(&r);
    }
    snprintf(inv, sizeof inv, "/api/v1/invoices/%lld/html?lang=de", (long long)invoice[TC]);
    assert_int_equal(hx_status(&S, "GET", inv, staff, NULL), 400);
    for (size_t t = 0; t < sizeof TABLES / sizeof TABLES[0]; t++)
        if (hx_count(&S, TABLES[t]) != before[t]) fail_msg("table %s changed", TABLES[t]);
}

/* ---- parallel runs: numbers 1..N, no gaps, no duplicates ---- */

struct runner { const char *body; long status; };

static void *run_thread(void *p)
{
    struct runner *r = p;
    r->status = hx_status(&S, "POST", "/api/v1/invoices/run", staff, r->body);
    return NULL;
}

static void test_parallel_runs_gapless(void **st)
{
    char body[300];
    for (int i = 0; i < 20; i++) {
        snprintf(body, sizeof body, "{\"name\":\"Parallel %02d B.V.\",\"kvk_number\":\"200000%02d\",\"street\":\"Lane %d\","
                 "\"postal_code\":\"1000 AA\",\"city\":\"Delft\"}", i, i, i);
        int64_t t = create("/api/v1/tenants", body);
        snprintf(body, sizeof body, "{\"tenant_id\":%lld,\"amount_cents\":%d,\"description\":\"Consumables\","
                 "\"reason\":\"pipette tips\",\"date\":\"2026-11-05\"}", (long long)t, 1000 + i);
        json_decref(call("POST", "/api/v1/charges", staff, body, 201));
    }
    struct runner rs[16];
    pthread_t th[16];
    for (int i = 0; i < 16; i++) {
        rs[i] = (struct runner){ i % 4 == 3 ? "{\"period\":\"2026-10\"}" : "{\"period\":\"2026-11\"}", 0 };
        pthread_create(&th[i], NULL, run_thread, &rs[i]);
    }
    for (int i = 0; i < 16; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].status, 200);
    }
    json_t *list = call("GET", "/api/v1/invoices?kind=invoice", staff, NULL, 200), *v;
    json_t *arr = json_object_get(list, "invoices");
    size_t n = json_array_size(arr), i;
    int seen[128] = { 0 };
    assert_true(n >= 6 + 20 && n < 128);
    json_array_foreach(arr, i, v) {
        const char *num = jstr(v, "number");
        assert_non_null(num);
        assert_int_equal(strncmp(num, "2026-", 5), 0);
        int seq = atoi(num + 5);
        assert_true(seq >= 1 && seq <= (int)n);
        assert_int_equal(seen[seq]++, 0);
    }
    for (size_t k = 1; k <= n; k++) assert_int_equal(seen[k], 1);
    json_decref(list);
    /* one invoice per tenant and month */
    list = call("GET", "/api/v1/invoices?kind=invoice&period=2026-10", staff, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "invoices")), 6);
    json_decref(list);
}

/* ---- the draft run: drafts, exclude, refresh, issue all, then never edited ---- */

static int64_t adjust(int64_t t, int cents, const char *date)
{
    char body[300];
    snprintf(body, sizeof body, "{\"tenant_id\":%lld,\"amount_cents\":%d,\"description\":\"Consumables %d\","
             "\"reason\":\"pipette tips\",\"date\":\"%s\"}", (long long)t, cents, cents, date);
    return create("/api/v1/charges", body);
}

/* The draft or invoice of tenant t for period, from a run's created or refreshed list. */
static int64_t run_find(json_t *run, const char *key, int64_t t)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(run, key), i, v)
        if (jint(v, "tenant_id") == t) return jint(v, "id");
    return 0;
}

static int has_charge(json_t *inv, int64_t charge)
{
    json_t *l;
    size_t i;
    json_array_foreach(json_object_get(inv, "lines"), i, l)
        if (jint(l, "charge_id") == charge) return 1;
    return 0;
}

static void test_draft_run(void **st)
{
    char body[300], path[120], x_path[96], y_path[96];
    clock_to("2026-12-15T10:00:00+01:00");
    snprintf(body, sizeof body, "{\"name\":\"Concept B.V.\",\"kvk_number\":\"30000001\",\"street\":\"Draft 1\","
             "\"postal_code\":\"1000 AA\",\"city\":\"Delft\",\"language\":\"en\"}");
    int64_t x = create("/api/v1/tenants", body);
    snprintf(body, sizeof body, "{\"name\":\"Ontwerp B.V.\",\"kvk_number\":\"30000002\",\"street\":\"Draft 2\","
             "\"postal_code\":\"1000 AA\",\"city\":\"Delft\"}");
    int64_t y = create("/api/v1/tenants", body);
    int64_t c1 = adjust(x, 10000, "2026-12-01"), c2 = adjust(x, 2000, "2026-12-15"), c3 = adjust(x, 500, "2026-12-31");
    int64_t cy = adjust(y, 3000, "2026-12-31");
    /* the last half hour of the year: the month is not over */
    clock_to("2026-12-31T23:30:00+01:00");
    assert_int_equal(hx_status(&S, "POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-12\",\"draft\":true}"), 422);
    clock_to("2027-01-01T00:30:00+01:00");
    json_t *run = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-12\",\"draft\":true}", 200);
    int64_t dx = run_find(run, "created", x), dy = run_find(run, "created", y);
    assert_true(dx > 0 && dy > 0);
    json_decref(run);
    snprintf(x_path, sizeof x_path, "/api/v1/invoices/%lld", (long long)dx);
    snprintf(y_path, sizeof y_path, "/api/v1/invoices/%lld", (long long)dy);
    json_t *d = get_invoice(dx, staff, 200);
    assert_string_equal(jstr(d, "status"), "draft");
    assert_true(json_is_null(json_object_get(d, "number")));
    assert_string_equal(jstr(d, "language"), "en");
    assert_int_equal(json_array_size(json_object_get(d, "lines")), 3);
    assert_int_equal(jint(d, "payable_cents"), 15125);              /* 125.00 + 21 % */
    json_decref(d);
    /* staff see the draft as PDF and CSV; it has no UBL; tenant admins do not see it */
    size_t len;
    snprintf(path, sizeof path, "%s/pdf", x_path);
    char *pdf = get_raw(path, staff, "application/pdf", &len);
    char *txt = pdf_text(pdf, len, "draft");
    assert_non_null(strstr(txt, "Draft (not issued yet)"));
    assert_non_null(strstr(txt, "Consumables 2000"));
    free(pdf); free(txt);
    snprintf(path, sizeof path, "%s/csv", x_path);
    char *csv = get_raw(path, staff, "text/csv", &len);
    assert_non_null(strstr(csv, ",line,2,Consumables 2000,"));
    assert_non_null(strstr(csv, ",total,,Amount due,"));
    free(csv);
    snprintf(path, sizeof path, "%s/ubl", x_path);
    assert_int_equal(hx_status(&S, "GET", path, staff, NULL), 409);
    /* bad corrections: a 4xx and nothing changed */
    snprintf(path, sizeof path, "%s/exclude", x_path);
    char wrong[80], huge[80], yex[120];
    snprintf(wrong, sizeof wrong, "{\"charge_id\":%lld}", (long long)cy);
    snprintf(huge, sizeof huge, "{\"charge_id\":999999}");
    snprintf(yex, sizeof yex, "%s/exclude", y_path);
    const struct { const char *path, *body; long status; } BAD[] = {
        { path, "{}", 400 }, { path, "{\"charge_id\":\"x\"}", 400 }, { path, "{\"charge_id\":0}", 400 },
        { path, wrong, 400 }, { path, huge, 400 }, { path, "{\"charge_id\":1,\"also\":1}", 400 },
        { "/api/v1/invoices/999999/exclude", "{\"charge_id\":1}", 404 },
        { "/api/v1/invoices/issue-all", "{\"period\":\"2026-13\"}", 400 }, { "/api/v1/invoices/issue-all", "{}", 400 },
        { yex, wrong, 409 },                                   /* the draft's only charge: discard instead */
    };
    snprintf(wrong + 0, sizeof wrong, "{\"charge_id\":%lld}", (long long)cy);
    int64_t before[sizeof TABLES / sizeof TABLES[0]];
    for (size_t t = 0; t < sizeof TABLES / sizeof TABLES[0]; t++) before[t] = hx_count(&S, TABLES[t]);
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        long got = hx_status(&S, "POST", BAD[i].path, staff, BAD[i].body);
        if (got != BAD[i].status) fail_msg("draft bad input %zu (%s %s): %ld, wanted %ld", i, BAD[i].path, BAD[i].body, got, BAD[i].status);
    }
    snprintf(body, sizeof body, "{\"charge_id\":%lld}", (long long)c2);
    sign_in_people();
    assert_int_equal(hx_status(&S, "POST", path, admin_a, body), 403);
    for (size_t t = 0; t < sizeof TABLES / sizeof TABLES[0]; t++)
        if (hx_count(&S, TABLES[t]) != before[t]) fail_msg("table %s changed", TABLES[t]);
    /* exclude a line: it leaves the draft and waits for January */
    d = call("POST", path, staff, body, 200);
    assert_int_equal(json_array_size(json_object_get(d, "lines")), 2);
    assert_false(has_charge(d, c2));
    assert_int_equal(jint(d, "payable_cents"), 12705);              /* 105.00 + 21 % */
    json_decref(d);
    /* an adjustment, then the draft run again: the draft is rebuilt, the held charge stays out */
    int64_t ca = adjust(x, -300, "2026-12-31");
    run = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-12\",\"draft\":true}", 200);
    assert_int_equal(run_find(run, "refreshed", x), dx);
    assert_int_equal(run_find(run, "created", x), 0);
    json_decref(run);
    snprintf(path, sizeof path, "%s/refresh", x_path);
    d = call("POST", path, staff, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(d, "lines")), 3);
    assert_true(has_charge(d, c1) && has_charge(d, c3) && has_charge(d, ca) && !has_charge(d, c2));
    assert_int_equal(jint(d, "payable_cents"), 12342);              /* 102.00 + 21 % */
    json_decref(d);
    /* issue all: numbers of the new year, dated today */
    run = call("POST", "/api/v1/invoices/issue-all", staff, "{\"period\":\"2026-12\"}", 200);
    assert_int_equal(run_find(run, "issued", x), dx);
    assert_int_equal(run_find(run, "issued", y), dy);
    assert_int_equal(json_array_size(json_object_get(run, "failed")), 0);
    json_decref(run);
    d = get_invoice(dx, staff, 200);
    assert_string_equal(jstr(d, "status"), "issued");
    assert_int_equal(strncmp(jstr(d, "number"), "2027-", 5), 0);
    assert_string_equal(jstr(d, "issue_date"), "2027-01-01");
    assert_string_equal(jstr(d, "due_date"), "2027-01-31");
    json_decref(d);
    free(fetch_ubl(dx, "draft_issued", 1, 0));
    /* issued: never edited, only credited */
    snprintf(path, sizeof path, "%s/exclude", x_path);
    snprintf(body, sizeof body, "{\"charge_id\":%lld}", (long long)c1);
    assert_int_equal(hx_status(&S, "POST", path, staff, body), 409);
    snprintf(path, sizeof path, "%s/refresh", x_path);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    snprintf(path, sizeof path, "%s/issue", x_path);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    assert_int_equal(hx_status(&S, "DELETE", x_path, staff, NULL), 409);
    run = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-12\",\"draft\":true}", 200);
    assert_int_equal(run_find(run, "refreshed", x), 0);
    json_decref(run);
    run = call("POST", "/api/v1/invoices/issue-all", staff, "{\"period\":\"2026-12\"}", 200);
    assert_int_equal(json_array_size(json_object_get(run, "issued")), 0);
    json_decref(run);
    /* January's run invoices the held charge */
    clock_to("2027-02-01T09:00:00+01:00");
    snprintf(body, sizeof body, "{\"period\":\"2027-01\",\"tenant_id\":%lld}", (long long)x);
    run = call("POST", "/api/v1/invoices/run", staff, body, 200);
    int64_t jx = run_find(run, "created", x);
    json_decref(run);
    assert_true(jx > 0);
    d = get_invoice(jx, staff, 200);
    assert_int_equal(json_array_size(json_object_get(d, "lines")), 1);
    assert_true(has_charge(d, c2));
    json_decref(d);
    free(fetch_ubl(jx, "held_charge_next_month", 1, 0));
}

/* ---- every UBL document fetched, through the validator at once ---- */

static void test_validator_batch(void **st)
{
    char why[400];
    assert_int_equal(g_ndocs, 9);
    int vrc = ev_validate(g_docs, g_ndocs, why, sizeof why);
    if (vrc == EV_SKIP) skip();
    if (vrc != 0) fail_msg("%s", why);
}

static int setup(void **st)
{
    if (lt_set_zone("Europe/Amsterdam") != 0 || !mkdtemp(g_dir)) return -1;
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_api_key(&S, DEMO_STAFF, "billing tests");
    if (!staff) return -1;
    /* the golden invoices predate the demo's consumables: void them (this month's, not invoiced) */
    if (hx_void_demo_consumables(&S, staff) != 0) return -1;
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a); free(admin_b);
    json_decref(est_straddle); json_decref(est_dst);
    for (size_t i = 0; i < g_ndocs; i++) {
        unlink(g_docs[i]);
        free(g_docs[i]);
    }
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    return hx_stop(&S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_and_bookings),
        cmocka_unit_test(test_estimates),
        cmocka_unit_test(test_member_and_admin_views),
        cmocka_unit_test(test_the_month),
        cmocka_unit_test(test_run_october),
        cmocka_unit_test(test_invoice_isolation),
        cmocka_unit_test(test_price_change_never_touches_invoices),
        cmocka_unit_test(test_credit_note),
        cmocka_unit_test(test_payments_and_overdue),
        cmocka_unit_test(test_csv_and_html),
        cmocka_unit_test(test_documents_agree),
        cmocka_unit_test(test_bad_input_changes_nothing),
        cmocka_unit_test(test_parallel_runs_gapless),
        cmocka_unit_test(test_draft_run),
        cmocka_unit_test(test_validator_batch),
    };
    return cmocka_run_group_tests_name("billing_api", tests, setup, teardown);
}
