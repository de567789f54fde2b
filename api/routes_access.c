/* routes_access.c: routes of the access part: pass keys, credentials and
 * passes, revocation, doors, the door sync bundle and event upload, the
 * presence report, DESFire cards. Handlers live in h_access.c, h_cards.c and
 * h_doors.c. */
#include "api/h_access.h"
#include "api/router.h"


const struct api_route access_routes[] = {
    { "GET", "/api/v1/pass-keys", 0, h_pass_keys, 0 },
    { "POST", "/api/v1/me/credentials", R_PERSON, h_cred_create, 0 },
    { "GET", "/api/v1/me/credentials", R_PERSON, h_creds_list, 0 },
    { "POST", "/api/v1/me/credentials/{id}/revoke", R_PERSON, h_cred_revoke, 0 },
    { "GET", "/api/v1/me/passes", R_PERSON, h_me_passes, 0 },
    { "GET", "/api/v1/passes", R_STAFF, h_passes_list, 0 },
    { "POST", "/api/v1/passes/{id}/revoke", R_PERSON, h_pass_revoke, 0 },
    { "POST", "/api/v1/reservations/{id}/bearer-pass", R_PERSON, h_bearer_pass, 0 },
    { "POST", "/api/v1/people/{id}/revoke-passes", R_ADMINS, h_person_revoke_passes, 0 },
    { "POST", "/api/v1/people/{id}/cards", R_STAFF, h_card_enrol, 0 },
    { "GET", "/api/v1/people/{id}/cards", R_STAFF, h_cards_list, 0 },
    { "POST", "/api/v1/people/{id}/cards/{cid}/revoke", R_STAFF, h_card_revoke, 0 },
    { "GET", "/api/v1/cards/{card_id}/pass", R_STAFF | R_DOOR, h_card_pass, 0 },
    { "GET", "/api/v1/doors", R_STAFF, h_doors_list, 0 },
    { "POST", "/api/v1/doors", R_STAFF, h_door_create, 0 },
    { "PATCH", "/api/v1/doors/{id}", R_STAFF, h_door_update, 0 },
    { "POST", "/api/v1/doors/{id}/retire", R_STAFF, h_door_retire, 0 },
    { "POST", "/api/v1/doors/{id}/key", R_STAFF, h_door_rekey, 0 },
    { "GET", "/api/v1/doors/{id}/sync", R_DOOR | R_STAFF, h_door_sync, 0 },
    { "POST", "/api/v1/doors/{id}/events", R_DOOR, h_door_events_upload, 0 },
    { "GET", "/api/v1/door-events", R_STAFF, h_door_events_list, 0 },
};
const size_t access_routes_len = sizeof access_routes / sizeof access_routes[0];
