/* oidc_rp.h: labpass as an OpenID Connect relying party, the back channel:
 * discovery (/.well-known/openid-configuration), the provider's JWKS, the
 * authorization URL (code flow with PKCE S256, state and nonce), the token
 * request, and the ID token's checks. Signatures are verified with libjose
 * (RS256, ES256); libjose 11 has no OKP keys, so EdDSA (Ed25519) is verified
 * with libsodium's crypto_sign_verify_detached over the parts libjose's
 * base64url decoder gives. Discovery and JWKS are cached per provider and
 * fetched again at most every OIDC_MIN_REFETCH seconds (an unknown kid asks
 * for the JWKS again, once), so nobody can make labpassd hammer a provider;
 * every answer is bounded in time and size. */
#ifndef LP_OIDC_RP_H
#define LP_OIDC_RP_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "booking/oidc.h"

#define OIDC_TIMEOUT 10            /* seconds for a back-channel request */
#define OIDC_MAX_BODY (256 * 1024) /* bytes of a back-channel answer */
#define OIDC_MAX_TOKEN 16384       /* characters of an ID token */
#define OIDC_CACHE_TTL 3600        /* discovery and JWKS are used this long */
#define OIDC_MIN_REFETCH 60        /* and asked for again at most this often */
#define OIDC_SKEW 120              /* clock skew allowed on exp and iat */
#define OIDC_MAX_AGE 600           /* an ID token issued longer ago is too old */

/* What an ID token must show. issuer_template, when set, is a discovery
 * issuer with "{tenantid}" in it (Microsoft Entra's common and organizations
 * endpoints): the token's iss must then be that template with its own "tid"
 * claim (a GUID) in place of "{tenantid}", and issuer is not used. */
typedef struct oidc_expect {
    const char *issuer, *client_id, *nonce;
    int64_t now;
    const char *issuer_template;
} oidc_expect;

/* Does the discovery document's issuer fit the configured one? Equal, or a
 * template whose "{tenantid}" stands where the configured issuer names a
 * multi-tenant segment (common, organizations or consumers). */
int oidc_issuer_fits(const char *configured, const char *discovered);

/* Verifies a compact JWS ID token against jwks and e: 0 with the claims
 * (caller json_decref's), LP_ERR_NOTFOUND when no key of jwks fits the
 * header (the caller may fetch the JWKS again), LP_ERR_CRYPTO for a bad
 * signature or algorithm, LP_ERR_INVALID for a claim that does not hold;
 * why says which. */
int oidc_rp_verify(const char *jwt, const json_t *jwks, const oidc_expect *e, json_t **claims, char *why,
                   size_t whylen) LP_MUST;

/* The authorization endpoint URL for a pending login (caller frees). */
int oidc_rp_auth_url(const oidc_provider *p, const char *redirect_uri, const char *state, const oidc_pending *pend,
                     char **url) LP_MUST;

/* Completes a login: exchanges code (with the PKCE verifier and the client
 * secret, sealed) at the token endpoint and verifies the ID token. 0 with the
 * claims, or an lp_err with why (LP_ERR_IO when the provider cannot be
 * reached or answers badly). */
int oidc_rp_finish(const oidc_provider *p, const uint8_t *sealed, size_t sealed_len, const char *code,
                   const oidc_pending *pend, const char *redirect_uri, json_t **claims, char *why,
                   size_t whylen) LP_MUST;

/* Forgets what is cached of a provider (after staff change it). */
void oidc_rp_forget(int64_t provider_id);
/* CA file for the back channel (tests); "" for the system's. */
void oidc_rp_set_ca_file(const char *path);

#endif
