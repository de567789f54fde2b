/* test_ubl.c: UBL invoices and credit notes (billing/ubl) and the HTML
 * invoice page (billing/invhtml), built from billing/bill_calc prices.
 * Golden cases are compared byte for byte with tests/golden/invoices/; run
 * with LABPASS_UPDATE_GOLDEN=1 to rewrite them, then review the diff. Every
 * UBL document produced (golden and hostile) is checked at the end in one
 * batch by ../shared/einvoice/validate (UBL XSD, EN 16931, Peppol BIS 3 with
 * the NL rules), relative to the repository root the tests run from. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tests/lib/einvoice_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "billing/bill_calc.h"
#include "billing/invhtml.h"
#include "billing/invpdf.h"
#include "billing/ubl.h"
#include "core/ltime.h"

#define GOLDEN_DIR "tests/golden/invoices/"
#define MAX_FILES 32
#define H 3600

static char g_dir[] = "/tmp/lp-test-ubl-XXXXXX";
static char *g_files[MAX_FILES];
static size_t g_nfiles;

/* ---- fixtures ---- */

static const struct ubl_party site = {
    .name = "MedTech Factory B.V.", .kvk = "12345678", .vat_id = "NL123456782B01",
    .street = "Labweg 1", .city = "Leiden", .postal_zone = "2333 ZA", .country = "NL",
    .email = "billing@medtechfactory.example" };

static const struct ubl_party cellbright = {
    .name = "Cellbright B.V.", .kvk = "87654321", .vat_id = "NL864297531B01",
    .street = "Kweekstraat 7", .city = "Leiden", .postal_zone = "2311 AB", .country = "NL",
    .email = "finance@cellbright.example" };

static const struct ubl_party mediwave = {
    .name = "Mediwave BV", .vat_id = "BE0412345614", .street = "Wetenschapsstraat 5",
    .city = "Brussel", .postal_zone = "1040", .country = "BE", .email = "ap@mediwave.example" };

static const struct bcalc_vat s21 = { BCALC_VAT_S, 2100 };

static struct ubl_doc base_doc(const char *number)
{
    return (struct ubl_doc){
        .kind = UBL_INVOICE, .number = number, .issue_date = "2026-11-02", .due_date = "2026-12-02",
        .period_start = "2026-10-01", .period_end = "2026-10-31", .buyer_reference = "T-0007",
        .seller = site, .buyer = cellbright, .payment_means = 58, .iban = "NL91ABNA0417164300",
        .bic = "ABNANL2A", .account_name = "MedTech Factory B.V.",
        .payment_terms = "Payment within 30 days of the invoice date." };
}

/* Peak 90.00/h Mon-Fri 08:00-18:00, off-peak 60.00/h, 15-minute increments. */
static struct bcalc_rate std_rate(void)
{
    return (struct bcalc_rate){ .peak_cents_per_hour = 9000, .offpeak_cents_per_hour = 6000,
                                .windows = { { BCALC_MON_FRI, 480, 1080 } }, .nwindows = 1,
                                .round_minutes = 15 };
}

static int64_t T(int y, int m, int d, int h, int mi) { return lt_from_local(y, m, d, h, mi, 0); }

/* Invoice lines with the storage for their strings. */
struct lineset {
    struct ubl_line l[8];
    size_t n;
    char name[8][96], desc[8][96], from[8][11], to[8][11];
};

static struct ubl_line *next_line(struct lineset *ls, const char *name, int64_t s, int64_t e)
{
    assert_true(ls->n < 8);
    size_t i = ls->n++;
    struct tm a, b;
    lt_local(s, &a);
    lt_local(e, &b);
    snprintf(ls->name[i], sizeof ls->name[i], "%s", name);
    snprintf(ls->desc[i], sizeof ls->desc[i], "%04d-%02d-%02d %02d:%02d - %04d-%02d-%02d %02d:%02d",
             a.tm_year + 1900, a.tm_mon + 1, a.tm_mday, a.tm_hour, a.tm_min, b.tm_year + 1900,
             b.tm_mon + 1, b.tm_mday, b.tm_hour, b.tm_min);
    ubl_date_of(s, ls->from[i]);
    ubl_date_of(e > s ? e - 1 : e, ls->to[i]);
    ls->l[i] = (struct ubl_line){ .name = ls->name[i], .description = ls->desc[i],
                                  .period_start = ls->from[i], .period_end = ls->to[i] };
    return &ls->l[i];
}

static void add_price(struct lineset *ls, const struct bcalc_rate *r, const struct bcalc_price *p,
                      const char *resource, struct bcalc_vat vat)
{
    static const char *const suffix[] = { [BCALC_PART_HOURS] = "", [BCALC_PART_PEAK] = ", peak hours",
                                          [BCALC_PART_OFFPEAK] = ", off-peak hours",
                                          [BCALC_PART_MINIMUM] = ", minimum charge supplement",
                                          [BCALC_PART_FEE] = "" };
    struct bcalc_part parts[3];
    size_t n = bcalc_price_parts(r, p, parts);
    for (size_t k = 0; k < n; k++) {
        char name[96];
        snprintf(name, sizeof name, "%s%s", resource, suffix[parts[k].kind]);
        struct ubl_line *l = next_line(ls, name, p->start, p->end);
        l->unit = parts[k].unit;
        l->qty_e6 = parts[k].qty_e6;
        l->price_cents = parts[k].unit_cents;
        l->net_cents = parts[k].net_cents;
        l->vat = vat;
    }
}

static void add_fee(struct lineset *ls, const char *name, int64_t s, int64_t e, int64_t fee)
{
    struct bcalc_part part = bcalc_fee_part(fee);
    struct ubl_line *l = next_line(ls, name, s, e);
    l->unit = UBL_UNIT_PIECE;
    l->qty_e6 = part.qty_e6;
    l->price_cents = part.unit_cents;
    l->net_cents = part.net_cents;
    l->vat = s21;
}

/* ---- files ---- */

static int setup(void **st)
{
    if (lt_set_zone("Europe/Amsterdam") != 0) return -1;
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **st)
{
    for (size_t i = 0; i < g_nfiles; i++) {
        unlink(g_files[i]);
        free(g_files[i]);
    }
    rmdir(g_dir);
    return 0;
}


static void spill(const char *path, const char *buf, size_t len)
{
    assert_int_equal(ev_spill(path, buf, len), 0);
}

/* Keeps a UBL document for the validator batch. */
static void keep(const char *name, const char *buf, size_t len)
{
    char path[128];
    assert_true(g_nfiles < MAX_FILES);
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    spill(path, buf, len);
    g_files[g_nfiles++] = strdup(path);
}

static void golden(const char *name, const char *buf, size_t len)
{
    char why[400];
    if (ev_golden(GOLDEN_DIR, name, buf, len, why, sizeof why) != 0) fail_msg("%s", why);
}

/* Writes d, checks it is well-formed, keeps it for the validator and, when
 * gold, compares it with tests/golden/invoices/NAME.xml. */
static void produce(const char *name, const struct ubl_doc *d, bool gold)
{
    char *xml = NULL, file[64];
    size_t len = 0;
    assert_int_equal(ubl_write(d, &xml, &len), 0);
    assert_int_equal(strlen(xml), len);
    assert_int_equal(ubl_wellformed(xml, len), 0);
    snprintf(file, sizeof file, "%s.xml", name);
    keep(file, xml, len);
    if (gold) golden(file, xml, len);
    free(xml);
}

static struct bcalc_totals totals_of(const struct ubl_doc *d)
{
    struct bcalc_totals t;
    assert_int_equal(ubl_check(d, &t), 0);
    return t;
}

/* ---- golden cases ---- */

static void test_peak_straddle(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_policy pol = { .basis = BCALC_BASIS_ACTUAL };
    struct bcalc_usage u = { T(2026, 10, 5, 16, 30), T(2026, 10, 5, 19, 30), true,
                             T(2026, 10, 5, 16, 32), T(2026, 10, 5, 19, 41) };
    struct bcalc_price p;
    struct lineset ls = { .n = 0 };
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    assert_int_equal(p.peak_secs, 88 * 60);                /* 16:32-18:00 */
    assert_int_equal(p.offpeak_secs, 107 * 60);            /* 18:00-19:41 + 6 min rounding */
    assert_int_equal(p.total_cents, 23900);
    add_price(&ls, &r, &p, "ML-1 lab 2", s21);
    struct ubl_doc d = base_doc("LP-2026-0101");
    d.lines = ls.l;
    d.nlines = ls.n;
    assert_int_equal(totals_of(&d).payable_cents, 28919);
    produce("peak_straddle", &d, true);
}

static void test_dst_nights(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price oct, mar;
    struct lineset ls = { .n = 0 };
    assert_int_equal(bcalc_price_interval(&r, T(2026, 10, 24, 20, 0), T(2026, 10, 25, 8, 0), &oct), 0);
    assert_int_equal(bcalc_price_interval(&r, T(2026, 3, 28, 20, 0), T(2026, 3, 29, 8, 0), &mar), 0);
    assert_int_equal(oct.billed_secs, 13 * H);             /* clocks back: 13 h */
    assert_int_equal(mar.billed_secs, 11 * H);             /* clocks forward: 11 h */
    add_price(&ls, &r, &oct, "Incubator room 1", s21);
    add_price(&ls, &r, &mar, "Incubator room 1", s21);
    struct ubl_doc d = base_doc("LP-2026-0102");
    d.period_start = d.period_end = NULL;
    d.lines = ls.l;
    d.nlines = ls.n;
    struct bcalc_totals t = totals_of(&d);
    assert_int_equal(t.line_ext_cents, 78000 + 66000);
    produce("dst_nights", &d, true);
}

static void test_vat_rounding(void **st)
{
    struct bcalc_rate r = { .peak_cents_per_hour = 5000, .offpeak_cents_per_hour = 5000,
                            .round_minutes = 15 };
    struct lineset ls = { .n = 0 };
    for (int day = 6; day <= 8; day++) {
        struct bcalc_price p;
        assert_int_equal(bcalc_price_interval(&r, T(2026, 10, day, 9, 0), T(2026, 10, day, 9, 15), &p), 0);
        assert_int_equal(p.total_cents, 1250);
        add_price(&ls, &r, &p, "Biosafety cabinet B", s21);
    }
    struct ubl_doc d = base_doc("LP-2026-0103");
    d.lines = ls.l;
    d.nlines = ls.n;
    struct bcalc_totals t = totals_of(&d);
    assert_int_equal(t.tax_cents, 788);                    /* per line it would be 789 */
    assert_int_equal(3 * bcalc_apply_bp(1250, 2100), 789);
    produce("vat_rounding", &d, true);
}

/* A late cancellation (23 h 59 before: fee), a free one (24 h 01 before: no
 * line) and a no-show, as the fee lines of one invoice. */
static void test_fees(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_policy pol = { .basis = BCALC_BASIS_ACTUAL, .free_cancel_hours = 24,
                                .cancel_fee = { BCALC_FEE_PERCENT, 5000 },
                                .noshow_fee = { BCALC_FEE_FIXED, 7500 } };
    struct bcalc_price late, early, p, booked;
    int64_t s1 = T(2026, 10, 12, 10, 0), e1 = T(2026, 10, 12, 14, 0);
    int64_t s2 = T(2026, 10, 14, 10, 0), e2 = T(2026, 10, 14, 12, 0), fee1, fee2, fee3;
    assert_int_equal(bcalc_price_interval(&r, s1, e1, &late), 0);
    assert_int_equal(bcalc_price_interval(&r, s2, e2, &early), 0);
    assert_int_equal(bcalc_cancel_fee(&pol, late.total_cents, s1, s1 - (23 * H + 59 * 60), &fee1), 0);
    assert_int_equal(bcalc_cancel_fee(&pol, early.total_cents, s2, s2 - (24 * H + 60), &fee2), 0);
    assert_int_equal(fee1, 18000);                         /* 23 h 59 before: 50 % of 360.00 */
    assert_int_equal(fee2, 0);                             /* 24 h 01 before: free, no line */
    struct bcalc_usage u = { T(2026, 10, 21, 9, 0), T(2026, 10, 21, 11, 0), false, 0, 0 };
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), LP_ERR_STATE);
    assert_int_equal(bcalc_price_interval(&r, u.booked_start, u.booked_end, &booked), 0);
    assert_int_equal(bcalc_noshow_fee(&pol, booked.total_cents, &fee3), 0);
    assert_int_equal(fee3, 7500);
    struct lineset ls = { .n = 0 };
    add_fee(&ls, "Late cancellation fee, ML-1 lab 2", s1, e1, fee1);
    add_fee(&ls, "No-show fee, ML-1 lab 2", u.booked_start, u.booked_end, fee3);
    struct ubl_doc d = base_doc("LP-2026-0104");
    d.lines = ls.l;
    d.nlines = ls.n;
    assert_int_equal(totals_of(&d).payable_cents, 25500 + 5355);
    produce("fees", &d, true);
}

static void test_actual_vs_booked(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_policy pol = { .basis = BCALC_BASIS_MAX };
    struct bcalc_usage longer = { T(2026, 10, 13, 9, 0), T(2026, 10, 13, 11, 0), true,
                                  T(2026, 10, 13, 9, 5), T(2026, 10, 13, 11, 50) };
    struct bcalc_usage shorter = { T(2026, 10, 15, 13, 0), T(2026, 10, 15, 17, 0), true,
                                   T(2026, 10, 15, 13, 10), T(2026, 10, 15, 15, 0) };
    struct bcalc_price p1, p2;
    assert_int_equal(bcalc_price_usage(&r, &pol, &longer, &p1), 0);
    assert_int_equal(bcalc_price_usage(&r, &pol, &shorter, &p2), 0);
    assert_int_equal(p1.billed_secs, 3 * H);               /* 09:00-11:50, overrun charged */
    assert_int_equal(p2.billed_secs, 4 * H);               /* the booked slot */
    struct lineset ls = { .n = 0 };
    add_price(&ls, &r, &p1, "ML-1 lab 3", s21);
    add_price(&ls, &r, &p2, "ML-1 lab 3", s21);
    struct ubl_doc d = base_doc("LP-2026-0105");
    d.lines = ls.l;
    d.nlines = ls.n;
    assert_int_equal(totals_of(&d).line_ext_cents, 27000 + 36000);
    produce("actual_vs_booked", &d, true);
}

static struct ubl_doc reverse_charge_doc(struct lineset *ls)
{
    struct bcalc_rate r = { .peak_cents_per_hour = 12000, .offpeak_cents_per_hour = 12000,
                            .round_minutes = 15 };
    struct bcalc_price p;
    struct bcalc_vat v;
    assert_int_equal(bcalc_vat_for_buyer(s21, "NL", mediwave.country, mediwave.vat_id, true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_AE);
    assert_int_equal(bcalc_price_interval(&r, T(2026, 10, 20, 10, 0), T(2026, 10, 20, 12, 0), &p), 0);
    add_price(ls, &r, &p, "Flow cytometer", v);
    struct ubl_doc d = base_doc("LP-2026-0106");
    d.buyer = mediwave;
    d.buyer_reference = "PO-88213";
    d.lines = ls->l;
    d.nlines = ls->n;
    return d;
}

static void test_reverse_charge(void **st)
{
    struct lineset ls = { .n = 0 };
    struct ubl_doc d = reverse_charge_doc(&ls);
    struct bcalc_totals t = totals_of(&d);
    assert_int_equal(t.tax_cents, 0);
    assert_int_equal(t.payable_cents, 24000);
    produce("reverse_charge", &d, true);
}

static void test_vat_exempt(void **st)
{
    struct lineset ls = { .n = 0 };
    struct ubl_line *l = next_line(&ls, "Lab space rental, unit 2.14", T(2026, 10, 1, 0, 0),
                                   T(2026, 11, 1, 0, 0));
    l->unit = UBL_UNIT_PIECE;
    l->qty_e6 = 1000000;
    l->price_cents = l->net_cents = 185000;
    l->vat = (struct bcalc_vat){ BCALC_VAT_E, 0 };
    struct ubl_doc d = base_doc("LP-2026-0107");
    d.exempt_reason = "Exempt letting of immovable property (art. 11(1)(b) Wet OB)";
    d.lines = ls.l;
    d.nlines = ls.n;
    assert_int_equal(totals_of(&d).payable_cents, 185000);
    produce("vat_exempt", &d, true);
}

static void test_credit_note(void **st)
{
    struct lineset ls = { .n = 0 };
    struct ubl_line *l = next_line(&ls, "ML-1 lab 2, peak hours (correction)",
                                   T(2026, 10, 5, 16, 32), T(2026, 10, 5, 19, 41));
    l->unit = UBL_UNIT_HOUR;
    l->qty_e6 = 250000;
    l->price_cents = 9000;
    l->net_cents = 2250;
    l->vat = s21;
    struct ubl_doc d = base_doc("CN-2026-0001");
    d.kind = UBL_CREDIT_NOTE;
    d.issue_date = "2026-11-09";
    d.due_date = NULL;
    d.corrected_number = "LP-2026-0101";
    d.corrected_date = "2026-11-02";
    d.payment_terms = "The credited amount is set off against the next invoice.";
    d.lines = ls.l;
    d.nlines = ls.n;
    assert_int_equal(totals_of(&d).payable_cents, 2250 + 473);
    produce("credit_note", &d, true);
}

/* ---- hostile strings ---- */

static char g_long[6000];

static const char hostile_name[] =
    "Tom & Jerry <Labs> \"quoted\" 'single' \x01\x02\x1b[31m \xff\xfe \xc3\x28 \xc0\xaf "
    "\xed\xa0\x80 \xef\xbf\xbe ]]> <![CDATA[x]]> &amp; &#0; \xf0\x9f\xa7\xaa Caf\xc3\xa9 B.V.";

static const char hostile_desc[] =
    "line one\r\nline two\ttabbed\r<script>alert(1)</script>\x7f\xc2\x85 <!DOCTYPE x [<!ENTITY e "
    "SYSTEM \"file:///etc/passwd\">]>&e;";

static struct ubl_doc hostile_doc(struct lineset *ls, struct ubl_party *buyer)
{
    memset(g_long, 'A', sizeof g_long - 1);
    memcpy(g_long + 100, "\xe2\x82\xac", 3);     /* multi-byte characters around the cut */
    for (size_t i = 250; i < 260; i++) g_long[i] = (char)(i % 2 ? 0xc3 : 0xa9);
    static const struct bcalc_vat cats[] = { { BCALC_VAT_S, 2100 }, { BCALC_VAT_S, 900 },
                                             { BCALC_VAT_Z, 0 } };
    for (size_t i = 0; i < 3; i++) {
        struct ubl_line *l = next_line(ls, "x", T(2026, 10, 5, 9, 0), T(2026, 10, 5, 10, 0));
        l->name = i == 0 ? hostile_name : g_long;
        l->description = hostile_desc;
        l->unit = UBL_UNIT_HOUR;
        l->qty_e6 = 1500000;
        l->price_cents = 3333;
        l->net_cents = 5000;                               /* 49.995 within 0.02 */
        l->vat = cats[i];
    }
    *buyer = cellbright;
    buyer->name = g_long;
    buyer->kvk = NULL;                                     /* EndpointID 9944 by VAT number */
    buyer->street = hostile_name;
    buyer->city = "'s-Hertogenbosch & \"Den Bosch\"";
    struct ubl_doc d = base_doc("LP-2026-9001");
    d.buyer = *buyer;
    d.buyer_reference = "<ref> & 'x' \x01";
    d.note = hostile_desc;
    d.account_name = hostile_name;
    d.payment_terms = hostile_desc;
    d.lines = ls->l;
    d.nlines = ls->n;
    return d;
}

static void assert_clean_xml(const char *xml, size_t len)
{
    for (size_t i = 0; i < len; i++)
        assert_true((unsigned char)xml[i] >= 0x20 || xml[i] == '\n');
    assert_non_null(strstr(xml, "Tom &amp; Jerry &lt;Labs&gt;"));
    assert_non_null(strstr(xml, "\xef\xbf\xbd"));         /* invalid bytes replaced */
    assert_null(strstr(xml, "\xef\xbf\xbe"));              /* U+FFFE dropped */
    assert_null(strstr(xml, "<script"));
    assert_null(strstr(xml, "<!DOCTYPE x"));
    assert_null(strstr(xml, "<![CDATA["));
}

static void test_hostile_invoice(void **st)
{
    struct lineset ls = { .n = 0 };
    struct ubl_party buyer;
    struct ubl_doc d = hostile_doc(&ls, &buyer);
    char *xml = NULL;
    size_t len = 0;
    assert_int_equal(ubl_write(&d, &xml, &len), 0);
    assert_clean_xml(xml, len);
    assert_non_null(strstr(xml, "<cbc:EndpointID schemeID=\"9944\">NL864297531B01</cbc:EndpointID>"));
    char *name = strstr(xml, "<cbc:RegistrationName>AAAA");
    assert_non_null(name);
    name += strlen("<cbc:RegistrationName>");
    assert_true(strcspn(name, "<") < UBL_SHORT_TEXT);      /* long name cut */
    free(xml);
    produce("hostile_invoice", &d, false);
}

static void test_hostile_credit_note(void **st)
{
    struct lineset ls = { .n = 0 };
    struct ubl_party buyer;
    struct ubl_doc d = hostile_doc(&ls, &buyer);
    d.kind = UBL_CREDIT_NOTE;
    d.number = "CN-2026-9001";
    d.corrected_number = "LP-2026-9001";
    ls.l[2].vat = (struct bcalc_vat){ BCALC_VAT_E, 0 };
    d.exempt_reason = hostile_name;
    produce("hostile_credit_note", &d, false);
}

/* ---- refused documents ---- */

static void m_number(struct ubl_doc *d, struct ubl_line *l) { d->number = "LP 2026/1"; }
static void m_date(struct ubl_doc *d, struct ubl_line *l) { d->issue_date = "2026-02-30"; }
static void m_due(struct ubl_doc *d, struct ubl_line *l) { d->due_date = "2026-11-01"; }
static void m_iban(struct ubl_doc *d, struct ubl_line *l) { d->iban = "NL91ABNA0417164301"; }
static void m_bic(struct ubl_doc *d, struct ubl_line *l) { d->bic = "ABN"; }
static void m_ref(struct ubl_doc *d, struct ubl_line *l) { d->buyer_reference = " \x01\x02\t "; }
static void m_means(struct ubl_doc *d, struct ubl_line *l) { d->payment_means = 31; }
static void m_seller_kvk(struct ubl_doc *d, struct ubl_line *l) { d->seller.kvk = NULL; }
static void m_seller_vat(struct ubl_doc *d, struct ubl_line *l) { d->seller.vat_id = "nl1"; }
static void m_country(struct ubl_doc *d, struct ubl_line *l) { d->buyer.country = "Nederland"; }
static void m_email(struct ubl_doc *d, struct ubl_line *l) { d->buyer.email = "finance at x"; }
static void m_no_endpoint(struct ubl_doc *d, struct ubl_line *l) { d->buyer.kvk = d->buyer.vat_id = NULL; }
static void m_scheme(struct ubl_doc *d, struct ubl_line *l) { d->buyer.endpoint_scheme = "12a4"; d->buyer.endpoint_id = "x"; }
static void m_ae_no_vat(struct ubl_doc *d, struct ubl_line *l) { l->vat = (struct bcalc_vat){ BCALC_VAT_AE, 0 }; d->buyer.vat_id = NULL; }
static void m_e_no_reason(struct ubl_doc *d, struct ubl_line *l) { l->vat = (struct bcalc_vat){ BCALC_VAT_E, 0 }; }
static void m_s_zero(struct ubl_doc *d, struct ubl_line *l) { l->vat = (struct bcalc_vat){ BCALC_VAT_S, 0 }; }
static void m_sum(struct ubl_doc *d, struct ubl_line *l) { l->net_cents += 3; }
static void m_price(struct ubl_doc *d, struct ubl_line *l) { l->price_cents = -1; l->qty_e6 = -l->qty_e6; }
static void m_name(struct ubl_doc *d, struct ubl_line *l) { l->name = "\x01"; }
static void m_period(struct ubl_doc *d, struct ubl_line *l) { l->period_start = l->period_end = "2026-11-01"; }
static void m_no_lines(struct ubl_doc *d, struct ubl_line *l) { d->nlines = 0; }
static void m_credit_ref(struct ubl_doc *d, struct ubl_line *l) { d->kind = UBL_CREDIT_NOTE; d->corrected_number = NULL; }
static void m_credit_terms(struct ubl_doc *d, struct ubl_line *l) { d->kind = UBL_CREDIT_NOTE; d->corrected_number = "LP-1"; d->payment_terms = NULL; }
static void m_line_id(struct ubl_doc *d, struct ubl_line *l) { l->id = "a b"; }

static void test_refused(void **st)
{
    static void (*const mutate[])(struct ubl_doc *, struct ubl_line *) = {
        m_number, m_date, m_due, m_iban, m_bic, m_ref, m_means, m_seller_kvk, m_seller_vat,
        m_country, m_email, m_no_endpoint, m_scheme, m_ae_no_vat, m_e_no_reason, m_s_zero, m_sum,
        m_price, m_name, m_period, m_no_lines, m_credit_ref, m_credit_terms, m_line_id };
    for (size_t i = 0; i < sizeof mutate / sizeof mutate[0]; i++) {
        struct lineset ls = { .n = 0 };
        struct ubl_line *l = next_line(&ls, "ML-1 lab 2", T(2026, 10, 5, 9, 0), T(2026, 10, 5, 10, 0));
        *l = (struct ubl_line){ .unit = UBL_UNIT_HOUR, .qty_e6 = 1000000, .price_cents = 9000,
                                .net_cents = 9000, .name = "ML-1 lab 2", .vat = s21,
                                .period_start = "2026-10-05", .period_end = "2026-10-05" };
        struct ubl_doc d = base_doc("LP-2026-0001");
        d.lines = ls.l;
        d.nlines = 1;
        char *out = NULL, *html = NULL;
        size_t len = 0;
        assert_int_equal(ubl_check(&d, NULL), 0);
        mutate[i](&d, l);
        if (ubl_check(&d, NULL) != LP_ERR_INVALID) fail_msg("mutation %zu was accepted", i);
        assert_int_equal(invhtml_render(&d, "en", &html, &len), LP_ERR_INVALID);
        assert_int_equal(ubl_write(&d, &out, &len), LP_ERR_INVALID);
        assert_null(out);
        assert_null(html);
    }
}

static void test_text_clean_and_formats(void **st)
{
    char buf[16], f[32];
    assert_int_equal(ubl_text_clean("  a\x01" "b\tc\n ", true, buf, sizeof buf), 4);
    assert_string_equal(buf, "ab c");
    ubl_text_clean("x\r\ny\xff", false, buf, sizeof buf);
    assert_string_equal(buf, "x\ny\xef\xbf\xbd");
    ubl_text_clean("abcdefghijklm\xe2\x82\xac", true, buf, sizeof buf);  /* no half euro sign */
    assert_string_equal(buf, "abcdefghijklm");
    assert_int_equal(ubl_text_clean(NULL, true, buf, sizeof buf), 0);
    ubl_fmt_amount(-5, f);
    assert_string_equal(f, "-0.05");
    ubl_fmt_amount(123456, f);
    assert_string_equal(f, "1234.56");
    ubl_fmt_qty(1466667, f);
    assert_string_equal(f, "1.466667");
    ubl_fmt_qty(2500000, f);
    assert_string_equal(f, "2.5");
    ubl_fmt_qty(-1000000, f);
    assert_string_equal(f, "-1");
    ubl_fmt_percent(2100, f);
    assert_string_equal(f, "21");
    ubl_fmt_percent(550, f);
    assert_string_equal(f, "5.5");
    ubl_fmt_percent(0, f);
    assert_string_equal(f, "0");
    ubl_date_of(T(2026, 10, 25, 0, 30), buf);
    assert_string_equal(buf, "2026-10-25");
    assert_int_equal(ubl_wellformed("<a>&x;</a>", 10), LP_ERR_INVALID);
    assert_int_equal(ubl_wellformed("<!DOCTYPE a><a/>", 16), LP_ERR_INVALID);
    assert_int_equal(ubl_wellformed("<a/>", 4), 0);
}

/* ---- HTML page ---- */

static void html_golden(const char *name, const struct ubl_doc *d, const char *lang)
{
    char *html = NULL;
    size_t len = 0;
    assert_int_equal(invhtml_render(d, lang, &html, &len), 0);
    assert_int_equal(strlen(html), len);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "http"));                     /* nothing loaded from outside */
    golden(name, html, len);
    free(html);
}

static void test_html_pages(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    struct lineset ls = { .n = 0 };
    assert_int_equal(bcalc_price_interval(&r, T(2026, 10, 5, 16, 32), T(2026, 10, 5, 19, 41), &p), 0);
    add_price(&ls, &r, &p, "ML-1 lab 2", s21);
    struct ubl_doc d = base_doc("LP-2026-0101");
    d.lines = ls.l;
    d.nlines = ls.n;
    html_golden("peak_straddle.nl.html", &d, "nl");
    struct lineset rs = { .n = 0 };
    struct ubl_doc rc = reverse_charge_doc(&rs);
    html_golden("reverse_charge.en.html", &rc, "en");
    char *html = NULL;
    size_t len;
    assert_int_equal(invhtml_render(&d, "de", &html, &len), LP_ERR_INVALID);
    assert_int_equal(invhtml_render(&d, NULL, &html, &len), LP_ERR_INVALID);
    assert_null(html);
}

static void test_html_hostile(void **st)
{
    struct lineset ls = { .n = 0 };
    struct ubl_party buyer;
    struct ubl_doc d = hostile_doc(&ls, &buyer);
    char *html = NULL;
    size_t len = 0;
    assert_int_equal(invhtml_render(&d, "nl", &html, &len), 0);
    for (size_t i = 0; i < len; i++)
        assert_true((unsigned char)html[i] >= 0x20 || html[i] == '\n');
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "Tom &amp; Jerry &lt;Labs&gt; &quot;quoted&quot; &#39;single&#39;"));
    assert_null(strstr(html, "<!DOCTYPE x"));
    assert_null(strstr(html, "\xff"));
    free(html);
}

/* ---- PDF ---- */

static size_t count(const char *hay, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        if (memcmp(hay + i, needle, k) == 0) n++;
    return n;
}

static void test_pdf(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    struct lineset ls = { .n = 0 };
    assert_int_equal(bcalc_price_interval(&r, T(2026, 10, 5, 16, 32), T(2026, 10, 5, 19, 41), &p), 0);
    add_price(&ls, &r, &p, "ML-1 lab 2", s21);
    struct ubl_doc d = base_doc("LP-2026-0101");
    d.lines = ls.l;
    d.nlines = ls.n;
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(invpdf_render(&d, "nl", &a, &na), 0);
    assert_true(na > 1000);
    assert_memory_equal(a, "%PDF-", 5);
    assert_non_null(strstr(a + na - 8, "%%EOF"));
    assert_int_equal(count(a, na, "/Type /Page\n") + count(a, na, "/Type /Page\r") + count(a, na, "/Type /Page "), 1);
    assert_int_equal(invpdf_render(&d, "nl", &b, &nb), 0);   /* the same document, the same bytes: no clock inside */
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a); free(b);
    a = NULL;
    assert_int_equal(invpdf_render(&d, "de", &a, &na), LP_ERR_INVALID);
    assert_int_equal(invpdf_render(&d, NULL, &a, &na), LP_ERR_INVALID);
    assert_null(a);
    struct ubl_doc bad = d;
    bad.nlines = 0;
    assert_int_equal(invpdf_render(&bad, "en", &a, &na), LP_ERR_INVALID);
    /* hostile text renders (cleaned), a reverse charge in English too */
    struct lineset hs = { .n = 0 };
    struct ubl_party buyer;
    struct ubl_doc h = hostile_doc(&hs, &buyer);
    assert_int_equal(invpdf_render(&h, "nl", &a, &na), 0);
    assert_memory_equal(a, "%PDF-", 5);
    free(a);
    struct lineset rs = { .n = 0 };
    struct ubl_doc rc = reverse_charge_doc(&rs);
    assert_int_equal(invpdf_render(&rc, "en", &a, &na), 0);
    free(a);
    /* 120 lines continue over pages */
    struct ubl_line many[120];
    for (int i = 0; i < 120; i++) {
        many[i] = ls.l[0];
        many[i].description = "A long description that wraps: the cabinet was cleaned after use, and the "
                              "next booking started on time, as the rules of the lab require.";
    }
    d.lines = many;
    d.nlines = 120;
    assert_int_equal(invpdf_render(&d, "en", &a, &na), 0);
    assert_true(count(a, na, "/Type /Page\n") + count(a, na, "/Type /Page ") >= 3);
    free(a);
}

/* ---- the external validator, once over every document produced ---- */

static void test_validator_batch(void **st)
{
    char why[400];
    assert_true(g_nfiles >= 10);
    int vrc = ev_validate(g_files, g_nfiles, why, sizeof why);
    if (vrc == EV_SKIP) skip();
    if (vrc != 0) fail_msg("%s", why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_clean_and_formats),
        cmocka_unit_test(test_peak_straddle),
        cmocka_unit_test(test_dst_nights),
        cmocka_unit_test(test_vat_rounding),
        cmocka_unit_test(test_fees),
        cmocka_unit_test(test_actual_vs_booked),
        cmocka_unit_test(test_reverse_charge),
        cmocka_unit_test(test_vat_exempt),
        cmocka_unit_test(test_credit_note),
        cmocka_unit_test(test_hostile_invoice),
        cmocka_unit_test(test_hostile_credit_note),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_html_pages),
        cmocka_unit_test(test_html_hostile),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_validator_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
