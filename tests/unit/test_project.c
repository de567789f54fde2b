/* test_project.c: booking/project.c on a demo database with a fixed clock:
 * field checks, the states (approve only pending, close once, a closed
 * project is nobody's default), the checks a booking's project must pass
 * (company, state, validity on site-local dates at both ends, purchase
 * order), the default, and the budget notice sent once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "booking/demo.h"
#include "booking/project.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "db/db.h"
#include "tests/lib/tmpdb.h"

static char g_path[64];
static db_t *db;
static int64_t t_nova, t_bio, p_bram;
static const actor_t SYS = { 0, "project-test" };

static int64_t scalar(const char *sql, int64_t arg)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, arg);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int setup(void **st)
{
    (void)st;
    if (lt_set_zone("Europe/Amsterdam") != 0 || tdb_make(g_path, sizeof g_path, "project") != 0) return -1;
    clk_set_fixed(lt_from_local(2026, 10, 1, 9, 0, 0));
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    p_bram = scalar("SELECT id FROM people WHERE email = 'lab@novacell.example' AND ?1 = ?1", 0);
    t_nova = scalar("SELECT tenant_id FROM memberships WHERE person_id = ?1", p_bram);
    t_bio = scalar("SELECT tenant_id FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.email = "
                   "'lab@biosense.example' AND ?1 = ?1", 0);
    return p_bram && t_nova && t_bio ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    db_close(db);
    tdb_remove(g_path);
    return 0;
}

static prj_project make(int64_t tenant, const char *code, const char *po, const char *from, const char *until)
{
    prj_project p = { .tenant_id = tenant, .budget_cents = 100000 };
    snprintf(p.code, sizeof p.code, "%s", code);
    snprintf(p.name, sizeof p.name, "Project %s", code);
    snprintf(p.po_number, sizeof p.po_number, "%s", po);
    snprintf(p.valid_from, sizeof p.valid_from, "%s", from);
    snprintf(p.valid_until, sizeof p.valid_until, "%s", until);
    return p;
}

static void test_fields(void **st)
{
    (void)st;
    lp_fail f = { 0 };
    prj_project p = make(t_nova, "U-1", "", "", "");
    assert_int_equal(prj_validate(&p, &f), 0);
    p.code[0] = '\0';
    assert_int_equal(prj_validate(&p, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "code");
    p = make(t_nova, "U-1", "PO\x01", "", "");
    assert_int_equal(prj_validate(&p, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "po_number");
    p = make(t_nova, "U-1", "", "2026-02-29", "");
    assert_int_equal(prj_validate(&p, &f), LP_ERR_INVALID);
    p = make(t_nova, "U-1", "", "2028-02-29", "2028-02-28");
    assert_int_equal(prj_validate(&p, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "valid_until");
    p = make(t_nova, "U-1", "", "", "");
    p.budget_cents = PRJ_BUDGET_MAX + 1;
    assert_int_equal(prj_validate(&p, &f), LP_ERR_INVALID);
    p.budget_cents = PRJ_BUDGET_MAX;
    assert_int_equal(prj_validate(&p, &f), 0);
}

static void test_states_and_default(void **st)
{
    (void)st;
    lp_fail f = { 0 };
    prj_project p = make(t_nova, "U-2", "", "", ""), q = make(t_nova, "U-2", "", "", "");
    assert_int_equal(prj_create(db, &SYS, &p, true, &f), 0);
    assert_int_equal(p.state, PRJ_PENDING);
    assert_int_equal(prj_create(db, &SYS, &q, false, &f), LP_ERR_CONFLICT);   /* the same code */
    assert_int_equal(prj_default_set(db, &SYS, p_bram, p.id, &f), LP_ERR_RULE);
    assert_string_equal(f.field, "project_pending");
    assert_int_equal(prj_approve(db, &SYS, p.id, &f), 0);
    assert_int_equal(prj_approve(db, &SYS, p.id, &f), LP_ERR_STATE);
    assert_int_equal(prj_default_set(db, &SYS, p_bram, p.id, &f), 0);
    int64_t d = 0;
    assert_int_equal(prj_default_get(db, p_bram, &d), 0);
    assert_int_equal(d, p.id);
    assert_int_equal(prj_close(db, &SYS, p.id, &f), 0);
    assert_int_equal(prj_close(db, &SYS, p.id, &f), LP_ERR_STATE);
    assert_int_equal(prj_default_get(db, p_bram, &d), 0);
    assert_int_equal(d, 0);                                               /* closed: nobody's default */
    assert_int_equal(prj_update(db, &SYS, &p, &f), LP_ERR_STATE);
    assert_int_equal(scalar("SELECT count(*) FROM audit_log WHERE object_type = 'project' AND object_id = ?1", p.id), 3);
}

static void test_booking_checks(void **st)
{
    (void)st;
    lp_fail f = { 0 };
    prj_project p = make(t_nova, "U-3", "", "2026-10-05", "2026-10-09"), other = make(t_bio, "U-3", "PO-1", "", "");
    assert_int_equal(prj_create(db, &SYS, &p, false, &f), 0);
    assert_int_equal(prj_create(db, &SYS, &other, false, &f), 0);
    /* both ends of the validity count, in the site's dates */
    assert_int_equal(prj_check_booking(db, t_nova, p.id, lt_from_local(2026, 10, 5, 0, 0, 0), &f), 0);
    assert_int_equal(prj_check_booking(db, t_nova, p.id, lt_from_local(2026, 10, 9, 23, 45, 0), &f), 0);
    assert_int_equal(prj_check_booking(db, t_nova, p.id, lt_from_local(2026, 10, 4, 23, 45, 0), &f), LP_ERR_RULE);
    assert_string_equal(f.field, "project_validity");
    assert_int_equal(prj_check_booking(db, t_nova, p.id, lt_from_local(2026, 10, 10, 0, 0, 0), &f), LP_ERR_RULE);
    assert_int_equal(prj_check_booking(db, t_nova, other.id, lt_from_local(2026, 10, 6, 9, 0, 0), &f), LP_ERR_NOTFOUND);
    assert_string_equal(f.field, "project_id");
    /* the company requires purchase orders */
    prj_settings s = { .require_po = true };
    assert_int_equal(prj_settings_set(db, &SYS, t_nova, &s, &f), 0);
    assert_int_equal(prj_check_booking(db, t_nova, p.id, lt_from_local(2026, 10, 6, 9, 0, 0), &f), LP_ERR_RULE);
    assert_string_equal(f.field, "project_po_required");
    assert_int_equal(prj_check_booking(db, t_nova, 0, lt_from_local(2026, 10, 6, 9, 0, 0), &f), LP_ERR_RULE);
    assert_string_equal(f.field, "project_required");
    /* the default fills in when none is asked for */
    int64_t chosen = 0;
    assert_int_equal(prj_default_set(db, &SYS, p_bram, p.id, &f), 0);
    assert_int_equal(prj_for_booking(db, t_nova, p_bram, lt_from_local(2026, 10, 6, 9, 0, 0), &chosen, &f), LP_ERR_RULE);
    assert_int_equal(chosen, p.id);
    s.require_po = false;
    assert_int_equal(prj_settings_set(db, &SYS, t_nova, &s, &f), 0);
    chosen = 0;
    assert_int_equal(prj_for_booking(db, t_nova, p_bram, lt_from_local(2026, 10, 6, 9, 0, 0), &chosen, &f), 0);
    assert_int_equal(chosen, p.id);
}

static void test_budget_notice_once(void **st)
{
    (void)st;
    lp_fail f = { 0 };
    prj_project p = make(t_nova, "U-4", "", "", "");
    assert_int_equal(prj_create(db, &SYS, &p, false, &f), 0);
    int64_t before = scalar("SELECT count(*) FROM outbox WHERE kind = 'project_budget' AND ?1 = ?1", 0);
    assert_int_equal(prj_budget_warn(db, &SYS, p.id, 85), 0);
    int64_t after = scalar("SELECT count(*) FROM outbox WHERE kind = 'project_budget' AND ?1 = ?1", 0);
    assert_true(after >= before + 2);   /* staff and NovaCell's admin */
    assert_int_equal(prj_budget_warn(db, &SYS, p.id, 95), 0);
    assert_int_equal(scalar("SELECT count(*) FROM outbox WHERE kind = 'project_budget' AND ?1 = ?1", 0), after);
    /* a new budget allows a new notice */
    assert_int_equal(prj_get(db, p.id, &p), 0);
    p.budget_cents = 200000;
    assert_int_equal(prj_update(db, &SYS, &p, &f), 0);
    assert_int_equal(prj_budget_warn(db, &SYS, p.id, 81), 0);
    assert_true(scalar("SELECT count(*) FROM outbox WHERE kind = 'project_budget' AND ?1 = ?1", 0) > after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_states_and_default),
        cmocka_unit_test(test_booking_checks),
        cmocka_unit_test(test_budget_notice_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
