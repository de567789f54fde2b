/* rlog.c: incidents and the resource log (see rlog.h). */
#include "booking/rlog.h"
#include "booking/outbox.h"
#include "booking/resource.h"
#include "booking/spell.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SEV_NAMES[INC_SEVERITY_COUNT] = { [INC_LOW] = "low", [INC_MEDIUM] = "medium", [INC_HIGH] = "high" };
static const char *const STATE_NAMES[INC_STATE_COUNT] = { [INC_OPEN] = "open", [INC_ACKNOWLEDGED] = "acknowledged",
                                                          [INC_RESOLVED] = "resolved" };
static const char *const KIND_NAMES[RLOG_KIND_COUNT] = { [RLOG_MAINTENANCE] = "maintenance", [RLOG_INCIDENT] = "incident",
                                                         [RLOG_CALIBRATION] = "calibration", [RLOG_NOTE] = "note" };

const char *inc_severity_name(enum inc_severity s) { return (unsigned)s < INC_SEVERITY_COUNT ? SEV_NAMES[s] : ""; }
const char *inc_state_name(enum inc_state s) { return (unsigned)s < INC_STATE_COUNT ? STATE_NAMES[s] : ""; }
const char *rlog_kind_name(enum rlog_kind k) { return (unsigned)k < RLOG_KIND_COUNT ? KIND_NAMES[k] : ""; }

#define PARSER(fn, type, names, count) \
    int fn(const char *text, type *out) \
    { \
        int i = text ? spell_find(names, count, text) : -1; \
        if (i < 0) return LP_ERR_INVALID; \
        *out = (type)i; \
        return 0; \
    }
PARSER(inc_severity_parse, enum inc_severity, SEV_NAMES, INC_SEVERITY_COUNT)
PARSER(inc_state_parse, enum inc_state, STATE_NAMES, INC_STATE_COUNT)
PARSER(rlog_kind_parse, enum rlog_kind, KIND_NAMES, RLOG_KIND_COUNT)
#undef PARSER

static const char SNAP_INCIDENT[] =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'person_id', person_id, 'severity', severity, "
    "'text', text, 'state', state, 'resolution', resolution, 'downtime_id', downtime_id) FROM incidents WHERE id = ?1";
static const char SNAP_LOG[] =
    "SELECT json_object('id', id, 'resource_id', resource_id, 'kind', kind, 'text', text, 'author', author, "
    "'due_date', due_date, 'reminded_at', reminded_at) FROM resource_log WHERE id = ?1";

/* An incident as webhook receivers get it ("data" of incident.reported):
 * the resource, severity and text, not who reported it. */
static const char WEBHOOK_INCIDENT[] =
    "SELECT json_object('id', i.id, 'resource_id', i.resource_id, 'resource', r.name, 'severity', i.severity, "
    "'text', i.text, 'state', i.state, 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', i.created_at, 'unixepoch')) "
    "FROM incidents i JOIN resources r ON r.id = i.resource_id WHERE i.id = ?1";

/* ---- incidents ---- */

#define INC_COLS "i.id, i.resource_id, COALESCE(i.person_id, 0), COALESCE(i.tenant_id, 0), COALESCE(i.downtime_id, 0), " \
    "r.name, COALESCE(p.name, ''), i.severity, i.state, i.text, i.resolution, i.created_at, " \
    "COALESCE(i.acknowledged_at, 0), COALESCE(i.resolved_at, 0), i.updated_at"
#define INC_FROM " FROM incidents i JOIN resources r ON r.id = i.resource_id LEFT JOIN people p ON p.id = i.person_id "

static int inc_row(sqlite3_stmt *st, void *elem)
{
    inc_incident *x = elem;
    memset(x, 0, sizeof *x);
    x->id = sqlite3_column_int64(st, 0);
    x->resource_id = sqlite3_column_int64(st, 1);
    x->person_id = sqlite3_column_int64(st, 2);
    x->tenant_id = sqlite3_column_int64(st, 3);
    x->downtime_id = sqlite3_column_int64(st, 4);
    snprintf(x->resource, sizeof x->resource, "%s", db_col_text(st, 5));
    snprintf(x->person, sizeof x->person, "%s", db_col_text(st, 6));
    snprintf(x->text, sizeof x->text, "%s", db_col_text(st, 9));
    snprintf(x->resolution, sizeof x->resolution, "%s", db_col_text(st, 10));
    x->created_at = sqlite3_column_int64(st, 11);
    x->acknowledged_at = sqlite3_column_int64(st, 12);
    x->resolved_at = sqlite3_column_int64(st, 13);
    x->updated_at = sqlite3_column_int64(st, 14);
    if (inc_severity_parse(db_col_text(st, 7), &x->severity) || inc_state_parse(db_col_text(st, 8), &x->state))
        return LP_ERR_DB;
    return 0;
}

int rlog_incident_get(db_t *db, const rlog_viewer *v, int64_t id, inc_incident *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " INC_COLS INC_FROM "WHERE i.id = ?1 AND (?2 OR i.person_id = ?3)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, v->staff ? 1 : 0);
    db_bind_int(st, 3, v->person_id ? v->person_id : -1);
    int rc = db_get(st);
    if (rc == 0) rc = inc_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int rlog_incident_list(db_t *db, const rlog_viewer *v, int64_t resource_id, bool open_only, size_t max,
                       inc_incident **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " INC_COLS INC_FROM "WHERE (?1 OR i.person_id = ?2) "
                                   "AND (?3 = 0 OR i.resource_id = ?3) AND (?4 = 0 OR i.state != 'resolved') "
                                   "ORDER BY i.id DESC LIMIT ?5");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, v->staff ? 1 : 0);
    db_bind_int(st, 2, v->person_id ? v->person_id : -1);
    db_bind_int(st, 3, resource_id);
    db_bind_int(st, 4, open_only ? 1 : 0);
    db_bind_int(st, 5, (int64_t)max);
    return db_collect(st, sizeof **out, inc_row, (void **)out, n);
}

static int log_insert(db_t *db, const actor_t *who, int64_t resource_id, const char *kind, const char *text,
                      int64_t incident_id, int64_t downtime_id, const char *due_date, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO resource_log(resource_id, kind, text, author, person_id, incident_id, "
                                   "downtime_id, due_date, at) VALUES (?1, ?2, ?3, ?4, NULLIF(?5, 0), NULLIF(?6, 0), "
                                   "NULLIF(?7, 0), NULLIF(?8, ''), ?9)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id); db_bind_text(st, 2, kind); db_bind_text(st, 3, text);
    db_bind_text(st, 4, who->label); db_bind_int(st, 5, who->person_id); db_bind_int(st, 6, incident_id);
    db_bind_int(st, 7, downtime_id); db_bind_text(st, 8, due_date ? due_date : ""); db_bind_int(st, 9, clk_now());
    int rc = db_exec_stmt(st);
    if (rc == 0) *id = db_last_id(db);
    if (rc == 0) rc = audit_change(db, who, "create", "resource_log", *id, SNAP_LOG, NULL);
    return rc;
}

struct report_args {
    const actor_t *who;
    int64_t tenant_id, resource_id;
    enum inc_severity sev;
    const char *text;
    inc_incident *out;
    lp_fail *f;
    bool quiet;                   /* the demo: staff are not e-mailed */
};

static int do_report(db_t *db, void *p)
{
    struct report_args *a = p;
    res_resource r;
    int rc = res_get(db, a->resource_id, &r);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO incidents(resource_id, person_id, tenant_id, severity, text, state, "
                                   "created_at, updated_at) VALUES (?1, NULLIF(?2, 0), NULLIF(?3, 0), ?4, ?5, 'open', ?6, ?6)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->resource_id); db_bind_int(st, 2, a->who->person_id); db_bind_int(st, 3, a->tenant_id);
    db_bind_text(st, 4, inc_severity_name(a->sev)); db_bind_text(st, 5, a->text); db_bind_int(st, 6, clk_now());
    rc = db_exec_stmt(st);
    int64_t id = rc == 0 ? db_last_id(db) : 0, log_id = 0;
    if (rc == 0) rc = audit_change(db, a->who, "create", "incident", id, SNAP_INCIDENT, NULL);
    if (rc == 0) rc = whk_emit(db, WHK_EV_INCIDENT_REPORTED, WEBHOOK_INCIDENT, id);
    if (rc == 0) rc = log_insert(db, a->who, a->resource_id, "incident", a->text, id, 0, NULL, &log_id);
    if (rc == 0) rc = rlog_incident_get(db, &(rlog_viewer){ .staff = true }, id, a->out);
    char email[255] = "";
    if (rc == 0 && a->who->person_id) {   /* the address lets an erasure find the message (booking/erase.c) */
        sqlite3_stmt *st2 = db_stmt(db, "SELECT email FROM people WHERE id = ?1");
        if (!st2) return LP_ERR_DB;
        db_bind_int(st2, 1, a->who->person_id);
        rc = db_get(st2);
        if (rc == 0) snprintf(email, sizeof email, "%s", db_col_text(st2, 0));
        sqlite3_reset(st2);
        if (rc == LP_ERR_NOTFOUND) rc = 0;
    }
    if (rc == 0 && !a->quiet) {
        char link[64];
        snprintf(link, sizeof link, "/#/instruments?id=%lld", (long long)a->resource_id);
        mt_args m = { .resource = r.name, .person = a->out->person[0] ? a->out->person : a->who->label,
                      .email = email[0] ? email : "-", .id = id, .what = inc_severity_name(a->sev), .reason = a->text,
                      .link = link };
        rc = obx_to_staff(db, MT_INCIDENT_REPORTED, &m);
    }
    return rc;
}

int rlog_incident_report(db_t *db, const actor_t *who, int64_t tenant_id, int64_t resource_id, enum inc_severity sev,
                         const char *text, inc_incident *out, lp_fail *f)
{
    if (!text || !text[0] || !lp_text_ok(text, RLOG_TEXT_MAX))
        return lp_failf(f, LP_ERR_INVALID, "text", "text is 1 to %d characters of text", RLOG_TEXT_MAX);
    if ((unsigned)sev >= INC_SEVERITY_COUNT) return lp_failf(f, LP_ERR_INVALID, "severity", "severity is low, medium or high");
    struct report_args a = { who, tenant_id, resource_id, sev, text, out, f, false };
    return db_in_tx(db, do_report, &a);
}

int rlog_incident_seed(db_t *db, const actor_t *who, int64_t tenant_id, int64_t resource_id, enum inc_severity sev,
                       const char *text, inc_incident *out, lp_fail *f)
{
    struct report_args a = { who, tenant_id, resource_id, sev, text, out, f, true };
    return db_in_tx(db, do_report, &a);
}

struct step_args { const actor_t *who; int64_t id, downtime_id; const char *resolution; enum inc_state to; lp_fail *f; };

static int do_step(db_t *db, void *p)
{
    struct step_args *a = p;
    inc_incident x;
    char *before = NULL;
    int rc = rlog_incident_get(db, &(rlog_viewer){ .staff = true }, a->id, &x);
    if (rc) return rc;
    int64_t now = clk_now();
    sqlite3_stmt *st = NULL;
    switch (a->to) {
    case INC_OPEN: return LP_ERR_INVALID;
    case INC_ACKNOWLEDGED:
        if (x.state != INC_OPEN)
            return lp_failf(a->f, LP_ERR_STATE, "state", "only an open incident is acknowledged; this one is %s",
                            inc_state_name(x.state));
        st = db_stmt(db, "UPDATE incidents SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3, "
                         "updated_at = ?2 WHERE id = ?1");
        break;
    case INC_RESOLVED:
        if (x.state == INC_RESOLVED) return lp_failf(a->f, LP_ERR_STATE, "state", "the incident is resolved already");
        st = db_stmt(db, "UPDATE incidents SET state = 'resolved', resolved_at = ?2, resolved_by = ?3, "
                         "resolution = ?4, updated_at = ?2 WHERE id = ?1");
        break;
    }
    if (!st) return LP_ERR_DB;
    rc = audit_snapshot(db, SNAP_INCIDENT, a->id, &before);
    if (rc == 0) {
        db_bind_int(st, 1, a->id); db_bind_int(st, 2, now); db_bind_text(st, 3, a->who->label);
        if (a->to == INC_RESOLVED) db_bind_text(st, 4, a->resolution ? a->resolution : "");
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, a->to == INC_RESOLVED ? "resolve" : "acknowledge", "incident", a->id,
                                   SNAP_INCIDENT, before);
    free(before);
    if (rc == 0 && a->to == INC_RESOLVED) {
        char text[RLOG_TEXT_MAX + 1];
        int64_t log_id;
        snprintf(text, sizeof text, "Incident %lld resolved%s%s", (long long)a->id,
                 a->resolution && a->resolution[0] ? ": " : "", a->resolution ? a->resolution : "");
        rc = log_insert(db, a->who, x.resource_id, "note", text, a->id, 0, NULL, &log_id);
    }
    return rc;
}

int rlog_incident_ack(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct step_args a = { who, id, 0, NULL, INC_ACKNOWLEDGED, f };
    return db_in_tx(db, do_step, &a);
}

int rlog_incident_resolve(db_t *db, const actor_t *who, int64_t id, const char *resolution, lp_fail *f)
{
    if (resolution && resolution[0] && !lp_text_ok(resolution, RLOG_TEXT_MAX))
        return lp_failf(f, LP_ERR_INVALID, "resolution", "resolution is at most %d characters of text", RLOG_TEXT_MAX);
    struct step_args a = { who, id, 0, resolution, INC_RESOLVED, f };
    return db_in_tx(db, do_step, &a);
}

int rlog_incident_link(db_t *db, const actor_t *who, int64_t incident_id, int64_t downtime_id)
{
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_INCIDENT, incident_id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE incidents SET downtime_id = ?2, state = CASE state WHEN 'open' THEN 'acknowledged' ELSE state END, "
        "acknowledged_at = COALESCE(acknowledged_at, ?3), acknowledged_by = COALESCE(acknowledged_by, ?4), "
        "updated_at = ?3 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, incident_id); db_bind_int(st, 2, downtime_id); db_bind_int(st, 3, clk_now());
        db_bind_text(st, 4, who->label);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, who, "downtime", "incident", incident_id, SNAP_INCIDENT, before);
    free(before);
    return rc;
}

/* ---- the log ---- */

#define LOG_COLS "id, resource_id, COALESCE(person_id, 0), COALESCE(incident_id, 0), COALESCE(downtime_id, 0), at, " \
    "COALESCE(reminded_at, 0), kind, text, author, COALESCE(due_date, '')"

static int log_row(sqlite3_stmt *st, void *elem)
{
    rlog_entry *e = elem;
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->resource_id = sqlite3_column_int64(st, 1);
    e->person_id = sqlite3_column_int64(st, 2);
    e->incident_id = sqlite3_column_int64(st, 3);
    e->downtime_id = sqlite3_column_int64(st, 4);
    e->at = sqlite3_column_int64(st, 5);
    e->reminded_at = sqlite3_column_int64(st, 6);
    snprintf(e->text, sizeof e->text, "%s", db_col_text(st, 8));
    snprintf(e->author, sizeof e->author, "%s", db_col_text(st, 9));
    snprintf(e->due_date, sizeof e->due_date, "%s", db_col_text(st, 10));
    return rlog_kind_parse(db_col_text(st, 7), &e->kind) ? LP_ERR_DB : 0;
}

static int log_get(db_t *db, int64_t id, rlog_entry *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " LOG_COLS " FROM resource_log WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) rc = log_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int rlog_list(db_t *db, const rlog_viewer *v, int64_t resource_id, size_t max, rlog_entry **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " LOG_COLS " FROM resource_log WHERE resource_id = ?1 "
                                   "AND (?2 OR person_id = ?3) ORDER BY at DESC, id DESC LIMIT ?4");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, v->staff ? 1 : 0);
    db_bind_int(st, 3, v->person_id ? v->person_id : -1);
    db_bind_int(st, 4, (int64_t)max);
    return db_collect(st, sizeof **out, log_row, (void **)out, n);
}

struct add_args {
    const actor_t *who;
    int64_t resource_id;
    enum rlog_kind kind;
    const char *text, *due;
    rlog_entry *out;
};

static int do_add(db_t *db, void *p)
{
    struct add_args *a = p;
    res_resource r;
    int64_t id = 0;
    int rc = res_get(db, a->resource_id, &r);
    if (rc == 0) rc = log_insert(db, a->who, a->resource_id, rlog_kind_name(a->kind), a->text, 0, 0, a->due, &id);
    if (rc == 0) rc = log_get(db, id, a->out);
    return rc;
}

int rlog_add(db_t *db, const actor_t *who, int64_t resource_id, enum rlog_kind kind, const char *text,
             const char *due_date, rlog_entry *out, lp_fail *f)
{
    if (!text || !text[0] || !lp_text_ok(text, RLOG_TEXT_MAX))
        return lp_failf(f, LP_ERR_INVALID, "text", "text is 1 to %d characters of text", RLOG_TEXT_MAX);
    switch (kind) {
    case RLOG_MAINTENANCE:
    case RLOG_NOTE:
        if (due_date && due_date[0]) return lp_failf(f, LP_ERR_INVALID, "due_date", "only a calibration has a due date");
        break;
    case RLOG_CALIBRATION: {
        int64_t from, to;
        if (!due_date || lt_parse_day(due_date, &from, &to) != 0)
            return lp_failf(f, LP_ERR_INVALID, "due_date", "a calibration needs due_date, a date YYYY-MM-DD");
        if (to <= clk_now()) return lp_failf(f, LP_ERR_INVALID, "due_date", "the next calibration is due in the future");
        if (from > clk_now() + 10LL * 366 * 86400)
            return lp_failf(f, LP_ERR_INVALID, "due_date", "a due date is at most ten years ahead");
        break;
    }
    case RLOG_INCIDENT:
        return lp_failf(f, LP_ERR_INVALID, "kind", "incidents are reported, not written into the log");
    }
    struct add_args a = { who, resource_id, kind, text, kind == RLOG_CALIBRATION ? due_date : NULL, out };
    return db_in_tx(db, do_add, &a);
}

int rlog_note_downtime(db_t *db, const actor_t *who, int64_t resource_id, int64_t downtime_id, const char *kind,
                       const char *text)
{
    int64_t id;
    return log_insert(db, who, resource_id, kind, text, 0, downtime_id, NULL, &id);
}

/* ---- calibration reminders ---- */

static int g_cal_lead = RLOG_CAL_LEAD_DEFAULT;
void rlog_set_cal_lead(int days) { g_cal_lead = days > 0 ? days : 0; }
int rlog_cal_lead(void) { return g_cal_lead; }

struct cal { int64_t id, resource_id; char resource[121], due[11]; };

static int cal_row(sqlite3_stmt *st, void *elem)
{
    struct cal *c = elem;
    c->id = sqlite3_column_int64(st, 0);
    c->resource_id = sqlite3_column_int64(st, 1);
    snprintf(c->resource, sizeof c->resource, "%s", db_col_text(st, 2));
    snprintf(c->due, sizeof c->due, "%s", db_col_text(st, 3));
    return 0;
}

struct cal_args { int64_t now; int lead; int queued; };

static int do_cal(db_t *db, void *p)
{
    struct cal_args *a = p;
    /* the newest calibration entry per resource, not reminded yet */
    sqlite3_stmt *st = db_stmt(db, "SELECT l.id, l.resource_id, r.name, l.due_date FROM resource_log l "
                                   "JOIN resources r ON r.id = l.resource_id "
                                   "WHERE l.due_date IS NOT NULL AND l.reminded_at IS NULL AND l.kind = 'calibration' "
                                   "AND NOT EXISTS (SELECT 1 FROM resource_log n WHERE n.resource_id = l.resource_id "
                                   "  AND n.kind = 'calibration' AND n.id > l.id) ORDER BY l.due_date, l.id LIMIT 200");
    if (!st) return LP_ERR_DB;
    struct cal *c = NULL;
    size_t n = 0;
    int rc = db_collect(st, sizeof *c, cal_row, (void **)&c, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t from, to;
        if (lt_parse_day(c[i].due, &from, &to) != 0) { rc = LP_ERR_DB; break; }
        /* due within lead days: the local day lead days from now has begun */
        struct tm tm;
        lt_local(a->now, &tm);
        int64_t horizon = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + a->lead, 23, 59, 59);
        if (from > horizon) continue;
        char link[64];
        snprintf(link, sizeof link, "/#/instruments?id=%lld", (long long)c[i].resource_id);
        mt_args m = { .resource = c[i].resource, .due = c[i].due, .link = link };
        rc = obx_to_staff(db, MT_CALIBRATION_DUE, &m);
        sqlite3_stmt *u = rc ? NULL : db_stmt(db, "UPDATE resource_log SET reminded_at = ?2 WHERE id = ?1");
        if (rc == 0 && !u) rc = LP_ERR_DB;
        if (rc == 0) { db_bind_int(u, 1, c[i].id); db_bind_int(u, 2, a->now); rc = db_exec_stmt(u); }
        if (rc == 0) a->queued++;
    }
    free(c);
    return rc;
}

int rlog_calibration_run(db_t *db, int64_t now, int lead_days, int *queued)
{
    struct cal_args a = { now, lead_days, 0 };
    *queued = 0;
    if (lead_days <= 0) return 0;
    int rc = db_in_tx(db, do_cal, &a);
    if (rc == 0) *queued = a.queued;
    return rc;
}
