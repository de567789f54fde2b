/* rsv_rules.c: the booking rules of rsv.h, read-only: the tenant and the
 * person may book, times (duration, grid, notice, advance, opening hours),
 * closures, quotas, qualifications and the overlap check against the blocks
 * that hold the resource (one index range read). Every rule returns the
 * database's error as it is, never a refusal in its place. */
#include "booking/rsv.h"
#include "booking/qual.h"
#include "booking/slots.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    tnt_tenant t;
    int rc = tnt_get(db, tenant_id, &t);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, LP_ERR_FORBIDDEN, "tenant", "the person has no tenant to book for");
    if (rc) return rc;
    switch (t.state) {
    case TNT_ACTIVE: return 0;
    case TNT_SUSPENDED:
    case TNT_OFFBOARDED: break;
    }
    return lp_failf(f, LP_ERR_FORBIDDEN, "tenant", "the tenant is %s and cannot book", tnt_state_name(t.state));
}

/* The person is active and a member of the tenant the booking is for (a
 * waitlist entry or a booking may outlive either). */
static int check_person(db_t *db, const rsv_request *rq, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT p.status = 'active', COALESCE(m.tenant_id, 0) FROM people p "
                                   "LEFT JOIN memberships m ON m.person_id = p.id WHERE p.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->person_id);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "no such person");
    if (rc) return rc;
    int active = sqlite3_column_int(st, 0);
    int64_t tenant = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    if (!active) return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "the person is disabled");
    if (tenant != rq->tenant_id)
        return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "the person is not a member of the tenant");
    return 0;
}

static int check_times(const rsv_request *rq, const res_resource *r, int64_t now, lp_fail *f)
{
    int64_t s = rq->start, e = rq->end;
    if (e <= s) return lp_failf(f, LP_ERR_INVALID, "end", "end must be after start");
    if (r->state == RES_OUT_OF_SERVICE && (r->oos_until == 0 || r->oos_until > s))
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
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    char iv[80];
    fmt_iv(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), iv, sizeof iv);
    rc = lp_failf(f, LP_ERR_RULE, "closure", "closed from %s (%s)", iv, db_col_text(st, 2));
    sqlite3_reset(st);
    return rc;
}

/* A downtime of the resource (booking/downtime.h) overlapping the booking. */
static int check_downtime(db_t *db, const rsv_request *rq, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, start, end, kind, reason FROM downtimes WHERE resource_id = ?1 "
                                   "AND start < ?3 AND (end IS NULL OR end > ?2) ORDER BY start LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->resource_id);
    db_bind_int(st, 2, rq->start);
    db_bind_int(st, 3, rq->end);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    char iv[80], a[LT_RFC3339_LEN];
    if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
        lt_format(sqlite3_column_int64(st, 1), a);
        snprintf(iv, sizeof iv, "%s until further notice", a);
    } else {
        fmt_iv(sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), iv, sizeof iv);
    }
    rc = lp_failf(f, LP_ERR_RULE, "downtime", "out of service (downtime %lld, %s) from %s: %s",
                  (long long)sqlite3_column_int64(st, 0), db_col_text(st, 3), iv, db_col_text(st, 4));
    sqlite3_reset(st);
    return rc;
}

/* Minutes the tenant has booked on the resource with a start in [from, to),
 * into *mins. */
static int booked_minutes(db_t *db, const rsv_request *rq, int64_t from, int64_t to, int64_t *mins)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT COALESCE(sum(end - start), 0) FROM reservations WHERE tenant_id = ?1 AND resource_id = ?2 "
        "AND start >= ?3 AND start < ?4 AND id != ?5 "
        "AND status IN ('requested','confirmed','checked_in','completed')");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, rq->tenant_id); db_bind_int(st, 2, rq->resource_id);
    db_bind_int(st, 3, from); db_bind_int(st, 4, to); db_bind_int(st, 5, rq->exclude_id);
    int rc = db_get(st);   /* an aggregate: always one row */
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;
    *mins = sqlite3_column_int64(st, 0) / 60;
    sqlite3_reset(st);
    return 0;
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
        int64_t used = 0;
        int rc = booked_minutes(db, rq, from, to, &used);
        if (rc) return rc;
        if (used + mins > r->quota_week_min)
            return lp_failf(f, LP_ERR_RULE, "quota_week", "the tenant's weekly quota of %d minutes on this "
                            "resource would be exceeded (%lld used)", r->quota_week_min, (long long)used);
    }
    if (r->quota_month_min) {
        int64_t from = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, 1, 0, 0, 0);
        int64_t to = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 2, 1, 0, 0, 0);
        int64_t used = 0;
        int rc = booked_minutes(db, rq, from, to, &used);
        if (rc) return rc;
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
    int rc = 0, step;
    *n = 0;
    while (rc == 0 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
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
    if (rc == 0) rc = check_downtime(db, rq, f);
    if (rc == 0) rc = check_overlap(db, rq, r, f);
    return rc;
}

int rsv_check(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f)
{
    int rc = check_tenant(db, rq->tenant_id, f);
    if (rc == 0) rc = check_person(db, rq, f);
    if (rc == 0) rc = check_times(rq, r, clk_now(), f);
    if (rc == 0) rc = check_closures(db, rq, f);
    if (rc == 0) rc = check_downtime(db, rq, f);
    if (rc == 0) rc = check_quota(db, rq, r, f);
    if (rc == 0) rc = qual_check(db, rq->person_id, rq->resource_id, rq->start, rq->end, f);
    if (rc == 0) rc = check_overlap(db, rq, r, f);
    return rc;
}
