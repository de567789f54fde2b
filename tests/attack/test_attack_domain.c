/* test_attack_domain.c: what a tenant could try against bookings, fees,
 * idempotency and calendar feeds, over real HTTP against labpassd on
 * 127.0.0.1 with a fresh demo database and the injected clock (2026-03-02, a
 * Monday, 09:00 in Europe/Amsterdam). Each case names the finding it covers
 * and fails on the code before the fix.
 *
 * The door finding (a door that cannot sync keeps admitting revoked passes
 * forever) is covered in tests/unit/test_door.c, test_stale_staff_only and
 * test_stale_normal_and_config, on the door's injected clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z = 09:00 local */
#define HOUR 3600LL

static hx_server S;
static char *staff, *member_a, *member_b;
static int64_t bench, feedlab;

/* ---- helpers ---- */

static json_t *call(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    hx_req(&S, method, path, tok, body, NULL, &r);
    if (r.status != want) fail_msg("%s %s: %ld, wanted %ld: %s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

static int64_t create(const char *path, const char *body)
{
    json_t *j = call("POST", path, staff, body, 201);
    int64_t id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

/* A resource at 60.00 an hour, free cancellation until 24 h before the
 * start, then half the booked price; a no-show costs half the booked price. */
static int64_t priced_resource(const char *name)
{
    char body[400], path[96];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"kind\":\"equipment\",\"max_advance_days\":365}", name);
    int64_t id = create("/api/v1/resources", body);
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"resource_id\":%lld,\"effective_from\":\"2026-01-01\","
             "\"peak_cents_per_hour\":6000,\"round_minutes\":15}", name, (long long)id);
    create("/api/v1/rate-plans", body);
    snprintf(path, sizeof path, "/api/v1/resources/%lld/billing-policy", (long long)id);
    json_decref(call("PUT", path, staff, "{\"basis\":\"booked\",\"free_cancel_hours\":24,\"cancel_fee_kind\":"
                     "\"percent\",\"cancel_fee_amount\":5000,\"no_show_fee_kind\":\"percent\","
                     "\"no_show_fee_amount\":5000}", 200));
    return id;
}

/* Moves the server's clock forward to t. Sessions last 12 h, so when the
 * clock has moved 11 h or more since the last sign-in everyone signs in again
 * (the sign-in throttle's window has passed by then too). Every case runs in
 * its own week, so the clock only moves forward. */
static int at(int64_t t)
{
    static int64_t signed_in_at = -1;
    hx_set_clock(&S, t);
    if (signed_in_at >= 0 && t >= signed_in_at && t - signed_in_at < 11 * HOUR) return 0;
    free(staff); free(member_a); free(member_b);
    staff = hx_login(&S, DEMO_STAFF);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    signed_in_at = t;
    return staff && member_a && member_b ? 0 : -1;
}

/* RFC 3339 (UTC) of t; one of four rotating buffers. */
static const char *ts(int64_t t)
{
    static char buf[4][32];
    static int k;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    k = (k + 1) % 4;
    strftime(buf[k], sizeof buf[k], "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf[k];
}

/* Monday 09:00 (site time) of week k of the suite; March 2026 for k < 4. */
static int64_t week(int k) { return T0 + (int64_t)k * 7 * 24 * HOUR; }

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0 || at(T0) != 0) return -1;
    bench = priced_resource("Attack bench");
    feedlab = priced_resource("Attack feed lab");
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(member_a); free(member_b);
    return hx_stop(&S);   /* -1 when the server crashed or a sanitizer spoke */
}

static int64_t book(const char *tok, int64_t res, const char *start, const char *end, const char *title)
{
    char body[400];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"title\":\"%s\"}",
             (long long)res, start, end, title);
    json_t *j = call("POST", "/api/v1/reservations", tok, body, 201);
    int64_t id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

static void move(const char *tok, int64_t id, const char *start, const char *end)
{
    char body[200], path[80];
    snprintf(body, sizeof body, "{\"start\":\"%s\",\"end\":\"%s\"}", start, end);
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)id);
    json_decref(call("PATCH", path, tok, body, 200));
}

static void cancel(const char *tok, int64_t id)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/cancel", (long long)id);
    json_decref(call("POST", path, tok, NULL, 200));
}

/* The net cents of reservation id's charge of kind, this month (-1: no charge at all;
 * the charge of another kind fails the test). */
static int64_t charge(int64_t id, const char *kind)
{
    json_t *j = call("GET", "/api/v1/charges", staff, NULL, 200);
    json_t *arr = json_object_get(j, "charges"), *c;
    size_t i;
    int64_t net = -1;
    json_array_foreach(arr, i, c) {
        if (json_integer_value(json_object_get(c, "reservation_id")) != id) continue;
        const char *k = json_string_value(json_object_get(c, "kind"));
        if (!k || strcmp(k, kind)) fail_msg("reservation %lld: a %s charge, wanted %s", (long long)id, k, kind);
        net = json_integer_value(json_object_get(c, "net_cents"));
    }
    json_decref(j);
    return net;
}

/* ---- finding: the late-cancellation fee avoided by moving the booking
 * later and then cancelling "early" ---- */

static void test_fee_move_later_then_cancel(void **st)
{
    int64_t b = week(0);
    assert_int_equal(at(b), 0);
    /* Tuesday 10:00-12:00, 25 h ahead: outside the 24 h window. */
    int64_t id = book(member_a, bench, ts(b + 25 * HOUR), ts(b + 27 * HOUR), "late");
    assert_int_equal(charge(id, "usage"), 12000);
    /* Monday 12:00: 22 h ahead, inside the window. Moved to Friday and cut
     * to 30 minutes, then cancelled 94 h "ahead". */
    assert_int_equal(at(b + 3 * HOUR), 0);
    move(member_a, id, ts(b + 97 * HOUR), ts(b + 97 * HOUR + 1800));
    /* The estimate shown before cancelling follows the same history: it
     * does not promise a free cancellation the invoice will not keep. And
     * another tenant's member learns nothing about the booking: the same
     * 404 as for an id that does not exist. */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/estimate", (long long)id);
    json_t *est = call("GET", path, member_a, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(est, "cancel_now_cents")), 6000);
    json_decref(est);
    json_decref(call("GET", path, member_b, NULL, 404));
    json_decref(call("GET", "/api/v1/reservations/987654/estimate", member_b, NULL, 404));
    cancel(member_a, id);
    /* The fee is by the earliest start and on the booking as it entered the
     * late window: half of 2 h at 60.00. Before the fix: no charge at all. */
    assert_int_equal(charge(id, "cancellation"), 6000);
}

/* The same finding, the other side (a control: passes before and after the
 * fix): a move made well ahead of the window, then a cancellation well
 * ahead of the earliest start, costs nothing. */
static void test_fee_moved_outside_window_then_cancelled_early(void **st)
{
    int64_t b = week(1);
    assert_int_equal(at(b), 0);
    /* Thursday 10:00, moved on Monday (73 h ahead) to Friday; cancelled on
     * Tuesday 09:00, 25 h before the earliest start: free. */
    int64_t id = book(member_a, bench, ts(b + 73 * HOUR), ts(b + 75 * HOUR), "free");
    move(member_a, id, ts(b + 100 * HOUR), ts(b + 102 * HOUR));
    assert_int_equal(at(b + 24 * HOUR), 0);
    cancel(member_a, id);
    assert_int_equal(charge(id, "cancellation"), -1);
}

/* The same finding: the deadline follows the earliest start since the
 * booking was confirmed, not its latest one. */
static void test_fee_deadline_by_earliest_start(void **st)
{
    int64_t b = week(2);
    assert_int_equal(at(b), 0);
    /* Friday 16:00; on Monday moved to Wednesday 16:00 and back to Friday
     * (both outside the window); cancelled Tuesday 17:00, 23 h before
     * Wednesday: late, by the earliest start the booking had. */
    int64_t id = book(member_a, bench, ts(b + 103 * HOUR), ts(b + 104 * HOUR), "earliest");
    move(member_a, id, ts(b + 55 * HOUR), ts(b + 56 * HOUR));
    move(member_a, id, ts(b + 103 * HOUR), ts(b + 104 * HOUR));
    assert_int_equal(at(b + 32 * HOUR), 0);
    cancel(member_a, id);
    assert_int_equal(charge(id, "cancellation"), 3000);
}

/* The same finding for the no-show fee: shrinking a booking inside the late
 * window does not shrink what a no-show costs. */
static void test_noshow_fee_not_cut_inside_window(void **st)
{
    int64_t b = week(3);
    assert_int_equal(at(b), 0);
    /* Wednesday 14:00-16:00; cut to 30 minutes an hour before the start,
     * then nobody comes: the no-show fee is on the 2 h booked when the
     * window began (before the fix: on 30 minutes, 1500). */
    int64_t id = book(member_a, bench, ts(b + 53 * HOUR), ts(b + 55 * HOUR), "noshow");
    assert_int_equal(at(b + 52 * HOUR), 0);                           /* Wednesday 13:00 */
    move(member_a, id, ts(b + 53 * HOUR), ts(b + 53 * HOUR + 1800));
    assert_int_equal(at(b + 54 * HOUR), 0);                           /* Wednesday 15:00 */
    json_decref(call("POST", "/api/v1/maintenance/run", staff, NULL, 200));
    assert_int_equal(charge(id, "no_show"), 6000);
}

/* ---- finding: an Idempotency-Key reused with another body silently
 * returned the first booking ---- */

static void test_idempotency_key_other_payload(void **st)
{
    int64_t w = week(4);
    assert_int_equal(at(w), 0);
    char a[300], a2[300], b[300];
    char s1[32], e1[32], s2[32], e2[32];
    snprintf(s1, sizeof s1, "%s", ts(w + 24 * HOUR));
    snprintf(e1, sizeof e1, "%s", ts(w + 25 * HOUR));
    snprintf(s2, sizeof s2, "%s", ts(w + 48 * HOUR));
    snprintf(e2, sizeof e2, "%s", ts(w + 49 * HOUR));
    snprintf(a, sizeof a, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"title\":\"idem\"}",
             (long long)bench, s1, e1);
    /* The same JSON, spaced and ordered differently: the same payload. */
    snprintf(a2, sizeof a2, "{ \"title\": \"idem\", \"end\": \"%s\", \"start\": \"%s\", \"resource_id\": %lld }",
             e1, s1, (long long)bench);
    snprintf(b, sizeof b, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"title\":\"idem\"}",
             (long long)bench, s2, e2);
    const char *key = "Idempotency-Key: attack-key-1";
    hx_resp r1, r2, r3;
    assert_int_equal(hx_req(&S, "POST", "/api/v1/reservations", member_a, a, key, &r1), 0);
    assert_int_equal(r1.status, 201);
    int64_t before = hx_count(&S, "reservations");
    assert_int_equal(hx_req(&S, "POST", "/api/v1/reservations", member_a, a2, key, &r2), 0);
    assert_int_equal(r2.status, 201);
    assert_non_null(strcasestr(r2.headers, "Idempotent-Replayed: true"));
    assert_string_equal(r1.body, r2.body);
    assert_int_equal(hx_req(&S, "POST", "/api/v1/reservations", member_a, b, key, &r3), 0);
    assert_int_equal(r3.status, 422);
    assert_non_null(strcasestr(r3.headers, "application/problem+json"));
    assert_null(strcasestr(r3.headers, "Idempotent-Replayed"));
    assert_string_equal(json_string_value(json_object_get(r3.json, "field")), "Idempotency-Key");
    assert_int_equal(hx_count(&S, "reservations"), before);          /* nothing booked */
    /* Another person's key space is their own. */
    hx_resp r4;
    assert_int_equal(hx_req(&S, "POST", "/api/v1/reservations", member_b, b, key, &r4), 0);
    assert_int_equal(r4.status, 201);
    hx_free(&r1); hx_free(&r2); hx_free(&r3); hx_free(&r4);
}

/* ---- finding: a resource's calendar feed showed other companies'
 * cancellations ---- */

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static void test_feed_hides_other_tenants_history(void **st)
{
    int64_t w = week(5);
    assert_int_equal(at(w), 0);
    char body[80], path[200];
    snprintf(body, sizeof body, "{\"resource_id\":%lld}", (long long)feedlab);
    json_t *f = call("POST", "/api/v1/me/calendar-feeds", member_a, body, 201);
    snprintf(path, sizeof path, "%s", json_string_value(json_object_get(f, "url")));
    json_decref(f);
    /* BioSense: one booking cancelled, one kept. */
    int64_t gone = book(member_b, feedlab, ts(w + 24 * HOUR), ts(w + 25 * HOUR), "Secret BioSense assay");
    cancel(member_b, gone);
    book(member_b, feedlab, ts(w + 48 * HOUR), ts(w + 49 * HOUR), "Secret BioSense run");
    /* NovaCell's own cancelled booking stays visible to NovaCell. */
    int64_t own = book(member_a, feedlab, ts(w + 72 * HOUR), ts(w + 73 * HOUR), "Our run");
    cancel(member_a, own);
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", path, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "Secret BioSense"));
    assert_int_equal(count(r.body, "BEGIN:VEVENT"), 2);              /* BioSense busy block + our own */
    assert_int_equal(count(r.body, "SUMMARY:Busy"), 1);
    assert_int_equal(count(r.body, "STATUS:CANCELLED"), 1);          /* ours, not theirs */
    char uid[64];
    snprintf(uid, sizeof uid, "UID:rsv-%lld@", (long long)gone);
    assert_null(strstr(r.body, uid));
    hx_free(&r);
}

/* ---- no input from outside crashes the server or gets a 5xx ---- */

static void test_odd_inputs_no_5xx(void **st)
{
    int64_t w = week(6);
    assert_int_equal(at(w), 0);
    char long_key[400], hdr[450], badres[200];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", long_key);
    char s1[32];
    snprintf(s1, sizeof s1, "%s", ts(w + 24 * HOUR));
    snprintf(badres, sizeof badres, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
             (long long)bench, s1, ts(w + 23 * HOUR));
    static const struct { const char *method, *path, *body, *hdr; } odd[] = {
        { "POST", "/api/v1/reservations", "{\"resource_id\":1}", "Idempotency-Key: x" },
        { "POST", "/api/v1/reservations", "[]", "Idempotency-Key: y" },
        { "POST", "/api/v1/reservations", "{\"resource_id\":99999999,\"start\":\"2026-03-20T09:00:00+01:00\","
          "\"end\":\"2026-03-20T10:00:00+01:00\"}", "Idempotency-Key: z" },
        { "PATCH", "/api/v1/reservations/1", "{\"start\":\"9999-12-31T23:59:59Z\",\"end\":\"0000-01-01T00:00:00Z\"}", NULL },
        { "PATCH", "/api/v1/reservations/99999999999", "{}", NULL },
        { "POST", "/api/v1/reservations/-1/cancel", NULL, NULL },
        { "POST", "/api/v1/me/calendar-feeds", "{\"resource_id\":2147483647}", NULL },
        { "GET", "/api/v1/calendar/%2e%2e.ics", NULL, NULL },
        { "GET", "/api/v1/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics", NULL, NULL },
        { "GET", "/api/v1/calendar/.ics", NULL, NULL },
        { "GET", "/api/v1/resources/1/estimate?start=0000-01-01T00:00:00Z&end=9999-12-31T23:59:59Z", NULL, NULL },
        { "GET", "/api/v1/resources/1/estimate?start=2026-03-20T09:00:00Z&end=2027-04-23T09:00:00Z", NULL, NULL },
        { "GET", "/api/v1/resources/1/estimate?start=2026-03-20T09:00:00%2B99:99&end=2026-03-20T10:00:00Z", NULL, NULL },
        { "GET", "/api/v1/resources/1/estimate?start=2026-03-20T09:00:00Z&end=2026-03-20T10:00:00Z&tenant_id=99999999999", NULL, NULL },
        { "GET", "/api/v1/resources/-5/estimate?start=2026-03-20T09:00:00Z&end=2026-03-20T10:00:00Z", NULL, NULL },
        { "GET", "/api/v1/reservations/99999999999/estimate", NULL, NULL },
        { "GET", "/api/v1/prices?tenant_id=2", NULL, NULL },
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        hx_resp r;
        assert_int_equal(hx_req(&S, odd[i].method, odd[i].path, member_a, odd[i].body, odd[i].hdr, &r), 0);
        if (r.status >= 500 || r.status == 0) fail_msg("%s %s: %ld", odd[i].method, odd[i].path, r.status);
        hx_free(&r);
    }
    hx_resp r;
    assert_int_equal(hx_req(&S, "POST", "/api/v1/reservations", member_a, badres, hdr, &r), 0);
    assert_int_equal(r.status, 400);                                  /* the key is too long */
    hx_free(&r);
    assert_int_equal(hx_req(&S, "POST", "/api/v1/reservations", member_a, badres, "Idempotency-Key: q", &r), 0);
    assert_true(r.status >= 400 && r.status < 500);
    hx_free(&r);
}

/* ---- surface: training requests. A member could flood staff with
 * requests (each one mails every staff member): one open request per
 * training, asking again is the same request, and at most 20 are open. ---- */

static void test_training_request_flood(void **st)
{
    char body[200], path[96];
    int64_t first = 0;
    for (int i = 0; i < 21; i++) {
        snprintf(body, sizeof body, "{\"name\":\"Flood training %d\",\"validity_days\":30}", i);
        int64_t q = create("/api/v1/qualifications", body);
        if (!first) first = q;
        snprintf(path, sizeof path, "/api/v1/qualifications/%lld/requests", (long long)q);
        json_decref(call("POST", path, member_b, NULL, i < 20 ? 201 : 422));
    }
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld/requests", (long long)first);
    for (int i = 0; i < 5; i++) json_decref(call("POST", path, member_b, NULL, 200));   /* the same one again */
    json_t *l = call("GET", "/api/v1/training-requests", member_b, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "requests")), 20);
    json_decref(l);
    json_decref(call("GET", "/api/v1/training-matrix?tenant_id=1", member_b, NULL, 403));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fee_move_later_then_cancel),
        cmocka_unit_test(test_fee_moved_outside_window_then_cancelled_early),
        cmocka_unit_test(test_fee_deadline_by_earliest_start),
        cmocka_unit_test(test_noshow_fee_not_cut_inside_window),
        cmocka_unit_test(test_idempotency_key_other_payload),
        cmocka_unit_test(test_feed_hides_other_tenants_history),
        cmocka_unit_test(test_odd_inputs_no_5xx),
        cmocka_unit_test(test_training_request_flood),
    };
    return cmocka_run_group_tests_name("attack_domain", tests, setup, teardown);
}
