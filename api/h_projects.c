/* h_projects.c: a company's projects over HTTP: the list and creation under
 * the tenant, one project with its budget, editing, approval and closing,
 * the company's project settings and a person's default project.
 * Staff and the company's admin manage projects; members see their
 * company's active projects (and the ones they asked for), and ask for new
 * ones when the company approves projects. Another company's project is a
 * 404. */
#include "api/handlers.h"
#include "billing/bill_project.h"
#include "booking/project.h"
#include "booking/person.h"
#include "booking/tenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *date_json(const char *d) { return d[0] ? json_string(d) : json_null(); }

static json_t *json_project(api_ctx *c, const prj_project *p)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "id", (json_int_t)p->id,
                          "tenant_id", (json_int_t)p->tenant_id, "code", p->code, "name", p->name,
                          "po_number", p->po_number, "budget_block", p->budget_block, "status",
                          prj_state_name(p->state), "approved_by", p->approved_by, "created_by", p->created_by);
    json_object_set_new(j, "budget_cents", p->budget_cents ? json_integer(p->budget_cents) : json_null());
    json_object_set_new(j, "valid_from", date_json(p->valid_from));
    json_object_set_new(j, "valid_until", date_json(p->valid_until));
    json_object_set_new(j, "approved_at", api_time_json(p->approved_at));
    json_object_set_new(j, "created_at", api_time_json(p->created_at));
    bill_budget b;
    if (p->budget_cents && bill_project_budget(c->db, p->id, 0, 0, &b) == 0)
        json_object_set_new(j, "budget", json_pack("{s:I, s:I, s:I, s:I, s:b}", "budget_cents", (json_int_t)b.budget_cents,
                                                   "spent_cents", (json_int_t)b.spent_cents, "remaining_cents",
                                                   (json_int_t)b.remaining_cents, "percent", (json_int_t)b.percent,
                                                   "warning", b.warn));
    else
        json_object_set_new(j, "budget", json_null());
    return j;
}

/* May the caller see p: its company's admins and staff always, its members
 * the active ones and those they asked for. */
static int sees_project(const api_ctx *c, const prj_project *p)
{
    if (api_admins_tenant(c, p->tenant_id)) return 1;
    if (!api_sees_tenant(c, p->tenant_id)) return 0;
    return p->state == PRJ_ACTIVE || !strcmp(p->created_by, c->actor_label);
}

/* Loads path project {id} for the caller; 404 when absent or not visible;
 * with manage, 403 unless the caller administers its company. */
static int load_project(api_ctx *c, prj_project *p, int manage)
{
    int rc = prj_get(c->db, c->params[0], p);
    if (rc == LP_ERR_NOTFOUND || (rc == 0 && !sees_project(c, p))) {
        api_problem(c, 404, "not-found", "Not found", "no such project", NULL);
        return 0;
    }
    if (rc) { api_fail(c, rc, NULL); return 0; }
    if (manage && !api_admins_tenant(c, p->tenant_id)) {
        api_problem(c, 403, "forbidden", "Forbidden", "the company's admin or staff manage its projects", NULL);
        return 0;
    }
    return 1;
}

/* The tenant of the path ({id}) when the caller sees it; else 404. */
static int path_tenant(api_ctx *c)
{
    tnt_tenant t;
    if (!api_sees_tenant(c, c->params[0]) || tnt_get(c->db, c->params[0], &t) != 0) {
        api_problem(c, 404, "not-found", "Not found", "no such tenant", NULL);
        return 0;
    }
    return 1;
}

/* GET /api/v1/tenants/{id}/projects?status=active|all */
void h_projects_list(api_ctx *c)
{
    static const char *const STATUS[] = { "active", "all", NULL };
    const char *status;
    if (!path_tenant(c) || api_query_enum(c, "status", STATUS, &status)) return;
    prj_project *arr = NULL;
    size_t n = 0;
    int rc = prj_list(c->db, c->params[0], status && !strcmp(status, "active"), &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (sees_project(c, &arr[i])) json_array_append_new(out, json_project(c, &arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "projects", out));
}

#define PRJ_FIELDS(req) \
    { "code", JV_STRING, req, PRJ_CODE_MAX, 0 }, { "name", JV_STRING, req, PRJ_NAME_MAX, 0 }, \
    { "po_number", JV_STRING, 0, PRJ_PO_MAX, 0 }, { "budget_cents", JV_INT, 0, PRJ_BUDGET_MAX, 0 }, \
    { "budget_block", JV_BOOL, 0, 0, 0 }, { "valid_from", JV_NULLABLE_STRING, 0, 10, 0 }, \
    { "valid_until", JV_NULLABLE_STRING, 0, 10, 0 }

static const struct jv_field PRJ_CREATE[] = { PRJ_FIELDS(1), JV_END };
static const struct jv_field PRJ_PATCH[] = { PRJ_FIELDS(0), JV_END };

/* Fields of b over p (a null date clears it). */
static void read_fields(json_t *b, prj_project *p)
{
    jv_copy(b, "code", p->code, sizeof p->code);
    jv_copy(b, "name", p->name, sizeof p->name);
    jv_copy(b, "po_number", p->po_number, sizeof p->po_number);
    p->budget_cents = jv_int(b, "budget_cents", p->budget_cents);
    p->budget_block = jv_bool(b, "budget_block", p->budget_block) != 0;
    if (jv_has(b, "valid_from")) snprintf(p->valid_from, sizeof p->valid_from, "%s", jv_str(b, "valid_from", ""));
    if (jv_has(b, "valid_until")) snprintf(p->valid_until, sizeof p->valid_until, "%s", jv_str(b, "valid_until", ""));
}

/* POST /api/v1/tenants/{id}/projects: the company's admin and staff create
 * active projects; a member asks for one (pending) when the company
 * approves projects. */
void h_project_create(api_ctx *c)
{
    prj_settings s;
    if (!path_tenant(c)) return;
    int rc = prj_settings_get(c->db, c->params[0], &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    int admin = api_admins_tenant(c, c->params[0]);
    if (!admin && !s.project_approval) {
        api_problem(c, 403, "forbidden", "Forbidden", "the company's admin or staff create its projects", NULL);
        return;
    }
    json_t *b = api_body(c, PRJ_CREATE);
    if (!b) return;
    prj_project p = { .tenant_id = c->params[0] };
    read_fields(b, &p);
    json_decref(b);
    lp_fail f = { 0 };
    rc = prj_create(c->db, &c->actor, &p, !admin, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_project(c, &p));
}

void h_project_get(api_ctx *c)
{
    prj_project p;
    if (!load_project(c, &p, 0)) return;
    api_reply_json(c, 200, json_project(c, &p));
}

void h_project_update(api_ctx *c)
{
    prj_project p;
    if (!load_project(c, &p, 1)) return;
    json_t *b = api_body(c, PRJ_PATCH);
    if (!b) return;
    read_fields(b, &p);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = prj_update(c->db, &c->actor, &p, &f);
    if (rc == 0) rc = prj_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_project(c, &p));
}

void h_project_approve(api_ctx *c)
{
    prj_project p;
    lp_fail f = { 0 };
    if (!load_project(c, &p, 1)) return;
    int rc = prj_approve(c->db, &c->actor, p.id, &f);
    if (rc == 0) rc = prj_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_project(c, &p));
}

void h_project_close(api_ctx *c)
{
    prj_project p;
    lp_fail f = { 0 };
    if (!load_project(c, &p, 1)) return;
    int rc = prj_close(c->db, &c->actor, p.id, &f);
    if (rc == 0) rc = prj_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_project(c, &p));
}

/* ---- the company's settings ---- */

static json_t *json_settings(int64_t tenant_id, const prj_settings *s)
{
    return json_pack("{s:I, s:b, s:b}", "tenant_id", (json_int_t)tenant_id, "require_po", s->require_po,
                     "project_approval", s->project_approval);
}

void h_project_settings_get(api_ctx *c)
{
    prj_settings s;
    if (!path_tenant(c)) return;
    int rc = prj_settings_get(c->db, c->params[0], &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_settings(c->params[0], &s));
}

static const struct jv_field SETTINGS[] = { { "require_po", JV_BOOL, 0, 0, 0 }, { "project_approval", JV_BOOL, 0, 0, 0 }, JV_END };

void h_project_settings_update(api_ctx *c)
{
    prj_settings s;
    if (!path_tenant(c)) return;
    if (!api_admins_tenant(c, c->params[0])) {
        api_problem(c, 403, "forbidden", "Forbidden", "the company's admin or staff set its project rules", NULL);
        return;
    }
    int rc = prj_settings_get(c->db, c->params[0], &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *b = api_body(c, SETTINGS);
    if (!b) return;
    s.require_po = jv_bool(b, "require_po", s.require_po) != 0;
    s.project_approval = jv_bool(b, "project_approval", s.project_approval) != 0;
    json_decref(b);
    lp_fail f = { 0 };
    rc = prj_settings_set(c->db, &c->actor, c->params[0], &s, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_settings(c->params[0], &s));
}

/* ---- a person's default project ---- */

/* The path person ({id}) when the caller may set their default (the person,
 * the company's admin, staff); else the reply is made and 0 returned. */
static int default_person(api_ctx *c, psn_person *p)
{
    if (psn_get(c->db, c->params[0], p) != 0 || (!api_is_staff(c) && p->tenant_id != c->caller.tenant_id) ||
        (!api_is_staff(c) && p->tenant_id == 0)) {
        api_problem(c, 404, "not-found", "Not found", "no such person", NULL);
        return 0;
    }
    if (p->id != c->caller.person_id && !api_admins_tenant(c, p->tenant_id)) {
        api_problem(c, 403, "forbidden", "Forbidden", "a person, their company's admin or staff set the default project", NULL);
        return 0;
    }
    return 1;
}

void h_default_project_get(api_ctx *c)
{
    psn_person p;
    int64_t pid = 0;
    if (!default_person(c, &p)) return;
    int rc = prj_default_get(c->db, p.id, &pid);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *j = json_pack("{s:I}", "person_id", (json_int_t)p.id);
    json_object_set_new(j, "project_id", pid ? json_integer(pid) : json_null());
    api_reply_json(c, 200, j);
}

static const struct jv_field DEFAULT[] = { { "project_id", JV_INT, 1, INT32_MAX, 0 }, JV_END };

/* POST /api/v1/people/{id}/default-project {project_id} (0 clears it). */
void h_default_project_set(api_ctx *c)
{
    psn_person p;
    if (!default_person(c, &p)) return;
    json_t *b = api_body(c, DEFAULT);
    if (!b) return;
    int64_t pid = jv_int(b, "project_id", 0);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = prj_default_set(c->db, &c->actor, p.id, pid, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = json_pack("{s:I}", "person_id", (json_int_t)p.id);
    json_object_set_new(j, "project_id", pid ? json_integer(pid) : json_null());
    api_reply_json(c, 200, j);
}
