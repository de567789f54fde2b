/* jsonw.c: see jsonw.h. */
#include "api/jsonw.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jw { char *p; size_t len, cap; int bad; };

static int grow(struct jw *w, size_t need)
{
    if (w->len + need + 1 <= w->cap) return 0;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + need + 1) cap *= 2;
    char *np = realloc(w->p, cap);
    if (!np) { w->bad = 1; return -1; }
    w->p = np;
    w->cap = cap;
    return 0;
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (w->bad || grow(w, n)) return;
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void put_string(struct jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";   /* as jansson writes them */
    put(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        put(w, s + run, i - run);
        run = i + 1;
        char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
        size_t k = 2;
        switch (ch) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u'; esc[2] = '0'; esc[3] = '0'; esc[4] = hex[ch >> 4]; esc[5] = hex[ch & 15];
            k = 6;
        }
        put(w, esc, k);
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

static void put_value(struct jw *w, const json_t *j, int depth)
{
    char num[40];
    if (depth > 2048) { w->bad = 1; return; }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        int first = 1;
        put(w, "{", 1);
        json_object_foreach((json_t *)j, key, v) {
            if (!first) put(w, ",", 1);
            first = 0;
            put_string(w, key, strlen(key));
            put(w, ":", 1);
            put_value(w, v, depth + 1);
        }
        put(w, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        put(w, "[", 1);
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i) put(w, ",", 1);
            put_value(w, json_array_get(j, i), depth + 1);
        }
        put(w, "]", 1);
        break;
    }
    case JSON_STRING:
        put_string(w, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        char *e = num + sizeof num, *d = e;
        do { *--d = (char)('0' + u % 10); u /= 10; } while (u);
        if (v < 0) *--d = '-';
        put(w, d, (size_t)(e - d));
        break;
    }
    case JSON_REAL: {
        double d = json_real_value(j);
        if (!isfinite(d)) { w->bad = 1; return; }
        snprintf(num, sizeof num, "%.17g", d);
        /* as jansson: no '+' and no leading zeros in the exponent */
        char *e = strchr(num, 'e');
        if (e) {
            char *dst = e + 1, *src = e + 1;
            if (*src == '+') src++;
            else if (*src == '-') *dst++ = *src++;
            while (*src == '0' && src[1]) src++;
            memmove(dst, src, strlen(src) + 1);
        }
        put(w, num, strlen(num));
        if (!strpbrk(num, ".e")) put(w, ".0", 2);
        break;
    }
    case JSON_TRUE: put(w, "true", 4); break;
    case JSON_FALSE: put(w, "false", 5); break;
    case JSON_NULL: put(w, "null", 4); break;
    }
}

char *jw_dump(const json_t *j, size_t *len)
{
    struct jw w = { 0 };
    if (!j) return NULL;
    put_value(&w, j, 0);
    if (w.bad || !w.p) { free(w.p); return NULL; }
    w.p[w.len] = '\0';
    if (len) *len = w.len;
    return w.p;
}
