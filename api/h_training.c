/* h_training.c: trainings over HTTP beyond the catalogue's basics: what a
 * qualification says about getting it (instructor, next session) and
 * changing that, the list of trainings a refused booking lacks (the
 * "missing" member of the 403 problem), training requests (a person asks,
 * staff are told, granting answers it), and the training matrix per company
 * and per resource, as JSON and CSV. Members see their own requests, tenant
 * admins their company's and its matrix, staff everything. */
#include "api/handlers.h"
#include "api/csv.h"
#include "booking/person.h"
#include "booking/resource.h"
#include "booking/tenant.h"
#include "booking/training.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "core/sbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- qualifications ---- */

json_t *ht_qual_json(const qual_def *q)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:i, s:s}", "id", (json_int_t)q->id, "name", q->name,
                          "description", q->description, "validity_days", q->validity_days, "instructor", q->instructor);
    json_object_set_new(j, "next_session", api_time_json(q->next_session));
    return j;
}

/* instructor and next_session from b into q (next_session null clears it);
 * -1 after answering 400. */
int ht_qual_extra(api_ctx *c, json_t *b, qual_def *q)
{
    if (jv_has(b, "instructor")) jv_copy(b, "instructor", q->instructor, sizeof q->instructor);
    json_t *ns = json_object_get(b, "next_session");
    if (!ns) return 0;
    if (json_is_null(ns)) { q->next_session = 0; return 0; }
    if (!json_is_string(ns) || lt_parse_rfc3339(json_string_value(ns), &q->next_session) != 0 || q->next_session <= 0) {
        api_problem(c, 400, "validation", "Invalid request", "next_session is an RFC 3339 time or null", "next_session");
        return -1;
    }
    return 0;
}

static const struct jv_field QUAL_PATCH[] = {
    { "name", JV_STRING, 0, 120, 0 }, { "description", JV_STRING, 0, 500, 0 },
    { "validity_days", JV_INT, 0, 3650, 1 }, { "instructor", JV_STRING, 0, 200, 0 },
    { "next_session", JV_NULLABLE_STRING, 0, 40, 0 }, JV_END };

void h_qual_update(api_ctx *c)
{
    qual_def q;
    lp_fail f = { 0 };
    int rc = qual_get(c->db, c->params[0], &q);
    if (rc == LP_ERR_NOTFOUND) { api_problem(c, 404, "not-found", "Not found", "no such qualification", NULL); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *b = api_body(c, QUAL_PATCH);
    if (!b) return;
    jv_copy(b, "name", q.name, sizeof q.name);
    jv_copy(b, "description", q.description, sizeof q.description);
    q.validity_days = (int)jv_int(b, "validity_days", q.validity_days);
    int bad = ht_qual_extra(c, b, &q);
    json_decref(b);
    if (bad) return;
    rc = qual_update(c->db, &c->actor, &q, &f);
    if (rc == 0) rc = qual_get(c->db, q.id, &q);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, ht_qual_json(&q));
}

/* ---- what a refused booking lacks ---- */

json_t *ht_missing_ext(db_t *db, int64_t person_id, int64_t resource_id, int64_t start, int64_t end)
{
    qual_missing *m = NULL;
    size_t n = 0;
    if (qual_missing_for(db, person_id, resource_id, start, end, &m, &n) != 0 || n == 0) return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b}", "qualification_id", (json_int_t)m[i].qualification_id,
                              "name", m[i].name, "state", m[i].expiring ? "expiring" : m[i].expires_at ? "expired" : "missing",
                              "instructor", m[i].instructor, "requested", m[i].requested);
        json_object_set_new(j, "expires_at", api_time_json(m[i].expires_at));
        json_object_set_new(j, "next_session", api_time_json(m[i].next_session));
        json_array_append_new(arr, j);
    }
    free(m);
    return json_pack("{s:o}", "missing", arr);
}

/* ---- training requests ---- */

static json_t *json_request(const trq_request *r)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "id", (json_int_t)r->id,
                          "person_id", (json_int_t)r->person_id, "person", r->person, "email", r->email,
                          "qualification_id", (json_int_t)r->qualification_id, "qualification", r->qualification,
                          "note", r->note, "status", r->outcome[0] ? r->outcome : "open");
    json_object_set_new(j, "tenant_id", r->tenant_id ? json_integer(r->tenant_id) : json_null());
    json_object_set_new(j, "created_at", api_time_json(r->created_at));
    json_object_set_new(j, "closed_at", api_time_json(r->closed_at));
    return j;
}

static const struct jv_field REQUEST[] = { { "note", JV_STRING, 0, TRQ_NOTE_MAX, 0 }, JV_END };

/* POST /api/v1/qualifications/{id}/requests: the caller asks for it. */
void h_training_request(api_ctx *c)
{
    json_t *b = NULL;
    trq_request r;
    bool created = false;
    lp_fail f = { 0 };
    if (!c->caller.person_id) {
        api_problem(c, 403, "forbidden", "Forbidden", "a person asks for a training", NULL);
        return;
    }
    if (c->body_len && !(b = api_body(c, REQUEST))) return;
    int rc = trq_open(c->db, &c->actor, c->caller.person_id, c->params[0], b ? jv_str(b, "note", "") : "", &r,
                      &created, &f);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, created ? 201 : 200, json_request(&r));
}

/* GET /api/v1/training-requests?status=open|all */
void h_training_requests(api_ctx *c)
{
    static const char *const STATUS[] = { "open", "all", NULL };
    const char *status;
    trq_request *arr = NULL;
    size_t n = 0;
    if (api_query_enum(c, "status", STATUS, &status)) return;
    int64_t person = 0, tenant = 0;
    if (c->caller.role == ROLE_TENANT_ADMIN) tenant = c->caller.tenant_id;
    else if (!api_is_staff(c)) person = c->caller.person_id;
    int rc = trq_list(c->db, person, tenant, !status || !strcmp(status, "open"), &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_request(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "requests", out));
}

static const struct jv_field CLOSE[] = { { "outcome", JV_STRING, 1, 12, 0 }, JV_END };

/* POST /api/v1/training-requests/{id}/close {outcome: declined (staff) |
 * withdrawn (the person who asked)}. Another person's request is a 404. */
void h_training_request_close(api_ctx *c)
{
    trq_request r;
    lp_fail f = { 0 };
    int rc = trq_get(c->db, c->params[0], &r);
    if (rc == 0 && !api_is_staff(c) && r.person_id != c->caller.person_id) rc = LP_ERR_NOTFOUND;
    if (rc == LP_ERR_NOTFOUND) { api_problem(c, 404, "not-found", "Not found", "no such training request", NULL); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *b = api_body(c, CLOSE);
    if (!b) return;
    char outcome[16];
    jv_copy(b, "outcome", outcome, sizeof outcome);
    json_decref(b);
    if (strcmp(outcome, "declined") && strcmp(outcome, "withdrawn")) {
        api_problem(c, 400, "validation", "Invalid request", "outcome is declined or withdrawn", "outcome");
        return;
    }
    if (!strcmp(outcome, "declined") != !!api_is_staff(c)) {
        api_problem(c, 403, "forbidden", "Forbidden", "staff decline a request; the person who asked withdraws it", "outcome");
        return;
    }
    rc = trq_close(c->db, &c->actor, r.id, outcome, &f);
    if (rc == 0) rc = trq_get(c->db, r.id, &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_request(&r));
}

/* ---- the matrix ---- */

/* The matrix the query names: tenant_id (staff any; a tenant admin their
 * own, the default) or resource_id (staff). 0, or -1 after answering. */
static int matrix_load(api_ctx *c, qmx_matrix *m, char *title, size_t cap)
{
    int64_t tenant, resource;
    if (api_query_int(c, "tenant_id", 0, 1, INT32_MAX, &tenant) ||
        api_query_int(c, "resource_id", 0, 1, INT32_MAX, &resource))
        return -1;
    if (!api_is_staff(c)) {
        if (c->caller.role != ROLE_TENANT_ADMIN || resource || (tenant && tenant != c->caller.tenant_id)) {
            api_problem(c, 403, "forbidden", "Forbidden", "tenant admins see their own company's matrix", NULL);
            return -1;
        }
        tenant = c->caller.tenant_id;
    }
    if (!tenant == !resource) {
        api_problem(c, 400, "validation", "Invalid request", "name either tenant_id or resource_id", "tenant_id");
        return -1;
    }
    int rc;
    if (tenant) {
        tnt_tenant t;
        rc = tnt_get(c->db, tenant, &t);
        if (rc == 0) snprintf(title, cap, "%s", t.name);
        if (rc == 0) rc = qmx_for_tenant(c->db, tenant, clk_now(), m);
    } else {
        res_resource r;
        rc = res_get(c->db, resource, &r);
        if (rc == 0) snprintf(title, cap, "%s", r.name);
        if (rc == 0) rc = qmx_for_resource(c->db, resource, clk_now(), m);
    }
    if (rc == LP_ERR_NOTFOUND) api_problem(c, 404, "not-found", "Not found", tenant ? "no such tenant" : "no such resource", NULL);
    else if (rc) api_fail(c, rc, NULL);
    return rc ? -1 : 0;
}

void h_training_matrix(api_ctx *c)
{
    qmx_matrix m;
    char title[201];
    if (matrix_load(c, &m, title, sizeof title)) return;
    json_t *cols = json_array(), *rows = json_array();
    for (size_t j = 0; j < m.nq; j++)
        json_array_append_new(cols, json_pack("{s:I, s:s}", "id", (json_int_t)m.quals[j].id, "name", m.quals[j].name));
    for (size_t i = 0; i < m.np; i++) {
        json_t *cells = json_array();
        for (size_t j = 0; j < m.nq; j++) {
            const qmx_cell *x = &m.cells[i * m.nq + j];
            json_t *cell = json_pack("{s:I, s:s, s:b}", "qualification_id", (json_int_t)m.quals[j].id,
                                     "state", qmx_state_name(x->state), "requested", x->requested);
            json_object_set_new(cell, "expires_at", api_time_json(x->expires_at));
            json_array_append_new(cells, cell);
        }
        json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:o}", "person_id", (json_int_t)m.people[i].id,
                                              "name", m.people[i].name, "email", m.people[i].email,
                                              "company", m.people[i].company, "cells", cells));
    }
    qmx_free(&m);
    api_reply_json(c, 200, json_pack("{s:s, s:o, s:o, s:o}", "title", title, "at", api_time_json(clk_now()),
                                     "qualifications", cols, "people", rows));
}

void h_training_matrix_csv(api_ctx *c)
{
    qmx_matrix m;
    char title[201];
    struct sbuf b = { 0 };
    if (matrix_load(c, &m, title, sizeof title)) return;
    csv_field(&b, "person", 0);
    csv_field(&b, "email", 0);
    csv_field(&b, "company", !m.nq);
    for (size_t j = 0; j < m.nq; j++) csv_field(&b, m.quals[j].name, j + 1 == m.nq);
    for (size_t i = 0; i < m.np; i++) {
        csv_field(&b, m.people[i].name, 0);
        csv_field(&b, m.people[i].email, 0);
        csv_field(&b, m.people[i].company, !m.nq);
        for (size_t j = 0; j < m.nq; j++) {
            const qmx_cell *x = &m.cells[i * m.nq + j];
            char cell[80], when[LT_RFC3339_LEN] = "";
            if (x->expires_at) lt_format(x->expires_at, when);
            snprintf(cell, sizeof cell, "%s%s%s%s", qmx_state_name(x->state), when[0] ? " " : "", when,
                     x->requested ? " (requested)" : "");
            csv_field(&b, cell, j + 1 == m.nq);
        }
    }
    qmx_free(&m);
    char *csv = NULL;
    size_t len = 0;
    if (sb_take(&b, &csv, &len)) { api_fail(c, LP_ERR_NOMEM, NULL); return; }
    api_add_header(c, "Content-Disposition", "attachment; filename=\"training-matrix.csv\"");
    api_reply_raw(c, 200, "text/csv; charset=utf-8; header=present", csv, len);
}
