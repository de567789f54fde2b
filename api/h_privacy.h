/* h_privacy.h: handlers of the privacy part (h_privacy.c). */
#ifndef LP_H_PRIVACY_H
#define LP_H_PRIVACY_H
#include "api/ctx.h"

void h_retention_get(api_ctx *c);
void h_retention_set(api_ctx *c);
void h_privacy_notice(api_ctx *c);
void h_me_export(api_ctx *c);
void h_person_export(api_ctx *c);
void h_person_erase(api_ctx *c);
/* the ML-1 register (h_register.c) */
void h_register(api_ctx *c);
void h_register_csv(api_ctx *c);

#endif
