/* routes_privacy.c: routes of the privacy part: retention settings and runs,
 * a person's data export and erasure, the ML-1 register of a lab.
 * Handlers live in h_privacy.c. */
#include "api/h_privacy.h"
#include "api/router.h"

const struct api_route privacy_routes[] = {
    { "GET", "/api/v1/privacy", 0, h_privacy_notice, 0 },
    { "GET", "/api/v1/retention", R_STAFF, h_retention_get, 0 },
    { "PUT", "/api/v1/retention", R_STAFF, h_retention_set, 0 },
    { "GET", "/api/v1/me/export", R_PERSON, h_me_export, 0 },
    { "GET", "/api/v1/people/{id}/export", R_STAFF, h_person_export, 0 },
    { "POST", "/api/v1/people/{id}/erase", R_STAFF, h_person_erase, 0 },
    { "GET", "/api/v1/resources/{id}/register", R_STAFF, h_register, 0 },
    { "GET", "/api/v1/resources/{id}/register.csv", R_STAFF, h_register_csv, 0 },
};
const size_t privacy_routes_len = sizeof privacy_routes / sizeof privacy_routes[0];
