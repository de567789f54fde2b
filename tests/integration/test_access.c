/* test_access.c: door access over real HTTP against labpassd (fixed clock):
 * holder credentials; a pass for a confirmed reservation (and none for a
 * requested one, nor after a training is withdrawn); the pass verifies with
 * the keys of /api/v1/pass-keys through tok_check; the sync bundle verifies
 * (tok_sign1_open) and decodes (tok_bundle_decode); revocation shows up in the
 * next sync with the next SEQ; event upload is idempotent and checks the
 * reservation in and out; a door key reads only its own door; tenant
 * suspension revokes the tenant's passes; key rotation keeps old passes
 * verifiable and bundles readable; bearer and standing passes; bad input is a
 * 4xx problem that changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "access/token/token.h"
#include "core/ltime.h"
#include "tests/lib/harness.h"

#define T0 1796104800LL            /* 2026-12-01T06:00:00Z, Tuesday 07:00 in Amsterdam */
#define SLOT_START "2026-12-01T09:00:00+01:00"
#define SLOT_END "2026-12-01T11:00:00+01:00"
#define SLOT_START_T 1796112000LL  /* 08:00Z */
#define SLOT_END_T 1796119200LL    /* 10:00Z */
#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

static hx_server S;
static char *staff, *admin_a, *member_a, *admin_b;
static uint8_t holder_pk[32], holder_sk[64];
static int64_t lab_a, lab_b_autoclave, meeting_room;
static int64_t door_id, other_door_id;
static char door_key[128], other_door_key[128];

/* ---- helpers ---- */

static void register_key(const char *token, const uint8_t pk[32], const char *label, long want)
{
    char b64[64], body[200];
    sodium_bin2base64(b64, sizeof b64, pk, 32, B64U);
    snprintf(body, sizeof body, "{\"public_key\":\"%s\",\"label\":\"%s\",\"kind\":\"phone\"}", b64, label);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/me/credentials", token, body), want);
}

/* The trusted keys of /api/v1/pass-keys. */
static size_t pass_keys(struct tok_key *keys, size_t cap)
{
    hx_resp r;
    size_t n = 0, got;
    hx_req(&S, "GET", "/api/v1/pass-keys", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "site")), "mtf");
    json_t *arr = json_object_get(r.json, "keys");
    for (size_t i = 0; i < json_array_size(arr) && n < cap; i++, n++) {
        json_t *k = json_array_get(arr, i);
        const char *kid = json_string_value(json_object_get(k, "kid")), *x = json_string_value(json_object_get(k, "x"));
        memset(&keys[n], 0, sizeof keys[n]);
        assert_int_equal(sodium_hex2bin(keys[n].kid, TOK_KID_MAX, kid, strlen(kid), NULL, &got, NULL), 0);
        keys[n].kid_len = got;
        assert_int_equal(sodium_base642bin(keys[n].pk, 32, x, strlen(x), NULL, &got, NULL, B64U), 0);
        assert_int_equal(got, 32);
    }
    hx_free(&r);
    return n;
}

/* The caller's passes (GET /api/v1/me/passes), parsed. Caller decrefs. */
static json_t *my_passes(const char *token)
{
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me/passes", token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *p = json_incref(json_object_get(r.json, "passes"));
    hx_free(&r);
    return p;
}

/* The pass of reservation rid in passes, or NULL. */
static json_t *pass_of(json_t *passes, int64_t rid)
{
    for (size_t i = 0; i < json_array_size(passes); i++) {
        json_t *p = json_array_get(passes, i);
        if (json_integer_value(json_object_get(p, "reservation_id")) == rid)
            return p;
    }
    return NULL;
}

static size_t pass_bytes(json_t *pass, uint8_t *out)
{
    const char *b = json_string_value(json_object_get(pass, "pass"));
    size_t n = 0;
    assert_non_null(b);
    assert_int_equal(sodium_base642bin(out, TOK_PASS_MAX, b, strlen(b), NULL, &n, NULL, B64U), 0);
    return n;
}

/* Fetches, verifies and decodes a door's bundle. Returns the HTTP status. */
static long sync_door(const char *key, int64_t id, int64_t since, struct tok_bundle *b, struct tok_key *signer)
{
    char path[160];
    hx_resp r;
    struct tok_key keys[8];
    const uint8_t *payload = NULL;
    size_t plen = 0;
    enum tok_reason why;
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync?since=%lld&nonce=00112233445566778899aabbccddeeff",
             (long long)id, (long long)since);
    hx_req(&S, "GET", path, key, NULL, NULL, &r);
    long status = r.status;
    if (status == 200) {
        size_t n = pass_keys(keys, 8);
        assert_non_null(strstr(r.headers, "application/cose"));
        assert_int_equal(tok_sign1_open((uint8_t *)r.body, r.len, keys, n, &payload, &plen, &why), 0);
        assert_int_equal(tok_bundle_decode(payload, plen, b), 0);
        assert_int_equal(b->nonce_len, 16);
        assert_int_equal(b->door_id, id);
        assert_int_equal(b->since, since);
        if (signer) {   /* which key signed: the one whose kid the header names */
            for (size_t i = 0; i < n; i++)
                if (tok_sign1_open((uint8_t *)r.body, r.len, &keys[i], 1, &payload, &plen, &why) == 0)
                    *signer = keys[i];
        }
    }
    hx_free(&r);
    return status;
}

static int deny_has(const struct tok_bundle *b, const uint8_t cti[16])
{
    for (size_t i = 0; i < b->n_deny; i++)
        if (!memcmp(b->deny[i].cti, cti, 16))
            return 1;
    return 0;
}

static void cti_of(json_t *pass, uint8_t cti[16])
{
    const char *h = json_string_value(json_object_get(pass, "cti"));
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(cti, 16, h, strlen(h), NULL, &n, NULL), 0);
    assert_int_equal(n, 16);
}

static const char *rsv_status(int64_t id, char *buf, size_t len)
{
    char path[80];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)id);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    snprintf(buf, len, "%s", json_string_value(json_object_get(r.json, "status")));
    hx_free(&r);
    return buf;
}

/* ---- setup ---- */

static void make_door(const char *name, const char *group, int64_t *id, char *key)
{
    char body[200];
    hx_resp r;
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"group\":\"%s\"}", name, group);
    hx_req(&S, "POST", "/api/v1/doors", staff, body, NULL, &r);
    assert_int_equal(r.status, 201);
    *id = json_integer_value(json_object_get(json_object_get(r.json, "door"), "id"));
    snprintf(key, 128, "%s", json_string_value(json_object_get(r.json, "api_key")));
    assert_true(json_array_size(json_object_get(r.json, "trust_keys")) >= 1);
    hx_free(&r);
}

static int setup(void **st)
{
    if (sodium_init() < 0 || hx_start(&S, T0) != 0)
        return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    admin_b = hx_login(&S, DEMO_ADMIN_B);
    crypto_sign_keypair(holder_pk, holder_sk);
    lab_a = hx_resource_id(&S, staff, "ML-1 Lab A");
    lab_b_autoclave = hx_resource_id(&S, staff, "Autoclave AC-1");
    meeting_room = hx_resource_id(&S, staff, "Meeting room Pasteur");
    return staff && admin_a && member_a && admin_b && lab_a && lab_b_autoclave && meeting_room ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a); free(admin_b);
    return hx_stop(&S);
}

/* ---- tests ---- */

static void test_pass_keys_public(void **st)
{
    struct tok_key keys[4];
    assert_int_equal(pass_keys(keys, 4), 1);
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/pass-keys", NULL, NULL, NULL, &r);
    assert_non_null(strstr(r.headers, "max-age=300"));
    json_t *k = json_array_get(json_object_get(r.json, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(k, "status")), "active");
    assert_true(json_is_null(json_object_get(k, "not_after")));
    hx_free(&r);
}

static void test_credentials(void **st)
{
    int64_t before = hx_count(&S, "credentials");
    static const char *bad[] = {
        "{\"public_key\":\"AAAA\",\"label\":\"x\",\"kind\":\"phone\"}",
        "{\"public_key\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"label\":\"identity point\",\"kind\":\"phone\"}",
        "{\"public_key\":\"5iPV4kPK98LSYbhjSS9_a3JM-dt07g75RQK9tTv_fl4=\",\"label\":\"padded\",\"kind\":\"phone\"}",
        "{\"public_key\":\"5iPV4kPK98LSYbhjSS9_a3JM-dt07g75RQK9tTv_fl4\",\"label\":\"x\",\"kind\":\"watch\"}",
        "{\"public_key\":\"5iPV4kPK98LSYbhjSS9_a3JM-dt07g75RQK9tTv_fl4\",\"label\":\"\",\"kind\":\"card\"}",
        "{\"public_key\":\"5iPV4kPK98LSYbhjSS9_a3JM-dt07g75RQK9tTv_fl4\",\"label\":\"x\",\"kind\":\"card\",\"extra\":1}",
        "{\"public_key\":\"5iPV4kPK98LSYbhjSS9+a3JM/dt07g75RQK9tTv/fl4\",\"label\":\"x\",\"kind\":\"card\"}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hx_resp r;
        hx_req(&S, "POST", "/api/v1/me/credentials", member_a, bad[i], NULL, &r);
        if (r.status != 400 || !strstr(r.headers, "application/problem+json"))
            fail_msg("case %zu answered %ld", i, r.status);
        hx_free(&r);
    }
    assert_int_equal(hx_count(&S, "credentials"), before);
    register_key(member_a, holder_pk, "Bram's phone", 201);
    register_key(member_a, holder_pk, "again", 409);
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me/credentials", member_a, NULL, NULL, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "credentials")), 1);
    hx_free(&r);
    /* someone else's credential is invisible */
    assert_int_equal(hx_status(&S, "POST", "/api/v1/me/credentials/1/revoke", admin_a, NULL), 404);
}

static void test_pass_for_confirmed_not_requested(void **st)
{
    char status[16];
    uint8_t m[TOK_PASS_MAX];
    struct tok_key keys[4];
    int64_t rid = hx_book(&S, member_a, lab_a, SLOT_START, SLOT_END, status, sizeof status);
    assert_string_equal(status, "confirmed");
    int64_t req = hx_book(&S, member_a, lab_b_autoclave, SLOT_START, SLOT_END, status, sizeof status);
    assert_string_equal(status, "requested");
    json_t *passes = my_passes(member_a);
    json_t *p = pass_of(passes, rid);
    assert_non_null(p);
    assert_null(pass_of(passes, req));
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "door_groups"), 0)), "ml1-a");
    /* the pass verifies with the published keys, the claims are the booking's */
    size_t nk = pass_keys(keys, 4), n = pass_bytes(p, m);
    struct tok_pass tp;
    enum tok_reason why;
    assert_true(n <= TOK_PASS_BUDGET);
    assert_int_equal(tok_check(m, n, keys, nk, SLOT_START_T, 0, &tp, &why), 0);
    assert_int_equal(tok_check(m, n, keys, nk, SLOT_START_T - 15 * 60, 0, &tp, &why), 0);
    assert_int_equal(tok_check(m, n, keys, nk, SLOT_START_T - 16 * 60, 0, &tp, &why), LP_ERR_RULE);
    assert_int_equal(tok_check(m, n, keys, nk, SLOT_END_T + 15 * 60, 0, &tp, &why), LP_ERR_RULE);
    assert_int_equal(tp.claims.reservation, rid);
    assert_true(tp.claims.has_cnf);
    assert_memory_equal(tp.claims.cnf_pk, holder_pk, 32);
    assert_string_equal(tp.claims.iss, "mtf");
    char sub[24];
    snprintf(sub, sizeof sub, "%lld", (long long)hx_me_id(&S, member_a));
    assert_string_equal(tp.claims.sub, sub);
    /* the same pass again; approval brings the second one */
    json_t *again = my_passes(member_a);
    assert_string_equal(json_string_value(json_object_get(pass_of(again, rid), "cti")),
                        json_string_value(json_object_get(p, "cti")));
    char path[80];
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/approve", (long long)req);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 200);
    json_t *after = my_passes(member_a);
    assert_non_null(pass_of(after, req));
    json_decref(passes);
    json_decref(again);
    json_decref(after);
}

static void test_door_scope(void **st)
{
    struct tok_bundle b;
    char path[100];
    make_door("t-ml1-a", "ml1-a", &door_id, door_key);
    make_door("t-ml1-b", "ml1-b", &other_door_id, other_door_key);
    assert_int_equal(sync_door(door_key, door_id, 0, &b, NULL), 200);
    assert_int_equal(b.reset, 1);
    assert_string_equal(b.iss, "mtf");
    assert_string_equal(b.settings.groups[0], "ml1-a");
    assert_string_equal(b.settings.name, "t-ml1-a");
    assert_int_equal(b.settings.holder_proof, 1);
    assert_true(b.n_keys >= 1);
    tok_bundle_clear(&b);
    /* another door's bundle and events: 404; person routes: 403 */
    assert_int_equal(sync_door(door_key, other_door_id, 0, &b, NULL), 404);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events", (long long)other_door_id);
    assert_int_equal(hx_status(&S, "POST", path, door_key,
                               "{\"events\":[{\"id\":\"x1\",\"time\":\"2026-12-01T06:00:00Z\",\"kind\":\"denied\"}]}"), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me/passes", door_key, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/doors", door_key, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/reservations", door_key, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/doors/999/sync", door_key, NULL), 404);
    /* members may not read bundles */
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync", (long long)door_id);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 403);
    /* last_seen is recorded */
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/doors", staff, NULL, NULL, &r);
    json_t *doors = json_object_get(r.json, "doors");
    int seen = 0;
    for (size_t i = 0; i < json_array_size(doors); i++) {
        json_t *d = json_array_get(doors, i);
        if (json_integer_value(json_object_get(d, "id")) == door_id)
            seen = json_is_string(json_object_get(d, "last_seen_at"));
    }
    assert_true(seen);
    hx_free(&r);
}

static void test_revocation_in_next_sync(void **st)
{
    struct tok_bundle b0, b1, b2;
    uint8_t cti[16];
    assert_int_equal(sync_door(door_key, door_id, 0, &b0, NULL), 200);
    char status[16];
    int64_t rid = hx_book(&S, member_a, lab_a, "2026-12-01T13:00:00+01:00", "2026-12-01T14:00:00+01:00", status, sizeof status);
    json_t *passes = my_passes(member_a);
    json_t *p = pass_of(passes, rid);
    assert_non_null(p);
    cti_of(p, cti);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/passes/%lld/revoke", (long long)json_integer_value(json_object_get(p, "id")));
    assert_int_equal(hx_status(&S, "POST", path, admin_b, NULL), 404);   /* another tenant's pass */
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 409);  /* once */
    assert_int_equal(sync_door(door_key, door_id, b0.seq, &b1, NULL), 200);
    assert_int_equal(b1.reset, b0.seq == 0);   /* since 0 is a new door: the whole list */
    assert_int_equal(b1.seq, b0.seq + 1);
    assert_int_equal(b1.n_deny, 1);
    assert_memory_equal(b1.deny[0].cti, cti, 16);
    assert_int_equal(b1.deny[0].exp, SLOT_END_T + 3 * 3600 + 15 * 60);   /* 14:00 local + grace */
    /* nothing new since; a door ahead of the server (restored backup) gets everything */
    assert_int_equal(sync_door(door_key, door_id, b1.seq, &b2, NULL), 200);
    assert_int_equal(b2.n_deny, 0);
    assert_int_equal(b2.reset, 0);
    assert_int_equal(b2.seq, b1.seq);
    tok_bundle_clear(&b2);
    assert_int_equal(sync_door(door_key, door_id, b1.seq + 100, &b2, NULL), 200);
    assert_int_equal(b2.reset, 1);
    assert_true(deny_has(&b2, cti));
    /* a revoked pass is not handed out again; a new one replaces it */
    json_t *again = my_passes(member_a);
    json_t *np = pass_of(again, rid);
    assert_non_null(np);
    assert_string_not_equal(json_string_value(json_object_get(np, "cti")), json_string_value(json_object_get(p, "cti")));
    json_decref(passes);
    json_decref(again);
    tok_bundle_clear(&b0);
    tok_bundle_clear(&b1);
    tok_bundle_clear(&b2);
}

static void test_training_withdrawn(void **st)
{
    uint8_t anna_pk[32], anna_sk[64], cti[16];
    char status[16], path[120];
    struct tok_bundle b0, b1;
    crypto_sign_keypair(anna_pk, anna_sk);
    register_key(admin_a, anna_pk, "Anna's card", 201);
    int64_t rid = hx_book(&S, admin_a, lab_a, SLOT_START, SLOT_END, status, sizeof status);
    json_t *passes = my_passes(admin_a);
    assert_non_null(pass_of(passes, rid));
    cti_of(pass_of(passes, rid), cti);
    assert_int_equal(sync_door(door_key, door_id, 0, &b0, NULL), 200);
    /* staff withdraw Anna's induction */
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/qualification-grants?person_id=%lld", (long long)hx_me_id(&S, admin_a));
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    json_t *grants = json_object_get(r.json, "grants");
    assert_int_equal(json_array_size(grants), 1);
    snprintf(path, sizeof path, "/api/v1/qualification-grants/%lld/withdraw",
             (long long)json_integer_value(json_object_get(json_array_get(grants, 0), "id")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 200);
    json_t *after = my_passes(admin_a);
    assert_null(pass_of(after, rid));
    assert_int_equal(sync_door(door_key, door_id, b0.seq, &b1, NULL), 200);
    assert_true(deny_has(&b1, cti));
    json_decref(passes);
    json_decref(after);
    tok_bundle_clear(&b0);
    tok_bundle_clear(&b1);
}

static const char *BATCH_FMT =
    "{\"queue_length\":0,\"events\":["
    "{\"id\":\"t-ml1-a-1\",\"time\":\"2026-12-01T07:50:00Z\",\"kind\":\"admission\",\"reason\":\"ok\",\"cti\":\"%s\"},"
    "{\"id\":\"t-ml1-a-2\",\"time\":\"2026-12-01T07:51:00Z\",\"kind\":\"denied\",\"reason\":\"expired\"},"
    "{\"id\":\"t-ml1-a-3\",\"time\":\"2026-12-01T07:52:00Z\",\"kind\":\"alarm\",\"alarm\":\"door_held_open\",\"queue_length\":2}]}";

static void test_events_idempotent(void **st)
{
    char path[100], body[900], status[16];
    json_t *passes = my_passes(member_a);
    json_t *p = NULL;
    for (size_t i = 0; i < json_array_size(passes) && !p; i++) {
        json_t *x = json_array_get(passes, i);
        if (!strcmp(json_string_value(json_array_get(json_object_get(x, "door_groups"), 0)), "ml1-a") &&
            !strcmp(json_string_value(json_object_get(x, "nbf")), "2026-12-01T08:45:00+01:00"))
            p = x;
    }
    assert_non_null(p);
    int64_t rid = json_integer_value(json_object_get(p, "reservation_id"));
    hx_set_clock(&S, T0 + 110 * 60);      /* 07:50Z: inside the check-in window */
    snprintf(body, sizeof body, BATCH_FMT, json_string_value(json_object_get(p, "cti")));
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events", (long long)door_id);
    int64_t events = hx_count(&S, "door_events");
    hx_resp r1, r2;
    hx_req(&S, "POST", path, door_key, body, NULL, &r1);
    assert_int_equal(r1.status, 200);
    json_t *acks = json_object_get(r1.json, "acks");
    assert_int_equal(json_array_size(acks), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(acks, 0), "result")), "checked_in");
    assert_string_equal(json_string_value(json_object_get(json_array_get(acks, 1), "result")), "recorded");
    assert_string_equal(rsv_status(rid, status, sizeof status), "checked_in");
    assert_int_equal(hx_count(&S, "door_events"), events + 3);
    /* the same batch again: the same acks, nothing stored */
    hx_req(&S, "POST", path, door_key, body, NULL, &r2);
    assert_int_equal(r2.status, 200);
    assert_string_equal(r1.body, r2.body);
    assert_int_equal(hx_count(&S, "door_events"), events + 3);
    hx_free(&r1);
    hx_free(&r2);
    /* the exit checks out; the check-in was by the door */
    snprintf(body, sizeof body, "{\"events\":[{\"id\":\"t-ml1-a-4\",\"time\":\"2026-12-01T07:55:00Z\",\"kind\":\"exit\","
             "\"cti\":\"%s\"}]}", json_string_value(json_object_get(p, "cti")));
    hx_req(&S, "POST", path, door_key, body, NULL, &r1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r1.json, "acks"), 0), "result")),
                        "checked_out");
    hx_free(&r1);
    assert_string_equal(rsv_status(rid, status, sizeof status), "completed");
    hx_req(&S, "GET", "/api/v1/audit?object_type=reservation", staff, NULL, NULL, &r1);
    char actor[32];
    snprintf(actor, sizeof actor, "\"door:%lld\"", (long long)door_id);
    assert_non_null(strstr(r1.body, actor));
    hx_free(&r1);
    /* the door on the other side may not check this reservation in */
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events", (long long)other_door_id);
    snprintf(body, sizeof body, "{\"events\":[{\"id\":\"b-1\",\"time\":\"2026-12-01T07:54:00Z\",\"kind\":\"admission\","
             "\"reservation_id\":%lld}]}", (long long)rid);
    hx_req(&S, "POST", path, other_door_key, body, NULL, &r1);
    assert_int_equal(r1.status, 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r1.json, "acks"), 0), "result")),
                        "not_applied");
    hx_free(&r1);
    /* the presence report and the door list */
    hx_req(&S, "GET", "/api/v1/door-events?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", staff, NULL, NULL, &r1);
    assert_int_equal(r1.status, 200);
    assert_non_null(strstr(r1.body, "\"person\":\"Bram Visser\""));
    assert_non_null(strstr(r1.body, "\"kind\":\"admission\""));
    hx_free(&r1);
    hx_req(&S, "GET", "/api/v1/doors", staff, NULL, NULL, &r1);
    assert_non_null(strstr(r1.body, "\"kind\":\"door_held_open\""));
    hx_free(&r1);
    json_decref(passes);
}

static void test_bad_input_changes_nothing(void **st)
{
    char path[100];
    int64_t events = hx_count(&S, "door_events"), doors = hx_count(&S, "doors");
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events", (long long)door_id);
    static const char *bad[] = {
        "{\"events\":[]}",
        "{\"events\":[{\"id\":\"ok-1\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\"},"
        "{\"id\":\"bad kind\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"opened\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00\",\"kind\":\"denied\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"yesterday\",\"kind\":\"denied\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\",\"cti\":\"abc\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"alarm\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\",\"alarm\":\"x\"}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\",\"extra\":1}]}",
        "{\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\",\"reservation_id\":-4}]}",
        "{\"events\":[\"e\"]}",
        "{\"events\":{}}",
        "{\"queue_length\":-1,\"events\":[{\"id\":\"e\",\"time\":\"2026-12-01T07:00:00Z\",\"kind\":\"denied\"}]}",
        "{",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hx_resp r;
        hx_req(&S, "POST", path, door_key, bad[i], NULL, &r);
        if (r.status != 400 || !strstr(r.headers, "application/problem+json"))
            fail_msg("event case %zu answered %ld: %s", i, r.status, r.body);
        hx_free(&r);
    }
    assert_int_equal(hx_count(&S, "door_events"), events);
    /* the failing field is named */
    hx_resp r;
    hx_req(&S, "POST", path, door_key, bad[1], NULL, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "field")), "events[1].id");
    hx_free(&r);
    static const char *bad_doors[] = {
        "{\"name\":\"has space\",\"group\":\"ml1-a\"}", "{\"name\":\"ok\",\"group\":\"*\"}",
        "{\"name\":\"ok\",\"group\":\"ml1 a\"}", "{\"name\":\"ok\",\"group\":\"ml1-a\",\"pulse_ms\":5}",
        "{\"name\":\"ok\",\"group\":\"ml1-a\",\"holder_proof\":\"yes\"}", "{\"group\":\"ml1-a\"}",
        "{\"name\":\"ok\",\"group\":\"ml1-a\",\"holder_proof\":true,\"bearer_allowed\":true}",
    };
    for (size_t i = 0; i < sizeof bad_doors / sizeof bad_doors[0]; i++) {
        long code = hx_status(&S, "POST", "/api/v1/doors", staff, bad_doors[i]);
        if (code != 400)
            fail_msg("door case %zu answered %ld", i, code);
    }
    assert_int_equal(hx_status(&S, "POST", "/api/v1/doors", staff, "{\"name\":\"t-ml1-a\",\"group\":\"ml1-a\"}"), 409);
    assert_int_equal(hx_count(&S, "doors"), doors);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync?since=-1", (long long)door_id);
    assert_int_equal(hx_status(&S, "GET", path, door_key, NULL), 400);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync?nonce=abc", (long long)door_id);
    assert_int_equal(hx_status(&S, "GET", path, door_key, NULL), 400);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync?nonce=0011223344556677zz", (long long)door_id);
    assert_int_equal(hx_status(&S, "GET", path, door_key, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/door-events?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
                               staff, NULL), 400);
}

static void test_bearer_and_standing(void **st)
{
    char status[16], path[100];
    uint8_t m[TOK_PASS_MAX], staff_pk[32], staff_sk[64];
    struct tok_key keys[4];
    hx_resp r;
    int64_t rid = hx_book(&S, member_a, meeting_room, "2026-12-01T15:00:00+01:00", "2026-12-01T16:00:00+01:00", status,
                       sizeof status);
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/bearer-pass", (long long)rid);
    hx_req(&S, "POST", path, member_a, NULL, NULL, &r);
    assert_int_equal(r.status, 201);
    assert_true(json_is_null(json_object_get(r.json, "credential_id")));
    size_t n = pass_bytes(r.json, m), nk = pass_keys(keys, 4);
    struct tok_pass tp;
    enum tok_reason why;
    assert_int_equal(tok_check(m, n, keys, nk, SLOT_START_T + 6 * 3600, 0, &tp, &why), 0);
    assert_false(tp.claims.has_cnf);
    hx_free(&r);
    assert_int_equal(hx_status(&S, "POST", path, admin_b, NULL), 404);
    /* no ml1-a door takes bearer passes */
    int64_t lab = hx_book(&S, member_a, lab_a, "2026-12-01T16:00:00+01:00", "2026-12-01T17:00:00+01:00", status, sizeof status);
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/bearer-pass", (long long)lab);
    assert_int_equal(hx_status(&S, "POST", path, member_a, NULL), 422);
    /* staff: a standing pass for every door, renewed after half its life */
    crypto_sign_keypair(staff_pk, staff_sk);
    register_key(staff, staff_pk, "Sanne's phone", 201);
    hx_set_clock(&S, T0 + 2 * 3600);
    json_t *p1 = my_passes(staff);
    assert_int_equal(json_array_size(p1), 1);
    json_t *sp = json_array_get(p1, 0);
    assert_string_equal(json_string_value(json_object_get(sp, "kind")), "standing");
    assert_string_equal(json_string_value(json_array_get(json_object_get(sp, "door_groups"), 0)), "*");
    hx_set_clock(&S, T0 + 7 * 3600);
    json_t *p2 = my_passes(staff);
    assert_int_equal(json_array_size(p2), 1);
    hx_set_clock(&S, T0 + 9 * 3600);
    json_t *p3 = my_passes(staff);
    assert_int_equal(json_array_size(p3), 2);
    json_decref(p1);
    json_decref(p2);
    json_decref(p3);
}

static void test_key_rotation(void **st)
{
    char cmd[600], bin[256], status[16];
    uint8_t m[TOK_PASS_MAX];
    struct tok_key before[4], after[4], signer;
    struct tok_bundle b;
    struct tok_pass tp;
    enum tok_reason why;
    json_t *old = my_passes(member_a);
    assert_true(json_array_size(old) >= 1);
    json_t *op = json_array_get(old, 0);
    size_t n = pass_bytes(op, m), nb = pass_keys(before, 4);
    assert_int_equal(nb, 1);
    snprintf(cmd, sizeof cmd, "%s --db %s key rotate > /dev/null", hx_bin("labpassctl", bin, sizeof bin), S.db);
    assert_int_equal(system(cmd), 0);
    size_t na = pass_keys(after, 4);
    assert_int_equal(na, 2);
    /* the old pass still verifies with the published keys */
    assert_int_equal(tok_decode(m, n, &tp, &why), 0);
    assert_int_equal(tok_verify(&tp, after, na, &why), 0);
    /* new passes come from the new key */
    int64_t rid = hx_book(&S, member_a, lab_a, "2026-12-01T19:00:00+01:00", "2026-12-01T20:00:00+01:00", status, sizeof status);
    json_t *now = my_passes(member_a);
    n = pass_bytes(pass_of(now, rid), m);
    assert_int_equal(tok_decode(m, n, &tp, &why), 0);
    assert_memory_equal(tp.kid, after[1].kid, TOK_KID_LEN);
    assert_int_equal(tok_verify(&tp, &after[0], 1, &why), LP_ERR_NOTFOUND);
    /* a door that knows only the old key can still read its bundle */
    assert_int_equal(sync_door(door_key, door_id, 0, &b, &signer), 200);
    assert_memory_equal(signer.kid, before[0].kid, TOK_KID_LEN);
    assert_int_equal(b.n_keys, 2);
    assert_true(b.keys[0].not_after > 0);
    assert_int_equal(b.keys[1].not_after, 0);
    tok_bundle_clear(&b);
    json_decref(old);
    json_decref(now);
}

static void test_tenant_suspension(void **st)
{
    uint8_t pk[32], sk[64], cti[16];
    char status[16], path[100];
    struct tok_bundle b0, b1;
    crypto_sign_keypair(pk, sk);
    register_key(admin_b, pk, "Chris's phone", 201);
    int64_t rid = hx_book(&S, admin_b, lab_a, "2026-12-01T20:00:00+01:00", "2026-12-01T21:00:00+01:00", status, sizeof status);
    json_t *passes = my_passes(admin_b);
    assert_non_null(pass_of(passes, rid));
    cti_of(pass_of(passes, rid), cti);
    assert_int_equal(sync_door(door_key, door_id, 0, &b0, NULL), 200);
    assert_false(deny_has(&b0, cti));
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/me", admin_b, NULL, NULL, &r);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/suspend",
             (long long)json_integer_value(json_object_get(r.json, "tenant_id")));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 200);
    assert_int_equal(sync_door(door_key, door_id, b0.seq, &b1, NULL), 200);
    assert_true(deny_has(&b1, cti));
    assert_int_equal(b1.seq, b0.seq + 1);
    json_t *after = my_passes(admin_b);
    assert_null(pass_of(after, rid));
    json_decref(passes);
    json_decref(after);
    tok_bundle_clear(&b0);
    tok_bundle_clear(&b1);
}

/* ---- doors staff manage ---- */

/* The door in GET /api/v1/doors (with retired ones when all), or NULL. */
static json_t *door_in_list(int64_t id, int all)
{
    hx_resp r;
    json_t *found = NULL, *d;
    size_t i;
    hx_req(&S, "GET", all ? "/api/v1/doors?retired=true" : "/api/v1/doors", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_array_foreach(json_object_get(r.json, "doors"), i, d)
        if (json_integer_value(json_object_get(d, "id")) == id) found = json_incref(d);
    hx_free(&r);
    return found;
}

static const char *jstr_of(json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static void test_door_management(void **st)
{
    int64_t id, other;
    char key[128], key2[128], okey[128], path[160], body[300];
    struct tok_bundle b;
    hx_resp r;
    make_door("mgmt-1", "ml1-a", &id, key);
    make_door("mgmt-2", "ml1-a", &other, okey);
    json_t *d = door_in_list(id, 0);
    assert_string_equal(jstr_of(d, "state"), "never");
    assert_string_equal(jstr_of(d, "version"), "");
    json_decref(d);
    /* a sync records the version the door names in its User-Agent */
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync", (long long)id);
    assert_int_equal(hx_req(&S, "GET", path, key, NULL, "User-Agent: labpass-door/9.8.7-rc1", &r), 0);
    assert_int_equal(r.status, 200);
    hx_free(&r);
    d = door_in_list(id, 0);
    assert_string_equal(jstr_of(d, "version"), "9.8.7-rc1");
    assert_string_equal(jstr_of(d, "state"), "ok");
    json_decref(d);
    assert_int_equal(hx_req(&S, "GET", path, key, NULL, "User-Agent: labpass-door/<script>", &r), 0);
    hx_free(&r);
    d = door_in_list(id, 0);
    assert_string_equal(jstr_of(d, "version"), "");       /* not a version: not shown */
    json_decref(d);

    /* rename and re-group: the next bundle carries both */
    snprintf(path, sizeof path, "/api/v1/doors/%lld", (long long)id);
    assert_int_equal(hx_req(&S, "PATCH", path, staff, "{\"name\":\"mgmt-renamed\",\"group\":\"ml1-b\"}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr_of(r.json, "name"), "mgmt-renamed");
    hx_free(&r);
    assert_int_equal(sync_door(key, id, 0, &b, NULL), 200);
    assert_string_equal(b.settings.name, "mgmt-renamed");
    assert_string_equal(b.settings.groups[0], "ml1-b");
    tok_bundle_clear(&b);

    /* bad input of every kind changes nothing */
    static const struct { const char *body; long want; } BAD[] = {
        { "{\"name\":\"mgmt-2\"}", 409 },                  /* taken */
        { "{\"name\":\"has space\"}", 400 },
        { "{\"name\":\"\"}", 400 },
        { "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 400 },   /* 33 */
        { "{\"group\":\"*\"}", 400 },
        { "{\"group\":\"new\\nline\"}", 400 },
        { "{\"name\":5}", 400 },
        { "{\"pulse_ms\":5}", 400 },
        { "{\"bearer_allowed\":true}", 400 },                /* with holder proof on */
        { "{\"colour\":\"red\"}", 400 },
        { "[]", 400 },
        { "{", 400 },
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_int_equal(hx_req(&S, "PATCH", path, staff, BAD[i].body, NULL, &r), 0);
        if (r.status != BAD[i].want) fail_msg("PATCH %s: %ld, wanted %ld", BAD[i].body, r.status, BAD[i].want);
        hx_free(&r);
    }
    d = door_in_list(id, 0);
    assert_string_equal(jstr_of(d, "name"), "mgmt-renamed");
    assert_string_equal(jstr_of(d, "group"), "ml1-b");
    json_decref(d);
    assert_int_equal(hx_status(&S, "PATCH", "/api/v1/doors/999999", staff, "{\"name\":\"x\"}"), 404);
    assert_int_equal(hx_status(&S, "PATCH", path, admin_a, "{\"name\":\"mine\"}"), 403);
    assert_int_equal(hx_status(&S, "PATCH", path, key, "{\"name\":\"mine\"}"), 403);   /* a door key manages nothing */

    /* a replaced reader: a new key; the old one stops at once */
    snprintf(path, sizeof path, "/api/v1/doors/%lld/key", (long long)id);
    assert_int_equal(hx_req(&S, "POST", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(key2, sizeof key2, "%s", jstr_of(r.json, "api_key"));
    assert_true(json_array_size(json_object_get(r.json, "trust_keys")) >= 1);
    hx_free(&r);
    assert_int_equal(sync_door(key, id, 0, &b, NULL), 401);
    assert_int_equal(sync_door(key2, id, 0, &b, NULL), 200);
    tok_bundle_clear(&b);

    /* an event, then retirement: the key stops, the history stays */
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events", (long long)id);
    snprintf(body, sizeof body, "{\"events\":[{\"id\":\"mgmt-ev-1\",\"time\":\"2026-12-01T07:10:00+01:00\","
             "\"kind\":\"alarm\",\"alarm\":\"forced_open\"}]}");
    assert_int_equal(hx_status(&S, "POST", path, key2, body), 200);
    d = door_in_list(id, 0);
    assert_string_equal(jstr_of(d, "state"), "alarm");
    json_decref(d);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/retire", (long long)id);
    assert_int_equal(hx_status(&S, "POST", path, admin_a, NULL), 403);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 200);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    assert_int_equal(sync_door(key2, id, 0, &b, NULL), 401);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync", (long long)id);
    assert_int_equal(hx_status(&S, "GET", path, staff, NULL), 404);        /* no bundle for a retired door */
    snprintf(path, sizeof path, "/api/v1/doors/%lld", (long long)id);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, "{\"name\":\"again\"}"), 409);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/key", (long long)id);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    assert_null(door_in_list(id, 0));
    d = door_in_list(id, 1);
    assert_non_null(d);
    assert_string_equal(jstr_of(d, "state"), "retired");
    assert_true(json_is_string(json_object_get(d, "retired_at")));
    json_decref(d);
    snprintf(path, sizeof path, "/api/v1/door-events?door_id=%lld&from=2026-12-01T00:00:00%%2B01:00", (long long)id);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "forced_open"));                       /* the history stays */
    hx_free(&r);
    assert_int_equal(sync_door(okey, other, 0, &b, NULL), 200);            /* the other door goes on */
    tok_bundle_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_keys_public),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_pass_for_confirmed_not_requested),
        cmocka_unit_test(test_door_scope),
        cmocka_unit_test(test_revocation_in_next_sync),
        cmocka_unit_test(test_training_withdrawn),
        cmocka_unit_test(test_events_idempotent),
        cmocka_unit_test(test_bad_input_changes_nothing),
        cmocka_unit_test(test_bearer_and_standing),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_tenant_suspension),
        cmocka_unit_test(test_door_management),
    };
    return cmocka_run_group_tests_name("access", tests, setup, teardown);
}
