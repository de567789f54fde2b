/* page.c: cursor pagination for list routes (see page.h). A cursor is
 * "c1." followed by the keys in decimal, joined by ".", in unpadded
 * base64url: opaque to clients, checked strictly when it comes back. */
#include "api/page.h"
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define CURSOR_TEXT 64           /* "c1." + two int64 in decimal + "." */

static int bad_cursor(api_ctx *c)
{
    api_problem(c, 400, "validation", "Invalid request",
                "cursor is not valid: use the next link of a previous page", "cursor");
    return -1;
}

/* Parses "c1.K1[.K2]" with exactly nkeys decimal keys. */
static int parse_keys(const char *text, int nkeys, int64_t *keys)
{
    if (strncmp(text, "c1.", 3) != 0) return -1;
    const char *p = text + 3;
    for (int i = 0; i < nkeys; i++) {
        char *end;
        if (!(*p == '-' || (*p >= '0' && *p <= '9'))) return -1;
        long long v = strtoll(p, &end, 10);
        if (end == p || end - p > 20) return -1;
        keys[i] = v;
        p = end;
        if (i + 1 < nkeys && *p++ != '.') return -1;
    }
    return *p == '\0' ? 0 : -1;
}

/* Appends s to the buffer, percent-encoding all but RFC 3986 unreserved. */
static void put_escaped(char *buf, size_t cap, size_t *at, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s && *at + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
            buf[(*at)++] = (char)ch;
        } else {
            buf[(*at)++] = '%';
            buf[(*at)++] = hex[ch >> 4];
            buf[(*at)++] = hex[ch & 15];
        }
    }
    buf[*at] = '\0';
}

struct url_build { char *buf; size_t cap, at; int overflow; };

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct url_build *u = cls;
    if (!strcmp(key, "cursor")) return MHD_YES;
    size_t before = u->at;
    put_escaped(u->buf, u->cap, &u->at, key);
    if (u->at + 2 < u->cap) u->buf[u->at++] = '=';
    put_escaped(u->buf, u->cap, &u->at, value ? value : "");
    if (u->at + 2 < u->cap) u->buf[u->at++] = '&';
    u->buf[u->at] = '\0';
    if (u->at + 2 * CURSOR_TEXT >= u->cap) { u->overflow = 1; u->at = before; u->buf[before] = '\0'; return MHD_NO; }
    return MHD_YES;
}

/* p->base = path "?" and every query parameter but cursor, each followed by
 * "&"; -1 when it would leave no room for the cursor. */
static int base_url(api_ctx *c, api_page *p)
{
    struct url_build u = { p->base, sizeof p->base, 0, 0 };
    int n = snprintf(p->base, sizeof p->base, "%s?", c->path);
    if (n < 0 || (size_t)n + CURSOR_TEXT * 2 >= sizeof p->base) return -1;
    u.at = (size_t)n;
    if (c->conn) MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, add_arg, &u);
    return u.overflow || u.at + CURSOR_TEXT * 2 >= sizeof p->base ? -1 : 0;
}

int api_page_read(api_ctx *c, int64_t def, int64_t max, int nkeys, api_page *p)
{
    memset(p, 0, sizeof *p);
    p->nkeys = nkeys;
    if (api_query_int(c, "limit", def, 1, max, &p->limit)) return -1;
    if (base_url(c, p) != 0) {
        api_problem(c, 400, "validation", "Invalid request", "the query is too long for a list", NULL);
        return -1;
    }
    const char *cur = api_query(c, "cursor");
    if (!cur) return 0;
    char text[CURSOR_TEXT];
    size_t len = 0;
    const char *end = NULL;
    if (strlen(cur) > sodium_base64_ENCODED_LEN(CURSOR_TEXT - 1, B64U) ||
        sodium_base642bin((unsigned char *)text, sizeof text - 1, cur, strlen(cur), NULL, &len, &end, B64U) != 0 ||
        *end)
        return bad_cursor(c);
    text[len] = '\0';
    if (memchr(text, '\0', len) || parse_keys(text, nkeys, p->after) != 0) return bad_cursor(c);
    p->has_after = 1;
    return 0;
}

void api_page_finish(api_ctx *c, const api_page *p, json_t *body, const int64_t *last)
{
    if (!last) { json_object_set_new(body, "next", json_null()); return; }
    char keys[CURSOR_TEXT], cursor[sodium_base64_ENCODED_LEN(CURSOR_TEXT, B64U)];
    char url[API_PAGE_URL_MAX + sizeof cursor + 8];
    if (p->nkeys == 2)
        snprintf(keys, sizeof keys, "c1.%lld.%lld", (long long)last[0], (long long)last[1]);
    else
        snprintf(keys, sizeof keys, "c1.%lld", (long long)last[0]);
    sodium_bin2base64(cursor, sizeof cursor, (const unsigned char *)keys, strlen(keys), B64U);
    snprintf(url, sizeof url, "%scursor=%s", p->base, cursor);
    json_object_set_new(body, "next", json_string(url));
    char link[sizeof url + 16];
    snprintf(link, sizeof link, "<%s>; rel=\"next\"", url);
    api_add_header(c, "Link", link);
}
