/* dbfile.h: the database as a file. Checking a copy before it is trusted
 * (integrity, that it is a labpass database, its schema version), dated
 * backups with rotation, restoring a copy over the live database, and the
 * lock that keeps a restore and a running labpassd apart.
 * A labpass database carries PRAGMA application_id DBF_APP_ID; copies made
 * before that mark existed are recognised by their tables. */
#ifndef LP_DBFILE_H
#define LP_DBFILE_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

#define DBF_APP_ID 0x4C504153   /* "LPAS" */

typedef struct dbf_info {
    int version;          /* PRAGMA user_version of the copy */
    int newest;           /* the version this build migrates to */
    int intact;           /* PRAGMA integrity_check said ok */
    int labpass;          /* marked as, or shaped like, a labpass database */
    char problem[200];    /* why it may not be used, "" when it may */
} dbf_info;

/* Opens path read-only and fills *out. 0 when the copy may be restored
 * (intact, labpass, version 1..newest); LP_ERR_INVALID with out->problem
 * saying why not; LP_ERR_NOTFOUND when there is no such file. */
int dbf_inspect(const char *path, dbf_info *out) LP_MUST;

/* Takes the lock on the database file: shared for a server (several may
 * run), exclusive for a restore. Non-blocking: LP_ERR_BUSY when the other
 * kind is held. *fd is released with dbf_unlock(). */
int dbf_lock(const char *path, int exclusive, int *fd) LP_MUST;
void dbf_unlock(int fd);

/* Restores src over the database at dest (which must not be in use: the
 * caller holds the exclusive lock). Checks src with dbf_inspect first; when
 * dest exists its current content is first saved to saved (a path the
 * caller chooses, may be NULL to skip). Pages are copied in one SQLite
 * backup transaction, so dest is either the old or the new database. */
int dbf_restore(const char *src, const char *dest, const char *saved, dbf_info *info) LP_MUST;

/* A dated backup in dir: dir/labpass-YYYYMMDDTHHMMSSZ.db (UTC, at now),
 * written under a temporary name, checked with dbf_inspect and only then
 * renamed; then the rotation: of the files in dir named like that, keeps
 * the newest of each of the keep_days latest days and of each of the
 * keep_months latest months, and removes the others. The written name goes
 * into written; *removed counts the files removed. */
int dbf_backup_dated(db_t *db, const char *dir, int64_t now, int keep_days, int keep_months, char *written,
                     size_t cap, int *removed) LP_MUST;

/* Picks which of the n backup stamps (YYYYMMDDTHHMMSS as integers
 * YYYYMMDDHHMMSS, any order) the rotation keeps: keep[i] = 1 or 0. */
void dbf_rotation(const int64_t *stamps, size_t n, int keep_days, int keep_months, int *keep);

#endif
