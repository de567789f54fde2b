/* account.h: sign-in for people and machines.
 * Passwords are argon2id hashes (crypto_pwhash_str). Session tokens and API
 * key secrets are random, shown once, and stored only as BLAKE2b hashes.
 * Sign-in is throttled before any hash is computed (see acct_policy) and
 * hashing runs in a bounded pool (pwhash.h). A caller resolved
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
    char language[3];   /* en | nl */
} acct_profile;

typedef struct acct_caller {
    enum acct_role role;
    int64_t person_id;   /* 0 for doors */
    int64_t tenant_id;   /* 0 when the person has no tenant (or staff, or door) */
    int64_t door_id;     /* doors only */
    int64_t session_id;  /* 0 when authenticated by API key */
    int64_t apikey_id;
    int64_t expires_at;  /* session expiry; 0 for API keys */
    int staff_pending;   /* a staff member's session before the passkey step: no staff rights yet */
    acct_profile profile;
} acct_caller;

#define ACCT_TOKEN_LEN 64   /* room for "lps_" + 43 base64url chars + NUL */
#define ACCT_PASSWORD_MIN 10
#define ACCT_PASSWORD_MAX 256

/* Sign-in policy (seconds and counts). Throttling never locks an account:
 * every key below slows attempts down with an exponential delay, and the
 * account-wide and address-wide keys apply only to devices the person has
 * not signed in from (or confirmed by e-mail), so a stranger cannot keep the
 * owner out. An attempt counts the moment it starts (see acct_signin). */
typedef struct acct_policy {
    int64_t session_ttl;        /* default 12 h */
    int pair_free;              /* attempts per account+client pair before delays, default 5 */
    int account_free;           /* per account from unknown devices, default 10 */
    int address_free;           /* per client address from unknown devices, default 100 */
    int64_t delay_base;         /* first delay, default 1 s; doubles per further attempt */
    int64_t delay_cap;          /* longest delay, default 15 min */
    int64_t window;             /* counts reset after this long without attempts, default 1 h */
    int64_t device_ttl;         /* a known-device cookie lasts this long, default 180 days */
    int64_t unlock_ttl;         /* an e-mailed sign-in link lasts this long, default 1 h */
    int64_t alert_every;        /* at most one staff alert per account or address per this, default 1 h */
    int hash_workers;           /* argon2id computations at once, default PWH_WORKERS_DEFAULT */
    int hash_wait_ms;           /* wait for a free slot before 503, default PWH_WAIT_MS_DEFAULT */
    int64_t idle_timeout;       /* a session unused this long ends, default 30 min; 0: never */
    int passkey_staff;          /* 1: staff need the passkey step after a password, even without a passkey */
} acct_policy;
void acct_policy_default(acct_policy *p);
/* The idle timeout acct_authenticate applies (0, the default, applies none;
 * labpassd sets its policy's). */
void acct_set_idle_timeout(int64_t seconds);
int64_t acct_idle_timeout(void);

/* How a session was made. */
enum acct_method { ACCT_BY_PASSWORD, ACCT_BY_PASSKEY, ACCT_BY_PASSWORD_PASSKEY };
const char *acct_method_name(enum acct_method m);
int acct_method_parse(const char *s, enum acct_method *out) LP_MUST;
#define ACCT_UA_MAX 200

/* argon2id hash of password into out (crypto_pwhash_STRBYTES), through the
 * bounded pool (booking/pwhash.h): LP_ERR_BUSY when it is full. */
int acct_hash_password(const char *password, char *out, size_t outlen) LP_MUST;
/* Checks the password rules (length). */
int acct_password_ok(const char *password) LP_MUST;

/* One sign-in attempt. device is the known-device cookie or an e-mailed
 * sign-in link token (NULL or "" when none). */
typedef struct acct_attempt {
    const char *email;
    const char *password;
    const char *client_ip;
    const char *device;
    const char *user_agent;   /* may be NULL; kept with the session, truncated and sanitised */
} acct_attempt;

typedef struct acct_outcome {
    int64_t person_id;
    int64_t expires_at;              /* session expiry (acct_signin) */
    int64_t retry_after;             /* seconds, with LP_ERR_THROTTLED or LP_ERR_BUSY */
    char token[ACCT_TOKEN_LEN];      /* session token, shown once (acct_signin) */
    char device[ACCT_TOKEN_LEN];     /* new known-device token to set, "" when unchanged */
    int staff_pending;               /* the session owes the passkey step (acct_signin) */
} acct_outcome;

/* Checks email/password. The attempt is reserved first, in one write
 * transaction (every throttle key counts it, or it is refused with
 * LP_ERR_THROTTLED and o->retry_after), and only then is the hash computed,
 * so parallel guesses cannot pass the limits. On success the pair's count is
 * cleared and a known-device token is issued when the attempt came without a
 * valid one. Errors: LP_ERR_UNAUTH (bad e-mail/password, disabled person or
 * offboarded tenant; one answer for all), LP_ERR_THROTTLED, LP_ERR_BUSY (the
 * hashing pool is full; o->retry_after set). Caller wipes o->token. */
int acct_check(db_t *db, const acct_policy *pol, const acct_attempt *a, acct_outcome *o) LP_MUST;
/* acct_check, then a new session (token in o->token, shown once). */
int acct_signin(db_t *db, const acct_policy *pol, const acct_attempt *a, acct_outcome *o) LP_MUST;

/* Compatibility wrappers: an attempt without a device. */
int acct_login(db_t *db, const acct_policy *pol, const char *email, const char *password,
               const char *client_ip, char token_out[ACCT_TOKEN_LEN], int64_t *expires_at,
               int64_t *person_id, int64_t *retry_after) LP_MUST;
int acct_verify(db_t *db, const acct_policy *pol, const char *email, const char *password,
                const char *client_ip, int64_t *person_id, int64_t *retry_after) LP_MUST;

/* Sends a one-time sign-in link (a device token valid pol->unlock_ttl) to
 * the address when it belongs to a person who may sign in; does nothing
 * otherwise, and at most once per pol->delay_cap per address. Always 0 unless
 * the database fails, so the answer tells nothing about the address. */
int acct_unlock_request(db_t *db, const acct_policy *pol, const char *email) LP_MUST;

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
/* Revokes the person's API keys (audited each), calendar feed tokens and
 * known devices, in the caller's transaction. */
int acct_revoke_person_keys(db_t *db, const actor_t *who, int64_t person_id) LP_MUST;
/* Revokes every live API key of a door (a retired or replaced reader). */
int acct_revoke_door_keys(db_t *db, const actor_t *who, int64_t door_id) LP_MUST;
int acct_revoke_person_feeds(db_t *db, const actor_t *who, int64_t person_id) LP_MUST;
/* Ends everything the people of a tenant sign in or read with: sessions, API
 * keys, calendar feeds, known devices, setup tokens and open invitations, in
 * the caller's transaction (offboarding). */
int acct_revoke_tenant(db_t *db, const actor_t *who, int64_t tenant_id) LP_MUST;

/* A new session made another way than acct_signin (a passkey): token to
 * o->token (shown once), expiry to o->expires_at. In its own transaction. */
int acct_session_open(db_t *db, const acct_policy *pol, int64_t person_id, enum acct_method method,
                      const char *ip, const char *user_agent, acct_outcome *o) LP_MUST;
/* The passkey step done: the session carries its person's full rights
 * (audited). LP_ERR_STATE when it owed nothing. */
int acct_session_stepup(db_t *db, const actor_t *who, int64_t session_id) LP_MUST;
/* Revokes one of person_id's live sessions (audited); another person's or
 * an ended one is LP_ERR_NOTFOUND. */
int acct_revoke_own_session(db_t *db, const actor_t *who, int64_t person_id, int64_t session_id) LP_MUST;
/* Signs person_id out everywhere: every live session but keep_session_id
 * (0: all), each revocation audited; the count in *revoked. */
int acct_signout_everywhere(db_t *db, const actor_t *who, int64_t person_id, int64_t keep_session_id,
                            int64_t *revoked) LP_MUST;

/* Creates an API key; the full key "lpk_<id>_<secret>" goes to key_out once.
 * role is "staff" (person_id set) or "door" (door_id set). */
int acct_apikey_create(db_t *db, const actor_t *who, const char *name, const char *role,
                       int64_t person_id, int64_t door_id, char *key_out, size_t keylen,
                       int64_t *id_out) LP_MUST;
int acct_apikey_revoke(db_t *db, const actor_t *who, int64_t id) LP_MUST;

/* Listings for staff (acct_list.c). Each fails as a whole when a step fails,
 * never a short list; on success the caller frees *out. */
typedef struct acct_session_info {
    int64_t id, person_id, created_at, expires_at, last_seen_at;
    enum acct_method method;
    int staff_pending;
    char client_ip[64];
    char user_agent[ACCT_UA_MAX + 1];
} acct_session_info;
/* Sessions alive at now (not revoked, not expired), of person_id or of
 * everybody when person_id is 0, with an id above after_id; at most max,
 * oldest first. */
int acct_list_sessions(db_t *db, int64_t person_id, int64_t now, int64_t after_id, size_t max,
                       acct_session_info **out, size_t *n) LP_MUST;
typedef struct acct_apikey_info {
    int64_t id, person_id, door_id, created_at, revoked_at;   /* 0: none */
    char name[101], role[16];
} acct_apikey_info;
/* Every API key, revoked ones included, oldest first (the secret is never
 * stored, so never listed). */
int acct_list_apikeys(db_t *db, acct_apikey_info **out, size_t *n) LP_MUST;
/* Retention: removes sessions and known devices that ended (expired or
 * revoked) before `before`, and sign-in throttle records last touched before
 * it and no longer delaying anyone. Count in *removed. In the caller's
 * transaction when one is open. */
int acct_prune(db_t *db, int64_t before, int64_t *removed) LP_MUST;

/* Sets a person's password (hashes it) and revokes their sessions. The hash
 * takes a pool slot: call it before opening a transaction, or use
 * acct_store_password with a hash made beforehand. */
int acct_set_password(db_t *db, const actor_t *who, int64_t person_id, const char *password) LP_MUST;
/* Stores an acct_hash_password result and revokes the person's sessions. */
int acct_store_password(db_t *db, const actor_t *who, int64_t person_id, const char *hash) LP_MUST;

/* Creates a one-time setup token for a person without a password (invites);
 * token shown once; valid for ttl seconds. */
int acct_setup_token(db_t *db, int64_t person_id, int64_t ttl, char token_out[ACCT_TOKEN_LEN]) LP_MUST;
/* Consumes a setup token and sets the password. */
int acct_setup_consume(db_t *db, const char *token, const char *password) LP_MUST;

#endif
