/* door_net.h: the door's HTTP client (libcurl) for sync and event upload.
 *
 * Guarantees: TLS peer and host verification always on (an optional CA file
 * replaces the system store, never disables the check); only https, or
 * plain http to the loopback interface when the config's url says so; no
 * redirects followed; connect and whole-request timeouts on every request;
 * answers bounded by the caller's max (LP_ERR_TOOBIG beyond it); no signals
 * (safe in threads). The API key travels only in the Authorization header
 * and is never logged. One door_net_t per thread. */
#ifndef LP_DOOR_NET_H
#define LP_DOOR_NET_H
#include <stddef.h>
#include <stdint.h>
#include "access/door/door_cfg.h"
#include "core/err.h"

typedef struct door_net door_net_t;

struct door_http {
    long status;              /* HTTP status, 0 when no answer */
    uint8_t *body;            /* NUL-terminated (not counted in len); caller frees with door_http_free */
    size_t len;
    char content_type[96];
};

/* Creates a client for cfg->url with cfg's key, CA file and timeouts
 * (copied). Caller owns *out and frees it with door_net_destroy(). */
int door_net_create(const struct door_cfg *cfg, door_net_t **out) LP_MUST;
/* Wipes the key and frees; accepts NULL. */
void door_net_destroy(door_net_t *n);
/* One request: method "GET" or "POST", path starting with "/", body (JSON,
 * POST only, may be NULL). Any HTTP status is a 0 return (check
 * out->status); transport failures return LP_ERR_TIMEOUT, LP_ERR_IO,
 * LP_ERR_CRYPTO (TLS), LP_ERR_TOOBIG (answer over max_body) or LP_ERR_NOMEM. */
int door_net_request(door_net_t *n, const char *method, const char *path, const char *body, size_t body_len,
                     size_t max_body, struct door_http *out) LP_MUST;
/* Frees out->body and clears *out; accepts NULL. */
void door_http_free(struct door_http *r);

#endif
