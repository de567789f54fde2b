/* h_reservations.c: reservations (single and recurring), their lifecycle,
 * the waitlist, calendar feeds and the maintenance run. Members book in
 * their own name; tenant admins and staff on behalf of a person of the
 * tenant. Other tenants' bookings appear only as busy blocks. */
#include "booking/rlog.h"
#include "booking/remind.h"
#include "api/handlers.h"
#include "api/idem.h"
#include "api/page.h"
#include "db/idem.h"
#include "api/jsonw.h"
#include "api/notify.h"
#include "booking/feed.h"
#include "booking/outbox.h"
#include "booking/rsv.h"
#include "billing/bill_project.h"
#include "booking/waitlist.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



static json_t *json_rsv(const rsv_reservation *r)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:s, s:s, s:s}", "id", (json_int_t)r->id,
                          "resource_id", (json_int_t)r->resource_id, "person_id", (json_int_t)r->person_id,
                          "tenant_id", (json_int_t)r->tenant_id, "title", r->title, "start", api_time_json(r->start),
                          "end", api_time_json(r->end), "status", rsv_state_name(r->state), "reason", r->reason,
                          "booked_by", r->booked_by);
    json_object_set_new(j, "series_id", r->series_id ? json_integer(r->series_id) : json_null());
    json_object_set_new(j, "checked_in_at", api_time_json(r->checked_in_at));
    json_object_set_new(j, "checked_out_at", api_time_json(r->checked_out_at));
    json_object_set_new(j, "created_at", api_time_json(r->created_at));
    json_object_set_new(j, "project_id", r->project_id ? json_integer(r->project_id) : json_null());
    return j;
}

/* The budget warning of a booking answer (schema BudgetWarning): set on j
 * when the project has used 80 % of its budget or more. */
static void add_budget_warning(json_t *j, int64_t project_id, const bill_budget *b)
{
    if (!j || !b->warn) return;
    json_object_set_new(j, "budget_warning", json_pack("{s:I, s:I, s:I, s:I, s:I}", "project_id", (json_int_t)project_id,
                                                       "percent", (json_int_t)b->percent, "budget_cents",
                                                       (json_int_t)b->budget_cents, "spent_cents", (json_int_t)b->spent_cents,
                                                       "remaining_cents", (json_int_t)b->remaining_cents));
}

/* What a caller of another tenant sees of a booking. */
static json_t *json_busy(const rsv_reservation *r)
{
    return json_pack("{s:I, s:o, s:o, s:s}", "resource_id", (json_int_t)r->resource_id, "start",
                     api_time_json(r->start), "end", api_time_json(r->end), "status", "busy");
}

/* Loads a reservation the caller may see in detail; else replies 404. */
static int load_rsv(api_ctx *c, rsv_reservation *r)
{
    if (rsv_get(c->db, c->params[0], r) != 0 || !api_sees_tenant(c, r->tenant_id)) {
        api_problem(c, 404, "not-found", "Not found", "no such reservation", NULL);
        return 0;
    }
    return 1;
}

/* May the caller change r (its person, the tenant's admin, staff)? Else 403. */
static int may_change(api_ctx *c, const rsv_reservation *r)
{
    if (api_admins_tenant(c, r->tenant_id) || r->person_id == c->caller.person_id) return 1;
    api_problem(c, 403, "forbidden", "Forbidden", "only the person who booked, their tenant admin or staff may do this", NULL);
    return 0;
}

/* The person a booking is for: the caller, or (admins, staff) person_id. */
static int booking_person(api_ctx *c, json_t *b, int64_t *person, int64_t *tenant, lp_fail *f)
{
    int64_t pid = jv_int(b, "person_id", c->caller.person_id);
    psn_person p;
    if (pid != c->caller.person_id && c->caller.role == ROLE_MEMBER)
        return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "members book only in their own name");
    if (psn_get(c->db, pid, &p) != 0 || (!api_is_staff(c) && p.tenant_id != c->caller.tenant_id))
        return lp_failf(f, LP_ERR_NOTFOUND, "person_id", "no such person in your tenant");
    if (!p.tenant_id)
        return lp_failf(f, LP_ERR_INVALID, "person_id", "bookings are made for a person of a tenant; staff book on behalf of one");
    if (p.state != PSN_ACTIVE) return lp_failf(f, LP_ERR_FORBIDDEN, "person_id", "the person is disabled");
    *person = pid;
    *tenant = p.tenant_id;
    return 0;
}

static const struct jv_field RSV_CREATE[] = {
    { "resource_id", JV_INT, 1, INT32_MAX, 1 }, { "start", JV_TIME, 1, 0, 0 }, { "end", JV_TIME, 1, 0, 0 },
    { "title", JV_STRING, 0, 200, 0 }, { "rrule", JV_STRING, 0, 300, 0 }, { "skip_conflicts", JV_BOOL, 0, 0, 0 },
    { "person_id", JV_INT, 0, INT32_MAX, 1 }, { "project_id", JV_INT, 0, INT32_MAX, 0 }, JV_END };

#define IDEM_ROUTE "POST /api/v1/reservations"   /* the Idempotency-Key scope, see api/idem.h */

static json_t *series_json(api_ctx *c, int64_t sid, const int64_t *ids, size_t n, const rsv_skip *sk, size_t ns)
{
    json_t *rs = json_array(), *sks = json_array();
    for (size_t i = 0; i < n; i++) {
        rsv_reservation r;
        if (rsv_get(c->db, ids[i], &r) == 0) json_array_append_new(rs, json_rsv(&r));
    }
    for (size_t i = 0; i < ns; i++)
        json_array_append_new(sks, json_pack("{s:o, s:o, s:s}", "start", api_time_json(sk[i].start), "end",
                                             api_time_json(sk[i].end), "reason", sk[i].reason));
    return json_pack("{s:I, s:o, s:o}", "series_id", (json_int_t)sid, "reservations", rs, "skipped", sks);
}

/* Books what b asks for inside the caller's transaction; *out is the answer.
 * A refusal for training sets *ext to {"missing": [...]}: every training
 * the person lacks, with how to get it. */
static int book(api_ctx *c, json_t *b, json_t **out, json_t **ext, lp_fail *f)
{
    rsv_request rq = { 0 };
    int rc = booking_person(c, b, &rq.person_id, &rq.tenant_id, f);
    if (rc) return rc;
    rq.resource_id = jv_int(b, "resource_id", 0);
    rq.title = jv_str(b, "title", "");
    rq.project_id = jv_int(b, "project_id", 0);
    if (jv_has(b, "project_id") && rq.project_id == 0) rq.project_id = RSV_NO_PROJECT;   /* 0: none, not the default */
    if (lt_parse_rfc3339(jv_str(b, "start", ""), &rq.start) || lt_parse_rfc3339(jv_str(b, "end", ""), &rq.end))
        return LP_ERR_INVALID;
    const char *rrule = jv_str(b, "rrule", NULL);
    bill_budget bud;
    if (!rrule) {
        rsv_reservation r;
        rc = rsv_create(c->db, &c->actor, &rq, &r, f);
        /* the budget with this booking's estimate (its charge is written already: left out) */
        if (rc == 0) rc = bill_budget_check(c->db, &c->actor, r.project_id, r.tenant_id, r.resource_id, r.start, r.end,
                                            r.id, true, &bud, f);
        if (rc == 0) *out = json_rsv(&r);
        if (rc == 0) add_budget_warning(*out, r.project_id, &bud);
        if (rc == LP_ERR_FORBIDDEN && !strcmp(f->field, "qualification"))
            *ext = ht_missing_ext(c->db, rq.person_id, rq.resource_id, rq.start, rq.end);
        return rc;
    }
    int64_t sid = 0, *ids = NULL;
    rsv_skip *sk = NULL;
    size_t n = 0, ns = 0;
    rc = rsv_create_series(c->db, &c->actor, &rq, rrule, jv_bool(b, "skip_conflicts", 0), &sid, &ids, &n, &sk, &ns, f);
    rsv_reservation first;
    if (rc == 0) rc = rsv_get(c->db, ids[0], &first);
    /* the series' charges are written: they are the whole story */
    if (rc == 0) rc = bill_budget_check(c->db, &c->actor, first.project_id, first.tenant_id, first.resource_id, first.start,
                                        first.end, 0, false, &bud, f);
    if (rc == 0) *out = series_json(c, sid, ids, n, sk, ns);
    if (rc == 0) add_budget_warning(*out, first.project_id, &bud);
    free(ids);
    free(sk);
    return rc;
}

/* Bookings commit in groups (db_group_begin): concurrent bookings share one
 * transaction, each in its own savepoint, and one fsync; each answers only
 * once the group is durable. The work runs on the shared writer connection. */
void h_rsv_create(api_ctx *c)
{
    const char *key = api_header(c, "Idempotency-Key");
    if (key && !lp_text_ok(key, 100)) {
        api_problem(c, 400, "validation", "Invalid request", "Idempotency-Key must be 1 to 100 characters", "Idempotency-Key");
        return;
    }
    json_t *b = api_body(c, RSV_CREATE);
    if (!b) return;
    json_t *out = NULL, *ext = NULL;
    lp_fail f = { 0 };
    int status = 0, replay = 0;
    char *stored = NULL, *txt = NULL;
    db_t *own = c->db;
    int rc = db_group_begin(own, &c->db);
    if (rc) { c->db = own; json_decref(b); api_fail(c, rc, NULL); return; }
    char hash[API_IDEM_HASH_HEX] = "";
    int keyed = key && c->caller.person_id;
    if (keyed) rc = api_idem_hash(IDEM_ROUTE, b, hash);
    if (rc == 0 && keyed && (rc = api_idem_lookup(c, key, hash, &status, &stored, &f)) == 1) replay = 1, rc = 0;
    if (rc == 0 && !replay) rc = book(c, b, &out, &ext, &f);
    if (rc == 0 && !replay && !(out && (txt = jw_dump(out, NULL)))) rc = LP_ERR_NOMEM;
    if (rc == 0 && !replay && keyed) rc = api_idem_store(c, IDEM_ROUTE, key, hash, 201, txt);
    int crc = db_group_end(c->db, rc == 0 && !replay);
    c->db = own;
    json_decref(b);
    json_decref(out);
    if (crc) rc = crc;   /* a refusal may rest on group writes that were lost with it */
    if (rc) { free(txt); free(stored); api_fail_ext(c, rc, &f, rc == LP_ERR_FORBIDDEN ? ext : (json_decref(ext), NULL)); return; }
    json_decref(ext);
    if (replay) {
        api_add_header(c, "Idempotent-Replayed", "true");
        api_reply_raw(c, status, "application/json", stored, strlen(stored));
        return;
    }
    api_reply_raw(c, 201, "application/json", txt, strlen(txt));
}

void h_rsv_list(api_ctx *c)
{
    static const char *const SCOPES[] = { "all", "tenant", "mine", NULL };
    int64_t from = clk_now() - 86400, to = clk_now() + 30 * 86400, res;
    const char *scope;
    if (api_query_time(c, "from", 0, &from) || api_query_time(c, "to", 0, &to) ||
        api_query_int(c, "resource_id", 0, 0, INT32_MAX, &res))
        return;
    if (to <= from || to - from > 92 * 86400) {
        api_problem(c, 400, "validation", "Invalid request", "to must be after from, at most 92 days later", "to");
        return;
    }
    if (api_query_enum(c, "scope", SCOPES, &scope)) return;
    api_page pg;
    if (api_page_read(c, 500, 5000, 2, &pg)) return;
    rsv_filter q = { from, to, res, 0, 0, 0, (size_t)pg.limit + 1 };
    if (scope && !strcmp(scope, "mine")) q.person_id = c->caller.person_id ? c->caller.person_id : -1;
    if (scope && !strcmp(scope, "tenant")) q.tenant_id = c->caller.tenant_id ? c->caller.tenant_id : -1;
    rsv_reservation *arr = NULL;
    size_t n = 0;
    int rc = rsv_list_page(c->db, &q, pg.has_after ? pg.after : NULL, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++) {
        if (api_sees_tenant(c, arr[i].tenant_id)) json_array_append_new(out, json_rsv(&arr[i]));
        else if (rsv_state_holds_slot(arr[i].state))
            json_array_append_new(out, json_busy(&arr[i]));
    }
    json_t *body = json_pack("{s:o}", "reservations", out);
    int64_t last[2] = { shown ? arr[shown - 1].start : 0, shown ? arr[shown - 1].id : 0 };
    api_page_finish(c, &pg, body, n > shown ? last : NULL);
    free(arr);
    api_reply_json(c, 200, body);
}

void h_rsv_get(api_ctx *c)
{
    rsv_reservation r;
    if (load_rsv(c, &r)) api_reply_json(c, 200, json_rsv(&r));
}

static int scope_of(api_ctx *c, json_t *b, enum rsv_scope *s)
{
    *s = RSV_THIS;
    if (b && jv_has(b, "scope") && rsv_parse_scope(jv_str(b, "scope", ""), s) != 0) {
        api_problem(c, 400, "validation", "Invalid request", "scope must be this, following or all", "scope");
        return -1;
    }
    return 0;
}

static const struct jv_field RSV_PATCH[] = {
    { "start", JV_TIME, 0, 0, 0 }, { "end", JV_TIME, 0, 0, 0 }, { "resource_id", JV_INT, 0, INT32_MAX, 1 },
    { "title", JV_STRING, 0, 200, 0 }, { "scope", JV_STRING, 0, 16, 0 }, { "project_id", JV_INT, 0, INT32_MAX, 0 }, JV_END };

void h_rsv_update(api_ctx *c)
{
    rsv_reservation r;
    enum rsv_scope scope;
    if (!load_rsv(c, &r) || !may_change(c, &r)) return;
    json_t *b = api_body(c, RSV_PATCH);
    if (!b) return;
    if (scope_of(c, b, &scope)) { json_decref(b); return; }
    int64_t s = r.start, e = r.end;
    if (jv_has(b, "start") && lt_parse_rfc3339(jv_str(b, "start", ""), &s)) s = -1;
    if (jv_has(b, "end") && lt_parse_rfc3339(jv_str(b, "end", ""), &e)) e = -1;
    lp_fail f = { 0 };
    bill_budget bud = { 0 };
    int64_t res = jv_int(b, "resource_id", r.resource_id), project = jv_int(b, "project_id", r.project_id);
    int costs = s != r.start || e != r.end || res != r.resource_id || project != r.project_id;
    /* the move, the project (project_id 0: none) and the budget in one transaction */
    int rc = db_begin(c->db), tx = rc == 0;
    if (rc == 0) rc = rsv_change(c->db, &c->actor, r.id, s, e, res, jv_str(b, "title", NULL), scope, &f);
    if (rc == 0 && project != r.project_id) rc = rsv_set_project(c->db, &c->actor, r.id, scope, project, &f);
    if (rc == 0) rc = rsv_get(c->db, r.id, &r);
    if (rc == 0 && costs) rc = bill_budget_check(c->db, &c->actor, r.project_id, r.tenant_id, r.resource_id, r.start,
                                                 r.end, r.id, true, &bud, &f);
    if (tx && rc == 0) rc = db_commit(c->db);
    if (tx && rc) db_rollback(c->db);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *out = json_rsv(&r);
    add_budget_warning(out, r.project_id, &bud);
    api_reply_json(c, 200, out);
}

static const struct jv_field SCOPE_ONLY[] = { { "scope", JV_STRING, 0, 16, 0 }, JV_END };
static const struct jv_field REASON[] = { { "reason", JV_STRING, 1, 200, 0 }, JV_END };

/* Optional body: empty, or validated against spec. */
static int opt_body(api_ctx *c, const struct jv_field *spec, json_t **b)
{
    *b = NULL;
    if (c->body_len == 0) return 0;
    *b = api_body(c, spec);
    return *b ? 0 : -1;
}

void h_rsv_cancel(api_ctx *c)
{
    rsv_reservation r;
    json_t *b;
    enum rsv_scope scope;
    if (!load_rsv(c, &r) || !may_change(c, &r) || opt_body(c, SCOPE_ONLY, &b)) return;
    int bad = scope_of(c, b, &scope);
    json_decref(b);
    if (bad) return;
    lp_fail f = { 0 };
    int rc = rsv_cancel(c->db, &c->actor, r.id, scope, &f);
    if (rc == 0) rc = rsv_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_rsv(&r));
}

void h_rsv_approve(api_ctx *c)
{
    rsv_reservation r;
    lp_fail f = { 0 };
    if (!load_rsv(c, &r)) return;
    int rc = rsv_approve(c->db, &c->actor, r.id, &f);
    if (rc == 0) rc = rsv_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_rsv(&r));
}

void h_rsv_reject(api_ctx *c)
{
    rsv_reservation r;
    if (!load_rsv(c, &r)) return;
    json_t *b = api_body(c, REASON);
    if (!b) return;
    lp_fail f = { 0 };
    int rc = rsv_reject(c->db, &c->actor, r.id, jv_str(b, "reason", ""), &f);
    json_decref(b);
    if (rc == 0) rc = rsv_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_rsv(&r));
}

static void check_in_out(api_ctx *c, int in)
{
    rsv_reservation r;
    if (!load_rsv(c, &r) || !may_change(c, &r)) return;
    lp_fail f = { 0 };
    int rc = in ? rsv_check_in(c->db, &c->actor, r.id, clk_now(), &f) : rsv_check_out(c->db, &c->actor, r.id, clk_now(), &f);
    if (rc == 0) rc = rsv_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_rsv(&r));
}

void h_rsv_check_in(api_ctx *c) { check_in_out(c, 1); }
void h_rsv_check_out(api_ctx *c) { check_in_out(c, 0); }

/* ---- waitlist ---- */

static json_t *json_wl(const wl_entry *e)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:o, s:o, s:s, s:s}", "id", (json_int_t)e->id, "resource_id",
                          (json_int_t)e->resource_id, "person_id", (json_int_t)e->person_id, "start",
                          api_time_json(e->start), "end", api_time_json(e->end), "title", e->title, "status", wl_state_name(e->state));
    json_object_set_new(j, "reservation_id", e->reservation_id ? json_integer(e->reservation_id) : json_null());
    return j;
}

static const struct jv_field WL_JOIN[] = {
    { "resource_id", JV_INT, 1, INT32_MAX, 1 }, { "start", JV_TIME, 1, 0, 0 }, { "end", JV_TIME, 1, 0, 0 },
    { "title", JV_STRING, 0, 200, 0 }, { "person_id", JV_INT, 0, INT32_MAX, 1 }, JV_END };

void h_wl_join(api_ctx *c)
{
    json_t *b = api_body(c, WL_JOIN);
    if (!b) return;
    wl_entry e = { 0 };
    lp_fail f = { 0 };
    int rc = booking_person(c, b, &e.person_id, &e.tenant_id, &f);
    e.resource_id = jv_int(b, "resource_id", 0);
    jv_copy(b, "title", e.title, sizeof e.title);
    if (rc == 0 && (lt_parse_rfc3339(jv_str(b, "start", ""), &e.start) || lt_parse_rfc3339(jv_str(b, "end", ""), &e.end)))
        rc = LP_ERR_INVALID;
    json_decref(b);
    if (rc == 0) rc = wl_join(c->db, &c->actor, &e, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_wl(&e));
}

void h_wl_list(api_ctx *c)
{
    wl_entry *arr = NULL;
    size_t n = 0;
    int64_t tenant = api_is_staff(c) ? 0 : c->caller.tenant_id;
    int64_t person = api_is_staff(c) || c->caller.role == ROLE_TENANT_ADMIN ? 0 : c->caller.person_id;
    api_page pg;
    if (api_page_read(c, 200, 1000, 1, &pg)) return;
    int rc = wl_list(c->db, tenant, person, pg.after[0], (size_t)pg.limit + 1, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++) json_array_append_new(out, json_wl(&arr[i]));
    json_t *body = json_pack("{s:o}", "waitlist", out);
    int64_t last = shown ? arr[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    free(arr);
    api_reply_json(c, 200, body);
}

void h_wl_cancel(api_ctx *c)
{
    wl_entry e;
    if (wl_get(c->db, c->params[0], &e) != 0 || !api_sees_tenant(c, e.tenant_id)) {
        api_problem(c, 404, "not-found", "Not found", "no such waitlist entry", NULL);
        return;
    }
    if (!api_admins_tenant(c, e.tenant_id) && e.person_id != c->caller.person_id) {
        api_problem(c, 403, "forbidden", "Forbidden", "not your waitlist entry", NULL);
        return;
    }
    int rc = wl_cancel(c->db, &c->actor, e.id);
    if (rc == 0) rc = wl_get(c->db, e.id, &e);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_wl(&e));
}

/* ---- calendar feeds ---- */

static const struct jv_field FEED[] = { { "resource_id", JV_INT, 0, INT32_MAX, 1 }, JV_END };

void h_feed_create(api_ctx *c)
{
    json_t *b;
    if (opt_body(c, FEED, &b)) return;
    int64_t res = b ? jv_int(b, "resource_id", 0) : 0, id = 0;
    json_decref(b);
    char token[FEED_TOKEN_LEN], url[160];
    res_resource rr;
    int rc = res ? res_get(c->db, res, &rr) : 0;
    if (rc == 0) rc = feed_create(c->db, &c->actor, c->caller.person_id, res, token, &id);
    if (rc) {
        lp_fail f;
        lp_failf(&f, rc, "resource_id", "no such resource");
        api_fail(c, rc, &f);
        return;
    }
    snprintf(url, sizeof url, "/api/v1/calendar/%s.ics", token);
    sodium_memzero(token, sizeof token);
    json_t *j = json_pack("{s:I, s:s}", "id", (json_int_t)id, "url", url);
    json_object_set_new(j, "resource_id", res ? json_integer(res) : json_null());
    api_reply_json(c, 201, j);
}

void h_feeds_list(api_ctx *c)
{
    feed_info *f = NULL;
    size_t n = 0;
    int rc = feed_list(c->db, c->caller.person_id, &f, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:I, s:o}", "id", (json_int_t)f[i].id, "created_at", api_time_json(f[i].created_at));
        json_object_set_new(j, "resource_id", f[i].resource_id ? json_integer(f[i].resource_id) : json_null());
        json_array_append_new(out, j);
    }
    free(f);
    api_reply_json(c, 200, json_pack("{s:o}", "feeds", out));
}

void h_feed_revoke(api_ctx *c)
{
    int rc = feed_revoke(c->db, &c->actor, c->caller.person_id, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}

void h_calendar(api_ctx *c)
{
    char token[FEED_TOKEN_LEN];
    const char *t = c->sparams[0];
    size_t n = strcspn(t, ".");
    if (n >= sizeof token) { api_problem(c, 404, "not-found", "Not found", "no such calendar", NULL); return; }
    memcpy(token, t, n);
    token[n] = '\0';
    char *ics = NULL;
    size_t len = 0;
    int rc = feed_render(c->db, token, &ics, &len);
    sodium_memzero(token, sizeof token);
    if (rc == LP_ERR_NOTFOUND) { api_problem(c, 404, "not-found", "Not found", "no such calendar", NULL); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    api_add_header(c, "Cache-Control", "private, max-age=300");
    api_reply_raw(c, 200, "text/calendar; charset=utf-8", ics, len);
}

/* ---- maintenance ---- */

void h_maintenance_run(api_ctx *c)
{
    int changed = 0, sent = 0, reminded = 0, calibrations = 0;
    int rc = rsv_sweep(c->db, clk_now(), &changed);
    if (rc == 0) rc = rmd_run(c->db, clk_now(), rmd_lead(), &reminded);
    if (rc == 0) rc = rlog_calibration_run(c->db, clk_now(), rlog_cal_lead(), &calibrations);
    if (rc == 0) rc = notify_drain(c->db, &sent);
    if (rc == 0) rc = idem_prune(c->db, clk_now() - IDEM_TTL, NULL);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:i, s:i, s:i, s:i}", "reservations_changed", changed, "reminders_queued", reminded,
                                     "calibration_reminders_queued", calibrations, "notifications_sent", sent));
}

void h_outbox_list(api_ctx *c)
{
    api_page pg;
    if (api_page_read(c, 200, 1000, 1, &pg)) return;
    obx_entry *e = NULL;
    size_t n = 0;
    int rc = obx_list(c->db, pg.after[0], (size_t)pg.limit + 1, &e, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:i, s:s}",
            "id", (json_int_t)e[i].id, "kind", e[i].kind, "recipient", e[i].recipient,
            "subject", e[i].subject, "created_at", api_time_json(e[i].created_at),
            "status", obx_state_name(e[i].state), "sent_at", api_time_json(e[i].sent_at),
            "next_attempt_at", api_time_json(e[i].next_attempt_at), "attempts", e[i].attempts,
            "last_error", e[i].last_error));
    json_t *body = json_pack("{s:o}", "messages", out);
    int64_t last = shown ? e[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    free(e);
    api_reply_json(c, 200, body);
}
