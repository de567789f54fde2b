/* db.h: SQLite connections for labpass.
 * A db_t is used by one thread at a time. db_open() applies the durability pragmas (WAL,
 * foreign_keys=ON, synchronous=FULL, busy timeout) and runs the numbered
 * migrations, each in its own transaction, tracked in PRAGMA user_version.
 * Statements are prepared once per connection and cached by SQL text address:
 * pass string literals to db_stmt(). SQL is never built by concatenation. */
#ifndef LP_DB_H
#define LP_DB_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

struct db_migration { const char *name; const char *sql; };
extern const struct db_migration db_migrations[];
extern const int db_migrations_count;

typedef struct db db_t;

/* Opens (creating if needed) and migrates the database at path.
 * Caller owns *out and frees it with db_close(). */
int db_open(const char *path, db_t **out) LP_MUST;
/* Closes the connection; accepts NULL. */
void db_close(db_t *db);
sqlite3 *db_handle(db_t *db);
const char *db_path(db_t *db);
/* The schema version after migrations (PRAGMA user_version). */
int db_version(db_t *db);

/* A cached prepared statement for sql (a string literal), reset and with its
 * bindings cleared. Borrowed: valid until db_stmt_trim() or db_close(). NULL
 * on error. */
sqlite3_stmt *db_stmt(db_t *db, const char *sql);
/* Between units of work (a request, a worker round), when no statement of
 * db is held: bounds the cache, keeping the most recently used statements
 * (those still stepping too) and finalizing the rest. */
void db_stmt_trim(db_t *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. db_begin waits for the write lock up to
 * the busy timeout. db_rollback is safe to call when no transaction is open. */
int db_begin(db_t *db) LP_MUST;
int db_commit(db_t *db) LP_MUST;
void db_rollback(db_t *db);
/* Group commit, for a busy write path (bookings). db_group_begin takes the
 * writer lock and sets *w to the process's shared writer connection on db's
 * file, inside a savepoint of a transaction that other writers may share: do
 * the member's reads and writes on *w, then call db_group_end(*w, keep)
 * exactly once, which keeps (keep != 0) or undoes the member's writes, and
 * returns once they are durable: 0 when the group committed, else an error
 * (the writes are then lost, with the rest of the group's). Everyone queued
 * for the writer lock meanwhile joins the same transaction, each in its own
 * savepoint, and the last one commits for all: one fsync for the group. Do
 * not call db_begin/db_commit/db_rollback on *w. */
int db_group_begin(db_t *db, db_t **w) LP_MUST;
int db_group_end(db_t *w, int keep) LP_MUST;
/* Since start: groups committed, and the member writes they made durable
 * (writes / commits is the mean group size). */
void db_group_stats(uint64_t *commits, uint64_t *writes);
/* A pool of connections to one file, for servers that serve each client on
 * its own thread. db_pool_get returns an idle connection or opens one (NULL
 * on failure); db_pool_put gives it back (rolling back a transaction left
 * open) and keeps at most max_idle idle. Thread-safe. */
typedef struct db_pool db_pool_t;
int db_pool_new(const char *path, int max_idle, db_pool_t **out) LP_MUST;
db_t *db_pool_get(db_pool_t *p);
void db_pool_put(db_pool_t *p, db_t *db);
/* Closes the idle connections; every borrowed one must be back. */
void db_pool_free(db_pool_t *p);
/* At exit, after the last request: commits any open group and closes the
 * shared writer connection. */
void db_shutdown(void);
/* Stepping keeps three outcomes apart: a row, no (more) rows, and an error.
 * Never compare sqlite3_step() with SQLITE_ROW alone: a busy, full or failing
 * database must not read as "no row".
 *
 * db_step: DB_ROW when a row is ready, DB_DONE when there are no more rows,
 * or a negative lp_err: LP_ERR_BUSY (SQLITE_BUSY/LOCKED; the API answers
 * 503), LP_ERR_CONFLICT (a constraint), LP_ERR_DB (anything else, logged with
 * the SQLite code; the API answers 500). The caller resets the statement. */
#define DB_ROW 1
#define DB_DONE 0
int db_step(sqlite3_stmt *st) LP_MUST;
/* A query that yields at most one row: 0 with the row ready (the caller
 * reads columns, then resets), LP_ERR_NOTFOUND when there is none, or the
 * error as db_step. On any non-zero return the statement is already reset. */
int db_get(sqlite3_stmt *st) LP_MUST;
/* Runs a statement with no result rows (already bound); maps errors as
 * db_step (constraint violations to LP_ERR_CONFLICT). Resets the statement. */
int db_exec_stmt(sqlite3_stmt *st) LP_MUST;
/* Tests only: makes the nth db_step/db_get/db_exec_stmt from now (in any
 * thread of this process) fail as if SQLite had returned sqlite_code
 * (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR...); 0 disarms. db_fault_pending
 * tells whether the fault has not fired yet. */
void db_fault_inject(int sqlite_code, int nth);
int db_fault_pending(void);
/* Runs SQL text with no parameters (schema, pragmas). */
int db_exec(db_t *db, const char *sql) LP_MUST;
/* Runs fn(db, arg) in one transaction (BEGIN IMMEDIATE ... COMMIT, rolled
 * back when fn fails), or inside the caller's when one is open already. */
int db_in_tx(db_t *db, int (*fn)(db_t *db, void *arg), void *arg) LP_MUST;
int64_t db_last_id(db_t *db);
/* A process-wide counter raised after every commit by any connection this
 * process opened (after the write lock is released): a cache of query results
 * filled while it had one value is stale once it has another. */
uint64_t db_generation(void);
int db_changes(db_t *db);
/* Database size in bytes (page_count * page_size). */
int64_t db_size_bytes(db_t *db);

/* Binding helpers: text NULL binds SQL NULL. Index is 1-based. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int(sqlite3_stmt *st, int i, int64_t v);
void db_bind_blob(sqlite3_stmt *st, int i, const void *p, int n);
/* Column text or "" when NULL (borrowed until the next step/reset). */
const char *db_col_text(sqlite3_stmt *st, int i);

/* Steps the bound statement st and turns each row into one element of
 * `size` bytes with row(st, element) (0 or an lp_err), appended to a new
 * growing array. Resets st. On success the caller frees *out; on error
 * nothing is returned. */
int db_collect(sqlite3_stmt *st, size_t size, int (*row)(sqlite3_stmt *st, void *elem), void **out,
               size_t *n) LP_MUST;

/* Whether the database answers a read (health checks): 0 or the error as
 * db_step. Reads the schema page only, so it costs the same at any size. */
int db_check(db_t *db) LP_MUST;

/* Online, consistent copy to dest using the SQLite backup API. */
int db_backup(db_t *db, const char *dest) LP_MUST;

#endif
