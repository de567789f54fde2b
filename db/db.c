/* db.c: connection setup, migrations, statement cache, transactions.
 * Guarantees: every acknowledged commit is durable (WAL + synchronous=FULL);
 * migrations apply all-or-nothing each; no SQL is assembled from input. */
#include "db/db.h"
#include "db/internal.h"
#include "core/log.h"
#include "core/clock.h"
#include "db/dbfile.h"
#include <time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sqlite3 *db_handle(db_t *db) { return db->h; }
const char *db_path(db_t *db) { return db->path; }

int db_exec(db_t *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error("db", "exec failed: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return rc == SQLITE_CONSTRAINT ? LP_ERR_CONFLICT : LP_ERR_DB;
    }
    return 0;
}

int db_version(db_t *db)
{
    sqlite3_stmt *st = db_stmt(db, "PRAGMA user_version");
    int v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    if (st) sqlite3_reset(st);
    return v;
}

static int set_version(db_t *db, int v)
{
    /* PRAGMA takes no parameters; v is an integer we own, not input. */
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    return db_exec(db, sql);
}

/* Before the first migration of an existing database, a copy of it as it
 * was: PATH.before-vN-YYYYMMDDTHHMMSSZ (N the version it is migrated to). */
static int save_before_upgrade(db_t *db, int have)
{
    if (!strcmp(db->path, ":memory:") || !db->path[0]) return 0;
    char stamp[32], dest[4200];
    time_t t = (time_t)clk_now();
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
    snprintf(dest, sizeof dest, "%s.before-v%d-%s", db->path, db_migrations_count, stamp);
    int rc = db_backup(db, dest);
    if (rc) log_error("db", "cannot save a copy before migrating from version %d; nothing was migrated", have);
    else log_warn("db", "saved the database as it was (version %d) to %s before migrating", have, dest);
    return rc;
}

/* Marks the file as a labpass database (dbfile.h), once. */
static int mark(db_t *db)
{
    sqlite3_stmt *st = db_stmt(db, "PRAGMA application_id");
    int app = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) app = sqlite3_column_int(st, 0);
    if (st) sqlite3_reset(st);
    if (app == DBF_APP_ID) return 0;
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", DBF_APP_ID);
    return db_exec(db, sql);
}

/* LP_ERR_STATE for a database made by a newer build, which is not touched. */
static int not_newer(db_t *db)
{
    int have = db_version(db);
    if (have < 0) return LP_ERR_DB;
    if (have <= db_migrations_count) return 0;
    log_error("db", "the database's schema version %d is newer than this build's (%d): it was made by a "
              "newer labpass; refusing to use it", have, db_migrations_count);
    return LP_ERR_STATE;
}

/* A migration that rebuilds a table others refer to says "-- foreign_keys:
 * off" in its header: it runs with foreign keys off (the pragma has no
 * effect inside a transaction), and every foreign key is checked before it
 * commits, so a rebuild that lost a row's parent still fails whole. */
static int wants_fk_off(const char *sql) { return strstr(sql, "\n-- foreign_keys: off\n") != NULL; }

static int fk_violations(db_t *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK) return LP_ERR_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        log_error("db", "migration left a row of %s without its parent in %s",
                  (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : LP_ERR_DB;
}

static int apply(db_t *db, int i)
{
    int fk_off = wants_fk_off(db_migrations[i].sql);
    if (fk_off && db_exec(db, "PRAGMA foreign_keys=OFF") != 0) return LP_ERR_DB;
    int rc = db_begin(db);
    if (rc == 0) rc = db_exec(db, db_migrations[i].sql);
    if (rc == 0 && fk_off) rc = fk_violations(db);
    if (rc == 0) rc = set_version(db, i + 1);
    if (rc == 0) rc = db_commit(db);
    if (rc != 0) db_rollback(db);
    if (fk_off && db_exec(db, "PRAGMA foreign_keys=ON") != 0 && rc == 0) rc = LP_ERR_DB;
    return rc;
}

static int migrate(db_t *db)
{
    int have = db_version(db);
    if (not_newer(db) != 0) return have < 0 ? LP_ERR_DB : LP_ERR_STATE;
    if (have > 0 && have < db_migrations_count && save_before_upgrade(db, have) != 0) return LP_ERR_IO;
    for (int i = have; i < db_migrations_count; i++) {
        int rc = apply(db, i);
        if (rc != 0) {
            log_error("db", "migration %s failed", db_migrations[i].name);
            return rc;
        }
        log_info("db", "applied migration %s", db_migrations[i].name);
    }
    return mark(db);
}

/* Process-wide SQLite settings, before the library's first use: no
 * memory statistics (they take a global mutex on every allocation). */
static pthread_once_t g_sqlite_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t g_generation;

uint64_t db_generation(void) { return atomic_load(&g_generation); }

/* Runs after each commit in WAL mode: raises the generation, and does the
 * automatic checkpoint that this hook replaces (every CKPT_PAGES log pages),
 * still inside the commit, under the write lock. A background checkpoint
 * thread measured slower here: its fsync of the database file queues on the
 * same disk ahead of the next commit's log fsync, and under steady writes
 * it never completes, so the log never restarts. */
#define CKPT_PAGES 500
static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
    atomic_fetch_add(&g_generation, 1);
    if (pages >= CKPT_PAGES) sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

/* Opens path with the connection settings; migrates it when migrate_it. */
static int open_conn(const char *path, int migrate_it, db_t **out)
{
    pthread_once(&g_sqlite_once, sqlite_setup);
    db_t *db = calloc(1, sizeof *db);
    if (!db) return LP_ERR_NOMEM;
    db->path = strdup(path);
    int rc = sqlite3_open_v2(path, &db->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK || !db->path) {
        log_error("db", "cannot open database: %s", db->h ? sqlite3_errmsg(db->h) : "nomem");
        db_close(db);
        return LP_ERR_DB;
    }
    sqlite3_busy_timeout(db->h, 10000);
    sqlite3_wal_hook(db->h, wal_hook, NULL);
    sqlite3_extended_result_codes(db->h, 0);
    /* A database from a newer build is refused before anything is written
     * to it (even the switch to WAL changes its header). */
    int err = migrate_it ? not_newer(db) : 0;
    if (err == 0) err = db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                          "PRAGMA synchronous=FULL; PRAGMA trusted_schema=OFF;");
    if (err == 0 && migrate_it) err = migrate(db);
    if (err != 0) {
        db_close(db);
        return err;
    }
    *out = db;
    return 0;
}

int db_open(const char *path, db_t **out) { return open_conn(path, 1, out); }

int db_open_migrated(const char *path, db_t **out) { return open_conn(path, 0, out); }

void db_close(db_t *db)
{
    if (!db) return;
    db_writer_release(db);
    for (int i = 0; i < STMT_CACHE; i++)
        if (db->cache[i].st) sqlite3_finalize(db->cache[i].st);
    for (int i = 0; i < db->nextra; i++) sqlite3_finalize(db->extra[i].st);
    if (db->h) sqlite3_close(db->h);
    free(db->path);
    free(db);
}

/* Prepares sql into slot s; 0 on failure (logged). */
static int prepare(db_t *db, const char *sql, struct stmt_slot *s)
{
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) != SQLITE_OK) {
        log_error("db", "prepare failed: %s", sqlite3_errmsg(db->h));
        s->st = NULL;
        return 0;
    }
    s->sql = sql;
    s->used = db->tick;
    return 1;
}

sqlite3_stmt *db_stmt(db_t *db, const char *sql)
{
    if (db->grouped && sqlite3_get_autocommit(db->h)) {
        /* SQLite rolled the group's transaction back (an I/O error, a full
         * disk): nothing more may run outside it; db_group_end reports it. */
        log_error("db", "the group transaction was rolled back");
        return NULL;
    }
    db->tick++;
    size_t h = ((uintptr_t)sql >> 3) % STMT_CACHE;
    for (size_t k = 0; k < STMT_CACHE; k++) {
        struct stmt_slot *s = &db->cache[(h + k) % STMT_CACHE];
        if (s->sql == sql) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            s->used = db->tick;
            return s->st;
        }
        if (!s->sql) {
            if (!prepare(db, sql, s)) return NULL;
            db->count++;
            return s->st;
        }
    }
    /* The table is full (a long-lived connection that served many kinds of
     * request): the statement lives beside it until db_stmt_trim, as any
     * statement a caller holds must stay valid until its unit of work ends. */
    for (int i = 0; i < db->nextra; i++)
        if (db->extra[i].sql == sql) {
            sqlite3_reset(db->extra[i].st);
            sqlite3_clear_bindings(db->extra[i].st);
            return db->extra[i].st;
        }
    if (db->nextra == STMT_EXTRA) {
        log_error("db", "statement cache full");
        return NULL;
    }
    if (!prepare(db, sql, &db->extra[db->nextra])) return NULL;
    return db->extra[db->nextra++].st;
}

static int by_use(const void *a, const void *b)
{
    const struct stmt_slot *x = a, *y = b;
    return x->used < y->used ? -1 : x->used > y->used;
}

void db_stmt_trim(db_t *db)
{
    if (!db) return;
    for (int i = 0; i < db->nextra; i++) sqlite3_finalize(db->extra[i].st);
    db->nextra = 0;
    if (db->count <= STMT_CACHE * 3 / 4) return;
    /* keep the STMT_KEEP most recently used (and any still stepping), and put
     * them back in a fresh table so every probe chain is whole again */
    static _Thread_local struct stmt_slot all[STMT_CACHE];
    int n = 0;
    for (int i = 0; i < STMT_CACHE; i++)
        if (db->cache[i].sql) all[n++] = db->cache[i];
    qsort(all, (size_t)n, sizeof all[0], by_use);
    memset(db->cache, 0, sizeof db->cache);
    db->count = 0;
    for (int i = 0; i < n; i++) {
        if (i < n - STMT_KEEP && !sqlite3_stmt_busy(all[i].st)) {
            sqlite3_finalize(all[i].st);
            continue;
        }
        size_t h = ((uintptr_t)all[i].sql >> 3) % STMT_CACHE;
        while (db->cache[h].sql) h = (h + 1) % STMT_CACHE;
        db->cache[h] = all[i];
        db->count++;
    }
}

/* ---- stepping: row, done and error kept apart ---- */

/* Fault injection (tests): the n-th step from now fails with code. */
static _Atomic int g_fault_code, g_fault_after;

void db_fault_inject(int sqlite_code, int nth)
{
    atomic_store(&g_fault_after, sqlite_code ? nth : 0);
    atomic_store(&g_fault_code, sqlite_code);
}

int db_fault_pending(void) { return atomic_load(&g_fault_code) != 0; }

/* The SQLite result of one step, or the injected fault when it is due. */
static int raw_step(sqlite3_stmt *st)
{
    if (atomic_load(&g_fault_code) && atomic_fetch_sub(&g_fault_after, 1) == 1) {
        int code = atomic_exchange(&g_fault_code, 0);
        return code;
    }
    return sqlite3_step(st);
}

/* Maps a failed step's SQLite code to an lp_err, logging the failures that
 * are not the caller's (busy is expected under load and is not logged). */
static int step_error(sqlite3_stmt *st, int rc)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_CONSTRAINT) return LP_ERR_CONFLICT;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) return LP_ERR_BUSY;
    log_error("db", "step failed (SQLite %d: %s): %s", rc, sqlite3_errstr(rc),
              sqlite3_sql(st) ? sqlite3_sql(st) : "?");
    return LP_ERR_DB;
}

int db_step(sqlite3_stmt *st)
{
    int rc = raw_step(st);
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) return DB_DONE;
    return step_error(st, rc);
}

int db_get(sqlite3_stmt *st)
{
    int rc = db_step(st);
    if (rc == DB_ROW) return 0;
    sqlite3_reset(st);
    return rc == DB_DONE ? LP_ERR_NOTFOUND : rc;
}

int db_exec_stmt(sqlite3_stmt *st)
{
    /* A write outside any transaction takes the writer lock too, so it
     * queues with the other writers instead of polling SQLite's lock. */
    int lock = sqlite3_get_autocommit(sqlite3_db_handle(st)) && !sqlite3_stmt_readonly(st) && db_writer_enter();
    int rc = raw_step(st);
    int err = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : step_error(st, rc);
    sqlite3_reset(st);
    if (lock) db_writer_leave();
    return err;
}

int64_t db_last_id(db_t *db) { return sqlite3_last_insert_rowid(db->h); }
int db_changes(db_t *db) { return sqlite3_changes(db->h); }

int64_t db_size_bytes(db_t *db)
{
    int64_t pages = 0, size = 0;
    sqlite3_stmt *st = db_stmt(db, "PRAGMA page_count");
    if (st && sqlite3_step(st) == SQLITE_ROW) pages = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    st = db_stmt(db, "PRAGMA page_size");
    if (st && sqlite3_step(st) == SQLITE_ROW) size = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    return pages * size;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

void db_bind_int(sqlite3_stmt *st, int i, int64_t v) { sqlite3_bind_int64(st, i, v); }

void db_bind_blob(sqlite3_stmt *st, int i, const void *p, int n)
{
    sqlite3_bind_blob(st, i, p, n, SQLITE_TRANSIENT);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int db_collect(sqlite3_stmt *st, size_t size, int (*row)(sqlite3_stmt *st, void *elem), void **out,
               size_t *n)
{
    size_t cap = 0, len = 0;
    char *arr = NULL;
    int rc = 0;
    int step;
    while (rc == 0 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if (len == cap) {
            cap = cap ? 2 * cap : 8;
            char *na = realloc(arr, cap * size);
            if (!na) { rc = LP_ERR_NOMEM; break; }
            arr = na;
        }
        rc = row(st, arr + len * size);
        if (rc == 0) len++;
    }
    sqlite3_reset(st);
    if (rc) { free(arr); arr = NULL; len = 0; }
    *out = arr;
    *n = len;
    return rc;
}

int db_check(db_t *db)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM sqlite_schema");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == 0) sqlite3_reset(st);
    return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;
}

int db_backup(db_t *db, const char *dest)
{
    sqlite3 *out = NULL;
    int rc = sqlite3_open(dest, &out);
    if (rc != SQLITE_OK) {
        sqlite3_close(out);
        return LP_ERR_IO;
    }
    sqlite3_backup *b = sqlite3_backup_init(out, "main", db->h, "main");
    if (!b) {
        sqlite3_close(out);
        return LP_ERR_DB;
    }
    do {
        rc = sqlite3_backup_step(b, -1); /* one step: one consistent snapshot */
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    int err = rc == SQLITE_DONE ? 0 : LP_ERR_DB;
    if (err == 0) err = sqlite3_exec(out, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) ? LP_ERR_DB : 0;
    sqlite3_close(out);
    return err;
}
