/* rsv.c: reservation states, the change hooks, creation of reservations and
 * series, and reading them back (see rsv.h). The rules live in rsv_rules.c,
 * lifecycle changes in rsv_life.c. A write and its audit entry share one
 * transaction; an error returns with nothing written. */
#include "booking/rsv.h"
#include "booking/spell.h"
#include "booking/rsv_int.h"
#include "booking/recur.h"
#include "booking/project.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one table of reservation state spellings (stored and JSON alike). */
static const char *const RSV_STATE_NAMES[RSV_STATE_COUNT] = {
    [RSV_REQUESTED] = "requested", [RSV_CONFIRMED] = "confirmed", [RSV_CHECKED_IN] = "checked_in",
    [RSV_COMPLETED] = "completed", [RSV_CANCELLED] = "cancelled", [RSV_REJECTED] = "rejected",
    [RSV_NO_SHOW] = "no_show",
};

const char *rsv_state_name(enum rsv_state s)
{
    return (unsigned)s < RSV_STATE_COUNT ? RSV_STATE_NAMES[s] : "";
}

int rsv_state_parse(const char *text, enum rsv_state *out)
{
    int i = spell_find(RSV_STATE_NAMES, RSV_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum rsv_state)i;
    return 0;
}

int rsv_state_holds_slot(enum rsv_state s)
{
    switch (s) {
    case RSV_REQUESTED:
    case RSV_CONFIRMED:
    case RSV_CHECKED_IN: return 1;
    case RSV_COMPLETED:
    case RSV_CANCELLED:
    case RSV_REJECTED:
    case RSV_NO_SHOW: return 0;
    }
    return 0;
}

int rsv_is_refusal(int rc)
{
    switch ((lp_err)rc) {
    case LP_ERR_INVALID:
    case LP_ERR_NOTFOUND:
    case LP_ERR_CONFLICT:
    case LP_ERR_FORBIDDEN:
    case LP_ERR_UNAUTH:
    case LP_ERR_RULE:
    case LP_ERR_TOOBIG:
    case LP_ERR_STATE: return 1;
    case LP_OK:
    case LP_ERR_NOMEM:
    case LP_ERR_DB:
    case LP_ERR_IO:
    case LP_ERR_THROTTLED:
    case LP_ERR_CRYPTO:
    case LP_ERR_BUSY:
    case LP_ERR_TIMEOUT:
    case LP_ERR_INTERNAL: return 0;
    }
    return 0;
}

#define MAX_HOOKS 4
static rsv_hook g_hooks[MAX_HOOKS];

void rsv_on_change(rsv_hook hook)
{
    for (int i = 0; i < MAX_HOOKS; i++)
        if (!g_hooks[i] || g_hooks[i] == hook) { g_hooks[i] = hook; return; }
}

int rsv_notify(db_t *db, int64_t id)
{
    rsv_reservation r;
    if (!g_hooks[0]) return 0;
    int rc = rsv_get(db, id, &r);
    for (int i = 0; rc == 0 && i < MAX_HOOKS && g_hooks[i]; i++) rc = g_hooks[i](db, &r);
    return rc;
}

/* ---- writing ---- */

static const char *SNAP_RSV =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'person_id', person_id, 'tenant_id', tenant_id, "
    "'series_id', series_id, 'title', title, 'start', start, 'end', end, 'status', status, 'reason', reason, 'fee_waived', fee_waived, "
    "'project_id', project_id) FROM reservations WHERE id = ?1";

const char *rsv_snapshot_sql(void) { return SNAP_RSV; }

/* A reservation as webhook receivers get it ("data" of reservation.*). */
static const char WEBHOOK_RSV[] =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'person_id', person_id, 'tenant_id', tenant_id, "
    "'series_id', series_id, 'title', title, 'start', strftime('%Y-%m-%dT%H:%M:%SZ', start, 'unixepoch'), "
    "'end', strftime('%Y-%m-%dT%H:%M:%SZ', end, 'unixepoch'), 'status', status, 'reason', reason) "
    "FROM reservations WHERE id = ?1";

const char *rsv_webhook_sql(void) { return WEBHOOK_RSV; }

static int insert(db_t *db, const actor_t *who, const rsv_request *rq, const res_resource *r,
                  int64_t series_id, int64_t *id)
{
    int64_t bs = rq->start - (int64_t)r->buffer_before_min * 60, be = rq->end + (int64_t)r->buffer_after_min * 60;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO reservations(resource_id, person_id, tenant_id, booked_by, series_id, title, start, end, "
        "block_start, block_end, status, created_at, updated_at, project_id) "
        "VALUES (?1, ?2, ?3, ?4, NULLIF(?5, 0), ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, NULLIF(?13, 0))");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->resource_id); db_bind_int(st, 2, rq->person_id); db_bind_int(st, 3, rq->tenant_id);
    db_bind_text(st, 4, who && who->label ? who->label : "system"); db_bind_int(st, 5, series_id);
    db_bind_text(st, 6, rq->title ? rq->title : ""); db_bind_int(st, 7, rq->start); db_bind_int(st, 8, rq->end);
    db_bind_int(st, 9, bs); db_bind_int(st, 10, be);
    db_bind_text(st, 11, rsv_state_name(r->approval_required ? RSV_REQUESTED : RSV_CONFIRMED));
    db_bind_int(st, 12, clk_now());
    db_bind_int(st, 13, rq->project_id);
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    *id = db_last_id(db);
    st = db_stmt(db, "UPDATE resources SET longest_block = ?2 WHERE id = ?1 AND longest_block < ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->resource_id);
    db_bind_int(st, 2, be - bs);
    rc = db_exec_stmt(st);
    if (rc == 0) rc = audit_change(db, who, "create", "reservation", *id, SNAP_RSV, NULL);
    if (rc == 0) rc = rsv_notify(db, *id);
    if (rc == 0) rc = whk_emit(db, WHK_EV_RESERVATION_CREATED, WEBHOOK_RSV, *id);
    return rc;
}

static int valid_title(const rsv_request *rq, lp_fail *f)
{
    if (rq->title && rq->title[0] && !lp_text_ok(rq->title, 200))
        return lp_failf(f, LP_ERR_INVALID, "title", "title must be at most 200 characters of text");
    return 0;
}

int rsv_create(db_t *db, const actor_t *who, const rsv_request *rq, rsv_reservation *out, lp_fail *f)
{
    res_resource r;
    int64_t id = 0;
    rsv_request one = *rq;
    int rc = valid_title(rq, f);
    if (rc) return rc;
    int own = sqlite3_get_autocommit(db_handle(db));
    if (own && (rc = db_begin(db)) != 0) return rc;
    rc = res_get(db, rq->resource_id, &r);
    if (rc == LP_ERR_NOTFOUND) rc = lp_failf(f, rc, "resource_id", "no such resource");
    if (rc == 0) rc = rsv_check(db, rq, &r, f);
    if (rc == 0 && rq->project_id == RSV_NO_PROJECT) {
        one.project_id = 0;
        rc = prj_check_booking(db, rq->tenant_id, 0, rq->start, f);
    } else if (rc == 0) {
        rc = prj_for_booking(db, rq->tenant_id, rq->person_id, rq->start, &one.project_id, f);
    }
    if (rc == 0) rc = insert(db, who, &one, &r, 0, &id);
    if (rc == 0) rc = rsv_get(db, id, out);   /* inside: an error leaves nothing behind */
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}

static int add_skip(rsv_skip **sk, size_t *n, const struct recur_occ *o, const lp_fail *f)
{
    rsv_skip *ns = realloc(*sk, (*n + 1) * sizeof **sk);
    if (!ns) return LP_ERR_NOMEM;
    *sk = ns;
    ns[*n].start = o->start;
    ns[*n].end = o->end;
    snprintf(ns[*n].reason, sizeof ns[*n].reason, "%s", f->detail[0] ? f->detail : "refused");
    (*n)++;
    return 0;
}

static int series_row(db_t *db, const char *rrule, int64_t project_id, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO series(rrule, created_at, project_id) VALUES (?1, ?2, NULLIF(?3, 0))");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, rrule);
    db_bind_int(st, 2, clk_now());
    db_bind_int(st, 3, project_id);
    int rc = db_exec_stmt(st);
    *id = db_last_id(db);
    return rc;
}

/* Books each occurrence; a refused one aborts, or is skipped when skip is set. */
static int book_occurrences(db_t *db, const actor_t *who, const rsv_request *rq, const res_resource *r,
                            const struct recur_occ *occ, size_t n, int skip, int64_t sid, int64_t *ids,
                            size_t *n_ids, rsv_skip **skipped, size_t *n_skipped, lp_fail *f)
{
    for (size_t i = 0; i < n; i++) {
        rsv_request one = *rq;
        lp_fail of = { 0 };
        one.start = occ[i].start;
        one.end = occ[i].end;
        int rc = rsv_check(db, &one, r, &of);
        if (rc == 0) rc = prj_check_booking(db, one.tenant_id, one.project_id, one.start, &of);
        if (rc && !rsv_is_refusal(rc)) return rc;
        if (rc && !skip) {
            char when[LT_RFC3339_LEN];
            lt_format(occ[i].start, when);
            *f = of;
            snprintf(f->detail, sizeof f->detail, "occurrence %s: %.180s", when, of.detail);
            return rc;
        }
        if (rc) { if ((rc = add_skip(skipped, n_skipped, &occ[i], &of)) != 0) return rc; continue; }
        if ((rc = insert(db, who, &one, r, sid, &ids[*n_ids])) != 0) return rc;
        (*n_ids)++;
    }
    if (*n_ids == 0) return lp_failf(f, LP_ERR_CONFLICT, "rrule", "no occurrence of the series could be booked");
    return 0;
}

int rsv_create_series(db_t *db, const actor_t *who, const rsv_request *rq, const char *rrule, int skip,
                      int64_t *series_id, int64_t **ids, size_t *n_ids, rsv_skip **skipped,
                      size_t *n_skipped, lp_fail *f)
{
    struct recur_occ *occ = NULL;
    size_t n = 0;
    res_resource r;
    *ids = NULL; *skipped = NULL; *n_ids = 0; *n_skipped = 0;
    rsv_request one = *rq;
    int rc = valid_title(rq, f);
    if (rc == 0) rc = recur_expand(rrule, rq->start, rq->end, &occ, &n);
    if (rc == LP_ERR_INVALID || rc == LP_ERR_TOOBIG)
        return lp_failf(f, LP_ERR_INVALID, "rrule", "the recurrence rule is not accepted (bounded RRULE with "
                        "COUNT or UNTIL, at most %d occurrences, DAILY or coarser)", RECUR_MAX_OCC);
    if (rc) return rc;
    *ids = calloc(n, sizeof **ids);
    int own = sqlite3_get_autocommit(db_handle(db));
    rc = *ids ? 0 : LP_ERR_NOMEM;
    if (rc == 0 && own) rc = db_begin(db);
    if (rc == 0) {
        rc = res_get(db, rq->resource_id, &r);
        if (rc == LP_ERR_NOTFOUND) rc = lp_failf(f, rc, "resource_id", "no such resource");
        /* the series' project: as asked or the default, checked whole here and per occurrence below */
        if (rc == 0 && one.project_id == RSV_NO_PROJECT) one.project_id = 0;
        else if (rc == 0 && !one.project_id) rc = prj_default_get(db, one.person_id, &one.project_id);
        if (rc == 0) rc = prj_check_booking(db, one.tenant_id, one.project_id, one.start, f);
        if (rc == LP_ERR_RULE && !strcmp(f->field, "project_validity")) rc = 0;   /* judged per occurrence */
        if (rc == 0) rc = series_row(db, rrule, one.project_id, series_id);
        if (rc == 0) rc = book_occurrences(db, who, &one, &r, occ, n, skip, *series_id, *ids, n_ids, skipped,
                                           n_skipped, f);
        if (own) {
            if (rc == 0) rc = db_commit(db);
            if (rc) db_rollback(db);
        }
    }
    free(occ);
    if (rc) {
        free(*ids); free(*skipped);
        *ids = NULL; *skipped = NULL; *n_ids = 0; *n_skipped = 0;
    }
    return rc;
}

/* ---- reading ---- */

#define RSV_COLS "id, resource_id, person_id, tenant_id, COALESCE(series_id, 0), booked_by, title, start, end, " \
    "block_start, block_end, status, reason, COALESCE(checked_in_at, 0), COALESCE(checked_out_at, 0), " \
    "COALESCE(cancelled_at, 0), created_at, updated_at, fee_waived, COALESCE(project_id, 0)"

static int row_to_rsv(sqlite3_stmt *st, rsv_reservation *r)
{
    memset(r, 0, sizeof *r);
    int64_t *ints1[] = { &r->id, &r->resource_id, &r->person_id, &r->tenant_id, &r->series_id };
    for (int i = 0; i < 5; i++) *ints1[i] = sqlite3_column_int64(st, i);
    snprintf(r->booked_by, sizeof r->booked_by, "%s", db_col_text(st, 5));
    snprintf(r->title, sizeof r->title, "%s", db_col_text(st, 6));
    int64_t *ints2[] = { &r->start, &r->end, &r->block_start, &r->block_end };
    for (int i = 0; i < 4; i++) *ints2[i] = sqlite3_column_int64(st, 7 + i);
    snprintf(r->reason, sizeof r->reason, "%s", db_col_text(st, 12));
    int64_t *ints3[] = { &r->checked_in_at, &r->checked_out_at, &r->cancelled_at, &r->created_at, &r->updated_at };
    for (int i = 0; i < 5; i++) *ints3[i] = sqlite3_column_int64(st, 13 + i);
    r->fee_waived = sqlite3_column_int(st, 18) != 0;
    r->project_id = sqlite3_column_int64(st, 19);
    return rsv_state_parse(db_col_text(st, 11), &r->state) ? LP_ERR_DB : 0;   /* the CHECK constraint allows no other */
}

int rsv_get(db_t *db, int64_t id, rsv_reservation *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = row_to_rsv(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

/* Three plans: one resource's slot holders through the overlap index; one
 * resource's reservations through its (resource_id, start) index; or
 * everything in the window through the start index. The last two read at
 * most the 31 days (the longest possible block) before `from`. */
/* (start, id) after (?8, ?9); ids start at 1, so ?9 = 0 means "from the first" */
#define RSV_AFTER "AND (?9 = 0 OR start > ?8 OR (start = ?8 AND id > ?9))"
static sqlite3_stmt *list_stmt(db_t *db, const rsv_filter *q)
{
    /* Slot holders of one resource whose block overlaps the window: the
     * partial overlap index, bounded by the resource's longest block. */
    if (q->resource_id && q->holding_only && !q->tenant_id && !q->person_id)
        return db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE resource_id = ?3 "
                           "AND status IN ('requested','confirmed','checked_in') "
                           "AND block_start > ?1 - (SELECT longest_block FROM resources WHERE id = ?3) - 1 "
                           "AND block_start < ?2 AND block_end > ?1 AND ?4 = 0 AND ?5 = 0 AND ?6 = 1 AND ?8 = 0 AND ?9 = 0 "
                           "ORDER BY block_start, id LIMIT ?7");
    if (q->resource_id)
        return db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE resource_id = ?3 AND start < ?2 "
                           "AND start > ?1 - 31 * 86400 AND end > ?1 AND (?4 = 0 OR tenant_id = ?4) "
                           "AND (?5 = 0 OR person_id = ?5) "
                           "AND (?6 = 0 OR status IN ('requested','confirmed','checked_in')) " RSV_AFTER " ORDER BY start, id LIMIT ?7");
    return db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE start < ?2 AND start > ?1 - 31 * 86400 "
                       "AND end > ?1 AND (?4 = 0 OR tenant_id = ?4) AND (?5 = 0 OR person_id = ?5) "
                       "AND (?6 = 0 OR status IN ('requested','confirmed','checked_in')) " RSV_AFTER " ORDER BY start, id LIMIT ?7");
}

static int rsv_row(sqlite3_stmt *st, void *r) { return row_to_rsv(st, r); }

int rsv_list(db_t *db, const rsv_filter *q, rsv_reservation **out, size_t *n)
{
    return rsv_list_page(db, q, NULL, out, n);
}

int rsv_list_page(db_t *db, const rsv_filter *q, const int64_t *after, rsv_reservation **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (after && q->resource_id && q->holding_only && !q->tenant_id && !q->person_id)
        return LP_ERR_INVALID;   /* that plan is sorted by block: no (start, id) paging */
    sqlite3_stmt *st = list_stmt(db, q);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, q->from); db_bind_int(st, 2, q->to); db_bind_int(st, 3, q->resource_id);
    db_bind_int(st, 4, q->tenant_id); db_bind_int(st, 5, q->person_id); db_bind_int(st, 6, q->holding_only);
    db_bind_int(st, 7, (int64_t)(q->limit ? q->limit : 5000));
    db_bind_int(st, 8, after ? after[0] : 0); db_bind_int(st, 9, after ? after[1] : 0);
    return db_collect(st, sizeof **out, rsv_row, (void **)out, n);
}

int rsv_tenant_ahead(db_t *db, int64_t tenant_id, int64_t now, rsv_reservation **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE tenant_id = ?1 AND end > ?2 "
                                   "AND status IN ('requested','confirmed') ORDER BY start, id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, now);
    return db_collect(st, sizeof **out, rsv_row, (void **)out, n);
}

int rsv_parse_scope(const char *s, enum rsv_scope *out)
{
    static const char *names[] = { "this", "following", "all" };
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) { *out = (enum rsv_scope)i; return 0; }
    return LP_ERR_INVALID;
}
