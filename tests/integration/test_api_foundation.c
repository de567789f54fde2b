/* test_api_foundation.c: the real labpassd on loopback, spoken to over HTTP:
 * sign-in, cookies and CSRF, roles on every route, tenant isolation,
 * malformed requests (4xx problem+json, nothing changed), throttling, API
 * keys and session revocation, the OpenAPI document, metrics, audit, backup. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api/api.h"
#include "tests/lib/harness.h"
#include "tests/lib/mailbox.h"

static hx_server S;
static char *staff, *admin_a, *member_a, *admin_b, *member_b;

static int setup(void **st)
{
    if (hx_start(&S, 0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_b = hx_login(&S, DEMO_ADMIN_B);
    member_b = hx_login(&S, DEMO_MEMBER_B);
    return staff && admin_a && member_a && admin_b && member_b ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a); free(admin_b); free(member_b);
    return hx_stop(&S);
}

static int64_t tenant_of(const char *token)
{
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me", token, NULL, NULL, &r);
    int64_t t = json_integer_value(json_object_get(r.json, "tenant_id"));
    hx_free(&r);
    return t;
}

static void test_health_and_login(void **st)
{
    assert_int_equal(hx_status(&S, "GET", "/healthz", NULL, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/login", NULL,
                               "{\"email\":\"lab@novacell.example\",\"password\":\"wrong-password\"}"), 401);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/login", NULL,
                               "{\"email\":\"nobody@example.org\",\"password\":\"whatever-1234\"}"), 401);
    /* e-mail is case-insensitive */
    char *t = hx_login(&S, "LAB@NovaCell.example", "labpass-member-demo");
    assert_non_null(t);
    free(t);
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me", member_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "role")), "member");
    assert_string_equal(json_string_value(json_object_get(r.json, "email")), "lab@novacell.example");
    assert_null(json_object_get(r.json, "password_hash"));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", NULL, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", "lps_forged-token-aaaaaaaaaaaaaaaaaaaaaaaaaa", NULL), 401);
}

static void test_cookie_and_csrf(void **st)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/auth/login", NULL,
           "{\"email\":\"lab@biosense.example\",\"password\":\"labpass-member-demo\"}", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "lp_session="));
    assert_non_null(strstr(r.headers, "HttpOnly"));
    assert_non_null(strstr(r.headers, "SameSite=Strict"));
    assert_null(strstr(r.headers, "Secure"));    /* plain HTTP */
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    char *csrf = strstr(r.headers, "lp_csrf=");
    assert_non_null(csrf);
    char csrfv[64] = "";
    sscanf(csrf + 8, "%63[^;]", csrfv);
    char cookie[400], hdr[600];
    snprintf(cookie, sizeof cookie, "Cookie: lp_session=%s; lp_csrf=%s", tok, csrfv);
    hx_resp m;
    hx_req(&S, "GET", "/api/v1/me", NULL, NULL, cookie, &m);
    assert_int_equal(m.status, 200);
    hx_free(&m);
    /* A state-changing request by cookie without the CSRF header is refused. */
    hx_req(&S, "POST", "/api/v1/auth/logout", NULL, "{}", cookie, &m);
    assert_int_equal(m.status, 403);
    assert_non_null(strstr(m.body, "urn:labpass:problem:csrf"));
    hx_free(&m);
    /* With it the logout works and the session ends. */
    snprintf(hdr, sizeof hdr, "%s\nX-CSRF-Token: %s", cookie, csrfv);
    hx_req(&S, "POST", "/api/v1/auth/logout", NULL, "{}", hdr, &m);
    assert_int_equal(m.status, 204);
    assert_non_null(strstr(m.headers, "lp_session=;"));
    hx_free(&m);
    /* A wrong token in the header is refused too. */
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", tok, NULL), 401);
    hx_free(&r);
}

static void test_security_headers(void **st)
{
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me", staff, NULL, NULL, &r);
    const char *need[] = { "X-Content-Type-Options: nosniff", "X-Frame-Options: DENY",
                           "Content-Security-Policy:", "Referrer-Policy: no-referrer", "Cache-Control: no-store" };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) assert_non_null(strstr(r.headers, need[i]));
    hx_free(&r);
}

static void test_tenant_isolation(void **st)
{
    int64_t ta = tenant_of(member_a), tb = tenant_of(member_b);
    assert_true(ta > 0 && tb > 0 && ta != tb);
    char p[128];
    hx_resp r;
    /* listing: member A sees only tenant A */
    hx_req(&S, "GET", "/api/v1/tenants", member_a, NULL, NULL, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "tenants")), 1);
    hx_free(&r);
    hx_req(&S, "GET", "/api/v1/tenants", staff, NULL, NULL, &r);
    assert_true(json_array_size(json_object_get(r.json, "tenants")) >= 2);
    hx_free(&r);
    /* reading B's tenant, members and people: 404 */
    snprintf(p, sizeof p, "/api/v1/tenants/%lld", (long long)tb);
    assert_int_equal(hx_status(&S, "GET", p, member_a, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", p, admin_a, NULL), 404);
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/members", (long long)tb);
    assert_int_equal(hx_status(&S, "GET", p, admin_a, NULL), 404);
    assert_int_equal(hx_status(&S, "POST", p, admin_a, "{\"email\":\"x@y.example\",\"name\":\"X\",\"role\":\"member\"}"), 404);
    /* people of B are invisible to A */
    hx_req(&S, "GET", "/api/v1/people", admin_b, NULL, NULL, &r);
    json_t *people = json_object_get(r.json, "people");
    assert_true(json_array_size(people) >= 2);
    int64_t pb = json_integer_value(json_object_get(json_array_get(people, 0), "id"));
    for (size_t i = 0; i < json_array_size(people); i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(people, i), "tenant_id")), tb);
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/people/%lld", (long long)pb);
    assert_int_equal(hx_status(&S, "GET", p, admin_a, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", p, member_a, NULL), 404);
    assert_int_equal(hx_status(&S, "PATCH", p, admin_a, "{\"name\":\"Hacked\"}"), 404);
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/members/%lld", (long long)tb, (long long)pb);
    assert_int_equal(hx_status(&S, "DELETE", p, admin_a, NULL), 404);
    hx_req(&S, "GET", "/api/v1/people", member_a, NULL, NULL, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "people")), 1);
    hx_free(&r);
    /* nothing of B changed */
    hx_req(&S, "GET", p + 0, staff, NULL, NULL, &r);
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/people/%lld", (long long)pb);
    hx_req(&S, "GET", p, staff, NULL, NULL, &r);
    assert_string_not_equal(json_string_value(json_object_get(r.json, "name")), "Hacked");
    hx_free(&r);
}

/* A tenant admin adds by e-mail and gets no token: the new person finds the
 * setup link in their own mail. Existing people of another tenant and staff
 * get the same answer as a new address (no probing), and no membership. */
static void test_invite_flow(void **st)
{
    int64_t ta = tenant_of(admin_a);
    char p[128], setup[128];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/members", (long long)ta);
    hx_req(&S, "POST", p, admin_a, "{\"email\":\"New.Person@novacell.example\",\"name\":\"Nieuwe Collega\",\"role\":\"member\"}", NULL, &r);
    assert_int_equal(r.status, 202);
    assert_null(json_object_get(r.json, "setup_token"));
    hx_free(&r);
    assert_int_equal(mb_token(&S, "new.person@novacell.example", "setup_link", "lpsetup_", setup, sizeof setup), 0);
    char body[300];
    snprintf(body, sizeof body, "{\"token\":\"%s\",\"password\":\"a-fresh-password-1\"}", setup);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/setup", NULL, body), 204);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/setup", NULL, body), 401);   /* one use */
    char *t = hx_login(&S, "new.person@novacell.example", "a-fresh-password-1");
    assert_non_null(t);
    int64_t pid = hx_me_id(&S, t);
    free(t);
    /* people of another tenant and staff: the same answer as a new address */
    hx_resp x, y;
    hx_req(&S, "POST", p, admin_a, "{\"email\":\"lab@biosense.example\",\"name\":\"X\",\"role\":\"member\"}", NULL, &x);
    hx_req(&S, "POST", p, admin_a, "{\"email\":\"staff@medtechfactory.example\",\"name\":\"Y\",\"role\":\"member\"}", NULL, &y);
    assert_int_equal(x.status, 202);
    assert_int_equal(y.status, 202);
    assert_string_equal(json_string_value(json_object_get(x.json, "status")),
                        json_string_value(json_object_get(y.json, "status")));
    hx_free(&x);
    hx_free(&y);
    /* a member may not add people; the admin removes the new member */
    assert_int_equal(hx_status(&S, "POST", p, member_a, "{\"email\":\"z@z.example\",\"name\":\"Z\",\"role\":\"member\"}"), 403);
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/members/%lld", (long long)ta, (long long)pid);
    assert_int_equal(hx_status(&S, "DELETE", p, admin_a, NULL), 204);
    assert_int_equal(hx_status(&S, "DELETE", p, admin_a, NULL), 404);
}

/* Every route: a caller whose role is not allowed gets 401 (anonymous) or 403. */
static void test_roles_on_every_route(void **st)
{
    const char *tokens[] = { NULL, member_a, admin_a, staff };
    const unsigned roles[] = { 0, ROLE_MEMBER, ROLE_TENANT_ADMIN, ROLE_STAFF };
    size_t checked = 0;
    for (size_t i = 0; i < api_route_count(); i++) {
        struct api_route_info ri = api_route_at(i);
        if (ri.roles == 0) continue;
        if (strcmp(ri.pattern, "/api/v1/auth/logout") == 0) continue;   /* would end the session */
        char path[256] = "";
        for (const char *s = ri.pattern; *s; s++) {
            if (*s == '{') {
                const char *e = strchr(s, '}');
                int numeric = !strncmp(s, "{id}", 4) || !strncmp(s, "{pid}", 5) || !strncmp(s, "{did}", 5) ||
                              !strncmp(s, "{cid}", 5);
                strcat(path, numeric ? "999999" : "zz");
                s = e;
            } else {
                size_t n = strlen(path);
                path[n] = *s;
                path[n + 1] = '\0';
            }
        }
        for (size_t k = 0; k < 4; k++) {
            if (roles[k] & ri.roles) continue;
            long code = hx_status(&S, ri.method, path, tokens[k], strcmp(ri.method, "GET") ? "{}" : NULL);
            if (code != (tokens[k] ? 403 : 401))
                fail_msg("%s %s as role %u answered %ld", ri.method, path, roles[k], code);
            checked++;
        }
    }
    assert_true(checked > 30);
}

/* Every route, every role, hostile bodies: never a 5xx (and under ASan, never a crash). */
static void test_no_5xx_anywhere(void **st)
{
    static char deep[20001];
    memset(deep, '[', 20000);
    const char *bodies[] = { NULL, "{}", "garbage\x01\x02", "{\"a\":", deep, "{\"id\":1e999999}",
                             "{\"start\":\"2026-02-31T00:00:00Z\",\"end\":\"x\",\"resource_id\":99999999999999999999}",
                             "{\"name\":\"\\ud800\"}", "[1,2,3]", "\"just a string\"" };
    const char *tokens[] = { NULL, member_b, staff };
    size_t n = 0;
    for (size_t i = 0; i < api_route_count(); i++) {
        struct api_route_info ri = api_route_at(i);
        if (!strcmp(ri.pattern, "/api/v1/auth/logout") || !strcmp(ri.pattern, "/api/v1/auth/login")) continue;
        char path[256] = "";
        for (const char *s = ri.pattern; *s; s++) {
            if (*s == '{') {
                const char *e = strchr(s, '}');
                strcat(path, !strncmp(s, "{id}", 4) || !strncmp(s, "{pid}", 5) || !strncmp(s, "{did}", 5) ? "999999" : "zz");
                s = e;
            } else {
                size_t k = strlen(path);
                path[k] = *s;
                path[k + 1] = '\0';
            }
        }
        for (size_t t = 0; t < 3; t++)
            for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
                long code = hx_status(&S, ri.method, path, tokens[t], bodies[b]);
                if (code <= 0 || code >= 500) fail_msg("%s %s body %zu answered %ld", ri.method, path, b, code);
                n++;
            }
    }
    assert_true(n > 300);
    assert_int_equal(hx_status(&S, "GET", "/healthz", NULL, NULL), 200);
}

struct bad { const char *method, *path, *body; long want; };

static void test_malformed_requests(void **st)
{
    static const struct bad B[] = {
        { "POST", "/api/v1/tenants", "", 400 },
        { "POST", "/api/v1/tenants", "{", 400 },
        { "POST", "/api/v1/tenants", "[]", 400 },
        { "POST", "/api/v1/tenants", "\"name\"", 400 },
        { "POST", "/api/v1/tenants", "null", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":5}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":null}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"A\",\"evil\":1}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"A\",\"name\":\"B\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"kvk_number\":\"12345678\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"Bad\\u0000Name\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"Tab\\tName\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"X\",\"kvk_number\":\"1234\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"X\",\"vat_number\":\"NL12\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"X\",\"billing_email\":\"not-an-email\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"X\",\"rate_tier\":\"platinum\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"X\",\"country\":\"nl\"}", 400 },
        { "POST", "/api/v1/tenants", "{\"name\":\"NovaCell Diagnostics B.V.\"}", 409 },
        { "POST", "/api/v1/tenants", "{\"name\":\"\xff\xfe\"}", 400 },
        { "POST", "/api/v1/people", "{\"email\":\"a@b.example\"}", 400 },
        { "POST", "/api/v1/people", "{\"email\":\"a@b.example\",\"name\":\"A\",\"is_staff\":\"yes\"}", 400 },
        { "POST", "/api/v1/people", "{\"email\":\"a b@c.example\",\"name\":\"A\"}", 400 },
        { "POST", "/api/v1/people", "{\"email\":\"a@b.example\",\"name\":\"A\",\"password\":\"short\"}", 400 },
        { "POST", "/api/v1/people", "{\"email\":\"STAFF@medtechfactory.example\",\"name\":\"Dup\"}", 409 },
        { "PATCH", "/api/v1/people/2", "{\"status\":\"sleeping\"}", 400 },
        { "PATCH", "/api/v1/tenants/1", "{\"name\":[1,2]}", 400 },
        { "PATCH", "/api/v1/tenants/999999", "{\"name\":\"Ghost\"}", 404 },
        { "GET", "/api/v1/tenants/abc", NULL, 404 },
        { "GET", "/api/v1/tenants/0", NULL, 404 },
        { "GET", "/api/v1/tenants/99999999999999999999", NULL, 404 },
        { "GET", "/api/v1/tenants/1%00x", NULL, 404 },
        { "GET", "/api/v1/tenants?status=active%00x", NULL, 400 },
        { "GET", "/api/v1/tenants?status=weird", NULL, 400 },
        { "GET", "/api/v1/audit?limit=-5", NULL, 400 },
        { "GET", "/api/v1/audit?object_id=x", NULL, 400 },
        { "DELETE", "/api/v1/tenants", NULL, 405 },
        { "PUT", "/api/v1/me", "{}", 405 },
        { "GET", "/api/v1/nothing-here", NULL, 404 },
        { "POST", "/api/v1/auth/login", "{\"email\":\"x\"}", 400 },
        { "POST", "/api/v1/auth/login", "{\"email\":1,\"password\":2}", 400 },
        { "POST", "/api/v1/tenants/1/members", "{\"role\":\"owner\",\"email\":\"q@q.example\",\"name\":\"Q\"}", 400 },
        { "POST", "/api/v1/tenants/1/offboard", NULL, 200 },      /* real change, checked below */
    };
    int64_t tenants = hx_count(&S, "tenants"), people = hx_count(&S, "people");
    size_t n = sizeof B / sizeof B[0] - 1, cnt = 0;
    for (size_t i = 0; i < n; i++) {
        hx_resp r;
        hx_req(&S, B[i].method, B[i].path, staff, B[i].body, NULL, &r);
        if (r.status != B[i].want)
            fail_msg("%s %s %s: got %ld want %ld: %s", B[i].method, B[i].path, B[i].body ? B[i].body : "",
                     r.status, B[i].want, r.body);
        if (r.status != 405 || 1) assert_non_null(strstr(r.headers, "application/problem+json"));
        assert_non_null(strstr(r.body, "urn:labpass:problem:"));
        hx_free(&r);
        cnt++;
    }
    assert_true(cnt >= 30);
    assert_int_equal(hx_count(&S, "tenants"), tenants);
    assert_int_equal(hx_count(&S, "people"), people);
}

static void test_huge_body(void **st)
{
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    memcpy(big, "{\"name\":\"", 9);
    big[n - 2] = '"';
    big[n - 1] = '}';
    big[n] = '\0';
    int64_t before = hx_count(&S, "tenants");
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/tenants", staff, big, NULL, &r);
    assert_int_equal(r.status, 413);
    hx_free(&r);
    free(big);
    assert_int_equal(hx_count(&S, "tenants"), before);
}

static void test_tenant_lifecycle_and_audit(void **st)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/tenants", staff,
           "{\"name\":\"Lifecycle Labs B.V.\",\"kvk_number\":\"11223344\",\"vat_number\":\"NL111222333B01\",\"rate_tier\":\"academic\"}",
           NULL, &r);
    assert_int_equal(r.status, 201);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    char p[128];
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/suspend", (long long)id);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 409);
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/offboard", (long long)id);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 200);
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/activate", (long long)id);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 409);
    snprintf(p, sizeof p, "/api/v1/audit?object_type=tenant&object_id=%lld", (long long)id);
    hx_req(&S, "GET", p, staff, NULL, NULL, &r);
    json_t *e = json_object_get(r.json, "entries");
    assert_int_equal(json_array_size(e), 3);
    json_t *last = json_array_get(e, 0);
    assert_string_equal(json_string_value(json_object_get(last, "action")), "offboarded");
    assert_string_equal(json_string_value(json_object_get(json_object_get(last, "before"), "status")), "suspended");
    assert_string_equal(json_string_value(json_object_get(json_object_get(last, "after"), "status")), "offboarded");
    assert_string_equal(json_string_value(json_object_get(last, "actor")), "person:1");
    hx_free(&r);
}

static void test_throttling(void **st)
{
    const char *bad = "{\"email\":\"admin@biosense.example\",\"password\":\"not-the-password\"}";
    for (int i = 0; i < 5; i++) assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/login", NULL, bad), 401);
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/auth/login", NULL,
           "{\"email\":\"admin@biosense.example\",\"password\":\"labpass-admin-demo\"}", NULL, &r);
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.headers, "Retry-After:"));
    hx_free(&r);
    /* other accounts are not locked (the address limit is higher) */
    char *t = hx_login(&S, DEMO_MEMBER_B);
    assert_non_null(t);
    free(t);
}

static void test_apikeys_and_revocation(void **st)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/api-keys", staff, "{\"name\":\"monitoring\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    char key[200], p[100];
    snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "key")));
    snprintf(p, sizeof p, "/api/v1/api-keys/%lld/revoke", (long long)json_integer_value(json_object_get(r.json, "id")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/metrics", key, NULL), 200);
    hx_req(&S, "GET", "/api/v1/api-keys", staff, NULL, NULL, &r);
    assert_null(strstr(r.body, key + 10));   /* never the secret again */
    hx_free(&r);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 204);
    assert_int_equal(hx_status(&S, "GET", "/metrics", key, NULL), 401);
    /* staff revoke a member's session */
    char *t = hx_login(&S, DEMO_MEMBER_A);
    hx_req(&S, "GET", "/api/v1/sessions", staff, NULL, NULL, &r);
    json_t *ss = json_object_get(r.json, "sessions");
    int64_t sid = json_integer_value(json_object_get(json_array_get(ss, json_array_size(ss) - 1), "id"));
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/sessions/%lld/revoke", (long long)sid);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 204);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", t, NULL), 401);
    free(t);
}

static void test_metrics_and_openapi(void **st)
{
    hx_resp r;
    hx_req(&S, "GET", "/metrics", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "labpass_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"}"));
    assert_non_null(strstr(r.body, "labpass_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert_non_null(strstr(r.body, "labpass_db_size_bytes "));
    hx_free(&r);
    hx_req(&S, "GET", "/api/v1/openapi.json", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "openapi")), "3.1.0");
    json_t *paths = json_object_get(r.json, "paths");
    size_t ops = 0;
    for (size_t i = 0; i < api_route_count(); i++) {
        struct api_route_info ri = api_route_at(i);
        char m[8];
        size_t k = 0;
        for (; ri.method[k] && k < 7; k++) m[k] = (char)(ri.method[k] - 'A' + 'a');
        m[k] = '\0';
        json_t *op = json_object_get(json_object_get(paths, ri.pattern), m);
        if (!op) fail_msg("OpenAPI lacks %s %s", ri.method, ri.pattern);
    }
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item) ops += json_object_size(item);
    assert_int_equal(ops, api_route_count());   /* nothing documented that does not exist */
    hx_free(&r);
}

struct writer_arg { int stop; int n; };

static void *writer(void *p)
{
    struct writer_arg *w = p;
    char body[100];
    while (!__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST) && w->n < 400) {
        snprintf(body, sizeof body, "{\"name\":\"Backup Writer %d B.V.\"}", w->n);
        if (hx_status(&S, "POST", "/api/v1/tenants", staff, body) == 201) w->n++;
    }
    return NULL;
}

static void test_backup_during_writes(void **st)
{
    struct writer_arg w = { 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, writer, &w);
    while (__atomic_load_n(&w.n, __ATOMIC_SEQ_CST) < 5) usleep(5000);
    char bin[256], out[256], cmd[800];
    snprintf(out, sizeof out, "%s/backup.db", S.dir);
    snprintf(cmd, sizeof cmd, "%s --db %s backup %s > /dev/null", hx_bin("labpassctl", bin, sizeof bin), S.db, out);
    int rc = system(cmd);
    __atomic_store_n(&w.stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(th, NULL);
    assert_int_equal(rc, 0);
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM tenants WHERE name LIKE 'Backup Writer%'", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_true(sqlite3_column_int(q, 0) >= 5);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_login),
        cmocka_unit_test(test_cookie_and_csrf),
        cmocka_unit_test(test_security_headers),
        cmocka_unit_test(test_tenant_isolation),
        cmocka_unit_test(test_invite_flow),
        cmocka_unit_test(test_roles_on_every_route),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_no_5xx_anywhere),
        cmocka_unit_test(test_huge_body),
        cmocka_unit_test(test_tenant_lifecycle_and_audit),
        cmocka_unit_test(test_apikeys_and_revocation),
        cmocka_unit_test(test_metrics_and_openapi),
        cmocka_unit_test(test_backup_during_writes),
        cmocka_unit_test(test_throttling),
    };
    return cmocka_run_group_tests_name("api_foundation", tests, setup, teardown);
}
