/* test_webhook.c: unit tests for signed webhooks: the signature against the
 * Standard Webhooks specification's published example (and that another
 * body or secret does not verify), secrets in the whsec_ form, the URL check
 * at the edge, the backoff, sealing secrets with the key file, and on a
 * scratch database with a fixed clock: one delivery per enabled endpoint
 * subscribing to an event, the payload's shape, attempts, retries, giving
 * up, and manual retry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "access/issuer/issuer.h"
#include "api/webhook_send.h"
#include "booking/erase.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include "tests/lib/tmpdb.h"

#define NOW 1796104800LL   /* 2026-12-01T06:00:00Z */

static const actor_t T = { 0, "test" };
static char path[128];
static db_t *db;

/* ---- the signature ---- */

/* The example of the Standard Webhooks specification (its reference
 * libraries' tests use the same): secret, id, timestamp, body, signature. */
static void test_spec_vector(void **st)
{
    uint8_t key[WHS_KEY_MAX];
    size_t len = 0;
    char sig[WHS_SIG_TEXT];
    const char *body = "{\"test\": 2432232314}";
    assert_int_equal(whs_secret_parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, &len), 0);
    assert_int_equal(len, 24);
    whs_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig);
    assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /* another body, timestamp, id or secret: another signature */
    whs_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232315}", strlen(body), sig);
    assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    whs_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body), sig);
    assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    whs_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJel", 1614265330, body, strlen(body), sig);
    assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    key[0] ^= 1;
    whs_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig);
    assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void test_secret_text(void **st)
{
    uint8_t key[WHS_KEY_LEN], back[WHS_KEY_MAX];
    char text[WHS_SECRET_TEXT];
    size_t len = 0;
    whs_secret_new(key, text);
    assert_memory_equal(text, "whsec_", 6);
    assert_int_equal(whs_secret_parse(text, back, &len), 0);
    assert_int_equal(len, WHS_KEY_LEN);
    assert_memory_equal(key, back, WHS_KEY_LEN);
    static const char *const BAD[] = { "", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!!", "whsec_MfKQ 9r8G",
                                       "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL };
    for (int i = 0; BAD[i]; i++) assert_int_equal(whs_secret_parse(BAD[i], back, &len), LP_ERR_INVALID);
}

static void test_url_check(void **st)
{
    char why[120], huge[WHK_URL_MAX + 40];
    static const char *const GOOD[] = { "https://example.org/hooks", "https://127.0.0.1:8443/x?a=1",
                                        "https://[::1]:9/h", "https://hooks.example.org", NULL };
    static const char *const BAD[] = { "http://example.org/hooks", "file:///etc/passwd", "gopher://example.org/",
                                       "ftp://example.org/x", "https://user:pw@example.org/", "https://user@example.org/",
                                       "https://", "https:///path", "https://exa mple.org/", "https://example.org/\r\nX-A: b",
                                       "https://example.org/\x7f", "HTTPS://example.org/", " https://example.org/",
                                       "https://example.org/caf\xc3\xa9", "", NULL };
    for (int i = 0; GOOD[i]; i++)
        if (whs_url_check(GOOD[i], why, sizeof why) != 0) fail_msg("refused %s: %s", GOOD[i], why);
    for (int i = 0; BAD[i]; i++)
        if (whs_url_check(BAD[i], why, sizeof why) != LP_ERR_INVALID) fail_msg("took %s", BAD[i]);
    memcpy(huge, "https://example.org/", 20);
    memset(huge + 20, 'a', sizeof huge - 21);
    huge[sizeof huge - 1] = 0;
    assert_int_equal(whs_url_check(huge, why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(whs_url_check(NULL, why, sizeof why), LP_ERR_INVALID);
}

static void test_backoff(void **st)
{
    assert_int_equal(whk_backoff(1), 30);
    assert_int_equal(whk_backoff(2), 60);
    assert_int_equal(whk_backoff(3), 120);
    assert_int_equal(whk_backoff(9), 30 * 256);
    assert_int_equal(whk_backoff(10), 30 * 512);
    assert_int_equal(whk_backoff(11), 6 * 3600);
    assert_int_equal(whk_backoff(1000), 6 * 3600);
}

static void test_seal(void **st)
{
    uint8_t master[ISS_MASTER_LEN], other[ISS_MASTER_LEN], secret[WHS_KEY_LEN], sealed[WHK_SEALED_MAX], back[WHS_KEY_MAX];
    size_t len = 0, blen = 0;
    randombytes_buf(master, sizeof master);
    randombytes_buf(other, sizeof other);
    randombytes_buf(secret, sizeof secret);
    iss_master_clear();
    assert_int_equal(iss_seal(secret, sizeof secret, sealed, sizeof sealed, &len), LP_ERR_STATE);
    iss_master_set(master);
    assert_int_equal(iss_seal(secret, sizeof secret, sealed, sizeof sealed, &len), 0);
    assert_int_equal(len, sizeof secret + ISS_SEAL_OVERHEAD);
    assert_int_equal(iss_unseal(sealed, len, back, sizeof back, &blen), 0);
    assert_int_equal(blen, sizeof secret);
    assert_memory_equal(back, secret, sizeof secret);
    sealed[len - 1] ^= 1;   /* altered */
    assert_int_equal(iss_unseal(sealed, len, back, sizeof back, &blen), LP_ERR_CRYPTO);
    sealed[len - 1] ^= 1;
    iss_master_set(other);  /* another key file */
    assert_int_equal(iss_unseal(sealed, len, back, sizeof back, &blen), LP_ERR_CRYPTO);
    iss_master_set(master);
}

/* ---- the store ---- */

static int setup(void **st)
{
    clk_set_fixed(NOW);
    if (tdb_make(path, sizeof path, "webhook") != 0 || db_open(path, &db) != 0) return -1;
    return 0;
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(path);
    return 0;
}

static int64_t add(const char *url, unsigned events, int enabled)
{
    whk_endpoint e;
    lp_fail f = { 0 };
    uint8_t sealed[40] = { 1, 2, 3 };
    memset(&e, 0, sizeof e);
    snprintf(e.url, sizeof e.url, "%s", url);
    e.events = events;
    e.enabled = enabled;
    assert_int_equal(whk_endpoint_add(db, &T, &e, sealed, sizeof sealed, &f), 0);
    assert_int_equal(e.version, 1);
    return e.id;
}

static int64_t count(const char *sql, int64_t arg)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, arg);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static const char DATA[] = "SELECT json_object('id', ?1, 'note', 'x') WHERE ?1 > 0";

static void test_emit_per_endpoint(void **st)
{
    const int64_t before = count("SELECT count(*) FROM webhook_deliveries WHERE ?1 = ?1", 0);
    assert_int_equal(whk_emit(db, WHK_EV_RESERVATION_CREATED, DATA, 7), 0);   /* nobody listens yet */
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE ?1 = ?1", 0), before);
    int64_t a = add("https://a.example/h", 1u << WHK_EV_RESERVATION_CREATED, 1);
    int64_t b = add("https://b.example/h", WHK_EVENTS_ALL, 1);
    int64_t off = add("https://c.example/h", WHK_EVENTS_ALL, 0);
    int64_t other = add("https://d.example/h", 1u << WHK_EV_DOOR_ALARM, 1);
    assert_int_equal(whk_emit(db, WHK_EV_RESERVATION_CREATED, DATA, 7), 0);
    assert_int_equal(whk_emit(db, WHK_EV_RESERVATION_CREATED, DATA, 0), 0);   /* no row: no event */
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1", a), 1);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1", b), 1);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1", off), 0);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1", other), 0);
    assert_int_equal(whk_emit(db, WHK_EV_PING, DATA, 7), LP_ERR_INTERNAL);   /* never subscribed */

    whk_job *jobs = NULL;
    size_t n = 0;
    assert_int_equal(whk_due(db, NOW, 10, &jobs, &n), 0);
    assert_int_equal(n, 2);
    json_t *p = json_loads(jobs[0].payload, 0, NULL);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "reservation.created");
    assert_string_equal(json_string_value(json_object_get(p, "timestamp")), "2026-12-01T06:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "data"), "id")), 7);
    json_decref(p);
    assert_memory_equal(jobs[0].msg_id, "msg_", 4);
    assert_int_equal(strlen(jobs[0].msg_id), 28);
    assert_string_not_equal(jobs[0].msg_id, jobs[1].msg_id);
    whk_due_free(jobs, n);
    /* a disabled endpoint is skipped, its deliveries wait */
    whk_endpoint e;
    lp_fail f = { 0 };
    assert_int_equal(whk_endpoint_get(db, b, &e), 0);
    e.enabled = 0;
    assert_int_equal(whk_endpoint_update(db, &T, &e, 1, &f), 0);
    assert_int_equal(e.version, 2);
    assert_int_equal(whk_endpoint_update(db, &T, &e, 1, &f), LP_ERR_CONFLICT);   /* stale version */
    assert_int_equal(whk_due(db, NOW, 10, &jobs, &n), 0);
    assert_int_equal(n, 1);
    whk_due_free(jobs, n);
    assert_int_equal(whk_endpoint_delete(db, &T, b), 0);
    assert_int_equal(whk_endpoint_get(db, b, &e), LP_ERR_NOTFOUND);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1", b), 0);
    assert_int_equal(whk_endpoint_delete(db, &T, b), LP_ERR_NOTFOUND);
    assert_true(count("SELECT count(*) FROM audit_log WHERE object_type = 'webhook_endpoint' AND object_id = ?1", b) >= 3);
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE (after_json LIKE '%secret_sealed%' OR before_json LIKE '%secret_sealed%') "
                           "AND ?1 = ?1", 0), 0);
}

/* The only pending delivery of endpoint e. */
static int64_t pending_of(int64_t e)
{
    return count("SELECT id FROM webhook_deliveries WHERE endpoint_id = ?1 AND state = 'pending' ORDER BY id DESC LIMIT 1", e);
}

static void test_attempts_and_retry(void **st)
{
    int64_t e = add("https://retry.example/h", 1u << WHK_EV_INVOICE_ISSUED, 1);
    assert_int_equal(whk_emit(db, WHK_EV_INVOICE_ISSUED, DATA, 9), 0);
    int64_t id = pending_of(e);
    whk_delivery d;
    lp_fail f = { 0 };
    int64_t now = NOW;
    assert_int_equal(whk_attempt(db, id, 500, "HTTP 500: oops", now), 0);
    assert_int_equal(whk_delivery_get(db, e, id, &d), 0);
    assert_int_equal(d.state, WHK_PENDING);
    assert_int_equal(d.attempts, 1);
    assert_int_equal(d.last_status, 500);
    assert_string_equal(d.last_error, "HTTP 500: oops");
    assert_int_equal(d.next_attempt_at, now + 30);
    whk_job *jobs = NULL;
    size_t n = 0;
    assert_int_equal(whk_due(db, now + 29, 10, &jobs, &n), 0);   /* not yet */
    for (size_t i = 0; i < n; i++) assert_int_not_equal(jobs[i].id, id);
    whk_due_free(jobs, n);
    for (int i = 2; i <= WHK_MAX_ATTEMPTS; i++) {
        now = d.next_attempt_at;
        assert_int_equal(whk_attempt(db, id, 0, "Timeout was reached", now), 0);
        assert_int_equal(whk_delivery_get(db, e, id, &d), 0);
        assert_int_equal(d.attempts, i);
        if (i < WHK_MAX_ATTEMPTS) assert_int_equal(d.next_attempt_at - now, whk_backoff(i));
    }
    assert_int_equal(d.state, WHK_FAILED);
    assert_int_equal(whk_attempt(db, id, 200, NULL, now), 0);   /* no longer pending: not recorded */
    assert_int_equal(whk_delivery_get(db, e, id, &d), 0);
    assert_int_equal(d.state, WHK_FAILED);
    /* a manual retry: one more attempt, now */
    clk_set_fixed(now + 100);
    assert_int_equal(whk_delivery_retry(db, &T, e, id, &f), 0);
    assert_int_equal(whk_delivery_get(db, e, id, &d), 0);
    assert_int_equal(d.state, WHK_PENDING);
    assert_int_equal(d.next_attempt_at, now + 100);
    assert_int_equal(whk_attempt(db, id, 204, NULL, now + 100), 0);
    assert_int_equal(whk_delivery_get(db, e, id, &d), 0);
    assert_int_equal(d.state, WHK_DELIVERED);
    assert_int_equal(d.delivered_at, now + 100);
    assert_int_equal(whk_delivery_retry(db, &T, e, id, &f), LP_ERR_STATE);
    assert_int_equal(whk_delivery_retry(db, &T, e + 1000, id, &f), LP_ERR_NOTFOUND);   /* another endpoint's */
    clk_set_fixed(NOW);
}

static void test_prune(void **st)
{
    int n = -1;
    int64_t e = add("https://prune.example/h", 1u << WHK_EV_TENANT_SUSPENDED, 1);
    assert_int_equal(whk_emit(db, WHK_EV_TENANT_SUSPENDED, DATA, 3), 0);
    assert_int_equal(whk_emit(db, WHK_EV_TENANT_SUSPENDED, DATA, 4), 0);
    int64_t id = pending_of(e);
    assert_int_equal(whk_attempt(db, id, 200, NULL, NOW), 0);
    assert_int_equal(whk_prune(db, NOW, &n), 0);   /* not older than NOW */
    assert_int_equal(n, 0);
    assert_int_equal(whk_prune(db, NOW + 1, &n), 0);
    assert_int_equal(n, 1);   /* the delivered one; the pending one stays */
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1", e), 1);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1 AND state = 'pending'", e), 1);
}

/* Erasure empties the text of a person's booking events still kept. */
static void test_erasure_reaches_payloads(void **st)
{
    static const char BOOKING[] = "SELECT json_object('id', 70, 'person_id', ?1, 'title', 'Call Jan: 06 1234 5678', 'reason', '')";
    int64_t e = add("https://erase.example/h", 1u << WHK_EV_RESERVATION_CANCELLED, 1);
    assert_int_equal(whk_emit(db, WHK_EV_RESERVATION_CANCELLED, BOOKING, 4242), 0);
    assert_int_equal(whk_emit(db, WHK_EV_RESERVATION_CANCELLED, BOOKING, 4243), 0);   /* someone else's */
    assert_int_equal(bk_erase_person(db, &T, 4242, "gone@example.org", NOW), 0);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?1 AND payload LIKE '%06 1234%'", e), 1);
    assert_int_equal(count("SELECT count(*) FROM webhook_deliveries WHERE json_extract(payload, '$.data.person_id') = ?1 "
                           "AND json_extract(payload, '$.data.title') = '' AND json_extract(payload, '$.data.id') = 70", 4242), 1);
}

static void test_ping_and_list(void **st)
{
    int64_t e = add("https://ping.example/h", 1u << WHK_EV_DOOR_ALARM, 1), id = 0;
    assert_int_equal(whk_ping(db, &T, e, &id), 0);
    assert_true(id > 0);
    whk_delivery *arr = NULL;
    size_t n = 0;
    assert_int_equal(whk_delivery_list(db, e, 0, 10, &arr, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].event, WHK_EV_PING);
    free(arr);
    whk_endpoint ep;
    lp_fail f = { 0 };
    assert_int_equal(whk_endpoint_get(db, e, &ep), 0);
    ep.enabled = 0;
    assert_int_equal(whk_endpoint_update(db, &T, &ep, 0, &f), 0);
    assert_int_equal(whk_ping(db, &T, e, &id), LP_ERR_STATE);
    assert_int_equal(whk_ping(db, &T, e + 1000, &id), LP_ERR_NOTFOUND);
    ep.events = 0;
    assert_int_equal(whk_endpoint_update(db, &T, &ep, 0, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "events");
}

static void test_spellings(void **st)
{
    enum whk_event ev;
    enum whk_state s;
    for (int i = 0; i < WHK_EV_PING; i++) {
        assert_int_equal(whk_event_parse(whk_event_name((enum whk_event)i), &ev), 0);
        assert_int_equal(ev, i);
    }
    assert_int_equal(whk_event_parse("ping", &ev), LP_ERR_INVALID);
    assert_int_equal(whk_event_parse("reservation.*", &ev), LP_ERR_INVALID);
    assert_int_equal(whk_event_parse(NULL, &ev), LP_ERR_INVALID);
    for (int i = 0; i < WHK_STATE_COUNT; i++) {
        assert_int_equal(whk_state_parse(whk_state_name((enum whk_state)i), &s), 0);
        assert_int_equal(s, i);
    }
    assert_string_equal(whk_event_name((enum whk_event)99), "");
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vector),
        cmocka_unit_test(test_secret_text),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_emit_per_endpoint),
        cmocka_unit_test(test_attempts_and_retry),
        cmocka_unit_test(test_ping_and_list),
        cmocka_unit_test(test_prune),
        cmocka_unit_test(test_erasure_reaches_payloads),
    };
    return cmocka_run_group_tests_name("webhook", tests, setup, teardown);
}
