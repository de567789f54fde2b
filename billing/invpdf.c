/* invpdf.c: the PDF invoice (see invpdf.h). One cairo PDF surface written
 * into a growing buffer; text with cairo's toy font API in DejaVu Sans.
 * Layout in points on A4 (595 x 842): a 50 pt margin, a 5-column line table
 * whose rows are measured before they are drawn, so a row never splits
 * across pages. */
#include "billing/invpdf.h"
#include "billing/invtext.h"
#include "core/sbuf.h"
#include <cairo.h>
#include <cairo-pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 50.0
#define RIGHT (PAGE_W - MARGIN)
#define BOTTOM (PAGE_H - 60.0)
#define FONT "DejaVu Sans"
#define SIZE 9.0
#define LEAD 12.0

/* Right edges of the number columns; the description takes the rest. */
static const double COL_QTY = 360, COL_PRICE = 425, COL_VAT = 480, COL_AMOUNT = RIGHT, DESC_W = 245;

struct pdf {
    cairo_t *cr;
    const struct inv_labels *l;
    const struct ubl_doc *d;
    double y;
    int page;
};

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int length)
{
    struct sbuf *b = closure;
    sb_put(b, (const char *)data, length);
    return b->oom ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

static void font(struct pdf *p, double size, bool bold)
{
    cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(p->cr, size);
}

static double width(struct pdf *p, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(p->cr, s, &e);
    return e.x_advance;
}

/* Caller text, cleaned to one line of valid UTF-8. */
static void clean(const char *raw, char *out, size_t cap) { ubl_text_clean(raw, true, out, cap); }

/* Draws s at x (left) or ending at x (right). */
static void text_at(struct pdf *p, double x, double y, const char *s, bool right)
{
    cairo_move_to(p->cr, right ? x - width(p, s) : x, y);
    cairo_show_text(p->cr, s);
}

/* Splits s into lines of at most w points (at spaces; a word longer than a
 * line is cut at a character). Calls out for each; returns the count. */
static int wrap(struct pdf *p, const char *s, double w, double x, double y, bool draw)
{
    char buf[UBL_LONG_TEXT], line[UBL_LONG_TEXT];
    int n = 0;
    ubl_text_clean(s, false, buf, sizeof buf);
    for (char *para = buf; para && *para;) {
        char *nl = strchr(para, '\n');
        if (nl) *nl = '\0';
        const char *r = para;
        while (*r) {
            size_t len = 0, fit = 0, last_space = 0;
            while (r[len]) {
                size_t k = 1;
                while (((unsigned char)r[len + k] & 0xC0) == 0x80) k++;
                memcpy(line, r, len + k);
                line[len + k] = '\0';
                if (width(p, line) > w && fit > 0) break;
                len += k;
                fit = len;
                if (r[len] == ' ') last_space = len;
            }
            size_t take = r[fit] && last_space ? last_space : fit;
            memcpy(line, r, take);
            line[take] = '\0';
            if (draw) text_at(p, x, y + n * LEAD, line, false);
            n++;
            r += take;
            while (*r == ' ') r++;
        }
        para = nl ? nl + 1 : NULL;
    }
    return n;
}

static void money_text(const struct inv_labels *l, int64_t cents, char *out, size_t cap)
{
    struct sbuf b = { 0 };
    char *s = NULL;
    size_t n;
    inv_money(&b, l, cents);
    if (sb_take(&b, &s, &n) == 0) { snprintf(out, cap, "%s", s); free(s); }
    else out[0] = '\0';
}

static void date_text(const struct inv_labels *l, const char *iso, char *out, size_t cap)
{
    struct sbuf b = { 0 };
    char *s = NULL;
    size_t n;
    out[0] = '\0';
    if (!iso || !*iso) return;
    inv_date(&b, l, iso);
    if (sb_take(&b, &s, &n) == 0) { snprintf(out, cap, "%s", s); free(s); }
}

static void rule(struct pdf *p, double y)
{
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, MARGIN, y);
    cairo_line_to(p->cr, RIGHT, y);
    cairo_stroke(p->cr);
}

static void foot(struct pdf *p)
{
    char s[64];
    font(p, 7.5, false);
    snprintf(s, sizeof s, "%s %d", p->l->page, p->page);
    text_at(p, RIGHT, PAGE_H - 30, s, true);
    char num[UBL_SHORT_TEXT];
    clean(p->d->number, num, sizeof num);
    text_at(p, MARGIN, PAGE_H - 30, num, false);
}

static void new_page(struct pdf *p)
{
    foot(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = MARGIN + 10;
}

static void need(struct pdf *p, double h)
{
    if (p->y + h > BOTTOM) new_page(p);
}

/* "label: value" rows of the header. */
static void kv(struct pdf *p, const char *label, const char *value)
{
    char v[UBL_SHORT_TEXT];
    if (!value || !*value) return;
    clean(value, v, sizeof v);
    font(p, SIZE, true);
    text_at(p, MARGIN, p->y, label, false);
    font(p, SIZE, false);
    text_at(p, MARGIN + 120, p->y, v, false);
    p->y += LEAD;
}

static double party(struct pdf *p, double x, double y, const char *title, const struct ubl_party *a)
{
    char s[UBL_SHORT_TEXT * 2 + 8], t1[UBL_SHORT_TEXT], t2[UBL_SHORT_TEXT];
    font(p, 7.5, true);
    text_at(p, x, y, title, false);
    y += LEAD;
    font(p, SIZE, true);
    clean(a->name, s, sizeof s);
    text_at(p, x, y, s, false);
    y += LEAD;
    font(p, SIZE, false);
    clean(a->street, s, sizeof s);
    text_at(p, x, y, s, false);
    y += LEAD;
    clean(a->postal_zone, t1, sizeof t1);
    clean(a->city, t2, sizeof t2);
    snprintf(s, sizeof s, "%s %s", t1, t2);
    text_at(p, x, y, s, false);
    y += LEAD;
    clean(a->country, s, sizeof s);
    text_at(p, x, y, s, false);
    y += LEAD;
    const struct { const char *label, *value; } ids[] = { { p->l->kvk, a->kvk }, { p->l->vat_id, a->vat_id },
                                                           { p->l->email, a->email } };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (!ids[i].value || !*ids[i].value) continue;
        clean(ids[i].value, t1, sizeof t1);
        snprintf(s, sizeof s, "%s: %s", ids[i].label, t1);
        text_at(p, x, y, s, false);
        y += LEAD;
    }
    return y;
}

static void header(struct pdf *p)
{
    const struct ubl_doc *d = p->d;
    const struct inv_labels *l = p->l;
    bool inv = d->kind == UBL_INVOICE;
    char a[64], b[64], s[UBL_SHORT_TEXT + 200];
    font(p, 18, true);
    text_at(p, MARGIN, p->y + 8, inv ? l->invoice : l->credit_note, false);
    p->y += 22;
    if (strncmp(d->number, "DRAFT-", 6) == 0) {
        font(p, SIZE, true);
        text_at(p, MARGIN, p->y, l->draft, false);
        p->y += LEAD;
    }
    p->y += 6;
    kv(p, l->number, d->number);
    date_text(l, d->issue_date, a, sizeof a);
    kv(p, l->date, a);
    if (inv) { date_text(l, d->due_date, a, sizeof a); kv(p, l->due, a); }
    if (d->period_start && *d->period_start) {
        date_text(l, d->period_start, a, sizeof a);
        date_text(l, d->period_end, b, sizeof b);
        snprintf(s, sizeof s, "%s \xE2\x80\x93 %s", a, b);
        kv(p, l->period, s);
    }
    kv(p, l->your_ref, d->buyer_reference);
    if (d->order_reference && d->order_reference[0]) kv(p, l->order_ref, d->order_reference);
    if (!inv) {
        char num[UBL_SHORT_TEXT];
        clean(d->corrected_number, num, sizeof num);
        date_text(l, d->corrected_date, a, sizeof a);
        snprintf(s, sizeof s, "%s%s%s", num, a[0] ? l->of : "", a);
        kv(p, l->corrects, s);
    }
    p->y += 10;
    double y1 = party(p, MARGIN, p->y, l->seller, &d->seller);
    double y2 = party(p, MARGIN + (RIGHT - MARGIN) / 2, p->y, l->buyer, &d->buyer);
    p->y = (y1 > y2 ? y1 : y2) + 10;
}

static void table_head(struct pdf *p)
{
    font(p, SIZE, true);
    text_at(p, MARGIN, p->y, p->l->description, false);
    text_at(p, COL_QTY, p->y, p->l->qty, true);
    text_at(p, COL_PRICE, p->y, p->l->price, true);
    text_at(p, COL_VAT, p->y, p->l->vat, true);
    text_at(p, COL_AMOUNT, p->y, p->l->amount, true);
    rule(p, p->y + 4);
    p->y += LEAD + 4;
}

/* The detail under a line's name: its period and description. */
static void detail_text(const struct inv_labels *l, const struct ubl_line *ln, char *out, size_t cap)
{
    char a[64] = "", b[64] = "", desc[UBL_LONG_TEXT] = "";
    date_text(l, ln->period_start, a, sizeof a);
    if (ln->period_start && ln->period_end && strcmp(ln->period_start, ln->period_end) != 0)
        date_text(l, ln->period_end, b, sizeof b);
    if (ln->description) ubl_text_clean(ln->description, false, desc, sizeof desc);
    snprintf(out, cap, "%s%s%s%s%s", a, b[0] ? " \xE2\x80\x93 " : "", b, a[0] && desc[0] ? "\n" : "", desc);
}

static void line_row(struct pdf *p, const struct ubl_line *ln)
{
    char name[UBL_SHORT_TEXT], detail[UBL_LONG_TEXT + 160], s[64];
    struct sbuf b = { 0 };
    char *q = NULL;
    size_t qn;
    clean(ln->name, name, sizeof name);
    detail_text(p->l, ln, detail, sizeof detail);
    font(p, SIZE, false);
    int nname = wrap(p, name, DESC_W, 0, 0, false);
    font(p, 7.5, false);
    int ndet = detail[0] ? wrap(p, detail, DESC_W, 0, 0, false) : 0;
    double h = nname * LEAD + ndet * (LEAD - 2) + 4;
    if (p->y + h > BOTTOM) { new_page(p); table_head(p); }
    font(p, SIZE, false);
    wrap(p, name, DESC_W, MARGIN, p->y, true);
    inv_quantity(&b, p->l, ln);
    if (sb_take(&b, &q, &qn) == 0) { text_at(p, COL_QTY, p->y, q, true); free(q); }
    money_text(p->l, ln->price_cents, s, sizeof s);
    text_at(p, COL_PRICE, p->y, s, true);
    inv_rate(&b, p->l, ln->vat);
    if (sb_take(&b, &q, &qn) == 0) { text_at(p, COL_VAT, p->y, q, true); free(q); }
    money_text(p->l, ln->net_cents, s, sizeof s);
    text_at(p, COL_AMOUNT, p->y, s, true);
    p->y += nname * LEAD;
    if (ndet) {
        font(p, 7.5, false);
        cairo_set_source_rgb(p->cr, 0.33, 0.33, 0.33);
        wrap(p, detail, DESC_W, MARGIN, p->y - 2, true);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        p->y += ndet * (LEAD - 2);
    }
    p->y += 4;
}

/* The heading over a project's lines: "Project CODE name" in bold. */
static void group_row(struct pdf *p, const char *group)
{
    char text[UBL_SHORT_TEXT + 32], g[UBL_SHORT_TEXT];
    clean(group, g, sizeof g);
    snprintf(text, sizeof text, "%s %s", p->l->project, g);
    font(p, SIZE, true);
    int n = wrap(p, text, DESC_W, 0, 0, false);
    if (p->y + n * LEAD + 6 > BOTTOM) { new_page(p); table_head(p); }
    p->y += 2;
    wrap(p, text, DESC_W, MARGIN, p->y, true);
    p->y += n * LEAD + 2;
    font(p, SIZE, false);
}

static void totals(struct pdf *p, const struct bcalc_totals *t)
{
    char s[64];
    struct sbuf b = { 0 };
    char *q = NULL;
    size_t qn;
    need(p, LEAD * (double)(t->ngroups + 2) + 10);
    p->y += 8;
    font(p, SIZE, true);
    text_at(p, MARGIN, p->y, p->l->vat_rate, false);
    text_at(p, COL_PRICE, p->y, p->l->taxable, true);
    text_at(p, COL_AMOUNT, p->y, p->l->vat_amount, true);
    rule(p, p->y + 4);
    p->y += LEAD + 4;
    font(p, SIZE, false);
    for (size_t i = 0; i < t->ngroups; i++) {
        inv_rate(&b, p->l, t->groups[i].vat);
        if (sb_take(&b, &q, &qn) == 0) { text_at(p, MARGIN, p->y, q, false); free(q); }
        money_text(p->l, t->groups[i].taxable_cents, s, sizeof s);
        text_at(p, COL_PRICE, p->y, s, true);
        money_text(p->l, t->groups[i].tax_cents, s, sizeof s);
        text_at(p, COL_AMOUNT, p->y, s, true);
        p->y += LEAD;
    }
    need(p, 4 * LEAD + 10);
    p->y += 10;
    const struct { const char *label; int64_t cents; } rows[] = {
        { p->l->total_excl, t->tax_excl_cents }, { p->l->total_vat, t->tax_cents },
        { p->l->total_incl, t->tax_incl_cents }, { p->l->payable, t->payable_cents } };
    for (size_t i = 0; i < 4; i++) {
        font(p, SIZE, i == 3);
        text_at(p, COL_VAT - 60, p->y, rows[i].label, false);
        money_text(p->l, rows[i].cents, s, sizeof s);
        text_at(p, COL_AMOUNT, p->y, s, true);
        p->y += LEAD;
    }
    p->y += 10;
}

static bool has_cat(const struct ubl_doc *d, enum bcalc_vat_cat cat)
{
    for (size_t i = 0; i < d->nlines; i++)
        if (d->lines[i].vat.cat == cat) return true;
    return false;
}

static void paragraph(struct pdf *p, const char *s, bool bold)
{
    font(p, SIZE, bold);
    int n = wrap(p, s, RIGHT - MARGIN, 0, 0, false);
    need(p, n * LEAD);
    wrap(p, s, RIGHT - MARGIN, MARGIN, p->y, true);
    p->y += n * LEAD + 4;
}

static void footer(struct pdf *p, const struct bcalc_totals *t)
{
    const struct ubl_doc *d = p->d;
    const struct inv_labels *l = p->l;
    char s[UBL_LONG_TEXT + 400], v[UBL_SHORT_TEXT], m[64], due[64], name[UBL_SHORT_TEXT], bic[40] = "";
    if (has_cat(d, BCALC_VAT_AE)) {
        clean(d->buyer.vat_id, v, sizeof v);
        snprintf(s, sizeof s, "%s%s).", l->reverse_charge, v);
        paragraph(p, s, false);
    }
    if (has_cat(d, BCALC_VAT_E)) {
        clean(d->exempt_reason, v, sizeof v);
        snprintf(s, sizeof s, "%s%s", l->exempt, v);
        paragraph(p, s, false);
    }
    if (d->kind == UBL_INVOICE && t->payable_cents > 0) {
        money_text(l, t->payable_cents, m, sizeof m);
        date_text(l, d->due_date, due, sizeof due);
        clean(d->account_name && *d->account_name ? d->account_name : d->seller.name, name, sizeof name);
        if (d->bic && *d->bic) snprintf(bic, sizeof bic, " (BIC %.11s)", d->bic);
        clean(d->number, v, sizeof v);
        snprintf(s, sizeof s, "%s%s%s%s%s%.34s%s%s%s%s%s.", l->pay1, m, l->pay2, due, l->pay3, d->iban, bic, l->pay_name,
                 name, l->pay4, v);
        paragraph(p, s, false);
    }
    if (d->payment_terms && *d->payment_terms) {
        char terms[UBL_LONG_TEXT];
        ubl_text_clean(d->payment_terms, false, terms, sizeof terms);
        snprintf(s, sizeof s, "%s: %s", l->terms, terms);
        paragraph(p, s, false);
    }
    if (d->note && *d->note) paragraph(p, d->note, false);
}

int invpdf_render(const struct ubl_doc *doc, const char *lang, char **out, size_t *len)
{
    struct bcalc_totals t;
    const struct inv_labels *l = inv_labels(lang);
    if (!l || ubl_check(doc, &t)) return LP_ERR_INVALID;
    struct sbuf b = { 0 };
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(sink, &b, PAGE_W, PAGE_H);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return LP_ERR_NOMEM;
    }
    char title[UBL_SHORT_TEXT + 40], num[UBL_SHORT_TEXT], created[32];
    clean(doc->number, num, sizeof num);
    snprintf(title, sizeof title, "%s %s", doc->kind == UBL_INVOICE ? l->invoice : l->credit_note, num);
    snprintf(created, sizeof created, "%.10sT12:00:00Z", doc->issue_date);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, created);
    struct pdf p = { cairo_create(surface), l, doc, MARGIN + 10, 1 };
    cairo_set_source_rgb(p.cr, 0, 0, 0);
    header(&p);
    table_head(&p);
    for (size_t i = 0; i < doc->nlines; i++) {
        const char *g = doc->lines[i].group, *prev = i ? doc->lines[i - 1].group : NULL;
        if (g && g[0] && (!prev || !prev[0] || strcmp(g, prev))) group_row(&p, g);
        line_row(&p, &doc->lines[i]);
    }
    totals(&p, &t);
    footer(&p, &t);
    foot(&p);
    cairo_show_page(p.cr);
    cairo_status_t cs = cairo_status(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_finish(surface);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (cs != CAIRO_STATUS_SUCCESS) {
        char *junk = NULL;
        size_t jn;
        if (sb_take(&b, &junk, &jn) == 0) free(junk);
        return cs == CAIRO_STATUS_NO_MEMORY ? LP_ERR_NOMEM : LP_ERR_INTERNAL;
    }
    return sb_take(&b, out, len);
}
