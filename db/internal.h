/* internal.h: the connection structure, shared by the files of db/ only.
 * Nothing outside db/ includes this. */
#ifndef LP_DB_INTERNAL_H
#define LP_DB_INTERNAL_H
#include "db/db.h"

#define STMT_CACHE 256       /* cached statements per connection (a hash table by SQL address) */
#define STMT_KEEP 128        /* db_stmt_trim keeps this many, the most recently used */
#define STMT_EXTRA 64        /* statements beyond a full table, kept until db_stmt_trim */

struct stmt_slot { const char *sql; sqlite3_stmt *st; uint64_t used; };

struct db {
    sqlite3 *h;
    char *path;
    int holds_writer;   /* holds the writer lock (between db_begin and commit/rollback) */
    int grouped;        /* the shared writer connection, inside a group transaction */
    uint64_t tick;      /* counts db_stmt calls: a slot's used is the tick of its last use */
    int count;          /* filled slots of cache */
    int nextra;
    struct stmt_slot cache[STMT_CACHE];
    struct stmt_slot extra[STMT_EXTRA];
};

/* Releases the writer lock if this connection holds it (tx.c). */
void db_writer_release(db_t *db);
/* Around a write statement run outside a transaction (db_exec_stmt): takes
 * the writer lock (committing an open group first) unless this thread holds
 * it already; returns 1 when it took it, to be given back by leave (tx.c). */
int db_writer_enter(void);
void db_writer_leave(void);
/* db_open for a file another connection of this process has migrated: no
 * migration, so no writer lock is taken (db.c). */
int db_open_migrated(const char *path, db_t **out);

#endif
