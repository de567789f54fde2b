/* routes_projects.c: routes of projects: a company's projects, their
 * approval and closing, the company's project settings and a person's
 * default project (handlers in h_projects.c). */
#include "api/router.h"
#include "api/handlers.h"

const struct api_route project_routes[] = {
    { "GET", "/api/v1/tenants/{id}/projects", R_PERSON, h_projects_list, 0 },
    { "POST", "/api/v1/tenants/{id}/projects", R_PERSON, h_project_create, 0 },
    { "GET", "/api/v1/tenants/{id}/project-settings", R_PERSON, h_project_settings_get, 0 },
    { "PATCH", "/api/v1/tenants/{id}/project-settings", R_ADMINS, h_project_settings_update, 0 },
    { "GET", "/api/v1/projects/{id}", R_PERSON, h_project_get, 0 },
    { "PATCH", "/api/v1/projects/{id}", R_ADMINS, h_project_update, 0 },
    { "POST", "/api/v1/projects/{id}/approve", R_ADMINS, h_project_approve, 0 },
    { "POST", "/api/v1/projects/{id}/close", R_ADMINS, h_project_close, 0 },
    { "GET", "/api/v1/people/{id}/default-project", R_PERSON, h_default_project_get, 0 },
    { "POST", "/api/v1/people/{id}/default-project", R_PERSON, h_default_project_set, 0 },
};
const size_t project_routes_len = sizeof project_routes / sizeof project_routes[0];
