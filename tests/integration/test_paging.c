/* test_paging.c: cursor pagination of the list routes over real HTTP
 * (api/page.h). Walking a list page by page through its next links gives
 * exactly the rows of the whole list, in order, each once; the Link header
 * repeats the next link; the last page says null; a forged, truncated or
 * foreign cursor, a bad limit and an over-long query are 400s. The lists:
 * reservations, charges, invoices, audit, outbox, sessions, waitlist,
 * issued passes and door events. Runs on a
 * fixed clock (Monday 2 March 2026, Europe/Amsterdam). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */
#define WINDOW "from=2026-02-28T23:00:00Z&to=2026-03-19T23:00:00Z"

static hx_server S;
static char *staff, *member_a, *member_b;

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    if (!staff || !member_a || !member_b) return -1;
    int64_t room = hx_resource_id(&S, member_a, "Meeting room Pasteur");
    if (!room) return -1;
    /* Two bookings on each weekday of two weeks, by two tenants. */
    static const int DAYS[] = { 3, 4, 5, 6, 9, 10, 11, 12, 13 };
    char s[40], e[40];
    for (size_t d = 0; d < sizeof DAYS / sizeof DAYS[0]; d++)
        for (int h = 9; h <= 11; h += 2) {
            snprintf(s, sizeof s, "2026-03-%02dT%02d:00:00+01:00", DAYS[d], h);
            snprintf(e, sizeof e, "2026-03-%02dT%02d:00:00+01:00", DAYS[d], h + 1);
            hx_book(&S, (d + h) % 2 ? member_a : member_b, room, s, e, NULL, 0);
            /* the other tenant waits for each slot */
            char body[200];
            snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}", (long long)room, s, e);
            if (hx_status(&S, "POST", "/api/v1/waitlist", (d + h) % 2 ? member_b : member_a, body) != 201) return -1;
        }
    /* holder keys, so that asking for one's passes issues some */
    char *const WHO[] = { member_a, member_b, staff };
    for (size_t i = 0; i < 3; i++) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        char x[64], body[200];
        crypto_sign_keypair(pk, sk);
        sodium_bin2base64(x, sizeof x, pk, sizeof pk, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(body, sizeof body, "{\"public_key\":\"%s\",\"label\":\"phone\",\"kind\":\"phone\"}", x);
        if (hx_status(&S, "POST", "/api/v1/me/credentials", WHO[i], body) != 201) return -1;
        if (hx_status(&S, "GET", "/api/v1/me/passes", WHO[i], NULL) != 200) return -1;
    }
    /* a door that reports alarms, several at the same instant (the cursor
     * is (time, id)) */
    hx_resp r;
    if (hx_req(&S, "POST", "/api/v1/doors", staff, "{\"name\":\"paging-door\",\"group\":\"paging\"}", NULL, &r) != 0 ||
        r.status != 201)
        return -1;
    char path[80], key[128], body[400];
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events",
             (long long)json_integer_value(json_object_get(json_object_get(r.json, "door"), "id")));
    snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "api_key")));
    hx_free(&r);
    for (int i = 0; i < 7; i++) {
        snprintf(body, sizeof body, "{\"events\":[{\"id\":\"p-%d\",\"time\":\"2026-03-02T07:%02d:00Z\",\"kind\":\"alarm\","
                 "\"alarm\":\"forced_open\"}]}", i, 10 + i / 3);
        if (hx_status(&S, "POST", path, key, body) != 200) return -1;
    }
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(member_a); free(member_b);
    return hx_stop(&S);
}

/* The ids of list key in one answer, appended to ids[*n]. */
static void collect(const hx_resp *r, const char *key, int64_t *ids, size_t *n, size_t cap)
{
    json_t *arr = json_object_get(r->json, key);
    assert_true(json_is_array(arr));
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        assert_true(*n < cap);
        json_t *id = json_object_get(v, "id");
        ids[(*n)++] = id ? json_integer_value(id) : -1;   /* busy blocks carry no id */
    }
}

/* Walks path (with its query) page by page with limit per page; returns the
 * number of pages and fills ids. Checks next and Link on every page. */
static int walk(const char *tok, const char *path, const char *key, int limit, int64_t *ids, size_t *n, size_t cap)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%slimit=%d", path, strchr(path, '?') ? "&" : "?", limit);
    int pages = 0;
    *n = 0;
    for (;;) {
        hx_resp r;
        assert_int_equal(hx_req(&S, "GET", url, tok, NULL, NULL, &r), 0);
        if (r.status != 200) fail_msg("GET %s: %ld %s", url, r.status, r.body);
        pages++;
        size_t before = *n;
        collect(&r, key, ids, n, cap);
        assert_true(*n - before <= (size_t)limit);
        json_t *next = json_object_get(r.json, "next");
        assert_non_null(next);   /* always present: a string or null */
        char link[2100] = "";
        const char *h = strstr(r.headers, "\nLink: ");
        if (h) sscanf(h + 7, "%2099[^\r\n]", link);
        if (json_is_null(next)) {
            assert_string_equal(link, "");
            hx_free(&r);
            return pages;
        }
        assert_true(json_is_string(next));
        char want[2100];
        snprintf(want, sizeof want, "<%s>; rel=\"next\"", json_string_value(next));
        assert_string_equal(link, want);
        snprintf(url, sizeof url, "%s", json_string_value(next));
        hx_free(&r);
        assert_true(pages < 100);
    }
}

static void test_pages_join_to_the_whole_list(void **st)
{
    int64_t all[200], paged[200];
    size_t na = 0, np = 0;
    assert_int_equal(walk(staff, "/api/v1/reservations?" WINDOW, "reservations", 5000, all, &na, 200), 1);
    assert_true(na >= 11);
    for (int limit = 1; limit <= 4; limit++) {
        int pages = walk(staff, "/api/v1/reservations?" WINDOW, "reservations", limit, paged, &np, 200);
        assert_int_equal(np, na);
        assert_memory_equal(paged, all, na * sizeof *all);
        assert_int_equal(pages, (int)((na + limit - 1) / limit));   /* a full last page has no empty follower */
    }
    /* Another tenant pages the same way (its own rows in full, ours as busy
     * blocks; rows it may not see still move the cursor). */
    assert_true(walk(member_b, "/api/v1/reservations?" WINDOW "&scope=all", "reservations", 3, paged, &np, 200) > 1);
    assert_true(np > 0 && np <= na);
}

static void test_other_lists_page_too(void **st)
{
    int64_t all[2000], paged[2000];
    size_t na = 0, np = 0;
    static const char *const LISTS[][2] = {
        { "/api/v1/audit", "entries" }, { "/api/v1/outbox", "messages" }, { "/api/v1/sessions", "sessions" },
        { "/api/v1/invoices", "invoices" }, { "/api/v1/charges?period=2026-03", "charges" },
        { "/api/v1/waitlist", "waitlist" }, { "/api/v1/passes", "passes" },
        { "/api/v1/door-events?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z", "events" },
    };
    for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++) {
        walk(staff, LISTS[i][0], LISTS[i][1], 1000, all, &na, 2000);
        int pages = walk(staff, LISTS[i][0], LISTS[i][1], 2, paged, &np, 2000);
        if (np != na || memcmp(paged, all, na * sizeof *all) != 0)
            fail_msg("%s: %zu rows in pages of 2, %zu in one", LISTS[i][0], np, na);
        if (na > 2) assert_true(pages > 1);
        if (i >= 5 && na < 3) fail_msg("%s: %zu rows, too few to page", LISTS[i][0], na);
    }
    /* The charges total is the month's, whatever the page. */
    hx_resp one, page;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/charges?period=2026-03", staff, NULL, NULL, &one), 0);
    assert_int_equal(hx_req(&S, "GET", "/api/v1/charges?period=2026-03&limit=1", staff, NULL, NULL, &page), 0);
    assert_int_equal(json_integer_value(json_object_get(one.json, "net_cents")),
                     json_integer_value(json_object_get(page.json, "net_cents")));
    assert_int_equal(json_integer_value(json_object_get(one.json, "count")),
                     json_array_size(json_object_get(one.json, "charges")));
    hx_free(&one);
    hx_free(&page);
}

static void b64u(const char *text, char *out, size_t cap)
{
    sodium_bin2base64(out, cap, (const unsigned char *)text, strlen(text), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void test_bad_cursors_and_limits(void **st)
{
    char path[4200], cur[200];
    static const char *const FORGED[] = { "c1.5", "c1.1.2.3", "c2.1.2", "c1.x.2", "c1.1.", "c1.-.1",
                                          "c1.123456789012345678901.1", "c1.1.2\n", "c1.5" };
    for (size_t i = 0; i < sizeof FORGED / sizeof FORGED[0]; i++) {
        b64u(FORGED[i], cur, sizeof cur);
        snprintf(path, sizeof path, "/api/v1/reservations?" WINDOW "&cursor=%s", cur);
        if (hx_status(&S, "GET", path, staff, NULL) != 400) fail_msg("cursor %s was accepted", FORGED[i]);
    }
    static const char *const RAW[] = { "%00", "====", "a+b", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "" };
    for (size_t i = 0; i < sizeof RAW / sizeof RAW[0]; i++) {
        snprintf(path, sizeof path, "/api/v1/audit?cursor=%s", RAW[i]);
        if (hx_status(&S, "GET", path, staff, NULL) != 400) fail_msg("raw cursor '%s' was accepted", RAW[i]);
    }
    /* The same one-key cursor is what the audit log takes (its sort key is an id). */
    b64u("c1.5", cur, sizeof cur);
    snprintf(path, sizeof path, "/api/v1/audit?cursor=%s", cur);
    assert_int_equal(hx_status(&S, "GET", path, staff, NULL), 200);
    static const char *const LIMITS[] = { "0", "-1", "5001", "1e3", "", "99999999999999999999" };
    for (size_t i = 0; i < sizeof LIMITS / sizeof LIMITS[0]; i++) {
        snprintf(path, sizeof path, "/api/v1/reservations?" WINDOW "&limit=%s", LIMITS[i]);
        if (hx_status(&S, "GET", path, staff, NULL) != 400) fail_msg("limit '%s' was accepted", LIMITS[i]);
    }
    /* A query too long to repeat in a next link. */
    int n = snprintf(path, sizeof path, "/api/v1/outbox?pad=");
    memset(path + n, 'a', 1500);
    path[n + 1500] = '\0';
    assert_int_equal(hx_status(&S, "GET", path, staff, NULL), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_join_to_the_whole_list),
        cmocka_unit_test(test_other_lists_page_too),
        cmocka_unit_test(test_bad_cursors_and_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
