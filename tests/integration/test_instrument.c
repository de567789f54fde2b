/* test_instrument.c: labpass-door as an instrument controller (mode =
 * instrument), end to end through the real labpassd, libnfc and the
 * emulated PN532, on the injected clocks. A sequencer has its own door
 * group; its controller's relay powers it. The member's DESFire badge
 * (enrolled through the API, made by the desk from the site's card keys of
 * `labpassctl card-keys`, whose read key the controller got sealed with its
 * sync) switches the power on for the booking: the booking is checked in;
 * the same badge again switches it off: checked out at that moment, the real
 * end of use, which billing charges (basis actual). A later booking's session ends by itself when its pass
 * expires (the booking's end plus the grace), and is checked out then. A
 * badge outside its booking is refused and the power stays off. The
 * manager's month report shows the minutes booked and used. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "access/card/card.h"
#include "access/door/door_store.h"
#include "access/token/token.h"
#include "tests/lib/doorproc.h"
#include "tests/lib/harness.h"
#include "tests/lib/pn532emu.h"

#define T0 1796104800LL   /* 2026-12-01T06:00:00Z, 07:00 in Amsterdam */
#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

static hx_server S;
static emu_t *emu;
static char *staff, *member;
static pid_t door_pid;
static int64_t res_id, rsv_one, rsv_two;
static char cfg_path[256], door_db[256], door_clock[256], lock_log[256], door_log[256], card_hex[40];
static uint8_t masters[3][16];
static const uint8_t UID[7] = { 0x04, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56 };

static void write_text(const char *path, const char *text, mode_t mode) { dp_write_file(path, text, mode); }

static void set_door_clock(int64_t t) { dp_set_clock(door_clock, t); }

static void set_clocks(int64_t t)
{
    hx_set_clock(&S, t);
    set_door_clock(t);
}

/* Runs labpassctl on the server's database with the arguments (NULL-terminated). */
static void ctl(const char *first, ...)
{
    char out[1024];
    va_list ap;
    va_start(ap, first);
    int rc = hx_ctlv(&S, out, sizeof out, first, ap);
    va_end(ap);
    if (rc != 0) fail_msg("labpassctl %s failed: %s", first, out);
}

static void export_masters(void)
{
    static const char *const roles[] = { "admin", "read", "write" };
    char path[300], hex[40] = "";
    size_t got = 0;
    for (int r = 0; r < 3; r++) {
        snprintf(path, sizeof path, "%s/desk-%s.key", S.dir, roles[r]);
        ctl("card-keys", "export", "--generation", "1", "--role", roles[r], "--out", path, NULL);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(hex, sizeof hex, f));
        fclose(f);
        assert_int_equal(sodium_hex2bin(masters[r], 16, hex, 32, NULL, &got, NULL), 0);
    }
}

/* The badge as the desk leaves it, with the card's pass of now. */
static dfe_t *badge_now(void)
{
    char path[120];
    uint8_t pass[TOK_PASS_MAX], keys[CARD_NKEYS][16], vers[CARD_NKEYS] = { 1, 1, 1 }, file[CARD_FILE_SIZE];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/cards/%s/pass", card_hex);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    const char *b64 = json_string_value(json_object_get(r.json, "pass"));
    size_t len = 0;
    assert_int_equal(sodium_base642bin(pass, sizeof pass, b64, strlen(b64), NULL, &len, NULL, B64U), 0);
    hx_free(&r);
    dfe_t *d = NULL;
    assert_int_equal(dfe_create(&d, UID), 0);
    for (int k = 0; k < CARD_NKEYS; k++) assert_int_equal(card_key_derive(masters[k], UID, "mtf", keys[k]), 0);
    assert_int_equal(dfe_add_app(d, CARD_AID, CARD_KEY_SETTINGS, CARD_NKEYS, keys, vers), 0);
    assert_int_equal(card_file_encode(pass, len, file), 0);
    assert_int_equal(dfe_add_file(d, CARD_AID, CARD_FILE_PASS, 1, CARD_FILE_COMM, CARD_FILE_AR, file, sizeof file,
                                  sizeof file), 0);
    return d;
}

/* ---- what the relay and the server say ---- */

static int lock_lines(const char *word) { return dp_count_lines(lock_log, word); }

static int power_on(void *p) { return lock_lines(" open") >= *(int *)p; }
static int power_off(void *p) { return lock_lines(" close") >= *(int *)p; }

static const char *rsv_field(int64_t id, const char *key, char *buf, size_t len)
{
    char path[80];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)id);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    const char *v = json_string_value(json_object_get(r.json, key));
    snprintf(buf, len, "%s", v ? v : "");
    hx_free(&r);
    return buf;
}

struct want_status { int64_t id; const char *status; };
static int status_is(void *p)
{
    struct want_status *w = p;
    char buf[32];
    return !strcmp(rsv_field(w->id, "status", buf, sizeof buf), w->status);
}

/* Events the door still queues plus those on the server, with reason. */
static int server_events(const char *reason)
{
    char path[160];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/door-events?limit=1000");
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    int n = 0;
    json_t *arr = json_object_get(r.json, "events");
    for (size_t i = 0; i < json_array_size(arr); i++)
        n += !strcmp(json_string_value(json_object_get(json_array_get(arr, i), "reason")) ?: "", reason);
    hx_free(&r);
    return n;
}

struct want_ev { const char *reason; int n; };
static int events_reached(void *p)
{
    struct want_ev *w = p;
    return server_events(w->reason) >= w->n;
}

static void field_empty(void) { dp_field_empty(emu); }

static void tap(dfe_t *badge, const char *reason)
{
    struct want_ev w = { reason, server_events(reason) + 1 };
    emu_present_desfire(emu, badge);
    if (!hx_wait_until(events_reached, &w, 15000)) fail_msg("no '%s' event reached the server", reason);
    field_empty();
}

/* ---- tests ---- */

static void test_session_on_and_off(void **st)
{
    set_clocks(T0 + 2 * 3600 + 300);                 /* 08:05Z, inside booking one (08:00-10:00Z) */
    dfe_t *badge = badge_now();
    int one = 1;
    tap(badge, "granted");
    assert_true(hx_wait_until(power_on, &one, 5000));
    struct want_status in = { rsv_one, "checked_in" };
    assert_true(hx_wait_until(status_is, &in, 10000));
    set_clocks(T0 + 3 * 3600 + 1800);                /* 09:30Z: done early */
    tap(badge, "session_end");
    assert_true(hx_wait_until(power_off, &one, 5000));
    struct want_status done = { rsv_one, "completed" };
    assert_true(hx_wait_until(status_is, &done, 10000));
    char out[40];
    assert_string_equal(rsv_field(rsv_one, "checked_out_at", out, sizeof out), "2026-12-01T10:30:00+01:00");
    /* Billed on the real use (basis actual): 09:05 to 10:30, not the booked 09:00 to 11:00. */
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/charges?period=2026-12&tenant_id=1", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *arr = json_object_get(r.json, "charges"), *c = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_integer_value(json_object_get(json_array_get(arr, i), "reservation_id")) == rsv_one) c = json_array_get(arr, i);
    if (!c) fail_msg("no charge for the booking: %s", r.body);
    assert_string_equal(json_string_value(json_object_get(c, "start")), "2026-12-01T09:05:00+01:00");
    assert_string_equal(json_string_value(json_object_get(c, "end")), "2026-12-01T10:30:00+01:00");
    hx_free(&r);
    dfe_destroy(badge);
}

static void test_session_times_out(void **st)
{
    set_clocks(T0 + 5 * 3600 + 300);                 /* 11:05Z: booking two (11:00-12:00Z) */
    dfe_t *badge = badge_now();                      /* the desk wrote the badge's pass for it */
    int two = 2;
    tap(badge, "granted");
    assert_true(hx_wait_until(power_on, &two, 5000));
    set_clocks(T0 + 7 * 3600);                       /* 13:00Z: past the pass's exp (12:15Z) */
    assert_true(hx_wait_until(power_off, &two, 5000));
    struct want_ev w = { "session_timeout", 1 };
    assert_true(hx_wait_until(events_reached, &w, 15000));
    struct want_status done = { rsv_two, "completed" };
    assert_true(hx_wait_until(status_is, &done, 10000));
    char out[40];
    assert_string_equal(rsv_field(rsv_two, "checked_out_at", out, sizeof out), "2026-12-01T13:15:00+01:00");
    /* Outside any booking the badge is refused and the power stays off. */
    tap(badge, "expired");
    hx_nap_ms(300);
    assert_int_equal(lock_lines(" open"), 2);
    dfe_destroy(badge);
}

/* The manager's month shows the instrument's bookings, minutes booked and
 * minutes really used, and its income; the CSV says the same; members may
 * not read it and a bad month is refused. */
static void test_usage_report(void **st)
{
    hx_resp r;
    hx_req(&S, "GET", "/api/v1/reports/usage?period=2026-12", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *arr = json_object_get(r.json, "resources"), *row = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_integer_value(json_object_get(json_array_get(arr, i), "resource_id")) == res_id) row = json_array_get(arr, i);
    if (!row) fail_msg("no row for the sequencer: %s", r.body);
    assert_int_equal(json_integer_value(json_object_get(row, "bookings")), 2);
    assert_int_equal(json_integer_value(json_object_get(row, "booked_minutes")), 120 + 60);
    assert_int_equal(json_integer_value(json_object_get(row, "used_minutes")), 85 + 70);   /* 09:05-10:30, 12:05-13:15 */
    assert_int_equal(json_integer_value(json_object_get(row, "no_shows")), 0);
    json_int_t income = json_integer_value(json_object_get(row, "income_cents"));
    json_t *tot = json_object_get(r.json, "total");
    assert_true(json_integer_value(json_object_get(tot, "used_minutes")) >= 155);
    assert_true(json_integer_value(json_object_get(tot, "income_cents")) >= income);
    hx_free(&r);
    hx_req(&S, "GET", "/api/v1/reports/usage.csv?period=2026-12", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    char line[200];
    snprintf(line, sizeof line, "\"resource\",\"%lld\",\"Sequencer SQ-1\",\"2\",\"180\",\"155\",\"0\",\"%lld.%02lld\",\"0\",\"0\"\r\n",
             (long long)res_id, (long long)(income / 100), (long long)(income % 100));
    if (!strstr(r.body, line)) fail_msg("no line %s in: %s", line, r.body);
    assert_non_null(strstr(r.body, "\"by\",\"id\",\"name\""));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/reports/usage?period=2026-12", member, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/reports/usage?period=2026-13", staff, NULL), 400);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/reports/usage.csv?period=12-2026", staff, NULL), 400);
}

/* ---- setup ---- */

static void make_door(void)
{
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/doors", staff,
           "{\"name\":\"sq-1-power\",\"group\":\"sq-1\",\"sync_interval\":1,\"pulse_ms\":300}", NULL, &r);
    assert_int_equal(r.status, 201);
    int64_t id = json_integer_value(json_object_get(json_object_get(r.json, "door"), "id"));
    const char *key = json_string_value(json_object_get(r.json, "api_key"));
    const char *x = json_string_value(json_object_get(json_array_get(json_object_get(r.json, "trust_keys"), 0), "x"));
    assert_non_null(key);
    assert_non_null(x);
    char text[2048];
    snprintf(cfg_path, sizeof cfg_path, "%s/instrument.ini", S.dir);
    snprintf(door_db, sizeof door_db, "%s/instrument.db", S.dir);
    snprintf(door_clock, sizeof door_clock, "%s/door-clock", S.dir);
    snprintf(lock_log, sizeof lock_log, "%s/relay.log", S.dir);
    snprintf(door_log, sizeof door_log, "%s/instrument.log", S.dir);
    snprintf(text, sizeof text,
             "[door]\nid = %lld\nname = sq-1-power\ngroups = sq-1\nsite = mtf\nstate_db = %s\nmode = instrument\n"
             "[server]\nurl = %s\napi_key = %s\nconnect_timeout_ms = 500\ntimeout_ms = 3000\nretry_max_s = 1\n"
             "[trust]\nsite_key = %s\n"
             "[reader]\nconnstring = %s\nxfer_ms = 250\npoll_gap_ms = 10\npresent_gap_ms = 20\npoll_ms = 100\n"
             "removal_ms = 2000\n"
             "[lock]\nbackend = log\nlog_file = %s\n",
             (long long)id, door_db, S.base, key, x, emu_connstring(emu), lock_log);
    hx_free(&r);
    write_text(cfg_path, text, 0600);
}

static void start_door(void) { door_pid = dp_start(cfg_path, door_clock, door_log); }

static int has_card_key(void *p)
{
    door_store_t *s = NULL;
    struct door_sealed_key k[DOOR_CARD_GENS_MAX];
    size_t n = 0;
    if (door_store_open(door_db, &s) != 0) return 0;
    int rc = door_store_card_keys(s, k, DOOR_CARD_GENS_MAX, &n);
    door_store_close(s);
    return rc == 0 && n == 1;
}

/* The running controller has taken up the card key (its log says so). */
static int uses_card_key(void *p) { return dp_count_lines(door_log, "card read keys in use: 1 generation") > 0; }

static int64_t book(const char *start, const char *end)
{
    char status[32];
    int64_t id = hx_book(&S, member, res_id, start, end, status, sizeof status);
    assert_true(id > 0);
    assert_string_equal(status, "confirmed");
    return id;
}

static int setup(void **st)
{
    if (sodium_init() < 0 || hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member = hx_login(&S, DEMO_MEMBER_A);
    if (!staff || !member || emu_start(&emu, NULL) != 0) return -1;
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/resources", staff,
           "{\"name\":\"Sequencer SQ-1\",\"kind\":\"equipment\",\"door_group\":\"sq-1\",\"max_advance_days\":365}", NULL, &r);
    res_id = r.status == 201 ? json_integer_value(json_object_get(r.json, "id")) : 0;
    hx_free(&r);
    if (res_id <= 0) return -1;
    char pol[96];
    snprintf(pol, sizeof pol, "/api/v1/resources/%lld/billing-policy", (long long)res_id);
    if (hx_status(&S, "PUT", pol, staff, "{\"basis\":\"actual\"}") != 200) return -1;
    rsv_one = book("2026-12-01T09:00:00+01:00", "2026-12-01T11:00:00+01:00");
    rsv_two = book("2026-12-01T12:00:00+01:00", "2026-12-01T13:00:00+01:00");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/people/%lld/cards", (long long)hx_me_id(&S, member));
    hx_req(&S, "POST", path, staff, "{\"uid\":\"04515253545556\",\"label\":\"badge\"}", NULL, &r);
    if (r.status != 201) return -1;
    snprintf(card_hex, sizeof card_hex, "%s", json_string_value(json_object_get(r.json, "card_id")));
    hx_free(&r);
    ctl("card-keys", "rotate", NULL);
    export_masters();
    make_door();
    set_door_clock(T0);
    start_door();
    return hx_wait_until(has_card_key, NULL, 15000) && hx_wait_until(uses_card_key, NULL, 15000) ? 0 : -1;
}

static int teardown(void **st)
{
    int ok = dp_stop(&door_pid);
    if (ok) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "tail -30 '%s' >&2", door_log);
        if (system(cmd) != 0) fprintf(stderr, "no controller log\n");
    }
    emu_stop(emu);
    free(staff);
    free(member);
    return hx_stop(&S) == 0 && ok == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_on_and_off),
        cmocka_unit_test(test_session_times_out),
        cmocka_unit_test(test_usage_report),
    };
    return cmocka_run_group_tests_name("instrument", tests, setup, teardown);
}
