/* h_charges.c: charges (list, CSV, staff adjustments), the running total
 * of a tenant's month, and recurring fees, over HTTP (shared helpers:
 * h_billing.h). Members see their own usage, tenant admins their tenant's,
 * staff everything. */
#include "api/h_billing.h"
#include "api/page.h"
#include "billing/ubl.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- charges ---- */

json_t *hb_parts_json(const struct bcalc_part *parts, size_t n)
{
    static const char *const KIND[] = { "hours", "peak", "offpeak", "minimum", "fee", "item" };
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        char qty[32];
        const struct bcalc_part *p = &parts[i];
        ubl_fmt_qty(p->qty_e6, qty);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:I}", "part", KIND[p->kind % 6],
                                             "unit", bcalc_unit_word(p->unit), "quantity", qty,
                                             "unit_cents", (json_int_t)p->unit_cents, "net_cents",
                                             (json_int_t)p->net_cents));
    }
    return out;
}

static json_t *json_charge(const bill_charge *ch)
{
    char period[BILL_PERIOD_LEN];
    json_t *parts = hb_parts_json(ch->parts, ch->nparts);
    bill_period_of(ch->at, period);
    json_t *j = json_pack("{s:I, s:I, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:I, s:o}",
        "id", (json_int_t)ch->id, "tenant_id", (json_int_t)ch->tenant_id, "person_id", hb_opt_int(ch->person_id),
        "reservation_id", hb_opt_int(ch->reservation_id), "resource_id", hb_opt_int(ch->resource_id), "kind",
        bill_charge_kind_name(ch->kind), "state", bill_charge_state_name(ch->state), "period", period,
        "at", api_time_json(ch->at), "start", api_time_json(ch->start),
        "end", api_time_json(ch->end), "description", ch->description, "reason", ch->reason,
        "net_cents", (json_int_t)ch->net_cents, "parts", parts);
    json_object_set_new(j, "invoice_id", hb_opt_int(ch->invoice_number[0] ? ch->invoice_id : 0));
    json_object_set_new(j, "invoice_number", hb_opt_str(ch->invoice_number));
    json_object_set_new(j, "project_id", hb_opt_int(ch->project_id));
    return hb_vat_json(j, ch->vat);
}

/* The filter a caller may use: members their own usage, admins their tenant. */
static int charge_filter(api_ctx *c, bill_charge_filter *q, char period[BILL_PERIOD_LEN])
{
    memset(q, 0, sizeof *q);
    if (hb_period_param(c, period, &q->from, &q->to) || hb_tenant_scope(c, 0, &q->tenant_id)) return -1;
    if (c->caller.role == ROLE_MEMBER) q->person_id = c->caller.person_id;
    return 0;
}

void h_charges_list(api_ctx *c)
{
    bill_charge_filter q;
    char period[BILL_PERIOD_LEN];
    api_page pg;
    if (charge_filter(c, &q, period) || api_page_read(c, 1000, 20000, 2, &pg)) return;
    int64_t total = 0, count = 0;
    int rc = bill_charge_total(c->db, &q, &total, &count);
    q.limit = (size_t)pg.limit + 1;
    q.after_at = pg.after[0];
    q.after_id = pg.after[1];
    bill_charge *arr = NULL;
    size_t n = 0;
    if (rc == 0) rc = bill_charge_list(c->db, &q, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(out, json_charge(&arr[i]));
    json_t *body = json_pack("{s:s, s:o, s:I, s:I}", "period", period, "charges", out, "net_cents", (json_int_t)total,
                             "count", (json_int_t)count);
    int64_t last[2] = { shown ? arr[shown - 1].at : 0, shown ? arr[shown - 1].id : 0 };
    api_page_finish(c, &pg, body, n > shown ? last : NULL);
    free(arr);
    api_reply_json(c, 200, body);
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
    int rc = hb_vat_from(b, (struct bcalc_vat){ BCALC_VAT_S, 2100 }, &ch.vat, &f);
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
    if (hb_period_param(c, period, &from, &to) || hb_tenant_scope(c, 1, &tenant)) return;
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
                          (json_int_t)r->tenant_id, "kind", bill_charge_kind_name(r->kind), "description", r->description,
                          "monthly_cents",
                          (json_int_t)r->monthly_cents, "from_month", r->from_month, "until_month",
                          hb_opt_str(r->until_month), "exempt_reason", r->exempt_reason);
    return hb_vat_json(j, r->vat);
}

void h_fees_list(api_ctx *c)
{
    int64_t tenant;
    if (hb_tenant_scope(c, 0, &tenant)) return;
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
    /* A kind that is no charge kind at all is refused by bill_recurring_create
     * as a wrong kind is (after the tenant check): usage is never recurring. */
    if (bill_charge_kind_parse(jv_str(b, "kind", ""), &r.kind) != 0) r.kind = BILL_CHARGE_USAGE;
    jv_copy(b, "description", r.description, sizeof r.description);
    jv_copy(b, "from_month", r.from_month, sizeof r.from_month);
    jv_copy(b, "until_month", r.until_month, sizeof r.until_month);
    jv_copy(b, "exempt_reason", r.exempt_reason, sizeof r.exempt_reason);
    int rc = hb_vat_from(b, (struct bcalc_vat){ BCALC_VAT_S, 2100 }, &r.vat, &f);
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
