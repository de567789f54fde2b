/* dbfile.c: checking, backing up, rotating and restoring the database file
 * (see dbfile.h). SQLite does every copy (its backup API), so a copy is a
 * consistent snapshot and a restore is one transaction. */
#include "db/dbfile.h"
#include "db/internal.h"
#include "core/log.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int pragma_int(sqlite3 *h, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : LP_ERR_DB;
}

/* integrity_check answers one row "ok" when the file is sound. */
static int intact(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check(1)", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        ok = !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    return ok;
}

/* Marked with the application id, or (copies older than the mark) holding
 * the tables every labpass schema has had since the first. */
static int labpass_shaped(sqlite3 *h)
{
    int app = 0, tables = 0;
    if (pragma_int(h, "PRAGMA application_id", &app) != 0) return 0;
    if (app == DBF_APP_ID) return 1;
    if (app != 0) return 0;
    if (pragma_int(h, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                      "('site', 'tenants', 'people', 'reservations', 'audit_log')", &tables) != 0) return 0;
    return tables == 5;
}

static int inspect_open(sqlite3 *h, dbf_info *out)
{
    if (pragma_int(h, "PRAGMA user_version", &out->version) != 0) {
        snprintf(out->problem, sizeof out->problem, "damaged, or not an SQLite database");
        return LP_ERR_INVALID;
    }
    out->intact = intact(h);
    if (!out->intact) {
        snprintf(out->problem, sizeof out->problem, "the file is damaged (integrity check failed)");
        return LP_ERR_INVALID;
    }
    out->labpass = labpass_shaped(h);
    if (!out->labpass) {
        snprintf(out->problem, sizeof out->problem, "not a labpass database");
        return LP_ERR_INVALID;
    }
    if (out->version < 1 || out->version > out->newest) {
        snprintf(out->problem, sizeof out->problem, "its schema version %d is %s this build's (%d)", out->version,
                 out->version < 1 ? "older than any of" : "newer than", out->newest);
        return LP_ERR_INVALID;
    }
    return 0;
}

int dbf_inspect(const char *path, dbf_info *out)
{
    memset(out, 0, sizeof *out);
    out->newest = db_migrations_count;
    struct stat stt;
    if (stat(path, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        snprintf(out->problem, sizeof out->problem, "no such file (or not a regular file)");
        return LP_ERR_NOTFOUND;
    }
    sqlite3 *h = NULL;
    /* Read-only: checking a copy never changes it. */
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
    int err = rc == SQLITE_OK ? inspect_open(h, out) : LP_ERR_INVALID;
    if (rc != SQLITE_OK) snprintf(out->problem, sizeof out->problem, "cannot open it");
    sqlite3_close(h);
    return err;
}

int dbf_lock(const char *path, int exclusive, int *fd)
{
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (*fd < 0) return LP_ERR_IO;
    if (flock(*fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close(*fd);
        *fd = -1;
        return busy ? LP_ERR_BUSY : LP_ERR_IO;
    }
    return 0;
}

void dbf_unlock(int fd)
{
    if (fd >= 0) close(fd);
}

/* Copies every page of from's main database into to's, in one step. */
static int copy_pages(sqlite3 *to, sqlite3 *from)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) return LP_ERR_DB;
    int rc;
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? 0 : LP_ERR_DB;
}

int dbf_restore(const char *src, const char *dest, const char *saved, dbf_info *info)
{
    int rc = dbf_inspect(src, info);
    if (rc) return rc;
    sqlite3 *from = NULL, *to = NULL;
    struct stat stt;
    if (saved && stat(dest, &stt) == 0) {
        db_t *cur = NULL;
        rc = db_open_migrated(dest, &cur);
        if (rc == 0) rc = db_backup(cur, saved);
        db_close(cur);
        if (rc) { log_error("db", "restore: cannot save the current database first"); return rc; }
    }
    rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK ? 0 : LP_ERR_IO;
    if (rc == 0) rc = sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK ? 0 : LP_ERR_IO;
    if (rc == 0) rc = sqlite3_exec(to, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL) ? LP_ERR_DB : 0;
    if (rc == 0) rc = copy_pages(to, from);
    /* The copy comes in with the source's journal mode; the server runs in WAL. */
    if (rc == 0) rc = sqlite3_exec(to, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) ? LP_ERR_DB : 0;
    sqlite3_close(from);
    sqlite3_close(to);
    return rc;
}

/* labpass-YYYYMMDDTHHMMSSZ.db, as the integer YYYYMMDDHHMMSS; -1 otherwise. */
static int64_t stamp_of(const char *name)
{
    unsigned d = 0, t = 0;
    int used = 0;
    if (strlen(name) != 27 || sscanf(name, "labpass-%8uT%6uZ.db%n", &d, &t, &used) != 2 || used != 27) return -1;
    if (strspn(name + 8, "0123456789") != 8 || strspn(name + 17, "0123456789") != 6) return -1;
    return (int64_t)d * 1000000 + t;
}

void dbf_rotation(const int64_t *stamps, size_t n, int keep_days, int keep_months, int *keep)
{
    for (size_t i = 0; i < n; i++) keep[i] = 0;
    /* Newest first by repeated selection: n is a few hundred at most. */
    int64_t last_day = -1, last_month = -1;
    int days = 0, months = 0;
    int *seen = calloc(n ? n : 1, sizeof *seen);
    if (!seen) { for (size_t i = 0; i < n; i++) keep[i] = 1; return; }   /* keeping too much is the safe side */
    for (size_t round = 0; round < n; round++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!seen[i] && (best == n || stamps[i] > stamps[best])) best = i;
        seen[best] = 1;
        int64_t day = stamps[best] / 1000000, month = day / 100;
        if (day != last_day && days < keep_days) { keep[best] = 1; days++; }
        if (month != last_month && months < keep_months) { keep[best] = 1; months++; }
        last_day = day;
        last_month = month;
    }
    free(seen);
}

/* Removes the dated backups in dir the rotation does not keep. */
static int rotate(const char *dir, int keep_days, int keep_months, int *removed)
{
    DIR *d = opendir(dir);
    if (!d) return LP_ERR_IO;
    char (*names)[32] = NULL;
    int64_t *stamps = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        int64_t s = stamp_of(e->d_name);
        if (s < 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            void *a = realloc(names, cap * sizeof *names), *b = a ? realloc(stamps, cap * sizeof *stamps) : NULL;
            if (a) names = a;
            if (b) stamps = b;
            if (!a || !b) { rc = LP_ERR_NOMEM; break; }
        }
        memcpy(names[n], e->d_name, 28);   /* stamp_of took exactly 27 characters */
        stamps[n++] = s;
    }
    closedir(d);
    int *keep = rc == 0 ? malloc((n ? n : 1) * sizeof *keep) : NULL;
    if (rc == 0 && !keep) rc = LP_ERR_NOMEM;
    if (rc == 0) dbf_rotation(stamps, n, keep_days, keep_months, keep);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (keep[i]) continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (unlink(path) == 0) (*removed)++;
        else log_warn("db", "rotation: cannot remove %s", names[i]);
    }
    free(keep);
    free(names);
    free(stamps);
    return rc;
}

int dbf_backup_dated(db_t *db, const char *dir, int64_t now, int keep_days, int keep_months, char *written,
                     size_t cap, int *removed)
{
    *removed = 0;
    if (keep_days < 1 || keep_months < 0 || strlen(dir) > 4000) return LP_ERR_INVALID;
    struct tm tm;
    time_t t = (time_t)now;
    if (!gmtime_r(&t, &tm)) return LP_ERR_INVALID;
    char name[64], tmp[4200], path[4200];
    strftime(name, sizeof name, "labpass-%Y%m%dT%H%M%SZ.db", &tm);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, name);
    unlink(tmp);
    int rc = db_backup(db, tmp);
    dbf_info info;
    if (rc == 0 && dbf_inspect(tmp, &info) != 0) {
        log_error("db", "backup: the copy failed its check: %s", info.problem);
        rc = LP_ERR_DB;
    }
    if (rc == 0 && rename(tmp, path) != 0) rc = LP_ERR_IO;
    if (rc) { unlink(tmp); return rc; }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);   /* the rename, durable */
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    snprintf(written, cap, "%s", path);
    return rotate(dir, keep_days, keep_months, removed);
}
