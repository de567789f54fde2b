/* invpdf.h: the invoice or credit note as a PDF (A4) in Dutch ("nl") or
 * English ("en"), drawn with cairo's PDF surface in DejaVu Sans (found
 * through fontconfig; fonts-dejavu-core), the font embedded as a subset so
 * the text can be searched and copied.
 *
 * Guarantees: the PDF is built from the same struct ubl_doc, the same checks
 * and totals (ubl_check) and the same labels and number formats (invtext.h)
 * as the UBL document and the HTML page, so all of them carry the same lines
 * and totals. It shows what a finance department files: seller and buyer
 * with addresses, KvK and VAT numbers; number, dates and period; every line
 * (name, period, description, quantity, price, VAT rate, amount); the VAT
 * breakdown; the totals; the payment instruction (IBAN, due date, reference)
 * and terms; for a credit note the invoice it corrects. A draft
 * ("DRAFT-<id>") says so under its title. Long tables continue on further
 * pages with the table head repeated and a page number at the foot. Every
 * caller string is cleaned to valid UTF-8 (ubl_text_clean). The document's
 * creation date is its issue date, never the machine's clock, so the same
 * document gives the same bytes. */
#ifndef LP_INVPDF_H
#define LP_INVPDF_H
#include <stddef.h>
#include "billing/ubl.h"
#include "core/err.h"

/* Renders doc in lang. On success *out is a malloc'd PDF of *len bytes
 * (caller frees). LP_ERR_INVALID when lang is unknown or doc fails
 * ubl_check; LP_ERR_NOMEM; LP_ERR_INTERNAL when cairo fails. */
int invpdf_render(const struct ubl_doc *doc, const char *lang, char **out, size_t *len) LP_MUST;

#endif
