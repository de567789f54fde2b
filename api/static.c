/* static.c: see static.h. */
#include "api/static.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX (4 * 1024 * 1024)

struct mime { const char *ext; const char *type; };
static const struct mime MIMES[] = {
    { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
    { ".ico", "image/x-icon" }, { ".woff2", "font/woff2" }, { ".txt", "text/plain; charset=utf-8" },
    { ".webmanifest", "application/manifest+json" },
};

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) return NULL;
    for (size_t i = 0; i < sizeof MIMES / sizeof MIMES[0]; i++)
        if (strcmp(dot, MIMES[i].ext) == 0) return MIMES[i].type;
    return NULL;
}

static int path_ok(const char *p)
{
    if (p[0] != '/' || strlen(p) > 200) return 0;
    for (const char *s = p; *s; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '.' || ch == '-' || ch == '_'))
            return 0;
        if (ch == '/' && s[1] == '.') return 0;   /* no "..", no hidden files */
        if (ch == '/' && s[1] == '/') return 0;
    }
    return 1;
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0) return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX) { close(fd); return NULL; }
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (n != st.st_size) { free(buf); return NULL; }
    *len = (size_t)n;
    return buf;
}

void static_serve(api_ctx *c, const char *root)
{
    char full[512];
    const char *p = c->path;
    const char *last = strrchr(p, '/');
    if (!last) {   /* not a path: the edge refuses these before routing, this stays safe anyway */
        api_problem(c, 404, "not-found", "Not found", "no such file", NULL);
        return;
    }
    /* Client-side routes all load the app shell. */
    if (strcmp(p, "/") == 0 || !strchr(last, '.')) p = "/index.html";
    const char *type = path_ok(p) ? mime_of(p) : NULL;
    if (!type) {
        api_problem(c, 404, "not-found", "Not found", "no such file", NULL);
        return;
    }
    snprintf(full, sizeof full, "%s%s", root, p);
    size_t len = 0;
    char *body = slurp(full, &len);
    if (!body) {
        api_problem(c, 404, "not-found", "Not found", "no such file", NULL);
        return;
    }
    api_add_header(c, "Cache-Control", strcmp(p, "/index.html") == 0 ? "no-cache" : "max-age=300");
    api_reply_raw(c, 200, type, body, len);
}
