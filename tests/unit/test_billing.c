/* test_billing.c: the billing module on a real SQLite file with a fixed
 * clock (October 2026, Europe/Amsterdam): charges follow their reservation
 * (the rsv hook) until invoiced, fees at the cancellation boundary, no-shows,
 * price versions, the invoice run (idempotent, gapless numbers under
 * concurrent runs, immutable once issued), drafts, credit notes, payments
 * and overdue, recurring fees, CSV quoting. The UBL documents exported here
 * go through ../shared/einvoice/validate in one batch at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tests/lib/einvoice_check.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "billing/bill_int.h"
#include "billing/billing.h"
#include "booking/demo.h"
#include "booking/person.h"
#include "booking/resource.h"
#include "booking/rsv.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "tests/lib/tmpdb.h"

#define MAX_DOCS 8
#define H 3600

static char g_dir[] = "/tmp/lp-test-billing-XXXXXX";
static char *g_docs[MAX_DOCS];
static size_t g_ndocs;
static int g_dbn;
static const actor_t WHO = { 0, "test" };

struct fx {
    char path[128];
    db_t *db;
    int64_t tenant, person, res;
};

static int64_t T(int y, int m, int d, int h, int mi) { return lt_from_local(y, m, d, h, mi, 0); }

static int64_t new_tenant(db_t *db, const char *name, int with_address)
{
    tnt_tenant t = { 0 };
    lp_fail f;
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.kvk_number, sizeof t.kvk_number, "%s", with_address ? "11223344" : "");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    if (with_address) {
        snprintf(t.street, sizeof t.street, "Labweg 2");
        snprintf(t.postal_code, sizeof t.postal_code, "7522 NB");
        snprintf(t.city, sizeof t.city, "Enschede");
    }
    assert_int_equal(tnt_create(db, &WHO, &t, &f), 0);
    return t.id;
}

static int64_t new_person(db_t *db, int64_t tenant, const char *email)
{
    psn_person p = { 0 };
    lp_fail f;
    snprintf(p.email, sizeof p.email, "%s", email);
    snprintf(p.name, sizeof p.name, "Test Person");
    assert_int_equal(psn_create(db, &WHO, &p, NULL, &f), 0);
    assert_int_equal(psn_set_membership(db, &WHO, p.id, tenant, "member", &f), 0);
    return p.id;
}

/* Peak 90.00 Mon-Fri 08:00-18:00, off-peak 60.00, 15-minute increments. */
static int64_t new_plan(db_t *db, int64_t res, int y, int m, int d, int64_t peak, int64_t prev)
{
    bill_plan p = { .resource_id = res, .rate = { .peak_cents_per_hour = peak, .offpeak_cents_per_hour = 6000,
                                                  .windows = { { BCALC_MON_FRI, 480, 1080 } }, .nwindows = 1,
                                                  .round_minutes = 15 },
                    .vat = { BCALC_VAT_S, 2100 }, .effective_from = T(y, m, d, 0, 0), .previous_id = prev };
    lp_fail f = { 0 };
    snprintf(p.name, sizeof p.name, "Bench rate");
    int rc = bill_plan_create(db, &WHO, &p, &f);
    if (rc) fail_msg("plan: %s %s", lp_err_name(rc), f.detail);
    return p.id;
}

static int fx_setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);
    lp_fail f;
    clk_set_fixed(T(2026, 10, 1, 9, 0));
    snprintf(x->path, sizeof x->path, "%s/b%d.db", g_dir, g_dbn++);
    if (!x || db_open(x->path, &x->db) != 0 || demo_init_site(x->db) != 0) return -1;
    x->tenant = new_tenant(x->db, "Test Lab B.V.", 1);
    x->person = new_person(x->db, x->tenant, "lab@testlab.example");
    res_resource r;
    res_defaults(&r);
    snprintf(r.kind, sizeof r.kind, "equipment");
    snprintf(r.name, sizeof r.name, "Bench 1");
    r.max_minutes = 1440;
    r.max_advance_days = 365;
    if (res_create(x->db, &WHO, &r, &f) != 0) return -1;
    x->res = r.id;
    new_plan(x->db, x->res, 2026, 1, 1, 9000, 0);
    struct bcalc_policy pol = { .basis = BCALC_BASIS_BOOKED, .free_cancel_hours = 24,
                                .cancel_fee = { BCALC_FEE_PERCENT, 5000 }, .noshow_fee = { BCALC_FEE_FIXED, 2500 } };
    if (bill_policy_set(x->db, &WHO, x->res, &pol, true, &f) != 0) return -1;
    *state = x;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *x = *state;
    db_close(x->db);
    tdb_remove(x->path);
    free(x);
    clk_set_fixed(-1);
    return 0;
}

static int64_t book(struct fx *x, int64_t s, int64_t e)
{
    rsv_request rq = { x->res, x->person, x->tenant, s, e, "t", 0, 0 };
    rsv_reservation r;
    lp_fail f = { 0 };
    int rc = rsv_create(x->db, &WHO, &rq, &r, &f);
    if (rc) fail_msg("book: %s %s", lp_err_name(rc), f.detail);
    return r.id;
}

/* The charge of a reservation: 1 and *c filled, or 0 when it has none. */
static int charge_of(struct fx *x, int64_t rsv_id, bill_charge *c)
{
    sqlite3_stmt *st = db_stmt(x->db, "SELECT id FROM charges WHERE reservation_id = ?1");
    db_bind_int(st, 1, rsv_id);
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (!id) return 0;
    assert_int_equal(bill_charge_get(x->db, id, c), 0);
    return 1;
}

static int64_t net_of(struct fx *x, int64_t rsv_id)
{
    bill_charge c;
    return charge_of(x, rsv_id, &c) ? c.net_cents : -1;
}

static void run_ok(db_t *db, const char *period, bool draft, bill_run_result *res)
{
    bill_run_opts o = { .draft = draft };
    lp_fail f = { 0 };
    int rc = bill_run(db, &WHO, period, &o, res, &f);
    if (rc) fail_msg("run: %s %s", lp_err_name(rc), f.detail);
}

static void keep_ubl(db_t *db, int64_t id, const char *name)
{
    char *xml = NULL, path[160];
    size_t len = 0;
    assert_int_equal(bill_export_ubl(db, id, &xml, &len), 0);
    assert_true(g_ndocs < MAX_DOCS);
    snprintf(path, sizeof path, "%s/%s.xml", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(xml, 1, len, f), len);
    fclose(f);
    free(xml);
    g_docs[g_ndocs++] = strdup(path);
}

/* ---- helpers ---- */

static void test_text_helpers(void **st)
{
    uint8_t d;
    char buf[64];
    uint16_t m;
    assert_int_equal(bill_days_parse("mon-fri", &d), 0);
    assert_int_equal(d, BCALC_MON_FRI);
    bill_days_text(d, buf, sizeof buf);
    assert_string_equal(buf, "mon-fri");
    assert_int_equal(bill_days_parse("fri-mon", &d), 0);
    bill_days_text(d, buf, sizeof buf);
    assert_string_equal(buf, "mon,fri-sun");
    assert_int_equal(bill_days_parse("sat,sun", &d), 0);
    bill_days_text(d, buf, sizeof buf);
    assert_string_equal(buf, "sat,sun");
    assert_int_equal(bill_days_parse("daily", &d), 0);
    assert_int_equal(d, BCALC_EVERY_DAY);
    const char *bad[] = { "", "mon,", "monday", "mon-", "xyz", "mon,,tue" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_not_equal(bill_days_parse(bad[i], &d), 0);
    assert_int_equal(bill_hhmm_parse("08:30", false, &m), 0);
    assert_int_equal(m, 510);
    assert_int_equal(bill_hhmm_parse("24:00", true, &m), 0);
    assert_int_not_equal(bill_hhmm_parse("24:00", false, &m), 0);
    assert_int_not_equal(bill_hhmm_parse("8:30", true, &m), 0);
    assert_int_not_equal(bill_hhmm_parse("12:60", true, &m), 0);
    bill_month_step("2026-12", 1, buf);
    assert_string_equal(buf, "2027-01");
    bill_month_step("2026-01", -13, buf);
    assert_string_equal(buf, "2024-12");
    int64_t a, b;
    assert_int_equal(bill_period_parse("2026-10", &a, &b), 0);
    assert_int_equal(b - a, 31 * 86400 + H);             /* October has the long night */
    assert_int_not_equal(bill_period_parse("2026-13", &a, &b), 0);
    assert_int_not_equal(bill_period_parse("1999-01", &a, &b), 0);
    struct sbuf sb = { 0 };
    char *csv;
    size_t len;
    bill_csv_text(&sb, false, "=HYPERLINK(\"x\")");
    bill_csv_text(&sb, true, "a,b");
    bill_csv_text(&sb, true, "plain");
    bill_csv_text(&sb, true, "-1+2");
    bill_csv_text(&sb, true, "line\r\nbreak");
    bill_csv_eol(&sb);
    assert_int_equal(sb_take(&sb, &csv, &len), 0);
    assert_string_equal(csv, "\"'=HYPERLINK(\"\"x\"\")\",\"a,b\",plain,\"'-1+2\",\"line\r\nbreak\"\r\n");
    free(csv);
    /* one spelling per state and kind, and back */
#define ROUND_TRIP(type, fn, count)                                      \
    for (int i = 0; i < count; i++) {                                    \
        enum type v;                                                     \
        assert_int_equal(fn##_parse(fn##_name((enum type)i), &v), 0);    \
        assert_int_equal(v, i);                                          \
    }                                                                    \
    assert_int_equal(fn##_parse("nonsense", &(enum type){ 0 }), LP_ERR_INVALID);
    ROUND_TRIP(bill_charge_kind, bill_charge_kind, BILL_CHARGE_KIND_COUNT)
    ROUND_TRIP(bill_charge_state, bill_charge_state, BILL_CHARGE_STATE_COUNT)
    ROUND_TRIP(bill_doc_kind, bill_doc_kind, BILL_DOC_KIND_COUNT)
    ROUND_TRIP(bill_doc_status, bill_doc_status, BILL_DOC_STATUS_COUNT)
    ROUND_TRIP(bill_pay_status, bill_pay_status, BILL_PAY_STATUS_COUNT)
#undef ROUND_TRIP
    assert_string_equal(bill_pay_status_name(BILL_PAY_PARTLY_PAID), "partly_paid");
    assert_string_equal(bill_charge_kind_name(BILL_CHARGE_NO_SHOW), "no_show");
    assert_string_equal(bill_doc_kind_name(BILL_DOC_CREDIT_NOTE), "credit_note");
}

/* ---- charges follow their reservation ---- */

static void test_hook_follows_reservation(void **st)
{
    struct fx *x = *st;
    lp_fail f = { 0 };
    int64_t id = book(x, T(2026, 10, 5, 16, 30), T(2026, 10, 5, 19, 30));
    bill_charge c;
    assert_int_equal(charge_of(x, id, &c), 1);
    assert_int_equal(c.kind, BILL_CHARGE_USAGE);
    assert_int_equal(c.state, BILL_CHARGE_PENDING);
    assert_int_equal(c.net_cents, 13500 + 9000);           /* 1.5 h peak + 1.5 h off-peak */
    assert_int_equal(c.nparts, 2);
    assert_int_equal(c.parts[0].kind, BCALC_PART_PEAK);
    assert_int_equal(rsv_change(x->db, &WHO, id, T(2026, 10, 5, 17, 0), T(2026, 10, 5, 19, 0), x->res, NULL,
                                RSV_THIS, &f), 0);
    assert_int_equal(net_of(x, id), 9000 + 6000);
    clk_set_fixed(T(2026, 10, 5, 17, 5));
    assert_int_equal(rsv_check_in(x->db, &WHO, id, clk_now(), &f), 0);
    clk_set_fixed(T(2026, 10, 5, 19, 10));
    assert_int_equal(rsv_check_out(x->db, &WHO, id, clk_now(), &f), 0);
    assert_int_equal(charge_of(x, id, &c), 1);
    assert_int_equal(c.state, BILL_CHARGE_FINAL);
    assert_int_equal(c.net_cents, 9000 + 7500);            /* overrun to 19:10, rounded to 19:15 */
    assert_int_equal(c.end, T(2026, 10, 5, 19, 10));
}

static void test_cancellation_boundary_and_noshow(void **st)
{
    struct fx *x = *st;
    lp_fail f = { 0 };
    int64_t s1 = T(2026, 10, 12, 10, 0), s2 = T(2026, 10, 14, 10, 0), s3 = T(2026, 10, 21, 9, 0);
    int64_t late = book(x, s1, s1 + 2 * H), early = book(x, s2, s2 + 2 * H), gone = book(x, s3, s3 + 2 * H);
    clk_set_fixed(s1 - (23 * H + 59 * 60));
    assert_int_equal(rsv_cancel(x->db, &WHO, late, RSV_THIS, &f), 0);
    clk_set_fixed(s2 - (24 * H + 60));
    assert_int_equal(rsv_cancel(x->db, &WHO, early, RSV_THIS, &f), 0);
    bill_charge c;
    assert_int_equal(charge_of(x, late, &c), 1);
    assert_int_equal(c.kind, BILL_CHARGE_CANCELLATION);
    assert_int_equal(c.state, BILL_CHARGE_FINAL);
    assert_int_equal(c.net_cents, 9000);                   /* half of 2 h peak */
    assert_int_equal(charge_of(x, early, &c), 0);          /* free: no charge at all */
    int changed = 0;
    assert_int_equal(rsv_sweep(x->db, s3 + 20 * 60, &changed), 0);
    assert_int_equal(charge_of(x, gone, &c), 1);
    assert_int_equal(c.kind, BILL_CHARGE_NO_SHOW);
    assert_int_equal(c.net_cents, 2500);
}

static void test_price_version_mid_month(void **st)
{
    struct fx *x = *st;
    int64_t before = book(x, T(2026, 10, 12, 9, 0), T(2026, 10, 12, 10, 0));
    int64_t after = book(x, T(2026, 10, 19, 9, 0), T(2026, 10, 19, 10, 0));
    bill_plan *plans = NULL;
    size_t n = 0;
    assert_int_equal(bill_plan_list(x->db, x->res, &plans, &n), 0);
    assert_int_equal(n, 1);
    int64_t v1 = plans[0].id;
    free(plans);
    new_plan(x->db, x->res, 2026, 10, 15, 12000, v1);
    assert_int_equal(net_of(x, before), 9000);
    assert_int_equal(net_of(x, after), 12000);
    /* a version must follow its predecessor's date and scope */
    bill_plan bad = { .resource_id = x->res, .rate = { .peak_cents_per_hour = 1 }, .vat = { BCALC_VAT_S, 2100 },
                      .effective_from = T(2025, 12, 1, 0, 0), .previous_id = v1 };
    lp_fail f = { 0 };
    snprintf(bad.name, sizeof bad.name, "x");
    assert_int_equal(bill_plan_create(x->db, &WHO, &bad, &f), LP_ERR_INVALID);
    bad.effective_from = T(2026, 10, 15, 0, 0);
    bad.previous_id = 0;
    assert_int_equal(bill_plan_create(x->db, &WHO, &bad, &f), LP_ERR_CONFLICT);
    /* settle both, invoice them, then a retroactive version leaves them alone */
    clk_set_fixed(T(2026, 10, 25, 12, 0));
    assert_int_equal(db_exec(x->db, "UPDATE reservations SET status = 'completed', checked_in_at = start, "
                                    "checked_out_at = end"), 0);
    size_t nre = 0;
    assert_int_equal(bill_recompute(x->db, 0, T(2026, 10, 1, 0, 0), T(2026, 11, 1, 0, 0), &nre), 0);
    assert_int_equal(nre, 2);
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    bill_run_result res;
    run_ok(x->db, "2026-10", false, &res);
    assert_int_equal(res.ncreated, 1);
    bill_invoice inv;
    assert_int_equal(bill_invoice_get(x->db, res.created[0], &inv), 0);
    assert_int_equal(inv.line_ext_cents, 9000 + 12000);
    bill_run_result_free(&res);
    new_plan(x->db, x->res, 2026, 10, 10, 20000, 0);
    assert_int_equal(net_of(x, before), 9000);
    assert_int_equal(net_of(x, after), 12000);
}

/* ---- the run ---- */

static void test_run_idempotent_and_immutable(void **st)
{
    struct fx *x = *st;
    int64_t id = book(x, T(2026, 10, 6, 9, 0), T(2026, 10, 6, 11, 0));
    int64_t pending = book(x, T(2026, 10, 30, 9, 0), T(2026, 10, 30, 10, 0));
    lp_fail f = { 0 };
    bill_run_result res;
    assert_int_equal(bill_run(x->db, &WHO, "2026-10", NULL, &res, &f), LP_ERR_RULE);   /* not ended */
    assert_int_equal(bill_run(x->db, &WHO, "2026-1", NULL, &res, &f), LP_ERR_INVALID);
    clk_set_fixed(T(2026, 10, 6, 9, 0));
    assert_int_equal(rsv_check_in(x->db, &WHO, id, clk_now(), &f), 0);
    clk_set_fixed(T(2026, 10, 6, 11, 0));
    assert_int_equal(rsv_check_out(x->db, &WHO, id, clk_now(), &f), 0);
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    run_ok(x->db, "2026-10", false, &res);
    assert_int_equal(res.ncreated, 1);
    int64_t inv_id = res.created[0];
    bill_run_result_free(&res);
    bill_invoice inv;
    assert_int_equal(bill_invoice_get(x->db, inv_id, &inv), 0);
    assert_string_equal(inv.number, "2026-0001");
    assert_string_equal(inv.issue_date, "2026-11-02");
    assert_string_equal(inv.due_date, "2026-12-02");
    assert_int_equal(inv.payment_status, BILL_PAY_OPEN);
    assert_int_equal(inv.line_ext_cents, 18000);
    assert_int_equal(inv.tax_cents, 3780);
    bill_charge c;
    assert_int_equal(charge_of(x, pending, &c), 1);
    assert_int_equal(c.invoice_id, 0);                     /* unsettled: not invoiced */
    bill_charge late = { .tenant_id = x->tenant, .net_cents = 700, .at = T(2026, 10, 20, 12, 0) };
    snprintf(late.description, sizeof late.description, "Late find");
    snprintf(late.reason, sizeof late.reason, "consumables counted late");
    assert_int_equal(bill_adjust(x->db, &WHO, &late, &f), 0);
    run_ok(x->db, "2026-10", false, &res);                 /* a second run adds nothing */
    assert_int_equal(res.ncreated, 0);
    assert_int_equal(res.nexisting, 1);
    bill_run_result_free(&res);
    assert_int_equal(bill_charge_get(x->db, late.id, &c), 0);
    assert_int_equal(c.invoice_id, 0);                     /* it waits for November's invoice */
    /* the database itself refuses to change what was issued */
    assert_int_not_equal(db_exec(x->db, "UPDATE charges SET net_cents = 1 WHERE invoice_id IS NOT NULL"), 0);
    assert_int_not_equal(db_exec(x->db, "UPDATE invoices SET payable_cents = 1"), 0);
    assert_int_not_equal(db_exec(x->db, "DELETE FROM invoice_lines"), 0);
    assert_int_not_equal(db_exec(x->db, "UPDATE rate_plans SET peak_cents = 1"), 0);
    /* the reservation's hook leaves the invoiced charge alone */
    rsv_reservation r;
    assert_int_equal(rsv_get(x->db, id, &r), 0);
    r.checked_out_at = r.end + 5 * H;
    assert_int_equal(bill_on_reservation(x->db, &r), 0);
    assert_int_equal(net_of(x, id), 18000);
    keep_ubl(x->db, inv_id, "unit-invoice");
}

struct runner { const char *path; int rc; size_t made; };

static void *run_thread(void *p)
{
    struct runner *r = p;
    db_t *db = NULL;
    bill_run_result res;
    lp_fail f;
    r->rc = db_open(r->path, &db);
    if (r->rc == 0) r->rc = bill_run(db, &WHO, "2026-10", NULL, &res, &f);
    if (r->rc == 0) r->made = res.ncreated;
    if (r->rc == 0) bill_run_result_free(&res);
    db_close(db);
    return NULL;
}

static void test_concurrent_runs_gapless(void **st)
{
    struct fx *x = *st;
    for (int i = 0; i < 24; i++) {
        char name[64];
        snprintf(name, sizeof name, "Parallel %02d B.V.", i);
        bill_charge c = { .tenant_id = new_tenant(x->db, name, 1), .net_cents = 1000 + i, .at = T(2026, 10, 3, 12, 0) };
        snprintf(c.description, sizeof c.description, "Consumables");
        snprintf(c.reason, sizeof c.reason, "pipette tips");
        lp_fail f = { 0 };
        assert_int_equal(bill_adjust(x->db, &WHO, &c, &f), 0);
    }
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    struct runner rs[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        rs[i] = (struct runner){ x->path, -1, 0 };
        pthread_create(&th[i], NULL, run_thread, &rs[i]);
    }
    size_t made = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].rc, 0);
        made += rs[i].made;
    }
    assert_int_equal(made, 24);
    sqlite3_stmt *s = db_stmt(x->db, "SELECT count(*), min(seq), max(seq), count(DISTINCT number) FROM invoices "
                                     "WHERE kind = 'invoice' AND year = 2026");
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 24);
    assert_int_equal(sqlite3_column_int(s, 1), 1);
    assert_int_equal(sqlite3_column_int(s, 2), 24);
    assert_int_equal(sqlite3_column_int(s, 3), 24);
    sqlite3_reset(s);
}

static void test_drafts_and_skips(void **st)
{
    struct fx *x = *st;
    int64_t nowhere = new_tenant(x->db, "No Address B.V.", 0);
    bill_charge c = { .tenant_id = nowhere, .net_cents = 500, .at = T(2026, 10, 3, 12, 0) };
    snprintf(c.description, sizeof c.description, "Gas cylinder");
    snprintf(c.reason, sizeof c.reason, "delivered");
    lp_fail f = { 0 };
    assert_int_equal(bill_adjust(x->db, &WHO, &c, &f), 0);
    c = (bill_charge){ .tenant_id = x->tenant, .net_cents = -2000, .at = T(2026, 10, 3, 12, 0) };
    snprintf(c.description, sizeof c.description, "Goodwill");
    snprintf(c.reason, sizeof c.reason, "broken fridge");
    assert_int_equal(bill_adjust(x->db, &WHO, &c, &f), 0);
    bill_charge c2 = { .tenant_id = x->tenant, .net_cents = 10000, .at = T(2026, 10, 4, 12, 0) };
    snprintf(c2.description, sizeof c2.description, "Training");
    snprintf(c2.reason, sizeof c2.reason, "BSC course");
    assert_int_equal(bill_adjust(x->db, &WHO, &c2, &f), 0);
    c2.reason[0] = '\0';
    assert_int_equal(bill_adjust(x->db, &WHO, &c2, &f), LP_ERR_INVALID);
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    bill_run_result res;
    run_ok(x->db, "2026-10", true, &res);
    assert_int_equal(res.ncreated, 1);
    assert_int_equal(res.nskipped, 1);
    assert_int_equal(res.skipped[0].tenant_id, nowhere);
    assert_non_null(strstr(res.skipped[0].reason, "address"));
    int64_t draft = res.created[0];
    bill_run_result_free(&res);
    bill_invoice inv;
    assert_int_equal(bill_invoice_get(x->db, draft, &inv), 0);
    assert_int_equal(inv.status, BILL_DOC_DRAFT);
    assert_string_equal(inv.number, "");
    assert_int_equal(inv.line_ext_cents, 8000);
    char *out = NULL;
    size_t len;
    assert_int_equal(bill_export_ubl(x->db, draft, &out, &len), LP_ERR_STATE);
    assert_int_equal(bill_export_html(x->db, draft, "en", &out, &len), 0);
    assert_non_null(strstr(out, "DRAFT-"));
    free(out);
    assert_int_equal(bill_discard(x->db, &WHO, draft, &f), 0);
    assert_int_equal(bill_invoice_get(x->db, draft, &inv), LP_ERR_NOTFOUND);
    run_ok(x->db, "2026-10", true, &res);
    assert_int_equal(res.ncreated, 1);
    assert_true(res.created[0] > draft);   /* the discarded draft's id is never another's */
    draft = res.created[0];
    bill_run_result_free(&res);
    assert_int_equal(bill_issue(x->db, &WHO, draft, &f), 0);
    assert_int_equal(bill_issue(x->db, &WHO, draft, &f), LP_ERR_STATE);
    assert_int_equal(bill_discard(x->db, &WHO, draft, &f), LP_ERR_STATE);
    assert_int_equal(bill_invoice_get(x->db, draft, &inv), 0);
    assert_string_equal(inv.number, "2026-0001");          /* the discarded draft took no number */
}

static void test_credit_notes_and_payments(void **st)
{
    struct fx *x = *st;
    lp_fail f = { 0 };
    for (int i = 0; i < 2; i++) {
        bill_charge c = { .tenant_id = x->tenant, .net_cents = 10000 * (i + 1), .at = T(2026, 10, 3 + i, 12, 0) };
        snprintf(c.description, sizeof c.description, "Service %d", i + 1);
        snprintf(c.reason, sizeof c.reason, "work order %d", i + 1);
        assert_int_equal(bill_adjust(x->db, &WHO, &c, &f), 0);
    }
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    bill_run_result res;
    run_ok(x->db, "2026-10", false, &res);
    int64_t inv_id = res.created[0];
    bill_run_result_free(&res);
    bill_invoice inv;
    assert_int_equal(bill_invoice_get(x->db, inv_id, &inv), 0);
    assert_int_equal(inv.payable_cents, 36300);
    int64_t cn = 0;
    bill_credit_sel part = { 2, 5000 }, over = { 2, 20001 }, nope = { 3, 0 };
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "", &part, 1, &cn, &f), LP_ERR_INVALID);
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "overcharged", &over, 1, &cn, &f), LP_ERR_INVALID);
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "overcharged", &nope, 1, &cn, &f), LP_ERR_INVALID);
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "overcharged", &part, 1, &cn, &f), 0);
    bill_invoice cni;
    assert_int_equal(bill_invoice_get(x->db, cn, &cni), 0);
    assert_string_equal(cni.number, "CN-2026-0001");
    assert_string_equal(cni.corrects_number, "2026-0001");
    assert_int_equal(cni.payable_cents, 6050);
    keep_ubl(x->db, cn, "unit-credit-note");
    over.net_cents = 15001;                                 /* only 150.00 of line 2 is left */
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "again", &over, 1, &cn, &f), LP_ERR_INVALID);
    bill_payment p = { .invoice_id = inv_id, .amount_cents = 10000 };
    assert_int_equal(bill_payment_add(x->db, &WHO, &p, &f), 0);
    assert_int_equal(bill_invoice_get(x->db, inv_id, &inv), 0);
    assert_int_equal(inv.payment_status, BILL_PAY_PARTLY_PAID);
    assert_int_equal(inv.balance_cents, 36300 - 6050 - 10000);
    assert_false(inv.overdue);
    clk_set_fixed(T(2026, 12, 3, 9, 0));
    bill_invoice *list = NULL;
    size_t n = 0;
    bill_invoice_filter q = { .overdue_only = true };
    assert_int_equal(bill_invoice_list(x->db, &q, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, inv_id);
    free(list);
    p = (bill_payment){ .invoice_id = inv_id, .amount_cents = 20251 };
    assert_int_equal(bill_payment_add(x->db, &WHO, &p, &f), LP_ERR_RULE);
    p.amount_cents = 20250;
    assert_int_equal(bill_payment_add(x->db, &WHO, &p, &f), 0);
    assert_int_equal(bill_invoice_get(x->db, inv_id, &inv), 0);
    assert_int_equal(inv.payment_status, BILL_PAY_PAID);
    assert_false(inv.overdue);
    /* the rest of everything, then nothing is left */
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "cancelled contract", NULL, 0, &cn, &f), 0);
    assert_int_equal(bill_invoice_get(x->db, cn, &cni), 0);
    assert_string_equal(cni.number, "CN-2026-0002");
    assert_int_equal(cni.line_ext_cents, 10000 + 15000);
    assert_int_equal(bill_credit_note(x->db, &WHO, inv_id, "again", NULL, 0, &cn, &f), LP_ERR_STATE);
}

static void test_recurring_summary_and_csv(void **st)
{
    struct fx *x = *st;
    lp_fail f = { 0 };
    bill_recurring r = { .tenant_id = x->tenant, .monthly_cents = 40000 };
    r.kind = BILL_CHARGE_BENCH;
    snprintf(r.description, sizeof r.description, "=cmd|' /C calc'!A0");
    snprintf(r.from_month, sizeof r.from_month, "2026-09");
    assert_int_equal(bill_recurring_create(x->db, &WHO, &r, &f), 0);
    book(x, T(2026, 10, 7, 9, 0), T(2026, 10, 7, 10, 0));
    bill_summary s;
    assert_int_equal(bill_summary_get(x->db, x->tenant, "2026-10", &s), 0);
    assert_int_equal(s.pending_cents, 9000);
    assert_int_equal(s.recurring_cents, 40000);
    assert_int_equal(s.net_cents, 49000);
    assert_int_equal(s.tax_cents, 10290);
    clk_set_fixed(T(2026, 11, 2, 9, 0));
    bill_run_result res;
    run_ok(x->db, "2026-10", false, &res);
    assert_int_equal(res.ncreated, 1);
    bill_line *lines = NULL;
    size_t n = 0;
    assert_int_equal(bill_invoice_lines(x->db, res.created[0], &lines, &n), 0);
    assert_int_equal(n, 2);                                /* September and October; the booking is pending */
    assert_string_equal(lines[0].period_start, "2026-09-01");
    assert_string_equal(lines[1].period_end, "2026-10-31");
    free(lines);
    bill_run_result_free(&res);
    assert_int_equal(bill_recurring_end(x->db, &WHO, r.id, "2026-09", &f), LP_ERR_STATE);
    assert_int_equal(bill_recurring_end(x->db, &WHO, r.id, "2026-10", &f), 0);
    bill_charge_filter q = { .from = T(2026, 9, 1, 0, 0), .to = T(2026, 11, 1, 0, 0), .tenant_id = x->tenant };
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(bill_charges_csv(x->db, &q, &csv, &len), 0);
    assert_non_null(strstr(csv, "charge_id,date,tenant_id"));
    assert_non_null(strstr(csv, ",\"'=cmd|' /C calc'!A0\","));
    assert_null(strstr(csv, ",=cmd"));
    assert_non_null(strstr(csv, ",400.00,S,21,2026-0001\r\n"));
    free(csv);
}

/* ---- the external validator over the documents exported above ---- */

static void test_validator_batch(void **st)
{
    char why[400];
    assert_int_equal(g_ndocs, 2);
    int vrc = ev_validate(g_docs, g_ndocs, why, sizeof why);
    if (vrc == EV_SKIP) skip();
    if (vrc != 0) fail_msg("%s", why);
}

static int group_setup(void **st)
{
    if (lt_set_zone("Europe/Amsterdam") != 0 || !mkdtemp(g_dir)) return -1;
    bill_register();
    return 0;
}

static int group_teardown(void **st)
{
    for (size_t i = 0; i < g_ndocs; i++) {
        unlink(g_docs[i]);
        free(g_docs[i]);
    }
    rmdir(g_dir);
    return 0;
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_helpers),
        FX(test_hook_follows_reservation),
        FX(test_cancellation_boundary_and_noshow),
        FX(test_price_version_mid_month),
        FX(test_run_idempotent_and_immutable),
        FX(test_concurrent_runs_gapless),
        FX(test_drafts_and_skips),
        FX(test_credit_notes_and_payments),
        FX(test_recurring_summary_and_csv),
        cmocka_unit_test(test_validator_batch),
    };
    return cmocka_run_group_tests_name("billing", tests, group_setup, group_teardown);
}
