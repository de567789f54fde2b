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
            int numeric = strncmp(pat, "{id}", 4) == 0 || strncmp(pat, "{pid}", 5) == 0;
            const char *seg = path;
            size_t n = strcspn(path, "/");
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

int router_match(const char *method, const char *path, api_ctx *c)
{
    int path_seen = 0;
    for (size_t i = 0; i < api_routes_len; i++) {
        if (!match_one(api_routes[i].pattern, path, NULL)) continue;
        path_seen = 1;
        if (strcmp(api_routes[i].method, method) != 0) continue;
        match_one(api_routes[i].pattern, path, c);
        return (int)i;
    }
    return path_seen ? -2 : -1;
}

void router_allowed(const char *path, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t i = 0; i < api_routes_len; i++) {
        if (!match_one(api_routes[i].pattern, path, NULL)) continue;
        if (strstr(out, api_routes[i].method)) continue;
        size_t n = strlen(out);
        snprintf(out + n, outlen - n, "%s%s", n ? ", " : "", api_routes[i].method);
    }
}

size_t api_route_count(void) { return api_routes_len; }

struct api_route_info api_route_at(size_t i)
{
    struct api_route_info r = { api_routes[i].method, api_routes[i].pattern, api_routes[i].roles };
    return r;
}
