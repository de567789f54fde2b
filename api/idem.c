/* idem.c: Idempotency-Key lookups and stores for handlers (see idem.h). */
#include "api/idem.h"
#include "core/clock.h"
#include "db/idem.h"
#include <stdlib.h>
#include <string.h>

int api_idem_hash(const char *route, const json_t *body, char out[API_IDEM_HASH_HEX])
{
    char *canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (!canon) return LP_ERR_NOMEM;
    crypto_hash_sha256_state h;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)route, strlen(route) + 1);   /* with its NUL */
    crypto_hash_sha256_update(&h, (const unsigned char *)canon, strlen(canon));
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(out, API_IDEM_HASH_HEX, d, sizeof d);
    free(canon);
    return 0;
}

int api_idem_lookup(api_ctx *c, const char *key, const char *hash, int *status, char **body, lp_fail *f)
{
    idem_record r;
    int rc = idem_get(c->db, c->caller.person_id, key, &r);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    if (r.request_hash[0] && strcmp(r.request_hash, hash) != 0) {   /* '' : stored before hashes existed */
        free(r.body);
        return lp_failf(f, LP_ERR_RULE, "Idempotency-Key", "this Idempotency-Key was used with a different "
                        "request; use a new key for a new request");
    }
    *status = r.status;
    *body = r.body;
    return 1;
}

int api_idem_store(api_ctx *c, const char *route, const char *key, const char *hash, int status, const char *body)
{
    return idem_put(c->db, c->caller.person_id, key, route, hash, status, body, clk_now());
}
