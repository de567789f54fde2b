/* h_services.h: the handlers of the catalogue, service requests and
 * consumables (h_services.c), routed by routes_services.c. */
#ifndef LP_H_SERVICES_H
#define LP_H_SERVICES_H
#include "api/handlers.h"

void h_cat_list(api_ctx *c);
void h_cat_create(api_ctx *c);
void h_cat_get(api_ctx *c);
void h_cat_update(api_ctx *c);
void h_cat_prices(api_ctx *c);
void h_cat_price_add(api_ctx *c);
void h_cat_estimate(api_ctx *c);
void h_srq_create(api_ctx *c);
void h_srq_list(api_ctx *c);
void h_srq_get(api_ctx *c);
void h_srq_quote(api_ctx *c);
void h_srq_accept(api_ctx *c);
void h_srq_decline(api_ctx *c);
void h_srq_cancel(api_ctx *c);
void h_srq_start(api_ctx *c);
void h_srq_complete(api_ctx *c);
void h_use_list(api_ctx *c);
void h_use_add(api_ctx *c);
void h_use_void(api_ctx *c);

#endif
