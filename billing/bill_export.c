/* bill_export.c: invoices and credit notes out of the database: the UBL 2.1
 * document (ubl_write), the HTML page (invhtml_render) and the lines as CSV.
 * All three are built from the stored snapshot of the document, so an
 * export made today equals the one made when it was issued. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "billing/invhtml.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt(const char *s) { return s && *s ? s : NULL; }

static struct ubl_party party(const char *name, const char *kvk, const char *vat, const char *street,
                              const char *city, const char *postal, const char *country, const char *email)
{
    return (struct ubl_party){ .name = name, .kvk = opt(kvk), .vat_id = opt(vat), .street = street, .city = city,
                               .postal_zone = postal, .country = country, .email = opt(email) };
}

int bill_doc_build(const bill_invoice *v, const bill_line *lines, size_t n, struct bill_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    doc->ul = calloc(n ? n : 1, sizeof *doc->ul);
    if (!doc->ul) return LP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const bill_line *l = &lines[i];
        doc->ul[i] = (struct ubl_line){ .unit = l->hours ? UBL_UNIT_HOUR : UBL_UNIT_PIECE, .qty_e6 = l->qty_e6,
                                        .price_cents = l->price_cents, .net_cents = l->net_cents, .name = l->name,
                                        .description = opt(l->description), .period_start = opt(l->period_start),
                                        .period_end = opt(l->period_end), .vat = l->vat };
    }
    bool credit = v->kind == BILL_DOC_CREDIT_NOTE;
    switch (v->status) {
    case BILL_DOC_ISSUED: bill_copy(doc->number, sizeof doc->number, v->number); break;
    case BILL_DOC_DRAFT: snprintf(doc->number, sizeof doc->number, "DRAFT-%lld", (long long)v->id); break;
    }
    struct ubl_doc *d = &doc->d;
    d->kind = credit ? UBL_CREDIT_NOTE : UBL_INVOICE;
    d->number = doc->number;
    d->issue_date = v->issue_date;
    d->due_date = credit ? NULL : v->due_date;
    d->period_start = v->period_start;
    d->period_end = v->period_end;
    d->buyer_reference = v->buyer_reference;
    d->note = opt(v->note);
    d->corrected_number = credit ? v->corrects_number : NULL;
    d->corrected_date = credit ? opt(v->corrects_date) : NULL;
    d->seller = party(v->seller_name, v->seller_kvk, v->seller_vat, v->seller_street, v->seller_city,
                      v->seller_postal, v->seller_country, v->seller_email);
    d->buyer = party(v->buyer_name, v->buyer_kvk, v->buyer_vat, v->buyer_street, v->buyer_city, v->buyer_postal,
                     v->buyer_country, v->buyer_email);
    d->payment_means = 58;
    d->iban = v->iban;
    d->bic = opt(v->bic);
    d->account_name = v->seller_name;
    d->payment_terms = opt(v->payment_terms);
    d->exempt_reason = opt(v->exempt_reason);
    d->lines = doc->ul;
    d->nlines = n;
    return 0;
}

int bill_doc_totals(bill_invoice *v, const bill_line *lines, size_t n)
{
    struct bill_doc doc;
    struct bcalc_totals t;
    int rc = bill_doc_build(v, lines, n, &doc);
    if (rc == 0) rc = ubl_check(&doc.d, &t);
    bill_doc_free(&doc);
    if (rc) return rc;
    v->line_ext_cents = t.line_ext_cents;
    v->tax_cents = t.tax_cents;
    v->payable_cents = t.payable_cents;
    return 0;
}

void bill_doc_free(struct bill_doc *doc)
{
    if (!doc) return;
    free(doc->ul);
    doc->ul = NULL;
}

/* Loads a document and its lines; caller frees *lines. */
static int load(db_t *db, int64_t id, bill_invoice *v, bill_line **lines, size_t *n)
{
    int rc = bill_invoice_get(db, id, v);
    return rc ? rc : bill_invoice_lines(db, id, lines, n);
}

int bill_export_ubl(db_t *db, int64_t id, char **xml, size_t *len)
{
    bill_invoice v;
    bill_line *lines = NULL;
    size_t n = 0;
    struct bill_doc doc = { 0 };
    int rc = load(db, id, &v, &lines, &n);
    if (rc == 0 && v.status != BILL_DOC_ISSUED) rc = LP_ERR_STATE;
    if (rc == 0) rc = bill_doc_build(&v, lines, n, &doc);
    if (rc == 0) rc = ubl_write(&doc.d, xml, len);
    bill_doc_free(&doc);
    free(lines);
    return rc;
}

int bill_export_html(db_t *db, int64_t id, const char *lang, char **html, size_t *len)
{
    bill_invoice v;
    bill_line *lines = NULL;
    size_t n = 0;
    struct bill_doc doc = { 0 };
    int rc = load(db, id, &v, &lines, &n);
    if (rc == 0) rc = bill_doc_build(&v, lines, n, &doc);
    if (rc == 0) rc = invhtml_render(&doc.d, lang ? lang : v.language, html, len);
    bill_doc_free(&doc);
    free(lines);
    return rc;
}

int bill_export_csv(db_t *db, int64_t id, char **csv, size_t *len)
{
    bill_invoice v;
    bill_line *lines = NULL;
    size_t n = 0;
    struct sbuf b = { 0 };
    int rc = load(db, id, &v, &lines, &n);
    if (rc) return rc;
    sb_puts(&b, "document,line,name,description,period_start,period_end,quantity,unit,price,net,"
                     "vat_category,vat_rate\r\n");
    for (size_t i = 0; i < n; i++) {
        char qty[32], pct[32];
        ubl_fmt_qty(lines[i].qty_e6, qty);
        ubl_fmt_percent(lines[i].vat.rate_bp, pct);
        bill_csv_text(&b, false, v.number[0] ? v.number : "draft");
        bill_csv_int(&b, true, lines[i].pos);
        bill_csv_text(&b, true, lines[i].name);
        bill_csv_text(&b, true, lines[i].description);
        bill_csv_raw(&b, true, lines[i].period_start);
        bill_csv_raw(&b, true, lines[i].period_end);
        bill_csv_raw(&b, true, qty);
        bill_csv_raw(&b, true, lines[i].hours ? "HUR" : "C62");
        bill_csv_money(&b, true, lines[i].price_cents);
        bill_csv_money(&b, true, lines[i].net_cents);
        bill_csv_raw(&b, true, bcalc_vat_code(lines[i].vat.cat));
        bill_csv_raw(&b, true, pct);
        bill_csv_eol(&b);
    }
    free(lines);
    return sb_take(&b, csv, len);
}
