/* faults.h: the loop shared by the fault tests (tests/unit/test_faults_*.c).
 * An operation is run again and again with the k-th SQLite step from its
 * call failing (db_fault_inject), k = 1, 2, ..., until the call makes fewer
 * than k steps. A call whose step failed must return an error: LP_ERR_BUSY
 * for SQLITE_BUSY, and never 0 or LP_ERR_NOTFOUND; a write must leave the
 * state it names as it was (compared through a hash of every row); a call
 * that met no fault must succeed. A call returns FLT_WRONG when it saw a
 * wrong result (a short list, "not denied", a wrong total): always a failure. */
#ifndef LP_TEST_FAULTS_H
#define LP_TEST_FAULTS_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define FLT_WRONG (-1000)

typedef struct flt_op {
    const char *name;
    int write;              /* 0: a read; otherwise which state it writes (given to the state hash) */
    int (*prep)(void);      /* before the fault is armed; may be NULL */
    int (*call)(void);      /* 0, an lp_err code, or FLT_WRONG */
    void (*after)(void);    /* after the call and the fault; may be NULL */
    const char *skip;       /* a table a failed call may change by design; may be NULL */
} flt_op;

/* The hash of the state o->write names (called only for writes). */
typedef uint64_t (*flt_state_fn)(const flt_op *o);

/* A hash of every row of every table of h but skip (may be NULL), read with
 * plain SQLite calls so that it meets no injected fault. */
uint64_t flt_hash(sqlite3 *h, const char *skip);

/* Runs o with each step failing with code in turn; fails the test on a
 * wrong answer. Returns the number of steps the call makes. */
int flt_run(const flt_op *o, int code, flt_state_fn state);

/* Runs every operation with busy, full and I/O errors, printing a line per
 * operation and the total; reset (may be NULL) runs before each operation.
 * Returns the number of faults injected. */
int flt_run_all(const flt_op *ops, size_t n, flt_state_fn state, void (*reset)(void));

#endif
