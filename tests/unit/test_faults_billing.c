/* test_faults_billing.c: the main reads and writes of billing/ under a
 * failing database. For each operation and each of SQLITE_BUSY, SQLITE_FULL
 * and SQLITE_IOERR, the k-th step from the call fails (k = 1, 2, ...) until
 * the call makes fewer than k steps (then it must have succeeded). A call
 * whose step failed must return the error (LP_ERR_BUSY for busy, otherwise
 * an error that is not LP_ERR_NOTFOUND) and, for a write, leave every table
 * as it was (a hash of the whole database): no charge, line, payment or
 * invoice number is left behind, so the series stay gapless (checked at the
 * end). Runs on the demo data plus a tenant with settled October bookings,
 * at a fixed date (2 November 2026, Europe/Amsterdam). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "billing/bill_int.h"
#include "billing/billing.h"
#include "booking/demo.h"
#include "booking/person.h"
#include "booking/resource.h"
#include "booking/rsv.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
#include "tests/lib/faults.h"
#include "tests/lib/tmpdb.h"

static char g_path[64];
static db_t *db;
static int64_t g_tenant, g_person, g_res, g_plan, g_invoice, g_charge;
static int g_seq;
static const actor_t WHO = { 0, "fault-test" };

static int64_t T(int y, int m, int d, int h, int mi) { return lt_from_local(y, m, d, h, mi, 0); }

/* ---- a hash of every row of every table ---- */

static int64_t count_rows(const char *sql, int64_t arg)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_bind_parameter_count(st) > 0) sqlite3_bind_int64(st, 1, arg);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- fixtures ---- */

static int64_t new_tenant(void)
{
    tnt_tenant t = { 0 };
    lp_fail f = { 0 };
    snprintf(t.name, sizeof t.name, "Fault Lab %d B.V.", ++g_seq);
    snprintf(t.kvk_number, sizeof t.kvk_number, "11223344");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    snprintf(t.street, sizeof t.street, "Labweg 2");
    snprintf(t.postal_code, sizeof t.postal_code, "7522 NB");
    snprintf(t.city, sizeof t.city, "Enschede");
    int rc = tnt_create(db, &WHO, &t, &f);
    if (rc) fail_msg("tenant: %s %s", lp_err_name(rc), f.detail);
    return t.id;
}

/* A final October charge of tenant, so a run of 2026-10 invoices it. */
static int64_t october_charge(int64_t tenant, int64_t cents)
{
    bill_charge c = { .tenant_id = tenant, .net_cents = cents, .at = T(2026, 10, 20, 12, 0) };
    lp_fail f = { 0 };
    snprintf(c.description, sizeof c.description, "Consumables");
    snprintf(c.reason, sizeof c.reason, "counted by the lab manager");
    int rc = bill_adjust(db, &WHO, &c, &f);
    if (rc) fail_msg("adjust: %s %s", lp_err_name(rc), f.detail);
    return c.id;
}

/* A new tenant with one October charge, and its invoice of 2026-10. */
static int64_t new_invoice(bool draft)
{
    int64_t tenant = new_tenant();
    october_charge(tenant, 50000);
    bill_run_opts o = { .draft = draft, .tenant_id = tenant };
    bill_run_result res;
    lp_fail f = { 0 };
    int rc = bill_run(db, &WHO, "2026-10", &o, &res, &f);
    if (rc || res.ncreated != 1) fail_msg("run: %s %s", lp_err_name(rc), f.detail);
    int64_t id = res.created[0];
    bill_run_result_free(&res);
    return id;
}

static int64_t book(int64_t start, int64_t end)
{
    rsv_request rq = { g_res, g_person, g_tenant, start, end, "fault test", 0, 0 };
    rsv_reservation r;
    lp_fail f = { 0 };
    int rc = rsv_create(db, &WHO, &rq, &r, &f);
    if (rc) fail_msg("book: %s %s", lp_err_name(rc), f.detail);
    return r.id;
}

/* ---- the operations ---- */

static int64_t g_id;        /* what prep made for call */

/* rate plans and policies */
static int op_plan_get(void) { bill_plan p; return bill_plan_get(db, g_plan, &p); }
static int op_plan_list(void)
{
    bill_plan *arr = NULL;
    size_t n = 0;
    int rc = bill_plan_list(db, 0, &arr, &n);
    if (rc == 0 && n < 10) rc = -100;
    free(arr);
    return rc;
}
static int op_plan_find(void) { bill_plan p; return bill_plan_find(db, g_res, "equipment", "startup", T(2026, 10, 6, 9, 0), &p); }
static int op_plan_version(void)
{
    bill_plan p;
    lp_fail f = { 0 };
    int rc = bill_plan_get(db, g_plan, &p);
    if (rc) return rc;
    p.previous_id = p.id;
    p.id = 0;
    p.effective_from = T(2026, 11, 3, 0, 0) + (int64_t)++g_seq * 86400;
    p.rate.peak_cents_per_hour += g_seq;
    rc = bill_plan_create(db, &WHO, &p, &f);
    if (rc == 0) g_plan = p.id;
    return rc;
}
static int op_policy_get(void)
{
    struct bcalc_policy p;
    bool overrun, def;
    return bill_policy_get(db, g_res, &p, &overrun, &def);
}
static int op_policy_set(void)
{
    struct bcalc_policy p = { .basis = BCALC_BASIS_BOOKED, .free_cancel_hours = 24 + (++g_seq % 5),
                              .cancel_fee = { BCALC_FEE_PERCENT, 5000 }, .noshow_fee = { BCALC_FEE_FIXED, 2500 } };
    lp_fail f = { 0 };
    return bill_policy_set(db, &WHO, g_res, &p, true, &f);
}

/* charges */
static int op_charge_get(void) { bill_charge c; return bill_charge_get(db, g_charge, &c); }
static int op_charge_list(void)
{
    bill_charge_filter q = { .from = T(2026, 10, 1, 0, 0), .to = T(2027, 1, 1, 0, 0) };
    bill_charge *arr = NULL;
    size_t n = 0;
    int rc = bill_charge_list(db, &q, &arr, &n);
    if (rc == 0 && n < 5) rc = -100;
    free(arr);
    return rc;
}
static int op_charges_csv(void)
{
    bill_charge_filter q = { .from = T(2026, 10, 1, 0, 0), .to = T(2027, 1, 1, 0, 0) };
    char *csv = NULL;
    size_t len = 0;
    int rc = bill_charges_csv(db, &q, &csv, &len);
    free(csv);
    return rc;
}
static int op_summary(void) { bill_summary s; return bill_summary_get(db, g_tenant, "2026-11", &s); }
static int op_recompute(void)
{
    size_t n = 0;
    int rc = bill_recompute(db, g_tenant, T(2026, 10, 1, 0, 0), T(2027, 1, 1, 0, 0), &n);
    if (rc == 0 && n < 3) rc = -100;
    return rc;
}
static int op_adjust(void)
{
    bill_charge c = { .tenant_id = g_tenant, .person_id = g_person, .net_cents = -(++g_seq) };
    lp_fail f = { 0 };
    snprintf(c.description, sizeof c.description, "Goodwill");
    snprintf(c.reason, sizeof c.reason, "a door stuck");
    return bill_adjust(db, &WHO, &c, &f);
}

/* recurring fees */
static int op_fee_create(void)
{
    bill_recurring r = { .tenant_id = g_tenant, .monthly_cents = 1000 + ++g_seq, .vat = { BCALC_VAT_S, 2100 } };
    lp_fail f = { 0 };
    r.kind = BILL_CHARGE_BENCH;
    snprintf(r.description, sizeof r.description, "Bench %d", g_seq);
    snprintf(r.from_month, sizeof r.from_month, "2026-12");
    int rc = bill_recurring_create(db, &WHO, &r, &f);
    if (rc == 0) g_id = r.id;
    return rc;
}
static int prep_fee(void) { return g_id ? 0 : op_fee_create(); }
static int op_fee_end(void)
{
    lp_fail f = { 0 };
    int rc = bill_recurring_end(db, &WHO, g_id, "2027-03", &f);
    if (rc == 0) g_id = 0;
    return rc;
}
static int op_fee_get(void) { bill_recurring r; return bill_recurring_get(db, g_id, &r); }
static int op_fee_list(void)
{
    bill_recurring *arr = NULL;
    size_t n = 0;
    int rc = bill_recurring_list(db, 0, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    free(arr);
    return rc;
}

/* the invoice run, drafts, credit notes, payments */
static int64_t g_run_tenant;
static int prep_run(void)
{
    if (g_run_tenant && count_rows("SELECT count(*) FROM invoices WHERE tenant_id = ?1", g_run_tenant) == 0) return 0;
    g_run_tenant = new_tenant();
    october_charge(g_run_tenant, 12345);
    october_charge(g_run_tenant, 2000);
    return 0;
}
static int run_for(bool draft)
{
    bill_run_opts o = { .draft = draft, .tenant_id = g_run_tenant };
    bill_run_result res;
    lp_fail f = { 0 };
    int rc = bill_run(db, &WHO, "2026-10", &o, &res, &f);
    if (rc == 0 && res.ncreated != 1) rc = -100;
    if (rc == 0) bill_run_result_free(&res);
    return rc;
}
static int op_run(void) { return run_for(false); }
static int op_run_draft(void) { return run_for(true); }
static int prep_draft(void)
{
    if (g_id && count_rows("SELECT count(*) FROM invoices WHERE id = ?1 AND status = 'draft'", g_id) == 1) return 0;
    g_id = new_invoice(true);
    return 0;
}
static int op_issue(void) { lp_fail f = { 0 }; return bill_issue(db, &WHO, g_id, &f); }
static int op_discard(void) { lp_fail f = { 0 }; return bill_discard(db, &WHO, g_id, &f); }
static int op_invoice_get(void) { bill_invoice v; return bill_invoice_get(db, g_invoice, &v); }
static int op_invoice_lines(void)
{
    bill_line *arr = NULL;
    size_t n = 0;
    int rc = bill_invoice_lines(db, g_invoice, &arr, &n);
    if (rc == 0 && n < 1) rc = -100;
    free(arr);
    return rc;
}
static int op_invoice_list(void)
{
    bill_invoice_filter q = { .issued_only = true };
    bill_invoice *arr = NULL;
    size_t n = 0;
    int rc = bill_invoice_list(db, &q, &arr, &n);
    if (rc == 0 && n < 2) rc = -100;
    free(arr);
    return rc;
}
static int op_invoice_list_open(void)
{
    bill_invoice_filter q = { .by_status = true, .status = BILL_PAY_OPEN };
    bill_invoice *arr = NULL;
    size_t n = 0;
    int rc = bill_invoice_list(db, &q, &arr, &n);
    free(arr);
    return rc;
}
static int op_credit(void)
{
    bill_credit_sel sel = { 1, 1 };
    int64_t cn = 0;
    lp_fail f = { 0 };
    return bill_credit_note(db, &WHO, g_invoice, "a cent too much", &sel, 1, &cn, &f);
}
static int op_credit_rest(void)
{
    int64_t cn = 0;
    lp_fail f = { 0 };
    return bill_credit_note(db, &WHO, g_id, "cancelled", NULL, 0, &cn, &f);
}
static int prep_issued(void)
{
    if (g_id && count_rows("SELECT count(*) FROM invoices WHERE corrects_id = ?1", g_id) == 0) return 0;
    g_id = new_invoice(false);
    return 0;
}
static int op_payment(void)
{
    bill_payment p = { .invoice_id = g_invoice, .amount_cents = 100 };
    lp_fail f = { 0 };
    snprintf(p.reference, sizeof p.reference, "bank %d", ++g_seq);
    return bill_payment_add(db, &WHO, &p, &f);
}
static int op_payments(void)
{
    bill_payment *arr = NULL;
    size_t n = 0;
    int rc = bill_payments(db, g_invoice, &arr, &n);
    free(arr);
    return rc;
}
static int op_ubl(void)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = bill_export_ubl(db, g_invoice, &buf, &len);
    free(buf);
    return rc;
}
static int op_html(void)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = bill_export_html(db, g_invoice, "en", &buf, &len);
    free(buf);
    return rc;
}
static int op_csv(void)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = bill_export_csv(db, g_invoice, &buf, &len);
    free(buf);
    return rc;
}

static const flt_op OPS[] = {
    { "bill_plan_get", 0, NULL, op_plan_get, NULL, NULL },
    { "bill_plan_list", 0, NULL, op_plan_list, NULL, NULL },
    { "bill_plan_find", 0, NULL, op_plan_find, NULL, NULL },
    { "bill_plan_create (version)", 1, NULL, op_plan_version, NULL, NULL },
    { "bill_policy_get", 0, NULL, op_policy_get, NULL, NULL },
    { "bill_policy_set", 1, NULL, op_policy_set, NULL, NULL },
    { "bill_charge_get", 0, NULL, op_charge_get, NULL, NULL },
    { "bill_charge_list", 0, NULL, op_charge_list, NULL, NULL },
    { "bill_charges_csv", 0, NULL, op_charges_csv, NULL, NULL },
    { "bill_summary_get", 0, NULL, op_summary, NULL, NULL },
    { "bill_recompute", 1, NULL, op_recompute, NULL, NULL },
    { "bill_adjust", 1, NULL, op_adjust, NULL, NULL },
    { "bill_recurring_create", 1, NULL, op_fee_create, NULL, NULL },
    { "bill_recurring_get", 0, prep_fee, op_fee_get, NULL, NULL },
    { "bill_recurring_list", 0, NULL, op_fee_list, NULL, NULL },
    { "bill_recurring_end", 1, prep_fee, op_fee_end, NULL, NULL },
    { "bill_run", 1, prep_run, op_run, NULL, NULL },
    { "bill_run (draft)", 1, prep_run, op_run_draft, NULL, NULL },
    { "bill_issue", 1, prep_draft, op_issue, NULL, NULL },
    { "bill_discard", 1, prep_draft, op_discard, NULL, NULL },
    { "bill_invoice_get", 0, NULL, op_invoice_get, NULL, NULL },
    { "bill_invoice_lines", 0, NULL, op_invoice_lines, NULL, NULL },
    { "bill_invoice_list", 0, NULL, op_invoice_list, NULL, NULL },
    { "bill_invoice_list (open)", 0, NULL, op_invoice_list_open, NULL, NULL },
    { "bill_credit_note (part)", 1, NULL, op_credit, NULL, NULL },
    { "bill_credit_note (rest)", 1, prep_issued, op_credit_rest, NULL, NULL },
    { "bill_payment_add", 1, NULL, op_payment, NULL, NULL },
    { "bill_payments", 0, NULL, op_payments, NULL, NULL },
    { "bill_export_ubl", 0, NULL, op_ubl, NULL, NULL },
    { "bill_export_html", 0, NULL, op_html, NULL, NULL },
    { "bill_export_csv", 0, NULL, op_csv, NULL, NULL },
};

/* ---- setup ---- */

static int setup(void **st)
{
    if (tdb_make(g_path, sizeof g_path, "faults-billing") != 0) return -1;
    clk_set_fixed(T(2026, 10, 1, 9, 0));
    if (db_open(g_path, &db) != 0 || demo_seed(db) != 0) return -1;
    lp_fail f = { 0 };
    g_tenant = new_tenant();
    psn_person p = { 0 };
    snprintf(p.email, sizeof p.email, "lab@faultlab.example");
    snprintf(p.name, sizeof p.name, "Fault Person");
    if (psn_create(db, &WHO, &p, NULL, &f) != 0 || psn_set_membership(db, &WHO, p.id, g_tenant, "member", &f) != 0)
        return -1;
    g_person = p.id;
    res_resource r;
    res_defaults(&r);
    snprintf(r.kind, sizeof r.kind, "equipment");
    snprintf(r.name, sizeof r.name, "Fault bench");
    r.max_minutes = 1440;
    r.max_advance_days = 365;
    if (res_create(db, &WHO, &r, &f) != 0) return -1;
    g_res = r.id;
    bill_plan plan = { .resource_id = g_res, .rate = { .peak_cents_per_hour = 9000, .offpeak_cents_per_hour = 6000,
                                                       .windows = { { BCALC_MON_FRI, 480, 1080 } }, .nwindows = 1,
                                                       .round_minutes = 15 },
                       .vat = { BCALC_VAT_S, 2100 }, .effective_from = T(2026, 1, 1, 0, 0) };
    snprintf(plan.name, sizeof plan.name, "Fault bench rate");
    if (bill_plan_create(db, &WHO, &plan, &f) != 0) return -1;
    g_plan = plan.id;
    /* October bookings (settled below), and later ones that stay pending. */
    for (int d = 5; d <= 9; d++) book(T(2026, 10, d, 9, 0), T(2026, 10, d, 11, 0));
    for (int d = 16; d <= 20; d++) book(T(2026, 11, d, 9, 0), T(2026, 11, d, 10, 0));
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    size_t n = 0;
    if (db_exec(db, "UPDATE reservations SET status = 'completed', checked_in_at = start, checked_out_at = end "
                    "WHERE start < strftime('%s', '2026-11-01')") != 0 ||
        bill_recompute(db, 0, T(2026, 10, 1, 0, 0), T(2026, 11, 1, 0, 0), &n) != 0 || n < 5)
        return -1;
    g_charge = count_rows("SELECT min(id) FROM charges WHERE tenant_id = ?1", g_tenant);
    bill_run_result res;
    bill_run_opts o = { .tenant_id = g_tenant };
    if (bill_run(db, &WHO, "2026-10", &o, &res, &f) != 0 || res.ncreated != 1) return -1;
    g_invoice = res.created[0];
    bill_run_result_free(&res);
    /* the demo's tenants too, so lists have more than one document */
    if (bill_run(db, &WHO, "2026-10", NULL, &res, &f) != 0) return -1;
    bill_run_result_free(&res);
    return 0;
}

static int teardown(void **st)
{
    db_fault_inject(0, 0);
    db_close(db);
    tdb_remove(g_path);
    clk_set_fixed(-1);
    return 0;
}

/* ---- the loop ---- */

static uint64_t db_state(const flt_op *o) { return flt_hash(db_handle(db), NULL); }
static void reset_id(void) { g_id = 0; }

static void test_every_step_fails_cleanly(void **st)
{
    flt_run_all(OPS, sizeof OPS / sizeof OPS[0], db_state, reset_id);
}

/* Failed runs, issues and credit notes took no numbers: each series is
 * 1..n without a gap, and every issued document has its number. */
static void test_numbers_stay_gapless(void **st)
{
    const char *kinds[] = { "invoice", "credit_note" };
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT count(*), COALESCE(max(seq), 0), count(number) "
                                            "FROM invoices WHERE kind = ?1 AND status = 'issued' AND year = 2026",
                                            -1, &q, NULL), SQLITE_OK);
        sqlite3_bind_text(q, 1, kinds[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        int64_t n = sqlite3_column_int64(q, 0);
        assert_true(n > 3);
        assert_int_equal(sqlite3_column_int64(q, 1), n);
        assert_int_equal(sqlite3_column_int64(q, 2), n);
        sqlite3_finalize(q);
    }
    /* And the next run numbers on from there. */
    int64_t before = count_rows("SELECT max(seq) FROM invoices WHERE kind = 'invoice'", 0);
    int64_t id = new_invoice(false);
    bill_invoice v;
    assert_int_equal(bill_invoice_get(db, id, &v), 0);
    char want[40];
    snprintf(want, sizeof want, "2026-%04lld", (long long)before + 1);
    assert_string_equal(v.number, want);
    assert_int_equal(db_fault_pending(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_step_fails_cleanly),
        cmocka_unit_test(test_numbers_stay_gapless),
    };
    return cmocka_run_group_tests_name("faults_billing", tests, setup, teardown);
}
