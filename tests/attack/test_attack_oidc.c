/* test_attack_oidc.c: what an outsider, a tenant's people or a hostile
 * provider setting could try against single sign-on, over real HTTP against
 * labpassd on 127.0.0.1 with a fresh demo database and the injected clock.
 * The callback answers every hostile query (no state, a huge or binary state
 * or code, a provider's error, a forged binding cookie) with the sign-in
 * page's redirect, never a 5xx and never a session; an unknown or disabled
 * provider is 404; one client cannot start more than a few logins; the staff
 * routes refuse anonymous callers, members and tenant admins; provider
 * settings with an http issuer off loopback, credentials in the URL, wrong
 * types, unknown fields, a rule for a tenant that does not exist or too many
 * rules are 400; the client secret never shows. */
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
static int64_t prov;

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member = hx_login(&S, DEMO_MEMBER_A);
    admin = hx_login(&S, DEMO_ADMIN_A);
    if (!staff || !member || !admin) return -1;
    hx_resp r;
    /* port 9 on loopback: nothing answers, so a start cannot reach discovery */
    if (hx_req(&S, "POST", "/api/v1/oidc/providers", staff,
               "{\"name\":\"Campus\",\"issuer\":\"http://127.0.0.1:9\",\"client_id\":\"labpass\","
               "\"client_secret\":\"very-secret-value\"}", NULL, &r) != 0 || r.status != 201)
        return -1;
    prov = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    return 0;
}

static int teardown(void **st)
{
    free(staff); free(member); free(admin);
    return hx_stop(&S);
}

static void expect_signin_page(const char *path, const char *cookie)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", path, NULL, NULL, cookie, &r), 0);
    if (r.status != 303) fprintf(stderr, "%s: %ld %s\n", path, r.status, r.body);
    assert_true(r.status == 303 || r.status == 400 || r.status == 414 || r.status == 431);
    assert_null(strstr(r.headers, "lp_session="));
    if (r.status == 303) assert_non_null(strstr(r.headers, "oidc_error=oidc-bad-state"));
    hx_free(&r);
}

static void test_hostile_callbacks(void **st)
{
    expect_signin_page("/api/v1/auth/oidc/callback", NULL);
    expect_signin_page("/api/v1/auth/oidc/callback?code=abc", NULL);
    expect_signin_page("/api/v1/auth/oidc/callback?state=&code=", NULL);
    expect_signin_page("/api/v1/auth/oidc/callback?state=%00%01%02&code=x", NULL);
    expect_signin_page("/api/v1/auth/oidc/callback?state=a%20b&code=x", NULL);
    expect_signin_page("/api/v1/auth/oidc/callback?state='%3B--&code=x", "Cookie: lp_oidc=' OR 1=1 --");
    expect_signin_page("/api/v1/auth/oidc/callback?error=access_denied&state=nope", NULL);
    expect_signin_page("/api/v1/auth/oidc/callback?state=x&state=y&code=z", NULL);
    char *big = malloc(7000);
    strcpy(big, "/api/v1/auth/oidc/callback?code=c&state=");
    size_t n = strlen(big);
    memset(big + n, 'A', 6000);
    big[n + 6000] = 0;
    expect_signin_page(big, NULL);
    free(big);
    /* a cookie far over any binding's size */
    char cookie[3000];
    strcpy(cookie, "Cookie: lp_oidc=");
    memset(cookie + 16, 'b', 2500);
    cookie[2516] = 0;
    expect_signin_page("/api/v1/auth/oidc/callback?state=abc&code=def", cookie);
    assert_int_equal(hx_count(&S, "oidc_links"), 0);
}

static void test_start(void **st)
{
    assert_int_equal(hx_status(&S, "GET", "/api/v1/auth/oidc/987654/start", NULL, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/auth/oidc/0/start", NULL, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/auth/oidc/abc/start", NULL, NULL), 404);
    /* the provider cannot be reached: 503, never a redirect to nowhere */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/auth/oidc/%lld/start", (long long)prov);
    assert_int_equal(hx_status(&S, "GET", path, NULL, NULL), 503);
    /* pending logins from one client are bounded (each failed start above kept one) */
    long last = 0;
    for (int i = 0; i < 20 && last != 429; i++) last = hx_status(&S, "GET", path, NULL, NULL);
    assert_int_equal(last, 429);
    assert_true(hx_count(&S, "oidc_pending") <= 10);
    /* a disabled provider is not offered and cannot be started */
    char p2[96];
    snprintf(p2, sizeof p2, "/api/v1/oidc/providers/%lld", (long long)prov);
    assert_int_equal(hx_status(&S, "PATCH", p2, staff, "{\"enabled\": false}"), 200);
    assert_int_equal(hx_count(&S, "oidc_pending"), 0);   /* a change ends its pending logins */
    assert_int_equal(hx_status(&S, "GET", path, NULL, NULL), 404);
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/auth/oidc/providers", NULL, NULL, NULL, &r), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "providers")), 0);
    hx_free(&r);
    assert_int_equal(hx_status(&S, "PATCH", p2, staff, "{\"enabled\": true}"), 200);
}

static void test_roles(void **st)
{
    char p[96];
    snprintf(p, sizeof p, "/api/v1/oidc/providers/%lld", (long long)prov);
    const char *who[] = { NULL, member, admin };
    for (int i = 0; i < 3; i++) {
        long want = who[i] ? 403 : 401;
        assert_int_equal(hx_status(&S, "GET", "/api/v1/oidc/providers", who[i], NULL), want);
        assert_int_equal(hx_status(&S, "POST", "/api/v1/oidc/providers", who[i],
                                   "{\"name\":\"x\",\"issuer\":\"https://x.example\",\"client_id\":\"c\"}"), want);
        assert_int_equal(hx_status(&S, "GET", p, who[i], NULL), want);
        assert_int_equal(hx_status(&S, "PATCH", p, who[i], "{\"name\":\"y\"}"), want);
        assert_int_equal(hx_status(&S, "DELETE", p, who[i], NULL), want);
    }
    snprintf(p, sizeof p, "/api/v1/me/oidc/%lld/link", (long long)prov);
    assert_int_equal(hx_status(&S, "POST", p, NULL, NULL), 401);
}

static void test_hostile_settings(void **st)
{
    static const char *const BAD[] = {
        "{\"name\":\"x\",\"issuer\":\"http://idp.example.org\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"https://u:p@idp.example.org\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org/?a=b\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\\r\\nX: y\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"javascript:alert(1)\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c d\"}",
        "{\"name\":\"\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"scopes\":\"email\"}",
        "{\"name\":1,\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"secret_sealed\":\"AAAA\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"enabled\":\"yes\"}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":{}}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[1]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"email\",\"value\":\"a\",\"role\":\"member\",\"tenant_id\":1}]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"domain\",\"value\":\"a.nl\",\"role\":\"member\",\"tenant_id\":99999}]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"domain\",\"value\":\"a.nl\",\"role\":\"staff\",\"tenant_id\":1}]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"domain\",\"value\":\"a.nl\",\"role\":\"owner\",\"tenant_id\":1}]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"domain\",\"value\":\"a nl\",\"role\":\"member\",\"tenant_id\":1}]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"domain\",\"value\":\"a.nl\",\"role\":\"member\",\"tenant_id\":1,\"extra\":1}]}",
        "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[{\"kind\":\"domain\",\"value\":\"a.nl\",\"role\":\"member\",\"tenant_id\":-1}]}",
    };
    int64_t before = hx_count(&S, "oidc_providers");
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        long st2 = hx_status(&S, "POST", "/api/v1/oidc/providers", staff, BAD[i]);
        if (st2 != 400) fprintf(stderr, "body %zu: %ld\n", i, st2);
        assert_int_equal(st2, 400);
    }
    /* too many rules */
    char *body = malloc(20000);
    strcpy(body, "{\"name\":\"x\",\"issuer\":\"https://idp.example.org\",\"client_id\":\"c\",\"rules\":[");
    for (int i = 0; i < 51; i++)
        sprintf(body + strlen(body), "%s{\"kind\":\"group\",\"value\":\"g%d\",\"role\":\"staff\"}", i ? "," : "", i);
    strcat(body, "]}");
    assert_int_equal(hx_status(&S, "POST", "/api/v1/oidc/providers", staff, body), 400);
    free(body);
    assert_int_equal(hx_count(&S, "oidc_providers"), before);
    /* the same issuer twice */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/oidc/providers", staff,
                               "{\"name\":\"x\",\"issuer\":\"http://127.0.0.1:9\",\"client_id\":\"c\"}"), 409);
    /* the secret never shows */
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/oidc/providers", staff, NULL, NULL, &r), 0);
    assert_null(strstr(r.body, "very-secret-value"));
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(r.json, "providers"), 0), "has_secret")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/oidc/providers/424242", staff, NULL), 404);
    assert_int_equal(hx_status(&S, "DELETE", "/api/v1/oidc/providers/424242", staff, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_callbacks),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_hostile_settings),
    };
    return cmocka_run_group_tests_name("attack_oidc", tests, setup, teardown);
}
