/* smtp.c: the SMTP client of the outbox (see smtp.h), on libcurl. */
#include "api/smtp.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *why, size_t len, const char *what)
{
    snprintf(why, len, "%s", what);
    return -1;
}

static int loopback(const char *host, size_t n)
{
    if (n == 9 && !strncmp(host, "localhost", 9)) return 1;
    if (n == 5 && !strncmp(host, "[::1]", 5)) return 1;
    return n > 4 && !strncmp(host, "127.", 4) && strspn(host, "0123456789.") >= n;
}

int smtp_check_url(const char *url, int starttls, char *why, size_t len)
{
    int tls = !strncmp(url, "smtps://", 8);
    if (!tls && strncmp(url, "smtp://", 7)) return fail(why, len, "must start with smtp:// or smtps://");
    const char *host = url + (tls ? 8 : 7);
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    if (host[0] == '[' && host[n - 1] != ']') return fail(why, len, "an IPv6 address goes in [brackets]");
    if (n < 1 || strcspn(host, "/@?#") < strlen(host) || host[n] == '[')
        return fail(why, len, "must be scheme://host[:port], without a user or a path");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)host[i] <= ' ' || (unsigned char)host[i] > '~') return fail(why, len, "a bad host name");
    if (host[n] == ':') {
        char *end;
        long port = strtol(host + n + 1, &end, 10);
        if (!host[n + 1] || *end || port < 1 || port > 65535) return fail(why, len, "a bad port");
    } else if (host[n]) {
        return fail(why, len, "must be scheme://host[:port]");
    }
    if (!tls && !starttls && !loopback(host, n))
        return fail(why, len, "plain SMTP (smtp_starttls = no) only towards localhost; use STARTTLS or smtps://");
    return 0;
}

/* ---- one message ------------------------------------------------------ */

struct upload { const char *p; size_t left; };

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nitems < u->left ? size * nitems : u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* The server's last refusal (a 4xx or 5xx reply line), printable ASCII
 * only, for last_error. Only incoming lines are read: outgoing ones include
 * AUTH. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
    char *last = ud;
    if (type != CURLINFO_HEADER_IN || size < 3 || (data[0] != '4' && data[0] != '5')) return 0;
    size_t n = 0;
    for (size_t i = 0; i < size && n < 120 && data[i] != '\r' && data[i] != '\n'; i++)
        last[n++] = data[i] >= ' ' && data[i] <= '~' ? data[i] : '?';
    last[n] = '\0';
    return 0;
}

/* A refusal of this message (the recipient or the data), as opposed to the
 * server or the connection: libcurl names the stage in its error text. */
static int message_stage(CURLcode rc, const char *errbuf)
{
    if (rc == CURLE_WEIRD_SERVER_REPLY) return 1;   /* the reply to the end of the data */
    return rc == CURLE_SEND_ERROR && (!strncmp(errbuf, "RCPT failed", 11) || !strncmp(errbuf, "DATA failed", 11));
}

static void set_options(CURL *c, const smtp_config *cf, struct curl_slist *rcpt, struct upload *u, char *from,
                        const char *url)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cf->timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cf->timeout);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->left);
    if (!strncmp(cf->url, "smtp://", 7) && cf->starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cf->ca_file[0]) curl_easy_setopt(c, CURLOPT_CAINFO, cf->ca_file);
    if (cf->user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cf->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cf->password);
    }
}

enum smtp_result smtp_send(const smtp_config *cf, const char *to, const char *msg, size_t len, char *err,
                           size_t errlen)
{
    char from[300], rcpt_addr[300], url[800], errbuf[CURL_ERROR_SIZE] = "", last[128] = "";
    struct upload u = { msg, len };
    const char *domain = strchr(cf->from, '@');
    snprintf(url, sizeof url, "%s/%s", cf->url, domain ? domain + 1 : "localhost");   /* the path is EHLO's name */
    snprintf(from, sizeof from, "<%s>", cf->from);
    snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", to);
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_addr);
    if (!c || !rcpt) {
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(c);
        snprintf(err, errlen, "out of memory");
        return SMTP_DOWN;
    }
    set_options(c, cf, rcpt, &u, from, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, last);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);   /* for on_debug only; nothing is printed */
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) { err[0] = '\0'; return SMTP_SENT; }
    snprintf(err, errlen, "%s%s%s", errbuf[0] ? errbuf : curl_easy_strerror(rc), last[0] ? "; server: " : "", last);
    if (!message_stage(rc, errbuf) || code < 400 || code > 599) return SMTP_DOWN;
    return code >= 500 ? SMTP_REFUSED : SMTP_LATER;
}
