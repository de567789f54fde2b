/* oidc.h: single sign-on with OpenID Connect, the part that lives in the
 * database: the providers staff register and their rules (which e-mail
 * domain or group lands in which tenant as what, or becomes staff), the
 * links between a provider's subject identifier and a person, the pending
 * logins between the redirect and the callback, and the decision who a
 * verified ID token signs in as. The back channel (discovery, JWKS, the
 * token request, the signature checks) is api/oidc_rp.c; this file never
 * sees a token, only the claims it verified. */
#ifndef LP_OIDC_H
#define LP_OIDC_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"
#include "booking/account.h"

#define OIDC_SEALED_MAX 512
#define OIDC_PENDING_TTL 600          /* a login must come back within 10 minutes */
#define OIDC_PENDING_PER_CLIENT 10    /* live pending logins per client address */
#define OIDC_PENDING_TOTAL 2000       /* live pending logins in all */
#define OIDC_RULES_MAX 50
#define OIDC_STATE_LEN 48             /* 32 random bytes in base64url + NUL, with room */

typedef struct oidc_provider {
    int64_t id;
    char name[101];
    char issuer[501];
    char client_id[256];
    char scopes[501];
    char groups_claim[101];
    int enabled;
    int has_secret;
    int64_t created_at, updated_at;
} oidc_provider;

typedef struct oidc_rule {
    int64_t id, provider_id;
    char kind[8];        /* domain | group */
    char value[256];     /* an e-mail domain (lower case) or a group's name */
    int64_t tenant_id;   /* 0 with role staff */
    char role[16];       /* member | tenant_admin | staff */
    int approval;        /* a new person waits (disabled) for an admin to enable them */
} oidc_rule;

/* An issuer or endpoint URL labpass may talk to: https with a host, or http to
 * a loopback address (127.0.0.1, [::1], localhost; tests); no credentials,
 * query, fragment, spaces or controls. 0 or LP_ERR_INVALID with why. */
int oidc_url_ok(const char *url, char *why, size_t whylen) LP_MUST;
/* Checks every field of p; names the first bad one in f. */
int oidc_validate(const oidc_provider *p, lp_fail *f) LP_MUST;

/* Providers. sealed (may be NULL: a public client using PKCE alone) is the
 * client secret sealed with the key file (access/issuer iss_seal). Audited. */
int oidc_provider_create(db_t *db, const actor_t *who, oidc_provider *p, const uint8_t *sealed, size_t sealed_len,
                         lp_fail *f) LP_MUST;
/* Saves name, issuer, client_id, scopes, groups_claim, enabled; with
 * set_secret also the sealed secret (NULL removes it). */
int oidc_provider_update(db_t *db, const actor_t *who, const oidc_provider *p, int set_secret, const uint8_t *sealed,
                         size_t sealed_len, lp_fail *f) LP_MUST;
/* Deletes a provider with its rules, links and pending logins. */
int oidc_provider_delete(db_t *db, const actor_t *who, int64_t id) LP_MUST;
int oidc_provider_get(db_t *db, int64_t id, oidc_provider *out) LP_MUST;
/* The sealed secret (*len 0 when there is none). */
int oidc_provider_secret(db_t *db, int64_t id, uint8_t *out, size_t cap, size_t *len) LP_MUST;
/* All providers, or only the enabled ones, by name. Caller frees. */
int oidc_provider_list(db_t *db, int only_enabled, oidc_provider **out, size_t *n) LP_MUST;

/* Replaces the provider's rules with r[0..n) (checked: kinds, roles, the
 * tenant exists). Audited. */
int oidc_rules_set(db_t *db, const actor_t *who, int64_t provider_id, const oidc_rule *r, size_t n,
                   lp_fail *f) LP_MUST;
int oidc_rules_list(db_t *db, int64_t provider_id, oidc_rule **out, size_t *n) LP_MUST;

/* A pending login: what the callback needs back. */
typedef struct oidc_pending {
    int64_t provider_id;
    int64_t link_person_id;  /* a signed-in person linking this provider, or 0 */
    char nonce[48];
    char verifier[48];       /* PKCE code_verifier (S256) */
} oidc_pending;

/* Starts a login for provider from client_ip (link_person_id: a signed-in
 * person linking the provider to their account, else 0): fresh state,
 * browser binding, nonce and verifier; only hashes of state and binding are
 * stored. Expired logins are dropped first; LP_ERR_THROTTLED when the client
 * or everybody has too many live ones, LP_ERR_NOTFOUND for an unknown or
 * disabled provider. */
int oidc_pending_create(db_t *db, int64_t provider_id, int64_t link_person_id, const char *client_ip,
                        char state[OIDC_STATE_LEN], char binding[OIDC_STATE_LEN], oidc_pending *out) LP_MUST;
/* Takes the pending login of state (used up whatever happens next): 0 when it
 * exists, has not expired and binding matches; LP_ERR_NOTFOUND otherwise. */
int oidc_pending_take(db_t *db, const char *state, const char *binding, oidc_pending *out) LP_MUST;

/* The verified claims of an ID token (borrowed strings). */
typedef struct oidc_identity {
    const char *sub;
    const char *email;      /* "" when the provider sent none */
    int email_verified;
    const char *name;       /* "" when none */
    const char *const *groups;
    size_t ngroups;
} oidc_identity;

/* Why a sign-in was refused: problem codes, each with an English and Dutch
 * sentence in the web app. */
#define OIDC_NO_ACCOUNT "oidc-no-account"
#define OIDC_LINK_REQUIRED "oidc-link-required"
#define OIDC_LINKED_ELSEWHERE "oidc-linked-elsewhere"
#define OIDC_PERSON_DISABLED "oidc-person-disabled"
#define OIDC_AWAITING_APPROVAL "oidc-awaiting-approval"
#define OIDC_TENANT_SUSPENDED "oidc-tenant-suspended"

typedef struct oidc_result {
    int64_t person_id;
    char token[ACCT_TOKEN_LEN];
    int64_t expires_at;
    const char *refusal;    /* static; set with LP_ERR_FORBIDDEN */
} oidc_result;

/* Signs a person in with a verified identity from provider_id: by the link
 * of (provider, sub); with link_person_id, links sub to that person first;
 * otherwise, for an unlinked sub, a new person by the first matching rule
 * (groups before domains; the domain only of a verified e-mail address). An
 * unlinked sub whose e-mail address belongs to an existing person is refused
 * (link-required: sign in with the password and link from the account page).
 * Disabled people and people of a suspended or offboarded tenant are refused.
 * On success a session is made (as a password sign-in makes one); all in one
 * transaction. LP_ERR_FORBIDDEN with r->refusal set for a refusal. */
int oidc_signin(db_t *db, const acct_policy *pol, int64_t provider_id, int64_t link_person_id,
                const oidc_identity *id, const char *client_ip, oidc_result *r) LP_MUST;

/* Drops expired pending logins (the worker's daily prune may call it). */
int oidc_pending_prune(db_t *db, int64_t now) LP_MUST;

#endif
