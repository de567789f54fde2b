/* h_oidc.h: handlers of OpenID Connect sign-in (inside api/ only); their
 * routes are in routes_oidc.c. */
#ifndef LP_H_OIDC_H
#define LP_H_OIDC_H
#include "api/ctx.h"

void h_oidc_public_list(api_ctx *c);
void h_oidc_start(api_ctx *c);
void h_oidc_callback(api_ctx *c);
void h_oidc_link(api_ctx *c);
void h_oidc_list(api_ctx *c);
void h_oidc_create(api_ctx *c);
void h_oidc_get(api_ctx *c);
void h_oidc_update(api_ctx *c);
void h_oidc_delete(api_ctx *c);

#endif
