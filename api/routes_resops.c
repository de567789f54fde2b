/* routes_resops.c: routes of what resources run on: downtimes, incidents
 * and the resource log (h_resops.c). */
#include "api/router.h"
#include "api/handlers.h"

const struct api_route resops_routes[] = {
    { "GET", "/api/v1/downtimes", R_PERSON, h_downtimes_list, 0 },
    { "POST", "/api/v1/downtimes", R_STAFF, h_downtime_create, 0 },
    { "POST", "/api/v1/downtimes/preview", R_STAFF, h_downtime_preview, 0 },
    { "GET", "/api/v1/downtimes/{id}", R_PERSON, h_downtime_get, 0 },
    { "PATCH", "/api/v1/downtimes/{id}", R_STAFF, h_downtime_update, 0 },
    { "POST", "/api/v1/resources/{id}/incidents", R_PERSON, h_incident_report, 0 },
    { "GET", "/api/v1/incidents", R_PERSON, h_incidents_list, 0 },
    { "GET", "/api/v1/incidents/{id}", R_PERSON, h_incident_get, 0 },
    { "POST", "/api/v1/incidents/{id}/acknowledge", R_STAFF, h_incident_ack, 0 },
    { "POST", "/api/v1/incidents/{id}/resolve", R_STAFF, h_incident_resolve, 0 },
    { "GET", "/api/v1/resources/{id}/log", R_PERSON, h_resource_log, 0 },
    { "POST", "/api/v1/resources/{id}/log", R_STAFF, h_resource_log_add, 0 },
};
const size_t resops_routes_len = sizeof resops_routes / sizeof resops_routes[0];
