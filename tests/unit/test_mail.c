/* test_mail.c: unit tests for api/mail (the RFC 5322 text of an outbox
 * message). One whole message is compared byte for byte; the pieces are
 * decoded back (base64 encoded-words, quoted-printable) and must give the
 * original text, with every line within its limit and CRLF only. A message
 * with an attachment (multipart/mixed around the alternative part) is
 * compared byte for byte too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/mail.h"
#include "core/ltime.h"

#define FRI 1806075000 /* 2027-03-26T16:30:00+01:00, two days before the spring DST change */

static int setup(void **st)
{
    return lt_set_zone("Europe/Amsterdam") == 0 ? 0 : -1;
}

static char *take(struct sbuf *b)
{
    char *p = NULL;
    size_t n = 0;
    assert_int_equal(sb_take(b, &p, &n), 0);
    assert_non_null(p);
    return p;
}

/* Every line ends in CRLF (or is the last), no bare CR or LF, none longer than max. */
static void assert_lines(const char *s, size_t max)
{
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\r') { assert_int_equal(p[1], '\n'); p++; col = 0; continue; }
        assert_int_not_equal(*p, '\n');
        col++;
        if (col > max) fail_msg("line over %zu characters: %.80s", max, p - col + 1);
    }
}

static int b64val(char c)
{
    const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(t, c);
    return p && c ? (int)(p - t) : -1;
}

/* Decodes the encoded-words of a Subject field (our own B form) back to UTF-8. */
static void decode_subject(const char *field, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = field;
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        p += 10;
        const char *end = strstr(p, "?=");
        assert_non_null(end);
        assert_true(end - p + 12 <= 75);   /* RFC 2047: an encoded-word is at most 75 characters */
        unsigned v = 0;
        int bits = 0;
        for (; p < end && *p != '='; p++) {
            int d = b64val(*p);
            assert_true(d >= 0);
            v = v << 6 | (unsigned)d;
            bits += 6;
            if (bits >= 8) { bits -= 8; assert_true(n + 1 < cap); out[n++] = (char)(v >> bits & 0xFF); }
        }
        /* a word never ends inside a UTF-8 character */
        size_t back = 0;
        while (back < n && back < 4 && ((unsigned char)out[n - 1 - back] & 0xC0) == 0x80) back++;
        if (back < n) {
            unsigned char lead = (unsigned char)out[n - 1 - back];
            size_t want = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
            assert_int_equal(back, want);
        }
        p = end + 2;
    }
    out[n] = '\0';
}

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

/* Decodes quoted-printable (CRLF line ends) into out, lines joined by \n. */
static void decode_qp(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        assert_true(n + 1 < cap);
        if (*p == '=' && p[1] == '\r' && p[2] == '\n') { p += 2; continue; }
        if (*p == '=') {
            assert_true(hexval(p[1]) >= 0 && hexval(p[2]) >= 0);
            out[n++] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
            p += 2;
        } else if (*p == '\r' && p[1] == '\n') {
            assert_true(n == 0 || (out[n - 1] != ' ' && out[n - 1] != '\t'));   /* trailing blanks are encoded */
            out[n++] = '\n';
            p++;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

static void test_date_in_site_zone(void **st)
{
    char d[40];
    mail_date(FRI, d);
    assert_string_equal(d, "Fri, 26 Mar 2027 16:30:00 +0100");
    mail_date(FRI + 3 * 86400, d);   /* after the change to summer time */
    assert_string_equal(d, "Mon, 29 Mar 2027 17:30:00 +0200");
    mail_date(1830294000 + 3599, d);   /* 2027-12-31T23:59:59Z */
    assert_string_equal(d, "Sat, 01 Jan 2028 00:59:59 +0100");
}

static void test_subject_ascii(void **st)
{
    struct sbuf b = { 0 };
    mail_subject(&b, "Welcome to labpass: choose your password");
    char *s = take(&b);
    assert_string_equal(s, "Subject: Welcome to labpass: choose your password\r\n");
    free(s);
    /* long: folded at spaces, unfolding gives the subject back */
    const char *lng = "Your bookings: a tenant with a rather long name that goes on and on, Research Holding B.V. "
                      "is suspended";
    mail_subject(&b, lng);
    s = take(&b);
    assert_lines(s, 78);
    assert_non_null(strstr(s, "\r\n "));
    char unf[400];
    size_t n = 0;
    for (const char *p = s + 9; *p; p++)
        if (*p != '\r' && *p != '\n') unf[n++] = *p;
    unf[n] = '\0';
    assert_string_equal(unf, lng);
    free(s);
    /* text that looks like an encoded-word is encoded itself */
    mail_subject(&b, "=?UTF-8?B?x?=");
    s = take(&b);
    assert_string_equal(s, "Subject: =?UTF-8?B?PT9VVEYtOD9CP3g/PQ==?=\r\n");
    free(s);
}

static void test_subject_non_ascii(void **st)
{
    struct sbuf b = { 0 };
    mail_subject(&b, "Zee\xC3\xABn");
    char *s = take(&b);
    assert_string_equal(s, "Subject: =?UTF-8?B?WmVlw6tu?=\r\n");
    free(s);
    /* long, with 2-, 3- and 4-byte characters at every offset */
    const char *subjects[] = {
        "Training request: Biologische veiligheid \xE2\x80\x93 ML-1 \xC3\xA9\xC3\xA9ntje voor de co\xC3\xB6rdinator",
        "\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA"
        "\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA\xF0\x9F\xA7\xAA",
        "a\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
        "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC",
        "line\r\nbreak: control characters are encoded, never sent raw",
    };
    for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++) {
        mail_subject(&b, subjects[i]);
        s = take(&b);
        assert_lines(s, 78);
        assert_memory_equal(s, "Subject: =?UTF-8?B?", 19);
        char back[600];
        decode_subject(s, back, sizeof back);
        assert_string_equal(back, subjects[i]);
        free(s);
    }
}

static void test_quoted_printable(void **st)
{
    struct sbuf b = { 0 };
    mail_qp(&b, "a=b\nline with trailing space \n\xC3\xA9lan\ttab\t\n.dot at the start\n");
    char *s = take(&b);
    assert_string_equal(s, "a=3Db\r\nline with trailing space=20\r\n=C3=A9lan\ttab=09\r\n.dot at the start\r\n");
    free(s);
    /* long lines break softly within 76 characters and decode back */
    char text[1200];
    size_t n = 0;
    for (int i = 0; i < 120; i++) n += (size_t)snprintf(text + n, sizeof text - n, i % 7 ? "w%d " : "\xC3\xA9=%d ", i);
    text[n - 1] = '\n';
    memcpy(text + n, "  /#/setup?token=lpsetup_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 87);
    text[n + 87] = '\0';
    mail_qp(&b, text);
    s = take(&b);
    assert_lines(s, 76);
    char back[2400];
    decode_qp(s, back, sizeof back);
    assert_string_equal(back, text);
    free(s);
}

static void test_html_escaped(void **st)
{
    struct sbuf b = { 0 };
    mail_html(&b, "A <b> & \"c\"", "First 'line' <script>\nsecond & line\n\n  /#/setup?token=x\n"
                                     "  https://lab.example/#/setup?token=a&b=\"c\"\nsee https://x.example\n");
    char *s = take(&b);
    assert_string_equal(s, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>A &lt;b&gt; &amp; &quot;c&quot;"
                           "</title></head><body>\n<p>First &#39;line&#39; &lt;script&gt;<br>\nsecond &amp; line</p>\n"
                           "<p>  /#/setup?token=x<br>\n  <a href=\"https://lab.example/#/setup?token=a&amp;b=&quot;c&quot;\">"
                           "https://lab.example/#/setup?token=a&amp;b=&quot;c&quot;</a><br>\n"
                           "see https://x.example</p>\n</body></html>\n");
    free(s);
}

static const char WHOLE[] =
    "Date: Fri, 26 Mar 2027 16:30:00 +0100\r\n"
    "From: labpass@mtf.example\r\n"
    "To: lab@novacell.example\r\n"
    "Message-ID: <7.1806075000.abc@mtf.example>\r\n"
    "Subject: =?UTF-8?B?V2VsY29tZSB0byBsYWJwYXNzIOKAkyBaZWXDq24=?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"lp-b0\"\r\n"
    "\r\n"
    "--lp-b0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hello & welcome, Zee=C3=ABn.\r\n"
    "\r\n"
    "  /#/setup?token=3Dx\r\n"
    "--lp-b0\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<!DOCTYPE html>\r\n"
    "<html><head><meta charset=3D\"utf-8\"><title>Welcome to labpass =E2=80=93 Zee=\r\n"
    "=C3=ABn</title></head><body>\r\n"
    "<p>Hello &amp; welcome, Zee=C3=ABn.</p>\r\n"
    "<p>  /#/setup?token=3Dx</p>\r\n"
    "</body></html>\r\n"
    "\r\n"
    "--lp-b0--\r\n";

static void test_whole_message(void **st)
{
    mail_msg m = { .from = "labpass@mtf.example", .to = "lab@novacell.example",
                   .subject = "Welcome to labpass \xE2\x80\x93 Zee\xC3\xABn",
                   .text = "Hello & welcome, Zee\xC3\xABn.\n\n  /#/setup?token=x", .date = FRI,
                   .message_id = "7.1806075000.abc@mtf.example", .boundary = "lp-b0" };
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(mail_build(&m, &out, &len), 0);
    assert_int_equal(len, strlen(out));
    assert_string_equal(out, WHOLE);
    assert_lines(out, 78);
    free(out);
}

static const char XML[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><ID>2026-0007</ID></Invoice>\n";

static const char WITH_ATTACHMENT[] =
    "Date: Fri, 26 Mar 2027 16:30:00 +0100\r\n"
    "From: labpass@mtf.example\r\n"
    "To: billing@novacell.example\r\n"
    "Message-ID: <9.1806075000.abc@mtf.example>\r\n"
    "Subject: Invoice 2026-0007 from MedTech Factory\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"mixed.lp-b1\"\r\n"
    "\r\n"
    "--mixed.lp-b1\r\n"
    "Content-Type: multipart/alternative; boundary=\"lp-b1\"\r\n"
    "\r\n"
    "--lp-b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Total: =E2=82=AC1,210.00\r\n"
    "\r\n"
    "  https://labpass.example.org/#/invoices\r\n"
    "--lp-b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<!DOCTYPE html>\r\n"
    "<html><head><meta charset=3D\"utf-8\"><title>Invoice 2026-0007 from MedTech F=\r\n"
    "actory</title></head><body>\r\n"
    "<p>Total: =E2=82=AC1,210.00</p>\r\n"
    "<p>  <a href=3D\"https://labpass.example.org/#/invoices\">https://labpass.exa=\r\n"
    "mple.org/#/invoices</a></p>\r\n"
    "</body></html>\r\n"
    "\r\n"
    "--lp-b1--\r\n"
    "\r\n"
    "--mixed.lp-b1\r\n"
    "Content-Type: application/xml; name=\"invoice-2026-0007.xml\"\r\n"
    "Content-Disposition: attachment; filename=\"invoice-2026-0007.xml\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PD94bWwgdmVyc2lvbj0iMS4wIiBlbmNvZGluZz0iVVRGLTgiPz4KPEludm9pY2UgeG1sbnM9InVy\r\n"
    "bjpvYXNpczpuYW1lczpzcGVjaWZpY2F0aW9uOnVibDpzY2hlbWE6eHNkOkludm9pY2UtMiI+PElE\r\n"
    "PjIwMjYtMDAwNzwvSUQ+PC9JbnZvaWNlPgo=\r\n"
    "--mixed.lp-b1--\r\n";

static void test_message_with_attachment(void **st)
{
    mail_msg m = { .from = "labpass@mtf.example", .to = "billing@novacell.example",
                   .subject = "Invoice 2026-0007 from MedTech Factory",
                   .text = "Total: \xE2\x82\xAC" "1,210.00\n\n  https://labpass.example.org/#/invoices", .date = FRI,
                   .message_id = "9.1806075000.abc@mtf.example", .boundary = "lp-b1",
                   .attach = (const unsigned char *)XML, .attach_len = sizeof XML - 1,
                   .attach_type = "application/xml", .attach_name = "invoice-2026-0007.xml" };
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(mail_build(&m, &out, &len), 0);
    assert_int_equal(len, strlen(out));
    assert_string_equal(out, WITH_ATTACHMENT);
    assert_lines(out, 78);
    free(out);
    /* a file name or type that could break out of its header field is refused */
    const char *bad_names[] = { "a\"b.xml", "a b.xml", "", "x\r\nBcc: y@z.example" };
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        mail_msg b = m;
        b.attach_name = bad_names[i];
        assert_int_equal(mail_build(&b, &out, &len), LP_ERR_INVALID);
        assert_null(out);
    }
    mail_msg b = m;
    b.attach_type = "xml";
    assert_int_equal(mail_build(&b, &out, &len), LP_ERR_INVALID);
}

static void test_base64_lines(void **st)
{
    struct sbuf b = { 0 };
    unsigned char bytes[200];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (unsigned char)(i * 7 + 3);
    mail_base64_lines(&b, bytes, sizeof bytes);
    char *s = take(&b);
    assert_lines(s, 76);
    /* 200 bytes: three full lines of 76 characters (57 bytes each) and one of 40 (29 bytes, one pad) */
    assert_int_equal(strlen(s), 3 * 78 + 40);
    assert_memory_equal(s + 76, "\r\n", 2);
    assert_int_equal(s[strlen(s) - 1], '=');
    assert_int_not_equal(s[strlen(s) - 2], '=');
    free(s);
    mail_base64_lines(&b, bytes, 0);
    s = take(&b);
    assert_string_equal(s, "");
    free(s);
}

static void test_refuses_header_injection(void **st)
{
    mail_msg ok = { .from = "labpass@mtf.example", .to = "lab@novacell.example", .subject = "s", .text = "t",
                    .date = FRI, .message_id = "1@mtf.example", .boundary = "b" };
    char *out = NULL;
    size_t len = 0;
    const char *bad_to[] = { "lab@novacell.example\r\nBcc: x@y.example", "lab novacell@x.example", "nobody",
                             "<lab@novacell.example>", "a@b@c", "@novacell.example", "lab@" };
    for (size_t i = 0; i < sizeof bad_to / sizeof *bad_to; i++) {
        mail_msg m = ok;
        m.to = bad_to[i];
        assert_int_equal(mail_build(&m, &out, &len), LP_ERR_INVALID);
        assert_null(out);
    }
    mail_msg m = ok;
    m.boundary = "has space";
    assert_int_equal(mail_build(&m, &out, &len), LP_ERR_INVALID);
    m = ok;
    m.message_id = "x>\r\nX: y@z";
    assert_int_equal(mail_build(&m, &out, &len), LP_ERR_INVALID);
    assert_int_equal(mail_build(&ok, &out, &len), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_in_site_zone),
        cmocka_unit_test(test_subject_ascii),
        cmocka_unit_test(test_subject_non_ascii),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_html_escaped),
        cmocka_unit_test(test_whole_message),
        cmocka_unit_test(test_refuses_header_injection),
        cmocka_unit_test(test_message_with_attachment),
        cmocka_unit_test(test_base64_lines),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
