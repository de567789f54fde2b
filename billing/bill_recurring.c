/* bill_recurring.c: monthly membership and bench fees of a tenant, and
 * their charges: one per fee and month, made by the invoice run (in its
 * transaction) for every month up to the one being invoiced. A unique index
 * keeps a month from being charged twice. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MONTHS 240   /* months one fee can be charged for at once */

bool bill_recurring_kind_ok(enum bill_charge_kind k)
{
    switch (k) {
    case BILL_CHARGE_MEMBERSHIP:
    case BILL_CHARGE_BENCH: return true;
    case BILL_CHARGE_USAGE:
    case BILL_CHARGE_CANCELLATION:
    case BILL_CHARGE_NO_SHOW:
    case BILL_CHARGE_ADJUSTMENT:
    case BILL_CHARGE_SERVICE:
    case BILL_CHARGE_CONSUMABLE: return false;
    }
    return false;
}

static const char *SNAP_FEE =
    "SELECT json_object('id', id, 'tenant_id', tenant_id, 'kind', kind, 'description', description, "
    "'monthly_cents', monthly_cents, 'vat_category', vat_category, 'vat_rate_bp', vat_rate_bp, "
    "'from_month', from_month, 'until_month', until_month) FROM recurring_fees WHERE id = ?1";

#define FEE_COLS "id, tenant_id, kind, description, monthly_cents, vat_category, vat_rate_bp, exempt_reason, " \
    "from_month, COALESCE(until_month, ''), created_at"

/* One fee row; a kind the database should never hold is an error. */
static int row_to_fee(sqlite3_stmt *st, bill_recurring *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->tenant_id = sqlite3_column_int64(st, 1);
    int bad = bill_charge_kind_parse(db_col_text(st, 2), &r->kind);
    bill_copy(r->description, sizeof r->description, db_col_text(st, 3));
    r->monthly_cents = sqlite3_column_int64(st, 4);
    r->vat = bill_vat_col(st, 5);
    bill_copy(r->exempt_reason, sizeof r->exempt_reason, db_col_text(st, 7));
    bill_copy(r->from_month, sizeof r->from_month, db_col_text(st, 8));
    bill_copy(r->until_month, sizeof r->until_month, db_col_text(st, 9));
    r->created_at = sqlite3_column_int64(st, 10);
    return bad ? LP_ERR_DB : 0;
}

int bill_recurring_get(db_t *db, int64_t id, bill_recurring *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " FEE_COLS " FROM recurring_fees WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = row_to_fee(st, out);
    sqlite3_reset(st);
    return rc;
}

static int fee_row(sqlite3_stmt *st, void *elem) { return row_to_fee(st, elem); }

int bill_recurring_list(db_t *db, int64_t tenant_id, bill_recurring **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " FEE_COLS " FROM recurring_fees WHERE ?1 = 0 OR tenant_id = ?1 "
                                   "ORDER BY tenant_id, id LIMIT 5000");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    return db_collect(st, sizeof **out, fee_row, (void **)out, n);
}

static int fee_validate(db_t *db, bill_recurring *r, lp_fail *f)
{
    tnt_tenant t;
    int64_t a, b;
    char now[BILL_PERIOD_LEN], oldest[BILL_PERIOD_LEN];
    bill_period_of(clk_now(), now);
    bill_month_step(now, -12, oldest);
    int rc = tnt_get(db, r->tenant_id, &t);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "tenant_id", "no such tenant");
    if (rc) return rc;
    if (!bill_recurring_kind_ok(r->kind))
        return lp_failf(f, LP_ERR_INVALID, "kind", "kind must be membership or bench");
    if (!lp_text_ok(r->description, 200))
        return lp_failf(f, LP_ERR_INVALID, "description", "description must be 1 to 200 characters");
    if (r->monthly_cents < 1 || r->monthly_cents > 100000000)
        return lp_failf(f, LP_ERR_INVALID, "monthly_cents", "monthly_cents must be 1 to 100000000");
    if (r->vat.cat == BCALC_VAT_S && r->vat.rate_bp == 0) r->vat.rate_bp = 2100;
    if (bcalc_vat_check(r->vat) || r->vat.cat == BCALC_VAT_AE)
        return lp_failf(f, LP_ERR_INVALID, "vat_category", "VAT must be S with a rate, or Z or E with rate 0");
    if (r->vat.cat == BCALC_VAT_E && !lp_text_ok(r->exempt_reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "exempt_reason", "exempt VAT needs the exemption reason");
    if (bill_period_parse(r->from_month, &a, &b) || strcmp(r->from_month, oldest) < 0)
        return lp_failf(f, LP_ERR_INVALID, "from_month", "from_month must be a month (YYYY-MM) at most a year back");
    if (r->until_month[0] && (bill_period_parse(r->until_month, &a, &b) || strcmp(r->until_month, r->from_month) < 0))
        return lp_failf(f, LP_ERR_INVALID, "until_month", "until_month must be a month from from_month on");
    return 0;
}

struct fee_args { const actor_t *who; bill_recurring *r; const char *until; lp_fail *f; };

static int do_create(db_t *db, void *arg)
{
    struct fee_args *a = arg;
    bill_recurring *r = a->r;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO recurring_fees(tenant_id, kind, description, monthly_cents, vat_category, vat_rate_bp, "
        "exempt_reason, from_month, until_month, created_by, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULLIF(?9, ''), ?10, ?11)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->tenant_id); db_bind_text(st, 2, bill_charge_kind_name(r->kind));
    db_bind_text(st, 3, r->description);
    db_bind_int(st, 4, r->monthly_cents); db_bind_text(st, 5, bcalc_vat_code(r->vat.cat));
    db_bind_int(st, 6, r->vat.rate_bp); db_bind_text(st, 7, r->vat.cat == BCALC_VAT_E ? r->exempt_reason : "");
    db_bind_text(st, 8, r->from_month); db_bind_text(st, 9, r->until_month);
    db_bind_text(st, 10, a->who && a->who->label ? a->who->label : "system"); db_bind_int(st, 11, clk_now());
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    r->id = db_last_id(db);
    rc = audit_change(db, a->who, "create", "recurring_fee", r->id, SNAP_FEE, NULL);
    return rc ? rc : bill_recurring_get(db, r->id, r);   /* read back inside: an error leaves nothing behind */
}

int bill_recurring_create(db_t *db, const actor_t *who, bill_recurring *r, lp_fail *f)
{
    int rc = fee_validate(db, r, f);
    if (rc) return rc;
    struct fee_args a = { who, r, NULL, f };
    return db_in_tx(db, do_create, &a);
}

static int do_end(db_t *db, void *arg)
{
    struct fee_args *a = arg;
    char after[BILL_PERIOD_LEN], *before = NULL;
    int64_t from, to;
    int rc = bill_recurring_get(db, a->r->id, a->r);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "id", "no such recurring fee");
    if (rc) return rc;
    if (bill_period_parse(a->until, &from, &to) || strcmp(a->until, a->r->from_month) < 0)
        return lp_failf(a->f, LP_ERR_INVALID, "until_month", "until_month must be a month from the fee's first month on");
    bill_month_step(a->until, 1, after);
    if (bill_period_parse(after, &from, &to)) return LP_ERR_INVALID;
    sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM charges WHERE recurring_id = ?1 AND at >= ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->r->id);
    db_bind_int(st, 2, from);
    rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;   /* a count always has its row */
    int charged = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (charged != 0)
        return lp_failf(a->f, LP_ERR_STATE, "until_month", "months after until_month are charged already");
    rc = audit_snapshot(db, SNAP_FEE, a->r->id, &before);
    st = rc ? NULL : db_stmt(db, "UPDATE recurring_fees SET until_month = ?2 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->r->id);
        db_bind_text(st, 2, a->until);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "end", "recurring_fee", a->r->id, SNAP_FEE, before);
    free(before);
    return rc;
}

int bill_recurring_end(db_t *db, const actor_t *who, int64_t id, const char *until_month, lp_fail *f)
{
    bill_recurring r = { .id = id };
    struct fee_args a = { who, &r, until_month ? until_month : "", f };
    return db_in_tx(db, do_end, &a);
}

/* One month's charge of fee r, unless it exists. */
static int charge_month(db_t *db, const bill_recurring *r, const char *month)
{
    int64_t from, to;
    if (bill_period_parse(month, &from, &to)) return LP_ERR_INVALID;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT OR IGNORE INTO charges(tenant_id, recurring_id, kind, state, at, start, end, description, net_cents, "
        "vat_category, vat_rate_bp, exempt_reason, created_by, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, 'final', ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'billing', ?11, ?11)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->tenant_id); db_bind_int(st, 2, r->id); db_bind_text(st, 3, bill_charge_kind_name(r->kind));
    db_bind_int(st, 4, from); db_bind_int(st, 5, to); db_bind_text(st, 6, r->description);
    db_bind_int(st, 7, r->monthly_cents); db_bind_text(st, 8, bcalc_vat_code(r->vat.cat));
    db_bind_int(st, 9, r->vat.rate_bp); db_bind_text(st, 10, r->exempt_reason); db_bind_int(st, 11, clk_now());
    int rc = db_exec_stmt(st);
    if (rc || db_changes(db) != 1) return rc;
    int64_t id = db_last_id(db);
    st = db_stmt(db, "INSERT INTO charge_parts(charge_id, pos, part, unit, qty_e6, unit_cents, net_cents) "
                     "VALUES (?1, 1, 'fee', 'C62', 1000000, ?2, ?2)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, r->monthly_cents);
    return db_exec_stmt(st);
}

int bill_recurring_materialize(db_t *db, int64_t tenant_id, const char *period)
{
    bill_recurring *arr = NULL;
    size_t n = 0;
    int rc = bill_recurring_list(db, tenant_id, &arr, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char m[BILL_PERIOD_LEN];
        bill_copy(m, sizeof m, arr[i].from_month);
        for (int k = 0; rc == 0 && k < MAX_MONTHS && strcmp(m, period) <= 0; k++) {
            if (arr[i].until_month[0] && strcmp(m, arr[i].until_month) > 0) break;
            rc = charge_month(db, &arr[i], m);
            bill_month_step(m, 1, m);
        }
    }
    free(arr);
    return rc;
}
