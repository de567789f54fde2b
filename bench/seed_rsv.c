/* seed_rsv.c: fills a demo database with N historical reservations for the
 * reservation benchmark: 100 resources named "Bench N" (capacity 1, open
 * around the clock, 730 days advance) each with N/100 one-hour bookings in
 * the hours before now, written straight into the table in large
 * transactions. Usage: seed_rsv DB N */
#include "db/db.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: seed_rsv DB N\n"); return 2; }
    db_t *db = NULL;
    long n = atol(argv[2]);
    if (db_open(argv[1], &db) != 0) return 1;
    int64_t now = clk_now() / 3600 * 3600, per = n / 100;
    if (db_exec(db, "BEGIN") != 0) return 1;
    for (int r = 1; r <= 100; r++) {
        sqlite3_stmt *st = db_stmt(db, "INSERT INTO resources(kind, name, capacity, max_advance_days, max_minutes, "
                                       "granularity_min, min_minutes, longest_block, created_at, updated_at) "
                                       "VALUES ('equipment', 'Bench ' || ?1, 1, 730, 480, 15, 15, 3600, ?2, ?2)");
        db_bind_int(st, 1, r);
        db_bind_int(st, 2, now);
        if (db_exec_stmt(st) != 0) return 1;
        int64_t rid = db_last_id(db);
        for (int64_t k = 0; k < per; k++) {
            int64_t s = now - (per - k) * 3600;
            st = db_stmt(db, "INSERT INTO reservations(resource_id, person_id, tenant_id, booked_by, title, start, end, "
                             "block_start, block_end, status, created_at, updated_at) "
                             "VALUES (?1, 3, 1, 'bench', 'history', ?2, ?3, ?2, ?3, ?4, ?5, ?5)");
            db_bind_int(st, 1, rid);
            db_bind_int(st, 2, s);
            db_bind_int(st, 3, s + 3600);
            db_bind_text(st, 4, k % 10 == 0 ? "cancelled" : "completed");
            db_bind_int(st, 5, s);
            if (db_exec_stmt(st) != 0) return 1;
        }
        if (r % 10 == 0 && (db_exec(db, "COMMIT") != 0 || db_exec(db, "BEGIN") != 0)) return 1;
    }
    /* Resource 1 of the bench also has the coming two weeks densely booked (for availability). */
    for (int64_t k = 0; k < 14 * 12; k++) {
        int64_t s = now + 3600 + k * 7200;
        sqlite3_stmt *st = db_stmt(db, "INSERT INTO reservations(resource_id, person_id, tenant_id, booked_by, title, "
                                       "start, end, block_start, block_end, status, created_at, updated_at) "
                                       "SELECT id, 3, 1, 'bench', 'upcoming', ?1, ?2, ?1, ?2, 'confirmed', ?1, ?1 "
                                       "FROM resources WHERE name = 'Bench 1'");
        db_bind_int(st, 1, s);
        db_bind_int(st, 2, s + 3600);
        if (db_exec_stmt(st) != 0) return 1;
    }
    if (db_exec(db, "COMMIT") != 0) return 1;
    db_close(db);
    return 0;
}
