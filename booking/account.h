/* account.h: sign-in for people and machines.
 * Passwords are argon2id hashes (crypto_pwhash_str). Session tokens and API
 * key secrets are random, shown once, and stored only as BLAKE2b hashes.
 * Login is throttled per account and per client address. A caller resolved
 * from a token is an acct_caller with its role and tenant scope. */
#ifndef LP_ACCOUNT_H
#define LP_ACCOUNT_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"
#include "booking/audit.h"

enum acct_role { ROLE_NONE = 0, ROLE_MEMBER = 1, ROLE_TENANT_ADMIN = 2, ROLE_STAFF = 4, ROLE_DOOR = 8 };

/* The signed-in person's own record, read with the credential (for /me). */
typedef struct acct_profile {
    char email[255];
    char name[201];
    int has_password;
    int64_t created_at;
} acct_profile;

typedef struct acct_caller {
    enum acct_role role;
    int64_t person_id;   /* 0 for doors */
    int64_t tenant_id;   /* 0 when the person has no tenant (or staff, or door) */
    int64_t door_id;     /* doors only */
    int64_t session_id;  /* 0 when authenticated by API key */
    int64_t apikey_id;
    int64_t expires_at;  /* session expiry; 0 for API keys */
    acct_profile profile;
} acct_caller;

#define ACCT_TOKEN_LEN 64   /* room for "lps_" + 43 base64url chars + NUL */
#define ACCT_PASSWORD_MIN 10
#define ACCT_PASSWORD_MAX 256

/* Login policy (seconds and counts). */
typedef struct acct_policy {
    int64_t session_ttl;        /* default 12 h */
    int account_max_failures;   /* default 5 per window */
    int address_max_failures;   /* default 30 per window */
    int64_t window;             /* default 15 min */
    int64_t lockout;            /* default 15 min */
} acct_policy;
void acct_policy_default(acct_policy *p);

/* argon2id hash of password into out (crypto_pwhash_STRBYTES). */
int acct_hash_password(const char *password, char *out, size_t outlen) LP_MUST;
/* Checks the password rules (length). */
int acct_password_ok(const char *password) LP_MUST;

/* Verifies email/password, honouring throttling. On success creates a session
 * and writes its token (shown once) to token_out, and its expiry.
 * Errors: LP_ERR_UNAUTH (bad email/password or disabled), LP_ERR_THROTTLED
 * (with *retry_after seconds). */
int acct_login(db_t *db, const acct_policy *pol, const char *email, const char *password,
               const char *client_ip, char token_out[ACCT_TOKEN_LEN], int64_t *expires_at,
               int64_t *person_id, int64_t *retry_after) LP_MUST;

/* Checks email/password with the same throttling as a login, without
 * creating a session (re-authentication before a password change). */
int acct_verify(db_t *db, const acct_policy *pol, const char *email, const char *password,
                const char *client_ip, int64_t *person_id, int64_t *retry_after) LP_MUST;

/* Resolves a bearer token (session "lps_…" or API key "lpk_…"). Results are
 * cached per thread while nothing was committed to the database by this
 * process (db_generation) and for at most ACCT_CACHE_TTL seconds, so a
 * logout, revocation or change through labpassd applies to the next request
 * and a change by another process within the TTL. */
#define ACCT_CACHE_TTL 2
int acct_authenticate(db_t *db, const char *token, acct_caller *out) LP_MUST;

/* Revokes a session by token (logout) or by id (staff). */
int acct_logout(db_t *db, int64_t session_id) LP_MUST;
int acct_revoke_session(db_t *db, const actor_t *who, int64_t session_id) LP_MUST;
/* Revokes every session of a person (disable, password change). */
int acct_revoke_person_sessions(db_t *db, int64_t person_id) LP_MUST;

/* Creates an API key; the full key "lpk_<id>_<secret>" goes to key_out once.
 * role is "staff" (person_id set) or "door" (door_id set). */
int acct_apikey_create(db_t *db, const actor_t *who, const char *name, const char *role,
                       int64_t person_id, int64_t door_id, char *key_out, size_t keylen,
                       int64_t *id_out) LP_MUST;
int acct_apikey_revoke(db_t *db, const actor_t *who, int64_t id) LP_MUST;

/* Sets a person's password (hashes it) and revokes their sessions. */
int acct_set_password(db_t *db, const actor_t *who, int64_t person_id, const char *password) LP_MUST;

/* Creates a one-time setup token for a person without a password (invites);
 * token shown once; valid for ttl seconds. */
int acct_setup_token(db_t *db, int64_t person_id, int64_t ttl, char token_out[ACCT_TOKEN_LEN]) LP_MUST;
/* Consumes a setup token and sets the password. */
int acct_setup_consume(db_t *db, const char *token, const char *password) LP_MUST;

#endif
