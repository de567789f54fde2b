/* routes_billing.c: routes of the billing part: rate plans, billing
 * policies, charges, recurring fees, invoices and credit notes, payments.
 * The handlers live in h_rates.c, h_estimate.c, h_charges.c and h_invoices.c. */
#include "api/router.h"
#include "api/handlers.h"

const struct api_route billing_routes[] = {
    { "GET", "/api/v1/rate-plans", R_PERSON, h_plans_list, 0 },
    { "POST", "/api/v1/rate-plans", R_STAFF, h_plan_create, 0 },
    { "GET", "/api/v1/rate-plans/{id}", R_PERSON, h_plan_get, 0 },
    { "POST", "/api/v1/rate-plans/{id}/versions", R_STAFF, h_plan_version, 0 },
    { "GET", "/api/v1/resources/{id}/billing-policy", R_PERSON, h_policy_get, 0 },
    { "PUT", "/api/v1/resources/{id}/billing-policy", R_STAFF, h_policy_put, 0 },
    { "GET", "/api/v1/reports/usage", R_STAFF, h_report_usage, 0 },
    { "GET", "/api/v1/reports/usage.csv", R_STAFF, h_report_usage_csv, 0 },
    { "GET", "/api/v1/prices", R_PERSON, h_prices, 0 },
    { "GET", "/api/v1/resources/{id}/estimate", R_PERSON, h_estimate_new, 0 },
    { "GET", "/api/v1/reservations/{id}/estimate", R_PERSON, h_estimate_rsv, 0 },
    { "GET", "/api/v1/charges", R_PERSON, h_charges_list, 0 },
    { "POST", "/api/v1/charges", R_STAFF, h_charge_create, 0 },
    { "GET", "/api/v1/charges.csv", R_PERSON, h_charges_csv, 0 },
    { "GET", "/api/v1/billing/summary", R_ADMINS, h_billing_summary, 0 },
    { "GET", "/api/v1/recurring-fees", R_ADMINS, h_fees_list, 0 },
    { "POST", "/api/v1/recurring-fees", R_STAFF, h_fee_create, 0 },
    { "POST", "/api/v1/recurring-fees/{id}/end", R_STAFF, h_fee_end, 0 },
    { "POST", "/api/v1/invoices/run", R_STAFF, h_invoices_run, 0 },
    { "POST", "/api/v1/invoices/issue-all", R_STAFF, h_invoices_issue_all, 0 },
    { "GET", "/api/v1/invoices", R_ADMINS, h_invoices_list, 0 },
    { "GET", "/api/v1/invoices/{id}", R_ADMINS, h_invoice_get, 0 },
    { "DELETE", "/api/v1/invoices/{id}", R_STAFF, h_invoice_discard, 0 },
    { "POST", "/api/v1/invoices/{id}/issue", R_STAFF, h_invoice_issue, 0 },
    { "POST", "/api/v1/invoices/{id}/exclude", R_STAFF, h_invoice_exclude, 0 },
    { "POST", "/api/v1/invoices/{id}/refresh", R_STAFF, h_invoice_refresh, 0 },
    { "GET", "/api/v1/invoices/{id}/ubl", R_ADMINS, h_invoice_ubl, 0 },
    { "GET", "/api/v1/invoices/{id}/html", R_ADMINS, h_invoice_html, 0 },
    { "GET", "/api/v1/invoices/{id}/pdf", R_ADMINS, h_invoice_pdf, 0 },
    { "GET", "/api/v1/invoices/{id}/csv", R_ADMINS, h_invoice_csv, 0 },
    { "POST", "/api/v1/invoices/{id}/credit-note", R_STAFF, h_invoice_credit, 0 },
    { "POST", "/api/v1/invoices/{id}/payments", R_STAFF, h_invoice_payment, 0 },
};
const size_t billing_routes_len = sizeof billing_routes / sizeof billing_routes[0];
