/* checkpoint.c: WAL checkpoints off the commit path.
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses its
 * threshold, while that writer still holds the write lock, so every writer
 * queued behind it waits for a thousand page writes and an fsync of the
 * database file. Here the commit only asks; a background thread with its own
 * connection runs a PASSIVE checkpoint, which proceeds beside readers and
 * writers. Should the log still outgrow a hard limit (the thread cannot keep
 * up), the committing connection checkpoints itself, as SQLite would. */
#include "db/internal.h"
#include "core/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CKPT_ASK 1000    /* WAL pages at which a commit asks for a checkpoint */
#define CKPT_FORCE 8000  /* WAL pages at which the committer checkpoints itself */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct {
    pthread_t th;
    int running;    /* the thread exists */
    int stop;
    char *want;     /* file to checkpoint next (owned), NULL when none is asked */
} g_ck;

/* One checkpoint of path's WAL, on a connection kept open between runs. */
static void checkpoint(sqlite3 **h, char **open_path, const char *path)
{
    if (*h && strcmp(*open_path, path) != 0) {
        sqlite3_close(*h);
        *h = NULL;
        free(*open_path);
        *open_path = NULL;
    }
    if (!*h) {
        if (sqlite3_open_v2(path, h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
            !(*open_path = strdup(path))) {
            log_warn("db", "checkpoint: cannot open the database");
            sqlite3_close(*h);
            *h = NULL;
            return;
        }
        sqlite3_exec(*h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    }
    int rc = sqlite3_wal_checkpoint_v2(*h, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) log_warn("db", "checkpoint failed: %s", sqlite3_errstr(rc));
}

static void *ckpt_main(void *arg)
{
    sqlite3 *h = NULL;
    char *open_path = NULL;
    pthread_mutex_lock(&g_mu);
    while (!g_ck.stop) {
        if (!g_ck.want) { pthread_cond_wait(&g_cv, &g_mu); continue; }
        char *path = g_ck.want;
        g_ck.want = NULL;
        pthread_mutex_unlock(&g_mu);
        checkpoint(&h, &open_path, path);
        free(path);
        pthread_mutex_lock(&g_mu);
    }
    pthread_mutex_unlock(&g_mu);
    sqlite3_close(h);
    free(open_path);
    return NULL;
}

/* Asks the thread (started on first use) to checkpoint path. 0 when asked. */
static int ask(const char *path)
{
    int rc = -1;
    pthread_mutex_lock(&g_mu);
    if (!g_ck.stop && (g_ck.running || pthread_create(&g_ck.th, NULL, ckpt_main, NULL) == 0)) {
        g_ck.running = 1;
        if (!g_ck.want || strcmp(g_ck.want, path) != 0) {
            free(g_ck.want);
            g_ck.want = strdup(path);
        }
        rc = g_ck.want ? 0 : -1;
        pthread_cond_signal(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void db_ckpt_after_commit(sqlite3 *h, const char *name, int pages)
{
    if (pages < CKPT_ASK) return;
    const char *path = sqlite3_db_filename(h, name);
    if (pages >= CKPT_FORCE || !path || !path[0] || ask(path) != 0)
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

void db_ckpt_stop(void)
{
    pthread_mutex_lock(&g_mu);
    int running = g_ck.running;
    g_ck.stop = 1;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    if (running) pthread_join(g_ck.th, NULL);
    pthread_mutex_lock(&g_mu);
    free(g_ck.want);
    g_ck.want = NULL;
    g_ck.running = 0;
    g_ck.stop = 0;
    pthread_mutex_unlock(&g_mu);
}
