/* door_net.c: libcurl client for the door (see door_net.h).
 * libcurl is loaded with dlopen on first use, not linked: it brings OpenSSL,
 * GnuTLS, Kerberos and LDAP with it (most of a door process's memory), and
 * only the short-lived network helper (labpass-door --net-round) needs it,
 * never the process that reads cards and drives the lock. */
#include "access/door/door_net.h"
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/version.h"
#include "core/log.h"

#define COMPONENT "door-net"

/* The libcurl functions used, resolved once. */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *c);
    void (*easy_reset)(CURL *c);
    CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} C;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void curl_load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        log_error(COMPONENT, "cannot load libcurl.so.4: %s", dlerror());
        return;
    }
    static const struct { const char *name; size_t off; } syms[] = {
        { "curl_global_init", offsetof(__typeof__(C), global_init) },
        { "curl_easy_init", offsetof(__typeof__(C), easy_init) },
        { "curl_easy_cleanup", offsetof(__typeof__(C), easy_cleanup) },
        { "curl_easy_reset", offsetof(__typeof__(C), easy_reset) },
        { "curl_easy_setopt", offsetof(__typeof__(C), easy_setopt) },
        { "curl_easy_perform", offsetof(__typeof__(C), easy_perform) },
        { "curl_easy_getinfo", offsetof(__typeof__(C), easy_getinfo) },
        { "curl_easy_strerror", offsetof(__typeof__(C), easy_strerror) },
        { "curl_slist_append", offsetof(__typeof__(C), slist_append) },
        { "curl_slist_free_all", offsetof(__typeof__(C), slist_free_all) },
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            log_error(COMPONENT, "libcurl.so.4 lacks %s", syms[i].name);
            return;                                /* h stays open: harmless */
        }
        memcpy((char *)&C + syms[i].off, &f, sizeof f);
    }
    curl_ok = C.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

struct door_net {
    CURL *curl;
    char base[DOOR_URL_MAX];
    char auth[DOOR_APIKEY_MAX + 32];   /* "Authorization: Bearer ..." */
    char ca_file[DOOR_PATH_MAX];
    int connect_ms, timeout_ms, plain_http;
};

struct sink {
    uint8_t *buf;
    size_t len, cap, max;
    int over;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *user)
{
    struct sink *s = user;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->over = 1;
        return 0;                                  /* aborts the transfer */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1) cap *= 2;
        uint8_t *nb = realloc(s->buf, cap);
        if (!nb) return 0;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = 0;
    return n;
}

int door_net_create(const struct door_cfg *cfg, door_net_t **out)
{
    if (!cfg || !out || !cfg->url[0] || !cfg->api_key[0]) return LP_ERR_INVALID;
    *out = NULL;
    pthread_once(&curl_once, curl_load);
    if (!curl_ok) return LP_ERR_INTERNAL;
    door_net_t *n = calloc(1, sizeof *n);
    if (!n) return LP_ERR_NOMEM;
    n->curl = C.easy_init();
    if (!n->curl) {
        free(n);
        return LP_ERR_NOMEM;
    }
    snprintf(n->base, sizeof n->base, "%s", cfg->url);
    snprintf(n->auth, sizeof n->auth, "Authorization: Bearer %s", cfg->api_key);
    snprintf(n->ca_file, sizeof n->ca_file, "%s", cfg->ca_file);
    n->connect_ms = cfg->connect_timeout_ms;
    n->timeout_ms = cfg->timeout_ms;
    n->plain_http = strncmp(cfg->url, "http://", 7) == 0;
    *out = n;
    return 0;
}

void door_net_destroy(door_net_t *n)
{
    if (!n) return;
    if (n->curl) C.easy_cleanup(n->curl);
    sodium_memzero(n->auth, sizeof n->auth);
    free(n);
}

void door_http_free(struct door_http *r)
{
    if (!r) return;
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int map_curl(CURLcode c)
{
    static const struct { CURLcode c; int err; } map[] = {
        { CURLE_OPERATION_TIMEDOUT, LP_ERR_TIMEOUT },
        { CURLE_OUT_OF_MEMORY, LP_ERR_NOMEM },
        { CURLE_PEER_FAILED_VERIFICATION, LP_ERR_CRYPTO },
        { CURLE_SSL_CONNECT_ERROR, LP_ERR_CRYPTO },
        { CURLE_SSL_CACERT_BADFILE, LP_ERR_CRYPTO },
        { CURLE_FILESIZE_EXCEEDED, LP_ERR_TOOBIG },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].c == c) return map[i].err;
    return LP_ERR_IO;
}

static void set_common(door_net_t *n, struct sink *s, struct curl_slist *hdr, size_t max_body)
{
    CURL *c = n->curl;
    C.easy_reset(c);
    C.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    C.easy_setopt(c, CURLOPT_PROTOCOLS_STR, n->plain_http ? "http" : "https");
    C.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    C.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    C.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (n->ca_file[0]) C.easy_setopt(c, CURLOPT_CAINFO, n->ca_file);
    C.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)n->connect_ms);
    C.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)n->timeout_ms);
    C.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
    C.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    C.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    C.easy_setopt(c, CURLOPT_WRITEDATA, s);
    C.easy_setopt(c, CURLOPT_USERAGENT, "labpass-door/" LP_VERSION);
}

int door_net_request(door_net_t *n, const char *method, const char *path, const char *body, size_t body_len,
                     size_t max_body, struct door_http *out)
{
    if (!n || !method || !path || path[0] != '/' || !out || max_body == 0) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    int post = strcmp(method, "POST") == 0;
    if (!post && strcmp(method, "GET") != 0) return LP_ERR_INVALID;
    char url[DOOR_URL_MAX + 512];
    if ((size_t)snprintf(url, sizeof url, "%s%s", n->base, path) >= sizeof url) return LP_ERR_INVALID;
    struct curl_slist *hdr = C.slist_append(NULL, n->auth);
    const char *kind = post ? "Content-Type: application/json" : "Accept: application/cose, application/json";
    struct curl_slist *h2 = hdr ? C.slist_append(hdr, kind) : NULL;
    if (!h2) {
        C.slist_free_all(hdr);
        return LP_ERR_NOMEM;
    }
    struct sink s = { .max = max_body };
    set_common(n, &s, hdr, max_body);
    C.easy_setopt(n->curl, CURLOPT_URL, url);
    if (post) {
        C.easy_setopt(n->curl, CURLOPT_POSTFIELDS, body ? body : "");
        C.easy_setopt(n->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
    }
    CURLcode cc = C.easy_perform(n->curl);
    C.easy_setopt(n->curl, CURLOPT_HTTPHEADER, NULL);
    sodium_memzero(hdr->data, strlen(hdr->data));          /* the copy of the key */
    C.slist_free_all(hdr);
    if (cc != CURLE_OK) {
        free(s.buf);
        int rc = s.over ? LP_ERR_TOOBIG : map_curl(cc);
        log_warn(COMPONENT, "%s %s: %s", method, path, C.easy_strerror(cc));
        return rc;
    }
    C.easy_getinfo(n->curl, CURLINFO_RESPONSE_CODE, &out->status);
    char *ct = NULL;
    if (C.easy_getinfo(n->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(out->content_type, sizeof out->content_type, "%s", ct);
    out->body = s.buf ? s.buf : calloc(1, 1);
    out->len = s.len;
    if (!out->body) return LP_ERR_NOMEM;
    return 0;
}
