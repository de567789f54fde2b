/* routes_passkey.c: routes of passkeys, the staff passkey step and the
 * caller's own sessions (handlers in h_passkey.c). */
#include "api/router.h"
#include "api/h_account.h"

const struct api_route passkey_routes[] = {
    { "POST", "/api/v1/auth/passkey/options", 0, h_pk_signin_options, 0 },
    { "POST", "/api/v1/auth/passkey", 0, h_pk_signin, 0 },
    { "POST", "/api/v1/auth/passkey-step/options", R_PERSON, h_pk_step_options, 0 },
    { "POST", "/api/v1/auth/passkey-step", R_PERSON, h_pk_step, 0 },
    { "GET", "/api/v1/me/passkeys", R_PERSON, h_pk_list, 0 },
    { "POST", "/api/v1/me/passkeys/options", R_PERSON, h_pk_reg_options, 0 },
    { "POST", "/api/v1/me/passkeys", R_PERSON, h_pk_register, 0 },
    { "PATCH", "/api/v1/me/passkeys/{id}", R_PERSON, h_pk_rename, 0 },
    { "POST", "/api/v1/me/passkeys/{id}/revoke", R_PERSON, h_pk_revoke, 0 },
    { "GET", "/api/v1/me/sessions", R_PERSON, h_my_sessions, 0 },
    { "POST", "/api/v1/me/sessions/{id}/revoke", R_PERSON, h_my_session_revoke, 0 },
    { "POST", "/api/v1/me/sessions/revoke-all", R_PERSON, h_my_sessions_revoke_all, 0 },
    { "POST", "/api/v1/people/{id}/sessions/revoke", R_STAFF, h_person_signout, 0 },
};
const size_t passkey_routes_len = sizeof passkey_routes / sizeof passkey_routes[0];
