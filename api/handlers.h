/* handlers.h: every route handler, grouped by file (inside api/ only). */
#ifndef LP_HANDLERS_H
#define LP_HANDLERS_H
#include "api/ctx.h"
#include "booking/qual.h"
#include "booking/person.h"

/* h_auth.c */
void h_login(api_ctx *c);
void h_logout(api_ctx *c);
void h_me(api_ctx *c);
void h_me_password(api_ctx *c);
void h_setup_password(api_ctx *c);
void h_sessions_list(api_ctx *c);
void h_session_revoke(api_ctx *c);
void h_apikeys_list(api_ctx *c);
void h_apikey_create(api_ctx *c);
void h_apikey_revoke(api_ctx *c);

/* h_tenants.c */
void h_tenants_list(api_ctx *c);
void h_tenant_create(api_ctx *c);
void h_tenant_get(api_ctx *c);
void h_tenant_update(api_ctx *c);
void h_tenant_holdings(api_ctx *c);
void h_tenant_suspend(api_ctx *c);
void h_tenant_offboard(api_ctx *c);
void h_tenant_activate(api_ctx *c);
void h_members_list(api_ctx *c);
void h_member_add(api_ctx *c);
void h_member_update(api_ctx *c);
void h_member_remove(api_ctx *c);

/* h_people.c */
void h_people_list(api_ctx *c);
void h_person_create(api_ctx *c);
void h_person_get(api_ctx *c);
void h_person_update(api_ctx *c);

/* h_system.c */
void h_healthz(api_ctx *c);
void h_metrics(api_ctx *c);
void h_openapi(api_ctx *c);
void h_audit_list(api_ctx *c);
void h_site_get(api_ctx *c);
void h_site_update(api_ctx *c);

/* h_resources.c */
void h_resources_list(api_ctx *c);
void h_resource_create(api_ctx *c);
void h_resource_get(api_ctx *c);
void h_resource_update(api_ctx *c);
void h_resource_availability(api_ctx *c);
void h_availability(api_ctx *c);
void h_closures_list(api_ctx *c);
void h_closure_create(api_ctx *c);
void h_closure_delete(api_ctx *c);
void h_quals_list(api_ctx *c);
void h_qual_create(api_ctx *c);
void h_qual_grant(api_ctx *c);

/* h_resops.c */
void h_downtime_preview(api_ctx *c);
void h_downtime_create(api_ctx *c);
void h_downtimes_list(api_ctx *c);
void h_downtime_get(api_ctx *c);
void h_downtime_update(api_ctx *c);
void h_incident_report(api_ctx *c);
void h_incidents_list(api_ctx *c);
void h_incident_get(api_ctx *c);
void h_incident_ack(api_ctx *c);
void h_incident_resolve(api_ctx *c);
void h_resource_log(api_ctx *c);
void h_resource_log_add(api_ctx *c);

/* h_training.c */
void h_qual_update(api_ctx *c);
void h_training_request(api_ctx *c);
void h_training_requests(api_ctx *c);
void h_training_request_close(api_ctx *c);
void h_training_matrix(api_ctx *c);
void h_training_matrix_csv(api_ctx *c);
/* A qualification as JSON (schema Qualification). */
json_t *ht_qual_json(const qual_def *q);
/* instructor and next_session of a body into q; -1 after answering 400. */
int ht_qual_extra(api_ctx *c, json_t *b, qual_def *q);
/* {"missing": [...]} for a booking refused for training (NULL when nothing
 * is missing or the read failed): the problem's extension member. */
json_t *ht_missing_ext(db_t *db, int64_t person_id, int64_t resource_id, int64_t start, int64_t end);
void h_grants_list(api_ctx *c);
void h_grant_withdraw(api_ctx *c);

/* h_reservations.c */
void h_rsv_create(api_ctx *c);
void h_rsv_list(api_ctx *c);
void h_rsv_get(api_ctx *c);
void h_rsv_update(api_ctx *c);
void h_rsv_cancel(api_ctx *c);
void h_rsv_approve(api_ctx *c);
void h_rsv_reject(api_ctx *c);
void h_rsv_check_in(api_ctx *c);
void h_rsv_check_out(api_ctx *c);
void h_wl_join(api_ctx *c);
void h_wl_list(api_ctx *c);
void h_wl_cancel(api_ctx *c);
void h_feed_create(api_ctx *c);
void h_feeds_list(api_ctx *c);
void h_feed_revoke(api_ctx *c);
void h_calendar(api_ctx *c);
void h_maintenance_run(api_ctx *c);
void h_outbox_list(api_ctx *c);

/* h_projects.c */
void h_projects_list(api_ctx *c);
void h_project_create(api_ctx *c);
void h_project_get(api_ctx *c);
void h_project_update(api_ctx *c);
void h_project_approve(api_ctx *c);
void h_project_close(api_ctx *c);
void h_project_settings_get(api_ctx *c);
void h_project_settings_update(api_ctx *c);
void h_default_project_get(api_ctx *c);
void h_default_project_set(api_ctx *c);

/* h_rates.c */
void h_plans_list(api_ctx *c);
void h_plan_create(api_ctx *c);
void h_plan_get(api_ctx *c);
void h_plan_version(api_ctx *c);
void h_policy_get(api_ctx *c);
void h_policy_put(api_ctx *c);

/* h_estimate.c */
void h_estimate_new(api_ctx *c);
void h_estimate_rsv(api_ctx *c);
void h_prices(api_ctx *c);

/* h_charges.c */
void h_charges_list(api_ctx *c);
void h_charges_csv(api_ctx *c);
/* h_reports.c: the manager's monthly report */
void h_report_usage(api_ctx *c);
void h_report_usage_csv(api_ctx *c);
void h_charge_create(api_ctx *c);
void h_billing_summary(api_ctx *c);
void h_fees_list(api_ctx *c);
void h_fee_create(api_ctx *c);
void h_fee_end(api_ctx *c);

/* h_invoices.c */
void h_invoices_run(api_ctx *c);
void h_invoices_list(api_ctx *c);
void h_invoice_get(api_ctx *c);
void h_invoice_issue(api_ctx *c);
void h_invoice_discard(api_ctx *c);
void h_invoice_ubl(api_ctx *c);
void h_invoice_html(api_ctx *c);
void h_invoice_pdf(api_ctx *c);
void h_invoice_exclude(api_ctx *c);
void h_invoice_refresh(api_ctx *c);
void h_invoices_issue_all(api_ctx *c);
void h_invoice_csv(api_ctx *c);
void h_invoice_credit(api_ctx *c);
void h_invoice_payment(api_ctx *c);

/* Shared JSON shapes. */
json_t *json_person(const psn_person *p);

#endif
