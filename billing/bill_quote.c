/* bill_quote.c: estimates. What a booking will cost before it is made, and
 * what an existing one costs and would cost to cancel now, computed by
 * pricing hypothetical states of the reservation with the reservation
 * hook's own code (bill_fact_compute): used as booked, cancelled late,
 * not shown up, checked in at the earliest. Nothing is written. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "core/clock.h"
#include <string.h>

/* The fact of r in state s (cancelled at cancelled_at, checked in at
 * checked_in); 0 with *net the amount it would cost. */
static int price_as(db_t *db, const rsv_reservation *r, enum rsv_state s, int64_t cancelled_at,
                    int64_t checked_in, struct bill_fact *ft)
{
    rsv_reservation x = *r;
    x.state = s;
    x.cancelled_at = cancelled_at;
    x.checked_in_at = checked_in;
    x.checked_out_at = 0;
    return bill_fact_compute(db, &x, ft);
}

static int early_minutes(db_t *db, int32_t *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE((SELECT early_checkin_min FROM site WHERE id = 1), 15)");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc) return rc;
    *out = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* The usage price of r used as booked, with the plan and VAT it follows. */
static int quote_usage(db_t *db, const rsv_reservation *r, bill_quote *q)
{
    struct bill_fact ft;
    int rc = price_as(db, r, RSV_CONFIRMED, 0, 0, &ft);
    if (rc) return rc;
    q->start = r->start;
    q->end = r->end;
    q->priced = ft.plan_id != 0;
    if (q->priced && (rc = bill_plan_get(db, ft.plan_id, &q->plan)) != 0) return rc;
    q->net_cents = ft.net;
    q->vat = q->priced ? ft.vat : (struct bcalc_vat){ BCALC_VAT_S, 2100 };
    q->vat_cents = q->vat.cat == BCALC_VAT_S ? bcalc_apply_bp(ft.net, q->vat.rate_bp) : 0;
    memcpy(q->parts, ft.parts, sizeof q->parts);
    q->nparts = ft.nparts;
    return 0;
}

/* Fees and early check-in; deadline_start is the start the free
 * cancellation period counts back from. */
static int quote_terms(db_t *db, const rsv_reservation *r, int64_t deadline_start, bill_quote *q)
{
    struct bcalc_policy pol;
    struct bill_fact ft;
    int rc = bill_policy_get(db, r->resource_id, &pol, &q->overrun_charged, NULL);
    if (rc == 0) rc = early_minutes(db, &q->early_checkin_min);
    if (rc) return rc;
    q->basis = pol.basis;
    q->free_cancel_hours = pol.free_cancel_hours;
    q->cancel_free_until = deadline_start - (int64_t)pol.free_cancel_hours * 3600;
    if ((rc = price_as(db, r, RSV_CANCELLED, q->cancel_free_until + 1, 0, &ft)) != 0) return rc;
    q->late_cancel_cents = ft.net;
    if ((rc = price_as(db, r, RSV_NO_SHOW, 0, 0, &ft)) != 0) return rc;
    q->noshow_cents = ft.net;
    rc = price_as(db, r, RSV_CHECKED_IN, 0, r->start - (int64_t)q->early_checkin_min * 60, &ft);
    if (rc) return rc;
    q->early_checkin_cents = ft.net > q->net_cents ? ft.net - q->net_cents : 0;
    return 0;
}

int bill_quote_new(db_t *db, int64_t tenant_id, int64_t resource_id, int64_t start, int64_t end, bill_quote *out)
{
    memset(out, 0, sizeof *out);
    if (start <= 0 || end <= start || end - start > BCALC_MAX_SECS) return LP_ERR_INVALID;
    sqlite3_stmt *st = db_stmt(db, "SELECT (SELECT COUNT(*) FROM tenants WHERE id = ?1), "
                                   "(SELECT COUNT(*) FROM resources WHERE id = ?2)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, resource_id);
    int rc = db_get(st);
    if (rc) return rc;
    bool found = sqlite3_column_int(st, 0) && sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    if (!found) return LP_ERR_NOTFOUND;
    rsv_reservation r = { .tenant_id = tenant_id, .resource_id = resource_id, .start = start, .end = end };
    rc = quote_usage(db, &r, out);
    if (rc == 0) rc = quote_terms(db, &r, start, out);
    return rc;
}

int bill_quote_reservation(db_t *db, const rsv_reservation *r, bill_quote *out)
{
    struct bill_fee_terms t;
    struct bill_fact ft;
    memset(out, 0, sizeof *out);
    int rc = quote_usage(db, r, out);
    if (rc == 0) rc = bill_fee_terms_get(db, r->id, &t);
    if (rc) return rc;
    int64_t deadline_start = t.found && t.earliest_start < r->start ? t.earliest_start : r->start;
    if ((rc = quote_terms(db, r, deadline_start, out)) != 0) return rc;
    out->cancellable = r->state == RSV_REQUESTED || r->state == RSV_CONFIRMED;   /* as rsv_cancel allows */
    if (!out->cancellable) return 0;
    rc = price_as(db, r, RSV_CANCELLED, clk_now(), 0, &ft);
    if (rc == 0) out->cancel_now_cents = ft.net;
    return rc;
}
