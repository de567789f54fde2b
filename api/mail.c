/* mail.c: the RFC 5322 / MIME text of an outbox message (see mail.h). */
#include "api/mail.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_HDR 78   /* RFC 5322 2.1.1: lines SHOULD stay within 78 characters */
#define QP_LINE 76        /* RFC 2045 6.7: encoded lines at most 76 characters */
#define WORD_BYTES 36     /* UTF-8 bytes per encoded-word: 48 base64 characters, 60 in all */

static const char HEX[] = "0123456789ABCDEF";

void mail_date(int64_t t, char out[40])
{
    static const char *const DAY[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const MON[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm;
    lt_local(t, &tm);
    long off = tm.tm_gmtoff / 60, a = off < 0 ? -off : off;
    char buf[96];   /* room for any int, so the compiler sees no truncation */
    snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", DAY[tm.tm_wday % 7], tm.tm_mday,
             MON[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
             a / 60 % 100, a % 60);
    snprintf(out, 40, "%.39s", buf);
}

/* ---- Subject --------------------------------------------------------- */

/* Plain printable ASCII that cannot be mistaken for an encoded-word. */
static int plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e) return 0;
    return strstr(s, "=?") == NULL;
}

/* Folds an ASCII subject at spaces so lines stay within 78 characters. */
static void subject_plain(struct sbuf *b, const char *s)
{
    size_t col = 9;   /* "Subject: " */
    sb_puts(b, "Subject: ");
    while (*s) {
        const char *sp = strchr(s + 1, ' ');
        size_t word = sp ? (size_t)(sp - s) : strlen(s);
        if (col > 9 && *s == ' ' && col + word > LINE_MAX_HDR) {
            sb_puts(b, "\r\n");   /* the space stays, starting the continuation line */
            col = 0;
        }
        sb_put(b, s, word);
        col += word;
        s += word;
    }
    sb_puts(b, "\r\n");
}

static void base64(struct sbuf *b, const unsigned char *p, size_t n)
{
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        char q[4] = { B64[v >> 18 & 63], B64[v >> 12 & 63], i + 1 < n ? B64[v >> 6 & 63] : '=', i + 2 < n ? B64[v & 63] : '=' };
        sb_put(b, q, 4);
    }
}

/* RFC 2047 B encoded-words, each a whole number of UTF-8 characters. */
static void subject_encoded(struct sbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    sb_puts(b, "Subject:");
    while (left) {
        size_t n = left < WORD_BYTES ? left : WORD_BYTES;
        while (n < left && n > WORD_BYTES - 3 && (p[n] & 0xC0) == 0x80) n--;   /* not inside a character */
        sb_puts(b, " =?UTF-8?B?");
        base64(b, p, n);
        sb_puts(b, "?=");
        p += n;
        left -= n;
        if (left) sb_puts(b, "\r\n");
    }
    sb_puts(b, "\r\n");
}

void mail_subject(struct sbuf *b, const char *subject)
{
    if (plain_ascii(subject)) subject_plain(b, subject);
    else subject_encoded(b, subject);
}

/* ---- quoted-printable ------------------------------------------------ */

struct qp { struct sbuf *b; size_t col; };

/* Adds one encoded unit, breaking the line softly first when it would not fit. */
static void qp_unit(struct qp *q, const char *u, size_t n)
{
    if (q->col + n > QP_LINE - 1) { sb_puts(q->b, "=\r\n"); q->col = 0; }
    sb_put(q->b, u, n);
    q->col += n;
}

/* One line of text (no line break in it). */
static void qp_line(struct qp *q, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        int last = i + 1 == n;
        if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
            char one = (char)c;
            qp_unit(q, &one, 1);
        } else {
            char e[3] = { '=', HEX[c >> 4], HEX[c & 15] };
            qp_unit(q, e, 3);
        }
    }
}

void mail_qp(struct sbuf *b, const char *text)
{
    struct qp q = { b, 0 };
    const unsigned char *p = (const unsigned char *)text;
    for (;;) {
        size_t n = strcspn((const char *)p, "\r\n");
        qp_line(&q, p, n);
        p += n;
        if (!*p) break;
        p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
        sb_puts(b, "\r\n");
        q.col = 0;
    }
}

/* ---- HTML ------------------------------------------------------------ */

static void html_escaped(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&#39;"); break;
        case '\r': break;
        default: sb_put(b, s + i, 1);
        }
    }
}

/* A line that is a URL and nothing else: its start and length, or 0. */
static size_t url_line(const char *p, size_t n, const char **url)
{
    while (n > 0 && *p == ' ') { p++; n--; }
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ')) n--;
    if (!((n > 8 && strncmp(p, "https://", 8) == 0) || (n > 7 && strncmp(p, "http://", 7) == 0))) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f) return 0;
    *url = p;
    return n;
}

static void html_line(struct sbuf *b, const char *p, size_t n)
{
    const char *url = NULL;
    size_t u = url_line(p, n, &url);
    if (!u) { html_escaped(b, p, n); return; }
    html_escaped(b, p, (size_t)(url - p));
    sb_puts(b, "<a href=\"");
    html_escaped(b, url, u);
    sb_puts(b, "\">");
    html_escaped(b, url, u);
    sb_puts(b, "</a>");
}

void mail_html(struct sbuf *b, const char *title, const char *text)
{
    sb_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html_escaped(b, title, strlen(title));
    sb_puts(b, "</title></head><body>\n");
    const char *p = text;
    int open = 0;
    while (*p) {
        size_t n = strcspn(p, "\n");
        int blank = n == 0 || (n == 1 && p[0] == '\r');
        if (blank && open) { sb_puts(b, "</p>\n"); open = 0; }
        else if (!blank) {
            sb_puts(b, open ? "<br>\n" : "<p>");
            open = 1;
            html_line(b, p, n);
        }
        p += n + (p[n] == '\n');
    }
    if (open) sb_puts(b, "</p>\n");
    sb_puts(b, "</body></html>\n");
}

/* ---- the message ----------------------------------------------------- */

static int addr_ok(const char *a)
{
    const char *at = strchr(a, '@');
    if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > 254) return 0;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p < 33 || *p > 126 || strchr("<>()[],;:\"\\", *p)) return 0;
    return 1;
}

static int boundary_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 60) return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int name_ok(const char *s, size_t max, const char *extra)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > max) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(extra, *p)))
            return 0;
    return 1;
}

void mail_base64_lines(struct sbuf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 57) {   /* 57 bytes: 76 characters */
        if (i) sb_puts(b, "\r\n");
        base64(b, p + i, n - i < 57 ? n - i : 57);
    }
}

static void part(struct sbuf *b, const char *boundary, const char *type, const char *content)
{
    sb_printf(b, "\r\n--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
              boundary, type);
    mail_qp(b, content);
}

/* The text and its HTML rendering, as one multipart/alternative body (its
 * Content-Type line included). 0 or LP_ERR_NOMEM. */
static int alternative(struct sbuf *b, const mail_msg *m)
{
    struct sbuf html = { 0 };
    sb_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n", m->boundary);
    part(b, m->boundary, "text/plain", m->text);
    mail_html(&html, m->subject, m->text);
    part(b, m->boundary, "text/html", html.oom ? "" : (html.p ? html.p : ""));
    sb_printf(b, "\r\n--%s--\r\n", m->boundary);
    int rc = html.oom ? LP_ERR_NOMEM : 0;
    free(html.p);
    return rc;
}

/* The alternative part, then the attachment, inside multipart/mixed. */
static int mixed(struct sbuf *b, const mail_msg *m)
{
    sb_printf(b, "Content-Type: multipart/mixed; boundary=\"mixed.%s\"\r\n\r\n--mixed.%s\r\n", m->boundary,
              m->boundary);
    int rc = alternative(b, m);
    sb_printf(b, "\r\n--mixed.%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; "
              "filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", m->boundary, m->attach_type,
              m->attach_name, m->attach_name);
    mail_base64_lines(b, m->attach, m->attach_len);
    sb_printf(b, "\r\n--mixed.%s--\r\n", m->boundary);
    return rc;
}

int mail_build(const mail_msg *m, char **out, size_t *len)
{
    struct sbuf b = { 0 };
    char date[40];
    *out = NULL;
    *len = 0;
    if (!addr_ok(m->from) || !addr_ok(m->to) || !addr_ok(m->message_id) || !boundary_ok(m->boundary))
        return LP_ERR_INVALID;
    if (m->attach && (!name_ok(m->attach_name, 100, "._-") || !name_ok(m->attach_type, 100, "/.+-") ||
                      !strchr(m->attach_type, '/')))
        return LP_ERR_INVALID;
    mail_date(m->date, date);
    sb_printf(&b, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <%s>\r\n", date, m->from, m->to, m->message_id);
    mail_subject(&b, m->subject);
    sb_puts(&b, "MIME-Version: 1.0\r\n");
    int rc = m->attach ? mixed(&b, m) : alternative(&b, m);
    if (rc) { free(b.p); return rc; }
    return sb_take(&b, out, len);
}
