/* h_resops.c: what a resource runs on, over HTTP: downtimes (the preview of
 * the bookings one meets, creating, ending early and extending), incidents
 * (members report, staff acknowledge and resolve; members see only their
 * own) and the resource log (staff see all of it, a member the entries
 * they wrote). */
#include "api/handlers.h"
#include "booking/downtime.h"
#include "booking/resource.h"
#include "booking/rlog.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *id_or_null(int64_t id) { return id ? json_integer(id) : json_null(); }

static json_t *downtime_json(const dt_downtime *d)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)d->id, "resource_id",
                          (json_int_t)d->resource_id, "kind", dt_kind_name(d->kind), "reason", d->reason,
                          "bookings", dt_bookings_name(d->bookings), "created_by", d->created_by);
    json_object_set_new(j, "start", api_time_json(d->start));
    json_object_set_new(j, "end", api_time_json(d->end));
    json_object_set_new(j, "incident_id", id_or_null(d->incident_id));
    json_object_set_new(j, "created_at", api_time_json(d->created_at));
    json_object_set_new(j, "updated_at", api_time_json(d->updated_at));
    return j;
}

static json_t *affected_json(const dt_affected *a, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *alt = json_array();
        for (size_t k = 0; k < a[i].n_alt; k++) {
            json_t *s = json_pack("{s:I, s:s}", "resource_id", (json_int_t)a[i].alt[k].resource_id, "resource",
                                  a[i].alt[k].resource);
            json_object_set_new(s, "start", api_time_json(a[i].alt[k].start));
            json_object_set_new(s, "end", api_time_json(a[i].alt[k].end));
            json_array_append_new(alt, s);
        }
        json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:b, s:b, s:o}", "reservation_id",
                              (json_int_t)a[i].reservation_id, "person_id", (json_int_t)a[i].person_id, "person",
                              a[i].person, "tenant_id", (json_int_t)a[i].tenant_id, "title", a[i].title, "status",
                              a[i].status, "cancelled", a[i].cancelled, "notified", a[i].notified, "alternatives", alt);
        json_object_set_new(j, "start", api_time_json(a[i].start));
        json_object_set_new(j, "end", api_time_json(a[i].end));
        json_array_append_new(arr, j);
    }
    return arr;
}

static const struct jv_field DT_INPUT[] = {
    { "resource_id", JV_INT, 1, INT32_MAX, 1 }, { "kind", JV_STRING, 1, 10, 0 }, { "start", JV_TIME, 1, 0, 0 },
    { "end", JV_NULLABLE_STRING, 0, 40, 0 }, { "reason", JV_STRING, 1, DT_REASON_MAX, 0 },
    { "bookings", JV_STRING, 0, 10, 0 }, { "notify", JV_BOOL, 0, 0, 0 }, { "incident_id", JV_INT, 0, INT32_MAX, 1 },
    JV_END };

/* The nullable time field name of b into *t (absent or null: 0); -1 after a 400. */
static int opt_time(api_ctx *c, json_t *b, const char *name, int64_t *t)
{
    json_t *v = json_object_get(b, name);
    *t = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v) || lt_parse_rfc3339(json_string_value(v), t) != 0 || *t <= 0) {
        char msg[80];
        snprintf(msg, sizeof msg, "%s is an RFC 3339 time or null", name);
        api_problem(c, 400, "validation", "Invalid request", msg, name);
        return -1;
    }
    return 0;
}

/* The downtime of body b into d; -1 after answering 400. */
static int read_downtime(api_ctx *c, json_t *b, dt_downtime *d)
{
    memset(d, 0, sizeof *d);
    d->resource_id = jv_int(b, "resource_id", 0);
    d->incident_id = jv_int(b, "incident_id", 0);
    jv_copy(b, "reason", d->reason, sizeof d->reason);
    if (dt_kind_parse(jv_str(b, "kind", ""), &d->kind)) {
        api_problem(c, 400, "validation", "Invalid request", "kind is planned or fault", "kind");
        return -1;
    }
    if (dt_bookings_parse(jv_str(b, "bookings", "keep"), &d->bookings)) {
        api_problem(c, 400, "validation", "Invalid request", "bookings is keep or cancel", "bookings");
        return -1;
    }
    if (lt_parse_rfc3339(jv_str(b, "start", ""), &d->start)) {
        api_problem(c, 400, "validation", "Invalid request", "start is an RFC 3339 time", "start");
        return -1;
    }
    return opt_time(c, b, "end", &d->end);
}

/* POST /api/v1/downtimes/preview: the bookings a downtime would meet. */
void h_downtime_preview(api_ctx *c)
{
    json_t *b = api_body(c, DT_INPUT);
    if (!b) return;
    dt_downtime d;
    int bad = read_downtime(c, b, &d);
    json_decref(b);
    if (bad) return;
    lp_fail f = { 0 };
    dt_affected *a = NULL;
    size_t n = 0;
    int rc = dt_validate(c->db, &d, &f);
    if (rc == 0) rc = dt_affected_list(c->db, d.resource_id, d.start, d.end, &a, &n);
    if (rc == LP_ERR_TOOBIG) { lp_failf(&f, LP_ERR_RULE, "end", "the downtime meets more than %d bookings; make it shorter", DT_MAX_AFFECTED); rc = LP_ERR_RULE; }
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_pack("{s:o, s:I}", "affected", affected_json(a, n), "count", (json_int_t)n));
    free(a);
}

/* POST /api/v1/downtimes */
void h_downtime_create(api_ctx *c)
{
    json_t *b = api_body(c, DT_INPUT);
    if (!b) return;
    dt_downtime d;
    int bad = read_downtime(c, b, &d);
    bool notify = jv_bool(b, "notify", 1);
    json_decref(b);
    if (bad) return;
    lp_fail f = { 0 };
    dt_affected *a = NULL;
    size_t n = 0;
    int rc = dt_create(c->db, &c->actor, &d, notify, &a, &n, &f);
    if (rc == LP_ERR_TOOBIG) { lp_failf(&f, LP_ERR_RULE, "end", "the downtime meets more than %d bookings; make it shorter", DT_MAX_AFFECTED); rc = LP_ERR_RULE; }
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_pack("{s:o, s:o}", "downtime", downtime_json(&d), "affected", affected_json(a, n)));
    free(a);
}

/* GET /api/v1/downtimes?resource_id&from&to */
void h_downtimes_list(api_ctx *c)
{
    int64_t rid = 0, from = 0, to = 0;
    if (api_query_int(c, "resource_id", 0, 0, INT32_MAX, &rid)) return;
    if (api_query_time(c, "from", 0, &from) || api_query_time(c, "to", 0, &to)) return;
    if (!from) from = clk_now() - 30 * 86400;
    if (!to) to = from + 400LL * 86400;
    if (to <= from || to - from > 400LL * 86400) {
        api_problem(c, 400, "validation", "Invalid request", "from..to is at most 400 days, to after from", "to");
        return;
    }
    dt_downtime *d = NULL;
    size_t n = 0;
    int rc = dt_list(c->db, rid, from, to, 1000, &d, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, downtime_json(&d[i]));
    free(d);
    api_reply_json(c, 200, json_pack("{s:o}", "downtimes", arr));
}

/* GET /api/v1/downtimes/{id} */
void h_downtime_get(api_ctx *c)
{
    dt_downtime d;
    int rc = dt_get(c->db, c->params[0], &d);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, downtime_json(&d));
}

static const struct jv_field DT_PATCH[] = {
    { "end", JV_NULLABLE_STRING, 1, 40, 0 }, { "reason", JV_STRING, 0, DT_REASON_MAX, 0 },
    { "notify", JV_BOOL, 0, 0, 0 }, JV_END };

/* PATCH /api/v1/downtimes/{id}: end it early (end now or sooner), extend it
 * (a later end, or null: until further notice). */
void h_downtime_update(api_ctx *c)
{
    json_t *b = api_body(c, DT_PATCH);
    if (!b) return;
    int64_t end = 0;
    char reason[DT_REASON_MAX + 1] = "";
    int bad = opt_time(c, b, "end", &end);
    int has_reason = jv_has(b, "reason");
    jv_copy(b, "reason", reason, sizeof reason);
    bool notify = jv_bool(b, "notify", 1);
    json_decref(b);
    if (bad) return;
    lp_fail f = { 0 };
    dt_affected *a = NULL;
    size_t n = 0;
    int rc = dt_set_end(c->db, &c->actor, c->params[0], end, has_reason ? reason : NULL, notify, &a, &n, &f);
    if (rc == LP_ERR_TOOBIG) { lp_failf(&f, LP_ERR_RULE, "end", "the extension meets more than %d bookings", DT_MAX_AFFECTED); rc = LP_ERR_RULE; }
    dt_downtime d;
    if (rc == 0) rc = dt_get(c->db, c->params[0], &d);
    if (rc) { free(a); api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_pack("{s:o, s:o}", "downtime", downtime_json(&d), "affected", affected_json(a, n)));
    free(a);
}

/* ---- incidents ---- */

static rlog_viewer viewer(const api_ctx *c)
{
    return (rlog_viewer){ .person_id = c->caller.person_id, .staff = api_is_staff(c) != 0 };
}

static json_t *incident_json(const inc_incident *x)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)x->id, "resource_id",
                          (json_int_t)x->resource_id, "resource", x->resource, "person", x->person, "severity",
                          inc_severity_name(x->severity), "text", x->text, "state", inc_state_name(x->state),
                          "resolution", x->resolution);
    json_object_set_new(j, "person_id", id_or_null(x->person_id));
    json_object_set_new(j, "downtime_id", id_or_null(x->downtime_id));
    json_object_set_new(j, "created_at", api_time_json(x->created_at));
    json_object_set_new(j, "acknowledged_at", api_time_json(x->acknowledged_at));
    json_object_set_new(j, "resolved_at", api_time_json(x->resolved_at));
    return j;
}

static const struct jv_field INC_INPUT[] = {
    { "severity", JV_STRING, 1, 10, 0 }, { "text", JV_STRING, 1, RLOG_TEXT_MAX, 0 }, JV_END };

/* POST /api/v1/resources/{id}/incidents: the caller reports a problem. */
void h_incident_report(api_ctx *c)
{
    if (!c->caller.person_id) {
        api_problem(c, 403, "forbidden", "Forbidden", "a person reports a problem", NULL);
        return;
    }
    json_t *b = api_body(c, INC_INPUT);
    if (!b) return;
    enum inc_severity sev;
    if (inc_severity_parse(jv_str(b, "severity", ""), &sev)) {
        json_decref(b);
        api_problem(c, 400, "validation", "Invalid request", "severity is low, medium or high", "severity");
        return;
    }
    inc_incident x;
    lp_fail f = { 0 };
    int rc = rlog_incident_report(c->db, &c->actor, c->caller.tenant_id, c->params[0], sev, jv_str(b, "text", ""), &x, &f);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, incident_json(&x));
}

/* GET /api/v1/incidents?resource_id&status=open|all */
void h_incidents_list(api_ctx *c)
{
    static const char *const STATUS[] = { "open", "all", NULL };
    const char *status = NULL;
    int64_t rid = 0;
    if (api_query_int(c, "resource_id", 0, 0, INT32_MAX, &rid) || api_query_enum(c, "status", STATUS, &status)) return;
    rlog_viewer v = viewer(c);
    inc_incident *x = NULL;
    size_t n = 0;
    int rc = rlog_incident_list(c->db, &v, rid, !status || strcmp(status, "open") == 0, 500, &x, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, incident_json(&x[i]));
    free(x);
    api_reply_json(c, 200, json_pack("{s:o}", "incidents", arr));
}

/* GET /api/v1/incidents/{id}: staff, or the person who reported it. */
void h_incident_get(api_ctx *c)
{
    rlog_viewer v = viewer(c);
    inc_incident x;
    int rc = rlog_incident_get(c->db, &v, c->params[0], &x);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, incident_json(&x));
}

static void reply_incident(api_ctx *c, int rc, const lp_fail *f)
{
    inc_incident x;
    rlog_viewer v = { .staff = true };
    if (rc == 0) rc = rlog_incident_get(c->db, &v, c->params[0], &x);
    if (rc) { api_fail(c, rc, f); return; }
    api_reply_json(c, 200, incident_json(&x));
}

/* POST /api/v1/incidents/{id}/acknowledge */
void h_incident_ack(api_ctx *c)
{
    lp_fail f = { 0 };
    reply_incident(c, rlog_incident_ack(c->db, &c->actor, c->params[0], &f), &f);
}

static const struct jv_field INC_RESOLVE[] = { { "resolution", JV_STRING, 0, RLOG_TEXT_MAX, 0 }, JV_END };

/* POST /api/v1/incidents/{id}/resolve */
void h_incident_resolve(api_ctx *c)
{
    json_t *b = NULL;
    if (c->body_len && !(b = api_body(c, INC_RESOLVE))) return;
    lp_fail f = { 0 };
    int rc = rlog_incident_resolve(c->db, &c->actor, c->params[0], b ? jv_str(b, "resolution", "") : "", &f);
    json_decref(b);
    reply_incident(c, rc, &f);
}

/* ---- the log ---- */

static json_t *entry_json(const rlog_entry *e)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)e->id, "resource_id", (json_int_t)e->resource_id,
                          "kind", rlog_kind_name(e->kind), "text", e->text, "author", e->author);
    json_object_set_new(j, "incident_id", id_or_null(e->incident_id));
    json_object_set_new(j, "downtime_id", id_or_null(e->downtime_id));
    json_object_set_new(j, "due_date", e->due_date[0] ? json_string(e->due_date) : json_null());
    json_object_set_new(j, "reminded_at", api_time_json(e->reminded_at));
    json_object_set_new(j, "at", api_time_json(e->at));
    return j;
}

/* GET /api/v1/resources/{id}/log */
void h_resource_log(api_ctx *c)
{
    rlog_viewer v = viewer(c);
    res_resource r;
    int rc = res_get(c->db, c->params[0], &r);
    rlog_entry *e = NULL;
    size_t n = 0;
    if (rc == 0) rc = rlog_list(c->db, &v, r.id, 500, &e, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, entry_json(&e[i]));
    free(e);
    api_reply_json(c, 200, json_pack("{s:o}", "entries", arr));
}

static const struct jv_field LOG_INPUT[] = {
    { "kind", JV_STRING, 1, 12, 0 }, { "text", JV_STRING, 1, RLOG_TEXT_MAX, 0 }, { "due_date", JV_STRING, 0, 10, 0 },
    JV_END };

/* POST /api/v1/resources/{id}/log */
void h_resource_log_add(api_ctx *c)
{
    json_t *b = api_body(c, LOG_INPUT);
    if (!b) return;
    enum rlog_kind k;
    if (rlog_kind_parse(jv_str(b, "kind", ""), &k)) {
        json_decref(b);
        api_problem(c, 400, "validation", "Invalid request", "kind is maintenance, calibration or note", "kind");
        return;
    }
    rlog_entry e;
    lp_fail f = { 0 };
    int rc = rlog_add(c->db, &c->actor, c->params[0], k, jv_str(b, "text", ""), jv_str(b, "due_date", NULL), &e, &f);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, entry_json(&e));
}
