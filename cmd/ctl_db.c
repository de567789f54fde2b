/* ctl_db.c: labpassctl's commands on the database file itself: backup
 * (one file, or dated files in a folder with rotation, for the nightly
 * timer) and restore (checked first, the current file saved, refused while
 * labpassd runs). Both are written to the audit log. */
#include "cmd/ctl.h"
#include "booking/audit.h"
#include "core/clock.h"
#include "db/dbfile.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const actor_t CLI = { 0, "labpassctl" };

/* {"file":..., "version":N} for the audit entry. */
static int audit_file(db_t *db, const char *action, const char *file)
{
    char after[4400];
    char esc[4200];
    size_t k = 0;
    for (const char *p = file; *p && k < sizeof esc - 8; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') { esc[k++] = '\\'; esc[k++] = (char)c; }
        else if (c < 0x20) k += (size_t)snprintf(esc + k, sizeof esc - k, "\\u%04x", c);
        else esc[k++] = (char)c;
    }
    esc[k] = '\0';
    snprintf(after, sizeof after, "{\"file\":\"%s\",\"version\":%d}", esc, db_version(db));
    return audit_add(db, &CLI, action, "database", 0, NULL, after);
}

static int backup_dated(ctl_env *e, const char *dir, const char *days, const char *months)
{
    char *end = NULL;
    long kd = strtol(days, &end, 10);
    if (*end || kd < 1 || kd > 3650) { fprintf(stderr, "labpassctl: --keep-days takes 1..3650\n"); return 2; }
    long km = strtol(months, &end, 10);
    if (*end || km < 0 || km > 1200) { fprintf(stderr, "labpassctl: --keep-months takes 0..1200\n"); return 2; }
    char written[4200];
    int removed = 0;
    int rc = dbf_backup_dated(e->db, dir, clk_now(), (int)kd, (int)km, written, sizeof written, &removed);
    if (rc) return ctl_fail("backup", rc, NULL);
    if (audit_file(e->db, "backup", written) != 0) fprintf(stderr, "labpassctl: backup: not written to the audit log\n");
    printf("backup written to %s; %d older backup%s removed\n", written, removed, removed == 1 ? "" : "s");
    return 0;
}

static int cmd_backup(ctl_env *e, int argc, char **argv)
{
    const char *usage =
        "usage: labpassctl backup FILE\n"
        "       labpassctl backup --dir DIR [--keep-days N] [--keep-months N]\n"
        "  writes an online, consistent copy of the database (safe while labpassd runs).\n"
        "  With --dir: DIR/labpass-YYYYMMDDTHHMMSSZ.db (UTC), checked before it is kept; then keeps the\n"
        "  newest backup of each of the last N days (default 30) and of each of the last N months\n"
        "  (default 12) and removes the other dated backups in DIR.\n";
    const char *dir = NULL, *days = "30", *months = "12";
    if (argc == 1 && argv[0][0] != '-') {
        int rc = db_backup(e->db, argv[0]);
        if (rc) return ctl_fail("backup", rc, NULL);
        if (audit_file(e->db, "backup", argv[0]) != 0) fprintf(stderr, "labpassctl: backup: not written to the audit log\n");
        printf("backup written to %s\n", argv[0]);
        return 0;
    }
    struct ctl_opt o[] = { { "--dir", &dir, NULL }, { "--keep-days", &days, NULL }, { "--keep-months", &months, NULL }, { 0 } };
    if (ctl_opts(argc, argv, o, usage) || !dir) { if (!dir) fprintf(stderr, "%s", usage); return 2; }
    return backup_dated(e, dir, days, months);
}

/* PATH.before-restore-YYYYMMDDTHHMMSSZ */
static void saved_name(const char *db, char *out, size_t cap)
{
    char stamp[32];
    time_t t = (time_t)clk_now();
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
    snprintf(out, cap, "%s.before-restore-%s", db, stamp);
}

static int restore_locked(ctl_env *e, const char *file)
{
    dbf_info info;
    char saved[4200];
    struct stat st;
    int had = stat(e->path, &st) == 0 && st.st_size > 0;
    saved_name(e->path, saved, sizeof saved);
    int rc = dbf_restore(file, e->path, had ? saved : NULL, &info);
    if (rc == LP_ERR_INVALID || rc == LP_ERR_NOTFOUND) {
        fprintf(stderr, "labpassctl: restore: %s: %s; nothing was changed\n", file, info.problem);
        return 1;
    }
    if (rc) return ctl_fail("restore", rc, NULL);
    if (had) printf("the database as it was is saved in %s\n", saved);
    db_t *db = NULL;
    rc = db_open(e->path, &db);   /* migrates a copy from an older version (saving it first) */
    if (rc) return ctl_fail("restore: the restored database does not open", rc, NULL);
    if (audit_file(db, "restore", file) != 0) fprintf(stderr, "labpassctl: restore: not written to the audit log\n");
    printf("restored %s (schema version %d) into %s, now at version %d\n", file, info.version, e->path, db_version(db));
    db_close(db);
    return 0;
}

static int cmd_restore(ctl_env *e, int argc, char **argv)
{
    const char *usage =
        "usage: labpassctl [--db DB] restore FILE\n"
        "  replaces the database with the backup FILE after checking it (integrity, a labpass database,\n"
        "  a schema version this build knows). The current database is saved first as\n"
        "  DB.before-restore-YYYYMMDDTHHMMSSZ. Stop labpassd first: a running labpassd holds the database\n"
        "  and the restore is refused. An older backup is migrated after it is restored.\n";
    if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) { printf("%s", usage); return 0; }
    if (argc != 1 || argv[0][0] == '-') { fprintf(stderr, "%s", usage); return 2; }
    struct stat st;
    int existed = stat(e->path, &st) == 0;
    int fd = -1;
    int rc = dbf_lock(e->path, 1, &fd);
    if (rc == LP_ERR_BUSY) {
        fprintf(stderr, "labpassctl: restore: %s is in use by a running labpassd; stop it first "
                        "(systemctl stop labpassd); nothing was changed\n", e->path);
        return 1;
    }
    if (rc) return ctl_fail("restore", rc, NULL);
    rc = restore_locked(e, argv[0]);
    if (rc && !existed) unlink(e->path);   /* the lock made an empty file; a refused restore leaves none */
    dbf_unlock(fd);
    return rc;
}

const struct ctl_cmd ctl_db_cmds[] = {
    { "backup", NULL, cmd_backup, "consistent copy of the database (one file, or dated with rotation)", 0 },
    { "restore", NULL, cmd_restore, "replace the database with a checked backup (labpassd stopped)", 1 },
};
const size_t ctl_db_cmds_len = sizeof ctl_db_cmds / sizeof ctl_db_cmds[0];
