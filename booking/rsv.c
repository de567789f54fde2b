/* rsv.c: booking rules, the overlap check and creation of reservations and
 * series (see rsv.h). Lifecycle changes live in rsv_life.c. */
#include "booking/rsv.h"
#include "booking/qual.h"
#include "booking/recur.h"
#include "booking/slots.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void fmt_iv(int64_t s, int64_t e, char *out, size_t len)
{
    char a[LT_RFC3339_LEN], b[LT_RFC3339_LEN];
    lt_format(s, a);
    lt_format(e, b);
    snprintf(out, len, "%s to %s", a, b);
}

/* ---- the rules ---- */

static int check_tenant(db_t *db, int64_t tenant_id, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status FROM tenants WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    int rc = lp_failf(f, LP_ERR_FORBIDDEN, "tenant", "the person has no tenant to book for");
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = strcmp(db_col_text(st, 0), "active") == 0 ? 0
             : lp_failf(f, LP_ERR_FORBIDDEN, "tenant", "the tenant is %s and cannot book", db_col_text(st, 0));
    sqlite3_reset(st);
    return rc;
}

/* The person is active and a member of the tenant the booking is for (a
 * waitlist entry or a booking may outlive either). */
static int check_person(db_t *db, const rsv_request *rq, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT p.status = 'active', COALESCE(m.tenant_id, 0) FROM people p "
                                   "LEFT JOIN memberships m ON m.person_id = p.id WHERE p.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->person_id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    int active = found && sqlite3_column_int(st, 0);
    int64_t tenant = found ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_reset(st);
    if (!found) return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "no such person");
    if (!active) return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "the person is disabled");
    if (tenant != rq->tenant_id)
        return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "the person is not a member of the tenant");
    return 0;
}

static int check_times(const rsv_request *rq, const res_resource *r, int64_t now, lp_fail *f)
{
    int64_t s = rq->start, e = rq->end;
    if (e <= s) return lp_failf(f, LP_ERR_INVALID, "end", "end must be after start");
    if (strcmp(r->status, "out_of_service") == 0 && (r->oos_until == 0 || r->oos_until > s))
        return lp_failf(f, LP_ERR_RULE, "out_of_service", "the resource is out of service: %s", r->oos_reason);
    if (slots_check_duration(s, e, (int64_t)r->min_minutes * 60, (int64_t)r->max_minutes * 60))
        return lp_failf(f, LP_ERR_RULE, "duration", "a booking must last %d to %d minutes", r->min_minutes,
                        r->max_minutes);
    if (slots_check_aligned(s, e, (unsigned)r->granularity_min))
        return lp_failf(f, LP_ERR_RULE, "granularity", "start and end must be on a %d-minute grid",
                        r->granularity_min);
    if (s < now) return lp_failf(f, LP_ERR_RULE, "in_the_past", "the booking starts in the past");
    if (s < now + (int64_t)r->min_notice_min * 60)
        return lp_failf(f, LP_ERR_RULE, "min_notice", "book at least %d minutes ahead", r->min_notice_min);
    if (s > now + (int64_t)r->max_advance_days * 86400)
        return lp_failf(f, LP_ERR_RULE, "max_advance", "book at most %d days ahead", r->max_advance_days);
    if (r->has_hours && slots_check_open(&r->hours, s, e))
        return lp_failf(f, LP_ERR_RULE, "opening_hours", "the booking is outside opening hours");
    return 0;
}

static int check_closures(db_t *db, const rsv_request *rq, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT start, end, reason FROM closures WHERE end > ?2 AND start < ?3 "
                                   "AND (resource_id IS NULL OR resource_id = ?1) ORDER BY start LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->resource_id);
    db_bind_int(st, 2, rq->start);
    db_bind_int(st, 3, rq->end);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        char iv[80];
        fmt_iv(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), iv, sizeof iv);
        rc = lp_failf(f, LP_ERR_RULE, "closure", "closed from %s (%s)", iv, db_col_text(st, 2));
    }
    sqlite3_reset(st);
    return rc;
}

/* Minutes the tenant has booked on the resource with a start in [from, to). */
static int64_t booked_minutes(db_t *db, const rsv_request *rq, int64_t from, int64_t to)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT COALESCE(sum(end - start), 0) FROM reservations WHERE tenant_id = ?1 AND resource_id = ?2 "
        "AND start >= ?3 AND start < ?4 AND id != ?5 "
        "AND status IN ('requested','confirmed','checked_in','completed')");
    if (!st) return -1;
    db_bind_int(st, 1, rq->tenant_id); db_bind_int(st, 2, rq->resource_id);
    db_bind_int(st, 3, from); db_bind_int(st, 4, to); db_bind_int(st, 5, rq->exclude_id);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) / 60 : -1;
    sqlite3_reset(st);
    return v;
}

static int check_quota(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f)
{
    struct tm tm;
    int64_t mins = (rq->end - rq->start) / 60;
    lt_local(rq->start, &tm);
    if (r->quota_week_min) {
        int back = (tm.tm_wday + 6) % 7;   /* days since Monday */
        int64_t from = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - back, 0, 0, 0);
        int64_t to = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - back + 7, 0, 0, 0);
        int64_t used = booked_minutes(db, rq, from, to);
        if (used < 0) return LP_ERR_DB;
        if (used + mins > r->quota_week_min)
            return lp_failf(f, LP_ERR_RULE, "quota_week", "the tenant's weekly quota of %d minutes on this "
                            "resource would be exceeded (%lld used)", r->quota_week_min, (long long)used);
    }
    if (r->quota_month_min) {
        int64_t from = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, 1, 0, 0, 0);
        int64_t to = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 2, 1, 0, 0, 0);
        int64_t used = booked_minutes(db, rq, from, to);
        if (used < 0) return LP_ERR_DB;
        if (used + mins > r->quota_month_min)
            return lp_failf(f, LP_ERR_RULE, "quota_month", "the tenant's monthly quota of %d minutes on this "
                            "resource would be exceeded (%lld used)", r->quota_month_min, (long long)used);
    }
    return 0;
}

/* Holding blocks one overlap check reads at most; a window holding more is
 * refused (409) rather than judged on a part of it. */
#define OVERLAP_MAX 100000

/* The blocks holding resource_id that overlap [bs, be) (other than
 * reservation `exclude`), in block_start order, at most `limit`, into a new
 * array (caller frees); the first one's booking times in *first_s, *first_e
 * (may be NULL). longest is the resource's longest_block: the index range read. */
static int holding_blocks(db_t *db, int64_t resource_id, int64_t longest, int64_t exclude, int64_t limit,
                          int64_t bs, int64_t be, struct slots_iv **out, size_t *n, int64_t *first_s,
                          int64_t *first_e)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT block_start, block_end, start, end FROM reservations "
        "WHERE resource_id = ?1 AND status IN ('requested','confirmed','checked_in') "
        "AND block_start > ?2 - ?4 - 1 AND block_start < ?3 AND block_end > ?2 AND id != ?5 "
        "ORDER BY block_start LIMIT ?6");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id); db_bind_int(st, 2, bs); db_bind_int(st, 3, be);
    db_bind_int(st, 4, longest); db_bind_int(st, 5, exclude); db_bind_int(st, 6, limit);
    struct slots_iv *iv = NULL;
    size_t cap = 0;
    int rc = 0;
    *n = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            struct slots_iv *ni = realloc(iv, (cap = cap ? 2 * cap : 64) * sizeof *iv);
            if (!ni) { rc = LP_ERR_NOMEM; break; }
            iv = ni;
        }
        iv[*n].start = sqlite3_column_int64(st, 0);
        iv[*n].end = sqlite3_column_int64(st, 1);
        if (*n == 0 && first_s) { *first_s = sqlite3_column_int64(st, 2); *first_e = sqlite3_column_int64(st, 3); }
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc) { free(iv); iv = NULL; *n = 0; }
    *out = iv;
    return rc;
}

int rsv_blocks(db_t *db, const res_resource *r, int64_t from, int64_t to, struct slots_iv **out, size_t *n)
{
    return holding_blocks(db, r->id, r->longest_block, 0, OVERLAP_MAX, from, to, out, n, NULL, NULL);
}

/* The overlap check: blocks (booking plus buffers) that hold the resource. */
static int check_overlap(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f)
{
    int64_t bs = rq->start - (int64_t)r->buffer_before_min * 60, be = rq->end + (int64_t)r->buffer_after_min * 60;
    struct slots_iv *iv = NULL;
    int64_t first_s = 0, first_e = 0;
    size_t n = 0;
    /* with capacity 1 the first block decides */
    int rc = holding_blocks(db, rq->resource_id, r->longest_block, rq->exclude_id,
                            r->capacity > 1 ? OVERLAP_MAX + 1 : 1, bs, be, &iv, &n, &first_s, &first_e);
    if (rc || n == 0) { free(iv); return rc; }
    int blocked = n >= (size_t)r->capacity;
    if (blocked && r->capacity > 1 && n <= OVERLAP_MAX) {   /* beyond OVERLAP_MAX: blocked */
        struct slots_iv *free_iv = NULL;
        size_t nf = 0;
        rc = slots_below_capacity(iv, n, (unsigned)r->capacity, bs, be, &free_iv, &nf);
        if (rc == 0) blocked = slots_check_within(free_iv, nf, bs, be) != 0;
        free(free_iv);
    }
    free(iv);
    if (rc || !blocked) return rc;
    char when[80];
    fmt_iv(first_s, first_e, when, sizeof when);
    return lp_failf(f, LP_ERR_CONFLICT, "slot", "the resource is booked from %s%s", when,
                    r->buffer_before_min || r->buffer_after_min ? " (with cleaning buffers)" : "");
}

int rsv_check_slot(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f)
{
    int rc = check_times(rq, r, clk_now(), f);
    if (rc == 0) rc = check_closures(db, rq, f);
    if (rc == 0) rc = check_overlap(db, rq, r, f);
    return rc;
}

int rsv_check(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f)
{
    int rc = check_tenant(db, rq->tenant_id, f);
    if (rc == 0) rc = check_person(db, rq, f);
    if (rc == 0) rc = check_times(rq, r, clk_now(), f);
    if (rc == 0) rc = check_closures(db, rq, f);
    if (rc == 0) rc = check_quota(db, rq, r, f);
    if (rc == 0) rc = qual_check(db, rq->person_id, rq->resource_id, rq->start, rq->end, f);
    if (rc == 0) rc = check_overlap(db, rq, r, f);
    return rc;
}

/* ---- writing ---- */

static const char *SNAP_RSV =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'person_id', person_id, 'tenant_id', tenant_id, "
    "'series_id', series_id, 'title', title, 'start', start, 'end', end, 'status', status, 'reason', reason) "
    "FROM reservations WHERE id = ?1";

const char *rsv_snapshot_sql(void) { return SNAP_RSV; }

static int insert(db_t *db, const actor_t *who, const rsv_request *rq, const res_resource *r,
                  int64_t series_id, int64_t *id)
{
    int64_t bs = rq->start - (int64_t)r->buffer_before_min * 60, be = rq->end + (int64_t)r->buffer_after_min * 60;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO reservations(resource_id, person_id, tenant_id, booked_by, series_id, title, start, end, "
        "block_start, block_end, status, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, NULLIF(?5, 0), ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->resource_id); db_bind_int(st, 2, rq->person_id); db_bind_int(st, 3, rq->tenant_id);
    db_bind_text(st, 4, who && who->label ? who->label : "system"); db_bind_int(st, 5, series_id);
    db_bind_text(st, 6, rq->title ? rq->title : ""); db_bind_int(st, 7, rq->start); db_bind_int(st, 8, rq->end);
    db_bind_int(st, 9, bs); db_bind_int(st, 10, be);
    db_bind_text(st, 11, r->approval_required ? "requested" : "confirmed");
    db_bind_int(st, 12, clk_now());
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
    int rc = valid_title(rq, f);
    if (rc) return rc;
    int own = sqlite3_get_autocommit(db_handle(db));
    if (own && (rc = db_begin(db)) != 0) return rc;
    rc = res_get(db, rq->resource_id, &r);
    if (rc == LP_ERR_NOTFOUND) rc = lp_failf(f, rc, "resource_id", "no such resource");
    if (rc == 0) rc = rsv_check(db, rq, &r, f);
    if (rc == 0) rc = insert(db, who, rq, &r, 0, &id);
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc ? rc : rsv_get(db, id, out);
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

static int series_row(db_t *db, const char *rrule, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO series(rrule, created_at) VALUES (?1, ?2)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, rrule);
    db_bind_int(st, 2, clk_now());
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
        if (rc == LP_ERR_DB || rc == LP_ERR_NOMEM) return rc;
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
        if (rc == 0) rc = series_row(db, rrule, series_id);
        if (rc == 0) rc = book_occurrences(db, who, rq, &r, occ, n, skip, *series_id, *ids, n_ids, skipped,
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
    "COALESCE(cancelled_at, 0), created_at, updated_at"

static void row_to_rsv(sqlite3_stmt *st, rsv_reservation *r)
{
    memset(r, 0, sizeof *r);
    int64_t *ints1[] = { &r->id, &r->resource_id, &r->person_id, &r->tenant_id, &r->series_id };
    for (int i = 0; i < 5; i++) *ints1[i] = sqlite3_column_int64(st, i);
    snprintf(r->booked_by, sizeof r->booked_by, "%s", db_col_text(st, 5));
    snprintf(r->title, sizeof r->title, "%s", db_col_text(st, 6));
    int64_t *ints2[] = { &r->start, &r->end, &r->block_start, &r->block_end };
    for (int i = 0; i < 4; i++) *ints2[i] = sqlite3_column_int64(st, 7 + i);
    snprintf(r->status, sizeof r->status, "%s", db_col_text(st, 11));
    snprintf(r->reason, sizeof r->reason, "%s", db_col_text(st, 12));
    int64_t *ints3[] = { &r->checked_in_at, &r->checked_out_at, &r->cancelled_at, &r->created_at, &r->updated_at };
    for (int i = 0; i < 5; i++) *ints3[i] = sqlite3_column_int64(st, 13 + i);
}

int rsv_get(db_t *db, int64_t id, rsv_reservation *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = LP_ERR_NOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) { row_to_rsv(st, out); rc = 0; }
    sqlite3_reset(st);
    return rc;
}

/* Three plans: one resource's slot holders through the overlap index; one
 * resource's reservations through its (resource_id, start) index; or
 * everything in the window through the start index. The last two read at
 * most the 31 days (the longest possible block) before `from`. */
static sqlite3_stmt *list_stmt(db_t *db, const rsv_filter *q)
{
    /* Slot holders of one resource whose block overlaps the window: the
     * partial overlap index, bounded by the resource's longest block. */
    if (q->resource_id && q->holding_only && !q->tenant_id && !q->person_id)
        return db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE resource_id = ?3 "
                           "AND status IN ('requested','confirmed','checked_in') "
                           "AND block_start > ?1 - (SELECT longest_block FROM resources WHERE id = ?3) - 1 "
                           "AND block_start < ?2 AND block_end > ?1 AND ?4 = 0 AND ?5 = 0 AND ?6 = 1 "
                           "ORDER BY block_start, id LIMIT ?7");
    if (q->resource_id)
        return db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE resource_id = ?3 AND start < ?2 "
                           "AND start > ?1 - 31 * 86400 AND end > ?1 AND (?4 = 0 OR tenant_id = ?4) "
                           "AND (?5 = 0 OR person_id = ?5) "
                           "AND (?6 = 0 OR status IN ('requested','confirmed','checked_in')) ORDER BY start, id LIMIT ?7");
    return db_stmt(db, "SELECT " RSV_COLS " FROM reservations WHERE start < ?2 AND start > ?1 - 31 * 86400 "
                       "AND end > ?1 AND (?4 = 0 OR tenant_id = ?4) AND (?5 = 0 OR person_id = ?5) "
                       "AND (?6 = 0 OR status IN ('requested','confirmed','checked_in')) ORDER BY start, id LIMIT ?7");
}

static int rsv_row(sqlite3_stmt *st, void *r) { row_to_rsv(st, r); return 0; }

int rsv_list(db_t *db, const rsv_filter *q, rsv_reservation **out, size_t *n)
{
    sqlite3_stmt *st = list_stmt(db, q);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, q->from); db_bind_int(st, 2, q->to); db_bind_int(st, 3, q->resource_id);
    db_bind_int(st, 4, q->tenant_id); db_bind_int(st, 5, q->person_id); db_bind_int(st, 6, q->holding_only);
    db_bind_int(st, 7, (int64_t)(q->limit ? q->limit : 5000));
    return db_collect(st, sizeof **out, rsv_row, (void **)out, n);
}

int rsv_parse_scope(const char *s, enum rsv_scope *out)
{
    static const char *names[] = { "this", "following", "all" };
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) { *out = (enum rsv_scope)i; return 0; }
    return LP_ERR_INVALID;
}
