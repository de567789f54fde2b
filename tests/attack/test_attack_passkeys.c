/* test_attack_passkeys.c: what an outsider sends to the passkey routes, and
 * what a member tries on the session routes. Real labpassd (demo database,
 * injected clock, public_url https://labpass.example.org). Hostile JSON
 * (wrong types, unknown fields, over-long and non-base64 values), hostile
 * CBOR attestation objects (garbage, deep nesting, indefinite lengths,
 * lengths beyond the data, wrong key types, a huge map) and hostile
 * clientDataJSON and authenticatorData each get a 4xx, never a 5xx, and the
 * server exits cleanly afterwards; one client cannot hold more than 20 open
 * sign-in challenges; members cannot sign others out; without public_url
 * passkeys are off (409). */
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

#define ORIGIN "https://labpass.example.org"
static hx_server S;
static int64_t g_now;

static int start(void **st)
{
    const char *extra[] = { "--public-url", ORIGIN, NULL };
    g_now = hx_test_epoch();
    return hx_start_args(&S, g_now, extra);
}
static int stop(void **st) { return hx_stop(&S) == 0 ? 0 : -1; }

static long post(const char *path, const char *token, const char *body)
{
    return hx_status(&S, "POST", path, token, body);
}

/* A fresh challenge for a registration of token, as base64url. */
static char *reg_challenge(const char *token)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "POST", "/api/v1/me/passkeys/options", token, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char *c = strdup(json_string_value(json_object_get(r.json, "challenge")));
    hx_free(&r);
    return c;
}

/* A registration body with this attestation object (raw bytes) and an honest client data. */
static char *reg_body(const char *token, const unsigned char *att, size_t n)
{
    char *chal = reg_challenge(token), cdj[300];
    snprintf(cdj, sizeof cdj, "{\"type\":\"webauthn.create\",\"challenge\":\"%s\",\"origin\":\"%s\"}", chal, ORIGIN);
    char *c64 = sw_b64((const unsigned char *)cdj, strlen(cdj)), *a64 = sw_b64(att, n);
    json_t *b = json_pack("{s:s, s:s, s:s}", "name", "x", "client_data_json", c64, "attestation_object", a64);
    char *txt = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    free(chal); free(c64); free(a64);
    return txt;
}

static void test_hostile_json(void **st)
{
    static const char *const SIGNIN[] = {
        "", "[]", "null", "{", "{\"credential_id\":1}", "{\"credential_id\":\"AA\"}",
        "{\"credential_id\":\"AA\",\"client_data_json\":\"AA\",\"authenticator_data\":\"AA\",\"signature\":\"AA\",\"x\":1}",
        "{\"credential_id\":\"!!!\",\"client_data_json\":\"AA\",\"authenticator_data\":\"AA\",\"signature\":\"AA\"}",
        "{\"credential_id\":\"AA\",\"client_data_json\":\"e30\",\"authenticator_data\":\"AA\",\"signature\":\"AA\"}",
        "{\"credential_id\":\"AA\",\"client_data_json\":\"W10\",\"authenticator_data\":\"AA\",\"signature\":\"AA\"}",
        "{\"credential_id\":\"AA\",\"client_data_json\":\"AA\",\"authenticator_data\":\"AA\",\"signature\":\"AA\",\"user_handle\":[]}",
    };
    for (size_t i = 0; i < sizeof SIGNIN / sizeof SIGNIN[0]; i++) {
        long s = post("/api/v1/auth/passkey", NULL, SIGNIN[i]);
        assert_true(s == 400 || s == 415);
    }
    /* over-long fields */
    char *big = malloc(30000);
    memset(big, 'A', 29999);
    big[29999] = '\0';
    char *body = malloc(31000);
    snprintf(body, 31000, "{\"credential_id\":\"%s\",\"client_data_json\":\"AA\",\"authenticator_data\":\"AA\",\"signature\":\"AA\"}", big);
    assert_int_equal(post("/api/v1/auth/passkey", NULL, body), 400);
    char *member = hx_login(&S, DEMO_MEMBER_A);
    snprintf(body, 31000, "{\"name\":\"x\",\"client_data_json\":\"AA\",\"attestation_object\":\"%s\"}", big);
    assert_int_equal(post("/api/v1/me/passkeys", member, body), 400);
    free(big);
    free(body);
    /* a hostile client data: deep JSON, a number for a challenge, a short challenge */
    static const char *const CDJ[] = {
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "{\"type\":\"webauthn.get\",\"challenge\":7,\"origin\":\"" ORIGIN "\"}",
        "{\"type\":\"webauthn.get\",\"challenge\":\"AAAA\",\"origin\":\"" ORIGIN "\"}",
        "{\"type\":\"webauthn.get\",\"type\":\"webauthn.get\"}",
        "{\"type\":null,\"origin\":{}}",
    };
    for (size_t i = 0; i < sizeof CDJ / sizeof CDJ[0]; i++) {
        char *c64 = sw_b64((const unsigned char *)CDJ[i], strlen(CDJ[i]));
        json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "credential_id", "AAAAAAAAAAAAAAAAAAAAAA", "client_data_json", c64,
                              "authenticator_data", "AAAA", "signature", "AAAA");
        char *txt = json_dumps(b, JSON_COMPACT);
        assert_int_equal(post("/api/v1/auth/passkey", NULL, txt), 400);
        free(txt);
        json_decref(b);
        free(c64);
    }
    free(member);
}

static void test_hostile_cbor(void **st)
{
    char *member = hx_login(&S, DEMO_MEMBER_B);
    unsigned char buf[8000];
    /* garbage, an empty map, deep nesting, indefinite map, a byte string longer than the data,
     * integer keys, a map of 1000 pairs, trailing bytes after a map */
    struct { const unsigned char *p; size_t n; } cases[10];
    size_t nc = 0;
    static const unsigned char garbage[] = { 0xff, 0x00, 0x13, 0x37 }, empty[] = { 0xa0 };
    static const unsigned char indef[] = { 0xbf, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e', 0xff };
    static const unsigned char toolong[] = { 0xa1, 0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a', 0x5b, 0x7f, 0xff, 0xff,
                                             0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
    static const unsigned char intkeys[] = { 0xa3, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
    static const unsigned char trailing[] = { 0xa0, 0xa0 };
    cases[nc].p = garbage; cases[nc++].n = sizeof garbage;
    cases[nc].p = empty; cases[nc++].n = sizeof empty;
    memset(buf, 0x81, 5000);   /* [[[[...0]]]] */
    buf[5000] = 0x00;
    cases[nc].p = buf; cases[nc++].n = 5001;
    cases[nc].p = indef; cases[nc++].n = sizeof indef;
    cases[nc].p = toolong; cases[nc++].n = sizeof toolong;
    cases[nc].p = intkeys; cases[nc++].n = sizeof intkeys;
    cases[nc].p = trailing; cases[nc++].n = sizeof trailing;
    for (size_t i = 0; i < nc; i++) {
        char *body = reg_body(member, cases[i].p, cases[i].n);
        assert_int_equal(post("/api/v1/me/passkeys", member, body), 400);
        free(body);
    }
    unsigned char *map = malloc(6000);
    size_t n = 0;
    map[n++] = 0xb9; map[n++] = 0x03; map[n++] = 0xe8;   /* map(1000) */
    for (int i = 0; i < 1000; i++) { map[n++] = 0x19; map[n++] = (unsigned char)(i >> 8); map[n++] = (unsigned char)i; map[n++] = 0xf6; }
    char *body = reg_body(member, map, n);
    assert_int_equal(post("/api/v1/me/passkeys", member, body), 400);
    free(body);
    free(map);
    /* well-formed CBOR around hostile authData: AT set, then garbage where the key should be */
    unsigned char att[300];
    size_t an = 0;
    static const unsigned char head[] = { 0xa3, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e', 0x67, 'a', 't', 't', 'S',
                                          't', 'm', 't', 0xa0, 0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a', 0x58, 120 };
    memcpy(att, head, sizeof head);
    an = sizeof head;
    for (int i = 0; i < 120; i++) att[an + (size_t)i] = (unsigned char)(i * 37 + 11);
    att[an + 32] = 0x45;
    an += 120;
    body = reg_body(member, att, an);
    assert_int_equal(post("/api/v1/me/passkeys", member, body), 400);
    free(body);
    free(member);
}

static void test_challenge_flood(void **st)
{
    g_now += 3600;
    hx_set_clock(&S, g_now);
    int ok = 0, throttled = 0;
    for (int i = 0; i < 30; i++) {
        long s = post("/api/v1/auth/passkey/options", NULL, NULL);
        if (s == 200) ok++;
        else if (s == 429) throttled++;
    }
    assert_int_equal(ok, 20);
    assert_int_equal(throttled, 10);
    /* the challenges expire and the client may start again */
    g_now += 301;
    hx_set_clock(&S, g_now);
    assert_int_equal(post("/api/v1/auth/passkey/options", NULL, NULL), 200);
    /* registration challenges belong to signed-in people and do not count against the address */
    char *member = hx_login(&S, DEMO_ADMIN_A);
    assert_int_equal(post("/api/v1/me/passkeys/options", member, NULL), 200);
    free(member);
}

static void test_roles(void **st)
{
    char *member = hx_login(&S, DEMO_MEMBER_A), *admin = hx_login(&S, DEMO_ADMIN_A);
    int64_t pid = hx_me_id(&S, member);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/people/%lld/sessions/revoke", (long long)pid);
    assert_int_equal(post(path, admin, NULL), 403);
    assert_int_equal(post(path, NULL, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me/passkeys", NULL, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me/sessions", NULL, NULL), 401);
    assert_int_equal(post("/api/v1/me/sessions/revoke-all", member, "{\"include_current\":\"yes\"}"), 400);
    assert_int_equal(post("/api/v1/me/sessions/revoke-all", member, "{\"everyone\":true}"), 400);
    assert_int_equal(post("/api/v1/me/sessions/99999999/revoke", member, NULL), 404);
    assert_int_equal(hx_status(&S, "PATCH", "/api/v1/me/passkeys/1", member, "{\"name\":\"\"}"), 400);
    assert_int_equal(hx_status(&S, "PATCH", "/api/v1/me/passkeys/99999", member, "{\"name\":\"a\\u0001b\"}"), 400);
    assert_int_equal(hx_status(&S, "PATCH", "/api/v1/me/passkeys/99999", member, "{\"name\":\"ok\"}"), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", member, NULL), 200);
    /* the passkey step with an API key or without passkeys is refused without harm */
    assert_int_equal(post("/api/v1/auth/passkey-step/options", member, NULL), 409);
    free(member);
    free(admin);
}

static void test_no_public_url(void **st)
{
    hx_server T;
    assert_int_equal(hx_start(&T, 0), 0);
    assert_int_equal(hx_status(&T, "POST", "/api/v1/auth/passkey/options", NULL, NULL), 409);
    char *member = hx_login(&T, DEMO_MEMBER_A);
    assert_int_equal(hx_status(&T, "POST", "/api/v1/me/passkeys/options", member, NULL), 409);
    free(member);
    assert_int_equal(hx_stop(&T), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_json),
        cmocka_unit_test(test_hostile_cbor),
        cmocka_unit_test(test_challenge_flood),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_no_public_url),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
