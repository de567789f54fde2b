/* routes_webhooks.c: routes of the signed webhooks staff register:
 * endpoints, their secret, a test ping, their deliveries and retries. Staff
 * only. Handlers live in h_webhooks.c. */
#include "api/h_webhooks.h"
#include "api/router.h"

const struct api_route webhook_routes[] = {
    { "GET", "/api/v1/webhooks", R_STAFF, h_webhooks_list, 0 },
    { "POST", "/api/v1/webhooks", R_STAFF, h_webhook_create, 0 },
    { "GET", "/api/v1/webhooks/{id}", R_STAFF, h_webhook_get, 0 },
    { "PATCH", "/api/v1/webhooks/{id}", R_STAFF, h_webhook_update, 0 },
    { "DELETE", "/api/v1/webhooks/{id}", R_STAFF, h_webhook_delete, 0 },
    { "POST", "/api/v1/webhooks/{id}/secret", R_STAFF, h_webhook_rotate, 0 },
    { "POST", "/api/v1/webhooks/{id}/test", R_STAFF, h_webhook_test, 0 },
    { "GET", "/api/v1/webhooks/{id}/deliveries", R_STAFF, h_webhook_deliveries, 0 },
    { "POST", "/api/v1/webhooks/{id}/deliveries/{did}/retry", R_STAFF, h_webhook_retry, 0 },
};
const size_t webhook_routes_len = sizeof webhook_routes / sizeof webhook_routes[0];
