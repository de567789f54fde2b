/* invtext.c: the label tables and number formats of invoices (see invtext.h). */
#include "billing/invtext.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct inv_labels nl = {
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
    "Concept (nog niet uitgegeven)", "Pagina",
    ',', '.', "\xE2\x82\xAC\xC2\xA0",
    { "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
      "oktober", "november", "december" },
    "Inkooporder", "Project",
    { "uur", "st.", "l", "ml", "kg", "g", "dag(en)", "min", "eenh." } };

static const struct inv_labels en = {
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
    "Draft (not issued yet)", "Page",
    '.', ',', "\xE2\x82\xAC",
    { "January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December" },
    "Purchase order", "Project",
    { "h", "pcs", "l", "ml", "kg", "g", "day(s)", "min", "units" } };

const struct inv_labels *inv_labels(const char *lang)
{
    if (!lang) return NULL;
    return strcmp(lang, "nl") == 0 ? &nl : strcmp(lang, "en") == 0 ? &en : NULL;
}

void inv_money(struct sbuf *b, const struct inv_labels *l, int64_t cents)
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

void inv_decimal(struct sbuf *b, const struct inv_labels *l, const char *s)
{
    for (; *s; s++) {
        char c = *s == '.' ? l->dec : *s;
        sb_put(b, &c, 1);
    }
}

void inv_date(struct sbuf *b, const struct inv_labels *l, const char *iso)
{
    int m = atoi(iso + 5);
    sb_printf(b, "%d %s %.4s", atoi(iso + 8), l->months[(m >= 1 && m <= 12 ? m : 1) - 1], iso);
}

void inv_quantity(struct sbuf *b, const struct inv_labels *l, const struct ubl_line *ln)
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
    inv_decimal(b, l, q);
    sb_printf(b, " %s", (unsigned)ln->unit < BCALC_UNIT_COUNT ? l->units[ln->unit] : l->pieces);
}

void inv_rate(struct sbuf *b, const struct inv_labels *l, struct bcalc_vat v)
{
    char pct[32];
    ubl_fmt_percent(v.rate_bp, pct);
    switch (v.cat) {
    case BCALC_VAT_S: inv_decimal(b, l, pct); sb_puts(b, "%"); break;
    case BCALC_VAT_Z: sb_puts(b, l->cat_z); break;
    case BCALC_VAT_E: sb_puts(b, l->cat_e); break;
    case BCALC_VAT_AE: sb_puts(b, l->cat_ae); break;
    }
}
