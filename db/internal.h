/* internal.h: the connection structure, shared by the files of db/ only.
 * Nothing outside db/ includes this. */
#ifndef LP_DB_INTERNAL_H
#define LP_DB_INTERNAL_H
#include "db/db.h"

#define STMT_CACHE 256

struct stmt_slot { const char *sql; sqlite3_stmt *st; };

struct db {
    sqlite3 *h;
    char *path;
    int holds_writer;   /* holds the writer lock (between db_begin and commit/rollback) */
    int grouped;        /* the shared writer connection, inside a group transaction */
    struct stmt_slot cache[STMT_CACHE];
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
