/* billing.h: labpass billing on top of the pure arithmetic of bill_calc.h:
 * rate plans and billing policies, charges, monthly invoice runs with gapless
 * numbering, credit notes, payments, and the UBL, HTML and CSV exports.
 *
 * Guarantees:
 *  - Rate plan versions never change (a price change is a new version with
 *    an effective date); the version in force at a booking's start prices it.
 *  - Every billable fact is one charge in integer cents. A reservation's
 *    charge (usage, cancellation fee or no-show fee) is recomputed inside
 *    the reservation's own transaction whenever it changes (the rsv hook),
 *    until the charge is on an invoice; after that it never changes again
 *    (database triggers refuse it) and corrections are credit notes.
 *  - An invoice run is per tenant per site-local month and idempotent: one
 *    invoice per tenant and month, a second run adds nothing. It invoices
 *    the tenant's final (settled) charges dated before the month's end that
 *    are on no invoice yet. Numbers are allocated as max + 1 of the series
 *    (kind, year) inside the BEGIN IMMEDIATE transaction that issues the
 *    document, and issued documents are never deleted, so numbers are
 *    gapless and unique under concurrent runs.
 *  - Totals are computed once from the lines (bcalc_totals_*, VAT once per
 *    rate, half up) and satisfy EN 16931; every exported document passes
 *    ubl_check before a number is taken.
 *  - A draft holds its charges as an issued invoice does (they stop
 *    following their reservations); discard the draft to release them.
 *  - Open charges whose sum is a credit are not invoiced on their own; they
 *    wait for the next month's charges.
 * Recomputations (a new plan version, a policy change, bill_recompute) run
 * in one transaction over every affected open reservation: choose effective
 * dates near today on large databases.
 * Not thread-safe per connection (one db_t per thread, as everywhere). */
#ifndef LP_BILLING_H
#define LP_BILLING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "booking/audit.h"
#include "booking/export.h"
#include "billing/bill_calc.h"
#include "booking/rsv.h"
#include "core/fail.h"
#include "db/db.h"

#define BILL_TEXT 201          /* names, descriptions, reasons: up to 200 bytes */
#define BILL_MAX_PARTS 3
#define BILL_PERIOD_LEN 8      /* "YYYY-MM" */
#define BILL_DATE_LEN 11       /* "YYYY-MM-DD" */
#define BILL_NUMBER_LEN 24     /* "2026-0001", "CN-2026-0001" */

/* ---- registration ---- */

/* Registers the reservation hook (bill_on_reservation) and the demo seeding
 * (bill_demo_seed). Idempotent; also done automatically when the billing
 * module is linked into a program (a constructor in billing.c). */
void bill_register(void);

/* Demo rate plans for every tier, policies for the demo resources and a
 * membership fee for the first demo tenant (a demo_hook, runs inside demo_seed). */
int bill_demo_seed(db_t *db, const actor_t *who) LP_MUST;

/* ---- states and kinds ----
 * Each is an enum with one table of spellings, used both in the database
 * and in JSON: *_name gives the spelling (static; "" out of range), *_parse
 * reads one (LP_ERR_INVALID for anything else). */

/* What a charge is for. Recurring fees are membership or bench. */
enum bill_charge_kind {
    BILL_CHARGE_USAGE = 0, BILL_CHARGE_CANCELLATION, BILL_CHARGE_NO_SHOW, BILL_CHARGE_MEMBERSHIP, BILL_CHARGE_BENCH,
    BILL_CHARGE_ADJUSTMENT, BILL_CHARGE_SERVICE, BILL_CHARGE_CONSUMABLE
};
#define BILL_CHARGE_KIND_COUNT 8
const char *bill_charge_kind_name(enum bill_charge_kind k);
int bill_charge_kind_parse(const char *text, enum bill_charge_kind *out) LP_MUST;

/* pending: the reservation is not settled; final: it is (and may be invoiced). */
enum bill_charge_state { BILL_CHARGE_PENDING = 0, BILL_CHARGE_FINAL };
#define BILL_CHARGE_STATE_COUNT 2
const char *bill_charge_state_name(enum bill_charge_state s);
int bill_charge_state_parse(const char *text, enum bill_charge_state *out) LP_MUST;

/* "invoice" or "credit_note". */
enum bill_doc_kind { BILL_DOC_INVOICE = 0, BILL_DOC_CREDIT_NOTE };
#define BILL_DOC_KIND_COUNT 2
const char *bill_doc_kind_name(enum bill_doc_kind k);
int bill_doc_kind_parse(const char *text, enum bill_doc_kind *out) LP_MUST;

/* "draft" or "issued". */
enum bill_doc_status { BILL_DOC_DRAFT = 0, BILL_DOC_ISSUED };
#define BILL_DOC_STATUS_COUNT 2
const char *bill_doc_status_name(enum bill_doc_status s);
int bill_doc_status_parse(const char *text, enum bill_doc_status *out) LP_MUST;

/* Where a document stands with its money (derived on read, never stored):
 * draft, open, partly_paid, paid, credited; a credit note is issued. */
enum bill_pay_status {
    BILL_PAY_DRAFT = 0, BILL_PAY_OPEN, BILL_PAY_PARTLY_PAID, BILL_PAY_PAID, BILL_PAY_CREDITED, BILL_PAY_ISSUED
};
#define BILL_PAY_STATUS_COUNT 6
const char *bill_pay_status_name(enum bill_pay_status s);
int bill_pay_status_parse(const char *text, enum bill_pay_status *out) LP_MUST;

/* ---- small shared helpers ---- */

/* VAT category codes as stored and shown: "S", "Z", "E", "AE". */
int bill_vat_parse(const char *code, int32_t rate_bp, struct bcalc_vat *out) LP_MUST;
/* The site-local month "YYYY-MM" containing t. */
void bill_period_of(int64_t t, char out[BILL_PERIOD_LEN]);
/* Checks "YYYY-MM" and gives the site-local month [*from, *to). */
int bill_period_parse(const char *period, int64_t *from, int64_t *to) LP_MUST;
/* Parses "YYYY-MM-DD" strictly. */
int bill_date_ok(const char *date);

/* ---- rate plans ---- */

typedef struct bill_plan {
    int64_t id;
    char name[121];
    int64_t resource_id;        /* 0: not one resource */
    char resource_kind[12];     /* lab | equipment | room | "" */
    char tier[16];              /* startup | academic | corporate | "" (every tier) */
    int64_t effective_from;     /* site-local midnight */
    struct bcalc_rate rate;     /* prices, peak windows, rounding, minimum */
    struct bcalc_vat vat;       /* S (with rate), Z or E */
    char exempt_reason[BILL_TEXT];
    bool reverse_charge;        /* EU business buyers abroad: reverse charge (AE) */
    int64_t previous_id;        /* the version this one follows, 0 for a first */
    char created_by[40];
    int64_t created_at;
} bill_plan;

/* Creates a version. With p->previous_id set it must keep that version's
 * scope and tier and start later. Then recomputes the open charges of
 * reservations starting from p->effective_from (invoiced ones never).
 * Sets p->id. LP_ERR_INVALID (field in f), LP_ERR_CONFLICT (same scope, tier
 * and date exists), LP_ERR_NOTFOUND (resource or previous version). */
int bill_plan_create(db_t *db, const actor_t *who, bill_plan *p, lp_fail *f) LP_MUST;
int bill_plan_get(db_t *db, int64_t id, bill_plan *out) LP_MUST;
/* Versions, newest scope first; resource_id > 0 narrows to plans that can
 * apply to that resource. Caller frees *out. */
int bill_plan_list(db_t *db, int64_t resource_id, bill_plan **out, size_t *n) LP_MUST;
/* The version in force for a booking of resource (id, kind) by a tenant of
 * tier starting at at. LP_ERR_NOTFOUND when no plan applies (free). */
int bill_plan_find(db_t *db, int64_t resource_id, const char *kind, const char *tier, int64_t at,
                   bill_plan *out) LP_MUST;
/* Peak windows as text: "mon-fri", "sat,sun", "daily"; minutes "08:00". */
int bill_days_parse(const char *s, uint8_t *days) LP_MUST;
void bill_days_text(uint8_t days, char *out, size_t len);
int bill_hhmm_parse(const char *s, bool allow_24, uint16_t *mins) LP_MUST;

/* ---- billing policies (per resource) ---- */

/* The resource's policy, or the default (booked basis, overrun charged,
 * free until 24 h before, no fees) with *is_default set (may be NULL). */
int bill_policy_get(db_t *db, int64_t resource_id, struct bcalc_policy *out, bool *charge_overrun,
                    bool *is_default) LP_MUST;
/* Replaces the policy; affects the open charges of the resource's
 * unsettled reservations (recomputed now); settled facts keep theirs. */
int bill_policy_set(db_t *db, const actor_t *who, int64_t resource_id, const struct bcalc_policy *p,
                    bool charge_overrun, lp_fail *f) LP_MUST;
const char *bill_basis_name(enum bcalc_basis b);
int bill_basis_parse(const char *s, enum bcalc_basis *out) LP_MUST;
const char *bill_fee_kind_name(enum bcalc_fee_kind k);
int bill_fee_kind_parse(const char *s, enum bcalc_fee_kind *out) LP_MUST;

/* ---- charges ---- */

typedef struct bill_charge {
    int64_t id, tenant_id, person_id, reservation_id, resource_id, recurring_id, rate_plan_id, invoice_id;
    enum bill_charge_kind kind;
    enum bill_charge_state state;
    int64_t at, start, end;     /* period by at (site month); service [start, end) */
    char description[BILL_TEXT];
    char reason[BILL_TEXT];     /* adjustments: why */
    int64_t net_cents;
    struct bcalc_vat vat;
    char exempt_reason[BILL_TEXT];
    struct bcalc_part parts[BILL_MAX_PARTS];
    size_t nparts;
    char invoice_number[BILL_NUMBER_LEN];   /* "" when not issued */
    char created_by[40];
    int64_t created_at, updated_at;
    int64_t project_id;         /* the project it is charged to, 0 when none */
    char project[BILL_TEXT];    /* its code and name ("" when none) */
    char project_po[61];        /* its purchase order number ("" when none) */
} bill_charge;

/* The rsv_on_change hook: (re)computes reservation r's charge inside the
 * caller's transaction, unless it is on an invoice. Fails only on database
 * errors (a reservation without a rate plan simply costs nothing). */
int bill_on_reservation(db_t *db, const rsv_reservation *r) LP_MUST;
/* Recomputes the open charges of reservations starting in [from, to) of
 * one tenant (0: all). Own transaction unless one is open. *n = count. */
int bill_recompute(db_t *db, int64_t tenant_id, int64_t from, int64_t to, size_t *n) LP_MUST;
/* A staff adjustment: c->tenant_id, c->net_cents (non-zero, may be
 * negative), c->description, c->reason (required), c->at (0 = now),
 * c->vat (S 21 % when cat and rate are 0), optional c->person_id.
 * Final at once; sets c->id. */
int bill_adjust(db_t *db, const actor_t *who, bill_charge *c, lp_fail *f) LP_MUST;
int bill_charge_get(db_t *db, int64_t id, bill_charge *out) LP_MUST;

typedef struct bill_charge_filter {
    int64_t from, to;           /* by at: [from, to) */
    int64_t tenant_id;          /* 0: all */
    int64_t person_id;          /* 0: all */
    size_t limit;               /* 0: 20000 */
    int64_t after_at, after_id; /* after_id > 0: only charges after (after_at, after_id) (the next page) */
} bill_charge_filter;
/* Charges by at, id. Caller frees *out. */
int bill_charge_list(db_t *db, const bill_charge_filter *q, bill_charge **out, size_t *n) LP_MUST;
/* The net sum and count of every charge q selects (limit and after ignored). */
int bill_charge_total(db_t *db, const bill_charge_filter *q, int64_t *net_cents, int64_t *count) LP_MUST;
/* The same as RFC 4180 CSV (CRLF, quoted as needed, text cells that start
 * with = + - @ tab or CR prefixed with ' against formula injection).
 * Caller frees *csv. */
int bill_charges_csv(db_t *db, const bill_charge_filter *q, char **csv, size_t *len) LP_MUST;

/* The running total of a tenant's month (charges dated in it plus the
 * recurring fees not charged yet), with VAT estimated as on an invoice. */
typedef struct bill_summary {
    size_t ncharges;
    int64_t final_cents, pending_cents, recurring_cents, invoiced_cents;
    int64_t net_cents, tax_cents, gross_cents;
} bill_summary;
int bill_summary_get(db_t *db, int64_t tenant_id, const char *period, bill_summary *out) LP_MUST;

/* ---- estimates (bill_quote.c) ----
 * What a booking will cost, computed by the same code that charges it
 * (bill_fact_compute), so an estimate equals the invoice line as long as
 * the booking, the plan and the policy stay as they are. */

typedef struct bill_quote {
    bool priced;                    /* a rate plan applies; false: free for this tenant */
    bill_plan plan;                 /* the plan in force at the start (when priced) */
    int64_t start, end;             /* the interval priced */
    int64_t net_cents, vat_cents;   /* used as booked (VAT as on a one-line invoice) */
    struct bcalc_vat vat;
    struct bcalc_part parts[BILL_MAX_PARTS];  /* peak / off-peak / hours, minimum supplement */
    size_t nparts;
    enum bcalc_basis basis;         /* the resource's billing basis */
    bool overrun_charged;           /* time past the booked end is charged (booked basis) */
    int32_t free_cancel_hours;
    int64_t cancel_free_until;      /* cancelling at or before this instant is free */
    int64_t late_cancel_cents;      /* the fee for cancelling after cancel_free_until */
    int64_t noshow_cents;           /* the fee when nobody checks in */
    int32_t early_checkin_min;      /* doors admit and the app checks in this early */
    int64_t early_checkin_cents;    /* what checking in at the earliest adds (0 on the booked basis) */
    bool cancellable;               /* (reservations) it can still be cancelled */
    int64_t cancel_now_cents;       /* (reservations) the fee for cancelling now */
} bill_quote;

/* A booking not made yet: tenant's terms for resource over [start, end).
 * LP_ERR_NOTFOUND when the tenant or the resource does not exist,
 * LP_ERR_INVALID when the interval cannot be priced. */
int bill_quote_new(db_t *db, int64_t tenant_id, int64_t resource_id, int64_t start, int64_t end,
                   bill_quote *out) LP_MUST;
/* An existing reservation as it stands, with the fee for cancelling it now
 * (following its fee history, bill_fees.c). */
int bill_quote_reservation(db_t *db, const rsv_reservation *r, bill_quote *out) LP_MUST;

/* ---- recurring fees ---- */

typedef struct bill_recurring {
    int64_t id, tenant_id;
    enum bill_charge_kind kind; /* BILL_CHARGE_MEMBERSHIP or BILL_CHARGE_BENCH */
    char description[BILL_TEXT];
    int64_t monthly_cents;
    struct bcalc_vat vat;
    char exempt_reason[BILL_TEXT];
    char from_month[BILL_PERIOD_LEN], until_month[BILL_PERIOD_LEN];   /* until "" = open */
    int64_t created_at;
} bill_recurring;

/* True for the kinds a recurring fee may have (membership, bench). */
bool bill_recurring_kind_ok(enum bill_charge_kind k);
int bill_recurring_create(db_t *db, const actor_t *who, bill_recurring *r, lp_fail *f) LP_MUST;
/* Ends a fee after until_month (>= its from_month, and no month after it charged). */
int bill_recurring_end(db_t *db, const actor_t *who, int64_t id, const char *until_month, lp_fail *f) LP_MUST;
int bill_recurring_get(db_t *db, int64_t id, bill_recurring *out) LP_MUST;
/* Fees of one tenant (0: all). Caller frees. */
int bill_recurring_list(db_t *db, int64_t tenant_id, bill_recurring **out, size_t *n) LP_MUST;

/* ---- invoices and credit notes ---- */

typedef struct bill_invoice {
    int64_t id, tenant_id, corrects_id;
    enum bill_doc_kind kind;
    enum bill_doc_status status;
    char number[BILL_NUMBER_LEN];
    char period[BILL_PERIOD_LEN];
    char issue_date[BILL_DATE_LEN], due_date[BILL_DATE_LEN];
    char period_start[BILL_DATE_LEN], period_end[BILL_DATE_LEN];
    char language[3];
    char seller_name[BILL_TEXT], seller_kvk[9], seller_vat[16], seller_street[BILL_TEXT],
         seller_city[101], seller_postal[17], seller_country[3], seller_email[255], iban[35], bic[12];
    char buyer_name[BILL_TEXT], buyer_kvk[9], buyer_vat[16], buyer_street[BILL_TEXT], buyer_city[101],
         buyer_postal[17], buyer_country[3], buyer_email[255], buyer_reference[101];
    char payment_terms[BILL_TEXT], note[BILL_TEXT], exempt_reason[BILL_TEXT];
    int64_t line_ext_cents, tax_cents, payable_cents;
    /* derived on read */
    char corrects_number[BILL_NUMBER_LEN], corrects_date[BILL_DATE_LEN];
    int64_t paid_cents, credited_cents, balance_cents;
    enum bill_pay_status payment_status;
    bool overdue;
    char created_by[40];
    int64_t created_at, issued_at;
    int64_t project_id;         /* an invoice for one project (a company that requires POs), 0 otherwise */
    char po_number[61];         /* the purchase order the invoice answers (UBL OrderReference), "" when none */
} bill_invoice;

typedef struct bill_line {
    int64_t invoice_id, charge_id;
    int pos, corrects_pos;      /* corrects_pos: credit notes, 0 otherwise */
    char name[BILL_TEXT];
    char description[BILL_TEXT];
    char period_start[BILL_DATE_LEN], period_end[BILL_DATE_LEN];
    enum bcalc_unit unit;       /* HUR, C62 or an item's unit */
    int64_t qty_e6, price_cents, net_cents;
    struct bcalc_vat vat;
    int64_t project_id;         /* the project of its charge, 0 when none */
    char project[BILL_TEXT];    /* the project's code and name as invoiced ("" when none) */
} bill_line;

typedef struct bill_run_opts {
    bool draft;                 /* leave the invoices as drafts (no numbers) */
    int64_t tenant_id;          /* 0: every tenant with something to bill */
} bill_run_opts;

typedef struct bill_run_skip { int64_t tenant_id; char reason[200]; } bill_run_skip;

typedef struct bill_run_result {
    char period[BILL_PERIOD_LEN];
    int64_t *created;           /* ids of invoices made by this run; caller frees */
    size_t ncreated;
    int64_t *refreshed;         /* draft runs: ids of the month's drafts rebuilt; caller frees */
    size_t nrefreshed;
    size_t nremoved;            /* draft runs: drafts left with nothing to bill, removed */
    size_t nexisting;           /* tenants whose invoice for the period exists already (issued,
                                 * or a draft in a run that is not a draft run) */
    bill_run_skip *skipped;     /* tenants that cannot be invoiced, with why; caller frees */
    size_t nskipped;
} bill_run_result;

/* Runs the invoices of period "YYYY-MM": one transaction per tenant (the
 * check for an existing invoice, the recurring fees of the month, the lines,
 * the number). LP_ERR_INVALID for a bad period; LP_ERR_RULE when the site's
 * invoice details (KvK, VAT number, IBAN, address) are incomplete.
 * A draft run (o->draft) leaves the invoices as drafts and rebuilds the
 * month's existing drafts (their charges released and the open charges
 * collected again, parties and language as they are now): staff correct the
 * charges (hold one back with bill_exclude, add an adjustment) and run
 * again, then issue. A draft that cannot be rebuilt stays as it was and is
 * listed in skipped. */
int bill_run(db_t *db, const actor_t *who, const char *period, const bill_run_opts *o,
             bill_run_result *res, lp_fail *f) LP_MUST;
void bill_run_result_free(bill_run_result *res);
/* Issues a draft: number, issue date (today, site time) and due date. */
int bill_issue(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
/* Deletes a draft and releases its charges. */
int bill_discard(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
/* Takes charge charge_id off draft id and holds it for the next month (no
 * invoice of the draft's month or earlier takes it again; the next month's
 * run does); the draft's lines and totals are rebuilt from its other
 * charges. LP_ERR_STATE for an issued document (credit it instead) or the
 * draft's last charge (discard the draft instead); LP_ERR_INVALID when the
 * charge is not on the draft; LP_ERR_RULE when the rest is a credit. */
int bill_exclude(db_t *db, const actor_t *who, int64_t id, int64_t charge_id, lp_fail *f) LP_MUST;
/* Rebuilds draft id as a draft run of its month and tenant does (new open
 * charges such as adjustments join it). LP_ERR_STATE for an issued
 * document; LP_ERR_RULE (reason in f) when it cannot be rebuilt. *gone is
 * set when the draft had nothing left to bill and was removed. */
int bill_refresh(db_t *db, const actor_t *who, int64_t id, bool *gone, lp_fail *f) LP_MUST;

typedef struct bill_issue_fail { int64_t id; char reason[200]; } bill_issue_fail;
/* Issues every draft invoice of period, oldest first, each in its own
 * transaction (numbers in that order). *issued and *failed: caller frees. */
int bill_issue_all(db_t *db, const actor_t *who, const char *period, int64_t **issued, size_t *nissued,
                   bill_issue_fail **failed, size_t *nfailed, lp_fail *f) LP_MUST;

int bill_invoice_get(db_t *db, int64_t id, bill_invoice *out) LP_MUST;
/* Lines in order. Caller frees *out. */
int bill_invoice_lines(db_t *db, int64_t id, bill_line **out, size_t *n) LP_MUST;

typedef struct bill_invoice_filter {
    int64_t tenant_id;          /* 0: all */
    const char *period;         /* NULL: all */
    bool by_kind;               /* only documents of kind */
    enum bill_doc_kind kind;
    bool by_status;             /* only documents whose payment_status is status */
    enum bill_pay_status status;
    bool overdue_only;          /* only overdue invoices */
    int64_t corrects_id;        /* > 0: the credit notes of that invoice */
    bool issued_only;           /* leave drafts out */
    size_t limit;               /* 0: 1000 */
    int64_t before_id;          /* > 0: only documents with a smaller id (the next page) */
} bill_invoice_filter;
/* Narrows q to a status as the API and CLI spell it: a payment status, or
 * "overdue". LP_ERR_INVALID for anything else. */
int bill_invoice_filter_status(bill_invoice_filter *q, const char *text) LP_MUST;
/* Newest first. Caller frees *out. */
int bill_invoice_list(db_t *db, const bill_invoice_filter *q, bill_invoice **out, size_t *n) LP_MUST;

/* What a credit note credits: one line of the invoice, wholly (net_cents 0)
 * or for part of its net amount. */
typedef struct bill_credit_sel { int pos; int64_t net_cents; } bill_credit_sel;
/* Issues a credit note for invoice_id (issued): the selected lines, or with
 * nsel 0 everything not credited yet. A line is never credited beyond its
 * amount. Sets *cn_id. */
int bill_credit_note(db_t *db, const actor_t *who, int64_t invoice_id, const char *reason,
                     const bill_credit_sel *sel, size_t nsel, int64_t *cn_id, lp_fail *f) LP_MUST;

typedef struct bill_payment {
    int64_t id, invoice_id, amount_cents;
    char paid_on[BILL_DATE_LEN];
    char reference[BILL_TEXT];
    char created_by[40];
    int64_t created_at;
} bill_payment;
/* Records a payment of an issued invoice (paid_on NULL: today). Refused
 * (LP_ERR_RULE) beyond the balance. Sets p->id. */
int bill_payment_add(db_t *db, const actor_t *who, bill_payment *p, lp_fail *f) LP_MUST;
int bill_payments(db_t *db, int64_t invoice_id, bill_payment **out, size_t *n) LP_MUST;

/* ---- exports (caller frees the buffer) ---- */

/* UBL 2.1 of an issued invoice or credit note (LP_ERR_STATE for a draft). */
int bill_export_ubl(db_t *db, int64_t id, char **xml, size_t *len) LP_MUST;
/* The HTML page in lang ("nl", "en"; NULL: the document's language). A
 * draft shows "DRAFT-<id>" and today's dates. */
int bill_export_html(db_t *db, int64_t id, const char *lang, char **html, size_t *len) LP_MUST;
/* The PDF in lang ("nl", "en"; NULL: the document's language); a draft as
 * for the HTML page. */
int bill_export_pdf(db_t *db, int64_t id, const char *lang, char **pdf, size_t *len) LP_MUST;
/* The document as RFC 4180 CSV: its lines, VAT per rate and totals, the
 * same as the UBL, HTML and PDF (all four from one source). */
int bill_export_csv(db_t *db, int64_t id, char **csv, size_t *len) LP_MUST;

/* The charges of a person's bookings, for their data export (bill_person.c). */
extern const exp_section bill_export_sections[];
extern const size_t bill_export_sections_len;
/* Erasure: old_name (4 characters or more) replaced by new_name in the
 * description and reason of adjustments (the charges staff word) not
 * invoiced yet (count in *changed). Issued invoices stay as they
 * are. In the caller's transaction. */
int bill_erase_person(db_t *db, const char *old_name, const char *new_name, int64_t *changed) LP_MUST;

/* A person's erasure in their service requests: their notes go, and those
 * not started yet (requested, quoted, accepted) are cancelled; count in
 * *changed. In the caller's transaction. */
int bill_erase_requests(db_t *db, int64_t person_id, int64_t now, int64_t *changed) LP_MUST;

#endif
