/* router.c: matches request paths against the route table (see router.h). */
#include "api/router.h"
#include "api/api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compares one pattern with a path; captures parameters into c (may be NULL). */
static int match_one(const char *pat, const char *path, api_ctx *c)
{
    int np = 0;
    while (*pat && *path) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            int numeric = strncmp(pat, "{id}", 4) == 0 || strncmp(pat, "{pid}", 5) == 0 ||
                          strncmp(pat, "{did}", 5) == 0 || strncmp(pat, "{cid}", 5) == 0;
            const char *seg = path;
            size_t n = strcspn(path, "/");
            /* A literal suffix after the parameter ("{token}.ics") ends it. */
            size_t sfx = strcspn(close + 1, "/{");
            if (sfx) {
                if (n <= sfx || strncmp(seg + n - sfx, close + 1, sfx) != 0) return 0;
                n -= sfx;
            }
            if (n == 0 || n > 128 || np >= API_MAX_PARAMS) return 0;
            for (size_t i = 0; i < n; i++) {
                char ch = seg[i];
                int ok = numeric ? (ch >= '0' && ch <= '9')
                                 : ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.');
                if (!ok) return 0;
            }
            if (numeric && (n > 15 || seg[0] == '0')) return 0;
            if (c) {
                c->params[np] = numeric ? strtoll(seg, NULL, 10) : 0;
                c->sparams[np] = numeric ? NULL : seg;
            }
            np++;
            pat = close + 1;
            path += n;
            continue;
        }
        if (*pat != *path) return 0;
        pat++;
        path++;
    }
    return *pat == '\0' && *path == '\0';
}

const struct api_route *router_route(size_t i)
{
    for (size_t t = 0; t < api_route_tables_len; t++) {
        size_t n = *api_route_tables[t].len;
        if (i < n) return &api_route_tables[t].routes[i];
        i -= n;
    }
    return NULL;
}

int router_match(const char *method, const char *path, api_ctx *c)
{
    int path_seen = 0;
    const struct api_route *r;
    for (size_t i = 0; (r = router_route(i)) != NULL; i++) {
        if (!match_one(r->pattern, path, NULL)) continue;
        path_seen = 1;
        if (strcmp(r->method, method) != 0) continue;
        match_one(r->pattern, path, c);
        return (int)i;
    }
    return path_seen ? -2 : -1;
}

void router_allowed(const char *path, char *out, size_t outlen)
{
    const struct api_route *r;
    out[0] = '\0';
    for (size_t i = 0; (r = router_route(i)) != NULL; i++) {
        if (!match_one(r->pattern, path, NULL)) continue;
        if (strstr(out, r->method)) continue;
        size_t n = strlen(out);
        snprintf(out + n, outlen - n, "%s%s", n ? ", " : "", r->method);
    }
}

size_t api_route_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < api_route_tables_len; t++) n += *api_route_tables[t].len;
    return n;
}

struct api_route_info api_route_at(size_t i)
{
    const struct api_route *r = router_route(i);
    struct api_route_info ri = { r->method, r->pattern, r->roles };
    return ri;
}
