/* test_oidc_flow.c: single sign-on end to end. labpassd runs with two OpenID
 * providers on 127.0.0.1 (tests/tools/oidc-idp.mjs): oidc-provider, a
 * certified implementation, whose interaction signs in the account the test
 * chose, and a small provider that signs ID tokens as the test asks. The
 * browser's side is followed here with libcurl (cookies, redirects):
 * the happy path by a domain rule (a new member of a tenant), the public
 * provider list, a wrong state, a replayed callback, a sub change with the
 * same e-mail address (refused: never by e-mail alone), linking a password
 * account, then ID tokens signed by a rotated-away key, for another client
 * and expired, a provider that never answers (it holds up sign-ins through
 * itself only), and the bound on pending logins from one client.
 *
 * The clock: oidc-provider stamps its ID tokens with its own, real clock,
 * and labpassd checks iat and exp against its injected clock. So, for this
 * suite only, the server's clock is set to the machine's time just before
 * each login through oidc-provider (the checks allow 2 minutes of skew; the
 * test asserts nothing about time itself). The forging provider takes the
 * server's clock from the test instead, so its expired token is expired by
 * the server's clock on any date. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/lib/harness.h"

static hx_server S;
static char *staff, *member;   /* signed in at the suite's date, before any clock change */
static pid_t idp = -1;
static int idp_in = -1;
static int real_port, forge_port;
static int64_t real_id, forge_id, tenant_id;

static int start_idp(void)
{
    int in[2], out[2];
    char redirect[160];
    snprintf(redirect, sizeof redirect, "%s/api/v1/auth/oidc/callback", S.base);
    if (pipe(in) || pipe(out)) return -1;
    idp = fork();
    if (idp < 0) return -1;
    if (idp == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execlp("node", "node", "tests/tools/oidc-idp.mjs", redirect, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    idp_in = in[1];
    FILE *f = fdopen(out[0], "r");
    char line[128] = "";
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "READY %d %d", &real_port, &forge_port) == 2) break;
    if (f) fclose(f);
    return real_port > 0 && forge_port > 0 ? 0 : -1;
}

/* The value of header name in r (first one), "" when none. */
static void header(const hx_resp *r, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncasecmp(p, name, nl) && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ') p++;
            size_t n = strcspn(p, "\r\n");
            snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
            return;
        }
}

/* The value of cookie name among r's Set-Cookie headers, "" when none. */
static void set_cookie(const hx_resp *r, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", name);
    for (const char *p = r->headers; (p = strcasestr(p, "Set-Cookie:")) != NULL; p += 11) {
        const char *v = p + 11;
        while (*v == ' ') v++;
        if (!strncmp(v, pat, strlen(pat))) {
            v += strlen(pat);
            size_t n = strcspn(v, ";\r\n");
            snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), v);
            return;
        }
    }
}

static size_t drop(char *p, size_t s, size_t n, void *u) { return s * n; }

/* Follows the provider's redirects from url (cookies kept in jar) until one
 * leads back to labpassd; that URL's path and query into cb. */
static int follow(CURL *jar, const char *url, char *cb, size_t cap)
{
    char next[4096];
    snprintf(next, sizeof next, "%s", url);
    for (int hop = 0; hop < 12; hop++) {
        if (!strncmp(next, S.base, strlen(S.base))) { snprintf(cb, cap, "%s", next + strlen(S.base)); return 0; }
        char *loc = NULL;
        long code = 0;
        curl_easy_setopt(jar, CURLOPT_URL, next);
        curl_easy_setopt(jar, CURLOPT_HTTPGET, 1L);
        if (curl_easy_perform(jar) != CURLE_OK) return -1;
        curl_easy_getinfo(jar, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(jar, CURLINFO_REDIRECT_URL, &loc);
        if (code < 300 || code > 399 || !loc) { fprintf(stderr, "provider answered %ld at %s\n", code, next); return -1; }
        snprintf(next, sizeof next, "%s", loc);
    }
    return -1;
}

static CURL *browser(void)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    return c;
}

/* One login through provider pid as the browser jar: start (or, with
 * link_token, the link request), the provider's redirects, the callback.
 * The callback's URL into cb (for replays), the binding cookie into
 * binding, the callback's Location into where, the session into session
 * (may be ""). */
struct login { char cb[4096], binding[128], where[256], session[128]; };

static void login(CURL *jar, int64_t pid, const char *link_token, struct login *l)
{
    hx_resp r;
    char path[96], url[4096], cookie[200];
    memset(l, 0, sizeof *l);
    if (link_token) {
        snprintf(path, sizeof path, "/api/v1/me/oidc/%lld/link", (long long)pid);
        assert_int_equal(hx_req(&S, "POST", path, link_token, NULL, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        snprintf(url, sizeof url, "%s", json_string_value(json_object_get(r.json, "url")));
    } else {
        snprintf(path, sizeof path, "/api/v1/auth/oidc/%lld/start", (long long)pid);
        assert_int_equal(hx_req(&S, "GET", path, NULL, NULL, NULL, &r), 0);
        assert_int_equal(r.status, 302);
        header(&r, "Location", url, sizeof url);
    }
    set_cookie(&r, "lp_oidc", l->binding, sizeof l->binding);
    hx_free(&r);
    assert_true(strlen(l->binding) > 20);
    assert_non_null(strstr(url, "code_challenge_method=S256"));
    assert_non_null(strstr(url, "nonce="));
    assert_int_equal(follow(jar, url, l->cb, sizeof l->cb), 0);
    assert_non_null(strstr(l->cb, "/api/v1/auth/oidc/callback?"));
    snprintf(cookie, sizeof cookie, "Cookie: lp_oidc=%s", l->binding);
    assert_int_equal(hx_req(&S, "GET", l->cb, NULL, NULL, cookie, &r), 0);
    assert_int_equal(r.status, 303);
    header(&r, "Location", l->where, sizeof l->where);
    set_cookie(&r, "lp_session", l->session, sizeof l->session);
    hx_free(&r);
}

static void choose(const char *sub, const char *email, const char *groups)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/__test/account?sub=%s&email=%s&name=Test&groups=%s", real_port, sub,
             email, groups);
    CURL *c = browser();
    curl_easy_setopt(c, CURLOPT_URL, url);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    hx_set_clock(&S, (int64_t)time(NULL));   /* see the top of the file */
}

static void forge(const char *mode, const char *sub, const char *email)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/__test/forge?mode=%s&now=%lld&sub=%s&email=%s", forge_port, mode,
             (long long)hx_test_epoch(), sub, email);
    CURL *c = browser();
    curl_easy_setopt(c, CURLOPT_URL, url);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    hx_set_clock(&S, hx_test_epoch());
}

static int64_t add_provider(const char *name, int port, const char *secret)
{
    char body[1024];
    hx_resp r;
    snprintf(body, sizeof body,
             "{\"name\": \"%s\", \"issuer\": \"http://127.0.0.1:%d\", \"client_id\": \"labpass\"%s%s%s, "
             "\"rules\": [{\"kind\": \"domain\", \"value\": \"acme.example\", \"tenant_id\": %lld, \"role\": \"member\"}]}",
             name, port, secret ? ", \"client_secret\": \"" : "", secret ? secret : "", secret ? "\"" : "",
             (long long)tenant_id);
    if (hx_req(&S, "POST", "/api/v1/oidc/providers", staff, body, NULL, &r) != 0) return 0;
    int64_t id = r.status == 201 ? json_integer_value(json_object_get(r.json, "id")) : 0;
    if (!id) fprintf(stderr, "provider: %ld %s\n", r.status, r.body);
    hx_free(&r);
    return id;
}

static int setup(void **st)
{
    /* oidc-provider and jose come from package-lock.json, as the browser tests' packages do */
    if (system("[ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund --loglevel=error") != 0) return -1;
    if (hx_start(&S, 0) != 0) return -1;
    if (start_idp() != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member = hx_login(&S, DEMO_MEMBER_A);
    if (!staff || !member) return -1;
    hx_resp r;
    if (hx_req(&S, "GET", "/api/v1/tenants", staff, NULL, NULL, &r) != 0) return -1;
    tenant_id = json_integer_value(json_object_get(json_array_get(json_object_get(r.json, "tenants"), 0), "id"));
    hx_free(&r);
    real_id = add_provider("University", real_port, "labpass-test-secret-0123456789");
    forge_id = add_provider("Forge", forge_port, NULL);
    return tenant_id && real_id && forge_id ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff);
    free(member);
    int rc = hx_stop(&S);
    if (idp > 0) {
        close(idp_in);
        kill(idp, SIGTERM);
        waitpid(idp, NULL, 0);
    }
    return rc;
}

static void test_happy_path_and_replay(void **st)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/auth/oidc/providers", NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "providers")), 2);
    hx_free(&r);

    CURL *jar = browser();
    struct login l;
    choose("alice-1", "alice@acme.example", "");
    login(jar, real_id, NULL, &l);
    assert_string_equal(l.where, "/");
    assert_true(strlen(l.session) > 20);
    assert_int_equal(hx_req(&S, "GET", "/api/v1/me", l.session, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *p = json_object_get(r.json, "person");
    if (!p) p = r.json;
    assert_string_equal(json_string_value(json_object_get(p, "email")), "alice@acme.example");
    assert_int_equal(json_integer_value(json_object_get(p, "tenant_id")), tenant_id);
    hx_free(&r);

    /* the same callback again (a replayed code): its pending login is gone */
    char cookie[200];
    snprintf(cookie, sizeof cookie, "Cookie: lp_oidc=%s", l.binding);
    assert_int_equal(hx_req(&S, "GET", l.cb, NULL, NULL, cookie, &r), 0);
    assert_int_equal(r.status, 303);
    char where[256];
    header(&r, "Location", where, sizeof where);
    assert_string_equal(where, "/#/login?oidc_error=oidc-bad-state");
    hx_free(&r);

    /* a second login of the same person: same account */
    struct login l2;
    choose("alice-1", "alice@acme.example", "");
    login(jar, real_id, NULL, &l2);
    assert_string_equal(l2.where, "/");
    assert_int_equal(hx_me_id(&S, l2.session), hx_me_id(&S, l.session));
    curl_easy_cleanup(jar);
}

static void test_wrong_state(void **st)
{
    hx_resp r;
    char where[256];
    CURL *jar = browser();
    choose("bob-1", "bob@acme.example", "");
    /* a login started elsewhere: the callback without this browser's cookie */
    hx_resp s;
    char start[96];
    snprintf(start, sizeof start, "/api/v1/auth/oidc/%lld/start", (long long)real_id);
    assert_int_equal(hx_req(&S, "GET", start, NULL, NULL, NULL, &s), 0);
    char url[4096], cb[4096];
    header(&s, "Location", url, sizeof url);
    hx_free(&s);
    assert_int_equal(follow(jar, url, cb, sizeof cb), 0);
    assert_int_equal(hx_req(&S, "GET", cb, NULL, NULL, "Cookie: lp_oidc=somebody-elses", &r), 0);
    header(&r, "Location", where, sizeof where);
    assert_string_equal(where, "/#/login?oidc_error=oidc-bad-state");
    hx_free(&r);
    /* a made-up state */
    assert_int_equal(hx_req(&S, "GET", "/api/v1/auth/oidc/callback?state=abc&code=def", NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 303);
    header(&r, "Location", where, sizeof where);
    assert_string_equal(where, "/#/login?oidc_error=oidc-bad-state");
    hx_free(&r);
    curl_easy_cleanup(jar);
}

static void test_sub_change_and_linking(void **st)
{
    CURL *jar = browser();
    struct login l;
    /* alice's address with another sub: refused, never matched by e-mail */
    choose("alice-2", "alice@acme.example", "");
    login(jar, real_id, NULL, &l);
    assert_string_equal(l.where, "/#/login?oidc_error=oidc-link-required");
    assert_string_equal(l.session, "");
    /* a demo member with a password links the provider, then signs in by it
     * (a fresh browser: the provider would keep alice-2 signed in) */
    curl_easy_cleanup(jar);
    jar = browser();
    choose("lab-member", "lab@novacell.example", "");
    login(jar, real_id, NULL, &l);
    assert_string_equal(l.where, "/#/login?oidc_error=oidc-link-required");
    choose("lab-member", "lab@novacell.example", "");
    login(jar, real_id, member, &l);
    assert_string_equal(l.where, "/");
    assert_int_equal(hx_me_id(&S, l.session), hx_me_id(&S, member));
    curl_easy_cleanup(jar);
    /* the person's data export shows the link */
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/me/export", member, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *links = json_object_get(r.json, "sign_in_links");
    assert_int_equal(json_array_size(links), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(links, 0), "subject")), "lab-member");
    hx_free(&r);
    jar = browser();   /* a fresh browser: no session at the provider */
    choose("lab-member", "lab@novacell.example", "");
    login(jar, real_id, NULL, &l);
    assert_string_equal(l.where, "/");
    assert_int_equal(hx_me_id(&S, l.session), hx_me_id(&S, member));
    curl_easy_cleanup(jar);
}

static void test_forged_tokens(void **st)
{
    CURL *jar = browser();
    struct login l;
    forge("ok", "forged-1", "carol@acme.example");
    login(jar, forge_id, NULL, &l);
    assert_string_equal(l.where, "/");
    static const char *const BAD[] = { "rotated", "aud", "expired" };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        forge(BAD[i], "forged-1", "carol@acme.example");
        login(jar, forge_id, NULL, &l);
        assert_string_equal(l.where, "/#/login?oidc_error=oidc-failed");
        assert_string_equal(l.session, "");
    }
    curl_easy_cleanup(jar);
}

/* ---- a provider that accepts and never answers ---- */

struct mute { int lfd, release[2], port; volatile int accepted, peer_gone; };

static void *mute_run(void *arg)
{
    struct mute *m = arg;
    int c = accept(m->lfd, NULL, NULL);
    if (c < 0) return NULL;
    m->accepted = 1;
    char buf[2048];
    for (;;) {   /* until released, note whether labpassd hung up (its fetch gave up) */
        struct pollfd pf[2] = { { c, POLLIN, 0 }, { m->release[0], POLLIN, 0 } };
        if (poll(pf, 2, -1) < 0) break;
        if (pf[1].revents) break;
        if (pf[0].revents && recv(c, buf, sizeof buf, 0) <= 0) { m->peer_gone = 1; break; }
    }
    close(c);
    return NULL;
}

static int mute_start(struct mute *m, pthread_t *t)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    memset(m, 0, sizeof *m);
    m->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (m->lfd < 0 || bind(m->lfd, (struct sockaddr *)&a, sizeof a) || listen(m->lfd, 4) ||
        getsockname(m->lfd, (struct sockaddr *)&a, &al) || pipe(m->release))
        return -1;
    m->port = ntohs(a.sin_port);
    return pthread_create(t, NULL, mute_run, m);
}

struct slow_start { int64_t pid; long status; };

static void *slow_start_run(void *arg)
{
    struct slow_start *x = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/auth/oidc/%lld/start", (long long)x->pid);
    x->status = hx_status(&S, "GET", path, NULL, NULL);
    return NULL;
}

/* While labpassd waits on a provider that never answers, a sign-in through
 * another provider goes through (the cache is not locked during a fetch);
 * the stuck one ends with 503 once the provider hangs up. */
static void test_mute_provider_holds_up_only_itself(void **st)
{
    struct mute m;
    pthread_t mt, st_thread;
    assert_int_equal(mute_start(&m, &mt), 0);
    struct slow_start x = { add_provider("Mute", m.port, NULL), 0 };
    assert_true(x.pid > 0);
    assert_int_equal(pthread_create(&st_thread, NULL, slow_start_run, &x), 0);
    for (int i = 0; i < 400 && !m.accepted; i++) usleep(25000);   /* a wait for labpassd to connect, no assertion on time */
    assert_true(m.accepted);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/auth/oidc/%lld/start", (long long)forge_id);
    assert_int_equal(hx_status(&S, "GET", path, NULL, NULL), 302);
    assert_false(m.peer_gone);   /* the mute provider's fetch was still under way */
    assert_int_equal(write(m.release[1], "x", 1), 1);
    pthread_join(mt, NULL);
    pthread_join(st_thread, NULL);
    assert_int_equal(x.status, 503);
    close(m.lfd);
    close(m.release[0]);
    close(m.release[1]);
    char del[96];
    snprintf(del, sizeof del, "/api/v1/oidc/providers/%lld", (long long)x.pid);
    assert_int_equal(hx_status(&S, "DELETE", del, staff, NULL), 204);
}

static void test_pending_bound(void **st)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/auth/oidc/%lld/start", (long long)forge_id);
    int ok = 0;
    long last = 0;
    for (int i = 0; i < 30 && last != 429; i++) {
        last = hx_status(&S, "GET", path, NULL, NULL);
        if (last == 302) ok++;
    }
    assert_int_equal(last, 429);
    assert_true(ok <= 10);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/auth/oidc/999/start", NULL, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_happy_path_and_replay),
        cmocka_unit_test(test_wrong_state),
        cmocka_unit_test(test_sub_change_and_linking),
        cmocka_unit_test(test_forged_tokens),
        cmocka_unit_test(test_mute_provider_holds_up_only_itself),
        cmocka_unit_test(test_pending_bound),
    };
    return cmocka_run_group_tests_name("oidc_flow", tests, setup, teardown);
}
