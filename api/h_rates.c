/* h_rates.c: rate plans and their versions, and the billing policy of a
 * resource, over HTTP (shared helpers: h_billing.h). Everyone signed in reads
 * prices and policies; staff change them. */
#include "api/h_billing.h"
#include "billing/ubl.h"
#include "booking/resource.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rate plans ---- */

json_t *hb_plan_json(const bill_plan *p)
{
    char day[BILL_DATE_LEN];
    json_t *w = json_array();
    for (size_t i = 0; i < p->rate.nwindows; i++) {
        char days[64], from[6], to[6];
        const struct bcalc_window *x = &p->rate.windows[i];
        bill_days_text(x->days, days, sizeof days);
        snprintf(from, sizeof from, "%02u:%02u", (unsigned)(x->from_min / 60) % 100u, (unsigned)x->from_min % 60u);
        snprintf(to, sizeof to, "%02u:%02u", (unsigned)(x->to_min / 60) % 100u, (unsigned)x->to_min % 60u);
        json_array_append_new(w, json_pack("{s:s, s:s, s:s}", "days", days, "from", from, "to", to));
    }
    ubl_date_of(p->effective_from, day);
    json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:I, s:I, s:o, s:i, s:I, s:s, s:b, s:o, s:o}",
        "id", (json_int_t)p->id, "name", p->name, "resource_id", hb_opt_int(p->resource_id),
        "resource_kind", hb_opt_str(p->resource_kind), "tier", hb_opt_str(p->tier), "effective_from", day,
        "peak_cents_per_hour", (json_int_t)p->rate.peak_cents_per_hour,
        "offpeak_cents_per_hour", (json_int_t)p->rate.offpeak_cents_per_hour, "peak_windows", w,
        "round_minutes", (int)p->rate.round_minutes, "min_charge_cents", (json_int_t)p->rate.min_charge_cents,
        "exempt_reason", p->exempt_reason, "reverse_charge", p->reverse_charge, "previous_id", hb_opt_int(p->previous_id),
        "created_at", api_time_json(p->created_at));
    return hb_vat_json(j, p->vat);
}

static const struct jv_field WINDOW[] = {
    { "days", JV_STRING, 1, 40, 0 }, { "from", JV_STRING, 1, 5, 0 }, { "to", JV_STRING, 1, 5, 0 }, JV_END };

static int windows_from(json_t *arr, struct bcalc_rate *r, lp_fail *f)
{
    size_t i;
    json_t *v;
    char err[200], field[64];
    r->nwindows = 0;
    json_array_foreach(arr, i, v) {
        struct bcalc_window *w = &r->windows[r->nwindows];
        if (i >= BCALC_MAX_WINDOWS || jv_check(v, WINDOW, err, sizeof err, field, sizeof field) != 0 ||
            bill_days_parse(jv_str(v, "days", ""), &w->days) || bill_hhmm_parse(jv_str(v, "from", ""), false, &w->from_min) ||
            bill_hhmm_parse(jv_str(v, "to", ""), true, &w->to_min) || w->from_min >= w->to_min)
            return lp_failf(f, LP_ERR_INVALID, "peak_windows", "peak_windows[%zu] must be {\"days\": \"mon-fri\", "
                            "\"from\": \"08:00\", \"to\": \"18:00\"} with from before to", i);
        r->nwindows++;
    }
    return 0;
}

static const struct jv_field PLAN_FIELDS[] = {
    { "name", JV_STRING, 0, 120, 0 }, { "resource_id", JV_INT, 0, INT32_MAX, 1 },
    { "resource_kind", JV_STRING, 0, 11, 0 }, { "tier", JV_STRING, 0, 15, 0 },
    { "effective_from", JV_STRING, 1, 10, 0 }, { "peak_cents_per_hour", JV_INT, 0, 1000000, 0 },
    { "offpeak_cents_per_hour", JV_INT, 0, 1000000, 0 }, { "peak_windows", JV_ARRAY, 0, BCALC_MAX_WINDOWS, 0 },
    { "round_minutes", JV_INT, 0, 1440, 0 }, { "min_charge_cents", JV_INT, 0, 100000000, 0 },
    { "vat_category", JV_STRING, 0, 2, 0 }, { "vat_rate_bp", JV_INT, 0, 10000, 0 },
    { "exempt_reason", JV_STRING, 0, 200, 0 }, { "reverse_charge", JV_BOOL, 0, 0, 0 }, JV_END };

/* Applies the body to p (a new plan, or a copy of the version it follows). */
static int plan_from(json_t *b, bill_plan *p, lp_fail *f)
{
    int64_t from, to;
    if (lt_parse_day(jv_str(b, "effective_from", ""), &from, &to) != 0)
        return lp_failf(f, LP_ERR_INVALID, "effective_from", "effective_from must be a date YYYY-MM-DD");
    p->effective_from = from;
    jv_copy(b, "name", p->name, sizeof p->name);
    jv_copy(b, "exempt_reason", p->exempt_reason, sizeof p->exempt_reason);
    p->rate.peak_cents_per_hour = jv_int(b, "peak_cents_per_hour", p->rate.peak_cents_per_hour);
    p->rate.offpeak_cents_per_hour = jv_int(b, "offpeak_cents_per_hour", jv_has(b, "peak_cents_per_hour") &&
                                            !p->id ? p->rate.peak_cents_per_hour : p->rate.offpeak_cents_per_hour);
    p->rate.round_minutes = (int32_t)jv_int(b, "round_minutes", p->rate.round_minutes);
    p->rate.min_charge_cents = jv_int(b, "min_charge_cents", p->rate.min_charge_cents);
    p->reverse_charge = jv_bool(b, "reverse_charge", p->reverse_charge);
    json_t *w = json_object_get(b, "peak_windows");
    int rc = w ? windows_from(w, &p->rate, f) : 0;
    if (rc == 0 && (jv_has(b, "vat_category") || jv_has(b, "vat_rate_bp"))) rc = hb_vat_from(b, p->vat, &p->vat, f);
    return rc;
}

void h_plans_list(api_ctx *c)
{
    int64_t res;
    if (api_query_int(c, "resource_id", 0, 1, INT32_MAX, &res)) return;
    bill_plan *arr = NULL;
    size_t n = 0;
    int rc = bill_plan_list(c->db, res, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, hb_plan_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "rate_plans", out));
}

void h_plan_create(api_ctx *c)
{
    json_t *b = api_body(c, PLAN_FIELDS);
    if (!b) return;
    bill_plan p = { .vat = { BCALC_VAT_S, 2100 } };
    lp_fail f = { 0 };
    int rc = 0;
    if (!jv_has(b, "name") || !jv_has(b, "peak_cents_per_hour"))
        rc = lp_failf(&f, LP_ERR_INVALID, jv_has(b, "name") ? "peak_cents_per_hour" : "name",
                      "name and peak_cents_per_hour are required");
    p.resource_id = jv_int(b, "resource_id", 0);
    jv_copy(b, "resource_kind", p.resource_kind, sizeof p.resource_kind);
    jv_copy(b, "tier", p.tier, sizeof p.tier);
    if (rc == 0) rc = plan_from(b, &p, &f);
    json_decref(b);
    if (rc == 0) rc = bill_plan_create(c->db, &c->actor, &p, &f);
    if (rc == 0) rc = bill_plan_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, hb_plan_json(&p));
}

void h_plan_get(api_ctx *c)
{
    bill_plan p;
    int rc = bill_plan_get(c->db, c->params[0], &p);
    if (rc) { hb_lookup_failed(c, rc, "rate plan"); return; }
    api_reply_json(c, 200, hb_plan_json(&p));
}

static const struct jv_field VERSION_FIELDS[] = {
    { "name", JV_STRING, 0, 120, 0 }, { "effective_from", JV_STRING, 1, 10, 0 },
    { "peak_cents_per_hour", JV_INT, 0, 1000000, 0 }, { "offpeak_cents_per_hour", JV_INT, 0, 1000000, 0 },
    { "peak_windows", JV_ARRAY, 0, BCALC_MAX_WINDOWS, 0 }, { "round_minutes", JV_INT, 0, 1440, 0 },
    { "min_charge_cents", JV_INT, 0, 100000000, 0 }, { "vat_category", JV_STRING, 0, 2, 0 },
    { "vat_rate_bp", JV_INT, 0, 10000, 0 }, { "exempt_reason", JV_STRING, 0, 200, 0 },
    { "reverse_charge", JV_BOOL, 0, 0, 0 }, JV_END };

void h_plan_version(api_ctx *c)
{
    bill_plan p;
    int rc = bill_plan_get(c->db, c->params[0], &p);
    if (rc) { hb_lookup_failed(c, rc, "rate plan"); return; }
    json_t *b = api_body(c, VERSION_FIELDS);
    if (!b) return;
    lp_fail f = { 0 };
    rc = plan_from(b, &p, &f);
    json_decref(b);
    p.previous_id = p.id;
    p.id = 0;
    if (rc == 0) rc = bill_plan_create(c->db, &c->actor, &p, &f);
    if (rc == 0) rc = bill_plan_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, hb_plan_json(&p));
}

/* ---- billing policy ---- */

json_t *hb_policy_json(int64_t res, const struct bcalc_policy *p, bool overrun, bool def)
{
    return json_pack("{s:I, s:s, s:b, s:i, s:s, s:I, s:s, s:I, s:b}", "resource_id", (json_int_t)res,
                     "basis", bill_basis_name(p->basis), "charge_overrun", overrun, "free_cancel_hours",
                     (int)p->free_cancel_hours, "cancel_fee_kind", bill_fee_kind_name(p->cancel_fee.kind),
                     "cancel_fee_amount", (json_int_t)p->cancel_fee.amount, "no_show_fee_kind",
                     bill_fee_kind_name(p->noshow_fee.kind), "no_show_fee_amount", (json_int_t)p->noshow_fee.amount,
                     "is_default", def);
}

void h_policy_get(api_ctx *c)
{
    struct bcalc_policy p;
    bool overrun, def;
    res_resource r;
    int rc = res_get(c->db, c->params[0], &r);
    if (rc) { hb_lookup_failed(c, rc, "resource"); return; }
    rc = bill_policy_get(c->db, r.id, &p, &overrun, &def);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, hb_policy_json(r.id, &p, overrun, def));
}

static const struct jv_field POLICY_FIELDS[] = {
    { "basis", JV_STRING, 1, 8, 0 }, { "charge_overrun", JV_BOOL, 0, 0, 0 },
    { "free_cancel_hours", JV_INT, 0, 8760, 0 }, { "cancel_fee_kind", JV_STRING, 0, 8, 0 },
    { "cancel_fee_amount", JV_INT, 0, 100000000, 0 }, { "no_show_fee_kind", JV_STRING, 0, 8, 0 },
    { "no_show_fee_amount", JV_INT, 0, 100000000, 0 }, JV_END };

void h_policy_put(api_ctx *c)
{
    res_resource r;
    int rc = res_get(c->db, c->params[0], &r);
    if (rc) { hb_lookup_failed(c, rc, "resource"); return; }
    json_t *b = api_body(c, POLICY_FIELDS);
    if (!b) return;
    struct bcalc_policy p = { .free_cancel_hours = (int32_t)jv_int(b, "free_cancel_hours", 24) };
    lp_fail f = { 0 };
    if (bill_basis_parse(jv_str(b, "basis", ""), &p.basis))
        rc = lp_failf(&f, LP_ERR_INVALID, "basis", "basis must be booked, actual or max");
    else if (bill_fee_kind_parse(jv_str(b, "cancel_fee_kind", "none"), &p.cancel_fee.kind) ||
             bill_fee_kind_parse(jv_str(b, "no_show_fee_kind", "none"), &p.noshow_fee.kind))
        rc = lp_failf(&f, LP_ERR_INVALID, "cancel_fee_kind", "fee kinds are none, fixed (cents) or percent "
                      "(basis points of the booked price)");
    p.cancel_fee.amount = jv_int(b, "cancel_fee_amount", 0);
    p.noshow_fee.amount = jv_int(b, "no_show_fee_amount", 0);
    bool overrun = jv_bool(b, "charge_overrun", 1);
    json_decref(b);
    if (rc == 0) rc = bill_policy_set(c->db, &c->actor, r.id, &p, overrun, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, hb_policy_json(r.id, &p, overrun, false));
}
