/* rsv_life.c: what happens to a reservation after it is booked: changes
 * (one occurrence, this and the following, or the whole series), cancel,
 * approve, reject, check-in and check-out, and the periodic sweep (no-shows,
 * completion, expiry). Freed time is offered to the waitlist in the same
 * transaction. Every read inside keeps "none" apart from a failing
 * database, so a busy or failing step aborts the whole change. */
#include "booking/rsv.h"
#include "booking/rsv_int.h"
#include "booking/project.h"
#include "booking/outbox.h"
#include "booking/remind.h"
#include "booking/waitlist.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets the state (and reason, timestamps) of one reservation, audited.
 * r->checked_in_at carries the instant of the event: written as
 * checked_in_at for checked_in and as checked_out_at for completed. */
static int set_state(db_t *db, const actor_t *who, const rsv_reservation *r, enum rsv_state to,
                     const char *reason, const char *action)
{
    char *before = NULL;
    int rc = audit_snapshot(db, rsv_snapshot_sql(), r->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE reservations SET status = ?2, reason = COALESCE(?3, reason), updated_at = ?4, "
        "cancelled_at = CASE WHEN ?2 = 'cancelled' THEN ?4 ELSE cancelled_at END, "
        "checked_in_at = CASE WHEN ?2 = 'checked_in' THEN ?5 ELSE checked_in_at END, "
        "checked_out_at = CASE WHEN ?2 = 'completed' AND ?5 > 0 THEN ?5 ELSE checked_out_at END WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, r->id); db_bind_text(st, 2, rsv_state_name(to)); db_bind_text(st, 3, reason);
        db_bind_int(st, 4, clk_now()); db_bind_int(st, 5, r->checked_in_at);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, who, action, "reservation", r->id, rsv_snapshot_sql(), before);
    if (rc == 0) rc = rsv_notify(db, r->id);
    if (rc == 0 && to == RSV_CANCELLED) rc = whk_emit(db, WHK_EV_RESERVATION_CANCELLED, rsv_webhook_sql(), r->id);
    free(before);
    return rc;
}

static int id_row(sqlite3_stmt *st, void *elem)
{
    *(int64_t *)elem = sqlite3_column_int64(st, 0);
    return 0;
}

/* May a reservation in state s be changed or cancelled? */
static int changeable(enum rsv_state s)
{
    switch (s) {
    case RSV_REQUESTED:
    case RSV_CONFIRMED: return 1;
    case RSV_CHECKED_IN:
    case RSV_COMPLETED:
    case RSV_CANCELLED:
    case RSV_REJECTED:
    case RSV_NO_SHOW: return 0;
    }
    return 0;
}

/* Ids of the series members the scope covers (this one alone without a series). */
static int scope_ids(db_t *db, const rsv_reservation *r, enum rsv_scope scope, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (scope == RSV_THIS || r->series_id == 0) {
        *ids = malloc(sizeof **ids);
        if (!*ids) return LP_ERR_NOMEM;
        (*ids)[0] = r->id;
        *n = 1;
        return 0;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM reservations WHERE series_id = ?1 AND (?2 = 0 OR start >= ?3) "
                                   "AND status IN ('requested','confirmed') ORDER BY start LIMIT 512");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->series_id);
    db_bind_int(st, 2, scope == RSV_FOLLOWING);
    db_bind_int(st, 3, r->start);
    return db_collect(st, sizeof **ids, id_row, (void **)ids, n);
}

/* ---- cancel ---- */

struct cancel_args { const actor_t *who; int64_t id; enum rsv_scope scope; lp_fail *f; };

static int do_cancel(db_t *db, void *p)
{
    struct cancel_args *a = p;
    rsv_reservation r;
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = rsv_get(db, a->id, &r);
    if (rc == 0 && !changeable(r.state))
        rc = lp_failf(a->f, LP_ERR_STATE, "status", "a %s reservation cannot be cancelled", rsv_state_name(r.state));
    if (rc == 0) rc = scope_ids(db, &r, a->scope, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsv_reservation one;
        rc = rsv_get(db, ids[i], &one);
        if (rc == 0) rc = set_state(db, a->who, &one, RSV_CANCELLED, NULL, "cancel");
        if (rc == 0) rc = wl_promote(db, one.resource_id, one.block_start, one.block_end);
    }
    free(ids);
    return rc;
}

int rsv_cancel(db_t *db, const actor_t *who, int64_t id, enum rsv_scope scope, lp_fail *f)
{
    struct cancel_args a = { who, id, scope, f };
    return db_in_tx(db, do_cancel, &a);
}

/* ---- the facility cancels a tenant's bookings ---- */

static int waive_fee(db_t *db, int64_t id)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE reservations SET fee_waived = 1 WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    return db_exec_stmt(st);
}

int rsv_cancel_tenant(db_t *db, const actor_t *who, int64_t tenant_id, const char *reason, size_t *n)
{
    rsv_reservation *arr = NULL;
    size_t m = 0;
    *n = 0;
    int rc = rsv_tenant_ahead(db, tenant_id, clk_now(), &arr, &m);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        rc = waive_fee(db, arr[i].id);
        if (rc == 0) rc = rsv_get(db, arr[i].id, &arr[i]);
        if (rc == 0) rc = set_state(db, who, &arr[i], RSV_CANCELLED, reason, "cancel_by_facility");
        if (rc == 0) rc = wl_promote(db, arr[i].resource_id, arr[i].block_start, arr[i].block_end);
    }
    if (rc == 0) *n = m;
    free(arr);
    return rc;
}

int rsv_cancel_facility(db_t *db, const actor_t *who, int64_t id, const char *reason)
{
    rsv_reservation r;
    int rc = rsv_get(db, id, &r);
    if (rc) return rc;
    if (!rsv_state_holds_slot(r.state) || r.state == RSV_CHECKED_IN) return LP_ERR_STATE;
    rc = waive_fee(db, id);
    if (rc == 0) rc = rsv_get(db, id, &r);
    if (rc == 0) rc = set_state(db, who, &r, RSV_CANCELLED, reason, "cancel_by_facility");
    if (rc == 0) rc = wl_promote(db, r.resource_id, r.block_start, r.block_end);
    return rc;
}

/* ---- approve / reject ---- */

struct decide_args { const actor_t *who; int64_t id; const char *reason; int approve; lp_fail *f; };

static int do_decide(db_t *db, void *p)
{
    struct decide_args *a = p;
    rsv_reservation r;
    int rc = rsv_get(db, a->id, &r);
    if (rc) return rc;
    if (r.state != RSV_REQUESTED)
        return lp_failf(a->f, LP_ERR_STATE, "status", "only requested reservations can be %s; this one is %s",
                        a->approve ? "approved" : "rejected", rsv_state_name(r.state));
    res_resource res;
    if ((rc = res_get(db, r.resource_id, &res)) != 0) return rc;
    mt_args m = { .resource = res.name, .when = r.start, .id = r.id, .reason = a->reason };
    if (a->approve) {
        rc = set_state(db, a->who, &r, RSV_CONFIRMED, NULL, "approve");
        if (rc == 0) rc = obx_to_person(db, MT_RSV_APPROVED, r.person_id, &m);
        return rc;
    }
    rc = set_state(db, a->who, &r, RSV_REJECTED, a->reason, "reject");
    if (rc == 0) rc = obx_to_person(db, MT_RSV_REJECTED, r.person_id, &m);
    if (rc == 0) rc = wl_promote(db, r.resource_id, r.block_start, r.block_end);
    return rc;
}

int rsv_approve(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct decide_args a = { who, id, NULL, 1, f };
    return db_in_tx(db, do_decide, &a);
}

int rsv_reject(db_t *db, const actor_t *who, int64_t id, const char *reason, lp_fail *f)
{
    if (!lp_text_ok(reason, 200)) return lp_failf(f, LP_ERR_INVALID, "reason", "give a reason of 1 to 200 characters");
    struct decide_args a = { who, id, reason, 0, f };
    return db_in_tx(db, do_decide, &a);
}

/* ---- check-in / check-out ---- */

/* One integer setting of the site row (sql: a literal), or def without a site. */
static int site_minutes(db_t *db, const char *sql, int def, int *out)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    *out = def;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    *out = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}

struct checkin_args { const actor_t *who; int64_t id, at; int in; lp_fail *f; };

static int check_in(db_t *db, const struct checkin_args *a, rsv_reservation *r)
{
    int early = 0;
    switch (r->state) {
    case RSV_CHECKED_IN: return 0;   /* idempotent: a second tap changes nothing */
    case RSV_CONFIRMED: break;
    case RSV_REQUESTED:
    case RSV_COMPLETED:
    case RSV_CANCELLED:
    case RSV_REJECTED:
    case RSV_NO_SHOW:
        return lp_failf(a->f, LP_ERR_STATE, "status", "a %s reservation cannot be checked in",
                        rsv_state_name(r->state));
    }
    int rc = site_minutes(db, "SELECT early_checkin_min FROM site WHERE id = 1", 15, &early);
    if (rc) return rc;
    if (a->at < r->start - (int64_t)early * 60 || a->at >= r->end)
        return lp_failf(a->f, LP_ERR_STATE, "time", "check-in is possible from %d minutes before the start "
                        "until the end", early);
    r->checked_in_at = a->at;
    return set_state(db, a->who, r, RSV_CHECKED_IN, NULL, "check_in");
}

static int check_out(db_t *db, const struct checkin_args *a, rsv_reservation *r)
{
    switch (r->state) {
    case RSV_COMPLETED:
        if (r->checked_out_at) return 0;   /* idempotent */
        break;
    case RSV_CHECKED_IN: {
        r->checked_in_at = a->at;   /* set_state writes it as checked_out_at for completed */
        int rc = set_state(db, a->who, r, RSV_COMPLETED, NULL, "check_out");
        /* Leaving early frees the rest of the slot. */
        if (rc == 0 && a->at < r->end) rc = wl_promote(db, r->resource_id, a->at, r->block_end);
        return rc;
    }
    case RSV_REQUESTED:
    case RSV_CONFIRMED:
    case RSV_CANCELLED:
    case RSV_REJECTED:
    case RSV_NO_SHOW: break;
    }
    return lp_failf(a->f, LP_ERR_STATE, "status", "only a checked-in reservation can be checked out");
}

static int do_check(db_t *db, void *p)
{
    struct checkin_args *a = p;
    rsv_reservation r;
    int rc = rsv_get(db, a->id, &r);
    if (rc) return rc;
    return a->in ? check_in(db, a, &r) : check_out(db, a, &r);
}

int rsv_check_in(db_t *db, const actor_t *who, int64_t id, int64_t at, lp_fail *f)
{
    struct checkin_args a = { who, id, at, 1, f };
    return db_in_tx(db, do_check, &a);
}

int rsv_check_out(db_t *db, const actor_t *who, int64_t id, int64_t at, lp_fail *f)
{
    struct checkin_args a = { who, id, at, 0, f };
    return db_in_tx(db, do_check, &a);
}

/* ---- change ---- */

/* Shifts t by the wall-clock difference between from and to (site zone). */
static int64_t wall_shift(int64_t t, int64_t from, int64_t to)
{
    struct tm a, b, x;
    lt_local(from, &a);
    lt_local(to, &b);
    lt_local(t, &x);
    int64_t days = (lt_day_start(to) - lt_day_start(from) + 43200) / 86400;
    int mins = (b.tm_hour * 60 + b.tm_min) - (a.tm_hour * 60 + a.tm_min);
    return lt_from_local(x.tm_year + 1900, x.tm_mon + 1, x.tm_mday + (int)days, x.tm_hour, x.tm_min + mins, x.tm_sec);
}

/* *yes = who is an active staff member: staff approve bookings, so a move
 * they make needs no second approval. */
static int actor_is_staff(db_t *db, const actor_t *who, int *yes)
{
    *yes = 0;
    if (!who || who->person_id <= 0) return 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM people WHERE id = ?1 AND is_staff = 1 AND status = 'active'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, who->person_id);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    sqlite3_reset(st);
    *yes = 1;
    return 0;
}

static int move_one(db_t *db, const actor_t *who, const rsv_reservation *r, int64_t start, int64_t end,
                    int64_t resource_id, const char *title, lp_fail *f)
{
    res_resource res;
    rsv_request rq = { resource_id, r->person_id, r->tenant_id, start, end, title ? title : r->title, r->id,
                       r->project_id };
    int rc = res_get(db, resource_id, &res);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "resource_id", "no such resource");
    if (rc == 0) rc = rsv_check(db, &rq, &res, f);
    /* a booking moved stays inside its project's validity */
    if (rc == 0 && r->project_id) rc = prj_check_booking(db, r->tenant_id, r->project_id, start, f);
    if (rc) return rc;
    /* An approval covers the slot it was given for (or a part of it): another
     * resource or more time is a new request. */
    int within = resource_id == r->resource_id && start >= r->start && end <= r->end;
    int staff = 0;
    if (res.approval_required && !within && (rc = actor_is_staff(db, who, &staff)) != 0) return rc;
    int again = res.approval_required && !within && !staff;
    char *before = NULL;
    rc = audit_snapshot(db, rsv_snapshot_sql(), r->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE reservations SET resource_id = ?2, start = ?3, end = ?4, block_start = ?5, block_end = ?6, "
        "title = ?7, updated_at = ?8, status = CASE WHEN ?9 THEN 'requested' ELSE status END, "
        /* moved to a start whose reminder time is still ahead: it gets a reminder for the new time */
        "reminded_at = CASE WHEN start <> ?3 AND ?3 - ?10 > ?8 THEN NULL ELSE reminded_at END WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, r->id); db_bind_int(st, 2, resource_id); db_bind_int(st, 3, start); db_bind_int(st, 4, end);
        db_bind_int(st, 5, start - (int64_t)res.buffer_before_min * 60);
        db_bind_int(st, 6, end + (int64_t)res.buffer_after_min * 60);
        db_bind_text(st, 7, rq.title); db_bind_int(st, 8, clk_now());
        db_bind_int(st, 9, again);
        db_bind_int(st, 10, rmd_lead());
        rc = db_exec_stmt(st);
    }
    st = rc ? NULL : db_stmt(db, "UPDATE resources SET longest_block = ?2 WHERE id = ?1 AND longest_block < ?2");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, resource_id);
        db_bind_int(st, 2, end - start + (int64_t)(res.buffer_before_min + res.buffer_after_min) * 60);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, who, "change", "reservation", r->id, rsv_snapshot_sql(), before);
    if (rc == 0) rc = rsv_notify(db, r->id);
    if (rc == 0) rc = whk_emit(db, WHK_EV_RESERVATION_CHANGED, rsv_webhook_sql(), r->id);
    if (rc == 0) rc = wl_promote(db, r->resource_id, r->block_start, r->block_end);
    free(before);
    return rc;
}

struct change_args {
    const actor_t *who; int64_t id, start, end, resource_id; const char *title; enum rsv_scope scope; lp_fail *f;
};

static int do_change(db_t *db, void *p)
{
    struct change_args *a = p;
    rsv_reservation r;
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = rsv_get(db, a->id, &r);
    if (rc == 0 && !changeable(r.state))
        return lp_failf(a->f, LP_ERR_STATE, "status", "a %s reservation cannot be changed", rsv_state_name(r.state));
    if (rc == 0 && a->scope != RSV_THIS && a->resource_id != r.resource_id)
        return lp_failf(a->f, LP_ERR_INVALID, "resource_id", "only a single occurrence can move to another resource");
    if (rc == 0) rc = scope_ids(db, &r, a->scope, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsv_reservation one;
        rc = rsv_get(db, ids[i], &one);
        if (rc) break;
        int64_t s = ids[i] == r.id ? a->start : wall_shift(one.start, r.start, a->start);
        int64_t e = ids[i] == r.id ? a->end : wall_shift(one.end, r.end, a->end);
        lp_fail of = { 0 };
        rc = move_one(db, a->who, &one, s, e, a->resource_id, a->title, &of);
        if (rc && a->f) {
            char when[LT_RFC3339_LEN];
            lt_format(one.start, when);
            *a->f = of;
            if (n > 1) snprintf(a->f->detail, sizeof a->f->detail, "occurrence %s: %.180s", when, of.detail);
        }
    }
    free(ids);
    return rc;
}

int rsv_change(db_t *db, const actor_t *who, int64_t id, int64_t start, int64_t end, int64_t resource_id,
               const char *title, enum rsv_scope scope, lp_fail *f)
{
    if (title && title[0] && !lp_text_ok(title, 200)) return lp_failf(f, LP_ERR_INVALID, "title", "title is not valid text");
    struct change_args a = { who, id, start, end, resource_id, title, scope, f };
    return db_in_tx(db, do_change, &a);
}

/* ---- the sweep ---- */

static int sweep_ids(db_t *db, const char *sql, int64_t now, int64_t *ids, size_t max, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    *n = 0;
    int rc = DB_DONE;
    while (*n < max && (rc = db_step(st)) == DB_ROW) ids[(*n)++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return *n < max && rc < 0 ? rc : 0;
}

int rsv_sweep(db_t *db, int64_t now, int *changed)
{
    static const actor_t SWEEP = { 0, "sweeper" };
    int64_t ids[256];
    size_t n = 0;
    int grace_m = 15;
    *changed = 0;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = site_minutes(db, "SELECT no_show_grace_min FROM site WHERE id = 1", 15, &grace_m);
    int64_t grace = (int64_t)grace_m * 60;
    /* No-shows: confirmed, not checked in, the grace after the start has passed. */
    if (rc == 0) rc = sweep_ids(db, "SELECT id FROM reservations WHERE status = 'confirmed' AND start <= ?1 "
                       "AND start > ?1 - 62 * 86400 ORDER BY start", now - grace, ids, 256, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsv_reservation r;
        rc = rsv_get(db, ids[i], &r);
        if (rc == 0) rc = set_state(db, &SWEEP, &r, RSV_NO_SHOW, "not checked in within the grace period", "no_show");
        if (rc == 0 && r.end > now) rc = wl_promote(db, r.resource_id, now, r.block_end);
        (*changed)++;
    }
    /* Check-ins whose booking has ended complete (actual end = booked end). */
    if (rc == 0) rc = sweep_ids(db, "SELECT id FROM reservations WHERE status = 'checked_in' AND end <= ?1 "
                                    "AND start > ?1 - 62 * 86400", now - grace, ids, 256, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsv_reservation r;
        rc = rsv_get(db, ids[i], &r);
        r.checked_in_at = 0;
        if (rc == 0) rc = set_state(db, &SWEEP, &r, RSV_COMPLETED, "no check-out recorded", "complete");
        (*changed)++;
    }
    /* Requests nobody approved before their start lapse. */
    if (rc == 0) rc = sweep_ids(db, "SELECT id FROM reservations WHERE status = 'requested' AND start <= ?1 "
                                    "AND start > ?1 - 62 * 86400", now, ids, 256, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsv_reservation r;
        rc = rsv_get(db, ids[i], &r);
        if (rc == 0) rc = set_state(db, &SWEEP, &r, RSV_REJECTED, "not approved before the start", "expire");
        (*changed)++;
    }
    if (rc == 0) rc = wl_expire(db, now);
    if (rc == 0) rc = db_commit(db);
    if (rc) { db_rollback(db); *changed = 0; }
    return rc;
}

/* ---- the project a booking is charged to ---- */

struct project_args { const actor_t *who; int64_t id, project_id; enum rsv_scope scope; lp_fail *f; };

static int set_project_one(db_t *db, const struct project_args *a, int64_t id)
{
    rsv_reservation r;
    char *before = NULL;
    int rc = rsv_get(db, id, &r);
    if (rc) return rc;
    if (r.project_id == a->project_id) return 0;
    if (!rsv_state_holds_slot(r.state))
        return lp_failf(a->f, LP_ERR_STATE, "status", "the project of a %s booking stays as it is", rsv_state_name(r.state));
    if ((rc = prj_check_booking(db, r.tenant_id, a->project_id, r.start, a->f)) != 0) return rc;
    rc = audit_snapshot(db, rsv_snapshot_sql(), r.id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE reservations SET project_id = NULLIF(?2, 0), updated_at = ?3 "
                                               "WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, r.id); db_bind_int(st, 2, a->project_id); db_bind_int(st, 3, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "set_project", "reservation", r.id, rsv_snapshot_sql(), before);
    if (rc == 0) rc = rsv_notify(db, r.id);
    free(before);
    return rc;
}

/* The booking, or the series members its scope covers; a series changed
 * from its first remaining occurrence on (all, or following) keeps the
 * project for what it makes later. */
static int do_set_project(db_t *db, void *p)
{
    struct project_args *a = p;
    rsv_reservation r;
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = rsv_get(db, a->id, &r);
    if (rc == 0) rc = scope_ids(db, &r, a->scope, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = set_project_one(db, a, ids[i]);
    free(ids);
    if (rc == 0 && r.series_id && a->scope != RSV_THIS) {
        sqlite3_stmt *st = db_stmt(db, "UPDATE series SET project_id = NULLIF(?2, 0) WHERE id = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, r.series_id);
        db_bind_int(st, 2, a->project_id);
        rc = db_exec_stmt(st);
    }
    return rc;
}

int rsv_set_project(db_t *db, const actor_t *who, int64_t id, enum rsv_scope scope, int64_t project_id, lp_fail *f)
{
    struct project_args a = { who, id, project_id, scope, f };
    if (!sqlite3_get_autocommit(db_handle(db))) return do_set_project(db, &a);
    return db_in_tx(db, do_set_project, &a);
}
