/* passkey.h: passkeys (WebAuthn credentials) of people.
 * The relying party is the site as its public_url names it: the RP ID is the
 * URL's host, the origin its scheme, host and port; without a public_url
 * passkeys are off (LP_ERR_STATE). Every ceremony starts with a challenge of
 * 32 random bytes that lives PK_CHALLENGE_TTL seconds and is used once (it
 * is removed before the answer is checked, so a failed answer uses it up
 * too). Unauthenticated clients hold at most PK_CHALLENGES_PER_IP live
 * sign-in challenges each, and the site at most PK_CHALLENGES_MAX.
 * Registrations are checked with libfido2: clientDataJSON (type, challenge,
 * origin, crossOrigin), authenticatorData (RP ID hash, user presence,
 * attested credential data with an ES256, Ed25519 or RS256 key) and the
 * attestation statement ("none", or "packed" self or x5c attestation).
 * Assertions the same way, with the signature checked against the stored
 * key; user verification is required for a sign-in without a password; a
 * signature counter that does not increase (when either is non-zero) marks
 * the passkey cloned, and a cloned or revoked passkey never signs in. */
#ifndef LP_PASSKEY_H
#define LP_PASSKEY_H
#include <stddef.h>
#include <stdint.h>
#include "booking/audit.h"
#include "core/fail.h"
#include "db/db.h"

#define PK_CHALLENGE_LEN 32
#define PK_CHALLENGE_TTL 300
#define PK_CHALLENGES_PER_IP 20
#define PK_CHALLENGES_MAX 10000
#define PK_HANDLE_LEN 16
#define PK_NAME_MAX 100
#define PK_CRED_ID_MAX 1023
#define PK_PER_PERSON_MAX 20

enum pk_purpose { PK_REGISTER, PK_SIGNIN, PK_STEPUP };

/* The relying party from the site's public_url: rp_id (host) and origin. */
typedef struct pk_rp {
    char id[256];
    char origin[300];
} pk_rp;
/* LP_ERR_STATE (with f) when public_url is not set. */
int pk_rp_get(pk_rp *rp, lp_fail *f) LP_MUST;

/* A new challenge for purpose; person_id for PK_REGISTER and PK_STEPUP,
 * session_id for PK_STEPUP. Also removes expired challenges.
 * LP_ERR_THROTTLED when the client or the site holds too many. */
int pk_challenge_new(db_t *db, enum pk_purpose purpose, int64_t person_id, int64_t session_id, const char *ip,
                     unsigned char out[PK_CHALLENGE_LEN]) LP_MUST;

/* The person's user handle (made on first use), PK_HANDLE_LEN bytes. */
int pk_user_handle(db_t *db, int64_t person_id, unsigned char out[PK_HANDLE_LEN]) LP_MUST;

/* Credential ids of the person's live passkeys (excludeCredentials /
 * allowCredentials). Caller frees each (*ids)[i].id and *ids. */
typedef struct pk_cred_id { unsigned char *id; size_t len; } pk_cred_id;
int pk_person_cred_ids(db_t *db, int64_t person_id, pk_cred_id **ids, size_t *n) LP_MUST;
void pk_cred_ids_free(pk_cred_id *ids, size_t n);

/* A registration answer (decoded bytes). */
typedef struct pk_registration {
    const char *name;
    const unsigned char *client_data; size_t client_data_len;
    const unsigned char *att_obj; size_t att_obj_len;
} pk_registration;
/* Checks and stores a new passkey for person_id (audited). Refusals:
 * LP_ERR_INVALID with f (bad encoding, wrong type or origin, unknown
 * challenge, RP ID, flags, signature), LP_ERR_CONFLICT (the credential is
 * already registered), LP_ERR_RULE (PK_PER_PERSON_MAX reached). */
int pk_register(db_t *db, const actor_t *who, int64_t person_id, const pk_registration *r, int64_t *id_out,
                lp_fail *f) LP_MUST;

/* An assertion answer (decoded bytes; user_handle may be NULL). */
typedef struct pk_assertion {
    const unsigned char *cred_id; size_t cred_id_len;
    const unsigned char *client_data; size_t client_data_len;
    const unsigned char *auth_data; size_t auth_data_len;
    const unsigned char *sig; size_t sig_len;
    const unsigned char *user_handle; size_t user_handle_len;
} pk_assertion;
/* Checks an assertion for purpose PK_SIGNIN (any person's passkey; user
 * verification required) or PK_STEPUP (a passkey of person_id, answering a
 * challenge of session_id). On success the counter and last use are stored
 * and *person_out / *passkey_out set. LP_ERR_UNAUTH with f for any refusal
 * about the credential (unknown, revoked, cloned, another person's, bad
 * signature), LP_ERR_INVALID with f for a malformed answer. */
int pk_assert(db_t *db, enum pk_purpose purpose, int64_t person_id, int64_t session_id, const pk_assertion *a,
              int64_t *person_out, int64_t *passkey_out, lp_fail *f) LP_MUST;

/* Whether the person has a live passkey (for the staff step). */
int pk_person_has(db_t *db, int64_t person_id, int *has) LP_MUST;

typedef struct pk_info {
    int64_t id, created_at, last_used_at, revoked_at, cloned_at;   /* 0: none */
    int64_t sign_count;
    int alg, uv, backup_eligible, backed_up;
    char name[PK_NAME_MAX + 1];
    char aaguid[37];
    char fmt[16];
} pk_info;
/* The person's passkeys, revoked ones included, oldest first. Caller frees. */
int pk_list(db_t *db, int64_t person_id, pk_info **out, size_t *n) LP_MUST;
/* One passkey of the person (LP_ERR_NOTFOUND for another person's). */
int pk_get(db_t *db, int64_t person_id, int64_t id, pk_info *out) LP_MUST;
int pk_rename(db_t *db, const actor_t *who, int64_t person_id, int64_t id, const char *name, lp_fail *f) LP_MUST;
/* Revokes (audited); a revoked one again is LP_ERR_STATE. */
int pk_revoke(db_t *db, const actor_t *who, int64_t person_id, int64_t id) LP_MUST;

/* Demo data: a synced phone passkey in use and a revoked security key for
 * person_id (keys nobody holds: they are listed, never used). */
int pk_demo_seed(db_t *db, const actor_t *who, int64_t person_id) LP_MUST;

#endif
