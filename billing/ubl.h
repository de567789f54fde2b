/* ubl.h: UBL 2.1 invoices and credit notes for Peppol BIS Billing 3.0
 * (EN 16931 with the Dutch NL-R rules), written with libxml2's xmlTextWriter.
 *
 * Guarantees of ubl_write():
 *  - the output is well-formed UTF-8 XML whatever the input strings hold:
 *    free text is cleaned by ubl_text_clean() (invalid UTF-8 becomes U+FFFD,
 *    characters XML forbids are dropped, long text is cut at a character
 *    boundary) and escaped by the writer;
 *  - identifiers (numbers, dates, KvK, VAT, IBAN, BIC, country, e-mail) are
 *    checked strictly instead and refused with LP_ERR_INVALID;
 *  - totals and the VAT breakdown are computed here from the lines with
 *    bcalc_totals_*, never taken from the caller, so BR-CO-10/13/15/16 and
 *    the per-rate VAT rules hold; each line must satisfy
 *    |quantity * price - net| <= 0.02 (PEPPOL-EN16931-R120) and price >= 0;
 *  - element order follows the UBL 2.1 XSD.
 *
 * Decisions:
 *  - Seller (the site): EndpointID and PartyLegalEntity/CompanyID are its KvK
 *    number with schemeID 0106 (NL-R-003); its VAT number is required.
 *  - Buyer (the tenant) EndpointID, first that applies: an explicit
 *    endpoint_scheme/endpoint_id (the tenant's registered Peppol address);
 *    the KvK number (0106); the VAT number with its country's VAT scheme
 *    (9944 for NL, 9925 BE, 9930 DE, ... see ubl.c); else LP_ERR_INVALID.
 *    The buyer's KvK, when known, is also PartyLegalEntity/CompanyID 0106
 *    (NL-R-005).
 *  - BuyerReference is always written: the tenant's own reference, or the
 *    caller passes the tenant id.
 *  - Invoices carry PaymentMeans (58 SEPA credit transfer or 30) with the
 *    site's IBAN/BIC and the invoice number as payment reference, and a
 *    DueDate. Credit notes (type 381) carry the corrected invoice in
 *    BillingReference (NL-R-001) and payment terms text instead of payment
 *    means (money flows to the buyer).
 *  - Category E needs doc->exempt_reason (BR-E-10); AE is written with
 *    exemption code VATEX-EU-AE and needs the buyer's VAT number (BR-AE-02).
 *  - Currency is always EUR. */
#ifndef LP_UBL_H
#define LP_UBL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "billing/bill_calc.h"
#include "core/err.h"

#define UBL_SHORT_TEXT 256   /* bytes kept of names, addresses, references */
#define UBL_LONG_TEXT 1024   /* bytes kept of descriptions, notes, terms */
#define UBL_MAX_LINES 10000

enum ubl_kind { UBL_INVOICE, UBL_CREDIT_NOTE };
/* Line units are UN/ECE rec 20 codes (enum bcalc_unit); the two of time and fees: */
#define UBL_UNIT_HOUR BCALC_UNIT_HUR
#define UBL_UNIT_PIECE BCALC_UNIT_C62

/* All strings are borrowed for the duration of the call; NULL or "" means
 * absent. Dates are "YYYY-MM-DD" (see ubl_date_of). */
struct ubl_party {
    const char *name;            /* legal name: required */
    const char *kvk;             /* KvK number, 8 digits: required for the seller */
    const char *vat_id;          /* e.g. "NL123456789B01": required for the seller */
    const char *street;          /* required */
    const char *city;            /* required */
    const char *postal_zone;     /* required */
    const char *country;         /* ISO 3166-1 alpha-2, required */
    const char *email;           /* contact e-mail, optional */
    const char *endpoint_scheme; /* explicit Peppol address (4-digit EAS code) */
    const char *endpoint_id;     /*   and identifier; both or neither */
};

struct ubl_line {
    const char *id;              /* unique line id; NULL: the line's position, 1-based */
    enum bcalc_unit unit;
    int64_t qty_e6;              /* quantity in millionths of the unit; may be negative */
    int64_t price_cents;         /* unit price, >= 0 */
    int64_t net_cents;           /* line amount, ~ qty * price */
    const char *name;            /* item name: required */
    const char *description;     /* optional */
    const char *period_start;    /* optional line period, within the invoice period */
    const char *period_end;
    struct bcalc_vat vat;
    const char *group;           /* optional: the project the line is charged to, shown as a heading over
                                  * its lines in HTML, PDF and CSV (not written to UBL) */
};

struct ubl_doc {
    enum ubl_kind kind;
    const char *number;          /* document number, [A-Za-z0-9._/-]{1,64} */
    const char *issue_date;      /* required */
    const char *due_date;        /* invoices: required, >= issue_date */
    const char *period_start;    /* invoice period, optional (both or neither) */
    const char *period_end;
    const char *buyer_reference; /* required (tenant reference or tenant id) */
    const char *order_reference; /* optional: the buyer's purchase order (cac:OrderReference/cbc:ID, BT-13) */
    const char *note;            /* optional free text */
    const char *corrected_number;/* credit notes: the invoice corrected, required */
    const char *corrected_date;  /*   and its issue date, optional */
    struct ubl_party seller;
    struct ubl_party buyer;
    int payment_means;           /* invoices: 58 (SEPA credit transfer) or 30 */
    const char *iban;            /* invoices: required, checked (ISO 13616 mod 97) */
    const char *bic;             /* optional, 8 or 11 characters */
    const char *account_name;    /* optional */
    const char *payment_terms;   /* credit notes: required; invoices: optional */
    const char *exempt_reason;   /* required when a line has category E */
    const struct ubl_line *lines;
    size_t nlines;               /* 1..UBL_MAX_LINES */
};

/* Writes doc as UBL 2.1 XML. On success *out is a NUL-terminated malloc'd
 * buffer of *len bytes (caller frees). LP_ERR_INVALID with nothing written
 * when doc breaks a rule above; LP_ERR_TOOBIG over BCALC_MAX_VAT_GROUPS VAT
 * groups; LP_ERR_NOMEM; LP_ERR_INTERNAL when built without libxml2. */
int ubl_write(const struct ubl_doc *doc, char **out, size_t *len) LP_MUST;

/* Checks doc as ubl_write would, and computes its totals (optional out). */
int ubl_check(const struct ubl_doc *doc, struct bcalc_totals *totals) LP_MUST;

/* Parses buf strictly (no network, no entity expansion, no DTD): 0 when it
 * is well-formed XML, LP_ERR_INVALID otherwise. */
int ubl_wellformed(const char *buf, size_t len) LP_MUST;

/* Copies src into dst (cap >= 4 bytes) as valid UTF-8 holding only
 * characters XML 1.0 allows: invalid byte sequences become U+FFFD, control
 * characters other than tab/LF/CR and C1 controls are dropped, tab/LF/CR
 * become a space when one_line (else CR is dropped, tab is a space). The
 * result is cut at a character boundary to fit, trimmed of surrounding
 * white space and NUL-terminated. Returns its length; NULL src gives "". */
size_t ubl_text_clean(const char *src, bool one_line, char *dst, size_t cap);

/* The site-local date of instant t as "YYYY-MM-DD". */
void ubl_date_of(int64_t t, char out[11]);

/* Amount as "-1234.50"; quantity in millionths as "2.5", "0.333333". */
void ubl_fmt_amount(int64_t cents, char out[32]);
void ubl_fmt_qty(int64_t e6, char out[32]);
/* A rate in basis points as a percent: 2100 -> "21", 550 -> "5.5". */
void ubl_fmt_percent(int32_t bp, char out[32]);

#endif
