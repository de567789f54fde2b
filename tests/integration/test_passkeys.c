/* test_passkeys.c: passkeys and sessions against the real labpassd, with a
 * software authenticator (tests/lib/swauth.c: Ed25519 and ES256 keys, real
 * authenticatorData and attestation objects in CBOR). The site's public_url
 * is https://labpass.example.org, so the RP ID is labpass.example.org; the
 * clock is the injected one, at a fixed date. Covered: registration (none
 * and packed self attestation) and sign-in; wrong origin, wrong RP ID,
 * wrong ceremony type, cross-origin; a replayed and an expired challenge; a
 * counter going backwards (the passkey is blocked as a clone); user
 * verification missing; a revoked passkey; another person's credential and
 * passkey ids; the staff passkey step; sessions: the idle timeout against
 * the absolute lifetime, the list with the current one marked, ending one,
 * signing out everywhere (with and without the current one), staff signing
 * a person out, and the audit entries of it all; with passkey_staff = yes,
 * staff enrol a first passkey and take the step with it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"
#include "tests/lib/swauth.h"

#define T0 1806048000LL   /* 2027-03-26T08:00:00Z */
#define RP "labpass.example.org"
#define ORIGIN "https://labpass.example.org"

static hx_server S;
static int64_t now_t = T0;
static sw_key staff_key;   /* the staff member's passkey (test_staff_step) */

static void advance(int64_t secs)
{
    now_t += secs;
    hx_set_clock(&S, now_t);
}

static int setup(void **st)
{
    const char *extra[] = { "--public-url", ORIGIN, "--session-idle", "1800", "--session-ttl", "7200", NULL };
    return hx_start_args(&S, T0, extra);
}

static int teardown(void **st)
{
    return hx_stop(&S);
}

/* A request; the parsed answer (caller decrefs, may be NULL) and status. */
static json_t *call(const char *method, const char *path, const char *token, const char *body, long *status)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, method, path, token, body, "User-Agent: Mozilla/5.0 (X11; Linux) TestBrowser/1.0", &r), 0);
    *status = r.status;
    json_t *j = r.json ? json_incref(r.json) : NULL;
    hx_free(&r);
    return j;
}

static const char *field_of(json_t *j)
{
    const char *f = j ? json_string_value(json_object_get(j, "field")) : NULL;
    return f ? f : "";
}

/* Registers k for token; the status, and the passkey's id in *id. */
static long reg(sw_key *k, const char *token, const char *name, const sw_tamper *t, int64_t *id, json_t **ans)
{
    long st;
    json_t *opt = call("POST", "/api/v1/me/passkeys/options", token, NULL, &st);
    assert_int_equal(st, 200);
    char *body = sw_register_body(k, opt, RP, ORIGIN, name, t);
    json_t *j = call("POST", "/api/v1/me/passkeys", token, body, &st);
    free(body);
    json_decref(opt);
    if (id) *id = st == 201 ? json_integer_value(json_object_get(j, "id")) : 0;
    if (ans) *ans = j; else json_decref(j);
    return st;
}

/* Signs in with k; the status, the session token in tok (when 200), the
 * answer in *ans (may be NULL), the body sent in *sent (may be NULL). */
static long signin(sw_key *k, const char *user_handle, const sw_tamper *t, char *tok, json_t **ans, char **sent)
{
    long st;
    json_t *opt = call("POST", "/api/v1/auth/passkey/options", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(opt, "rp_id")), RP);
    char *body = sw_assert_body(k, opt, RP, ORIGIN, user_handle, t);
    json_t *j = call("POST", "/api/v1/auth/passkey", NULL, body, &st);
    json_decref(opt);
    if (tok) {
        tok[0] = '\0';
        if (st == 200) snprintf(tok, 100, "%s", json_string_value(json_object_get(j, "token")));
    }
    if (sent) *sent = body; else free(body);
    if (ans) *ans = j; else json_decref(j);
    return st;
}

static json_t *passkey_by_id(const char *token, int64_t id)
{
    long st;
    json_t *l = call("GET", "/api/v1/me/passkeys", token, NULL, &st);
    assert_int_equal(st, 200);
    json_t *arr = json_object_get(l, "passkeys"), *v, *found = NULL;
    size_t i;
    json_array_foreach(arr, i, v)
        if (json_integer_value(json_object_get(v, "id")) == id) found = json_incref(v);
    json_decref(l);
    assert_non_null(found);
    return found;
}

static void test_register_and_sign_in(void **st_)
{
    char *member = hx_login(&S, DEMO_MEMBER_A);
    assert_non_null(member);
    int64_t me = hx_me_id(&S, member);
    static const char *const NAMES[] = { "Phone", "Laptop (ES256)", "Windows Hello (RS256)" };
    static const int ALGS[] = { -8, -7, -257 };
    for (int es = SW_ED25519; es <= SW_RS256; es++) {
        sw_key k;
        sw_new(&k, es);
        int64_t id = 0;
        json_t *ans = NULL;
        assert_int_equal(reg(&k, member, NAMES[es], NULL, &id, &ans), 201);
        assert_int_equal(json_integer_value(json_object_get(ans, "alg")), ALGS[es]);
        assert_true(json_is_true(json_object_get(ans, "user_verified")));
        assert_string_equal(json_string_value(json_object_get(ans, "aaguid")), "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa");
        json_decref(ans);
        /* the same credential again is a conflict */
        sw_key again = k;
        long st = reg(&again, member, "Twice", NULL, NULL, NULL);
        assert_int_equal(st, 409);
        char tok[100];
        json_t *j = NULL;
        assert_int_equal(signin(&k, NULL, NULL, tok, &j, NULL), 200);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "person"), "id")), me);
        json_decref(j);
        assert_int_equal(hx_me_id(&S, tok), me);
        /* the new session says how it was made */
        json_t *l = call("GET", "/api/v1/me/sessions", tok, NULL, &st);
        assert_int_equal(st, 200);
        json_t *v;
        size_t i;
        int seen = 0;
        json_array_foreach(json_object_get(l, "sessions"), i, v)
            if (json_is_true(json_object_get(v, "current"))) {
                seen++;
                assert_string_equal(json_string_value(json_object_get(v, "method")), "passkey");
                assert_string_equal(json_string_value(json_object_get(v, "user_agent")),
                                    "Mozilla/5.0 (X11; Linux) TestBrowser/1.0");
            }
        assert_int_equal(seen, 1);
        json_decref(l);
        json_t *pk = passkey_by_id(member, id);
        assert_int_equal(json_integer_value(json_object_get(pk, "sign_count")), 2);
        assert_false(json_is_null(json_object_get(pk, "last_used_at")));
        json_decref(pk);
        sw_free(&k);
    }
    /* packed self attestation verifies; a bad signature does not */
    sw_key p;
    sw_new(&p, SW_ED25519);
    sw_tamper t = { .packed = 1 };
    assert_int_equal(reg(&p, member, "Key (packed)", &t, NULL, NULL), 201);
    sw_key q;
    sw_new(&q, 1);
    sw_tamper bad = { .packed = 1, .bad_sig = 1 };
    json_t *ans = NULL;
    assert_int_equal(reg(&q, member, "Key (bad)", &bad, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "attestation_object");
    json_decref(ans);
    sw_key rs;   /* packed with an RSA key: verified, and refused with a bit flipped */
    sw_new(&rs, SW_RS256);
    assert_int_equal(reg(&rs, member, "Key (packed RS256)", &t, NULL, NULL), 201);
    sw_key rs_bad;
    sw_new(&rs_bad, SW_RS256);
    ans = NULL;
    assert_int_equal(reg(&rs_bad, member, "Key (bad RS256)", &bad, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "attestation_object");
    json_decref(ans);
    sw_free(&rs);
    sw_free(&rs_bad);
    /* full attestation (x5c, as security keys send it): verified with the certificate's key, so a signature by another key is refused */
    sw_key xk, xbad;
    sw_new(&xk, SW_ES256);
    sw_new(&xbad, SW_ES256);
    sw_tamper x5c = { .x5c = 1 }, x5c_bad = { .x5c = 2 };
    assert_int_equal(reg(&xk, member, "Security key (x5c)", &x5c, NULL, NULL), 201);
    ans = NULL;
    assert_int_equal(reg(&xbad, member, "Security key (wrong signer)", &x5c_bad, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "attestation_object");
    json_decref(ans);
    sw_free(&xk);
    sw_free(&xbad);
    sw_free(&p);
    sw_free(&q);
    free(member);
}

static void test_refusals(void **st_)
{
    char *member = hx_login(&S, DEMO_MEMBER_B);
    sw_key k;
    sw_new(&k, 0);
    json_t *ans = NULL;
    /* registration from another origin, for another RP ID, of the wrong type, cross-origin, without presence */
    sw_tamper o = { .origin = "https://evil.example" };
    assert_int_equal(reg(&k, member, "K", &o, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "origin");
    json_decref(ans);
    sw_tamper r = { .rp_id = "evil.example" };
    assert_int_equal(reg(&k, member, "K", &r, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "rp_id");
    json_decref(ans);
    sw_tamper ty = { .type = "webauthn.get" };
    assert_int_equal(reg(&k, member, "K", &ty, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "client_data_json");
    json_decref(ans);
    sw_tamper xo = { .cross_origin = 1 };
    assert_int_equal(reg(&k, member, "K", &xo, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "origin");
    json_decref(ans);
    sw_tamper up = { .flags = 0x44 };
    assert_int_equal(reg(&k, member, "K", &up, NULL, &ans), 400);
    assert_string_equal(field_of(ans), "flags");
    json_decref(ans);
    int64_t id = 0;
    assert_int_equal(reg(&k, member, "Desk key", NULL, &id, NULL), 201);

    /* sign-in: wrong origin, wrong RP ID, no user verification, bad signature */
    assert_int_equal(signin(&k, NULL, &o, NULL, &ans, NULL), 400);
    assert_string_equal(field_of(ans), "origin");
    json_decref(ans);
    assert_int_equal(signin(&k, NULL, &r, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "rp_id");
    json_decref(ans);
    sw_tamper nouv = { .flags = 0x01 };
    assert_int_equal(signin(&k, NULL, &nouv, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "flags");
    json_decref(ans);
    sw_tamper bs = { .bad_sig = 1 };
    assert_int_equal(signin(&k, NULL, &bs, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "signature");
    json_decref(ans);

    /* a replayed challenge: the same answer twice */
    char *sent = NULL;
    long st;
    assert_int_equal(signin(&k, NULL, NULL, NULL, NULL, &sent), 200);
    ans = call("POST", "/api/v1/auth/passkey", NULL, sent, &st);
    assert_int_equal(st, 400);
    assert_string_equal(field_of(ans), "challenge");
    json_decref(ans);
    free(sent);
    /* a challenge of another ceremony, and one made up */
    sw_tamper made = { .challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
    assert_int_equal(signin(&k, NULL, &made, NULL, &ans, NULL), 400);
    assert_string_equal(field_of(ans), "challenge");
    json_decref(ans);

    /* an expired challenge */
    json_t *opt = call("POST", "/api/v1/auth/passkey/options", NULL, NULL, &st);
    advance(301);
    char *body = sw_assert_body(&k, opt, RP, ORIGIN, NULL, NULL);
    ans = call("POST", "/api/v1/auth/passkey", NULL, body, &st);
    assert_int_equal(st, 400);
    assert_string_equal(field_of(ans), "challenge");
    json_decref(ans);
    free(body);
    json_decref(opt);

    /* the counter going backwards blocks the passkey for good */
    sw_tamper high = { .counter = 50 };
    assert_int_equal(signin(&k, NULL, &high, NULL, NULL, NULL), 200);
    sw_tamper low = { .counter = 40 };
    assert_int_equal(signin(&k, NULL, &low, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "sign_count");
    json_decref(ans);
    sw_tamper higher = { .counter = 60 };
    assert_int_equal(signin(&k, NULL, &higher, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "credential_id");
    json_decref(ans);
    json_t *pk = passkey_by_id(member, id);
    assert_false(json_is_null(json_object_get(pk, "cloned_at")));
    json_decref(pk);
    sw_free(&k);

    /* a revoked passkey */
    sw_key v;
    sw_new(&v, 1);
    int64_t vid = 0;
    assert_int_equal(reg(&v, member, "Old phone", NULL, &vid, NULL), 201);
    assert_int_equal(signin(&v, NULL, NULL, NULL, NULL, NULL), 200);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/me/passkeys/%lld/revoke", (long long)vid);
    assert_int_equal(hx_status(&S, "POST", path, member, NULL), 204);
    assert_int_equal(hx_status(&S, "POST", path, member, NULL), 409);
    assert_int_equal(signin(&v, NULL, NULL, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "credential_id");
    json_decref(ans);

    /* zero counters (a synced passkey) keep working */
    sw_key z;
    sw_new(&z, 0);
    z.zero_counter = 1;
    assert_int_equal(reg(&z, member, "Synced", NULL, NULL, NULL), 201);
    assert_int_equal(signin(&z, NULL, NULL, NULL, NULL, NULL), 200);
    assert_int_equal(signin(&z, NULL, NULL, NULL, NULL, NULL), 200);

    /* another person's: their id is not found; a user handle that is not the credential's owner */
    char *other = hx_login(&S, DEMO_MEMBER_A);
    snprintf(path, sizeof path, "/api/v1/me/passkeys/%lld", (long long)vid);
    assert_int_equal(hx_status(&S, "PATCH", path, other, "{\"name\":\"mine now\"}"), 404);
    snprintf(path, sizeof path, "/api/v1/me/passkeys/%lld/revoke", (long long)vid);
    assert_int_equal(hx_status(&S, "POST", path, other, NULL), 404);
    opt = call("POST", "/api/v1/me/passkeys/options", other, NULL, &st);
    const char *their_handle = json_string_value(json_object_get(json_object_get(opt, "user"), "id"));
    char handle[64];
    snprintf(handle, sizeof handle, "%s", their_handle);
    json_decref(opt);
    assert_int_equal(signin(&z, handle, NULL, NULL, &ans, NULL), 401);
    assert_string_equal(field_of(ans), "user_handle");
    json_decref(ans);
    /* rename */
    snprintf(path, sizeof path, "/api/v1/me/passkeys/%lld", (long long)vid);
    ans = call("PATCH", path, member, "{\"name\":\"Old phone (lost)\"}", &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(ans, "name")), "Old phone (lost)");
    json_decref(ans);
    sw_free(&v);
    sw_free(&z);
    free(other);
    free(member);
}

static void test_staff_step(void **st_)
{
    char *staff = hx_login(&S, DEMO_STAFF);
    assert_non_null(staff);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/sessions", staff, NULL), 200);
    sw_key *kp = &staff_key;
    sw_new(kp, 0);
    assert_int_equal(reg(kp, staff, "Staff key", NULL, NULL, NULL), 201);
    /* a password sign-in of staff with a passkey owes the passkey step */
    long st;
    json_t *j = call("POST", "/api/v1/auth/login", NULL,
                     "{\"email\":\"staff@medtechfactory.example\",\"password\":\"labpass-staff-demo\"}", &st);
    assert_int_equal(st, 200);
    assert_true(json_is_true(json_object_get(j, "passkey_step")));
    char tok[100];
    snprintf(tok, sizeof tok, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/sessions", tok, NULL), 403);
    j = call("GET", "/api/v1/me", tok, NULL, &st);
    assert_true(json_is_true(json_object_get(j, "passkey_step")));
    assert_false(json_is_true(json_object_get(j, "is_staff")));
    json_decref(j);
    /* a second passkey cannot be added before the step */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/me/passkeys/options", tok, NULL), 403);
    /* another person's passkey does not do */
    char *member = hx_login(&S, DEMO_ADMIN_A);
    sw_key m;
    sw_new(&m, 0);
    assert_int_equal(reg(&m, member, "Admin key", NULL, NULL, NULL), 201);
    json_t *opt = call("POST", "/api/v1/auth/passkey-step/options", tok, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(opt, "allow_credentials")), 1);
    char *body = sw_assert_body(&m, opt, RP, ORIGIN, NULL, NULL);
    json_t *ans = call("POST", "/api/v1/auth/passkey-step", tok, body, &st);
    assert_int_equal(st, 401);
    json_decref(ans);
    free(body);
    json_decref(opt);
    /* the staff member's own passkey does */
    opt = call("POST", "/api/v1/auth/passkey-step/options", tok, NULL, &st);
    body = sw_assert_body(kp, opt, RP, ORIGIN, NULL, NULL);
    ans = call("POST", "/api/v1/auth/passkey-step", tok, body, &st);
    assert_int_equal(st, 204);
    json_decref(ans);
    free(body);
    json_decref(opt);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/sessions", tok, NULL), 200);
    j = call("GET", "/api/v1/me", tok, NULL, &st);
    assert_true(json_is_true(json_object_get(j, "is_staff")));
    assert_null(json_object_get(j, "passkey_step"));
    json_decref(j);
    /* the step is done once */
    opt = call("POST", "/api/v1/auth/passkey-step/options", tok, NULL, &st);
    body = sw_assert_body(kp, opt, RP, ORIGIN, NULL, NULL);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/auth/passkey-step", tok, body), 409);
    free(body);
    json_decref(opt);
    /* a passkey sign-in of staff has staff rights at once */
    char ptok[100];
    assert_int_equal(signin(kp, NULL, NULL, ptok, NULL, NULL), 200);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/sessions", ptok, NULL), 200);
    /* a member's password sign-in owes nothing */
    j = call("POST", "/api/v1/auth/login", NULL, "{\"email\":\"admin@novacell.example\",\"password\":\"labpass-admin-demo\"}", &st);
    assert_int_equal(st, 200);
    assert_null(json_object_get(j, "passkey_step"));
    json_decref(j);
    sw_free(&m);
    free(member);
    free(staff);
}

static int64_t session_count(const char *tok, int64_t *current)
{
    long st;
    json_t *l = call("GET", "/api/v1/me/sessions", tok, NULL, &st);
    assert_int_equal(st, 200);
    json_t *v;
    size_t i;
    *current = 0;
    json_array_foreach(json_object_get(l, "sessions"), i, v)
        if (json_is_true(json_object_get(v, "current"))) *current = json_integer_value(json_object_get(v, "id"));
    int64_t n = (int64_t)json_array_size(json_object_get(l, "sessions"));
    json_decref(l);
    return n;
}

static void test_sessions(void **st_)
{
    /* idle: 1800 s without use ends a session; use keeps it until the absolute 7200 s */
    char *a = hx_login(&S, DEMO_ADMIN_B), *b = hx_login(&S, DEMO_ADMIN_B);
    for (int i = 0; i < 4; i++) {
        advance(1500);
        assert_int_equal(hx_status(&S, "GET", "/api/v1/me", a, NULL), 200);
    }
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", b, NULL), 401);   /* idle for 6000 s */
    advance(1500);   /* 7500 s after the sign-in: past the absolute lifetime, though used 1500 s ago */
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", a, NULL), 401);
    free(a);
    free(b);

    /* the list, ending one, signing out everywhere */
    char *s1 = hx_login(&S, DEMO_ADMIN_B), *s2 = hx_login(&S, DEMO_ADMIN_B), *s3 = hx_login(&S, DEMO_ADMIN_B);
    int64_t cur1 = 0, cur2 = 0;
    assert_int_equal(session_count(s1, &cur1), 3);
    assert_int_equal(session_count(s2, &cur2), 3);
    assert_true(cur1 > 0 && cur2 > 0 && cur1 != cur2);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/me/sessions/%lld/revoke", (long long)cur2);
    int64_t audit0 = hx_count(&S, "audit_log");
    assert_int_equal(hx_status(&S, "POST", path, s1, NULL), 204);
    assert_int_equal(hx_count(&S, "audit_log"), audit0 + 1);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", s2, NULL), 401);
    assert_int_equal(hx_status(&S, "POST", path, s1, NULL), 404);
    /* another person cannot end it */
    char *other = hx_login(&S, DEMO_MEMBER_B);
    int64_t oc = 0;
    session_count(other, &oc);
    snprintf(path, sizeof path, "/api/v1/me/sessions/%lld/revoke", (long long)oc);
    assert_int_equal(hx_status(&S, "POST", path, s1, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", other, NULL), 200);
    char *s4 = hx_login(&S, DEMO_ADMIN_B);
    long st;
    json_t *j = call("POST", "/api/v1/me/sessions/revoke-all", s1, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "revoked")), 2);   /* s3 and s4 */
    json_decref(j);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", s3, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", s4, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", s1, NULL), 200);
    j = call("POST", "/api/v1/me/sessions/revoke-all", s1, "{\"include_current\":true}", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "revoked")), 1);
    json_decref(j);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", s1, NULL), 401);

    /* staff sign a person out everywhere (signed in with their passkey); members may not */
    char staff2[100];
    assert_int_equal(signin(&staff_key, NULL, NULL, staff2, NULL, NULL), 200);
    int64_t pid = hx_me_id(&S, other);
    snprintf(path, sizeof path, "/api/v1/people/%lld/sessions/revoke", (long long)pid);
    assert_int_equal(hx_status(&S, "POST", path, other, NULL), 403);
    audit0 = hx_count(&S, "audit_log");
    j = call("POST", path, staff2, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "revoked")), 1);
    json_decref(j);
    assert_int_equal(hx_count(&S, "audit_log"), audit0 + 1);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", other, NULL), 401);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/people/999999/sessions/revoke", staff2, NULL), 404);
    free(other);
    free(s1); free(s2); free(s3); free(s4);
}

/* passkey_staff = yes: staff without a passkey sign in with member rights,
 * may enrol a first passkey, and then take the step with it. */
static void test_staff_required(void **st_)
{
    hx_server T;
    const char *extra[] = { "--public-url", ORIGIN, "--passkey-staff", "yes", NULL };
    assert_int_equal(hx_start_args(&T, T0, extra), 0);
    hx_resp r;
    assert_int_equal(hx_req(&T, "POST", "/api/v1/auth/login", NULL,
                            "{\"email\":\"staff@medtechfactory.example\",\"password\":\"labpass-staff-demo\"}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "passkey_step")));
    char tok[100];
    snprintf(tok, sizeof tok, "%s", json_string_value(json_object_get(r.json, "token")));
    hx_free(&r);
    assert_int_equal(hx_status(&T, "GET", "/api/v1/sessions", tok, NULL), 403);
    assert_int_equal(hx_status(&T, "POST", "/api/v1/auth/passkey-step/options", tok, NULL), 409);   /* none yet */
    sw_key k;
    sw_new(&k, 1);
    assert_int_equal(hx_req(&T, "POST", "/api/v1/me/passkeys/options", tok, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char *body = sw_register_body(&k, r.json, RP, ORIGIN, "First key", NULL);
    hx_free(&r);
    assert_int_equal(hx_status(&T, "POST", "/api/v1/me/passkeys", tok, body), 201);
    free(body);
    assert_int_equal(hx_status(&T, "POST", "/api/v1/me/passkeys/options", tok, NULL), 403);   /* a second waits for the step */
    assert_int_equal(hx_req(&T, "POST", "/api/v1/auth/passkey-step/options", tok, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    body = sw_assert_body(&k, r.json, RP, ORIGIN, NULL, NULL);
    hx_free(&r);
    assert_int_equal(hx_status(&T, "POST", "/api/v1/auth/passkey-step", tok, body), 204);
    free(body);
    assert_int_equal(hx_status(&T, "GET", "/api/v1/sessions", tok, NULL), 200);
    sw_free(&k);
    assert_int_equal(hx_stop(&T), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_sign_in),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_staff_step),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_staff_required),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
