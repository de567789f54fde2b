/* test_cards.c: DESFire cards through the API (docs/access-protocol.md 18).
 * Staff enrol a card by its UID: the answer names the card id of the
 * protocol's test vector and no public key, and the UID is nowhere in the
 * database; a second enrolment of the same card, bad UIDs, bad labels and
 * wrong types are refused and change nothing; only staff enrol, list and
 * revoke; a booking gives the card a pass bound to its card id, which staff
 * and door keys (not members) fetch for writing onto the card; the member's
 * own credential list shows the card; revoking it revokes its passes and the
 * card then has nothing to carry. The door end of cards is in
 * test_door_e2e; this suite is the server's. */
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
#include "access/token/token.h"
#include "tests/lib/harness.h"

#define VECTOR_UID "04A1B2C3D4E5F6"
#define VECTOR_ID "8401bd6043527d7da1d1102d25a2aaba"   /* access protocol 18.8 */

static hx_server S;
static char *staff, *admin, *member, *other;
static int64_t me;

static long post(const char *path, const char *token, const char *body) { return hx_status(&S, "POST", path, token, body); }

static void test_enrol(void **st)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/people/%lld/cards", (long long)me);
    int64_t before = hx_count(&S, "credentials");
    /* Refused, and nothing changes. */
    const char *bad[] = {
        "{\"uid\":\"04A1B2C3D4E5\",\"label\":\"x\"}",            /* 6 bytes */
        "{\"uid\":\"04A1B2C3D4E5F6AA\",\"label\":\"x\"}",        /* too long */
        "{\"uid\":\"05A1B2C3D4E5F6\",\"label\":\"x\"}",          /* not an NXP UID */
        "{\"uid\":\"04A1B2C3D4E5G6\",\"label\":\"x\"}",          /* not hex */
        "{\"uid\":4,\"label\":\"x\"}",                           /* wrong type */
        "{\"uid\":\"" VECTOR_UID "\",\"label\":\"\"}",           /* empty label */
        "{\"uid\":\"" VECTOR_UID "\"}",                          /* no label */
        "{\"uid\":\"" VECTOR_UID "\",\"label\":\"x\",\"pk\":1}", /* unknown key */
        "{\"uid\":\"" VECTOR_UID "\",\"label\":\"x\"",           /* malformed */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (post(path, staff, bad[i]) != 400) fail_msg("accepted: %s", bad[i]);
    const char *good = "{\"uid\":\"" VECTOR_UID "\",\"label\":\"badge 17\"}";
    assert_int_equal(post(path, admin, good), 403);
    assert_int_equal(post(path, member, good), 403);
    assert_int_equal(post("/api/v1/people/999999/cards", staff, good), 404);
    assert_int_equal(hx_count(&S, "credentials"), before);
    hx_resp r;
    hx_req(&S, "POST", path, staff, good, NULL, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "card_id")), VECTOR_ID);
    assert_true(json_is_null(json_object_get(r.json, "public_key")));
    assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "card");
    hx_free(&r);
    /* The same card again, for anyone: 409. */
    assert_int_equal(post(path, staff, good), 409);
    char other_path[96];
    snprintf(other_path, sizeof other_path, "/api/v1/people/%lld/cards", (long long)hx_me_id(&S, other));
    assert_int_equal(post(other_path, staff, good), 409);
    /* The UID is not kept anywhere. */
    char sql_uid[] = "04a1b2c3d4e5f6";
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "cards")), 1);
    assert_null(strcasestr(r.body, sql_uid));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", path, member, NULL), 403);
    /* The member sees it among their credentials. */
    hx_req(&S, "GET", "/api/v1/me/credentials", member, NULL, NULL, &r);
    assert_non_null(strstr(r.body, VECTOR_ID));
    hx_free(&r);
}

static int box_registered(int64_t door)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int v = -1;
    if (sqlite3_open_v2(S.db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT box_key IS NOT NULL FROM doors WHERE id = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, door);
        if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static void test_pass_and_revoke(void **st)
{
    int64_t lab = hx_resource_id(&S, staff, "ML-1 Lab A");
    char status[32], path[128], door_key[128];
    int64_t rsv = hx_book(&S, member, lab, "2027-03-26T17:00:00+01:00", "2027-03-26T18:00:00+01:00", status,
                          sizeof status);
    assert_true(rsv > 0);
    snprintf(path, sizeof path, "/api/v1/cards/%s/pass", VECTOR_ID);
    hx_resp r;
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "reservation_id")), rsv);
    const char *b64 = json_string_value(json_object_get(r.json, "pass"));
    uint8_t pass[TOK_PASS_MAX], id[TOK_CARD_ID_LEN];
    size_t len = 0, got = 0;
    assert_int_equal(sodium_base642bin(pass, sizeof pass, b64, strlen(b64), NULL, &len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
    hx_free(&r);
    struct tok_pass tp;
    enum tok_reason why;
    assert_int_equal(tok_decode(pass, len, &tp, &why), 0);
    assert_int_equal(sodium_hex2bin(id, sizeof id, VECTOR_ID, 32, NULL, &got, NULL), 0);
    assert_true(tp.claims.has_card);
    assert_memory_equal(tp.claims.card_id, id, sizeof id);
    /* Door keys fetch it too; members and strangers do not. */
    hx_req(&S, "POST", "/api/v1/doors", staff, "{\"name\":\"cards-desk\",\"group\":\"ml1-a\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    snprintf(door_key, sizeof door_key, "%s", json_string_value(json_object_get(r.json, "api_key")));
    int64_t door = json_integer_value(json_object_get(json_object_get(r.json, "door"), "id"));
    hx_free(&r);
    /* Card keys go to the door's own key only: staff asking with a box key register nothing;
     * a box that is not 64 lower-case hex digits is refused. */
    char sync[300];
    const char *box = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    snprintf(sync, sizeof sync, "/api/v1/doors/%lld/sync?box=%s", (long long)door, box);
    assert_int_equal(hx_status(&S, "GET", sync, staff, NULL), 200);
    assert_int_equal(box_registered(door), 0);
    const char *bad_box[] = { "00", "ZZ112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                              "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff", "" };
    for (size_t i = 0; i < sizeof bad_box / sizeof bad_box[0]; i++) {
        snprintf(sync, sizeof sync, "/api/v1/doors/%lld/sync?box=%s", (long long)door, bad_box[i]);
        assert_int_equal(hx_status(&S, "GET", sync, door_key, NULL), 400);
    }
    snprintf(sync, sizeof sync, "/api/v1/doors/%lld/sync?box=%s", (long long)door, box);
    assert_int_equal(hx_status(&S, "GET", sync, door_key, NULL), 200);
    assert_int_equal(box_registered(door), 1);
    /* Update on card (access protocol 18.10): with cp= the bundle carries the
     * pass this card should hold; with the digest of exactly that set, it is
     * left out. A cp or wk that is not one is refused. */
    struct tok_card_pass held;
    uint8_t digest[TOK_CARD_PASSES_DIGEST];
    char dhex[2 * TOK_CARD_PASSES_DIGEST + 1];
    memset(&held, 0, sizeof held);
    memcpy(held.card_id, id, sizeof id);
    memcpy(held.pass, pass, len);
    held.len = len;
    tok_card_passes_digest(&held, 1, digest);
    sodium_bin2hex(dhex, sizeof dhex, digest, sizeof digest);
    snprintf(sync, sizeof sync, "/api/v1/doors/%lld/sync?box=%s&cp=00000000000000000000000000000000&wk=1",
             (long long)door, box);
    hx_req(&S, "GET", sync, door_key, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(memmem(r.body, r.len, pass, len));
    size_t full = r.len;
    hx_free(&r);
    snprintf(sync, sizeof sync, "/api/v1/doors/%lld/sync?box=%s&cp=%s", (long long)door, box, dhex);
    hx_req(&S, "GET", sync, door_key, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(memmem(r.body, r.len, pass, len));
    assert_true(r.len + len < full);
    hx_free(&r);
    const char *bad_cards[] = { "cp=00", "cp=ZZ000000000000000000000000000000", "cp=", "wk=2", "wk=yes",
                                "cp=000000000000000000000000000000000" };
    for (size_t i = 0; i < sizeof bad_cards / sizeof bad_cards[0]; i++) {
        snprintf(sync, sizeof sync, "/api/v1/doors/%lld/sync?%s", (long long)door, bad_cards[i]);
        assert_int_equal(hx_status(&S, "GET", sync, door_key, NULL), 400);
    }
    assert_int_equal(hx_status(&S, "GET", path, door_key, NULL), 200);
    assert_int_equal(hx_status(&S, "GET", path, member, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", path, NULL, NULL), 401);
    /* Ids that are not card ids. */
    assert_int_equal(hx_status(&S, "GET", "/api/v1/cards/8401BD6043527D7DA1D1102D25A2AABA/pass", staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/cards/8401bd60/pass", staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/cards/00000000000000000000000000000000/pass", staff, NULL), 404);
    /* Revoked: its passes go, and it has nothing to carry. */
    hx_req(&S, "GET", "/api/v1/me/credentials", member, NULL, NULL, &r);
    int64_t cred = 0;
    json_t *arr = json_object_get(r.json, "credentials");
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_is_string(json_object_get(json_array_get(arr, i), "card_id")))
            cred = json_integer_value(json_object_get(json_array_get(arr, i), "id"));
    hx_free(&r);
    assert_true(cred > 0);
    char rv[128];
    snprintf(rv, sizeof rv, "/api/v1/people/%lld/cards/%lld/revoke", (long long)hx_me_id(&S, other), (long long)cred);
    assert_int_equal(post(rv, staff, NULL), 404);                /* not that person's card */
    snprintf(rv, sizeof rv, "/api/v1/people/%lld/cards/%lld/revoke", (long long)me, (long long)cred);
    assert_int_equal(post(rv, member, NULL), 403);
    hx_req(&S, "POST", rv, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_integer_value(json_object_get(r.json, "passes_revoked")) >= 1);
    hx_free(&r);
    assert_int_equal(post(rv, staff, NULL), 409);
    assert_int_equal(hx_status(&S, "GET", path, staff, NULL), 404);
    /* Once revoked, the card may be enrolled again (a found card). */
    char enrol[96];
    snprintf(enrol, sizeof enrol, "/api/v1/people/%lld/cards", (long long)me);
    assert_int_equal(post(enrol, staff, "{\"uid\":\"" VECTOR_UID "\",\"label\":\"badge 17, found\"}"), 201);
}

static int setup(void **st)
{
    if (hx_start(&S, 0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin = hx_login(&S, DEMO_ADMIN_A);
    member = hx_login(&S, DEMO_MEMBER_A);
    other = hx_login(&S, DEMO_MEMBER_B);
    me = hx_me_id(&S, member);
    return staff && admin && member && other && me > 0 ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff);
    free(admin);
    free(member);
    free(other);
    return hx_stop(&S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrol),
        cmocka_unit_test(test_pass_and_revoke),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
