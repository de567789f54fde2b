/* test_attack_webhooks.c: what an outsider or a tenant could try against the
 * webhook routes, over real HTTP against labpassd on 127.0.0.1 with a fresh
 * demo database and the injected clock. Tenant people and anonymous callers
 * reach none of the routes; a hostile URL (another scheme, credentials,
 * CRLF to inject a header, spaces, controls, over 2048 bytes) is refused at
 * the edge, in creation and change alike; wrong types, unknown fields (a
 * secret of one's own choosing among them), oversized arrays and bodies are
 * 4xx, never a 5xx; nothing refused is stored; the secret never shows again. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */

static hx_server S;
static char *staff, *member, *admin;
static int64_t hook;
static char secret[120];

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member = hx_login(&S, DEMO_MEMBER_A);
    admin = hx_login(&S, DEMO_ADMIN_A);
    if (!staff || !member || !admin) return -1;
    hx_resp r;
    if (hx_req(&S, "POST", "/api/v1/webhooks", staff,
               "{\"url\":\"https://127.0.0.1:9/never\",\"events\":[\"door.alarm\"],\"enabled\":false}", NULL, &r) != 0 ||
        r.status != 201)
        return -1;
    hook = json_integer_value(json_object_get(json_object_get(r.json, "webhook"), "id"));
    snprintf(secret, sizeof secret, "%s", json_string_value(json_object_get(r.json, "secret")));
    hx_free(&r);
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(member); free(admin);
    return hx_stop(&S);
}

static int64_t endpoints(void)
{
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/webhooks", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    int64_t n = (int64_t)json_array_size(json_object_get(r.json, "webhooks"));
    hx_free(&r);
    return n;
}

/* Expects status for the request; with field, the problem names it. */
static void expect(const char *method, const char *path, const char *tok, const char *body, long status,
                   const char *field)
{
    hx_resp r;
    hx_req(&S, method, path, tok, body, NULL, &r);
    if (r.status != status) fail_msg("%s %s %.120s: %ld, wanted %ld: %.300s", method, path, body ? body : "", r.status,
                                     status, r.body);
    if (field) {
        const char *got = json_string_value(json_object_get(r.json, "field"));
        if (!got || strcmp(got, field)) fail_msg("%s %.120s: field %s, wanted %s", path, body, got ? got : "(none)", field);
    }
    hx_free(&r);
}

static void test_tenant_people_reach_nothing(void **st)
{
    char p[5][100];
    snprintf(p[0], sizeof p[0], "/api/v1/webhooks/%lld", (long long)hook);
    snprintf(p[1], sizeof p[1], "/api/v1/webhooks/%lld/secret", (long long)hook);
    snprintf(p[2], sizeof p[2], "/api/v1/webhooks/%lld/test", (long long)hook);
    snprintf(p[3], sizeof p[3], "/api/v1/webhooks/%lld/deliveries", (long long)hook);
    snprintf(p[4], sizeof p[4], "/api/v1/webhooks/%lld/deliveries/1/retry", (long long)hook);
    const char *body = "{\"url\":\"https://127.0.0.1:9/mine\",\"events\":[\"reservation.created\"]}";
    char *const WHO[] = { member, admin, NULL };
    for (int i = 0; i < 3; i++) {
        long want = WHO[i] ? 403 : 401;
        expect("GET", "/api/v1/webhooks", WHO[i], NULL, want, NULL);
        expect("POST", "/api/v1/webhooks", WHO[i], body, want, NULL);
        expect("GET", p[0], WHO[i], NULL, want, NULL);
        expect("PATCH", p[0], WHO[i], "{\"enabled\":true}", want, NULL);
        expect("DELETE", p[0], WHO[i], NULL, want, NULL);
        expect("POST", p[1], WHO[i], NULL, want, NULL);
        expect("POST", p[2], WHO[i], NULL, want, NULL);
        expect("GET", p[3], WHO[i], NULL, want, NULL);
        expect("POST", p[4], WHO[i], NULL, want, NULL);
    }
    assert_int_equal(endpoints(), 1);
    expect("GET", p[0], staff, NULL, 200, NULL);   /* untouched */
}

static void test_hostile_urls(void **st)
{
    static char huge[3100];
    memcpy(huge, "https://example.org/", 20);
    memset(huge + 20, 'a', sizeof huge - 21);
    static const char *const URLS[] = {
        "file:///etc/passwd", "gopher://127.0.0.1:25/_HELO", "http://example.org/hook", "ftp://example.org/x",
        "dict://127.0.0.1:11211/stats", "ldap://127.0.0.1/", "javascript:alert(1)", "//example.org/hook",
        "https://example.org/x\\r\\nX-Injected: 1", "https://example.org/\\r\\n\\r\\nGET / HTTP/1.1",
        "https://exa mple.org/", "https://example.org/\\u0007", "https://user:secret@example.org/",
        "https://user@example.org/", "https://", "https:///etc/passwd", "HTTPS://example.org/", " https://example.org/",
        "https://example.org/caf\\u00e9", "", huge, NULL };
    char body[3400], p[80];
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld", (long long)hook);
    for (int i = 0; URLS[i]; i++) {
        snprintf(body, sizeof body, "{\"url\":\"%s\",\"events\":[\"reservation.created\"]}", URLS[i]);
        expect("POST", "/api/v1/webhooks", staff, body, 400, "url");
        snprintf(body, sizeof body, "{\"url\":\"%s\"}", URLS[i]);
        expect("PATCH", p, staff, body, 400, "url");
    }
    assert_int_equal(endpoints(), 1);
    hx_resp r;
    hx_req(&S, "GET", p, staff, NULL, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "url")), "https://127.0.0.1:9/never");
    hx_free(&r);
}

static void test_wrong_types_and_sizes(void **st)
{
    static const struct { const char *body; const char *field; } BAD[] = {
        { "{\"url\":5,\"events\":[\"door.alarm\"]}", "url" },
        { "{\"url\":\"https://example.org/h\",\"events\":\"door.alarm\"}", "events" },
        { "{\"url\":\"https://example.org/h\",\"events\":[1]}", "events" },
        { "{\"url\":\"https://example.org/h\",\"events\":[]}", "events" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"door.*\"]}", "events" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"ping\"]}", "events" },
        { "{\"url\":\"https://example.org/h\",\"events\":[null]}", "events" },
        { "{\"url\":\"https://example.org/h\",\"events\":[[\"door.alarm\"]]}", "events" },
        { "{\"url\":\"https://example.org/h\"}", "events" },
        { "{\"events\":[\"door.alarm\"]}", "url" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"enabled\":\"yes\"}", "enabled" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"description\":5}", "description" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"description\":\"bell\\u0007\"}", "description" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}", "secret" },
        { "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"version\":1}", "version" },
        { NULL, NULL } };
    for (int i = 0; BAD[i].body; i++) expect("POST", "/api/v1/webhooks", staff, BAD[i].body, 400, BAD[i].field);
    /* too long a description, too many events */
    char body[70000];
    int n = snprintf(body, sizeof body, "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"description\":\"");
    memset(body + n, 'd', 201);
    snprintf(body + n + 201, sizeof body - (size_t)n - 201, "\"}");
    expect("POST", "/api/v1/webhooks", staff, body, 400, "description");
    n = snprintf(body, sizeof body, "{\"url\":\"https://example.org/h\",\"events\":[");
    for (int i = 0; i < 200; i++) n += snprintf(body + n, sizeof body - (size_t)n, "%s\"door.alarm\"", i ? "," : "");
    snprintf(body + n, sizeof body - (size_t)n, "]}");
    expect("POST", "/api/v1/webhooks", staff, body, 400, "events");
    /* a body over 64 KiB */
    n = snprintf(body, sizeof body, "{\"url\":\"https://example.org/h\",\"events\":[\"door.alarm\"],\"description\":\"");
    memset(body + n, 'x', sizeof body - (size_t)n - 3);
    memcpy(body + sizeof body - 3, "\"}", 3);
    expect("POST", "/api/v1/webhooks", staff, body, 413, NULL);
    /* a change: wrong types, a stale or bad version */
    char p[80];
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld", (long long)hook);
    expect("PATCH", p, staff, "{\"enabled\":1}", 400, "enabled");
    expect("PATCH", p, staff, "{\"version\":0}", 400, "version");
    expect("PATCH", p, staff, "{\"version\":\"1\"}", 400, "version");
    expect("PATCH", p, staff, "{\"events\":[]}", 400, "events");
    expect("PATCH", p, staff, "{\"version\":99}", 409, "version");
    expect("PATCH", p, staff, "[1]", 400, NULL);
    assert_int_equal(endpoints(), 1);
}

static void test_odd_paths_and_cursors(void **st)
{
    char p[120];
    expect("GET", "/api/v1/webhooks/999999999999999", staff, NULL, 404, NULL);
    expect("GET", "/api/v1/webhooks/abc", staff, NULL, 404, NULL);
    expect("POST", "/api/v1/webhooks/999999/deliveries/1/retry", staff, NULL, 404, NULL);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries/999999/retry", (long long)hook);
    expect("POST", p, staff, NULL, 404, NULL);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries?cursor=AAAA", (long long)hook);
    expect("GET", p, staff, NULL, 400, NULL);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries?limit=0", (long long)hook);
    expect("GET", p, staff, NULL, 400, NULL);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/test", (long long)hook);
    expect("POST", p, staff, NULL, 409, "enabled");   /* disabled: no ping */
}

static void test_secret_never_again(void **st)
{
    char p[120];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld", (long long)hook);
    const char *paths[] = { "/api/v1/webhooks", p, "/api/v1/audit?object_type=webhook_endpoint", NULL };
    for (int i = 0; paths[i]; i++) {
        hx_req(&S, "GET", paths[i], staff, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, secret + 6));
        assert_null(strstr(r.body, "whsec_"));
        hx_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_people_reach_nothing),
        cmocka_unit_test(test_hostile_urls),
        cmocka_unit_test(test_wrong_types_and_sizes),
        cmocka_unit_test(test_odd_paths_and_cursors),
        cmocka_unit_test(test_secret_never_again),
    };
    return cmocka_run_group_tests_name("attack_webhooks", tests, setup, teardown);
}
