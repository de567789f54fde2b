/* api.h: the labpassd HTTP server (libmicrohttpd, a thread per client
 * connection, JSON API, static web assets). Each request borrows a SQLite
 * connection from a pool for its duration. */
#ifndef LP_API_H
#define LP_API_H
#include <stddef.h>
#include "core/err.h"
#include "booking/account.h"

typedef struct api_config {
    const char *address;     /* listen address, e.g. "127.0.0.1" */
    int port;                /* 0 picks a free port (see api_port) */
    const char *db_path;
    int max_connections;     /* client connections served at once (a thread each), default 256 */
    const char *tls_cert;    /* PEM files; both NULL for plain HTTP */
    const char *tls_key;
    const char *web_root;    /* folder of static assets served at /, or NULL */
    int max_per_client;      /* connections at once per client address (default 64; api/edge.h) */
    int request_timeout;     /* seconds for each request head and body, and idle keep-alive (default 10) */
    const char *trusted_proxies[8]; /* numeric addresses whose X-Forwarded-For is believed */
    int ntrusted;
    acct_policy policy;
} api_config;

typedef struct api_server api_server;

/* Starts serving; caller stops with api_stop(). */
int api_start(const api_config *cfg, api_server **out) LP_MUST;
int api_port(const api_server *s);
void api_stop(api_server *s);

/* The route table, for the OpenAPI comparison test. */
struct api_route_info { const char *method; const char *pattern; unsigned roles; };
size_t api_route_count(void);
struct api_route_info api_route_at(size_t i);

#endif
