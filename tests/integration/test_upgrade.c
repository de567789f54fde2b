/* test_upgrade.c: the database across versions and accidents, through the
 * real programs. A database made by the first release (tests/fixtures/
 * release-1: its demo, bookings made through its API, its November invoice)
 * is opened by today's labpassd, which saves it as it was, migrates it and
 * serves it: the same people sign in with their passwords, the bookings and
 * the invoice are there, and new bookings work. A database from a newer
 * version is refused with a clear message and left byte for byte alone.
 * labpassctl backup --dir keeps dated copies with rotation; labpassctl
 * restore checks a copy (damaged, truncated, foreign, newer: refused, nothing
 * changed), refuses while labpassd runs, saves the current file, and brings
 * the copy back (audited). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/lib/harness.h"

#define FIXTURE "tests/fixtures/release-1"
#define REL1_VERSION 5
#define T_DEC3 1796292000   /* 2026-12-03T10:00:00Z */

/* The whole file, NUL-terminated; caller frees. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    fclose(f);
    if (p) { p[n] = '\0'; if (len) *len = (size_t)n; }
    return p;
}

static void put_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* s->db from the first release's dump, and its key file beside it. */
static void load_release1(hx_server *s)
{
    char *sql = slurp(FIXTURE "/labpass.sql", NULL);
    assert_non_null(sql);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(s->db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    free(sql);
    size_t kl = 0;
    char *key = slurp(FIXTURE "/labpass.key", &kl);
    assert_non_null(key);
    char kp[300];
    snprintf(kp, sizeof kp, "%s/labpass.key", s->dir);
    put_file(kp, key, kl, 0600);
    free(key);
}

static int64_t scalar(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static void set_version(const char *db, int v)
{
    sqlite3 *h = NULL;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* The first file in dir whose name starts with prefix, into out; 0 if none. */
static int find_file(const char *dir, const char *prefix, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) { snprintf(out, cap, "%s/%s", dir, e->d_name); found = 1; break; }
    if (d) closedir(d);
    return found;
}

static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL) n += !strncmp(e->d_name, prefix, strlen(prefix));
    if (d) closedir(d);
    return n;
}

/* Runs labpassctl on s's database at clock t with the arguments after cap
 * (NULL-terminated); stdout and stderr into out. */
static int ctl(hx_server *s, int64_t t, char *out, size_t cap, ...)
{
    hx_set_clock(s, t);
    va_list ap;
    va_start(ap, cap);
    const char *first = va_arg(ap, const char *);
    int rc = hx_ctlv(s, out, cap, first, ap);
    va_end(ap);
    return rc;
}

static void test_first_release_upgrades(void **state)
{
    (void)state;
    hx_server s;
    assert_int_equal(hx_prepare(&s), 0);
    load_release1(&s);
    assert_int_equal(scalar(s.db, "PRAGMA user_version"), REL1_VERSION);
    assert_int_equal(hx_launch(&s, T_DEC3, 0, NULL), 0);
    /* The database as the first release left it, saved before migrating. */
    char saved[400];
    assert_true(find_file(s.dir, "labpass.db.before-v", saved, sizeof saved));
    assert_non_null(strstr(saved, "20261203T100000Z"));
    assert_int_equal(scalar(saved, "PRAGMA user_version"), REL1_VERSION);
    assert_int_equal(scalar(saved, "SELECT count(*) FROM reservations"), 5);
    assert_true(scalar(s.db, "PRAGMA user_version") > REL1_VERSION);
    /* Its people sign in with their passwords; its bookings and invoice are there. */
    char *member = hx_login(&s, "lab@novacell.example", "labpass-member-demo");
    char *staff = hx_login(&s, "staff@medtechfactory.example", "labpass-staff-demo");
    assert_non_null(member);
    assert_non_null(staff);
    hx_resp r;
    assert_int_equal(hx_req(&s, "GET", "/api/v1/reservations/3", member, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "confirmed");
    assert_string_equal(json_string_value(json_object_get(r.json, "start")), "2026-12-10T09:00:00+01:00");
    hx_free(&r);
    assert_int_equal(hx_req(&s, "GET", "/api/v1/reservations/5", member, NULL, NULL, &r), 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "requested");
    hx_free(&r);
    assert_int_equal(hx_req(&s, "GET", "/api/v1/invoices", staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"2026-0001\""));
    hx_free(&r);
    /* And it takes new bookings. */
    assert_int_equal(hx_status(&s, "POST", "/api/v1/reservations", member,
                               "{\"resource_id\":1,\"start\":\"2026-12-17T09:00:00+01:00\","
                               "\"end\":\"2026-12-17T11:00:00+01:00\"}"), 201);
    free(member);
    free(staff);
    assert_int_equal(hx_stop(&s), 0);
}

static void test_newer_database_refused(void **state)
{
    (void)state;
    hx_server s;
    assert_int_equal(hx_prepare(&s), 0);
    load_release1(&s);
    set_version(s.db, 999);
    size_t before_len = 0, after_len = 0;
    char *before = slurp(s.db, &before_len);
    assert_int_not_equal(hx_launch(&s, T_DEC3, 0, NULL), 0);
    char errpath[300];
    snprintf(errpath, sizeof errpath, "%s/stderr", s.dir);
    char *err = slurp(errpath, NULL);
    assert_non_null(err);
    assert_non_null(strstr(err, "schema version 999, made by a newer labpass"));
    assert_non_null(strstr(err, "refusing to start"));
    char *after = slurp(s.db, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    assert_int_equal(count_files(s.dir, "labpass.db.before-"), 0);
    free(err);
    free(before);
    free(after);
    assert_int_equal(hx_stop(&s), 0);
}

/* Dated backups over 40 days from 2026-11-01 keep 7 days and 2 months. */
static void test_backup_rotation(void **state)
{
    (void)state;
    hx_server s;
    char out[2048], dir[300];
    assert_int_equal(hx_start(&s, T_DEC3), 0);
    snprintf(dir, sizeof dir, "%s/backups", s.dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    const int64_t nov1 = 1793527200;   /* 2026-11-01T10:00:00Z */
    for (int d = 0; d < 40; d++)
        assert_int_equal(ctl(&s, nov1 + d * 86400, out, sizeof out, "backup", "--dir", dir, "--keep-days", "7", NULL), 0);
    /* Twice on the last day: the day's newest is kept, the earlier one goes. */
    assert_int_equal(ctl(&s, nov1 + 39 * 86400 + 3600, out, sizeof out, "backup", "--dir", dir, "--keep-days", "7", NULL), 0);
    assert_non_null(strstr(out, "labpass-20261210T110000Z.db"));
    /* 7 days (Dec 4..10) plus November's newest (Nov 30); December's is among the 7. */
    assert_int_equal(count_files(dir, "labpass-"), 8);
    char p[400];
    snprintf(p, sizeof p, "%s/labpass-20261130T100000Z.db", dir);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/labpass-20261210T100000Z.db", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/labpass-20261203T100000Z.db", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    /* Files that are not dated backups are never touched. */
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    put_file(p, "x", 1, 0600);
    assert_int_equal(ctl(&s, nov1 + 41 * 86400, out, sizeof out, "backup", "--dir", dir, "--keep-days", "1", "--keep-months", "0", NULL), 0);
    assert_int_equal(count_files(dir, "labpass-"), 1);
    assert_int_equal(access(p, F_OK), 0);
    /* Each backup is in the audit log, and the newest in /metrics for the backup-age alert. */
    assert_int_equal(scalar(s.db, "SELECT count(*) FROM audit_log WHERE action = 'backup'"), 42);
    char *staff = hx_login(&s, "staff@medtechfactory.example", "labpass-staff-demo");
    hx_resp r;
    assert_int_equal(hx_req(&s, "GET", "/metrics", staff, NULL, NULL, &r), 0);
    char want[80];
    snprintf(want, sizeof want, "\nlabpass_backup_last_timestamp_seconds %lld\n", (long long)(nov1 + 41 * 86400));
    assert_non_null(strstr(r.body, want));
    assert_non_null(strstr(r.body, "\nlabpass_disk_free_bytes "));
    hx_free(&r);
    free(staff);
    /* Bad options change nothing. */
    assert_int_equal(ctl(&s, nov1, out, sizeof out, "backup", "--dir", dir, "--keep-days", "0", NULL), 2);
    assert_int_equal(ctl(&s, nov1, out, sizeof out, "backup", "--dir", dir, "--keep-months", "x", NULL), 2);
    assert_int_not_equal(ctl(&s, nov1, out, sizeof out, "backup", "--dir", "/nonexistent-dir", NULL), 0);
    assert_int_equal(count_files(dir, "labpass-"), 1);
    assert_int_equal(hx_stop(&s), 0);
}

/* restore FILE must fail with exit 1, saying why, and leave the database alone. */
static void refused(hx_server *s, const char *file, const char *why)
{
    char out[2048];
    size_t bl = 0, al = 0;
    char *before = slurp(s->db, &bl);
    assert_int_equal(ctl(s, T_DEC3, out, sizeof out, "restore", file, NULL), 1);
    if (!strstr(out, why)) fail_msg("restore %s: expected \"%s\" in: %s", file, why, out);
    assert_non_null(strstr(out, "nothing was changed"));
    char *after = slurp(s->db, &al);
    assert_int_equal(bl, al);
    assert_memory_equal(before, after, bl);
    free(before);
    free(after);
}

static void test_restore(void **state)
{
    (void)state;
    hx_server s;
    char out[4096], good[400], p[400];
    assert_int_equal(hx_start(&s, T_DEC3), 0);
    snprintf(good, sizeof good, "%s/good.db", s.dir);
    assert_int_equal(ctl(&s, T_DEC3, out, sizeof out, "backup", good, NULL), 0);
    char *member = hx_login(&s, "lab@novacell.example", "labpass-member-demo");
    assert_non_null(member);
    int64_t before = hx_count(&s, "reservations");
    assert_int_equal(hx_status(&s, "POST", "/api/v1/reservations", member,
                               "{\"resource_id\":1,\"start\":\"2026-12-18T09:00:00+01:00\","
                               "\"end\":\"2026-12-18T11:00:00+01:00\"}"), 201);
    free(member);
    /* While labpassd runs, nothing is replaced. */
    refused(&s, good, "in use by a running labpassd");
    /* Stop it (the harness would remove the folder: keep the process only). */
    kill(s.pid, SIGTERM);
    int st = 0;
    assert_int_equal(waitpid(s.pid, &st, 0), s.pid);
    s.pid = 0;
    /* Bad copies: missing, not SQLite, truncated, damaged, foreign, newer, a folder. */
    snprintf(p, sizeof p, "%s/missing.db", s.dir);
    refused(&s, p, "no such file");
    snprintf(p, sizeof p, "%s/junk.db", s.dir);
    put_file(p, "SQLite format 3\0garbage", 23, 0600);
    refused(&s, p, "not an SQLite database");
    size_t gl = 0;
    char *g = slurp(good, &gl);
    assert_non_null(g);
    snprintf(p, sizeof p, "%s/half.db", s.dir);
    put_file(p, g, gl / 2, 0600);
    refused(&s, p, "damaged");
    char *bad = malloc(gl);
    memcpy(bad, g, gl);
    for (size_t i = 8192; i < 8192 + 4096 && i < gl; i++) bad[i] = (char)0xA5;   /* a page of noise */
    snprintf(p, sizeof p, "%s/noise.db", s.dir);
    put_file(p, bad, gl, 0600);
    refused(&s, p, "damaged");
    free(bad);
    snprintf(p, sizeof p, "%s/foreign.db", s.dir);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x); PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    refused(&s, p, "not a labpass database");
    snprintf(p, sizeof p, "%s/newer.db", s.dir);
    put_file(p, g, gl, 0600);
    set_version(p, 999);
    refused(&s, p, "newer than this build");
    refused(&s, s.dir, "no such file");
    free(g);
    /* The good copy comes back; the database as it was is saved first. */
    assert_int_equal(ctl(&s, T_DEC3 + 60, out, sizeof out, "restore", good, NULL), 0);
    char saved[400];
    assert_true(find_file(s.dir, "labpass.db.before-restore-20261203T100100Z", saved, sizeof saved));
    assert_int_equal(scalar(saved, "SELECT count(*) FROM reservations"), before + 1);
    assert_int_equal(scalar(s.db, "SELECT count(*) FROM reservations"), before);
    assert_int_equal(scalar(s.db, "SELECT count(*) FROM audit_log WHERE action = 'restore'"), 1);
    /* labpassd starts on the restored database. */
    assert_int_equal(hx_launch(&s, T_DEC3 + 120, 0, NULL), 0);
    char *staff = hx_login(&s, "staff@medtechfactory.example", "labpass-staff-demo");
    assert_non_null(staff);
    free(staff);
    assert_int_equal(hx_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_release_upgrades),
        cmocka_unit_test(test_newer_database_refused),
        cmocka_unit_test(test_backup_rotation),
        cmocka_unit_test(test_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
