/* h_services.c: what a facility sells besides instrument time, over HTTP:
 * the catalogue (staff keep it; everyone signed in reads the active items),
 * its price versions, the estimate of an item and quantity (billing's own
 * pricing, billing/cat.c), service requests (members ask, staff quote,
 * accept, start and complete, the requester accepts, declines or cancels)
 * and consumables used (staff log them for anyone, members for themselves
 * at the terminal; staff void what is not invoiced). Members see their own
 * requests and usage, tenant admins their company's, staff everything;
 * anything else is a 404. */
#include "api/h_services.h"
#include "api/h_billing.h"
#include "billing/cat.h"
#include "billing/srq.h"
#include "billing/ubl.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *qty_json(int64_t qty_e6)
{
    char q[32];
    ubl_fmt_qty(qty_e6, q);
    return json_string(q);
}

/* ---- the catalogue ---- */

static json_t *item_json(const cat_item *it)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)it->id,
                          "kind", cat_kind_name(it->kind), "code", it->code, "name", it->name,
                          "description", it->description, "unit", bcalc_unit_code(it->unit),
                          "unit_word", bcalc_unit_word(it->unit), "exempt_reason", it->exempt_reason,
                          "active", it->active);
    json_object_set_new(j, "resource_id", hb_opt_int(it->resource_id));
    json_object_set_new(j, "updated_at", api_time_json(it->updated_at));
    return hb_vat_json(j, it->vat);
}

/* GET /api/v1/catalogue[?all=true]: active items; staff may ask for all. */
void h_cat_list(api_ctx *c)
{
    static const char *const ALL[] = { "true", "false", NULL };
    const char *all;
    if (api_query_enum(c, "all", ALL, &all)) return;
    cat_item *arr = NULL;
    size_t n = 0;
    int rc = cat_item_list(c->db, !(all && !strcmp(all, "true") && api_is_staff(c)), &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, item_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "items", out));
}

/* The item of the path, visible to the caller (inactive ones to staff only);
 * -1 after answering 404. */
static int item_load(api_ctx *c, cat_item *it)
{
    int rc = cat_item_get(c->db, c->params[0], it);
    if (rc == 0 && !it->active && !api_is_staff(c)) rc = LP_ERR_NOTFOUND;
    if (rc) { hb_lookup_failed(c, rc, "catalogue item"); return -1; }
    return 0;
}

void h_cat_get(api_ctx *c)
{
    cat_item it;
    if (item_load(c, &it)) return;
    api_reply_json(c, 200, item_json(&it));
}

static const struct jv_field ITEM_NEW[] = {
    { "kind", JV_STRING, 1, 12, 0 }, { "code", JV_STRING, 1, CAT_CODE_MAX, 0 }, { "name", JV_STRING, 1, CAT_NAME_MAX, 0 },
    { "description", JV_STRING, 0, CAT_DESC_MAX, 0 }, { "unit", JV_STRING, 1, 3, 0 },
    { "resource_id", JV_INT, 0, INT32_MAX, 1 }, { "vat_category", JV_STRING, 0, 2, 0 },
    { "vat_rate_bp", JV_INT, 0, 10000, 0 }, { "exempt_reason", JV_STRING, 0, 200, 0 }, { "active", JV_BOOL, 0, 0, 0 },
    JV_END };

static const struct jv_field ITEM_PATCH[] = {
    { "name", JV_STRING, 0, CAT_NAME_MAX, 0 }, { "description", JV_STRING, 0, CAT_DESC_MAX, 0 },
    { "resource_id", JV_INT, 0, INT32_MAX, 0 }, { "vat_category", JV_STRING, 0, 2, 0 },
    { "vat_rate_bp", JV_INT, 0, 10000, 0 }, { "exempt_reason", JV_STRING, 0, 200, 0 }, { "active", JV_BOOL, 0, 0, 0 },
    JV_END };

/* Fields both forms share, from b into it. */
static int item_fields(json_t *b, cat_item *it, lp_fail *f)
{
    jv_copy(b, "name", it->name, sizeof it->name);
    jv_copy(b, "description", it->description, sizeof it->description);
    jv_copy(b, "exempt_reason", it->exempt_reason, sizeof it->exempt_reason);
    it->resource_id = jv_int(b, "resource_id", it->resource_id);
    it->active = jv_bool(b, "active", it->active);
    if (jv_has(b, "vat_category") || jv_has(b, "vat_rate_bp")) {
        if (!jv_has(b, "vat_category"))
            return lp_failf(f, LP_ERR_INVALID, "vat_category", "vat_category goes with vat_rate_bp");
        return hb_vat_from(b, it->vat, &it->vat, f);
    }
    return 0;
}

void h_cat_create(api_ctx *c)
{
    cat_item it;
    lp_fail f = { 0 };
    json_t *b = api_body(c, ITEM_NEW);
    if (!b) return;
    memset(&it, 0, sizeof it);
    it.active = true;
    it.vat = (struct bcalc_vat){ BCALC_VAT_S, 2100 };
    int rc = cat_kind_parse(jv_str(b, "kind", ""), &it.kind);
    if (rc) rc = lp_failf(&f, LP_ERR_INVALID, "kind", "kind is service or consumable");
    if (rc == 0 && bcalc_unit_parse(jv_str(b, "unit", ""), &it.unit) != 0)
        rc = lp_failf(&f, LP_ERR_INVALID, "unit", "unit is one of HUR C62 LTR MLT KGM GRM DAY MIN E48");
    jv_copy(b, "code", it.code, sizeof it.code);
    if (rc == 0) rc = item_fields(b, &it, &f);
    json_decref(b);
    if (rc == 0) rc = cat_item_create(c->db, &c->actor, &it, &f);
    if (rc == 0) rc = cat_item_get(c->db, it.id, &it);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, item_json(&it));
}

/* PATCH /api/v1/catalogue/{id}: resource_id 0 takes the resource off. */
void h_cat_update(api_ctx *c)
{
    cat_item it;
    lp_fail f = { 0 };
    if (item_load(c, &it)) return;
    json_t *b = api_body(c, ITEM_PATCH);
    if (!b) return;
    int rc = item_fields(b, &it, &f);
    json_decref(b);
    if (rc == 0) rc = cat_item_update(c->db, &c->actor, &it, &f);
    if (rc == 0) rc = cat_item_get(c->db, it.id, &it);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, item_json(&it));
}

static json_t *price_json(const cat_price *p)
{
    char day[LT_RFC3339_LEN];
    struct tm tm;
    lt_local(p->effective_from, &tm);
    snprintf(day, sizeof day, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:s}", "id", (json_int_t)p->id, "item_id", (json_int_t)p->item_id,
                          "effective_from", day, "unit_cents", (json_int_t)p->unit_cents, "created_by", p->created_by);
    json_object_set_new(j, "tier", hb_opt_str(p->tier));
    return j;
}

void h_cat_prices(api_ctx *c)
{
    cat_item it;
    if (item_load(c, &it)) return;
    cat_price *arr = NULL;
    size_t n = 0;
    int rc = cat_price_list(c->db, it.id, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, price_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "prices", out));
}

static const struct jv_field PRICE_NEW[] = {
    { "tier", JV_NULLABLE_STRING, 0, 15, 0 }, { "effective_from", JV_STRING, 1, 10, 0 },
    { "unit_cents", JV_INT, 1, CAT_MAX_UNIT_CENTS, 0 }, JV_END };

void h_cat_price_add(api_ctx *c)
{
    cat_item it;
    cat_price p;
    lp_fail f = { 0 };
    int64_t day_end;
    if (item_load(c, &it)) return;
    json_t *b = api_body(c, PRICE_NEW);
    if (!b) return;
    memset(&p, 0, sizeof p);
    p.item_id = it.id;
    json_t *tier = json_object_get(b, "tier");
    if (tier && json_is_string(tier)) snprintf(p.tier, sizeof p.tier, "%s", json_string_value(tier));
    p.unit_cents = jv_int(b, "unit_cents", 0);
    const char *day = jv_str(b, "effective_from", "");
    int rc = strlen(day) == 10 && lt_parse_day(day, &p.effective_from, &day_end) == 0 ? 0
             : lp_failf(&f, LP_ERR_INVALID, "effective_from", "effective_from is a date YYYY-MM-DD");
    json_decref(b);
    if (rc == 0) rc = cat_price_add(c->db, &c->actor, &p, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, price_json(&p));
}

/* A quantity given as text for an item's unit; -1 after answering 400. */
static int qty_param(api_ctx *c, const char *text, enum bcalc_unit unit, int64_t *qty_e6)
{
    if (cat_qty_parse(text, unit, qty_e6) == 0) return 0;
    api_problem(c, 400, "validation", "Invalid request",
                bcalc_unit_whole(unit) ? "quantity is a whole number from 1 to 100000"
                                       : "quantity is a number above 0 and at most 100000, with up to 3 decimals",
                "quantity");
    return -1;
}

/* GET /api/v1/catalogue/{id}/estimate?quantity=&tenant_id=&at= */
void h_cat_estimate(api_ctx *c)
{
    cat_item it;
    cat_estimate e;
    lp_fail f = { 0 };
    int64_t tenant, at = 0, qty;
    if (item_load(c, &it)) return;
    if (hb_tenant_scope(c, 1, &tenant) || api_query_time(c, "at", 0, &at)) return;
    if (tenant < 0) { api_problem(c, 403, "forbidden", "Forbidden", "estimates are for a company's members", NULL); return; }
    const char *q = api_query(c, "quantity");
    if (qty_param(c, q ? q : "", it.unit, &qty)) return;
    int rc = cat_estimate_get(c->db, it.id, tenant, qty, at ? at : clk_now(), &e, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = json_pack("{s:I, s:I, s:o, s:s, s:b, s:I, s:I, s:I, s:I}", "item_id", (json_int_t)it.id,
                          "tenant_id", (json_int_t)tenant, "quantity", qty_json(qty), "unit", bcalc_unit_code(it.unit),
                          "priced", e.priced, "unit_cents", (json_int_t)e.part.unit_cents,
                          "net_cents", (json_int_t)e.net_cents, "vat_cents", (json_int_t)e.vat_cents,
                          "gross_cents", (json_int_t)(e.net_cents + e.vat_cents));
    json_object_set_new(j, "price_id", hb_opt_int(e.priced ? e.price.id : 0));
    api_reply_json(c, 200, hb_vat_json(j, it.vat));
}

/* ---- service requests ---- */

static json_t *srq_json(const srq_request *r)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s}",
                          "id", (json_int_t)r->id, "tenant_id", (json_int_t)r->tenant_id, "tenant", r->tenant,
                          "person_id", (json_int_t)r->person_id, "person", r->person, "email", r->email,
                          "item_id", (json_int_t)r->item_id, "item", r->item, "item_code", r->item_code,
                          "unit", bcalc_unit_code(r->unit), "quantity", qty_json(r->qty_e6), "note", r->note,
                          "status", srq_state_name(r->state), "reason", r->reason);
    json_object_set_new(j, "project_id", hb_opt_int(r->project_id));
    json_object_set_new(j, "charge_id", hb_opt_int(r->charge_id));
    json_t *quote = json_null();
    if (r->quoted) {
        struct bcalc_part part = { 0 };
        int bad = cat_price_line(r->unit, r->quote_qty_e6, r->quote_unit_cents, &part);
        quote = json_pack("{s:o, s:I, s:I, s:s, s:s}", "quantity", qty_json(r->quote_qty_e6),
                          "unit_cents", (json_int_t)r->quote_unit_cents, "net_cents", (json_int_t)(bad ? 0 : part.net_cents),
                          "note", r->quote_note, "valid_until", r->quote_valid_until);
        json_object_set_new(quote, "quoted_at", api_time_json(r->quoted_at));
    }
    json_object_set_new(j, "quote", quote);
    json_object_set_new(j, "created_at", api_time_json(r->created_at));
    json_object_set_new(j, "updated_at", api_time_json(r->updated_at));
    json_object_set_new(j, "completed_at", api_time_json(r->completed_at));
    return j;
}

static const struct jv_field SRQ_NEW[] = {
    { "item_id", JV_INT, 1, INT32_MAX, 1 }, { "quantity", JV_STRING, 1, 12, 0 },
    { "project_id", JV_INT, 0, INT32_MAX, 1 }, { "note", JV_STRING, 0, SRQ_NOTE_MAX, 0 }, JV_END };

/* POST /api/v1/service-requests: the caller (a member of a company) asks. */
void h_srq_create(api_ctx *c)
{
    cat_item it;
    srq_request r;
    lp_fail f = { 0 };
    int64_t qty;
    if (!c->caller.person_id || !c->caller.tenant_id) {
        api_problem(c, 403, "forbidden", "Forbidden", "a member of a company requests a service", NULL);
        return;
    }
    json_t *b = api_body(c, SRQ_NEW);
    if (!b) return;
    int rc = cat_item_get(c->db, jv_int(b, "item_id", 0), &it);
    if (rc == 0 && (it.kind != CAT_SERVICE || !it.active)) rc = LP_ERR_NOTFOUND;
    if (rc) { json_decref(b); hb_lookup_failed(c, rc, "service"); return; }
    if (qty_param(c, jv_str(b, "quantity", ""), it.unit, &qty)) { json_decref(b); return; }
    rc = srq_create(c->db, &c->actor, c->caller.person_id, it.id, qty, jv_int(b, "project_id", 0),
                    jv_str(b, "note", ""), &r, &f);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, srq_json(&r));
}

/* GET /api/v1/service-requests?status=open|all */
void h_srq_list(api_ctx *c)
{
    static const char *const STATUS[] = { "open", "all", NULL };
    const char *status;
    if (api_query_enum(c, "status", STATUS, &status)) return;
    srq_filter q = { .open_only = status && !strcmp(status, "open") };
    if (c->caller.role == ROLE_TENANT_ADMIN) q.tenant_id = c->caller.tenant_id;
    else if (!api_is_staff(c)) q.person_id = c->caller.person_id;
    srq_request *arr = NULL;
    size_t n = 0;
    int rc = srq_list(c->db, &q, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, srq_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "requests", out));
}

/* The request of the path if the caller may see it; -1 after answering 404. */
static int srq_load(api_ctx *c, srq_request *r)
{
    int rc = srq_get(c->db, c->params[0], r);
    if (rc == 0 && !api_is_staff(c) && r->person_id != c->caller.person_id &&
        !(c->caller.role == ROLE_TENANT_ADMIN && c->caller.tenant_id == r->tenant_id))
        rc = LP_ERR_NOTFOUND;
    if (rc) { hb_lookup_failed(c, rc, "service request"); return -1; }
    return 0;
}

static void srq_answer(api_ctx *c, int64_t id, int rc, const lp_fail *f)
{
    srq_request r;
    if (rc == 0) rc = srq_get(c->db, id, &r);
    if (rc) { api_fail(c, rc, f); return; }
    api_reply_json(c, 200, srq_json(&r));
}

void h_srq_get(api_ctx *c)
{
    srq_request r;
    if (srq_load(c, &r)) return;
    api_reply_json(c, 200, srq_json(&r));
}

static const struct jv_field SRQ_QUOTE[] = {
    { "unit_cents", JV_INT, 1, CAT_MAX_UNIT_CENTS, 0 }, { "quantity", JV_STRING, 0, 12, 0 },
    { "note", JV_STRING, 0, SRQ_NOTE_MAX, 0 }, { "valid_until", JV_STRING, 1, 10, 0 }, JV_END };

void h_srq_quote(api_ctx *c)
{
    srq_request r;
    lp_fail f = { 0 };
    int64_t qty = 0;
    if (srq_load(c, &r)) return;
    json_t *b = api_body(c, SRQ_QUOTE);
    if (!b) return;
    if (jv_has(b, "quantity") && qty_param(c, jv_str(b, "quantity", ""), r.unit, &qty)) { json_decref(b); return; }
    int rc = srq_quote(c->db, &c->actor, r.id, qty, jv_int(b, "unit_cents", 0), jv_str(b, "note", ""),
                       jv_str(b, "valid_until", ""), &f);
    json_decref(b);
    srq_answer(c, r.id, rc, &f);
}

static const struct jv_field SRQ_REASON[] = { { "reason", JV_STRING, 0, 200, 0 }, JV_END };

/* The optional {reason} body of decline and cancel into buf; -1 after answering. */
static int reason_body(api_ctx *c, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!c->body_len) return 0;
    json_t *b = api_body(c, SRQ_REASON);
    if (!b) return -1;
    jv_copy(b, "reason", buf, cap);
    json_decref(b);
    return 0;
}

/* The requester (or their company's admin) acts on their own request. */
static int is_requester_side(const api_ctx *c, const srq_request *r)
{
    return r->person_id == c->caller.person_id ||
           (c->caller.role == ROLE_TENANT_ADMIN && c->caller.tenant_id == r->tenant_id);
}

void h_srq_accept(api_ctx *c)
{
    srq_request r;
    lp_fail f = { 0 };
    if (srq_load(c, &r)) return;
    bool staff = api_is_staff(c) && !is_requester_side(c, &r);
    srq_answer(c, r.id, srq_accept(c->db, &c->actor, r.id, staff, &f), &f);
}

void h_srq_decline(api_ctx *c)
{
    srq_request r;
    lp_fail f = { 0 };
    char reason[201];
    if (srq_load(c, &r) || reason_body(c, reason, sizeof reason)) return;
    bool staff = api_is_staff(c) && !is_requester_side(c, &r);
    srq_answer(c, r.id, srq_decline(c->db, &c->actor, r.id, staff, reason, &f), &f);
}

void h_srq_cancel(api_ctx *c)
{
    srq_request r;
    lp_fail f = { 0 };
    char reason[201];
    if (srq_load(c, &r) || reason_body(c, reason, sizeof reason)) return;
    if (!is_requester_side(c, &r)) {
        api_problem(c, 403, "forbidden", "Forbidden", "the requester cancels a request; staff decline it", NULL);
        return;
    }
    srq_answer(c, r.id, srq_cancel(c->db, &c->actor, r.id, reason, &f), &f);
}

void h_srq_start(api_ctx *c)
{
    srq_request r;
    lp_fail f = { 0 };
    if (srq_load(c, &r)) return;
    srq_answer(c, r.id, srq_start(c->db, &c->actor, r.id, &f), &f);
}

void h_srq_complete(api_ctx *c)
{
    srq_request r;
    lp_fail f = { 0 };
    if (srq_load(c, &r)) return;
    srq_answer(c, r.id, srq_complete(c->db, &c->actor, r.id, &f), &f);
}

/* ---- consumables ---- */

static json_t *use_json(const cat_use *u)
{
    json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:o, s:I, s:I, s:b, s:s}",
                          "id", (json_int_t)u->charge_id, "tenant_id", (json_int_t)u->tenant_id,
                          "person_id", (json_int_t)u->person_id, "person", u->person, "item_id", (json_int_t)u->item_id,
                          "item", u->item, "unit", u->unit, "quantity", qty_json(u->qty_e6),
                          "unit_cents", (json_int_t)u->unit_cents, "net_cents", (json_int_t)u->net_cents,
                          "invoiced", u->invoiced, "logged_by", u->created_by);
    json_object_set_new(j, "project_id", hb_opt_int(u->project_id));
    json_object_set_new(j, "at", api_time_json(u->at));
    return j;
}

/* GET /api/v1/consumable-usage?period=YYYY-MM[&tenant_id] */
void h_use_list(api_ctx *c)
{
    char period[BILL_PERIOD_LEN];
    int64_t from, to, tenant, person = 0;
    if (hb_period_param(c, period, &from, &to) || hb_tenant_scope(c, 0, &tenant)) return;
    if (!api_is_staff(c) && c->caller.role != ROLE_TENANT_ADMIN) person = c->caller.person_id;
    cat_use *arr = NULL;
    size_t n = 0;
    int rc = cat_use_list(c->db, tenant, person, from, to, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, use_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:s, s:o}", "period", period, "usage", out));
}

static const struct jv_field USE_NEW[] = {
    { "item_id", JV_INT, 1, INT32_MAX, 1 }, { "quantity", JV_STRING, 1, 12, 0 },
    { "project_id", JV_INT, 0, INT32_MAX, 1 }, { "person_id", JV_INT, 0, INT32_MAX, 1 }, { "at", JV_TIME, 0, 0, 0 },
    JV_END };

/* POST /api/v1/consumable-usage: staff for anyone (person_id, at); others
 * for themselves, now. */
void h_use_add(api_ctx *c)
{
    cat_item it;
    cat_use u;
    lp_fail f = { 0 };
    int64_t qty, at = 0;
    json_t *b = api_body(c, USE_NEW);
    if (!b) return;
    int64_t person = jv_int(b, "person_id", 0);
    if (!api_is_staff(c) && ((person && person != c->caller.person_id) || jv_has(b, "at"))) {
        const char *field = jv_has(b, "at") ? "at" : "person_id";
        api_problem(c, 403, "forbidden", "Forbidden", "members log their own usage, now; staff log it for others", field);
        json_decref(b);
        return;
    }
    if (!person) person = c->caller.person_id;
    if (jv_has(b, "at") && lt_parse_rfc3339(jv_str(b, "at", ""), &at) != 0) at = -1;   /* checked by jv already */
    int rc = cat_item_get(c->db, jv_int(b, "item_id", 0), &it);
    if (rc == 0 && (it.kind != CAT_CONSUMABLE || !it.active)) rc = LP_ERR_NOTFOUND;
    if (rc) { json_decref(b); hb_lookup_failed(c, rc, "consumable"); return; }
    if (qty_param(c, jv_str(b, "quantity", ""), it.unit, &qty)) { json_decref(b); return; }
    int64_t project = jv_int(b, "project_id", 0);
    json_decref(b);
    rc = cat_use_add(c->db, &c->actor, person, it.id, qty, project, at, &u, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, use_json(&u));
}

void h_use_void(api_ctx *c)
{
    lp_fail f = { 0 };
    int rc = cat_use_void(c->db, &c->actor, c->params[0], &f);
    if (rc == LP_ERR_NOTFOUND) { hb_not_found(c, "consumable usage"); return; }
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_empty(c, 204);
}
