/* h_billing.c: billing over HTTP: rate plans and their versions, billing
 * policies, charges (list, CSV, staff adjustments, the running total),
 * recurring fees, invoice runs, invoices and credit notes (JSON, UBL 2.1,
 * HTML), payments. Who sees what: staff everything; tenant admins their
 * tenant's charges and issued documents; members only their own usage and
 * no documents. Another tenant's objects answer 404. Money is integer cents. */
#include "api/handlers.h"
#include "billing/billing.h"
#include "booking/resource.h"
#include "billing/ubl.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void not_found(api_ctx *c, const char *what)
{
    char d[80];
    snprintf(d, sizeof d, "no such %s", what);
    api_problem(c, 404, "not-found", "Not found", d, NULL);
}

static void bad(api_ctx *c, const char *detail, const char *field)
{
    api_problem(c, 400, "validation", "Invalid request", detail, field);
}

static json_t *opt_int(int64_t v) { return v ? json_integer(v) : json_null(); }
static json_t *opt_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *vat_json(json_t *j, struct bcalc_vat v)
{
    json_object_set_new(j, "vat_category", json_string(bcalc_vat_code(v.cat)));
    json_object_set_new(j, "vat_rate_bp", json_integer(v.rate_bp));
    return j;
}

/* VAT from the body's vat_category / vat_rate_bp (defaults S and 2100). */
static int vat_from(json_t *b, struct bcalc_vat def, struct bcalc_vat *out, lp_fail *f)
{
    const char *cat = jv_str(b, "vat_category", bcalc_vat_code(def.cat));
    int64_t bp = jv_int(b, "vat_rate_bp", strcmp(cat, "S") == 0 ? (def.cat == BCALC_VAT_S ? def.rate_bp : 2100) : 0);
    if (strcmp(cat, "AE") == 0 || bill_vat_parse(cat, (int32_t)bp, out) != 0)
        return lp_failf(f, LP_ERR_INVALID, "vat_category", "vat_category must be S (with vat_rate_bp 1 to 10000), "
                        "Z or E (with vat_rate_bp 0)");
    return 0;
}

/* The period query parameter ("YYYY-MM", default the current month). */
static int period_param(api_ctx *c, char out[BILL_PERIOD_LEN], int64_t *from, int64_t *to)
{
    const char *p = api_query(c, "period");
    if (!p || !*p) bill_period_of(clk_now(), out);
    else snprintf(out, BILL_PERIOD_LEN, "%.7s", p);
    if ((p && strlen(p) != 7) || bill_period_parse(out, from, to)) {
        bad(c, "period must be a month like 2026-11", "period");
        return -1;
    }
    return 0;
}

/* The tenant a request is about: staff name any (0 = all unless required);
 * others get their own, and naming another tenant is a 404. */
static int tenant_scope(api_ctx *c, int required, int64_t *tenant)
{
    if (api_query_int(c, "tenant_id", 0, 1, INT32_MAX, tenant)) return -1;
    if (api_is_staff(c)) {
        if (required && !*tenant) { bad(c, "tenant_id is required", "tenant_id"); return -1; }
        return 0;
    }
    if (*tenant && *tenant != c->caller.tenant_id) { not_found(c, "tenant"); return -1; }
    *tenant = c->caller.tenant_id ? c->caller.tenant_id : -1;
    return 0;
}

/* ---- rate plans ---- */

static json_t *json_plan(const bill_plan *p)
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
        "id", (json_int_t)p->id, "name", p->name, "resource_id", opt_int(p->resource_id),
        "resource_kind", opt_str(p->resource_kind), "tier", opt_str(p->tier), "effective_from", day,
        "peak_cents_per_hour", (json_int_t)p->rate.peak_cents_per_hour,
        "offpeak_cents_per_hour", (json_int_t)p->rate.offpeak_cents_per_hour, "peak_windows", w,
        "round_minutes", (int)p->rate.round_minutes, "min_charge_cents", (json_int_t)p->rate.min_charge_cents,
        "exempt_reason", p->exempt_reason, "reverse_charge", p->reverse_charge, "previous_id", opt_int(p->previous_id),
        "created_at", api_time_json(p->created_at));
    return vat_json(j, p->vat);
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
    if (rc == 0 && (jv_has(b, "vat_category") || jv_has(b, "vat_rate_bp"))) rc = vat_from(b, p->vat, &p->vat, f);
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
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_plan(&arr[i]));
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
    api_reply_json(c, 201, json_plan(&p));
}

void h_plan_get(api_ctx *c)
{
    bill_plan p;
    if (bill_plan_get(c->db, c->params[0], &p) != 0) { not_found(c, "rate plan"); return; }
    api_reply_json(c, 200, json_plan(&p));
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
    if (bill_plan_get(c->db, c->params[0], &p) != 0) { not_found(c, "rate plan"); return; }
    json_t *b = api_body(c, VERSION_FIELDS);
    if (!b) return;
    lp_fail f = { 0 };
    int rc = plan_from(b, &p, &f);
    json_decref(b);
    p.previous_id = p.id;
    p.id = 0;
    if (rc == 0) rc = bill_plan_create(c->db, &c->actor, &p, &f);
    if (rc == 0) rc = bill_plan_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_plan(&p));
}

/* ---- billing policy ---- */

static json_t *json_policy(int64_t res, const struct bcalc_policy *p, bool overrun, bool def)
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
    if (res_get(c->db, c->params[0], &r) != 0) { not_found(c, "resource"); return; }
    int rc = bill_policy_get(c->db, r.id, &p, &overrun, &def);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_policy(r.id, &p, overrun, def));
}

static const struct jv_field POLICY_FIELDS[] = {
    { "basis", JV_STRING, 1, 8, 0 }, { "charge_overrun", JV_BOOL, 0, 0, 0 },
    { "free_cancel_hours", JV_INT, 0, 8760, 0 }, { "cancel_fee_kind", JV_STRING, 0, 8, 0 },
    { "cancel_fee_amount", JV_INT, 0, 100000000, 0 }, { "no_show_fee_kind", JV_STRING, 0, 8, 0 },
    { "no_show_fee_amount", JV_INT, 0, 100000000, 0 }, JV_END };

void h_policy_put(api_ctx *c)
{
    res_resource r;
    if (res_get(c->db, c->params[0], &r) != 0) { not_found(c, "resource"); return; }
    json_t *b = api_body(c, POLICY_FIELDS);
    if (!b) return;
    struct bcalc_policy p = { .free_cancel_hours = (int32_t)jv_int(b, "free_cancel_hours", 24) };
    lp_fail f = { 0 };
    int rc = 0;
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
    api_reply_json(c, 200, json_policy(r.id, &p, overrun, false));
}

/* ---- charges ---- */

static json_t *json_charge(const bill_charge *ch)
{
    char period[BILL_PERIOD_LEN];
    json_t *parts = json_array();
    for (size_t i = 0; i < ch->nparts; i++) {
        char qty[32];
        const struct bcalc_part *p = &ch->parts[i];
        ubl_fmt_qty(p->qty_e6, qty);
        static const char *const KIND[] = { "hours", "peak", "offpeak", "minimum", "fee" };
        json_array_append_new(parts, json_pack("{s:s, s:s, s:s, s:I, s:I}", "part", KIND[p->kind % 5],
                                               "unit", p->hours ? "hour" : "piece", "quantity", qty,
                                               "unit_cents", (json_int_t)p->unit_cents, "net_cents",
                                               (json_int_t)p->net_cents));
    }
    bill_period_of(ch->at, period);
    json_t *j = json_pack("{s:I, s:I, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:I, s:o}",
        "id", (json_int_t)ch->id, "tenant_id", (json_int_t)ch->tenant_id, "person_id", opt_int(ch->person_id),
        "reservation_id", opt_int(ch->reservation_id), "resource_id", opt_int(ch->resource_id), "kind", ch->kind,
        "state", ch->state, "period", period, "at", api_time_json(ch->at), "start", api_time_json(ch->start),
        "end", api_time_json(ch->end), "description", ch->description, "reason", ch->reason,
        "net_cents", (json_int_t)ch->net_cents, "parts", parts);
    json_object_set_new(j, "invoice_id", opt_int(ch->invoice_number[0] ? ch->invoice_id : 0));
    json_object_set_new(j, "invoice_number", opt_str(ch->invoice_number));
    return vat_json(j, ch->vat);
}

/* The filter a caller may use: members their own usage, admins their tenant. */
static int charge_filter(api_ctx *c, bill_charge_filter *q, char period[BILL_PERIOD_LEN])
{
    memset(q, 0, sizeof *q);
    if (period_param(c, period, &q->from, &q->to) || tenant_scope(c, 0, &q->tenant_id)) return -1;
    if (c->caller.role == ROLE_MEMBER) q->person_id = c->caller.person_id;
    return 0;
}

void h_charges_list(api_ctx *c)
{
    bill_charge_filter q;
    char period[BILL_PERIOD_LEN];
    if (charge_filter(c, &q, period)) return;
    bill_charge *arr = NULL;
    size_t n = 0;
    int rc = bill_charge_list(c->db, &q, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(out, json_charge(&arr[i]));
        total += arr[i].net_cents;
    }
    free(arr);
    api_reply_json(c, 200, json_pack("{s:s, s:o, s:I}", "period", period, "charges", out, "net_cents", (json_int_t)total));
}

void h_charges_csv(api_ctx *c)
{
    bill_charge_filter q;
    char period[BILL_PERIOD_LEN], disp[80];
    if (charge_filter(c, &q, period)) return;
    char *csv = NULL;
    size_t len = 0;
    int rc = bill_charges_csv(c->db, &q, &csv, &len);
    if (rc) { api_fail(c, rc, NULL); return; }
    snprintf(disp, sizeof disp, "attachment; filename=\"charges-%s.csv\"", period);
    api_add_header(c, "Content-Disposition", disp);
    api_reply_raw(c, 200, "text/csv; charset=utf-8; header=present", csv, len);
}

static const struct jv_field ADJUST_FIELDS[] = {
    { "tenant_id", JV_INT, 1, INT32_MAX, 1 }, { "amount_cents", JV_INT, 1, 1000000000, -1000000000 },
    { "description", JV_STRING, 1, 200, 0 }, { "reason", JV_STRING, 1, 200, 0 }, { "date", JV_STRING, 0, 10, 0 },
    { "person_id", JV_INT, 0, INT32_MAX, 1 }, { "vat_category", JV_STRING, 0, 2, 0 },
    { "vat_rate_bp", JV_INT, 0, 10000, 0 }, { "exempt_reason", JV_STRING, 0, 200, 0 }, JV_END };

void h_charge_create(api_ctx *c)
{
    json_t *b = api_body(c, ADJUST_FIELDS);
    if (!b) return;
    bill_charge ch = { .tenant_id = jv_int(b, "tenant_id", 0), .net_cents = jv_int(b, "amount_cents", 0),
                       .person_id = jv_int(b, "person_id", 0) };
    lp_fail f = { 0 };
    int64_t from, to;
    jv_copy(b, "description", ch.description, sizeof ch.description);
    jv_copy(b, "reason", ch.reason, sizeof ch.reason);
    jv_copy(b, "exempt_reason", ch.exempt_reason, sizeof ch.exempt_reason);
    int rc = vat_from(b, (struct bcalc_vat){ BCALC_VAT_S, 2100 }, &ch.vat, &f);
    if (rc == 0 && jv_has(b, "date")) {
        if (lt_parse_day(jv_str(b, "date", ""), &from, &to) != 0)
            rc = lp_failf(&f, LP_ERR_INVALID, "date", "date must be YYYY-MM-DD");
        ch.at = from + (to - from) / 2;   /* midday: safely inside the site-local day */
    }
    json_decref(b);
    if (rc == 0) rc = bill_adjust(c->db, &c->actor, &ch, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_charge(&ch));
}

void h_billing_summary(api_ctx *c)
{
    char period[BILL_PERIOD_LEN];
    int64_t from, to, tenant;
    bill_summary s;
    if (period_param(c, period, &from, &to) || tenant_scope(c, 1, &tenant)) return;
    int rc = bill_summary_get(c->db, tenant, period, &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tenant_id",
        (json_int_t)tenant, "period", period, "charges", (json_int_t)s.ncharges, "final_cents",
        (json_int_t)s.final_cents, "pending_cents", (json_int_t)s.pending_cents, "recurring_cents",
        (json_int_t)s.recurring_cents, "invoiced_cents", (json_int_t)s.invoiced_cents, "net_cents",
        (json_int_t)s.net_cents, "tax_cents", (json_int_t)s.tax_cents, "gross_cents", (json_int_t)s.gross_cents));
}

/* ---- recurring fees ---- */

static json_t *json_fee(const bill_recurring *r)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:o, s:s}", "id", (json_int_t)r->id, "tenant_id",
                          (json_int_t)r->tenant_id, "kind", r->kind, "description", r->description, "monthly_cents",
                          (json_int_t)r->monthly_cents, "from_month", r->from_month, "until_month",
                          opt_str(r->until_month), "exempt_reason", r->exempt_reason);
    return vat_json(j, r->vat);
}

void h_fees_list(api_ctx *c)
{
    int64_t tenant;
    if (tenant_scope(c, 0, &tenant)) return;
    bill_recurring *arr = NULL;
    size_t n = 0;
    int rc = bill_recurring_list(c->db, tenant, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_fee(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "recurring_fees", out));
}

static const struct jv_field FEE_FIELDS[] = {
    { "tenant_id", JV_INT, 1, INT32_MAX, 1 }, { "kind", JV_STRING, 1, 15, 0 }, { "description", JV_STRING, 1, 200, 0 },
    { "monthly_cents", JV_INT, 1, 100000000, 1 }, { "from_month", JV_STRING, 1, 7, 0 },
    { "until_month", JV_STRING, 0, 7, 0 }, { "vat_category", JV_STRING, 0, 2, 0 }, { "vat_rate_bp", JV_INT, 0, 10000, 0 },
    { "exempt_reason", JV_STRING, 0, 200, 0 }, JV_END };

void h_fee_create(api_ctx *c)
{
    json_t *b = api_body(c, FEE_FIELDS);
    if (!b) return;
    bill_recurring r = { .tenant_id = jv_int(b, "tenant_id", 0), .monthly_cents = jv_int(b, "monthly_cents", 0) };
    lp_fail f = { 0 };
    jv_copy(b, "kind", r.kind, sizeof r.kind);
    jv_copy(b, "description", r.description, sizeof r.description);
    jv_copy(b, "from_month", r.from_month, sizeof r.from_month);
    jv_copy(b, "until_month", r.until_month, sizeof r.until_month);
    jv_copy(b, "exempt_reason", r.exempt_reason, sizeof r.exempt_reason);
    int rc = vat_from(b, (struct bcalc_vat){ BCALC_VAT_S, 2100 }, &r.vat, &f);
    json_decref(b);
    if (rc == 0) rc = bill_recurring_create(c->db, &c->actor, &r, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_fee(&r));
}

static const struct jv_field FEE_END[] = { { "until_month", JV_STRING, 1, 7, 0 }, JV_END };

void h_fee_end(api_ctx *c)
{
    json_t *b = api_body(c, FEE_END);
    if (!b) return;
    lp_fail f = { 0 };
    bill_recurring r;
    int rc = bill_recurring_end(c->db, &c->actor, c->params[0], jv_str(b, "until_month", ""), &f);
    json_decref(b);
    if (rc == 0) rc = bill_recurring_get(c->db, c->params[0], &r);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_fee(&r));
}

/* ---- invoices ---- */

static json_t *json_invoice(const bill_invoice *v)
{
    json_t *j = json_pack("{s:I, s:s, s:o, s:s, s:s, s:b, s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s}",
        "id", (json_int_t)v->id, "kind", v->kind, "number", opt_str(v->number), "status", v->status,
        "payment_status", v->payment_status, "overdue", v->overdue, "tenant_id", (json_int_t)v->tenant_id,
        "buyer_name", v->buyer_name, "period", v->period, "issue_date", opt_str(v->issue_date),
        "due_date", opt_str(v->due_date), "period_start", v->period_start, "period_end", v->period_end,
        "language", v->language);
    json_object_set_new(j, "corrects_id", opt_int(v->corrects_id));
    json_object_set_new(j, "corrects_number", opt_str(v->corrects_number));
    json_object_set_new(j, "note", opt_str(v->note));
    int64_t cents[] = { v->line_ext_cents, v->tax_cents, v->payable_cents, v->paid_cents, v->credited_cents,
                        v->balance_cents };
    const char *names[] = { "line_extension_cents", "tax_cents", "payable_cents", "paid_cents", "credited_cents",
                            "balance_cents" };
    for (int i = 0; i < 6; i++) json_object_set_new(j, names[i], json_integer(cents[i]));
    json_object_set_new(j, "issued_at", api_time_json(v->issued_at));
    return j;
}

/* Loads an invoice the caller may see: staff any, tenant admins their
 * tenant's issued documents. Else 404. */
static int load_invoice(api_ctx *c, bill_invoice *v)
{
    if (bill_invoice_get(c->db, c->params[0], v) != 0 || !api_sees_tenant(c, v->tenant_id) ||
        (!api_is_staff(c) && strcmp(v->status, "issued"))) {
        not_found(c, "invoice");
        return 0;
    }
    return 1;
}

static json_t *json_lines(const bill_line *l, size_t n, struct bcalc_totals *t)
{
    json_t *out = json_array();
    bcalc_totals_init(t);
    for (size_t i = 0; i < n; i++) {
        char qty[32];
        ubl_fmt_qty(l[i].qty_e6, qty);
        json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "line", l[i].pos, "name", l[i].name,
                              "description", l[i].description, "period_start", l[i].period_start, "period_end",
                              l[i].period_end, "quantity", qty, "unit", l[i].hours ? "hour" : "piece",
                              "price_cents", (json_int_t)l[i].price_cents, "net_cents", (json_int_t)l[i].net_cents);
        json_object_set_new(j, "charge_id", opt_int(l[i].charge_id));
        json_object_set_new(j, "corrects_line", opt_int(l[i].corrects_pos));
        json_array_append_new(out, vat_json(j, l[i].vat));
        if (bcalc_totals_add(t, l[i].net_cents, l[i].vat) != 0) break;   /* stored lines always fit */
    }
    bcalc_totals_finish(t);
    return out;
}

static json_t *json_invoice_full(api_ctx *c, const bill_invoice *v)
{
    bill_line *lines = NULL;
    bill_payment *pays = NULL;
    bill_invoice *cns = NULL;
    size_t nl = 0, np = 0, nc = 0;
    struct bcalc_totals t;
    bill_invoice_filter q = { .corrects_id = v->id, .issued_only = true };
    if (bill_invoice_lines(c->db, v->id, &lines, &nl) || bill_payments(c->db, v->id, &pays, &np) ||
        bill_invoice_list(c->db, &q, &cns, &nc)) {
        free(lines); free(pays);
        return NULL;
    }
    json_t *j = json_invoice(v), *vat = json_array(), *pj = json_array(), *cj = json_array();
    json_object_set_new(j, "lines", json_lines(lines, nl, &t));
    for (size_t i = 0; i < t.ngroups; i++)
        json_array_append_new(vat, vat_json(json_pack("{s:I, s:I}", "taxable_cents", (json_int_t)t.groups[i].taxable_cents,
                                                      "tax_cents", (json_int_t)t.groups[i].tax_cents), t.groups[i].vat));
    for (size_t i = 0; i < np; i++)
        json_array_append_new(pj, json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)pays[i].id, "amount_cents",
                                            (json_int_t)pays[i].amount_cents, "paid_on", pays[i].paid_on,
                                            "reference", pays[i].reference));
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(cj, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)cns[i].id, "number", cns[i].number,
                                            "payable_cents", (json_int_t)cns[i].payable_cents));
    json_object_set_new(j, "vat_breakdown", vat);
    json_object_set_new(j, "payments", pj);
    json_object_set_new(j, "credit_notes", cj);
    free(lines); free(pays); free(cns);
    return j;
}

static void reply_invoice(api_ctx *c, int status, int64_t id)
{
    bill_invoice v;
    int rc = bill_invoice_get(c->db, id, &v);
    json_t *j = rc ? NULL : json_invoice_full(c, &v);
    if (!j) { api_fail(c, rc ? rc : LP_ERR_DB, NULL); return; }
    api_reply_json(c, status, j);
}

static const struct jv_field RUN_FIELDS[] = {
    { "period", JV_STRING, 1, 7, 0 }, { "draft", JV_BOOL, 0, 0, 0 }, { "tenant_id", JV_INT, 0, INT32_MAX, 1 }, JV_END };

void h_invoices_run(api_ctx *c)
{
    json_t *b = api_body(c, RUN_FIELDS);
    if (!b) return;
    char period[BILL_PERIOD_LEN];
    snprintf(period, sizeof period, "%s", jv_str(b, "period", ""));
    bill_run_opts o = { .draft = jv_bool(b, "draft", 0), .tenant_id = jv_int(b, "tenant_id", 0) };
    json_decref(b);
    bill_run_result res;
    lp_fail f = { 0 };
    int rc = bill_run(c->db, &c->actor, period, &o, &res, &f);
    if (rc) { bill_run_result_free(&res); api_fail(c, rc, &f); return; }
    json_t *created = json_array(), *skipped = json_array();
    for (size_t i = 0; i < res.ncreated; i++) {
        bill_invoice v;
        if (bill_invoice_get(c->db, res.created[i], &v) == 0) json_array_append_new(created, json_invoice(&v));
    }
    for (size_t i = 0; i < res.nskipped; i++)
        json_array_append_new(skipped, json_pack("{s:I, s:s}", "tenant_id", (json_int_t)res.skipped[i].tenant_id,
                                                 "reason", res.skipped[i].reason));
    json_t *j = json_pack("{s:s, s:o, s:I, s:o}", "period", res.period, "created", created, "existing",
                          (json_int_t)res.nexisting, "skipped", skipped);
    bill_run_result_free(&res);
    api_reply_json(c, 200, j);
}

void h_invoices_list(api_ctx *c)
{
    static const char *const KINDS[] = { "invoice", "credit_note", NULL };
    static const char *const STATUSES[] = { "draft", "open", "partly_paid", "paid", "credited", "overdue", NULL };
    const char *period = api_query(c, "period"), *kind, *status;
    int64_t a, z, tenant;
    if (tenant_scope(c, 0, &tenant)) return;
    if (period && bill_period_parse(period, &a, &z)) { bad(c, "period must be a month like 2026-11", "period"); return; }
    if (api_query_enum(c, "kind", KINDS, &kind) || api_query_enum(c, "status", STATUSES, &status)) return;
    bill_invoice_filter q = { .tenant_id = tenant, .period = period, .kind = kind, .status = status,
                              .issued_only = !api_is_staff(c) };
    bill_invoice *arr = NULL;
    size_t n = 0;
    int rc = bill_invoice_list(c->db, &q, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_invoice(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "invoices", out));
}

void h_invoice_get(api_ctx *c)
{
    bill_invoice v;
    if (load_invoice(c, &v)) reply_invoice(c, 200, v.id);
}

void h_invoice_issue(api_ctx *c)
{
    bill_invoice v;
    lp_fail f = { 0 };
    if (!load_invoice(c, &v)) return;
    int rc = bill_issue(c->db, &c->actor, v.id, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 200, v.id);
}

void h_invoice_discard(api_ctx *c)
{
    bill_invoice v;
    lp_fail f = { 0 };
    if (!load_invoice(c, &v)) return;
    int rc = bill_discard(c->db, &c->actor, v.id, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_empty(c, 204);
}

void h_invoice_ubl(api_ctx *c)
{
    bill_invoice v;
    char *xml = NULL, disp[80];
    size_t len = 0;
    if (!load_invoice(c, &v)) return;
    int rc = bill_export_ubl(c->db, v.id, &xml, &len);
    if (rc == LP_ERR_STATE) { api_problem(c, 409, "state", "Not issued", "a draft has no UBL document yet", NULL); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.xml\"", v.number);
    api_add_header(c, "Content-Disposition", disp);
    api_reply_raw(c, 200, "application/xml", xml, len);
}

/* A CSP for the page: nothing loads, its one <style> block is allowed by hash. */
static void page_csp(api_ctx *c, const char *html)
{
    const char *a = strstr(html, "<style>"), *z = a ? strstr(a, "</style>") : NULL;
    unsigned char h[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)], csp[200];
    if (!z) return;
    a += strlen("<style>");
    crypto_hash_sha256(h, (const unsigned char *)a, (unsigned long long)(z - a));
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    snprintf(csp, sizeof csp, "default-src 'none'; style-src 'sha256-%s'; frame-ancestors 'none'; base-uri 'none'; "
             "form-action 'none'", b64);
    api_add_header(c, "Content-Security-Policy", csp);
}

void h_invoice_html(api_ctx *c)
{
    bill_invoice v;
    static const char *const LANGS[] = { "nl", "en", NULL };
    const char *lang;
    char *html = NULL;
    size_t len = 0;
    if (!load_invoice(c, &v) || api_query_enum(c, "lang", LANGS, &lang)) return;
    int rc = bill_export_html(c->db, v.id, lang, &html, &len);
    if (rc) { api_fail(c, rc, NULL); return; }
    page_csp(c, html);
    api_reply_raw(c, 200, "text/html; charset=utf-8", html, len);
}

static const struct jv_field CREDIT_FIELDS[] = {
    { "reason", JV_STRING, 1, 200, 0 }, { "lines", JV_ARRAY, 0, 1000, 0 }, JV_END };
static const struct jv_field CREDIT_LINE[] = {
    { "line", JV_INT, 1, 10000, 1 }, { "amount_cents", JV_INT, 0, 1000000000, 1 }, JV_END };

void h_invoice_credit(api_ctx *c)
{
    bill_invoice v;
    if (!load_invoice(c, &v)) return;
    json_t *b = api_body(c, CREDIT_FIELDS), *arr, *e;
    if (!b) return;
    arr = json_object_get(b, "lines");
    size_t n = arr ? json_array_size(arr) : 0, i;
    bill_credit_sel *sel = calloc(n ? n : 1, sizeof *sel);
    lp_fail f = { 0 };
    char err[200], field[64];
    int rc = sel ? 0 : LP_ERR_NOMEM;
    json_array_foreach(arr, i, e) {
        if (rc) break;
        if (jv_check(e, CREDIT_LINE, err, sizeof err, field, sizeof field) != 0)
            rc = lp_failf(&f, LP_ERR_INVALID, "lines", "lines[%zu]: %s", i, err);
        sel[i] = (bill_credit_sel){ (int)jv_int(e, "line", 0), jv_int(e, "amount_cents", 0) };
    }
    int64_t cn = 0;
    if (rc == 0) rc = bill_credit_note(c->db, &c->actor, v.id, jv_str(b, "reason", ""), sel, n, &cn, &f);
    json_decref(b);
    free(sel);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 201, cn);
}

static const struct jv_field PAY_FIELDS[] = {
    { "amount_cents", JV_INT, 1, 100000000000LL, 1 }, { "paid_on", JV_STRING, 0, 10, 0 },
    { "reference", JV_STRING, 0, 200, 0 }, JV_END };

void h_invoice_payment(api_ctx *c)
{
    bill_invoice v;
    if (!load_invoice(c, &v)) return;
    json_t *b = api_body(c, PAY_FIELDS);
    if (!b) return;
    bill_payment p = { .invoice_id = v.id, .amount_cents = jv_int(b, "amount_cents", 0) };
    jv_copy(b, "paid_on", p.paid_on, sizeof p.paid_on);
    jv_copy(b, "reference", p.reference, sizeof p.reference);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = bill_payment_add(c->db, &c->actor, &p, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 201, v.id);
}
