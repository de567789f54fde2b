/* router.h: the route table and path matching (inside api/ only).
 * A pattern is a path whose segments may be {id} (a positive integer) or
 * {name} (a token of letters, digits, '-', '_' and '.'). */
#ifndef LP_ROUTER_H
#define LP_ROUTER_H
#include "api/ctx.h"

/* Roles allowed on a route; 0 = public. */
#define R_MEMBER  ROLE_MEMBER
#define R_TADMIN  ROLE_TENANT_ADMIN
#define R_STAFF   ROLE_STAFF
#define R_DOOR    ROLE_DOOR
#define R_PERSON  (R_MEMBER | R_TADMIN | R_STAFF)
#define R_ADMINS  (R_TADMIN | R_STAFF)

struct api_route {
    const char *method;
    const char *pattern;
    unsigned roles;
    api_handler fn;
    int secret_path;   /* the path holds a secret: log the pattern instead */
};

/* The route table is assembled from one table per part (routes.c): each
 * part's handlers and routes live together. Routes are numbered across all
 * tables in order (for metrics). */
struct api_route_table { const struct api_route *routes; const size_t *len; };
extern const struct api_route_table api_route_tables[];
extern const size_t api_route_tables_len;

/* The i-th route across all tables, NULL past the end. */
const struct api_route *router_route(size_t i);

/* Finds the route for method and path, filling c->params / c->sparams.
 * Returns the index, -1 when no pattern matches, -2 when the path matches
 * but not the method (405). */
int router_match(const char *method, const char *path, api_ctx *c);
/* Comma-separated methods allowed for path (for the Allow header). */
void router_allowed(const char *path, char *out, size_t outlen);

#endif
