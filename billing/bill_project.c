/* bill_project.c: project budgets (see bill_project.h). */
#include "billing/bill_project.h"
#include "billing/billing.h"
#include "booking/project.h"
#include <string.h>

int bill_project_budget(db_t *db, int64_t project_id, int64_t exclude_rsv, int64_t extra_cents, bill_budget *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(p.budget_cents, 0), p.budget_block, (SELECT COALESCE(sum(c.net_cents), 0) "
                                   "FROM charges c WHERE c.project_id = p.id AND (?2 = 0 OR c.reservation_id IS NULL OR "
                                   "c.reservation_id <> ?2)) FROM projects p WHERE p.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, project_id);
    db_bind_int(st, 2, exclude_rsv);
    int rc = db_get(st);
    if (rc) return rc;
    out->budget_cents = sqlite3_column_int64(st, 0);
    out->block = sqlite3_column_int(st, 1) != 0;
    out->spent_cents = sqlite3_column_int64(st, 2) + extra_cents;
    sqlite3_reset(st);
    if (!out->budget_cents) return 0;
    out->remaining_cents = out->budget_cents - out->spent_cents;
    out->percent = out->spent_cents > 0 ? out->spent_cents * 100 / out->budget_cents : 0;
    out->warn = out->percent >= PRJ_WARN_PERCENT;
    return 0;
}

int bill_budget_check(db_t *db, const actor_t *who, int64_t project_id, int64_t tenant_id, int64_t resource_id,
                      int64_t start, int64_t end, int64_t exclude_rsv, bool estimate, bill_budget *out, lp_fail *f)
{
    memset(out, 0, sizeof *out);
    if (!project_id) return 0;
    int64_t est = 0;
    if (estimate) {
        bill_quote q;
        int rc = bill_quote_new(db, tenant_id, resource_id, start, end, &q);
        if (rc == 0 && q.priced) est = q.net_cents;
        else if (rc && rc != LP_ERR_NOTFOUND && rc != LP_ERR_INVALID) return rc;
    }
    int rc = bill_project_budget(db, project_id, estimate ? exclude_rsv : 0, est, out);
    if (rc || !out->budget_cents) return rc;
    if (out->block && out->spent_cents > out->budget_cents)
        return lp_failf(f, LP_ERR_RULE, "project_budget", "the booking would take the project past its budget "
                        "(%lld of %lld cents, %lld %%)", (long long)out->spent_cents, (long long)out->budget_cents,
                        (long long)out->percent);
    if (out->warn) rc = prj_budget_warn(db, who, project_id, out->percent);
    return rc;
}
