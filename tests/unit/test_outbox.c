/* test_outbox.c: the outbox's delivery state (booking/outbox). A failed
 * attempt keeps the message pending and moves its next attempt back by
 * 1 minute doubling to at most 6 hours; the tenth attempt, or a refusal,
 * fails it; a failed or sent message is never handed out again; the
 * listing shows state, attempts, last_error and the next attempt. Runs on
 * the fixed clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "booking/outbox.h"
#include "core/clock.h"
#include "tests/lib/tmpdb.h"

#define T0 1806075000

static char g_path[128];
static db_t *db;

static int setup(void **st)
{
    clk_set_fixed(T0);
    if (tdb_make(g_path, sizeof g_path, "outbox") != 0 || db_open(g_path, &db) != 0) return -1;
    return sqlite3_exec(db_handle(db), "INSERT INTO people(email, name, created_at, updated_at) VALUES "
                        "('a@x.example', 'A', 0, 0), ('b@x.example', 'B', 0, 0)", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(g_path);
    return 0;
}

/* The ids of the messages due at now. */
static size_t due(int64_t now, int64_t ids[8])
{
    obx_msg *m = NULL;
    size_t n = 0;
    assert_int_equal(obx_pending(db, now, 8, &m, &n), 0);
    for (size_t i = 0; i < n; i++) ids[i] = m[i].id;
    free(m);
    return n;
}

static obx_entry entry(int64_t id)
{
    obx_entry *e = NULL, out;
    size_t n = 0;
    assert_int_equal(obx_list(db, id + 1, 1, &e, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].id, id);
    out = e[0];
    free(e);
    return out;
}

static void test_backoff_until_failed(void **st)
{
    int64_t ids[8], now = T0;
    assert_int_equal(obx_to_person(db, MT_RSV_APPROVED, 1, &(mt_args){ .resource = "Room" }), 0);
    assert_int_equal(due(now, ids), 1);
    int64_t id = ids[0];
    obx_entry e = entry(id);
    assert_int_equal(e.state, OBX_PENDING);
    assert_int_equal(e.next_attempt_at, T0);
    int capped = 0;
    for (int k = 1; k < OBX_MAX_ATTEMPTS; k++) {
        clk_set_fixed(now);
        assert_int_equal(obx_mark(db, id, OBX_TRY_LATER, "451 later"), 0);
        e = entry(id);
        assert_int_equal(e.state, OBX_PENDING);
        assert_int_equal(e.attempts, k);
        assert_string_equal(e.last_error, "451 later");
        int64_t w = (int64_t)60 << (k - 1);   /* 1, 2, 4, ... minutes */
        if (w > 6 * 3600) { w = 6 * 3600; capped++; }
        assert_int_equal(e.next_attempt_at, now + w);
        assert_int_equal(due(now + w - 1, ids), 0);   /* not before its time */
        now += w;
        assert_int_equal(due(now, ids), 1);
    }
    assert_true(capped >= 1);   /* the attempts reach the 6 hour cap before they run out */
    assert_true(now - T0 > 86400);
    clk_set_fixed(now);
    assert_int_equal(obx_mark(db, id, OBX_TRY_LATER, "451 still later"), 0);   /* the tenth */
    e = entry(id);
    assert_int_equal(e.state, OBX_FAILED);
    assert_int_equal(e.attempts, OBX_MAX_ATTEMPTS);
    assert_int_equal(e.next_attempt_at, 0);
    assert_int_equal(e.sent_at, 0);
    assert_int_equal(due(now + 365 * 86400, ids), 0);
    /* a late mark of a message no longer pending changes nothing */
    assert_int_equal(obx_mark(db, id, OBX_DELIVERED, NULL), 0);
    assert_int_equal(entry(id).state, OBX_FAILED);
}

static void test_refused_and_delivered(void **st)
{
    int64_t ids[8];
    clk_set_fixed(T0);
    assert_int_equal(obx_to_person(db, MT_RSV_APPROVED, 1, &(mt_args){ .resource = "Room" }), 0);
    assert_int_equal(obx_to_person(db, MT_RSV_APPROVED, 2, &(mt_args){ .resource = "Room" }), 0);
    assert_int_equal(due(T0, ids), 2);
    int64_t a = ids[0], b = ids[1];
    clk_set_fixed(T0 + 5);
    assert_int_equal(obx_mark(db, a, OBX_REFUSED, "550 no such user"), 0);
    assert_int_equal(obx_mark(db, b, OBX_TRY_LATER, "connect failed"), 0);
    clk_set_fixed(T0 + 65);
    assert_int_equal(obx_mark(db, b, OBX_DELIVERED, NULL), 0);
    obx_entry ea = entry(a), eb = entry(b);
    assert_int_equal(ea.state, OBX_FAILED);
    assert_int_equal(ea.attempts, 1);
    assert_string_equal(ea.last_error, "550 no such user");
    assert_int_equal(eb.state, OBX_SENT);
    assert_int_equal(eb.attempts, 2);
    assert_int_equal(eb.sent_at, T0 + 65);
    assert_string_equal(eb.last_error, "");
    assert_int_equal(due(T0 + 86400, ids), 0);
    assert_string_equal(obx_state_name(OBX_PENDING), "pending");
    assert_string_equal(obx_state_name(OBX_SENT), "sent");
    assert_string_equal(obx_state_name(OBX_FAILED), "failed");
    enum obx_state s;
    assert_int_equal(obx_state_parse("lost", &s), LP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_until_failed),
        cmocka_unit_test(test_refused_and_delivered),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
