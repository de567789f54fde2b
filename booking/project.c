/* project.c: projects, the company's project settings, a person's default
 * project and the checks a booking's project must pass (see project.h). */
#include "booking/project.h"
#include "booking/outbox.h"
#include "booking/spell.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const PRJ_STATE_NAMES[PRJ_STATE_COUNT] = {
    [PRJ_PENDING] = "pending", [PRJ_ACTIVE] = "active", [PRJ_CLOSED] = "closed",
};

const char *prj_state_name(enum prj_state s) { return (unsigned)s < PRJ_STATE_COUNT ? PRJ_STATE_NAMES[s] : ""; }

int prj_state_parse(const char *text, enum prj_state *out)
{
    int i = spell_find(PRJ_STATE_NAMES, PRJ_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum prj_state)i;
    return 0;
}

static const char SNAP_PRJ[] =
    "SELECT json_object('id', id, 'tenant_id', tenant_id, 'code', code, 'name', name, 'po_number', po_number, "
    "'budget_cents', budget_cents, 'budget_block', budget_block, 'valid_from', valid_from, 'valid_until', "
    "valid_until, 'state', state, 'approved_by', approved_by, 'budget_warned_at', budget_warned_at) "
    "FROM projects WHERE id = ?1";

static const char SNAP_SETTINGS[] =
    "SELECT json_object('id', id, 'require_po', require_po, 'project_approval', project_approval) "
    "FROM tenants WHERE id = ?1";

static const char SNAP_DEFAULT[] =
    "SELECT json_object('id', id, 'default_project_id', default_project_id) FROM people WHERE id = ?1";

#define PRJ_COLS "id, tenant_id, code, name, po_number, COALESCE(budget_cents, 0), budget_block, " \
    "COALESCE(valid_from, ''), COALESCE(valid_until, ''), state, COALESCE(approved_by, ''), " \
    "COALESCE(approved_at, 0), created_by, created_at, updated_at, COALESCE(budget_warned_at, 0) FROM projects "

static int prj_row(sqlite3_stmt *st, void *elem)
{
    prj_project *p = elem;
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->tenant_id = sqlite3_column_int64(st, 1);
    snprintf(p->code, sizeof p->code, "%s", db_col_text(st, 2));
    snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 3));
    snprintf(p->po_number, sizeof p->po_number, "%s", db_col_text(st, 4));
    p->budget_cents = sqlite3_column_int64(st, 5);
    p->budget_block = sqlite3_column_int(st, 6) != 0;
    snprintf(p->valid_from, sizeof p->valid_from, "%s", db_col_text(st, 7));
    snprintf(p->valid_until, sizeof p->valid_until, "%s", db_col_text(st, 8));
    snprintf(p->approved_by, sizeof p->approved_by, "%s", db_col_text(st, 10));
    p->approved_at = sqlite3_column_int64(st, 11);
    snprintf(p->created_by, sizeof p->created_by, "%s", db_col_text(st, 12));
    p->created_at = sqlite3_column_int64(st, 13);
    p->updated_at = sqlite3_column_int64(st, 14);
    p->budget_warned_at = sqlite3_column_int64(st, 15);
    return prj_state_parse(db_col_text(st, 9), &p->state) ? LP_ERR_DB : 0;
}

int prj_get(db_t *db, int64_t id, prj_project *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PRJ_COLS "WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = prj_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int prj_list(db_t *db, int64_t tenant_id, bool active_only, prj_project **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PRJ_COLS "WHERE tenant_id = ?1 AND (?2 = 0 OR state = 'active') "
                                   "ORDER BY code, id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, active_only);
    return db_collect(st, sizeof **out, prj_row, (void **)out, n);
}

static int date_ok(const char *s)
{
    int y, m, d;
    char extra;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3) return 0;
    return lt_valid_date(y, m, d);
}

int prj_validate(const prj_project *p, lp_fail *f)
{
    if (!lp_text_ok(p->code, PRJ_CODE_MAX))
        return lp_failf(f, LP_ERR_INVALID, "code", "code must be 1 to %d characters of text", PRJ_CODE_MAX);
    if (!lp_text_ok(p->name, PRJ_NAME_MAX))
        return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to %d characters of text", PRJ_NAME_MAX);
    if (p->po_number[0] && !lp_text_ok(p->po_number, PRJ_PO_MAX))
        return lp_failf(f, LP_ERR_INVALID, "po_number", "po_number must be at most %d characters of text", PRJ_PO_MAX);
    if (p->budget_cents < 0 || p->budget_cents > PRJ_BUDGET_MAX)
        return lp_failf(f, LP_ERR_INVALID, "budget_cents", "budget_cents is 1 to %lld cents, or none",
                        (long long)PRJ_BUDGET_MAX);
    if (p->valid_from[0] && !date_ok(p->valid_from))
        return lp_failf(f, LP_ERR_INVALID, "valid_from", "valid_from is a date YYYY-MM-DD");
    if (p->valid_until[0] && !date_ok(p->valid_until))
        return lp_failf(f, LP_ERR_INVALID, "valid_until", "valid_until is a date YYYY-MM-DD");
    if (p->valid_from[0] && p->valid_until[0] && strcmp(p->valid_from, p->valid_until) > 0)
        return lp_failf(f, LP_ERR_INVALID, "valid_until", "valid_until is not before valid_from");
    return 0;
}

/* LP_ERR_CONFLICT when another project of the tenant has code. */
static int code_free(db_t *db, int64_t tenant_id, const char *code, int64_t self, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM projects WHERE tenant_id = ?1 AND code = ?2 AND id <> ?3");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_text(st, 2, code);
    db_bind_int(st, 3, self);
    int rc = db_get(st);
    if (rc) return rc;
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n ? lp_failf(f, LP_ERR_CONFLICT, "code", "the company has a project with this code already") : 0;
}

static int bind_fields(sqlite3_stmt *st, const prj_project *p)
{
    db_bind_text(st, 2, p->code); db_bind_text(st, 3, p->name); db_bind_text(st, 4, p->po_number);
    if (p->budget_cents) db_bind_int(st, 5, p->budget_cents); else sqlite3_bind_null(st, 5);
    db_bind_int(st, 6, p->budget_block);
    if (p->valid_from[0]) db_bind_text(st, 7, p->valid_from); else sqlite3_bind_null(st, 7);
    if (p->valid_until[0]) db_bind_text(st, 8, p->valid_until); else sqlite3_bind_null(st, 8);
    db_bind_int(st, 9, clk_now());
    return 0;
}

struct create_args { const actor_t *who; prj_project *p; bool pending; lp_fail *f; };

static int do_create(db_t *db, void *arg)
{
    struct create_args *a = arg;
    sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM tenants WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->p->tenant_id);
    int rc = db_get(st);
    if (rc) return rc;
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (!n) return lp_failf(a->f, LP_ERR_NOTFOUND, "tenant_id", "no such tenant");
    if ((rc = code_free(db, a->p->tenant_id, a->p->code, 0, a->f)) != 0) return rc;
    st = db_stmt(db, "INSERT INTO projects(tenant_id, code, name, po_number, budget_cents, budget_block, valid_from, "
                     "valid_until, state, created_by, created_at, updated_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?9, ?9)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->p->tenant_id);
    bind_fields(st, a->p);
    db_bind_text(st, 10, prj_state_name(a->pending ? PRJ_PENDING : PRJ_ACTIVE));
    db_bind_text(st, 11, a->who && a->who->label ? a->who->label : "system");
    rc = db_exec_stmt(st);
    if (rc) return rc;
    a->p->id = db_last_id(db);
    rc = audit_change(db, a->who, "create", "project", a->p->id, SNAP_PRJ, NULL);
    if (rc == 0) rc = prj_get(db, a->p->id, a->p);
    return rc;
}

int prj_create(db_t *db, const actor_t *who, prj_project *p, bool pending, lp_fail *f)
{
    int rc = prj_validate(p, f);
    if (rc) return rc;
    struct create_args a = { who, p, pending, f };
    return db_in_tx(db, do_create, &a);
}

struct update_args { const actor_t *who; const prj_project *p; int64_t id; const char *action; lp_fail *f; };

static int do_update(db_t *db, void *arg)
{
    struct update_args *a = arg;
    prj_project cur;
    char *before = NULL;
    int rc = prj_get(db, a->p->id, &cur);
    if (rc == 0 && cur.state == PRJ_CLOSED) rc = lp_failf(a->f, LP_ERR_STATE, "state", "the project is closed");
    if (rc == 0) rc = code_free(db, cur.tenant_id, a->p->code, cur.id, a->f);
    if (rc == 0) rc = audit_snapshot(db, SNAP_PRJ, cur.id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE projects SET code = ?2, name = ?3, po_number = ?4, "
        "budget_cents = ?5, budget_block = ?6, valid_from = ?7, valid_until = ?8, updated_at = ?9, "
        "budget_warned_at = CASE WHEN COALESCE(budget_cents, 0) = COALESCE(?5, 0) THEN budget_warned_at END "
        "WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, cur.id);
        bind_fields(st, a->p);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "update", "project", cur.id, SNAP_PRJ, before);
    free(before);
    return rc;
}

int prj_update(db_t *db, const actor_t *who, const prj_project *p, lp_fail *f)
{
    int rc = prj_validate(p, f);
    if (rc) return rc;
    struct update_args a = { who, p, p->id, "update", f };
    return db_in_tx(db, do_update, &a);
}

static int do_state(db_t *db, void *arg)
{
    struct update_args *a = arg;
    prj_project cur;
    char *before = NULL;
    bool approve = !strcmp(a->action, "approve");
    int rc = prj_get(db, a->id, &cur);
    if (rc) return rc;
    if (approve && cur.state != PRJ_PENDING)
        return lp_failf(a->f, LP_ERR_STATE, "state", "only a pending project is approved");
    if (!approve && cur.state == PRJ_CLOSED) return lp_failf(a->f, LP_ERR_STATE, "state", "the project is closed already");
    rc = audit_snapshot(db, SNAP_PRJ, cur.id, &before);
    sqlite3_stmt *st = rc ? NULL : approve
        ? db_stmt(db, "UPDATE projects SET state = 'active', approved_by = ?2, approved_at = ?3, updated_at = ?3 WHERE id = ?1")
        : db_stmt(db, "UPDATE projects SET state = 'closed', updated_at = ?3 WHERE id = ?1 AND ?2 IS NOT NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, cur.id);
        db_bind_text(st, 2, a->who && a->who->label ? a->who->label : "system");
        db_bind_int(st, 3, clk_now());
        rc = db_exec_stmt(st);
    }
    /* a closed project is nobody's default any more */
    sqlite3_stmt *d = rc || approve ? NULL : db_stmt(db, "UPDATE people SET default_project_id = NULL "
                                                         "WHERE default_project_id = ?1");
    if (rc == 0 && !approve && !d) rc = LP_ERR_DB;
    if (d) { db_bind_int(d, 1, cur.id); rc = db_exec_stmt(d); }
    if (rc == 0) rc = audit_change(db, a->who, a->action, "project", cur.id, SNAP_PRJ, before);
    free(before);
    return rc;
}

int prj_approve(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct update_args a = { who, NULL, id, "approve", f };
    return db_in_tx(db, do_state, &a);
}

int prj_close(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct update_args a = { who, NULL, id, "close", f };
    return db_in_tx(db, do_state, &a);
}

/* ---- settings and defaults ---- */

int prj_settings_get(db_t *db, int64_t tenant_id, prj_settings *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT require_po, project_approval FROM tenants WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    int rc = db_get(st);
    if (rc) return rc;
    out->require_po = sqlite3_column_int(st, 0) != 0;
    out->project_approval = sqlite3_column_int(st, 1) != 0;
    sqlite3_reset(st);
    return 0;
}

struct settings_args { const actor_t *who; int64_t tenant_id; const prj_settings *s; };

static int do_settings(db_t *db, void *arg)
{
    struct settings_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_SETTINGS, a->tenant_id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE tenants SET require_po = ?2, project_approval = ?3, "
                                               "updated_at = ?4 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->tenant_id); db_bind_int(st, 2, a->s->require_po);
        db_bind_int(st, 3, a->s->project_approval); db_bind_int(st, 4, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "project_settings", "tenant", a->tenant_id, SNAP_SETTINGS, before);
    free(before);
    return rc;
}

int prj_settings_set(db_t *db, const actor_t *who, int64_t tenant_id, const prj_settings *s, lp_fail *f)
{
    struct settings_args a = { who, tenant_id, s };
    int rc = db_in_tx(db, do_settings, &a);
    if (rc == LP_ERR_NOTFOUND) lp_failf(f, rc, "tenant_id", "no such tenant");
    return rc;
}

int prj_default_get(db_t *db, int64_t person_id, int64_t *project_id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(default_project_id, 0) FROM people WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    int rc = db_get(st);
    if (rc) return rc;
    *project_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* The tenant of person (0: none); LP_ERR_NOTFOUND for no such person. */
static int person_tenant(db_t *db, int64_t person_id, int64_t *tenant_id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE((SELECT tenant_id FROM memberships WHERE person_id = p.id), 0) "
                                   "FROM people p WHERE p.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    int rc = db_get(st);
    if (rc) return rc;
    *tenant_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

struct default_args { const actor_t *who; int64_t person_id, project_id; lp_fail *f; };

static int do_default(db_t *db, void *arg)
{
    struct default_args *a = arg;
    int64_t tenant = 0;
    char *before = NULL;
    int rc = person_tenant(db, a->person_id, &tenant);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "person_id", "no such person");
    if (rc) return rc;
    if (a->project_id) {
        prj_project p;
        rc = prj_get(db, a->project_id, &p);
        if (rc == LP_ERR_NOTFOUND || (rc == 0 && p.tenant_id != tenant))
            return lp_failf(a->f, LP_ERR_NOTFOUND, "project_id", "no such project in the person's company");
        if (rc) return rc;
        if (p.state != PRJ_ACTIVE)
            return lp_failf(a->f, LP_ERR_RULE, p.state == PRJ_PENDING ? "project_pending" : "project_closed",
                            "only an active project can be the default");
    }
    rc = audit_snapshot(db, SNAP_DEFAULT, a->person_id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE people SET default_project_id = NULLIF(?2, 0) WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->person_id);
        db_bind_int(st, 2, a->project_id);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "default_project", "person", a->person_id, SNAP_DEFAULT, before);
    free(before);
    return rc;
}

int prj_default_set(db_t *db, const actor_t *who, int64_t person_id, int64_t project_id, lp_fail *f)
{
    struct default_args a = { who, person_id, project_id, f };
    return db_in_tx(db, do_default, &a);
}

/* ---- bookings ---- */

int prj_check_booking(db_t *db, int64_t tenant_id, int64_t project_id, int64_t start, lp_fail *f)
{
    prj_settings s;
    int rc = prj_settings_get(db, tenant_id, &s);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "tenant_id", "no such tenant");
    if (rc) return rc;
    if (!project_id) {
        if (s.require_po)
            return lp_failf(f, LP_ERR_RULE, "project_required",
                            "the company requires a project with a purchase order number on every booking");
        return 0;
    }
    prj_project p;
    rc = prj_get(db, project_id, &p);
    if (rc == LP_ERR_NOTFOUND || (rc == 0 && p.tenant_id != tenant_id))
        return lp_failf(f, LP_ERR_NOTFOUND, "project_id", "no such project in the company");
    if (rc) return rc;
    if (p.state == PRJ_PENDING)
        return lp_failf(f, LP_ERR_RULE, "project_pending", "the project %s awaits the company admin's approval", p.code);
    if (p.state == PRJ_CLOSED) return lp_failf(f, LP_ERR_RULE, "project_closed", "the project %s is closed", p.code);
    struct tm tm;
    char day[40];
    lt_local(start, &tm);
    snprintf(day, sizeof day, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if ((p.valid_from[0] && strcmp(day, p.valid_from) < 0) || (p.valid_until[0] && strcmp(day, p.valid_until) > 0))
        return lp_failf(f, LP_ERR_RULE, "project_validity", "the project %s runs from %s until %s", p.code,
                        p.valid_from[0] ? p.valid_from : "the start", p.valid_until[0] ? p.valid_until : "its end");
    if (s.require_po && !p.po_number[0])
        return lp_failf(f, LP_ERR_RULE, "project_po_required",
                        "the company requires a purchase order number; the project %s has none", p.code);
    return 0;
}

int prj_for_booking(db_t *db, int64_t tenant_id, int64_t person_id, int64_t start, int64_t *project_id,
                    lp_fail *f)
{
    if (!*project_id) {
        int rc = prj_default_get(db, person_id, project_id);
        if (rc == LP_ERR_NOTFOUND) *project_id = 0;
        else if (rc) return rc;
    }
    return prj_check_booking(db, tenant_id, *project_id, start, f);
}

int prj_budget_warn(db_t *db, const actor_t *who, int64_t id, int64_t percent)
{
    prj_project p;
    char *before = NULL, what[PRJ_CODE_MAX + PRJ_NAME_MAX + 4], tenant[201] = "";
    int rc = prj_get(db, id, &p);
    if (rc || p.budget_warned_at) return rc;
    sqlite3_stmt *st = db_stmt(db, "SELECT name FROM tenants WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, p.tenant_id);
    if ((rc = db_get(st)) != 0) return rc;
    snprintf(tenant, sizeof tenant, "%s", db_col_text(st, 0));
    sqlite3_reset(st);
    snprintf(what, sizeof what, "%s %s", p.code, p.name);
    rc = audit_snapshot(db, SNAP_PRJ, id, &before);
    st = rc ? NULL : db_stmt(db, "UPDATE projects SET budget_warned_at = ?2 WHERE id = ?1 AND budget_warned_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, clk_now());
        rc = db_exec_stmt(st);
    }
    mt_args a = { .what = what, .tenant = tenant, .count = percent };
    if (rc == 0) rc = obx_to_staff(db, MT_PROJECT_BUDGET, &a);
    /* and the company's admins */
    sqlite3_stmt *adm = rc ? NULL : db_stmt(db, "SELECT m.person_id FROM memberships m JOIN people p ON p.id = "
                                                "m.person_id WHERE m.tenant_id = ?1 AND m.role = 'tenant_admin' AND "
                                                "p.status = 'active' AND p.is_staff = 0 ORDER BY m.person_id");
    if (rc == 0 && !adm) rc = LP_ERR_DB;
    if (rc == 0) {
        int64_t ids[64];
        size_t n = 0;
        int step;
        db_bind_int(adm, 1, p.tenant_id);
        while ((step = db_step(adm)) == DB_ROW && n < 64) ids[n++] = sqlite3_column_int64(adm, 0);
        sqlite3_reset(adm);
        if (step < 0) rc = step;
        for (size_t i = 0; rc == 0 && i < n; i++) rc = obx_to_person(db, MT_PROJECT_BUDGET, ids[i], &a);
    }
    if (rc == 0) rc = audit_change(db, who, "budget_warning", "project", id, SNAP_PRJ, before);
    free(before);
    return rc;
}
