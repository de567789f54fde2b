/* fail.h: the explanation that travels with an lp_err from the domain to the
 * caller: which field or rule, and a human sentence (no secrets). The API
 * turns it into a problem+json body; the CLI prints it. */
#ifndef LP_FAIL_H
#define LP_FAIL_H
#include <stddef.h>
#include "core/err.h"

typedef struct lp_fail {
    int code;          /* the lp_err returned alongside */
    char field[48];    /* offending input field or rule name, "" if none */
    char detail[240];  /* sentence for people */
} lp_fail;

/* Fills f (may be NULL) and returns code, so: return lp_failf(f, ERR, "name", "...");. */
int lp_failf(lp_fail *f, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Text checks used by every module that takes names and addresses from outside. */
/* 1..maxlen bytes of valid UTF-8 with no control characters. */
int lp_text_ok(const char *s, size_t maxlen);
/* A plausible e-mail address: local@domain, no spaces or controls, <= 254. */
int lp_email_ok(const char *s);

#endif
