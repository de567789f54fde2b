/* downtime.c: resources out of service for a period (see downtime.h). */
#include "booking/downtime.h"
#include "booking/outbox.h"
#include "booking/resource.h"
#include "booking/rlog.h"
#include "booking/rsv.h"
#include "booking/spell.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const DT_KIND_NAMES[DT_KIND_COUNT] = { [DT_PLANNED] = "planned", [DT_FAULT] = "fault" };
static const char *const DT_BOOKINGS_NAMES[DT_BOOKINGS_COUNT] = { [DT_KEEP] = "keep", [DT_CANCEL] = "cancel" };

const char *dt_kind_name(enum dt_kind k) { return (unsigned)k < DT_KIND_COUNT ? DT_KIND_NAMES[k] : ""; }
const char *dt_bookings_name(enum dt_bookings b) { return (unsigned)b < DT_BOOKINGS_COUNT ? DT_BOOKINGS_NAMES[b] : ""; }

int dt_kind_parse(const char *text, enum dt_kind *out)
{
    int i = text ? spell_find(DT_KIND_NAMES, DT_KIND_COUNT, text) : -1;
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum dt_kind)i;
    return 0;
}

int dt_bookings_parse(const char *text, enum dt_bookings *out)
{
    int i = text ? spell_find(DT_BOOKINGS_NAMES, DT_BOOKINGS_COUNT, text) : -1;
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum dt_bookings)i;
    return 0;
}

static const char SNAP_DOWNTIME[] =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'kind', kind, 'start', start, 'end', end, "
    "'reason', reason, 'bookings', bookings, 'incident_id', incident_id) FROM downtimes WHERE id = ?1";

#define DT_COLS "id, resource_id, kind, start, COALESCE(end, 0), reason, bookings, COALESCE(incident_id, 0), " \
    "created_by, created_at, updated_at"

static int dt_row(sqlite3_stmt *st, void *elem)
{
    dt_downtime *d = elem;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    d->resource_id = sqlite3_column_int64(st, 1);
    d->start = sqlite3_column_int64(st, 3);
    d->end = sqlite3_column_int64(st, 4);
    snprintf(d->reason, sizeof d->reason, "%s", db_col_text(st, 5));
    d->incident_id = sqlite3_column_int64(st, 7);
    snprintf(d->created_by, sizeof d->created_by, "%s", db_col_text(st, 8));
    d->created_at = sqlite3_column_int64(st, 9);
    d->updated_at = sqlite3_column_int64(st, 10);
    if (dt_kind_parse(db_col_text(st, 2), &d->kind) || dt_bookings_parse(db_col_text(st, 6), &d->bookings))
        return LP_ERR_DB;
    return 0;
}

int dt_get(db_t *db, int64_t id, dt_downtime *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " DT_COLS " FROM downtimes WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) rc = dt_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int dt_list(db_t *db, int64_t resource_id, int64_t from, int64_t to, size_t max, dt_downtime **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " DT_COLS " FROM downtimes WHERE (?1 = 0 OR resource_id = ?1) "
                                   "AND start < ?3 AND (end IS NULL OR end > ?2) ORDER BY start, id LIMIT ?4");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    db_bind_int(st, 4, (int64_t)max);
    return db_collect(st, sizeof **out, dt_row, (void **)out, n);
}

int dt_blocking(db_t *db, int64_t resource_id, int64_t start, int64_t end, dt_downtime *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " DT_COLS " FROM downtimes WHERE resource_id = ?1 AND start < ?3 "
                                   "AND (end IS NULL OR end > ?2) ORDER BY start LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, start);
    db_bind_int(st, 3, end);
    int rc = db_get(st);
    if (rc == 0) rc = dt_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int dt_validate(db_t *db, const dt_downtime *d, lp_fail *f)
{
    if (d->start <= 0 || d->start > SLOTS_MAX_INSTANT) return lp_failf(f, LP_ERR_INVALID, "start", "start is not a valid time");
    if (d->end && d->end <= d->start) return lp_failf(f, LP_ERR_INVALID, "end", "end must be after start");
    if (d->end && d->end - d->start > DT_MAX_SPAN)
        return lp_failf(f, LP_ERR_INVALID, "end", "a downtime with an end lasts at most 366 days; leave end out for "
                        "one until further notice");
    if (d->end > SLOTS_MAX_INSTANT) return lp_failf(f, LP_ERR_INVALID, "end", "end is not a valid time");
    if (!d->reason[0] || !lp_text_ok(d->reason, DT_REASON_MAX))
        return lp_failf(f, LP_ERR_INVALID, "reason", "reason is 1 to %d characters of text", DT_REASON_MAX);
    res_resource r;
    int rc = res_get(db, d->resource_id, &r);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "resource_id", "no such resource");
    if (rc) return rc;
    if (d->incident_id) {
        sqlite3_stmt *st = db_stmt(db, "SELECT resource_id, state, COALESCE(downtime_id, 0) FROM incidents WHERE id = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, d->incident_id);
        rc = db_get(st);
        if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "incident_id", "no such incident");
        if (rc) return rc;
        int64_t res = sqlite3_column_int64(st, 0), linked = sqlite3_column_int64(st, 2);
        int resolved = strcmp(db_col_text(st, 1), "resolved") == 0;
        sqlite3_reset(st);
        if (res != d->resource_id)
            return lp_failf(f, LP_ERR_INVALID, "incident_id", "the incident is about another resource");
        if (resolved || linked)
            return lp_failf(f, LP_ERR_STATE, "incident_id", "the incident is resolved or has a downtime already");
        if (d->kind != DT_FAULT) return lp_failf(f, LP_ERR_INVALID, "kind", "an incident becomes a fault downtime");
    }
    return 0;
}

static int affected_row(sqlite3_stmt *st, void *elem)
{
    dt_affected *a = elem;
    memset(a, 0, sizeof *a);
    a->reservation_id = sqlite3_column_int64(st, 0);
    a->person_id = sqlite3_column_int64(st, 1);
    a->tenant_id = sqlite3_column_int64(st, 2);
    a->resource_id = sqlite3_column_int64(st, 3);
    a->start = sqlite3_column_int64(st, 4);
    a->end = sqlite3_column_int64(st, 5);
    snprintf(a->status, sizeof a->status, "%s", db_col_text(st, 6));
    snprintf(a->title, sizeof a->title, "%s", db_col_text(st, 7));
    snprintf(a->person, sizeof a->person, "%s", db_col_text(st, 8));
    return 0;
}

/* Bookings holding their slot on the resource in [start, end) (end 0:
 * open-ended), not over by now, and not in [skip_s, skip_e) (the part an
 * extension had already). */
static int affected(db_t *db, int64_t resource_id, int64_t start, int64_t end, int64_t skip_s, int64_t skip_e,
                    dt_affected **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT v.id, v.person_id, v.tenant_id, v.resource_id, v.start, v.end, v.status, v.title, "
        "COALESCE(p.name, '') FROM reservations v LEFT JOIN people p ON p.id = v.person_id "
        "WHERE v.resource_id = ?1 AND v.status IN ('requested','confirmed','checked_in') "
        "AND v.start < ?3 AND v.end > ?2 AND v.end > ?4 AND NOT (v.start < ?6 AND v.end > ?5) "
        "ORDER BY v.start, v.id LIMIT ?7");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, start);
    db_bind_int(st, 3, end ? end : INT64_MAX);
    db_bind_int(st, 4, clk_now());
    db_bind_int(st, 5, skip_s);
    db_bind_int(st, 6, skip_e);
    db_bind_int(st, 7, DT_MAX_AFFECTED + 1);
    int rc = db_collect(st, sizeof **out, affected_row, (void **)out, n);
    if (rc == 0 && *n > DT_MAX_AFFECTED) { free(*out); *out = NULL; *n = 0; return LP_ERR_TOOBIG; }
    return rc;
}

int dt_affected_list(db_t *db, int64_t resource_id, int64_t start, int64_t end, dt_affected **out, size_t *n)
{
    return affected(db, resource_id, start, end, 0, 0, out, n);
}

/* ---- alternatives ---- */

/* The first up to max free slots of length len on resource r for the
 * booking's person, starting at from or later (within DT_SEARCH_DAYS). */
static int free_slots(db_t *db, const rsv_reservation *b, const res_resource *r, int64_t from, size_t max,
                      dt_slot *out, size_t *n)
{
    int64_t len = b->end - b->start;
    int64_t step = (r->granularity_min > 0 && 60 % r->granularity_min == 0 ? r->granularity_min : 15) * 60;
    int64_t t = from + (step - ((from % step) + step) % step) % step;
    int64_t stop = from + DT_SEARCH_DAYS * 86400;
    *n = 0;
    for (; t < stop && *n < max; t += step) {
        rsv_request rq = { .resource_id = r->id, .person_id = b->person_id, .tenant_id = b->tenant_id,
                           .start = t, .end = t + len, .title = b->title, .exclude_id = b->id };
        lp_fail f = { 0 };
        int rc = rsv_check_slot(db, &rq, r, &f);      /* the cheap rules first */
        if (rc == 0) rc = rsv_check(db, &rq, r, &f);   /* then the person's: quotas, trainings */
        if (rc == 0) {
            out[*n] = (dt_slot){ .resource_id = r->id, .start = t, .end = t + len };
            snprintf(out[*n].resource, sizeof out[*n].resource, "%s", r->name);
            (*n)++;
            t += len - step;   /* the next one after this one */
            continue;
        }
        if (!rsv_is_refusal(rc)) return rc;
    }
    return 0;
}

static int group_members(db_t *db, const res_resource *r, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (!r->equivalent_group[0]) return 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM resources WHERE equivalent_group = ?1 AND id != ?2 "
                                   "AND status = 'available' ORDER BY id LIMIT 20");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, r->equivalent_group);
    db_bind_int(st, 2, r->id);
    int rc = 0, step;
    int64_t *v = calloc(20, sizeof *v);
    if (!v) { sqlite3_reset(st); return LP_ERR_NOMEM; }
    while ((step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        v[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc) { free(v); *n = 0; return rc; }
    *ids = v;
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const dt_slot *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : (x->resource_id > y->resource_id) - (x->resource_id < y->resource_id);
}

int dt_alternatives(db_t *db, int64_t reservation_id, const dt_downtime *d, dt_slot out[DT_ALTERNATIVES], size_t *n)
{
    rsv_reservation b;
    res_resource r;
    *n = 0;
    int rc = rsv_get(db, reservation_id, &b);
    if (rc == 0) rc = res_get(db, b.resource_id, &r);
    if (rc) return rc;
    int64_t now = clk_now();
    dt_slot same[DT_ALTERNATIVES], other[DT_ALTERNATIVES * 2];
    size_t ns = 0, no = 0;
    if (d->end) {   /* an open-ended downtime has no after */
        rc = free_slots(db, &b, &r, d->end > now ? d->end : now, DT_ALTERNATIVES, same, &ns);
        if (rc) return rc;
    }
    int64_t *ids = NULL;
    size_t ng = 0;
    rc = group_members(db, &r, &ids, &ng);
    for (size_t i = 0; rc == 0 && i < ng; i++) {
        res_resource e;
        dt_slot got[DT_ALTERNATIVES];
        size_t k = 0;
        rc = res_get(db, ids[i], &e);
        if (rc == 0) rc = free_slots(db, &b, &e, b.start > now ? b.start : now, DT_ALTERNATIVES, got, &k);
        for (size_t j = 0; rc == 0 && j < k; j++) {
            if (no < DT_ALTERNATIVES * 2) other[no++] = got[j];
            else if (got[j].start < other[no - 1].start) other[no - 1] = got[j];
            qsort(other, no, sizeof *other, by_start);
        }
    }
    free(ids);
    if (rc) return rc;
    /* one on the same resource, then two equivalents, then whatever is left */
    size_t is = 0, io = 0;
    if (is < ns) out[(*n)++] = same[is++];
    while (*n < DT_ALTERNATIVES && io < no && io < 2) out[(*n)++] = other[io++];
    while (*n < DT_ALTERNATIVES && (is < ns || io < no)) out[(*n)++] = is < ns ? same[is++] : other[io++];
    qsort(out, *n, sizeof *out, by_start);
    return 0;
}

/* ---- creating, ending, extending ---- */

static int tell(db_t *db, const dt_downtime *d, const res_resource *r, const dt_affected *a)
{
    int64_t s[DT_ALTERNATIVES], e[DT_ALTERNATIVES];
    const char *names[DT_ALTERNATIVES];
    for (size_t i = 0; i < a->n_alt; i++) { s[i] = a->alt[i].start; e[i] = a->alt[i].end; names[i] = a->alt[i].resource; }
    mt_args m = { .resource = r->name, .when = d->start, .until = d->end, .what = dt_kind_name(d->kind),
                  .reason = d->reason, .id = a->reservation_id, .cancelled = a->cancelled,
                  .link = "/#/reservations", .slot_start = s, .slot_end = e, .slot_resource = names,
                  .n_slots = a->n_alt };
    return obx_to_person(db, MT_DOWNTIME, a->person_id, &m);
}

/* Deals with the bookings in [start, end) but not in [skip_s, skip_e). */
static int handle(db_t *db, const actor_t *who, const dt_downtime *d, int64_t skip_s, int64_t skip_e, bool notify,
                  dt_affected **out, size_t *n)
{
    res_resource r;
    int rc = res_get(db, d->resource_id, &r);
    if (rc == 0) rc = affected(db, d->resource_id, d->start, d->end, skip_s, skip_e, out, n);
    char why[120];
    snprintf(why, sizeof why, "cancelled by the facility: downtime %lld (%s)", (long long)d->id, dt_kind_name(d->kind));
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        dt_affected *a = &(*out)[i];
        if (d->bookings == DT_CANCEL && strcmp(a->status, "checked_in") != 0) {
            rc = rsv_cancel_facility(db, who, a->reservation_id, why);
            if (rc == 0) { a->cancelled = true; snprintf(a->status, sizeof a->status, "cancelled"); }
        }
        if (rc == 0) rc = dt_alternatives(db, a->reservation_id, d, a->alt, &a->n_alt);
        if (rc == 0 && notify) { rc = tell(db, d, &r, a); a->notified = rc == 0; }
    }
    if (rc) { free(*out); *out = NULL; *n = 0; }
    return rc;
}

/* A downtime as webhook receivers get it ("data" of downtime.created and
 * downtime.changed; end null: until further notice). */
static const char WEBHOOK_DOWNTIME[] =
    "SELECT json_object('id', d.id, 'resource_id', d.resource_id, 'resource', r.name, 'kind', d.kind, "
    "'start', strftime('%Y-%m-%dT%H:%M:%SZ', d.start, 'unixepoch'), "
    "'end', strftime('%Y-%m-%dT%H:%M:%SZ', d.end, 'unixepoch'), 'reason', d.reason, 'bookings', d.bookings, 'incident_id', d.incident_id) "
    "FROM downtimes d JOIN resources r ON r.id = d.resource_id WHERE d.id = ?1";

struct create_args {
    const actor_t *who;
    dt_downtime *d;
    bool notify;
    dt_affected **out;
    size_t *n;
    lp_fail *f;
};

static int do_create(db_t *db, void *p)
{
    struct create_args *a = p;
    dt_downtime *d = a->d;
    int rc = dt_validate(db, d, a->f);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO downtimes(resource_id, kind, start, end, reason, bookings, incident_id, created_by, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, NULLIF(?4, 0), ?5, ?6, NULLIF(?7, 0), ?8, ?9, ?9)");
    if (rc) return rc;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, d->resource_id); db_bind_text(st, 2, dt_kind_name(d->kind));
    db_bind_int(st, 3, d->start); db_bind_int(st, 4, d->end); db_bind_text(st, 5, d->reason);
    db_bind_text(st, 6, dt_bookings_name(d->bookings)); db_bind_int(st, 7, d->incident_id);
    db_bind_text(st, 8, a->who->label); db_bind_int(st, 9, clk_now());
    rc = db_exec_stmt(st);
    if (rc == 0) d->id = db_last_id(db);
    if (rc == 0) rc = audit_change(db, a->who, "create", "downtime", d->id, SNAP_DOWNTIME, NULL);
    if (rc == 0) rc = whk_emit(db, WHK_EV_DOWNTIME_CREATED, WEBHOOK_DOWNTIME, d->id);
    if (rc == 0 && d->incident_id) rc = rlog_incident_link(db, a->who, d->incident_id, d->id);
    if (rc == 0) {
        char text[DT_REASON_MAX + 80];
        snprintf(text, sizeof text, "%s downtime %lld: %s", d->kind == DT_FAULT ? "Fault" : "Planned maintenance",
                 (long long)d->id, d->reason);
        rc = rlog_note_downtime(db, a->who, d->resource_id, d->id, d->kind == DT_FAULT ? "incident" : "maintenance", text);
    }
    if (rc == 0) rc = handle(db, a->who, d, 0, 0, a->notify, a->out, a->n);
    if (rc == 0) rc = dt_get(db, d->id, d);
    return rc;
}

int dt_create(db_t *db, const actor_t *who, dt_downtime *d, bool notify, dt_affected **out, size_t *n, lp_fail *f)
{
    *out = NULL;
    *n = 0;
    struct create_args a = { who, d, notify, out, n, f };
    int rc = db_in_tx(db, do_create, &a);
    if (rc) { free(*out); *out = NULL; *n = 0; }
    return rc;
}

struct end_args {
    const actor_t *who;
    int64_t id, end;
    const char *reason;
    bool notify;
    dt_affected **out;
    size_t *n;
    lp_fail *f;
};

static int do_set_end(db_t *db, void *p)
{
    struct end_args *a = p;
    dt_downtime d;
    char *before = NULL;
    int rc = dt_get(db, a->id, &d);
    if (rc) return rc;
    int64_t now = clk_now(), old_end = d.end;
    if (d.end && d.end <= now && (a->end == 0 || a->end > d.end))
        return lp_failf(a->f, LP_ERR_STATE, "end", "the downtime is over; make a new one");
    if (a->end && a->end < now && a->end != d.end)
        return lp_failf(a->f, LP_ERR_INVALID, "end", "a downtime cannot end in the past; end it now at the earliest");
    d.end = a->end;
    if (a->reason) snprintf(d.reason, sizeof d.reason, "%s", a->reason);
    if (d.end && d.end <= d.start) return lp_failf(a->f, LP_ERR_INVALID, "end", "end must be after start");
    if (d.end && d.end - d.start > DT_MAX_SPAN) return lp_failf(a->f, LP_ERR_INVALID, "end", "a downtime lasts at most 366 days");
    if (d.end > SLOTS_MAX_INSTANT) return lp_failf(a->f, LP_ERR_INVALID, "end", "end is not a valid time");
    if (!d.reason[0] || !lp_text_ok(d.reason, DT_REASON_MAX))
        return lp_failf(a->f, LP_ERR_INVALID, "reason", "reason is 1 to %d characters of text", DT_REASON_MAX);
    rc = audit_snapshot(db, SNAP_DOWNTIME, d.id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE downtimes SET end = NULLIF(?2, 0), reason = ?3, updated_at = ?4 "
                                               "WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, d.id); db_bind_int(st, 2, d.end); db_bind_text(st, 3, d.reason); db_bind_int(st, 4, now);
        rc = db_exec_stmt(st);
    }
    int longer = old_end && (d.end == 0 || d.end > old_end);
    if (rc == 0)
        rc = audit_change(db, a->who, longer ? "extend" : old_end != d.end ? "end" : "update", "downtime", d.id,
                          SNAP_DOWNTIME, before);
    free(before);
    if (rc == 0) rc = whk_emit(db, WHK_EV_DOWNTIME_CHANGED, WEBHOOK_DOWNTIME, d.id);
    if (rc == 0 && longer) rc = handle(db, a->who, &d, d.start, old_end, a->notify, a->out, a->n);
    return rc;
}

int dt_set_end(db_t *db, const actor_t *who, int64_t id, int64_t end, const char *reason, bool notify,
               dt_affected **out, size_t *n, lp_fail *f)
{
    *out = NULL;
    *n = 0;
    struct end_args a = { who, id, end, reason, notify, out, n, f };
    int rc = db_in_tx(db, do_set_end, &a);
    if (rc) { free(*out); *out = NULL; *n = 0; }
    return rc;
}
