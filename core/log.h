/* log.h: the one logging module. Lines go to stderr as
 *   2026-11-28T20:15:04Z LEVEL component: message key=value ...
 * or, when stderr is connected to the systemd journal (JOURNAL_STREAM names
 * it), straight to the journal as structured entries: MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER (the program), LABPASS_COMPONENT, and the entry's own
 * fields (log_fields) such as REQUEST_ID, ROUTE, STATUS, DURATION_MS.
 * Never pass a secret, token, password or personal data (names, e-mail
 * addresses) to these functions: ids only. */
#ifndef LP_LOG_H
#define LP_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 };

void log_set_level(enum log_level lvl);
/* Parses "debug", "info", "warn", "error", "off"; returns 0 or LP_ERR_INVALID. */
int log_parse_level(const char *s, enum log_level *out);
/* "debug", "info", "warn", "error" or "off". */
const char *log_level_name(enum log_level lvl);
void log_msg(enum log_level lvl, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One entry with structured fields: names are journal field names (upper
 * case, digits, _), values are shown as given. At most LOG_MAX_FIELDS. */
#define LOG_MAX_FIELDS 8
typedef struct log_field { const char *name; const char *value; } log_field;
void log_fields(enum log_level lvl, const char *component, const log_field *f, int nf, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define log_debug(c, ...) log_msg(LOG_DEBUG, c, __VA_ARGS__)
#define log_info(c, ...)  log_msg(LOG_INFO, c, __VA_ARGS__)
#define log_warn(c, ...)  log_msg(LOG_WARN, c, __VA_ARGS__)
#define log_error(c, ...) log_msg(LOG_ERROR, c, __VA_ARGS__)

#endif
