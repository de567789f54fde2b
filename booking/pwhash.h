/* pwhash.h: the bounded pool through which every argon2id hash and check runs.
 * Each argon2id computation takes crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB)
 * while it runs; at most `workers` run at once in this process, so the memory
 * they take is bounded by configuration, not by how many clients ask at once.
 * A caller that finds every slot taken waits at most `wait_ms` and then gets
 * LP_ERR_BUSY (the API answers 503 with Retry-After). */
#ifndef LP_PWHASH_H
#define LP_PWHASH_H
#include <stddef.h>
#include <sodium.h>
#include "core/err.h"

#define PWH_WORKERS_DEFAULT 2
#define PWH_WORKERS_MAX 64
#define PWH_WAIT_MS_DEFAULT 2000
/* Memory one running computation takes (bytes). */
#define PWH_MEM_PER_WORKER ((size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE)

/* Sets the bounds (workers 1..PWH_WORKERS_MAX, wait_ms 0..60000); values
 * outside are clamped. Safe to call at any time from any thread. */
void pwh_configure(int workers, int wait_ms);
int pwh_workers(void);

/* argon2id hash of password into out (at least crypto_pwhash_STRBYTES).
 * LP_ERR_BUSY when no slot freed up in time, LP_ERR_NOMEM when libsodium
 * could not allocate. */
int pwh_hash(const char *password, char *out, size_t outlen) LP_MUST;
/* Checks password against a stored hash: 0 when it matches, LP_ERR_UNAUTH
 * when not, LP_ERR_BUSY when no slot freed up in time. */
int pwh_verify(const char *hash, const char *password) LP_MUST;

#endif
