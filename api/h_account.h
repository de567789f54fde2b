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
/* Sets the lp_session and lp_csrf cookies of a new session (ttl seconds). */
void api_set_session_cookies(api_ctx *c, const char *token, int64_t ttl);
/* Answers 503 "busy" with Retry-After: seconds (the hashing pool is full). */
void api_reply_busy(api_ctx *c, int64_t seconds);
/* Copies the value of cookie name from the Cookie header into out ("" when
 * absent or longer than outlen - 1). */
void api_cookie_value(api_ctx *c, const char *name, char *out, size_t outlen);

/* h_passkey.c: passkeys and the caller's own sessions */
void h_pk_signin_options(api_ctx *c);
void h_pk_signin(api_ctx *c);
void h_pk_step_options(api_ctx *c);
void h_pk_step(api_ctx *c);
void h_pk_list(api_ctx *c);
void h_pk_reg_options(api_ctx *c);
void h_pk_register(api_ctx *c);
void h_pk_rename(api_ctx *c);
void h_pk_revoke(api_ctx *c);
void h_my_sessions(api_ctx *c);
void h_my_session_revoke(api_ctx *c);
void h_my_sessions_revoke_all(api_ctx *c);
void h_person_signout(api_ctx *c);

/* h_invite.c */
void h_invitations_list(api_ctx *c);
void h_invitation_accept(api_ctx *c);
void h_invitation_accept_token(api_ctx *c);

#endif
