/* idem.h: stored answers of Idempotency-Key requests. A key belongs to one
 * person; its row keeps the route, the hash of the request that first used
 * it, and the answer (status and body) to replay. The HTTP side (what is
 * hashed, when to replay) is api/idem.c. */
#ifndef LP_DB_IDEM_H
#define LP_DB_IDEM_H
#include <stdint.h>
#include "db/db.h"

/* Keys are kept this long (seconds), then pruned: a day, as payment APIs do. */
#define IDEM_TTL (24 * 3600)

typedef struct idem_record {
    int status;
    char *body;              /* owned: free() */
    char request_hash[65];   /* hex SHA-256, "" for keys stored before hashes existed */
} idem_record;

/* The stored answer for (person_id, key): 0 and *out filled, LP_ERR_NOTFOUND
 * when the key is unused, or the error as db_step (never "not found" for a
 * failed read). */
int idem_get(db_t *db, int64_t person_id, const char *key, idem_record *out) LP_MUST;
/* Stores the answer in the caller's transaction; LP_ERR_CONFLICT when the
 * key was stored meanwhile. */
int idem_put(db_t *db, int64_t person_id, const char *key, const char *route, const char *request_hash,
             int status, const char *body, int64_t now) LP_MUST;
/* Deletes keys stored before `before`; *removed counts them (may be NULL). */
int idem_prune(db_t *db, int64_t before, int *removed) LP_MUST;

#endif
