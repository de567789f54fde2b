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

extern const struct api_route api_routes[];
extern const size_t api_routes_len;

/* Finds the route for method and path, filling c->params / c->sparams.
 * Returns the index, -1 when no pattern matches, -2 when the path matches
 * but not the method (405). */
int router_match(const char *method, const char *path, api_ctx *c);
/* Comma-separated methods allowed for path (for the Allow header). */
void router_allowed(const char *path, char *out, size_t outlen);

#endif
