/* mail.h: builds the RFC 5322 text of one outbox message for the SMTP
 * sender. Pure: no I/O, no clock, no randomness (the caller passes the date,
 * the Message-ID and the MIME boundary), so tests compare bytes.
 *
 * What it guarantees: CRLF line ends everywhere and no line over 78
 * characters; header fields in a fixed order (Date, From, To, Message-ID,
 * Subject, MIME-Version, Content-Type); a subject that is not plain printable
 * ASCII is sent as RFC 2047 encoded-words (UTF-8, B encoding), each at most
 * 75 characters, never splitting a character, folded onto continuation
 * lines; the body is multipart/alternative with the text as text/plain and
 * an HTML rendering of the same text (escaped) as text/html, both UTF-8 and
 * quoted-printable. A message with an attachment is multipart/mixed: that
 * alternative part first, then the attachment in base64 (lines of 76
 * characters) with its file name; the outer boundary is "mixed." followed by
 * the given one, so neither delimiter is a prefix of the other. A line of
 * the text that is only a http(s) URL becomes a link in the HTML. Dot-stuffing is left to the SMTP client (libcurl does
 * it). Addresses, the Message-ID and the boundary must be printable ASCII
 * without spaces, or the build is refused. */
#ifndef LP_MAIL_H
#define LP_MAIL_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/sbuf.h"

typedef struct mail_msg {
    const char *from, *to;      /* bare addresses: a@b.example */
    const char *subject;        /* UTF-8 */
    const char *text;           /* UTF-8, lines ending in \n */
    int64_t date;               /* epoch seconds, written in the site's zone */
    const char *message_id;     /* without the angle brackets: local@domain */
    const char *boundary;       /* MIME boundary, 1 to 60 characters of [A-Za-z0-9._-] */
    /* an attachment, or attach == NULL for none: its bytes, their media type
     * (type/subtype) and its file name (1 to 100 characters of [A-Za-z0-9._-]) */
    const unsigned char *attach;
    size_t attach_len;
    const char *attach_type, *attach_name;
} mail_msg;

/* The whole message. Caller frees *out. LP_ERR_INVALID for a bad address,
 * Message-ID, boundary or attachment name or type; LP_ERR_NOMEM. */
int mail_build(const mail_msg *m, char **out, size_t *len) LP_MUST;

/* The pieces, for tests and for other senders. */
/* "Fri, 26 Mar 2027 16:30:00 +0100" (RFC 5322 date-time, site zone). */
void mail_date(int64_t t, char out[40]);
/* The Subject field, "Subject: ...\r\n", folded or encoded as above. */
void mail_subject(struct sbuf *b, const char *subject);
/* text as quoted-printable lines (CRLF, at most 76 characters). */
void mail_qp(struct sbuf *b, const char *text);
/* text as an HTML document: each blank-line-separated paragraph a <p>,
 * single line breaks <br>, every &, <, >, " and ' escaped; a line that is
 * only an http:// or https:// URL (leading spaces aside) becomes a link. */
void mail_html(struct sbuf *b, const char *title, const char *text);
/* bytes in base64, lines of 76 characters separated by CRLF (none after the last). */
void mail_base64_lines(struct sbuf *b, const unsigned char *p, size_t n);

#endif
