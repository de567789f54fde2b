/* log.c: leveled, line-buffered logging to stderr, safe from many threads
 * (each line is formatted first and written with one write()). */
#include "core/log.h"
#include "core/err.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

void log_msg(enum log_level lvl, const char *component, const char *fmt, ...)
{
    static const char *tags[] = { "DEBUG", "INFO", "WARN", "ERROR" };
    if (lvl < g_level || lvl >= LOG_OFF)
        return;
    char line[2048];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    int k = snprintf(line + n, sizeof line - n, "%s %s: ", tags[lvl], component);
    if (k > 0) n += (size_t)k;
    if (n < sizeof line) {
        va_list ap;
        va_start(ap, fmt);
        k = vsnprintf(line + n, sizeof line - n, fmt, ap);
        va_end(ap);
        if (k > 0) n += (size_t)k;
    }
    if (n > sizeof line - 2) n = sizeof line - 2;
    /* Control characters from outside input must not forge log lines. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20) line[i] = '?';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
