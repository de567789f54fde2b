/* routes.c: the core route table of labpassd (method, pattern, roles,
 * handler) and the list of every part's table. docs/openapi.json describes
 * exactly these routes (a test compares them). */
#include "api/router.h"
#include "api/handlers.h"

static const struct api_route core_routes[] = {
    { "GET", "/healthz", 0, h_healthz, 0 },
    { "GET", "/metrics", R_STAFF, h_metrics, 0 },
    { "GET", "/api/v1/openapi.json", 0, h_openapi, 0 },
    { "POST", "/api/v1/auth/login", 0, h_login, 0 },
    { "POST", "/api/v1/auth/logout", R_PERSON, h_logout, 0 },
    { "POST", "/api/v1/auth/setup", 0, h_setup_password, 0 },
    { "GET", "/api/v1/me", R_PERSON | R_DOOR, h_me, 0 },
    { "POST", "/api/v1/me/password", R_PERSON, h_me_password, 0 },
    { "GET", "/api/v1/site", R_PERSON, h_site_get, 0 },
    { "PATCH", "/api/v1/site", R_STAFF, h_site_update, 0 },
    { "GET", "/api/v1/sessions", R_STAFF, h_sessions_list, 0 },
    { "POST", "/api/v1/sessions/{id}/revoke", R_STAFF, h_session_revoke, 0 },
    { "GET", "/api/v1/api-keys", R_STAFF, h_apikeys_list, 0 },
    { "POST", "/api/v1/api-keys", R_STAFF, h_apikey_create, 0 },
    { "POST", "/api/v1/api-keys/{id}/revoke", R_STAFF, h_apikey_revoke, 0 },
    { "GET", "/api/v1/tenants", R_PERSON, h_tenants_list, 0 },
    { "POST", "/api/v1/tenants", R_STAFF, h_tenant_create, 0 },
    { "GET", "/api/v1/tenants/{id}", R_PERSON, h_tenant_get, 0 },
    { "PATCH", "/api/v1/tenants/{id}", R_STAFF, h_tenant_update, 0 },
    { "GET", "/api/v1/tenants/{id}/holdings", R_STAFF, h_tenant_holdings, 0 },
    { "POST", "/api/v1/tenants/{id}/suspend", R_STAFF, h_tenant_suspend, 0 },
    { "POST", "/api/v1/tenants/{id}/offboard", R_STAFF, h_tenant_offboard, 0 },
    { "POST", "/api/v1/tenants/{id}/activate", R_STAFF, h_tenant_activate, 0 },
    { "GET", "/api/v1/tenants/{id}/members", R_ADMINS, h_members_list, 0 },
    { "POST", "/api/v1/tenants/{id}/members", R_ADMINS, h_member_add, 0 },
    { "PATCH", "/api/v1/tenants/{id}/members/{pid}", R_ADMINS, h_member_update, 0 },
    { "DELETE", "/api/v1/tenants/{id}/members/{pid}", R_ADMINS, h_member_remove, 0 },
    { "GET", "/api/v1/people", R_PERSON, h_people_list, 0 },
    { "POST", "/api/v1/people", R_STAFF, h_person_create, 0 },
    { "GET", "/api/v1/people/{id}", R_PERSON, h_person_get, 0 },
    { "PATCH", "/api/v1/people/{id}", R_PERSON, h_person_update, 0 },
    { "GET", "/api/v1/audit", R_STAFF, h_audit_list, 0 },
};
static const size_t core_routes_len = sizeof core_routes / sizeof core_routes[0];

/* Tables of the other parts, each next to its handlers. */
extern const struct api_route booking_routes[];
extern const size_t booking_routes_len;
extern const struct api_route access_routes[];
extern const size_t access_routes_len;
extern const struct api_route billing_routes[];
extern const size_t billing_routes_len;
extern const struct api_route account_routes[];
extern const size_t account_routes_len;
extern const struct api_route privacy_routes[];
extern const size_t privacy_routes_len;
extern const struct api_route webhook_routes[];
extern const size_t webhook_routes_len;
extern const struct api_route project_routes[];
extern const size_t project_routes_len;
extern const struct api_route resops_routes[];
extern const size_t resops_routes_len;
extern const struct api_route oidc_routes[];
extern const size_t oidc_routes_len;
extern const struct api_route passkey_routes[];
extern const size_t passkey_routes_len;
extern const struct api_route services_routes[];
extern const size_t services_routes_len;

const struct api_route_table api_route_tables[] = {
    { core_routes, &core_routes_len },
    { booking_routes, &booking_routes_len },
    { access_routes, &access_routes_len },
    { billing_routes, &billing_routes_len },
    { account_routes, &account_routes_len },
    { privacy_routes, &privacy_routes_len },
    { webhook_routes, &webhook_routes_len },
    { project_routes, &project_routes_len },
    { resops_routes, &resops_routes_len },
    { oidc_routes, &oidc_routes_len },
    { passkey_routes, &passkey_routes_len },
    { services_routes, &services_routes_len },
};
const size_t api_route_tables_len = sizeof api_route_tables / sizeof api_route_tables[0];
