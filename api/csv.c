/* csv.c: RFC 4180 cells (see csv.h). */
#include "api/csv.h"
#include "core/ltime.h"

void csv_field(struct sbuf *b, const char *s, int last)
{
    sb_puts(b, "\"");
    if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') sb_puts(b, "'");
    for (; *s; s++) sb_put(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    sb_puts(b, last ? "\"\r\n" : "\",");
}

void csv_time(struct sbuf *b, int64_t t, int last)
{
    char buf[LT_RFC3339_LEN] = "";
    if (t) lt_format(t, buf);
    csv_field(b, buf, last);
}
