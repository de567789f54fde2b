/* test_attack_auth.c: what an outsider, or a tenant admin, tries against
 * sign-in and accounts. Each case starts the real labpassd (demo database,
 * injected clock, 127.0.0.1) and names the finding it covers; every one of
 * them failed on the code before the bounded hashing pool, the reserved
 * throttle, known devices and invitations. The memory case prints the peak
 * RSS of labpassd under 200 parallel sign-ins. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "booking/account.h"
#include "booking/pwhash.h"
#include "tests/lib/harness.h"
#include "tests/lib/mailbox.h"

static hx_server S;
static int64_t g_now;

/* The memory case gets a server of its own (its flood slows the address
 * down). The others share one server, each starting two hours after the
 * previous one, when every throttle count of the earlier cases is forgotten
 * (acct_policy.window is one hour). */
static int start(void **st) { return hx_start(&S, 0); }
static int stop(void **st) { return hx_stop(&S) == 0 ? 0 : -1; }

static int shared(void **st)
{
    if (S.pid <= 0) {
        if (hx_start(&S, 0) != 0) return -1;
        g_now = hx_test_epoch();
    }
    g_now += 2 * 3600;
    hx_set_clock(&S, g_now);
    return 0;
}

static int shared_end(void **st) { return S.pid > 0 && hx_stop(&S) != 0 ? -1 : 0; }

/* ---- parallel requests (own libcurl handles, one thread each) ---- */

struct shot { const char *path; char body[256]; long status; int retry_after; };

static size_t keep_header(char *p, size_t size, size_t n, void *ud)
{
    struct shot *s = ud;
    if (size * n >= 12 && strncasecmp(p, "Retry-After:", 12) == 0) s->retry_after = 1;
    return size * n;
}

static size_t drop(char *p, size_t size, size_t n, void *ud) { return size * n; }

static void *fire(void *arg)
{
    struct shot *s = arg;
    char url[256];
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof url, "%s%s", S.base, s->path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* Sends all n shots at once; counts answers by status into by[600]. */
static void fire_all(struct shot *shots, int n, int by[600])
{
    pthread_t *th = calloc((size_t)n, sizeof *th);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 256 * 1024);
    for (int i = 0; i < n; i++) assert_int_equal(pthread_create(&th[i], &a, fire, &shots[i]), 0);
    for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
    pthread_attr_destroy(&a);
    free(th);
    memset(by, 0, 600 * sizeof *by);
    for (int i = 0; i < n; i++)
        if (shots[i].status >= 0 && shots[i].status < 600) by[shots[i].status]++;
}

/* ---- helpers ---- */

static long login_status(const char *email, const char *password, const char *cookie, hx_resp *keep)
{
    char body[400], hdr[200];
    hx_resp r;
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    if (cookie) snprintf(hdr, sizeof hdr, "Cookie: lp_device=%s", cookie);
    hx_req(&S, "POST", "/api/v1/auth/login", NULL, body, cookie ? hdr : NULL, &r);
    long st = r.status;
    if (keep) *keep = r;
    else hx_free(&r);
    return st;
}

/* The lp_device value set by a response, into out. */
static int device_cookie(const hx_resp *r, char *out, size_t len)
{
    const char *p = strstr(r->headers, "lp_device=");
    size_t n = 0;
    if (!p) return -1;
    p += strlen("lp_device=");
    while (p[n] && p[n] != ';' && p[n] != '\r' && p[n] != '\n') n++;
    if (n == 0 || n + 1 > len) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static int64_t pol_cap(void)
{
    acct_policy pol;
    acct_policy_default(&pol);
    return pol.delay_cap;
}

static int64_t vm_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    int64_t v = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0) v = strtoll(line + strlen(field) + 1, NULL, 10);
    fclose(f);
    return v;
}

/* ---- finding: 200 sign-ins at once each ran argon2id with 64 MiB (7.6 GB peak) ---- */

static void test_200_parallel_signins_stay_under_the_memory_ceiling(void **st)
{
    enum { N = 200 };
    static struct shot shots[N];
    int by[600];
    int64_t base = vm_kib(S.pid, "VmRSS:");
    assert_true(base > 0);
    for (int i = 0; i < N; i++) {
        shots[i] = (struct shot){ .path = "/api/v1/auth/login" };
        /* distinct addresses: each passes its own account limits, so the pool is what bounds memory */
        snprintf(shots[i].body, sizeof shots[i].body,
                 "{\"email\":\"guess%d@example.org\",\"password\":\"guess-number-%d\"}", i, i);
    }
    fire_all(shots, N, by);
    int64_t peak = vm_kib(S.pid, "VmHWM:");
    int64_t per = (int64_t)(PWH_MEM_PER_WORKER / 1024), slack = 96 * 1024;
#if defined(__SANITIZE_ADDRESS__)
    slack += 320 * 1024;   /* ASan keeps freed blocks in its quarantine (256 MiB by default) */
#endif
    int64_t ceiling = base + PWH_WORKERS_DEFAULT * per + slack;
    print_message("    200 parallel sign-ins, pool of %d: labpassd peak RSS %lld MiB (before %lld MiB, ceiling %lld MiB); "
                  "answers 401:%d 429:%d 503:%d\n", PWH_WORKERS_DEFAULT, (long long)(peak / 1024),
                  (long long)(base / 1024), (long long)(ceiling / 1024), by[401], by[429], by[503]);
    assert_true(peak <= ceiling);
    int answered = 0;
    for (int i = 0; i < N; i++) {
        long s = shots[i].status;
        assert_true(s == 401 || s == 429 || s == 503);   /* no other 5xx, no dropped connection */
        if (s == 429 || s == 503) assert_true(shots[i].retry_after);
        answered += s == 401;
    }
    assert_true(answered >= 1);
    /* the server is still fine; once the address's short delay is over a colleague gets in */
    hx_set_clock(&S, hx_test_epoch() + pol_cap());
    char *t = hx_login(&S, DEMO_MEMBER_A);
    assert_non_null(t);
    free(t);
}

/* ---- finding: throttling counted attempts after they finished, so parallel guesses passed ---- */

static void test_parallel_guesses_cannot_pass_the_limit(void **st)
{
    enum { N = 30 };
    struct shot shots[N];
    int by[600];
    acct_policy pol;
    acct_policy_default(&pol);
    for (int i = 0; i < N; i++) {
        shots[i] = (struct shot){ .path = "/api/v1/auth/login" };
        snprintf(shots[i].body, sizeof shots[i].body,
                 "{\"email\":\"admin@biosense.example\",\"password\":\"wrong-guess-%d\"}", i);
    }
    fire_all(shots, N, by);
    print_message("    %d parallel guesses: 401:%d 429:%d 503:%d\n", N, by[401], by[429], by[503]);
    assert_true(by[401] <= pol.pair_free);          /* checked guesses: never more than the allowance */
    assert_int_equal(by[401] + by[429] + by[503], N);
}

/* ---- finding: five wrong passwords locked any account, staff included ---- */

static void test_guesses_do_not_lock_the_owner_out(void **st)
{
    char dev[128], link[128], body[300];
    hx_resp r;
    int64_t now = g_now;
    /* the facility manager signed in from this browser before */
    assert_int_equal(login_status(DEMO_STAFF, NULL, &r), 200);
    assert_int_equal(device_cookie(&r, dev, sizeof dev), 0);
    hx_free(&r);
    /* a stranger keeps guessing, waiting out each delay (the clock moves) */
    int alerts_before = mb_count(&S, "signin_alert");
    long s = 0;
    for (int i = 0, wait = 1; i < 20; i++) {
        s = login_status("staff@medtechfactory.example", "not-the-password", NULL, NULL);
        assert_true(s == 401 || s == 429);
        if (s == 429) { now += wait; wait *= 2; hx_set_clock(&S, now); }
    }
    s = 0;   /* the clock may have just moved past a delay: guess until the next delay starts */
    for (int i = 0; i < 3 && s != 429; i++) s = login_status("staff@medtechfactory.example", "not-the-password", NULL, NULL);
    assert_int_equal(s, 429);
    /* a stranger's device gets 429 even with the right password, the owner's known device gets in */
    assert_int_equal(login_status(DEMO_STAFF, NULL, NULL), 429);
    assert_int_equal(login_status(DEMO_STAFF, dev, NULL), 200);
    /* a wrong guess with a forged device cookie is a stranger's guess */
    assert_int_equal(login_status("staff@medtechfactory.example", "not-the-password", "lpd_forged-device-cookie-xxxxxxxx",
                                  NULL), 429);
    /* staff heard of the burst, once */
    int alerts = mb_count(&S, "signin_alert");
    assert_true(alerts > alerts_before);
    hx_set_clock(&S, now += pol_cap());   /* the next guess is taken, and is past the allowance */
    assert_int_equal(login_status("staff@medtechfactory.example", "still-guessing", NULL, NULL), 401);
    assert_int_equal(mb_count(&S, "signin_alert"), alerts);
    /* on a new device the owner asks for a link by e-mail and is in at once */
    hx_req(&S, "POST", "/api/v1/auth/signin-link", NULL, "{\"email\":\"staff@medtechfactory.example\"}", NULL, &r);
    assert_int_equal(r.status, 202);
    hx_free(&r);
    assert_int_equal(mb_token(&S, "staff@medtechfactory.example", "signin_link", "lpd_", link, sizeof link), 0);
    snprintf(body, sizeof body, "{\"email\":\"staff@medtechfactory.example\",\"password\":\"labpass-staff-demo\","
             "\"device_token\":\"%s\"}", link);
    hx_req(&S, "POST", "/api/v1/auth/login", NULL, body, NULL, &r);
    assert_int_equal(r.status, 200);
    hx_free(&r);
    hx_req(&S, "POST", "/api/v1/auth/login", NULL, body, NULL, &r);   /* the link works once */
    assert_int_equal(r.status, 429);
    hx_free(&r);
}

/* ---- finding: the per-address lockout locked out everyone behind one NAT ---- */

static void test_guesses_from_one_address_do_not_lock_out_colleagues(void **st)
{
    char email[80];
    for (int i = 0; i < 40; i++) {
        snprintf(email, sizeof email, "someone%d@novacell.example", i);
        assert_int_equal(login_status(email, "a-wrong-password", NULL, NULL), 401);
    }
    /* a colleague behind the same address, on a browser never used here */
    assert_int_equal(login_status(DEMO_MEMBER_B, NULL, NULL), 200);
    assert_int_equal(login_status(DEMO_ADMIN_B, NULL, NULL), 200);
}

/* ---- finding: a tenant admin could add someone else's account, receive its
 * setup token and take it over; the answer told which addresses exist ---- */

static json_t *add_member(const char *token, int64_t tenant, const char *email, long *status)
{
    char p[80], body[300];
    hx_resp r;
    snprintf(p, sizeof p, "/api/v1/tenants/%lld/members", (long long)tenant);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"Someone\",\"role\":\"member\"}", email);
    hx_req(&S, "POST", p, token, body, NULL, &r);
    *status = r.status;
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

/* The same keys in both objects, and neither holds a token. */
static void same_shape(json_t *a, json_t *b)
{
    const char *k;
    json_t *v;
    assert_int_equal(json_object_size(a), json_object_size(b));
    json_object_foreach(a, k, v) {
        assert_non_null(json_object_get(b, k));
        assert_null(strstr(k, "token"));
    }
}

static void test_admin_cannot_take_over_or_probe_accounts(void **st)
{
    char *admin = hx_login(&S, DEMO_ADMIN_A), *staff = hx_login(&S, DEMO_STAFF), tok[128];
    int64_t ta = 1;
    long s1, s2, s3, s4;
    json_t *other = add_member(admin, ta, "lab@biosense.example", &s1);
    json_t *fresh = add_member(admin, ta, "brand.new@novacell.example", &s2);
    json_t *stf = add_member(admin, ta, "staff@medtechfactory.example", &s3);
    assert_int_equal(s1, 202);
    assert_int_equal(s2, s1);
    assert_int_equal(s3, s1);
    same_shape(other, fresh);
    same_shape(stf, fresh);
    json_decref(other); json_decref(fresh); json_decref(stf);
    /* the other tenant's member is untouched and can still sign in with their own password */
    char *mb = hx_login(&S, DEMO_MEMBER_B);
    assert_non_null(mb);
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me", mb, NULL, NULL, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "tenant_id")), 2);
    hx_free(&r);
    /* the invitation went to them; it cannot move them out of their tenant */
    assert_int_equal(mb_token(&S, "lab@biosense.example", "invitation", "lpinv_", tok, sizeof tok), 0);
    char body[200];
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", tok);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/invitations/accept", NULL, body), 409);
    /* a person without a tenant accepts, signed in */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/people", staff,
                               "{\"email\":\"free.lancer@example.org\",\"name\":\"Free Lancer\","
                               "\"password\":\"free-lancer-password\"}"), 201);
    json_decref(add_member(admin, ta, "Free.Lancer@example.org", &s4));
    assert_int_equal(s4, 202);
    char *fl = hx_login(&S, "free.lancer@example.org", "free-lancer-password");
    assert_non_null(fl);
    hx_req(&S, "GET", "/api/v1/me/invitations", fl, NULL, NULL, &r);
    json_t *inv = json_array_get(json_object_get(r.json, "invitations"), 0);
    assert_non_null(inv);
    char p[80];
    snprintf(p, sizeof p, "/api/v1/me/invitations/%lld/accept", (long long)json_integer_value(json_object_get(inv, "id")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "POST", p, mb, NULL), 404);   /* not someone else's */
    assert_int_equal(hx_status(&S, "POST", p, fl, NULL), 200);
    hx_req(&S, "GET", "/api/v1/me", fl, NULL, NULL, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "tenant_id")), ta);
    hx_free(&r);
    free(admin); free(staff); free(mb); free(fl);
}

/* ---- finding: people of an offboarded tenant could still sign in, and their sessions kept working ---- */

static void test_offboarded_tenant_people_are_out(void **st)
{
    char *staff = hx_login(&S, DEMO_STAFF), *mb = hx_login(&S, DEMO_MEMBER_B);
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/me/calendar-feeds", mb, "{}", NULL, &r);
    assert_int_equal(r.status, 201);
    char feed[160];
    snprintf(feed, sizeof feed, "%s", json_string_value(json_object_get(r.json, "url")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", feed, NULL, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/tenants/2/offboard", staff, NULL), 200);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", mb, NULL), 401);
    assert_int_equal(login_status(DEMO_MEMBER_B, NULL, NULL), 401);
    assert_int_equal(login_status(DEMO_ADMIN_B, NULL, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", feed, NULL, NULL), 404);
    /* people of other tenants are not affected */
    char *ma = hx_login(&S, DEMO_MEMBER_A);
    assert_non_null(ma);
    free(staff); free(mb); free(ma);
}

/* ---- finding: a password change left calendar feeds and staff API keys alive ---- */

static void test_password_change_can_end_keys_and_feeds(void **st)
{
    char *staff = hx_login(&S, DEMO_STAFF), key[160], feed[160];
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/api-keys", staff, "{\"name\":\"monitoring\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "key")));
    hx_free(&r);
    hx_req(&S, "POST", "/api/v1/me/calendar-feeds", staff, "{}", NULL, &r);
    assert_int_equal(r.status, 201);
    snprintf(feed, sizeof feed, "%s", json_string_value(json_object_get(r.json, "url")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", key, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/me/password", staff,
                               "{\"current_password\":\"labpass-staff-demo\",\"new_password\":\"a-new-staff-password\","
                               "\"revoke_api_keys\":true,\"revoke_feeds\":true}"), 204);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", staff, NULL), 401);   /* sessions end */
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", key, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", feed, NULL, NULL), 404);
    char *again = hx_login(&S, "staff@medtechfactory.example", "a-new-staff-password");
    assert_non_null(again);
    free(staff); free(again);
}

/* ---- finding: no input from outside may crash the process or produce a 5xx ---- */

static void test_odd_sign_in_input_never_gets_a_5xx(void **st)
{
    static char big[3000];
    memset(big, 'a', sizeof big - 1);
    char body[6400], hdr[3200];
    const char *bodies[] = {
        "", "{", "[]", "null", "{\"email\":1,\"password\":2}", "{\"email\":\"a@b.c\"}",
        "{\"email\":\"a@b.c\",\"password\":\"x\",\"device_token\":\"\"}",
        "{\"email\":\"a@b.c\",\"password\":\"x\",\"device_token\":\"lpd_\\u0000\"}",
        "{\"email\":\"\\u00e9\\ud800@x\",\"password\":\"\\u0000\"}",
        "{\"email\":\"a@b.c\",\"password\":\"x\",\"extra\":true}",
    };
    const char *paths[] = { "/api/v1/auth/login", "/api/v1/auth/signin-link", "/api/v1/invitations/accept",
                            "/api/v1/auth/setup" };
    for (size_t p = 0; p < 4; p++)
        for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
            assert_true(hx_status(&S, "POST", paths[p], NULL, bodies[i]) < 500);
    snprintf(body, sizeof body, "{\"email\":\"%s@x.example\",\"password\":\"%s\"}", big, big);
    assert_true(hx_status(&S, "POST", "/api/v1/auth/login", NULL, body) < 500);
    snprintf(body, sizeof body, "{\"token\":\"%.90s\"}", big);
    assert_true(hx_status(&S, "POST", "/api/v1/invitations/accept", NULL, body) < 500);
    /* odd device cookies */
    const char *cookies[] = { "lp_device=", "lp_device", ";;;", "lp_device=;lp_device=x", "a=b; lp_device=%00%ff" };
    hx_resp r;
    for (size_t i = 0; i < sizeof cookies / sizeof cookies[0]; i++) {
        snprintf(hdr, sizeof hdr, "Cookie: %s", cookies[i]);
        hx_req(&S, "POST", "/api/v1/auth/login", NULL, "{\"email\":\"lab@novacell.example\",\"password\":\"x\"}", hdr, &r);
        assert_true(r.status < 500);
        hx_free(&r);
    }
    snprintf(hdr, sizeof hdr, "Cookie: lp_device=%.2900s", big);
    hx_req(&S, "POST", "/api/v1/auth/login", NULL, "{\"email\":\"lab@novacell.example\",\"password\":\"x\"}", hdr, &r);
    assert_true(r.status < 500);
    hx_free(&r);
    /* a sign-in link answers the same for known and unknown addresses */
    hx_resp k, u;
    hx_req(&S, "POST", "/api/v1/auth/signin-link", NULL, "{\"email\":\"lab@novacell.example\"}", NULL, &k);
    hx_req(&S, "POST", "/api/v1/auth/signin-link", NULL, "{\"email\":\"nobody@novacell.example\"}", NULL, &u);
    assert_int_equal(k.status, 202);
    assert_int_equal(u.status, 202);
    assert_string_equal(k.body, u.body);
    hx_free(&k);
    hx_free(&u);
}

#define T(f) cmocka_unit_test_setup(f, shared)

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_200_parallel_signins_stay_under_the_memory_ceiling, start, stop),
        T(test_parallel_guesses_cannot_pass_the_limit),
        T(test_guesses_do_not_lock_the_owner_out),
        T(test_guesses_from_one_address_do_not_lock_out_colleagues),
        T(test_admin_cannot_take_over_or_probe_accounts),
        T(test_offboarded_tenant_people_are_out),
        T(test_password_change_can_end_keys_and_feeds),
        T(test_odd_sign_in_input_never_gets_a_5xx),
    };
    int rc = cmocka_run_group_tests(tests, NULL, shared_end);
    curl_global_cleanup();
    return rc;
}
