/* edge.c: see edge.h. One table of open connections (slot per connection,
 * found again through libmicrohttpd's socket context), guarded by one mutex,
 * and a watchdog thread that shuts down the sockets whose deadline passed;
 * when the table is full, the accept policy shuts down the connection that
 * has waited longest instead of refusing the new one. libmicrohttpd's own
 * thread for a connection shut down so then sees the end of the stream and
 * closes it. */
#include "api/edge.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum phase { PH_FREE, PH_HEAD, PH_BODY, PH_RUN, PH_CUT };

struct slot {
    enum phase phase;
    int fd;
    int64_t since_us;             /* start of the current deadline */
    char ip[INET6_ADDRSTRLEN];    /* the peer */
    char fwd[INET6_ADDRSTRLEN];   /* the forwarded client of the running request, or "" */
};

static struct {
    edge_config cfg;
    struct slot *slots;
    int nslots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t watchdog;
    int running, stop;
} E = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/* ---- addresses ---- */

static void addr_text(const struct sockaddr *sa, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    if (!sa) return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

/* A numeric address in canonical form into out, or -1. */
static int canon_ip(const char *s, char *out, size_t len)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, s, buf) == 1) return inet_ntop(AF_INET, buf, out, (socklen_t)len) ? 0 : -1;
    if (inet_pton(AF_INET6, s, buf) == 1) return inet_ntop(AF_INET6, buf, out, (socklen_t)len) ? 0 : -1;
    return -1;
}

/* The trusted proxies in canonical form (set once by edge_start). */
static char g_trusted[EDGE_MAX_PROXIES][INET6_ADDRSTRLEN];

static int is_trusted(const char *ip)
{
    for (int i = 0; i < E.cfg.ntrusted; i++)
        if (strcmp(ip, g_trusted[i]) == 0) return 1;
    return 0;
}

/* ---- the connection table ---- */

static struct slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    intptr_t i = ci ? (intptr_t)ci->socket_context : 0;
    return i > 0 && i <= E.nslots ? &E.slots[i - 1] : NULL;
}

static void set_phase(struct MHD_Connection *conn, enum phase ph)
{
    pthread_mutex_lock(&E.mu);
    struct slot *s = slot_of(conn);
    if (s && s->phase != PH_CUT) {
        s->phase = ph;
        s->since_us = clk_mono_us();
        if (ph == PH_HEAD) s->fwd[0] = '\0';
    }
    pthread_mutex_unlock(&E.mu);
}

void edge_head_done(struct MHD_Connection *conn) { set_phase(conn, PH_BODY); }
void edge_handling(struct MHD_Connection *conn) { set_phase(conn, PH_RUN); }
void edge_answered(struct MHD_Connection *conn) { set_phase(conn, PH_HEAD); }

/* When every slot is taken: shuts down the connection that has waited
 * longest for its request (head or body incomplete, or idle between
 * requests). 0 when one was cut, -1 when all are being served. Called with
 * E.mu held. */
static int cut_longest_waiting(void)
{
    struct slot *old = NULL;
    for (int i = 0; i < E.nslots; i++) {
        struct slot *s = &E.slots[i];
        if ((s->phase == PH_HEAD || s->phase == PH_BODY) && s->fd >= 0 && (!old || s->since_us < old->since_us))
            old = s;
    }
    if (!old) return -1;
    shutdown(old->fd, SHUT_RDWR);
    old->phase = PH_CUT;
    return 0;
}

enum MHD_Result edge_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    char ip[INET6_ADDRSTRLEN];
    addr_text(addr, ip, sizeof ip);
    int trusted = is_trusted(ip), n = 0, live = 0, ok;
    pthread_mutex_lock(&E.mu);
    for (int i = 0; i < E.nslots; i++) {
        if (E.slots[i].phase == PH_FREE || E.slots[i].phase == PH_CUT) continue;
        live++;
        if (strcmp(E.slots[i].ip, ip) == 0) n++;
    }
    ok = trusted || n < E.cfg.max_per_client;
    if (ok && live >= E.cfg.max_connections && cut_longest_waiting() != 0) ok = 0;
    pthread_mutex_unlock(&E.mu);
    if (!ok) log_debug("http", "refused a connection from %s: %d of its own, %d in all", ip, n, live);
    return ok ? MHD_YES : MHD_NO;
}

static void conn_started(struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ad = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    pthread_mutex_lock(&E.mu);
    int i = 0;
    while (i < E.nslots && E.slots[i].phase != PH_FREE) i++;
    if (i < E.nslots) {
        struct slot *s = &E.slots[i];
        memset(s, 0, sizeof *s);
        s->phase = PH_HEAD;
        s->since_us = clk_mono_us();
        s->fd = fd ? fd->connect_fd : -1;
        addr_text(ad ? ad->client_addr : NULL, s->ip, sizeof s->ip);
        *socket_context = (void *)(intptr_t)(i + 1);
    } else if (fd) {
        shutdown(fd->connect_fd, SHUT_RDWR);   /* more than the daemon's own limit: cannot happen */
    }
    pthread_mutex_unlock(&E.mu);
}

void edge_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                 enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_started(conn, socket_context);
        return;
    }
    intptr_t i = (intptr_t)*socket_context;
    pthread_mutex_lock(&E.mu);
    if (i > 0 && i <= E.nslots) E.slots[i - 1].phase = PH_FREE;
    pthread_mutex_unlock(&E.mu);
    *socket_context = NULL;
}

/* Shuts down every socket whose head or body deadline has passed. */
static void cut_late(void)
{
    int64_t now = clk_mono_us(), limit = (int64_t)E.cfg.request_timeout * 1000000;
    int cut = 0;
    pthread_mutex_lock(&E.mu);
    for (int i = 0; i < E.nslots; i++) {
        struct slot *s = &E.slots[i];
        if ((s->phase == PH_HEAD || s->phase == PH_BODY) && now - s->since_us > limit && s->fd >= 0) {
            shutdown(s->fd, SHUT_RDWR);
            s->phase = PH_CUT;
            cut++;
        }
    }
    pthread_mutex_unlock(&E.mu);
    if (cut) log_debug("http", "closed %d connection(s) past the %d s request deadline", cut, E.cfg.request_timeout);
}

static void *watchdog(void *arg)
{
    pthread_mutex_lock(&E.mu);
    while (!E.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&E.cv, &E.mu, &ts);
        if (E.stop) break;
        pthread_mutex_unlock(&E.mu);
        cut_late();
        pthread_mutex_lock(&E.mu);
    }
    pthread_mutex_unlock(&E.mu);
    return NULL;
}

int edge_start(const edge_config *cfg)
{
    E.cfg = *cfg;
    if (E.cfg.ntrusted < 0 || E.cfg.ntrusted > EDGE_MAX_PROXIES) return LP_ERR_INVALID;
    for (int i = 0; i < E.cfg.ntrusted; i++)
        if (canon_ip(cfg->trusted_proxies[i], g_trusted[i], sizeof g_trusted[i]) != 0) return LP_ERR_INVALID;
    if (E.cfg.max_per_client < 1) E.cfg.max_per_client = 64;
    if (E.cfg.request_timeout < 1) E.cfg.request_timeout = 10;
    E.nslots = cfg->max_connections + EDGE_SLACK;
    E.slots = calloc((size_t)E.nslots, sizeof *E.slots);
    if (!E.slots) return LP_ERR_NOMEM;
    E.stop = 0;
    if (pthread_create(&E.watchdog, NULL, watchdog, NULL) != 0) {
        free(E.slots);
        E.slots = NULL;
        return LP_ERR_INTERNAL;
    }
    E.running = 1;
    return 0;
}

void edge_stop(void)
{
    if (!E.running) return;
    pthread_mutex_lock(&E.mu);
    E.stop = 1;
    pthread_cond_signal(&E.cv);
    pthread_mutex_unlock(&E.mu);
    pthread_join(E.watchdog, NULL);
    free(E.slots);
    E.slots = NULL;
    E.nslots = 0;
    E.running = 0;
}

/* ---- request checks ---- */

int edge_target(const char *target)
{
    if (!target) return -1;
    if (strcmp(target, "*") == 0) return 1;
    if (target[0] != '/') return -1;
    for (const unsigned char *p = (const unsigned char *)target; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) return -1;   /* controls, spaces, raw non-ASCII */
    return 0;
}

struct hdr_scan { int ncl, nte, bad_cl, chunked_only; unsigned long long cl; const char *ctype; };

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct hdr_scan *h = cls;
    if (!key) return MHD_YES;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        h->ncl++;
        const char *v = value ? value : "";
        if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18) h->bad_cl = 1;
        else h->cl = strtoull(v, NULL, 10);
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        h->nte++;
        if (!value || strcasecmp(value, "chunked") != 0) h->chunked_only = 0;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0) {
        h->ctype = value ? value : "";
    }
    return MHD_YES;
}

/* "application/json", optionally with parameters ("; charset=utf-8"). */
static int is_json_type(const char *t)
{
    size_t n = strlen("application/json");
    if (!t || strncasecmp(t, "application/json", n) != 0) return 0;
    t += n;
    while (*t == ' ' || *t == '\t') t++;
    return *t == '\0' || *t == ';';
}

int edge_headers(struct MHD_Connection *conn, const char *method, char *why, size_t len)
{
    struct hdr_scan h = { .chunked_only = 1 };
    MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &h);
    if (h.ncl > 1) { snprintf(why, len, "more than one Content-Length header"); return 400; }
    if (h.bad_cl) { snprintf(why, len, "Content-Length must be a decimal number"); return 400; }
    if (h.ncl && h.nte) { snprintf(why, len, "Content-Length and Transfer-Encoding together"); return 400; }
    if (h.nte > 1 || (h.nte && !h.chunked_only)) {
        snprintf(why, len, "the only Transfer-Encoding accepted is one chunked");
        return 400;
    }
    int unsafe = strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
    if (unsafe && (h.cl > 0 || h.nte) && !is_json_type(h.ctype)) {
        snprintf(why, len, "request bodies must be JSON (Content-Type: application/json)");
        return 415;
    }
    return 0;
}

/* The last X-Forwarded-For header (the one the nearest proxy appended to). */
static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) *(const char **)cls = value;
    return MHD_YES;
}

/* From the right of a forwarded list: the first address that is not a
 * trusted proxy, into out. 0 when found, 1 when every entry is a trusted
 * proxy, -1 when an entry on the way is not a numeric address. The list is
 * read in place from its end, so however long a client makes the part it
 * sent, the entry its proxy appended stays in view. */
static int forwarded_client(const char *list, char *out, size_t len)
{
    char one[INET6_ADDRSTRLEN + 8], ip[INET6_ADDRSTRLEN];
    const char *end = list + strlen(list);
    while (end > list) {
        const char *start = end;
        while (start > list && start[-1] != ',') start--;
        const char *s = start, *e = end;
        while (s < e && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        if ((size_t)(e - s) >= sizeof one) return -1;
        memcpy(one, s, (size_t)(e - s));
        one[e - s] = '\0';
        if (canon_ip(one, ip, sizeof ip) != 0) return -1;
        if (!is_trusted(ip)) { snprintf(out, len, "%s", ip); return 0; }
        end = start > list ? start - 1 : list;
    }
    return 1;
}

int edge_client(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ad = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    addr_text(ad ? ad->client_addr : NULL, out, len);
    if (!is_trusted(out)) return 0;
    const char *xff = NULL;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, last_xff, &xff);
    if (!xff) return 0;                    /* the proxy itself */
    int rc = forwarded_client(xff, out, len);
    return rc == 0 ? 1 : rc == 1 ? 0 : -1; /* -1: never fall back to the proxy's address */
}

int edge_forwarded_begin(struct MHD_Connection *conn, const char *client)
{
    int n = 0, rc = 0;
    pthread_mutex_lock(&E.mu);
    for (int i = 0; i < E.nslots; i++)
        if (E.slots[i].phase != PH_FREE && strcmp(E.slots[i].fwd, client) == 0) n++;
    struct slot *s = slot_of(conn);
    if (n >= E.cfg.max_per_client) rc = -1;
    else if (s) snprintf(s->fwd, sizeof s->fwd, "%s", client);
    pthread_mutex_unlock(&E.mu);
    return rc;
}
