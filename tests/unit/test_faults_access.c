/* test_faults_access.c: the main reads and writes of access/ under a failing
 * database. For each operation and each of SQLITE_BUSY, SQLITE_FULL and
 * SQLITE_IOERR, the k-th step from the call fails (k = 1, 2, ...) until the
 * call makes fewer than k steps (then it must have succeeded, with the right
 * result). A call whose step failed must return the error (LP_ERR_BUSY for
 * busy, otherwise an error that is not LP_ERR_NOTFOUND) and never a success
 * with a wrong result: no short list, no "not revoked", no "not on the
 * denylist", no admission at the door. A write must leave every table as it
 * was: the server's database, or the door's state file, compared through a
 * hash of all its rows.
 * The issuer runs on the demo data (its doors and people) plus bookings, at a
 * fixed date: Tuesday 1 December 2026, 09:50 Europe/Amsterdam. The door's
 * state file is filled from the server's own sync bundle, and the door's
 * decision reads its denylist through it with a pass the server issued. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "access/door/door_decide.h"
#include "access/door/door_store.h"
#include "access/issuer/issuer.h"
#include "access/token/token.h"
#include "booking/demo.h"
#include "booking/person.h"
#include "booking/rsv.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
#include "tests/lib/faults.h"
#include "tests/lib/tmpdb.h"

#define WRONG FLT_WRONG         /* an operation's "succeeded with a wrong result" */

static char g_path[64], g_door_path[64];
static db_t *db;
static door_store_t *ds;
static int64_t T0;              /* the fixed "now" */
static int64_t p_staff, p_member, p_bio, p_hook;
static int64_t t_nova, t_hook;
static int64_t r_lab, r_room;
static int64_t d_lab, d_office;
static int64_t rsv_lab, rsv_room;
static int64_t g_cred, g_cred_revoked, g_bearer_id;
static uint8_t g_member_pk[32], g_member_sk[64];
static int g_seq;
static const actor_t WHO = { 0, "fault-test" };

/* the pass and the view the door decides with */
static uint8_t g_bearer[TOK_PASS_BUDGET];
static size_t g_bearer_len;
static uint8_t g_bearer_cti[TOK_CTI_LEN];
static struct tok_bundle g_bundle;      /* the server's sync bundle for the office door, decoded */
static struct tok_key g_door_keys[TOK_BUNDLE_KEYS_MAX];
static size_t g_door_nkeys;

static int64_t T(int y, int m, int d, int h, int mi) { return lt_from_local(y, m, d, h, mi, 0); }

/* ---- the two states a write may change ---- */

static uint64_t server_hash(void) { return flt_hash(db_handle(db), NULL); }

/* The door's state file, through a connection of its own (WAL: it reads what
 * the door committed). */
static uint64_t door_hash(void)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(g_door_path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    uint64_t sum = flt_hash(h, NULL);
    sqlite3_close(h);
    return sum;
}

/* The first column of sql's first row (one optional integer parameter), on
 * the server's database or the door's file, with plain SQLite calls. */
static int64_t scalar_on(sqlite3 *h, const char *sql, int64_t arg)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_bind_parameter_count(st) > 0) sqlite3_bind_int64(st, 1, arg);
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
    sqlite3_finalize(st);
    return v;
}

static int64_t scalar(const char *sql, int64_t arg) { return scalar_on(db_handle(db), sql, arg); }

static int64_t door_scalar(const char *sql, int64_t arg)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(g_door_path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    int64_t v = scalar_on(h, sql, arg);
    sqlite3_close(h);
    return v;
}

/* Runs a fixture statement with one integer parameter on the server's database. */
static void exec1(const char *sql, int64_t arg)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, arg);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* ---- fixtures ---- */

static int64_t person_id(const char *email)
{
    psn_person p;
    assert_int_equal(psn_get_by_email(db, email, &p), 0);
    return p.id;
}

static int64_t book(int64_t resource, int64_t person, int64_t tenant, int64_t start, int64_t end)
{
    rsv_request rq = { resource, person, tenant, start, end, "fault test", 0, 0 };
    rsv_reservation r;
    lp_fail f = { 0 };
    int rc = rsv_create(db, &WHO, &rq, &r, &f);
    if (rc) fail_msg("booking for the test failed: %s %s", lp_err_name(rc), f.detail);
    return r.id;
}

static int64_t add_cred(int64_t person, const char *kind, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t pk0[32], sk0[64];
    iss_credential c;
    lp_fail f = { 0 };
    if (!pk) pk = pk0, sk = sk0;
    crypto_sign_keypair(pk, sk);
    int rc = iss_cred_add(db, &WHO, person, kind, "fault test", pk, T0, &c, &f);
    if (rc) fail_msg("credential for the test failed: %s %s", lp_err_name(rc), f.detail);
    return c.id;
}

static void issue_for(int64_t person)
{
    iss_pass *arr = NULL;
    size_t n = 0;
    assert_int_equal(iss_passes_for_person(db, person, T0, &arr, &n), 0);
    free(arr);
}

static int64_t live_passes(const char *where_sql, int64_t arg)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM passes WHERE revoked_at IS NULL AND exp > %lld AND %s",
             (long long)T0, where_sql);
    return scalar(sql, arg);
}

/* Applies g_bundle with the denylist replaced by the bearer pass's cti (on)
 * or by nothing (off), outside any fault. */
static void door_denylist(int on)
{
    struct tok_bundle b = g_bundle;
    struct tok_deny_entry e;
    memcpy(e.cti, g_bearer_cti, TOK_CTI_LEN);
    e.exp = T0 + 30 * 86400;
    b.reset = 1;
    b.deny = on ? &e : NULL;
    b.n_deny = on ? 1 : 0;
    assert_int_equal(door_store_apply(ds, &b, T0), 0);
}

/* ---- the operations ---- */

static int64_t g_id;        /* what prep made for call */

/* settings and keys */
static int op_settings_get(void)
{
    iss_settings s;
    int rc = iss_settings_get(db, &s);
    return rc == 0 && strcmp(s.issuer, "mtf") ? WRONG : rc;
}
static int op_settings_set(void)
{
    iss_settings s;
    lp_fail f = { 0 };
    int rc = iss_settings_get(db, &s);
    s.grace_min = 15 + (++g_seq % 2);
    return rc ? rc : iss_settings_set(db, &WHO, &s, &f);
}
static int op_key_list(void)
{
    iss_key *k = NULL;
    size_t n = 0;
    int rc = iss_key_list(db, T0, 0, &k, &n);
    if (rc == 0) {
        int active = 0;
        for (size_t i = 0; i < n; i++) active += k[i].state == ISS_KEY_ACTIVE;
        if (active != 1) rc = WRONG;
    }
    free(k);
    return rc;
}
static int op_keys_verify(void) { return iss_keys_verify(db); }
static int op_key_rotate(void)
{
    iss_key k;
    int rc = iss_key_rotate(db, &WHO, T0, &k);
    return rc == 0 && k.state != ISS_KEY_ACTIVE ? WRONG : rc;
}
static uint8_t g_kid[TOK_KID_LEN];
static int prep_withdraw(void)
{
    iss_key *k = NULL;
    size_t n = 0;
    assert_int_equal(iss_key_list(db, T0, 0, &k, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (k[i].state == ISS_KEY_ACTIVE) memcpy(g_kid, k[i].kid, TOK_KID_LEN);
    free(k);
    /* passes signed by it: the member's, issued again */
    if (live_passes("key_id = (SELECT id FROM signing_keys WHERE status = 'active') AND ?1 = ?1", 0) == 0) {
        assert_int_equal(iss_revoke(db, &WHO, ISS_PERSON, p_member, "test_reissue", T0, NULL), 0);
        issue_for(p_member);
    }
    return 0;
}
static int op_key_withdraw(void)
{
    int revoked = 0;
    int rc = iss_key_withdraw(db, &WHO, g_kid, T0, &revoked);
    /* its passes are revoked and a new key signs from now on */
    if (rc == 0 && (revoked < 1 || scalar("SELECT count(*) FROM signing_keys WHERE status = 'active'", 0) != 1))
        rc = WRONG;
    return rc;
}

/* credentials */
static int op_cred_add(void)
{
    uint8_t pk[32], sk[64];
    iss_credential c;
    lp_fail f = { 0 };
    crypto_sign_keypair(pk, sk);
    int rc = iss_cred_add(db, &WHO, p_bio, "card", "fault card", pk, T0, &c, &f);
    return rc == 0 && (c.person_id != p_bio || memcmp(c.pk, pk, 32)) ? WRONG : rc;
}
static int op_cred_get(void)
{
    iss_credential c;
    int rc = iss_cred_get(db, g_cred, &c);
    return rc == 0 && c.person_id != p_member ? WRONG : rc;
}
static int op_cred_list(void)
{
    iss_credential *arr = NULL;
    size_t n = 0;
    int rc = iss_cred_list(db, p_member, 1, &arr, &n);
    free(arr);
    return rc == 0 && n < 1 ? WRONG : rc;
}
static int prep_cred_revoke(void)
{
    if (g_id && scalar("SELECT count(*) FROM credentials WHERE id = ?1 AND revoked_at IS NULL", g_id) == 1) return 0;
    g_id = add_cred(p_bio, "phone", NULL, NULL);
    return 0;
}
static int op_cred_revoke(void)
{
    int revoked = 0;
    int rc = iss_cred_revoke(db, &WHO, g_id, T0, &revoked);
    return rc == 0 && scalar("SELECT count(*) FROM credentials WHERE id = ?1 AND revoked_at IS NULL", g_id) ? WRONG : rc;
}

/* passes */
static int prep_reissue(void)
{
    return iss_revoke(db, &WHO, ISS_PERSON, p_member, "test_reissue", T0, NULL);
}
static int op_passes_for_person(void)
{
    iss_pass *arr = NULL;
    size_t n = 0;
    int rc = iss_passes_for_person(db, p_member, T0, &arr, &n);
    /* one pass per credential for each of the two lab bookings and the room */
    if (rc == 0 && n != 3) rc = WRONG;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (arr[i].revoked_at || arr[i].exp <= T0 || arr[i].person_id != p_member) rc = WRONG;
    free(arr);
    return rc;
}
static int prep_staff(void)
{
    return iss_revoke(db, &WHO, ISS_PERSON, p_staff, "test_reissue", T0, NULL);
}
static int op_standing_passes(void)
{
    iss_pass *arr = NULL;
    size_t n = 0;
    int rc = iss_passes_for_person(db, p_staff, T0, &arr, &n);
    if (rc == 0 && (n != 1 || strcmp(arr[0].groups, "*"))) rc = WRONG;
    free(arr);
    return rc;
}
static int prep_bearer(void)
{
    return iss_revoke(db, &WHO, ISS_RESERVATION, rsv_room, "test_reissue", T0, NULL);
}
static int op_bearer_pass(void)
{
    iss_pass p;
    lp_fail f = { 0 };
    int rc = iss_bearer_pass(db, rsv_room, T0, &p, &f);
    return rc == 0 && (p.reservation_id != rsv_room || p.credential_id || p.revoked_at || !p.len) ? WRONG : rc;
}
static int op_pass_get(void)
{
    iss_pass p;
    int rc = iss_pass_get(db, g_bearer_id, &p);
    return rc == 0 && (p.len != g_bearer_len || memcmp(p.bytes, g_bearer, p.len)) ? WRONG : rc;
}
static int op_pass_list(void)
{
    iss_pass *arr = NULL;
    size_t n = 0;
    int rc = iss_pass_list(db, p_member, 0, 0, T0, 0, 1000000, &arr, &n);
    free(arr);
    return rc == 0 && (int64_t)n != scalar("SELECT count(*) FROM passes WHERE person_id = ?1", p_member) ? WRONG : rc;
}

/* revocation, the denylist, the sweep and the booking hooks */
static int prep_staff_live(void)
{
    if (live_passes("person_id = ?1", p_staff) == 0) issue_for(p_staff);
    return 0;
}
static int op_revoke(void)
{
    int count = 0;
    int rc = iss_revoke(db, &WHO, ISS_PERSON, p_staff, "test_revoke", T0, &count);
    return rc == 0 && (count < 1 || live_passes("person_id = ?1", p_staff)) ? WRONG : rc;
}
static int op_deny_seq(void)
{
    int64_t seq = -1;
    int rc = iss_deny_seq(db, &seq);
    return rc == 0 && seq != scalar("SELECT max(seq) FROM pass_denylist", 0) ? WRONG : rc;
}
static int op_deny_since(void)
{
    struct tok_deny_entry *e = NULL;
    size_t n = 0;
    int64_t seq = 0;
    int reset = 0;
    int rc = iss_deny_since(db, 0, T0, 120, &e, &n, &seq, &reset);
    free(e);
    return rc == 0 && ((int64_t)n != scalar("SELECT count(*) FROM pass_denylist WHERE exp + 120 > ?1", T0) || !reset)
               ? WRONG : rc;
}
/* A live standing pass of a revoked credential: the sweep takes it back. */
static int prep_sweep(void)
{
    if (live_passes("credential_id = ?1", g_cred_revoked) > 0) return 0;
    uint8_t cti[TOK_CTI_LEN], bytes[8] = { 0 };
    randombytes_buf(cti, sizeof cti);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db),
        "INSERT INTO passes(cti, kind, person_id, credential_id, key_id, groups, nbf, exp, iat, bytes) "
        "VALUES (?1, 'standing', ?2, ?3, (SELECT id FROM signing_keys WHERE status = 'active'), '*', ?4, ?5, ?4, ?6)",
        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_blob(st, 1, cti, sizeof cti, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, p_staff);
    sqlite3_bind_int64(st, 3, g_cred_revoked);
    sqlite3_bind_int64(st, 4, T0 - 3600);
    sqlite3_bind_int64(st, 5, T0 + 3600);
    sqlite3_bind_blob(st, 6, bytes, sizeof bytes, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    return 0;
}
static int op_sweep(void)
{
    int revoked = 0;
    int rc = iss_sweep(db, T0, &revoked);
    return rc == 0 && (revoked < 1 || live_passes("credential_id = ?1", g_cred_revoked)) ? WRONG : rc;
}
/* A fresh room booking of the hook tenant's person, with its passes. */
static int prep_cancel(void)
{
    if (g_id && scalar("SELECT count(*) FROM reservations WHERE id = ?1 AND status = 'confirmed'", g_id) == 1) return 0;
    int64_t s = T(2026, 12, 3, 8, 0) + (int64_t)(++g_seq % 40) * 900;
    g_id = book(r_room, p_hook, t_hook, s, s + 900);
    issue_for(p_hook);
    assert_true(live_passes("reservation_id = ?1", g_id) > 0);
    return 0;
}
static int op_rsv_cancel(void)
{
    lp_fail f = { 0 };
    int rc = rsv_cancel(db, &WHO, g_id, RSV_THIS, &f);
    return rc == 0 && live_passes("reservation_id = ?1", g_id) ? WRONG : rc;
}
static int prep_suspend(void)
{
    tnt_tenant t;
    lp_fail f = { 0 };
    assert_int_equal(tnt_get(db, t_hook, &t), 0);
    if (t.state != TNT_ACTIVE) assert_int_equal(tnt_set_state(db, &WHO, t_hook, TNT_ACTIVE, &f), 0);
    if (live_passes("tenant_id = ?1", t_hook) == 0) issue_for(p_hook);
    assert_true(live_passes("tenant_id = ?1", t_hook) > 0);
    return 0;
}
static int op_tnt_suspend(void)
{
    lp_fail f = { 0 };
    int rc = tnt_set_state(db, &WHO, t_hook, TNT_SUSPENDED, &f);
    return rc == 0 && live_passes("tenant_id = ?1", t_hook) ? WRONG : rc;
}

/* doors, sync and events */
static int op_door_get(void)
{
    iss_door d;
    int rc = iss_door_get(db, d_office, &d);
    return rc == 0 && strcmp(d.name, "office-main") ? WRONG : rc;
}
static int op_door_list(void)
{
    iss_door *arr = NULL;
    size_t n = 0;
    int rc = iss_door_list(db, T0, &arr, &n);
    free(arr);
    return rc == 0 && (int64_t)n != scalar("SELECT count(*) FROM doors", 0) ? WRONG : rc;
}
static int op_door_add(void)
{
    iss_door d;
    char key[128];
    lp_fail f = { 0 };
    iss_door_defaults(&d);
    snprintf(d.name, sizeof d.name, "fault-door-%d", ++g_seq);
    snprintf(d.group, sizeof d.group, "ml1-a");
    int rc = iss_door_add(db, &WHO, &d, key, sizeof key, &f);
    return rc == 0 && (d.id <= 0 || !key[0]) ? WRONG : rc;
}
/* A door of its own for the management operations (a fresh one once retired). */
static int64_t g_mdoor;
static int prep_mdoor(void)
{
    iss_door d;
    char key[128];
    lp_fail f = { 0 };
    if (g_mdoor && iss_door_get(db, g_mdoor, &d) == 0 && !d.retired_at) return 0;
    iss_door_defaults(&d);
    snprintf(d.name, sizeof d.name, "managed-%d", ++g_seq);
    snprintf(d.group, sizeof d.group, "ml1-a");
    int rc = iss_door_add(db, &WHO, &d, key, sizeof key, &f);
    g_mdoor = d.id;
    return rc;
}
static int op_door_update(void)
{
    iss_door d;
    lp_fail f = { 0 };
    int rc = iss_door_get(db, g_mdoor, &d);
    snprintf(d.name, sizeof d.name, "managed-%d", ++g_seq);
    if (rc == 0) rc = iss_door_update(db, &WHO, &d, &f);
    return rc;
}
static int op_door_retire(void)
{
    lp_fail f = { 0 };
    int rc = iss_door_retire(db, &WHO, g_mdoor, &f);
    return rc == 0 && scalar("SELECT count(*) FROM api_keys WHERE door_id = ?1 AND revoked_at IS NULL", g_mdoor) ? WRONG : rc;
}
static int op_door_rekey(void)
{
    char key[128];
    lp_fail f = { 0 };
    int rc = iss_door_rekey(db, &WHO, g_mdoor, key, sizeof key, &f);
    return rc == 0 && scalar("SELECT count(*) FROM api_keys WHERE door_id = ?1 AND revoked_at IS NULL", g_mdoor) != 1 ? WRONG : rc;
}
static int op_door_sync(void)
{
    uint8_t *out = NULL, nonce[16] = { 1, 2, 3 };
    size_t len = 0;
    int rc = iss_door_sync(db, d_office, 0, 0, NULL, nonce, sizeof nonce, T0, &out, &len);
    if (rc == 0 && len == 0) rc = WRONG;
    free(out);
    return rc;
}
static int prep_admission(void)
{
    exec1("UPDATE reservations SET status = 'confirmed', checked_in_at = NULL, checked_out_at = NULL WHERE id = ?1",
          rsv_lab);
    return 0;
}
/* A denied tap of the bearer pass (found by cti) and an admission that
 * checks the lab booking in. */
static int op_events_admission(void)
{
    iss_event ev[2];
    iss_ack acks[2];
    memset(ev, 0, sizeof ev);
    snprintf(ev[0].id, sizeof ev[0].id, "fa-%d", ++g_seq);
    ev[0].at = T0 - 60;
    snprintf(ev[0].kind, sizeof ev[0].kind, "denied");
    snprintf(ev[0].reason, sizeof ev[0].reason, "wrong_door");
    ev[0].has_cti = 1;
    memcpy(ev[0].cti, g_bearer_cti, TOK_CTI_LEN);
    ev[0].queue_length = -1;
    snprintf(ev[1].id, sizeof ev[1].id, "fa-%d", ++g_seq);
    ev[1].at = T0;
    snprintf(ev[1].kind, sizeof ev[1].kind, "admission");
    ev[1].reservation_id = rsv_lab;
    ev[1].person_id = p_member;
    ev[1].queue_length = -1;
    int rc = iss_events_ingest(db, d_lab, ev, 2, 3, T0, acks);
    if (rc == 0 && (acks[0].outcome != ISS_ACK_RECORDED || acks[1].outcome != ISS_ACK_CHECKED_IN ||
                    scalar("SELECT count(*) FROM reservations WHERE id = ?1 AND status = 'checked_in'", rsv_lab) != 1))
        rc = WRONG;
    return rc;
}
static int prep_exit(void)
{
    exec1("UPDATE reservations SET status = 'checked_in', checked_in_at = start, checked_out_at = NULL WHERE id = ?1",
          rsv_lab);
    if (live_passes("reservation_id = ?1", rsv_lab) == 0) issue_for(p_member);
    return 0;
}
/* An exit before the end: checked out, and the booking's passes revoked by
 * the issuer's hook in the same transaction. */
static int op_events_exit(void)
{
    iss_event ev;
    iss_ack ack;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.id, sizeof ev.id, "fa-%d", ++g_seq);
    ev.at = T0 + 120;
    snprintf(ev.kind, sizeof ev.kind, "exit");
    ev.reservation_id = rsv_lab;
    ev.queue_length = -1;
    int rc = iss_events_ingest(db, d_lab, &ev, 1, -1, T0 + 3600, &ack);
    if (rc == 0 && (ack.outcome != ISS_ACK_CHECKED_OUT || live_passes("reservation_id = ?1", rsv_lab)))
        rc = WRONG;
    return rc;
}
/* Events the server knows: answered with their stored acks. */
static int op_events_again(void)
{
    iss_event ev[2];
    iss_ack acks[2];
    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 2; i++) {
        snprintf(ev[i].id, sizeof ev[i].id, "known-%d", i);
        ev[i].at = T0 - 600;
        snprintf(ev[i].kind, sizeof ev[i].kind, "denied");
        ev[i].reservation_id = i ? 424242 : 0;
        ev[i].queue_length = -1;
    }
    snprintf(ev[1].kind, sizeof ev[1].kind, "admission");
    int rc = iss_events_ingest(db, d_lab, ev, 2, -1, T0, acks);
    if (rc == 0 && (acks[0].outcome != ISS_ACK_RECORDED || acks[1].outcome != ISS_ACK_NOT_APPLIED))
        rc = WRONG;
    return rc;
}
static int op_events_list(void)
{
    iss_event_row *arr = NULL;
    size_t n = 0;
    int rc = iss_events_list(db, 0, 0, T0 + 86400, NULL, 100000, &arr, &n);
    free(arr);
    return rc == 0 && (int64_t)n != scalar("SELECT count(*) FROM door_events", 0) ? WRONG : rc;
}

/* the door's state file */
static int op_store_open(void)
{
    door_store_t *s = NULL;
    int rc = door_store_open(g_door_path, &s);
    if (rc != 0 && s) rc = WRONG;
    door_store_close(s);
    return rc;
}
static int op_store_apply(void)
{
    struct tok_bundle b = g_bundle;
    b.seq = g_bundle.seq + 1 + (++g_seq % 2);
    int rc = door_store_apply(ds, &b, T0);
    return rc == 0 && door_scalar("SELECT v FROM meta WHERE k = 'seq'", 0) != b.seq ? WRONG : rc;
}
static int op_store_provision(void)
{
    struct tok_key keys[2];
    int changed = 0;
    size_t n = 1 + (door_scalar("SELECT count(*) FROM trust", 0) == 1);   /* always a change */
    keys[0] = g_door_keys[0];
    keys[1] = g_door_keys[0];
    keys[1].pk[0] ^= 0x5a;
    keys[1].kid[0] ^= 0x5a;
    int rc = door_store_provision(ds, keys, n, &changed);
    return rc == 0 && (!changed || door_scalar("SELECT count(*) FROM trust", 0) != (int64_t)n) ? WRONG : rc;
}
static int op_store_trust(void)
{
    struct tok_trust_key k[TOK_BUNDLE_KEYS_MAX];
    size_t n = 99;
    int rc = door_store_trust(ds, T0, k, TOK_BUNDLE_KEYS_MAX, &n);
    return rc == 0 && (n < 1 || (int64_t)n != door_scalar("SELECT count(*) FROM trust", 0)) ? WRONG : rc;
}
static int op_store_settings(void)
{
    struct tok_door_settings p;
    char iss[TOK_TEXT_MAX + 1];
    int found = 0;
    int rc = door_store_settings(ds, &p, iss, &found);
    return rc == 0 && (!found || strcmp(p.name, "office-main") || strcmp(iss, "mtf")) ? WRONG : rc;
}
static int prep_deny_on(void) { door_denylist(1); return 0; }
static int prep_deny_off(void) { door_denylist(0); return 0; }
static int op_store_denied_yes(void)
{
    int denied = 0;
    int rc = door_store_denied(ds, g_bearer_cti, &denied);
    return denied != 1 ? WRONG : rc;   /* on the list, and after an error too */
}
static int op_store_denied_no(void)
{
    int denied = 0;
    int rc = door_store_denied(ds, g_bearer_cti, &denied);
    return rc == 0 ? (denied ? WRONG : 0) : (denied != 1 ? WRONG : rc);   /* an error is never "not denied" */
}

/* The door's decision over its state file (as door_run does): the denylist
 * answer, or the error it met. */
static int g_deny_rc;
static int deny_through_store(void *ctx, const uint8_t cti[TOK_CTI_LEN], int *denied)
{
    g_deny_rc = door_store_denied(ctx, cti, denied);
    return g_deny_rc;
}
static int decide(enum door_reason want)
{
    struct door_view v = { .policy = &g_bundle.settings, .issuer = g_bundle.iss, .keys = g_door_keys,
                           .n_keys = g_door_nkeys, .denied = deny_through_store, .deny_ctx = ds };
    struct door_tap t = { .medium = DOOR_MEDIUM_TAG, .pass = g_bearer, .pass_len = g_bearer_len };
    struct door_decision d;
    g_deny_rc = 0;
    int64_t at = scalar("SELECT start FROM reservations WHERE id = ?1", rsv_room) + 300;
    if (door_decide(&v, &t, at, &d) != 0) return WRONG;
    if (g_deny_rc) return d.granted || d.reason != DOOR_INTERNAL_ERROR ? WRONG : g_deny_rc;   /* fail closed */
    return d.reason == want && d.granted == (want == DOOR_GRANTED) ? 0 : WRONG;
}
static int op_decide_admit(void) { return decide(DOOR_GRANTED); }
static int op_decide_revoked(void) { return decide(DOOR_REVOKED); }
static int op_store_floor(void)
{
    int64_t v = -1;
    int rc = door_store_floor(ds, &v);
    return rc == 0 && v != door_scalar("SELECT v FROM meta WHERE k = 'floor'", 0) ? WRONG : rc;
}
static int op_store_raise_floor(void)
{
    int64_t t = T0 + (++g_seq);
    int rc = door_store_raise_floor(ds, t);
    return rc == 0 && door_scalar("SELECT v FROM meta WHERE k = 'floor'", 0) < t ? WRONG : rc;
}
static int op_store_flag(void)
{
    int64_t v = -1;
    int rc = door_store_flag(ds, "f:fault_test", &v);
    return rc == 0 && v != door_scalar("SELECT v FROM meta WHERE k = 'f:fault_test'", 0) ? WRONG : rc;
}
static int op_store_set_flag(void)
{
    int64_t v = ++g_seq;
    int rc = door_store_set_flag(ds, "f:fault_test", v);
    return rc == 0 && door_scalar("SELECT v FROM meta WHERE k = 'f:fault_test'", 0) != v ? WRONG : rc;
}
static int op_store_append(void)
{
    struct door_event ev = { .time = T0, .kind = DOOR_EV_DENIED, .has_cti = 1, .reservation_id = rsv_room };
    int64_t seq = 0;
    snprintf(ev.reason, sizeof ev.reason, "revoked");
    memcpy(ev.cti, g_bearer_cti, TOK_CTI_LEN);
    int rc = door_store_append(ds, &ev, T0, 1000, &seq);
    return rc == 0 && door_scalar("SELECT count(*) FROM events WHERE seq = ?1", seq) != 1 ? WRONG : rc;
}
static int prep_queue(void)
{
    if (door_scalar("SELECT count(*) FROM events WHERE state = 0", 0) >= 2) return 0;
    struct door_event ev = { .time = T0, .kind = DOOR_EV_ALARM };
    snprintf(ev.alarm, sizeof ev.alarm, "forced_open");
    for (int i = 0; i < 2; i++) assert_int_equal(door_store_append(ds, &ev, 0, 1000, NULL), 0);
    return 0;
}
static int op_store_batch(void)
{
    struct door_queued q[64];
    size_t n = 99;
    int rc = door_store_batch(ds, 64, q, &n);
    int64_t want = door_scalar("SELECT count(*) FROM events WHERE state = 0", 0);
    return rc == 0 && (int64_t)n != (want < 64 ? want : 64) ? WRONG : rc;
}
static int op_store_ack(void)
{
    int64_t seqs[2] = { door_scalar("SELECT min(seq) FROM events WHERE state = 0", 0),
                        door_scalar("SELECT max(seq) FROM events WHERE state = 0", 0) };
    int rc = door_store_ack(ds, seqs, 2);
    return rc == 0 && door_scalar("SELECT count(*) FROM events WHERE seq = ?1", seqs[0]) ? WRONG : rc;
}
static int op_store_reject(void)
{
    int64_t seq = door_scalar("SELECT min(seq) FROM events WHERE state = 0", 0);
    int rc = door_store_reject(ds, seq);
    return rc == 0 && door_scalar("SELECT state FROM events WHERE seq = ?1", seq) != 1 ? WRONG : rc;
}
static int op_store_status(void)
{
    struct door_status s;
    int rc = door_store_status(ds, &s);
    return rc == 0 && (s.n_keys < 1 || s.queue_len != door_scalar("SELECT count(*) FROM events", 0)) ? WRONG : rc;
}

static const flt_op OPS[] = {
    { "iss_settings_get", 0, NULL, op_settings_get, NULL, NULL },
    { "iss_settings_set", 1, NULL, op_settings_set, NULL, NULL },
    { "iss_key_list", 0, NULL, op_key_list, NULL, NULL },
    { "iss_keys_verify", 0, NULL, op_keys_verify, NULL, NULL },
    { "iss_key_rotate", 1, NULL, op_key_rotate, NULL, NULL },
    { "iss_key_withdraw", 1, prep_withdraw, op_key_withdraw, NULL, NULL },
    { "iss_cred_add", 1, NULL, op_cred_add, NULL, NULL },
    { "iss_cred_get", 0, NULL, op_cred_get, NULL, NULL },
    { "iss_cred_list", 0, NULL, op_cred_list, NULL, NULL },
    { "iss_cred_revoke", 1, prep_cred_revoke, op_cred_revoke, NULL, NULL },
    { "iss_passes_for_person", 1, prep_reissue, op_passes_for_person, NULL, NULL },
    { "iss_passes_for_person (staff)", 1, prep_staff, op_standing_passes, NULL, NULL },
    { "iss_bearer_pass", 1, prep_bearer, op_bearer_pass, NULL, NULL },
    { "iss_pass_get", 0, NULL, op_pass_get, NULL, NULL },
    { "iss_pass_list", 0, NULL, op_pass_list, NULL, NULL },
    { "iss_revoke", 1, prep_staff_live, op_revoke, NULL, NULL },
    { "iss_deny_seq", 0, NULL, op_deny_seq, NULL, NULL },
    { "iss_deny_since", 0, NULL, op_deny_since, NULL, NULL },
    { "iss_sweep", 1, prep_sweep, op_sweep, NULL, NULL },
    { "rsv_cancel (pass hook)", 1, prep_cancel, op_rsv_cancel, NULL, NULL },
    { "tnt_set_state (pass hook)", 1, prep_suspend, op_tnt_suspend, NULL, NULL },
    { "iss_door_get", 0, NULL, op_door_get, NULL, NULL },
    { "iss_door_list", 0, NULL, op_door_list, NULL, NULL },
    { "iss_door_add", 1, NULL, op_door_add, NULL, NULL },
    { "iss_door_update", 1, prep_mdoor, op_door_update, NULL, NULL },
    { "iss_door_rekey", 1, prep_mdoor, op_door_rekey, NULL, NULL },
    { "iss_door_retire", 1, prep_mdoor, op_door_retire, NULL, NULL },
    { "iss_door_sync", 1, NULL, op_door_sync, NULL, NULL },
    { "iss_events_ingest (admission)", 1, prep_admission, op_events_admission, NULL, NULL },
    { "iss_events_ingest (exit)", 1, prep_exit, op_events_exit, NULL, NULL },
    { "iss_events_ingest (known)", 1, NULL, op_events_again, NULL, NULL },
    { "iss_events_list", 0, NULL, op_events_list, NULL, NULL },
    { "door_store_open", 0, NULL, op_store_open, NULL, NULL },
    { "door_store_apply", 2, NULL, op_store_apply, NULL, NULL },
    { "door_store_provision", 2, NULL, op_store_provision, NULL, NULL },
    { "door_store_trust", 0, NULL, op_store_trust, NULL, NULL },
    { "door_store_settings", 0, NULL, op_store_settings, NULL, NULL },
    { "door_store_denied (listed)", 0, prep_deny_on, op_store_denied_yes, NULL, NULL },
    { "door_store_denied (not listed)", 0, prep_deny_off, op_store_denied_no, NULL, NULL },
    { "door_decide (admit)", 0, prep_deny_off, op_decide_admit, NULL, NULL },
    { "door_decide (revoked)", 0, prep_deny_on, op_decide_revoked, NULL, NULL },
    { "door_store_floor", 0, NULL, op_store_floor, NULL, NULL },
    { "door_store_raise_floor", 2, NULL, op_store_raise_floor, NULL, NULL },
    { "door_store_flag", 0, NULL, op_store_flag, NULL, NULL },
    { "door_store_set_flag", 2, NULL, op_store_set_flag, NULL, NULL },
    { "door_store_append", 2, NULL, op_store_append, NULL, NULL },
    { "door_store_batch", 0, prep_queue, op_store_batch, NULL, NULL },
    { "door_store_ack", 2, prep_queue, op_store_ack, NULL, NULL },
    { "door_store_reject", 2, prep_queue, op_store_reject, NULL, NULL },
    { "door_store_status", 0, NULL, op_store_status, NULL, NULL },
};

/* ---- setup ---- */

/* The office door's sync bundle as the server signs it, opened with the
 * server's trusted keys and decoded: what the door applies. */
static void fetch_bundle(void)
{
    iss_key *k = NULL;
    size_t n = 0;
    uint8_t *msg = NULL;
    size_t len = 0;
    const uint8_t *payload = NULL;
    size_t plen = 0;
    enum tok_reason why = TOK_OK;
    assert_int_equal(iss_key_list(db, T0, 0, &k, &n), 0);
    assert_true(n >= 1 && n <= TOK_BUNDLE_KEYS_MAX);
    for (size_t i = 0; i < n; i++) {
        memset(&g_door_keys[i], 0, sizeof g_door_keys[i]);
        memcpy(g_door_keys[i].kid, k[i].kid, TOK_KID_LEN);
        g_door_keys[i].kid_len = TOK_KID_LEN;
        memcpy(g_door_keys[i].pk, k[i].pk, TOK_PK_LEN);
    }
    g_door_nkeys = n;
    free(k);
    assert_int_equal(iss_door_sync(db, d_office, 0, 0, NULL, NULL, 0, T0, &msg, &len), 0);
    assert_int_equal(tok_sign1_open(msg, len, g_door_keys, g_door_nkeys, &payload, &plen, &why), 0);
    assert_int_equal(tok_bundle_decode(payload, plen, &g_bundle), 0);
    assert_int_equal(tok_bundle_check(&g_bundle), 0);
    free(msg);
}

static int setup(void **st)
{
    uint8_t master[ISS_MASTER_LEN];
    lp_fail f = { 0 };
    if (sodium_init() < 0 || lt_set_zone("Europe/Amsterdam") != 0) return -1;
    if (tdb_make(g_path, sizeof g_path, "faults-access") != 0) return -1;
    if (tdb_make(g_door_path, sizeof g_door_path, "faults-door") != 0) return -1;
    T0 = T(2026, 12, 1, 9, 50);
    randombytes_buf(master, sizeof master);
    iss_master_set(master);
    iss_hooks_register();   /* the tenant and reservation hooks, and the demo doors */
    clk_set_fixed(T(2026, 11, 16, 9, 0));   /* the demo's trainings from two weeks before */
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    clk_set_fixed(T0);
    assert_int_equal(iss_key_ensure(db, &WHO, T0), 0);
    p_staff = person_id("staff@medtechfactory.example");
    p_member = person_id("lab@novacell.example");
    p_bio = person_id("lab@biosense.example");
    psn_person member;
    assert_int_equal(psn_get(db, p_member, &member), 0);
    t_nova = member.tenant_id;
    r_lab = scalar("SELECT id FROM resources WHERE name = 'ML-1 Lab A' AND ?1 = ?1", 0);
    r_room = scalar("SELECT id FROM resources WHERE name = 'Meeting room Pasteur' AND ?1 = ?1", 0);
    d_lab = scalar("SELECT id FROM doors WHERE name = 'ml1-a-main' AND ?1 = ?1", 0);
    d_office = scalar("SELECT id FROM doors WHERE name = 'office-main' AND ?1 = ?1", 0);
    assert_true(t_nova && r_lab && r_room && d_lab && d_office);

    /* a tenant of its own for the hooks */
    tnt_tenant t = { 0 };
    snprintf(t.name, sizeof t.name, "Hook Lab B.V.");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    assert_int_equal(tnt_create(db, &WHO, &t, &f), 0);
    t_hook = t.id;
    psn_person p = { 0 };
    snprintf(p.email, sizeof p.email, "hook@hooklab.example");
    snprintf(p.name, sizeof p.name, "Hook Person");
    assert_int_equal(psn_create(db, &WHO, &p, NULL, &f), 0);
    assert_int_equal(psn_set_membership(db, &WHO, p.id, t_hook, "member", &f), 0);
    p_hook = p.id;

    /* credentials, bookings and their passes */
    g_cred = add_cred(p_member, "phone", g_member_pk, g_member_sk);
    add_cred(p_staff, "card", NULL, NULL);
    add_cred(p_hook, "phone", NULL, NULL);
    add_cred(p_bio, "card", NULL, NULL);
    g_cred_revoked = add_cred(p_bio, "phone", NULL, NULL);
    assert_int_equal(iss_cred_revoke(db, &WHO, g_cred_revoked, T0, NULL), 0);
    rsv_lab = book(r_lab, p_member, t_nova, T(2026, 12, 1, 10, 0), T(2026, 12, 1, 12, 0));
    book(r_lab, p_member, t_nova, T(2026, 12, 3, 10, 0), T(2026, 12, 3, 12, 0));
    rsv_room = book(r_room, p_member, t_nova, T(2026, 12, 2, 14, 0), T(2026, 12, 2, 15, 0));
    book(r_room, p_hook, t_hook, T(2026, 12, 2, 10, 0), T(2026, 12, 2, 11, 0));
    issue_for(p_member);
    issue_for(p_staff);
    issue_for(p_hook);
    iss_pass bp;
    assert_int_equal(iss_bearer_pass(db, rsv_room, T0, &bp, &f), 0);
    g_bearer_id = bp.id;
    g_bearer_len = bp.len;
    memcpy(g_bearer, bp.bytes, bp.len);
    memcpy(g_bearer_cti, bp.cti, TOK_CTI_LEN);
    assert_int_equal(iss_revoke(db, &WHO, ISS_PERSON, p_staff, "setup", T0, NULL), 0);   /* a denylist */

    /* events the server knows already */
    iss_event ev[2];
    iss_ack acks[2];
    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 2; i++) {
        snprintf(ev[i].id, sizeof ev[i].id, "known-%d", i);
        ev[i].at = T0 - 600;
        snprintf(ev[i].kind, sizeof ev[i].kind, "denied");
        ev[i].reservation_id = i ? 424242 : 0;
        ev[i].queue_length = -1;
    }
    snprintf(ev[1].kind, sizeof ev[1].kind, "admission");
    assert_int_equal(iss_events_ingest(db, d_lab, ev, 2, -1, T0, acks), 0);
    assert_int_equal(acks[1].outcome, ISS_ACK_NOT_APPLIED);

    /* the door: its state file from the server's bundle, a flag, a queue */
    fetch_bundle();
    assert_int_equal(door_store_open(g_door_path, &ds), 0);
    assert_int_equal(door_store_apply(ds, &g_bundle, T0), 0);
    assert_int_equal(door_store_set_flag(ds, "f:fault_test", 1), 0);
    assert_int_equal(prep_queue(), 0);
    return 0;
}

static int teardown(void **st)
{
    db_fault_inject(0, 0);
    door_store_close(ds);
    tok_bundle_clear(&g_bundle);
    db_close(db);
    tdb_remove(g_path);
    tdb_remove(g_door_path);
    iss_master_clear();
    clk_set_fixed(-1);
    return 0;
}

/* ---- the loop ---- */

/* write 1: the server's database; 2: the door's state file */
static uint64_t state_of(const flt_op *o) { return o->write == 1 ? server_hash() : door_hash(); }
static void reset_id(void) { g_id = 0; }

static void test_every_step_fails_cleanly(void **st)
{
    flt_run_all(OPS, sizeof OPS / sizeof OPS[0], state_of, reset_id);
}

/* After all the failures: every live pass's cti is off the denylist and every
 * revoked one on it (revocation and denylist were written together or not
 * at all), one key is active, and the door admits the pass again. */
static void test_state_after_the_faults(void **st)
{
    assert_int_equal(scalar("SELECT count(*) FROM passes p WHERE p.revoked_at IS NULL "
                            "AND EXISTS (SELECT 1 FROM pass_denylist d WHERE d.cti = p.cti)", 0), 0);
    assert_int_equal(scalar("SELECT count(*) FROM passes p WHERE p.revoked_at IS NOT NULL AND p.exp > ?1 "
                            "AND NOT EXISTS (SELECT 1 FROM pass_denylist d WHERE d.cti = p.cti)", T0), 0);
    assert_int_equal(scalar("SELECT count(*) FROM signing_keys WHERE status = 'active'", 0), 1);
    door_denylist(0);
    assert_int_equal(op_decide_admit(), 0);
    assert_int_equal(db_fault_pending(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_step_fails_cleanly),
        cmocka_unit_test(test_state_after_the_faults),
    };
    return cmocka_run_group_tests_name("faults_access", tests, setup, teardown);
}
