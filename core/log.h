/* log.h: the one logging module. Lines go to stderr as
 *   2026-11-28T20:15:04Z LEVEL component: message
 * Never pass a secret, token or password to these functions. */
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

#define log_debug(c, ...) log_msg(LOG_DEBUG, c, __VA_ARGS__)
#define log_info(c, ...)  log_msg(LOG_INFO, c, __VA_ARGS__)
#define log_warn(c, ...)  log_msg(LOG_WARN, c, __VA_ARGS__)
#define log_error(c, ...) log_msg(LOG_ERROR, c, __VA_ARGS__)

#endif
