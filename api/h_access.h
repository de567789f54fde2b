/* h_access.h: handlers of the access routes (inside api/ only); their
 * routes are in routes_access.c. */
#ifndef LP_H_ACCESS_H
#define LP_H_ACCESS_H
#include "api/ctx.h"

/* h_access.c: keys, credentials and passes of people */
void h_pass_keys(api_ctx *c);
void h_cred_create(api_ctx *c);
void h_creds_list(api_ctx *c);
void h_cred_revoke(api_ctx *c);
void h_me_passes(api_ctx *c);
void h_passes_list(api_ctx *c);
void h_pass_revoke(api_ctx *c);
void h_bearer_pass(api_ctx *c);
void h_person_revoke_passes(api_ctx *c);

/* h_cards.c: DESFire cards */
void h_card_enrol(api_ctx *c);
void h_cards_list(api_ctx *c);
void h_card_revoke(api_ctx *c);
void h_card_pass(api_ctx *c);

/* h_doors.c: doors, their sync bundle and events */
void h_doors_list(api_ctx *c);
void h_door_create(api_ctx *c);
void h_door_update(api_ctx *c);
void h_door_retire(api_ctx *c);
void h_door_rekey(api_ctx *c);
void h_door_sync(api_ctx *c);
void h_door_events_upload(api_ctx *c);
void h_door_events_list(api_ctx *c);

#endif
