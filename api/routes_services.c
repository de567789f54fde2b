/* routes_services.c: routes of the catalogue, service requests and
 * consumables; the handlers live in h_services.c. */
#include "api/router.h"
#include "api/h_services.h"

const struct api_route services_routes[] = {
    { "GET", "/api/v1/catalogue", R_PERSON, h_cat_list, 0 },
    { "POST", "/api/v1/catalogue", R_STAFF, h_cat_create, 0 },
    { "GET", "/api/v1/catalogue/{id}", R_PERSON, h_cat_get, 0 },
    { "PATCH", "/api/v1/catalogue/{id}", R_STAFF, h_cat_update, 0 },
    { "GET", "/api/v1/catalogue/{id}/prices", R_STAFF, h_cat_prices, 0 },
    { "POST", "/api/v1/catalogue/{id}/prices", R_STAFF, h_cat_price_add, 0 },
    { "GET", "/api/v1/catalogue/{id}/estimate", R_PERSON, h_cat_estimate, 0 },
    { "POST", "/api/v1/service-requests", R_PERSON, h_srq_create, 0 },
    { "GET", "/api/v1/service-requests", R_PERSON, h_srq_list, 0 },
    { "GET", "/api/v1/service-requests/{id}", R_PERSON, h_srq_get, 0 },
    { "POST", "/api/v1/service-requests/{id}/quote", R_STAFF, h_srq_quote, 0 },
    { "POST", "/api/v1/service-requests/{id}/accept", R_PERSON, h_srq_accept, 0 },
    { "POST", "/api/v1/service-requests/{id}/decline", R_PERSON, h_srq_decline, 0 },
    { "POST", "/api/v1/service-requests/{id}/cancel", R_PERSON, h_srq_cancel, 0 },
    { "POST", "/api/v1/service-requests/{id}/start", R_STAFF, h_srq_start, 0 },
    { "POST", "/api/v1/service-requests/{id}/complete", R_STAFF, h_srq_complete, 0 },
    { "GET", "/api/v1/consumable-usage", R_PERSON, h_use_list, 0 },
    { "POST", "/api/v1/consumable-usage", R_PERSON, h_use_add, 0 },
    { "POST", "/api/v1/consumable-usage/{id}/void", R_STAFF, h_use_void, 0 },
};
const size_t services_routes_len = sizeof services_routes / sizeof services_routes[0];
