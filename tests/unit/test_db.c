/* test_db.c: unit tests for db/ beyond the basics in test_core.c: group
 * commit (members that keep or undo their writes, writers outside the group,
 * many threads at once, durability across a reopen), the WAL checkpoint in
 * the commit hook, the connection pool, and migration 0005 on a database that holds charge parts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/clock.h"
#include "db/db.h"
#include "db/dbfile.h"
#include "db/idem.h"
#include "tests/lib/tmpdb.h"

struct tmpdb { char path[64]; };

static void tmp_make(struct tmpdb *t) { assert_int_equal(tdb_make(t->path, sizeof t->path, "db"), 0); }
static void tmp_remove(struct tmpdb *t) { tdb_remove(t->path); }

static int64_t count(db_t *db, const char *sql)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    int64_t n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    return n;
}

/* ---- group commit ---- */

struct worker {
    const char *path;
    int id, n, fails;
    int outsider;   /* 1: writes with db_begin/db_commit; 2: single statements, no transaction */
};

static int insert_row(db_t *w, int who, int i, int keep)
{
    sqlite3_stmt *st = db_stmt(w, "INSERT INTO gc(who, i, kept) VALUES (?1, ?2, ?3)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, who);
    db_bind_int(st, 2, i);
    db_bind_int(st, 3, keep);
    return db_exec_stmt(st);
}

static void *work(void *p)
{
    struct worker *wk = p;
    db_t *db = NULL;
    if (db_open(wk->path, &db) != 0) { wk->fails = wk->n; return NULL; }
    for (int i = 0; i < wk->n; i++) {
        int keep = i % 5 != 4;   /* every fifth write is undone */
        if (wk->outsider == 2) {
            if (insert_row(db, wk->id, i, 1) != 0) wk->fails++;
            continue;
        }
        if (wk->outsider) {
            int rc = db_begin(db);
            if (rc == 0) rc = insert_row(db, wk->id, i, 1);
            if (rc == 0) rc = db_commit(db);
            if (rc) { db_rollback(db); wk->fails++; }
            continue;
        }
        db_t *w = NULL;
        int rc = db_group_begin(db, &w);
        if (rc) { wk->fails++; continue; }
        rc = insert_row(w, wk->id, i, keep);
        int crc = db_group_end(w, rc == 0 && keep);
        if (rc || crc) wk->fails++;
    }
    db_close(db);
    return NULL;
}

/* Stepping keeps row, no row and error apart; an injected SQLite failure
 * (busy, disk full, I/O error) is an error for db_step, db_get, db_collect
 * and db_exec_stmt, never "no row" or a short list. */
static int collect_id(sqlite3_stmt *st, void *elem)
{
    *(int64_t *)elem = sqlite3_column_int64(st, 0);
    return 0;
}

static void test_step_outcomes_and_faults(void **st)
{
    struct tmpdb t;
    db_t *db;
    tmp_make(&t);
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(db_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)"), 0);
    sqlite3_stmt *one = db_stmt(db, "SELECT id FROM t WHERE id = ?1");
    db_bind_int(one, 1, 2);
    assert_int_equal(db_get(one), 0);
    assert_int_equal(sqlite3_column_int64(one, 0), 2);
    sqlite3_reset(one);
    db_bind_int(one, 1, 9);
    assert_int_equal(db_get(one), LP_ERR_NOTFOUND);

    const int codes[] = { SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR, SQLITE_IOERR_READ, SQLITE_CORRUPT };
    const int want[] = { LP_ERR_BUSY, LP_ERR_DB, LP_ERR_DB, LP_ERR_DB, LP_ERR_DB };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        db_bind_int(one, 1, 2);
        db_fault_inject(codes[i], 1);
        assert_int_equal(db_get(one), want[i]);
        assert_false(db_fault_pending());
        /* A list that fails on its third step is an error, not two rows. */
        sqlite3_stmt *all = db_stmt(db, "SELECT id FROM t ORDER BY id");
        int64_t *ids = NULL;
        size_t n = 99;
        db_fault_inject(codes[i], 3);
        assert_int_equal(db_collect(all, sizeof *ids, collect_id, (void **)&ids, &n), want[i]);
        assert_null(ids);
        assert_int_equal(n, 0);
        sqlite3_stmt *ins = db_stmt(db, "INSERT INTO t VALUES (100)");
        db_fault_inject(codes[i], 1);
        assert_int_equal(db_exec_stmt(ins), want[i]);
    }
    /* Nothing was written by the failed inserts; the real path still works. */
    sqlite3_stmt *cnt = db_stmt(db, "SELECT count(*) FROM t");
    assert_int_equal(db_step(cnt), DB_ROW);
    assert_int_equal(sqlite3_column_int64(cnt, 0), 3);
    assert_int_equal(db_step(cnt), DB_DONE);
    sqlite3_reset(cnt);
    /* A real constraint failure from SQLite itself. */
    sqlite3_stmt *dup = db_stmt(db, "INSERT INTO t VALUES (1)");
    assert_int_equal(db_exec_stmt(dup), LP_ERR_CONFLICT);
    db_close(db);
    tdb_remove(t.path);
}

static void test_group_commit_threads(void **st)
{
    struct tmpdb t;
    tmp_make(&t);
    db_t *db = NULL;
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(db_exec(db, "CREATE TABLE gc(who INT, i INT, kept INT, UNIQUE(who, i))"), 0);
    enum { NT = 8, N = 150 };
    struct worker wk[NT];
    pthread_t th[NT];
    for (int k = 0; k < NT; k++) {
        wk[k] = (struct worker){ t.path, k, N, 0, k == NT - 1 ? 1 : k == NT - 2 ? 2 : 0 };
        assert_int_equal(pthread_create(&th[k], NULL, work, &wk[k]), 0);
    }
    for (int k = 0; k < NT; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(wk[k].fails, 0);
    }
    /* Kept writes are all there, undone ones none, the outsiders' all. */
    assert_int_equal(count(db, "SELECT count(*) FROM gc WHERE kept = 0"), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM gc WHERE who < 6"), (NT - 2) * (N - N / 5));
    assert_int_equal(count(db, "SELECT count(*) FROM gc WHERE who >= 6"), 2 * N);
    assert_int_equal(count(db, "SELECT count(*) FROM gc WHERE who = 0 AND i % 5 = 4"), 0);
    db_close(db);
    db_shutdown();
    /* Reopened from the file: everything acknowledged is there. */
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM gc"), (NT - 2) * (N - N / 5) + 2 * N);
    db_close(db);
    tmp_remove(&t);
}

/* A member that reads sees the writes of earlier members of its group, and
 * the member's own transaction calls are refused instead of ending the group. */
static void test_group_member_rules(void **st)
{
    struct tmpdb t;
    tmp_make(&t);
    db_t *db = NULL, *w = NULL;
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(db_exec(db, "CREATE TABLE gc(who INT, i INT, kept INT, UNIQUE(who, i))"), 0);
    assert_int_equal(db_group_begin(db, &w), 0);
    assert_non_null(w);
    assert_ptr_not_equal(w, db);
    assert_int_equal(insert_row(w, 1, 1, 1), 0);
    assert_int_equal(db_begin(w), LP_ERR_STATE);
    assert_int_equal(db_commit(w), LP_ERR_STATE);
    db_rollback(w);   /* refused: logs, changes nothing */
    assert_int_equal(count(w, "SELECT count(*) FROM gc"), 1);
    assert_int_equal(insert_row(w, 1, 1, 1), LP_ERR_CONFLICT);   /* the unique key holds inside the group */
    assert_int_equal(db_group_end(w, 1), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM gc"), 1);
    /* An undone member leaves nothing. */
    assert_int_equal(db_group_begin(db, &w), 0);
    assert_int_equal(insert_row(w, 2, 1, 1), 0);
    assert_int_equal(db_group_end(w, 0), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM gc"), 1);
    /* A connection inside its own transaction cannot also join a group. */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_group_begin(db, &w), LP_ERR_STATE);
    assert_null(w);
    db_rollback(db);
    db_close(db);
    db_shutdown();
    tmp_remove(&t);
}

/* Two files in one process: a group on one never takes writes for the other. */
static void test_group_two_files(void **st)
{
    struct tmpdb a, b;
    tmp_make(&a);
    tmp_make(&b);
    db_t *da = NULL, *dbb = NULL, *w = NULL;
    assert_int_equal(db_open(a.path, &da), 0);
    assert_int_equal(db_open(b.path, &dbb), 0);
    assert_int_equal(db_exec(da, "CREATE TABLE gc(who INT, i INT, kept INT, UNIQUE(who, i))"), 0);
    assert_int_equal(db_exec(dbb, "CREATE TABLE gc(who INT, i INT, kept INT, UNIQUE(who, i))"), 0);
    assert_int_equal(db_group_begin(da, &w), 0);
    assert_int_equal(insert_row(w, 1, 1, 1), 0);
    assert_int_equal(db_group_end(w, 1), 0);
    assert_int_equal(db_group_begin(dbb, &w), 0);
    assert_string_equal(db_path(w), b.path);
    assert_int_equal(insert_row(w, 2, 1, 1), 0);
    assert_int_equal(insert_row(w, 2, 2, 1), 0);
    assert_int_equal(db_group_end(w, 1), 0);
    assert_int_equal(count(da, "SELECT count(*) FROM gc"), 1);
    assert_int_equal(count(dbb, "SELECT count(*) FROM gc"), 2);
    db_close(da);
    db_close(dbb);
    db_shutdown();
    tmp_remove(&a);
    tmp_remove(&b);
}

/* ---- the connection pool ---- */

static void test_pool(void **st)
{
    struct tmpdb t;
    tmp_make(&t);
    db_pool_t *p = NULL;
    assert_int_equal(db_pool_new(t.path, 2, &p), 0);
    db_t *a = db_pool_get(p), *b = db_pool_get(p), *c = db_pool_get(p);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a != b && b != c && a != c);
    assert_int_equal(db_exec(a, "CREATE TABLE gc(who INT, i INT, kept INT, UNIQUE(who, i))"), 0);
    /* A connection given back inside a transaction is rolled back first. */
    assert_int_equal(db_begin(b), 0);
    assert_int_equal(insert_row(b, 1, 1, 1), 0);
    db_pool_put(p, b);
    assert_int_equal(count(a, "SELECT count(*) FROM gc"), 0);
    /* The last one given back is the next one taken; beyond two idle, closed. */
    db_pool_put(p, a);
    db_pool_put(p, c);   /* two idle now: b, a; c is closed */
    db_t *d = db_pool_get(p);
    assert_ptr_equal(d, a);
    assert_int_equal(db_begin(d), 0);   /* the writer lock was released by the rollback above */
    assert_int_equal(insert_row(d, 2, 1, 1), 0);
    assert_int_equal(db_commit(d), 0);
    assert_int_equal(count(d, "SELECT count(*) FROM gc"), 1);
    db_pool_put(p, d);
    db_pool_free(p);
    tmp_remove(&t);
}

/* ---- the statement cache ---- */

/* 300 distinct statements in one unit of work, more than a connection's
 * table holds (256): each is served (those past the table beside it), the
 * same one again for the same text; db_stmt_trim then keeps the most
 * recently used, and round after round every statement can be had again. */
static void test_statement_cache_bound(void **st)
{
    enum { N = 300 };
    static char sql[N][32];   /* stable addresses, as string literals have */
    struct tmpdb t;
    tmp_make(&t);
    db_t *db = NULL;
    assert_int_equal(db_open(t.path, &db), 0);
    sqlite3_stmt *got[N];
    for (int i = 0; i < N; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        got[i] = db_stmt(db, sql[i]);
        assert_non_null(got[i]);
    }
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(db_stmt(db, sql[i]), got[i]);   /* the cached one, not another */
        assert_int_equal(sqlite3_step(got[i]), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(got[i], 0), i);
    }
    sqlite3_stmt *recent = db_stmt(db, sql[0]);   /* in the table, and used last */
    db_stmt_trim(db);
    assert_ptr_equal(db_stmt(db, sql[0]), recent);   /* the most recently used stays */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            sqlite3_stmt *s = db_stmt(db, sql[i]);
            assert_non_null(s);
            assert_int_equal(sqlite3_step(s), SQLITE_ROW);
            assert_int_equal(sqlite3_column_int(s, 0), i);
        }
        db_stmt_trim(db);
    }
    db_close(db);
    tmp_remove(&t);
}

/* ---- checkpoints ---- */

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* The commit hook that replaces SQLite's automatic checkpoint copies the log
 * into the database file once it passes 500 pages (CKPT_PAGES). */
static void test_checkpoint_after_commits(void **st)
{
    struct tmpdb t;
    tmp_make(&t);
    db_t *db = NULL;
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(db_exec(db, "CREATE TABLE big(id INTEGER PRIMARY KEY, pad BLOB)"), 0);
    off_t before = file_size(t.path);
    for (int i = 0; i < 300; i++) {   /* 300 commits of 4 pages each: well past 500 log pages */
        assert_int_equal(db_begin(db), 0);
        sqlite3_stmt *s = db_stmt(db, "INSERT INTO big(pad) VALUES (zeroblob(14000))");
        assert_non_null(s);
        assert_int_equal(db_exec_stmt(s), 0);
        assert_int_equal(db_commit(db), 0);
    }
    assert_true(file_size(t.path) >= before + 500 * 4096);   /* without a checkpoint it stays one page */
    assert_int_equal(count(db, "SELECT count(*) FROM big"), 300);
    db_close(db);
    tmp_remove(&t);
}

/* ---- migration 0005 ---- */

/* A database at version 4 with charge parts keeps them through 0005, which
 * stores them without a rowid and keeps the invoiced-charge trigger. */
static void test_migration_charge_parts(void **st)
{
    struct tmpdb t;
    tmp_make(&t);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(t.path, &h), SQLITE_OK);
    assert_true(db_migrations_count >= 5);
    assert_int_equal(sqlite3_exec(h, "PRAGMA foreign_keys=ON", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(sqlite3_exec(h, db_migrations[i].sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
        "PRAGMA user_version = 4;"
        "INSERT INTO tenants(id, name, status, created_at, updated_at) VALUES (1, 'T', 'active', 0, 0);"
        "INSERT INTO charges(id, tenant_id, kind, state, at, start, end, description, net_cents, vat_category, "
        "vat_rate_bp, created_by, created_at, updated_at) VALUES (7, 1, 'usage', 'final', 0, 0, 3600, 'x', 1500, 'S', "
        "2100, 't', 0, 0);"
        "INSERT INTO charge_parts VALUES (7, 1, 'peak', 'HUR', 1000000, 1000, 1000);"
        "INSERT INTO charge_parts VALUES (7, 2, 'offpeak', 'HUR', 1000000, 500, 500);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    db_t *db = NULL;
    clk_set_fixed(1796292000);   /* 2026-12-03T10:00:00Z */
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(db_version(db), db_migrations_count);
    /* The file as it was is saved before the first migration runs. */
    char saved[600];
    snprintf(saved, sizeof saved, "%s.before-v%d-20261203T100000Z", t.path, db_migrations_count);
    assert_int_equal(sqlite3_open_v2(saved, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 4);
    sqlite3_finalize(q);
    sqlite3_close(h);
    unlink(saved);
    clk_set_fixed(-1);
    assert_int_equal(count(db, "SELECT count(*) FROM charge_parts WHERE charge_id = 7"), 2);
    assert_int_equal(count(db, "SELECT sum(net_cents) FROM charge_parts"), 1500);
    assert_int_equal(count(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'charge_parts' "
                               "AND sql LIKE '%WITHOUT ROWID%'"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                               "AND name = 'charge_parts_invoiced'"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* The key and the foreign key still hold. */
    assert_int_not_equal(db_exec(db, "INSERT INTO charge_parts VALUES (7, 1, 'fee', 'C62', 1, 1, 1)"), 0);
    assert_int_not_equal(db_exec(db, "INSERT INTO charge_parts VALUES (99, 1, 'fee', 'C62', 1, 1, 1)"), 0);
    assert_int_equal(db_exec(db, "DELETE FROM charges WHERE id = 7"), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM charge_parts"), 0);
    db_close(db);
    db_shutdown();
    tmp_remove(&t);
}

/* Stored Idempotency-Key answers: found, unused, a failed read is an error
 * (never "unused", which would book twice), a second store of a key is a
 * conflict, and pruning removes only what is older than the cut. */
static void test_idempotency_store(void **st)
{
    struct tmpdb t;
    db_t *db;
    idem_record r;
    tmp_make(&t);
    assert_int_equal(db_open(t.path, &db), 0);
    assert_int_equal(idem_get(db, 7, "k1", &r), LP_ERR_NOTFOUND);
    assert_int_equal(idem_put(db, 7, "k1", "POST /x", "ab12", 201, "{\"id\":1}", 1000), 0);
    assert_int_equal(idem_put(db, 8, "k1", "POST /x", "cd34", 201, "{\"id\":2}", 5000), 0);
    assert_int_equal(idem_put(db, 7, "k1", "POST /x", "ab12", 201, "{}", 1001), LP_ERR_CONFLICT);
    assert_int_equal(idem_get(db, 7, "k1", &r), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"id\":1}");
    assert_string_equal(r.request_hash, "ab12");
    free(r.body);
    const int codes[] = { SQLITE_BUSY, SQLITE_IOERR };
    for (size_t i = 0; i < 2; i++) {
        db_fault_inject(codes[i], 1);
        int rc = idem_get(db, 7, "k1", &r);
        assert_true(rc < 0 && rc != LP_ERR_NOTFOUND);
        db_fault_inject(codes[i], 1);
        assert_true(db_check(db) < 0);
    }
    assert_int_equal(db_check(db), 0);
    int removed = -1;
    assert_int_equal(idem_prune(db, 2000, &removed), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(idem_get(db, 7, "k1", &r), LP_ERR_NOTFOUND);
    assert_int_equal(idem_get(db, 8, "k1", &r), 0);
    free(r.body);
    db_close(db);
    tdb_remove(t.path);
}

/* The rotation keeps the newest backup of each of the latest days and of
 * each of the latest months, whatever order the stamps come in. */
static void test_rotation_rule(void **st)
{
    (void)st;
    const int64_t stamps[] = {
        20261210110000, 20261210100000, 20261209100000, 20261208100000,   /* 0..3 */
        20261130100000, 20261129100000, 20261031235959, 20261001000000,   /* 4..7 */
        20250115100000,                                                   /* 8 */
    };
    int keep[9];
    dbf_rotation(stamps, 9, 2, 3, keep);
    const int want[9] = { 1, 0, 1, 0, 1, 0, 1, 0, 0 };
    for (int i = 0; i < 9; i++)
        if (keep[i] != want[i]) fail_msg("stamp %d: keep %d, want %d", i, keep[i], want[i]);
    dbf_rotation(stamps, 9, 1, 0, keep);
    for (int i = 0; i < 9; i++) assert_int_equal(keep[i], i == 0);
    dbf_rotation(stamps, 9, 100, 100, keep);   /* more room than backups: all kept but the day's earlier ones */
    for (int i = 0; i < 9; i++) assert_int_equal(keep[i], i != 1);
    dbf_rotation(NULL, 0, 3, 3, keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_outcomes_and_faults),
        cmocka_unit_test(test_group_commit_threads),
        cmocka_unit_test(test_group_member_rules),
        cmocka_unit_test(test_group_two_files),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_statement_cache_bound),
        cmocka_unit_test(test_checkpoint_after_commits),
        cmocka_unit_test(test_migration_charge_parts),
        cmocka_unit_test(test_idempotency_store),
        cmocka_unit_test(test_rotation_rule),
    };
    return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
