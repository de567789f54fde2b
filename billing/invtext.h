/* invtext.h: the words and number formats of an invoice or credit note in
 * Dutch ("nl") or English ("en"), shared by every human-readable rendering
 * of a document (the HTML page, the PDF, the totals rows of the CSV), so
 * they all say the same thing in the same language. Amounts, quantities,
 * rates and dates are written from the same struct ubl_doc the UBL document
 * is written from. */
#ifndef LP_INVTEXT_H
#define LP_INVTEXT_H
#include <stdint.h>
#include "billing/bill_calc.h"
#include "billing/ubl.h"
#include "core/sbuf.h"

struct inv_labels {
    const char *lang, *invoice, *credit_note, *number, *date, *due, *period, *your_ref, *corrects, *of;
    const char *seller, *buyer, *kvk, *vat_id, *email;
    const char *description, *qty, *price, *vat, *amount, *hours, *pieces;
    const char *vat_rate, *taxable, *vat_amount, *total_excl, *total_vat, *total_incl, *payable;
    const char *pay1, *pay2, *pay3, *pay_name, *pay4, *terms;
    const char *cat_z, *cat_e, *cat_ae, *reverse_charge, *exempt;
    const char *draft, *page;
    char dec, thou;
    const char *euro;
    const char *months[12];
    const char *order_ref, *project;   /* the purchase order (BT-13); the heading over a project's lines */
    const char *units[BCALC_UNIT_COUNT];   /* the unit after a quantity (enum bcalc_unit) */
};

/* The labels of lang ("nl" or "en"); NULL for any other. */
const struct inv_labels *inv_labels(const char *lang);

/* "€ 1.234,50" (nl) or "€1,234.50" (en). */
void inv_money(struct sbuf *b, const struct inv_labels *l, int64_t cents);
/* A decimal from ubl_fmt_* with the language's decimal separator. */
void inv_decimal(struct sbuf *b, const struct inv_labels *l, const char *s);
/* "YYYY-MM-DD" as "2 november 2026" / "2 November 2026". */
void inv_date(struct sbuf *b, const struct inv_labels *l, const char *iso);
/* A line's quantity: hours as h:mm when whole minutes, else a decimal, with its unit. */
void inv_quantity(struct sbuf *b, const struct inv_labels *l, const struct ubl_line *ln);
/* A VAT rate: "21%", "0% (nultarief)", "vrijgesteld", "verlegd". */
void inv_rate(struct sbuf *b, const struct inv_labels *l, struct bcalc_vat v);

#endif
