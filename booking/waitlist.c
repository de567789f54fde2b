/* waitlist.c: joining, leaving and promoting the waitlist (see waitlist.h).
 * Reads keep "none" apart from a failing database, and promotion stops at
 * the first database error instead of skipping the entry. */
#include "booking/waitlist.h"
#include "booking/spell.h"
#include "booking/outbox.h"
#include "booking/rsv.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SNAP_WL =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'person_id', person_id, 'start', start, "
    "'end', end, 'status', status, 'reservation_id', reservation_id) FROM waitlist WHERE id = ?1";

#define WL_COLS "id, resource_id, person_id, tenant_id, start, end, COALESCE(reservation_id, 0), created_at, title, status"

/* The one table of waitlist state spellings (stored and JSON alike). */
static const char *const WL_STATE_NAMES[WL_STATE_COUNT] = {
    [WL_WAITING] = "waiting", [WL_FULFILLED] = "fulfilled", [WL_CANCELLED] = "cancelled", [WL_EXPIRED] = "expired",
};

const char *wl_state_name(enum wl_state s)
{
    return (unsigned)s < WL_STATE_COUNT ? WL_STATE_NAMES[s] : "";
}

int wl_state_parse(const char *text, enum wl_state *out)
{
    int i = spell_find(WL_STATE_NAMES, WL_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum wl_state)i;
    return 0;
}

static int row_to_wl(sqlite3_stmt *st, void *elem)
{
    wl_entry *e = elem;
    memset(e, 0, sizeof *e);
    int64_t *v[] = { &e->id, &e->resource_id, &e->person_id, &e->tenant_id, &e->start, &e->end,
                     &e->reservation_id, &e->created_at };
    for (int i = 0; i < 8; i++) *v[i] = sqlite3_column_int64(st, i);
    snprintf(e->title, sizeof e->title, "%s", db_col_text(st, 8));
    return wl_state_parse(db_col_text(st, 9), &e->state) ? LP_ERR_DB : 0;   /* the CHECK constraint allows no other */
}

int wl_get(db_t *db, int64_t id, wl_entry *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " WL_COLS " FROM waitlist WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = row_to_wl(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int wl_join(db_t *db, const actor_t *who, wl_entry *e, lp_fail *f)
{
    res_resource r;
    rsv_request rq = { e->resource_id, e->person_id, e->tenant_id, e->start, e->end, e->title, 0, 0 };
    if (e->title[0] && !lp_text_ok(e->title, 200)) return lp_failf(f, LP_ERR_INVALID, "title", "title is not valid text");
    int rc = db_begin(db);
    if (rc) return rc;
    rc = res_get(db, e->resource_id, &r);
    if (rc == LP_ERR_NOTFOUND) rc = lp_failf(f, rc, "resource_id", "no such resource");
    lp_fail cf = { 0 };
    int chk = rc ? 0 : rsv_check(db, &rq, &r, &cf);
    if (rc == 0 && chk == 0)
        rc = lp_failf(f, LP_ERR_STATE, "slot", "the slot is free: book it instead of waiting");
    else if (rc == 0 && chk != LP_ERR_CONFLICT) { *f = cf; rc = chk; }
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO waitlist(resource_id, person_id, tenant_id, start, end, title, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, e->resource_id); db_bind_int(st, 2, e->person_id); db_bind_int(st, 3, e->tenant_id);
        db_bind_int(st, 4, e->start); db_bind_int(st, 5, e->end); db_bind_text(st, 6, e->title);
        db_bind_int(st, 7, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) { e->id = db_last_id(db); rc = audit_change(db, who, "join", "waitlist", e->id, SNAP_WL, NULL); }
    if (rc == 0) rc = wl_get(db, e->id, e);   /* inside: an error leaves nothing behind */
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

int wl_cancel(db_t *db, const actor_t *who, int64_t id)
{
    char *before = NULL;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_WL, id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE waitlist SET status = 'cancelled' WHERE id = ?1 AND status = 'waiting'");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, id); rc = db_exec_stmt(st); }
    if (rc == 0 && db_changes(db) == 0) rc = LP_ERR_STATE;
    if (rc == 0) rc = audit_change(db, who, "cancel", "waitlist", id, SNAP_WL, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

static int wl_id_row(sqlite3_stmt *st, void *elem)
{
    *(int64_t *)elem = sqlite3_column_int64(st, 0);
    return 0;
}

int wl_cancel_tenant(db_t *db, const actor_t *who, int64_t tenant_id, size_t *n)
{
    int64_t *ids = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM waitlist WHERE tenant_id = ?1 AND status = 'waiting' ORDER BY id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    size_t m = 0;
    int rc = db_collect(st, sizeof *ids, wl_id_row, (void **)&ids, &m);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        char *before = NULL;
        rc = audit_snapshot(db, SNAP_WL, ids[i], &before);
        st = rc ? NULL : db_stmt(db, "UPDATE waitlist SET status = 'cancelled' WHERE id = ?1");
        if (rc == 0 && !st) rc = LP_ERR_DB;
        if (rc == 0) { db_bind_int(st, 1, ids[i]); rc = db_exec_stmt(st); }
        if (rc == 0) rc = audit_change(db, who, "cancel_by_facility", "waitlist", ids[i], SNAP_WL, before);
        free(before);
    }
    if (rc == 0) *n = m;
    free(ids);
    return rc;
}

int wl_count_tenant(db_t *db, int64_t tenant_id, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COUNT(*) FROM waitlist WHERE tenant_id = ?1 AND status = 'waiting'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    int rc = db_get(st);
    if (rc) return rc;
    *n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int wl_list(db_t *db, int64_t tenant_id, int64_t person_id, int64_t before_id, size_t limit, wl_entry **out,
            size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " WL_COLS " FROM waitlist WHERE (?1 = 0 OR tenant_id = ?1) "
                                   "AND (?2 = 0 OR person_id = ?2) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, before_id);
    db_bind_int(st, 4, (int64_t)(limit > INT64_MAX ? INT64_MAX : limit));
    return db_collect(st, sizeof **out, row_to_wl, (void **)out, n);
}

static int fulfil(db_t *db, const wl_entry *e, int64_t rsv_id)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE waitlist SET status = 'fulfilled', reservation_id = ?2 WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, e->id);
    db_bind_int(st, 2, rsv_id);
    int rc = db_exec_stmt(st);
    actor_t who = { 0, "waitlist" };
    if (rc == 0) rc = audit_change(db, &who, "fulfil", "waitlist", e->id, SNAP_WL, NULL);
    mt_args a = { .id = rsv_id, .when = e->start };
    if (rc == 0) rc = obx_to_person(db, MT_WAITLIST_BOOKED, e->person_id, &a);
    return rc;
}

int wl_promote(db_t *db, int64_t resource_id, int64_t from, int64_t to)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " WL_COLS " FROM waitlist WHERE resource_id = ?1 AND status = 'waiting' "
                                   "AND start < ?3 AND end > ?2 ORDER BY created_at, id LIMIT 100");
    wl_entry *cand = NULL;
    size_t n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    int rc = db_collect(st, sizeof *cand, row_to_wl, (void **)&cand, &n);
    if (rc || n == 0) return rc;
    actor_t who = { 0, "waitlist" };
    res_resource r0;
    int64_t now = clk_now();
    rc = res_get(db, resource_id, &r0);
    if (rc) { free(cand); return rc == LP_ERR_NOTFOUND ? 0 : rc; }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rsv_request rq = { cand[i].resource_id, cand[i].person_id, cand[i].tenant_id, cand[i].start,
                           cand[i].end, cand[i].title, 0, 0 };
        /* A slot freed after it began (no-show) is offered from the next grid point on. */
        if (rq.start < now) {
            int64_t g = (int64_t)r0.granularity_min * 60, day = lt_day_start(now);
            rq.start = day + ((now - day + g - 1) / g) * g;
            if (rq.start >= rq.end) continue;
        }
        rsv_reservation r;
        lp_fail f = { 0 };
        rc = rsv_create(db, &who, &rq, &r, &f);   /* inside our transaction: no own commit */
        if (rc == 0) rc = fulfil(db, &cand[i], r.id);
        else if (rsv_is_refusal(rc)) rc = 0;       /* this one cannot have it: the next may */
    }
    free(cand);
    return rc;
}

int wl_expire(db_t *db, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE waitlist SET status = 'expired' WHERE status = 'waiting' AND start <= ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    return db_exec_stmt(st);
}

int wl_prune(db_t *db, int64_t before, int64_t *removed)
{
    *removed = 0;
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM waitlist WHERE status <> 'waiting' AND created_at < ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, before);
    int rc = db_exec_stmt(st);
    if (rc == 0) *removed = db_changes(db);
    return rc;
}
