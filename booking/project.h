/* project.h: a company's projects (cost centres). Bookings, services and
 * consumables are charged to one; invoices group by it and carry its
 * purchase order number.
 *
 * States: pending (created by a member of a company that wants its admin to
 * approve projects) -> active -> closed; pending -> closed. Only an active
 * project inside its validity (site-local dates, both ends included) takes
 * bookings; when the company requires purchase orders, only one with a PO
 * number, and a booking must name a project (its own or the person's
 * default). Every change is audited. */
#ifndef LP_PROJECT_H
#define LP_PROJECT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

#define PRJ_CODE_MAX 40
#define PRJ_NAME_MAX 200
#define PRJ_PO_MAX 60
#define PRJ_BUDGET_MAX 100000000000LL    /* cents: one billion euros, as the table allows */
#define PRJ_WARN_PERCENT 80

/* Stored and sent as prj_state_name(): "pending", "active", "closed". */
enum prj_state { PRJ_PENDING = 0, PRJ_ACTIVE, PRJ_CLOSED };
#define PRJ_STATE_COUNT 3
const char *prj_state_name(enum prj_state s);
int prj_state_parse(const char *text, enum prj_state *out) LP_MUST;

typedef struct prj_project {
    int64_t id, tenant_id;
    char code[PRJ_CODE_MAX + 1], name[PRJ_NAME_MAX + 1], po_number[PRJ_PO_MAX + 1];
    int64_t budget_cents;               /* 0: no budget */
    bool budget_block;                  /* refuse bookings that would pass 100 % */
    char valid_from[11], valid_until[11];   /* "YYYY-MM-DD" or "" (open) */
    enum prj_state state;
    char approved_by[40], created_by[40];
    int64_t approved_at, created_at, updated_at, budget_warned_at;
} prj_project;

/* Checks the editable fields (code, name, po_number, budget, validity). */
int prj_validate(const prj_project *p, lp_fail *f) LP_MUST;
/* Creates p for p->tenant_id: pending when pending is set (a member's
 * project in a company that approves them), else active. Sets p->id.
 * LP_ERR_NOTFOUND (tenant), LP_ERR_CONFLICT (code taken in the company). */
int prj_create(db_t *db, const actor_t *who, prj_project *p, bool pending, lp_fail *f) LP_MUST;
int prj_get(db_t *db, int64_t id, prj_project *out) LP_MUST;
/* The projects of tenant_id, by code; active ones only when active_only. */
int prj_list(db_t *db, int64_t tenant_id, bool active_only, prj_project **out, size_t *n) LP_MUST;
/* Saves the editable fields of p (not its state). LP_ERR_STATE when closed. */
int prj_update(db_t *db, const actor_t *who, const prj_project *p, lp_fail *f) LP_MUST;
/* pending -> active (LP_ERR_STATE otherwise). */
int prj_approve(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
/* pending | active -> closed (LP_ERR_STATE when closed already). */
int prj_close(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;

/* A company's project settings. */
typedef struct prj_settings { bool require_po, project_approval; } prj_settings;
int prj_settings_get(db_t *db, int64_t tenant_id, prj_settings *out) LP_MUST;
int prj_settings_set(db_t *db, const actor_t *who, int64_t tenant_id, const prj_settings *s, lp_fail *f) LP_MUST;

/* A person's default project (0: none). Setting one checks that it is an
 * active project of the person's company; 0 clears it. */
int prj_default_get(db_t *db, int64_t person_id, int64_t *project_id) LP_MUST;
int prj_default_set(db_t *db, const actor_t *who, int64_t person_id, int64_t project_id, lp_fail *f) LP_MUST;

/* The project a booking of person (of tenant) starting at start is charged
 * to: *project_id as asked (0: the person's default, when there is one) and
 * checked. Refusals name the rule in f->field: project_id (404: no such
 * project in the company), project_required, project_pending,
 * project_closed, project_validity, project_po_required (422). */
int prj_for_booking(db_t *db, int64_t tenant_id, int64_t person_id, int64_t start, int64_t *project_id,
                    lp_fail *f) LP_MUST;
/* The same check for a project already chosen (0: none). */
int prj_check_booking(db_t *db, int64_t tenant_id, int64_t project_id, int64_t start, lp_fail *f) LP_MUST;

/* Tells staff and the company's admins (outbox, each in their language)
 * that project id has used percent of its budget, once per project: later
 * calls do nothing. Audited. In the caller's transaction. */
int prj_budget_warn(db_t *db, const actor_t *who, int64_t id, int64_t percent) LP_MUST;

#endif
