/* invhtml.c: the printable HTML invoice page (see invhtml.h). Texts come from
 * the label tables of invtext.c; every caller string passes through
 * esc(), which cleans it to valid UTF-8 and escapes & < > " '. */
#include "billing/invhtml.h"
#include "billing/invtext.h"
#include "core/sbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
    "body{font:10.5pt/1.45 system-ui,sans-serif;color:#111;margin:0}"
    "main{max-width:50rem;margin:1.5rem auto;padding:0 1rem}"
    "h1{font-size:1.6rem;margin:0 0 1rem}"
    ".parties{display:flex;gap:2rem;margin:1rem 0}.parties section{flex:1}"
    "h2{font-size:.85rem;text-transform:uppercase;letter-spacing:.05em;color:#555;margin:0 0 .3rem}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem;margin:0}dd{margin:0}"
    "table{width:100%;border-collapse:collapse;margin:1rem 0}"
    "th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #ccc;vertical-align:top}"
    ".n{text-align:right;white-space:nowrap}.d{color:#555;font-size:.9em}"
    ".totals{width:auto;margin-left:auto}.totals .due th,.totals .due td{font-weight:bold}"
    "@page{size:A4;margin:15mm}@media print{main{margin:0;max-width:none}}";

/* Caller text: cleaned, escaped; line breaks become <br> unless one_line. */
static void esc(struct sbuf *b, const char *raw, bool one_line)
{
    char clean[UBL_LONG_TEXT];
    ubl_text_clean(raw, one_line, clean, one_line ? UBL_SHORT_TEXT : sizeof clean);
    for (const char *s = clean; *s; s++) {
        switch (*s) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&#39;"); break;
        case '\n': sb_puts(b, "<br>"); break;
        default: sb_put(b, s, 1);
        }
    }
}

/* ---- page sections ---- */

static bool set(const char *s) { return s && *s; }

static void row(struct sbuf *b, const char *label, const char *value)
{
    if (!set(value)) return;
    sb_printf(b, "<dt>%s</dt><dd>", label);
    esc(b, value, true);
    sb_puts(b, "</dd>\n");
}

static void date_row(struct sbuf *b, const struct inv_labels *l, const char *label, const char *iso)
{
    if (!set(iso)) return;
    sb_printf(b, "<dt>%s</dt><dd>", label);
    inv_date(b, l, iso);
    sb_puts(b, "</dd>\n");
}

static void party(struct sbuf *b, const struct inv_labels *l, const char *title, const struct ubl_party *p)
{
    sb_printf(b, "<section>\n<h2>%s</h2>\n<p><strong>", title);
    esc(b, p->name, true);
    sb_puts(b, "</strong><br>\n");
    esc(b, p->street, true);
    sb_puts(b, "<br>\n");
    esc(b, p->postal_zone, true);
    sb_puts(b, " ");
    esc(b, p->city, true);
    sb_puts(b, "<br>\n");
    esc(b, p->country, true);
    sb_puts(b, "</p>\n<dl>\n");
    row(b, l->kvk, p->kvk);
    row(b, l->vat_id, p->vat_id);
    row(b, l->email, p->email);
    sb_puts(b, "</dl>\n</section>\n");
}

static void header(struct sbuf *b, const struct inv_labels *l, const struct ubl_doc *d)
{
    bool inv = d->kind == UBL_INVOICE;
    sb_printf(b, "<h1>%s</h1>\n<dl>\n", inv ? l->invoice : l->credit_note);
    row(b, l->number, d->number);
    date_row(b, l, l->date, d->issue_date);
    if (inv) date_row(b, l, l->due, d->due_date);
    if (set(d->period_start)) {
        sb_printf(b, "<dt>%s</dt><dd>", l->period);
        inv_date(b, l, d->period_start);
        sb_puts(b, " \xE2\x80\x93 ");
        inv_date(b, l, d->period_end);
        sb_puts(b, "</dd>\n");
    }
    row(b, l->your_ref, d->buyer_reference);
    row(b, l->order_ref, d->order_reference);
    if (!inv) {
        sb_printf(b, "<dt>%s</dt><dd>", l->corrects);
        esc(b, d->corrected_number, true);
        if (set(d->corrected_date)) {
            sb_puts(b, l->of);
            inv_date(b, l, d->corrected_date);
        }
        sb_puts(b, "</dd>\n");
    }
    sb_puts(b, "</dl>\n<div class=\"parties\">\n");
    party(b, l, l->seller, &d->seller);
    party(b, l, l->buyer, &d->buyer);
    sb_puts(b, "</div>\n");
}

static void line(struct sbuf *b, const struct inv_labels *l, const struct ubl_line *ln)
{
    sb_puts(b, "<tr><td>");
    esc(b, ln->name, true);
    if (set(ln->description) || set(ln->period_start)) sb_puts(b, "<div class=\"d\">");
    if (set(ln->period_start)) {
        inv_date(b, l, ln->period_start);
        if (strcmp(ln->period_start, ln->period_end) != 0) {
            sb_puts(b, " \xE2\x80\x93 ");
            inv_date(b, l, ln->period_end);
        }
        if (set(ln->description)) sb_puts(b, "<br>");
    }
    esc(b, ln->description, false);
    if (set(ln->description) || set(ln->period_start)) sb_puts(b, "</div>");
    sb_puts(b, "</td><td class=\"n\">");
    inv_quantity(b, l, ln);
    sb_puts(b, "</td><td class=\"n\">");
    inv_money(b, l, ln->price_cents);
    sb_puts(b, "</td><td class=\"n\">");
    inv_rate(b, l, ln->vat);
    sb_puts(b, "</td><td class=\"n\">");
    inv_money(b, l, ln->net_cents);
    sb_puts(b, "</td></tr>\n");
}

static void lines(struct sbuf *b, const struct inv_labels *l, const struct ubl_doc *d)
{
    sb_printf(b, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
         "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr></thead>\n<tbody>\n",
         l->description, l->qty, l->price, l->vat, l->amount);
    for (size_t i = 0; i < d->nlines; i++) {
        const char *g = d->lines[i].group, *prev = i ? d->lines[i - 1].group : NULL;
        if (set(g) && (!set(prev) || strcmp(g, prev))) {   /* a project's lines under its heading */
            sb_printf(b, "<tr class=\"g\"><th colspan=\"5\">%s ", l->project);
            esc(b, g, true);
            sb_puts(b, "</th></tr>\n");
        }
        line(b, l, &d->lines[i]);
    }
    sb_puts(b, "</tbody>\n</table>\n");
}

static void total_row(struct sbuf *b, const struct inv_labels *l, const char *cls, const char *label,
                      int64_t cents)
{
    sb_printf(b, "<tr%s><th>%s</th><td class=\"n\">", cls, label);
    inv_money(b, l, cents);
    sb_puts(b, "</td></tr>\n");
}

static void totals(struct sbuf *b, const struct inv_labels *l, const struct bcalc_totals *t)
{
    sb_printf(b, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
         "</tr></thead>\n<tbody>\n", l->vat_rate, l->taxable, l->vat_amount);
    for (size_t i = 0; i < t->ngroups; i++) {
        sb_puts(b, "<tr><td>");
        inv_rate(b, l, t->groups[i].vat);
        sb_puts(b, "</td><td class=\"n\">");
        inv_money(b, l, t->groups[i].taxable_cents);
        sb_puts(b, "</td><td class=\"n\">");
        inv_money(b, l, t->groups[i].tax_cents);
        sb_puts(b, "</td></tr>\n");
    }
    sb_puts(b, "</tbody>\n</table>\n<table class=\"totals\">\n");
    total_row(b, l, "", l->total_excl, t->tax_excl_cents);
    total_row(b, l, "", l->total_vat, t->tax_cents);
    total_row(b, l, "", l->total_incl, t->tax_incl_cents);
    total_row(b, l, " class=\"due\"", l->payable, t->payable_cents);
    sb_puts(b, "</table>\n");
}

static bool has_cat(const struct ubl_doc *d, enum bcalc_vat_cat cat)
{
    for (size_t i = 0; i < d->nlines; i++)
        if (d->lines[i].vat.cat == cat) return true;
    return false;
}

static void footer(struct sbuf *b, const struct inv_labels *l, const struct ubl_doc *d,
                   const struct bcalc_totals *t)
{
    if (has_cat(d, BCALC_VAT_AE)) {
        sb_printf(b, "<p>%s", l->reverse_charge);
        esc(b, d->buyer.vat_id, true);
        sb_puts(b, ").</p>\n");
    }
    if (has_cat(d, BCALC_VAT_E)) {
        sb_printf(b, "<p>%s", l->exempt);
        esc(b, d->exempt_reason, true);
        sb_puts(b, "</p>\n");
    }
    if (d->kind == UBL_INVOICE && t->payable_cents > 0) {
        sb_printf(b, "<p>%s", l->pay1);
        inv_money(b, l, t->payable_cents);
        sb_puts(b, l->pay2);
        inv_date(b, l, d->due_date);
        sb_puts(b, l->pay3);
        esc(b, d->iban, true);
        if (set(d->bic)) { sb_puts(b, " (BIC "); esc(b, d->bic, true); sb_puts(b, ")"); }
        sb_puts(b, l->pay_name);
        esc(b, set(d->account_name) ? d->account_name : d->seller.name, true);
        sb_puts(b, l->pay4);
        esc(b, d->number, true);
        sb_puts(b, ".</p>\n");
    }
    if (set(d->payment_terms)) {
        sb_printf(b, "<p><strong>%s:</strong> ", l->terms);
        esc(b, d->payment_terms, false);
        sb_puts(b, "</p>\n");
    }
    if (set(d->note)) {
        sb_puts(b, "<p>");
        esc(b, d->note, false);
        sb_puts(b, "</p>\n");
    }
}

int invhtml_render(const struct ubl_doc *doc, const char *lang, char **out, size_t *len)
{
    struct bcalc_totals t;
    const struct inv_labels *l = inv_labels(lang);
    if (!l || ubl_check(doc, &t)) return LP_ERR_INVALID;
    struct sbuf b = { 0 };
    sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s ",
         l->lang, doc->kind == UBL_INVOICE ? l->invoice : l->credit_note);
    esc(&b, doc->number, true);
    sb_puts(&b, "</title>\n<style>");
    sb_puts(&b, style);
    sb_puts(&b, "</style>\n</head>\n<body>\n<main>\n");
    header(&b, l, doc);
    lines(&b, l, doc);
    totals(&b, l, &t);
    footer(&b, l, doc, &t);
    sb_puts(&b, "</main>\n</body>\n</html>\n");
    return sb_take(&b, out, len);
}
