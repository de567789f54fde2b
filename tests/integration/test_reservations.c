/* test_reservations.c: reservations over real HTTP against labpassd with a
 * fixed clock (2026-03-02, a Monday, Europe/Amsterdam): the race for one slot,
 * DST weeks, midnight, buffers, capacity (places taken and free), closures, approval, quotas, series
 * with skipped conflicts and per-occurrence edits, waitlist promotion on
 * cancel and no-show, training expiry mid-booking, visibility, idempotency,
 * calendar feeds parsed by libical. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */

static hx_server S;
static char *staff, *admin_a, *member_a, *admin_b, *member_b;
static int64_t member_a_id, member_b_id, admin_b_id;

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_b = hx_login(&S, DEMO_ADMIN_B);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    if (!staff || !admin_a || !member_a || !admin_b || !member_b) return -1;
    member_a_id = hx_me_id(&S, member_a);
    member_b_id = hx_me_id(&S, member_b);
    admin_b_id = hx_me_id(&S, admin_b);
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a); free(admin_b); free(member_b);
    return hx_stop(&S);
}

/* Creates a resource from a JSON body (staff); returns its id. */
static int64_t resource(const char *body)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/resources", staff, body, NULL, &r);
    if (r.status != 201) fail_msg("resource create: %ld %s", r.status, r.body);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    return id;
}

/* POSTs a booking; returns the status and fills *id on 201 (may be NULL). */
static long book(const char *tok, int64_t res, const char *start, const char *end, int64_t *id, hx_resp *keep)
{
    char body[400];
    hx_resp r;
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"title\":\"t\"}",
             (long long)res, start, end);
    hx_req(&S, "POST", "/api/v1/reservations", tok, body, NULL, &r);
    long st = r.status;
    if (id) *id = st == 201 ? json_integer_value(json_object_get(r.json, "id")) : 0;
    if (keep) *keep = r;
    else hx_free(&r);
    return st;
}

static const char *status_of(int64_t id)
{
    static char buf[32];
    char p[80];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)id);
    hx_req(&S, "GET", p, staff, NULL, NULL, &r);
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(r.json, "status")) ?: "?");
    hx_free(&r);
    return buf;
}

/* ---- the race ---- */

struct racer { int64_t res; const char *start, *end; const char *tok; long status; };

static void *race_one(void *p)
{
    struct racer *r = p;
    r->status = book(r->tok, r->res, r->start, r->end, NULL, NULL);
    return NULL;
}

static void test_race_for_one_slot(void **st)
{
    int64_t res = resource("{\"name\":\"Race bench\",\"kind\":\"equipment\",\"max_advance_days\":365}");
    const char *toks[] = { member_a, admin_a, admin_b, member_b };
    for (int slot = 0; slot < 8; slot++) {
        char start[40], end[40];
        snprintf(start, sizeof start, "2026-03-%02dT10:00:00+01:00", 3 + slot);
        snprintf(end, sizeof end, "2026-03-%02dT11:00:00+01:00", 3 + slot);
        struct racer rs[50];
        pthread_t th[50];
        for (int i = 0; i < 50; i++) {
            rs[i] = (struct racer){ res, start, end, toks[i % 4], 0 };
            pthread_create(&th[i], NULL, race_one, &rs[i]);
        }
        int ok = 0, conflict = 0;
        for (int i = 0; i < 50; i++) {
            pthread_join(th[i], NULL);
            if (rs[i].status == 201) ok++;
            else if (rs[i].status == 409) conflict++;
            else fail_msg("slot %d: unexpected status %ld", slot, rs[i].status);
        }
        assert_int_equal(ok, 1);
        assert_int_equal(conflict, 49);
    }
}

/* The counter of one metric from /metrics (staff), or -1. */
static long long metric(const char *name)
{
    hx_resp r;
    long long v = -1;
    hx_req(&S, "GET", "/metrics", staff, NULL, NULL, &r);
    char pat[96];
    snprintf(pat, sizeof pat, "\n%s ", name);
    const char *at = r.body ? strstr(r.body, pat) : NULL;
    if (at) v = atoll(at + strlen(pat));
    hx_free(&r);
    return v;
}

/* Bookings arriving together share group commits: every one is answered
 * 201 only once durable, each is counted once, and none is lost or doubled. */
static void test_parallel_bookings_grouped(void **st)
{
    int64_t res = resource("{\"name\":\"Group bench\",\"kind\":\"equipment\",\"max_advance_days\":365}");
    long long c0 = metric("labpass_db_group_commits_total"), w0 = metric("labpass_db_group_writes_total");
    assert_true(c0 >= 0 && w0 >= 0);
    enum { N = 24 };
    const char *toks[] = { member_a, admin_a, admin_b, member_b };
    char starts[N][40], ends[N][40];
    struct racer rs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        snprintf(starts[i], sizeof starts[i], "2026-04-%02dT%02d:00:00+02:00", 1 + i / 8, 9 + i % 8);
        snprintf(ends[i], sizeof ends[i], "2026-04-%02dT%02d:00:00+02:00", 1 + i / 8, 10 + i % 8);
        rs[i] = (struct racer){ res, starts[i], ends[i], toks[i % 4], 0 };
        pthread_create(&th[i], NULL, race_one, &rs[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].status, 201);
    }
    long long c1 = metric("labpass_db_group_commits_total"), w1 = metric("labpass_db_group_writes_total");
    assert_int_equal(w1 - w0, N);
    assert_true(c1 - c0 >= 1 && c1 - c0 <= N);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/reservations?resource_id=%lld&from=2026-04-01T00:00:00Z&to=2026-04-05T00:00:00Z",
             (long long)res);
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    int n = 0;
    for (const char *p = r.body; (p = strstr(p, "\"resource_id\"")) != NULL; p++) n++;
    hx_free(&r);
    assert_int_equal(n, N);
}

/* ---- rules ---- */

static void test_dates_and_durations(void **st)
{
    int64_t res = resource("{\"name\":\"Rules bench\",\"kind\":\"equipment\",\"max_minutes\":120,\"granularity_min\":30}");
    assert_int_equal(book(member_a, res, "2026-02-31T10:00:00+01:00", "2026-02-31T11:00:00+01:00", NULL, NULL), 400);
    assert_int_equal(book(member_a, res, "2026-03-10T11:00:00+01:00", "2026-03-10T10:00:00+01:00", NULL, NULL), 400);
    assert_int_equal(book(member_a, res, "2026-03-10T10:00:00", "2026-03-10T11:00:00", NULL, NULL), 400);
    hx_resp r;
    assert_int_equal(book(member_a, res, "2026-03-10T10:00:00+01:00", "2026-03-10T13:00:00+01:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "\"field\":\"duration\""));
    hx_free(&r);
    assert_int_equal(book(member_a, res, "2026-03-10T10:10:00+01:00", "2026-03-10T11:10:00+01:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "\"field\":\"granularity\""));
    hx_free(&r);
    assert_int_equal(book(member_a, res, "2026-03-01T10:00:00+01:00", "2026-03-01T11:00:00+01:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "in_the_past"));
    hx_free(&r);
    assert_int_equal(book(member_a, res, "2026-09-01T10:00:00+02:00", "2026-09-01T11:00:00+02:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "max_advance"));
    hx_free(&r);
    assert_int_equal(book(member_a, 999999, "2026-03-10T10:00:00+01:00", "2026-03-10T11:00:00+01:00", NULL, NULL), 404);
}

static void test_buffers_and_capacity(void **st)
{
    int64_t res = resource("{\"name\":\"Buffered cabinet\",\"kind\":\"equipment\",\"buffer_after_min\":30}");
    assert_int_equal(book(member_a, res, "2026-03-11T10:00:00+01:00", "2026-03-11T11:00:00+01:00", NULL, NULL), 201);
    hx_resp r;
    assert_int_equal(book(member_b, res, "2026-03-11T11:00:00+01:00", "2026-03-11T12:00:00+01:00", NULL, &r), 409);
    assert_non_null(strstr(r.body, "2026-03-11T10:00:00+01:00 to 2026-03-11T11:00:00+01:00"));
    hx_free(&r);
    assert_int_equal(book(member_b, res, "2026-03-11T11:30:00+01:00", "2026-03-11T12:30:00+01:00", NULL, NULL), 201);
    /* a booking whose own cleaning would run into the next one is refused too */
    assert_int_equal(book(member_b, res, "2026-03-11T09:00:00+01:00", "2026-03-11T10:00:00+01:00", NULL, NULL), 409);
    assert_int_equal(book(member_b, res, "2026-03-11T08:30:00+01:00", "2026-03-11T09:30:00+01:00", NULL, NULL), 201);

    int64_t lab = resource("{\"name\":\"Two-bench lab\",\"kind\":\"lab\",\"capacity\":2}");
    assert_int_equal(book(member_a, lab, "2026-03-12T09:00:00+01:00", "2026-03-12T11:00:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(member_b, lab, "2026-03-12T10:00:00+01:00", "2026-03-12T12:00:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(admin_b, lab, "2026-03-12T10:30:00+01:00", "2026-03-12T11:30:00+01:00", NULL, NULL), 409);
    /* 11:00-12:00 overlaps only one of them at a time: fits */
    assert_int_equal(book(admin_b, lab, "2026-03-12T11:00:00+01:00", "2026-03-12T12:00:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(admin_a, lab, "2026-03-12T08:00:00+01:00", "2026-03-12T09:30:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(admin_a, lab, "2026-03-12T08:30:00+01:00", "2026-03-12T09:00:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(admin_a, lab, "2026-03-12T08:45:00+01:00", "2026-03-12T09:15:00+01:00", NULL, NULL), 409);
}

/* The availability of a lab with four benches counts the places taken and
 * free: one booking leaves 3 of 4 free and the time bookable, four fill it. */
static void expect_taken(int64_t res, int64_t capacity, long taken, long freep, long n_free)
{
    char p[200];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/resources/%lld/availability?from=2026-03-13T00:00:00%%2B01:00&to=2026-03-14T00:00:00%%2B01:00",
             (long long)res);
    hx_req(&S, "GET", p, member_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "capacity")), capacity);
    json_t *tk = json_object_get(r.json, "taken");
    assert_int_equal(json_array_size(tk), 1);
    json_t *x = json_array_get(tk, 0);
    assert_string_equal(json_string_value(json_object_get(x, "start")), "2026-03-13T10:00:00+01:00");
    assert_string_equal(json_string_value(json_object_get(x, "end")), "2026-03-13T11:00:00+01:00");
    assert_int_equal(json_integer_value(json_object_get(x, "taken")), taken);
    assert_int_equal(json_integer_value(json_object_get(x, "free")), freep);
    /* free intervals for one more booking: the whole day, or the day around the full hour */
    assert_int_equal(json_array_size(json_object_get(r.json, "free")), n_free);
    hx_free(&r);
}

static void test_places_taken_and_free(void **st)
{
    int64_t lab = resource("{\"name\":\"Four-bench lab\",\"kind\":\"lab\",\"capacity\":4}");
    const char *s = "2026-03-13T10:00:00+01:00", *e = "2026-03-13T11:00:00+01:00";
    assert_int_equal(book(member_a, lab, s, e, NULL, NULL), 201);
    expect_taken(lab, 4, 1, 3, 1);
    assert_int_equal(book(member_b, lab, s, e, NULL, NULL), 201);
    assert_int_equal(book(admin_a, lab, s, e, NULL, NULL), 201);
    expect_taken(lab, 4, 3, 1, 1);
    assert_int_equal(book(admin_b, lab, s, e, NULL, NULL), 201);
    expect_taken(lab, 4, 4, 0, 2);
    assert_int_equal(book(member_a, lab, s, e, NULL, NULL), 409);
}

static void test_midnight_and_closures(void **st)
{
    int64_t res = resource("{\"name\":\"Night incubator\",\"kind\":\"equipment\",\"opening_hours\":{"
                           "\"mon\":\"00:00-24:00\",\"tue\":\"00:00-24:00\",\"wed\":\"00:00-24:00\",\"thu\":\"00:00-24:00\","
                           "\"fri\":\"00:00-24:00\",\"sat\":\"\",\"sun\":\"\"}}");
    assert_int_equal(book(member_a, res, "2026-03-10T22:00:00+01:00", "2026-03-11T02:00:00+01:00", NULL, NULL), 201);
    hx_resp r;
    /* Friday night into a closed Saturday */
    assert_int_equal(book(member_a, res, "2026-03-13T22:00:00+01:00", "2026-03-14T01:00:00+01:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "opening_hours"));
    hx_free(&r);
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-17T00:00:00+01:00\","
             "\"end\":\"2026-03-18T00:00:00+01:00\",\"reason\":\"Annual maintenance\"}", (long long)res);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/closures", staff, body), 201);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/closures", member_a, body), 403);
    assert_int_equal(book(member_a, res, "2026-03-17T10:00:00+01:00", "2026-03-17T11:00:00+01:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "Annual maintenance"));
    hx_free(&r);
    /* availability leaves the closure and the booking out */
    char p[200];
    snprintf(p, sizeof p, "/api/v1/resources/%lld/availability?from=2026-03-16T00:00:00%%2B01:00&to=2026-03-18T00:00:00%%2B01:00",
             (long long)res);
    hx_req(&S, "GET", p, member_b, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *fr = json_object_get(r.json, "free");
    assert_int_equal(json_array_size(fr), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(fr, 0), "end")), "2026-03-17T00:00:00+01:00");
    hx_free(&r);
}

static void test_approval_flow(void **st)
{
    int64_t res = resource("{\"name\":\"Approval autoclave\",\"kind\":\"equipment\",\"approval_required\":true}");
    int64_t id1, id2;
    hx_resp r;
    assert_int_equal(book(member_a, res, "2026-03-13T10:00:00+01:00", "2026-03-13T11:00:00+01:00", &id1, &r), 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "requested");
    hx_free(&r);
    /* a request holds the slot */
    assert_int_equal(book(member_b, res, "2026-03-13T10:00:00+01:00", "2026-03-13T11:00:00+01:00", NULL, NULL), 409);
    char p[100];
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/approve", (long long)id1);
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 200);
    assert_string_equal(status_of(id1), "confirmed");
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 409);
    assert_int_equal(book(member_b, res, "2026-03-13T12:00:00+01:00", "2026-03-13T13:00:00+01:00", &id2, NULL), 201);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/reject", (long long)id2);
    assert_int_equal(hx_status(&S, "POST", p, staff, "{}"), 400);
    assert_int_equal(hx_status(&S, "POST", p, staff, "{\"reason\":\"Autoclave validation run\"}"), 200);
    hx_req(&S, "GET", p + 0, staff, NULL, NULL, &r);
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)id2);
    hx_req(&S, "GET", p, member_b, NULL, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "rejected");
    assert_string_equal(json_string_value(json_object_get(r.json, "reason")), "Autoclave validation run");
    hx_free(&r);
}

static void test_quota(void **st)
{
    int64_t res = resource("{\"name\":\"Quota room\",\"kind\":\"room\",\"quota_week_min\":120}");
    assert_int_equal(book(member_a, res, "2026-03-16T09:00:00+01:00", "2026-03-16T10:00:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(admin_a, res, "2026-03-18T09:00:00+01:00", "2026-03-18T10:00:00+01:00", NULL, NULL), 201);
    hx_resp r;
    assert_int_equal(book(member_a, res, "2026-03-20T09:00:00+01:00", "2026-03-20T09:30:00+01:00", NULL, &r), 422);
    assert_non_null(strstr(r.body, "quota_week"));
    hx_free(&r);
    /* the other tenant has its own quota; the next week is fresh */
    assert_int_equal(book(member_b, res, "2026-03-20T09:00:00+01:00", "2026-03-20T10:00:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(member_a, res, "2026-03-23T09:00:00+01:00", "2026-03-23T10:00:00+01:00", NULL, NULL), 201);
}

/* ---- recurrence across DST ---- */

static json_t *post_series(const char *tok, int64_t res, const char *start, const char *end, const char *rule,
                           int skip, long *status)
{
    char body[500];
    hx_resp r;
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"rrule\":\"%s\",\"skip_conflicts\":%s}",
             (long long)res, start, end, rule, skip ? "true" : "false");
    hx_req(&S, "POST", "/api/v1/reservations", tok, body, NULL, &r);
    *status = r.status;
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

static void test_series_over_dst_with_skips_and_edits(void **st)
{
    int64_t res = resource("{\"name\":\"Series bench\",\"kind\":\"equipment\",\"max_advance_days\":200}");
    /* A single booking on the third Tuesday blocks the series' third week. */
    assert_int_equal(book(member_b, res, "2026-03-31T09:00:00+02:00", "2026-03-31T10:00:00+02:00", NULL, NULL), 201);
    long status;
    json_t *j = post_series(member_a, res, "2026-03-17T09:00:00+01:00", "2026-03-17T12:00:00+01:00",
                            "FREQ=WEEKLY;BYDAY=TU;COUNT=5", 0, &status);
    assert_int_equal(status, 409);   /* all-or-nothing by default */
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), "occurrence 2026-03-31T09:00:00+02:00"));
    json_decref(j);
    j = post_series(member_a, res, "2026-03-17T09:00:00+01:00", "2026-03-17T12:00:00+01:00",
                    "FREQ=WEEKLY;BYDAY=TU;COUNT=5", 1, &status);
    assert_int_equal(status, 201);
    json_t *rs = json_object_get(j, "reservations"), *sk = json_object_get(j, "skipped");
    assert_int_equal(json_array_size(rs), 4);
    assert_int_equal(json_array_size(sk), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sk, 0), "start")), "2026-03-31T09:00:00+02:00");
    /* Wall-clock 09:00 is kept across the change to summer time on 2026-03-29. */
    const char *want[] = { "2026-03-17T09:00:00+01:00", "2026-03-24T09:00:00+01:00", "2026-04-07T09:00:00+02:00",
                           "2026-04-14T09:00:00+02:00" };
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        json_t *o = json_array_get(rs, (size_t)i);
        assert_string_equal(json_string_value(json_object_get(o, "start")), want[i]);
        ids[i] = json_integer_value(json_object_get(o, "id"));
    }
    json_decref(j);
    /* Move only the second occurrence one hour later. */
    char p[100];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)ids[1]);
    hx_req(&S, "PATCH", p, member_a, "{\"start\":\"2026-03-24T10:00:00+01:00\",\"end\":\"2026-03-24T13:00:00+01:00\",\"scope\":\"this\"}", NULL, &r);
    assert_int_equal(r.status, 200);
    hx_free(&r);
    /* This and the following from the third: 30 minutes earlier, keeping wall time. */
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)ids[2]);
    hx_req(&S, "PATCH", p, member_a, "{\"start\":\"2026-04-07T08:30:00+02:00\",\"end\":\"2026-04-07T11:30:00+02:00\",\"scope\":\"following\"}", NULL, &r);
    assert_int_equal(r.status, 200);
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)ids[3]);
    hx_req(&S, "GET", p, member_a, NULL, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "start")), "2026-04-14T08:30:00+02:00");
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)ids[0]);
    hx_req(&S, "GET", p, member_a, NULL, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "start")), "2026-03-17T09:00:00+01:00");
    hx_free(&r);
    /* Cancel the whole series. */
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/cancel", (long long)ids[0]);
    assert_int_equal(hx_status(&S, "POST", p, member_a, "{\"scope\":\"all\"}"), 200);
    for (int i = 0; i < 4; i++) assert_string_equal(status_of(ids[i]), "cancelled");
    /* A bad rule is refused. */
    j = post_series(member_a, res, "2026-03-17T09:00:00+01:00", "2026-03-17T12:00:00+01:00", "FREQ=SECONDLY;COUNT=5", 0, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    j = post_series(member_a, res, "2026-03-17T09:00:00+01:00", "2026-03-17T12:00:00+01:00", "FREQ=WEEKLY", 0, &status);
    assert_int_equal(status, 400);
    json_decref(j);
}

static void test_dst_night_booking(void **st)
{
    int64_t res = resource("{\"name\":\"DST freezer slot\",\"kind\":\"equipment\",\"max_advance_days\":365}");
    /* 01:00-04:00 local on 2026-03-29 is only two hours long. */
    int64_t id;
    hx_resp r;
    assert_int_equal(book(member_a, res, "2026-03-29T01:00:00+01:00", "2026-03-29T04:00:00+02:00", &id, &r), 201);
    hx_free(&r);
    /* 01:00-04:00 on 2026-10-25 is four hours: a booking 02:30+02:00 .. 02:30+01:00 is one real hour. */
    assert_int_equal(book(member_a, res, "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", &id, NULL), 201);
    assert_int_equal(book(member_b, res, "2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00+01:00", NULL, NULL), 201);
    assert_int_equal(book(member_b, res, "2026-10-25T02:30:00+02:00", "2026-10-25T02:45:00+02:00", NULL, NULL), 409);
}

/* ---- waitlist ---- */

static int64_t waitlist_reservation(int64_t wl_id, const char *tok)
{
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/waitlist", tok, NULL, NULL, &r);
    json_t *a = json_object_get(r.json, "waitlist");
    int64_t res = -1;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        if (json_integer_value(json_object_get(e, "id")) == wl_id)
            res = json_is_integer(json_object_get(e, "reservation_id")) ? json_integer_value(json_object_get(e, "reservation_id")) : 0;
    }
    hx_free(&r);
    return res;
}

static int64_t join(const char *tok, int64_t res, const char *start, const char *end, long want)
{
    char body[300];
    hx_resp r;
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}", (long long)res, start, end);
    hx_req(&S, "POST", "/api/v1/waitlist", tok, body, NULL, &r);
    assert_int_equal(r.status, want);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    return id;
}

static void test_waitlist_on_cancel(void **st)
{
    int64_t res = resource("{\"name\":\"Waitlist cabinet\",\"kind\":\"equipment\"}");
    int64_t a;
    assert_int_equal(book(member_a, res, "2026-03-19T10:00:00+01:00", "2026-03-19T12:00:00+01:00", &a, NULL), 201);
    join(member_b, res, "2026-03-19T11:00:00+01:00", "2026-03-19T12:00:00+01:00", 409 - 409 + 201);
    int64_t w2 = join(admin_b, res, "2026-03-19T10:00:00+01:00", "2026-03-19T11:00:00+01:00", 201);
    /* a free slot is booked, not waited for */
    join(member_b, res, "2026-03-19T14:00:00+01:00", "2026-03-19T15:00:00+01:00", 409);
    char p[100];
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/cancel", (long long)a);
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 200);
    /* both waiting entries fit in the freed time: each got its booking */
    int64_t got = waitlist_reservation(w2, admin_b);
    assert_true(got > 0);
    assert_string_equal(status_of(got), "confirmed");
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/outbox", staff, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "waitlist_booked"));
    hx_free(&r);
}

static void test_noshow_and_training_expiry(void **st)
{
    int64_t res = resource("{\"name\":\"No-show lab\",\"kind\":\"lab\",\"max_advance_days\":365}");
    int64_t a, b;
    /* today 2026-03-02 (server clock 09:00 local): A books 10:00-12:00, B waits */
    assert_int_equal(book(member_a, res, "2026-03-02T10:00:00+01:00", "2026-03-02T12:00:00+01:00", &a, NULL), 201);
    assert_int_equal(book(member_a, res, "2026-03-02T13:00:00+01:00", "2026-03-02T14:00:00+01:00", &b, NULL), 201);
    int64_t w = join(member_b, res, "2026-03-02T10:00:00+01:00", "2026-03-02T12:00:00+01:00", 201);
    char p[100];
    /* check-in window: not yet at 09:00 for a 13:00 booking */
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/check-in", (long long)b);
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 409);
    /* 10:20: A did not come; the sweep marks the no-show and B gets the rest */
    hx_set_clock(&S, T0 + 80 * 60);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/maintenance/run", staff, NULL), 200);
    assert_string_equal(status_of(a), "no_show");
    int64_t got = waitlist_reservation(w, member_b);
    assert_true(got > 0);
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)got);
    hx_req(&S, "GET", p, member_b, NULL, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "start")), "2026-03-02T10:30:00+01:00");
    assert_string_equal(json_string_value(json_object_get(r.json, "end")), "2026-03-02T12:00:00+01:00");
    hx_free(&r);
    /* 12:50: check-in for the 13:00 booking works, check-out later completes it */
    hx_set_clock(&S, T0 + 230 * 60);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/check-in", (long long)b);
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 200);   /* idempotent */
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/check-out", (long long)b);
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 200);
    assert_string_equal(status_of(b), "completed");
    hx_set_clock(&S, T0);

    /* A training that expires mid-booking refuses it, naming the qualification. */
    hx_req(&S, "POST", "/api/v1/qualifications", staff, "{\"name\":\"Radiation safety\",\"validity_days\":365}", NULL, &r);
    int64_t q = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    char body[300];
    snprintf(body, sizeof body, "{\"name\":\"Isotope lab\",\"kind\":\"lab\",\"required_qualifications\":[%lld]}", (long long)q);
    int64_t iso = resource(body);
    hx_resp rr;
    assert_int_equal(book(member_a, iso, "2026-03-20T09:00:00+01:00", "2026-03-20T12:00:00+01:00", NULL, &rr), 403);
    assert_non_null(strstr(rr.body, "Radiation safety"));
    hx_free(&rr);
    snprintf(p, sizeof p, "/api/v1/qualifications/%lld/grants", (long long)q);
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"expires_at\":\"2026-03-20T10:00:00+01:00\"}", (long long)member_a_id);
    assert_int_equal(hx_status(&S, "POST", p, staff, body), 201);
    assert_int_equal(book(member_a, iso, "2026-03-20T09:00:00+01:00", "2026-03-20T12:00:00+01:00", NULL, &rr), 403);
    assert_non_null(strstr(rr.body, "expires at 2026-03-20T10:00:00+01:00"));
    hx_free(&rr);
    assert_int_equal(book(member_a, iso, "2026-03-20T08:00:00+01:00", "2026-03-20T10:00:00+01:00", NULL, NULL), 201);
}

/* ---- who sees and books what ---- */

static void test_visibility_and_on_behalf(void **st)
{
    int64_t res = resource("{\"name\":\"Shared microscope\",\"kind\":\"equipment\"}");
    int64_t a;
    hx_resp r;
    assert_int_equal(book(member_a, res, "2026-03-25T10:00:00+01:00", "2026-03-25T11:00:00+01:00", &a, NULL), 201);
    char p[200];
    snprintf(p, sizeof p, "/api/v1/reservations?from=2026-03-25T00:00:00%%2B01:00&to=2026-03-26T00:00:00%%2B01:00&resource_id=%lld",
             (long long)res);
    hx_req(&S, "GET", p, member_b, NULL, NULL, &r);
    json_t *e = json_array_get(json_object_get(r.json, "reservations"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "busy");
    assert_null(json_object_get(e, "title"));
    assert_null(json_object_get(e, "person_id"));
    hx_free(&r);
    hx_req(&S, "GET", p, admin_a, NULL, NULL, &r);
    e = json_array_get(json_object_get(r.json, "reservations"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "title")), "t");
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)a);
    assert_int_equal(hx_status(&S, "GET", p, member_b, NULL), 404);
    assert_int_equal(hx_status(&S, "PATCH", p, admin_b, "{\"title\":\"x\"}"), 404);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/cancel", (long long)a);
    assert_int_equal(hx_status(&S, "POST", p, member_b, NULL), 404);
    /* a member books only for themselves; an admin for their tenant's people */
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-25T12:00:00+01:00\",\"end\":\"2026-03-25T13:00:00+01:00\",\"person_id\":%lld}",
             (long long)res, (long long)admin_b_id);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", member_b, body), 403);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", admin_a, body), 404);
    hx_req(&S, "POST", "/api/v1/reservations", staff, body, NULL, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "booked_by")), "person:1");
    assert_int_equal(json_integer_value(json_object_get(r.json, "person_id")), admin_b_id);
    hx_free(&r);
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-25T14:00:00+01:00\",\"end\":\"2026-03-25T15:00:00+01:00\",\"person_id\":%lld}",
             (long long)res, (long long)member_b_id);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", admin_b, body), 201);
    hx_req(&S, "GET", "/api/v1/audit?object_type=reservation&limit=1", staff, NULL, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r.json, "entries"), 0), "actor")),
                        "person:4");
    hx_free(&r);
}

static void test_idempotency(void **st)
{
    int64_t res = resource("{\"name\":\"Idempotent room\",\"kind\":\"room\"}");
    const char *body1 = "{\"resource_id\":%lld,\"start\":\"2026-03-26T10:00:00+01:00\",\"end\":\"2026-03-26T11:00:00+01:00\"}";
    char body[300];
    snprintf(body, sizeof body, body1, (long long)res);
    int64_t before = hx_count(&S, "reservations");
    hx_resp a, b;
    hx_req(&S, "POST", "/api/v1/reservations", member_a, body, "Idempotency-Key: booking-42", &a);
    hx_req(&S, "POST", "/api/v1/reservations", member_a, body, "Idempotency-Key: booking-42", &b);
    assert_int_equal(a.status, 201);
    assert_int_equal(b.status, 201);
    assert_string_equal(a.body, b.body);
    assert_int_equal(hx_count(&S, "reservations"), before + 1);
    hx_free(&a);
    hx_free(&b);
    /* without the key the retry is a conflict */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", member_a, body), 409);
}

static int count_errors(icalcomponent *c)
{
    int n = 0;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY))
        n++;
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        n += count_errors(s);
    return n;
}

static void test_calendar_feeds(void **st)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/me/calendar-feeds", member_a, NULL, NULL, &r);
    assert_int_equal(r.status, 201);
    char url[200];
    snprintf(url, sizeof url, "%s", json_string_value(json_object_get(r.json, "url")));
    int64_t fid = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    hx_req(&S, "GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "text/calendar"));
    assert_non_null(strstr(r.body, "\r\nBEGIN:VEVENT\r\n"));
    icalcomponent *cal = icalparser_parse_string(r.body);
    assert_non_null(cal);
    assert_int_equal(count_errors(cal), 0);
    assert_true(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT) > 3);
    icalcomponent_free(cal);
    hx_free(&r);
    /* a resource feed shows other tenants' bookings only as Busy */
    hx_req(&S, "POST", "/api/v1/me/calendar-feeds", member_b, "{\"resource_id\":1}", NULL, &r);
    char url2[200];
    snprintf(url2, sizeof url2, "%s", json_string_value(json_object_get(r.json, "url")));
    hx_free(&r);
    hx_req(&S, "GET", url2, NULL, NULL, NULL, &r);
    cal = icalparser_parse_string(r.body);
    assert_int_equal(count_errors(cal), 0);
    icalcomponent_free(cal);
    hx_free(&r);
    /* revoked: gone */
    char p[100];
    snprintf(p, sizeof p, "/api/v1/me/calendar-feeds/%lld/revoke", (long long)fid);
    assert_int_equal(hx_status(&S, "POST", p, member_b, NULL), 404);   /* not theirs */
    assert_int_equal(hx_status(&S, "POST", p, member_a, NULL), 204);
    assert_int_equal(hx_status(&S, "GET", url, NULL, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/calendar/not-a-token.ics", NULL, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/calendar/x", NULL, NULL), 404);
}

static void test_malformed_booking_requests(void **st)
{
    const char *bad[] = {
        "{\"resource_id\":\"1\",\"start\":\"2026-03-10T10:00:00+01:00\",\"end\":\"2026-03-10T11:00:00+01:00\"}",
        "{\"resource_id\":1,\"start\":1773133200,\"end\":\"2026-03-10T11:00:00+01:00\"}",
        "{\"resource_id\":1,\"start\":\"2026-03-10T10:00:00+01:00\"}",
        "{\"resource_id\":1,\"start\":\"2026-03-10T10:00:00+01:00\",\"end\":\"2026-03-10T11:00:00+01:00\",\"color\":\"red\"}",
        "{\"resource_id\":1,\"start\":\"2026-03-10T10:00:00+01:00\",\"end\":\"2026-03-10T11:00:00+01:00\",\"rrule\":\"FREQ=DAILY;COUNT=999\"}",
        "{\"resource_id\":1,\"start\":\"2026-03-10T10:00:00+01:00\",\"end\":\"2026-03-10T11:00:00+01:00\",\"rrule\":\"FREQ=DAILY;COUNT=2;X-EVIL=<script>\"}",
        "{\"resource_id\":-1,\"start\":\"2026-03-10T10:00:00+01:00\",\"end\":\"2026-03-10T11:00:00+01:00\"}",
        "[{\"resource_id\":1}]",
        "{\"resource_id\":1,\"start\":\"2026-03-10T25:00:00+01:00\",\"end\":\"2026-03-10T26:00:00+01:00\"}",
    };
    int64_t before = hx_count(&S, "reservations");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hx_resp r;
        hx_req(&S, "POST", "/api/v1/reservations", member_a, bad[i], NULL, &r);
        if (r.status != 400) fail_msg("%s answered %ld: %s", bad[i], r.status, r.body);
        assert_non_null(strstr(r.headers, "application/problem+json"));
        hx_free(&r);
    }
    assert_int_equal(hx_status(&S, "GET", "/api/v1/reservations?from=yesterday", member_a, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/resources/1/availability?from=2026-03-01T00:00:00Z&to=2027-03-01T00:00:00Z", member_a, NULL), 400);
    assert_int_equal(hx_status(&S, "PATCH", "/api/v1/resources/1", staff, "{\"opening_hours\":{\"mon\":\"25:00-26:00\"}}"), 400);
    assert_int_equal(hx_status(&S, "PATCH", "/api/v1/resources/1", staff, "{\"capacity\":0}"), 400);
    assert_int_equal(hx_count(&S, "reservations"), before);
}

/* ---- refusals for training: every missing one, requests, the matrix ---- */

static json_t *req_json(const char *method, const char *path, const char *tok, const char *body, long want);

static json_t *missing_of(json_t *problem, size_t i) { return json_array_get(json_object_get(problem, "missing"), i); }
static const char *js(json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static void test_training_refusal_requests_matrix(void **st)
{
    hx_set_clock(&S, T0);
    json_t *qa = req_json("POST", "/api/v1/qualifications", staff, "{\"name\":\"Anaerobic chamber use\",\"validity_days\":365,"
                          "\"instructor\":\"Ilse de Boer, lab manager\",\"next_session\":\"2026-03-10T10:00:00+01:00\"}", 201);
    json_t *qb = req_json("POST", "/api/v1/qualifications", staff, "{\"name\":\"Chamber gas handling\",\"validity_days\":365}", 201);
    int64_t a = json_integer_value(json_object_get(qa, "id")), b = json_integer_value(json_object_get(qb, "id"));
    assert_string_equal(js(qa, "next_session"), "2026-03-10T10:00:00+01:00");
    assert_true(json_is_null(json_object_get(qb, "next_session")));
    json_decref(qa);
    json_decref(qb);
    char body[400], path[120];
    snprintf(body, sizeof body, "{\"name\":\"Anaerobic chamber\",\"kind\":\"equipment\",\"required_qualifications\":[%lld,%lld]}",
             (long long)a, (long long)b);
    int64_t res = resource(body);

    /* both missing: the refusal lists both, with how to get each */
    hx_resp r;
    assert_int_equal(book(member_a, res, "2026-03-20T09:00:00+01:00", "2026-03-20T12:00:00+01:00", NULL, &r), 403);
    assert_int_equal(json_array_size(json_object_get(r.json, "missing")), 2);
    assert_string_equal(js(missing_of(r.json, 0), "name"), "Anaerobic chamber use");
    assert_string_equal(js(missing_of(r.json, 0), "state"), "missing");
    assert_string_equal(js(missing_of(r.json, 0), "instructor"), "Ilse de Boer, lab manager");
    assert_string_equal(js(missing_of(r.json, 0), "next_session"), "2026-03-10T10:00:00+01:00");
    assert_string_equal(js(missing_of(r.json, 1), "name"), "Chamber gas handling");
    assert_non_null(strstr(js(r.json, "detail"), "and 1 more missing"));
    hx_free(&r);

    /* one held but ending mid-booking, one asked for */
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld/grants", (long long)a);
    snprintf(body, sizeof body, "{\"person_id\":%lld,\"expires_at\":\"2026-03-20T10:00:00+01:00\"}", (long long)member_a_id);
    json_decref(req_json("POST", path, staff, body, 201));
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld/requests", (long long)b);
    json_t *rq = req_json("POST", path, member_a, "{\"note\":\"Before our March run, please\"}", 201);
    int64_t rqid = json_integer_value(json_object_get(rq, "id"));
    assert_string_equal(js(rq, "status"), "open");
    json_decref(rq);
    rq = req_json("POST", path, member_a, NULL, 200);             /* asking again: the same request */
    assert_int_equal(json_integer_value(json_object_get(rq, "id")), rqid);
    json_decref(rq);
    assert_int_equal(book(member_a, res, "2026-03-20T09:00:00+01:00", "2026-03-20T12:00:00+01:00", NULL, &r), 403);
    assert_string_equal(js(missing_of(r.json, 0), "state"), "expiring");
    assert_string_equal(js(missing_of(r.json, 0), "expires_at"), "2026-03-20T10:00:00+01:00");
    assert_true(json_is_true(json_object_get(missing_of(r.json, 1), "requested")));
    hx_free(&r);
    hx_req(&S, "GET", "/api/v1/outbox", staff, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "Training request: Chamber gas handling"));
    hx_free(&r);

    /* who sees the request */
    json_t *l = req_json("GET", "/api/v1/training-requests", member_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "requests")), 1);
    json_decref(l);
    l = req_json("GET", "/api/v1/training-requests", admin_b, NULL, 200);       /* another company */
    assert_int_equal(json_array_size(json_object_get(l, "requests")), 0);
    json_decref(l);
    snprintf(path, sizeof path, "/api/v1/training-requests/%lld/close", (long long)rqid);
    assert_int_equal(hx_status(&S, "POST", path, member_b, "{\"outcome\":\"withdrawn\"}"), 404);
    assert_int_equal(hx_status(&S, "POST", path, member_a, "{\"outcome\":\"declined\"}"), 403);
    assert_int_equal(hx_status(&S, "POST", path, member_a, "{\"outcome\":\"ignored\"}"), 400);

    /* granting the training answers the request */
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld/grants", (long long)b);
    snprintf(body, sizeof body, "{\"person_id\":%lld}", (long long)member_a_id);
    json_decref(req_json("POST", path, staff, body, 201));
    l = req_json("GET", "/api/v1/training-requests?status=all", member_a, NULL, 200);
    assert_string_equal(js(json_array_get(json_object_get(l, "requests"), 0), "status"), "granted");
    json_decref(l);
    l = req_json("GET", "/api/v1/training-requests", staff, NULL, 200);
    for (size_t i = 0; i < json_array_size(json_object_get(l, "requests")); i++)
        assert_int_not_equal(json_integer_value(json_object_get(json_array_get(json_object_get(l, "requests"), i), "id")), rqid);
    json_decref(l);
    snprintf(path, sizeof path, "/api/v1/training-requests/%lld/close", (long long)rqid);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"outcome\":\"declined\"}"), 409);

    /* the matrix of the resource: its two trainings; member A expiring (in the past at 2026-03-20? no: now) */
    snprintf(path, sizeof path, "/api/v1/training-matrix?resource_id=%lld", (long long)res);
    json_t *m = req_json("GET", path, staff, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(m, "qualifications")), 2);
    json_t *row = NULL, *x;
    size_t i;
    json_array_foreach(json_object_get(m, "people"), i, x)
        if (json_integer_value(json_object_get(x, "person_id")) == member_a_id) row = x;
    assert_non_null(row);
    assert_string_equal(js(json_array_get(json_object_get(row, "cells"), 0), "state"), "expiring");   /* ends 2026-03-20 */
    assert_string_equal(js(json_array_get(json_object_get(row, "cells"), 1), "state"), "valid");
    json_decref(m);
    /* a company's matrix: its admin sees their own, nobody else's */
    m = req_json("GET", "/api/v1/training-matrix", admin_a, NULL, 200);
    assert_true(json_array_size(json_object_get(m, "people")) >= 2);
    json_decref(m);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/training-matrix?tenant_id=2", admin_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", path, admin_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/training-matrix", member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/training-matrix", staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/training-matrix?tenant_id=1&resource_id=1", staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/training-matrix?tenant_id=999999", staff, NULL), 404);
    snprintf(path, sizeof path, "/api/v1/training-matrix.csv?resource_id=%lld", (long long)res);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"person\",\"email\",\"company\",\"Anaerobic chamber use\",\"Chamber gas handling\"\r\n"));
    assert_non_null(strstr(r.body, "\"valid 2027-"));
    hx_free(&r);

    /* bad input changes nothing */
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld/requests", (long long)a);
    char longnote[700], big[800];
    memset(longnote, 'n', sizeof longnote);
    snprintf(big, sizeof big, "{\"note\":\"%.*s\"}", 501, longnote);
    assert_int_equal(hx_status(&S, "POST", path, member_a, big), 400);
    assert_int_equal(hx_status(&S, "POST", path, member_a, "{\"note\":\"bell\\u0007\"}"), 400);
    assert_int_equal(hx_status(&S, "POST", path, member_a, "{\"note\":7}"), 400);
    assert_int_equal(hx_status(&S, "POST", path, member_a, "{\"urgent\":true}"), 400);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/qualifications/999999/requests", member_a, NULL), 404);
    l = req_json("GET", "/api/v1/training-requests", member_a, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "requests")), 0);   /* none was made */
    json_decref(l);
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld", (long long)a);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, "{\"next_session\":\"soon\"}"), 400);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, "{\"instructor\":5}"), 400);
    assert_int_equal(hx_status(&S, "PATCH", path, admin_a, "{\"instructor\":\"me\"}"), 403);
    json_t *q = req_json("PATCH", path, staff, "{\"next_session\":null,\"instructor\":\"Ilse de Boer\"}", 200);
    assert_true(json_is_null(json_object_get(q, "next_session")));
    assert_string_equal(js(q, "instructor"), "Ilse de Boer");
    json_decref(q);
}

/* ---- suspending or offboarding a tenant: what happens to its bookings ---- */

static json_t *req_json(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    hx_req(&S, method, path, tok, body, NULL, &r);
    if (r.status != want) fail_msg("%s %s: %ld, wanted %ld: %s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j ? j : json_object();
}

/* A new tenant with one person (staff book for them); *person set. */
static int64_t closing_tenant(const char *name, int64_t *person)
{
    char body[300], path[80];
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    json_t *t = req_json("POST", "/api/v1/tenants", staff, body, 201);
    int64_t id = json_integer_value(json_object_get(t, "id"));
    json_decref(t);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/members", (long long)id);
    snprintf(body, sizeof body, "{\"email\":\"lab@%lld.closing.example\",\"name\":\"Closing %lld\",\"role\":\"member\"}",
             (long long)id, (long long)id);
    json_t *p = req_json("POST", path, staff, body, 201);
    *person = json_integer_value(json_object_get(p, "id"));
    json_decref(p);
    return id;
}

static int64_t book_for(int64_t person, int64_t res, const char *start, const char *end)
{
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"person_id\":%lld}",
             (long long)res, start, end, (long long)person);
    json_t *j = req_json("POST", "/api/v1/reservations", staff, body, 201);
    int64_t id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

static int64_t effect(json_t *j, const char *k)
{
    return json_integer_value(json_object_get(json_object_get(j, "effects"), k));
}

static void test_suspension_cancels_or_holds(void **st)
{
    hx_set_clock(&S, T0);
    int64_t res = resource("{\"name\":\"Suspension incubator\",\"kind\":\"equipment\"}");
    char body[400], path[120];
    /* a price and a late-cancellation fee, so a fee would show if one were charged */
    snprintf(body, sizeof body, "{\"name\":\"Suspension incubator\",\"resource_id\":%lld,\"effective_from\":\"2026-01-01\","
             "\"peak_cents_per_hour\":5000}", (long long)res);
    json_decref(req_json("POST", "/api/v1/rate-plans", staff, body, 201));
    snprintf(path, sizeof path, "/api/v1/resources/%lld/billing-policy", (long long)res);
    json_decref(req_json("PUT", path, staff, "{\"basis\":\"booked\",\"free_cancel_hours\":72,\"cancel_fee_kind\":\"fixed\","
                         "\"cancel_fee_amount\":4000}", 200));
    int64_t pa, pb;
    int64_t ta = closing_tenant("Closing A B.V.", &pa), tb = closing_tenant("Holding B B.V.", &pb);
    int64_t a1 = book_for(pa, res, "2026-03-03T10:00:00+01:00", "2026-03-03T12:00:00+01:00");
    int64_t a2 = book_for(pa, res, "2026-03-04T10:00:00+01:00", "2026-03-04T11:00:00+01:00");
    int64_t b1 = book_for(pb, res, "2026-03-05T10:00:00+01:00", "2026-03-05T11:00:00+01:00");
    /* tenant A also waits for a slot; member B (another tenant) waits for A's first slot */
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-05T10:00:00+01:00\",\"end\":\"2026-03-05T11:00:00+01:00\","
             "\"person_id\":%lld}", (long long)res, (long long)pa);
    json_t *wa = req_json("POST", "/api/v1/waitlist", staff, body, 201);
    json_decref(wa);
    int64_t wb = join(member_b, res, "2026-03-03T10:00:00+01:00", "2026-03-03T11:00:00+01:00", 201);

    /* the preview: two bookings of one person, one waiting entry */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/holdings", (long long)ta);
    json_t *h = req_json("GET", path, staff, NULL, 200);
    assert_int_equal(effect(h, "bookings"), 2);
    assert_int_equal(effect(h, "people"), 1);
    assert_int_equal(effect(h, "waiting"), 1);
    json_decref(h);
    assert_int_equal(hx_status(&S, "GET", path, admin_a, NULL), 403);        /* staff only */

    /* bad choices change nothing */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/suspend", (long long)ta);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"bookings\":\"delete\"}"), 400);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"bookings\":1}"), 400);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"bookings\":\"cancel\",\"extra\":1}"), 400);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/offboard", (long long)ta);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"bookings\":\"keep\"}"), 422);
    assert_string_equal(status_of(a1), "confirmed");

    /* suspend A, cancelling: its bookings go, without a fee; B's waiting
     * member gets A's slot; A's own waiting entry ends; A's person is told */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/suspend", (long long)ta);
    json_t *done = req_json("POST", path, staff, "{\"bookings\":\"cancel\"}", 200);
    assert_string_equal(json_string_value(json_object_get(done, "status")), "suspended");
    assert_int_equal(effect(done, "cancelled_bookings"), 2);
    assert_int_equal(effect(done, "cancelled_waiting"), 1);
    assert_int_equal(effect(done, "notified_people"), 1);
    json_decref(done);
    assert_string_equal(status_of(a1), "cancelled");
    assert_string_equal(status_of(a2), "cancelled");
    int64_t got = waitlist_reservation(wb, member_b);
    assert_true(got > 0);
    assert_string_equal(status_of(got), "confirmed");
    snprintf(path, sizeof path, "/api/v1/charges?period=2026-03&tenant_id=%lld", (long long)ta);
    json_t *ch = req_json("GET", path, staff, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(ch, "charges")), 0);   /* no fee: the facility cancelled */
    json_decref(ch);
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/outbox", staff, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "tenant_suspended"));
    assert_non_null(strstr(r.body, "Your bookings: Closing A B.V. is suspended"));
    hx_free(&r);

    /* suspend B, keeping: the booking stays on hold; reactivated, it is there */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/suspend", (long long)tb);
    done = req_json("POST", path, staff, NULL, 200);
    assert_int_equal(effect(done, "bookings"), 1);
    assert_int_equal(effect(done, "cancelled_bookings"), 0);
    assert_int_equal(effect(done, "notified_people"), 1);
    json_decref(done);
    assert_string_equal(status_of(b1), "confirmed");
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/activate", (long long)tb);
    json_decref(req_json("POST", path, staff, NULL, 200));
    assert_string_equal(status_of(b1), "confirmed");
    /* offboarding always cancels, and may stay quiet */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/offboard", (long long)tb);
    done = req_json("POST", path, staff, "{\"notify\":false}", 200);
    assert_int_equal(effect(done, "cancelled_bookings"), 1);
    assert_int_equal(effect(done, "notified_people"), 0);
    json_decref(done);
    assert_string_equal(status_of(b1), "cancelled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_race_for_one_slot),
        cmocka_unit_test(test_parallel_bookings_grouped),
        cmocka_unit_test(test_dates_and_durations),
        cmocka_unit_test(test_buffers_and_capacity),
        cmocka_unit_test(test_places_taken_and_free),
        cmocka_unit_test(test_midnight_and_closures),
        cmocka_unit_test(test_approval_flow),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_series_over_dst_with_skips_and_edits),
        cmocka_unit_test(test_dst_night_booking),
        cmocka_unit_test(test_waitlist_on_cancel),
        cmocka_unit_test(test_noshow_and_training_expiry),
        cmocka_unit_test(test_visibility_and_on_behalf),
        cmocka_unit_test(test_idempotency),
        cmocka_unit_test(test_calendar_feeds),
        cmocka_unit_test(test_malformed_booking_requests),
        cmocka_unit_test(test_training_refusal_requests_matrix),
        cmocka_unit_test(test_suspension_cancels_or_holds),
    };
    return cmocka_run_group_tests_name("reservations", tests, setup, teardown);
}
