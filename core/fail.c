/* fail.c: see fail.h. */
#include <stddef.h>
#include "core/fail.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int lp_failf(lp_fail *f, int code, const char *field, const char *fmt, ...)
{
    if (!f) return code;
    f->code = code;
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return code;
}

/* Length of the UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4)) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0;
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;
    return n;
}

int lp_text_ok(const char *s, size_t maxlen)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > maxlen) return 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F) return 0;
        size_t n = utf8_len(p);
        if (n == 0) return 0;
        p += n;
    }
    return 1;
}

int lp_email_ok(const char *s)
{
    if (!lp_text_ok(s, 254)) return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.')) return 0;
    if (at[1] == '.' || s[strlen(s) - 1] == '.') return 0;
    for (const char *p = s; *p; p++)
        if (*p == ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',' || *p == ';') return 0;
    return 1;
}
