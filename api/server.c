/* server.c: libmicrohttpd glue for labpassd.
 * Checks the head at the edge first (api/edge.h: request-target, framing,
 * JSON bodies, deadlines, connections per client), then
 * collects the request body (bounded: 413 beyond API_BODY_MAX), resolves the
 * caller from a bearer token or the session cookie, checks the route's roles
 * and CSRF rule, runs the handler with the worker thread's own SQLite
 * connection, adds the security headers, logs one line and counts metrics.
 * Guarantee: no client input reaches a 5xx; a handler that fails for an
 * internal reason answers 500 without details. */
#include "api/api.h"
#include "api/ctx.h"
#include "api/edge.h"
#include "api/h_account.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/static.h"
#include "core/clock.h"
#include "core/log.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct api_server {
    struct MHD_Daemon *d;
    api_config cfg;
    char *cert, *key;
    int port;
};

static const api_config *g_cfg;
/* Database connections, borrowed for one request each (db_pool_get). */
static db_pool_t *g_pool;

struct req {
    char *body;
    size_t len, cap;
    int too_big;
    int close;          /* answered before the body was read: close the connection after */
    int head_seen;      /* the head was checked (the first call for this request) */
    int target;         /* edge_target() of the request-target as sent */
    char client[64];    /* the client's address (behind a trusted proxy: the forwarded one) */
    int64_t start_us;
};

static int append_body(struct req *r, const char *data, size_t n)
{
    if (r->too_big || r->len + n > API_BODY_MAX) { r->too_big = 1; return 0; }
    if (r->len + n + 1 > r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 1024;
        while (ncap < r->len + n + 1) ncap *= 2;
        char *nb = realloc(r->body, ncap);
        if (!nb) { r->too_big = 1; return 0; }
        r->body = nb;
        r->cap = ncap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return 0;
}

/* The bearer token, or the session cookie (then *via_cookie = 1). */
static const char *find_token(api_ctx *c, int *via_cookie)
{
    const char *h = api_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    *via_cookie = 0;
    if (h && strncasecmp(h, "Bearer ", 7) == 0) return h + 7;
    const char *ck = MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, "lp_session");
    if (ck) *via_cookie = 1;
    return ck;
}

/* Cookie-authenticated unsafe requests must echo the lp_csrf cookie in X-CSRF-Token. */
static int csrf_ok(api_ctx *c)
{
    if (!strcmp(c->method, "GET") || !strcmp(c->method, "HEAD")) return 1;
    const char *ck = MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, "lp_csrf");
    const char *hd = api_header(c, "X-CSRF-Token");
    if (!ck || !hd || strlen(ck) != strlen(hd) || strlen(ck) < 16) return 0;
    return sodium_memcmp(ck, hd, strlen(ck)) == 0;
}

static void set_actor(api_ctx *c)
{
    if (c->caller.role == ROLE_DOOR)
        snprintf(c->actor_label, sizeof c->actor_label, "door:%lld", (long long)c->caller.door_id);
    else if (c->caller.apikey_id && !c->caller.session_id)
        snprintf(c->actor_label, sizeof c->actor_label, "apikey:%lld", (long long)c->caller.apikey_id);
    else
        snprintf(c->actor_label, sizeof c->actor_label, "person:%lld", (long long)c->caller.person_id);
    c->actor.person_id = c->caller.person_id;
    c->actor.label = c->actor_label;
}

/* Authenticates and authorises; on failure the problem reply is made. */
static int admit(api_ctx *c, const struct api_route *r)
{
    int via_cookie = 0;
    const char *tok = find_token(c, &via_cookie);
    int arc = tok ? acct_authenticate(c->db, tok, &c->caller) : LP_ERR_UNAUTH;
    if (arc != 0 && arc != LP_ERR_UNAUTH && r->roles) {
        /* the token could not be looked up (a busy or failing database): that
         * is no answer about the token, so never a 401 that ends a session */
        memset(&c->caller, 0, sizeof c->caller);
        log_warn("auth", "the token lookup failed (%s); answered 503", lp_err_name(arc));
        api_add_header(c, "Retry-After", "1");
        api_fail(c, LP_ERR_BUSY, NULL);
        return 0;
    }
    if (arc == 0) {
        set_actor(c);
        if (via_cookie && !csrf_ok(c) && r->roles) {
            api_problem(c, 403, "csrf", "CSRF check failed",
                        "send the lp_csrf cookie value in the X-CSRF-Token header", NULL);
            return 0;
        }
    } else {
        memset(&c->caller, 0, sizeof c->caller);
    }
    if (r->roles == 0) return 1;
    if (c->caller.role == ROLE_NONE) {
        api_problem(c, 401, "unauthorized", "Authentication required",
                    "sign in, or send a valid bearer token", NULL);
        return 0;
    }
    if (!(r->roles & c->caller.role)) {
        api_problem(c, 403, "forbidden", "Forbidden", "your role may not use this route", NULL);
        return 0;
    }
    return 1;
}

static int dispatch(api_ctx *c)
{
    int idx = router_match(c->method, c->path, c);
    if (idx == -2) {
        char allow[128];
        router_allowed(c->path, allow, sizeof allow);
        api_add_header(c, "Allow", allow);
        api_problem(c, 405, "method-not-allowed", "Method not allowed", NULL, NULL);
        return idx;
    }
    if (idx == -1) {
        if (strncmp(c->path, "/api/", 5) != 0 && g_cfg->web_root &&
            (!strcmp(c->method, "GET") || !strcmp(c->method, "HEAD")))
            static_serve(c, g_cfg->web_root);
        else
            api_problem(c, 404, "not-found", "Not found", "no such route", NULL);
        return idx;
    }
    const struct api_route *r = router_route((size_t)idx);
    if (admit(c, r)) r->fn(c);
    if (!c->status) api_problem(c, 500, "internal", "Internal error", NULL, NULL);
    return idx;
}

static void add_headers(struct MHD_Response *resp, api_ctx *c)
{
    if (c->resp_type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, c->resp_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (c->request_id[0]) MHD_add_response_header(resp, "X-Request-Id", c->request_id);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    /* A handler may send a stricter or page-specific policy (e.g. a style hash). */
    if (!strstr(c->resp_headers, "Content-Security-Policy:"))
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                                "base-uri 'none'; form-action 'self'");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (c->tls) MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (!strstr(c->resp_headers, "Cache-Control:"))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    char *save = NULL;
    for (char *line = strtok_r(c->resp_headers, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strstr(line, ": ");
        if (!colon) continue;
        *colon = '\0';
        MHD_add_response_header(resp, line, colon + 2);
    }
}

static enum MHD_Result respond(struct MHD_Connection *conn, api_ctx *c, int close)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(c->resp_len, c->resp_body,
                                                                MHD_RESPMEM_MUST_FREE);
    if (!resp) { free(c->resp_body); return MHD_NO; }
    c->resp_body = NULL;
    add_headers(resp, c);
    if (close) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)c->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void log_request(api_ctx *c, int route, int64_t us)
{
    const char *shown = c->path;
    const struct api_route *r = route >= 0 ? router_route((size_t)route) : NULL;
    if (r && r->secret_path) shown = r->pattern;
    else if (route < 0 && strlen(shown) > 200) shown = "(long path)";
    char status[8], ms[24];
    snprintf(status, sizeof status, "%d", c->status);
    snprintf(ms, sizeof ms, "%.3f", (double)us / 1000.0);
    /* The route's pattern, never a query string or a body: ids, no personal data. */
    log_field f[] = { { "REQUEST_ID", c->request_id }, { "METHOD", c->method },
                      { "ROUTE", r ? r->pattern : "(none)" }, { "STATUS", status }, { "DURATION_MS", ms } };
    log_fields(LOG_INFO, "http", f, 5, "%s %s %d %.3fms", c->method, shown, c->status, (double)us / 1000.0);
}

/* Records, logs and sends the answer in c. */
static enum MHD_Result finish(struct MHD_Connection *conn, api_ctx *c, struct req *r, int route)
{
    int64_t us = clk_mono_us() - r->start_us;
    metrics_record(route, c->status, us);
    log_request(c, route, us);
    r->too_big = 0;
    return respond(conn, c, r->close);
}

static void init_ctx(api_ctx *c, struct MHD_Connection *conn, const char *url, const char *method,
                     struct req *r)
{
    memset(c, 0, sizeof *c);
    c->conn = conn;
    c->method = method;
    c->path = url;
    c->body = r->body ? r->body : "";
    c->body_len = r->len;
    c->tls = g_cfg->tls_cert != NULL;
    snprintf(c->client_ip, sizeof c->client_ip, "%s", r->client[0] ? r->client : "unknown");
    uint8_t id[8];
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(c->request_id, sizeof c->request_id, id, sizeof id);
}

/* Checks made once the head has arrived, before any body is read: the
 * request-target, the framing headers, the body's type and its declared
 * size, and the requests in progress of a client behind a trusted proxy.
 * 1 when the request may go on; 0 when c holds the answer. */
static int check_head(api_ctx *c, struct MHD_Connection *conn, const char *method, struct req *r)
{
    char why[96];
    int t = r->target;
    if (t == 1 && strcmp(method, "OPTIONS") != 0) t = -1;
    if (t != 0) {
        c->path = "/";   /* never echo a malformed target */
        if (t == 1) {
            api_add_header(c, "Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            api_reply_raw(c, 204, NULL, NULL, 0);
        } else {
            api_problem(c, 400, "bad-target", "Bad request-target",
                        "the request-target must be a path starting with /", NULL);
        }
        return 0;
    }
    int st = edge_headers(conn, method, why, sizeof why);
    if (st) {
        api_problem(c, st, st == 415 ? "unsupported-media-type" : "bad-framing",
                    st == 415 ? "Unsupported media type" : "Bad request framing", why, NULL);
        return 0;
    }
    int fwd = edge_client(conn, r->client, sizeof r->client);
    if (fwd < 0) {
        api_problem(c, 400, "bad-forwarded-for", "Bad X-Forwarded-For",
                    "X-Forwarded-For must be a list of numeric addresses", NULL);
        return 0;
    }
    if (fwd && edge_forwarded_begin(conn, r->client) != 0) {
        snprintf(c->client_ip, sizeof c->client_ip, "%s", r->client);
        api_add_header(c, "Retry-After", "1");
        api_problem(c, 429, "too-many-requests", "Too many requests at once",
                    "this client has too many requests in progress", NULL);
        return 0;
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > API_BODY_MAX) r->too_big = 1;
    return 1;
}

/* Runs the request: a pooled database connection, the router, the handler. */
static int serve(api_ctx *c)
{
    if (!(c->db = db_pool_get(g_pool))) {
        api_problem(c, 503, "busy", "Service unavailable", "the database cannot be opened", NULL);
        return -1;
    }
    int route = dispatch(c);
    db_pool_put(g_pool, c->db);
    c->db = NULL;
    return route;
}

static struct req *new_req(const char *target)
{
    struct req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->start_us = clk_mono_us();
    r->target = edge_target(target);
    return r;
}

/* Called once a request line has arrived, with the request-target exactly
 * as sent (before percent-decoding and splitting off the query), so that
 * "%2Fhealthz" is refused as the non-path it is. The request's state
 * starts here; libmicrohttpd hands it to on_request and on_completed. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    return new_req(uri);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct req *r = *con_cls;
    api_ctx c;
    if (!r) {   /* on_uri could not allocate: check the decoded path instead */
        if (!(r = new_req(url))) return MHD_NO;
        *con_cls = r;
    }
    if (!r->head_seen) {
        r->head_seen = 1;
        edge_head_done(conn);
        init_ctx(&c, conn, url, method, r);
        if (!check_head(&c, conn, method, r)) {
            r->close = 1;
            return finish(conn, &c, r, -1);
        }
        if (!r->too_big) return MHD_YES;
    }
    if (*upload_size) {
        /* Past the limit the rest is read and dropped (libmicrohttpd cannot
         * answer in the middle of a body); the body deadline bounds it. */
        append_body(r, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    init_ctx(&c, conn, url, method, r);
    int route = -1;
    if (r->too_big) {
        /* A declared size over the limit is answered before the body; a
         * chunked body is counted and answered at its end. Either way the
         * connection then closes. */
        r->close = 1;
        api_problem(&c, 413, "too-large", "Request too large", "the body is over the limit of 65536 bytes", NULL);
    } else {
        edge_handling(conn);
        route = serve(&c);
    }
    return finish(conn, &c, r, route);
}

/* Percent-decoding of paths and query values, as libmicrohttpd's own but
 * leaving "%00" undecoded: a NUL would silently cut a path or value short
 * ("/reservations/1%00x" must not be reservation 1). Decodes in place and
 * returns the new length. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            char hex[3] = { r[1], r[2], 0 };
            long v = strtol(hex, NULL, 16);
            if (v != 0) { *w++ = (char)v; r += 2; continue; }
        }
        *w++ = *r;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req *r = *con_cls;
    if (r) { free(r->body); free(r); }
    *con_cls = NULL;
    edge_answered(conn);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 && n < 1 << 20 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) buf[n] = '\0';
    else { free(buf); buf = NULL; }
    fclose(f);
    return buf;
}

/* Frees what api_start made before it failed, and returns rc. */
static int start_failed(api_server *s, int rc)
{
    edge_stop();
    db_pool_free(g_pool);
    g_pool = NULL;
    free(s->cert);
    free(s->key);
    free(s);
    return rc;
}

int api_start(const api_config *cfg, api_server **out)
{
    api_server *s = calloc(1, sizeof *s);
    if (!s) return LP_ERR_NOMEM;
    s->cfg = *cfg;
    g_cfg = &s->cfg;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port) };
    if (inet_pton(AF_INET, cfg->address, &sa.sin_addr) != 1) return start_failed(s, LP_ERR_INVALID);
    if (db_pool_new(cfg->db_path, 32, &g_pool) != 0) return start_failed(s, LP_ERR_NOMEM);
    unsigned max_conn = (unsigned)(cfg->max_connections > 0 ? cfg->max_connections : 256);
    unsigned timeout = (unsigned)(cfg->request_timeout > 0 ? cfg->request_timeout : 10);
    edge_config ec = { .max_connections = (int)max_conn, .max_per_client = cfg->max_per_client,
                       .request_timeout = (int)timeout, .ntrusted = cfg->ntrusted };
    for (int i = 0; i < cfg->ntrusted && i < EDGE_MAX_PROXIES; i++) ec.trusted_proxies[i] = cfg->trusted_proxies[i];
    if (edge_start(&ec) != 0) return start_failed(s, LP_ERR_INVALID);
    /* A thread per client connection: handlers block (an fsync, a group
     * commit), and with a pool of threads each serving many connections one
     * blocked handler would stall every other client on its thread. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
                     MHD_USE_ERROR_LOG;
    if (cfg->tls_cert) {
        s->cert = read_file(cfg->tls_cert);
        s->key = read_file(cfg->tls_key);
        if (!s->cert || !s->key) return start_failed(s, LP_ERR_IO);
        flags |= MHD_USE_TLS;
    }
    s->d = MHD_start_daemon(flags, 0, edge_accept, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                            MHD_OPTION_NOTIFY_CONNECTION, edge_notify, NULL,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                            MHD_OPTION_CONNECTION_LIMIT, max_conn + EDGE_SLACK,
                            cfg->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert,
                            MHD_OPTION_HTTPS_MEM_KEY, s->key,
                            MHD_OPTION_END);
    if (!s->d) return start_failed(s, LP_ERR_IO);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    *out = s;
    return 0;
}

int api_port(const api_server *s) { return s->port; }

void api_stop(api_server *s)
{
    if (!s) return;
    MHD_stop_daemon(s->d);
    edge_stop();
    db_pool_free(g_pool);
    g_pool = NULL;
    free(s->cert);
    free(s->key);
    free(s);
}

/* The login policy of the running server (for h_auth.c). */
const acct_policy *api_policy(void) { return &g_cfg->policy; }
