/* invhtml.h: the human-readable invoice or credit note as one
 * self-contained, print-friendly HTML page in Dutch ("nl") or English ("en").
 *
 * Guarantees: the page is built from the same struct ubl_doc and the same
 * checks and totals as the UBL document (ubl_check), so both always agree;
 * every caller string is cleaned (ubl_text_clean) and HTML-escaped; the page
 * loads nothing from outside and contains no script. It holds one short
 * <style> block: a Content-Security-Policy without 'unsafe-inline' must allow
 * it by hash (style-src 'sha256-...') or the page must be served without CSP.
 * It shows what a Dutch invoice must show (art. 35a Wet OB and the
 * Handelsregisterwet): seller name, address, KvK and VAT number; buyer name
 * and address (and VAT number for reverse charge, with "btw verlegd");
 * invoice number and date; period of supply; per line quantity, unit price,
 * VAT rate and amount; taxable amount and VAT per rate; totals; due date and
 * IBAN; for a credit note the invoice it corrects. */
#ifndef LP_INVHTML_H
#define LP_INVHTML_H
#include <stddef.h>
#include "billing/ubl.h"
#include "core/err.h"

/* Renders doc in lang ("nl" or "en"). On success *out is a NUL-terminated
 * malloc'd UTF-8 page of *len bytes (caller frees). LP_ERR_INVALID when lang
 * is unknown or doc fails ubl_check; LP_ERR_NOMEM. */
int invhtml_render(const struct ubl_doc *doc, const char *lang, char **out, size_t *len) LP_MUST;

#endif
