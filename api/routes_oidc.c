/* routes_oidc.c: routes of single sign-on with OpenID Connect: the providers
 * the sign-in page lists, starting a login, the provider's callback, linking
 * a provider to the signed-in account, and the staff's provider settings.
 * Handlers live in h_oidc.c. */
#include "api/h_oidc.h"
#include "api/router.h"

const struct api_route oidc_routes[] = {
    { "GET", "/api/v1/auth/oidc/providers", 0, h_oidc_public_list, 0 },
    { "GET", "/api/v1/auth/oidc/{id}/start", 0, h_oidc_start, 0 },
    { "GET", "/api/v1/auth/oidc/callback", 0, h_oidc_callback, 0 },
    { "POST", "/api/v1/me/oidc/{id}/link", R_PERSON, h_oidc_link, 0 },
    { "GET", "/api/v1/oidc/providers", R_STAFF, h_oidc_list, 0 },
    { "POST", "/api/v1/oidc/providers", R_STAFF, h_oidc_create, 0 },
    { "GET", "/api/v1/oidc/providers/{id}", R_STAFF, h_oidc_get, 0 },
    { "PATCH", "/api/v1/oidc/providers/{id}", R_STAFF, h_oidc_update, 0 },
    { "DELETE", "/api/v1/oidc/providers/{id}", R_STAFF, h_oidc_delete, 0 },
};
const size_t oidc_routes_len = sizeof oidc_routes / sizeof oidc_routes[0];
