/* edge.h: the HTTP edge of labpassd, what is checked and bounded before a
 * request reaches the router.
 *
 * - Request-targets: origin-form only (a path starting with '/'); `*` only
 *   with OPTIONS; absolute-form and anything else is refused with 400.
 * - Framing: exactly one Content-Length, never with Transfer-Encoding.
 * - Bodies of state-changing requests are JSON (Content-Type
 *   application/json), so no cross-site HTML form can send one.
 * - Time: a connection must deliver each request head within the request
 *   timeout of connecting or of its previous answer (this is also the idle
 *   keep-alive bound), and the body within the timeout of the head. Trickling
 *   one byte at a time does not extend either: a watchdog thread shuts the
 *   socket down at the deadline, whatever arrived meanwhile.
 * - Connections: at most max_per_client at once from one address. A
 *   configured trusted proxy is exempt; behind it the client is the
 *   rightmost X-Forwarded-For address that is not itself a trusted proxy,
 *   and at most max_per_client of its requests are in progress at once, from
 *   the end of the head to the answer (429 beyond).
 * - A full table: when all max_connections slots are taken, a new
 *   connection closes the one that has waited longest for its request (head
 *   or body incomplete, or idle between requests); only connections whose
 *   request is being served are never cut. So slow clients from many
 *   addresses cannot keep a prompt client out either.
 */
#ifndef LP_API_EDGE_H
#define LP_API_EDGE_H
#include <stddef.h>
#include <sys/socket.h>
#include <microhttpd.h>

#define EDGE_MAX_PROXIES 8
/* Connections libmicrohttpd may hold beyond max_connections: those cut to
 * make room for a new one, until their threads have closed them. */
#define EDGE_SLACK 8

typedef struct edge_config {
    int max_connections;                          /* size of the connection table */
    int max_per_client;                           /* connections (or requests via a proxy) per client */
    int request_timeout;                          /* seconds, head and body each */
    const char *trusted_proxies[EDGE_MAX_PROXIES]; /* numeric IPv4/IPv6 addresses */
    int ntrusted;
} edge_config;

/* Starts the connection table and its watchdog thread; 0 or an lp_err.
 * The strings in cfg are borrowed until edge_stop(). */
int edge_start(const edge_config *cfg);
/* Stops the watchdog; call after the HTTP daemon has stopped. Accepts a
 * never-started edge. */
void edge_stop(void);

/* libmicrohttpd callbacks: accept policy (the per-client cap) and connection
 * start and end (the connection table). */
enum MHD_Result edge_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void edge_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                 enum MHD_ConnectionNotificationCode toe);

/* Phases of a connection's current request, which set its deadline:
 * the head arrived (the body deadline starts), the body is complete (no
 * deadline while the handler runs), the answer was sent (the next head's
 * deadline starts). */
void edge_head_done(struct MHD_Connection *conn);
void edge_handling(struct MHD_Connection *conn);
void edge_answered(struct MHD_Connection *conn);

/* The request-target as the client sent it (before percent-decoding): 0
 * for origin-form (a path starting with '/', printable ASCII only), 1 for
 * "*" (which only OPTIONS may use), -1 for anything else, absolute-form
 * included. */
int edge_target(const char *target);
/* Header checks before the body is read. 0 when the request may go on;
 * otherwise the HTTP status to answer (400 or 415) and a sentence in why. */
int edge_headers(struct MHD_Connection *conn, const char *method, char *why, size_t len);
/* The client's address: the peer, or behind a trusted proxy the forwarded
 * client. Writes a numeric address (or "unknown") into out[len]. Returns 1
 * when the request came through a trusted proxy, 0 when the peer is the
 * client, -1 when a trusted proxy's X-Forwarded-For holds something other
 * than addresses where the client should be (answer 400: falling back to
 * the proxy's address would let one client pass as all of them). */
int edge_client(struct MHD_Connection *conn, char *out, size_t len);
/* Counts a request of a client behind a trusted proxy from the end of its
 * head; -1 when that client already has max_per_client requests in progress
 * (answer 429). edge_answered releases it. */
int edge_forwarded_begin(struct MHD_Connection *conn, const char *client);

#endif
