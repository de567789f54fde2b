/* tx.c: write transactions and group commit (see db.h).
 *
 * Writers of this process queue on one lock (g_writer) before BEGIN
 * IMMEDIATE: a thread waiting for the write lock wakes the moment it is
 * released, instead of polling in SQLite's busy handler (which sleeps a
 * millisecond or more per try). Other processes still meet SQLite's own lock
 * and busy timeout.
 *
 * Group commit: writers that use db_group_begin() run on one shared writer
 * connection, each inside its own savepoint of one open transaction. A member
 * that finishes while others are queued for the lock leaves the transaction
 * open and waits; the last member commits once for all, so one fsync makes
 * the whole group durable, and every member learns the outcome before it
 * answers anyone. A writer that does not join (db_begin) commits an open
 * group before it starts, so a group never outlives the queue that fed it. */
#include "db/internal.h"
#include "core/log.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define GROUP_MAX 64         /* members per group at most; then it commits anyway */
#define GROUP_LINGER_US 300  /* how long a member may hold the commit open for joiners */

struct member { int rc; int done; struct member *next; };

static pthread_mutex_t g_writer = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_group_done;   /* on CLOCK_MONOTONIC, made once */
static pthread_once_t g_cond_once = PTHREAD_ONCE_INIT;
static atomic_int g_queued;   /* threads waiting to take g_writer */
static _Thread_local int t_writer;   /* this thread holds g_writer */
static _Atomic uint64_t g_commits, g_writes;   /* groups committed, members in them */

/* Guarded by g_writer. */
static struct {
    db_t *conn;               /* the shared writer connection, opened on first use */
    int open;                 /* a group transaction is open on conn */
    int size;                 /* members that have finished their part in it */
    int target;               /* the last group's size plus those who queued during its commit */
    struct member *waiting;   /* members waiting for its outcome */
} g_grp;

static void cond_init(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g_group_done, &ca);
    pthread_condattr_destroy(&ca);
}

static void writer_lock(void)
{
    pthread_once(&g_cond_once, cond_init);
    atomic_fetch_add(&g_queued, 1);
    pthread_mutex_lock(&g_writer);
    atomic_fetch_sub(&g_queued, 1);
    t_writer = 1;
}

static void writer_unlock(void)
{
    t_writer = 0;
    pthread_mutex_unlock(&g_writer);
}

static int run(db_t *db, const char *sql)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    return st ? db_exec_stmt(st) : LP_ERR_DB;
}

/* Ends the open group: commits it when ok (else rolls it back), hands the
 * outcome to every waiting member and wakes them. Needs g_writer. */
static int group_finish(int ok)
{
    db_t *w = g_grp.conn;
    int rc = ok ? run(w, "COMMIT") : LP_ERR_DB;
    if (rc && !sqlite3_get_autocommit(w->h) && run(w, "ROLLBACK") != 0) {
        /* Closing rolls back; the next group opens a fresh connection. */
        log_error("db", "group rollback failed; closing the writer connection");
        w->grouped = 0;
        db_close(w);
        g_grp.conn = w = NULL;
    }
    if (rc) log_error("db", "group commit of %d writes failed", g_grp.size);
    else {
        atomic_fetch_add_explicit(&g_commits, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&g_writes, (uint64_t)g_grp.size, memory_order_relaxed);
    }
    for (struct member *m = g_grp.waiting; m; m = m->next) { m->rc = rc; m->done = 1; }
    g_grp.waiting = NULL;
    /* Writers that queued meanwhile arrived during the commit and could have
     * joined had it waited: the next group aims to include them. */
    g_grp.target = g_grp.size + atomic_load(&g_queued);
    g_grp.open = 0;
    g_grp.size = 0;
    if (w) {
        w->grouped = 0;
        db_stmt_trim(w);   /* committed, with g_writer held: no member holds a statement of it */
    }
    pthread_cond_broadcast(&g_group_done);
    return rc;
}

/* Takes g_writer for a writer outside the group: commits an open group first. */
static void writer_lock_alone(void)
{
    writer_lock();
    if (g_grp.open) group_finish(1);
}

void db_writer_release(db_t *db)
{
    if (!db->holds_writer) return;
    db->holds_writer = 0;
    writer_unlock();
}

int db_begin(db_t *db)
{
    if (db->grouped) return LP_ERR_STATE;   /* inside a group member's part: already in a transaction */
    if (db->holds_writer) {
        if (!sqlite3_get_autocommit(db->h)) return LP_ERR_STATE;   /* already in a transaction */
        db_writer_release(db);                                    /* a transaction ended elsewhere */
    }
    writer_lock_alone();
    db->holds_writer = 1;
    int rc = run(db, "BEGIN IMMEDIATE");
    if (rc) db_writer_release(db);
    return rc;
}

int db_commit(db_t *db)
{
    if (db->grouped) return LP_ERR_STATE;   /* the group commits in db_group_end */
    int rc = run(db, "COMMIT");
    if (rc == 0 || sqlite3_get_autocommit(db->h)) db_writer_release(db);
    return rc;
}

void db_rollback(db_t *db)
{
    if (db->grouped) {
        log_error("db", "rollback inside a group member; its savepoint is undone by db_group_end");
        return;
    }
    if (!sqlite3_get_autocommit(db->h) && run(db, "ROLLBACK") != 0) log_error("db", "rollback failed");
    db_writer_release(db);
}

/* Opens the shared writer connection on db's file (closing one left on
 * another file). db's own connection migrated the file already. */
static int writer_conn(db_t *db)
{
    if (g_grp.conn && strcmp(g_grp.conn->path, db->path) == 0) return 0;
    db_close(g_grp.conn);
    g_grp.conn = NULL;
    return db_open_migrated(db->path, &g_grp.conn);
}

int db_group_begin(db_t *db, db_t **w)
{
    *w = NULL;
    if (db->holds_writer || db->grouped || t_writer) return LP_ERR_STATE;
    writer_lock();
    if (g_grp.open && strcmp(g_grp.conn->path, db->path) != 0) group_finish(1);
    int rc = writer_conn(db);
    if (rc == 0 && !g_grp.open) {
        rc = run(g_grp.conn, "BEGIN IMMEDIATE");
        g_grp.open = rc == 0;
        g_grp.conn->grouped = rc == 0;
    }
    if (rc == 0 && (rc = run(g_grp.conn, "SAVEPOINT member")) != 0) group_finish(0);
    if (rc) {
        if (g_grp.open) group_finish(1);
        writer_unlock();
        return rc;
    }
    *w = g_grp.conn;
    return 0;
}

/* Leaves the group open for others and waits (g_writer held) until it is
 * committed. With linger, nobody is queued yet, but the last group was
 * larger: the bookings that made it up are likely on their way, so wait up
 * to GROUP_LINGER_US for them (binlog_group_commit_sync_delay in MySQL,
 * commit_delay in PostgreSQL), then commit the group if nobody else has. A
 * lone client never waits: its groups have one member. */
static int wait_for_commit(int linger)
{
    struct member me = { 0, 0, g_grp.waiting };
    g_grp.waiting = &me;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += GROUP_LINGER_US * 1000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    while (!me.done) {
        if (!linger) { pthread_cond_wait(&g_group_done, &g_writer); continue; }
        if (pthread_cond_timedwait(&g_group_done, &g_writer, &until) == ETIMEDOUT && !me.done) {
            /* g_writer is ours again, so no member is midway: commit what there is. */
            group_finish(1);
        }
    }
    return me.rc;
}

int db_group_end(db_t *w, int keep)
{
    int rc = keep ? 0 : run(w, "ROLLBACK TO member");
    if (rc == 0) rc = run(w, "RELEASE member");
    if (rc || sqlite3_get_autocommit(w->h)) {
        /* The transaction is gone (SQLite rolls back on some errors): the
         * whole group failed, this member with it. */
        log_error("db", "group transaction lost");
        group_finish(0);
        writer_unlock();
        return LP_ERR_DB;
    }
    g_grp.size++;
    if (atomic_load(&g_queued) > 0 && g_grp.size < GROUP_MAX) rc = wait_for_commit(0);
    else if (g_grp.size < g_grp.target && g_grp.size < GROUP_MAX) rc = wait_for_commit(1);
    else rc = group_finish(1);
    writer_unlock();
    return rc;
}

int db_writer_enter(void)
{
    if (t_writer) return 0;
    writer_lock_alone();
    return 1;
}

void db_writer_leave(void) { writer_unlock(); }

void db_group_stats(uint64_t *commits, uint64_t *writes)
{
    *commits = atomic_load_explicit(&g_commits, memory_order_relaxed);
    *writes = atomic_load_explicit(&g_writes, memory_order_relaxed);
}

void db_shutdown(void)
{
    writer_lock_alone();
    db_t *w = g_grp.conn;
    g_grp.conn = NULL;
    writer_unlock();
    db_close(w);
}

int db_in_tx(db_t *db, int (*fn)(db_t *db, void *arg), void *arg)
{
    int own = sqlite3_get_autocommit(db->h);
    int rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    rc = fn(db, arg);
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}
