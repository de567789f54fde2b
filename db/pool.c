/* pool.c: a pool of open connections to one database file (see db.h).
 * The HTTP server serves each client connection on its own thread, so a
 * connection per thread would mean an open (and a cold statement cache) per
 * client; instead a request borrows an idle connection and gives it back.
 * Idle connections are reused last-in first-out, so the warmest is taken. */
#include "db/internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct db_pool {
    pthread_mutex_t mu;
    char *path;
    int max_idle;
    int nidle;
    db_t **idle;
};

int db_pool_new(const char *path, int max_idle, db_pool_t **out)
{
    db_pool_t *p = calloc(1, sizeof *p);
    if (!p) return LP_ERR_NOMEM;
    p->path = strdup(path);
    p->max_idle = max_idle > 0 ? max_idle : 1;
    p->idle = calloc((size_t)p->max_idle, sizeof *p->idle);
    if (!p->path || !p->idle) {
        free(p->path);
        free(p->idle);
        free(p);
        return LP_ERR_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    *out = p;
    return 0;
}

db_t *db_pool_get(db_pool_t *p)
{
    db_t *db = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->nidle > 0) db = p->idle[--p->nidle];
    pthread_mutex_unlock(&p->mu);
    if (!db && db_open(p->path, &db) != 0) return NULL;
    return db;
}

void db_pool_put(db_pool_t *p, db_t *db)
{
    if (!db) return;
    /* A statement left midway would pin its read snapshot for the next
     * borrower; a transaction left open is rolled back, and a connection
     * that cannot roll back is closed (which rolls back) instead of kept. */
    for (sqlite3_stmt *st = sqlite3_next_stmt(db->h, NULL); st; st = sqlite3_next_stmt(db->h, st))
        if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
    if (db->holds_writer || !sqlite3_get_autocommit(db->h)) db_rollback(db);
    db_stmt_trim(db);   /* the request is over: nobody holds its statements */
    pthread_mutex_lock(&p->mu);
    int kept = p->nidle < p->max_idle && sqlite3_get_autocommit(db->h);
    if (kept) p->idle[p->nidle++] = db;
    pthread_mutex_unlock(&p->mu);
    if (!kept) db_close(db);
}

void db_pool_free(db_pool_t *p)
{
    if (!p) return;
    for (int i = 0; i < p->nidle; i++) db_close(p->idle[i]);
    pthread_mutex_destroy(&p->mu);
    free(p->idle);
    free(p->path);
    free(p);
}
