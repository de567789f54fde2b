/* acct_int.h: what account.c and acct_signin.c share (inside booking/ only):
 * token making and hashing. Not for other modules. */
#ifndef LP_ACCT_INT_H
#define LP_ACCT_INT_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

#define HASH_LEN 32

/* BLAKE2b-256 of a token: what the database stores instead of the token. */
void acct_token_hash(const char *token, unsigned char out[HASH_LEN]);
/* prefix + 32 random bytes in base64url without padding. */
void acct_new_token(const char *prefix, char *out, size_t outlen);

/* A transaction for a write of several statements: opened unless the
 * caller has one (*own tells), and closed by acct_tx_end, which commits when
 * rc is 0 and rolls back otherwise, returning the outcome. */
int acct_tx_begin(db_t *db, int *own) LP_MUST;
int acct_tx_end(db_t *db, int own, int rc) LP_MUST;

struct acct_policy;
/* Inserts a session for person_id (token to token, shown once). */
int acct_create_session(db_t *db, const struct acct_policy *pol, int64_t person_id, const char *ip,
                        char *token, int64_t *expires_at) LP_MUST;
/* The same with how it was made, the browser, and whether it owes the passkey step. */
int acct_create_session_as(db_t *db, const struct acct_policy *pol, int64_t person_id, const char *ip,
                           const char *user_agent, int method, int staff_pending, char *token,
                           int64_t *expires_at) LP_MUST;
/* Whether a password sign-in of person_id must be followed by the passkey step. */
int acct_needs_stepup(db_t *db, const struct acct_policy *pol, int64_t person_id, int *needs) LP_MUST;

#endif
