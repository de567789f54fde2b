/* test_review.c: regression tests from an adversarial review, over real HTTP
 * against labpassd with a fixed clock (2026-03-02, a Monday, 09:00 in
 * Amsterdam): a moved booking on a resource that needs approval is approved
 * again; a person who left their tenant gets no door pass, and leaving,
 * being disabled or losing the staff role takes the live passes at once; the
 * staff API keys go with the staff role; the waitlist books nobody who is
 * disabled or left their tenant; the capacity check of a long booking sees
 * every block in its window; early check-out ends the booking's pass; no
 * booking's pass opens every door. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"
#include "tests/lib/mailbox.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */
#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

static hx_server S;
static char *staff, *admin_a, *member_a, *member_b;

/* ---- helpers ---- */

static int64_t id_of(const hx_resp *r)
{
    return json_integer_value(json_object_get(r->json, "id"));
}

static int setup(void **st)
{
    if (sodium_init() < 0 || hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    return staff && admin_a && member_a && member_b ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a); free(member_b);
    return hx_stop(&S);
}

/* Creates a resource from a JSON body (staff); returns its id. */
static int64_t resource(const char *body)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/resources", staff, body, NULL, &r);
    if (r.status != 201) fail_msg("resource create: %ld %s", r.status, r.body);
    int64_t id = id_of(&r);
    hx_free(&r);
    return id;
}

/* A new member of tenant 1 (NovaCell) with a password; returns the session
 * token (caller frees) and the person's id in *id. */
static char *new_member(const char *email, int64_t *id)
{
    char body[300], setup[128];
    hx_resp r;
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"Review %s\",\"role\":\"member\"}", email, email);
    hx_req(&S, "POST", "/api/v1/tenants/1/members", admin_a, body, NULL, &r);
    if (r.status != 202) fail_msg("member add: %ld %s", r.status, r.body);
    hx_free(&r);
    /* the setup link goes to the new person's address, not to the admin */
    assert_int_equal(mb_token(&S, email, "setup_link", "lpsetup_", setup, sizeof setup), 0);
    snprintf(body, sizeof body, "{\"token\":\"%s\",\"password\":\"review-password-1\"}", setup);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/setup", NULL, body), 204);
    char *tok = hx_login(&S, email, "review-password-1");
    assert_non_null(tok);
    *id = hx_me_id(&S, tok);
    return tok;
}

/* PATCHes reservation id with body as tok; returns the new status (static buffer). */
static const char *patch(const char *tok, int64_t id, const char *body)
{
    static char status[32];
    char p[80];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)id);
    hx_req(&S, "PATCH", p, tok, body, NULL, &r);
    if (r.status != 200) fail_msg("PATCH answered %ld: %s", r.status, r.body);
    snprintf(status, sizeof status, "%s", json_string_value(json_object_get(r.json, "status")));
    hx_free(&r);
    return status;
}

static long post_id(const char *tok, const char *fmt, int64_t id, const char *body)
{
    char p[120];
    snprintf(p, sizeof p, fmt, (long long)id);
    return hx_status(&S, "POST", p, tok, body);
}

/* Number of entries in the array `key` of GET path as tok. */
static size_t count_of(const char *tok, const char *path, const char *key)
{
    hx_resp r;
    hx_req(&S, "GET", path, tok, NULL, NULL, &r);
    if (r.status != 200) fail_msg("GET %s answered %ld: %s", path, r.status, r.body);
    size_t n = json_array_size(json_object_get(r.json, key));
    hx_free(&r);
    return n;
}

static size_t live_passes_of(int64_t person)
{
    char p[120];
    snprintf(p, sizeof p, "/api/v1/passes?person_id=%lld&live=1", (long long)person);
    return count_of(staff, p, "passes");
}

static void register_key(const char *tok)
{
    uint8_t pk[32], sk[64];
    char b64[64], body[200];
    crypto_sign_keypair(pk, sk);
    sodium_bin2base64(b64, sizeof b64, pk, sizeof pk, B64U);
    snprintf(body, sizeof body, "{\"public_key\":\"%s\",\"label\":\"phone\",\"kind\":\"phone\"}", b64);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/me/credentials", tok, body), 201);
}

/* The reservations of resource res that hold [from, to), as seen by staff,
 * with person_id == person (0: any). */
static size_t holding(int64_t res, int64_t person, const char *from, const char *to)
{
    char p[240];
    hx_resp r;
    size_t n = 0;
    snprintf(p, sizeof p, "/api/v1/reservations?resource_id=%lld&from=%s&to=%s", (long long)res, from, to);
    hx_req(&S, "GET", p, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *arr = json_object_get(r.json, "reservations");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        const char *s = json_string_value(json_object_get(o, "status"));
        if (person && json_integer_value(json_object_get(o, "person_id")) != person) continue;
        if (!strcmp(s, "requested") || !strcmp(s, "confirmed") || !strcmp(s, "checked_in")) n++;
    }
    hx_free(&r);
    return n;
}

/* ---- approval survives no move ---- */

/* An approved booking on a resource that needs approval, moved or resized by
 * its member, is a new request: otherwise an approved hour on Tuesday becomes
 * an unapproved day on Thursday. A title change or a shorter booking within
 * the approved time keeps the approval; a move made by staff is approved by
 * the move itself. */
static void test_moved_booking_needs_approval_again(void **st)
{
    int64_t res = resource("{\"name\":\"Review autoclave\",\"kind\":\"equipment\",\"approval_required\":true}");
    char status[32];
    int64_t id = hx_book(&S, member_a, res, "2026-03-03T10:00:00+01:00", "2026-03-03T11:00:00+01:00", status, sizeof status);
    assert_string_equal(status, "requested");
    assert_int_equal(post_id(staff, "/api/v1/reservations/%lld/approve", id, NULL), 200);
    assert_string_equal(patch(member_a, id, "{\"title\":\"sterilise media\"}"), "confirmed");
    assert_string_equal(patch(member_a, id, "{\"start\":\"2026-03-05T09:00:00+01:00\",\"end\":\"2026-03-05T17:00:00+01:00\"}"),
                        "requested");
    assert_int_equal(post_id(staff, "/api/v1/reservations/%lld/approve", id, NULL), 200);
    /* a part of the approved time stays approved; more time does not */
    assert_string_equal(patch(admin_a, id, "{\"end\":\"2026-03-05T16:00:00+01:00\"}"), "confirmed");
    assert_string_equal(patch(admin_a, id, "{\"end\":\"2026-03-05T16:30:00+01:00\"}"), "requested");
    assert_int_equal(post_id(staff, "/api/v1/reservations/%lld/approve", id, NULL), 200);
    assert_string_equal(patch(staff, id, "{\"start\":\"2026-03-06T09:00:00+01:00\",\"end\":\"2026-03-06T10:00:00+01:00\"}"),
                        "confirmed");
}

/* ---- leaving the tenant ends door access ---- */

static void test_no_pass_after_leaving_the_tenant(void **st)
{
    int64_t res = resource("{\"name\":\"Review office\",\"kind\":\"room\",\"door_group\":\"office\"}"), pid;
    char *tok = new_member("leaver@novacell.example", &pid);
    register_key(tok);
    int64_t rid = hx_book(&S, tok, res, "2026-03-02T10:00:00+01:00", "2026-03-02T11:00:00+01:00", NULL, 0);
    hx_book(&S, tok, res, "2026-03-04T10:00:00+01:00", "2026-03-04T11:00:00+01:00", NULL, 0);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 2);
    assert_int_equal(live_passes_of(pid), 2);

    char p[80];
    snprintf(p, sizeof p, "/api/v1/tenants/1/members/%lld", (long long)pid);
    assert_int_equal(hx_status(&S, "DELETE", p, admin_a, NULL), 204);
    /* the live passes go at once, not at the next sweep */
    assert_int_equal(live_passes_of(pid), 0);
    /* signing in again (the password still works) brings no new pass */
    free(tok);
    tok = hx_login(&S, "leaver@novacell.example", "review-password-1");
    assert_non_null(tok);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 0);
    assert_int_equal(live_passes_of(pid), 0);
    /* nor does the former tenant's admin get a bearer pass for the booking */
    assert_int_equal(post_id(admin_a, "/api/v1/reservations/%lld/bearer-pass", rid, NULL), 422);
    assert_int_equal(live_passes_of(pid), 0);
    free(tok);
}

/* A disabled person loses their passes at once too. */
static void test_disabled_person_loses_passes_at_once(void **st)
{
    int64_t res = resource("{\"name\":\"Review office 2\",\"kind\":\"room\",\"door_group\":\"office\"}"), pid;
    char *tok = new_member("disabled@novacell.example", &pid);
    register_key(tok);
    hx_book(&S, tok, res, "2026-03-02T12:00:00+01:00", "2026-03-02T13:00:00+01:00", NULL, 0);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 1);
    char p[80];
    snprintf(p, sizeof p, "/api/v1/people/%lld", (long long)pid);
    assert_int_equal(hx_status(&S, "PATCH", p, staff, "{\"status\":\"disabled\"}"), 200);
    assert_int_equal(live_passes_of(pid), 0);
    free(tok);
}

/* A staff member made a plain person loses the standing pass and the staff
 * API keys at once (a key would otherwise still act as staff). */
static void test_demoted_staff_loses_pass_and_keys_at_once(void **st)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/people", staff, "{\"email\":\"night@medtechfactory.example\",\"name\":\"Night "
           "Staff\",\"password\":\"review-password-1\",\"is_staff\":true}", NULL, &r);
    assert_int_equal(r.status, 201);
    int64_t pid = id_of(&r);
    hx_free(&r);
    char *tok = hx_login(&S, "night@medtechfactory.example", "review-password-1");
    assert_non_null(tok);
    register_key(tok);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 1);
    hx_req(&S, "POST", "/api/v1/api-keys", tok, "{\"name\":\"night script\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    char *key = strdup(json_string_value(json_object_get(r.json, "key")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/audit?limit=1", key, NULL), 200);
    char p[80];
    snprintf(p, sizeof p, "/api/v1/people/%lld", (long long)pid);
    assert_int_equal(hx_status(&S, "PATCH", p, staff, "{\"is_staff\":false}"), 200);
    assert_int_equal(live_passes_of(pid), 0);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/audit?limit=1", key, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/audit?limit=1", tok, NULL), 403);
    free(key);
    free(tok);
}

/* Checking out early gives the rest of the slot back (to the waitlist): the
 * pass of the finished booking must not open the door during it. */
static void test_early_check_out_ends_the_pass(void **st)
{
    int64_t res = resource("{\"name\":\"Review office 3\",\"kind\":\"room\",\"door_group\":\"office\"}"), pid;
    char *tok = new_member("early@novacell.example", &pid);
    register_key(tok);
    int64_t rid = hx_book(&S, tok, res, "2026-03-02T09:15:00+01:00", "2026-03-02T10:15:00+01:00", NULL, 0);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 1);
    assert_int_equal(post_id(tok, "/api/v1/reservations/%lld/check-in", rid, NULL), 200);
    assert_int_equal(live_passes_of(pid), 1);
    assert_int_equal(post_id(tok, "/api/v1/reservations/%lld/check-out", rid, NULL), 200);
    assert_int_equal(live_passes_of(pid), 0);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 0);
    free(tok);
}

/* "*" is the door group of standing staff passes: every door takes it. A
 * resource may not carry it, and a booking's pass is never written with it
 * (a resource stored with it earlier gets no passes). */
static void test_no_every_door_pass_for_a_booking(void **st)
{
    assert_int_equal(hx_status(&S, "POST", "/api/v1/resources", staff,
                               "{\"name\":\"Review star room\",\"kind\":\"room\",\"door_group\":\"*\"}"), 400);
    int64_t res = resource("{\"name\":\"Review legacy room\",\"kind\":\"room\",\"door_group\":\"office\"}"), pid;
    char p[80];
    snprintf(p, sizeof p, "/api/v1/resources/%lld", (long long)res);
    assert_int_equal(hx_status(&S, "PATCH", p, staff, "{\"door_group\":\"*\"}"), 400);
    /* as a database from before this rule may hold it */
    sqlite3 *db = NULL;
    char sql[120];
    snprintf(sql, sizeof sql, "UPDATE resources SET door_group = '*' WHERE id = %lld", (long long)res);
    assert_int_equal(sqlite3_open(S.db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char *tok = new_member("star@novacell.example", &pid);
    register_key(tok);
    int64_t rid = hx_book(&S, tok, res, "2026-03-02T14:00:00+01:00", "2026-03-02T15:00:00+01:00", NULL, 0);
    assert_int_equal(count_of(tok, "/api/v1/me/passes", "passes"), 0);
    assert_int_equal(post_id(admin_a, "/api/v1/reservations/%lld/bearer-pass", rid, NULL), 422);
    assert_int_equal(live_passes_of(pid), 0);
    free(tok);
}

/* ---- the waitlist books only people who may book ---- */

static void test_waitlist_skips_disabled_and_departed(void **st)
{
    int64_t res = resource("{\"name\":\"Review meeting room\",\"kind\":\"room\"}"), w1, w2, ma;
    const char *from = "2026-03-04T10:00:00%2B01:00", *to = "2026-03-04T11:00:00%2B01:00";
    char *t1 = new_member("waiter1@novacell.example", &w1), *t2 = new_member("waiter2@novacell.example", &w2);
    int64_t taken = hx_book(&S, member_b, res, "2026-03-04T10:00:00+01:00", "2026-03-04T11:00:00+01:00", NULL, 0);
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-04T10:00:00+01:00\","
             "\"end\":\"2026-03-04T11:00:00+01:00\"}", (long long)res);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/waitlist", t1, body), 201);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/waitlist", t2, body), 201);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/waitlist", member_a, body), 201);

    char p[80];
    snprintf(p, sizeof p, "/api/v1/people/%lld", (long long)w1);
    assert_int_equal(hx_status(&S, "PATCH", p, staff, "{\"status\":\"disabled\"}"), 200);
    snprintf(p, sizeof p, "/api/v1/tenants/1/members/%lld", (long long)w2);
    assert_int_equal(hx_status(&S, "DELETE", p, admin_a, NULL), 204);

    assert_int_equal(post_id(member_b, "/api/v1/reservations/%lld/cancel", taken, NULL), 200);
    assert_int_equal(holding(res, w1, from, to), 0);   /* disabled */
    assert_int_equal(holding(res, w2, from, to), 0);   /* no longer NovaCell's to bill */
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me", member_a, NULL, NULL, &r);
    ma = id_of(&r);
    hx_free(&r);
    assert_int_equal(holding(res, ma, from, to), 1);   /* the next in line who may book */
    free(t1);
    free(t2);
}

/* ---- capacity with many bookings in the window ---- */

/* The overlap check of a long booking on a resource with capacity 2 must see
 * every block it overlaps, not the first 2000: here 2100 one-minute bookings
 * fill one lane for a month, and two bookings at its end fill both lanes. */
static void test_capacity_sees_every_block(void **st)
{
    int64_t res = resource("{\"name\":\"Review shelf\",\"kind\":\"equipment\",\"capacity\":2,\"min_minutes\":1,"
                           "\"max_minutes\":43200,\"granularity_min\":1}");
    char body[400];
    for (int k = 0; k < 70; k++) {
        /* one minute every other minute from 10:00, daily for 30 days */
        snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-03T%02d:%02d:00+01:00\","
                 "\"end\":\"2026-03-03T%02d:%02d:00+01:00\",\"rrule\":\"FREQ=DAILY;COUNT=30\"}", (long long)res,
                 10 + (2 * k) / 60, (2 * k) % 60, 10 + (2 * k + 1) / 60, (2 * k + 1) % 60);
        long stc = hx_status(&S, "POST", "/api/v1/reservations", k % 2 ? member_a : member_b, body);
        if (stc != 201) fail_msg("series %d answered %ld", k, stc);
    }
    hx_book(&S, member_a, res, "2026-04-01T20:00:00+02:00", "2026-04-01T21:00:00+02:00", NULL, 0);
    hx_book(&S, member_b, res, "2026-04-01T20:00:00+02:00", "2026-04-01T21:00:00+02:00", NULL, 0);
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-02T23:00:00+01:00\","
             "\"end\":\"2026-04-01T23:00:00+02:00\"}", (long long)res);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", member_a, body), 409);
    assert_int_equal(holding(res, 0, "2026-04-01T20:00:00%2B02:00", "2026-04-01T21:00:00%2B02:00"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moved_booking_needs_approval_again),
        cmocka_unit_test(test_no_pass_after_leaving_the_tenant),
        cmocka_unit_test(test_disabled_person_loses_passes_at_once),
        cmocka_unit_test(test_demoted_staff_loses_pass_and_keys_at_once),
        cmocka_unit_test(test_early_check_out_ends_the_pass),
        cmocka_unit_test(test_no_every_door_pass_for_a_booking),
        cmocka_unit_test(test_waitlist_skips_disabled_and_departed),
        cmocka_unit_test(test_capacity_sees_every_block),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
