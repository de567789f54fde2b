/* invhtml.c: the printable HTML invoice page (see invhtml.h). Texts come from
 * one label table per language; every caller string passes through
 * esc(), which cleans it to valid UTF-8 and escapes & < > " '. */
#include "billing/invhtml.h"
#include "core/sbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct labels {
    const char *lang, *invoice, *credit_note, *number, *date, *due, *period, *your_ref, *corrects, *of;
    const char *seller, *buyer, *kvk, *vat_id, *email;
    const char *description, *qty, *price, *vat, *amount, *hours, *pieces;
    const char *vat_rate, *taxable, *vat_amount, *total_excl, *total_vat, *total_incl, *payable;
    const char *pay1, *pay2, *pay3, *pay_name, *pay4, *terms;
    const char *cat_z, *cat_e, *cat_ae, *reverse_charge, *exempt;
    char dec, thou;
    const char *euro;
    const char *months[12];
};

static const struct labels nl = {
    "nl", "Factuur", "Creditnota", "Factuurnummer", "Factuurdatum", "Vervaldatum", "Periode",
    "Uw referentie", "Correctie op factuur", " van ",
    "Leverancier", "Klant", "KvK-nummer", "Btw-nummer", "E-mail",
    "Omschrijving", "Aantal", "Prijs", "Btw", "Bedrag", "uur", "st.",
    "Btw-tarief", "Grondslag", "Btw", "Totaal excl. btw", "Totaal btw", "Totaal incl. btw",
    "Te betalen",
    "Gelieve ", " uiterlijk ", " over te maken op IBAN ", " ten name van ",
    ", onder vermelding van factuurnummer ", "Betalingsvoorwaarden",
    "0% (nultarief)", "vrijgesteld", "verlegd",
    "Btw verlegd: de btw wordt voldaan door de afnemer (btw-nummer ", "Vrijgesteld van btw: ",
    ',', '.', "\xE2\x82\xAC\xC2\xA0",
    { "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
      "oktober", "november", "december" } };

static const struct labels en = {
    "en", "Invoice", "Credit note", "Invoice number", "Invoice date", "Due date", "Period",
    "Your reference", "Corrects invoice", " of ",
    "Supplier", "Customer", "Chamber of Commerce (KvK) no.", "VAT no.", "E-mail",
    "Description", "Quantity", "Price", "VAT", "Amount", "h", "pcs",
    "VAT rate", "Taxable amount", "VAT", "Total excl. VAT", "Total VAT", "Total incl. VAT",
    "Amount due",
    "Please transfer ", " by ", " to IBAN ", " in the name of ", ", quoting invoice number ",
    "Payment terms",
    "0% (zero rated)", "exempt", "reverse charge",
    "Reverse charge: VAT to be accounted for by the customer (VAT no. ", "Exempt from VAT: ",
    '.', ',', "\xE2\x82\xAC",
    { "January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December" } };

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

/* ---- numbers and dates in the page's language ---- */

static void money(struct sbuf *b, const struct labels *l, int64_t cents)
{
    char digits[32], out[48];
    uint64_t a = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)(a / 100)), o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) out[o++] = l->thou;
        out[o++] = digits[i];
    }
    out[o] = '\0';
    sb_printf(b, "%s%s%s%c%02u", cents < 0 ? "-" : "", l->euro, out, l->dec, (unsigned)(a % 100));
}

/* A decimal from ubl_fmt_* with the language's decimal separator. */
static void decimal(struct sbuf *b, const struct labels *l, const char *s)
{
    for (; *s; s++) {
        char c = *s == '.' ? l->dec : *s;
        sb_put(b, &c, 1);
    }
}

/* "YYYY-MM-DD" (checked by ubl_check) as "2 november 2026". */
static void date(struct sbuf *b, const struct labels *l, const char *iso)
{
    int m = atoi(iso + 5);
    sb_printf(b, "%d %s %.4s", atoi(iso + 8), l->months[(m >= 1 && m <= 12 ? m : 1) - 1], iso);
}

/* Hours as h:mm when the quantity is whole minutes, else as a decimal. */
static void quantity(struct sbuf *b, const struct labels *l, const struct ubl_line *ln)
{
    char q[32];
    int64_t a = ln->qty_e6 < 0 ? -ln->qty_e6 : ln->qty_e6, mins = (a * 60 + 500000) / 1000000;
    int64_t diff = mins * 1000000 - a * 60;
    if (ln->unit == UBL_UNIT_HOUR && diff >= -60 && diff <= 60) {
        sb_printf(b, "%s%lld:%02lld %s", ln->qty_e6 < 0 ? "-" : "", (long long)(mins / 60),
             (long long)(mins % 60), l->hours);
        return;
    }
    ubl_fmt_qty(ln->qty_e6, q);
    decimal(b, l, q);
    sb_printf(b, " %s", ln->unit == UBL_UNIT_HOUR ? l->hours : l->pieces);
}

static void rate(struct sbuf *b, const struct labels *l, struct bcalc_vat v)
{
    char pct[32];
    ubl_fmt_percent(v.rate_bp, pct);
    switch (v.cat) {
    case BCALC_VAT_S: decimal(b, l, pct); sb_puts(b, "%"); break;
    case BCALC_VAT_Z: sb_puts(b, l->cat_z); break;
    case BCALC_VAT_E: sb_puts(b, l->cat_e); break;
    case BCALC_VAT_AE: sb_puts(b, l->cat_ae); break;
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

static void date_row(struct sbuf *b, const struct labels *l, const char *label, const char *iso)
{
    if (!set(iso)) return;
    sb_printf(b, "<dt>%s</dt><dd>", label);
    date(b, l, iso);
    sb_puts(b, "</dd>\n");
}

static void party(struct sbuf *b, const struct labels *l, const char *title, const struct ubl_party *p)
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

static void header(struct sbuf *b, const struct labels *l, const struct ubl_doc *d)
{
    bool inv = d->kind == UBL_INVOICE;
    sb_printf(b, "<h1>%s</h1>\n<dl>\n", inv ? l->invoice : l->credit_note);
    row(b, l->number, d->number);
    date_row(b, l, l->date, d->issue_date);
    if (inv) date_row(b, l, l->due, d->due_date);
    if (set(d->period_start)) {
        sb_printf(b, "<dt>%s</dt><dd>", l->period);
        date(b, l, d->period_start);
        sb_puts(b, " \xE2\x80\x93 ");
        date(b, l, d->period_end);
        sb_puts(b, "</dd>\n");
    }
    row(b, l->your_ref, d->buyer_reference);
    if (!inv) {
        sb_printf(b, "<dt>%s</dt><dd>", l->corrects);
        esc(b, d->corrected_number, true);
        if (set(d->corrected_date)) {
            sb_puts(b, l->of);
            date(b, l, d->corrected_date);
        }
        sb_puts(b, "</dd>\n");
    }
    sb_puts(b, "</dl>\n<div class=\"parties\">\n");
    party(b, l, l->seller, &d->seller);
    party(b, l, l->buyer, &d->buyer);
    sb_puts(b, "</div>\n");
}

static void line(struct sbuf *b, const struct labels *l, const struct ubl_line *ln)
{
    sb_puts(b, "<tr><td>");
    esc(b, ln->name, true);
    if (set(ln->description) || set(ln->period_start)) sb_puts(b, "<div class=\"d\">");
    if (set(ln->period_start)) {
        date(b, l, ln->period_start);
        if (strcmp(ln->period_start, ln->period_end) != 0) {
            sb_puts(b, " \xE2\x80\x93 ");
            date(b, l, ln->period_end);
        }
        if (set(ln->description)) sb_puts(b, "<br>");
    }
    esc(b, ln->description, false);
    if (set(ln->description) || set(ln->period_start)) sb_puts(b, "</div>");
    sb_puts(b, "</td><td class=\"n\">");
    quantity(b, l, ln);
    sb_puts(b, "</td><td class=\"n\">");
    money(b, l, ln->price_cents);
    sb_puts(b, "</td><td class=\"n\">");
    rate(b, l, ln->vat);
    sb_puts(b, "</td><td class=\"n\">");
    money(b, l, ln->net_cents);
    sb_puts(b, "</td></tr>\n");
}

static void lines(struct sbuf *b, const struct labels *l, const struct ubl_doc *d)
{
    sb_printf(b, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
         "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr></thead>\n<tbody>\n",
         l->description, l->qty, l->price, l->vat, l->amount);
    for (size_t i = 0; i < d->nlines; i++) line(b, l, &d->lines[i]);
    sb_puts(b, "</tbody>\n</table>\n");
}

static void total_row(struct sbuf *b, const struct labels *l, const char *cls, const char *label,
                      int64_t cents)
{
    sb_printf(b, "<tr%s><th>%s</th><td class=\"n\">", cls, label);
    money(b, l, cents);
    sb_puts(b, "</td></tr>\n");
}

static void totals(struct sbuf *b, const struct labels *l, const struct bcalc_totals *t)
{
    sb_printf(b, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
         "</tr></thead>\n<tbody>\n", l->vat_rate, l->taxable, l->vat_amount);
    for (size_t i = 0; i < t->ngroups; i++) {
        sb_puts(b, "<tr><td>");
        rate(b, l, t->groups[i].vat);
        sb_puts(b, "</td><td class=\"n\">");
        money(b, l, t->groups[i].taxable_cents);
        sb_puts(b, "</td><td class=\"n\">");
        money(b, l, t->groups[i].tax_cents);
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

static void footer(struct sbuf *b, const struct labels *l, const struct ubl_doc *d,
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
        money(b, l, t->payable_cents);
        sb_puts(b, l->pay2);
        date(b, l, d->due_date);
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
    const struct labels *l = !lang ? NULL : strcmp(lang, "nl") == 0 ? &nl
                           : strcmp(lang, "en") == 0 ? &en : NULL;
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
