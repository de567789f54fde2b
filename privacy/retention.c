/* retention.c: retention settings and the daily run (see retention.h). */
#include "privacy/retention.h"
#include "access/issuer/issuer.h"
#include "booking/account.h"
#include "booking/audit_seal.h"
#include "booking/waitlist.h"
#include "core/clock.h"
#include "core/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

static const struct {
    const char *name;
    int def, min, max;
} KINDS[RET_KIND_COUNT] = {
    [RET_DOOR_EVENTS] = { "door_events", 92, 30, 365 },
    [RET_SESSIONS] = { "sessions", 30, 7, 90 },
    [RET_AUDIT] = { "audit", 730, 365, 3650 },
    [RET_WAITLIST] = { "waitlist", 365, 30, 730 },
};

const char *ret_kind_name(enum ret_kind k)
{
    return (unsigned)k < RET_KIND_COUNT ? KINDS[k].name : "";
}

int ret_kind_parse(const char *text, enum ret_kind *out)
{
    for (int i = 0; text && i < RET_KIND_COUNT; i++)
        if (strcmp(text, KINDS[i].name) == 0) { *out = (enum ret_kind)i; return 0; }
    return LP_ERR_INVALID;
}

/* ---- settings ---- */

static int read_days(db_t *db, enum ret_kind k, int *days)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT days FROM retention_settings WHERE kind = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, KINDS[k].name);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return LP_ERR_DB;   /* the migration made every row */
    if (rc) return rc;
    *days = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}

int ret_settings(db_t *db, ret_setting out[RET_KIND_COUNT])
{
    for (int i = 0; i < RET_KIND_COUNT; i++) {
        out[i] = (ret_setting){ (enum ret_kind)i, 0, KINDS[i].min, KINDS[i].max, KINDS[i].def };
        int rc = read_days(db, (enum ret_kind)i, &out[i].days);
        if (rc) return rc;
    }
    return 0;
}

/* The audit snapshot of a setting; its object id is the kind's enum value. */
#define SNAP_RETENTION "SELECT json_object('kind', kind, 'days', days) FROM retention_settings WHERE kind = " \
                       "(CASE ?1 WHEN 0 THEN 'door_events' WHEN 1 THEN 'sessions' WHEN 2 THEN 'audit' ELSE 'waitlist' END)"

struct set_args { const actor_t *who; enum ret_kind kind; int days; };

static int do_set(db_t *db, void *arg)
{
    struct set_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_RETENTION, a->kind, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE retention_settings SET days = ?2, updated_at = ?3 WHERE kind = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_text(st, 1, KINDS[a->kind].name);
        db_bind_int(st, 2, a->days);
        db_bind_int(st, 3, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "update", "retention", a->kind, SNAP_RETENTION, before);
    free(before);
    return rc;
}

int ret_set(db_t *db, const actor_t *who, enum ret_kind kind, int days, lp_fail *f)
{
    if ((unsigned)kind >= RET_KIND_COUNT) return lp_failf(f, LP_ERR_INVALID, "kind", "no such kind of record");
    if (days < KINDS[kind].min || days > KINDS[kind].max)
        return lp_failf(f, LP_ERR_INVALID, "days", "%s are kept %d to %d days", KINDS[kind].name, KINDS[kind].min,
                        KINDS[kind].max);
    struct set_args a = { who, kind, days };
    return db_in_tx(db, do_set, &a);
}

/* ---- the run ---- */

struct apply_args { enum ret_kind kind; int64_t now, cutoff, removed; };

static int prune_kind(db_t *db, const struct apply_args *a, int64_t *removed)
{
    switch (a->kind) {
    case RET_DOOR_EVENTS: return iss_events_prune(db, a->cutoff, a->now - (int64_t)RET_INVOICE_DAYS * DAY, removed);
    case RET_SESSIONS: return acct_prune(db, a->cutoff, removed);
    case RET_AUDIT: return audit_prune(db, a->cutoff, removed);
    case RET_WAITLIST: return wl_prune(db, a->cutoff, removed);
    }
    return LP_ERR_INVALID;
}

static int do_apply(db_t *db, void *arg)
{
    struct apply_args *a = arg;
    int days = 0;
    int rc = read_days(db, a->kind, &days);
    a->cutoff = a->now - (int64_t)days * DAY;
    if (rc == 0) rc = prune_kind(db, a, &a->removed);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "INSERT INTO retention_runs(at, kind, cutoff, removed) "
                                                "VALUES (?1, ?2, ?3, ?4)");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->now);
        db_bind_text(st, 2, KINDS[a->kind].name);
        db_bind_int(st, 3, a->cutoff);
        db_bind_int(st, 4, a->removed);
        rc = db_exec_stmt(st);
    }
    return rc;
}

int ret_apply(db_t *db, int64_t now, ret_run out[RET_KIND_COUNT])
{
    for (int i = 0; i < RET_KIND_COUNT; i++) {
        struct apply_args a = { (enum ret_kind)i, now, 0, 0 };
        int rc = db_in_tx(db, do_apply, &a);
        if (rc) {
            log_warn("retention", "%s: the run failed (%s); nothing of it was removed", KINDS[i].name, lp_err_name(rc));
            return rc;
        }
        log_info("retention", "%s: removed %lld records older than %lld days", KINDS[i].name, (long long)a.removed,
                 (long long)((now - a.cutoff) / DAY));
        if (out) out[i] = (ret_run){ (enum ret_kind)i, now, a.cutoff, a.removed };
    }
    return 0;
}

int ret_apply_due(db_t *db, int64_t now, int *ran)
{
    *ran = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(max(at), 0) FROM retention_runs");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;
    int64_t last = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (last && now - last < RET_RUN_EVERY && now >= last) return 0;
    *ran = 1;
    return ret_apply(db, now, NULL);
}

static int run_row(sqlite3_stmt *st, void *elem)
{
    ret_run *r = elem;
    r->at = sqlite3_column_int64(st, 0);
    r->cutoff = sqlite3_column_int64(st, 2);
    r->removed = sqlite3_column_int64(st, 3);
    return ret_kind_parse(db_col_text(st, 1), &r->kind) ? LP_ERR_DB : 0;
}

int ret_runs(db_t *db, size_t max, ret_run **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT at, kind, cutoff, removed FROM retention_runs ORDER BY id DESC LIMIT ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, (int64_t)(max > INT64_MAX ? INT64_MAX : max));
    return db_collect(st, sizeof **out, run_row, (void **)out, n);
}
