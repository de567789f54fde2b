/* ubl.c: UBL 2.1 invoices and credit notes for Peppol BIS Billing 3.0 (see
 * ubl.h for the guarantees and decisions). ubl_check() validates a document
 * completely before ubl_write() emits a byte, so a refused document never
 * produces partial output. The writer is libxml2's xmlTextWriter: all text
 * goes through it, escaped, after ubl_text_clean(). */
#include "billing/ubl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ltime.h"

#include <pthread.h>
#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#define CUSTOMIZATION_ID "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
#define PROFILE_ID "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CREDIT "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
#define NS_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
#define MAX_QTY_E6 1000000000000LL   /* one million units */

/* ---- text cleaning ---- */

/* Decodes one UTF-8 character at s (n bytes left); returns its length and
 * sets *cp, or returns 0 for an invalid sequence. Strict: no overlongs,
 * no surrogates, nothing above U+10FFFF. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const struct { unsigned char lo, hi; int len; uint32_t mask; } lead[] = {
        { 0xC2, 0xDF, 2, 0x1F }, { 0xE0, 0xEF, 3, 0x0F }, { 0xF0, 0xF4, 4, 0x07 } };
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++) {
        if (s[0] < lead[i].lo || s[0] > lead[i].hi) continue;
        size_t len = (size_t)lead[i].len;
        if (n < len) return 0;
        uint32_t v = s[0] & lead[i].mask;
        for (size_t k = 1; k < len; k++) {
            if ((s[k] & 0xC0) != 0x80) return 0;
            v = (v << 6) | (s[k] & 0x3F);
        }
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
        *cp = v;
        return len;
    }
    return 0;
}

static size_t utf8_encode(uint32_t cp, char *o)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* What a character becomes: itself, a space, or nothing (0). */
static uint32_t xml_char(uint32_t cp, bool one_line)
{
    if (cp == '\t') return ' ';
    if (cp == '\n') return one_line ? ' ' : '\n';
    if (cp == '\r') return one_line ? ' ' : 0;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) return 0;
    return cp;
}

size_t ubl_text_clean(const char *src, bool one_line, char *dst, size_t cap)
{
    size_t o = 0, n = src ? strlen(src) : 0;
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) { cp = 0xFFFD; k = 1; }
        i += k;
        cp = xml_char(cp, one_line);
        if (cp == 0 || (o == 0 && (cp == ' ' || cp == '\n'))) continue;
        char enc[4];
        size_t len = utf8_encode(cp, enc);
        if (o + len >= cap) break;
        memcpy(dst + o, enc, len);
        o += len;
    }
    while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\n')) o--;
    dst[o] = '\0';
    return o;
}

static bool has_text(const char *s)
{
    char buf[UBL_SHORT_TEXT];
    return ubl_text_clean(s, true, buf, sizeof buf) > 0;
}

/* ---- formatting ---- */

void ubl_fmt_amount(int64_t cents, char out[32])
{
    uint64_t a = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(out, 32, "%s%llu.%02llu", cents < 0 ? "-" : "", (unsigned long long)(a / 100),
             (unsigned long long)(a % 100));
}

void ubl_fmt_qty(int64_t e6, char out[32])
{
    uint64_t a = e6 < 0 ? 0 - (uint64_t)e6 : (uint64_t)e6;
    int n = snprintf(out, 32, "%s%llu.%06llu", e6 < 0 ? "-" : "", (unsigned long long)(a / 1000000),
                     (unsigned long long)(a % 1000000));
    while (n > 0 && out[n - 1] == '0') out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.') out[--n] = '\0';
}

void ubl_fmt_percent(int32_t bp, char out[32])
{
    ubl_fmt_qty((int64_t)bp * 10000, out);   /* bp / 100 as a decimal */
}

void ubl_date_of(int64_t t, char out[11])
{
    struct tm tm;
    lt_local(t, &tm);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

/* ---- strict identifiers ---- */

static bool set(const char *s) { return s && *s; }

/* n in [min, max] characters, each accepted by ok(). */
static bool chars_ok(const char *s, size_t min, size_t max, int (*ok)(int))
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i])) return false;
    return true;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_upnum(int c) { return is_upper(c) || is_digit(c); }
static int is_idch(int c) { return is_upnum(c) || (c >= 'a' && c <= 'z') || (c && strchr("._/-", c)); }
static int is_mailch(int c) { return c > 0x20 && c < 0x7F && !strchr("<>()[]\\,;:\"", c); }

static bool valid_number(const char *s) { return chars_ok(s, 1, 64, is_idch); }
static bool valid_country(const char *s) { return chars_ok(s, 2, 2, is_upper); }
static bool valid_kvk(const char *s) { return chars_ok(s, 8, 8, is_digit); }

static bool valid_date(const char *s)
{
    if (!s || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit((unsigned char)s[i])) return false;
    return lt_valid_date(atoi(s), atoi(s + 5), atoi(s + 8));
}

static bool valid_vat(const char *s)
{
    return chars_ok(s, 4, 15, is_upnum) && is_upper((unsigned char)s[0]) &&
           is_upper((unsigned char)s[1]);
}

static bool valid_iban(const char *s)
{
    if (!chars_ok(s, 15, 34, is_upnum) || !is_upper((unsigned char)s[0]) ||
        !is_upper((unsigned char)s[1]) || !is_digit((unsigned char)s[2]) ||
        !is_digit((unsigned char)s[3]))
        return false;
    size_t n = strlen(s);
    unsigned rem = 0;
    for (size_t i = 0; i < n; i++) {              /* ISO 13616: rotate, letters 10..35, mod 97 */
        unsigned char c = (unsigned char)s[(i + 4) % n];
        rem = is_digit(c) ? (rem * 10 + (c - '0')) % 97 : (rem * 100 + (c - 'A' + 10)) % 97;
    }
    return rem == 1;
}

static bool valid_bic(const char *s)
{
    size_t n = s ? strnlen(s, 12) : 0;
    if ((n != 8 && n != 11) || !chars_ok(s, n, n, is_upnum)) return false;
    for (int i = 0; i < 6; i++)
        if (!is_upper((unsigned char)s[i])) return false;
    return true;
}

static bool valid_email(const char *s)
{
    if (!chars_ok(s, 3, 254, is_mailch)) return false;
    const char *at = strchr(s, '@');
    return at && at != s && at[1] && !strchr(at + 1, '@');
}

static int is_epch(int c) { return is_idch(c) || c == ':'; }

/* EAS codes of EU VAT numbers, keyed by VAT prefix (EL for Greece). */
static const struct { char prefix[3]; char eas[5]; } vat_eas[] = {
    { "AT", "9914" }, { "BE", "9925" }, { "BG", "9926" }, { "CY", "9928" }, { "CZ", "9929" },
    { "DE", "9930" }, { "EE", "9931" }, { "EL", "9933" }, { "ES", "9920" }, { "FR", "9957" },
    { "HR", "9934" }, { "HU", "9910" }, { "IE", "9935" }, { "LT", "9937" }, { "LU", "9938" },
    { "LV", "9939" }, { "MT", "9943" }, { "NL", "9944" }, { "PL", "9945" }, { "PT", "9946" },
    { "RO", "9947" }, { "SI", "9949" }, { "SK", "9950" } };

/* The buyer's EndpointID (see ubl.h). Pointers are borrowed from p or static. */
static int buyer_endpoint(const struct ubl_party *p, const char **scheme, const char **id)
{
    if (set(p->endpoint_scheme) || set(p->endpoint_id)) {
        if (!chars_ok(p->endpoint_scheme, 4, 4, is_digit) || !chars_ok(p->endpoint_id, 1, 64, is_epch))
            return LP_ERR_INVALID;
        *scheme = p->endpoint_scheme;
        *id = p->endpoint_id;
        return 0;
    }
    if (set(p->kvk)) { *scheme = "0106"; *id = p->kvk; return 0; }
    for (size_t i = 0; set(p->vat_id) && i < sizeof vat_eas / sizeof vat_eas[0]; i++)
        if (strncmp(p->vat_id, vat_eas[i].prefix, 2) == 0) {
            *scheme = vat_eas[i].eas;
            *id = p->vat_id;
            return 0;
        }
    return LP_ERR_INVALID;
}

/* ---- document checks ---- */

static int check_party(const struct ubl_party *p, bool seller)
{
    const char *scheme, *id;
    if (!has_text(p->name) || !has_text(p->street) || !has_text(p->city) ||
        !has_text(p->postal_zone) || !valid_country(p->country))
        return LP_ERR_INVALID;
    if ((seller || set(p->kvk)) && !valid_kvk(p->kvk)) return LP_ERR_INVALID;
    if ((seller || set(p->vat_id)) && !valid_vat(p->vat_id)) return LP_ERR_INVALID;
    if (set(p->email) && !valid_email(p->email)) return LP_ERR_INVALID;
    return seller ? 0 : buyer_endpoint(p, &scheme, &id);
}

static bool opt_date(const char *s) { return !set(s) || valid_date(s); }

static int check_period(const char *from, const char *to)
{
    if (set(from) != set(to) || !opt_date(from) || !opt_date(to)) return LP_ERR_INVALID;
    return set(from) && strcmp(from, to) > 0 ? LP_ERR_INVALID : 0;
}

/* |qty * price - net| <= 2 cents, exactly (PEPPOL-EN16931-R120). */
static bool line_sum_ok(const struct ubl_line *l)
{
    __int128 diff = (__int128)l->qty_e6 * l->price_cents - (__int128)l->net_cents * 1000000;
    return diff >= -2000000 && diff <= 2000000;
}

static int check_line(const struct ubl_doc *d, const struct ubl_line *l)
{
    if ((l->id && !valid_number(l->id)) || (unsigned)l->unit >= BCALC_UNIT_COUNT ||
        l->price_cents < 0 || l->price_cents > BCALC_MAX_CENTS || l->qty_e6 < -MAX_QTY_E6 ||
        l->qty_e6 > MAX_QTY_E6 || l->net_cents < -BCALC_MAX_CENTS || l->net_cents > BCALC_MAX_CENTS ||
        !line_sum_ok(l) || !has_text(l->name) || check_period(l->period_start, l->period_end) ||
        bcalc_vat_check(l->vat))
        return LP_ERR_INVALID;
    if (set(l->period_start) && set(d->period_start) &&
        (strcmp(l->period_start, d->period_start) < 0 || strcmp(l->period_end, d->period_end) > 0))
        return LP_ERR_INVALID;
    if (l->vat.cat == BCALC_VAT_E && !has_text(d->exempt_reason)) return LP_ERR_INVALID;
    if (l->vat.cat == BCALC_VAT_AE && !set(d->buyer.vat_id)) return LP_ERR_INVALID;
    return 0;
}

static int check_header(const struct ubl_doc *d)
{
    if ((d->kind != UBL_INVOICE && d->kind != UBL_CREDIT_NOTE) || !valid_number(d->number) ||
        !valid_date(d->issue_date) || check_period(d->period_start, d->period_end) ||
        !has_text(d->buyer_reference) || check_party(&d->seller, true) ||
        check_party(&d->buyer, false) || !d->lines || d->nlines == 0 || d->nlines > UBL_MAX_LINES)
        return LP_ERR_INVALID;
    if (d->kind == UBL_CREDIT_NOTE)
        return valid_number(d->corrected_number) && opt_date(d->corrected_date) &&
               has_text(d->payment_terms) ? 0 : LP_ERR_INVALID;
    if (!valid_date(d->due_date) || strcmp(d->due_date, d->issue_date) < 0 ||
        (d->payment_means != 58 && d->payment_means != 30) || !valid_iban(d->iban) ||
        (set(d->bic) && !valid_bic(d->bic)))
        return LP_ERR_INVALID;
    return 0;
}

int ubl_check(const struct ubl_doc *d, struct bcalc_totals *totals)
{
    struct bcalc_totals t;
    if (!d) return LP_ERR_INVALID;
    int rc = check_header(d);
    if (rc) return rc;
    bcalc_totals_init(&t);
    for (size_t i = 0; i < d->nlines; i++) {
        if ((rc = check_line(d, &d->lines[i])) || (rc = bcalc_totals_add(&t, d->lines[i].net_cents,
                                                                          d->lines[i].vat)))
            return rc;
    }
    bcalc_totals_finish(&t);
    if (totals) *totals = t;
    return 0;
}


/* ---- writer: every call is a no-op after the first error ---- */

struct wr {
    xmlTextWriterPtr w;
    int bad;
};

static void wr_start(struct wr *x, const char *name)
{
    if (!x->bad && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0) x->bad = 1;
}

static void wr_end(struct wr *x)
{
    if (!x->bad && xmlTextWriterEndElement(x->w) < 0) x->bad = 1;
}

static void wr_attr(struct wr *x, const char *name, const char *value)
{
    if (!x->bad && xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) < 0) x->bad = 1;
}

static void wr_elem(struct wr *x, const char *name, const char *text)
{
    if (!x->bad && xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text) < 0) x->bad = 1;
}

/* <name attr="aval">text</name> */
static void wr_elem_attr(struct wr *x, const char *name, const char *attr, const char *aval,
                         const char *text)
{
    wr_start(x, name);
    wr_attr(x, attr, aval);
    if (!x->bad && xmlTextWriterWriteString(x->w, BAD_CAST text) < 0) x->bad = 1;
    wr_end(x);
}

/* Free text, cleaned; left out when nothing remains. */
static void wr_text(struct wr *x, const char *name, const char *raw, size_t cap, bool one_line)
{
    char buf[UBL_LONG_TEXT];
    if (cap > sizeof buf) cap = sizeof buf;
    if (ubl_text_clean(raw, one_line, buf, cap) > 0) wr_elem(x, name, buf);
}

static void wr_amount(struct wr *x, const char *name, int64_t cents)
{
    char buf[32];
    ubl_fmt_amount(cents, buf);
    wr_elem_attr(x, name, "currencyID", "EUR", buf);
}

static void wr_opt(struct wr *x, const char *name, const char *value)
{
    if (set(value)) wr_elem(x, name, value);
}

static void wr_period(struct wr *x, const char *from, const char *to)
{
    if (!set(from)) return;
    wr_start(x, "cac:InvoicePeriod");
    wr_elem(x, "cbc:StartDate", from);
    wr_elem(x, "cbc:EndDate", to);
    wr_end(x);
}

static void wr_vat_scheme(struct wr *x)
{
    wr_start(x, "cac:TaxScheme");
    wr_elem(x, "cbc:ID", "VAT");
    wr_end(x);
}

static void wr_header(struct wr *x, const struct ubl_doc *d)
{
    bool inv = d->kind == UBL_INVOICE;
    wr_elem(x, "cbc:CustomizationID", CUSTOMIZATION_ID);
    wr_elem(x, "cbc:ProfileID", PROFILE_ID);
    wr_elem(x, "cbc:ID", d->number);
    wr_elem(x, "cbc:IssueDate", d->issue_date);
    if (inv) wr_elem(x, "cbc:DueDate", d->due_date);
    wr_elem(x, inv ? "cbc:InvoiceTypeCode" : "cbc:CreditNoteTypeCode", inv ? "380" : "381");
    wr_text(x, "cbc:Note", d->note, UBL_LONG_TEXT, false);
    wr_elem(x, "cbc:DocumentCurrencyCode", "EUR");
    wr_text(x, "cbc:BuyerReference", d->buyer_reference, UBL_SHORT_TEXT, true);
    wr_period(x, d->period_start, d->period_end);
    if (set(d->order_reference)) {   /* BT-13: one purchase order per document */
        wr_start(x, "cac:OrderReference");
        wr_text(x, "cbc:ID", d->order_reference, UBL_SHORT_TEXT, true);
        wr_end(x);
    }
    if (!inv) {
        wr_start(x, "cac:BillingReference");
        wr_start(x, "cac:InvoiceDocumentReference");
        wr_elem(x, "cbc:ID", d->corrected_number);
        wr_opt(x, "cbc:IssueDate", d->corrected_date);
        wr_end(x);
        wr_end(x);
    }
}

static void wr_party(struct wr *x, const struct ubl_party *p, bool seller)
{
    const char *scheme = "0106", *id = p->kvk;
    if (!seller && buyer_endpoint(p, &scheme, &id)) x->bad = 1;
    wr_start(x, seller ? "cac:AccountingSupplierParty" : "cac:AccountingCustomerParty");
    wr_start(x, "cac:Party");
    wr_elem_attr(x, "cbc:EndpointID", "schemeID", scheme, id);
    wr_start(x, "cac:PartyName");
    wr_text(x, "cbc:Name", p->name, UBL_SHORT_TEXT, true);
    wr_end(x);
    wr_start(x, "cac:PostalAddress");
    wr_text(x, "cbc:StreetName", p->street, UBL_SHORT_TEXT, true);
    wr_text(x, "cbc:CityName", p->city, UBL_SHORT_TEXT, true);
    wr_text(x, "cbc:PostalZone", p->postal_zone, UBL_SHORT_TEXT, true);
    wr_start(x, "cac:Country");
    wr_elem(x, "cbc:IdentificationCode", p->country);
    wr_end(x);
    wr_end(x);
    if (set(p->vat_id)) {
        wr_start(x, "cac:PartyTaxScheme");
        wr_elem(x, "cbc:CompanyID", p->vat_id);
        wr_vat_scheme(x);
        wr_end(x);
    }
    wr_start(x, "cac:PartyLegalEntity");
    wr_text(x, "cbc:RegistrationName", p->name, UBL_SHORT_TEXT, true);
    if (set(p->kvk)) wr_elem_attr(x, "cbc:CompanyID", "schemeID", "0106", p->kvk);
    wr_end(x);
    if (set(p->email)) {
        wr_start(x, "cac:Contact");
        wr_elem(x, "cbc:ElectronicMail", p->email);
        wr_end(x);
    }
    wr_end(x);
    wr_end(x);
}

static void wr_payment(struct wr *x, const struct ubl_doc *d)
{
    char code[8];
    if (d->kind == UBL_INVOICE) {
        snprintf(code, sizeof code, "%d", d->payment_means);
        wr_start(x, "cac:PaymentMeans");
        wr_elem(x, "cbc:PaymentMeansCode", code);
        wr_elem(x, "cbc:PaymentID", d->number);
        wr_start(x, "cac:PayeeFinancialAccount");
        wr_elem(x, "cbc:ID", d->iban);
        wr_text(x, "cbc:Name", d->account_name, UBL_SHORT_TEXT, true);
        if (set(d->bic)) {
            wr_start(x, "cac:FinancialInstitutionBranch");
            wr_elem(x, "cbc:ID", d->bic);
            wr_end(x);
        }
        wr_end(x);
        wr_end(x);
    }
    if (has_text(d->payment_terms)) {
        wr_start(x, "cac:PaymentTerms");
        wr_text(x, "cbc:Note", d->payment_terms, UBL_LONG_TEXT, false);
        wr_end(x);
    }
}

static void wr_category(struct wr *x, const char *name, struct bcalc_vat v, const char *reason)
{
    char pct[32];
    ubl_fmt_percent(v.rate_bp, pct);
    wr_start(x, name);
    wr_elem(x, "cbc:ID", bcalc_vat_code(v.cat));
    wr_elem(x, "cbc:Percent", pct);
    if (v.cat == BCALC_VAT_AE) {
        wr_elem(x, "cbc:TaxExemptionReasonCode", "VATEX-EU-AE");
        wr_elem(x, "cbc:TaxExemptionReason", "Reverse charge");
    } else if (v.cat == BCALC_VAT_E) {
        wr_text(x, "cbc:TaxExemptionReason", reason, UBL_SHORT_TEXT, true);
    }
    wr_vat_scheme(x);
    wr_end(x);
}

static void wr_totals(struct wr *x, const struct ubl_doc *d, const struct bcalc_totals *t)
{
    wr_start(x, "cac:TaxTotal");
    wr_amount(x, "cbc:TaxAmount", t->tax_cents);
    for (size_t i = 0; i < t->ngroups; i++) {
        wr_start(x, "cac:TaxSubtotal");
        wr_amount(x, "cbc:TaxableAmount", t->groups[i].taxable_cents);
        wr_amount(x, "cbc:TaxAmount", t->groups[i].tax_cents);
        wr_category(x, "cac:TaxCategory", t->groups[i].vat, d->exempt_reason);
        wr_end(x);
    }
    wr_end(x);
    wr_start(x, "cac:LegalMonetaryTotal");
    wr_amount(x, "cbc:LineExtensionAmount", t->line_ext_cents);
    wr_amount(x, "cbc:TaxExclusiveAmount", t->tax_excl_cents);
    wr_amount(x, "cbc:TaxInclusiveAmount", t->tax_incl_cents);
    wr_amount(x, "cbc:PayableAmount", t->payable_cents);
    wr_end(x);
}

static void wr_line(struct wr *x, const struct ubl_doc *d, const struct ubl_line *l, size_t pos)
{
    bool inv = d->kind == UBL_INVOICE;
    char id[24], qty[32], price[32];
    snprintf(id, sizeof id, "%zu", pos + 1);
    ubl_fmt_qty(l->qty_e6, qty);
    ubl_fmt_amount(l->price_cents, price);
    wr_start(x, inv ? "cac:InvoiceLine" : "cac:CreditNoteLine");
    wr_elem(x, "cbc:ID", l->id ? l->id : id);
    wr_elem_attr(x, inv ? "cbc:InvoicedQuantity" : "cbc:CreditedQuantity", "unitCode",
                 bcalc_unit_code(l->unit), qty);
    wr_amount(x, "cbc:LineExtensionAmount", l->net_cents);
    wr_period(x, l->period_start, l->period_end);
    wr_start(x, "cac:Item");
    wr_text(x, "cbc:Description", l->description, UBL_LONG_TEXT, false);
    wr_text(x, "cbc:Name", l->name, UBL_SHORT_TEXT, true);
    wr_category(x, "cac:ClassifiedTaxCategory", l->vat, NULL);
    wr_end(x);
    wr_start(x, "cac:Price");
    wr_elem_attr(x, "cbc:PriceAmount", "currencyID", "EUR", price);
    wr_end(x);
    wr_end(x);
}

static void wr_doc(struct wr *x, const struct ubl_doc *d, const struct bcalc_totals *t)
{
    bool inv = d->kind == UBL_INVOICE;
    if (xmlTextWriterSetIndent(x->w, 1) < 0 || xmlTextWriterSetIndentString(x->w, BAD_CAST "  ") < 0 ||
        xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0)
        x->bad = 1;
    wr_start(x, inv ? "Invoice" : "CreditNote");
    wr_attr(x, "xmlns", inv ? NS_INVOICE : NS_CREDIT);
    wr_attr(x, "xmlns:cac", NS_CAC);
    wr_attr(x, "xmlns:cbc", NS_CBC);
    wr_header(x, d);
    wr_party(x, &d->seller, true);
    wr_party(x, &d->buyer, false);
    wr_payment(x, d);
    wr_totals(x, d, t);
    for (size_t i = 0; i < d->nlines; i++) wr_line(x, d, &d->lines[i], i);
    wr_end(x);
    if (!x->bad && xmlTextWriterEndDocument(x->w) < 0) x->bad = 1;
}

/* libxml2 must be initialised once before threads use it concurrently. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

int ubl_write(const struct ubl_doc *doc, char **out, size_t *len)
{
    struct bcalc_totals t;
    int rc = ubl_check(doc, &t);
    if (rc) return rc;
    pthread_once(&xml_once, xml_init);
    xmlBufferPtr buf = xmlBufferCreate();
    struct wr x = { buf ? xmlNewTextWriterMemory(buf, 0) : NULL, 0 };
    rc = LP_ERR_NOMEM;
    if (!x.w) goto done;
    wr_doc(&x, doc, &t);
    xmlFreeTextWriter(x.w);                  /* flushes into buf */
    if (x.bad) goto done;
    size_t n = (size_t)xmlBufferLength(buf);
    char *copy = malloc(n + 1);
    if (!copy) goto done;
    memcpy(copy, xmlBufferContent(buf), n);
    copy[n] = '\0';
    *out = copy;
    *len = n;
    rc = 0;
done:
    xmlBufferFree(buf);
    return rc;
}

int ubl_wellformed(const char *buf, size_t len)
{
    if (!buf || len == 0 || len > (64u << 20)) return LP_ERR_INVALID;
    pthread_once(&xml_once, xml_init);
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, "ubl.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int rc = doc && !doc->intSubset && !doc->extSubset ? 0 : LP_ERR_INVALID;
    xmlFreeDoc(doc);
    return rc;
}


