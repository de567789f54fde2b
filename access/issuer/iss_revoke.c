/* iss_revoke.c: revocation, the denylist and its SEQ, the sweep that takes
 * back passes no longer deserved, and the booking hooks.
 *
 * Guarantees: a revoked live pass enters the denylist exactly once (cti is
 * unique), in the same transaction as the revocation, with the next SEQ
 * (AUTOINCREMENT: only grows, never reused, even after old entries are
 * deleted). Writes are serialised, so SEQs become visible in order: a reader
 * that sees SEQ N sees every entry <= N. Every revocation is audited with its
 * scope, count and reason. */
#include "access/issuer/iss_internal.h"
#include "booking/qual.h"
#include "booking/rsv.h"
#include "booking/tenant.h"
#include "booking/demo.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DENY_FORGET 86400   /* seconds after exp an entry is deleted */

/* For each rule, two statements over the same live passes: the first copies
 * them into the denylist, the second marks them revoked. ?1 is the object id,
 * ?2 now, ?3 the reason. */
#define LIVE " AND revoked_at IS NULL AND exp > ?2"
#define DENY(where) "INSERT OR IGNORE INTO pass_denylist(cti, exp, revoked_at, reason) " \
                    "SELECT cti, exp, ?2, ?3 FROM passes WHERE " where LIVE " ORDER BY id"
#define MARK(where) "UPDATE passes SET revoked_at = ?2, revoke_reason = ?3 WHERE " where LIVE

struct rule {
    const char *name;          /* audit object type, or sweep rule name */
    const char *deny, *mark;
};

static const struct rule scopes[ISS_SCOPE_COUNT] = {
    [ISS_PASS] = { "pass", DENY("id = ?1"), MARK("id = ?1") },
    [ISS_CREDENTIAL] = { "credential", DENY("credential_id = ?1"), MARK("credential_id = ?1") },
    [ISS_PERSON] = { "person", DENY("person_id = ?1"), MARK("person_id = ?1") },
    [ISS_TENANT] = { "tenant", DENY("tenant_id = ?1"), MARK("tenant_id = ?1") },
    [ISS_RESERVATION] = { "reservation", DENY("reservation_id = ?1"), MARK("reservation_id = ?1") },
    [ISS_KEY] = { "signing_key", DENY("key_id = ?1"), MARK("key_id = ?1") },
};

/* The sweep's rules start from the live passes (the passes_live index) and
 * look each one's person, tenant, credential, reservation or key up by key,
 * so a sweep costs O(live passes), not O(history). ?1 is unused. */
#define W_EXISTS(sub) "?1 = ?1 AND EXISTS (SELECT 1 FROM " sub ")"
#define W_DISABLED W_EXISTS("people x WHERE x.id = passes.person_id AND x.status <> 'active'")
#define W_TENANT W_EXISTS("tenants x WHERE x.id = passes.tenant_id AND x.status <> 'active'")
#define W_LEFT "?1 = ?1 AND tenant_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM memberships m " \
               "WHERE m.person_id = passes.person_id AND m.tenant_id = passes.tenant_id)"
#define W_CRED W_EXISTS("credentials x WHERE x.id = passes.credential_id AND x.revoked_at IS NOT NULL")
#define W_RSV W_EXISTS("reservations x WHERE x.id = passes.reservation_id AND x.status NOT IN " \
                       "('confirmed','checked_in','completed')")
#define W_STAFF "kind = 'standing' AND " W_EXISTS("people x WHERE x.id = passes.person_id AND x.is_staff = 0")
#define W_KEY W_EXISTS("signing_keys x WHERE x.id = passes.key_id AND x.status = 'withdrawn'")

/* What the sweep takes back, one set-based rule each (reason = name). */
static const struct rule sweep_rules[] = {
    { "person_disabled", DENY(W_DISABLED), MARK(W_DISABLED) },
    { "tenant_not_active", DENY(W_TENANT), MARK(W_TENANT) },
    { "left_tenant", DENY(W_LEFT), MARK(W_LEFT) },
    { "credential_revoked", DENY(W_CRED), MARK(W_CRED) },
    { "reservation_not_held", DENY(W_RSV), MARK(W_RSV) },
    { "no_longer_staff", DENY(W_STAFF), MARK(W_STAFF) },
    { "key_withdrawn", DENY(W_KEY), MARK(W_KEY) },
};

/* Runs one rule; the number of passes it revoked goes to *count. */
static int run_rule(db_t *db, const struct rule *r, int64_t id, const char *reason, int64_t now, int *count)
{
    const char *sql[2] = { r->deny, r->mark };
    int rc = 0;
    *count = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        sqlite3_stmt *st = db_stmt(db, sql[i]);
        if (!st)
            return LP_ERR_DB;
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, now);
        db_bind_text(st, 3, reason);
        rc = db_exec_stmt(st);
        if (rc == 0 && i == 1)
            *count = db_changes(db);
    }
    return rc;
}

static int audit_count(db_t *db, const actor_t *who, const char *type, int64_t id, int count, const char *reason)
{
    char after[160];
    snprintf(after, sizeof after, "{\"passes_revoked\":%d,\"reason\":\"%s\"}", count, reason);
    return audit_add(db, who, "revoke_passes", type, id, NULL, after);
}

static int reason_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 31)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    }
    return 1;
}

int iss_revoke(db_t *db, const actor_t *who, enum iss_scope scope, int64_t id, const char *reason,
               int64_t now, int *count)
{
    int own, n = 0;
    if ((unsigned)scope >= ISS_SCOPE_COUNT || !reason_ok(reason))
        return LP_ERR_INVALID;
    int rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = run_rule(db, &scopes[scope], id, reason, now, &n);
    if (rc == 0 && n > 0)
        rc = audit_count(db, who, scopes[scope].name, id, n, reason);
    rc = iss_tx_end(db, own, rc);
    if (count)
        *count = rc == 0 ? n : 0;
    return rc;
}

/* ---- the denylist ---- */

int iss_deny_seq(db_t *db, int64_t *seq)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'pass_denylist'), 0)");
    if (!st)
        return LP_ERR_DB;
    *seq = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return LP_ERR_DB;   /* the query always yields one row */
    if (rc == 0) {
        *seq = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

int iss_deny_since(db_t *db, int64_t since, int64_t now, int64_t skew, struct tok_deny_entry **out,
                   size_t *n, int64_t *seq, int *reset)
{
    *out = NULL;
    *n = 0;
    int rc = iss_deny_seq(db, seq);
    if (rc)
        return rc;
    *reset = since <= 0 || since > *seq;
    sqlite3_stmt *st = db_stmt(db, "SELECT cti, exp FROM pass_denylist WHERE seq > ?1 AND seq <= ?4 "
                                   "AND exp + ?3 > ?2 ORDER BY seq");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, *reset ? 0 : since);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, skew);
    db_bind_int(st, 4, *seq);
    size_t cap = 0;
    int step;
    while (rc == 0 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if (*n == TOK_BUNDLE_DENY_MAX) { rc = LP_ERR_TOOBIG; break; }   /* never a cut list */
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            struct tok_deny_entry *ne = realloc(*out, cap * sizeof **out);
            if (!ne) { rc = LP_ERR_NOMEM; break; }
            *out = ne;
        }
        if (sqlite3_column_bytes(st, 0) != TOK_CTI_LEN) { rc = LP_ERR_DB; break; }
        memcpy((*out)[*n].cti, sqlite3_column_blob(st, 0), TOK_CTI_LEN);
        (*out)[(*n)++].exp = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- the sweep ---- */

struct held { int64_t reservation_id, person_id, resource_id, nbf, exp; };

/* Live reservation passes grouped by what qual_check needs. Caller frees
 * (*out is NULL after an error). */
static int live_reservations(db_t *db, int64_t now, struct held **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT p.reservation_id, p.person_id, r.resource_id, min(p.nbf), max(p.exp) "
                                   "FROM passes p JOIN reservations r ON r.id = p.reservation_id "
                                   "WHERE p.revoked_at IS NULL AND p.exp > ?1 GROUP BY p.reservation_id, p.person_id");
    size_t cap = 0;
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, now);
    int step;
    while ((step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            struct held *nh = realloc(*out, cap * sizeof **out);
            if (!nh) { rc = LP_ERR_NOMEM; break; }
            *out = nh;
        }
        struct held *h = &(*out)[(*n)++];
        for (int i = 0; i < 5; i++)
            (&h->reservation_id)[i] = sqlite3_column_int64(st, i);
    }
    sqlite3_reset(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Takes back reservation passes whose holder's trainings do not cover them. */
static int sweep_trainings(db_t *db, int64_t now, int *total)
{
    struct held *h = NULL;
    size_t n = 0;
    int rc = live_reservations(db, now, &h, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        lp_fail f = { 0 };
        int q = qual_check(db, h[i].person_id, h[i].resource_id, h[i].nbf, h[i].exp, &f);
        if (q == LP_ERR_FORBIDDEN) {
            int c = 0;
            rc = iss_revoke(db, &iss_system, ISS_RESERVATION, h[i].reservation_id, "training_lapsed", now, &c);
            *total += c;
        } else if (q != 0) {
            rc = q;
        }
    }
    free(h);
    return rc;
}

static int sweep_rules_run(db_t *db, int64_t now, int *total)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof sweep_rules / sizeof sweep_rules[0]; i++) {
        int c = 0;
        rc = run_rule(db, &sweep_rules[i], 0, sweep_rules[i].name, now, &c);
        if (rc == 0 && c > 0)
            rc = audit_count(db, &iss_system, "passes", 0, c, sweep_rules[i].name);
        *total += c;
    }
    return rc;
}

int iss_sweep(db_t *db, int64_t now, int *revoked)
{
    int own, total = 0;
    int rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = sweep_rules_run(db, now, &total);
    if (rc == 0)
        rc = sweep_trainings(db, now, &total);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "DELETE FROM pass_denylist WHERE exp < ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, now - DENY_FORGET);
        rc = db_exec_stmt(st);
    }
    rc = iss_tx_end(db, own, rc);
    if (revoked)
        *revoked = rc == 0 ? total : 0;
    return rc;
}

/* ---- hooks ---- */

/* A tenant that is no longer active loses its passes (a value out of the
 * enum's range counts as not active). */
static int on_tenant_status(db_t *db, const actor_t *who, int64_t tenant_id, enum tnt_state to)
{
    const char *reason = "tenant_not_active";
    switch (to) {
    case TNT_ACTIVE: return 0;
    case TNT_SUSPENDED: reason = "tenant_suspended"; break;
    case TNT_OFFBOARDED: reason = "tenant_offboarded"; break;
    }
    return iss_revoke(db, who, ISS_TENANT, tenant_id, reason, clk_now(), NULL);
}

#define W_CHANGED "reservation_id = ?1 AND (nbf <> ?4 OR exp <> ?5 OR groups <> ?6)"

/* True when r has a live pass (cheap: most reservations have none); a
 * failing read is an error, not "none". */
static int has_live(db_t *db, int64_t reservation_id, int64_t now, int *yes)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM passes WHERE reservation_id = ?1 AND revoked_at IS NULL "
                                   "AND exp > ?2 LIMIT 1");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, reservation_id);
    db_bind_int(st, 2, now);
    *yes = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return 0;
    if (rc == 0) {
        *yes = 1;
        sqlite3_reset(st);
    }
    return rc;
}

/* Revokes the passes of r whose window or door group is no longer r's. */

int iss_revoke_changed(db_t *db, const rsv_reservation *r, int64_t now)
{
    static const char *const sql[2] = { DENY(W_CHANGED), MARK(W_CHANGED) };
    iss_settings s;
    res_resource res;
    int64_t nbf, exp;
    int live = 0, rc = has_live(db, r->id, now, &live);
    if (rc || !live)
        return rc;
    rc = iss_settings_get(db, &s);
    if (rc == 0)
        rc = res_get(db, r->resource_id, &res);
    if (rc == 0)
        iss_window(&s, r, &nbf, &exp);
    for (int i = 0; i < 2 && rc == 0; i++) {
        sqlite3_stmt *st = db_stmt(db, sql[i]);
        if (!st)
            return LP_ERR_DB;
        db_bind_int(st, 1, r->id);
        db_bind_int(st, 2, now);
        db_bind_text(st, 3, "reservation_changed");
        db_bind_int(st, 4, nbf);
        db_bind_int(st, 5, exp);
        db_bind_text(st, 6, res.door_group);
        rc = db_exec_stmt(st);
        if (rc == 0 && i == 1 && db_changes(db) > 0)
            rc = audit_count(db, &iss_system, "reservation", r->id, db_changes(db), "reservation_changed");
    }
    return rc;
}

/* A reservation that no longer holds its slot loses its passes, and so does
 * one checked out before its end (the rest of the slot is free for others);
 * one that moved or changed resource loses those that no longer match. */
static int on_reservation(db_t *db, const rsv_reservation *r)
{
    const char *lost = NULL;
    switch (r->state) {
    case RSV_REQUESTED: lost = "reservation_requested"; break;
    case RSV_CANCELLED: lost = "reservation_cancelled"; break;
    case RSV_REJECTED: lost = "reservation_rejected"; break;
    case RSV_NO_SHOW: lost = "reservation_no_show"; break;
    case RSV_COMPLETED:
        if (r->checked_out_at && r->checked_out_at < r->end) lost = "checked_out";
        break;
    case RSV_CONFIRMED:
    case RSV_CHECKED_IN: return iss_revoke_changed(db, r, clk_now());
    }
    return lost ? iss_revoke(db, &iss_system, ISS_RESERVATION, r->id, lost, clk_now(), NULL) : 0;
}

int iss_live_tenant(db_t *db, int64_t tenant_id, int64_t now, int64_t *passes)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COUNT(*) FROM passes WHERE tenant_id = ?1 AND revoked_at IS NULL AND exp > ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, now);
    int rc = db_get(st);
    if (rc) return rc;
    *passes = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

void iss_hooks_register(void)
{
    tnt_on_status(on_tenant_status);
    rsv_on_change(on_reservation);
    demo_on_seed(iss_demo_seed);
}
