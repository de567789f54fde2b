/* sqlite_loop.c: the baseline for durable bookings: a plain SQLite loop of
 * insert transactions (WAL, synchronous=FULL, one row per BEGIN IMMEDIATE /
 * COMMIT) for SECS seconds. Prints transactions per second. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: sqlite_loop DB SECS\n"); return 2; }
    sqlite3 *db;
    sqlite3_stmt *ins, *b, *c;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                     "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, resource_id INT, start INT, end INT, title TEXT);"
                     "CREATE INDEX IF NOT EXISTS t_res ON t(resource_id, start);", NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO t(resource_id, start, end, title) VALUES (?1, ?2, ?3, 'x')", -1, &ins, NULL);
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &b, NULL);
    sqlite3_prepare_v2(db, "COMMIT", -1, &c, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long n = 0;
    double secs = atof(argv[2]), el = 0;
    while (el < secs) {
        sqlite3_step(b); sqlite3_reset(b);
        sqlite3_bind_int64(ins, 1, n % 100);
        sqlite3_bind_int64(ins, 2, n * 3600);
        sqlite3_bind_int64(ins, 3, n * 3600 + 1800);
        sqlite3_step(ins); sqlite3_reset(ins);
        if (sqlite3_step(c) != SQLITE_DONE) return 1;
        sqlite3_reset(c);
        n++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    }
    printf("%ld\n", (long)(n / el));
    sqlite3_finalize(ins); sqlite3_finalize(b); sqlite3_finalize(c);
    sqlite3_close(db);
    return 0;
}
