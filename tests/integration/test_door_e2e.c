/* test_door_e2e.c: the door controller end to end. The real labpassd (fixed
 * clock) and the real bin/labpass-door process (its own clock file), whose
 * reader is the emulated PN532 on a pseudo-terminal, driven through libnfc.
 *
 *   book -> enroll a phone credential -> fetch its pass -> present it at the
 *   lab door -> the lock pulses (log backend) and the event is stored ->
 *   uploaded -> the reservation is checked in.
 *
 * Then every refusal with its reason: another lab's pass (wrong_door), one
 * flipped byte (bad_signature), a pass from a key the site never had
 * (unknown_key), the phone pass copied onto an NTAG (holder_proof_failed), a
 * visitor pass written by `labpass-door --encode` onto an NTAG at a door
 * without bearer passes (holder_proof_failed), too early (not_yet_valid),
 * too late (expired), a revocation learnt by sync (revoked), the door's
 * clock set back below its time floor (clock_invalid). With the server
 * stopped the door still admits and refuses, queues the events, and uploads
 * them when the server is back. */
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
#include "access/credential/cred.h"
#include "access/door/door_store.h"
#include "access/nfc/nfc_ndef.h"
#include "access/token/token.h"
#include <sqlite3.h>
#include "tests/lib/doorproc.h"
#include "tests/lib/harness.h"
#include "tests/lib/pn532emu.h"

#define T0 1796104800LL          /* 2026-12-01T06:00:00Z, 07:00 in Amsterdam */
#define T1 (T0 + 2 * 3600 + 300) /* 08:05Z: inside slot A1 */
#define T2 (T0 + 6 * 3600 + 300) /* 12:05Z: inside slot A2, A1 expired */
#define T3 (T0 + 10 * 3600 + 300) /* 16:05Z: inside slot A3 */
#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

static hx_server S;
static char *staff, *member;
static emu_t *emu, *emu2;
static uint8_t holder_pk[32], holder_sk[64];
static int64_t door_id, rsv_a1, rsv_a2, rsv_a3;
static char door_key[128], site_x[64];
static uint8_t pass_a1[TOK_PASS_MAX], pass_a2[TOK_PASS_MAX], pass_a3[TOK_PASS_MAX], pass_b1[TOK_PASS_MAX];
static size_t len_a1, len_a2, len_a3, len_b1;
static char door_cfg[256], door_db[256], door_clock[256], lock_log[256], door_log[256];
static pid_t door_pid;

/* ---- small helpers ---- */

static void write_text(const char *path, const char *text) { dp_write_file(path, text, 0600); }

static void set_door_clock(int64_t t) { dp_set_clock(door_clock, t); }

static void set_clocks(int64_t t)
{
    hx_set_clock(&S, t);
    set_door_clock(t);
}

/* Polls cond up to ms; a bound on waiting, not a timed assertion. */
static int64_t book(int64_t res, const char *start, const char *end)
{
    char status[32], path[96];
    int64_t id = hx_book(&S, member, res, start, end, status, sizeof status);
    if (!strcmp(status, "requested")) {
        snprintf(path, sizeof path, "/api/v1/reservations/%lld/approve", (long long)id);
        assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 200);
    }
    return id;
}

static size_t b64u_pass(const char *b64, uint8_t *out)
{
    size_t n = 0;
    assert_non_null(b64);
    assert_int_equal(sodium_base642bin(out, TOK_PASS_MAX, b64, strlen(b64), NULL, &n, NULL, B64U), 0);
    return n;
}

/* The member's pass for reservation rid, from GET /api/v1/me/passes. */
static size_t my_pass(int64_t rid, uint8_t *out, int64_t *pass_id)
{
    hx_resp r;
    size_t n = 0;
    hx_req(&S, "GET", "/api/v1/me/passes", member, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *arr = json_object_get(r.json, "passes");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *p = json_array_get(arr, i);
        if (json_integer_value(json_object_get(p, "reservation_id")) != rid) continue;
        n = b64u_pass(json_string_value(json_object_get(p, "pass")), out);
        if (pass_id) *pass_id = json_integer_value(json_object_get(p, "id"));
    }
    hx_free(&r);
    if (n == 0) fail_msg("no pass for reservation %lld", (long long)rid);
    return n;
}

static const char *rsv_status(int64_t id, char *buf, size_t len)
{
    char path[80];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)id);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    snprintf(buf, len, "%s", r.status == 200 ? json_string_value(json_object_get(r.json, "status")) : "?");
    hx_free(&r);
    return buf;
}

/* ---- the door process ---- */

static void start_door(void) { door_pid = dp_start(door_cfg, door_clock, door_log); }

static int stop_door(void) { return dp_stop(&door_pid); }

static struct door_status door_state(void)
{
    door_store_t *s = NULL;
    struct door_status ds;
    assert_int_equal(door_store_open(door_db, &s), 0);
    assert_int_equal(door_store_status(s, &ds), 0);
    door_store_close(s);
    return ds;
}

static int door_synced(void *arg)
{
    struct door_status ds = door_state();
    return ds.last_sync != 0 && ds.n_keys > 0;
}

static int door_denies(void *cti)
{
    door_store_t *s = NULL;
    int denied = 0;
    assert_int_equal(door_store_open(door_db, &s), 0);
    assert_int_equal(door_store_denied(s, cti, &denied), 0);
    door_store_close(s);
    return denied;
}

/* Events with reason `what`: the server's and those still queued at the
 * door, each id counted once (an event in flight may be in both). */
static char seen_ids[512][DOOR_EVENT_ID_MAX + 1];

static int add_id(int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(seen_ids[i], id)) return n;
    if (n < 512) snprintf(seen_ids[n++], DOOR_EVENT_ID_MAX + 1, "%s", id);
    return n;
}

static int events_with(const char *what, int server_up)
{
    int n = 0;
    if (server_up) {
        char path[200];
        hx_resp r;
        snprintf(path, sizeof path,
                 "/api/v1/door-events?door_id=%lld&from=2026-11-29T00:00:00Z&to=2026-12-03T00:00:00Z", (long long)door_id);
        hx_req(&S, "GET", path, staff, NULL, NULL, &r);
        json_t *arr = json_object_get(r.json, "events");
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *e = json_array_get(arr, i);
            const char *reason = json_string_value(json_object_get(e, "reason"));
            if (reason && !strcmp(reason, what)) n = add_id(n, json_string_value(json_object_get(e, "event_id")));
        }
        hx_free(&r);
    }
    door_store_t *s = NULL;
    static struct door_queued q[256];
    size_t k = 0;
    char id[DOOR_EVENT_ID_MAX + 1];
    assert_int_equal(door_store_open(door_db, &s), 0);
    assert_int_equal(door_store_batch(s, 256, q, &k), 0);
    for (size_t i = 0; i < k; i++) {
        door_store_event_id(s, door_id, q[i].seq, id);
        if (!strcmp(q[i].ev.reason, what)) n = add_id(n, id);
    }
    door_store_close(s);
    return n;
}

static int count_opens(void) { return dp_count_lines(lock_log, " open"); }

static int opens_reached(void *p)
{
    return count_opens() >= *(int *)p;
}

/* The lock log's last line says the lock is closed (a pulse has ended). */
static int lock_closed(void *p) { return dp_last_line_has(lock_log, " close"); }

/* ---- presenting media ---- */

/* Waits until the door scans the field again (it has let go of the last card). */
static void field_empty(void) { dp_field_empty(emu); }

struct want { const char *reason; int n, up; };

static int reason_count_reached(void *p)
{
    struct want *w = p;
    return events_with(w->reason, w->up) >= w->n;
}

/* Presents a phone credential with pass[0..len) and waits for a decision with reason. */
static void tap_phone(const uint8_t *pass, size_t len, const uint8_t *sk, const char *reason, int server_up)
{
    cred_t *c = NULL;
    struct want w = { reason, events_with(reason, server_up) + 1, server_up };
    assert_int_equal(cred_create(pass, len, sk, &c), 0);
    emu_present_credential(emu, c);
    if (!hx_wait_until(reason_count_reached, &w, 10000)) fail_msg("no '%s' decision", reason);
    field_empty();
    cred_destroy(c);
}

static void tap_tag_image(const uint8_t *data, size_t len, const char *reason)
{
    struct want w = { reason, events_with(reason, 1) + 1, 1 };
    assert_int_equal(emu_present_ntag(emu, data, len), 0);
    if (!hx_wait_until(reason_count_reached, &w, 10000)) fail_msg("no '%s' decision", reason);
    field_empty();
}

static void tap_tag(const uint8_t *pass, size_t len, const char *reason)
{
    uint8_t img[NFC_T2_ENC_MAX];
    size_t n = 0;
    assert_int_equal(nfc_ndef_t2_encode(pass, len, img, sizeof img, &n), 0);
    tap_tag_image(img, n, reason);
}

/* ---- setup ---- */

static void make_doors(void)
{
    char bin[256], dbarg[256], out[4096];
    hx_resp r;
    hx_req(&S, "POST", "/api/v1/doors", staff,
           "{\"name\":\"e2e-lab-a\",\"group\":\"ml1-a\",\"sync_interval\":1,\"pulse_ms\":300}", NULL, &r);
    assert_int_equal(r.status, 201);
    door_id = json_integer_value(json_object_get(json_object_get(r.json, "door"), "id"));
    snprintf(door_key, sizeof door_key, "%s", json_string_value(json_object_get(r.json, "api_key")));
    hx_free(&r);
    /* A visitor door of the same group, made with labpassctl, takes bearer passes. */
    hx_bin("labpassctl", bin, sizeof bin);
    snprintf(dbarg, sizeof dbarg, "%s", S.db);
    char *argv[] = { bin, (char *)"--json", (char *)"--db", dbarg, (char *)"door", (char *)"add", (char *)"--name",
                     (char *)"e2e-lab-a-visitor", (char *)"--group", (char *)"ml1-a", (char *)"--holder-proof",
                     (char *)"no", (char *)"--bearer", (char *)"yes", NULL };
    assert_int_equal(hx_run(argv, 0, NULL, out, sizeof out), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    if (!j) fail_msg("labpassctl door add printed: %s", out);
    assert_true(json_integer_value(json_object_get(j, "id")) > 0);
    const char *x = json_string_value(json_object_get(json_array_get(json_object_get(j, "trust_keys"), 0), "x"));
    assert_non_null(x);
    snprintf(site_x, sizeof site_x, "%s", x);
    json_decref(j);
}

static void book_and_fetch(void)
{
    uint8_t cti[16];
    (void)cti;
    int64_t lab_a = hx_resource_id(&S, staff, "ML-1 Lab A"), lab_b = hx_resource_id(&S, staff, "ML-1 Lab B");
    assert_true(lab_a > 0 && lab_b > 0);
    char b64[64], body[200];
    sodium_bin2base64(b64, sizeof b64, holder_pk, 32, B64U);
    snprintf(body, sizeof body, "{\"public_key\":\"%s\",\"label\":\"phone\",\"kind\":\"phone\"}", b64);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/me/credentials", member, body), 201);
    rsv_a1 = book(lab_a, "2026-12-01T09:00:00+01:00", "2026-12-01T11:00:00+01:00");
    rsv_a2 = book(lab_a, "2026-12-01T13:00:00+01:00", "2026-12-01T14:00:00+01:00");
    rsv_a3 = book(lab_a, "2026-12-01T17:00:00+01:00", "2026-12-01T18:00:00+01:00");
    int64_t rsv_b1 = book(lab_b, "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00");
    len_a1 = my_pass(rsv_a1, pass_a1, NULL);
    len_a2 = my_pass(rsv_a2, pass_a2, NULL);
    len_a3 = my_pass(rsv_a3, pass_a3, NULL);
    len_b1 = my_pass(rsv_b1, pass_b1, NULL);
}

/* The site's DESFire master keys (admin, read, write) for this run; the
 * door gets the read master in a key file. */
static uint8_t card_m[3][16];
static char card_key_path[256];

static void write_card_key(void)
{
    char hex[33];
    randombytes_buf(card_m, sizeof card_m);
    sodium_bin2hex(hex, sizeof hex, card_m[CARD_KEY_READ], 16);
    snprintf(card_key_path, sizeof card_key_path, "%s/card-read.key", S.dir);
    int fd = open(card_key_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, hex, 32), 32);
    close(fd);
}

static void write_door_config(void)
{
    char text[4096];
    write_card_key();
    snprintf(door_cfg, sizeof door_cfg, "%s/door.ini", S.dir);
    snprintf(door_db, sizeof door_db, "%s/door.db", S.dir);
    snprintf(door_clock, sizeof door_clock, "%s/door-clock", S.dir);
    snprintf(lock_log, sizeof lock_log, "%s/lock.log", S.dir);
    snprintf(door_log, sizeof door_log, "%s/door.log", S.dir);
    snprintf(text, sizeof text,
             "[door]\nid = %lld\nname = e2e-lab-a\ngroups = ml1-a\nsite = mtf\nstate_db = %s\npulse_ms = 300\n"
             "[server]\nurl = %s\napi_key = %s\nconnect_timeout_ms = 500\ntimeout_ms = 3000\nretry_max_s = 1\n"
             "[trust]\nsite_key = %s\n"
             "[reader]\nconnstring = %s\nxfer_ms = 250\npoll_gap_ms = 10\npresent_gap_ms = 20\npoll_ms = 100\n"
             "removal_ms = 2000\n"
             "[lock]\nbackend = log\nlog_file = %s\n"
             "[card]\nread_key_file = %s\nupdate = yes\n",
             (long long)door_id, door_db, S.base, door_key, site_x, emu_connstring(emu), lock_log, card_key_path);
    write_text(door_cfg, text);
}

static int setup(void **st)
{
    if (sodium_init() < 0 || hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    member = hx_login(&S, DEMO_MEMBER_A);
    if (!staff || !member || emu_start(&emu, NULL) != 0 || emu_start(&emu2, NULL) != 0) return -1;
    crypto_sign_keypair(holder_pk, holder_sk);
    make_doors();
    book_and_fetch();
    write_door_config();
    set_door_clock(T0);
    start_door();
    return hx_wait_until(door_synced, NULL, 10000) ? 0 : -1;
}

static int teardown(void **st)
{
    int door_ok = stop_door();
    if (door_ok != 0) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "tail -30 '%s' >&2", door_log);
        if (system(cmd) != 0) fprintf(stderr, "no door log\n");
    }
    emu_stop(emu);
    emu_stop(emu2);
    free(staff);
    free(member);
    int srv_ok = hx_stop(&S);
    return door_ok == 0 && srv_ok == 0 ? 0 : -1;
}

/* ---- tests ---- */

static int checked_in(void *p)
{
    char buf[24];
    return !strcmp(rsv_status(*(int64_t *)p, buf, sizeof buf), "checked_in");
}

static int queue_empty(void *p)
{
    return door_state().queue_len == 0;
}

static void test_admission_checks_in(void **st)
{
    set_clocks(T1);
    tap_phone(pass_a1, len_a1, holder_sk, "granted", 1);
    int one = 1;
    assert_true(hx_wait_until(opens_reached, &one, 5000));
    assert_true(hx_wait_until(lock_closed, NULL, 5000));             /* the pulse ends by itself */
    assert_int_equal(count_opens(), 1);
    assert_true(hx_wait_until(checked_in, &rsv_a1, 10000));
    assert_true(hx_wait_until(queue_empty, NULL, 10000));
}

static void test_refusals(void **st)
{
    set_clocks(T1);
    tap_phone(pass_b1, len_b1, holder_sk, "wrong_door", 1);
    uint8_t flipped[TOK_PASS_MAX];
    memcpy(flipped, pass_a1, len_a1);
    flipped[len_a1 - 10] ^= 0x01;
    tap_phone(flipped, len_a1, holder_sk, "bad_signature", 1);
    tap_phone(pass_a2, len_a2, holder_sk, "not_yet_valid", 1);
    /* A pass minted with a key the site never had. */
    uint8_t rogue_pk[32], rogue_sk[64], kid[8], rogue[TOK_PASS_MAX];
    struct tok_pass tp;
    enum tok_reason why;
    assert_int_equal(tok_decode(pass_a1, len_a1, &tp, &why), 0);
    crypto_sign_keypair(rogue_pk, rogue_sk);
    tok_kid_from_pk(rogue_pk, kid);
    size_t rlen = 0;
    assert_int_equal(tok_encode(&tp.claims, rogue_sk, kid, 8, rogue, sizeof rogue, &rlen), 0);
    tap_phone(rogue, rlen, holder_sk, "unknown_key", 1);
    /* The right pass from a phone without its holder key. */
    uint8_t other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    tap_phone(pass_a1, len_a1, other_sk, "holder_proof_failed", 1);
    /* The phone's pass copied onto an NTAG sticker. */
    tap_tag(pass_a1, len_a1, "holder_proof_failed");
    assert_int_equal(count_opens(), 1);
}

static void test_encode_bearer(void **st)
{
    set_clocks(T1);
    char path[96], bin[256], passfile[256], enc_cfg[256], text[4096], out[4096];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/bearer-pass", (long long)rsv_a1);
    hx_req(&S, "POST", path, member, NULL, NULL, &r);
    assert_int_equal(r.status, 201);
    snprintf(passfile, sizeof passfile, "%s/visitor.pass", S.dir);
    write_text(passfile, json_string_value(json_object_get(r.json, "pass")));
    hx_free(&r);
    /* labpass-door --encode on a second reader, with the door's trust list. */
    snprintf(enc_cfg, sizeof enc_cfg, "%s/encode.ini", S.dir);
    snprintf(text, sizeof text,
             "[door]\nid = %lld\nname = e2e-lab-a\ngroups = ml1-a\nstate_db = %s\nlog_level = warn\n"
             "[reader]\nconnstring = %s\n",
             (long long)door_id, door_db, emu_connstring(emu2));
    write_text(enc_cfg, text);
    assert_int_equal(emu_present_ntag(emu2, NULL, 0), 0);
    hx_bin("labpass-door", bin, sizeof bin);
    char *argv[] = { bin, (char *)"--config", enc_cfg, (char *)"--encode", passfile, (char *)"--timeout", (char *)"5",
                     NULL };
    assert_int_equal(hx_run(argv, 0, NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "written and verified"));
    uint8_t mem[EMU_NTAG_MEM];
    assert_int_equal(emu_ntag_read(emu2, mem), 0);
    /* At the lab door, which takes no bearer passes. */
    tap_tag_image(mem + 16, EMU_NTAG_DATA_MAX, "holder_proof_failed");
    /* The encoder refuses a holder-bound pass. */
    FILE *f = fopen(passfile, "wb");
    fwrite(pass_a1, 1, len_a1, f);
    fclose(f);
    assert_int_equal(hx_run(argv, 0, NULL, out, sizeof out), 1);
    assert_int_equal(count_opens(), 1);
}

static void test_expired_and_clock_set_back(void **st)
{
    set_clocks(T2);
    tap_phone(pass_a1, len_a1, holder_sk, "expired", 1);
    struct door_status ds = door_state();
    assert_true(ds.time_floor >= T1);
    set_door_clock(T0 - 86400);                     /* someone sets the door's clock back a day */
    tap_phone(pass_a2, len_a2, holder_sk, "clock_invalid", 1);
    set_door_clock(T2);
    assert_int_equal(count_opens(), 1);
}

static void test_revocation_synced(void **st)
{
    set_clocks(T2);
    int64_t pid = 0;
    uint8_t tmp[TOK_PASS_MAX];
    my_pass(rsv_a3, tmp, &pid);
    struct tok_pass tp;
    enum tok_reason why;
    assert_int_equal(tok_decode(pass_a3, len_a3, &tp, &why), 0);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/passes/%lld/revoke", (long long)pid);
    assert_int_equal(hx_status(&S, "POST", path, member, NULL), 200);
    assert_true(hx_wait_until(door_denies, tp.claims.cti, 10000));
}

/* The server goes away: the door admits and refuses from its own state and
 * keeps the events; they go up, oldest first, once the server is back. */
static int server_down_events_queued(void *p)
{
    return door_state().queue_len >= *(int64_t *)p;
}

static void restart_server(void)
{
    char bin[256], out[256], err[256], listen[64];
    hx_bin("labpassd", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/stdout2", S.dir);
    snprintf(err, sizeof err, "%s/stderr2", S.dir);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", S.port);
    S.pid = fork();
    assert_true(S.pid >= 0);
    if (S.pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        setenv("LABPASS_CLOCK_FILE", S.clock, 1);
        /* as the harness starts it: no idle timeout (the clocks jump by hours), no per-client cap */
        execl(bin, bin, "--listen", listen, "--db", S.db, "--max-per-client", "1024", "--session-idle", "0",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        hx_resp r;
        hx_req(&S, "GET", "/healthz", NULL, NULL, NULL, &r);   /* hx_req fills r even when it fails */
        long status = r.status;
        hx_free(&r);
        if (status == 200) return;
        hx_nap_ms(20);
    }
    fail_msg("labpassd did not come back");
}

static void test_server_stopped(void **st)
{
    set_clocks(T2);
    int opens = count_opens();
    int st_code = 0;
    kill(S.pid, SIGTERM);
    waitpid(S.pid, &st_code, 0);
    assert_true(WIFEXITED(st_code) && WEXITSTATUS(st_code) == 0);
    S.pid = 0;
    tap_phone(pass_a2, len_a2, holder_sk, "granted", 0);
    int want = opens + 1;
    assert_true(hx_wait_until(opens_reached, &want, 5000));
    set_clocks(T3);
    tap_phone(pass_a3, len_a3, holder_sk, "revoked", 0);
    int64_t two = 2;
    assert_true(server_down_events_queued(&two));
    assert_int_equal(count_opens(), opens + 1);
    restart_server();
    assert_true(hx_wait_until(queue_empty, NULL, 15000));
    assert_true(events_with("revoked", 1) >= 1);
    assert_true(events_with("granted", 1) >= 2);
    /* Every reason this run produced reached the server. */
    static const char *reasons[] = { "wrong_door", "bad_signature", "not_yet_valid", "unknown_key",
                                     "holder_proof_failed", "expired", "clock_invalid" };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (events_with(reasons[i], 1) < 1) fail_msg("no %s event on the server", reasons[i]);
}

/* A server clock a day ahead raises the door's floor by one step only (and
 * the alarm clock_jump); once the server's clock is fixed, its next bundle
 * carries a signed floor correction for the floor this door reported, bound
 * to the request's nonce, audited on the server; the door's floor comes back
 * and its alarm floor_corrected reaches the server. No visit to the door. */
static int floor_is(void *p) { return door_state().time_floor == *(int64_t *)p; }

static int64_t server_count(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(S.db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static int server_has(void *sql) { return server_count(sql) > 0; }

static void test_floor_recovers(void **st)
{
    set_clocks(T3 + 30);
    int64_t want = T3 + 30;
    assert_true(hx_wait_until(floor_is, &want, 10000));
    set_door_clock(T3 + 60);
    hx_set_clock(&S, T3 + 86400);                   /* the server's clock runs a day ahead */
    want = T3 + 60 + 3600;
    if (!hx_wait_until(floor_is, &want, 10000)) fail_msg("floor %lld, want %lld", (long long)door_state().time_floor, (long long)want);
    hx_nap_ms(2500);                                    /* more syncs: the floor does not climb further */
    assert_true(door_state().time_floor <= T3 + 60 + 3600 + 3);
    assert_true(hx_wait_until(server_has, "SELECT count(*) FROM door_events WHERE alarm = 'clock_jump'", 10000));
    hx_set_clock(&S, T3 + 120);                      /* fixed */
    set_door_clock(T3 + 120);
    want = T3 + 120;
    if (!hx_wait_until(floor_is, &want, 10000)) fail_msg("floor %lld, want %lld", (long long)door_state().time_floor, (long long)want);
    assert_true(server_count("SELECT count(*) FROM audit_log WHERE action = 'floor_correction' AND object_type = 'door'") >= 1);
    assert_true(hx_wait_until(server_has, "SELECT count(*) FROM door_events WHERE alarm = 'floor_corrected'", 10000));
    /* Back to normal: later bundles raise the floor with the server's time again. */
    set_clocks(T3 + 180);
    want = T3 + 180;
    assert_true(hx_wait_until(floor_is, &want, 10000));
}

/* A DESFire card, end to end: staff enrol it by its UID (API), the member's
 * booking gives it a pass bound to its card id, a desk puts the labpass
 * application with the diversified keys and that pass on it; at the door it
 * authenticates, is read over the enciphered channel and admits, the lock
 * pulses and the event reaches the server. A clone (same UID and file, keys
 * of other masters) is refused as card_auth_failed. The card, revoked in the
 * console, is refused as revoked once the door has synced. */
static dfe_t *desk_card(const uint8_t uid[7], uint8_t m[3][16], const uint8_t *pass, size_t len)
{
    dfe_t *d = NULL;
    uint8_t keys[CARD_NKEYS][16], vers[CARD_NKEYS] = { 1, 1, 1 }, file[CARD_FILE_SIZE];
    assert_int_equal(dfe_create(&d, uid), 0);
    for (int k = 0; k < CARD_NKEYS; k++) assert_int_equal(card_key_derive(m[k], uid, "mtf", keys[k]), 0);
    assert_int_equal(dfe_add_app(d, 0x123456, 0x0F, 1, keys, NULL), 0);   /* the campus card's own */
    assert_int_equal(dfe_add_app(d, CARD_AID, CARD_KEY_SETTINGS, CARD_NKEYS, keys, vers), 0);
    assert_int_equal(card_file_encode(pass, len, file), 0);
    assert_int_equal(dfe_add_file(d, CARD_AID, CARD_FILE_PASS, 1, CARD_FILE_COMM, CARD_FILE_AR, file, sizeof file,
                                  sizeof file), 0);
    return d;
}

static void tap_card(dfe_t *card, const char *reason)
{
    struct want w = { reason, events_with(reason, 1) + 1, 1 };
    emu_present_desfire(emu, card);
    /* a bound on waiting, generous for a loaded machine under the sanitizers */
    if (!hx_wait_until(reason_count_reached, &w, 30000)) fail_msg("no '%s' decision for the card", reason);
    field_empty();
}

static void test_card_tap(void **st)
{
    set_clocks(T3 + 240);
    const uint8_t uid[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    uint8_t want_id[CARD_ID_LEN], pass[TOK_PASS_MAX];
    char path[160], hex[2 * CARD_ID_LEN + 1];
    card_id(uid, want_id);
    sodium_bin2hex(hex, sizeof hex, want_id, sizeof want_id);
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/people/%lld/cards", (long long)hx_me_id(&S, member));
    hx_req(&S, "POST", path, staff, "{\"uid\":\"04112233445566\",\"label\":\"badge 17\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "card_id")), hex);
    int64_t cred = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    /* What the desk writes: the card's pass for the booking under way (A3). */
    snprintf(path, sizeof path, "/api/v1/cards/%s/pass", hex);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "reservation_id")), rsv_a3);
    const char *b64 = json_string_value(json_object_get(r.json, "pass"));
    size_t len = 0;
    assert_int_equal(sodium_base642bin(pass, sizeof pass, b64, strlen(b64), NULL, &len, NULL, B64U), 0);
    hx_free(&r);
    struct tok_pass tp;
    enum tok_reason why;
    assert_int_equal(tok_decode(pass, len, &tp, &why), 0);
    assert_true(tp.claims.has_card && !tp.claims.has_cnf);
    assert_memory_equal(tp.claims.card_id, want_id, CARD_ID_LEN);
    dfe_t *card = desk_card(uid, card_m, pass, len);
    int opens = count_opens(), want = opens + 1;
    tap_card(card, "granted");
    assert_true(hx_wait_until(opens_reached, &want, 5000));
    /* A clone: the same UID and file, the keys of other masters. */
    uint8_t other[3][16];
    randombytes_buf(other, sizeof other);
    dfe_t *clone = desk_card(uid, other, pass, len);
    tap_card(clone, "card_auth_failed");
    assert_int_equal(count_opens(), opens + 1);
    /* Lost: revoked in the console; the door refuses it after its next sync. */
    snprintf(path, sizeof path, "/api/v1/people/%lld/cards/%lld/revoke", (long long)hx_me_id(&S, member),
             (long long)cred);
    hx_req(&S, "POST", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_integer_value(json_object_get(r.json, "passes_revoked")) >= 1);
    hx_free(&r);
    assert_true(hx_wait_until(door_denies, tp.claims.cti, 10000));
    tap_card(card, "revoked");
    assert_int_equal(count_opens(), opens + 1);
    dfe_destroy(card);
    dfe_destroy(clone);
}

/* The site's DESFire master keys from the server (access protocol 18.8):
 * labpassctl makes a generation; the door receives its read key with the
 * next sync, sealed to the door's box key, and keeps it sealed (the state
 * file never holds it in the clear); a card the desk made from that
 * generation admits. After a rotation the door knows both generations, so
 * cards of either admit; once the old generation is retired its cards fail
 * authentication. */
static void ctl(const char *first, ...)
{
    char out[1024];
    va_list ap;
    va_start(ap, first);
    int rc = hx_ctlv(&S, out, sizeof out, first, ap);
    va_end(ap);
    if (rc != 0) fail_msg("labpassctl %s failed: %s", first, out);
}

/* The masters of generation gen, exported into files as for a desk. */
static void export_masters(int gen, uint8_t m[3][16])
{
    static const char *const roles[] = { "admin", "read", "write" };
    char g[8], path[300], hex[40] = "";
    size_t got = 0;
    snprintf(g, sizeof g, "%d", gen);
    for (int r = 0; r < 3; r++) {
        snprintf(path, sizeof path, "%s/desk-%s-%d.key", S.dir, roles[r], gen);
        ctl("card-keys", "export", "--generation", g, "--role", roles[r], "--out", path, NULL);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(hex, sizeof hex, f));
        fclose(f);
        assert_int_equal(sodium_hex2bin(m[r], 16, hex, 32, NULL, &got, NULL), 0);
        assert_int_equal(got, 16);
    }
}

/* Whether the bytes of key appear anywhere in the door's state files. */
static int in_state_files(const uint8_t key[16])
{
    const char *sfx[] = { "", "-wal" };
    int found = 0;
    for (int i = 0; i < 2; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s%s", door_db, sfx[i]);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        static uint8_t buf[4 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        for (size_t k = 0; k + 16 <= n && !found; k++) found = memcmp(buf + k, key, 16) == 0;
    }
    return found;
}

/* Enrols a new card for the member and gives back its pass now. */
static size_t enrol_card(const char *uid_hex, uint8_t *pass)
{
    char path[160], body[120];
    hx_resp r;
    snprintf(path, sizeof path, "/api/v1/people/%lld/cards", (long long)hx_me_id(&S, member));
    snprintf(body, sizeof body, "{\"uid\":\"%s\",\"label\":\"card %s\"}", uid_hex, uid_hex);
    hx_req(&S, "POST", path, staff, body, NULL, &r);
    assert_int_equal(r.status, 201);
    snprintf(path, sizeof path, "/api/v1/cards/%s/pass", json_string_value(json_object_get(r.json, "card_id")));
    hx_free(&r);
    hx_req(&S, "GET", path, staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    const char *b64 = json_string_value(json_object_get(r.json, "pass"));
    size_t len = 0;
    assert_int_equal(sodium_base642bin(pass, TOK_PASS_MAX, b64, strlen(b64), NULL, &len, NULL, B64U), 0);
    hx_free(&r);
    return len;
}

static int door_card_gens(void *p)
{
    door_store_t *s = NULL;
    struct door_sealed_key k[DOOR_CARD_GENS_MAX];
    size_t n = 0;
    assert_int_equal(door_store_open(door_db, &s), 0);
    assert_int_equal(door_store_card_keys(s, k, DOOR_CARD_GENS_MAX, &n), 0);
    door_store_close(s);
    return (int)n == *(int *)p;
}

/* The running door has taken up n generations of card keys (its log says so). */
static int door_uses_gens(void *p)
{
    char want[64], line[512];
    int n = *(int *)p, seen = 0;
    snprintf(want, sizeof want, "card read keys in use: %d generation", n);
    FILE *f = fopen(door_log, "r");
    while (f && fgets(line, sizeof line, f)) {
        if (strstr(line, "card read keys in use: ")) seen = strstr(line, want) != NULL;   /* the last such line counts */
    }
    if (f) fclose(f);
    return seen;
}

static uint8_t gen2_m[3][16];    /* generation 2's masters, for the cards made later */

static void test_card_keys_from_server(void **st)
{
    set_clocks(T3 + 300);
    uint8_t m1[3][16], m2[3][16], pass[TOK_PASS_MAX];
    ctl("card-keys", "rotate", NULL);
    export_masters(1, m1);
    int one = 1, two = 2;
    assert_true(hx_wait_until(door_card_gens, &one, 10000));
    assert_true(hx_wait_until(door_uses_gens, &one, 10000));
    assert_false(in_state_files(m1[CARD_KEY_READ]));            /* sealed at rest */
    const uint8_t uid1[7] = { 0x04, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26 }, uid2[7] = { 0x04, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36 };
    size_t len1 = enrol_card("04212223242526", pass);
    dfe_t *card1 = desk_card(uid1, m1, pass, len1);
    tap_card(card1, "granted");
    /* Rotation: the door learns generation 2 and keeps 1. */
    ctl("card-keys", "rotate", NULL);
    export_masters(2, m2);
    memcpy(gen2_m, m2, sizeof gen2_m);
    assert_true(hx_wait_until(door_card_gens, &two, 10000));
    assert_true(hx_wait_until(door_uses_gens, &two, 10000));
    size_t len2 = enrol_card("04313233343536", pass);
    dfe_t *card2 = desk_card(uid2, m2, pass, len2);
    tap_card(card2, "granted");
    tap_card(card1, "granted");
    /* Generation 1 retired: its cards no longer authenticate at the door. */
    ctl("card-keys", "retire", "--generation", "1", NULL);
    assert_true(hx_wait_until(door_card_gens, &one, 10000));
    assert_true(hx_wait_until(door_uses_gens, &one, 10000));
    tap_card(card1, "card_auth_failed");
    tap_card(card2, "granted");
    dfe_destroy(card1);
    dfe_destroy(card2);
}

/* The desk station (labpass-door --desk, docs/door.md 9.1) on a second
 * reader, with the site masters whose read key the door has in its
 * read_key_file: it formats a factory card that carries a campus application
 * and prints its UID and card id; staff enrol that UID on the server; the
 * desk writes the card's pass from the server onto it; at the door the card
 * admits. */
static void desk_key_file(const char *path, const uint8_t key[16])
{
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, key, 16);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, hex, 32), 32);
    close(fd);
}

static void test_desk_card(void **st)
{
    set_clocks(T3 + 360);
    uint8_t pass[TOK_PASS_MAX], campus[1][16] = {{ 0xCA }}, id[CARD_ID_LEN];
    char ini[300], text[2048], bin[256], out[2048], pf[300], hex[2 * TOK_PASS_MAX + 2], want[80];
    char admin[300], wkey[300];
    const uint8_t uid[7] = { 0x04, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46 };
    snprintf(admin, sizeof admin, "%s/desk-admin.key", S.dir);
    snprintf(wkey, sizeof wkey, "%s/desk-write.key", S.dir);
    desk_key_file(admin, card_m[CARD_KEY_ADMIN]);
    desk_key_file(wkey, card_m[CARD_KEY_WRITE]);
    snprintf(ini, sizeof ini, "%s/desk.ini", S.dir);
    snprintf(text, sizeof text,
             "[door]\nid = 99\nname = desk\ngroups = desk\nsite = mtf\nstate_db = %s/desk.db\nlog_level = warn\n"
             "[reader]\nconnstring = %s\n[card]\nkey_generation = 1\nadmin_key_file = %s\n"
             "read_key_file = %s\nwrite_key_file = %s\n",
             S.dir, emu_connstring(emu2), admin, card_key_path, wkey);
    write_text(ini, text);
    dfe_t *card = NULL;
    assert_int_equal(dfe_create(&card, uid), 0);
    assert_int_equal(dfe_add_app(card, 0x123456, 0x0F, 1, campus, NULL), 0);
    emu_present_desfire(emu2, card);
    hx_bin("labpass-door", bin, sizeof bin);
    char *enrol[] = { bin, (char *)"--config", ini, (char *)"--desk", (char *)"enrol", (char *)"--timeout",
                      (char *)"5", NULL };
    assert_int_equal(hx_run(enrol, 0, NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "uid 04414243444546\n"));
    card_id(uid, id);
    char idhex[2 * CARD_ID_LEN + 1];
    sodium_bin2hex(idhex, sizeof idhex, id, CARD_ID_LEN);
    snprintf(want, sizeof want, "card_id %s\n", idhex);
    assert_non_null(strstr(out, want));
    size_t len = enrol_card("04414243444546", pass);
    sodium_bin2hex(hex, sizeof hex, pass, len);
    snprintf(pf, sizeof pf, "%s/card.pass", S.dir);
    write_text(pf, hex);
    emu_present_desfire(emu2, card);
    char *write[] = { bin, (char *)"--config", ini, (char *)"--desk", (char *)"write", pf, (char *)"--timeout",
                      (char *)"5", NULL };
    assert_int_equal(hx_run(write, 0, NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "written and read back"));
    emu_present_none(emu2);
    tap_card(card, "granted");
    dfe_destroy(card);
}

/* Update on card (access protocol 18.10): a card enrolled but never written
 * at the desk; the door learns from its sync the pass the card should carry,
 * admits with it at the tap and writes it onto the card with the write key
 * the server sealed to it. A write torn by the card leaving the field keeps
 * what the card had and is tried again at the next tap; once written, the
 * card carries its pass by itself. */
static int log_count(const char *what) { return dp_count_lines(door_log, what); }

struct log_want { const char *what; int n; };

static int log_reached(void *p)
{
    struct log_want *w = p;
    return log_count(w->what) >= w->n;
}

struct card_want { const uint8_t *id, *pass; size_t len; };

static int door_holds_card_pass(void *p)
{
    struct card_want *w = p;
    door_store_t *s = NULL;
    uint8_t buf[TOK_PASS_MAX];
    size_t n = 0;
    if (door_store_open(door_db, &s) != 0) return 0;
    int rc = door_store_card_pass(s, w->id, buf, sizeof buf, &n);
    door_store_close(s);
    return rc == 0 && n == w->len && memcmp(buf, w->pass, n) == 0;
}

/* Presents the card, waits for the decision and for the door's word on the
 * update (line: a log line it must add), then takes the card away. */
static void tap_card_update(dfe_t *card, const char *reason, const char *line)
{
    struct want w = { reason, events_with(reason, 1) + 1, 1 };
    struct log_want lw = { line, log_count(line) + 1 };
    emu_present_desfire(emu, card);
    if (!hx_wait_until(reason_count_reached, &w, 10000)) fail_msg("no '%s' decision for the card", reason);
    if (!hx_wait_until(log_reached, &lw, 10000)) fail_msg("the door did not log '%s'", line);
    field_empty();
}

static void test_card_updated_at_tap(void **st)
{
    set_clocks(T3 + 420);
    uint8_t m2[3][16], pass[TOK_PASS_MAX], id[CARD_ID_LEN], keys[CARD_NKEYS][16], vers[CARD_NKEYS] = { 2, 2, 2 };
    uint8_t empty[CARD_FILE_SIZE] = { 0 }, want[CARD_FILE_SIZE], got[CARD_FILE_SIZE];
    const uint8_t uid[7] = { 0x04, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56 };
    size_t got_len = 0;
    memcpy(m2, gen2_m, sizeof m2);
    size_t len = enrol_card("04515253545556", pass);
    card_id(uid, id);
    dfe_t *card = NULL;
    assert_int_equal(dfe_create(&card, uid), 0);
    for (int k = 0; k < CARD_NKEYS; k++) assert_int_equal(card_key_derive(m2[k], uid, "mtf", keys[k]), 0);
    assert_int_equal(dfe_add_app(card, CARD_AID, CARD_KEY_SETTINGS, CARD_NKEYS, keys, vers), 0);
    assert_int_equal(dfe_add_file(card, CARD_AID, CARD_FILE_PASS, 1, CARD_FILE_COMM, CARD_FILE_AR, empty,
                                  sizeof empty, sizeof empty), 0);
    struct card_want cw = { id, pass, len };
    assert_true(hx_wait_until(door_holds_card_pass, &cw, 10000));
    assert_int_equal(card_file_encode(pass, len, want), 0);
    int opens = count_opens();
    /* Torn: the card leaves the field in the middle of the write. */
    emu_fault_t tear = { .kind = EMU_FAULT_VANISH, .skip = 14 };
    emu_set_fault(emu, &tear);
    tap_card_update(card, "granted", "card not updated");
    emu_set_fault(emu, NULL);
    assert_int_equal(dfe_file_content(card, CARD_AID, CARD_FILE_PASS, got, sizeof got, &got_len), 0);
    assert_memory_equal(got, empty, CARD_FILE_SIZE);
    /* The next tap admits again and writes the pass. */
    tap_card_update(card, "granted", "card updated with its fresh pass");
    assert_int_equal(dfe_file_content(card, CARD_AID, CARD_FILE_PASS, got, sizeof got, &got_len), 0);
    assert_memory_equal(got, want, CARD_FILE_SIZE);
    int want_opens = opens + 1;   /* two grants; a pulse still running is extended, not repeated */
    assert_true(hx_wait_until(opens_reached, &want_opens, 5000));
    /* Carried now: the next tap writes nothing. */
    int updates = log_count("card updated with its fresh pass");
    tap_card(card, "granted");
    assert_int_equal(log_count("card updated with its fresh pass"), updates);
    dfe_destroy(card);
}

/* A card lost while the door cannot reach the server: staff revoke it
 * (here with labpassctl, the server being down); the offline door cannot
 * know and still admits it; once the server is back the door's next sync
 * brings the denylist and the card is refused as revoked, and every event
 * reaches the server. */
static void test_card_revoked_offline(void **st)
{
    set_clocks(T3 + 480);
    const uint8_t uid[7] = { 0x04, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66 };
    uint8_t pass[TOK_PASS_MAX], id[CARD_ID_LEN];
    char idhex[2 * CARD_ID_LEN + 1];
    size_t len = enrol_card("04616263646566", pass);
    struct tok_pass tp;
    enum tok_reason why;
    assert_int_equal(tok_decode(pass, len, &tp, &why), 0);
    card_id(uid, id);
    sodium_bin2hex(idhex, sizeof idhex, id, sizeof id);
    dfe_t *card = desk_card(uid, gen2_m, pass, len);
    tap_card(card, "granted");
    int st_code = 0;
    kill(S.pid, SIGTERM);
    waitpid(S.pid, &st_code, 0);
    assert_true(WIFEXITED(st_code) && WEXITSTATUS(st_code) == 0);
    S.pid = 0;
    ctl("card", "revoke", "--card-id", idhex, NULL);
    struct want w = { "granted", events_with("granted", 0) + 1, 0 };
    emu_present_desfire(emu, card);
    if (!hx_wait_until(reason_count_reached, &w, 10000)) fail_msg("the offline door did not decide");
    field_empty();
    restart_server();
    assert_true(hx_wait_until(door_denies, tp.claims.cti, 15000));
    tap_card(card, "revoked");
    assert_true(hx_wait_until(queue_empty, NULL, 15000));
    dfe_destroy(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admission_checks_in),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_encode_bearer),
        cmocka_unit_test(test_expired_and_clock_set_back),
        cmocka_unit_test(test_revocation_synced),
        cmocka_unit_test(test_server_stopped),
        cmocka_unit_test(test_floor_recovers),
        cmocka_unit_test(test_card_tap),
        cmocka_unit_test(test_card_keys_from_server),
        cmocka_unit_test(test_desk_card),
        cmocka_unit_test(test_card_updated_at_tap),
        cmocka_unit_test(test_card_revoked_offline),
    };
    return cmocka_run_group_tests_name("door_e2e", tests, setup, teardown);
}
