/* h_billing.c: helpers shared by the billing handlers (see h_billing.h).
 * The handlers themselves: h_rates.c (rate plans and their versions, billing
 * policies), h_charges.c (charges, adjustments, the running total, recurring
 * fees) and h_invoices.c (invoice runs, invoices and credit notes, their
 * exports, payments). Who sees what: staff everything; tenant admins their
 * tenant's charges and issued documents; members only their own usage and
 * no documents. Another tenant's objects answer 404. Money is integer cents. */
#include "api/h_billing.h"
#include "core/clock.h"
#include <stdio.h>
#include <string.h>

void hb_not_found(api_ctx *c, const char *what)
{
    char d[80];
    snprintf(d, sizeof d, "no such %s", what);
    api_problem(c, 404, "not-found", "Not found", d, NULL);
}

void hb_bad(api_ctx *c, const char *detail, const char *field)
{
    api_problem(c, 400, "validation", "Invalid request", detail, field);
}

json_t *hb_opt_int(int64_t v) { return v ? json_integer(v) : json_null(); }
json_t *hb_opt_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

json_t *hb_vat_json(json_t *j, struct bcalc_vat v)
{
    json_object_set_new(j, "vat_category", json_string(bcalc_vat_code(v.cat)));
    json_object_set_new(j, "vat_rate_bp", json_integer(v.rate_bp));
    return j;
}

int hb_vat_from(json_t *b, struct bcalc_vat def, struct bcalc_vat *out, lp_fail *f)
{
    const char *cat = jv_str(b, "vat_category", bcalc_vat_code(def.cat));
    int64_t bp = jv_int(b, "vat_rate_bp", strcmp(cat, "S") == 0 ? (def.cat == BCALC_VAT_S ? def.rate_bp : 2100) : 0);
    if (strcmp(cat, "AE") == 0 || bill_vat_parse(cat, (int32_t)bp, out) != 0)
        return lp_failf(f, LP_ERR_INVALID, "vat_category", "vat_category must be S (with vat_rate_bp 1 to 10000), "
                        "Z or E (with vat_rate_bp 0)");
    return 0;
}

int hb_period_param(api_ctx *c, char out[BILL_PERIOD_LEN], int64_t *from, int64_t *to)
{
    const char *p = api_query(c, "period");
    if (!p || !*p) bill_period_of(clk_now(), out);
    else snprintf(out, BILL_PERIOD_LEN, "%.7s", p);
    if ((p && strlen(p) != 7) || bill_period_parse(out, from, to)) {
        hb_bad(c, "period must be a month like 2026-11", "period");
        return -1;
    }
    return 0;
}

int hb_tenant_scope(api_ctx *c, int required, int64_t *tenant)
{
    if (api_query_int(c, "tenant_id", 0, 1, INT32_MAX, tenant)) return -1;
    if (api_is_staff(c)) {
        if (required && !*tenant) { hb_bad(c, "tenant_id is required", "tenant_id"); return -1; }
        return 0;
    }
    if (*tenant && *tenant != c->caller.tenant_id) { hb_not_found(c, "tenant"); return -1; }
    *tenant = c->caller.tenant_id ? c->caller.tenant_id : -1;
    return 0;
}

void hb_lookup_failed(api_ctx *c, int rc, const char *what)
{
    if (rc == LP_ERR_NOTFOUND) hb_not_found(c, what);
    else api_fail(c, rc, NULL);
}
