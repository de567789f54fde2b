/* idem.h: the Idempotency-Key header for POST routes (IETF draft "The
 * Idempotency-Key HTTP Header Field"). A key is bound to the request that
 * first used it: the SHA-256 of the route and the body in canonical form
 * (compact, keys sorted), so the same JSON however it is spaced or ordered is
 * the same payload. A replay with the same payload answers the stored answer;
 * with another payload 422. Storage is db/idem.c. */
#ifndef LP_API_IDEM_H
#define LP_API_IDEM_H
#include <jansson.h>
#include <sodium.h>
#include "api/ctx.h"

#define API_IDEM_HASH_HEX (2 * crypto_hash_sha256_BYTES + 1)

/* The request hash of body sent to route ("POST /api/v1/..."). */
int api_idem_hash(const char *route, const json_t *body, char out[API_IDEM_HASH_HEX]) LP_MUST;
/* The stored answer for the caller's key: 1 with *status and *body (caller
 * frees) for the same request, 0 when the key is unused, LP_ERR_RULE (in f)
 * when it was used for another request, or a database error. */
int api_idem_lookup(api_ctx *c, const char *key, const char *hash, int *status, char **body, lp_fail *f) LP_MUST;
/* Stores the answer for the caller's key in the current transaction. */
int api_idem_store(api_ctx *c, const char *route, const char *key, const char *hash, int status,
                   const char *body) LP_MUST;

#endif
