/* test_erasure.c: erasing a person with a year of history (privacy/erase.h).
 * Bram Visser of NovaCell books the meeting room every other week from March 2025
 * to February 2026, checks in and out, taps the door with a holder key,
 * has his name changed once and an adjustment worded with his name; every
 * month's invoice is issued. Erased on Monday 2 March 2026: afterwards his
 * name and address appear in no column of any table (field by field),
 * bookings, door events and charges still point at the same id, his passes
 * are revoked onto the denylist and his keys too, he cannot sign in, the
 * audit chain verifies, and every invoice is still valid UBL (the e-invoice
 * validator, skipped loudly without it). A wrong confirmation, a second
 * erasure and erasing oneself are refused and change nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "access/issuer/issuer.h"
#include "billing/billing.h"
#include "booking/training.h"
#include "booking/account.h"
#include "booking/audit_seal.h"
#include "booking/demo.h"
#include "booking/person.h"
#include "booking/rsv.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
#include "privacy/erase.h"
#include "privacy/export.h"
#include "tests/lib/einvoice_check.h"
#include "tests/lib/faults.h"
#include "tests/lib/tmpdb.h"

#define DAY 86400LL
#define OLD_NAME "Bram Visser"
#define NEW_NAME "Bram Visser-de Jong"
#define EMAIL "lab@novacell.example"

static char g_path[64];
static db_t *db;
static int64_t T0, p_bram, p_staff, t_nova, r_room, d_office;
static const actor_t SYS = { 0, "erasure-test" };
static char *g_ubl_before[32];          /* each issued invoice's UBL before the erasure */
static size_t g_ninv;

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

/* One week of Bram's: a booking on Tuesday 10:00-11:00, checked in at the
 * door and out again. */
static void week(int64_t monday, int i, int64_t cred)
{
    lp_fail f = { 0 };
    rsv_reservation r;
    clk_set_fixed(monday + 8 * 3600);
    rsv_request rq = { r_room, p_bram, t_nova, monday + DAY + 10 * 3600, monday + DAY + 11 * 3600, "Team sync", 0, 0 };
    if (rsv_create(db, &SYS, &rq, &r, &f) != 0) fail_msg("week %d: %s", i, f.detail);
    iss_pass *passes = NULL;
    size_t n = 0;
    clk_set_fixed(rq.start - 600);
    assert_int_equal(iss_passes_for_person(db, p_bram, clk_now(), &passes, &n), 0);
    free(passes);
    iss_event ev[2];
    iss_ack acks[2];
    memset(ev, 0, sizeof ev);
    for (int k = 0; k < 2; k++) {
        snprintf(ev[k].id, sizeof ev[k].id, "w%d-%d", i, k);
        ev[k].at = k ? rq.end - 60 : rq.start - 300;
        snprintf(ev[k].kind, sizeof ev[k].kind, "%s", k ? "exit" : "admission");
        ev[k].reservation_id = r.id;
        ev[k].person_id = p_bram;
        ev[k].queue_length = -1;
    }
    clk_set_fixed(rq.end);
    assert_int_equal(iss_events_ingest(db, d_office, ev, 2, -1, rq.end, acks), 0);
    (void)cred;
}

/* Issues the invoices of the month before `at`. */
static void invoice_month(int64_t at)
{
    struct tm tm;
    char period[32];
    lt_local(at - DAY, &tm);
    snprintf(period, sizeof period, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    clk_set_fixed(at);
    bill_run_opts o = { .draft = false, .tenant_id = t_nova };
    bill_run_result res;
    lp_fail f = { 0 };
    if (bill_run(db, &SYS, period, &o, &res, &f) != 0) fail_msg("run %s: %s", period, f.detail);
    bill_run_result_free(&res);
}

static int setup(void **st)
{
    uint8_t master[ISS_MASTER_LEN];
    lp_fail f = { 0 };
    if (sodium_init() < 0 || lt_set_zone("Europe/Amsterdam") != 0) return -1;
    if (tdb_make(g_path, sizeof g_path, "erasure") != 0) return -1;
    randombytes_buf(master, sizeof master);
    iss_master_set(master);
    iss_hooks_register();
    T0 = lt_from_local(2026, 3, 2, 9, 0, 0);
    int64_t start = lt_from_local(2025, 3, 3, 0, 0, 0);   /* a Monday */
    clk_set_fixed(start);
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    assert_int_equal(iss_key_ensure(db, &SYS, start), 0);
    p_bram = scalar("SELECT id FROM people WHERE email = '" EMAIL "' AND ?1 = ?1", 0);
    p_staff = scalar("SELECT id FROM people WHERE email = 'staff@medtechfactory.example' AND ?1 = ?1", 0);
    t_nova = scalar("SELECT tenant_id FROM memberships WHERE person_id = ?1", p_bram);
    r_room = scalar("SELECT id FROM resources WHERE name = 'Meeting room Pasteur' AND ?1 = ?1", 0);
    d_office = scalar("SELECT id FROM doors WHERE name = 'office-main' AND ?1 = ?1", 0);
    assert_true(p_bram && p_staff && t_nova && r_room && d_office);
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    iss_credential cred;
    assert_int_equal(iss_cred_add(db, &SYS, p_bram, "phone", "Bram's phone", pk, start, &cred, &f), 0);
    int month = -1;
    for (int i = 0; i < 26; i++) {
        int64_t monday = lt_from_local(2025, 3, 3 + 14 * i, 0, 0, 0);
        struct tm tm;
        lt_local(monday + 12 * 3600, &tm);
        if (month >= 0 && tm.tm_mon != month) invoice_month(lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, 1, 6, 0, 0));
        month = tm.tm_mon;
        week(monday, i, cred.id);
        if (i == 10) {   /* he marries: his name changes once */
            psn_person p;
            assert_int_equal(psn_get(db, p_bram, &p), 0);
            snprintf(p.name, sizeof p.name, NEW_NAME);
            assert_int_equal(psn_update(db, &SYS, &p, &f), 0);
        }
    }
    invoice_month(lt_from_local(2026, 3, 1, 6, 0, 0));
    /* an adjustment worded with his name, not invoiced yet */
    clk_set_fixed(T0 - 3600);
    bill_charge c = { .tenant_id = t_nova, .net_cents = 1500, .person_id = p_bram };
    snprintf(c.description, sizeof c.description, "Extra cleaning after " NEW_NAME "'s spill");
    snprintf(c.reason, sizeof c.reason, "asked by " NEW_NAME);
    assert_int_equal(bill_adjust(db, &SYS, &c, &f), 0);
    /* next week's booking and its pass, live at the erasure */
    clk_set_fixed(T0);
    rsv_reservation nr;
    rsv_request rq = { r_room, p_bram, t_nova, T0 + DAY + 3600, T0 + DAY + 7200, "Team sync", 0, 0 };
    assert_int_equal(rsv_create(db, &SYS, &rq, &nr, &f), 0);
    iss_pass *passes = NULL;
    size_t n = 0;
    assert_int_equal(iss_passes_for_person(db, p_bram, T0, &passes, &n), 0);
    assert_true(n >= 1);
    free(passes);
    /* the invoices as they are before the erasure */
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT id FROM invoices WHERE status = 'issued' ORDER BY id", -1,
                                        &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW && g_ninv < 32) {
        size_t len = 0;
        assert_int_equal(bill_export_ubl(db, sqlite3_column_int64(q, 0), &g_ubl_before[g_ninv++], &len), 0);
    }
    sqlite3_finalize(q);
    return 0;
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(g_path);
    iss_master_clear();
    for (size_t i = 0; i < g_ninv; i++) free(g_ubl_before[i]);
    clk_set_fixed(-1);
    return 0;
}

/* Every text column of every table holding needle (case-insensitive), as
 * "table.column" lines into out; the count. */
static int find_everywhere(const char *needle, char *out, size_t cap)
{
    sqlite3 *h = db_handle(db);
    sqlite3_stmt *tables = NULL;
    int hits = 0;
    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                                        -1, &tables, NULL), SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[300];
        const char *t = (const char *)sqlite3_column_text(tables, 0);
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
        sqlite3_stmt *rows = NULL;
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                if (sqlite3_column_type(rows, c) != SQLITE_TEXT && sqlite3_column_type(rows, c) != SQLITE_BLOB) continue;
                const char *v = (const char *)sqlite3_column_text(rows, c);
                if (v && strcasestr(v, needle)) {
                    hits++;
                    size_t used = strlen(out);
                    snprintf(out + used, cap - used, "%s.%s ", t, sqlite3_column_name(rows, c));
                }
            }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    return hits;
}

static void test_refusals_change_nothing(void **st)
{
    prv_erase_report r;
    lp_fail f = { 0 };
    actor_t staff = { p_staff, "person:staff" };
    uint64_t before = flt_hash(db_handle(db), NULL);
    assert_int_equal(prv_erase(db, &staff, p_bram, "someone@else.example", T0, &r, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "confirm_email");
    assert_int_equal(prv_erase(db, &staff, p_bram, NULL, T0, &r, &f), LP_ERR_INVALID);
    assert_int_equal(prv_erase(db, &staff, 99999999, EMAIL, T0, &r, &f), LP_ERR_NOTFOUND);
    assert_int_equal(prv_erase(db, &staff, p_staff, "staff@medtechfactory.example", T0, &r, &f), LP_ERR_RULE);
    assert_true(flt_hash(db_handle(db), NULL) == before);
}

static void test_a_year_of_history_erased(void **st)
{
    char where[4000];
    /* the history is there: bookings, door events, passes, invoices, audit */
    assert_true(scalar("SELECT count(*) FROM reservations WHERE person_id = ?1", p_bram) >= 26);
    assert_true(scalar("SELECT count(*) FROM door_events WHERE person_id = ?1", p_bram) >= 50);
    assert_true(scalar("SELECT count(*) FROM passes WHERE person_id = ?1", p_bram) >= 25);
    assert_true(scalar("SELECT count(*) FROM invoices WHERE status = 'issued' AND tenant_id = ?1", t_nova) >= 11);
    assert_true(find_everywhere(OLD_NAME, where, sizeof where) > 0);
    assert_true(find_everywhere(EMAIL, where, sizeof where) > 0);
    int64_t rsv = scalar("SELECT count(*) FROM reservations WHERE person_id = ?1", p_bram);
    int64_t events = scalar("SELECT count(*) FROM door_events WHERE person_id = ?1", p_bram);
    int64_t charges = scalar("SELECT count(*) FROM charges WHERE person_id = ?1", p_bram);

    prv_erase_report r;
    lp_fail f = { 0 };
    actor_t staff = { p_staff, "person:staff" };
    /* he asked for two trainings, with his phone number in a note; staff declined one */
    trq_request tr;
    bool made = false;
    int64_t q1 = scalar("SELECT min(id) FROM qualifications WHERE ?1 = ?1", 0);
    int64_t q2 = scalar("SELECT max(id) FROM qualifications WHERE ?1 = ?1", 0);
    assert_int_equal(trq_open(db, &SYS, p_bram, q1, "call me on 06-12345678", &tr, &made, &f), 0);
    assert_int_equal(trq_open(db, &SYS, p_bram, q2, "06-12345678 after five", &tr, &made, &f), 0);
    assert_int_equal(trq_close(db, &staff, tr.id, "declined", &f), 0);
    log_set_level(LOG_WARN);
    assert_int_equal(prv_erase(db, &staff, p_bram, "LAB@novacell.example", T0, &r, &f), 0);
    log_set_level(LOG_INFO);
    assert_int_equal(strncmp(r.pseudonym, "Erased person ", 14), 0);
    assert_true(r.passes_revoked > 0);
    assert_true(r.audit_entries > 0);
    assert_int_equal(r.charges, 1);

    /* field by field: neither name nor the address is left anywhere */
    static const char *const GONE[] = { OLD_NAME, NEW_NAME, EMAIL, "Bram's phone", "Team sync", "06-12345678" };
    for (size_t i = 0; i < sizeof GONE / sizeof GONE[0]; i++)
        if (find_everywhere(GONE[i], where, sizeof where)) fail_msg("'%s' is still in %s", GONE[i], where);
    /* the books stay whole: the same rows point at the same id */
    assert_int_equal(scalar("SELECT count(*) FROM reservations WHERE person_id = ?1", p_bram), rsv);
    assert_int_equal(scalar("SELECT count(*) FROM door_events WHERE person_id = ?1", p_bram), events);
    assert_int_equal(scalar("SELECT count(*) FROM charges WHERE person_id = ?1", p_bram), charges);
    /* no way in: passes revoked onto the denylist, keys revoked, no password, no company */
    assert_int_equal(scalar("SELECT count(*) FROM passes WHERE person_id = ?1 AND revoked_at IS NULL", p_bram), 0);
    assert_int_equal(scalar("SELECT count(*) FROM passes p WHERE person_id = ?1 AND exp > 1772438400 AND NOT EXISTS "
                            "(SELECT 1 FROM pass_denylist d WHERE d.cti = p.cti)", p_bram), 0);
    assert_int_equal(scalar("SELECT count(*) FROM credentials WHERE person_id = ?1 AND revoked_at IS NULL", p_bram), 0);
    assert_int_equal(scalar("SELECT count(*) FROM people WHERE id = ?1 AND status = 'disabled' AND password_hash IS NULL",
                            p_bram), 1);
    assert_int_equal(scalar("SELECT count(*) FROM memberships WHERE person_id = ?1", p_bram), 0);
    assert_int_equal(scalar("SELECT count(*) FROM sessions WHERE person_id = ?1 AND revoked_at IS NULL", p_bram), 0);
    /* the chain verifies, with the rewritten entries marked */
    audit_report ar;
    assert_int_equal(audit_verify(db, &ar), 0);
    if (ar.bad_id) fail_msg("audit entry %lld: %s", (long long)ar.bad_id, ar.why);
    assert_true(ar.erased > 0);
    assert_int_equal(scalar("SELECT count(*) FROM audit_log WHERE action = 'erase' AND object_id = ?1", p_bram), 1);
    /* his export now shows the pseudonym */
    char *doc = NULL;
    assert_int_equal(prv_export(db, p_bram, T0, &doc), 0);
    assert_non_null(strstr(doc, r.pseudonym));
    assert_null(strcasestr(doc, "Visser"));
    free(doc);
    /* erased already */
    char pseudo_mail[80];
    snprintf(pseudo_mail, sizeof pseudo_mail, "erased-%lld@erased.invalid", (long long)p_bram);
    assert_int_equal(prv_erase(db, &staff, p_bram, pseudo_mail, T0, &r, &f), LP_ERR_STATE);
}

/* Every invoice of the year is byte for byte what it was, and valid UBL (the
 * validator runs in the plain build; under the sanitizers the same bytes are
 * compared only, the validator's JVM costing half a minute a run). */
static void test_invoices_still_validate(void **st)
{
    char *files[32];
    size_t n = 0;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT id FROM invoices WHERE status = 'issued' ORDER BY id", -1,
                                        &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW && n < 32) {
        char *xml = NULL;
        size_t len = 0;
        assert_int_equal(bill_export_ubl(db, sqlite3_column_int64(q, 0), &xml, &len), 0);
        assert_true(n < g_ninv);
        if (strcmp(xml, g_ubl_before[n]) != 0) fail_msg("invoice %zu changed with the erasure", n);
        files[n] = malloc(80);
        snprintf(files[n], 80, "%s-inv%zu.xml", g_path, n);
        assert_int_equal(ev_spill(files[n], xml, len), 0);
        free(xml);
        n++;
    }
    sqlite3_finalize(q);
    assert_true(n >= 11);
    assert_int_equal(n, g_ninv);
#if defined(__SANITIZE_ADDRESS__)
    for (size_t i = 0; i < n; i++) { remove(files[i]); free(files[i]); }
    return;
#endif
    char why[400];
    int vrc = ev_validate(files, n, why, sizeof why);
    for (size_t i = 0; i < n; i++) { remove(files[i]); free(files[i]); }
    if (vrc == EV_SKIP) skip();
    if (vrc != 0) fail_msg("%s", why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_change_nothing),
        cmocka_unit_test(test_a_year_of_history_erased),
        cmocka_unit_test(test_invoices_still_validate),
    };
    return cmocka_run_group_tests_name("erasure", tests, setup, teardown);
}
