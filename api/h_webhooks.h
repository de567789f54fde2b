/* h_webhooks.h: handlers of the webhook endpoints staff register (h_webhooks.c). */
#ifndef LP_H_WEBHOOKS_H
#define LP_H_WEBHOOKS_H
#include "api/ctx.h"

void h_webhooks_list(api_ctx *c);
void h_webhook_create(api_ctx *c);
void h_webhook_get(api_ctx *c);
void h_webhook_update(api_ctx *c);
void h_webhook_delete(api_ctx *c);
void h_webhook_rotate(api_ctx *c);
void h_webhook_test(api_ctx *c);
void h_webhook_deliveries(api_ctx *c);
void h_webhook_retry(api_ctx *c);

#endif
