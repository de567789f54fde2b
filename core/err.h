/* err.h: the one error idiom of labpass.
 * Every fallible function returns 0 on success or a negative lp_err; results
 * travel through out-parameters. lp_err_name() gives a stable short name. */
#ifndef LP_ERR_H
#define LP_ERR_H

#define LP_MUST __attribute__((warn_unused_result))

typedef enum lp_err {
    LP_OK = 0,
    LP_ERR_NOMEM = -1,      /* allocation failed */
    LP_ERR_INVALID = -2,    /* bad input from outside (syntax, type, range) */
    LP_ERR_NOTFOUND = -3,   /* no such object, or not visible to the caller */
    LP_ERR_CONFLICT = -4,   /* uniqueness or overlap conflict */
    LP_ERR_FORBIDDEN = -5,  /* caller may not do this */
    LP_ERR_UNAUTH = -6,     /* no or bad credentials */
    LP_ERR_DB = -7,         /* database failure */
    LP_ERR_IO = -8,         /* file or device failure */
    LP_ERR_RULE = -9,       /* a business rule refused the request */
    LP_ERR_TOOBIG = -10,    /* input over a size limit */
    LP_ERR_THROTTLED = -11, /* too many attempts */
    LP_ERR_CRYPTO = -12,    /* signature or key failure */
    LP_ERR_STATE = -13,     /* operation not allowed in the object's state */
    LP_ERR_BUSY = -14,      /* resource busy, try again */
    LP_ERR_TIMEOUT = -15,   /* an operation did not finish in time */
    LP_ERR_INTERNAL = -16   /* programmer error or unexpected condition */
} lp_err;

/* Stable lower-case name of an error code ("invalid", "not_found", ...). */
const char *lp_err_name(int err);

#endif
