/* access_json.h: JSON shapes of the access objects for the access handlers.
 * Each returns a new reference (json_null() for an absent value). */
#ifndef LP_API_ACCESS_JSON_H
#define LP_API_ACCESS_JSON_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "access/issuer/issuer.h"
#include "api/ctx.h"

/* Bytes as unpadded base64url / lowercase hex (null when too long). */
json_t *aj_b64u(const uint8_t *p, size_t n);
json_t *aj_hex(const uint8_t *p, size_t n);
json_t *aj_id_or_null(int64_t v);   /* null for 0 or less */
json_t *aj_utc(int64_t t);          /* RFC 3339 in UTC, null for 0 or less */
json_t *aj_key(const iss_key *k);   /* a signing key; also a usable JWK */
json_t *aj_groups(const char *groups);
json_t *aj_pass(const iss_pass *p);
json_t *aj_cred(const iss_credential *cr);
json_t *aj_door(const iss_door *d);
/* The signing keys a verifier trusts at now, as an array in *out; an error
 * (and *out NULL) when they cannot be read, never a short list. */
int aj_trust(db_t *db, int64_t now, json_t **out) LP_MUST;

#endif
