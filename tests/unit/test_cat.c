/* test_cat.c: the quantities and the one pricing rule of catalogue items
 * (billing/cat.c), and the Rec 20 unit table (bill_calc). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "billing/cat.h"

static void test_quantities(void **st)
{
    int64_t q = 0;
    assert_int_equal(cat_qty_parse("2.5", BCALC_UNIT_LTR, &q), 0);
    assert_int_equal(q, 2500000);
    assert_int_equal(cat_qty_parse("0.001", BCALC_UNIT_MLT, &q), 0);
    assert_int_equal(q, 1000);
    assert_int_equal(cat_qty_parse("100000", BCALC_UNIT_C62, &q), 0);
    assert_int_equal(q, CAT_MAX_QTY_E6);
    const char *bad[] = { "", "0", "0.0", "-1", "+1", "1.", ".5", "1.2345", "100000.001", "1000000", "1e3", " 1", "1 ",
                          "0x1", "1,5", "٣" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cat_qty_parse(bad[i], BCALC_UNIT_LTR, &q) != LP_ERR_INVALID) fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(cat_qty_parse(NULL, BCALC_UNIT_LTR, &q), LP_ERR_INVALID);
    /* pieces and service units are whole */
    assert_int_equal(cat_qty_parse("1.5", BCALC_UNIT_C62, &q), LP_ERR_INVALID);
    assert_int_equal(cat_qty_parse("2.0", BCALC_UNIT_E48, &q), 0);
    assert_int_equal(cat_qty_parse("1.5", BCALC_UNIT_HUR, &q), 0);
}

static void test_price_line(void **st)
{
    struct bcalc_part p;
    assert_int_equal(cat_price_line(BCALC_UNIT_LTR, 2500000, 275, &p), 0);
    assert_int_equal(p.net_cents, 688);   /* 687.5, half up */
    assert_int_equal(p.kind, BCALC_PART_ITEM);
    assert_int_equal(p.unit, BCALC_UNIT_LTR);
    assert_int_equal(cat_price_line(BCALC_UNIT_LTR, 333000, 250, &p), 0);
    assert_int_equal(p.net_cents, 83);    /* 83.25 */
    assert_int_equal(cat_price_line(BCALC_UNIT_C62, 3000000, 0, &p), 0);
    assert_int_equal(p.net_cents, 0);
    /* the largest quantity at the largest price is refused, never overflowed */
    assert_int_equal(cat_price_line(BCALC_UNIT_C62, CAT_MAX_QTY_E6, CAT_MAX_UNIT_CENTS, &p), LP_ERR_INVALID);
    assert_int_equal(cat_price_line(BCALC_UNIT_C62, 0, 100, &p), LP_ERR_INVALID);
    assert_int_equal(cat_price_line(BCALC_UNIT_C62, 1000000, -1, &p), LP_ERR_INVALID);
    assert_int_equal(cat_price_line((enum bcalc_unit)BCALC_UNIT_COUNT, 1000000, 1, &p), LP_ERR_INVALID);
}

static void test_units(void **st)
{
    for (int u = 0; u < BCALC_UNIT_COUNT; u++) {
        enum bcalc_unit back;
        assert_int_equal(strlen(bcalc_unit_code((enum bcalc_unit)u)), 3);
        assert_int_equal(bcalc_unit_parse(bcalc_unit_code((enum bcalc_unit)u), &back), 0);
        assert_int_equal(back, u);
        assert_true(bcalc_unit_word((enum bcalc_unit)u)[0] != '\0');
    }
    enum bcalc_unit x;
    assert_int_equal(bcalc_unit_parse("PCS", &x), LP_ERR_INVALID);
    assert_int_equal(bcalc_unit_parse("hur", &x), LP_ERR_INVALID);
    assert_string_equal(bcalc_unit_code((enum bcalc_unit)99), "");
    enum cat_kind k;
    assert_int_equal(cat_kind_parse("consumable", &k), 0);
    assert_int_equal(k, CAT_CONSUMABLE);
    assert_int_equal(cat_kind_parse("Service", &k), LP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantities),
        cmocka_unit_test(test_price_line),
        cmocka_unit_test(test_units),
    };
    return cmocka_run_group_tests_name("cat", tests, NULL, NULL);
}
