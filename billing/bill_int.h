/* bill_int.h: helpers shared by the billing files (billing/billing.c and
 * billing/bill_*.c) and by nothing else: a growing buffer with RFC 4180 CSV
 * cells, the own-transaction wrapper, the texts of invoice lines in the
 * document's language, and the step from stored invoice data to a UBL
 * document. Not part of the public billing API. */
#ifndef LP_BILL_INT_H
#define LP_BILL_INT_H
#include <stdbool.h>
#include <stddef.h>
#include "billing/billing.h"
#include "booking/site.h"
#include "billing/ubl.h"

#include "core/sbuf.h"

/* CSV cells (RFC 4180): text is quoted when it holds , " CR or LF, and
 * text starting with = + - @ tab or CR gets a leading ' (formula injection).
 * Numbers we format ourselves go in raw. sep: a comma before the cell. */
void bill_csv_text(struct sbuf *b, bool sep, const char *s);
void bill_csv_raw(struct sbuf *b, bool sep, const char *s);
void bill_csv_int(struct sbuf *b, bool sep, int64_t v);
void bill_csv_money(struct sbuf *b, bool sep, int64_t cents);
void bill_csv_eol(struct sbuf *b);

void bill_copy(char *dst, size_t cap, const char *src);
/* True when rc reports a failure to do the work (database, busy, memory...)
 * rather than a refusal of bad data: a failure is passed up, never read as
 * "nothing to charge". */
static inline int bill_is_failure(int rc) { return rc != 0 && !rsv_is_refusal(rc); }
/* The VAT stored in columns col (category code) and col + 1 (rate); standard
 * 21 % when they do not parse (the database checks them, so never in practice). */
struct bcalc_vat bill_vat_col(sqlite3_stmt *st, int col);
/* "YYYY-MM-DD" of site-local day t plus days (noon arithmetic, DST-safe). */
void bill_date_plus(int64_t t, int days, char out[BILL_DATE_LEN]);
/* The month after / before period ("2026-12" -> "2027-01"). */
void bill_month_step(const char *period, int delta, char out[BILL_PERIOD_LEN]);
/* A service interval for a line description in lang ("nl", "en"; else
 * "nl"), site time: "5 oktober 2026, 16:30-19:30" or
 * "24 October 2026 20:00 - 25 October 2026 08:00". */
void bill_span_text(int64_t start, int64_t end, const char *lang, char *out, size_t len);
/* The site-local month of t in lang: "oktober 2026", "October 2026". */
void bill_month_text(int64_t t, const char *lang, char *out, size_t len);

/* Part kinds as stored ("hours", "peak", ...). */
const char *bill_part_name(enum bcalc_part_kind k);
int bill_part_parse(const char *s, enum bcalc_part_kind *out);

/* Texts of the invoice in language lang ("nl" or "en"; else "nl"). */
struct bill_texts {
    const char *hours, *peak, *offpeak, *minimum;   /* suffixes after the resource name */
    const char *cancel, *noshow;                     /* printf formats with the resource name */
    const char *terms;                               /* printf format with the days */
    const char *credit_terms;
};
const struct bill_texts *bill_texts(const char *lang);

/* Recurring fees of a tenant charged for every month up to period (in the
 * caller's transaction); existing month charges are kept. */
int bill_recurring_materialize(db_t *db, int64_t tenant_id, const char *period);
/* Recomputes the open charges of the reservations whose ids sql returns (a
 * literal; ?1, ?2, ?3 are bound to a, b, c and ?4 to text s, which must not
 * be NULL; parameters sql does not use are ignored); caller's transaction. */
int bill_recompute_query(db_t *db, const char *sql, int64_t a, int64_t b, int64_t c, const char *s, size_t *n);

/* ---- what a reservation costs (bill_charges.c) ---- */

/* The charge a reservation's current state leads to: usage (an unsettled
 * booking projected as booked), a late-cancellation or a no-show fee, under
 * the rate plan in force at its start and its resource's policy. */
struct bill_fact {
    bool none;                  /* costs nothing (free, or a state without a charge) */
    enum bill_charge_kind kind;
    enum bill_charge_state state;
    int64_t at, start, end, plan_id, net;
    struct bcalc_part parts[BILL_MAX_PARTS];
    size_t nparts;
    struct bcalc_vat vat;
    char exempt_reason[BILL_TEXT];
    char description[BILL_TEXT];
};
/* Computes r's fact without writing anything: the reservation hook stores
 * it, the estimates (bill_quote.c) show it before anything is booked. r need
 * not exist (id 0: no fee history). */
int bill_fact_compute(db_t *db, const rsv_reservation *r, struct bill_fact *ft) LP_MUST;

/* ---- fee history (bill_fees.c) ---- */
/* What a reservation's fees follow: the earliest start since it was first
 * confirmed, and the basis it is charged on at least (see bill_fees.c). */
struct bill_fee_terms {
    bool found;                 /* false: never confirmed, no history */
    bool frozen;                /* the basis was fixed when the late window began */
    int64_t earliest_start;
    int64_t resource_id, start, end;   /* the basis */
};
int bill_fee_terms_get(db_t *db, int64_t reservation_id, struct bill_fee_terms *out) LP_MUST;
/* The part of the reservation hook that records history: starts it at the
 * first confirmation, then lowers earliest_start and moves or freezes the
 * basis on every change (caller's transaction). Runs before the charge is
 * recomputed. */
int bill_fee_track(db_t *db, const rsv_reservation *r) LP_MUST;

/* Reads the site's invoice details; LP_ERR_RULE naming the missing field. */
int bill_site_ready(db_t *db, site_info *s, lp_fail *f);

/* ---- invoice data to a UBL document ---- */
struct bill_doc {
    struct ubl_doc d;
    struct ubl_line *ul;        /* owned */
    char number[BILL_NUMBER_LEN + 8], issue[BILL_DATE_LEN], due[BILL_DATE_LEN], buyer_ref[110];
};
/* Fills doc from inv and its lines (borrowed while doc is used). A draft
 * gets number "DRAFT-<id>" and today's dates. Free with bill_doc_free. */
int bill_doc_build(const bill_invoice *inv, const bill_line *lines, size_t n, struct bill_doc *doc);
void bill_doc_free(struct bill_doc *doc);
/* The one source of every rendering of a stored document (UBL, HTML, PDF,
 * CSV): the invoice row, its lines, the UBL document built from them and its
 * totals (ubl_check). Free with bill_source_free. */
struct bill_source {
    bill_invoice v;
    bill_line *lines;
    size_t n;
    struct bill_doc doc;
    struct bcalc_totals totals;
};
int bill_doc_load(db_t *db, int64_t id, struct bill_source *src);
void bill_source_free(struct bill_source *src);
/* The document as CSV (RFC 4180, CRLF): a "line" row per line (name,
 * description, period, quantity, unit, price, net, VAT category and rate),
 * a "vat" row per VAT rate (taxable amount in net, VAT in vat) and "total"
 * rows (excl. VAT, VAT, incl. VAT, payable), labels in lang. */
int bill_csv_render(const struct ubl_doc *d, const struct bcalc_totals *t, const char *lang, char **csv, size_t *len);
/* Builds the document for v and lines, checks it (ubl_check) and, when it
 * passes, sets v's three totals from it; v is untouched on failure. */
int bill_doc_totals(bill_invoice *v, const bill_line *lines, size_t n);

/* Reads one invoice row (the columns of BILL_INVOICE_COLS) into out;
 * LP_ERR_DB for a kind or status the database should never hold. */
#define BILL_INVOICE_COLS \
    "i.id, i.kind, i.tenant_id, i.period, i.status, COALESCE(i.number, ''), COALESCE(i.corrects_id, 0), " \
    "i.issue_date, i.due_date, i.period_start, i.period_end, i.language, i.seller_name, i.seller_kvk, " \
    "i.seller_vat, i.seller_street, i.seller_city, i.seller_postal, i.seller_country, i.seller_email, " \
    "i.iban, i.bic, i.buyer_name, i.buyer_kvk, i.buyer_vat, i.buyer_street, i.buyer_city, i.buyer_postal, " \
    "i.buyer_country, i.buyer_email, i.buyer_reference, i.payment_terms, i.note, i.exempt_reason, " \
    "i.line_ext_cents, i.tax_cents, i.payable_cents, i.created_by, i.created_at, COALESCE(i.issued_at, 0), " \
    "(SELECT COALESCE(sum(amount_cents), 0) FROM payments p WHERE p.invoice_id = i.id), " \
    "(SELECT COALESCE(sum(payable_cents), 0) FROM invoices c WHERE c.corrects_id = i.id AND c.status = 'issued'), " \
    "COALESCE((SELECT number FROM invoices o WHERE o.id = i.corrects_id), ''), " \
    "COALESCE((SELECT issue_date FROM invoices o WHERE o.id = i.corrects_id), ''), COALESCE(i.project_id, 0), i.po_number"
int bill_invoice_row(sqlite3_stmt *st, bill_invoice *out);

/* Writing documents (caller's transaction). insert stores inv as a draft and
 * sets inv->id; issue gives a draft its number and dates (max + 1 of the
 * series kind/year) and the site's current payment terms, and queues an
 * invoice's e-mail (bill_mail_queue). */
int bill_invoice_insert(db_t *db, const actor_t *who, bill_invoice *inv);
int bill_lines_insert(db_t *db, int64_t invoice_id, const bill_line *lines, size_t n);
int bill_issue_number(db_t *db, int64_t invoice_id);
/* Queues the e-mail of an issued invoice to its buyer's address (none for a
 * credit note, or when the tenant has no billing address), in the caller's
 * transaction (bill_mail.c). */
int bill_mail_queue(db_t *db, int64_t invoice_id);
/* Audit snapshot SQL of an invoice row (one parameter: its id). */
extern const char BILL_SNAP_INVOICE[];

#endif
