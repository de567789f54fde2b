/* swauth.h: a software WebAuthn authenticator for tests: Ed25519 (libsodium),
 * ES256 or RS256 (OpenSSL) keys, real authenticatorData and attestation objects in
 * CBOR (libcbor), clientDataJSON as a browser writes it. Every part can be
 * tampered with to test the server's refusals. */
#ifndef LP_SWAUTH_H
#define LP_SWAUTH_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum { SW_ED25519 = 0, SW_ES256 = 1, SW_RS256 = 2 };

typedef struct sw_key {
    int es256;                     /* SW_ED25519, SW_ES256 or SW_RS256 */
    unsigned char ed_pk[32], ed_sk[64];
    void *ec;                      /* EVP_PKEY * for ES256 and RS256 */
    unsigned char cred_id[32];
    uint32_t counter;              /* the next use signs counter + 1; 0 stays 0 */
    int zero_counter;              /* never count (as many platform passkeys) */
} sw_key;

/* What to write instead of the honest value (zero: honest). */
typedef struct sw_tamper {
    const char *origin;            /* clientDataJSON origin */
    const char *rp_id;             /* hashed into authenticatorData */
    const char *type;              /* clientDataJSON type */
    const char *challenge;         /* base64url, instead of the one given */
    int flags;                     /* authenticatorData flags when non-zero */
    int64_t counter;               /* signed counter when > 0 */
    int packed;                    /* packed self attestation instead of none */
    int x5c;                       /* packed with an attestation certificate (x5c, ES256): 1 signed by its
                                      key, 2 signed by the credential's key instead (does not verify) */
    int bad_sig;                   /* flip a bit of the signature */
    int cross_origin;              /* crossOrigin: true */
} sw_tamper;

/* A new key of kind alg (SW_ED25519, SW_ES256, SW_RS256: RSA 2048). */
void sw_new(sw_key *k, int alg);
void sw_free(sw_key *k);
/* The registration body for options (the server's answer to
 * POST /me/passkeys/options) as a JSON text (caller frees). */
char *sw_register_body(sw_key *k, const json_t *options, const char *rp_id, const char *origin, const char *name,
                       const sw_tamper *t);
/* The assertion body for options (PasskeyRequestOptions); with user_handle
 * (base64url) when not NULL. Caller frees. */
char *sw_assert_body(sw_key *k, const json_t *options, const char *rp_id, const char *origin, const char *user_handle,
                     const sw_tamper *t);
/* base64url of the credential id (static buffer). */
const char *sw_cred_id(const sw_key *k);
/* Any base64url of n bytes (caller frees). */
char *sw_b64(const unsigned char *p, size_t n);

#endif
