/* test_audit.c: the audit log's hash chain (booking/audit_seal.h). The demo's
 * writes are sealed and verify; an edit of any sealed field, a removed or a
 * reordered entry is found (made with the schema's guards dropped, as an
 * intruder with the file would, inside a transaction rolled back after);
 * the guards refuse edits through SQL; erasure replaces the personal fields
 * once and the chain still verifies; rows written without a seal (before
 * migration 0009, or by hand) are sealed by the next audited write; retention
 * removes the oldest entries and anchors the chain after them. Runs on a
 * fixed clock: Monday 2 March 2026. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "booking/audit.h"
#include "booking/audit_seal.h"
#include "booking/demo.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
#include "tests/lib/tmpdb.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */
#define DAY 86400

static char g_path[64];
static db_t *db;
static const actor_t WHO = { 0, "audit-test" };

static int64_t scalar(const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void verify(audit_report *r)
{
    assert_int_equal(audit_verify(db, r), 0);
}

static void assert_intact(void)
{
    audit_report r;
    verify(&r);
    if (r.bad_id) fail_msg("entry %lld: %s", (long long)r.bad_id, r.why);
    assert_true(r.entries > 0);
    assert_int_equal(strlen(r.head), 2 * AUDIT_HASH_LEN);
}

/* Runs sql with the guards dropped, checks that verify finds entry want_bad,
 * then rolls everything back. */
static void tamper(const char *sql, int64_t want_bad)
{
    audit_report r;
    assert_int_equal(db_exec(db, "BEGIN"), 0);
    assert_int_equal(db_exec(db, "DROP TRIGGER audit_log_fixed; DROP TRIGGER audit_log_sealed; "
                                 "DROP TRIGGER audit_log_nonce; DROP TRIGGER audit_log_erasure; "
                                 "DROP TRIGGER audit_log_kept"), 0);
    assert_int_equal(db_exec(db, sql), 0);
    verify(&r);
    assert_int_equal(db_exec(db, "ROLLBACK"), 0);
    if (r.bad_id != want_bad) fail_msg("%s: found %lld (%s), not %lld", sql, (long long)r.bad_id, r.why, (long long)want_bad);
}

static int setup(void **st)
{
    if (sodium_init() < 0 || lt_set_zone("Europe/Amsterdam") != 0) return -1;
    if (tdb_make(g_path, sizeof g_path, "audit") != 0) return -1;
    clk_set_fixed(T0 - 30 * DAY);
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    for (int i = 0; i < 5; i++) {   /* entries a month apart */
        clk_set_fixed(T0 - (4 - i) * 7 * DAY);
        char after[64];
        snprintf(after, sizeof after, "{\"n\":%d,\"name\":\"Person %d\"}", i, i);
        if (audit_add(db, &WHO, "test", "thing", i + 1, NULL, after) != 0) return -1;
    }
    return 0;
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(g_path);
    clk_set_fixed(-1);
    return 0;
}

static void test_writes_are_sealed(void **st)
{
    assert_int_equal(scalar("SELECT count(*) FROM audit_log WHERE hash IS NULL OR length(hash) <> 32 "
                            "OR length(body_commit) <> 32 OR length(body_nonce) <> 16"), 0);
    assert_intact();
    /* two runs of verify agree, and the head is the last entry's hash */
    audit_report a, b;
    verify(&a);
    verify(&b);
    assert_string_equal(a.head, b.head);
    assert_int_equal(a.entries, scalar("SELECT count(*) FROM audit_log"));
}

static void test_tampering_is_found(void **st)
{
    int64_t mid = scalar("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 10");
    int64_t last = scalar("SELECT max(id) FROM audit_log");
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE audit_log SET after_json = '{\"n\":99}' WHERE id = %lld", (long long)last);
    tamper(sql, last);
    snprintf(sql, sizeof sql, "UPDATE audit_log SET before_json = 'x' WHERE id = %lld", (long long)mid);
    tamper(sql, mid);
    snprintf(sql, sizeof sql, "UPDATE audit_log SET actor = 'someone else' WHERE id = %lld", (long long)mid);
    tamper(sql, mid);
    snprintf(sql, sizeof sql, "UPDATE audit_log SET at = at + 1 WHERE id = %lld", (long long)mid);
    tamper(sql, mid);
    snprintf(sql, sizeof sql, "UPDATE audit_log SET object_id = 7 WHERE id = %lld", (long long)mid);
    tamper(sql, mid);
    /* a removed entry breaks the seal of the next */
    snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE id = %lld", (long long)mid);
    tamper(sql, scalar("SELECT min(id) FROM audit_log WHERE id > (SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 10)"));
    /* two entries swapped */
    snprintf(sql, sizeof sql, "UPDATE audit_log SET id = -1 WHERE id = %lld; UPDATE audit_log SET id = %lld WHERE id = %lld; "
             "UPDATE audit_log SET id = %lld WHERE id = -1", (long long)last, (long long)last, (long long)last - 1,
             (long long)last - 1);
    tamper(sql, last - 1);
    /* an erased mark set by hand, without replacing the fields, still chains;
     * an erased entry whose seal covers other fields does not */
    snprintf(sql, sizeof sql, "UPDATE audit_log SET erased_at = 1, body_commit = zeroblob(32) WHERE id = %lld",
             (long long)mid);
    tamper(sql, mid);
    assert_intact();   /* every change above was rolled back */
}

static void test_guards_refuse_edits(void **st)
{
    int64_t mid = scalar("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 10");
    char sql[200];
    log_set_level(LOG_OFF);
    const char *const EDITS[] = {
        "UPDATE audit_log SET actor = 'evil' WHERE id = %lld",
        "UPDATE audit_log SET after_json = '{}' WHERE id = %lld",
        "UPDATE audit_log SET hash = zeroblob(32) WHERE id = %lld",
        "UPDATE audit_log SET body_nonce = NULL WHERE id = %lld",
        "DELETE FROM audit_log WHERE id = %lld",
    };
    for (size_t i = 0; i < sizeof EDITS / sizeof EDITS[0]; i++) {
        snprintf(sql, sizeof sql, EDITS[i], (long long)mid);
        if (db_exec(db, sql) == 0) fail_msg("accepted: %s", sql);
    }
    assert_int_not_equal(db_exec(db, "DELETE FROM audit_log"), 0);
    log_set_level(LOG_INFO);
    assert_intact();
}

static void test_erasure_keeps_the_chain(void **st)
{
    int64_t id = scalar("SELECT id FROM audit_log WHERE after_json LIKE '%Person 2%'");
    char sql[300];
    snprintf(sql, sizeof sql, "UPDATE audit_log SET after_json = '{\"n\":2,\"name\":\"erased-7f3a\"}', body_nonce = NULL, "
             "erased_at = %lld WHERE id = %lld", (long long)T0, (long long)id);
    assert_int_equal(db_exec(db, sql), 0);
    audit_report r;
    verify(&r);
    assert_int_equal(r.bad_id, 0);
    assert_int_equal(r.erased, 1);
    /* again, for a second person it names; never without the mark */
    assert_int_equal(db_exec(db, sql), 0);
    verify(&r);
    assert_int_equal(r.bad_id, 0);
    snprintf(sql, sizeof sql, "UPDATE audit_log SET after_json = 'x', erased_at = NULL WHERE id = %lld", (long long)id);
    log_set_level(LOG_OFF);
    assert_int_not_equal(db_exec(db, sql), 0);
    log_set_level(LOG_INFO);
}

static void test_unsealed_rows_are_sealed_by_the_next_write(void **st)
{
    /* as an upgraded database has them: written before migration 0009 */
    assert_int_equal(db_exec(db, "INSERT INTO audit_log(at, actor, action, object_type, object_id, after_json) "
                                 "VALUES (1772430000, 'old', 'create', 'thing', 9, '{\"old\":1}'), "
                                 "(1772430001, 'old', 'update', 'thing', 9, NULL)"), 0);
    audit_report r;
    verify(&r);
    assert_int_equal(r.bad_id, 0);
    assert_int_equal(r.unsealed, 2);
    clk_set_fixed(T0);
    assert_int_equal(audit_add(db, &WHO, "test", "thing", 10, NULL, NULL), 0);
    verify(&r);
    assert_int_equal(r.bad_id, 0);
    assert_int_equal(r.unsealed, 0);
    assert_int_equal(scalar("SELECT count(*) FROM audit_log WHERE hash IS NULL"), 0);
}

static void test_retention_anchors_the_chain(void **st)
{
    int64_t total = scalar("SELECT count(*) FROM audit_log");
    int64_t old = scalar("SELECT count(*) FROM audit_log WHERE id < (SELECT min(id) FROM audit_log WHERE at >= 1772438400 - 14 * 86400)");
    assert_true(old > 0 && old < total);
    int64_t removed = 0;
    clk_set_fixed(T0);
    assert_int_equal(audit_prune(db, T0 - 14 * DAY, &removed), 0);
    assert_int_equal(removed, old);
    assert_int_equal(scalar("SELECT count(*) FROM audit_log"), total - old + 1);   /* + the prune's own entry */
    char want[120];
    snprintf(want, sizeof want, "SELECT count(*) FROM audit_log WHERE action = 'prune' AND after_json LIKE '%%\"removed\":%lld}'",
             (long long)old);
    assert_int_equal(scalar(want), 1);   /* the run is logged with its count */
    audit_report r;
    verify(&r);
    assert_int_equal(r.bad_id, 0);
    assert_true(r.anchor_id > 0);
    /* nothing newer may go, and the anchor does not move back */
    log_set_level(LOG_OFF);
    assert_int_not_equal(db_exec(db, "DELETE FROM audit_log"), 0);
    assert_int_not_equal(db_exec(db, "UPDATE audit_anchor SET upto_id = 1"), 0);
    assert_int_not_equal(db_exec(db, "DELETE FROM audit_anchor"), 0);
    log_set_level(LOG_INFO);
    /* pruning again at the same date removes nothing */
    assert_int_equal(audit_prune(db, T0 - 14 * DAY, &removed), 0);
    assert_int_equal(removed, 0);
    /* a changed anchor hash is found at the first entry after it */
    tamper("DROP TRIGGER audit_anchor_forward; UPDATE audit_anchor SET hash = zeroblob(32)",
           scalar("SELECT min(id) FROM audit_log"));
    assert_intact();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_are_sealed),
        cmocka_unit_test(test_tampering_is_found),
        cmocka_unit_test(test_guards_refuse_edits),
        cmocka_unit_test(test_erasure_keeps_the_chain),
        cmocka_unit_test(test_unsealed_rows_are_sealed_by_the_next_write),
        cmocka_unit_test(test_retention_anchors_the_chain),
    };
    return cmocka_run_group_tests_name("audit", tests, setup, teardown);
}
