/* bill_project.h: a project's budget against what is charged to it.
 *
 * spent is the net of every charge of the project, pending and final
 * (invoiced or not); for a booking not made yet its estimate (bill_quote_new,
 * the code that prices the charge) is added. From PRJ_WARN_PERCENT (80 %) a
 * booking is warned and staff and the company's admins are told once
 * (prj_budget_warn); a booking that would take a project with budget_block
 * past its budget is refused (LP_ERR_RULE, field "project_budget"). */
#ifndef LP_BILL_PROJECT_H
#define LP_BILL_PROJECT_H
#include <stdbool.h>
#include <stdint.h>
#include "booking/audit.h"
#include "core/fail.h"
#include "db/db.h"

typedef struct bill_budget {
    int64_t budget_cents;       /* 0: the project has no budget (nothing else is set) */
    int64_t spent_cents;        /* charged, plus the estimate when one was asked for */
    int64_t remaining_cents;    /* budget - spent, negative past the budget */
    int64_t percent;            /* floor(100 * spent / budget), 0 when spent <= 0 */
    bool warn;                  /* percent >= 80 */
    bool block;                 /* the project refuses bookings past its budget */
} bill_budget;

/* The budget of project_id as it stands, without the charge of reservation
 * exclude_rsv (0: none) and with extra_cents added. LP_ERR_NOTFOUND. */
int bill_project_budget(db_t *db, int64_t project_id, int64_t exclude_rsv, int64_t extra_cents,
                        bill_budget *out) LP_MUST;

/* The check of a booking charged to project_id (0: nothing to check) of
 * tenant on resource over [start, end), replacing reservation exclude_rsv's
 * charge (a change; 0 for a new booking) by its estimate; with estimate
 * false the charges already written are the whole story (a series just
 * booked). Refuses past the budget of a blocking project; warns (out->warn)
 * and tells staff and the company's admins once from 80 %. In the caller's
 * transaction. */
int bill_budget_check(db_t *db, const actor_t *who, int64_t project_id, int64_t tenant_id, int64_t resource_id,
                      int64_t start, int64_t end, int64_t exclude_rsv, bool estimate, bill_budget *out,
                      lp_fail *f) LP_MUST;

#endif
