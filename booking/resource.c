/* resource.c: resources, their rules, opening hours and closures (see
 * resource.h). Reads keep "no such resource" apart from a failing database;
 * every write runs in a transaction. */
#include "booking/resource.h"
#include "booking/spell.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SNAP_RESOURCE =
    "SELECT json_object('id', id, 'kind', kind, 'name', name, 'description', description, "
    "'door_group', door_group, 'equivalent_group', equivalent_group, 'capacity', capacity, 'status', status, 'oos_reason', oos_reason, "
    "'oos_until', oos_until, 'min_minutes', min_minutes, 'max_minutes', max_minutes, "
    "'granularity_min', granularity_min, 'min_notice_min', min_notice_min, "
    "'max_advance_days', max_advance_days, 'buffer_before_min', buffer_before_min, "
    "'buffer_after_min', buffer_after_min, 'approval_required', approval_required, "
    "'quota_week_min', quota_week_min, 'quota_month_min', quota_month_min, "
    "'hours', (SELECT json_group_array(json_array(weekday, open_min, close_min)) FROM resource_hours "
    "          WHERE resource_id = ?1), "
    "'qualifications', (SELECT json_group_array(qualification_id) FROM resource_qualifications "
    "          WHERE resource_id = ?1)) FROM resources WHERE id = ?1";

/* The one table of resource state spellings (stored and JSON alike). */
static const char *const RES_STATE_NAMES[RES_STATE_COUNT] = {
    [RES_AVAILABLE] = "available", [RES_OUT_OF_SERVICE] = "out_of_service",
};

const char *res_state_name(enum res_state s)
{
    return (unsigned)s < RES_STATE_COUNT ? RES_STATE_NAMES[s] : "";
}

int res_state_parse(const char *text, enum res_state *out)
{
    int i = spell_find(RES_STATE_NAMES, RES_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum res_state)i;
    return 0;
}

void res_defaults(res_resource *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "lab");
    r->state = RES_AVAILABLE;
    r->capacity = 1;
    r->min_minutes = 15;
    r->max_minutes = 480;
    r->granularity_min = 15;
    r->max_advance_days = 90;
}

static int in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

struct int_rule { const char *name; size_t off; int lo, hi; };
#define IR(f, lo, hi) { #f, offsetof(res_resource, f), lo, hi }
static const struct int_rule INT_RULES[] = {
    IR(capacity, 1, 100), IR(min_minutes, 1, 43200), IR(max_minutes, 1, 43200),
    IR(granularity_min, 1, 1440), IR(min_notice_min, 0, 43200), IR(max_advance_days, 1, 730),
    IR(buffer_before_min, 0, 1440), IR(buffer_after_min, 0, 1440), IR(quota_week_min, 0, 10080),
    IR(quota_month_min, 0, 44640),
};

int res_validate(db_t *db, const res_resource *r, lp_fail *f)
{
    if (strcmp(r->kind, "lab") && strcmp(r->kind, "equipment") && strcmp(r->kind, "room"))
        return lp_failf(f, LP_ERR_INVALID, "kind", "kind must be lab, equipment or room");
    if (!lp_text_ok(r->name, 120)) return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to 120 characters");
    if (r->description[0] && !lp_text_ok(r->description, 1000))
        return lp_failf(f, LP_ERR_INVALID, "description", "description is not valid text");
    if (r->door_group[0] && !lp_text_ok(r->door_group, 64))
        return lp_failf(f, LP_ERR_INVALID, "door_group", "door_group is not valid text");
    if (r->equivalent_group[0] && !lp_text_ok(r->equivalent_group, 64))
        return lp_failf(f, LP_ERR_INVALID, "equivalent_group", "equivalent_group is not valid text");
    if (!strcmp(r->door_group, "*"))   /* the group of standing staff passes: every door */
        return lp_failf(f, LP_ERR_INVALID, "door_group", "\"*\" stands for every door in staff passes; name a real group");
    for (size_t i = 0; i < sizeof INT_RULES / sizeof INT_RULES[0]; i++) {
        int v = *(const int *)((const char *)r + INT_RULES[i].off);
        if (!in_range(v, INT_RULES[i].lo, INT_RULES[i].hi))
            return lp_failf(f, LP_ERR_INVALID, INT_RULES[i].name, "%s must be from %d to %d", INT_RULES[i].name,
                            INT_RULES[i].lo, INT_RULES[i].hi);
    }
    if (r->min_minutes > r->max_minutes)
        return lp_failf(f, LP_ERR_INVALID, "min_minutes", "min_minutes must not exceed max_minutes");
    if ((int64_t)(r->max_minutes + r->buffer_before_min + r->buffer_after_min) * 60 > RES_MAX_BLOCK)
        return lp_failf(f, LP_ERR_INVALID, "max_minutes", "a booking plus buffers may last at most 31 days");
    if ((unsigned)r->state >= RES_STATE_COUNT)
        return lp_failf(f, LP_ERR_INVALID, "status", "status must be available or out_of_service");
    if (r->oos_reason[0] && !lp_text_ok(r->oos_reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "out_of_service_reason", "the reason is not valid text");
    if (r->has_hours && slots_week_check(&r->hours) != 0)
        return lp_failf(f, LP_ERR_INVALID, "opening_hours", "opening hours are not valid");
    for (int i = 0; i < r->n_quals; i++) {
        sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM qualifications WHERE id = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, r->quals[i]);
        int rc = db_get(st);
        if (rc == LP_ERR_NOTFOUND)
            return lp_failf(f, LP_ERR_INVALID, "required_qualifications", "no qualification with id %lld",
                            (long long)r->quals[i]);
        if (rc) return rc;
        sqlite3_reset(st);
    }
    return 0;
}

#define RES_COLS "id, kind, name, description, door_group, capacity, status, oos_reason, oos_until, " \
    "min_minutes, max_minutes, granularity_min, min_notice_min, max_advance_days, buffer_before_min, " \
    "buffer_after_min, approval_required, quota_week_min, quota_month_min, longest_block, created_at, updated_at, " \
    "equivalent_group"

static int row_to_res(sqlite3_stmt *st, res_resource *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    snprintf(r->kind, sizeof r->kind, "%s", db_col_text(st, 1));
    snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 2));
    snprintf(r->description, sizeof r->description, "%s", db_col_text(st, 3));
    snprintf(r->door_group, sizeof r->door_group, "%s", db_col_text(st, 4));
    r->capacity = sqlite3_column_int(st, 5);
    snprintf(r->oos_reason, sizeof r->oos_reason, "%s", db_col_text(st, 7));
    r->oos_until = sqlite3_column_int64(st, 8);
    int *ints[] = { &r->min_minutes, &r->max_minutes, &r->granularity_min, &r->min_notice_min,
                    &r->max_advance_days, &r->buffer_before_min, &r->buffer_after_min,
                    &r->approval_required, &r->quota_week_min, &r->quota_month_min };
    for (int i = 0; i < 10; i++) *ints[i] = sqlite3_column_int(st, 9 + i);
    r->longest_block = sqlite3_column_int64(st, 19);
    r->created_at = sqlite3_column_int64(st, 20);
    r->updated_at = sqlite3_column_int64(st, 21);
    snprintf(r->equivalent_group, sizeof r->equivalent_group, "%s", db_col_text(st, 22));
    return res_state_parse(db_col_text(st, 6), &r->state) ? LP_ERR_DB : 0;   /* the CHECK constraint allows no other */
}

static int load_extras(db_t *db, res_resource *r)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT weekday, open_min, close_min FROM resource_hours "
                                   "WHERE resource_id = ?1 ORDER BY weekday, open_min");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int d = sqlite3_column_int(st, 0) - 1;
        if (d < 0 || d > 6 || r->hours.n[d] >= SLOTS_DAY_MAX) continue;
        r->hours.day[d][r->hours.n[d]].from = (uint16_t)sqlite3_column_int(st, 1);
        r->hours.day[d][r->hours.n[d]].to = (uint16_t)sqlite3_column_int(st, 2);
        r->hours.n[d]++;
        r->has_hours = 1;
    }
    sqlite3_reset(st);
    if (rc < 0) return rc;
    st = db_stmt(db, "SELECT qualification_id FROM resource_qualifications WHERE resource_id = ?1 "
                     "ORDER BY qualification_id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->id);
    while ((rc = db_step(st)) == DB_ROW && r->n_quals < RES_MAX_QUALS)
        r->quals[r->n_quals++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc < 0 ? rc : 0;
}

int res_get(db_t *db, int64_t id, res_resource *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " RES_COLS " FROM resources WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = row_to_res(st, out);
    sqlite3_reset(st);
    return rc == 0 ? load_extras(db, out) : rc;
}

static int id_row(sqlite3_stmt *st, void *elem)
{
    *(int64_t *)elem = sqlite3_column_int64(st, 0);
    return 0;
}

int res_list(db_t *db, const char *kind, res_resource **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM resources WHERE ?1 IS NULL OR kind = ?1 ORDER BY kind, name");
    int64_t *ids = NULL;
    size_t len = 0;
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, kind);
    int rc = db_collect(st, sizeof *ids, id_row, (void **)&ids, &len);
    if (rc) return rc;
    res_resource *arr = calloc(len ? len : 1, sizeof *arr);
    rc = arr ? 0 : LP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < len; i++) rc = res_get(db, ids[i], &arr[i]);
    free(ids);
    if (rc) { free(arr); return rc; }
    *out = arr;
    *n = len;
    return 0;
}

static void bind_res(sqlite3_stmt *st, const res_resource *r)
{
    db_bind_text(st, 1, r->kind); db_bind_text(st, 2, r->name); db_bind_text(st, 3, r->description);
    db_bind_text(st, 4, r->door_group); db_bind_int(st, 5, r->capacity);
    db_bind_text(st, 6, res_state_name(r->state));
    db_bind_text(st, 7, r->oos_reason); db_bind_int(st, 8, r->oos_until);
    const int ints[] = { r->min_minutes, r->max_minutes, r->granularity_min, r->min_notice_min,
                         r->max_advance_days, r->buffer_before_min, r->buffer_after_min,
                         r->approval_required ? 1 : 0, r->quota_week_min, r->quota_month_min };
    for (int i = 0; i < 10; i++) db_bind_int(st, 9 + i, ints[i]);
    db_bind_int(st, 19, clk_now());
    db_bind_text(st, 21, r->equivalent_group);
}

static int save_extras(db_t *db, const res_resource *r)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM resource_hours WHERE resource_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->id);
    int rc = db_exec_stmt(st);
    for (int d = 0; rc == 0 && d < 7; d++)
        for (int k = 0; rc == 0 && k < r->hours.n[d]; k++) {
            st = db_stmt(db, "INSERT INTO resource_hours(resource_id, weekday, open_min, close_min) "
                             "VALUES (?1, ?2, ?3, ?4)");
            if (!st) return LP_ERR_DB;
            db_bind_int(st, 1, r->id); db_bind_int(st, 2, d + 1);
            db_bind_int(st, 3, r->hours.day[d][k].from); db_bind_int(st, 4, r->hours.day[d][k].to);
            rc = db_exec_stmt(st);
        }
    st = rc ? NULL : db_stmt(db, "DELETE FROM resource_qualifications WHERE resource_id = ?1");
    if (rc == 0 && !st) return LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, r->id); rc = db_exec_stmt(st); }
    for (int i = 0; rc == 0 && i < r->n_quals; i++) {
        st = db_stmt(db, "INSERT OR IGNORE INTO resource_qualifications(resource_id, qualification_id) VALUES (?1, ?2)");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, r->id); db_bind_int(st, 2, r->quals[i]);
        rc = db_exec_stmt(st);
    }
    return rc;
}

static int name_conflict(int rc, lp_fail *f)
{
    return rc == LP_ERR_CONFLICT ? lp_failf(f, rc, "name", "a resource with this name exists already") : rc;
}

int res_create(db_t *db, const actor_t *who, res_resource *r, lp_fail *f)
{
    int rc = res_validate(db, r, f);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO resources(kind, name, description, door_group, capacity, status, oos_reason, oos_until, "
        "min_minutes, max_minutes, granularity_min, min_notice_min, max_advance_days, buffer_before_min, "
        "buffer_after_min, approval_required, quota_week_min, quota_month_min, created_at, updated_at, equivalent_group) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?21)");
    if (!st) return LP_ERR_DB;
    int own = sqlite3_get_autocommit(db_handle(db));
    if (own && (rc = db_begin(db)) != 0) return rc;
    bind_res(st, r);
    rc = name_conflict(db_exec_stmt(st), f);
    if (rc == 0) { r->id = db_last_id(db); rc = save_extras(db, r); }
    if (rc == 0) rc = audit_change(db, who, "create", "resource", r->id, SNAP_RESOURCE, NULL);
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}

int res_update(db_t *db, const actor_t *who, const res_resource *r, lp_fail *f)
{
    char *before = NULL;
    int rc = res_validate(db, r, f);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE resources SET kind = ?1, name = ?2, description = ?3, door_group = ?4, capacity = ?5, "
        "status = ?6, oos_reason = ?7, oos_until = ?8, min_minutes = ?9, max_minutes = ?10, "
        "granularity_min = ?11, min_notice_min = ?12, max_advance_days = ?13, buffer_before_min = ?14, "
        "buffer_after_min = ?15, approval_required = ?16, quota_week_min = ?17, quota_month_min = ?18, "
        "updated_at = ?19, equivalent_group = ?21 WHERE id = ?20");
    if (!st || (rc = db_begin(db)) != 0) return st ? rc : LP_ERR_DB;
    rc = audit_snapshot(db, SNAP_RESOURCE, r->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    if (rc == 0) {
        bind_res(st, r);
        db_bind_int(st, 20, r->id);
        rc = name_conflict(db_exec_stmt(st), f);
    }
    if (rc == 0) rc = save_extras(db, r);
    if (rc == 0) rc = audit_change(db, who, "update", "resource", r->id, SNAP_RESOURCE, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

static int interval_row(sqlite3_stmt *st, void *elem)
{
    struct slots_iv *v = elem;
    v->start = sqlite3_column_int64(st, 0);
    v->end = sqlite3_column_int64(st, 1);
    return 0;
}

int res_closures(db_t *db, int64_t resource_id, int64_t from, int64_t to, struct slots_iv **out, size_t *n)
{
    /* downtimes (booking/downtime.h) close the resource as closures do; an
     * open-ended one up to the end of the window */
    sqlite3_stmt *st = db_stmt(db, "SELECT start, end FROM closures WHERE end > ?2 AND start < ?3 "
                                   "AND (resource_id IS NULL OR resource_id = ?1) "
                                   "UNION ALL SELECT start, COALESCE(end, max(?3, start + 1)) FROM downtimes "
                                   "WHERE resource_id = ?1 AND start < ?3 AND (end IS NULL OR end > ?2) ORDER BY 1");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    return db_collect(st, sizeof **out, interval_row, (void **)out, n);
}

static const char *SNAP_CLOSURE =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'start', start, 'end', end, 'reason', reason) "
    "FROM closures WHERE id = ?1";

int res_closure_add(db_t *db, const actor_t *who, res_closure *c, lp_fail *f)
{
    if (c->end <= c->start) return lp_failf(f, LP_ERR_INVALID, "end", "end must be after start");
    if (c->reason[0] && !lp_text_ok(c->reason, 200)) return lp_failf(f, LP_ERR_INVALID, "reason", "reason is not valid text");
    res_resource r;
    int rc = c->resource_id ? res_get(db, c->resource_id, &r) : 0;
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "resource_id", "no such resource");
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO closures(resource_id, start, end, reason) VALUES (NULLIF(?1, 0), ?2, ?3, ?4)");
    if (!st) return LP_ERR_DB;
    rc = db_begin(db);
    if (rc) return rc;
    db_bind_int(st, 1, c->resource_id); db_bind_int(st, 2, c->start); db_bind_int(st, 3, c->end);
    db_bind_text(st, 4, c->reason);
    rc = db_exec_stmt(st);
    if (rc == 0) { c->id = db_last_id(db); rc = audit_change(db, who, "create", "closure", c->id, SNAP_CLOSURE, NULL); }
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

int res_closure_delete(db_t *db, const actor_t *who, int64_t id)
{
    char *before = NULL;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_CLOSURE, id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "DELETE FROM closures WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, id); rc = db_exec_stmt(st); }
    if (rc == 0) rc = audit_add(db, who, "delete", "closure", id, before, NULL);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

static int closure_row(sqlite3_stmt *st, void *elem)
{
    res_closure *c = elem;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->resource_id = sqlite3_column_int64(st, 1);
    c->start = sqlite3_column_int64(st, 2);
    c->end = sqlite3_column_int64(st, 3);
    snprintf(c->reason, sizeof c->reason, "%s", db_col_text(st, 4));
    return 0;
}

int res_closure_list(db_t *db, int64_t from, int64_t to, res_closure **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, COALESCE(resource_id, 0), start, end, reason FROM closures "
                                   "WHERE end > ?1 AND start < ?2 ORDER BY start, id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, from);
    db_bind_int(st, 2, to);
    return db_collect(st, sizeof **out, closure_row, (void **)out, n);
}

void res_hours_text(const res_resource *r, int wday, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < r->hours.n[wday] && used < outlen; k++) {
        const struct slots_span *s = &r->hours.day[wday][k];
        int w = snprintf(out + used, outlen - used, "%s%02d:%02d-%02d:%02d", k ? "," : "", s->from / 60,
                         s->from % 60, s->to / 60, s->to % 60);
        if (w < 0) break;
        used += (size_t)w;
    }
}
