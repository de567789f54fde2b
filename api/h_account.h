/* h_account.h: handlers of sign-in links and tenant invitations (inside api/
 * only); their routes are in routes_account.c. */
#ifndef LP_H_ACCOUNT_H
#define LP_H_ACCOUNT_H
#include "api/ctx.h"
#include "booking/account.h"

/* h_auth.c */
void h_signin_link(api_ctx *c);
/* The sign-in policy labpassd runs with (server.c). */
const acct_policy *api_policy(void);
/* Answers 503 "busy" with Retry-After: seconds (the hashing pool is full). */
void api_reply_busy(api_ctx *c, int64_t seconds);
/* Sets the session and CSRF cookies of a new session (ttl seconds). */
void api_set_session_cookies(api_ctx *c, const char *token, int64_t ttl);

/* h_invite.c */
void h_invitations_list(api_ctx *c);
void h_invitation_accept(api_ctx *c);
void h_invitation_accept_token(api_ctx *c);

#endif
