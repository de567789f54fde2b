/* test_webhooks.c: signed webhooks end to end. labpassd runs on 127.0.0.1
 * on a fixed clock (Monday 2 March 2026) with --webhook-ca-file naming the
 * self-signed certificate of a real HTTPS receiver on 127.0.0.1
 * (tests/tools/webhook_receiver.py), which verifies each signature with the
 * secret the API showed once, and checks that a tampered body does not
 * verify. Booking, changing and cancelling a reservation gives three signed
 * deliveries that verify here too (and not with another secret); an answer
 * 500 is retried after the backoff (the test moves the injected clock) and
 * then delivered; the API lists the states; a disabled endpoint gets
 * nothing; a rotated secret signs the next delivery and the old one no
 * longer verifies; door alarms, tenants suspended and offboarded and issued
 * invoices are delivered too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */

static hx_server S;
static char *staff, *member;
static char dir[64], cert[128], hook_url[128], flaky_url[128];
static pid_t receiver;
static int64_t room;

/* ---- the receiver ---- */

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text)
{
    char p[128], tmp[140];
    path_in(p, sizeof p, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(rename(tmp, p), 0);
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static int start_receiver(void)
{
    char port_file[128];
    snprintf(dir, sizeof dir, "/tmp/lp-hooks-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    receiver = fork();
    if (receiver < 0) return -1;
    if (receiver == 0) {
        execl("/usr/bin/python3", "python3", "tests/tools/webhook_receiver.py", dir, (char *)NULL);
        _exit(127);
    }
    path_in(port_file, sizeof port_file, "port");
    for (int i = 0; i < 200; i++) {   /* up to 20 s: it makes a key first */
        FILE *f = fopen(port_file, "r");
        int port = 0;
        if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
            fclose(f);
            path_in(cert, sizeof cert, "cert.pem");
            snprintf(hook_url, sizeof hook_url, "https://127.0.0.1:%d/hook", port);
            snprintf(flaky_url, sizeof flaky_url, "https://127.0.0.1:%d/flaky", port);
            return 0;
        }
        if (f) fclose(f);
        sleep_ms(100);
    }
    return -1;
}

/* The receiver's log lines for path (every path when NULL); caller decrefs. */
static json_t *received(const char *path)
{
    char p[128], line[70000];
    json_t *out = json_array();
    path_in(p, sizeof p, "log.jsonl");
    FILE *f = fopen(p, "r");
    while (f && fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && (!path || !strcmp(json_string_value(json_object_get(j, "path")), path))) json_array_append_new(out, j);
        else json_decref(j);
    }
    if (f) fclose(f);
    return out;
}

/* Waits (up to 20 s) until path has n requests; returns them. */
static json_t *await(const char *path, size_t n)
{
    for (int i = 0; i < 200; i++) {
        json_t *got = received(path);
        if (json_array_size(got) >= n) return got;
        json_decref(got);
        sleep_ms(100);
    }
    fail_msg("the receiver did not get %zu requests on %s", n, path);
    return NULL;
}

/* ---- fixtures ---- */

static int setup(void **st)
{
    if (start_receiver() != 0) return -1;
    const char *const extra[] = { "--webhook-ca-file", cert, "--webhook-interval", "1", NULL };
    if (hx_start_args(&S, T0, extra) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member = hx_login(&S, DEMO_MEMBER_A);
    room = member ? hx_resource_id(&S, member, "Meeting room Pasteur") : 0;
    return staff && member && room ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff);
    free(member);
    int rc = hx_stop(&S);
    if (receiver > 0) {
        kill(receiver, SIGTERM);
        waitpid(receiver, NULL, 0);
    }
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) rc = -1;
    return rc;
}

/* Registers an endpoint; returns its id and copies the secret. */
static int64_t register_hook(const char *url, const char *events, char *secret, size_t len)
{
    char body[600];
    hx_resp r;
    snprintf(body, sizeof body, "{\"url\":\"%s\",\"description\":\"test receiver\",\"events\":%s}", url, events);
    assert_int_equal(hx_req(&S, "POST", "/api/v1/webhooks", staff, body, NULL, &r), 0);
    if (r.status != 201) fail_msg("POST /api/v1/webhooks: %ld %s", r.status, r.body);
    int64_t id = json_integer_value(json_object_get(json_object_get(r.json, "webhook"), "id"));
    snprintf(secret, len, "%s", json_string_value(json_object_get(r.json, "secret")));
    assert_memory_equal(secret, "whsec_", 6);
    hx_free(&r);
    return id;
}

/* An endpoint for events at the receiver's path sub (its own log), its
 * secret the only one the receiver checks from now on; its id. */
static int64_t hook_on(const char *sub, const char *events)
{
    char secret[120], secrets[200], url[160], body[200], path[80];
    int64_t id = register_hook(hook_url, events, secret, sizeof secret);
    snprintf(url, sizeof url, "%.*s%s", (int)(strlen(hook_url) - 5), hook_url, sub);
    snprintf(body, sizeof body, "{\"url\":\"%s\"}", url);
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld", (long long)id);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, body), 200);
    snprintf(secrets, sizeof secrets, "%s\n", secret);
    write_file("secrets", secrets);
    return id;
}

/* The endpoint's deliveries (newest first); caller frees with hx_free. */
static json_t *deliveries(int64_t id, hx_resp *r)
{
    char p[80];
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries", (long long)id);
    assert_int_equal(hx_req(&S, "GET", p, staff, NULL, NULL, r), 0);
    assert_int_equal(r->status, 200);
    return json_object_get(r->json, "deliveries");
}

/* Does the signature of a logged request verify with secret? Computed here
 * with libsodium, apart from the server's code and the receiver's. */
static int verifies_with(const json_t *req, const char *secret)
{
    uint8_t key[64], mac[crypto_auth_hmacsha256_BYTES];
    size_t len = 0;
    char b64[64], want[80];
    if (sodium_base642bin(key, sizeof key, secret + 6, strlen(secret + 6), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return 0;
    const char *id = json_string_value(json_object_get(req, "id"));
    const char *ts = json_string_value(json_object_get(req, "timestamp"));
    const char *body = json_string_value(json_object_get(req, "body"));
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, len);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    snprintf(want, sizeof want, "v1,%s", b64);
    return !strcmp(want, json_string_value(json_object_get(req, "signature")));
}

static const char *type_of(const json_t *req)
{
    json_t *p = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
    static char type[64];
    snprintf(type, sizeof type, "%s", p ? json_string_value(json_object_get(p, "type")) : "");
    json_decref(p);
    return type;
}

static int64_t hook_id, flaky_id;
static char hook_secret[120], flaky_secret[120];

/* ---- tests ---- */

static void test_reservation_events_are_signed(void **st)
{
    hook_id = register_hook(hook_url, "[\"reservation.created\",\"reservation.changed\",\"reservation.cancelled\"]",
                            hook_secret, sizeof hook_secret);
    char secrets[300];
    snprintf(secrets, sizeof secrets, "%s\n", hook_secret);
    write_file("secrets", secrets);
    int64_t rsv = hx_book(&S, member, room, "2026-03-04T10:00:00+01:00", "2026-03-04T11:00:00+01:00", NULL, 0);
    char p[80];
    snprintf(p, sizeof p, "/api/v1/reservations/%lld", (long long)rsv);
    assert_int_equal(hx_status(&S, "PATCH", p, member, "{\"start\":\"2026-03-04T12:00:00+01:00\","
                                                       "\"end\":\"2026-03-04T13:00:00+01:00\",\"scope\":\"this\"}"), 200);
    snprintf(p, sizeof p, "/api/v1/reservations/%lld/cancel", (long long)rsv);
    assert_int_equal(hx_status(&S, "POST", p, member, "{}"), 200);
    json_t *got = await("/hook", 3);
    static const char *const TYPES[] = { "reservation.created", "reservation.changed", "reservation.cancelled" };
    for (size_t i = 0; i < 3; i++) {
        json_t *req = json_array_get(got, i);
        assert_string_equal(type_of(req), TYPES[i]);
        assert_true(json_is_true(json_object_get(req, "verified")));            /* the receiver's check */
        assert_true(json_is_false(json_object_get(req, "tampered_verified")));  /* another body fails */
        assert_true(verifies_with(req, hook_secret));                           /* and this one's */
        assert_false(verifies_with(req, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));   /* another secret fails */
        assert_string_equal(json_string_value(json_object_get(req, "content_type")), "application/json");
        char ts[24];
        snprintf(ts, sizeof ts, "%lld", T0);
        assert_string_equal(json_string_value(json_object_get(req, "timestamp")), ts);   /* the injected clock */
        json_t *payload = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
        json_t *data = json_object_get(payload, "data");
        assert_int_equal(json_integer_value(json_object_get(data, "id")), rsv);
        assert_string_equal(json_string_value(json_object_get(payload, "timestamp")), "2026-03-02T08:00:00Z");
        if (i == 1) assert_string_equal(json_string_value(json_object_get(data, "start")), "2026-03-04T11:00:00Z");
        if (i == 2) assert_string_equal(json_string_value(json_object_get(data, "status")), "cancelled");
        json_decref(payload);
    }
    json_decref(got);
    /* the API lists them delivered, once each */
    hx_resp r;
    sleep_ms(300);   /* the worker records the answer just after the receiver logs it */
    json_t *list = deliveries(hook_id, &r);
    assert_int_equal(json_array_size(list), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *d = json_array_get(list, i);
        assert_string_equal(json_string_value(json_object_get(d, "state")), "delivered");
        assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 1);
        assert_int_equal(json_integer_value(json_object_get(d, "last_status")), 200);
        assert_true(json_is_null(json_object_get(d, "next_attempt_at")));
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "event")), "reservation.cancelled");
    hx_free(&r);
    /* the secret is shown once: never in a later answer */
    assert_int_equal(hx_req(&S, "GET", "/api/v1/webhooks", staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, hook_secret + 6));
    assert_null(strstr(r.body, "whsec_"));
    hx_free(&r);
}

/* The state of the endpoint's newest delivery, with attempts and next. */
static void newest(int64_t id, char *state, size_t len, int64_t *attempts, char *next, size_t nlen)
{
    hx_resp r;
    json_t *d = json_array_get(deliveries(id, &r), 0);
    assert_non_null(d);
    snprintf(state, len, "%s", json_string_value(json_object_get(d, "state")));
    *attempts = json_integer_value(json_object_get(d, "attempts"));
    json_t *n = json_object_get(d, "next_attempt_at");
    snprintf(next, nlen, "%s", json_is_string(n) ? json_string_value(n) : "");
    hx_free(&r);
}

static void test_500_is_retried_after_backoff(void **st)
{
    flaky_id = register_hook(flaky_url, "[\"reservation.created\"]", flaky_secret, sizeof flaky_secret);
    char secrets[300];
    snprintf(secrets, sizeof secrets, "%s\n%s\n", hook_secret, flaky_secret);
    write_file("secrets", secrets);
    write_file("codes", "/flaky 500\n");
    hx_book(&S, member, room, "2026-03-05T10:00:00+01:00", "2026-03-05T11:00:00+01:00", NULL, 0);
    json_t *got = await("/flaky", 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(got, 0), "status")), 500);
    assert_true(json_is_true(json_object_get(json_array_get(got, 0), "verified")));
    char first_id[64];
    snprintf(first_id, sizeof first_id, "%s", json_string_value(json_object_get(json_array_get(got, 0), "id")));
    json_decref(got);
    char state[20], next[40];
    int64_t attempts = 0;
    for (int i = 0; i < 50; i++) {   /* the worker records the 500 just after */
        newest(flaky_id, state, sizeof state, &attempts, next, sizeof next);
        if (attempts == 1) break;
        sleep_ms(100);
    }
    assert_string_equal(state, "pending");
    assert_int_equal(attempts, 1);
    assert_string_equal(next, "2026-03-02T09:00:30+01:00");   /* 30 s after the first attempt */
    hx_resp r;
    json_t *d = json_array_get(deliveries(flaky_id, &r), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "last_status")), 500);
    const char *err = json_string_value(json_object_get(d, "last_error"));
    assert_non_null(strstr(err, "HTTP 500"));
    assert_true(strlen(err) <= 200);   /* an excerpt of the answer, not all of it */
    hx_free(&r);
    /* the clock stands still: no second attempt */
    sleep_ms(2500);
    got = received("/flaky");
    assert_int_equal(json_array_size(got), 1);
    json_decref(got);
    /* past the backoff: delivered, with the same message id */
    hx_set_clock(&S, T0 + 31);
    got = await("/flaky", 2);
    json_t *again = json_array_get(got, 1);
    assert_int_equal(json_integer_value(json_object_get(again, "status")), 200);
    assert_string_equal(json_string_value(json_object_get(again, "id")), first_id);
    assert_true(json_is_true(json_object_get(again, "verified")));
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", T0 + 31);
    assert_string_equal(json_string_value(json_object_get(again, "timestamp")), ts);
    json_decref(got);
    for (int i = 0; i < 50; i++) {
        newest(flaky_id, state, sizeof state, &attempts, next, sizeof next);
        if (!strcmp(state, "delivered")) break;
        sleep_ms(100);
    }
    assert_string_equal(state, "delivered");
    assert_int_equal(attempts, 2);
}

static void test_disabled_endpoint_gets_nothing(void **st)
{
    char p[80];
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld", (long long)hook_id);
    hx_resp r;
    assert_int_equal(hx_req(&S, "PATCH", p, staff, "{\"enabled\":false}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(json_is_false(json_object_get(r.json, "enabled")));
    hx_free(&r);
    size_t recorded = json_array_size(deliveries(hook_id, &r));
    hx_free(&r);
    json_t *before_hook = received("/hook"), *before_flaky = received("/flaky");
    size_t nh = json_array_size(before_hook), nf = json_array_size(before_flaky);
    json_decref(before_hook);
    json_decref(before_flaky);
    hx_book(&S, member, room, "2026-03-06T10:00:00+01:00", "2026-03-06T11:00:00+01:00", NULL, 0);
    json_t *got = await("/flaky", nf + 1);   /* the enabled endpoint got it: the round ran */
    json_decref(got);
    sleep_ms(1500);
    got = received("/hook");
    assert_int_equal(json_array_size(got), nh);
    json_decref(got);
    json_t *list = deliveries(hook_id, &r);
    assert_int_equal(json_array_size(list), recorded);   /* none recorded either */
    hx_free(&r);
    /* a test ping to a disabled endpoint is refused */
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/test", (long long)hook_id);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 409);
}

static void test_rotated_secret(void **st)
{
    char p[80], old[120], fresh[120];
    hx_resp r;
    snprintf(old, sizeof old, "%s", hook_secret);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/secret", (long long)hook_id);
    assert_int_equal(hx_req(&S, "POST", p, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(fresh, sizeof fresh, "%s", json_string_value(json_object_get(r.json, "secret")));
    assert_memory_equal(fresh, "whsec_", 6);
    assert_string_not_equal(fresh, old);
    hx_free(&r);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld", (long long)hook_id);
    assert_int_equal(hx_status(&S, "PATCH", p, staff, "{\"enabled\":true}"), 200);
    char secrets[300];
    snprintf(secrets, sizeof secrets, "%s\n", fresh);   /* the receiver knows the new one only */
    write_file("secrets", secrets);
    json_t *seen = received("/hook");
    size_t n = json_array_size(seen);
    json_decref(seen);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/test", (long long)hook_id);
    assert_int_equal(hx_req(&S, "POST", p, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 202);
    assert_string_equal(json_string_value(json_object_get(r.json, "event")), "ping");
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "pending");
    hx_free(&r);
    json_t *got = await("/hook", n + 1);
    json_t *ping = json_array_get(got, n);
    assert_string_equal(type_of(ping), "ping");
    assert_true(json_is_true(json_object_get(ping, "verified")));
    assert_true(verifies_with(ping, fresh));
    assert_false(verifies_with(ping, old));
    json_decref(got);
    /* every change is in the audit log */
    snprintf(p, sizeof p, "/api/v1/audit?object_type=webhook_endpoint&object_id=%lld", (long long)hook_id);
    assert_int_equal(hx_req(&S, "GET", p, staff, NULL, NULL, &r), 0);
    assert_true(json_array_size(json_object_get(r.json, "entries")) >= 5);   /* create, 2 updates, rotate, ping */
    assert_null(strstr(r.body, "whsec_"));
    hx_free(&r);
}

static void test_retry_and_delete(void **st)
{
    char p[120];
    hx_resp r;
    /* a failing answer, then a manual retry */
    write_file("codes", "/flaky 503\n");
    json_t *seen = received("/flaky");
    size_t n = json_array_size(seen);
    json_decref(seen);
    hx_book(&S, member, room, "2026-03-09T10:00:00+01:00", "2026-03-09T11:00:00+01:00", NULL, 0);
    json_decref(await("/flaky", n + 1));
    int64_t did = 0;
    for (int i = 0; i < 50 && !did; i++) {
        json_t *d = json_array_get(deliveries(flaky_id, &r), 0);
        if (json_integer_value(json_object_get(d, "attempts")) == 1) did = json_integer_value(json_object_get(d, "id"));
        hx_free(&r);
        if (!did) sleep_ms(100);
    }
    assert_true(did > 0);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries/%lld/retry", (long long)flaky_id, (long long)did);
    assert_int_equal(hx_req(&S, "POST", p, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "pending");
    hx_free(&r);
    json_decref(await("/flaky", n + 2));   /* due now, without moving the clock */
    for (int i = 0; i < 50; i++) {
        if (hx_req(&S, "POST", p, staff, NULL, NULL, &r) == 0 && r.status == 409) { hx_free(&r); break; }
        hx_free(&r);
        sleep_ms(100);
    }
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 409);   /* delivered: nothing to retry */
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries/%lld/retry", (long long)hook_id, (long long)did);
    assert_int_equal(hx_status(&S, "POST", p, staff, NULL), 404);   /* another endpoint's delivery */
    /* deleting an endpoint deletes its deliveries */
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld", (long long)flaky_id);
    assert_int_equal(hx_status(&S, "DELETE", p, staff, NULL), 204);
    assert_int_equal(hx_status(&S, "GET", p, staff, NULL), 404);
    snprintf(p, sizeof p, "/api/v1/webhooks/%lld/deliveries", (long long)flaky_id);
    assert_int_equal(hx_status(&S, "GET", p, staff, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/webhooks", member, NULL), 403);
}

/* The id of the tenant whose name starts with prefix (staff's list). */
/* A service request's life reaches an endpoint that subscribes to it:
 * created, then changed (cancelled), with the item and state and without
 * the requester's note. */
static void test_service_request_events(void **st)
{
    char body[300], path[96];
    hx_resp r;
    int64_t id = hook_on("/srq", "[\"service_request.created\",\"service_request.changed\"]");
    /* a service of the demo catalogue */
    assert_int_equal(hx_req(&S, "GET", "/api/v1/catalogue", member, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    int64_t item = 0;
    json_t *x;
    size_t i;
    json_array_foreach(json_object_get(r.json, "items"), i, x)
        if (!item && !strcmp(json_string_value(json_object_get(x, "kind")), "service"))
            item = json_integer_value(json_object_get(x, "id"));
    hx_free(&r);
    assert_true(item > 0);
    snprintf(body, sizeof body, "{\"item_id\":%lld,\"quantity\":\"2\",\"note\":\"Call Ann on 06-5550123\"}", (long long)item);
    assert_int_equal(hx_req(&S, "POST", "/api/v1/service-requests", member, body, NULL, &r), 0);
    if (r.status != 201) fail_msg("POST /api/v1/service-requests: %ld %s", r.status, r.body);
    int64_t req = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    snprintf(path, sizeof path, "/api/v1/service-requests/%lld/cancel", (long long)req);
    assert_int_equal(hx_status(&S, "POST", path, member, "{\"reason\":\"Not needed after all\"}"), 200);
    json_t *got = await("/srq", 2);
    assert_int_equal(json_array_size(got), 2);
    const char *want[2] = { "service_request.created", "service_request.changed" };
    const char *state[2] = { "requested", "cancelled" };
    for (size_t k = 0; k < 2; k++) {
        json_t *q = json_array_get(got, k);
        assert_true(json_is_true(json_object_get(q, "verified")));
        const char *raw = json_string_value(json_object_get(q, "body"));
        assert_null(strstr(raw, "06-5550123"));   /* the note stays in labpass */
        json_t *p = json_loads(raw, 0, NULL);
        json_t *data = json_object_get(p, "data");
        assert_string_equal(json_string_value(json_object_get(p, "type")), want[k]);
        assert_int_equal(json_integer_value(json_object_get(data, "id")), req);
        assert_int_equal(json_integer_value(json_object_get(data, "item_id")), item);
        assert_int_equal(json_integer_value(json_object_get(data, "qty_e6")), 2000000);
        assert_string_equal(json_string_value(json_object_get(data, "state")), state[k]);
        json_decref(p);
    }
    json_decref(got);
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld", (long long)id);
    assert_int_equal(hx_status(&S, "DELETE", path, staff, NULL), 204);
}

static int64_t tenant_id(const char *prefix)
{
    hx_resp r;
    int64_t id = 0;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/tenants", staff, NULL, NULL, &r), 0);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r.json, "tenants"), i, v)
        if (!strncmp(json_string_value(json_object_get(v, "name")), prefix, strlen(prefix)))
            id = json_integer_value(json_object_get(v, "id"));
    hx_free(&r);
    assert_true(id > 0);
    return id;
}

/* Door alarms (once per event, however often a door uploads it), a
 * suspended and an offboarded tenant and issued invoices reach an endpoint
 * that subscribes to them; reservations do not. */
static void test_alarm_tenant_invoice_events(void **st)
{
    char path[80], key[128];
    hx_resp r;
    hook_on("/ops", "[\"door.alarm\",\"tenant.suspended\",\"tenant.offboarded\",\"invoice.issued\"]");
    /* a door alarm, uploaded twice */
    assert_int_equal(hx_req(&S, "POST", "/api/v1/doors", staff, "{\"name\":\"hook-door\",\"group\":\"hooks\"}", NULL, &r), 0);
    assert_int_equal(r.status, 201);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events",
             (long long)json_integer_value(json_object_get(json_object_get(r.json, "door"), "id")));
    snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "api_key")));
    hx_free(&r);
    const char *alarm = "{\"events\":[{\"id\":\"a-1\",\"time\":\"2026-03-02T07:59:00Z\",\"kind\":\"alarm\",\"alarm\":\"forced_open\"}]}";
    assert_int_equal(hx_status(&S, "POST", path, key, alarm), 200);
    assert_int_equal(hx_status(&S, "POST", path, key, alarm), 200);
    /* a tenant suspended (and active again after) */
    int64_t bio = tenant_id("BioSense");
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/suspend", (long long)bio);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"bookings\":\"keep\",\"notify\":false}"), 200);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/activate", (long long)bio);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 200);
    /* February's invoices */
    assert_int_equal(hx_req(&S, "POST", "/api/v1/invoices/run", staff, "{\"period\":\"2026-02\"}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    size_t invoices = json_array_size(json_object_get(r.json, "created"));
    hx_free(&r);
    /* and at last offboarded (its bookings ahead cancelled by the facility) */
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/offboard", (long long)bio);
    assert_int_equal(hx_status(&S, "POST", path, staff, "{\"bookings\":\"cancel\",\"notify\":false}"), 200);
    json_t *got = await("/ops", 3 + invoices);
    sleep_ms(1500);   /* nothing more comes: one alarm, not two */
    json_decref(got);
    got = received("/ops");
    assert_int_equal(json_array_size(got), 3 + invoices);
    size_t alarms = 0, suspended = 0, offboarded = 0, issued = 0;
    for (size_t i = 0; i < json_array_size(got); i++) {
        json_t *req = json_array_get(got, i);
        assert_true(json_is_true(json_object_get(req, "verified")));
        json_t *p = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
        const char *type = json_string_value(json_object_get(p, "type"));
        json_t *data = json_object_get(p, "data");
        if (!strcmp(type, "door.alarm")) {
            alarms++;
            assert_string_equal(json_string_value(json_object_get(data, "alarm")), "forced_open");
            assert_string_equal(json_string_value(json_object_get(data, "door")), "hook-door");
            assert_string_equal(json_string_value(json_object_get(data, "time")), "2026-03-02T07:59:00Z");
        } else if (!strcmp(type, "tenant.suspended")) {
            suspended++;
            assert_int_equal(json_integer_value(json_object_get(data, "id")), bio);
            assert_string_equal(json_string_value(json_object_get(data, "status")), "suspended");
        } else if (!strcmp(type, "tenant.offboarded")) {
            offboarded++;
            assert_int_equal(json_integer_value(json_object_get(data, "id")), bio);
            assert_string_equal(json_string_value(json_object_get(data, "status")), "offboarded");
        } else if (!strcmp(type, "invoice.issued")) {
            issued++;
            assert_non_null(json_string_value(json_object_get(data, "number")));
            assert_string_equal(json_string_value(json_object_get(data, "period")), "2026-02");
        } else {
            fail_msg("unexpected event %s", type);
        }
        json_decref(p);
    }
    assert_int_equal(alarms, 1);
    assert_int_equal(suspended, 1);
    assert_int_equal(offboarded, 1);
    assert_int_equal(issued, invoices);
    json_decref(got);
    print_message("%zu invoices issued for February\n", invoices);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reservation_events_are_signed),
        cmocka_unit_test(test_500_is_retried_after_backoff),
        cmocka_unit_test(test_disabled_endpoint_gets_nothing),
        cmocka_unit_test(test_rotated_secret),
        cmocka_unit_test(test_retry_and_delete),
        cmocka_unit_test(test_service_request_events),
        cmocka_unit_test(test_alarm_tenant_invoice_events),
    };
    return cmocka_run_group_tests_name("webhooks", tests, setup, teardown);
}
