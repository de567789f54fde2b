/* test_retention.c: the retention periods (privacy/retention.h) on a real
 * database at a fixed date (Monday 2 March 2026, 09:00 Europe/Amsterdam):
 * settings and their bounds; one run removes exactly the records older than
 * each kind's period (ended sessions, known devices and throttle records;
 * door events, except those that checked a reservation in or out, which
 * follow the invoices' 7 years; waitlist entries no longer waiting; audit
 * entries, with the chain still intact) and logs one row per kind with its
 * count; the daily schedule runs once a day. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "access/issuer/issuer.h"
#include "booking/audit_seal.h"
#include "booking/demo.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
#include "privacy/retention.h"
#include "tests/lib/tmpdb.h"

#define DAY 86400LL

static char g_path[64];
static db_t *db;
static int64_t T0;
static const actor_t WHO = { 0, "retention-test" };

static int64_t scalar(const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Runs sql with %lld replaced by T0 - days_ago * DAY for each argument. */
static void exec_ago(const char *fmt, int64_t a, int64_t b)
{
    char sql[600];
    snprintf(sql, sizeof sql, fmt, (long long)(T0 - a * DAY), (long long)(T0 - b * DAY));
    assert_int_equal(db_exec(db, sql), 0);
}

static int setup(void **st)
{
    if (sodium_init() < 0 || lt_set_zone("Europe/Amsterdam") != 0) return -1;
    if (tdb_make(g_path, sizeof g_path, "retention") != 0) return -1;
    T0 = lt_from_local(2026, 3, 2, 9, 0, 0);
    uint8_t master[ISS_MASTER_LEN];
    randombytes_buf(master, sizeof master);
    iss_master_set(master);
    iss_hooks_register();   /* the demo's doors */
    clk_set_fixed(T0 - 900 * DAY);
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    clk_set_fixed(T0);
    return 0;
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(g_path);
    iss_master_clear();
    clk_set_fixed(-1);
    return 0;
}

static void test_settings_and_bounds(void **st)
{
    ret_setting s[RET_KIND_COUNT];
    lp_fail f = { 0 };
    assert_int_equal(ret_settings(db, s), 0);
    assert_int_equal(s[RET_DOOR_EVENTS].days, 92);
    assert_int_equal(s[RET_SESSIONS].days, 30);
    assert_int_equal(s[RET_AUDIT].days, 730);
    assert_int_equal(s[RET_WAITLIST].days, 365);
    static const struct { enum ret_kind k; int days; } BAD[] = {
        { RET_DOOR_EVENTS, 29 }, { RET_DOOR_EVENTS, 366 }, { RET_SESSIONS, 6 }, { RET_SESSIONS, 91 },
        { RET_AUDIT, 364 }, { RET_AUDIT, 3651 }, { RET_WAITLIST, 0 }, { RET_WAITLIST, -5 },
    };
    int64_t audits = scalar("SELECT count(*) FROM audit_log");
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_int_equal(ret_set(db, &WHO, BAD[i].k, BAD[i].days, &f), LP_ERR_INVALID);
        assert_string_equal(f.field, "days");
    }
    assert_int_equal(ret_set(db, &WHO, (enum ret_kind)9, 100, &f), LP_ERR_INVALID);
    assert_int_equal(scalar("SELECT count(*) FROM audit_log"), audits);   /* nothing changed */
    assert_int_equal(ret_set(db, &WHO, RET_DOOR_EVENTS, 60, &f), 0);
    assert_int_equal(ret_settings(db, s), 0);
    assert_int_equal(s[RET_DOOR_EVENTS].days, 60);
    assert_int_equal(scalar("SELECT count(*) FROM audit_log WHERE object_type = 'retention' "
                            "AND before_json LIKE '%92%' AND after_json LIKE '%60%'"), 1);
    assert_int_equal(ret_set(db, &WHO, RET_DOOR_EVENTS, 92, &f), 0);
    enum ret_kind k;
    assert_int_equal(ret_kind_parse("audit", &k), 0);
    assert_int_equal(k, RET_AUDIT);
    assert_int_not_equal(ret_kind_parse("invoices", &k), 0);
}

static void test_one_run_removes_what_is_older(void **st)
{
    int64_t person = scalar("SELECT min(id) FROM people");
    int64_t door = scalar("SELECT min(id) FROM doors");
    int64_t res = scalar("SELECT min(id) FROM resources");
    int64_t tenant = scalar("SELECT min(id) FROM tenants");
    char sql[700];
    /* sessions: ended 40 days ago (goes), ended 10 days ago (stays), revoked
     * 35 days ago though valid longer (goes), live (stays) */
    snprintf(sql, sizeof sql, "INSERT INTO sessions(token_hash, person_id, created_at, expires_at, revoked_at) VALUES "
             "(randomblob(32), %lld, %%lld, %%lld, NULL)", (long long)person);
    exec_ago(sql, 50, 40);
    exec_ago(sql, 20, 10);
    exec_ago(sql, -1, -30);
    snprintf(sql, sizeof sql, "INSERT INTO sessions(token_hash, person_id, created_at, expires_at, revoked_at) VALUES "
             "(randomblob(32), %lld, %%lld, %lld, %%lld)", (long long)person, (long long)(T0 + 20 * DAY));
    exec_ago(sql, 36, 35);
    /* door events: denied 100 days ago (goes), 50 (stays); a check-in 100
     * days ago (stays: billed), one 8 years ago (goes) */
    snprintf(sql, sizeof sql, "INSERT INTO door_events(door_id, event_id, at, kind, received_at, result) VALUES "
             "(%lld, 'r-' || hex(randomblob(6)), %%lld, 'denied', %%lld, 'recorded')", (long long)door);
    exec_ago(sql, 100, 100);
    exec_ago(sql, 50, 50);
    snprintf(sql, sizeof sql, "INSERT INTO door_events(door_id, event_id, at, kind, received_at, result) VALUES "
             "(%lld, 'r-' || hex(randomblob(6)), %%lld, 'admission', %%lld, 'checked_in')", (long long)door);
    exec_ago(sql, 100, 100);
    exec_ago(sql, 8 * 365, 8 * 365);
    /* waitlist: cancelled 400 days ago (goes), waiting 400 days ago (stays),
     * fulfilled 100 days ago (stays) */
    snprintf(sql, sizeof sql, "INSERT INTO waitlist(resource_id, person_id, tenant_id, start, end, status, created_at) "
             "VALUES (%lld, %lld, %lld, %%lld, %%lld + 3600, 'cancelled', %%lld)", (long long)res, (long long)person,
             (long long)tenant);
    char two[800];
    snprintf(two, sizeof two, "%s", sql);
    /* three placeholders: start, end, created */
    snprintf(sql, sizeof sql, two, (long long)(T0 - 399 * DAY), (long long)(T0 - 399 * DAY), (long long)(T0 - 400 * DAY));
    assert_int_equal(db_exec(db, sql), 0);
    snprintf(sql, sizeof sql, "INSERT INTO waitlist(resource_id, person_id, tenant_id, start, end, status, created_at) "
             "VALUES (%lld, %lld, %lld, %lld, %lld, 'waiting', %lld), (%lld, %lld, %lld, %lld, %lld, 'fulfilled', %lld)",
             (long long)res, (long long)person, (long long)tenant, (long long)(T0 + DAY), (long long)(T0 + DAY + 3600),
             (long long)(T0 - 400 * DAY), (long long)res, (long long)person, (long long)tenant,
             (long long)(T0 - 99 * DAY), (long long)(T0 - 99 * DAY + 3600), (long long)(T0 - 100 * DAY));
    assert_int_equal(db_exec(db, sql), 0);
    /* audit: the demo's entries are 900 days old (go); two of 100 days (stay) */
    exec_ago("INSERT INTO audit_log(at, actor, action, object_type) VALUES (%lld, 'test', 'a', 'x'), "
             "(%lld, 'test', 'b', 'x')", 100, 100);
    int64_t sessions = scalar("SELECT count(*) FROM sessions"), events = scalar("SELECT count(*) FROM door_events");
    int64_t waits = scalar("SELECT count(*) FROM waitlist"), audits = scalar("SELECT count(*) FROM audit_log");
    char q[120];
    snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE at < %lld", (long long)(T0 - 730 * DAY));
    int64_t old_audits = scalar(q);   /* the demo's */
    assert_true(old_audits > 10);

    ret_run runs[RET_KIND_COUNT];
    assert_int_equal(ret_apply(db, T0, runs), 0);
    assert_int_equal(runs[RET_SESSIONS].removed, 2);
    assert_int_equal(scalar("SELECT count(*) FROM sessions"), sessions - 2);
    assert_int_equal(runs[RET_DOOR_EVENTS].removed, 2);
    assert_int_equal(scalar("SELECT count(*) FROM door_events"), events - 2);
    assert_int_equal(scalar("SELECT count(*) FROM door_events WHERE result = 'checked_in'"), 1);
    assert_int_equal(runs[RET_WAITLIST].removed, 1);
    assert_int_equal(scalar("SELECT count(*) FROM waitlist"), waits - 1);
    assert_int_equal(scalar("SELECT count(*) FROM waitlist WHERE status = 'cancelled'"), 0);
    assert_int_equal(runs[RET_AUDIT].removed, old_audits);
    assert_int_equal(runs[RET_AUDIT].cutoff, T0 - 730 * DAY);
    /* left: the recent entries and the prune's own entry */
    assert_int_equal(scalar("SELECT count(*) FROM audit_log"), audits - old_audits + 1);
    audit_report r;
    assert_int_equal(audit_verify(db, &r), 0);
    assert_int_equal(r.bad_id, 0);
    /* one log row per kind, with its count */
    assert_int_equal(scalar("SELECT count(*) FROM retention_runs"), RET_KIND_COUNT);
    assert_int_equal(scalar("SELECT removed FROM retention_runs WHERE kind = 'sessions'"), 2);
    ret_run *list = NULL;
    size_t n = 0;
    assert_int_equal(ret_runs(db, 10, &list, &n), 0);
    assert_int_equal(n, RET_KIND_COUNT);
    assert_int_equal(list[0].kind, RET_WAITLIST);   /* newest first */
    free(list);
}

static void test_the_schedule_runs_once_a_day(void **st)
{
    int ran = -1;
    int64_t runs = scalar("SELECT count(*) FROM retention_runs");
    assert_int_equal(ret_apply_due(db, T0 + 3600, &ran), 0);
    assert_int_equal(ran, 0);
    assert_int_equal(ret_apply_due(db, T0 + DAY, &ran), 0);
    assert_int_equal(ran, 1);
    assert_int_equal(scalar("SELECT count(*) FROM retention_runs"), runs + RET_KIND_COUNT);
    /* a clock set back runs again rather than never */
    assert_int_equal(ret_apply_due(db, T0 - 10 * DAY, &ran), 0);
    assert_int_equal(ran, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_and_bounds),
        cmocka_unit_test(test_one_run_removes_what_is_older),
        cmocka_unit_test(test_the_schedule_runs_once_a_day),
    };
    return cmocka_run_group_tests_name("retention", tests, setup, teardown);
}
