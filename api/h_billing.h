/* h_billing.h: what the billing handlers (h_billing.c, h_rates.c,
 * h_charges.c, h_invoices.c) share: problem answers, optional JSON values,
 * VAT in and out, the period parameter and the tenant a request may see.
 * Inside api/ only. */
#ifndef LP_H_BILLING_H
#define LP_H_BILLING_H
#include <stdint.h>
#include <jansson.h>
#include "api/handlers.h"
#include "billing/billing.h"

/* 404 "no such <what>". */
void hb_not_found(api_ctx *c, const char *what);
/* 400 validation problem naming field. */
void hb_bad(api_ctx *c, const char *detail, const char *field);
/* Answers a failed lookup: 404 "no such <what>" for LP_ERR_NOTFOUND, else
 * the error itself (503 busy, 500 database). */
void hb_lookup_failed(api_ctx *c, int rc, const char *what);
/* JSON null for 0 / "" (or NULL), else the value. */
json_t *hb_opt_int(int64_t v);
json_t *hb_opt_str(const char *s);
/* Sets vat_category and vat_rate_bp on j; returns j. */
json_t *hb_vat_json(json_t *j, struct bcalc_vat v);
/* VAT from the body's vat_category / vat_rate_bp (defaults from def). */
int hb_vat_from(json_t *b, struct bcalc_vat def, struct bcalc_vat *out, lp_fail *f);
/* The period query parameter ("YYYY-MM", default the current month);
 * -1 after answering 400. */
int hb_period_param(api_ctx *c, char out[BILL_PERIOD_LEN], int64_t *from, int64_t *to);
/* The tenant a request is about: staff name any (0 = all unless required);
 * others get their own, and naming another tenant is a 404. -1 after
 * answering. */
int hb_tenant_scope(api_ctx *c, int required, int64_t *tenant);
/* A rate plan version as JSON (schema RatePlan). */
json_t *hb_plan_json(const bill_plan *p);
/* Priced parts as JSON (schema ChargePart). */
json_t *hb_parts_json(const struct bcalc_part *parts, size_t n);
/* A resource's billing policy as JSON (schema BillingPolicy). */
json_t *hb_policy_json(int64_t resource_id, const struct bcalc_policy *p, bool overrun, bool is_default);

#endif
