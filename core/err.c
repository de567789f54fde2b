/* err.c: names for lp_err codes, used in logs and problem types. */
#include "core/err.h"

const char *lp_err_name(int err)
{
    static const char *names[] = {
        "ok", "nomem", "invalid", "not_found", "conflict", "forbidden",
        "unauthorized", "db", "io", "rule", "too_big", "throttled",
        "crypto", "state", "busy", "timeout", "internal",
    };
    int i = -err;
    if (i < 0 || i >= (int)(sizeof names / sizeof names[0]))
        return "unknown";
    return names[i];
}
