/* faults.c: the loop shared by the fault tests (see faults.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "tests/lib/faults.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"

#define MAX_STEPS 2000

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* The rows of one table, in a fixed order, into the running hash. */
static uint64_t hash_table(sqlite3 *h, const char *name, uint64_t sum)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", name);
    sqlite3_stmt *rows = NULL;
    if (sqlite3_prepare_v2(h, sql, -1, &rows, NULL) != SQLITE_OK) {   /* WITHOUT ROWID */
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1", name);
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &rows, NULL), SQLITE_OK);
    }
    sum = fnv(sum, name, strlen(name));
    int rc;
    while ((rc = sqlite3_step(rows)) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(rows); c++) {
            int type = sqlite3_column_type(rows, c);
            const void *v = sqlite3_column_blob(rows, c);
            sum = fnv(sum, &type, sizeof type);
            if (v) sum = fnv(sum, v, (size_t)sqlite3_column_bytes(rows, c));
        }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(rows);
    return sum;
}

uint64_t flt_hash(sqlite3 *h, const char *skip)
{
    sqlite3_stmt *tables = NULL;
    uint64_t sum = 1469598103934665603ULL;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name", -1, &tables, NULL), SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        if (!skip || strcmp(name, skip) != 0) sum = hash_table(h, name, sum);
    }
    sqlite3_finalize(tables);
    return sum;
}

/* The checks after a call whose k-th step failed with code. */
static void check_failed(const flt_op *o, int code, int k, int rc, uint64_t before, flt_state_fn state)
{
    if (code == SQLITE_BUSY && rc != LP_ERR_BUSY)
        fail_msg("%s: busy at step %d returned %d (%s), not busy", o->name, k, rc, lp_err_name(rc));
    if (rc == 0 || rc == LP_ERR_NOTFOUND)
        fail_msg("%s: a failed step %d (SQLite %d) returned %d (%s)", o->name, k, code, rc, lp_err_name(rc));
    if (o->write && state(o) != before)
        fail_msg("%s: a failed step %d (SQLite %d) left a change behind", o->name, k, code);
}

int flt_run(const flt_op *o, int code, flt_state_fn state)
{
    for (int k = 1; k < MAX_STEPS; k++) {
        if (o->prep && o->prep() != 0) fail_msg("%s: preparation failed", o->name);
        uint64_t before = o->write ? state(o) : 0;
        db_fault_inject(code, k);
        int rc = o->call();
        int pending = db_fault_pending();
        db_fault_inject(0, 0);
        if (o->after) o->after();
        if (rc == FLT_WRONG)
            fail_msg("%s: a wrong result (%s at step %d)", o->name, pending ? "no fault" : "a fault", k);
        if (pending) {
            if (rc != 0) fail_msg("%s: %d (%s) without a fault (%d steps)", o->name, rc, lp_err_name(rc), k - 1);
            return k - 1;
        }
        check_failed(o, code, k, rc, before, state);
    }
    fail_msg("%s: no end to its steps", o->name);
    return 0;
}

int flt_run_all(const flt_op *ops, size_t n, flt_state_fn state, void (*reset)(void))
{
    static const int codes[] = { SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR };
    int faults = 0;
    log_set_level(LOG_OFF);   /* each injected failure is logged with its SQL otherwise */
    for (size_t i = 0; i < n; i++) {
        int steps = 0;
        if (reset) reset();
        for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++) {
            steps = flt_run(&ops[i], codes[c], state);
            assert_true(steps > 0);
            faults += steps;
        }
        print_message("  %-32s %3d steps, each failed with busy, full and I/O error\n", ops[i].name, steps);
    }
    log_set_level(LOG_INFO);
    print_message("  %zu operations, %d faults injected\n", n, faults);
    return faults;
}
