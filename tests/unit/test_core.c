/* test_core.c: unit tests for core/ (errors, time parsing and zones, clock)
 * and db/ (migrations, pragmas, statement cache, audit log immutability). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/ltime.h"
#include "db/db.h"
#include "tests/lib/tmpdb.h"

static void test_rfc3339_valid(void **st)
{
    int64_t t;
    assert_int_equal(lt_parse_rfc3339("2026-11-28T20:15:04Z", &t), 0);
    assert_int_equal(t, 1795896904);
    assert_int_equal(lt_parse_rfc3339("2026-11-28T21:15:04+01:00", &t), 0);
    assert_int_equal(t, 1795896904);
    assert_int_equal(lt_parse_rfc3339("2026-11-28T21:15:04.123+01:00", &t), 0);
    assert_int_equal(t, 1795896904);
    assert_int_equal(lt_parse_rfc3339("2024-02-29T00:00:00Z", &t), 0);
}

static void test_rfc3339_invalid(void **st)
{
    const char *bad[] = { "2026-02-31T10:00:00Z", "2026-02-29T10:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-11-28T24:00:00Z", "2026-11-28T20:15:04", "2026-11-28 20:15:04Z",
                          "2026-11-28T20:15:04+0100", "2026-11-28T20:15:04Zjunk", "", "x",
                          "2026-11-28T20:15:60Z", "1900-01-01T00:00:00Z", "2026-04-31T00:00:00Z",
                          "2026-11-28T20:15:04.Z", "+2026-11-28T20:15:04Z" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        assert_int_not_equal(lt_parse_rfc3339(bad[i], &t), 0);
    }
}

static void test_zone_and_dst(void **st)
{
    assert_int_equal(lt_set_zone("Europe/Amsterdam"), 0);
    assert_int_not_equal(lt_set_zone("../etc/passwd"), 0);
    assert_int_not_equal(lt_set_zone("Mars/Olympus"), 0);
    char buf[LT_RFC3339_LEN];
    lt_format(1795896904, buf);
    assert_string_equal(buf, "2026-11-28T21:15:04+01:00");
    /* 2026-03-29 02:00 local does not exist: moved forward to 03:00 CEST. */
    int64_t gap = lt_from_local(2026, 3, 29, 2, 30, 0);
    lt_format(gap, buf);
    assert_string_equal(buf, "2026-03-29T03:30:00+02:00");
    /* 2026-10-25 02:30 happens twice: the earlier (CEST) is taken. */
    int64_t amb = lt_from_local(2026, 10, 25, 2, 30, 0);
    lt_format(amb, buf);
    assert_string_equal(buf, "2026-10-25T02:30:00+02:00");
    int64_t from, to;
    assert_int_equal(lt_parse_day("2026-03-29", &from, &to), 0);
    assert_int_equal(to - from, 23 * 3600);
    assert_int_equal(lt_parse_day("2026-10-25", &from, &to), 0);
    assert_int_equal(to - from, 25 * 3600);
    assert_int_equal(lt_parse_month("2026-11", &from, &to), 0);
    assert_int_equal(to - from, 30 * 86400);
    assert_int_not_equal(lt_parse_month("2026-13", &from, &to), 0);
}

/* lt_format (cached offsets, own calendar arithmetic) agrees with strftime
 * and localtime_r around both 2026 changes, minute by minute, in both orders. */
static void test_format_matches_libc(void **st)
{
    assert_int_equal(lt_set_zone("Europe/Amsterdam"), 0);
    const int64_t centers[] = { 1774746000, 1792890000, 0, 951782400, 4102444800LL };
    for (size_t c = 0; c < sizeof centers / sizeof centers[0]; c++)
        for (int dir = -1; dir <= 1; dir += 2)
            for (int64_t k = -2000; k <= 2000; k++) {
                int64_t t = centers[c] + dir * k * 61;
                char got[LT_RFC3339_LEN], want[LT_RFC3339_LEN + 16], zone[40];
                struct tm tm;
                time_t tt = (time_t)t;
                localtime_r(&tt, &tm);
                long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
                strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
                snprintf(zone, sizeof zone, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, off / 60 % 60);
                strcat(want, zone);
                lt_format(t, got);
                if (strcmp(got, want) != 0) fail_msg("%lld: %s != %s", (long long)t, got, want);
            }
}

/* The libc way (mktime both ways, earlier valid one, else forward): the
 * reference for lt_from_local over every quarter hour of both 2026 changes. */
static int64_t from_local_libc(int y, int mon, int d, int h, int mi)
{
    int64_t best = -1;
    for (int dst = 0; dst <= 1; dst++) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                         .tm_isdst = dst };
        time_t t = mktime(&tm);
        struct tm back;
        localtime_r(&t, &back);
        if (back.tm_hour == h && back.tm_min == mi && back.tm_mday == d && (best < 0 || t < best)) best = t;
    }
    if (best >= 0) return best;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_isdst = 0 };
    return (int64_t)mktime(&tm);
}

static void test_from_local_matches_libc(void **st)
{
    assert_int_equal(lt_set_zone("Europe/Amsterdam"), 0);
    const int days[][3] = { { 2026, 3, 28 }, { 2026, 3, 29 }, { 2026, 3, 30 }, { 2026, 10, 24 }, { 2026, 10, 25 },
                            { 2026, 10, 26 }, { 2026, 12, 31 }, { 2027, 1, 1 }, { 2024, 2, 29 } };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        for (int q = 0; q < 96; q++) {
            int h = q / 4, mi = (q % 4) * 15;
            int64_t a = lt_from_local(days[i][0], days[i][1], days[i][2], h, mi, 0);
            int64_t b = from_local_libc(days[i][0], days[i][1], days[i][2], h, mi);
            if (a != b) fail_msg("%d-%d-%d %02d:%02d: %lld != %lld", days[i][0], days[i][1], days[i][2], h, mi,
                                 (long long)a, (long long)b);
        }
    /* out-of-range fields normalise */
    assert_int_equal(lt_from_local(2026, 3, 0, 9, 0, 0), lt_from_local(2026, 2, 28, 9, 0, 0));
    assert_int_equal(lt_from_local(2026, 13, 1, 9, 0, 0), lt_from_local(2027, 1, 1, 9, 0, 0));
    assert_int_equal(lt_from_local(2026, 4, 14, 9, -30, 0), lt_from_local(2026, 4, 14, 8, 30, 0));
    assert_int_equal(lt_from_local(2026, 1, 1, 0, 0, 0), lt_from_local(2026, 0, 32, 0, 0, 0) - 0 + 0);
}

static void test_clock_fixed(void **st)
{
    clk_set_fixed(1000);
    assert_int_equal(clk_now(), 1000);
    clk_set_fixed(-1);
    assert_true(clk_now() > 1700000000);
}

static void test_db_migrate_and_audit(void **st)
{
    char path[64];
    assert_int_equal(tdb_make(path, sizeof path, "core"), 0);
    db_t *db = NULL;
    assert_int_equal(db_open(path, &db), 0);
    assert_int_equal(db_version(db), db_migrations_count);
    sqlite3_stmt *q = db_stmt(db, "PRAGMA journal_mode");
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal(db_col_text(q, 0), "wal");
    sqlite3_reset(q);
    q = db_stmt(db, "PRAGMA foreign_keys");
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    sqlite3_reset(q);
    assert_int_equal(db_exec(db, "INSERT INTO audit_log(at, actor, action, object_type) "
                                 "VALUES (1, 'test', 'create', 'x')"), 0);
    assert_int_not_equal(db_exec(db, "UPDATE audit_log SET actor = 'evil'"), 0);
    assert_int_not_equal(db_exec(db, "DELETE FROM audit_log"), 0);
    db_close(db);
    /* Reopening applies nothing twice. */
    assert_int_equal(db_open(path, &db), 0);
    assert_int_equal(db_version(db), db_migrations_count);
    db_close(db);
    tdb_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_valid),
        cmocka_unit_test(test_rfc3339_invalid),
        cmocka_unit_test(test_zone_and_dst),
        cmocka_unit_test(test_format_matches_libc),
        cmocka_unit_test(test_from_local_matches_libc),
        cmocka_unit_test(test_clock_fixed),
        cmocka_unit_test(test_db_migrate_and_audit),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
