/* log.c: leveled logging to stderr, safe from many threads (each line is
 * formatted first and written with one write()), or to the systemd journal
 * with structured fields when stderr is the journal's stream. */
#include "core/log.h"
#include "core/err.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

static enum log_level g_level = LOG_INFO;

void log_set_level(enum log_level lvl) { g_level = lvl; }

static const char *const LEVEL_NAMES[] = { "debug", "info", "warn", "error", "off" };

int log_parse_level(const char *s, enum log_level *out)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(s, LEVEL_NAMES[i]) == 0) { *out = (enum log_level)i; return 0; }
    return LP_ERR_INVALID;
}

const char *log_level_name(enum log_level lvl) { return (unsigned)lvl < 5 ? LEVEL_NAMES[lvl] : ""; }

/* Whether stderr is the journal stream systemd gave us (JOURNAL_STREAM is
 * "device:inode" of it; a redirected stderr no longer matches). */
static int to_journal(void)
{
    static int known = -1;
    if (known >= 0) return known;
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev = 0, ino = 0;
    struct stat st;
    known = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
            (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    return known;
}

/* Control characters from outside input must not forge log lines. */
static void clean(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20) p[i] = '?';
}

static void send_journal(enum log_level lvl, const char *component, const log_field *f, int nf, const char *msg)
{
    static const int prio[] = { 7, 6, 4, 3 };   /* debug, info, warning, err */
    char message[2100];
    char buf[LOG_MAX_FIELDS + 4][600];
    struct iovec iov[LOG_MAX_FIELDS + 4];
    int n = 0;
    snprintf(message, sizeof message, "MESSAGE=%s", msg);
    snprintf(buf[++n], sizeof buf[n], "PRIORITY=%d", prio[lvl]);
    snprintf(buf[++n], sizeof buf[n], "SYSLOG_IDENTIFIER=%s", program_invocation_short_name);
    snprintf(buf[++n], sizeof buf[n], "LABPASS_COMPONENT=%s", component);
    for (int i = 0; i < nf && i < LOG_MAX_FIELDS; i++) snprintf(buf[++n], sizeof buf[n], "%s=%s", f[i].name, f[i].value);
    n++;
    for (int i = 0; i < n; i++) {
        char *p = i ? buf[i] : message;
        clean(p, strlen(p));
        iov[i].iov_base = p;
        iov[i].iov_len = strlen(p);
    }
    sd_journal_sendv(iov, n);
}

static void vlog(enum log_level lvl, const char *component, const log_field *f, int nf, const char *fmt, va_list ap)
{
    static const char *tags[] = { "DEBUG", "INFO", "WARN", "ERROR" };
    if (lvl < g_level || lvl >= LOG_OFF)
        return;
    char line[2048];
    if (to_journal()) {
        vsnprintf(line, sizeof line, fmt, ap);
        send_journal(lvl, component, f, nf, line);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    int k = snprintf(line + n, sizeof line - n, "%s %s: ", tags[lvl], component);
    if (k > 0) n += (size_t)k;
    if (n < sizeof line) {
        k = vsnprintf(line + n, sizeof line - n, fmt, ap);
        if (k > 0) n += (size_t)k;
    }
    for (int i = 0; i < nf && n < sizeof line; i++) {
        k = snprintf(line + n, sizeof line - n, " %s=%s", f[i].name, f[i].value);
        if (k > 0) n += (size_t)k;
    }
    if (n > sizeof line - 2) n = sizeof line - 2;
    clean(line, n);
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void log_msg(enum log_level lvl, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(lvl, component, NULL, 0, fmt, ap);
    va_end(ap);
}

void log_fields(enum log_level lvl, const char *component, const log_field *f, int nf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(lvl, component, f, nf, fmt, ap);
    va_end(ap);
}
