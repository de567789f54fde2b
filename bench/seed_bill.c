/* seed_bill.c: fills a demo database for the billing benchmark: T tenants
 * (startup tier, with KvK number and address) with one person each, 50
 * equipment resources priced by the demo rate plans, and R completed
 * one-hour reservations per tenant in the site-local month PERIOD, written
 * straight into the tables in large transactions; then computes their
 * charges with bill_recompute (timed separately).
 * Usage: seed_bill DB PERIOD TENANTS RESERVATIONS_PER_TENANT */
#include "billing/billing.h"
#include "booking/site.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "db/db.h"
#include <stdio.h>
#include <stdlib.h>

#define RESOURCES 50

static int seed_tenant(db_t *db, int i, int64_t now, int64_t *tenant, int64_t *person)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO tenants(name, kvk_number, street, postal_code, city, country, "
                                   "rate_tier, created_at, updated_at) VALUES ('Bench tenant ' || ?1, "
                                   "printf('%08d', 30000000 + ?1), 'Bench street ' || ?1, '7522 NB', 'Enschede', "
                                   "'NL', 'startup', ?2, ?2)");
    db_bind_int(st, 1, i);
    db_bind_int(st, 2, now);
    if (db_exec_stmt(st) != 0) return -1;
    *tenant = db_last_id(db);
    st = db_stmt(db, "INSERT INTO people(email, name, created_at, updated_at) "
                     "VALUES ('bench' || ?1 || '@tenant.example', 'Bench person ' || ?1, ?2, ?2)");
    db_bind_int(st, 1, i);
    db_bind_int(st, 2, now);
    if (db_exec_stmt(st) != 0) return -1;
    *person = db_last_id(db);
    st = db_stmt(db, "INSERT INTO memberships(person_id, tenant_id, role, created_at) VALUES (?1, ?2, 'member', ?3)");
    db_bind_int(st, 1, *person);
    db_bind_int(st, 2, *tenant);
    db_bind_int(st, 3, now);
    return db_exec_stmt(st) == 0 ? 0 : -1;
}

/* Reservation k of tenant i: one hour, spread over the month's resources
 * and hours; every other one starts at half past, so bookings that cross
 * 08:00 or 18:00 on weekdays are split into peak and off-peak lines. */
static int seed_rsv(db_t *db, int64_t res0, int64_t tenant, int64_t person, int i, int k, int64_t from, int days)
{
    int slot = i * 200 + k;
    int64_t res = res0 + slot % RESOURCES, hour = (slot / RESOURCES) % (days * 24);
    int64_t s = from + hour * 3600 + (k % 2) * 1800, e = s + 3600;
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO reservations(resource_id, person_id, tenant_id, booked_by, title, "
                                   "start, end, block_start, block_end, status, checked_in_at, checked_out_at, "
                                   "created_at, updated_at) VALUES (?1, ?2, ?3, 'bench', 'bench', ?4, ?5, ?4, ?5, "
                                   "'completed', ?4, ?5, ?4, ?4)");
    db_bind_int(st, 1, res);
    db_bind_int(st, 2, person);
    db_bind_int(st, 3, tenant);
    db_bind_int(st, 4, s);
    db_bind_int(st, 5, e);
    return db_exec_stmt(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: seed_bill DB PERIOD TENANTS RESERVATIONS_PER_TENANT\n"); return 2; }
    db_t *db = NULL;
    site_info site;
    int64_t from, to, now = clk_now();
    int tenants = atoi(argv[3]), per = atoi(argv[4]);
    if (db_open(argv[1], &db) != 0 || site_get(db, &site) != 0 || lt_set_zone(site.timezone) != 0) return 1;
    if (bill_period_parse(argv[2], &from, &to) != 0 || tenants < 1 || per < 1) return 2;
    int days = (int)((to - from) / 86400);
    if (db_exec(db, "BEGIN") != 0) return 1;
    int64_t res0 = 0;
    for (int r = 0; r < RESOURCES; r++) {
        sqlite3_stmt *st = db_stmt(db, "INSERT INTO resources(kind, name, capacity, max_advance_days, max_minutes, "
                                       "granularity_min, min_minutes, longest_block, created_at, updated_at) "
                                       "VALUES ('equipment', 'Bill bench ' || ?1, 100, 730, 480, 15, 15, 3600, ?2, ?2)");
        db_bind_int(st, 1, r);
        db_bind_int(st, 2, now);
        if (db_exec_stmt(st) != 0) return 1;
        if (r == 0) res0 = db_last_id(db);
    }
    for (int i = 0; i < tenants; i++) {
        int64_t t, p;
        if (seed_tenant(db, i, now, &t, &p) != 0) return 1;
        for (int k = 0; k < per; k++)
            if (seed_rsv(db, res0, t, p, i, k, from, days) != 0) return 1;
    }
    if (db_exec(db, "COMMIT") != 0) return 1;
    int64_t t0 = clk_mono_us();
    size_t n = 0;
    if (bill_recompute(db, 0, from, to, &n) != 0) return 1;
    printf("%zu %.2f\n", n, (double)(clk_mono_us() - t0) / 1e6);
    db_close(db);
    return 0;
}
