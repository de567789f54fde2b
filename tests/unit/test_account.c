/* test_account.c: sign-in and the per-thread credential cache: a change
 * committed through any connection of this process applies to the very next
 * authentication; a change by another process within ACCT_CACHE_TTL. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "booking/account.h"
#include "booking/person.h"
#include "core/clock.h"
#include "tests/lib/tmpdb.h"

static char path[64];
static db_t *db, *other;
static int64_t pid;

static int setup(void **st)
{
    if (sodium_init() < 0) return -1;
    if (tdb_make(path, sizeof path, "account") != 0) return -1;
    if (db_open(path, &db) != 0 || db_open(path, &other) != 0) return -1;
    clk_set_fixed(1800000000);
    psn_person p = { 0 };
    lp_fail f;
    snprintf(p.email, sizeof p.email, "ada@example.org");
    snprintf(p.name, sizeof p.name, "Ada");
    actor_t who = { 0, "test" };
    if (psn_create(db, &who, &p, "a-long-password", &f) != 0) return -1;
    pid = p.id;
    return 0;
}

static int teardown(void **st)
{
    db_close(db);
    db_close(other);
    tdb_remove(path);
    clk_set_fixed(-1);
    return 0;
}

static void login(char tok[ACCT_TOKEN_LEN])
{
    acct_policy pol;
    int64_t exp, who, retry;
    acct_policy_default(&pol);
    assert_int_equal(acct_login(db, &pol, "ADA@example.org", "a-long-password", "127.0.0.1", tok, &exp, &who, &retry), 0);
    assert_int_equal(who, pid);
}

static void test_profile_and_wrong_password(void **st)
{
    char tok[ACCT_TOKEN_LEN];
    acct_caller c;
    acct_policy pol;
    int64_t exp, who, retry;
    acct_policy_default(&pol);
    assert_int_equal(acct_login(db, &pol, "ada@example.org", "wrong-password", "127.0.0.1", tok, &exp, &who, &retry),
                     LP_ERR_UNAUTH);
    login(tok);
    assert_int_equal(acct_authenticate(db, tok, &c), 0);
    assert_int_equal(c.person_id, pid);
    assert_string_equal(c.profile.email, "ada@example.org");
    assert_string_equal(c.profile.name, "Ada");
    assert_int_equal(c.profile.has_password, 1);
    tok[10] ^= 1;
    assert_int_equal(acct_authenticate(db, tok, &c), LP_ERR_UNAUTH);
}

static void test_cache_follows_commits_in_this_process(void **st)
{
    char tok[ACCT_TOKEN_LEN];
    acct_caller c;
    login(tok);
    assert_int_equal(acct_authenticate(db, tok, &c), 0);   /* cached now */
    /* logout through the other connection of this process */
    assert_int_equal(acct_logout(other, c.session_id), 0);
    assert_int_equal(acct_authenticate(db, tok, &c), LP_ERR_UNAUTH);
}

static void test_cache_ttl_for_other_processes(void **st)
{
    char tok[ACCT_TOKEN_LEN];
    acct_caller c;
    sqlite3 *raw;
    login(tok);
    assert_int_equal(acct_authenticate(db, tok, &c), 0);
    /* a plain connection stands for another process (no commit notification) */
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 5000);
    assert_int_equal(sqlite3_exec(raw, "UPDATE sessions SET revoked_at = 1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(acct_authenticate(db, tok, &c), 0);   /* still within the TTL */
    clk_set_fixed(clk_now() + ACCT_CACHE_TTL);
    assert_int_equal(acct_authenticate(db, tok, &c), LP_ERR_UNAUTH);
}

static void test_session_expiry_is_not_extended(void **st)
{
    char tok[ACCT_TOKEN_LEN];
    acct_caller c;
    login(tok);
    assert_int_equal(acct_authenticate(db, tok, &c), 0);
    clk_set_fixed(c.expires_at);
    assert_int_equal(acct_authenticate(db, tok, &c), LP_ERR_UNAUTH);
}

static void test_staff_key_needs_a_staff_owner(void **st)
{
    psn_person p = { 0 };
    lp_fail f;
    actor_t who = { 0, "test" };
    char key[160];
    int64_t kid;
    acct_caller c;
    snprintf(p.email, sizeof p.email, "ops@example.org");
    snprintf(p.name, sizeof p.name, "Ops");
    p.is_staff = 1;
    assert_int_equal(psn_create(db, &who, &p, NULL, &f), 0);
    assert_int_equal(acct_apikey_create(db, &who, "monitoring", "staff", p.id, 0, key, sizeof key, &kid), 0);
    assert_int_equal(acct_authenticate(db, key, &c), 0);
    assert_int_equal(c.role, ROLE_STAFF);
    /* demoted behind the API's back: the key stops working */
    p.is_staff = 0;
    assert_int_equal(psn_update(other, &who, &p, &f), 0);
    assert_int_equal(acct_authenticate(db, key, &c), LP_ERR_UNAUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_and_wrong_password),
        cmocka_unit_test(test_cache_follows_commits_in_this_process),
        cmocka_unit_test(test_cache_ttl_for_other_processes),
        cmocka_unit_test(test_session_expiry_is_not_extended),
        cmocka_unit_test(test_staff_key_needs_a_staff_owner),
    };
    return cmocka_run_group_tests_name("account", tests, setup, teardown);
}
