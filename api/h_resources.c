/* h_resources.c: resources and their rules, opening hours, closures,
 * qualifications and grants, and availability. Staff manage; everybody
 * signed in may read resources and free/busy time. */
#include "api/handlers.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "booking/rsv.h"
#include "booking/slots.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *DAYS[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static json_t *json_resource(const res_resource *r)
{
    json_t *hours = json_object(), *quals = json_array();
    for (int d = 0; d < 7 && r->has_hours; d++) {
        char txt[200];
        res_hours_text(r, d, txt, sizeof txt);
        json_object_set_new(hours, DAYS[d], json_string(txt));
    }
    for (int i = 0; i < r->n_quals; i++) json_array_append_new(quals, json_integer(r->quals[i]));
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "id", (json_int_t)r->id, "kind", r->kind,
                          "name", r->name, "description", r->description, "door_group", r->door_group,
                          "capacity", r->capacity, "status", res_state_name(r->state), "out_of_service_reason", r->oos_reason);
    json_object_set_new(j, "out_of_service_until", api_time_json(r->oos_until));
    json_object_set_new(j, "equivalent_group", json_string(r->equivalent_group));
    json_object_set_new(j, "min_minutes", json_integer(r->min_minutes));
    json_object_set_new(j, "max_minutes", json_integer(r->max_minutes));
    json_object_set_new(j, "granularity_min", json_integer(r->granularity_min));
    json_object_set_new(j, "min_notice_min", json_integer(r->min_notice_min));
    json_object_set_new(j, "max_advance_days", json_integer(r->max_advance_days));
    json_object_set_new(j, "buffer_before_min", json_integer(r->buffer_before_min));
    json_object_set_new(j, "buffer_after_min", json_integer(r->buffer_after_min));
    json_object_set_new(j, "approval_required", json_boolean(r->approval_required));
    json_object_set_new(j, "quota_week_min", json_integer(r->quota_week_min));
    json_object_set_new(j, "quota_month_min", json_integer(r->quota_month_min));
    json_object_set_new(j, "opening_hours", r->has_hours ? hours : (json_decref(hours), json_null()));
    json_object_set_new(j, "required_qualifications", quals);
    return j;
}

static const struct jv_field RES_FIELDS[] = {
    { "kind", JV_STRING, 0, 11, 0 }, { "name", JV_STRING, 0, 120, 0 }, { "description", JV_STRING, 0, 1000, 0 },
    { "door_group", JV_STRING, 0, 64, 0 }, { "equivalent_group", JV_STRING, 0, 64, 0 },
    { "capacity", JV_INT, 0, 100, 1 }, { "status", JV_STRING, 0, 15, 0 },
    { "out_of_service_reason", JV_STRING, 0, 200, 0 }, { "out_of_service_until", JV_NULLABLE_STRING, 0, 40, 0 },
    { "min_minutes", JV_INT, 0, 43200, 1 }, { "max_minutes", JV_INT, 0, 43200, 1 },
    { "granularity_min", JV_INT, 0, 1440, 1 }, { "min_notice_min", JV_INT, 0, 43200, 0 },
    { "max_advance_days", JV_INT, 0, 730, 1 }, { "buffer_before_min", JV_INT, 0, 1440, 0 },
    { "buffer_after_min", JV_INT, 0, 1440, 0 }, { "approval_required", JV_BOOL, 0, 0, 0 },
    { "quota_week_min", JV_INT, 0, 10080, 0 }, { "quota_month_min", JV_INT, 0, 44640, 0 },
    { "opening_hours", JV_OBJECT, 0, 0, 0 }, { "required_qualifications", JV_ARRAY, 0, RES_MAX_QUALS, 0 }, JV_END };

/* Opening hours {"mon": "08:00-18:00", ...}; null or {} clears them. */
static int apply_hours(json_t *h, res_resource *r, lp_fail *f)
{
    const char *key;
    json_t *v;
    struct slots_week w;
    memset(&w, 0, sizeof w);
    json_object_foreach(h, key, v) {
        int d = -1;
        for (int i = 0; i < 7; i++)
            if (!strcmp(key, DAYS[i])) d = i;
        if (d < 0) return lp_failf(f, LP_ERR_INVALID, "opening_hours", "opening_hours keys are mon..sun");
        if (!json_is_string(v) || slots_week_set_day(&w, d, json_string_value(v)) != 0)
            return lp_failf(f, LP_ERR_INVALID, "opening_hours", "opening_hours.%s must look like "
                            "\"08:00-12:00,13:00-18:00\" or \"\" (closed)", DAYS[d]);
    }
    r->hours = w;
    r->has_hours = json_object_size(h) > 0;
    return 0;
}

static int apply_res(json_t *b, res_resource *r, lp_fail *f)
{
    jv_copy(b, "kind", r->kind, sizeof r->kind);
    jv_copy(b, "name", r->name, sizeof r->name);
    jv_copy(b, "description", r->description, sizeof r->description);
    jv_copy(b, "door_group", r->door_group, sizeof r->door_group);
    jv_copy(b, "equivalent_group", r->equivalent_group, sizeof r->equivalent_group);
    if (jv_has(b, "status") && res_state_parse(jv_str(b, "status", ""), &r->state) != 0)
        return lp_failf(f, LP_ERR_INVALID, "status", "status must be available or out_of_service");
    jv_copy(b, "out_of_service_reason", r->oos_reason, sizeof r->oos_reason);
    struct { const char *k; int *v; } ints[] = {
        { "capacity", &r->capacity }, { "min_minutes", &r->min_minutes }, { "max_minutes", &r->max_minutes },
        { "granularity_min", &r->granularity_min }, { "min_notice_min", &r->min_notice_min },
        { "max_advance_days", &r->max_advance_days }, { "buffer_before_min", &r->buffer_before_min },
        { "buffer_after_min", &r->buffer_after_min }, { "quota_week_min", &r->quota_week_min },
        { "quota_month_min", &r->quota_month_min } };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) *ints[i].v = (int)jv_int(b, ints[i].k, *ints[i].v);
    r->approval_required = jv_bool(b, "approval_required", r->approval_required);
    json_t *u = json_object_get(b, "out_of_service_until");
    if (json_is_null(u)) r->oos_until = 0;
    else if (u && lt_parse_rfc3339(json_string_value(u), &r->oos_until) != 0)
        return lp_failf(f, LP_ERR_INVALID, "out_of_service_until", "out_of_service_until must be an RFC 3339 time");
    json_t *h = json_object_get(b, "opening_hours");
    if (h) { int rc = apply_hours(h, r, f); if (rc) return rc; }
    json_t *q = json_object_get(b, "required_qualifications");
    if (q) {
        size_t i;
        json_t *v;
        r->n_quals = 0;
        json_array_foreach(q, i, v) {
            if (!json_is_integer(v)) return lp_failf(f, LP_ERR_INVALID, "required_qualifications", "give qualification ids");
            r->quals[r->n_quals++] = json_integer_value(v);
        }
    }
    return 0;
}

static const char *const RES_KINDS[] = { "lab", "equipment", "room", NULL };

void h_resources_list(api_ctx *c)
{
    const char *kind;
    if (api_query_enum(c, "kind", RES_KINDS, &kind)) return;
    res_resource *arr = NULL;
    size_t n = 0;
    int rc = res_list(c->db, kind, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_resource(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "resources", out));
}

void h_resource_create(api_ctx *c)
{
    json_t *b = api_body(c, RES_FIELDS);
    if (!b) return;
    res_resource r;
    lp_fail f = { 0 };
    res_defaults(&r);
    int rc = jv_has(b, "name") ? apply_res(b, &r, &f) : lp_failf(&f, LP_ERR_INVALID, "name", "field 'name' is required");
    json_decref(b);
    if (rc == 0) rc = res_create(c->db, &c->actor, &r, &f);
    if (rc == 0) rc = res_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_resource(&r));
}

void h_resource_get(api_ctx *c)
{
    res_resource r;
    int rc = res_get(c->db, c->params[0], &r);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_resource(&r));
}

void h_resource_update(api_ctx *c)
{
    res_resource r;
    int rc = res_get(c->db, c->params[0], &r);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *b = api_body(c, RES_FIELDS);
    if (!b) return;
    lp_fail f = { 0 };
    rc = apply_res(b, &r, &f);
    json_decref(b);
    if (rc == 0) rc = res_update(c->db, &c->actor, &r, &f);
    if (rc == 0) rc = res_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_resource(&r));
}

/* ---- availability ---- */

static int range(api_ctx *c, int64_t *from, int64_t *to, int64_t max)
{
    *from = clk_now();
    *to = *from + 7 * 86400;
    if (api_query_time(c, "from", 0, from) || api_query_time(c, "to", 0, to)) return -1;
    if (*to <= *from || *to - *from > max) {
        api_problem(c, 400, "validation", "Invalid request", "to must be after from, within the allowed range", "to");
        return -1;
    }
    return 0;
}

/* Free intervals of r in [from, to) for one more booking, honouring its rules. */
static int avail_free(db_t *db, const res_resource *r, int64_t from, int64_t to, struct slots_iv **out, size_t *n)
{
    int64_t now = clk_now(), wid = (int64_t)(r->buffer_before_min + r->buffer_after_min) * 60;
    int64_t lo = now + (int64_t)r->min_notice_min * 60, hi = now + (int64_t)r->max_advance_days * 86400;
    if (from < lo) from = lo;
    if (to > hi) to = hi;
    *out = NULL;
    *n = 0;
    if (to <= from) return 0;
    struct slots_iv *busy = NULL, *cl = NULL;
    size_t nr = 0, nc = 0;
    int rc = rsv_blocks(db, r, from - wid, to + wid, &busy, &nr);
    if (rc == 0) rc = res_closures(db, r->id, from, to, &cl, &nc);
    struct slots_iv *cl2 = rc ? NULL : realloc(cl, (nc + 1) * sizeof *cl);
    if (rc == 0 && !cl2) rc = LP_ERR_NOMEM;
    if (cl2) cl = cl2;
    /* A new booking [s, e) collides with a block [bs, be) when its own block
     * [s - before, e + after) overlaps it: s < be + before and e > bs - after. */
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        busy[i].start -= (int64_t)r->buffer_after_min * 60;
        busy[i].end += (int64_t)r->buffer_before_min * 60;
    }
    if (rc == 0 && r->state == RES_OUT_OF_SERVICE) {
        cl[nc].start = from;
        cl[nc].end = r->oos_until ? r->oos_until : to;
        if (cl[nc].end > cl[nc].start) nc++;
    }
    struct slots_query sq = { r->has_hours ? &r->hours : NULL, from, to, cl, nc, busy, nr, (unsigned)r->capacity };
    if (rc == 0) rc = slots_free(&sq, out, n);
    free(cl); free(busy);
    return rc;
}

void h_resource_availability(api_ctx *c)
{
    res_resource r;
    int64_t from, to;
    int rc = res_get(c->db, c->params[0], &r);
    if (rc) { api_fail(c, rc, NULL); return; }
    if (range(c, &from, &to, 62 * 86400)) return;
    struct slots_iv *fr = NULL;
    size_t n = 0;
    rc = avail_free(c->db, &r, from, to, &fr, &n);
    /* Places taken: how many blocks (booking plus buffers) hold r at once. */
    struct slots_iv *blk = NULL;
    struct slots_count *tk = NULL;
    size_t nb = 0, nt = 0;
    if (rc == 0) rc = rsv_blocks(c->db, &r, from, to, &blk, &nb);
    if (rc == 0) rc = slots_taken(blk, nb, from, to, &tk, &nt);
    free(blk);
    if (rc) { free(fr); free(tk); api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:o, s:o}", "start", api_time_json(fr[i].start), "end", api_time_json(fr[i].end)));
    free(fr);
    json_t *occ = json_array();
    for (size_t i = 0; i < nt; i++) {
        json_int_t t = (json_int_t)tk[i].taken, cap = (json_int_t)r.capacity;
        json_array_append_new(occ, json_pack("{s:o, s:o, s:I, s:I}", "start", api_time_json(tk[i].start),
                                             "end", api_time_json(tk[i].end), "taken", t,
                                             "free", t < cap ? cap - t : (json_int_t)0));
    }
    free(tk);
    api_reply_json(c, 200, json_pack("{s:I, s:o, s:o, s:I, s:o, s:o}", "resource_id", (json_int_t)r.id,
                                     "from", api_time_json(from), "to", api_time_json(to),
                                     "capacity", (json_int_t)r.capacity, "free", arr, "taken", occ));
}

void h_availability(api_ctx *c)
{
    const char *kind;
    int64_t from, to;
    if (api_query_enum(c, "kind", RES_KINDS, &kind)) return;
    if (api_query_time(c, "from", 1, &from) || api_query_time(c, "to", 1, &to)) return;
    if (to <= from || to - from > 31 * 86400) {
        api_problem(c, 400, "validation", "Invalid request", "to must be after from, at most 31 days later", "to");
        return;
    }
    res_resource *arr = NULL;
    size_t n = 0;
    int rc = res_list(c->db, kind, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        rsv_request rq = { arr[i].id, 0, 0, from, to, NULL, 0, 0 };
        lp_fail f = { 0 };
        if (rsv_check_slot(c->db, &rq, &arr[i], &f) == 0)
            json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)arr[i].id, "name", arr[i].name,
                                                 "kind", arr[i].kind));
    }
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o, s:o, s:o}", "from", api_time_json(from), "to", api_time_json(to), "resources", out));
}

/* ---- closures ---- */

void h_closures_list(api_ctx *c)
{
    int64_t from, to;
    if (range(c, &from, &to, 400 * 86400)) return;
    res_closure *arr = NULL;
    size_t n = 0;
    int rc = res_closure_list(c->db, from, to, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:I, s:o, s:o, s:s}", "id", (json_int_t)arr[i].id, "start", api_time_json(arr[i].start),
                              "end", api_time_json(arr[i].end), "reason", arr[i].reason);
        json_object_set_new(j, "resource_id", arr[i].resource_id ? json_integer(arr[i].resource_id) : json_null());
        json_array_append_new(out, j);
    }
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "closures", out));
}

static const struct jv_field CLOSURE[] = {
    { "resource_id", JV_INT, 0, INT32_MAX, 1 }, { "start", JV_TIME, 1, 0, 0 }, { "end", JV_TIME, 1, 0, 0 },
    { "reason", JV_STRING, 0, 200, 0 }, JV_END };

void h_closure_create(api_ctx *c)
{
    json_t *b = api_body(c, CLOSURE);
    if (!b) return;
    res_closure cl = { 0 };
    lp_fail f = { 0 };
    cl.resource_id = jv_int(b, "resource_id", 0);
    int rc = lt_parse_rfc3339(jv_str(b, "start", ""), &cl.start) | lt_parse_rfc3339(jv_str(b, "end", ""), &cl.end);
    jv_copy(b, "reason", cl.reason, sizeof cl.reason);
    json_decref(b);
    rc = rc ? LP_ERR_INVALID : res_closure_add(c->db, &c->actor, &cl, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_pack("{s:I}", "id", (json_int_t)cl.id));
}

void h_closure_delete(api_ctx *c)
{
    int rc = res_closure_delete(c->db, &c->actor, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}

/* ---- qualifications ---- */

void h_quals_list(api_ctx *c)
{
    qual_def *arr = NULL;
    size_t n = 0;
    int rc = qual_list(c->db, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, ht_qual_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "qualifications", out));
}

static const struct jv_field QUAL[] = {
    { "name", JV_STRING, 1, 120, 0 }, { "description", JV_STRING, 0, 500, 0 },
    { "validity_days", JV_INT, 0, 3650, 1 }, { "instructor", JV_STRING, 0, 200, 0 },
    { "next_session", JV_NULLABLE_STRING, 0, 40, 0 }, JV_END };

void h_qual_create(api_ctx *c)
{
    json_t *b = api_body(c, QUAL);
    if (!b) return;
    qual_def q = { 0 };
    lp_fail f = { 0 };
    jv_copy(b, "name", q.name, sizeof q.name);
    jv_copy(b, "description", q.description, sizeof q.description);
    q.validity_days = (int)jv_int(b, "validity_days", 365);
    int bad = ht_qual_extra(c, b, &q);
    json_decref(b);
    if (bad) return;
    int rc = qual_create(c->db, &c->actor, &q, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, ht_qual_json(&q));
}

static json_t *json_grant(const qual_grant *g)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:o, s:o}", "id", (json_int_t)g->id, "person_id", (json_int_t)g->person_id,
                          "qualification_id", (json_int_t)g->qualification_id, "name", g->name,
                          "granted_at", api_time_json(g->granted_at), "expires_at", api_time_json(g->expires_at));
    json_object_set_new(j, "withdrawn_at", api_time_json(g->withdrawn_at));
    json_object_set_new(j, "instructed_by", json_string(g->instructed_by));
    json_object_set_new(j, "valid", json_boolean(!g->withdrawn_at && g->expires_at > clk_now()));
    return j;
}

static const struct jv_field GRANT[] = {
    { "person_id", JV_INT, 1, INT32_MAX, 1 }, { "expires_at", JV_TIME, 0, 0, 0 },
    { "instructed_by", JV_STRING, 0, 200, 0 }, JV_END };

void h_qual_grant(api_ctx *c)
{
    json_t *b = api_body(c, GRANT);
    if (!b) return;
    int64_t exp = 0;
    if (jv_has(b, "expires_at") && lt_parse_rfc3339(jv_str(b, "expires_at", ""), &exp) != 0) exp = -1;
    qual_grant g;
    lp_fail f = { 0 };
    int rc = exp < 0 ? LP_ERR_INVALID : qual_grant_add_by(c->db, &c->actor, jv_int(b, "person_id", 0), c->params[0],
                                                                     exp, jv_str(b, "instructed_by", ""), &g, &f);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_grant(&g));
}

void h_grants_list(api_ctx *c)
{
    int64_t pid, within;
    if (api_query_int(c, "person_id", 0, 0, INT32_MAX, &pid) ||
        api_query_int(c, "expiring_within_days", 0, 0, 3650, &within))
        return;
    if (!api_is_staff(c)) {
        psn_person p;
        if (pid == 0) pid = c->caller.person_id;
        int prc = psn_get(c->db, pid, &p);
        if (prc && prc != LP_ERR_NOTFOUND) { api_fail(c, prc, NULL); return; }
        int ok = prc == 0 &&
                 (p.id == c->caller.person_id || (c->caller.role == ROLE_TENANT_ADMIN && p.tenant_id == c->caller.tenant_id));
        if (!ok) { api_problem(c, 404, "not-found", "Not found", "no such person", "person_id"); return; }
    } else if (pid == 0 && within == 0) {
        within = 30;
    }
    qual_grant *arr = NULL;
    size_t n = 0;
    int rc = qual_grants(c->db, pid, clk_now() + within * 86400, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_grant(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "grants", out));
}

void h_grant_withdraw(api_ctx *c)
{
    int rc = qual_grant_withdraw(c->db, &c->actor, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    qual_grant g;
    rc = qual_grant_get(c->db, c->params[0], &g);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_grant(&g));
}
