/* recur_int.h: what recur_rule.c (checking) and recur.c (expansion) share
 * (inside booking/ only): a rule split into its parts. Not for other modules. */
#ifndef LP_RECUR_INT_H
#define LP_RECUR_INT_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "booking/recur.h"

#define MAX_PARTS 12
#define T_MAX 32503680000LL /* 3000-01-01T00:00:00Z: instants beyond are refused */

enum freq { F_DAILY, F_WEEKLY, F_MONTHLY, F_YEARLY, F_NONE };
#define FM(f) (1u << (f))
#define F_ALL (FM(F_DAILY) | FM(F_WEEKLY) | FM(F_MONTHLY) | FM(F_YEARLY))

struct rule {
    char text[RECUR_RULE_MAX + 1]; /* the rule without an "RRULE:" prefix */
    char buf[RECUR_RULE_MAX + 1];  /* a copy split in place into parts */
    const char *key[MAX_PARTS];
    const char *val[MAX_PARTS];
    size_t n;
    enum freq freq;
    int count;      /* COUNT, or 0 when bounded by UNTIL */
    int has_until;
    int64_t until;  /* UNTIL as an instant */
};

/* Checks text strictly (see recur.h) and splits it into r. 0, LP_ERR_INVALID
 * or LP_ERR_TOOBIG. */
int recur_rule_parse(const char *text, struct rule *r) LP_MUST;
/* Whether the site-local start date tm is an occurrence of r. */
int recur_start_matches(const struct rule *r, const struct tm *tm);

#endif
