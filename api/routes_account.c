/* routes_account.c: routes of sign-in links and tenant invitations (the
 * rest of sign-in and accounts is in routes.c). */
#include "api/router.h"
#include "api/h_account.h"

const struct api_route account_routes[] = {
    { "POST", "/api/v1/auth/signin-link", 0, h_signin_link, 0 },
    { "POST", "/api/v1/invitations/accept", 0, h_invitation_accept_token, 0 },
    { "GET", "/api/v1/me/invitations", R_PERSON, h_invitations_list, 0 },
    { "POST", "/api/v1/me/invitations/{id}/accept", R_PERSON, h_invitation_accept, 0 },
};
const size_t account_routes_len = sizeof account_routes / sizeof account_routes[0];
