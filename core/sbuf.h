/* sbuf.h: a growing, always NUL-terminated text buffer for documents built
 * piece by piece (CSV, HTML). After an allocation failure every further
 * call does nothing and sb_take reports LP_ERR_NOMEM, so writers need not
 * check each call. Zero-initialise to start: struct sbuf b = { 0 }. */
#ifndef LP_SBUF_H
#define LP_SBUF_H
#include <stdbool.h>
#include <stddef.h>
#include "core/err.h"

struct sbuf { char *p; size_t n, cap; bool oom; };

void sb_put(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
/* Formatted text of at most 511 bytes (longer output is cut). */
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the text to *out (caller frees) and resets b; LP_ERR_NOMEM after a failure. */
int sb_take(struct sbuf *b, char **out, size_t *len) LP_MUST;

#endif
