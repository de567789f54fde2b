/* bill_export.c: invoices and credit notes out of the database: the UBL 2.1
 * document (ubl_write), the HTML page (invhtml_render), the PDF
 * (invpdf_render) and the CSV (bill_csv_render). All four are made from one
 * source, bill_doc_load: the stored snapshot of the document and its lines
 * as one struct ubl_doc with its checked totals, so they carry the same
 * lines, names, amounts and totals, and an export made today equals the one
 * made when it was issued. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "billing/invhtml.h"
#include "billing/invpdf.h"
#include "billing/invtext.h"
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
        doc->ul[i] = (struct ubl_line){ .unit = l->unit, .qty_e6 = l->qty_e6,
                                        .price_cents = l->price_cents, .net_cents = l->net_cents, .name = l->name,
                                        .description = opt(l->description), .period_start = opt(l->period_start),
                                        .period_end = opt(l->period_end), .vat = l->vat, .group = opt(l->project) };
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
    d->order_reference = opt(v->po_number);   /* a credit note keeps its invoice's purchase order */
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

/* ---- the one source: every rendering of a document starts here ---- */

int bill_doc_load(db_t *db, int64_t id, struct bill_source *src)
{
    memset(src, 0, sizeof *src);
    int rc = bill_invoice_get(db, id, &src->v);
    if (rc == 0) rc = bill_invoice_lines(db, id, &src->lines, &src->n);
    if (rc == 0) rc = bill_doc_build(&src->v, src->lines, src->n, &src->doc);
    if (rc == 0 && ubl_check(&src->doc.d, &src->totals) != 0) rc = LP_ERR_DB;   /* stored documents passed it */
    if (rc) bill_source_free(src);
    return rc;
}

void bill_source_free(struct bill_source *src)
{
    if (!src) return;
    bill_doc_free(&src->doc);
    free(src->lines);
    src->lines = NULL;
    src->n = 0;
}

int bill_export_ubl(db_t *db, int64_t id, char **xml, size_t *len)
{
    struct bill_source src;
    int rc = bill_doc_load(db, id, &src);
    if (rc) return rc;
    rc = src.v.status != BILL_DOC_ISSUED ? LP_ERR_STATE : ubl_write(&src.doc.d, xml, len);
    bill_source_free(&src);
    return rc;
}

int bill_export_html(db_t *db, int64_t id, const char *lang, char **html, size_t *len)
{
    struct bill_source src;
    int rc = bill_doc_load(db, id, &src);
    if (rc) return rc;
    rc = invhtml_render(&src.doc.d, lang ? lang : src.v.language, html, len);
    bill_source_free(&src);
    return rc;
}

int bill_export_pdf(db_t *db, int64_t id, const char *lang, char **pdf, size_t *len)
{
    struct bill_source src;
    int rc = bill_doc_load(db, id, &src);
    if (rc) return rc;
    rc = invpdf_render(&src.doc.d, lang ? lang : src.v.language, pdf, len);
    bill_source_free(&src);
    return rc;
}

/* A text made by one of the invtext writers, as a CSV cell. */
static void csv_label(struct sbuf *b, struct sbuf *tmp)
{
    char *s = NULL;
    size_t n;
    if (sb_take(tmp, &s, &n) == 0) bill_csv_text(b, true, s);
    else bill_csv_raw(b, true, "");
    free(s);
}

int bill_csv_render(const struct ubl_doc *d, const struct bcalc_totals *t, const char *lang, char **csv, size_t *len)
{
    const struct inv_labels *l = inv_labels(lang);
    struct sbuf b = { 0 }, tmp = { 0 };
    if (!l) return LP_ERR_INVALID;
    sb_puts(&b, "document,row,line,name,description,period_start,period_end,quantity,unit,price,net,"
                "vat_category,vat_rate,vat\r\n");
    for (size_t i = 0; i < d->nlines; i++) {
        const struct ubl_line *ln = &d->lines[i];
        char qty[32], pct[32];
        const char *prev = i ? d->lines[i - 1].group : NULL;
        if (ln->group && ln->group[0] && (!prev || strcmp(ln->group, prev))) {   /* a project's lines follow */
            bill_csv_text(&b, false, d->number);
            bill_csv_raw(&b, true, "project");
            bill_csv_raw(&b, true, "");
            bill_csv_text(&b, true, ln->group);
            for (int k = 0; k < 10; k++) bill_csv_raw(&b, true, "");
            bill_csv_eol(&b);
        }
        ubl_fmt_qty(ln->qty_e6, qty);
        ubl_fmt_percent(ln->vat.rate_bp, pct);
        bill_csv_text(&b, false, d->number);
        bill_csv_raw(&b, true, "line");
        bill_csv_int(&b, true, (int64_t)i + 1);
        bill_csv_text(&b, true, ln->name);
        bill_csv_text(&b, true, ln->description ? ln->description : "");
        bill_csv_raw(&b, true, ln->period_start ? ln->period_start : "");
        bill_csv_raw(&b, true, ln->period_end ? ln->period_end : "");
        bill_csv_raw(&b, true, qty);
        bill_csv_raw(&b, true, bcalc_unit_code(ln->unit));
        bill_csv_money(&b, true, ln->price_cents);
        bill_csv_money(&b, true, ln->net_cents);
        bill_csv_raw(&b, true, bcalc_vat_code(ln->vat.cat));
        bill_csv_raw(&b, true, pct);
        bill_csv_raw(&b, true, "");
        bill_csv_eol(&b);
    }
    for (size_t i = 0; i < t->ngroups; i++) {   /* the VAT breakdown: taxable amount and VAT per rate */
        char pct[32];
        ubl_fmt_percent(t->groups[i].vat.rate_bp, pct);
        bill_csv_text(&b, false, d->number);
        bill_csv_raw(&b, true, "vat");
        bill_csv_raw(&b, true, "");
        sb_puts(&tmp, l->vat);
        sb_puts(&tmp, " ");
        inv_rate(&tmp, l, t->groups[i].vat);
        csv_label(&b, &tmp);
        for (int k = 0; k < 6; k++) bill_csv_raw(&b, true, "");
        bill_csv_money(&b, true, t->groups[i].taxable_cents);
        bill_csv_raw(&b, true, bcalc_vat_code(t->groups[i].vat.cat));
        bill_csv_raw(&b, true, pct);
        bill_csv_money(&b, true, t->groups[i].tax_cents);
        bill_csv_eol(&b);
    }
    const struct { const char *label; int64_t cents; } rows[] = {
        { l->total_excl, t->tax_excl_cents }, { l->total_vat, t->tax_cents },
        { l->total_incl, t->tax_incl_cents }, { l->payable, t->payable_cents } };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bill_csv_text(&b, false, d->number);
        bill_csv_raw(&b, true, "total");
        bill_csv_raw(&b, true, "");
        bill_csv_text(&b, true, rows[i].label);
        for (int k = 0; k < 6; k++) bill_csv_raw(&b, true, "");
        bill_csv_money(&b, true, rows[i].cents);
        for (int k = 0; k < 3; k++) bill_csv_raw(&b, true, "");
        bill_csv_eol(&b);
    }
    return sb_take(&b, csv, len);
}

int bill_export_csv(db_t *db, int64_t id, char **csv, size_t *len)
{
    struct bill_source src;
    int rc = bill_doc_load(db, id, &src);
    if (rc) return rc;
    rc = bill_csv_render(&src.doc.d, &src.totals, src.v.language, csv, len);
    bill_source_free(&src);
    return rc;
}
