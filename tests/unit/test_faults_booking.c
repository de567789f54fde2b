/* test_faults_booking.c: every main read and write of booking/ under a
 * failing database. For each operation and each of SQLITE_BUSY, SQLITE_FULL
 * and SQLITE_IOERR, the k-th step from the call fails (k = 1, 2, ...) until
 * the call makes fewer than k steps (then it must have succeeded). A call
 * whose step failed must return the error (LP_ERR_BUSY for busy, otherwise
 * an error that is not LP_ERR_NOTFOUND) and, for a write, leave every table
 * as it was: compared row by row through a hash of the whole database.
 * Runs on the demo data at a fixed date. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "booking/account.h"
#include "booking/acct_int.h"
#include "booking/audit.h"
#include "booking/demo.h"
#include "booking/feed.h"
#include "booking/invite.h"
#include "booking/outbox.h"
#include "booking/passkey.h"
#include "booking/person.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "booking/rsv.h"
#include "booking/site.h"
#include "booking/tenant.h"
#include "booking/tnt_close.h"
#include "booking/training.h"
#include "booking/waitlist.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
#include "tests/lib/faults.h"
#include "tests/lib/tmpdb.h"

static char g_path[64];
static db_t *db;
static int64_t T0;                      /* the fixed "now": Monday 2 March 2026, 07:00 */
static int64_t tnt_nova, tnt_bio, tnt_spare;
static int64_t p_staff, p_nova, p_bio, p_spare;
static int64_t r_room, r_bsc, r_autoclave;
static int64_t q_induction;
static int g_seq;                       /* makes names and e-mail addresses unique */
static const actor_t WHO = { 0, "fault-test" };
static acct_policy g_pol;
static char g_session[ACCT_TOKEN_LEN], g_feed[FEED_TOKEN_LEN];
static char g_hash[crypto_pwhash_STRBYTES];

static int64_t count_rows(const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- free slots, never reused: weekdays from 3 March on ---- */

struct cursor { int64_t resource; int first_min, last_min, step_min, len_min; int day, i; };
static struct cursor c_room, c_bsc, c_autoclave;

static void next_slot(struct cursor *c, int64_t *s, int64_t *e)
{
    for (;;) {
        int per_day = (c->last_min - c->first_min - c->len_min) / c->step_min + 1;
        if (c->i >= per_day) { c->i = 0; c->day++; }
        int64_t day = lt_from_local(2026, 3, 3 + c->day, 0, 0, 0);
        struct tm tm;
        lt_local(day + 12 * 3600, &tm);
        if (tm.tm_wday == 0 || tm.tm_wday == 6) { c->day++; c->i = 0; continue; }
        int m = c->first_min + c->i++ * c->step_min;
        *s = lt_from_local(2026, 3, 3 + c->day, m / 60, m % 60, 0);
        *e = *s + (int64_t)c->len_min * 60;
        return;
    }
}

static int64_t book(struct cursor *c, int64_t person, int64_t tenant)
{
    rsv_request rq = { c->resource, person, tenant, 0, 0, "fault test", 0, 0 };
    rsv_reservation r;
    lp_fail f = { 0 };
    next_slot(c, &rq.start, &rq.end);
    int rc = rsv_create(db, &WHO, &rq, &r, &f);
    if (rc) fail_msg("booking for the test failed: %d %s", rc, f.detail);
    return r.id;
}

/* ---- the operations ---- */

static int64_t g_id;        /* what prep made for call */
static int64_t g_id2;

#define UNIQUE(buf, fmt) snprintf(buf, sizeof buf, fmt, ++g_seq)

/* tenants */
static int op_tnt_get(void) { tnt_tenant t; return tnt_get(db, tnt_nova, &t); }
static int op_tnt_list(void)
{
    tnt_tenant *arr = NULL;
    size_t n = 0;
    int rc = tnt_list(db, NULL, &arr, &n);
    if (rc == 0 && n < 3) rc = -100;
    free(arr);
    return rc;
}
static int op_tnt_create(void)
{
    tnt_tenant t = { 0 };
    lp_fail f;
    UNIQUE(t.name, "Fault Tenant %d B.V.");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    return tnt_create(db, &WHO, &t, &f);
}
static int op_tnt_update(void)
{
    tnt_tenant t;
    lp_fail f;
    int rc = tnt_get(db, tnt_spare, &t);
    UNIQUE(t.city, "City %d");
    return rc ? rc : tnt_update(db, &WHO, &t, &f);
}
static enum tnt_state g_tnt_to;
static int prep_tnt_state(void)
{
    tnt_tenant t;
    int rc = tnt_get(db, tnt_spare, &t);
    g_tnt_to = t.state == TNT_ACTIVE ? TNT_SUSPENDED : TNT_ACTIVE;
    return rc;
}
static int op_tnt_set_state(void) { lp_fail f; return tnt_set_state(db, &WHO, tnt_spare, g_tnt_to, &f); }

/* A fresh tenant with a person and a booking ahead, for tnt_close. */
static int64_t g_close_tenant;
static int prep_tnt_close(void)
{
    tnt_tenant t = { 0 };
    if (g_close_tenant && tnt_get(db, g_close_tenant, &t) == 0 && t.state == TNT_ACTIVE) return 0;   /* a failed close changed nothing */
    memset(&t, 0, sizeof t);
    psn_person p = { 0 };
    lp_fail f = { 0 };
    UNIQUE(t.name, "Closing %d B.V.");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    int rc = tnt_create(db, &WHO, &t, &f);
    UNIQUE(p.email, "closing%d@example.org");
    snprintf(p.name, sizeof p.name, "Closing Person");
    if (rc == 0) rc = psn_create(db, &WHO, &p, NULL, &f);
    if (rc == 0) rc = psn_set_membership(db, &WHO, p.id, t.id, "member", &f);
    if (rc) return rc;
    g_close_tenant = t.id;
    g_id = book(&c_room, p.id, t.id);
    return 0;
}
static int op_tnt_close(void)
{
    tnt_effects done;
    lp_fail f;
    int rc = tnt_close(db, &WHO, g_close_tenant, TNT_SUSPENDED, TNT_BOOKINGS_CANCEL, true, &done, &f);
    if (rc == 0 && (done.cancelled != 1 || done.notified != 1)) rc = -100;
    return rc;
}
static int op_tnt_effects(void)
{
    tnt_effects e;
    int rc = tnt_effects_get(db, g_close_tenant, &e);
    if (rc == 0 && e.bookings != 1) rc = -100;
    return rc;
}

/* people */
static int op_psn_get(void) { psn_person p; return psn_get(db, p_nova, &p); }
static int op_psn_get_by_email(void) { psn_person p; return psn_get_by_email(db, "lab@novacell.example", &p); }
static int op_psn_list(void)
{
    psn_person *arr = NULL;
    size_t n = 0;
    int rc = psn_list(db, 0, &arr, &n);
    if (rc == 0 && n < 5) rc = -100;
    free(arr);
    return rc;
}
static int op_psn_create(void)
{
    psn_person p = { 0 };
    lp_fail f;
    UNIQUE(p.email, "fault%d@example.org");
    snprintf(p.name, sizeof p.name, "Fault Person");
    return psn_create(db, &WHO, &p, NULL, &f);
}
static int op_psn_update(void)
{
    psn_person p;
    lp_fail f;
    int rc = psn_get(db, p_spare, &p);
    UNIQUE(p.name, "Spare %d");
    p.state = p.state == PSN_ACTIVE ? PSN_DISABLED : PSN_ACTIVE;
    return rc ? rc : psn_update(db, &WHO, &p, &f);
}
static int op_psn_membership(void)
{
    lp_fail f;
    return psn_set_membership(db, &WHO, p_spare, tnt_spare, g_seq++ % 2 ? "member" : "tenant_admin", &f);
}

/* accounts, sessions, sign-in */
static int op_signin(void)
{
    char ip[32];
    acct_attempt a = { "lab@biosense.example", "labpass-member-demo", ip, NULL, NULL };
    acct_outcome o;
    UNIQUE(ip, "192.0.2.%d");
    int rc = acct_signin(db, &g_pol, &a, &o);
    sodium_memzero(&o, sizeof o);
    return rc;
}
static int prep_bump(void)
{
    /* a commit by this process: the credential cache must ask the database */
    return db_exec(db, "INSERT INTO fault_bump DEFAULT VALUES");
}
static int op_authenticate(void) { acct_caller c; return acct_authenticate(db, g_session, &c); }
static int op_apikey_create(void)
{
    char key[160], name[40];
    int64_t id;
    UNIQUE(name, "key %d");
    return acct_apikey_create(db, &WHO, name, "staff", p_staff, 0, key, sizeof key, &id);
}
static int prep_session(void)
{
    char tok[ACCT_TOKEN_LEN];
    int64_t exp;
    int rc = acct_create_session(db, &g_pol, p_nova, "192.0.2.1", tok, &exp);
    g_id = db_last_id(db);
    return rc;
}
static int op_list_sessions(void)
{
    acct_session_info *arr = NULL;
    size_t n = 0;
    int rc = acct_list_sessions(db, 0, clk_now(), 0, 1000, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
/* Exactly one live session of the spare person (a failed sign-out left it). */
static int prep_spare_session(void)
{
    char tok[ACCT_TOKEN_LEN];
    int64_t exp;
    int rc = acct_revoke_person_sessions(db, p_spare);
    if (rc == 0) rc = acct_create_session(db, &g_pol, p_spare, "192.0.2.7", tok, &exp);
    return rc;
}
static int op_signout_everywhere(void)
{
    int64_t n = 0;
    int rc = acct_signout_everywhere(db, &WHO, p_spare, 0, &n);
    if (rc == 0 && n != 1) rc = -100;
    return rc;
}
/* The demo's passkeys belong to BioSense's admin (found before the fault is armed). */
static int64_t g_pk_owner;
static int prep_pk_owner(void)
{
    psn_person p;
    int rc = psn_get_by_email(db, "admin@biosense.example", &p);
    g_pk_owner = rc == 0 ? p.id : 0;
    return rc;
}
static int op_pk_list(void)
{
    pk_info *arr = NULL;
    size_t n = 0;
    int rc = pk_list(db, g_pk_owner, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    free(arr);
    return rc;
}
static int op_pk_challenge(void)
{
    unsigned char c[PK_CHALLENGE_LEN];
    return pk_challenge_new(db, PK_SIGNIN, 0, 0, "192.0.2.9", c);
}
static int prep_pk(void)
{
    pk_info *arr = NULL;
    size_t n = 0;
    int rc = prep_pk_owner();
    if (rc == 0) rc = pk_list(db, g_pk_owner, &arr, &n);
    g_id = rc == 0 && n ? arr[0].id : 0;   /* the phone's, live in the demo */
    free(arr);
    if (!g_id) return -100;
    /* each round of faults starts from a live passkey, also after a revocation went through */
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE passkeys SET revoked_at = NULL WHERE id = %lld", (long long)g_id);
    return sqlite3_exec(db_handle(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -100;
}
static int op_pk_rename(void)
{
    return pk_rename(db, &WHO, g_pk_owner, g_id, "Phone (renamed)", NULL);
}
static int op_pk_revoke(void)
{
    return pk_revoke(db, &WHO, g_pk_owner, g_id);
}
static int op_list_apikeys(void)
{
    acct_apikey_info *arr = NULL;
    size_t n = 0;
    int rc = acct_list_apikeys(db, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
static int op_revoke_session(void) { return acct_revoke_session(db, &WHO, g_id); }
static int op_store_password(void) { return acct_store_password(db, &WHO, p_spare, g_hash); }
static int op_revoke_keys(void) { return acct_revoke_person_keys(db, &WHO, p_staff); }

/* resources and closures */
static int op_res_get(void) { res_resource r; return res_get(db, r_bsc, &r); }
static int op_res_list(void)
{
    res_resource *arr = NULL;
    size_t n = 0;
    int rc = res_list(db, NULL, &arr, &n);
    if (rc == 0 && n < 5) rc = -100;
    free(arr);
    return rc;
}
static int op_res_create(void)
{
    res_resource r;
    lp_fail f;
    res_defaults(&r);
    UNIQUE(r.name, "Fault bench %d");
    if (slots_week_set_day(&r.hours, 0, "08:00-12:00,13:00-17:00") != 0) return -100;
    r.has_hours = 1;
    r.quals[r.n_quals++] = q_induction;
    return res_create(db, &WHO, &r, &f);
}
static int op_res_update(void)
{
    res_resource r;
    lp_fail f;
    int rc = res_get(db, r_autoclave, &r);
    UNIQUE(r.description, "Steam steriliser, revision %d");
    return rc ? rc : res_update(db, &WHO, &r, &f);
}
static int op_closure_add(void)
{
    res_closure c = { 0, r_room, 0, 0, "maintenance" };
    lp_fail f;
    c.start = lt_from_local(2026, 12, 1 + g_seq % 20, 8, 0, 0);
    c.end = c.start + 3600;
    g_seq++;
    return res_closure_add(db, &WHO, &c, &f);
}
static int op_closure_list(void)
{
    res_closure *arr = NULL;
    size_t n = 0;
    int rc = res_closure_list(db, T0, T0 + 366 * 86400LL, &arr, &n);
    free(arr);
    return rc;
}

/* qualifications */
static int op_qual_get(void) { qual_def q; return qual_get(db, q_induction, &q); }
static int op_qual_update(void)
{
    qual_def q;
    lp_fail f;
    int rc = qual_get(db, q_induction, &q);
    UNIQUE(q.instructor, "Instructor %d");
    return rc ? rc : qual_update(db, &WHO, &q, &f);
}
static int op_qual_missing(void)
{
    qual_missing *m = NULL;
    size_t n = 0;
    int rc = qual_missing_for(db, p_spare, r_bsc, T0 + 86400, T0 + 90000, &m, &n);
    free(m);
    return rc == 0 && n < 1 ? FLT_WRONG : rc;
}
/* training requests: a fresh qualification each time, so each open makes one */
static int64_t g_trq_qual, g_trq;
static int prep_trq_qual(void)
{
    qual_def q = { 0 };
    lp_fail f;
    /* the spare person's earlier requests are answered: never the open cap */
    if (sqlite3_exec(db_handle(db), "UPDATE training_requests SET closed_at = 1, outcome = 'withdrawn' "
                                    "WHERE closed_at IS NULL", NULL, NULL, NULL) != SQLITE_OK)
        return LP_ERR_DB;
    UNIQUE(q.name, "Requested training %d");
    q.validity_days = 365;
    int rc = qual_create(db, &WHO, &q, &f);
    g_trq_qual = q.id;
    return rc;
}
static int op_trq_open(void)
{
    trq_request r;
    bool created = false;
    lp_fail f;
    int rc = trq_open(db, &WHO, p_spare, g_trq_qual, "please", &r, &created, &f);
    return rc == 0 && !created ? FLT_WRONG : rc;
}
static int prep_trq(void)
{
    trq_request r;
    bool created = false;
    lp_fail f;
    int rc = prep_trq_qual();
    if (rc == 0) rc = trq_open(db, &WHO, p_spare, g_trq_qual, "", &r, &created, &f);
    g_trq = r.id;
    return rc;
}
static int op_trq_close(void) { lp_fail f; return trq_close(db, &WHO, g_trq, "withdrawn", &f); }
static int op_trq_list(void)
{
    trq_request *arr = NULL;
    size_t n = 0;
    int rc = trq_list(db, p_spare, 0, true, &arr, &n);
    free(arr);
    return rc == 0 && n < 1 ? FLT_WRONG : rc;
}
static int op_qmx_tenant(void)
{
    qmx_matrix m;
    int rc = qmx_for_tenant(db, tnt_nova, T0, &m);
    if (rc == 0 && (m.np < 1 || m.nq < 1)) rc = FLT_WRONG;
    if (rc == 0) qmx_free(&m);
    return rc;
}
static int op_qmx_resource(void)
{
    qmx_matrix m;
    int rc = qmx_for_resource(db, r_bsc, T0, &m);
    if (rc == 0 && m.nq != 2) rc = FLT_WRONG;
    if (rc == 0) qmx_free(&m);
    return rc;
}
static int op_qual_list(void)
{
    qual_def *arr = NULL;
    size_t n = 0;
    int rc = qual_list(db, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    free(arr);
    return rc;
}
static int op_qual_create(void)
{
    qual_def q = { 0 };
    lp_fail f;
    UNIQUE(q.name, "Fault training %d");
    q.validity_days = 30;
    return qual_create(db, &WHO, &q, &f);
}
static int op_qual_grant(void)
{
    qual_grant g;
    lp_fail f;
    return qual_grant_add(db, &WHO, p_bio, q_induction, 0, &g, &f);
}
static int op_qual_grants(void)
{
    qual_grant *arr = NULL;
    size_t n = 0;
    int rc = qual_grants(db, p_nova, 0, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    free(arr);
    return rc;
}
static int op_qual_check(void)
{
    lp_fail f;
    return qual_check(db, p_nova, r_bsc, T0 + 86400, T0 + 86400 + 3600, &f);
}

/* reservations */
static int op_rsv_create_direct(void)
{
    rsv_request rq = { r_room, p_nova, tnt_nova, 0, 0, "direct", 0, 0 };
    rsv_reservation r;
    lp_fail f;
    rq.start = g_id; rq.end = g_id2;
    return rsv_create(db, &WHO, &rq, &r, &f);
}
static int prep_slot(void) { next_slot(&c_room, &g_id, &g_id2); return 0; }
static int op_rsv_series(void)
{
    rsv_request rq = { r_bsc, p_nova, tnt_nova, 0, 0, "series", 0, 0 };
    int64_t sid, *ids = NULL;
    size_t n_ids, n_sk;
    rsv_skip *sk = NULL;
    lp_fail f;
    next_slot(&c_bsc, &rq.start, &rq.end);
    int rc = rsv_create_series(db, &WHO, &rq, "FREQ=DAILY;COUNT=2", 1, &sid, &ids, &n_ids, &sk, &n_sk, &f);
    free(ids);
    free(sk);
    return rc;
}
static int prep_booking(void) { g_id = book(&c_room, p_nova, tnt_nova); return 0; }
static int op_rsv_get(void) { rsv_reservation r; return rsv_get(db, g_id, &r); }
static int op_rsv_change(void)
{
    int64_t s, e;
    lp_fail f;
    next_slot(&c_room, &s, &e);
    return rsv_change(db, &WHO, g_id, s, e, r_room, NULL, RSV_THIS, &f);
}
static int op_rsv_cancel(void) { lp_fail f; return rsv_cancel(db, &WHO, g_id, RSV_THIS, &f); }
static int prep_request(void) { g_id = book(&c_autoclave, p_nova, tnt_nova); return 0; }
static int op_rsv_approve(void) { lp_fail f; return rsv_approve(db, &WHO, g_id, &f); }
static int op_rsv_reject(void) { lp_fail f; return rsv_reject(db, &WHO, g_id, "not today", &f); }
static int op_rsv_list(void)
{
    rsv_filter q = { T0, T0 + 90 * 86400LL, 0, 0, 0, 0, 0 };
    rsv_reservation *arr = NULL;
    size_t n = 0;
    int rc = rsv_list(db, &q, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    free(arr);
    return rc;
}
static int op_rsv_list_holding(void)
{
    rsv_filter q = { T0, T0 + 90 * 86400LL, r_room, 0, 0, 1, 0 };
    rsv_reservation *arr = NULL;
    size_t n = 0;
    int rc = rsv_list(db, &q, &arr, &n);
    free(arr);
    return rc;
}
/* One no-show for the sweep: booked at the next slot S after a clean sweep
 * at S (so nothing older is left to sweep), then the clock moves past its
 * grace. A booking the last, failed sweep left confirmed is used again. */
static int prep_no_show(void)
{
    rsv_reservation r;
    int rc = g_id ? rsv_get(db, g_id, &r) : LP_ERR_NOTFOUND;
    if (rc == LP_ERR_NOTFOUND || (rc == 0 && r.state != RSV_CONFIRMED)) {
        int64_t s, e;
        int changed = 0;
        next_slot(&c_room, &s, &e);
        clk_set_fixed(s);
        if ((rc = rsv_sweep(db, s, &changed)) != 0) return rc;
        rsv_request rq = { r_room, p_nova, tnt_nova, s, e, "no-show", 0, 0 };
        lp_fail f = { 0 };
        if ((rc = rsv_create(db, &WHO, &rq, &r, &f)) != 0) return rc;
        g_id = r.id;
    }
    if (rc == 0) clk_set_fixed(r.start + 20 * 60);   /* past the grace: a no-show for the sweep */
    return rc;
}
static int prep_sweep(void)
{
    static int started;
    if (!started) { g_id = 0; started = 1; }
    return prep_no_show();
}
static void back_to_t0(void) { clk_set_fixed(T0); }
static int op_sweep(void) { int changed; return rsv_sweep(db, clk_now(), &changed); }

/* waitlist */
static wl_entry g_wl;
static int prep_taken(void)
{
    rsv_reservation r;
    g_id = book(&c_room, p_nova, tnt_nova);
    int rc = rsv_get(db, g_id, &r);
    memset(&g_wl, 0, sizeof g_wl);
    g_wl.resource_id = r_room; g_wl.person_id = p_bio; g_wl.tenant_id = tnt_bio;
    g_wl.start = r.start; g_wl.end = r.end;
    return rc;
}
static int op_wl_join(void) { wl_entry e = g_wl; lp_fail f; return wl_join(db, &WHO, &e, &f); }
static int prep_waiting(void)
{
    lp_fail f;
    int rc = prep_taken();
    if (rc == 0) rc = wl_join(db, &WHO, &g_wl, &f);
    return rc;
}
static int op_wl_cancel(void) { return wl_cancel(db, &WHO, g_wl.id); }
static int op_wl_get(void) { wl_entry e; return wl_get(db, g_wl.id, &e); }
static int op_wl_list(void)
{
    wl_entry *arr = NULL;
    size_t n = 0;
    int rc = wl_list(db, 0, 0, 0, SIZE_MAX, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
/* the booking holding the slot is cancelled: the waiting person gets it */
static int op_wl_promote_by_cancel(void) { lp_fail f; return rsv_cancel(db, &WHO, g_id, RSV_THIS, &f); }

/* outbox */
static int op_obx_pending(void)
{
    obx_msg *arr = NULL;
    size_t n = 0;
    int rc = obx_pending(db, clk_now(), 50, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
static int op_obx_list(void)
{
    obx_entry *arr = NULL;
    size_t n = 0;
    int rc = obx_list(db, 0, 200, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
static int op_obx_to_person(void) { return obx_to_person(db, MT_SETUP_LINK, p_nova, &(mt_args){ .link = "/#/setup" }); }
static int op_obx_to_staff(void) { return obx_to_staff(db, MT_SIGNIN_ALERT, &(mt_args){ .count = 5 }); }
static int op_obx_mark(void) { return obx_mark(db, 1, OBX_TRY_LATER, "sender failed"); }

/* calendar feeds */
static int op_feed_create(void)
{
    char tok[FEED_TOKEN_LEN];
    int64_t id;
    return feed_create(db, &WHO, p_nova, 0, tok, &id);
}
static int op_feed_render(void)
{
    char *ics = NULL;
    size_t len = 0;
    int rc = feed_render(db, g_feed, &ics, &len);
    if (rc == 0 && !strstr(ics, "BEGIN:VEVENT")) rc = -100;
    free(ics);
    return rc;
}
static int prep_feed(void)
{
    char tok[FEED_TOKEN_LEN];
    return feed_create(db, &WHO, p_nova, r_room, tok, &g_id);
}
static int op_feed_list(void)
{
    feed_info *arr = NULL;
    size_t n = 0;
    int rc = feed_list(db, p_nova, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
static int op_feed_revoke(void) { return feed_revoke(db, &WHO, p_nova, g_id); }

/* site */
static int op_site_get(void) { site_info s; return site_get(db, &s); }
static int op_site_save(void)
{
    site_info s;
    lp_fail f;
    int rc = site_get(db, &s);
    UNIQUE(s.name, "MedTech Factory %d");
    return rc ? rc : site_save(db, &WHO, &s, &f);
}

/* audit */
static const char *const SNAP = "SELECT json_object('id', id, 'name', name) FROM tenants WHERE id = ?1";
static int op_audit_snapshot(void)
{
    char *out = NULL;
    int rc = audit_snapshot(db, SNAP, tnt_nova, &out);
    if (rc == 0 && !out) rc = -100;
    free(out);
    return rc;
}
static int op_audit_list(void)
{
    audit_filter q = { "tenant", 0, 0, 1000 };
    audit_entry *arr = NULL;
    size_t n = 0;
    int rc = audit_list(db, &q, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    audit_free(arr, n);
    return rc;
}
static int op_audit_change(void) { return audit_change(db, &WHO, "touch", "tenant", tnt_nova, SNAP, NULL); }

/* invitations */
static int op_inv_create(void) { return inv_create(db, &WHO, p_spare, tnt_nova, "member"); }
static int op_inv_list(void)
{
    inv_invitation *arr = NULL;
    size_t n = 0;
    int rc = inv_list(db, p_spare, &arr, &n);
    free(arr);
    return rc;
}

static const flt_op OPS[] = {
    { "tnt_get", 0, NULL, op_tnt_get, NULL, NULL },
    { "tnt_list", 0, NULL, op_tnt_list, NULL, NULL },
    { "tnt_create", 1, NULL, op_tnt_create, NULL, NULL },
    { "tnt_update", 1, NULL, op_tnt_update, NULL, NULL },
    { "tnt_set_state", 1, prep_tnt_state, op_tnt_set_state, NULL, NULL },
    { "tnt_effects_get", 0, prep_tnt_close, op_tnt_effects, NULL, NULL },
    { "qual_update", 1, NULL, op_qual_update, NULL, NULL },
    { "qual_missing_for", 0, NULL, op_qual_missing, NULL, NULL },
    { "trq_open", 1, prep_trq_qual, op_trq_open, NULL, NULL },
    { "trq_close", 1, prep_trq, op_trq_close, NULL, NULL },
    { "trq_list", 0, prep_trq, op_trq_list, NULL, NULL },
    { "qmx_for_tenant", 0, NULL, op_qmx_tenant, NULL, NULL },
    { "qmx_for_resource", 0, NULL, op_qmx_resource, NULL, NULL },
    { "tnt_close", 1, prep_tnt_close, op_tnt_close, NULL, NULL },
    { "psn_get", 0, NULL, op_psn_get, NULL, NULL },
    { "psn_get_by_email", 0, NULL, op_psn_get_by_email, NULL, NULL },
    { "psn_list", 0, NULL, op_psn_list, NULL, NULL },
    { "psn_create", 1, NULL, op_psn_create, NULL, NULL },
    { "psn_update", 1, NULL, op_psn_update, NULL, NULL },
    { "psn_set_membership", 1, NULL, op_psn_membership, NULL, NULL },
    { "acct_authenticate", 0, prep_bump, op_authenticate, NULL, NULL },
    /* the attempt is reserved and committed before the hash (account.h) */
    { "acct_signin", 1, NULL, op_signin, NULL, "login_throttle" },
    { "acct_apikey_create", 1, NULL, op_apikey_create, NULL, NULL },
    { "acct_revoke_person_keys", 1, NULL, op_revoke_keys, NULL, NULL },
    { "acct_revoke_session", 1, prep_session, op_revoke_session, NULL, NULL },
    { "acct_list_sessions", 0, NULL, op_list_sessions, NULL, NULL },
    { "acct_list_apikeys", 0, NULL, op_list_apikeys, NULL, NULL },
    { "acct_signout_everywhere", 1, prep_spare_session, op_signout_everywhere, NULL, NULL },
    { "pk_list", 0, prep_pk_owner, op_pk_list, NULL, NULL },
    { "pk_challenge_new", 1, NULL, op_pk_challenge, NULL, NULL },
    { "pk_rename", 1, prep_pk, op_pk_rename, NULL, NULL },
    { "pk_revoke", 1, prep_pk, op_pk_revoke, NULL, NULL },
    { "acct_store_password", 1, NULL, op_store_password, NULL, NULL },
    { "res_get", 0, NULL, op_res_get, NULL, NULL },
    { "res_list", 0, NULL, op_res_list, NULL, NULL },
    { "res_create", 1, NULL, op_res_create, NULL, NULL },
    { "res_update", 1, NULL, op_res_update, NULL, NULL },
    { "res_closure_add", 1, NULL, op_closure_add, NULL, NULL },
    { "res_closure_list", 0, NULL, op_closure_list, NULL, NULL },
    { "qual_get", 0, NULL, op_qual_get, NULL, NULL },
    { "qual_list", 0, NULL, op_qual_list, NULL, NULL },
    { "qual_create", 1, NULL, op_qual_create, NULL, NULL },
    { "qual_grant_add", 1, NULL, op_qual_grant, NULL, NULL },
    { "qual_grants", 0, NULL, op_qual_grants, NULL, NULL },
    { "qual_check", 0, NULL, op_qual_check, NULL, NULL },
    { "rsv_create", 1, prep_slot, op_rsv_create_direct, NULL, NULL },
    { "rsv_create_series", 1, NULL, op_rsv_series, NULL, NULL },
    { "rsv_get", 0, prep_booking, op_rsv_get, NULL, NULL },
    { "rsv_change", 1, prep_booking, op_rsv_change, NULL, NULL },
    { "rsv_cancel", 1, prep_booking, op_rsv_cancel, NULL, NULL },
    { "rsv_approve", 1, prep_request, op_rsv_approve, NULL, NULL },
    { "rsv_reject", 1, prep_request, op_rsv_reject, NULL, NULL },
    { "rsv_list", 0, NULL, op_rsv_list, NULL, NULL },
    { "rsv_list_holding", 0, NULL, op_rsv_list_holding, NULL, NULL },
    { "wl_join", 1, prep_taken, op_wl_join, NULL, NULL },
    { "wl_cancel", 1, prep_waiting, op_wl_cancel, NULL, NULL },
    { "wl_get", 0, prep_waiting, op_wl_get, NULL, NULL },
    { "wl_list", 0, NULL, op_wl_list, NULL, NULL },
    { "wl_promote (cancel)", 1, prep_waiting, op_wl_promote_by_cancel, NULL, NULL },
    { "rsv_sweep", 1, prep_sweep, op_sweep, back_to_t0, NULL },
    { "obx_pending", 0, NULL, op_obx_pending, NULL, NULL },
    { "obx_list", 0, NULL, op_obx_list, NULL, NULL },
    { "obx_to_person", 1, NULL, op_obx_to_person, NULL, NULL },
    { "obx_to_staff", 1, NULL, op_obx_to_staff, NULL, NULL },
    { "obx_mark", 1, NULL, op_obx_mark, NULL, NULL },
    { "feed_create", 1, NULL, op_feed_create, NULL, NULL },
    { "feed_render", 0, NULL, op_feed_render, NULL, NULL },
    { "feed_revoke", 1, prep_feed, op_feed_revoke, NULL, NULL },
    { "feed_list", 0, NULL, op_feed_list, NULL, NULL },
    { "site_get", 0, NULL, op_site_get, NULL, NULL },
    { "site_save", 1, NULL, op_site_save, NULL, NULL },
    { "audit_snapshot", 0, NULL, op_audit_snapshot, NULL, NULL },
    { "audit_change", 1, NULL, op_audit_change, NULL, NULL },
    { "audit_list", 0, NULL, op_audit_list, NULL, NULL },
    { "inv_create", 1, NULL, op_inv_create, NULL, NULL },
    { "inv_list", 0, NULL, op_inv_list, NULL, NULL },
};

/* ---- setup ---- */

static int64_t tenant_id(const char *name)
{
    tnt_tenant *arr = NULL;
    size_t n = 0;
    int64_t id = 0;
    assert_int_equal(tnt_list(db, NULL, &arr, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(arr[i].name, name) == 0) id = arr[i].id;
    free(arr);
    assert_true(id > 0);
    return id;
}

static int64_t person_id(const char *email)
{
    psn_person p;
    assert_int_equal(psn_get_by_email(db, email, &p), 0);
    return p.id;
}

static int64_t resource_id(const char *name)
{
    res_resource *arr = NULL;
    size_t n = 0;
    int64_t id = 0;
    assert_int_equal(res_list(db, NULL, &arr, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(arr[i].name, name) == 0) id = arr[i].id;
    free(arr);
    assert_true(id > 0);
    return id;
}

static int setup(void **st)
{
    if (sodium_init() < 0) return -1;
    if (tdb_make(g_path, sizeof g_path, "faults-booking") != 0) return -1;
    T0 = lt_from_local(2026, 3, 2, 7, 0, 0);
    clk_set_fixed(T0);
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    if (db_exec(db, "CREATE TABLE fault_bump(x INTEGER PRIMARY KEY)") != 0) return -1;
    acct_policy_default(&g_pol);
    g_pol.pair_free = g_pol.account_free = g_pol.address_free = 1000000;
    tnt_nova = tenant_id("NovaCell Diagnostics B.V.");
    tnt_bio = tenant_id("BioSense Medical B.V.");
    p_staff = person_id("staff@medtechfactory.example");
    p_nova = person_id("lab@novacell.example");
    p_bio = person_id("lab@biosense.example");
    r_room = resource_id("Meeting room Pasteur");
    r_bsc = resource_id("Biosafety cabinet BSC-1");
    r_autoclave = resource_id("Autoclave AC-1");
    res_resource bsc;
    assert_int_equal(res_get(db, r_bsc, &bsc), 0);
    q_induction = bsc.quals[0];
    c_room = (struct cursor){ r_room, 8 * 60, 18 * 60, 15, 15, 0, 0 };
    c_bsc = (struct cursor){ r_bsc, 7 * 60, 22 * 60, 60, 30, 0, 0 };
    c_autoclave = (struct cursor){ r_autoclave, 8 * 60, 18 * 60, 60, 30, 0, 0 };

    tnt_tenant t = { 0 };
    psn_person p = { 0 };
    lp_fail f;
    snprintf(t.name, sizeof t.name, "Spare Lab B.V.");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "academic");
    assert_int_equal(tnt_create(db, &WHO, &t, &f), 0);
    tnt_spare = t.id;
    snprintf(p.email, sizeof p.email, "spare@example.org");
    snprintf(p.name, sizeof p.name, "Spare");
    assert_int_equal(psn_create(db, &WHO, &p, NULL, &f), 0);
    p_spare = p.id;
    assert_int_equal(acct_hash_password("another-long-password", g_hash, sizeof g_hash), 0);
    int64_t exp, fid;
    assert_int_equal(acct_create_session(db, &g_pol, p_nova, "192.0.2.1", g_session, &exp), 0);
    assert_int_equal(feed_create(db, &WHO, p_bio, 0, g_feed, &fid), 0);
    assert_int_equal(obx_to_person(db, MT_SETUP_LINK, p_nova, &(mt_args){ .link = "/#/setup" }), 0);
    book(&c_room, p_nova, tnt_nova);
    book(&c_room, p_nova, tnt_nova);
    book(&c_room, p_bio, tnt_bio);
    return 0;
}

static int teardown(void **st)
{
    db_fault_inject(0, 0);
    db_close(db);
    tdb_remove(g_path);
    clk_set_fixed(-1);
    return 0;
}

/* ---- the loop ---- */

static uint64_t db_state(const flt_op *o) { return flt_hash(db_handle(db), o->skip); }

static void test_every_step_fails_cleanly(void **st)
{
    flt_run_all(OPS, sizeof OPS / sizeof OPS[0], db_state, NULL);
}

/* The waitlist took the freed slot, and a failed sweep marked nobody. */
static void test_outcomes_after_the_faults(void **st)
{
    assert_true(count_rows("SELECT count(*) FROM waitlist WHERE status = 'fulfilled'") >= 3);
    assert_true(count_rows("SELECT count(*) FROM reservations WHERE status = 'no_show'") >= 3);
    assert_int_equal(db_fault_pending(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_step_fails_cleanly),
        cmocka_unit_test(test_outcomes_after_the_faults),
    };
    return cmocka_run_group_tests_name("faults_booking", tests, setup, teardown);
}
