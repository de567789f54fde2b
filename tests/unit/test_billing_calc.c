/* test_billing_calc.c: unit tests for billing/bill_calc (rates, peak split
 * across midnight and DST, rounding, minimum charge, billing basis,
 * cancellation and no-show fees, VAT per rate and the EN 16931 totals). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "billing/bill_calc.h"
#include "core/ltime.h"

#define H 3600
#define MIN 60

static int64_t T(int y, int m, int d, int h, int mi) { return lt_from_local(y, m, d, h, mi, 0); }

/* Peak 90.00/h Mon-Fri 08:00-18:00, off-peak 60.00/h, 15-minute increments. */
static struct bcalc_rate std_rate(void)
{
    struct bcalc_rate r = { .peak_cents_per_hour = 9000, .offpeak_cents_per_hour = 6000,
                            .windows = { { BCALC_MON_FRI, 8 * 60, 18 * 60 } }, .nwindows = 1,
                            .round_minutes = 15 };
    return r;
}

static int setup(void **st)
{
    return lt_set_zone("Europe/Amsterdam");
}

static void price(const struct bcalc_rate *r, int64_t s, int64_t e, struct bcalc_price *p)
{
    assert_int_equal(bcalc_price_interval(r, s, e, p), 0);
    assert_int_equal(p->peak_secs + p->offpeak_secs, p->billed_secs);
    assert_int_equal(p->peak_cents + p->offpeak_cents + p->minimum_cents, p->total_cents);
}

static void test_straddle_peak_end(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    price(&r, T(2026, 11, 2, 16, 30), T(2026, 11, 2, 19, 30), &p);   /* Monday */
    assert_int_equal(p.peak_secs, 90 * MIN);
    assert_int_equal(p.offpeak_secs, 90 * MIN);
    assert_int_equal(p.peak_cents, 13500);
    assert_int_equal(p.offpeak_cents, 9000);
    assert_int_equal(p.total_cents, 22500);
    price(&r, T(2026, 11, 2, 7, 0), T(2026, 11, 2, 9, 0), &p);       /* straddles 08:00 */
    assert_int_equal(p.peak_secs, 1 * H);
    assert_int_equal(p.offpeak_secs, 1 * H);
}

static void test_across_midnight_and_weekend(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    price(&r, T(2026, 11, 5, 22, 0), T(2026, 11, 6, 9, 0), &p);      /* Thu 22:00 - Fri 09:00 */
    assert_int_equal(p.peak_secs, 1 * H);
    assert_int_equal(p.offpeak_secs, 10 * H);
    price(&r, T(2026, 11, 6, 17, 0), T(2026, 11, 9, 9, 0), &p);      /* Fri 17:00 - Mon 09:00 */
    assert_int_equal(p.peak_secs, 2 * H);
    assert_int_equal(p.offpeak_secs, 62 * H);
    price(&r, T(2026, 11, 7, 8, 0), T(2026, 11, 7, 18, 0), &p);      /* Saturday */
    assert_int_equal(p.peak_secs, 0);
}

static void test_dst_days(void **st)
{
    /* A window covering the whole day: the October day is 25 h, March 23 h. */
    struct bcalc_rate r = { .peak_cents_per_hour = 100, .offpeak_cents_per_hour = 0,
                            .windows = { { BCALC_EVERY_DAY, 0, 1440 } }, .nwindows = 1 };
    int64_t peak;
    assert_int_equal(bcalc_peak_secs(&r, T(2026, 10, 25, 0, 0), T(2026, 10, 26, 0, 0), &peak), 0);
    assert_int_equal(peak, 25 * H);
    assert_int_equal(bcalc_peak_secs(&r, T(2026, 3, 29, 0, 0), T(2026, 3, 30, 0, 0), &peak), 0);
    assert_int_equal(peak, 23 * H);
    /* A night window 01:00-04:00 holds 4 real hours in October, 2 in March. */
    r.windows[0] = (struct bcalc_window){ BCALC_EVERY_DAY, 60, 240 };
    assert_int_equal(bcalc_peak_secs(&r, T(2026, 10, 24, 20, 0), T(2026, 10, 25, 8, 0), &peak), 0);
    assert_int_equal(peak, 4 * H);
    assert_int_equal(bcalc_peak_secs(&r, T(2026, 3, 28, 20, 0), T(2026, 3, 29, 8, 0), &peak), 0);
    assert_int_equal(peak, 2 * H);
    /* Ending inside the repeated hour: 01:00 CEST .. 02:30 CET is 2.5 h. */
    int64_t second_0230 = T(2026, 10, 25, 2, 30) + H;
    assert_int_equal(bcalc_peak_secs(&r, T(2026, 10, 25, 0, 0), second_0230, &peak), 0);
    assert_int_equal(peak, 150 * MIN);
}

static void test_dst_night_booking(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    price(&r, T(2026, 10, 24, 20, 0), T(2026, 10, 25, 8, 0), &p);    /* Sat-Sun, clocks back */
    assert_int_equal(p.exact_secs, 13 * H);
    assert_int_equal(p.offpeak_secs, 13 * H);
    assert_int_equal(p.total_cents, 78000);
    price(&r, T(2026, 3, 28, 20, 0), T(2026, 3, 29, 8, 0), &p);      /* clocks forward */
    assert_int_equal(p.exact_secs, 11 * H);
    assert_int_equal(p.total_cents, 66000);
    /* Sunday night into Monday peak across the October change. */
    price(&r, T(2026, 10, 25, 0, 0), T(2026, 10, 26, 10, 0), &p);
    assert_int_equal(p.peak_secs, 2 * H);
    assert_int_equal(p.offpeak_secs, 33 * H);
}

static void test_rounding_whole_booking(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    /* 70 min in peak -> 75 min; the 5 extra minutes at the peak tariff. */
    price(&r, T(2026, 11, 2, 10, 0), T(2026, 11, 2, 11, 10), &p);
    assert_int_equal(p.billed_secs, 75 * MIN);
    assert_int_equal(p.peak_secs, 75 * MIN);
    assert_int_equal(p.total_cents, 11250);
    /* 17:50-18:10: 10 peak + 10 off -> 30 min; the extra 10 at off-peak
     * (tariff of the last second), not split again. */
    price(&r, T(2026, 11, 2, 17, 50), T(2026, 11, 2, 18, 10), &p);
    assert_int_equal(p.peak_secs, 10 * MIN);
    assert_int_equal(p.offpeak_secs, 20 * MIN);
    assert_int_equal(p.total_cents, 1500 + 2000);
    /* Exactly on the increment: nothing added. */
    price(&r, T(2026, 11, 2, 17, 45), T(2026, 11, 2, 18, 15), &p);
    assert_int_equal(p.billed_secs, 30 * MIN);
    assert_int_equal(p.peak_secs, 15 * MIN);
    /* No rounding: exact seconds. */
    r.round_minutes = 0;
    price(&r, T(2026, 11, 2, 10, 0), T(2026, 11, 2, 10, 0) + 61, &p);
    assert_int_equal(p.billed_secs, 61);
    assert_int_equal(p.total_cents, 153);       /* 61 * 9000 / 3600 = 152.5 -> 153 */
}

static void test_one_rounding_point(void **st)
{
    /* 1 s peak at 18.00/h = 0.5 ct, 2 s off-peak at 9.00/h = 0.5 ct: exact
     * total 1 ct. Rounding each part would bill 2 ct. */
    struct bcalc_rate r = { .peak_cents_per_hour = 1800, .offpeak_cents_per_hour = 900,
                            .windows = { { BCALC_EVERY_DAY, 600, 1440 } }, .nwindows = 1 };
    struct bcalc_price p;
    int64_t ten = T(2026, 11, 2, 10, 0);
    price(&r, ten - 2, ten + 1, &p);
    assert_int_equal(p.peak_secs, 1);
    assert_int_equal(p.offpeak_secs, 2);
    assert_int_equal(p.total_cents, 1);
    assert_int_equal(p.peak_cents, 1);
    assert_int_equal(p.offpeak_cents, 0);
}

static void test_minimum_charge(void **st)
{
    struct bcalc_rate r = std_rate();
    r.min_charge_cents = 2500;
    struct bcalc_price p;
    struct bcalc_part parts[3];
    price(&r, T(2026, 11, 7, 10, 0), T(2026, 11, 7, 10, 10), &p);    /* Sat, 15 min off-peak */
    assert_int_equal(p.offpeak_cents, 1500);
    assert_int_equal(p.minimum_cents, 1000);
    assert_int_equal(p.total_cents, 2500);
    size_t n = bcalc_price_parts(&r, &p, parts);
    assert_int_equal(n, 2);
    assert_int_equal(parts[0].kind, BCALC_PART_OFFPEAK);
    assert_int_equal(parts[0].qty_e6, 250000);
    assert_int_equal(parts[1].kind, BCALC_PART_MINIMUM);
    assert_int_equal(parts[1].net_cents, 1000);
    /* Above the minimum: no supplement; zero duration: no minimum either. */
    price(&r, T(2026, 11, 7, 10, 0), T(2026, 11, 7, 11, 0), &p);
    assert_int_equal(p.minimum_cents, 0);
    price(&r, T(2026, 11, 7, 10, 0), T(2026, 11, 7, 10, 0), &p);
    assert_int_equal(p.total_cents, 0);
}

static void test_basis(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_policy pol = { .basis = BCALC_BASIS_BOOKED };
    struct bcalc_usage u = { .booked_start = T(2026, 11, 3, 10, 0), .booked_end = T(2026, 11, 3, 12, 0),
                             .checked_in = true, .actual_start = T(2026, 11, 3, 10, 30),
                             .actual_end = T(2026, 11, 3, 12, 40) };
    struct bcalc_price p;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    assert_int_equal(p.billed_secs, 2 * H);
    pol.basis = BCALC_BASIS_ACTUAL;                                   /* overrun charged */
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    assert_int_equal(p.exact_secs, 130 * MIN);
    assert_int_equal(p.billed_secs, 135 * MIN);
    pol.basis = BCALC_BASIS_MAX;                                      /* booked slot + overrun */
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    assert_int_equal(p.start, u.booked_start);
    assert_int_equal(p.end, u.actual_end);
    assert_int_equal(p.billed_secs, 165 * MIN);
    /* Shorter than booked. */
    u.actual_start = T(2026, 11, 3, 10, 15);
    u.actual_end = T(2026, 11, 3, 11, 0);
    pol.basis = BCALC_BASIS_ACTUAL;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    assert_int_equal(p.billed_secs, 45 * MIN);
    assert_int_equal(p.total_cents, 6750);
    pol.basis = BCALC_BASIS_MAX;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    assert_int_equal(p.billed_secs, 2 * H);
    /* Nobody came: ACTUAL and MAX refuse, BOOKED prices the slot. */
    u.checked_in = false;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), LP_ERR_STATE);
    pol.basis = BCALC_BASIS_ACTUAL;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), LP_ERR_STATE);
    pol.basis = BCALC_BASIS_BOOKED;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), 0);
    /* Malformed usage. */
    u.checked_in = true;
    u.actual_end = u.actual_start - 1;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), LP_ERR_INVALID);
    u.booked_end = u.booked_start;
    assert_int_equal(bcalc_price_usage(&r, &pol, &u, &p), LP_ERR_INVALID);
}

static void test_cancellation_boundary(void **st)
{
    struct bcalc_policy pol = { .basis = BCALC_BASIS_BOOKED, .free_cancel_hours = 24,
                                .cancel_fee = { BCALC_FEE_PERCENT, 5000 } };
    int64_t start = T(2026, 11, 4, 10, 0), fee = -1;
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - (23 * H + 59 * MIN), &fee), 0);
    assert_int_equal(fee, 18000);
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - (24 * H + 1 * MIN), &fee), 0);
    assert_int_equal(fee, 0);
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - 24 * H, &fee), 0);
    assert_int_equal(fee, 0);                                         /* exactly N h: free */
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - 24 * H + 1, &fee), 0);
    assert_int_equal(fee, 18000);
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start + H, &fee), 0);
    assert_int_equal(fee, 18000);                                     /* after the start */
    pol.cancel_fee = (struct bcalc_fee){ BCALC_FEE_PERCENT, 3333 };
    assert_int_equal(bcalc_cancel_fee(&pol, 10001, start, start - H, &fee), 0);
    assert_int_equal(fee, 3333);                                      /* 3333.33 -> 3333 */
    assert_int_equal(bcalc_cancel_fee(&pol, 15, start, start - H, &fee), 0);
    assert_int_equal(fee, 5);                                         /* 4.9995 -> 5 */
    pol.cancel_fee = (struct bcalc_fee){ BCALC_FEE_FIXED, 2500 };
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - H, &fee), 0);
    assert_int_equal(fee, 2500);
    pol.cancel_fee = (struct bcalc_fee){ BCALC_FEE_NONE, 0 };
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - H, &fee), 0);
    assert_int_equal(fee, 0);
    pol.cancel_fee = (struct bcalc_fee){ BCALC_FEE_PERCENT, 10001 };
    assert_int_equal(bcalc_cancel_fee(&pol, 36000, start, start - H, &fee), LP_ERR_INVALID);
}

static void test_noshow(void **st)
{
    struct bcalc_policy pol = { .basis = BCALC_BASIS_ACTUAL, .noshow_fee = { BCALC_FEE_FIXED, 7500 } };
    int64_t fee;
    assert_int_equal(bcalc_noshow_fee(&pol, 36000, &fee), 0);
    assert_int_equal(fee, 7500);
    pol.noshow_fee = (struct bcalc_fee){ BCALC_FEE_PERCENT, 10000 };
    assert_int_equal(bcalc_noshow_fee(&pol, 36000, &fee), 0);
    assert_int_equal(fee, 36000);
    assert_int_equal(bcalc_noshow_fee(&pol, -1, &fee), LP_ERR_INVALID);
}

static void test_vat_per_rate_not_per_line(void **st)
{
    /* Three lines of 12.50 at 21 %: per line 2.625 -> 2.63 (7.89 in all);
     * once on the 37.50 subtotal: 7.875 -> 7.88. */
    struct bcalc_totals t;
    struct bcalc_vat s21 = { BCALC_VAT_S, 2100 };
    bcalc_totals_init(&t);
    int64_t per_line = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(bcalc_totals_add(&t, 1250, s21), 0);
        per_line += bcalc_apply_bp(1250, 2100);
    }
    bcalc_totals_finish(&t);
    assert_int_equal(per_line, 789);
    assert_int_equal(t.ngroups, 1);
    assert_int_equal(t.groups[0].taxable_cents, 3750);
    assert_int_equal(t.tax_cents, 788);
    assert_int_equal(t.line_ext_cents, 3750);
    assert_int_equal(t.tax_incl_cents, 4538);
    assert_int_equal(t.payable_cents, 4538);
}

static void test_vat_groups_and_totals(void **st)
{
    struct bcalc_totals t;
    bcalc_totals_init(&t);
    assert_int_equal(bcalc_totals_add(&t, 500, (struct bcalc_vat){ BCALC_VAT_AE, 0 }), 0);
    assert_int_equal(bcalc_totals_add(&t, 1050, (struct bcalc_vat){ BCALC_VAT_S, 900 }), 0);
    assert_int_equal(bcalc_totals_add(&t, 10000, (struct bcalc_vat){ BCALC_VAT_S, 2100 }), 0);
    assert_int_equal(bcalc_totals_add(&t, 700, (struct bcalc_vat){ BCALC_VAT_Z, 0 }), 0);
    assert_int_equal(bcalc_totals_add(&t, 300, (struct bcalc_vat){ BCALC_VAT_E, 0 }), 0);
    assert_int_equal(bcalc_totals_add(&t, -250, (struct bcalc_vat){ BCALC_VAT_S, 2100 }), 0);
    bcalc_totals_finish(&t);
    assert_int_equal(t.ngroups, 5);
    static const enum bcalc_vat_cat order[] = { BCALC_VAT_S, BCALC_VAT_S, BCALC_VAT_Z,
                                                BCALC_VAT_E, BCALC_VAT_AE };
    for (size_t i = 0; i < 5; i++) assert_int_equal(t.groups[i].vat.cat, order[i]);
    assert_int_equal(t.groups[0].vat.rate_bp, 2100);
    assert_int_equal(t.groups[0].taxable_cents, 9750);
    assert_int_equal(t.groups[0].tax_cents, 2048);                    /* 2047.5 -> 2048 */
    assert_int_equal(t.groups[1].tax_cents, 95);                      /* 94.5 -> 95 */
    assert_int_equal(t.groups[2].tax_cents, 0);
    assert_int_equal(t.line_ext_cents, 12300);
    assert_int_equal(t.tax_cents, 2143);
    assert_int_equal(t.tax_incl_cents, 14443);
    /* Negative amounts round half away from zero, symmetric to positive. */
    assert_int_equal(bcalc_apply_bp(-250, 2100), -53);
    assert_int_equal(bcalc_apply_bp(250, 2100), 53);
    /* Bad pairs and too many groups. */
    bcalc_totals_init(&t);
    assert_int_equal(bcalc_totals_add(&t, 1, (struct bcalc_vat){ BCALC_VAT_S, 0 }), LP_ERR_INVALID);
    assert_int_equal(bcalc_totals_add(&t, 1, (struct bcalc_vat){ BCALC_VAT_Z, 900 }), LP_ERR_INVALID);
    assert_int_equal(bcalc_totals_add(&t, BCALC_MAX_CENTS + 1, (struct bcalc_vat){ BCALC_VAT_Z, 0 }),
                     LP_ERR_INVALID);
    for (int i = 0; i < BCALC_MAX_VAT_GROUPS; i++)
        assert_int_equal(bcalc_totals_add(&t, 1, (struct bcalc_vat){ BCALC_VAT_S, 100 + i }), 0);
    assert_int_equal(bcalc_totals_add(&t, 1, (struct bcalc_vat){ BCALC_VAT_S, 2100 }), LP_ERR_TOOBIG);
    assert_string_equal(bcalc_vat_code(BCALC_VAT_AE), "AE");
}

static void test_vat_for_buyer(void **st)
{
    struct bcalc_vat dom = { BCALC_VAT_S, 2100 }, v;
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "BE", "BE0412345678", true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_AE);
    assert_int_equal(v.rate_bp, 0);
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "GR", "EL123456789", true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_AE);
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "NL", "NL123456789B01", true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_S);
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "BE", NULL, true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_S);                             /* no VAT number */
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "BE", "DE123456789", true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_S);                             /* prefix mismatch */
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "CH", "CHE123456789", true, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_S);                             /* outside the EU */
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "BE", "BE0412345678", false, &v), 0);
    assert_int_equal(v.cat, BCALC_VAT_S);                             /* letting of property */
    assert_int_equal(bcalc_vat_for_buyer(dom, "NL", "be", "BE0412345678", true, &v), LP_ERR_INVALID);
}

static void test_invalid_rates(void **st)
{
    struct bcalc_rate r = std_rate();
    struct bcalc_price p;
    int64_t t0 = T(2026, 11, 2, 10, 0);
    assert_int_equal(bcalc_rate_check(&r), 0);
    r.windows[0].to_min = 1441;
    assert_int_equal(bcalc_price_interval(&r, t0, t0 + H, &p), LP_ERR_INVALID);
    r = std_rate();
    r.windows[0].from_min = r.windows[0].to_min;
    assert_int_equal(bcalc_rate_check(&r), LP_ERR_INVALID);
    r = std_rate();
    r.windows[0].days = 0x80;
    assert_int_equal(bcalc_rate_check(&r), LP_ERR_INVALID);
    r = std_rate();
    r.peak_cents_per_hour = -1;
    assert_int_equal(bcalc_rate_check(&r), LP_ERR_INVALID);
    r = std_rate();
    r.nwindows = BCALC_MAX_WINDOWS + 1;
    assert_int_equal(bcalc_rate_check(&r), LP_ERR_INVALID);
    r = std_rate();
    assert_int_equal(bcalc_price_interval(&r, t0, t0 - 1, &p), LP_ERR_INVALID);
    assert_int_equal(bcalc_price_interval(&r, t0, t0 + BCALC_MAX_SECS + 1, &p), LP_ERR_INVALID);
    assert_int_equal(bcalc_price_interval(&r, -5, 10, &p), LP_ERR_INVALID);
    assert_int_equal(bcalc_price_interval(&r, INT64_MAX - 10, INT64_MAX, &p), LP_ERR_INVALID);
    /* The longest interval at the highest rate stays exact. */
    r.peak_cents_per_hour = r.offpeak_cents_per_hour = BCALC_MAX_RATE_CENTS;
    assert_int_equal(bcalc_price_interval(&r, t0, t0 + BCALC_MAX_SECS, &p), 0);
    assert_int_equal(p.total_cents, (int64_t)BCALC_MAX_SECS / H * BCALC_MAX_RATE_CENTS);
    struct bcalc_policy pol = { .basis = 7 };
    assert_int_equal(bcalc_policy_check(&pol), LP_ERR_INVALID);
}

/* Every part of many odd prices satisfies |qty * unit - net| < 2 ct and the
 * parts add up to the total. */
static void test_parts_property(void **st)
{
    struct bcalc_rate r = { .peak_cents_per_hour = 12345, .offpeak_cents_per_hour = 6789,
                            .windows = { { BCALC_MON_FRI, 487, 1063 }, { 0x41, 600, 660 } },
                            .nwindows = 2, .round_minutes = 0, .min_charge_cents = 1999 };
    int64_t base = T(2026, 10, 19, 0, 0);
    for (int i = 0; i < 400; i++) {
        int64_t s = base + (int64_t)i * 7919 % (14 * 86400), e = s + 1 + (int64_t)i * 104729 % (30 * H);
        r.round_minutes = i % 4 == 0 ? 0 : (i % 7) + 1;
        struct bcalc_price p;
        struct bcalc_part parts[3];
        price(&r, s, e, &p);
        size_t n = bcalc_price_parts(&r, &p, parts);
        int64_t sum = 0;
        for (size_t k = 0; k < n; k++) {
            __int128 d = (__int128)parts[k].qty_e6 * parts[k].unit_cents - (__int128)parts[k].net_cents * 1000000;
            assert_true(d > -2000000 && d < 2000000);
            sum += parts[k].net_cents;
        }
        assert_int_equal(sum, p.total_cents);
    }
}

static void test_hours_and_fee_part(void **st)
{
    assert_int_equal(bcalc_hours_e6(60), 16667);
    assert_int_equal(bcalc_hours_e6(3600), 1000000);
    assert_int_equal(bcalc_hours_e6(20 * MIN), 333333);
    assert_int_equal(bcalc_hours_e6(-1800), -500000);
    struct bcalc_part f = bcalc_fee_part(7500);
    assert_int_equal(f.kind, BCALC_PART_FEE);
    assert_int_equal(f.unit, BCALC_UNIT_C62);
    assert_int_equal(f.qty_e6, 1000000);
    assert_int_equal(f.net_cents, 7500);
    /* Equal rates: one HOURS part. */
    struct bcalc_rate r = std_rate();
    r.offpeak_cents_per_hour = r.peak_cents_per_hour;
    struct bcalc_price p;
    struct bcalc_part parts[3];
    price(&r, T(2026, 11, 2, 17, 0), T(2026, 11, 2, 19, 0), &p);
    assert_int_equal(bcalc_price_parts(&r, &p, parts), 1);
    assert_int_equal(parts[0].kind, BCALC_PART_HOURS);
    assert_int_equal(parts[0].net_cents, 18000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_straddle_peak_end),
        cmocka_unit_test(test_across_midnight_and_weekend),
        cmocka_unit_test(test_dst_days),
        cmocka_unit_test(test_dst_night_booking),
        cmocka_unit_test(test_rounding_whole_booking),
        cmocka_unit_test(test_one_rounding_point),
        cmocka_unit_test(test_minimum_charge),
        cmocka_unit_test(test_basis),
        cmocka_unit_test(test_cancellation_boundary),
        cmocka_unit_test(test_noshow),
        cmocka_unit_test(test_vat_per_rate_not_per_line),
        cmocka_unit_test(test_vat_groups_and_totals),
        cmocka_unit_test(test_vat_for_buyer),
        cmocka_unit_test(test_invalid_rates),
        cmocka_unit_test(test_parts_property),
        cmocka_unit_test(test_hours_and_fee_part),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
