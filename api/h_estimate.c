/* h_estimate.c: prices shown before money is spent. The price list of every
 * resource for a tenant, the estimate of a booking not made yet (usage split
 * into peak and off-peak, minimum charge, VAT, the free-cancellation
 * deadline as a time, the late-cancellation and no-show fees, what checking
 * in early adds) and the same for an existing reservation with what
 * cancelling it now costs. All computed by billing's own code
 * (billing/bill_quote.c), so the estimate equals the invoice line. */
#include "api/h_billing.h"
#include "booking/resource.h"
#include "booking/rsv.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include <stdlib.h>
#include <string.h>

static json_t *json_quote(int64_t tenant_id, int64_t resource_id, const bill_quote *q)
{
    json_t *j = json_pack("{s:I, s:I, s:o, s:o, s:b, s:o, s:I, s:I, s:I, s:o, s:s, s:b, s:i, s:o, s:I, s:I, s:i, s:I}",
        "tenant_id", (json_int_t)tenant_id, "resource_id", (json_int_t)resource_id,
        "start", api_time_json(q->start), "end", api_time_json(q->end), "priced", q->priced,
        "plan", q->priced ? hb_plan_json(&q->plan) : json_null(),
        "net_cents", (json_int_t)q->net_cents, "vat_cents", (json_int_t)q->vat_cents,
        "gross_cents", (json_int_t)(q->net_cents + q->vat_cents), "parts", hb_parts_json(q->parts, q->nparts),
        "basis", bill_basis_name(q->basis), "charge_overrun", q->overrun_charged,
        "free_cancel_hours", (int)q->free_cancel_hours, "cancel_free_until", api_time_json(q->cancel_free_until),
        "late_cancel_cents", (json_int_t)q->late_cancel_cents, "no_show_cents", (json_int_t)q->noshow_cents,
        "early_checkin_min", (int)q->early_checkin_min, "early_checkin_cents", (json_int_t)q->early_checkin_cents);
    json_object_set_new(j, "reservation_id", json_null());
    json_object_set_new(j, "cancellable", json_true());
    json_object_set_new(j, "cancel_now_cents", json_null());
    return hb_vat_json(j, q->vat);
}

/* GET /api/v1/resources/{id}/estimate?start&end[&tenant_id] */
void h_estimate_new(api_ctx *c)
{
    int64_t tenant, start, end;
    bill_quote q;
    if (hb_tenant_scope(c, 1, &tenant)) return;
    if (api_query_time(c, "start", 1, &start) || api_query_time(c, "end", 1, &end)) return;
    if (end <= start) { hb_bad(c, "end must be after start", "end"); return; }
    if (end - start > BCALC_MAX_SECS) { hb_bad(c, "an estimate covers at most 400 days", "end"); return; }
    if (tenant < 0) { hb_bad(c, "estimates are for a tenant; your account has none", "tenant_id"); return; }
    int rc = bill_quote_new(c->db, tenant, c->params[0], start, end, &q);
    if (rc == LP_ERR_NOTFOUND) { hb_not_found(c, api_is_staff(c) ? "resource or tenant" : "resource"); return; }
    if (rc == LP_ERR_INVALID) { hb_bad(c, "this interval cannot be priced", "start"); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_quote(tenant, c->params[0], &q));
}

/* GET /api/v1/reservations/{id}/estimate: members their own bookings,
 * tenant admins their tenant's, staff all (as charges are shown). */
void h_estimate_rsv(api_ctx *c)
{
    rsv_reservation r;
    bill_quote q;
    int rc = rsv_get(c->db, c->params[0], &r);
    if (rc == 0 && !api_admins_tenant(c, r.tenant_id) && r.person_id != c->caller.person_id) rc = LP_ERR_NOTFOUND;
    if (rc) { hb_lookup_failed(c, rc, "reservation"); return; }
    if ((rc = bill_quote_reservation(c->db, &r, &q)) != 0) {
        if (rc == LP_ERR_INVALID) hb_bad(c, "this reservation cannot be priced", NULL);
        else api_fail(c, rc, NULL);
        return;
    }
    json_t *j = json_quote(r.tenant_id, r.resource_id, &q);
    json_object_set_new(j, "reservation_id", json_integer(r.id));
    json_object_set_new(j, "cancellable", json_boolean(q.cancellable));
    json_object_set_new(j, "cancel_now_cents", q.cancellable ? json_integer(q.cancel_now_cents) : json_null());
    api_reply_json(c, 200, j);
}

/* One resource's price for a tenant of tier, now: the plan in force (null
 * when free) and the policy. */
static int price_json(api_ctx *c, const res_resource *r, const char *tier, json_t **out)
{
    bill_plan p;
    struct bcalc_policy pol;
    bool overrun = false, def = false;
    int rc = bill_plan_find(c->db, r->id, r->kind, tier, clk_now(), &p);
    if (rc && rc != LP_ERR_NOTFOUND) return rc;
    json_t *plan = rc == 0 ? hb_plan_json(&p) : json_null();
    if ((rc = bill_policy_get(c->db, r->id, &pol, &overrun, &def)) != 0) { json_decref(plan); return rc; }
    *out = json_pack("{s:I, s:s, s:o, s:o}", "resource_id", (json_int_t)r->id, "resource_name", r->name,
                     "plan", plan, "policy", hb_policy_json(r->id, &pol, overrun, def));
    return 0;
}

/* GET /api/v1/prices[?tenant_id]: every resource's price for the tenant. */
void h_prices(api_ctx *c)
{
    int64_t tenant;
    tnt_tenant t;
    res_resource *rs = NULL;
    size_t n = 0;
    if (hb_tenant_scope(c, 1, &tenant)) return;
    if (tenant < 0) { hb_bad(c, "prices are for a tenant; your account has none", "tenant_id"); return; }
    int rc = tnt_get(c->db, tenant, &t);
    if (rc) { hb_lookup_failed(c, rc, "tenant"); return; }
    if ((rc = res_list(c->db, NULL, &rs, &n)) != 0) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *one = NULL;
        if ((rc = price_json(c, &rs[i], t.rate_tier, &one)) == 0) json_array_append_new(arr, one);
    }
    free(rs);
    if (rc) { json_decref(arr); api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:I, s:s, s:o}", "tenant_id", (json_int_t)tenant, "rate_tier", t.rate_tier,
                                     "prices", arr));
}
